# Host unit tests for arch/x86/ and hyperv/ (see the top Makefile's unit_rule). The CPU is
# tests/unit/fake_intrin.h (intrin.h includes it under VTLVISOR_HOST); the assembly and the
# data of files a test leaves out come from tests/unit/fake_vmx.c.
UNIT_TESTS += test_exit_dispatch test_exit_cpuid test_exit_msr test_exit_cr test_exit_xsetbv \
	test_mtrr test_ept_build test_msr_bitmap test_vlapic

# Every exit handler is linked: the dispatch table names them all.
TEST_EXIT_COMMON := tests/unit/fake_vmx.c arch/x86/vmexit.c arch/x86/exit_cpuid.c \
	arch/x86/exit_msr.c arch/x86/exit_cr.c arch/x86/exit_misc.c arch/x86/exit_initsipi.c \
	arch/x86/apic.c arch/x86/guest_mem.c arch/x86/insn.c arch/x86/exit_dt.c \
	hyperv/cpuid.c hyperv/crash.c hyperv/hypercall.c hyperv/msr.c hyperv/reftime.c \
	hyperv/synic.c hyperv/stimer.c hyperv/vsm.c hyperv/vsm_prot.c hyperv/translate.c \
	hyperv/intercept.c arch/x86/intr_inject.c \
	vtl/vtl.c arch/x86/vp_vtl.c arch/x86/guest_walk.c arch/x86/vlapic.c arch/x86/vp_vtl_apic.c \
	arch/x86/vmcs.c \
	arch/x86/guest_state.c \
	arch/x86/vmx_caps.c mm/pool.c mm/pmm.c mm/phys.c lib/bitmap.c lib/log.c lib/printf.c \
	lib/string.c lib/mem.c

test_exit_dispatch_SRCS := tests/unit/test_exit_dispatch.c $(TEST_EXIT_COMMON)
test_exit_cpuid_SRCS := tests/unit/test_exit_cpuid.c $(TEST_EXIT_COMMON)
test_exit_msr_SRCS := tests/unit/test_exit_msr.c $(TEST_EXIT_COMMON)
test_exit_cr_SRCS := tests/unit/test_exit_cr.c $(TEST_EXIT_COMMON)
test_exit_xsetbv_SRCS := tests/unit/test_exit_xsetbv.c $(TEST_EXIT_COMMON)

test_vlapic_SRCS := tests/unit/test_vlapic.c arch/x86/vlapic.c

test_mtrr_SRCS := tests/unit/test_mtrr.c arch/x86/mtrr.c lib/string.c lib/mem.c

test_ept_build_SRCS := tests/unit/test_ept_build.c arch/x86/ept.c arch/x86/mtrr.c \
	tests/unit/test_pt_util.c mm/pt.c mm/phys.c arch/x86/ept_format.c lib/string.c lib/mem.c

test_msr_bitmap_SRCS := tests/unit/test_msr_bitmap.c arch/x86/msr_bitmap.c mm/pool.c mm/pmm.c \
	mm/phys.c lib/bitmap.c

UNIT_TESTS += test_hv_msr
test_hv_msr_SRCS := tests/unit/test_hv_msr.c $(TEST_EXIT_COMMON)

UNIT_TESTS += test_hv_hypercall
test_hv_hypercall_SRCS := tests/unit/test_hv_hypercall.c $(TEST_EXIT_COMMON)

UNIT_TESTS += test_hv_reftime
test_hv_reftime_SRCS := tests/unit/test_hv_reftime.c hyperv/reftime.c

UNIT_TESTS += test_hv_synic
test_hv_synic_SRCS := tests/unit/test_hv_synic.c $(TEST_EXIT_COMMON)

UNIT_TESTS += test_guest_access
test_guest_access_SRCS := tests/unit/test_guest_access.c hyperv/guest_access.c mm/phys.c

UNIT_TESTS += test_vsm
test_vsm_SRCS := tests/unit/test_vsm.c $(TEST_EXIT_COMMON)

UNIT_TESTS += test_guest_walk
test_guest_walk_SRCS := tests/unit/test_guest_walk.c arch/x86/guest_walk.c mm/phys.c

UNIT_TESTS += test_intercept
test_intercept_SRCS := tests/unit/test_intercept.c $(TEST_EXIT_COMMON)
