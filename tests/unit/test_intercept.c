// SPDX-License-Identifier: MIT
/*
 * Secure register intercepts (hyperv/intercept.c, arch/x86/exit_cr.c, exit_msr.c,
 * exit_misc.c, exit_dt.c; TLFS reference 3.9, docs/VSM.md "Secure intercepts: registers"):
 * HvRegisterCrInterceptControl and its masks from VTL1 (both ways of naming them), what they
 * refuse and to whom, what they do to VTL0's VMCS; then each kind of write by VTL0, locked
 * and not: the write does not happen, RIP stays, VTL1's SINT0 gets the message (checked byte
 * by byte) and VTL1 is entered with reason 2; VTL1 resolves it with SetVpRegisters or
 * PendingEvent0. Last, the descriptor-table instructions the hypervisor emulates while
 * descriptor-table exiting is on, with their faults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/ept.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vp_vtl.h"
#include "hyperv/hv.h"
#include "hyperv/intercept.h"
#include "hyperv/synic.h"
#include "mm/phys.h"
#include "tests/unit/fake_vmx.h"
#include "vtl/vtl.h"

static struct vcpu vp, vp1;
static struct pcpu pc;
extern u8 fake_guest_mem[2 * 4096];
extern u64 fake_overlay_gpa[8], fake_overlay_hpa[8];
extern u32 fake_noverlays;

/* RAM right below the pool: VTL1's VP assist page, VTL1's SIM page (an overlay: the GPA),
 * VTL0's page tables (PML4, PDPT, PD, PT), then data pages. Then the pool. */
#define RAM_PAGES 12
static u8 mem[RAM_PAGES * 4096 + 64 * 4096] __attribute__((aligned(4096)));
#define RAM_GPA (FAKE_POOL_PA - RAM_PAGES * 0x1000)
#define ASSIST_GPA RAM_GPA
#define SIM_GPA (RAM_GPA + 0x1000)
#define PT_GPA(n) (RAM_GPA + 0x1000 * (2 + (n))) /* PML4, PDPT, PD, PT */
#define DATA_GPA(n) (RAM_GPA + 0x1000 * (6 + (n)))
static u8 *const assist = mem;
/* VTL0's linear addresses (4 KiB pages): DATA(n) maps data page n. */
#define LA(n) (0x200000ULL + 0x1000 * (n))
#define LA_USER 0     /* user, writable */
#define LA_SUPER 1    /* supervisor, writable */
#define LA_MISSING 2  /* not present */
#define LA_READONLY 3 /* supervisor, read-only */
#define LA_GDT 4      /* VTL0's GDT for LLDT/LTR */

#define IN 0x000
#define OUT 0x1000
#define VMCALL_LEN 3
#define VTL1_RIP 0x9000ULL
#define USE_VTL(n) (0x10 | (n))
#define VEC_ICPT 0xe3 /* VTL1's SINT0 vector */
#define GP_INFO 0x80000b0dULL
/* A segment register's VMCS field (the fields go ES, CS, SS, DS, FS, GS, LDTR, TR). */
#define SEGF(f, s) ((f) + 2 * (s))

static u64 *pte(u32 n, u32 index)
{
	return (u64 *)(mem + 0x1000 * (2 + n)) + index;
}

static u8 *data(u32 n)
{
	return mem + 0x1000 * (6 + n);
}

static int setup(void **state)
{
	fake_two_vps_setup(&vp, &vp1, &pc, mem, RAM_PAGES * 4096, sizeof(mem));
	hv_synic_init();
	fake_vmcs_set(VMCS_PROC_CTLS2, PROC2_EPT | PROC2_VPID);
	core.proc2 = PROC2_EPT | PROC2_VPID;
	core.caps.proc2 = (u64)(PROC2_EPT | PROC2_VPID | PROC2_DESC_TABLE_EXITING) << 32;
	static const u32 msrs[] = { MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
				    MSR_IA32_SYSENTER_EIP, MSR_IA32_MISC_ENABLE };
	for (size_t i = 0; i < ARRAY_SIZE(msrs); i++)
		fake_msr_set(msrs[i], 0);
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00000 | 0xd00); /* VTL0's APIC: x2APIC */
	fake_msr_set(0x808, 0x50);			      /* its TPR: CR8 5 */
	/* VTL0's TR and LDTR as VM entry (and SetVpRegisters' checks) want them. */
	fake_vmcs_set(SEGF(VMCS_GUEST_ES_AR, SEG_TR), 0x8b);
	fake_vmcs_set(SEGF(VMCS_GUEST_ES_LIMIT, SEG_TR), 0x67);
	fake_vmcs_set(SEGF(VMCS_GUEST_ES_AR, SEG_LDTR), AR_UNUSABLE);
	vcpu_vtl_hook = hv_vtl_serve_requests;
	vcpu_reg_write_hook = hv_reg_write_intercept;
	return 0;
}

static int teardown(void **state)
{
	vcpu_vtl_hook = NULL;
	vcpu_reg_write_hook = NULL;
	return 0;
}

static void put64(u32 off, u64 v)
{
	memcpy(fake_guest_mem + off, &v, 8);
}

static u64 get64(u32 off)
{
	u64 v;
	memcpy(&v, fake_guest_mem + off, 8);
	return v;
}

/* A VMCALL exit of vp (64-bit mode, CPL 0): RAX afterwards. */
static u64 vmcall(u64 rcx, u64 rdx, u64 r8)
{
	vp.in_guest = 0;
	vp.regs.gpr[RCX] = rcx;
	vp.regs.gpr[RDX] = rdx;
	vp.regs.gpr[R8] = r8;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, VMCALL_LEN);
	fake_vmcs_set(VMCS_GUEST_EFER, FAKE_GUEST_EFER);
	fake_vmcs_set(VMCS_GUEST_CS_AR, FAKE_GUEST_CS_AR_64);
	fake_vmcs_set(SEGF(VMCS_GUEST_ES_AR, SEG_SS), FAKE_GUEST_SS_AR);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	return vp.regs.gpr[RAX];
}

static u64 mem_call(u64 control)
{
	return vmcall(control, FAKE_GUEST_GPA + IN, FAKE_GUEST_GPA + OUT);
}

static void vtl_stub(u64 code, u64 input)
{
	vp.regs.gpr[RAX] = input;
	vmcall(code, 0, 0);
}

static void seg(u8 *c, u32 off, u64 base, u32 limit, u16 sel, u16 attr)
{
	memcpy(c + off, &base, 8);
	memcpy(c + off + 8, &limit, 4);
	memcpy(c + off + 12, &sel, 2);
	memcpy(c + off + 14, &attr, 2);
}

/* EnablePartitionVtl + EnableVpVtl(SELF) with a 64-bit VTL1 context; VTL call into it (its
 * VMCS made and entered); its VP assist page on; its SynIC on with SINT0 = VEC_ICPT; its
 * APIC in x2APIC mode and software-enabled, IF set. vp runs VTL1 afterwards. */
static void vtl1_running(bool synic)
{
	u8 *c = fake_guest_mem + IN + 16;
	u64 q[3] = { VTL1_RIP, 0xa000, 0x2 };

	memset(fake_guest_mem, 0, 256);
	put64(IN, HV_PARTITION_ID_SELF);
	fake_guest_mem[IN + 8] = 1;
	assert_int_equal(mem_call(HVCALL_ENABLE_PARTITION_VTL), 0);
	memset(fake_guest_mem, 0, 256);
	put64(IN, HV_PARTITION_ID_SELF);
	put64(IN + 8, HV_VP_INDEX_SELF | 1ULL << 32);
	memcpy(c, q, sizeof(q));
	seg(c, 24, 0, 0xffffffff, 0x08, 0xa09b);
	for (u32 off = 40; off <= 104; off += 16)
		seg(c, off, 0, 0xffffffff, 0x10, 0xc093);
	seg(c, 120, 0x3000, 0x67, 0x18, 0x008b);
	u64 tail[5] = { EFER_LME | EFER_LMA | EFER_NXE, 0x80000033, 0x6000, 0x6a0,
			0x0007040600070406ULL };
	memcpy(c + 184, tail, sizeof(tail));
	assert_int_equal(mem_call(HVCALL_ENABLE_VP_VTL), 0);
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(vp.active_vtl, 1);
	assert_int_equal(vcpu_entry_slow(&vp), VCPU_ENTER_LAUNCH);
	assert_int_equal(fake_wrmsr_exit(&vp, HV_MSR_VP_ASSIST_PAGE, ASSIST_GPA | 1), EXIT_RESUME);
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_APIC_BASE, 0xfee00000 | 0xd00), EXIT_RESUME);
	if (synic) {
		assert_int_equal(fake_wrmsr_exit(&vp, HV_MSR_SIMP, SIM_GPA | 1), EXIT_RESUME);
		assert_int_equal(fake_wrmsr_exit(&vp, HV_MSR_SCONTROL, 1), EXIT_RESUME);
		assert_int_equal(fake_wrmsr_exit(&vp, HV_MSR_SINT0, VEC_ICPT), EXIT_RESUME);
		assert_false(fake_gp_injected());
	}
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x202);
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
}

/* GetVpRegisters / SetVpRegisters of one name for vp_index at input_vtl: the status. */
static u16 get_reg_of(u32 vp_index, u32 name, u8 input_vtl, u64 *val)
{
	memset(fake_guest_mem, 0, 32);
	put64(IN, HV_PARTITION_ID_SELF);
	put64(IN + 8, (u64)vp_index | (u64)input_vtl << 32);
	memcpy(fake_guest_mem + IN + 16, &name, 4);
	put64(OUT, 0xeeee);
	u64 rax = mem_call(HVCALL_GET_VP_REGISTERS | (1ULL << 32));
	*val = get64(OUT);
	return rax & 0xffff;
}

static u16 get_reg(u32 name, u8 input_vtl, u64 *val)
{
	return get_reg_of(HV_VP_INDEX_SELF, name, input_vtl, val);
}

static u16 set_reg2_of(u32 vp_index, u32 name, u8 input_vtl, u64 lo, u64 hi)
{
	memset(fake_guest_mem, 0, 48);
	put64(IN, HV_PARTITION_ID_SELF);
	put64(IN + 8, (u64)vp_index | (u64)input_vtl << 32);
	memcpy(fake_guest_mem + IN + 16, &name, 4);
	put64(IN + 32, lo);
	put64(IN + 40, hi);
	return mem_call(HVCALL_SET_VP_REGISTERS | (1ULL << 32)) & 0xffff;
}

static u16 set_reg(u32 name, u8 input_vtl, u64 val)
{
	return set_reg2_of(HV_VP_INDEX_SELF, name, input_vtl, val, 0);
}

/* VTL1 locks with these (its own registers: HV_INPUT_VTL 0). */
static void lock(u64 control, u64 cr0_mask, u64 cr4_mask, u64 misc_mask)
{
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CR0_MASK, 0, cr0_mask), 0);
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CR4_MASK, 0, cr4_mask), 0);
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_MISC_ENABLE_MASK, 0, misc_mask), 0);
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CONTROL, 0, control), 0);
}

/* VTL1 returns to VTL0 (normal return: VTL0's RAX/RCX from the assist page). */
static void back_to_vtl0(void)
{
	vtl_stub(HVCALL_VTL_RETURN, 0);
	assert_int_equal(vp.active_vtl, 0);
}

/* The host address of VTL1's SIM page (the overlay at SIM_GPA of VTL1). */
static struct hv_message *sint0_slot(void)
{
	for (u32 i = 0; i < fake_noverlays; i++)
		if (fake_overlay_gpa[i] == (SIM_GPA | 1))
			return (struct hv_message *)phys_to_virt(fake_overlay_hpa[i]);
	fail_msg("VTL1 has no SIM page");
	return NULL;
}

static const struct hv_x64_register_intercept_message *reg_msg(void)
{
	return (const void *)sint0_slot()->payload;
}

static const struct hv_x64_msr_intercept_message *msr_msg(void)
{
	return (const void *)sint0_slot()->payload;
}

/* VTL1 consumes the message (TLFS: type to 0, EOM when another waits). */
static void vtl1_consumes(void)
{
	struct hv_message *m = sint0_slot();
	bool pending = m->flags & HV_MESSAGE_FLAG_PENDING;

	m->type = 0;
	if (pending)
		assert_int_equal(fake_wrmsr_exit(&vp, HV_MSR_EOM, 0), EXIT_RESUME);
}

static u32 entry_reason(void)
{
	u32 r;
	memcpy(&r, assist + HV_VP_ASSIST_ENTRY_REASON, 4);
	return r;
}

/* After an intercepted exit of VTL0: VTL1 has the message and is entered (reason 2) with
 * VTL0's RAX/RCX kept for its return; VTL0's RIP was left alone. */
static void assert_vtl1_entered(u64 vtl0_rip)
{
	assert_int_equal(vp.active_vtl, 0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), vtl0_rip);
	assert_false(fake_gp_injected());
	vcpu_entry_slow(&vp);
	assert_int_equal(vp.active_vtl, 1);
	assert_int_equal(entry_reason(), HV_VTL_ENTRY_INTERRUPT);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000000ULL | VEC_ICPT);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	assert_true(fake_wrmsr_exit(&vp, 0x80b, 0) == EXIT_RESUME); /* EOI */
}

/* A MOV to CR (SDM vol.3 table 28-3) by vp's running VTL, from RBX. */
static int mov_to_cr(u32 cr, u64 val)
{
	vp.in_guest = 0;
	vp.regs.gpr[RBX] = val;
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, cr | RBX << 8);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	return vmexit_dispatch(&vp, EXIT_CR_ACCESS);
}

/* ---- the registers ------------------------------------------------------------------------- */

static void test_registers_from_vtl1(void **state)
{
	u64 val;

	vtl1_running(true);
	u64 cr4_mask_vtl1 = fake_vmcs_get(VMCS_CR4_MASK);
	/* Hyper-V's form (the caller's own registers) and the lower VTL's name: the same. */
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CR4_MASK, 0, CR4_SMEP | CR4_SMAP), 0);
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CR0_MASK, USE_VTL(0), CR0_WP), 0);
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_MISC_ENABLE_MASK, USE_VTL(1), 1ULL << 22), 0);
	u64 ctl = HV_ICPT_CR0_WRITE | HV_ICPT_CR4_WRITE | HV_ICPT_LSTAR_WRITE | HV_ICPT_IDTR_WRITE;
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CONTROL, USE_VTL(0), ctl), 0);
	for (u8 form = 0; form < 3; form++) {
		u8 ivtl = form == 0 ? 0 : USE_VTL(form - 1);
		assert_int_equal(get_reg(HV_REG_CR_INTERCEPT_CONTROL, ivtl, &val), 0);
		assert_int_equal(val, ctl);
		assert_int_equal(get_reg(HV_REG_CR_INTERCEPT_CR0_MASK, ivtl, &val), 0);
		assert_int_equal(val, CR0_WP);
		assert_int_equal(get_reg(HV_REG_CR_INTERCEPT_CR4_MASK, ivtl, &val), 0);
		assert_int_equal(val, CR4_SMEP | CR4_SMAP);
		assert_int_equal(get_reg(HV_REG_CR_INTERCEPT_MISC_ENABLE_MASK, ivtl, &val), 0);
		assert_int_equal(val, 1ULL << 22);
	}
	/* VTL1's own VMCS is untouched; VTL0's owns the watched bits (shadows kept right) and
	 * has descriptor-table exiting. */
	assert_int_equal(fake_vmcs_get(VMCS_CR4_MASK), cr4_mask_vtl1);
	assert_false(fake_vmcs_get(VMCS_PROC_CTLS2) & PROC2_DESC_TABLE_EXITING);
	back_to_vtl0();
	assert_int_equal(fake_vmcs_get(VMCS_CR4_MASK), vp.cr4_mask | CR4_SMEP | CR4_SMAP);
	assert_int_equal(fake_vmcs_get(VMCS_CR0_MASK), vp.cr0_mask | CR0_WP);
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), FAKE_GUEST_CR0);
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), FAKE_GUEST_CR4);
	assert_true(fake_vmcs_get(VMCS_PROC_CTLS2) & PROC2_DESC_TABLE_EXITING);
	assert_true(fake_vmcs_get(VMCS_PROC_CTLS2) & PROC2_EPT);
	/* Cleared (the lower VTL's name): the masks stay, the VMCS is as before. */
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CONTROL, USE_VTL(0), 0), 0);
	back_to_vtl0();
	assert_int_equal(fake_vmcs_get(VMCS_CR4_MASK), vp.cr4_mask);
	assert_int_equal(fake_vmcs_get(VMCS_CR0_MASK), vp.cr0_mask);
	assert_false(fake_vmcs_get(VMCS_PROC_CTLS2) & PROC2_DESC_TABLE_EXITING);
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(get_reg(HV_REG_CR_INTERCEPT_CR4_MASK, 0, &val), 0);
	assert_int_equal(val, CR4_SMEP | CR4_SMAP);
}

static void test_registers_refused(void **state)
{
	u64 val;

	/* VTL0 has nothing to lock, and may not touch VTL1's (before and after VTL1 exists). */
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CONTROL, 0, HV_ICPT_CR4_WRITE),
			 HV_STATUS_ACCESS_DENIED);
	assert_int_equal(get_reg(HV_REG_CR_INTERCEPT_CONTROL, 0, &val), HV_STATUS_ACCESS_DENIED);
	vtl1_running(true);
	back_to_vtl0();
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CONTROL, 0, HV_ICPT_CR4_WRITE),
			 HV_STATUS_ACCESS_DENIED);
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CR4_MASK, USE_VTL(0), ~0ULL),
			 HV_STATUS_ACCESS_DENIED);
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CONTROL, USE_VTL(1), 0),
			 HV_STATUS_ACCESS_DENIED); /* a higher VTL's state */
	assert_int_equal(get_reg(HV_REG_CR_INTERCEPT_CONTROL, USE_VTL(0), &val),
			 HV_STATUS_ACCESS_DENIED);
	vtl_stub(HVCALL_VTL_CALL, 0);
	/* Read intercepts, SGX launch control, OpenVMM's bits 25-28, reserved bits. */
	static const u64 bad[] = { HV_ICPT_MISC_ENABLE_READ,
				   HV_ICPT_LSTAR_READ,
				   HV_ICPT_STAR_READ,
				   HV_ICPT_CSTAR_READ,
				   HV_ICPT_APIC_BASE_READ,
				   HV_ICPT_EFER_READ,
				   HV_ICPT_SGX_LAUNCH_CONTROL_WRITE,
				   1ULL << 25,
				   1ULL << 28,
				   1ULL << 40,
				   1ULL << 63 };
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CONTROL, 0, HV_ICPT_LSTAR_WRITE), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CONTROL, 0,
					 HV_ICPT_CR0_WRITE | bad[i]),
				 HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(get_reg(HV_REG_CR_INTERCEPT_CONTROL, 0, &val), 0);
	assert_int_equal(val, HV_ICPT_LSTAR_WRITE); /* unchanged */
	/* The masks take any value (LVBS writes ~(a few bits)); 128-bit values do not fit. */
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CR4_MASK, 0, ~0ULL), 0);
	assert_int_equal(set_reg2_of(HV_VP_INDEX_SELF, HV_REG_CR_INTERCEPT_CR0_MASK, 0, 1, 1),
			 HV_STATUS_INVALID_PARAMETER);
	/* Another VP's: refused (its VMCS is current on its own CPU only). */
	assert_int_equal(set_reg2_of(1, HV_REG_CR_INTERCEPT_CONTROL, 0, 0, 0),
			 HV_STATUS_INVALID_VTL_STATE); /* VTL1 is not enabled on VP 1 */
	/* A CPU without descriptor-table exiting: the table bits are refused. */
	core.caps.proc2 &= ~((u64)PROC2_DESC_TABLE_EXITING << 32);
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CONTROL, 0, HV_ICPT_GDTR_WRITE),
			 HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CONTROL, 0, HV_ICPT_EFER_WRITE), 0);
}

static void test_other_vp_refused(void **state)
{
	u64 val;

	vtl1_running(true);
	/* VTL1 enables itself on VP 1 (the same context as VP 0's). */
	memset(fake_guest_mem, 0, 256);
	put64(IN, HV_PARTITION_ID_SELF);
	put64(IN + 8, 1 | 1ULL << 32);
	u8 *c = fake_guest_mem + IN + 16;
	u64 q[3] = { VTL1_RIP, 0xa000, 0x2 };
	memcpy(c, q, sizeof(q));
	seg(c, 24, 0, 0xffffffff, 0x08, 0xa09b);
	for (u32 off = 40; off <= 104; off += 16)
		seg(c, off, 0, 0xffffffff, 0x10, 0xc093);
	seg(c, 120, 0x3000, 0x67, 0x18, 0x008b);
	u64 tail[5] = { EFER_LME | EFER_LMA | EFER_NXE, 0x80000033, 0x6000, 0x6a0,
			0x0007040600070406ULL };
	memcpy(c + 184, tail, sizeof(tail));
	assert_int_equal(mem_call(HVCALL_ENABLE_VP_VTL), 0);
	assert_int_equal(set_reg2_of(1, HV_REG_CR_INTERCEPT_CONTROL, 0, HV_ICPT_LSTAR_WRITE, 0),
			 HV_STATUS_ACCESS_DENIED);
	assert_int_equal(get_reg_of(1, HV_REG_CR_INTERCEPT_CONTROL, 0, &val),
			 HV_STATUS_ACCESS_DENIED);
	/* Per VP: VP 0's lock says nothing about VP 1's VTL0. */
	lock(HV_ICPT_LSTAR_WRITE, 0, 0, 0);
	assert_int_equal(vtl_vp_state(&vp1, 1)->intercepts[0].control, 0);
	assert_int_equal(fake_wrmsr_exit(&vp1, MSR_IA32_LSTAR, 0x5678), EXIT_RESUME);
	assert_int_equal(vp1.msrs->lstar, 0x5678);
}

/* ---- CR0, CR4, XCR0 --------------------------------------------------------------------- */

static void test_cr4_write_intercepted(void **state)
{
	vtl1_running(true);
	lock(HV_ICPT_CR4_WRITE, 0, CR4_SMEP, 0);
	back_to_vtl0();
	const u64 rip = fake_vmcs_get(VMCS_GUEST_RIP), cr4 = FAKE_GUEST_CR4;
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x246);
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, INTR_BLOCK_STI);
	vp.regs.gpr[RAX] = 0xaa;
	vp.regs.gpr[RCX] = 0xcc;
	memset(fake_vmcs_writes, 0, sizeof(fake_vmcs_writes));
	/* A write that changes SMEP: nothing happens, RIP stays. */
	assert_int_equal(mov_to_cr(4, cr4 | CR4_SMEP), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), cr4);
	assert_int_equal(fake_vmcs_write_count(VMCS_GUEST_CR4), 0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip);
	/* The message, byte by byte (reference 3.9.4). */
	struct hv_message *m = sint0_slot();
	assert_int_equal(m->type, HVMSG_X64_REGISTER_INTERCEPT);
	assert_int_equal(m->payload_size, 0x40);
	const u8 *p = m->payload;
	u32 u;
	u16 w;
	u64 q;
	memcpy(&u, p, 4);
	assert_int_equal(u, 0);	      /* VpIndex */
	assert_int_equal(p[4], 0x53); /* instruction length 3, CR8 5 */
	assert_int_equal(p[5], 1);    /* write */
	memcpy(&w, p + 6, 2);
	/* CPL 0, CR0.PE and AM, EFER.LMA, VTL 0, interrupt shadow (STI blocking). */
	assert_int_equal(w, HV_X64_EXEC_CR0_PE | HV_X64_EXEC_CR0_AM | HV_X64_EXEC_EFER_LMA |
				    HV_X64_EXEC_INTERRUPT_SHADOW);
	memcpy(&q, p + 0x18, 8);
	assert_int_equal(q, rip);
	memcpy(&q, p + 0x20, 8);
	assert_int_equal(q, 0x246);
	memcpy(&w, p + 0x16, 2); /* CS attributes */
	assert_int_equal(w, FAKE_GUEST_CS_AR_64 & 0xf0ff);
	assert_int_equal(p[0x28], 0); /* not a memory operand */
	memcpy(&u, p + 0x2c, 4);
	assert_int_equal(u, 0x00040003); /* HvX64RegisterCr4 */
	memcpy(&q, p + 0x30, 8);
	assert_int_equal(q, cr4 | CR4_SMEP);
	memcpy(&q, p + 0x38, 8);
	assert_int_equal(q, 0);
	/* VTL1 is entered and decides: it emulates the write and moves RIP on. */
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
	assert_vtl1_entered(rip);
	assert_int_equal(set_reg(0x00040003, USE_VTL(0), reg_msg()->value[0]), 0);
	assert_int_equal(set_reg(0x00020010, USE_VTL(0),
				 rip + (reg_msg()->header.instruction_length_cr8 & 0xf)),
			 0);
	vtl1_consumes();
	back_to_vtl0();
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), cr4 | CR4_SMEP);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip + 3);
	assert_int_equal(vp.regs.gpr[RAX], 0xaa); /* VtlReturnX64Rax/Rcx: VTL0's own */
	assert_int_equal(vp.regs.gpr[RCX], 0xcc);
	/* A write that changes no watched bit happens as usual (here PGE). */
	assert_int_equal(mov_to_cr(4, (cr4 | CR4_SMEP) & ~CR4_PGE), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), (cr4 | CR4_SMEP) & ~CR4_PGE);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip + 6);
	assert_int_equal(sint0_slot()->type, 0);
	vcpu_entry_slow(&vp);
	assert_int_equal(vp.active_vtl, 0);
}

static void test_cr4_refused_with_gp_and_retried(void **state)
{
	vtl1_running(true);
	lock(HV_ICPT_CR4_WRITE, 0, CR4_SMEP, 0);
	back_to_vtl0();
	const u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	/* VTL1 returns without a change: VTL0 runs the instruction again, and intercepts again. */
	assert_int_equal(mov_to_cr(4, FAKE_GUEST_CR4 | CR4_SMEP), EXIT_RESUME);
	assert_vtl1_entered(rip);
	vtl1_consumes();
	back_to_vtl0();
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip);
	assert_int_equal(mov_to_cr(4, FAKE_GUEST_CR4 | CR4_SMEP), EXIT_RESUME);
	assert_int_equal(sint0_slot()->type, HVMSG_X64_REGISTER_INTERCEPT);
	assert_vtl1_entered(rip);
	/* This time a #GP(0) (PendingEvent0): VTL0 takes it at the instruction. */
	assert_int_equal(set_reg2_of(HV_VP_INDEX_SELF, 0x00010004, USE_VTL(0),
				     1 | 1ULL << 8 | 13ULL << 16, 0),
			 0);
	vtl1_consumes();
	back_to_vtl0();
	vcpu_entry_slow(&vp);
	assert_true(fake_gp_injected());
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip);
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), FAKE_GUEST_CR4);
}

static void test_cr0_mov_lmsw_clts(void **state)
{
	vtl1_running(true);
	lock(HV_ICPT_CR0_WRITE, CR0_TS | CR0_MP | CR0_WP, 0, 0);
	back_to_vtl0();
	const u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	assert_int_equal(fake_vmcs_get(VMCS_CR0_MASK), vp.cr0_mask | CR0_TS | CR0_MP | CR0_WP);
	/* MOV to CR0 clearing WP. */
	assert_int_equal(mov_to_cr(0, FAKE_GUEST_CR0 & ~CR0_WP), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), FAKE_GUEST_CR0);
	assert_int_equal(reg_msg()->register_name, 0x00040000);
	assert_int_equal(reg_msg()->value[0], FAKE_GUEST_CR0 & ~CR0_WP);
	assert_int_equal(reg_msg()->flags, 0);
	assert_vtl1_entered(rip);
	vtl1_consumes();
	back_to_vtl0();
	/* LMSW from memory setting TS (qualification bit 6; source data in 31:16). */
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, 0 | 3u << 4 | 1u << 6 | (u64)(0xb) << 16);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 4);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_CR_ACCESS), EXIT_RESUME);
	assert_int_equal(reg_msg()->value[0], FAKE_GUEST_CR0 | CR0_TS);
	assert_int_equal(reg_msg()->flags, HV_REGISTER_INTERCEPT_MEMORY_OP);
	assert_int_equal(reg_msg()->header.instruction_length_cr8 & 0xf, 4);
	assert_vtl1_entered(rip);
	vtl1_consumes();
	back_to_vtl0();
	/* CLTS with TS set: the value is CR0 without TS. */
	fake_vmcs_set(VMCS_GUEST_CR0, fake_vmcs_get(VMCS_GUEST_CR0) | CR0_TS);
	fake_vmcs_set(VMCS_CR0_SHADOW, FAKE_GUEST_CR0 | CR0_TS);
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, 0 | 2u << 4);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 2);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_CR_ACCESS), EXIT_RESUME);
	assert_int_equal(reg_msg()->value[0], FAKE_GUEST_CR0);
	assert_true(fake_vmcs_get(VMCS_CR0_SHADOW) & CR0_TS);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip);
	/* An unwatched bit (AM) goes through. */
	vtl1_consumes();
	assert_int_equal(mov_to_cr(0, (FAKE_GUEST_CR0 | CR0_TS) & ~CR0_AM), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), (FAKE_GUEST_CR0 | CR0_TS) & ~CR0_AM);
}

static void test_xcr0_intercepted(void **state)
{
	vtl1_running(true);
	lock(HV_ICPT_XCR0_WRITE, 0, 0, 0);
	back_to_vtl0();
	fake_vmcs_set(VMCS_GUEST_CR4, fake_vmcs_get(VMCS_GUEST_CR4) | CR4_OSXSAVE);
	const u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	vp.regs.gpr[RCX] = 0;
	vp.regs.gpr[RAX] = 7;
	vp.regs.gpr[RDX] = 0;
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_XSETBV), EXIT_RESUME);
	assert_int_equal(xgetbv(0), 1);				/* not written */
	assert_int_equal(reg_msg()->register_name, 0x00040005); /* HvX64RegisterXfem */
	assert_int_equal(reg_msg()->value[0], 7);
	assert_vtl1_entered(rip);
}

/* ---- MSRs ------------------------------------------------------------------------------- */

static void test_lstar_intercepted_and_emulated(void **state)
{
	vtl1_running(true);
	lock(HV_ICPT_LSTAR_WRITE | HV_ICPT_EFER_WRITE | HV_ICPT_SYSENTER_EIP_WRITE |
		     HV_ICPT_APIC_BASE_WRITE,
	     0, 0, 0);
	/* VTL1's own writes are never intercepted. */
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_LSTAR, 0xffff800000001111ULL), EXIT_RESUME);
	assert_int_equal(rdmsr(MSR_IA32_LSTAR), 0xffff800000001111ULL);
	assert_int_equal(sint0_slot()->type, 0);
	back_to_vtl0();
	const u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_LSTAR, 0xffff800012345678ULL), EXIT_RESUME);
	assert_int_equal(vp.msrs->lstar, 0);
	assert_int_equal(rdmsr(MSR_IA32_LSTAR), 0);
	const struct hv_x64_msr_intercept_message *mm = msr_msg();
	assert_int_equal(sint0_slot()->type, HVMSG_X64_MSR_INTERCEPT);
	assert_int_equal(sint0_slot()->payload_size, 0x40);
	assert_int_equal(mm->msr_number, MSR_IA32_LSTAR);
	assert_int_equal(mm->rax, 0x12345678);
	assert_int_equal(mm->rdx, 0xffff8000);
	assert_int_equal(mm->header.access_type, 1);
	assert_int_equal(mm->header.instruction_length_cr8 & 0xf, 2);
	assert_int_equal(mm->header.rip, rip);
	/* Again before VTL1 took the first: the slot is busy, no second message (VTL1 is told
	 * another waits), still nothing written. */
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_LSTAR, 0xffff800099999999ULL), EXIT_RESUME);
	assert_int_equal(mm->rax, 0x12345678);
	assert_int_equal(sint0_slot()->flags, HV_MESSAGE_FLAG_PENDING);
	assert_int_equal(vp.msrs->lstar, 0);
	/* VTL1 emulates it: VTL0's LSTAR, then its RIP. */
	assert_vtl1_entered(rip);
	assert_int_equal(set_reg(0x00080009, USE_VTL(0), mm->rdx << 32 | (u32)mm->rax), 0);
	assert_int_equal(set_reg(0x00020010, USE_VTL(0), rip + 2), 0);
	vtl1_consumes();
	back_to_vtl0();
	assert_int_equal(rdmsr(MSR_IA32_LSTAR), 0xffff800012345678ULL);
	assert_int_equal(vp.msrs->lstar, 0xffff800012345678ULL);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip + 2);
	/* STAR is not locked: written. EFER, APIC_BASE, SYSENTER_EIP are. */
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_STAR, 0x0013000800000000ULL), EXIT_RESUME);
	assert_int_equal(vp.msrs->star, 0x0013000800000000ULL);
	static const u32 locked[] = { MSR_IA32_EFER, MSR_IA32_APIC_BASE, MSR_IA32_SYSENTER_EIP };
	for (size_t i = 0; i < ARRAY_SIZE(locked); i++) {
		assert_int_equal(fake_wrmsr_exit(&vp, locked[i], 0x1000), EXIT_RESUME);
		assert_int_equal(msr_msg()->msr_number, locked[i]);
		assert_false(fake_gp_injected());
		vtl1_consumes();
	}
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_EFER), FAKE_GUEST_EFER);
	assert_int_equal(fake_msr_get(MSR_IA32_APIC_BASE), 0xfee00000 | 0xd00);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_SYSENTER_EIP), 0);
	/* SYSENTER_ESP is not: written into the VMCS (where VM entry loads it from). */
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_SYSENTER_ESP, 0xffff800000002000ULL),
			 EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_SYSENTER_ESP), 0xffff800000002000ULL);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip + 6);
}

static void test_misc_enable_mask(void **state)
{
	vtl1_running(true);
	lock(HV_ICPT_MISC_ENABLE_WRITE, 0, 0, 1ULL << 22);
	back_to_vtl0();
	fake_msr_set(MSR_IA32_MISC_ENABLE, 0x1);
	/* Bit 0 changes, not 22: written. */
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_MISC_ENABLE, 0x0), EXIT_RESUME);
	assert_int_equal(fake_msr_get(MSR_IA32_MISC_ENABLE), 0);
	assert_int_equal(sint0_slot()->type, 0);
	/* Bit 22: intercepted. */
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_MISC_ENABLE, 1ULL << 22), EXIT_RESUME);
	assert_int_equal(fake_msr_get(MSR_IA32_MISC_ENABLE), 0);
	assert_int_equal(msr_msg()->msr_number, MSR_IA32_MISC_ENABLE);
	assert_int_equal(msr_msg()->rax, 1ULL << 22);
}

static void test_sysenter_writes_go_to_the_vmcs(void **state)
{
	/* Without any intercept: the write exits (msr_bitmap.c) and lands in the VMCS. */
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_SYSENTER_CS, 0x10), EXIT_RESUME);
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_SYSENTER_EIP, 0xffff800000003000ULL),
			 EXIT_RESUME);
	assert_false(fake_gp_injected());
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_SYSENTER_CS), 0x10);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_SYSENTER_EIP), 0xffff800000003000ULL);
	/* A value the CPU refuses: #GP, nothing written. */
	fake_msr_set_faulting(MSR_IA32_SYSENTER_ESP);
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_SYSENTER_ESP, 1ULL << 60), EXIT_RESUME);
	assert_true(fake_gp_injected());
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_SYSENTER_ESP), 0);
}

static void test_own_set_vp_registers_locked(void **state)
{
	/* SetVpRegisters is no way around a lock: VTL0 writing its own locked registers gets
	 * ACCESS_DENIED and nothing changes; what is not locked it still writes. */
	vtl1_running(true);
	lock(HV_ICPT_LSTAR_WRITE | HV_ICPT_CR4_WRITE | HV_ICPT_IDTR_WRITE |
		     HV_ICPT_SYSENTER_EIP_WRITE,
	     0, CR4_SMEP, 0);
	back_to_vtl0();
	assert_int_equal(set_reg(0x00080009, 0, 0xffff800000001000ULL), HV_STATUS_ACCESS_DENIED);
	assert_int_equal(vp.msrs->lstar, 0);
	assert_int_equal(set_reg(0x00080006, 0, 0xffff800000001000ULL), HV_STATUS_ACCESS_DENIED);
	assert_int_equal(set_reg(0x00040003, 0, FAKE_GUEST_CR4 | CR4_SMEP),
			 HV_STATUS_ACCESS_DENIED);
	assert_int_equal(set_reg2_of(HV_VP_INDEX_SELF, 0x00070000, 0, 0xfffULL << 48, 0x5000),
			 HV_STATUS_ACCESS_DENIED);
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), FAKE_GUEST_CR4);
	/* Not locked: CSTAR; CR4 without touching SMEP. No message either way. */
	assert_int_equal(set_reg(0x0008000a, 0, 0xffff800000002000ULL), 0);
	assert_int_equal(vp.msrs->cstar, 0xffff800000002000ULL);
	assert_int_equal(set_reg(0x00040003, 0, FAKE_GUEST_CR4 & ~CR4_PGE), 0);
	assert_int_equal(fake_vmcs_get(VMCS_CR4_SHADOW), FAKE_GUEST_CR4 & ~CR4_PGE);
	assert_int_equal(sint0_slot()->type, 0);
	/* VTL1 writing VTL0's is what resolving an intercept is: allowed. */
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(set_reg(0x00080009, USE_VTL(0), 0xffff800000001000ULL), 0);
}

static void test_no_synic_still_locked(void **state)
{
	/* VTL1 locks LSTAR but has no SynIC to hear of it: the lock holds, VTL0 stays at the
	 * WRMSR (it will run it again), nothing crashes, VTL1 is not entered. */
	vtl1_running(false);
	lock(HV_ICPT_LSTAR_WRITE, 0, 0, 0);
	back_to_vtl0();
	const u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_LSTAR, 0x1234), EXIT_RESUME);
		assert_int_equal(vp.msrs->lstar, 0);
		assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip);
		vcpu_entry_slow(&vp);
		assert_int_equal(vp.active_vtl, 0);
	}
	assert_int_equal(vtl_vp_state(&vp, 1)->intercepts_lost, 3);
}

/* ---- descriptor tables ---------------------------------------------------------------------- */

/* VTL0's 4-level paging: LA(n) -> DATA(n); LA_USER user RW, LA_SUPER and LA_GDT supervisor
 * RW, LA_MISSING not present, LA_READONLY supervisor read-only; CR0.WP. */
static void vtl0_paging(void)
{
	*pte(0, 0) = PT_GPA(1) | 7;
	*pte(1, 0) = PT_GPA(2) | 7;
	*pte(2, 1) = PT_GPA(3) | 7;
	*pte(3, LA_USER) = DATA_GPA(LA_USER) | 7;
	*pte(3, LA_SUPER) = DATA_GPA(LA_SUPER) | 3;
	*pte(3, LA_READONLY) = DATA_GPA(LA_READONLY) | 1;
	*pte(3, LA_GDT) = DATA_GPA(LA_GDT) | 3;
	fake_vmcs_set(VMCS_GUEST_CR0, 0x80010033);
	fake_vmcs_set(VMCS_CR0_SHADOW, 0x80010033);
	fake_vmcs_set(VMCS_GUEST_CR3, PT_GPA(0));
	fake_vmcs_set(VMCS_GUEST_CR4, CR4_PAE | CR4_VMXE);
	fake_vmcs_set(VMCS_CR4_SHADOW, CR4_PAE);
}

/* Instruction information (SDM vol.3 tables 28-10/28-11): id, a base register only, 64-bit
 * addresses, DS; or a register operand. */
static u32 ii_mem(u32 id, u32 base)
{
	return id << 28 | base << 23 | 1u << 22 | 2u << 7 | SEG_DS << 15;
}

static u32 ii_reg(u32 id, u32 reg)
{
	return id << 28 | 1u << 10 | reg << 3;
}

static int dt_exit(u32 reason, u32 info, u64 disp, u32 len)
{
	vp.in_guest = 0;
	fake_vmcs_set(VMCS_EXIT_INSTR_INFO, info);
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, disp);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, len);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	return vmexit_dispatch(&vp, reason);
}

static void test_lidt_intercepted_lgdt_emulated(void **state)
{
	vtl1_running(true);
	lock(HV_ICPT_IDTR_WRITE, 0, 0, 0);
	back_to_vtl0();
	vtl0_paging();
	fake_vmcs_set(VMCS_GUEST_IDTR_BASE, 0x1000);
	fake_vmcs_set(VMCS_GUEST_IDTR_LIMIT, 0xfff);
	const u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	/* LIDT [RBX + 6]: the 10-byte operand at LA(LA_SUPER) + 6. */
	u16 lim = 0x7ff;
	u64 base = 0xffff800000123000ULL;
	memcpy(data(LA_SUPER) + 6, &lim, 2);
	memcpy(data(LA_SUPER) + 8, &base, 8);
	vp.regs.gpr[RBX] = LA(LA_SUPER);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(3, RBX), 6, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_IDTR_BASE), 0x1000);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip);
	assert_int_equal(reg_msg()->register_name, 0x00070000); /* HvX64RegisterIdtr */
	assert_int_equal(reg_msg()->flags, HV_REGISTER_INTERCEPT_MEMORY_OP);
	assert_int_equal(reg_msg()->value[0], (u64)lim << 48); /* HV_X64_TABLE_REGISTER */
	assert_int_equal(reg_msg()->value[1], base);
	/* VTL1 emulates it with the value as the message gives it. */
	assert_vtl1_entered(rip);
	assert_int_equal(set_reg2_of(HV_VP_INDEX_SELF, 0x00070000, USE_VTL(0), reg_msg()->value[0],
				     reg_msg()->value[1]),
			 0);
	assert_int_equal(set_reg(0x00020010, USE_VTL(0), rip + 3), 0);
	vtl1_consumes();
	back_to_vtl0();
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_IDTR_BASE), base);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_IDTR_LIMIT), lim);
	/* GDTR is not locked: LGDT is done by the hypervisor. */
	base = 0xffff800000456000ULL;
	memcpy(data(LA_SUPER) + 8, &base, 8);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(2, RBX), 6, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_GDTR_BASE), base);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_GDTR_LIMIT), lim);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip + 6);
	assert_int_equal(sint0_slot()->type, 0);
	/* A non-canonical base: #GP(0), as the next VM entry would refuse it. */
	base = 0x0000800000000000ULL;
	memcpy(data(LA_SUPER) + 8, &base, 8);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(2, RBX), 6, 3), EXIT_RESUME);
	assert_true(fake_gp_injected());
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_GDTR_BASE), 0xffff800000456000ULL);
	/* The operand on a page that is not there: #PF, CR2 the address, nothing sent. */
	vp.regs.gpr[RBX] = LA(LA_MISSING);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(3, RBX), 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000b0eULL);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 0);
	assert_int_equal(read_cr2(), LA(LA_MISSING));
	assert_int_equal(sint0_slot()->type, 0);
	/* A non-canonical operand: #GP(0). */
	vp.regs.gpr[RBX] = 0x0000800000000000ULL;
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(3, RBX), 0, 3), EXIT_RESUME);
	assert_true(fake_gp_injected());
}

static void test_stores_emulated(void **state)
{
	vtl1_running(true);
	lock(HV_ICPT_GDTR_WRITE | HV_ICPT_TR_WRITE, 0, 0, 0);
	back_to_vtl0();
	vtl0_paging();
	fake_vmcs_set(VMCS_GUEST_GDTR_BASE, 0xffff800000789000ULL);
	fake_vmcs_set(VMCS_GUEST_GDTR_LIMIT, 0x57);
	fake_vmcs_set(VMCS_GUEST_IDTR_BASE, 0xffff800000abc000ULL);
	fake_vmcs_set(VMCS_GUEST_IDTR_LIMIT, 0xfff);
	fake_vmcs_set(SEGF(VMCS_GUEST_ES_SEL, SEG_TR), 0x40);
	fake_vmcs_set(SEGF(VMCS_GUEST_ES_SEL, SEG_LDTR), 0x50);
	const u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	/* SGDT [RBX], SIDT [RBX + 0x10], STR [RBX + 0x20]: nothing intercepted (reads). */
	vp.regs.gpr[RBX] = LA(LA_SUPER);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(0, RBX), 0, 3), EXIT_RESUME);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(1, RBX), 0x10, 4), EXIT_RESUME);
	assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_mem(1, RBX), 0x20, 4), EXIT_RESUME);
	u64 q;
	u16 w;
	memcpy(&w, data(LA_SUPER), 2);
	memcpy(&q, data(LA_SUPER) + 2, 8);
	assert_int_equal(w, 0x57);
	assert_int_equal(q, 0xffff800000789000ULL);
	memcpy(&w, data(LA_SUPER) + 0x10, 2);
	memcpy(&q, data(LA_SUPER) + 0x12, 8);
	assert_int_equal(w, 0xfff);
	assert_int_equal(q, 0xffff800000abc000ULL);
	memcpy(&w, data(LA_SUPER) + 0x20, 2);
	assert_int_equal(w, 0x40);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip + 11);
	assert_int_equal(sint0_slot()->type, 0);
	/* SLDT EAX: zero-extended (0F 00 C0). */
	static const u8 sldt_eax[] = { 0x0f, 0x00, 0xc0 };
	vp.regs.gpr[RAX] = ~0ULL;
	fake_vmcs_set(VMCS_GUEST_RIP, LA(LA_SUPER) + 0x100);
	memcpy(data(LA_SUPER) + 0x100, sldt_eax, sizeof(sldt_eax));
	assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_reg(0, RAX), 0, 3), EXIT_RESUME);
	assert_int_equal(vp.regs.gpr[RAX], 0x50);
	/* SLDT AX (66 0F 00 C0): only the low 16 bits. */
	static const u8 sldt_ax[] = { 0x66, 0x0f, 0x00, 0xc0 };
	vp.regs.gpr[RAX] = 0x1111222233334444ULL;
	fake_vmcs_set(VMCS_GUEST_RIP, LA(LA_SUPER) + 0x100);
	memcpy(data(LA_SUPER) + 0x100, sldt_ax, sizeof(sldt_ax));
	assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_reg(0, RAX), 0, 4), EXIT_RESUME);
	assert_int_equal(vp.regs.gpr[RAX], 0x1111222233330050ULL);
	/* A store to a read-only page (CR0.WP): #PF with P and W/R. */
	vp.regs.gpr[RBX] = LA(LA_READONLY);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(0, RBX), 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000b0eULL);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 3);
	/* Across into the missing page: nothing of it written. */
	vp.regs.gpr[RBX] = LA(LA_MISSING) - 4;
	memset(data(LA_MISSING - 1) + 0xffc, 0xee, 4);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(0, RBX), 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 2);
	assert_int_equal(read_cr2(), LA(LA_MISSING));
	assert_int_equal(data(LA_MISSING - 1)[0xffc], 0xee);
	/* UMIP at CPL 3: #GP(0). Without UMIP a user store needs a user page. */
	fake_vmcs_set(SEGF(VMCS_GUEST_ES_AR, SEG_SS), 0xc0f3);
	fake_vmcs_set(VMCS_CR4_SHADOW, CR4_PAE | CR4_UMIP); /* (UMIP: owned, no such bit here) */
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(0, RBX), 0, 3), EXIT_RESUME);
	assert_true(fake_gp_injected());
	fake_vmcs_set(VMCS_CR4_SHADOW, CR4_PAE);
	vp.regs.gpr[RBX] = LA(LA_SUPER);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(0, RBX), 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 7); /* P, W, U */
	vp.regs.gpr[RBX] = LA(LA_USER);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(0, RBX), 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	/* LGDT at CPL 3: #GP(0) (the CPU checks first; the hypervisor again). */
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(2, RBX), 0, 3), EXIT_RESUME);
	assert_true(fake_gp_injected());
}

/*
 * An emulated descriptor-table instruction whose memory VTL1's protection forbids VTL0 (the
 * EPT violation the CPU would have taken): VTL1's GPA intercept, as exit_ept_violation
 * gives one (reference 3.9), VTL0 left at the instruction; done once VTL1 allows it.
 */
static void test_operand_on_protected_page(void **state)
{
	vtl1_running(true);
	lock(HV_ICPT_GDTR_WRITE, 0, 0, 0);
	back_to_vtl0();
	vtl0_paging();
	fake_prot = (struct fake_prot){ .stop_at = ~0u, .on = true, .default_val = 0xf };
	vcpu_gpa_intercept_hook = hv_gpa_intercept;
	fake_vmcs_set(VMCS_GUEST_GDTR_BASE, 0xffff800000789000ULL);
	fake_vmcs_set(VMCS_GUEST_GDTR_LIMIT, 0x57);
	const u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	/* SGDT [RBX + 0x10] on a page VTL1 made read-only: a write intercept. */
	fake_view_limit(DATA_GPA(LA_SUPER), PT_R | PT_X);
	fake_prot.fault = EPT_FAULT_PROTECTED;
	memset(data(LA_SUPER) + 0x10, 0xee, 10);
	vp.regs.gpr[RBX] = LA(LA_SUPER);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(0, RBX), 0x10, 4), EXIT_RESUME);
	assert_int_equal(data(LA_SUPER)[0x10], 0xee);
	const struct hv_message *m = sint0_slot();
	u64 q;
	assert_int_equal(m->type, 0x80000001);	   /* HvMessageTypeGpaIntercept */
	assert_int_equal(m->payload[5], 1);	   /* a write */
	assert_int_equal(m->payload[0x2d] & 3, 3); /* GvaValid, GvaGpaValid */
	memcpy(&q, m->payload + 0x30, 8);
	assert_int_equal(q, LA(LA_SUPER) + 0x10);
	memcpy(&q, m->payload + 0x38, 8);
	assert_int_equal(q, DATA_GPA(LA_SUPER) + 0x10);
	assert_vtl1_entered(rip);
	vtl1_consumes();
	back_to_vtl0();
	/* VTL1 allowed it: VTL0's retry is done. */
	fake_view_limit(DATA_GPA(LA_SUPER), PT_RWX);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(0, RBX), 0x10, 4), EXIT_RESUME);
	memcpy(&q, data(LA_SUPER) + 0x12, 8);
	assert_int_equal(q, 0xffff800000789000ULL);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip + 4);
	/* The page table on the way is what VTL1 forbids: a read of its entry, the GVA not
	 * the page's own (GvaGpaValid clear). */
	fake_view_limit(PT_GPA(3), 0);
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(0, RBX), 0x10, 4), EXIT_RESUME);
	assert_int_equal(m->payload[5], 0); /* a read */
	assert_int_equal(m->payload[0x2d] & 3, 1);
	memcpy(&q, m->payload + 0x38, 8);
	assert_int_equal(q, PT_GPA(3) + 8 * LA_SUPER);
	assert_vtl1_entered(rip + 4);
	vtl1_consumes();
	back_to_vtl0();
	/* A view refusal no protection explains (the pool, MMIO): the VP stops. */
	fake_prot.fault = EPT_FAULT_OTHER;
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, ii_mem(0, RBX), 0x10, 4), EXIT_STOP);
	assert_int_equal(sint0_slot()->type, 0);
	vcpu_gpa_intercept_hook = NULL;
	fake_prot = (struct fake_prot){ .stop_at = ~0u };
}

/* VTL0's GDT at LA(LA_GDT): null, an LDT descriptor at 0x10 (16 bytes), a 64-bit TSS at
 * 0x20, a not-present LDT at 0x30, a code segment at 0x40. */
static void vtl0_gdt(void)
{
	u64 *g = (u64 *)data(LA_GDT);

	memset(g, 0, 0x100);
	/* base 0x00001234_9abc0000: 15:0 limit, 39:16 base 23:0, 47:40 type/S/DPL/P, 51:48
	 * limit, 55:52 flags, 63:56 base 31:24; the next quadword base 63:32. */
	g[2] = 0x0fffULL | 0xbc0000ULL << 16 | 0x82ULL << 40 | 0x9aULL << 56;
	g[3] = 0x00001234;
	g[4] = 0x67ULL | 0x1000ULL << 16 | 0x89ULL << 40;
	g[5] = 0xffff8000;
	g[6] = 0x0fffULL | 0x02ULL << 40;
	g[8] = 0x00af9b000000ffffULL;
	fake_vmcs_set(VMCS_GUEST_GDTR_BASE, LA(LA_GDT));
	fake_vmcs_set(VMCS_GUEST_GDTR_LIMIT, 0x4f);
}

static void test_lldt_ltr(void **state)
{
	vtl1_running(true);
	lock(HV_ICPT_LDTR_WRITE, 0, 0, 0);
	back_to_vtl0();
	vtl0_paging();
	vtl0_gdt();
	const u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	/* LLDT AX, locked: the message has the selector, nothing loaded. */
	vp.regs.gpr[RAX] = 0x10;
	assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_reg(2, RAX), 0, 3), EXIT_RESUME);
	assert_int_equal(reg_msg()->register_name, 0x00060006); /* HvX64RegisterLdtr */
	assert_int_equal(reg_msg()->value[0], 0x10);
	assert_int_equal(reg_msg()->flags, 0);
	assert_int_not_equal(fake_vmcs_get(SEGF(VMCS_GUEST_ES_SEL, SEG_LDTR)), 0x10);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip);
	vtl1_consumes();
	/* LTR [RBX] (not locked): loaded busy, the GDT's descriptor marked busy. */
	vp.regs.gpr[RBX] = LA(LA_SUPER);
	u16 sel = 0x20;
	memcpy(data(LA_SUPER), &sel, 2);
	assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_mem(3, RBX), 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(fake_vmcs_get(SEGF(VMCS_GUEST_ES_SEL, SEG_TR)), 0x20);
	assert_int_equal(fake_vmcs_get(SEGF(VMCS_GUEST_ES_BASE, SEG_TR)), 0xffff800000001000ULL);
	assert_int_equal(fake_vmcs_get(SEGF(VMCS_GUEST_ES_LIMIT, SEG_TR)), 0x67);
	assert_int_equal(fake_vmcs_get(SEGF(VMCS_GUEST_ES_AR, SEG_TR)), 0x8b);
	assert_int_equal(data(LA_GDT)[0x25], 0x8b);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip + 3);
	/* Again: the TSS is busy now: #GP(0x20). */
	assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_mem(3, RBX), 0, 3), EXIT_RESUME);
	assert_true(fake_vmcs_get(VMCS_ENTRY_INTR_INFO) == GP_INFO &&
		    fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE) == 0x20);
	/* LTR with a null selector: #GP(0); with an LDT selector (TI): #GP(sel); beyond the
	 * limit: #GP(sel); an LDT descriptor: #GP(sel). */
	static const struct {
		u16 sel;
		u32 err;
	} bad_tr[] = { { 0x0, 0 }, { 0x24, 0x24 }, { 0x48, 0x48 }, { 0x10, 0x10 } };
	for (size_t i = 0; i < ARRAY_SIZE(bad_tr); i++) {
		vp.regs.gpr[RCX] = bad_tr[i].sel;
		assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_reg(3, RCX), 0, 3), EXIT_RESUME);
		assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), GP_INFO);
		assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), bad_tr[i].err);
	}
	/* Unlocked: LLDT loads the LDT; a not-present one is #NP(sel); a code segment #GP;
	 * a null selector makes LDTR unusable. */
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(set_reg(HV_REG_CR_INTERCEPT_CONTROL, 0, HV_ICPT_TR_WRITE), 0);
	back_to_vtl0();
	vp.regs.gpr[RAX] = 0x10;
	assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_reg(2, RAX), 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(fake_vmcs_get(SEGF(VMCS_GUEST_ES_SEL, SEG_LDTR)), 0x10);
	assert_int_equal(fake_vmcs_get(SEGF(VMCS_GUEST_ES_BASE, SEG_LDTR)), 0x000012349abc0000ULL);
	assert_int_equal(fake_vmcs_get(SEGF(VMCS_GUEST_ES_LIMIT, SEG_LDTR)), 0xfff);
	assert_int_equal(fake_vmcs_get(SEGF(VMCS_GUEST_ES_AR, SEG_LDTR)), 0x82);
	/* A non-canonical base in the upper half: #GP(sel), LDTR kept. */
	((u64 *)data(LA_GDT))[3] = 0x00345678;
	assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_reg(2, RAX), 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 0x10);
	assert_int_equal(fake_vmcs_get(SEGF(VMCS_GUEST_ES_BASE, SEG_LDTR)), 0x000012349abc0000ULL);
	vp.regs.gpr[RAX] = 0x30;
	assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_reg(2, RAX), 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000b0bULL); /* #NP */
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 0x30);
	fake_vmcs_set(VMCS_GUEST_GDTR_LIMIT, 0x57);
	vp.regs.gpr[RAX] = 0x40;
	assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_reg(2, RAX), 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), GP_INFO);
	vp.regs.gpr[RAX] = 0;
	assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_reg(2, RAX), 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(SEGF(VMCS_GUEST_ES_AR, SEG_LDTR)), AR_UNUSABLE);
	/* In real mode LLDT is #UD. */
	fake_vmcs_set(VMCS_CR0_SHADOW, 0x10);
	assert_int_equal(dt_exit(EXIT_LDTR_TR, ii_reg(2, RAX), 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000306ULL);
}

static void test_protected_mode_operand(void **state)
{
	/* 32-bit protected mode without paging: DS's base and limit apply; SGDT stores a 32-bit
	 * base; a 16-bit operand size LGDT loads 24 bits of base. */
	vtl1_running(true);
	lock(HV_ICPT_IDTR_WRITE, 0, 0, 0);
	back_to_vtl0();
	fake_vmcs_set(VMCS_GUEST_EFER, 0);
	fake_vmcs_set(VMCS_GUEST_CS_AR, 0xc09b);
	fake_vmcs_set(VMCS_CR0_SHADOW, CR0_PE | CR0_ET);
	fake_vmcs_set(VMCS_GUEST_CR0, CR0_PE | CR0_ET | CR0_NE);
	fake_vmcs_set(SEGF(VMCS_GUEST_ES_BASE, SEG_DS), DATA_GPA(LA_USER) - 0x100);
	fake_vmcs_set(SEGF(VMCS_GUEST_ES_LIMIT, SEG_DS), 0x1ff);
	fake_vmcs_set(SEGF(VMCS_GUEST_ES_AR, SEG_DS), 0xc093);
	fake_vmcs_set(VMCS_GUEST_GDTR_BASE, 0x12345678);
	fake_vmcs_set(VMCS_GUEST_GDTR_LIMIT, 0x27);
	u32 info32 = 0u << 28 | RBX << 23 | 1u << 22 | 1u << 7 | SEG_DS << 15 | 1u << 11;
	vp.regs.gpr[RBX] = 0xffffffff00000100ULL; /* 32-bit addressing drops the upper half */
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, info32, 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	u32 b;
	u16 w;
	memcpy(&w, data(LA_USER), 2);
	memcpy(&b, data(LA_USER) + 2, 4);
	assert_int_equal(w, 0x27);
	assert_int_equal(b, 0x12345678);
	/* LGDT with a 16-bit operand size. */
	info32 = 2u << 28 | RBX << 23 | 1u << 22 | 1u << 7 | SEG_DS << 15;
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, info32, 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_GDTR_BASE), 0x345678);
	/* Beyond DS's limit: #GP(0). */
	vp.regs.gpr[RBX] = 0x1fc;
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, info32, 0, 3), EXIT_RESUME);
	assert_true(fake_gp_injected());
	/* SS-relative beyond the limit: #SS(0). */
	fake_vmcs_set(SEGF(VMCS_GUEST_ES_LIMIT, SEG_SS), 0xff);
	fake_vmcs_set(SEGF(VMCS_GUEST_ES_AR, SEG_SS), 0xc093);
	info32 = 2u << 28 | RBX << 23 | 1u << 22 | 1u << 7 | SEG_SS << 15;
	assert_int_equal(dt_exit(EXIT_GDTR_IDTR, info32, 0, 3), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000b0cULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_registers_from_vtl1),
		T(test_registers_refused),
		T(test_other_vp_refused),
		T(test_cr4_write_intercepted),
		T(test_cr4_refused_with_gp_and_retried),
		T(test_cr0_mov_lmsw_clts),
		T(test_xcr0_intercepted),
		T(test_lstar_intercepted_and_emulated),
		T(test_misc_enable_mask),
		T(test_sysenter_writes_go_to_the_vmcs),
		T(test_own_set_vp_registers_locked),
		T(test_no_synic_still_locked),
		T(test_lidt_intercepted_lgdt_emulated),
		T(test_stores_emulated),
		T(test_operand_on_protected_page),
		T(test_lldt_ltr),
		T(test_protected_mode_operand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
