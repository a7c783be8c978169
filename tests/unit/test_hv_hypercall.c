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

#include "arch/x86/apic.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "hyperv/hv.h"
#include "hyperv/reftime.h"
#include "tests/unit/fake_vmx.h"
#include "vtl/vtl.h"

static struct vcpu vp, vp1, vp2;
static struct pcpu pc;

extern u8 fake_guest_mem[2 * 4096];
extern u64 fake_tlb_flush_mask;
extern u32 fake_tlb_flushes;

#define FAST (1ULL << 16)
#define REPS(n) ((u64)(n) << 32)
#define START(n) ((u64)(n) << 48)
#define VARHDR(n) ((u64)(n) << 17)

static int setup(void **state)
{
	fake_vcpu_setup(&vp, &pc);
	hv_set_privileges_off(0); /* as at takeover: computes what is offered */
	/* Three VPs with APIC IDs 0, 4, 9 (not their indexes). */
	vp.apic_id = 0;
	vp1 = vp;
	vp1.index = 1;
	vp1.apic_id = 4;
	vp2 = vp;
	vp2.index = 2;
	vp2.apic_id = 9;
	fake_vcpus[0] = &vp;
	fake_vcpus[1] = &vp1;
	fake_vcpus[2] = &vp2;
	fake_nvcpus = 3;
	memset(fake_guest_mem, 0, sizeof(fake_guest_mem));
	fake_tlb_flushes = 0;
	return 0;
}

static void put64(u32 off, u64 v)
{
	memcpy(fake_guest_mem + off, &v, 8);
}

static void put32(u32 off, u32 v)
{
	memcpy(fake_guest_mem + off, &v, 4);
}

static u32 get32(u32 off)
{
	u32 v;
	memcpy(&v, fake_guest_mem + off, 4);
	return v;
}

/* A memory-form call: input at FAKE_GUEST_GPA + in_off, output at + out_off. */
static u64 vmcall_mem(u64 control, u32 in_off, u32 out_off)
{
	vp.regs.gpr[RCX] = control;
	vp.regs.gpr[RDX] = FAKE_GUEST_GPA + in_off;
	vp.regs.gpr[R8] = FAKE_GUEST_GPA + out_off;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	return vp.regs.gpr[RAX];
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

/* A fast call: RDX, R8 and (XMM form) XMM0-XMM5 as given. */
static u64 vmcall_fast(u64 control, u64 rdx, u64 r8)
{
	vp.regs.gpr[RCX] = control;
	vp.regs.gpr[RDX] = rdx;
	vp.regs.gpr[R8] = r8;
	vp.regs.gpr[RAX] = 0x77;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	fake_vmcs_set(VMCS_GUEST_RIP, FAKE_GUEST_RIP);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	return vp.regs.gpr[RAX];
}

/* A fast call with RDX = 1 (a misaligned GPA if the call takes the memory form). */
static u64 vmcall(u64 control)
{
	return vmcall_fast(control, 1, 0);
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
	/* Memory form with a misaligned input pointer (RDX = 1). */
	assert_int_equal(vmcall(HVCALL_NOTIFY_LONG_SPIN_WAIT), HV_STATUS_INVALID_ALIGNMENT);
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

static void test_get_vp_index_from_apic_id(void **state)
{
	put64(0, HV_PARTITION_ID_SELF);
	put32(16, 9);
	put32(20, 0);
	put32(24, 4);
	assert_int_equal(vmcall_mem(HVCALL_GET_VP_INDEX_FROM_APIC_ID | REPS(3), 0, 0x1000),
			 HV_STATUS_SUCCESS | REPS(3));
	assert_int_equal(get32(0x1000), 2);
	assert_int_equal(get32(0x1004), 0);
	assert_int_equal(get32(0x1008), 1);
	/* An unknown APIC ID stops the list there: reps completed = 1. */
	put32(20, 77);
	assert_int_equal(vmcall_mem(HVCALL_GET_VP_INDEX_FROM_APIC_ID | REPS(3), 0, 0x1000),
			 HV_STATUS_INVALID_PARAMETER | REPS(1));
	/* Continuing from rep start 2 does only the rest. */
	memset(fake_guest_mem + 0x1000, 0xee, 16);
	assert_int_equal(vmcall_mem(HVCALL_GET_VP_INDEX_FROM_APIC_ID | REPS(3) | START(2), 0,
				    0x1000),
			 HV_STATUS_SUCCESS | REPS(3));
	assert_int_equal(get32(0x1008), 1);
	assert_int_equal(get32(0x1000), 0xeeeeeeee);
	/* Not our partition; a VTL that does not exist; overlapping blocks; a rep list that
	 * would cross the input page. */
	put64(0, 1234);
	assert_int_equal(vmcall_mem(HVCALL_GET_VP_INDEX_FROM_APIC_ID | REPS(1), 0, 0x1000),
			 HV_STATUS_INVALID_PARTITION_ID);
	put64(0, HV_PARTITION_ID_SELF);
	fake_guest_mem[8] = 1;
	assert_int_equal(vmcall_mem(HVCALL_GET_VP_INDEX_FROM_APIC_ID | REPS(1), 0, 0x1000),
			 HV_STATUS_INVALID_PARAMETER);
	/* Once the partition has VTL1, its VTL1 asks too (the AP start-up of VSM). */
	assert_int_equal(vtl_enable_partition(1), 0);
	assert_int_equal(vmcall_mem(HVCALL_GET_VP_INDEX_FROM_APIC_ID | REPS(1), 0, 0x1000),
			 HV_STATUS_SUCCESS | REPS(1));
	fake_guest_mem[8] = 2;
	assert_int_equal(vmcall_mem(HVCALL_GET_VP_INDEX_FROM_APIC_ID | REPS(1), 0, 0x1000),
			 HV_STATUS_INVALID_PARAMETER);
	vtl_reset();
	fake_guest_mem[8] = 0;
	assert_int_equal(vmcall_mem(HVCALL_GET_VP_INDEX_FROM_APIC_ID | REPS(3), 0, 8),
			 HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(vmcall_mem(HVCALL_GET_VP_INDEX_FROM_APIC_ID | REPS(3), 0xff0, 0x1000),
			 HV_STATUS_INVALID_ALIGNMENT);
	/* No output block: refused, never half-done. */
	assert_int_equal(vmcall_mem(HVCALL_GET_VP_INDEX_FROM_APIC_ID | REPS(1), 0, 0x100000),
			 HV_STATUS_INVALID_ALIGNMENT);
}

/* A 32-bit caller (protected mode, CS.L = 0, no IA-32e): EDX:EAX control, EBX:ECX input,
 * EDI:ESI output, result in EDX:EAX. */
static void test_32bit_caller(void **state)
{
	fake_vmcs_set(VMCS_GUEST_EFER, 0);
	fake_vmcs_set(VMCS_GUEST_CS_AR, fake_vmcs_get(VMCS_GUEST_CS_AR) & ~(1u << 13));
	put64(0, HV_PARTITION_ID_SELF);
	put32(16, 4);
	put32(20, 77);
	u64 control = HVCALL_GET_VP_INDEX_FROM_APIC_ID | REPS(2);
	vp.regs.gpr[RAX] = (u32)control | 0xffffffff00000000ULL; /* upper halves ignored */
	vp.regs.gpr[RDX] = control >> 32;
	vp.regs.gpr[RBX] = 0;
	vp.regs.gpr[RCX] = FAKE_GUEST_GPA;
	vp.regs.gpr[RDI] = 0;
	vp.regs.gpr[RSI] = FAKE_GUEST_GPA + 0x1000;
	vp.regs.gpr[R8] = 0x5555; /* a 64-bit caller's output register: not used */
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	/* APIC 77 is nobody: INVALID_PARAMETER after one rep, reps completed in EDX. */
	assert_int_equal(vp.regs.gpr[RAX], HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(vp.regs.gpr[RDX], 1);
	assert_int_equal(get32(0x1000), 1);
	/* Fast form: NotifyLongSpinWait's 8 bytes in EBX:ECX. */
	vp.regs.gpr[RAX] = HVCALL_NOTIFY_LONG_SPIN_WAIT | FAST;
	vp.regs.gpr[RDX] = 0;
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	assert_int_equal(vp.regs.gpr[RAX], HV_STATUS_SUCCESS);
	assert_int_equal(vp.regs.gpr[RDX], 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
}

static void test_send_cluster_ipi(void **state)
{
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00000ULL | APIC_BASE_X2APIC | APIC_BASE_ENABLE);
	fake_msr_set(MSR_X2APIC_ICR, 0);
	/* Fast: RDX = vector | HV_INPUT_VTL << 32, R8 = processor mask. */
	vp.regs.gpr[RDX] = 0x30;
	vp.regs.gpr[R8] = 1ULL << 1 | 1ULL << 40; /* VP 1, and one that does not exist */
	vp.regs.gpr[RCX] = HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | FAST;
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	assert_int_equal(vp.regs.gpr[RAX], HV_STATUS_SUCCESS);
	assert_int_equal(fake_msr_get(MSR_X2APIC_ICR), (4ULL << 32) | 0x30 | ICR_LEVEL_ASSERT);
	/* Bad vectors, a VTL that does not exist, reserved bits. */
	static const u64 bad[] = { 0x0f,
				   0x100,
				   0x30 | (0x11ULL << 32),
				   0x30 | (0x20ULL << 32),
				   0x30 | (1ULL << 40),
				   0x30 | (1ULL << 56) };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_msr_set(MSR_X2APIC_ICR, 0);
		vp.regs.gpr[RDX] = bad[i];
		vp.regs.gpr[R8] = 2;
		vp.regs.gpr[RCX] = HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | FAST;
		assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
		assert_int_equal(vp.regs.gpr[RAX], HV_STATUS_INVALID_PARAMETER);
		assert_int_equal(fake_msr_get(MSR_X2APIC_ICR), 0);
	}
}

static void test_flush(void **state)
{
	put64(0, 0x1000); /* address space */
	put64(8, 0);	  /* flags */
	put64(16, 0x5);	  /* VPs 0 and 2 */
	assert_int_equal(vmcall_mem(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0x1000),
			 HV_STATUS_SUCCESS);
	assert_int_equal(fake_tlb_flushes, 1);
	assert_int_equal(fake_tlb_flush_mask, 0x5);
	put64(8, 1); /* all processors */
	vmcall_mem(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0x1000);
	assert_int_equal(fake_tlb_flush_mask, ~0ULL);
	put64(8, 1ULL << 5); /* unknown flag */
	assert_int_equal(vmcall_mem(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, 0, 0x1000),
			 HV_STATUS_INVALID_PARAMETER);
	/* The list: a rep call; NON_GLOBAL_MAPPINGS_ONLY is not valid for it. */
	put64(8, 0);
	assert_int_equal(vmcall_mem(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST | REPS(4), 0, 0x1000),
			 HV_STATUS_SUCCESS | REPS(4));
	put64(8, 1ULL << 2);
	assert_int_equal(vmcall_mem(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST | REPS(4), 0, 0x1000),
			 HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(fake_tlb_flushes, 3);
	/* 24 bytes need XMM0: without XMM fast input offered, #UD (KVM, OpenVMM). */
	hv_xmm_init(false);
	vp.regs.gpr[RCX] = HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE | FAST;
	vp.regs.gpr[RAX] = 0x77;
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	fake_vmcs_set(VMCS_GUEST_RIP, FAKE_GUEST_RIP);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000306ULL);
	assert_int_equal(vp.regs.gpr[RAX], 0x77);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);
}

static void test_xmm_fast_input_output(void **state)
{
	hv_xmm_init(true);
	/* Flush: address space in RDX, flags in R8, the processor mask in XMM0's low half. */
	u64 mask = 0x6;
	memcpy(fake_xmm[0], &mask, 8);
	assert_int_equal(vmcall_fast(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE | FAST, 0x1000, 0),
			 HV_STATUS_SUCCESS);
	assert_int_equal(fake_tlb_flush_mask, 0x6);
	assert_int_equal(fake_xmm[0][0], 6); /* input registers are preserved */
	/* GetVpIndexFromApicId, 2 reps: 16 + 8 bytes in (RDX:R8, XMM0), 8 out in XMM1. */
	u32 ids[4] = { 9, 4, 0xdead, 0xbeef };
	memcpy(fake_xmm[0], ids, 16);
	memset(fake_xmm[1], 0xee, 16);
	assert_int_equal(vmcall_fast(HVCALL_GET_VP_INDEX_FROM_APIC_ID | FAST | REPS(2),
				     HV_PARTITION_ID_SELF, 0),
			 HV_STATUS_SUCCESS | REPS(2));
	u32 got[4];
	memcpy(got, fake_xmm[1], 16);
	assert_int_equal(got[0], 2);
	assert_int_equal(got[1], 1);
	assert_int_equal(got[2], 0); /* the rest of the pair: zeros, nothing stale */
	assert_int_equal(got[3], 0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 3);
	/* More than RDX:R8 + XMM0-5 can hold: 16 + 4 * 30 in, 4 * 30 out. */
	assert_int_equal(vmcall_fast(HVCALL_GET_VP_INDEX_FROM_APIC_ID | FAST | REPS(30),
				     HV_PARTITION_ID_SELF, 0),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* A 32-bit caller has no XMM form: #UD. */
	fake_vmcs_set(VMCS_GUEST_CS_AR, 0xc09b);
	vp.regs.gpr[RAX] = HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE | FAST; /* EDX:EAX */
	vp.regs.gpr[RDX] = 0;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000306ULL);
	assert_int_equal(vp.regs.gpr[RAX], HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE | FAST);
}

#define SPARSE 0
#define ALL 1

static void test_ex_forms(void **state)
{
	/* FlushVirtualAddressSpaceEx: +0 space, +8 flags, +16 HV_VP_SET (format, valid banks,
	 * banks in the variable header). */
	put64(0, 0x1000);
	put64(8, 0);
	put64(16, SPARSE);
	put64(24, 1);	/* bank 0 only */
	put64(32, 0x5); /* VPs 0 and 2 */
	assert_int_equal(vmcall_mem(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX | VARHDR(1), 0, 0x1000),
			 HV_STATUS_SUCCESS);
	assert_int_equal(fake_tlb_flush_mask, 0x5);
	/* Banks announced and banks present must agree. */
	assert_int_equal(vmcall_mem(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 0, 0x1000),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* Only bank 1 (VPs 64-127, none exist): nobody. */
	put64(24, 2);
	put64(32, 0xff);
	assert_int_equal(vmcall_mem(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX | VARHDR(1), 0, 0x1000),
			 HV_STATUS_SUCCESS);
	assert_int_equal(fake_tlb_flush_mask, 0);
	put64(16, ALL);
	assert_int_equal(vmcall_mem(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 0, 0x1000),
			 HV_STATUS_SUCCESS);
	assert_int_equal(fake_tlb_flush_mask, ~0ULL);
	put64(16, 2); /* no such format */
	assert_int_equal(vmcall_mem(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, 0, 0x1000),
			 HV_STATUS_INVALID_PARAMETER);
	/* The list form: the GVA ranges follow the banks. */
	put64(16, SPARSE);
	put64(24, 1);
	put64(32, 0x2);
	put64(40, 0x400000);
	put64(48, 0x800000);
	assert_int_equal(vmcall_mem(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX | VARHDR(1) | REPS(2), 0,
				    0x1000),
			 HV_STATUS_SUCCESS | REPS(2));
	assert_int_equal(fake_tlb_flush_mask, 0x2);
	/* A variable header on the plain form is refused. */
	assert_int_equal(vmcall_mem(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE | VARHDR(1), 0, 0x1000),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);

	/* SendSyntheticClusterIpiEx: +0 vector, +4 VTL, +8 HV_VP_SET. */
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00000ULL | APIC_BASE_X2APIC | APIC_BASE_ENABLE);
	fake_msr_set(MSR_X2APIC_ICR, 0);
	put64(0, 0x31);
	put64(8, SPARSE);
	put64(16, 1);
	put64(24, 0x4); /* VP 2: APIC ID 9 */
	assert_int_equal(vmcall_mem(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI_EX | VARHDR(1), 0, 0x1000),
			 HV_STATUS_SUCCESS);
	assert_int_equal(fake_msr_get(MSR_X2APIC_ICR), (9ULL << 32) | 0x31 | ICR_LEVEL_ASSERT);
	put64(0, 0x0f);
	assert_int_equal(vmcall_mem(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI_EX | VARHDR(1), 0, 0x1000),
			 HV_STATUS_INVALID_PARAMETER);
	u32 r[4];
	assert_true(hv_cpuid(0x40000004, 0, r));
	assert_true(r[0] & HV_RECOMMEND_EX_PROCESSOR_MASKS);
}

/* A rep call that runs out of its time budget returns unfinished: RIP stays, the rep start
 * in RCX moves on, and the guest's next VMCALL does the rest (reference 1.3). */
static void test_continuation(void **state)
{
	hv_frequencies_init(200000, 200000); /* a 50 us budget of 10 ticks */
	fake_tsc_step = 100;		     /* every rdtsc() is past it */
	put64(0, HV_PARTITION_ID_SELF);
	put32(16, 9);
	put32(20, 0);
	put32(24, 4);
	const u64 base = HVCALL_GET_VP_INDEX_FROM_APIC_ID | REPS(3);
	u64 control = base;
	vp.regs.gpr[RAX] = 0x55;
	for (u32 done = 1; done < 3; done++) {
		vmcall_mem(control, 0, 0x1000);
		assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP); /* again */
		assert_int_equal(vp.regs.gpr[RCX], base | START(done));
		assert_int_equal(vp.regs.gpr[RAX], 0x55);
		control = vp.regs.gpr[RCX];
	}
	assert_int_equal(vmcall_mem(control, 0, 0x1000), HV_STATUS_SUCCESS | REPS(3));
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 3);
	assert_int_equal(get32(0x1000), 2);
	assert_int_equal(get32(0x1004), 0);
	assert_int_equal(get32(0x1008), 1);
	hv_frequencies_init(0, 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_decode_fields),
		T(test_decode_refusals),
		T(test_vmcall_statuses),
		T(test_vmcall_outside_cpl0_is_ud),
		T(test_get_vp_index_from_apic_id),
		T(test_32bit_caller),
		T(test_send_cluster_ipi),
		T(test_flush),
		T(test_xmm_fast_input_output),
		T(test_ex_forms),
		T(test_continuation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
