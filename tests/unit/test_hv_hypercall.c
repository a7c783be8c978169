// SPDX-License-Identifier: MIT
/*
 * The hypercall engine (hyperv/hypercall.c): control-word decoding against the call's kind
 * (reference 1.1, 1.4) and VMCALL dispatch: status in RAX, RIP advanced, #UD outside CPL 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/intrin.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "hyperv/hv.h"
#include "tests/unit/fake_vmx.h"

static struct vcpu vp;
static struct pcpu pc;

#define FAST (1ULL << 16)
#define REPS(n) ((u64)(n) << 32)
#define START(n) ((u64)(n) << 48)
#define VARHDR(n) ((u64)(n) << 17)

static int setup(void **state)
{
	fake_vcpu_setup(&vp, &pc);
	return 0;
}

static void test_decode_fields(void **state)
{
	struct hv_control c;

	assert_int_equal(hv_control_decode(0x1234 | FAST | VARHDR(3) | REPS(7) | START(2),
					   HV_CALL_REP | HV_CALL_VARHDR, &c),
			 HV_STATUS_SUCCESS);
	assert_int_equal(c.code, 0x1234);
	assert_true(c.fast);
	assert_int_equal(c.var_header, 3);
	assert_int_equal(c.rep_count, 7);
	assert_int_equal(c.rep_start, 2);
}

static void test_decode_refusals(void **state)
{
	struct hv_control c;

	/* Reserved bits 30:27, the nested bit 31, 47:44, 63:60. */
	for (int bit = 27; bit <= 31; bit++)
		assert_int_equal(hv_control_decode(0x8 | (1ULL << bit), 0, &c), 3);
	for (int bit = 44; bit <= 47; bit++)
		assert_int_equal(hv_control_decode(0x8 | (1ULL << bit), 0, &c), 3);
	for (int bit = 60; bit <= 63; bit++)
		assert_int_equal(hv_control_decode(0x8 | (1ULL << bit), 0, &c), 3);
	/* Simple calls: no reps, no start; rep calls: count > 0 and start < count. */
	assert_int_equal(hv_control_decode(0x8 | REPS(1), 0, &c), 3);
	assert_int_equal(hv_control_decode(0x8 | START(1), 0, &c), 3);
	assert_int_equal(hv_control_decode(0x8, HV_CALL_REP, &c), 3);
	assert_int_equal(hv_control_decode(0x8 | REPS(4) | START(4), HV_CALL_REP, &c), 3);
	assert_int_equal(hv_control_decode(0x8 | REPS(4) | START(3), HV_CALL_REP, &c), 0);
	/* A variable header only where the call has one. */
	assert_int_equal(hv_control_decode(0x8 | VARHDR(1), 0, &c), 3);
	assert_int_equal(hv_control_decode(0x8 | VARHDR(1), HV_CALL_VARHDR, &c), 0);
}

static u64 vmcall(u64 control)
{
	vp.regs.gpr[RCX] = control;
	vp.regs.gpr[RDX] = 1;
	vp.regs.gpr[R8] = 0;
	vp.regs.gpr[RAX] = 0xdeadbeef;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	fake_vmcs_set(VMCS_GUEST_RIP, FAKE_GUEST_RIP);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	return vp.regs.gpr[RAX];
}

static void test_vmcall_statuses(void **state)
{
	assert_int_equal(vmcall(HVCALL_NOTIFY_LONG_SPIN_WAIT | FAST), HV_STATUS_SUCCESS);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 3);
	assert_int_equal(vmcall(0x7fff), HV_STATUS_INVALID_HYPERCALL_CODE);
	assert_int_equal(vmcall(0x0), HV_STATUS_INVALID_HYPERCALL_CODE);
	assert_int_equal(vmcall(0xffff | FAST), HV_STATUS_INVALID_HYPERCALL_CODE);
	assert_int_equal(vmcall(HVCALL_NOTIFY_LONG_SPIN_WAIT | FAST | REPS(1)),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(vmcall(HVCALL_NOTIFY_LONG_SPIN_WAIT | FAST | (1ULL << 30)),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* The memory form is not wired yet: refused, never half-done. */
	assert_int_equal(vmcall(HVCALL_NOTIFY_LONG_SPIN_WAIT), HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
}

static void test_vmcall_outside_cpl0_is_ud(void **state)
{
	/* SS.DPL = 3: CPL 3. */
	fake_vmcs_set(VMCS_GUEST_SS_AR, fake_vmcs_get(VMCS_GUEST_SS_AR) | (3u << 5));
	vp.regs.gpr[RCX] = HVCALL_NOTIFY_LONG_SPIN_WAIT | FAST;
	vp.regs.gpr[RAX] = 0x1234;
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	fake_vmcs_set(VMCS_GUEST_RIP, FAKE_GUEST_RIP);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000306ULL);
	assert_int_equal(vp.regs.gpr[RAX], 0x1234);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_decode_fields),
		T(test_decode_refusals),
		T(test_vmcall_statuses),
		T(test_vmcall_outside_cpl0_is_ud),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
