// SPDX-License-Identifier: MIT
/*
 * XSETBV exits (arch/x86/exit_misc.c exit_xsetbv): every value the CPU would refuse with
 * #GP (SDM vol.2 XSETBV; vol.1 13.3) is refused before the hypervisor runs XSETBV itself,
 * since a #GP in VMX root operation would halt the CPU; valid values reach xsetbv().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "tests/unit/fake_vmx.h"

static struct vcpu vp;
static struct pcpu pc;

#define XSETBV_LEN 3
#define GP_INFO 0x80000b0dULL

/* XCR0 state components (SDM vol.1 13.1). */
#define X87 (1ULL << 0)
#define SSE (1ULL << 1)
#define AVX (1ULL << 2)
#define BNDREGS (1ULL << 3)
#define BNDCSR (1ULL << 4)
#define OPMASK (1ULL << 5)
#define ZMM_HI256 (1ULL << 6)
#define HI16_ZMM (1ULL << 7)
#define AVX512 (OPMASK | ZMM_HI256 | HI16_ZMM)
#define PKRU (1ULL << 9)
#define TILECFG (1ULL << 17)
#define TILEDATA (1ULL << 18)
#define CPU_XCR0 (X87 | SSE | AVX | BNDREGS | BNDCSR | AVX512 | PKRU | TILECFG | TILEDATA)

static void cpu_supports(u64 xcr0)
{
	/* CPUID.(EAX=0DH,ECX=0): EDX:EAX = the XCR0 bits the CPU supports. */
	fake_cpuid_set(0xd, 0, (u32)xcr0, 0x2c0, 0x2c0, (u32)(xcr0 >> 32));
}

static int setup(void **state)
{
	fake_vcpu_setup(&vp, &pc);
	cpu_supports(CPU_XCR0);
	fake_vmcs_set(VMCS_CR4_SHADOW, FAKE_GUEST_CR4 | CR4_OSXSAVE);
	fake_vmcs_set(VMCS_GUEST_CR4, FAKE_GUEST_CR4 | CR4_OSXSAVE | CR4_VMXE);
	return 0;
}

static void xsetbv_exit(u64 rcx, u64 val)
{
	vp.regs.gpr[RCX] = rcx;
	vp.regs.gpr[RAX] = (u32)val;
	vp.regs.gpr[RDX] = val >> 32;
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, XSETBV_LEN);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_XSETBV), EXIT_RESUME);
}

static void assert_gp_for(u64 rcx, u64 val)
{
	xsetbv_exit(rcx, val);
	if (fake_vmcs_get(VMCS_ENTRY_INTR_INFO) != GP_INFO)
		fail_msg("XSETBV ECX=%#llx value %#llx: no #GP (xsetbv ran %u times)",
			 (unsigned long long)rcx, (unsigned long long)val, fake_xsetbv_count);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);
	assert_int_equal(fake_xsetbv_count, 0);
	assert_int_equal(fake_xcr[0], X87);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	memset(fake_vmcs_writes, 0, sizeof(fake_vmcs_writes));
}

static void assert_accepted(u64 val, unsigned nth)
{
	xsetbv_exit(0, val);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(fake_xsetbv_count, nth);
	assert_int_equal(fake_xsetbv_last_idx, 0);
	assert_int_equal(fake_xsetbv_last_val, val);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + nth * XSETBV_LEN);
}

/* ---- valid values ------------------------------------------------------------------------ */

static void test_valid_values_reach_xsetbv(void **state)
{
	static const u64 ok[] = { X87,
				  X87 | SSE,
				  X87 | SSE | AVX,
				  X87 | SSE | AVX | AVX512,
				  X87 | BNDREGS | BNDCSR,
				  X87 | SSE | AVX | PKRU,
				  X87 | SSE | TILECFG | TILEDATA,
				  CPU_XCR0 };

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		assert_accepted(ok[i], i + 1);
	assert_int_equal(fake_xcr[0], CPU_XCR0);
}

static void test_upper_rcx_rax_rdx_ignored(void **state)
{
	/* SDM vol.2 XSETBV: the high halves of RCX, RAX and RDX are ignored. */
	vp.regs.gpr[RCX] = 0xffffffff00000000ULL;
	vp.regs.gpr[RAX] = 0xffffffff00000007ULL;
	vp.regs.gpr[RDX] = 0xffffffff00000000ULL;
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, XSETBV_LEN);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_XSETBV), EXIT_RESUME);
	assert_int_equal(fake_xsetbv_count, 1);
	assert_int_equal(fake_xsetbv_last_val, X87 | SSE | AVX);
}

/* ---- #GP rules ------------------------------------------------------------------------------ */

static void test_xcr_other_than_0_faults(void **state)
{
	assert_gp_for(1, X87);
	assert_gp_for(2, X87);
	assert_gp_for(0xffffffff, X87);
}

static void test_x87_clear_faults(void **state)
{
	assert_gp_for(0, 0);
	assert_gp_for(0, SSE);
	assert_gp_for(0, SSE | AVX);
}

static void test_avx_without_sse_faults(void **state)
{
	assert_gp_for(0, X87 | AVX);
	assert_gp_for(0, X87 | AVX | AVX512);
}

static void test_partial_avx512_faults(void **state)
{
	static const u64 partial[] = { OPMASK,
				       ZMM_HI256,
				       HI16_ZMM,
				       OPMASK | ZMM_HI256,
				       OPMASK | HI16_ZMM,
				       ZMM_HI256 | HI16_ZMM };

	for (size_t i = 0; i < ARRAY_SIZE(partial); i++)
		assert_gp_for(0, X87 | SSE | AVX | partial[i]);
}

static void test_avx512_without_avx_faults(void **state)
{
	assert_gp_for(0, X87 | SSE | AVX512);
}

static void test_mpx_halves_fault(void **state)
{
	assert_gp_for(0, X87 | BNDREGS);
	assert_gp_for(0, X87 | BNDCSR);
}

static void test_unsupported_bits_fault(void **state)
{
	cpu_supports(X87 | SSE | AVX);
	assert_gp_for(0, X87 | SSE | AVX | AVX512);
	assert_gp_for(0, X87 | PKRU);
	assert_gp_for(0, X87 | BNDREGS | BNDCSR);
	assert_gp_for(0, X87 | (1ULL << 8)); /* PT: IA32_XSS only, never XCR0 */
	assert_gp_for(0, X87 | (1ULL << 32));
	assert_gp_for(0, X87 | (1ULL << 63));
	/* A high bit the CPU reports (EDX of leaf 0xD) is accepted. */
	cpu_supports(X87 | SSE | (1ULL << 40));
	assert_accepted(X87 | (1ULL << 40), 1);
}

static void test_guest_cr4_osxsave_clear_faults(void **state)
{
	/* SDM vol.2 XSETBV: CR4.OSXSAVE = 0 is #UD (vector 6, no error code). The guest owns
	 * the bit: its real CR4 decides, whatever the (stale) shadow says. */
	fake_vmcs_set(VMCS_CR4_SHADOW, FAKE_GUEST_CR4 | CR4_OSXSAVE);
	fake_vmcs_set(VMCS_GUEST_CR4, FAKE_GUEST_CR4 | CR4_VMXE);
	vp.regs.gpr[RCX] = 0;
	vp.regs.gpr[RAX] = X87 | SSE;
	vp.regs.gpr[RDX] = 0;
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	assert_int_equal(exit_xsetbv(&vp), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000306ULL);
	assert_int_equal(fake_xsetbv_count, 0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);
}

/* The Linux boot that found the bug: OSXSAVE set in the real CR4 without an exit, the
 * shadow still 0 from the firmware. XSETBV must go through. */
static void test_osxsave_set_by_guest_without_exit(void **state)
{
	fake_vmcs_set(VMCS_CR4_SHADOW, FAKE_GUEST_CR4);
	fake_vmcs_set(VMCS_GUEST_CR4, FAKE_GUEST_CR4 | CR4_VMXE | CR4_OSXSAVE);
	cpu_supports(X87 | SSE | AVX);
	assert_accepted(X87 | SSE | AVX, 1);
}

static void test_amx_halves_fault(void **state)
{
	/* SDM vol.1 13.3: XCR0[17] (TILECFG) and XCR0[18] (TILEDATA) are set together. */
	assert_gp_for(0, X87 | SSE | TILECFG);
	assert_gp_for(0, X87 | SSE | TILEDATA);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid_values_reach_xsetbv),
		T(test_upper_rcx_rax_rdx_ignored),
		T(test_xcr_other_than_0_faults),
		T(test_x87_clear_faults),
		T(test_avx_without_sse_faults),
		T(test_partial_avx512_faults),
		T(test_avx512_without_avx_faults),
		T(test_mpx_halves_fault),
		T(test_unsupported_bits_fault),
		T(test_guest_cr4_osxsave_clear_faults),
		T(test_osxsave_set_by_guest_without_exit),
		T(test_amx_halves_fault),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
