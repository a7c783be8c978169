// SPDX-License-Identifier: MIT
/*
 * CPUID exits (arch/x86/exit_cpuid.c) and the hypervisor leaves (hyperv/cpuid.c), against
 * the fake CPUID table of tests/unit/fake_intrin.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/core.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "hyperv/hv.h"
#include "tests/unit/fake_vmx.h"

static struct vcpu vp;
static struct pcpu pc;

static int setup(void **state)
{
	fake_vcpu_setup(&vp, &pc);
	hv_set_privileges_off(0); /* as at takeover: computes what is offered */
	return 0;
}

#define CPUID_LEN 2
#define ECX1_VMX (1u << 5)
#define ECX1_OSXSAVE (1u << 27)
#define ECX1_HYPERVISOR (1u << 31)
#define ECX7_OSPKE (1u << 4)
#define CR4_PKE (1ULL << 22)

/* Runs one CPUID exit for (leaf, sub) through the dispatcher; checks it resumed. */
static void do_cpuid(u64 rax, u64 rcx)
{
	vp.regs.gpr[RAX] = rax;
	vp.regs.gpr[RCX] = rcx;
	vp.regs.gpr[RBX] = 0xbbbbbbbbbbbbbbbbULL;
	vp.regs.gpr[RDX] = 0xddddddddddddddddULL;
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, CPUID_LEN);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_CPUID), EXIT_RESUME);
}

static void assert_regs(u32 a, u32 b, u32 c, u32 d)
{
	assert_int_equal(vp.regs.gpr[RAX], a);
	assert_int_equal(vp.regs.gpr[RBX], b);
	assert_int_equal(vp.regs.gpr[RCX], c);
	assert_int_equal(vp.regs.gpr[RDX], d);
}

static u32 sig4(const char *s)
{
	u32 v;

	memcpy(&v, s, 4);
	return v;
}

/* ---- leaf 1 ------------------------------------------------------------------------------ */

static void test_leaf1_hides_vmx_and_announces_hypervisor(void **state)
{
	fake_cpuid_set(1, 0, 0x000906ea, 0x01100800, 0x7ffafbff & ~ECX1_OSXSAVE, 0xbfebfbff);
	do_cpuid(1, 0);
	/* ECX: VMX (5) cleared, hypervisor (31) set, OSXSAVE (27) off like CR4_SHADOW. */
	assert_regs(0x000906ea, 0x01100800,
		    (0x7ffafbff & ~ECX1_VMX & ~ECX1_OSXSAVE) | ECX1_HYPERVISOR, 0xbfebfbff);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + CPUID_LEN);
}

static void test_leaf1_osxsave_follows_guest_cr4(void **state)
{
	/* OSXSAVE is the guest's own bit (not in cr4_mask): it sets it in the real CR4
	 * without an exit, and the shadow keeps whatever it was. The real CR4 decides. */
	/* Host has OSXSAVE on, the guest's CR4 does not (a stale shadow says it does). */
	fake_cpuid_set(1, 0, 0x000906ea, 0, 0x7ffafbff, 0);
	fake_vmcs_set(VMCS_GUEST_CR4, FAKE_GUEST_CR4 | CR4_VMXE);
	fake_vmcs_set(VMCS_CR4_SHADOW, FAKE_GUEST_CR4 | CR4_OSXSAVE);
	do_cpuid(1, 0);
	assert_int_equal(vp.regs.gpr[RCX] & ECX1_OSXSAVE, 0);

	/* Host has it off, the guest set it (Linux's fpu__init_cpu_xstate; the shadow still
	 * says 0): the bit comes. */
	fake_cpuid_set(1, 0, 0x000906ea, 0, 0x7ffafbff & ~ECX1_OSXSAVE, 0);
	fake_vmcs_set(VMCS_GUEST_CR4, FAKE_GUEST_CR4 | CR4_VMXE | CR4_OSXSAVE);
	fake_vmcs_set(VMCS_CR4_SHADOW, FAKE_GUEST_CR4);
	do_cpuid(1, 0);
	assert_int_equal(vp.regs.gpr[RCX], (0x7ffafbff & ~ECX1_VMX) | ECX1_HYPERVISOR);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 2 * CPUID_LEN);
}

static void test_leaf1_minimal_host(void **state)
{
	/* Nothing set by the host: only the hypervisor bit appears. */
	fake_cpuid_set(1, 0, 0x663, 0, 0, 0);
	do_cpuid(1, 0);
	assert_regs(0x663, 0, ECX1_HYPERVISOR, 0);
}

/* ---- leaf 7 ------------------------------------------------------------------------------ */

static void test_leaf7_ospke_follows_guest_cr4_pke(void **state)
{
	fake_cpuid_set(7, 0, 0, 0x029c6fbf, 0x40000018 | ECX7_OSPKE, 0xbc000400);
	do_cpuid(7, 0);
	assert_regs(0, 0x029c6fbf, 0x40000008, 0xbc000400);

	fake_cpuid_set(7, 0, 0, 0x029c6fbf, 0x40000008, 0xbc000400);
	fake_vmcs_set(VMCS_GUEST_CR4, FAKE_GUEST_CR4 | CR4_VMXE | CR4_PKE);
	do_cpuid(7, 0);
	assert_regs(0, 0x029c6fbf, 0x40000008 | ECX7_OSPKE, 0xbc000400);
}

static void test_leaf7_other_subleaf_untouched(void **state)
{
	fake_cpuid_set(7, 1, 0x11, 0x22, 0x33 | ECX7_OSPKE, 0x44);
	do_cpuid(7, 1);
	assert_regs(0x11, 0x22, 0x33 | ECX7_OSPKE, 0x44);
}

/* ---- hypervisor leaves --------------------------------------------------------------------- */

static void test_leaf_40000000_vendor(void **state)
{
	/* Whatever the CPU (or an outer hypervisor) says there is not what the guest sees. */
	fake_cpuid_set(0x40000000, 0, 0x40000010, sig4("KVMK"), sig4("VMKV"), sig4("M\0\0\0"));
	do_cpuid(0x40000000, 0);
	assert_regs(0x4000000a, sig4("Micr"), sig4("osof"), sig4("t Hv"));
	assert_int_equal(fake_cpuid_calls, 0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + CPUID_LEN);
}

static void test_leaf_40000100_identity(void **state)
{
	do_cpuid(0x40000100, 0);
	assert_regs(0x40000102, sig4("vtlv"), sig4("isor"), sig4("    "));
	do_cpuid(0x40000101, 0);
	assert_regs((VTLVISOR_VERSION_MAJOR << 16) | VTLVISOR_VERSION_MINOR, 0, 0, 0);
}

/* TLFS leaves (reference 2.3-2.4): exactly what is implemented is advertised. */
/* vtlvisor's counter leaf: this VP's exits (this CPUID's own included), its INVEPTs. */
static void test_exit_count_leaf(void **state)
{
	vp.exits = 0x100000004ULL;
	vp.invepts = 0x100000007ULL; /* the low 32 bits */
	vp.irqs_held = 9;
	do_cpuid(0x40000102, 0);
	assert_regs(5, 1, 7, 9);
}

static void test_tlfs_leaves(void **state)
{
	core.caps.phys_addr_bits = 40;
	fake_nvcpus = 3;
	do_cpuid(0x40000001, 0);
	assert_regs(0x31237648, 0, 0, 0); /* "Hv#1" */
	do_cpuid(0x40000002, 0);
	assert_regs(0, (VTLVISOR_VERSION_MAJOR << 16) | VTLVISOR_VERSION_MINOR, 0, 0);
	/* AccessIntrCtrlRegs (4), AccessHypercallMsrs (5), AccessVpIndex (6), AccessResetReg
	 * (7); EDX: crash MSRs */
	do_cpuid(0x40000003, 0);
	/* + SynIC (bit 2), PostMessages and SignalEvents (EBX 4, 5), AccessVsm,
	 * AccessVpRegisters and StartVirtualProcessor (EBX 16, 17, 21); no timers: no
	 * reference time in this test. */
	assert_regs(0x4f4, 0x230030, 0, (1u << 10) | (1u << 5)); /* + guest idle (EDX 5) */
	do_cpuid(0x40000004, 0); /* flush + cluster-IPI hypercalls, never notify spin waits */
	/* + bit 4: reboot through the RESET MSR, bit 9: AutoEOI deprecated */
	assert_regs(0xe16, 0xffffffff, 40, 0); /* + bit 11: the Ex forms */
	do_cpuid(0x40000005, 0);	       /* max VPs / LPs */
	assert_regs(3, 3, 0, 0);
	do_cpuid(0x40000006, 0); /* MSR bitmaps, SLAT */
	assert_regs(0xa, 0, 0, 0);
	fake_nvcpus = 0;
	assert_int_equal(fake_cpuid_calls, 0);
}

static void test_other_hypervisor_leaves_are_zero(void **state)
{
	static const u32 leaves[] = { 0x40000007, 0x40000008, 0x40000009, 0x4000000a,
				      0x400000ff, 0x40000103, 0x41000000, 0x4fffffff };

	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++) {
		fake_cpuid_set(leaves[i], FAKE_CPUID_ANY_SUB, 1, 2, 3, 4);
		do_cpuid(leaves[i], 5);
		assert_regs(0, 0, 0, 0);
	}
	assert_int_equal(fake_cpuid_calls, 0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP),
			 FAKE_GUEST_RIP + ARRAY_SIZE(leaves) * CPUID_LEN);
}

static void test_hv_cpuid_range(void **state)
{
	u32 out[4] = { 9, 9, 9, 9 };

	assert_false(hv_cpuid(0x3fffffff, 0, out));
	assert_false(hv_cpuid(0x50000000, 0, out));
	assert_false(hv_cpuid(0x80000000, 0, out));
	assert_int_equal(out[0], 9); /* untouched when false */
	assert_true(hv_cpuid(0x40000000, 0, out));
	assert_int_equal(out[0], 0x4000000a);
	assert_true(hv_cpuid(0x4fffffff, 0, out));
	assert_int_equal(out[0], 0);
}

/* ---- pass-through ------------------------------------------------------------------------ */

static void test_normal_leaves_pass_through(void **state)
{
	fake_cpuid_set(0, 0, 0x16, sig4("Genu"), sig4("ntel"), sig4("ineI"));
	fake_cpuid_set(4, 0, 0x1c004121, 0x01c0003f, 0x3f, 0);
	fake_cpuid_set(4, 2, 0x1c004143, 0x01c0003f, 0x3ff, 0);
	fake_cpuid_set(0x80000001, 0, 0, 0, 0x121, 0x2c100800);
	fake_cpuid_set(0x50000000, 0, 0xa, 0xb, 0xc, 0xd); /* just past the hypervisor range */

	do_cpuid(0, 0);
	assert_regs(0x16, sig4("Genu"), sig4("ntel"), sig4("ineI"));
	do_cpuid(4, 2); /* the subleaf reaches the CPU */
	assert_regs(0x1c004143, 0x01c0003f, 0x3ff, 0);
	do_cpuid(4, 0);
	assert_regs(0x1c004121, 0x01c0003f, 0x3f, 0);
	do_cpuid(0x80000001, 0);
	assert_regs(0, 0, 0x121, 0x2c100800);
	do_cpuid(0x50000000, 0);
	assert_regs(0xa, 0xb, 0xc, 0xd);
	assert_int_equal(fake_cpuid_calls, 5);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 5 * CPUID_LEN);
	assert_int_equal(fake_vmcs_write_count(VMCS_ENTRY_INTR_INFO), 0);
}

static void test_upper_register_halves(void **state)
{
	/* CPUID uses EAX/ECX; in 64-bit mode it zero-extends into RAX..RDX (SDM vol.2). */
	fake_cpuid_set(4, 1, 0x1c004122, 0x01c0003f, 0x3f, 0);
	do_cpuid(0xffffffff00000004ULL, 0x1234567800000001ULL);
	assert_regs(0x1c004122, 0x01c0003f, 0x3f, 0);
}

static void test_rip_advance_ends_sti_blocking(void **state)
{
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, INTR_BLOCK_STI);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	vp.regs.gpr[RAX] = 0;
	assert_int_equal(vmexit_dispatch(&vp, EXIT_CPUID), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 3);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_INTERRUPTIBILITY), 0);
	assert_int_equal(fake_vmcs_errors, 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_leaf1_hides_vmx_and_announces_hypervisor),
		T(test_leaf1_osxsave_follows_guest_cr4),
		T(test_leaf1_minimal_host),
		T(test_leaf7_ospke_follows_guest_cr4_pke),
		T(test_leaf7_other_subleaf_untouched),
		T(test_leaf_40000000_vendor),
		T(test_leaf_40000100_identity),
		T(test_exit_count_leaf),
		T(test_tlfs_leaves),
		T(test_other_hypervisor_leaves_are_zero),
		T(test_hv_cpuid_range),
		T(test_normal_leaves_pass_through),
		T(test_upper_register_halves),
		T(test_rip_advance_ends_sti_blocking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
