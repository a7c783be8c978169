// SPDX-License-Identifier: MIT
/*
 * RDMSR/WRMSR exits (arch/x86/exit_msr.c) against the fake MSR table: the MSRs the
 * hypervisor answers itself (IA32_FEATURE_CONTROL, the VMX capability MSRs, the Hyper-V
 * range, IA32_EFER, the x2APIC ICR) and the fault-safe pass-through of everything else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/apic.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "hyperv/hv.h"
#include "tests/unit/fake_vmx.h"

static struct vcpu vp;
static struct pcpu pc;

#define MSR_LEN 2
#define GP_INFO 0x80000b0dULL /* valid, hardware exception, error code, vector 13 */
#define RAX_POISON 0x1111111111111111ULL
#define RDX_POISON 0x2222222222222222ULL
#define CPUID_NX (1u << 20)

static int setup(void **state)
{
	fake_vcpu_setup(&vp, &pc);
	hv_set_privileges_off(0); /* as at takeover: computes what is offered */
	/* A CPU with NX (CPUID.80000001H:EDX[20]). */
	fake_cpuid_set(0x80000001, 0, 0, 0, 0x121, 0x2c100800 | CPUID_NX);
	return 0;
}

static void rdmsr_exit(u32 msr)
{
	vp.regs.gpr[RCX] = msr;
	vp.regs.gpr[RAX] = RAX_POISON;
	vp.regs.gpr[RDX] = RDX_POISON;
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, MSR_LEN);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_RDMSR), EXIT_RESUME);
}

static void wrmsr_exit(u32 msr, u64 val)
{
	vp.regs.gpr[RCX] = msr;
	vp.regs.gpr[RAX] = (u32)val;
	vp.regs.gpr[RDX] = val >> 32;
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, MSR_LEN);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_WRMSR), EXIT_RESUME);
}

/* The exit completed: RIP moved past the instruction, nothing injected. */
static void assert_done(unsigned nth)
{
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + nth * MSR_LEN);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 0);
}

/* #GP(0) was injected and RIP stayed on the faulting instruction (SDM vol.3 6.15). */
static void assert_gp(void)
{
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), GP_INFO);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 0);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_EXCEPTION_ERRCODE), 1);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	memset(fake_vmcs_writes, 0, sizeof(fake_vmcs_writes));
}

static void assert_read_gp(u32 msr)
{
	rdmsr_exit(msr);
	assert_gp();
	assert_int_equal(vp.regs.gpr[RAX], RAX_POISON);
	assert_int_equal(vp.regs.gpr[RDX], RDX_POISON);
}

/* ---- IA32_FEATURE_CONTROL ---------------------------------------------------------------- */

static void test_feature_control_reads_locked_without_vmx(void **state)
{
	/* SDM vol.4 table 2-2: bit 0 lock, bit 1 VMX in SMX, bit 2 VMX outside SMX. */
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 0x5);
	rdmsr_exit(MSR_IA32_FEATURE_CONTROL);
	assert_int_equal(vp.regs.gpr[RAX], 0x1);
	assert_int_equal(vp.regs.gpr[RDX], 0);
	assert_done(1);

	/* Other bits (SENTER enables, SGX, ...) and the high half stay. */
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 0x10000ff07ULL);
	rdmsr_exit(MSR_IA32_FEATURE_CONTROL);
	assert_int_equal(vp.regs.gpr[RAX], 0xff01);
	assert_int_equal(vp.regs.gpr[RDX], 0x1);

	/* Unlocked on the host: the guest still sees it locked. */
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 0);
	rdmsr_exit(MSR_IA32_FEATURE_CONTROL);
	assert_int_equal(vp.regs.gpr[RAX], 0x1);
	assert_done(3);
	assert_int_equal(fake_msr_bad, 0);
}

static void test_feature_control_write_faults(void **state)
{
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 0x5);
	wrmsr_exit(MSR_IA32_FEATURE_CONTROL, 0x5);
	assert_gp();
	wrmsr_exit(MSR_IA32_FEATURE_CONTROL, 0x1);
	assert_gp();
	assert_int_equal(fake_msr_get(MSR_IA32_FEATURE_CONTROL), 0x5);
}

/* ---- VMX capability MSRs and the Hyper-V range ----------------------------------------------- */

static void test_vmx_msrs_fault(void **state)
{
	for (u32 msr = 0x480; msr <= 0x492; msr++) {
		fake_msr_set(msr, 0x00ff00ff00ff00ffULL); /* the CPU has them: still hidden */
		assert_read_gp(msr);
		wrmsr_exit(msr, 0);
		assert_gp();
		assert_int_equal(fake_msr_get(msr), 0x00ff00ff00ff00ffULL);
	}
}

/* Synthetic MSRs not implemented (so not advertised) #GP both ways (test_hv_msr.c covers
 * the implemented ones). */
static void test_hyperv_msrs_fault(void **state)
{
	static const u32 msrs[] = { 0x40000004, 0x40000010, 0x40000074, 0x400000ff };

	for (size_t i = 0; i < ARRAY_SIZE(msrs); i++) {
		fake_msr_set(msrs[i], 0x42);
		assert_read_gp(msrs[i]);
		wrmsr_exit(msrs[i], 1);
		assert_gp();
		assert_int_equal(fake_msr_get(msrs[i]), 0x42);
	}
}

static void test_range_edges_pass_through(void **state)
{
	/* Just outside both ranges: ordinary MSRs, read from the CPU. */
	fake_msr_set(0x47f, 0x47f);
	fake_msr_set(0x3fffffff, 0x3fff);
	fake_msr_set(0x40000200, 0x4000);
	rdmsr_exit(0x47f);
	assert_int_equal(vp.regs.gpr[RAX], 0x47f);
	rdmsr_exit(0x3fffffff);
	assert_int_equal(vp.regs.gpr[RAX], 0x3fff);
	rdmsr_exit(0x40000200);
	assert_int_equal(vp.regs.gpr[RAX], 0x4000);
	assert_done(3);
}

/* ---- pass-through -------------------------------------------------------------------------- */

static void test_rdmsr_passes_through(void **state)
{
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00900);
	fake_msr_set(0xc0000103, 0x100000002ULL);
	rdmsr_exit(MSR_IA32_APIC_BASE);
	assert_int_equal(vp.regs.gpr[RAX], 0xfee00900);
	assert_int_equal(vp.regs.gpr[RDX], 0);
	/* EDX:EAX, each zero-extended into the 64-bit register. */
	rdmsr_exit(0xc0000103);
	assert_int_equal(vp.regs.gpr[RAX], 2);
	assert_int_equal(vp.regs.gpr[RDX], 1);
	assert_done(2);
}

static void test_rdmsr_upper_rcx_ignored(void **state)
{
	fake_msr_set(0x1b, 0xfee00900);
	vp.regs.gpr[RCX] = 0xdead00000000001bULL;
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, MSR_LEN);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_RDMSR), EXIT_RESUME);
	assert_int_equal(vp.regs.gpr[RAX], 0xfee00900);
}

static void test_rdmsr_of_missing_msr_faults(void **state)
{
	fake_msr_set_faulting(0x1234);
	assert_read_gp(0x1234);
	assert_read_gp(0xc0011029); /* not in the table at all */
	/* The fault-safe path was used: no unsafe access to an absent MSR. */
	assert_int_equal(fake_msr_bad, 0);
}

static void test_wrmsr_passes_through(void **state)
{
	fake_msr_set(0xc0000103, 0);
	wrmsr_exit(0xc0000103, 0x100000002ULL);
	assert_int_equal(fake_msr_get(0xc0000103), 0x100000002ULL);
	assert_done(1);

	/* Only EDX:EAX count, not the upper halves of RDX and RAX. */
	vp.regs.gpr[RCX] = 0xc0000103;
	vp.regs.gpr[RAX] = 0xffffffff00000004ULL;
	vp.regs.gpr[RDX] = 0xffffffff00000003ULL;
	assert_int_equal(vmexit_dispatch(&vp, EXIT_WRMSR), EXIT_RESUME);
	assert_int_equal(fake_msr_get(0xc0000103), 0x300000004ULL);
	assert_done(2);
}

static void test_wrmsr_of_faulting_msr_faults(void **state)
{
	fake_msr_set_faulting(0x1234);
	wrmsr_exit(0x1234, 7);
	assert_gp();
	wrmsr_exit(0xc0011029, 7);
	assert_gp();
	assert_int_equal(fake_msr_bad, 0);
}

/* ---- IA32_EFER writes (SDM vol.3 2.2.1, 9.8.5; vol.4 table 2-2) ------------------------------ */

static void test_efer_same_value(void **state)
{
	wrmsr_exit(MSR_IA32_EFER, FAKE_GUEST_EFER);
	assert_done(1);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), FAKE_GUEST_EFER);
	/* EFER lives in the VMCS (load/save EFER controls): the host MSR is not touched. */
	assert_int_equal(fake_msr_get(MSR_IA32_EFER), 0);
}

static void test_efer_lma_preserved(void **state)
{
	/* Long mode: writing LMA = 0 does not leave IA-32e mode. */
	wrmsr_exit(MSR_IA32_EFER, EFER_SCE | EFER_LME | EFER_NXE);
	assert_done(1);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);

	/* Paging off, LMA 0: writing LMA = 1 does not enter it. */
	fake_vmcs_set(VMCS_CR0_SHADOW, 0x11);
	fake_vmcs_set(VMCS_GUEST_EFER, 0);
	wrmsr_exit(MSR_IA32_EFER, EFER_LME | EFER_LMA);
	assert_done(2);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), EFER_LME);
}

static void test_efer_reserved_bits_fault(void **state)
{
	static const u64 bad[] = { 1ULL << 1,  1ULL << 7,  1ULL << 9,  1ULL << 12, 1ULL << 13,
				   1ULL << 14, 1ULL << 15, 1ULL << 32, 1ULL << 63 };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		wrmsr_exit(MSR_IA32_EFER, FAKE_GUEST_EFER | bad[i]);
		assert_gp();
		assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), FAKE_GUEST_EFER);
	}
	assert_int_equal(fake_vmcs_write_count(VMCS_GUEST_EFER), 0);
}

static void test_efer_lme_change_with_paging_faults(void **state)
{
	/* CR0.PG = 1 as the guest sees it: LME may not change. */
	wrmsr_exit(MSR_IA32_EFER, FAKE_GUEST_EFER & ~EFER_LME);
	assert_gp();
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), FAKE_GUEST_EFER);

	/* 32-bit paging, LME 0 -> 1: #GP too. */
	fake_vmcs_set(VMCS_GUEST_EFER, EFER_SCE);
	fake_vmcs_set(VMCS_CR0_SHADOW, 0x80000011);
	wrmsr_exit(MSR_IA32_EFER, EFER_SCE | EFER_LME);
	assert_gp();
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), EFER_SCE);

	/* The shadow decides, not the real CR0 (which has PG forced on by fixed0 here). */
	fake_vmcs_set(VMCS_CR0_SHADOW, 0x11);
	fake_vmcs_set(VMCS_GUEST_CR0, 0x80000031);
	wrmsr_exit(MSR_IA32_EFER, EFER_SCE | EFER_LME);
	assert_done(1);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), EFER_SCE | EFER_LME);
}

static void test_efer_nxe_needs_cpuid(void **state)
{
	fake_cpuid_set(0x80000001, 0, 0, 0, 0x121, 0x2c100800 & ~CPUID_NX);
	wrmsr_exit(MSR_IA32_EFER, FAKE_GUEST_EFER);
	assert_gp();
	wrmsr_exit(MSR_IA32_EFER, FAKE_GUEST_EFER & ~EFER_NXE);
	assert_done(1);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), FAKE_GUEST_EFER & ~EFER_NXE);

	fake_cpuid_set(0x80000001, 0, 0, 0, 0x121, CPUID_NX);
	wrmsr_exit(MSR_IA32_EFER, FAKE_GUEST_EFER);
	assert_done(2);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), FAKE_GUEST_EFER);
}

static void test_efer_entry_control_untouched(void **state)
{
	wrmsr_exit(MSR_IA32_EFER, FAKE_GUEST_EFER & ~EFER_NXE);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_CTLS), 0);
	assert_int_equal(vp.entry_ctls & ENTRY_IA32E_GUEST, ENTRY_IA32E_GUEST);
}

/* ---- x2APIC ICR --------------------------------------------------------------------------- */

static void test_x2apic_icr_init_deassert_dropped(void **state)
{
	fake_msr_set(MSR_X2APIC_ICR, 0);
	/* INIT, level trigger, de-assert (SDM 10.6.1): a no-op, not sent. */
	wrmsr_exit(MSR_X2APIC_ICR, (ICR_MODE_INIT << 8) | ICR_TRIGGER_LEVEL);
	assert_done(1);
	assert_int_equal(fake_msrs[0].writes, 0);
}

static void test_x2apic_icr_fixed_ipi_passes(void **state)
{
	fake_msr_set(MSR_X2APIC_ICR, 0);
	wrmsr_exit(MSR_X2APIC_ICR, (3ULL << 32) | ICR_LEVEL_ASSERT | 0x40);
	assert_done(1);
	assert_int_equal(fake_msr_get(MSR_X2APIC_ICR), (3ULL << 32) | ICR_LEVEL_ASSERT | 0x40);
}

static void test_x2apic_sipi_wakes_parked_vp(void **state)
{
	struct vcpu ap;
	u64 sipi = (2ULL << 32) | (ICR_MODE_SIPI << 8) | ICR_LEVEL_ASSERT | 0x9a;

	memset(&ap, 0, sizeof(ap));
	ap.index = 1;
	ap.apic_id = 2;
	ap.parked = true;
	ap.sipi_vector = -1;
	fake_vcpus[1] = &ap;
	fake_nvcpus = 2;
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00000 | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	fake_msr_set(MSR_X2APIC_ICR, 0);

	wrmsr_exit(MSR_X2APIC_ICR, sipi);
	assert_done(1);
	assert_int_equal(ap.sipi_vector, 0x9a);
	/* The NMI that wakes the AP went out, then the guest's SIPI itself. */
	assert_int_equal(fake_msr_slot(MSR_X2APIC_ICR, false)->writes, 2);
	assert_int_equal(fake_msr_get(MSR_X2APIC_ICR), sipi);

	/* The second SIPI of the sequence does not change the vector (SDM 8.4.4.1). */
	wrmsr_exit(MSR_X2APIC_ICR, (sipi & ~0xffULL) | 0x10);
	assert_int_equal(ap.sipi_vector, 0x9a);
	assert_int_equal(fake_msr_slot(MSR_X2APIC_ICR, false)->writes, 3);
	assert_int_equal(fake_msr_bad, 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_feature_control_reads_locked_without_vmx),
		T(test_feature_control_write_faults),
		T(test_vmx_msrs_fault),
		T(test_hyperv_msrs_fault),
		T(test_range_edges_pass_through),
		T(test_rdmsr_passes_through),
		T(test_rdmsr_upper_rcx_ignored),
		T(test_rdmsr_of_missing_msr_faults),
		T(test_wrmsr_passes_through),
		T(test_wrmsr_of_faulting_msr_faults),
		T(test_efer_same_value),
		T(test_efer_lma_preserved),
		T(test_efer_reserved_bits_fault),
		T(test_efer_lme_change_with_paging_faults),
		T(test_efer_nxe_needs_cpuid),
		T(test_efer_entry_control_untouched),
		T(test_x2apic_icr_init_deassert_dropped),
		T(test_x2apic_icr_fixed_ipi_passes),
		T(test_x2apic_sipi_wakes_parked_vp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
