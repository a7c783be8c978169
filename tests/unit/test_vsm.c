// SPDX-License-Identifier: MIT
/*
 * VSM (hyperv/vsm.c, vtl/vtl.c, arch/x86/vp_vtl.c; docs/VSM.md): HvCallEnablePartitionVtl
 * and HvCallEnableVpVtl with every status in the order they are checked, the initial
 * context's checks, VtlCall / VtlReturn and their #UD cases, what a switch keeps apart (the
 * VMCS, private MSRs, EPT view, VPID) and what it passes (shared GPRs, VtlReturn RAX/RCX),
 * HvCallGetVpRegisters' VSM registers and its cross-VTL rule, and physical interrupts held
 * for VTL0 while VTL1 runs. The fake VMX keeps each VMCS's fields apart (fake_vmcs_multi).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/apic.h"
#include "arch/x86/dbgcon.h"
#include "arch/x86/ept.h"
#include "arch/x86/apic.h"
#include "arch/x86/intr_inject.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vp_vtl.h"
#include "hyperv/hv.h"
#include "hyperv/synic.h"
#include "lib/errno.h"
#include "mm/phys.h"
#include "tests/unit/fake_vmx.h"
#include "arch/x86/vp_vtl_apic.h"
#include "vtl/vtl.h"

static struct vcpu vp, vp1;
static struct pcpu pc;
extern u8 fake_guest_mem[2 * 4096];
extern u64 fake_overlay_gpa[8], fake_overlay_hpa[8];
extern u32 fake_noverlays;

/* RAM pages right below the pool (the VTL1 VP assist page, then VTL0's page tables for
 * TranslateVirtualAddress), then the pool. */
#define RAM_PAGES 5
static u8 mem[RAM_PAGES * 4096 + 64 * 4096] __attribute__((aligned(4096)));
#define RAM_GPA (FAKE_POOL_PA - RAM_PAGES * 0x1000)
#define ASSIST_GPA RAM_GPA
static u8 *const assist = mem;
#define PT_PAGE(n) (RAM_GPA + 0x1000 * (1 + (n))) /* PML4, PDPT, PD, PT */
static u64 *pt_entry(u32 n, u32 index)
{
	return (u64 *)(mem + 0x1000 * (1 + n)) + index;
}

#define IN 0x000   /* input at FAKE_GUEST_GPA + IN */
#define OUT 0x1000 /* output on the second page */
#define UD_INFO 0x80000306ULL
#define VMCALL_LEN 3
#define VTL1_RIP 0x9000ULL
#define VTL1_RSP 0xa000ULL
#define USE_VTL(n) (0x10 | (n))

static int setup(void **state)
{
	fake_two_vps_setup(&vp, &vp1, &pc, mem, RAM_PAGES * 4096, sizeof(mem));
	memset(assist, 0, 4096);
	return 0;
}

static void put(u32 off, const void *p, size_t n)
{
	memcpy(fake_guest_mem + off, p, n);
}

static void put64(u32 off, u64 v)
{
	put(off, &v, 8);
}

static u64 get64(u32 off)
{
	u64 v;
	memcpy(&v, fake_guest_mem + off, 8);
	return v;
}

/* A VMCALL exit of vp with these registers (64-bit mode, CPL 0): RAX afterwards. */
static u64 vmcall(u64 rcx, u64 rdx, u64 r8)
{
	vp.in_guest = 0; /* as vmx_run.S's exit stub */
	vp.regs.gpr[RCX] = rcx;
	vp.regs.gpr[RDX] = rdx;
	vp.regs.gpr[R8] = r8;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, VMCALL_LEN);
	fake_vmcs_set(VMCS_GUEST_EFER, FAKE_GUEST_EFER);
	fake_vmcs_set(VMCS_GUEST_CS_AR, FAKE_GUEST_CS_AR_64);
	fake_vmcs_set(VMCS_GUEST_SS_AR, FAKE_GUEST_SS_AR);
	fake_vmcs_set(VMCS_CR0_SHADOW, FAKE_GUEST_CR0);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	return vp.regs.gpr[RAX];
}

static u64 mem_call(u64 control)
{
	return vmcall(control, FAKE_GUEST_GPA + IN, FAKE_GUEST_GPA + OUT);
}

/* The hypercall page's VTL stubs: RAX = the input, ECX = the code, then VMCALL. */
static void vtl_stub(u64 code, u64 input)
{
	vp.regs.gpr[RAX] = input;
	vmcall(code, vp.regs.gpr[RDX], vp.regs.gpr[R8]);
}

static bool ud_injected(void)
{
	return fake_vmcs_get(VMCS_ENTRY_INTR_INFO) == UD_INFO;
}

static u64 enable_partition(u64 partition, u8 vtl, u8 flags)
{
	memset(fake_guest_mem, 0, 16);
	put64(IN, partition);
	fake_guest_mem[IN + 8] = vtl;
	fake_guest_mem[IN + 9] = flags;
	return mem_call(HVCALL_ENABLE_PARTITION_VTL);
}

/* HV_INITIAL_VP_CONTEXT (reference 1.7) of a 64-bit VTL1 at VTL1_RIP. */
static void seg(u8 *c, u32 off, u64 base, u32 limit, u16 sel, u16 attr)
{
	memcpy(c + off, &base, 8);
	memcpy(c + off + 8, &limit, 4);
	memcpy(c + off + 12, &sel, 2);
	memcpy(c + off + 14, &attr, 2);
}

static void context64(u8 *c)
{
	u64 q[3] = { VTL1_RIP, VTL1_RSP, 0x2 };

	memset(c, 0, 224);
	memcpy(c, q, sizeof(q));
	seg(c, 24, 0, 0xffffffff, 0x08, 0xa09b);  /* CS */
	for (u32 off = 40; off <= 104; off += 16) /* DS ES FS GS SS */
		seg(c, off, 0, 0xffffffff, 0x10, 0xc093);
	seg(c, 120, 0x3000, 0x67, 0x18, 0x008b); /* TR: busy 64-bit TSS */
	seg(c, 136, 0, 0, 0, 0);		 /* LDTR: unusable */
	u16 lim = 0xfff;
	u64 base = 0x4000;
	memcpy(c + 152 + 6, &lim, 2); /* IDTR */
	memcpy(c + 152 + 8, &base, 8);
	base = 0x5000;
	memcpy(c + 168 + 6, &lim, 2); /* GDTR */
	memcpy(c + 168 + 8, &base, 8);
	u64 tail[5] = { EFER_LME | EFER_LMA | EFER_NXE, 0x80000033, 0x6000, 0x6a0,
			0x0007040600070406ULL };
	memcpy(c + 184, tail, sizeof(tail));
}

/* EnableVpVtl or StartVirtualProcessor (the same input): RAX. */
static u64 vp_call(u64 code, u32 vp_index, u8 vtl, void (*edit)(u8 *c))
{
	memset(fake_guest_mem, 0, 240);
	put64(IN, HV_PARTITION_ID_SELF);
	memcpy(fake_guest_mem + IN + 8, &vp_index, 4);
	fake_guest_mem[IN + 12] = vtl;
	context64(fake_guest_mem + IN + 16);
	if (edit)
		edit(fake_guest_mem + IN + 16);
	return mem_call(code);
}

static u64 enable_vp(u32 vp_index, u8 vtl, void (*edit)(u8 *c))
{
	return vp_call(HVCALL_ENABLE_VP_VTL, vp_index, vtl, edit);
}

/* GetVpRegisters of one name (for vp itself, the caller's VTL unless input_vtl says): the
 * status, and with SUCCESS, reps completed = 1 checked here. */
static u64 get_reg(u32 name, u8 input_vtl, u64 *val)
{
	memset(fake_guest_mem, 0, 32);
	put64(IN, HV_PARTITION_ID_SELF);
	put64(IN + 8, (u64)HV_VP_INDEX_SELF | (u64)input_vtl << 32);
	memcpy(fake_guest_mem + IN + 16, &name, 4);
	u64 rax = mem_call(HVCALL_GET_VP_REGISTERS | (1ULL << 32));
	*val = get64(OUT);
	if ((rax & 0xffff) == HV_STATUS_SUCCESS)
		assert_int_equal(rax >> 32, 1);
	return rax & 0xffff;
}

/* GetVpRegisters of one name of VP vp_index: the status. */
static u64 get_reg_of(u32 vp_index, u32 name, u8 input_vtl, u64 *val)
{
	memset(fake_guest_mem, 0, 32);
	put64(IN, HV_PARTITION_ID_SELF);
	put64(IN + 8, (u64)vp_index | (u64)input_vtl << 32);
	memcpy(fake_guest_mem + IN + 16, &name, 4);
	u64 rax = mem_call(HVCALL_GET_VP_REGISTERS | (1ULL << 32));
	*val = get64(OUT);
	return rax & 0xffff;
}

/* SetVpRegisters of one name and value (element reserved bytes: rsvd). */
static u64 set_reg(u32 name, u8 input_vtl, u64 val, u32 rsvd)
{
	memset(fake_guest_mem, 0, 48);
	put64(IN, HV_PARTITION_ID_SELF);
	put64(IN + 8, (u64)HV_VP_INDEX_SELF | (u64)input_vtl << 32);
	memcpy(fake_guest_mem + IN + 16, &name, 4);
	memcpy(fake_guest_mem + IN + 20, &rsvd, 4);
	put64(IN + 32, val);
	return mem_call(HVCALL_SET_VP_REGISTERS | (1ULL << 32)) & 0xffff;
}

/* ---- enabling -------------------------------------------------------------------------- */

static void test_enable_partition_statuses(void **state)
{
	u64 val;

	hv_set_privileges_off(HV_PRIV_ACCESS_VSM);
	assert_int_equal(enable_partition(HV_PARTITION_ID_SELF, 1, 0), HV_STATUS_ACCESS_DENIED);
	hv_set_privileges_off(0);
	assert_int_equal(enable_partition(0, 1, 0), HV_STATUS_INVALID_PARTITION_ID);
	assert_int_equal(enable_partition(HV_PARTITION_ID_SELF, 1, 1), 5); /* no MBEC */
	assert_int_equal(enable_partition(HV_PARTITION_ID_SELF, 1, 2), 5);
	assert_int_equal(enable_partition(HV_PARTITION_ID_SELF, 0, 0), 5);
	assert_int_equal(enable_partition(HV_PARTITION_ID_SELF, 2, 0), 5);
	fake_guest_mem[IN + 15] = 1; /* a reserved byte */
	assert_int_equal(mem_call(HVCALL_ENABLE_PARTITION_VTL), 5);
	assert_int_equal(get_reg(0x000d0004, 0, &val), 0);
	assert_int_equal(val, 1 | 1 << 16); /* VTL0 only; MaximumVtl 1 */
	assert_int_equal(core.eptp[1], 0);

	assert_int_equal(enable_partition(HV_PARTITION_ID_SELF, 1, 0), HV_STATUS_SUCCESS);
	assert_int_not_equal(core.eptp[1], 0); /* VTL1's view */
	assert_int_equal(get_reg(0x000d0004, 0, &val), 0);
	assert_int_equal(val, 3 | 1 << 16);
	assert_int_equal(enable_partition(HV_PARTITION_ID_SELF, 1, 0), HV_STATUS_INVALID_VTL_STATE);
	/* The fast (register) form, as the QEMU PoC's Windows uses it. */
	assert_int_equal(vmcall(HVCALL_ENABLE_PARTITION_VTL | (1ULL << 16), HV_PARTITION_ID_SELF,
				1),
			 HV_STATUS_INVALID_VTL_STATE);
}

static void no_pe(u8 *c)
{
	u64 cr0 = 0x80000032;
	memcpy(c + 192, &cr0, 8);
}
static void rflags_bit1_clear(u8 *c)
{
	u64 f = 0;
	memcpy(c + 16, &f, 8);
}
static void long_cs_without_lma(u8 *c)
{
	u64 efer = EFER_NXE, cr0 = 0x33;
	memcpy(c + 184, &efer, 8);
	memcpy(c + 192, &cr0, 8);
}
static void tr_unusable(u8 *c)
{
	seg(c, 120, 0, 0, 0, 0);
}
static void efer_reserved(u8 *c)
{
	u64 efer = EFER_LME | EFER_LMA | (1ULL << 20);
	memcpy(c + 184, &efer, 8);
}
static void cr4_vmxe(u8 *c)
{
	u64 cr4 = 0x6a0 | CR4_VMXE;
	memcpy(c + 208, &cr4, 8);
}
static void pat_bad(u8 *c)
{
	u64 pat = 0x0007040600070402ULL; /* type 2 is reserved */
	memcpy(c + 216, &pat, 8);
}
static void rip_noncanonical(u8 *c)
{
	u64 rip = 0x0000800000000000ULL;
	memcpy(c, &rip, 8);
}

static void test_enable_vp_statuses(void **state)
{
	u64 val;

	assert_int_equal(enable_vp(HV_VP_INDEX_SELF, 1, NULL), HV_STATUS_INVALID_VTL_STATE);
	assert_int_equal(enable_partition(HV_PARTITION_ID_SELF, 1, 0), 0);
	hv_set_privileges_off(HV_PRIV_ACCESS_VSM);
	assert_int_equal(enable_vp(HV_VP_INDEX_SELF, 1, NULL), HV_STATUS_ACCESS_DENIED);
	hv_set_privileges_off(0);
	assert_int_equal(enable_vp(99, 1, NULL), HV_STATUS_INVALID_VP_INDEX);
	assert_int_equal(enable_vp(HV_VP_INDEX_SELF, 2, NULL), 5);
	assert_int_equal(enable_vp(HV_VP_INDEX_SELF, 0, NULL), 5);
	/* From VTL0, only its own VP (then VTL1 enables the others). */
	assert_int_equal(enable_vp(1, 1, NULL), HV_STATUS_ACCESS_DENIED);
	void (*bad[])(u8 *) = { no_pe,	     rflags_bit1_clear, long_cs_without_lma,
				tr_unusable, efer_reserved,	cr4_vmxe,
				pat_bad,     rip_noncanonical };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(enable_vp(HV_VP_INDEX_SELF, 1, bad[i]),
				 HV_STATUS_INVALID_REGISTER_VALUE);
	assert_int_equal(vtl_vp_enabled(&vp), 1);

	assert_int_equal(enable_vp(0, 1, NULL), HV_STATUS_SUCCESS); /* its own index */
	assert_int_equal(vtl_vp_enabled(&vp), 3);
	assert_int_equal(enable_vp(HV_VP_INDEX_SELF, 1, NULL), HV_STATUS_VTL_ALREADY_ENABLED);
	/* Once VTL1 exists somewhere, VTL0 enables it nowhere else. */
	assert_int_equal(enable_vp(1, 1, NULL), HV_STATUS_ACCESS_DENIED);
	assert_int_equal(get_reg(0x000d0003, 0, &val), 0);
	assert_int_equal(val, 0 | 3 << 16); /* ActiveVtl 0, EnabledVtlSet {0, 1} */
	assert_int_equal(vp.active_vtl, 0); /* enabling does not switch */
}

/* ---- VTL call and return --------------------------------------------------------------- */

static void enable_vtl1(void)
{
	assert_int_equal(enable_partition(HV_PARTITION_ID_SELF, 1, 0), 0);
	assert_int_equal(enable_vp(HV_VP_INDEX_SELF, 1, NULL), 0);
}

static void test_vtl_call_ud_cases(void **state)
{
	/* Not enabled yet; then a VtlReturn at VTL0; then bad inputs. */
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_true(ud_injected());
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP);
	enable_vtl1();
	u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	vtl_stub(HVCALL_VTL_RETURN, 0);
	assert_true(ud_injected());
	vtl_stub(HVCALL_VTL_CALL, 1); /* the control input must be 0 */
	assert_true(ud_injected());
	vtl_stub(HVCALL_VTL_CALL | (1ULL << 16), 0); /* a control bit besides the code */
	assert_true(ud_injected());
	vtl_stub(HVCALL_VTL_CALL | (1ULL << 32), 0);
	assert_true(ud_injected());
	assert_int_equal(vp.active_vtl, 0);
	assert_int_equal(fake_vmcs_current, FAKE_VMCS_PA);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip);
	/* A 32-bit caller (compatibility mode: CS.L = 0): no stubs for it, #UD; EDX:EAX is its
	 * control word there. */
	vp.regs.gpr[RAX] = HVCALL_VTL_CALL;
	vp.regs.gpr[RDX] = 0;
	vp.regs.gpr[RCX] = 0;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_GUEST_CS_AR, 0xc09b);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_VMCALL), EXIT_RESUME);
	assert_true(ud_injected());
	assert_int_equal(vp.active_vtl, 0);
	/* While the debug console times hypercalls, the general path does the call. */
	dbgcon_timing = true;
	vtl_stub(HVCALL_VTL_CALL, 0);
	dbgcon_timing = false;
	assert_false(ud_injected());
	assert_int_equal(vp.active_vtl, 1);
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_int_equal(vp.active_vtl, 0);
	/* Without AccessVsm: a status, as for every call without its privilege. */
	hv_set_privileges_off(HV_PRIV_ACCESS_VSM);
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(vp.regs.gpr[RAX], HV_STATUS_ACCESS_DENIED);
	assert_false(ud_injected());
}

static void test_vtl_call_and_return(void **state)
{
	enable_vtl1();
	/* The guest's LSTAR writes exit (they are tracked); KERNEL_GS_BASE's do not. */
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_LSTAR, 0xaaaa), EXIT_RESUME);
	assert_int_equal(vp.msrs->lstar, 0xaaaa);
	const u64 rip0 = fake_vmcs_get(VMCS_GUEST_RIP);
	wrmsr(MSR_IA32_KERNEL_GS_BASE, 0xa0a0);
	vp.regs.gpr[RBX] = 0xb0b0; /* shared */
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_false(ud_injected());
	/* VTL1 runs: its own VMCS, started from the context, with its view and VPID. */
	assert_int_equal(vp.active_vtl, 1);
	u64 vtl1_vmcs = fake_vmcs_current;
	assert_int_not_equal(vtl1_vmcs, FAKE_VMCS_PA);
	assert_int_equal(vp.vmcs_pa, vtl1_vmcs);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), VTL1_RIP);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RSP), VTL1_RSP);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR3), 0x6000);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_ES_AR + 2 * SEG_TR), 0x8b);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_ES_AR + 2 * SEG_LDTR), 0x10000);
	assert_int_equal(fake_vmcs_get(VMCS_EPTP), core.eptp[1]);
	assert_int_equal(fake_vmcs_get(VMCS_VPID), vp_vtl_vpid(&vp, 1));
	assert_int_not_equal(vp_vtl_vpid(&vp, 1), vp.vpid);
	assert_int_equal(fake_vmcs_get(VMCS_HOST_RSP), 0x5000);
	assert_true(fake_vmcs_get(VMCS_PIN_CTLS) & PIN_EXTINT_EXITING);
	assert_true(fake_vmcs_get(VMCS_ENTRY_CTLS) & ENTRY_IA32E_GUEST);
	assert_int_equal(vcpu_entry_slow(&vp), VCPU_ENTER_LAUNCH); /* never entered */
	assert_int_equal(vcpu_entry_slow(&vp), VCPU_ENTER_RESUME);
	/* Private MSRs start at their INIT values; shared GPRs pass; RAX/RCX as the stub. */
	assert_int_equal(rdmsr(MSR_IA32_LSTAR), 0);
	assert_int_equal(rdmsr(MSR_IA32_KERNEL_GS_BASE), 0);
	assert_int_equal(vp.regs.gpr[RBX], 0xb0b0);
	assert_int_equal(vp.regs.gpr[RAX], 0);
	assert_int_equal(vp.regs.gpr[RCX], HVCALL_VTL_CALL);
	assert_int_equal(fake_wrmsr_exit(&vp, MSR_IA32_LSTAR, 0xbbbb), EXIT_RESUME);
	vp.regs.gpr[RBX] = 0xb1b1;

	/* VtlReturn, not fast: VTL0 resumes after its VMCALL with RAX/RCX as they were. */
	fake_vmcs_set(VMCS_GUEST_RIP, VTL1_RIP + 0x40);
	vtl_stub(HVCALL_VTL_RETURN, 0);
	assert_int_equal(vp.active_vtl, 0);
	assert_int_equal(fake_vmcs_current, FAKE_VMCS_PA);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip0 + VMCALL_LEN);
	assert_int_equal(rdmsr(MSR_IA32_LSTAR), 0xaaaa);
	assert_int_equal(rdmsr(MSR_IA32_KERNEL_GS_BASE), 0xa0a0);
	assert_int_equal(vp.regs.gpr[RBX], 0xb1b1);
	assert_int_equal(fake_msr_bad, 0);
	assert_int_equal(vp.regs.gpr[RAX], 0);
	assert_int_equal(vp.regs.gpr[RCX], HVCALL_VTL_CALL);
	assert_int_equal(vcpu_entry_slow(&vp), VCPU_ENTER_RESUME);

	/* Again: VTL1 resumes after its return's VMCALL, its MSRs its own. Fast return. An
	 * MSR both VTLs have the same value in (STAR) is not written at all. */
	u32 star_writes = fake_msr_slot(MSR_IA32_STAR, false)->writes;
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(vp.active_vtl, 1);
	assert_int_equal(fake_vmcs_current, vtl1_vmcs);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), VTL1_RIP + 0x40 + VMCALL_LEN);
	assert_int_equal(vcpu_entry_slow(&vp), VCPU_ENTER_RESUME);
	assert_int_equal(rdmsr(MSR_IA32_LSTAR), 0xbbbb);
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_int_equal(fake_msr_slot(MSR_IA32_STAR, false)->writes, star_writes);
	assert_int_equal(vp.active_vtl, 0);
	assert_int_equal(vp.regs.gpr[RAX], 1); /* fast: nothing reloaded */
	assert_int_equal(vp.regs.gpr[RCX], HVCALL_VTL_RETURN);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip0 + 2 * VMCALL_LEN);
}

static void test_vtl1_paging_change_flushes_its_own_vpid(void **state)
{
	enable_vtl1();
	vtl_stub(HVCALL_VTL_CALL, 0);
	/* VTL1 clears CR4.PGE (MOV to CR4 from RBX): its own VPID is flushed, not VTL0's. */
	vp.regs.gpr[RBX] = 0x620;
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, 4 | RBX << 8);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_CR_ACCESS), EXIT_RESUME);
	assert_false(fake_gp_injected());
	assert_int_equal(fake_invvpid_last_vpid, vp_vtl_vpid(&vp, 1));
}

static void test_vtl_return_ud_cases(void **state)
{
	enable_vtl1();
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(vp.active_vtl, 1);
	u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	vtl_stub(HVCALL_VTL_RETURN, 2); /* only 0 and 1 */
	assert_true(ud_injected());
	vtl_stub(HVCALL_VTL_RETURN | (1ULL << 16), 0);
	assert_true(ud_injected());
	vtl_stub(HVCALL_VTL_CALL, 0); /* no VTL2 */
	assert_true(ud_injected());
	assert_int_equal(vp.active_vtl, 1);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip);
}

static void test_entry_reason_in_vp_assist_page(void **state)
{
	enable_vtl1();
	vp.regs.gpr[RSI] = 0x1234; /* shared: VTL1 sees it */
	vtl_stub(HVCALL_VTL_CALL, 0);
	/* VTL1 enables its own VP assist page (VTL0 has none): its VTL control area holds
	 * what this entry left, VTL0's RAX and RCX, at once. */
	memset(assist, 0xee, 0x20);
	assert_int_equal(fake_wrmsr_exit(&vp, HV_MSR_VP_ASSIST_PAGE, ASSIST_GPA | 1), EXIT_RESUME);
	assert_false(fake_gp_injected());
	u64 q;
	memcpy(&q, assist + HV_VP_ASSIST_RETURN_RAX, 8);
	assert_int_equal(q, 0);
	memcpy(&q, assist + HV_VP_ASSIST_RETURN_RCX, 8);
	assert_int_equal(q, HVCALL_VTL_CALL);
	u64 v0;
	vp.active_vtl = 0; /* a peek at VTL0's MSR value */
	assert_int_equal(hv_vp_assist_page(&vp, 0), NULL);
	vp.active_vtl = 1;
	/* VtlReturn with the values VTL1 chose for VTL0's RAX and RCX. */
	u64 rax = 0x1111, rcx = 0x2222;
	memcpy(assist + HV_VP_ASSIST_RETURN_RAX, &rax, 8);
	memcpy(assist + HV_VP_ASSIST_RETURN_RCX, &rcx, 8);
	vtl_stub(HVCALL_VTL_RETURN, 0);
	assert_int_equal(vp.regs.gpr[RAX], 0x1111);
	assert_int_equal(vp.regs.gpr[RCX], 0x2222);
	assert_int_equal(vp.regs.gpr[RSI], 0x1234);
	/* The next VTL call writes the entry reason and VTL0's RAX and RCX there. */
	memset(assist, 0, 0x20);
	vtl_stub(HVCALL_VTL_CALL, 0);
	u32 reason;
	memcpy(&reason, assist + HV_VP_ASSIST_ENTRY_REASON, 4);
	assert_int_equal(reason, HV_VTL_ENTRY_VTL_CALL);
	memcpy(&v0, assist + HV_VP_ASSIST_RETURN_RAX, 8);
	assert_int_equal(v0, 0);
	memcpy(&v0, assist + HV_VP_ASSIST_RETURN_RCX, 8);
	assert_int_equal(v0, HVCALL_VTL_CALL);
}

/* ---- GetVpRegisters -------------------------------------------------------------------- */

static void test_get_vp_registers(void **state)
{
	u64 val;

	assert_int_equal(get_reg(0x000d0002, 0, &val), 0);
	assert_int_equal(val, 0x0f | 0x28 << 12);
	assert_int_equal(get_reg(0x000d0006, 0, &val), 0);
	assert_int_equal(val, 1 | 1ULL << 27); /* Dr6Shared, InterceptPageAvailable */
	/* Reps completed stop at an unknown name. */
	assert_int_equal(get_reg(0x000dffff, 0, &val), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(vp.regs.gpr[RAX] >> 32, 0);
	u32 names[2] = { 0x000d0002, 0x000dffff };
	memcpy(fake_guest_mem + IN + 16, names, 8);
	u64 rax = mem_call(HVCALL_GET_VP_REGISTERS | (2ULL << 32));
	assert_int_equal(rax, HV_STATUS_INVALID_PARAMETER | 1ULL << 32);
	/* A higher VTL's state is never readable; a VTL not enabled is no state at all. */
	assert_int_equal(get_reg(0x000d0002, USE_VTL(1), &val), HV_STATUS_ACCESS_DENIED);
	assert_int_equal(get_reg(0x000d0002, 0x20, &val), HV_STATUS_INVALID_PARAMETER);
	hv_set_privileges_off(HV_PRIV_ACCESS_VP_REGISTERS);
	assert_int_equal(get_reg(0x000d0002, 0, &val), HV_STATUS_ACCESS_DENIED);
	hv_set_privileges_off(0);

	/* VTL1 reads VTL0's RIP and CR3 (VTL0's VMCS, loaded for the moment). */
	enable_vtl1();
	u64 rip0 = fake_vmcs_get(VMCS_GUEST_RIP);
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(get_reg(0x00020010, USE_VTL(0), &val), 0);
	assert_int_equal(val, rip0 + VMCALL_LEN);
	assert_int_equal(get_reg(0x00040002, USE_VTL(0), &val), 0);
	assert_int_equal(val, FAKE_GUEST_CR3);
	assert_int_equal(fake_vmcs_current, vp.vmcs_pa); /* VTL1's again */
	assert_int_equal(get_reg(0x00020010, 0, &val), 0);
	assert_int_equal(val, VTL1_RIP + 2 * VMCALL_LEN); /* after its two calls above */
	assert_int_equal(get_reg(0x000d0003, 0, &val), 0);
	assert_int_equal(val, 1 | 3 << 16); /* ActiveVtl 1 */
	/* Another VP: its VSM registers, not its architectural ones (they are in its own
	 * CPU's VMCS): ACCESS_DENIED, as OpenHCL answers, for a read and for a write. */
	assert_int_equal(get_reg_of(1, 0x000d0003, USE_VTL(0), &val), 0);
	assert_int_equal(val, 0 | 1 << 16); /* VP 1: at VTL0, VTL1 not enabled there */
	assert_int_equal(get_reg_of(1, 0x00020010, USE_VTL(0), &val), HV_STATUS_ACCESS_DENIED);
	memset(fake_guest_mem, 0, 48);
	put64(IN, HV_PARTITION_ID_SELF);
	put64(IN + 8, 1 | (u64)USE_VTL(0) << 32);
	u32 rip_name = 0x00020010;
	memcpy(fake_guest_mem + IN + 16, &rip_name, 4);
	put64(IN + 32, 0x1000);
	assert_int_equal(mem_call(HVCALL_SET_VP_REGISTERS | (1ULL << 32)) & 0xffff,
			 HV_STATUS_ACCESS_DENIED);
	assert_int_equal(get_reg_of(7, 0x000d0003, USE_VTL(0), &val), HV_STATUS_INVALID_VP_INDEX);
}

static void test_set_vp_registers(void **state)
{
	u64 val;

	enable_vtl1();
	/* From VTL0: never VTL1's registers. */
	assert_int_equal(set_reg(0x00020010, USE_VTL(1), 0x1000, 0), HV_STATUS_ACCESS_DENIED);
	vtl_stub(HVCALL_VTL_CALL, 0);
	/* VTL1 changes VTL0's RIP, RSP and (shared) RBX; VTL0 resumes there. */
	assert_int_equal(set_reg(0x00020010, USE_VTL(0), 0x7770, 0), 0);
	assert_int_equal(set_reg(0x00020004, USE_VTL(0), 0x8880, 0), 0);
	assert_int_equal(set_reg(0x00020003, USE_VTL(0), 0x9990, 0), 0);
	assert_int_equal(vp.regs.gpr[RBX], 0x9990);
	assert_int_equal(get_reg(0x00020010, USE_VTL(0), &val), 0);
	assert_int_equal(val, 0x7770);
	/* Refused: reserved RFLAGS bits, bit 1 clear, a CR3 above MAXPHYADDR, reserved
	 * element bytes, an unknown name. */
	assert_int_equal(set_reg(0x00020011, USE_VTL(0), 0x8, 0), 5);
	assert_int_equal(set_reg(0x00020011, USE_VTL(0), 0x200, 0), 5);
	assert_int_equal(set_reg(0x00040002, USE_VTL(0), 1ULL << 45, 0), 5);
	assert_int_equal(set_reg(0x00020010, USE_VTL(0), 0x1000, 1), 5);
	assert_int_equal(set_reg(0x000dffff, USE_VTL(0), 0, 0), 5);
	assert_int_equal(set_reg(0x00020011, USE_VTL(0), 0x202, 0), 0);
	/* VSM configuration: VsmPartitionConfig bits not implemented yet are refused, not
	 * ignored; VTL0 has no instance; VINA keeps its RsvdP bits. */
	assert_int_equal(set_reg(0x000d0007, 0, 1, 0), 5); /* EnableVtlProtection: issue 5 */
	assert_int_equal(set_reg(0x000d0007, 0, 1ULL << 6, 0), 0);
	assert_int_equal(get_reg(0x000d0007, 0, &val), 0);
	assert_int_equal(val, 1ULL << 6);
	assert_int_equal(set_reg(0x000d0007, USE_VTL(0), 0, 0), 5);
	assert_int_equal(set_reg(0x000d0010, 0, 1, 0), 5); /* MbecEnabled: no MBEC */
	assert_int_equal(set_reg(0x000d0010, 0, 4, 0), 5);
	assert_int_equal(set_reg(0x000d0010, 0, 0, 0), 0);
	assert_int_equal(set_reg(0x000d0005, 0, (1ULL << 40) | 0x1f0, 0), 0);
	assert_int_equal(get_reg(0x000d0005, 0, &val), 0);
	assert_int_equal(val, 0x1f0);
	/* VTL0's private MSRs (kept while VTL1 runs) and more of its VMCS. */
	assert_int_equal(set_reg(0x00080009, USE_VTL(0), 0xffff800000001000ULL, 0), 0); /* LSTAR */
	assert_int_equal(set_reg(0x00080009, USE_VTL(0), 0x0000800000000000ULL, 0), 5);
	assert_int_equal(set_reg(0x0008000b, USE_VTL(0), 1ULL << 32, 0), 5); /* SFMASK */
	assert_int_equal(set_reg(0x00080002, USE_VTL(0), 0x5000, 0), 0);     /* KernelGsBase */
	assert_int_equal(get_reg(0x00080009, USE_VTL(0), &val), 0);
	assert_int_equal(val, 0xffff800000001000ULL);
	assert_int_equal(set_reg(0x00080004, USE_VTL(0), 0x0007040600070402ULL, 0), 5); /* PAT */
	assert_int_equal(set_reg(0x00080004, USE_VTL(0), 0x0007040600070406ULL, 0), 0);
	assert_int_equal(set_reg(0x00050005, USE_VTL(0), 1ULL << 32, 0), 5);		/* DR7 */
	assert_int_equal(set_reg(0x00080006, USE_VTL(0), 0xffffffff81000000ULL, 0), 0); /* EIP */
	/* VTL1's own LSTAR: in the CPU at once. */
	assert_int_equal(set_reg(0x00080009, 0, 0xffff800000002000ULL, 0), 0);
	assert_int_equal(rdmsr(MSR_IA32_LSTAR), 0xffff800000002000ULL);
	/* Back in VTL0: its RIP and RSP are what VTL1 set, and its MSRs. */
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_int_equal(vp.active_vtl, 0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0x7770);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RSP), 0x8880);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RFLAGS), 0x202);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_PAT), 0x0007040600070406ULL);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_SYSENTER_EIP), 0xffffffff81000000ULL);
	assert_int_equal(rdmsr(MSR_IA32_LSTAR), 0xffff800000001000ULL);
	assert_int_equal(rdmsr(MSR_IA32_KERNEL_GS_BASE), 0x5000);
	/* Segments and descriptor tables (HV_X64_SEGMENT_REGISTER / TABLE_REGISTER). */
	fake_vmcs_set(VMCS_GUEST_ES_BASE + 2 * SEG_CS, 0x1000);
	fake_vmcs_set(VMCS_GUEST_ES_LIMIT + 2 * SEG_CS, 0xffffffff);
	fake_vmcs_set(VMCS_GUEST_ES_SEL + 2 * SEG_CS, 0x38);
	fake_vmcs_set(VMCS_GUEST_ES_AR + 2 * SEG_CS, 0xa09b);
	fake_vmcs_set(VMCS_GUEST_GDTR_BASE, 0x3000);
	fake_vmcs_set(VMCS_GUEST_GDTR_LIMIT, 0x57);
	memset(fake_guest_mem, 0, 32);
	put64(IN, HV_PARTITION_ID_SELF);
	put64(IN + 8, HV_VP_INDEX_SELF);
	u32 names[2] = { 0x00060001, 0x00070001 };
	memcpy(fake_guest_mem + IN + 16, names, 8);
	assert_int_equal(mem_call(HVCALL_GET_VP_REGISTERS | (2ULL << 32)), 2ULL << 32);
	assert_int_equal(get64(OUT), 0x1000);
	assert_int_equal(get64(OUT + 8), 0xffffffffULL | 0x38ULL << 32 | 0xa09bULL << 48);
	assert_int_equal(get64(OUT + 16), 0x57ULL << 48);
	assert_int_equal(get64(OUT + 24), 0x3000);
}

/* SetVpRegisters of one 128-bit value (segment and table registers). */
static u64 set_reg128(u32 name, u8 input_vtl, u64 lo, u64 hi)
{
	memset(fake_guest_mem, 0, 48);
	put64(IN, HV_PARTITION_ID_SELF);
	put64(IN + 8, (u64)HV_VP_INDEX_SELF | (u64)input_vtl << 32);
	memcpy(fake_guest_mem + IN + 16, &name, 4);
	put64(IN + 32, lo);
	put64(IN + 40, hi);
	return mem_call(HVCALL_SET_VP_REGISTERS | (1ULL << 32)) & 0xffff;
}

static void test_pending_event(void **state)
{
	u64 val;
	const u64 pf = 1 | 1ULL << 8 | 14ULL << 16 | 2ULL << 32; /* #PF, error code 2 */

	fake_vmcs_set(VMCS_CR0_SHADOW, FAKE_GUEST_CR0);
	enable_vtl1();
	vtl_stub(HVCALL_VTL_CALL, 0);
	/* Refused: an ExtInt event, reserved bits, NMI, #BP, a reserved vector, #GP without
	 * its error code, #UD with one, a parameter that is not #PF's CR2. */
	assert_int_equal(set_reg128(0x00010004, USE_VTL(0), 1 | 5 << 1 | 0x30ULL << 16, 0), 5);
	assert_int_equal(set_reg128(0x00010004, USE_VTL(0), 1 | 1 << 4 | 6ULL << 16, 0), 5);
	assert_int_equal(set_reg128(0x00010004, USE_VTL(0), 1 | 2ULL << 16, 0), 5);
	assert_int_equal(set_reg128(0x00010004, USE_VTL(0), 1 | 3ULL << 16, 0), 5);
	assert_int_equal(set_reg128(0x00010004, USE_VTL(0), 1 | 15ULL << 16, 0), 5);
	assert_int_equal(set_reg128(0x00010004, USE_VTL(0), 1 | 13ULL << 16, 0), 5);
	assert_int_equal(set_reg128(0x00010004, USE_VTL(0), 1 | 1 << 8 | 6ULL << 16, 0), 5);
	assert_int_equal(set_reg128(0x00010004, USE_VTL(0), 1 | 6ULL << 16, 7), 5);
	assert_int_equal(set_reg128(0x00010004, USE_VTL(0), 0, 0), 0); /* nothing pending */
	/* VTL1 reflects a #PF into VTL0: injected at VTL0's next entry, CR2 (shared) set. */
	assert_int_equal(set_reg128(0x00010004, USE_VTL(0), pf, 0xdead000), 0);
	assert_int_equal(fake_cr[2], 0xdead000);
	assert_int_equal(get_reg(0x00010004, USE_VTL(0), &val), 0);
	assert_int_equal(val, pf);
	assert_int_equal(get64(OUT + 8), 0xdead000);
	/* One event per entry: a second one waits for the VTL to take the first. */
	assert_int_equal(set_reg128(0x00010004, USE_VTL(0), 1 | 6ULL << 16, 0),
			 HV_STATUS_INVALID_VP_STATE);
	/* PendingEvent1, the second half of a 256-bit event: 0 for every event PendingEvent0
	 * takes; writing 0 is accepted (callers write both halves), anything else refused. */
	assert_int_equal(get_reg(0x00010005, USE_VTL(0), &val), 0);
	assert_int_equal(val, 0);
	assert_int_equal(get64(OUT + 8), 0);
	assert_int_equal(set_reg128(0x00010005, USE_VTL(0), 0, 0), 0);
	assert_int_equal(set_reg128(0x00010005, USE_VTL(0), 1, 0), 5);
	assert_int_equal(set_reg128(0x00010005, USE_VTL(0), 0, 1ULL << 63), 5);
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000b0eULL);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 2);
}

static void test_set_vp_state_registers(void **state)
{
	u64 val;

	/* VTL0 in 64-bit mode as VM entry takes it: a busy TSS, RFLAGS bit 1. */
	fake_vmcs_set(VMCS_GUEST_ES_AR + 2 * SEG_TR, 0x8b);
	fake_vmcs_set(VMCS_GUEST_ES_AR + 2 * SEG_LDTR, 0x10000);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x202);
	fake_vmcs_set(VMCS_GUEST_PAT, 0x0007040600070406ULL);
	enable_vtl1();
	vtl_stub(HVCALL_VTL_CALL, 0); /* sets VTL0's 64-bit CS, SS, EFER, CR0 on the way */
	/* VTL1 clears VTL0's CR4.PGE: VTL0's VPID is flushed. */
	u32 flushes = fake_invvpid_count;
	assert_int_equal(set_reg(0x00040003, USE_VTL(0), 0x620, 0), 0);
	assert_int_equal(get_reg(0x00040003, USE_VTL(0), &val), 0);
	assert_int_equal(val, 0x620);
	assert_int_equal(fake_invvpid_count, flushes + 1);
	assert_int_equal(fake_invvpid_last_vpid, vp.vpid);
	/* No PAE in IA-32e mode, CR0.PG off under a 64-bit CS, CR0 bits 63:32: refused. */
	assert_int_equal(set_reg(0x00040003, USE_VTL(0), 0x600, 0), 5);
	assert_int_equal(set_reg(0x00040000, USE_VTL(0), 0x33, 0), 5);
	assert_int_equal(set_reg(0x00040000, USE_VTL(0), 0x180000033ULL, 0), 5);
	assert_int_equal(get_reg(0x00040003, USE_VTL(0), &val), 0);
	assert_int_equal(val, 0x620);
	/* CR0.WP off; EFER without NXE (LMA follows LME and PG). */
	assert_int_equal(set_reg(0x00040000, USE_VTL(0), 0x80000033, 0), 0);
	assert_int_equal(get_reg(0x00040000, USE_VTL(0), &val), 0);
	assert_int_equal(val, 0x80000033);
	assert_int_equal(set_reg(0x00080001, USE_VTL(0), EFER_SCE | EFER_LME, 0), 0);
	assert_int_equal(get_reg(0x00080001, USE_VTL(0), &val), 0);
	assert_int_equal(val, EFER_SCE | EFER_LME | EFER_LMA);
	/* GDTR (limit in 63:48, base in the upper half) and DS. */
	assert_int_equal(set_reg128(0x00070001, USE_VTL(0), 0x7fULL << 48, 0x12345000), 0);
	assert_int_equal(get_reg(0x00070001, USE_VTL(0), &val), 0);
	assert_int_equal(val >> 48, 0x7f);
	assert_int_equal(get64(OUT + 8), 0x12345000);
	assert_int_equal(set_reg128(0x00060003, USE_VTL(0), 0x1000,
				    0xffffffffULL | 0x18ULL << 32 | 0xc093ULL << 48),
			 0);
	assert_int_equal(get_reg(0x00060003, USE_VTL(0), &val), 0);
	assert_int_equal(val, 0x1000);
	assert_int_equal(get64(OUT + 8), 0xffffffffULL | 0x18ULL << 32 | 0xc093ULL << 48);
	/* CS as a data segment; a 64-bit register's upper half: refused. */
	assert_int_equal(set_reg128(0x00060001, USE_VTL(0), 0, 0xffffffffULL | 0xc093ULL << 48), 5);
	assert_int_equal(set_reg128(0x00020010, USE_VTL(0), 0x1000, 1), 5);
	/* VTL1 is still what runs; VTL0's IA-32e entry control kept. */
	assert_int_equal(vp.active_vtl, 1);
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_true(fake_vmcs_get(VMCS_ENTRY_CTLS) & ENTRY_IA32E_GUEST);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_ES_BASE + 2 * SEG_DS), 0x1000);
}

/* ---- TranslateVirtualAddress ---------------------------------------------------------- */

#define TVA_READ 1ULL
#define TVA_WRITE 2ULL
#define TVA_EXEMPT 8ULL
#define TVA_SET_BITS 0x10ULL
#define TVA_USER 0x80ULL

/* VTL0's paging: 4-level, NX, WP; GVA 0x40203000 -> 0x7654000 user RW, 0x40204000 ->
 * 0x8888000 supervisor read-only, 0x40205000 not present. */
static void vtl0_page_tables(void)
{
	*pt_entry(0, 0) = PT_PAGE(1) | 7;
	*pt_entry(1, 1) = PT_PAGE(2) | 7;
	*pt_entry(2, 1) = PT_PAGE(3) | 7;
	*pt_entry(3, 3) = 0x7654000ULL | 7;
	*pt_entry(3, 4) = 0x8888000ULL | 1 | (1ULL << 63);
	fake_vmcs_set(VMCS_GUEST_CR0, 0x80010033);
	fake_vmcs_set(VMCS_CR0_SHADOW, 0x80010033);
	fake_vmcs_set(VMCS_GUEST_CR3, PT_PAGE(0));
	fake_vmcs_set(VMCS_GUEST_CR4, CR4_PAE | CR4_VMXE);
	fake_vmcs_set(VMCS_CR4_SHADOW, CR4_PAE);
}

/* One translation (memory form, or Ex): RAX status; *result and *gpa_page from the output. */
static u64 translate(u64 gva, u64 flags, u8 input_vtl, bool ex, u64 *result, u64 *gpa_page)
{
	memset(fake_guest_mem, 0, 32);
	memset(fake_guest_mem + OUT, 0xee, 64);
	put64(IN, HV_PARTITION_ID_SELF);
	put64(IN + 8, HV_VP_INDEX_SELF);
	put64(IN + 16, flags | (u64)input_vtl << 56);
	put64(IN + 24, gva >> 12);
	u64 rax = mem_call(ex ? HVCALL_TRANSLATE_VIRTUAL_ADDRESS_EX :
				HVCALL_TRANSLATE_VIRTUAL_ADDRESS);
	*result = get64(OUT);
	*gpa_page = get64(OUT + (ex ? 48 : 8));
	return rax;
}

static void test_translate_virtual_address(void **state)
{
	u64 res, gpn;

	vtl0_page_tables();
	/* The vmcall helper's mode fields: EFER LMA + NXE, 64-bit CS. */
	assert_int_equal(
		translate(0x40203abc, TVA_READ | TVA_WRITE | TVA_USER, 0, false, &res, &gpn), 0);
	assert_int_equal(res, 0 | 6ULL << 32); /* success, write-back */
	assert_int_equal(gpn, 0x7654);
	/* A user write to a supervisor read-only page; exempt from privilege checks it is fine;
	 * a supervisor read is fine too. */
	assert_int_equal(translate(0x40204000, TVA_WRITE | TVA_USER, 0, false, &res, &gpn), 0);
	assert_int_equal(res, 2);
	assert_int_equal(gpn, 0x8888);
	assert_int_equal(
		translate(0x40204000, TVA_WRITE | TVA_USER | TVA_EXEMPT, 0, false, &res, &gpn), 0);
	assert_int_equal(res & 0xffffffff, 0);
	assert_int_equal(translate(0x40204000, TVA_WRITE, 0, false, &res, &gpn), 0);
	assert_int_equal(res, 2); /* CR0.WP: not even the supervisor writes it */
	assert_int_equal(translate(0x40204000, 4 /* execute */, 0, false, &res, &gpn), 0);
	assert_int_equal(res, 2); /* XD */
	assert_int_equal(translate(0x40205000, TVA_READ, 0, false, &res, &gpn), 0);
	assert_int_equal(res, 1); /* not present */
	/* A and D, only when asked. */
	assert_int_equal(*pt_entry(3, 3) & 0x60, 0);
	translate(0x40203000, TVA_READ | TVA_WRITE | TVA_SET_BITS, 0, false, &res, &gpn);
	assert_int_equal(*pt_entry(3, 3) & 0x60, 0x60);
	assert_int_equal(*pt_entry(2, 1) & 0x60, 0x20);
	/* An overlay page says so. The Ex form: GpaPage at +48. */
	fake_overlay_gpa[fake_noverlays++] = 0x7654000ULL;
	assert_int_equal(translate(0x40203000, TVA_READ, 0, true, &res, &gpn), 0);
	assert_int_equal(res, 6ULL << 32 | 1ULL << 40);
	assert_int_equal(gpn, 0x7654);
	/* Refused: ShadowStack (none here), a reserved flag, a reserved field, VTL1 from
	 * VTL0, another partition. */
	assert_int_equal(translate(0x40203000, TVA_READ | 0x400, 0, false, &res, &gpn), 5);
	assert_int_equal(translate(0x40203000, TVA_READ | 0x800, 0, false, &res, &gpn), 5);
	assert_int_equal(translate(0x40203000, TVA_READ, 0x11, false, &res, &gpn),
			 HV_STATUS_ACCESS_DENIED);
	assert_int_equal(res, 0xeeeeeeeeeeeeeeeeULL); /* nothing written */
	put64(IN, 0);
	assert_int_equal(mem_call(HVCALL_TRANSLATE_VIRTUAL_ADDRESS),
			 HV_STATUS_INVALID_PARTITION_ID);

	/* From VTL1 (no paging of its own here), VTL0's address space: VTL0's paging state. */
	enable_vtl1();
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(vp.active_vtl, 1);
	assert_int_equal(translate(0x40203000, TVA_READ, USE_VTL(0), false, &res, &gpn), 0);
	assert_int_equal(res & 0xffffffff, 0);
	assert_int_equal(gpn, 0x7654);
	assert_int_equal(fake_vmcs_current, vp.vmcs_pa); /* VTL1's VMCS again */
}

/* ---- StartVirtualProcessor -------------------------------------------------------------- */

static void rip_b000(u8 *c)
{
	u64 rip = 0xb000;
	memcpy(c, &rip, 8);
}

static void test_start_virtual_processor(void **state)
{
	vcpu_vtl_hook = hv_vtl_serve_requests; /* as takeover sets it */
	vp1.regs.gpr[RAX] = 0xa1;
	vp1.regs.gpr[RCX] = 0xc1;
	enable_vtl1();
	vtl_stub(HVCALL_VTL_CALL, 0);
	/* VTL1 enables itself on VP 1, then starts VP 1 in VTL1 (reference 3.2). */
	assert_int_equal(enable_vp(1, 1, NULL), 0);
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, HV_VP_INDEX_SELF, 1, NULL),
			 HV_STATUS_INVALID_VP_INDEX);
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 0, 1, NULL),
			 HV_STATUS_INVALID_VP_INDEX); /* itself */
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 99, 1, NULL),
			 HV_STATUS_INVALID_VP_INDEX);
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 2, NULL), 5);
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 0, NULL),
			 HV_STATUS_INVALID_VP_STATE); /* VP 1's VTL0 runs */
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 1, no_pe),
			 HV_STATUS_INVALID_REGISTER_VALUE);
	assert_int_equal(vp1.work.kick, 0);
	vp1.parked = true; /* after an INIT, waiting for a SIPI: it would never start */
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 1, rip_b000),
			 HV_STATUS_INVALID_VP_STATE);
	vp1.parked = false;
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 1, rip_b000), 0);
	assert_int_equal(vp1.work.kick, VCPU_KICK_VTL);
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 1, rip_b000),
			 HV_STATUS_INVALID_VP_STATE); /* one start pending */
	/* VP 1, before its next entry: into VTL1 from the start context, VMLAUNCH. */
	assert_int_equal(vcpu_entry_slow(&vp1), VCPU_ENTER_LAUNCH);
	assert_int_equal(vp1.active_vtl, 1);
	assert_int_equal(vp1.work.kick, 0);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0xb000);
	assert_int_equal(fake_vmcs_get(VMCS_VPID), vp_vtl_vpid(&vp1, 1));
	/* VP 1's VTL0 was stopped anywhere: a normal VtlReturn gives its RAX and RCX back. */
	assert_int_equal(vtl_vp_state(&vp1, 1)->ret_rax, 0xa1);
	assert_int_equal(vtl_vp_state(&vp1, 1)->ret_rcx, 0xc1);
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 1, NULL),
			 HV_STATUS_INVALID_VP_STATE); /* it has entered VTL1 */
	/* From VTL0: never into VTL1; with DenyLowerVtlStartup not even into VTL0. */
	assert_int_equal(set_reg(0x000d0007, 0, HV_VSM_DENY_LOWER_STARTUP, 0), 0);
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_int_equal(vp.active_vtl, 0);
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 1, NULL),
			 HV_STATUS_ACCESS_DENIED);
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 0, NULL),
			 HV_STATUS_ACCESS_DENIED);
	/* Without its privilege: ACCESS_DENIED before anything else. */
	hv_set_privileges_off(HV_PRIV_START_VIRTUAL_PROCESSOR);
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 99, 1, NULL),
			 HV_STATUS_ACCESS_DENIED);
	vcpu_vtl_hook = NULL;
}

/* While VP 1 is parked after its INIT, VP 0 (VTL0) starts it in VTL0 with the hypercall. */
static void park_start_vp1_in_vtl0(volatile s32 *vector)
{
	assert_true(vp1.parked);
	assert_int_equal(*vector, -1);
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 0, no_pe),
			 HV_STATUS_INVALID_REGISTER_VALUE);
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 0, rip_b000), 0);
	assert_int_equal(*vector, 0x100);
	/* One start (or SIPI) per INIT. */
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 0, rip_b000),
			 HV_STATUS_INVALID_VP_STATE);
}

static void test_start_virtual_processor_vtl0_of_parked_vp(void **state)
{
	vp1.apic_id = 1;
	/* Not parked: its VTL0 runs. */
	assert_int_equal(vp_call(HVCALL_START_VIRTUAL_PROCESSOR, 1, 0, rip_b000),
			 HV_STATUS_INVALID_VP_STATE);
	/* VP 1 takes an INIT (emulated on its own CPU: its VMCS is the current one here) and
	 * parks; the start arrives; it leaves the INIT state for the 64-bit context instead
	 * of a SIPI's real mode. */
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00d00); /* the physical APIC: x2APIC */
	fake_msr_set(0x830, 0);
	fake_park_fn = park_start_vp1_in_vtl0;
	vcpu_emulate_init(&vp1);
	assert_int_equal(fake_msr_get(0x830), (1ULL << 32) | (4u << 8) | (1u << 14)); /* NMI */
	assert_false(vp1.parked);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0xb000);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RSP), VTL1_RSP);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CR3), 0x6000);
	assert_int_equal(fake_vmcs_get(VMCS_CR0_SHADOW), 0x80000033);
	assert_true(fake_vmcs_get(VMCS_ENTRY_CTLS) & ENTRY_IA32E_GUEST);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_CS_AR), 0xa09b);
	fake_park_fn = NULL;
}

/* ---- TLB locking ------------------------------------------------------------------------ */

extern u32 fake_tlb_flushes;

/* A memory-form call by vp1 (at VTL0) with its input at IN: RAX afterwards, or ~0 if the
 * VMCALL must run again (RIP not advanced, RAX untouched). */
static u64 vp1_call(u64 control)
{
	vp1.regs.gpr[RAX] = ~0ULL;
	vp1.regs.gpr[RCX] = control;
	vp1.regs.gpr[RDX] = FAKE_GUEST_GPA + IN;
	vp1.regs.gpr[R8] = 0;
	u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, VMCALL_LEN);
	assert_int_equal(vmexit_dispatch(&vp1, EXIT_VMCALL), EXIT_RESUME);
	if (vp1.regs.gpr[RAX] == ~0ULL)
		assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip);
	return vp1.regs.gpr[RAX];
}

/* vp1 flushes the VPs of mask (HvCallFlushVirtualAddressSpace). */
static u64 vp1_flush(u64 mask)
{
	memset(fake_guest_mem, 0, 24);
	put64(IN + 16, mask);
	return vp1_call(0x0002);
}

/* vp1 (at VTL0) writes its VsmVpWaitForTlbLock: RAX afterwards, or ~0 if the VMCALL must
 * run again. */
static u64 vp1_wait_for_tlb_lock(u64 val)
{
	u32 name = 0x000d0020;

	memset(fake_guest_mem, 0, 48);
	put64(IN, HV_PARTITION_ID_SELF);
	put64(IN + 8, HV_VP_INDEX_SELF);
	memcpy(fake_guest_mem + IN + 16, &name, 4);
	put64(IN + 32, val);
	return vp1_call(HVCALL_SET_VP_REGISTERS | (1ULL << 32));
}

static void test_tlb_lock(void **state)
{
	u64 res, gpn, val;

	enable_vtl1();
	vtl_stub(HVCALL_VTL_CALL, 0);
	/* VTL1 locks VP 0's TLB against VTL0 (TLFS 3.12): VP 1's VTL0 flush of VP 0 waits,
	 * its flush of itself does not. */
	assert_int_equal(set_reg(0x000d0010, 0, 2, 0), 0);
	assert_true(vtl_tlb_locked(&vp, 0));
	u32 flushes = fake_tlb_flushes;
	assert_int_equal(vp1_flush(1), ~0ULL);
	assert_int_equal(vp1_flush(1), ~0ULL); /* still */
	assert_int_equal(fake_tlb_flushes, flushes);
	assert_int_equal(vp1_flush(2), 0);
	assert_int_equal(fake_tlb_flushes, flushes + 1);
	/* VTL1's VtlReturn releases it: the flush goes through. */
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_false(vtl_tlb_locked(&vp, 0));
	assert_int_equal(vp1_flush(1), 0);
	/* TranslateVirtualAddress with TlbFlushInhibit (from VTL1, on VTL0) locks it too. */
	vtl0_page_tables();
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(translate(0x40203000, TVA_READ | 0x20, USE_VTL(0), false, &res, &gpn), 0);
	assert_true(vtl_tlb_locked(&vp, 0));
	assert_int_equal(vp1_flush(1), ~0ULL);
	assert_int_equal(set_reg(0x000d0010, 0, 0, 0), 0); /* or VTL1 clears it */
	assert_int_equal(vp1_flush(1), 0);
	/* VsmVpWaitForTlbLock: VP 1's VTL0 waits while its TLB is locked (here by the API a
	 * higher VTL's SetVpRegisters uses), and goes on once it is not; reads as 0. */
	vtl_secure_config_set(vtl_vp_state(&vp1, 1), 0, 2);
	assert_int_equal(vp1_wait_for_tlb_lock(1), ~0ULL);
	assert_int_equal(vp1_wait_for_tlb_lock(0), 1ULL << 32); /* Wait clear: no wait */
	assert_int_equal(vp1_wait_for_tlb_lock(2), HV_STATUS_INVALID_PARAMETER);
	vtl_secure_config_set(vtl_vp_state(&vp1, 1), 0, 0);
	assert_int_equal(vp1_wait_for_tlb_lock(1), 1ULL << 32);
	assert_int_equal(get_reg(0x000d0020, 0, &val), 0);
	assert_int_equal(val, 0);
	/* The return looks at the locks only when one may be set: a lock taken after a
	 * return that found none is still released by the next one, every time. */
	vtl_stub(HVCALL_VTL_RETURN, 1);
	for (int round = 0; round < 2; round++) {
		vtl_stub(HVCALL_VTL_CALL, 0);
		assert_int_equal(set_reg(0x000d0010, 0, 2, 0), 0);
		assert_true(vtl_tlb_locked(&vp, 0));
		vtl_stub(HVCALL_VTL_RETURN, 1);
		assert_false(vtl_tlb_locked(&vp, 0));
		assert_int_equal(vp1_flush(1), 0);
	}
}

/* ---- interrupts ------------------------------------------------------------------------ */

static void test_physical_interrupts_held_for_vtl0(void **state)
{
	enable_vtl1();
	vtl_stub(HVCALL_VTL_CALL, 0);
	/* VTL1's VMCS acknowledges interrupts at the exit. */
	assert_true(fake_vmcs_get(VMCS_EXIT_CTLS) & EXIT_ACK_INTR);
	/* Two interrupt exits (vectors 0x31, then 0x62): queued for VTL0, VTL1 goes on with
	 * nothing injected into it. */
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, 0x80000031);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EXTERNAL_INTR), EXIT_RESUME);
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, 0x80000062);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EXTERNAL_INTR), EXIT_RESUME);
	assert_int_equal(vp.irqs_held, 2);
	assert_int_equal(vp.active_vtl, 1);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x202);
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	/* An NMI of the guest's (taken in root operation, no kick) waits for VTL0 too. */
	vp.work.nmi_root = 1;
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(vp.work.nmi_for_guest, 1);
	/* Back in VTL0: the NMI first (one event per entry), then the vectors, highest first
	 * (VTL0 takes interrupts: IF = 1). */
	vtl_stub(HVCALL_VTL_RETURN, 0);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x202);
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000202ULL); /* NMI */
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000062ULL);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000031ULL);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	/* At VTL0 (not idle) that exit is unexpected. */
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EXTERNAL_INTR), EXIT_STOP);
}

/* ---- VTL1's local APIC ------------------------------------------------------------------ */

/* An MSR access by the running VTL: the value read, or ~0 after a #GP. */
static u64 rd_msr(struct vcpu *v, u32 msr)
{
	u64 val;
	assert_int_equal(fake_rdmsr_exit(v, msr, &val), EXIT_RESUME);
	return fake_gp_injected() ? ~0ULL : val;
}

static bool wr_msr(struct vcpu *v, u32 msr, u64 val)
{
	assert_int_equal(fake_wrmsr_exit(v, msr, val), EXIT_RESUME);
	return !fake_gp_injected();
}

/* A MOV to / from CR8 exit (SDM vol.3 table 28-3: CR number, access type, GPR). */
static void cr8_exit(struct vcpu *v, bool write, u32 gpr)
{
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, 8 | (write ? 0 : 1u << 4) | gpr << 8);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 4);
	assert_int_equal(vmexit_dispatch(v, EXIT_CR_ACCESS), EXIT_RESUME);
}

/* VTL1 runs on vp with its x2APIC on and software-enabled, IF = 1. */
static void vtl1_with_x2apic(void)
{
	enable_vtl1();
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(vcpu_entry_slow(&vp), VCPU_ENTER_LAUNCH);
	assert_true(wr_msr(&vp, MSR_IA32_APIC_BASE, 0xfee00000 | 0xd00)); /* EN, EXTD, BSP */
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x202);
	fake_vmcs_set(VMCS_GUEST_INTERRUPTIBILITY, 0);
}

static u32 entry_reason(void)
{
	u32 r;
	memcpy(&r, assist + HV_VP_ASSIST_ENTRY_REASON, 4);
	return r;
}

static void test_vtl1_apic_registers(void **state)
{
	enable_vtl1();
	vtl_stub(HVCALL_VTL_CALL, 0);
	/* VTL1's VMCS: its own MSR bitmap, CR8 exits. */
	assert_int_equal(fake_vmcs_get(VMCS_MSR_BITMAP), core.msr_bitmap_vtl_pa);
	assert_true(fake_vmcs_get(VMCS_PROC_CTLS) & PROC_CR8_LOAD_EXITING);
	assert_true(fake_vmcs_get(VMCS_PROC_CTLS) & PROC_CR8_STORE_EXITING);
	/* A reset APIC of its own, xAPIC mode: the x2APIC MSRs #GP until EXTD is set. */
	assert_int_equal(rd_msr(&vp, MSR_IA32_APIC_BASE), 0xfee00000 | 0x900);
	assert_int_equal(rd_msr(&vp, 0x802), ~0ULL);
	assert_false(wr_msr(&vp, MSR_IA32_APIC_BASE, 0xfee00000 | 0x500)); /* EXTD, no EN */
	assert_true(wr_msr(&vp, MSR_IA32_APIC_BASE, 0xfee00000 | 0xd00));
	assert_int_equal(rd_msr(&vp, 0x802), vp.apic_id);
	assert_int_equal(rd_msr(&vp, 0x80f), 0x1ff); /* software-enabled (reference 3.10) */
	assert_int_equal(rd_msr(&vp, 0x80b), ~0ULL); /* EOI is write-only */
	assert_false(wr_msr(&vp, 0x80b, 1));
	/* TPR through the MSR and through CR8; nothing reaches the physical APIC. */
	assert_true(wr_msr(&vp, 0x808, 0x30));
	cr8_exit(&vp, false, RBX);
	assert_int_equal(vp.regs.gpr[RBX], 3);
	vp.regs.gpr[RDX] = 5;
	cr8_exit(&vp, true, RDX);
	assert_int_equal(rd_msr(&vp, 0x808), 0x50);
	vp.regs.gpr[RDX] = 0x10; /* bits 63:4 of CR8 are reserved */
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, 8 | RDX << 8);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_CR_ACCESS), EXIT_RESUME);
	assert_true(fake_gp_injected());
	assert_null(fake_msr_slot(0x808, false));
	assert_int_equal(fake_msr_bad, 0);
	/* GetVpRegisters / SetVpRegisters: VTL1's own CR8 and APIC_BASE ... */
	u64 val;
	assert_int_equal(get_reg(0x00040004, 0, &val), 0);
	assert_int_equal(val, 5);
	assert_int_equal(get_reg(0x00080003, 0, &val), 0);
	assert_int_equal(val, 0xfee00d00);
	assert_int_equal(set_reg(0x00040004, 0, 0x10, 0), 5); /* bits 63:4 reserved */
	assert_int_equal(set_reg(0x00040004, 0, 2, 0), 0);
	assert_int_equal(rd_msr(&vp, 0x808), 0x20);
	assert_int_equal(set_reg(0x00080003, 0, 0xfee00500, 0), 5); /* EXTD without EN */
	/* ... and VTL0's, the physical APIC (x2APIC here): its TPR, its APIC_BASE read only. */
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00d00);
	fake_msr_set(0x808, 0x70);
	assert_int_equal(get_reg(0x00040004, USE_VTL(0), &val), 0);
	assert_int_equal(val, 7);
	assert_int_equal(set_reg(0x00040004, USE_VTL(0), 9, 0), 0);
	assert_int_equal(fake_msr_get(0x808), 0x90);
	assert_int_equal(get_reg(0x00080003, USE_VTL(0), &val), 0);
	assert_int_equal(val, 0xfee00d00);
	assert_int_equal(set_reg(0x00080003, USE_VTL(0), 0xfee00d00, 0), 5);
	/* VTL0 keeps the physical APIC: its APIC_BASE is the CPU's MSR. */
	vtl_stub(HVCALL_VTL_RETURN, 1);
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00900);
	assert_int_equal(rd_msr(&vp, MSR_IA32_APIC_BASE), 0xfee00900);
	/* CR8 exits are VTL1's only. */
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, 8 | 1u << 4);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_CR_ACCESS), EXIT_STOP);
}

/* A 32-bit MOV of VTL1's at GVA 0x40205100 (code bytes in RAM page 0) that touches the
 * xAPIC page at offset reg, which VTL1's view does not map: an EPT violation. */
static int vtl1_mmio(const u8 *code, size_t n, u32 reg, bool write)
{
	vtl0_page_tables(); /* on VTL1's VMCS: its own CR3 here */
	*pt_entry(3, 5) = RAM_GPA | 7;
	memcpy(mem + 0x100, code, n);
	fake_vmcs_set(VMCS_GUEST_RIP, 0x40205100);
	fake_vmcs_set(VMCS_GUEST_PHYS_ADDR, 0xfee00000 | reg);
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, write ? 2 : 1);
	return vmexit_dispatch(&vp, EXIT_EPT_VIOLATION);
}

static void test_vtl1_apic_mmio(void **state)
{
	apic_mmio_gpa = 0xfee00000;
	enable_vtl1();
	vtl_stub(HVCALL_VTL_CALL, 0);
	struct vlapic *l = vp_vtl_apic(&vp, 1);
	/* mov ebx, [0xfee00020]: the ID register, zero-extended into RBX. */
	static const u8 load_id[] = { 0x8b, 0x1c, 0x25, 0x20, 0x00, 0xe0, 0xfe };
	vp.regs.gpr[RBX] = ~0ULL;
	assert_int_equal(vtl1_mmio(load_id, sizeof(load_id), 0x20, false), EXIT_RESUME);
	assert_int_equal(vp.regs.gpr[RBX], (u64)(vp.apic_id & 0xff) << 24);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0x40205100 + sizeof(load_id));
	/* mov dword [0xfee00080], 0x30: TPR. */
	static const u8 store_tpr[] = { 0xc7, 0x04, 0x25, 0x80, 0x00, 0xe0, 0xfe, 0x30, 0, 0, 0 };
	assert_int_equal(vtl1_mmio(store_tpr, sizeof(store_tpr), 0x80, true), EXIT_RESUME);
	assert_int_equal(l->tpr, 0x30);
	/* mov [0xfee000b0], eax: EOI of the vector in service. */
	assert_true(vlapic_accept(l, 0x61));
	vlapic_ack(l, 0x61);
	static const u8 store_eoi[] = { 0x89, 0x04, 0x25, 0xb0, 0x00, 0xe0, 0xfe };
	vp.regs.gpr[RAX] = 0;
	assert_int_equal(vtl1_mmio(store_eoi, sizeof(store_eoi), 0xb0, true), EXIT_RESUME);
	assert_int_equal(vlapic_ppr(l), 0x30);
	/* Once x2APIC mode is on, the page reads 0. */
	assert_int_equal(vlapic_set_base(l, l->base | VLAPIC_BASE_EXTD, 46), 0);
	assert_int_equal(vtl1_mmio(load_id, sizeof(load_id), 0x20, false), EXIT_RESUME);
	assert_int_equal(vp.regs.gpr[RBX], 0);
	/* Anything but a 32-bit MOV stops the VP (inc dword [0xfee00080]). */
	static const u8 inc[] = { 0xff, 0x04, 0x25, 0x80, 0x00, 0xe0, 0xfe };
	assert_int_equal(vtl1_mmio(inc, sizeof(inc), 0x80, true), EXIT_STOP);
	/* VTL0's path (a store to the physical page, phys_to_virt(0xfee00000), which is not
	 * memory here) was never taken, and no MSR of the physical APIC was touched. */
	assert_int_equal(fake_msr_bad, 0);
	apic_mmio_gpa = 0;
}

static void test_vtl1_timer_preempts_vtl0(void **state)
{
	vcpu_vtl_hook = hv_vtl_serve_requests;
	vtl1_with_x2apic();
	assert_int_equal(fake_wrmsr_exit(&vp, HV_MSR_VP_ASSIST_PAGE, ASSIST_GPA | 1), EXIT_RESUME);
	/* One-shot, vector 0xe0, 100 counts at divide-by-1. */
	fake_tsc = 1000;
	fake_tsc_step = 0;
	assert_true(wr_msr(&vp, 0x83e, 0xb));
	assert_true(wr_msr(&vp, 0x832, 0xe0));
	assert_true(wr_msr(&vp, 0x838, 100));
	u64 deadline = vp.timer_deadline;
	assert_true(deadline > 1000);
	/* Back to VTL0, which runs on; its deadline is VTL1's timer. */
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_int_equal(vp.active_vtl, 0);
	vcpu_entry_slow(&vp);
	assert_int_equal(vp.active_vtl, 0);
	assert_int_equal(vp.timer_deadline, deadline);
	/* The deadline passes (the preemption timer's exit): VTL1 is entered with reason 2,
	 * VTL0's RAX/RCX for the return, the interrupt injected and in service. */
	vp.regs.gpr[RAX] = 0xaa;
	vp.regs.gpr[RCX] = 0xcc;
	fake_tsc = deadline;
	vcpu_entry_slow(&vp);
	assert_int_equal(vp.active_vtl, 1);
	assert_int_equal(entry_reason(), HV_VTL_ENTRY_INTERRUPT);
	u64 q;
	memcpy(&q, assist + HV_VP_ASSIST_RETURN_RAX, 8);
	assert_int_equal(q, 0xaa);
	memcpy(&q, assist + HV_VP_ASSIST_RETURN_RCX, 8);
	assert_int_equal(q, 0xcc);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x800000e0ULL);
	assert_int_equal(rd_msr(&vp, 0x817), 1u); /* ISR bit 0xe0 */
	assert_int_equal(vp.timer_deadline, 0);
	/* EOI, normal return: VTL0 gets exactly its RAX and RCX back. */
	assert_true(wr_msr(&vp, 0x80b, 0));
	assert_int_equal(rd_msr(&vp, 0x817), 0);
	vtl_stub(HVCALL_VTL_RETURN, 0);
	assert_int_equal(vp.active_vtl, 0);
	assert_int_equal(vp.regs.gpr[RAX], 0xaa);
	assert_int_equal(vp.regs.gpr[RCX], 0xcc);
	vcpu_vtl_hook = NULL;
}

static void test_vtl1_interrupt_waits_for_if_and_tpr(void **state)
{
	vcpu_vtl_hook = hv_vtl_serve_requests;
	vtl1_with_x2apic();
	assert_true(wr_msr(&vp, 0x808, 0xf0)); /* TPR masks everything */
	vtl_stub(HVCALL_VTL_RETURN, 1);
	/* A cross-VTL IPI from VTL0 (fast form, HV_INPUT_VTL = 0x11): masked, no switch. */
	vp.regs.gpr[RAX] = 0;
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00000 | 0xd00); /* the physical APIC: x2APIC */
	fake_msr_set(0x830, 0);
	u64 rax =
		vmcall(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | (1ULL << 16), 0xe5 | (0x11ULL << 32), 1);
	assert_int_equal(rax, HV_STATUS_SUCCESS);
	assert_int_equal(fake_msr_slot(0x830, false)->writes, 0); /* not the physical APIC */
	vcpu_entry_slow(&vp);
	assert_int_equal(vp.active_vtl, 0);
	/* VTL1 is called, lowers its TPR with IF = 0: pending, a window is asked for. */
	vtl_stub(HVCALL_VTL_CALL, 0);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x2);
	fake_vmcs_set(VMCS_PROC_CTLS, 0);
	assert_true(wr_msr(&vp, 0x808, 0));
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_true(fake_vmcs_get(VMCS_PROC_CTLS) & PROC_INTR_WINDOW);
	/* It returns with IF still 0: it is entered again at once (reference 3.10). */
	vtl_stub(HVCALL_VTL_RETURN, 0);
	assert_int_equal(vp.active_vtl, 0);
	vcpu_entry_slow(&vp);
	assert_int_equal(vp.active_vtl, 1);
	assert_int_equal(entry_reason(), HV_VTL_ENTRY_INTERRUPT);
	/* STI: the window exit, then the injection. */
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x202);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_INTR_WINDOW), EXIT_RESUME);
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x800000e5ULL);
	vcpu_vtl_hook = NULL;
}

static void test_vtl1_ipis_and_cluster_ipi_vtl(void **state)
{
	vcpu_vtl_hook = hv_vtl_serve_requests;
	vp1.apic_id = 1;
	vp1.regs.gpr[RAX] = 0xa1;
	vp1.regs.gpr[RCX] = 0xc1;
	/* Before VTL1 exists in the partition, HV_INPUT_VTL 0x11 is an invalid parameter. */
	assert_int_equal(vmcall(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | (1ULL << 16),
				0xe5 | (0x11ULL << 32), 1),
			 5);
	vtl1_with_x2apic();
	assert_int_equal(enable_vp(1, 1, NULL), 0);
	/* VTL2 is not offered; reserved HV_INPUT_VTL bits; a vector below 16. */
	assert_int_equal(vmcall(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | (1ULL << 16),
				0xe5 | (0x12ULL << 32), 1),
			 5);
	assert_int_equal(vmcall(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | (1ULL << 16),
				0xe5 | (0x31ULL << 32), 1),
			 5);
	assert_int_equal(vmcall(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | (1ULL << 16), 0x0f, 1), 5);
	/* VTL1 on VP 0 sends an IPI to VP 1's VTL1 through its ICR: VP 1 (running VTL0) is
	 * kicked with an NMI and enters VTL1 (its first entry) for it, with VTL0's RAX/RCX
	 * kept for the return; VTL1's initial IF is 0, so the vector waits for a window. */
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00000 | 0xd00); /* the physical APIC: x2APIC */
	fake_msr_set(0x830, 0);
	vp1.in_guest = 1;
	assert_true(wr_msr(&vp, 0x830, (1ULL << 32) | 0xe1));
	assert_int_equal(vp1.work.kick, VCPU_KICK_VTL);
	assert_int_equal(vp1.work.irq_posted, 1);
	assert_int_equal(fake_msr_get(0x830), (1ULL << 32) | (4u << 8) | (1u << 14)); /* NMI */
	assert_true(vcpu_nmi_is_kick(&vp1));
	assert_int_equal(vcpu_entry_slow(&vp1), VCPU_ENTER_LAUNCH);
	assert_int_equal(vp1.active_vtl, 1);
	assert_int_equal(vtl_vp_state(&vp1, 1)->ret_rax, 0xa1);
	assert_int_equal(vtl_vp_state(&vp1, 1)->ret_rcx, 0xc1);
	assert_true(fake_vmcs_get(VMCS_PROC_CTLS) & PROC_INTR_WINDOW);
	assert_int_equal(vp_vtl_apic_deliverable(&vp1, 1), 0xe1);
	/* Not to VP 0 itself, and not through the physical APIC. */
	assert_int_equal(vp_vtl_apic_deliverable(&vp, 1), -1);
	assert_int_equal(fake_msr_slot(0x830, false)->writes, 1); /* the NMI only */
	/* VTL1 to VTL0 of VP 0 (HV_INPUT_VTL 0x10): the physical APIC. */
	assert_int_equal(vmcall(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | (1ULL << 16),
				0x45 | (0x10ULL << 32), 1),
			 0);
	assert_int_equal(fake_msr_get(0x830), ((u64)vp.apic_id << 32) | (1u << 14) | 0x45);
	/* Without UseTargetVtl: the caller's own VTL (VTL1 of VP 0, a self IPI). */
	assert_int_equal(vmcall(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | (1ULL << 16), 0x46, 1), 0);
	assert_int_equal(vp_vtl_apic_deliverable(&vp, 1), 0x46);
	vcpu_vtl_hook = NULL;
}

/* An interrupt exit of vp's running VTL above 0 (acknowledged at the exit). */
static void physical_interrupt_exit(u32 info)
{
	vp.in_guest = 0; /* as vmx_run.S's exit stub */
	fake_vmcs_set(VMCS_EXIT_INTR_INFO, info);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EXTERNAL_INTR), EXIT_RESUME);
}

static void test_vina(void **state)
{
	vcpu_vina_hook = hv_vina_notify;
	vtl1_with_x2apic();
	assert_int_equal(fake_wrmsr_exit(&vp, HV_MSR_VP_ASSIST_PAGE, ASSIST_GPA | 1), EXIT_RESUME);
	/* VINA vector 0xe8, enabled, AutoReset; a VINA vector below 16 would not be taken. */
	assert_int_equal(set_reg(0x000d0005, 0, 0xe8 | HV_VINA_ENABLED | HV_VINA_AUTO_RESET, 0), 0);
	/* A physical interrupt (VTL0's) while VTL1 runs: queued, and VTL1 hears of it. */
	physical_interrupt_exit(0x80000031);
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x800000e8ULL);
	assert_int_equal(assist[HV_VP_ASSIST_VINA_STATUS], 1);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	assert_true(wr_msr(&vp, 0x80b, 0)); /* EOI does not clear "asserted" */
	/* Another one: latched, no second VINA. */
	physical_interrupt_exit(0x80000032);
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	/* VTL1 clears VinaStatus itself: the next one is raised again. */
	assist[HV_VP_ASSIST_VINA_STATUS] = 0;
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x800000e8ULL);
	assert_int_equal(assist[HV_VP_ASSIST_VINA_STATUS], 1);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	assert_true(wr_msr(&vp, 0x80b, 0));
	/* The return with AutoReset clears it; VTL0 then gets its interrupts. */
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_int_equal(assist[HV_VP_ASSIST_VINA_STATUS], 0);
	assert_int_equal(vp.active_vtl, 0);
	/* Disabled: nothing. */
	vtl_stub(HVCALL_VTL_CALL, 0);
	assert_int_equal(set_reg(0x000d0005, 0, 0xe8, 0), 0);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x202);
	physical_interrupt_exit(0x80000033);
	vcpu_entry_slow(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(assist[HV_VP_ASSIST_VINA_STATUS], 0);
	vcpu_vina_hook = NULL;
}

/* ---- memory protections (hyperv/vsm_prot.c; the engine: test_ept_prot) ----------------- */

/* HvCallModifyVtlProtectionMask of n pages from gpn0 (memory form): RAX. */
static u64 modify_prot(u32 flags, u8 target_vtl, u64 gpn0, u32 n)
{
	memset(fake_guest_mem, 0, 16 + 8 * n);
	put64(IN, HV_PARTITION_ID_SELF);
	memcpy(fake_guest_mem + IN + 8, &flags, 4);
	fake_guest_mem[IN + 12] = target_vtl;
	for (u32 i = 0; i < n; i++)
		put64(IN + 16 + 8 * i, gpn0 + i);
	return mem_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | (u64)n << 32);
}

static void test_vtl_protection_config_and_calls(void **state)
{
	u64 val;

	fake_prot = (struct fake_prot){ .stop_at = ~0u };
	enable_vtl1();
	/* From VTL0: no VTL below it to protect (OpenHCL: INVALID_PARAMETER). */
	assert_int_equal(modify_prot(1, 0, 0x100, 1) & 0xffff, HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(modify_prot(1, USE_VTL(1), 0x100, 1) & 0xffff, HV_STATUS_ACCESS_DENIED);
	vtl_stub(HVCALL_VTL_CALL, 0);
	/* Before EnableVtlProtection: ACCESS_DENIED. */
	assert_int_equal(modify_prot(1, 0, 0x100, 1) & 0xffff, HV_STATUS_ACCESS_DENIED);
	/* VsmPartitionConfig: a mask without EnableVtlProtection, a mask without R or W, W or X
	 * without R, unknown bits: refused; nothing enabled. */
	assert_int_equal(set_reg(0x000d0007, 0, 0xf << 1, 0), 5);
	assert_int_equal(set_reg(0x000d0007, 0, 1 | 0x1 << 1, 0), 5);
	assert_int_equal(set_reg(0x000d0007, 0, 1 | 0x5 << 1, 0), 5);
	assert_int_equal(set_reg(0x000d0007, 0, 1 | 0xf << 1 | 1 << 7, 0), 5);
	assert_false(fake_prot.on);
	/* RWX by default (0x7: user X follows kernel X without MBEC, stored as 0xF). */
	assert_int_equal(set_reg(0x000d0007, 0, 1 | 0x7 << 1, 0), 0);
	assert_true(fake_prot.on);
	assert_int_equal(fake_prot.default_val, 0xf);
	assert_int_equal(get_reg(0x000d0007, 0, &val), 0);
	assert_int_equal(val, 1 | 0x7 << 1);
	/* Fixed from now on; the other bits stay writable. */
	assert_int_equal(set_reg(0x000d0007, 0, 1 | 0x3 << 1, 0), 5);
	assert_int_equal(set_reg(0x000d0007, 0, 0, 0), 5);
	assert_int_equal(set_reg(0x000d0007, 0, 1 | 0x7 << 1 | 1 << 6, 0), 0);
	/* The call: bad partition, reserved bytes, a higher VTL, VTL0 named, flags. */
	memset(fake_guest_mem, 0, 32);
	put64(IN, 5);
	assert_int_equal(mem_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | 1ULL << 32) & 0xffff,
			 HV_STATUS_INVALID_PARTITION_ID);
	assert_int_equal(modify_prot(1, 0x20, 0x100, 1) & 0xffff, HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(modify_prot(1, USE_VTL(2), 0x100, 1) & 0xffff, HV_STATUS_ACCESS_DENIED);
	assert_int_equal(modify_prot(1, USE_VTL(0), 0x100, 1) & 0xffff,
			 HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(modify_prot(0x10, 0, 0x100, 1) & 0xffff, HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(modify_prot(0x8000, 0, 0x100, 1) & 0xffff, HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(modify_prot(0x2, 0, 0x100, 1) & 0xffff, HV_STATUS_INVALID_REGISTER_VALUE);
	assert_int_equal(modify_prot(0x4, 0, 0x100, 1) & 0xffff, HV_STATUS_INVALID_REGISTER_VALUE);
	assert_int_equal(fake_prot.calls, 0);
	/* Good ones reach the engine with every page, the value normalised (R+X: 0xD). */
	assert_int_equal(modify_prot(0x5, 0, 0x100, 3), 3ULL << 32);
	assert_int_equal(fake_prot.calls, 1);
	assert_int_equal(fake_prot.n, 3);
	assert_int_equal(fake_prot.val, 0xd);
	assert_int_equal(fake_prot.gpn[2], 0x102);
	assert_int_equal(modify_prot(0x0, USE_VTL(1), 0x100, 1), 1ULL << 32); /* no access */
	assert_int_equal(fake_prot.val, 0);
	/* A page the engine refuses stops the call there, reps completed before it; out of
	 * memory is INSUFFICIENT_MEMORY. */
	fake_prot.stop_at = 2;
	fake_prot.stop_err = -EINVAL;
	assert_int_equal(modify_prot(0x1, 0, 0x200, 5), HV_STATUS_INVALID_PARAMETER | 2ULL << 32);
	fake_prot.stop_err = -ENOMEM;
	assert_int_equal(modify_prot(0x1, 0, 0x200, 5), HV_STATUS_INSUFFICIENT_MEMORY | 2ULL << 32);
	/* Continued from rep 2 (reference 1.3): the pages from there on reach the engine,
	 * reps completed counted from the start. The common form's path (hv_modify_prot_fast)
	 * and the generic one (taken while the console times calls) agree. */
	fake_prot.stop_at = ~0u;
	for (int generic = 0; generic < 2; generic++) {
		dbgcon_timing = generic;
		modify_prot(0x3, 0, 0x300 + 0x10 * generic, 5);
		fake_prot.n = 0;
		u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
		assert_int_equal(mem_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | 5ULL << 32 |
					  2ULL << 48),
				 5ULL << 32);
		assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip + VMCALL_LEN);
		assert_int_equal(fake_prot.n, 3);
		assert_int_equal(fake_prot.val, 0x3);
		assert_int_equal(fake_prot.gpn[0], 0x302 + 0x10 * generic);
		assert_int_equal(fake_prot.gpn[2], 0x304 + 0x10 * generic);
		/* A start at the count, the fast bit: INVALID_HYPERCALL_INPUT either way. */
		assert_int_equal(mem_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | 5ULL << 32 |
					  5ULL << 48),
				 HV_STATUS_INVALID_HYPERCALL_INPUT);
		assert_int_equal(
			mem_call(HVCALL_MODIFY_VTL_PROTECTION_MASK | 1ULL << 32 | 1 << 16) & 0xffff,
			HV_STATUS_INVALID_HYPERCALL_INPUT);
	}
	dbgcon_timing = false;
	/* Without AccessVsm: ACCESS_DENIED, as every call whose privilege is not offered. */
	hv_set_privileges_off(HV_PRIV_ACCESS_VSM);
	assert_int_equal(modify_prot(0x1, 0, 0x200, 1) & 0xffff, HV_STATUS_ACCESS_DENIED);
	hv_set_privileges_off(0);
}

/* A VTL0 EPT violation at gpa with qualification qual. */
static int ept_violation(u64 gpa, u64 qual, u64 gva)
{
	fake_vmcs_set(VMCS_EXIT_QUALIFICATION, qual);
	fake_vmcs_set(VMCS_GUEST_PHYS_ADDR, gpa);
	fake_vmcs_set(VMCS_GUEST_LINEAR_ADDR, gva);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	return vmexit_dispatch(&vp, EXIT_EPT_VIOLATION);
}

static void test_gpa_intercept(void **state)
{
	fake_prot = (struct fake_prot){ .stop_at = ~0u, .on = true, .default_val = 0xf };
	vcpu_vtl_hook = hv_vtl_serve_requests;
	vcpu_gpa_intercept_hook = hv_gpa_intercept;
	vtl1_with_x2apic();
	/* VTL1's SynIC: on, its message page, SINT0 = vector 0x51 (unmasked). */
	assert_true(wr_msr(&vp, HV_MSR_VP_ASSIST_PAGE, ASSIST_GPA | 1));
	assert_true(wr_msr(&vp, HV_MSR_SCONTROL, 1));
	assert_true(wr_msr(&vp, HV_MSR_SIMP, (RAM_GPA + 0x3000) | 1));
	assert_true(wr_msr(&vp, HV_MSR_SINT0, 0x51));
	const u8 *sim = phys_to_virt(fake_overlay_hpa[fake_noverlays - 1]);
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_int_equal(vp.active_vtl, 0);
	/* VTL0 runs code at 0x40205100 (RAM_GPA + 0x100 through its page tables): a store. */
	static const u8 store[] = { 0x89, 0x18, 0x90, 0x90 }; /* mov [rax], ebx; nop; nop */
	vtl0_page_tables();
	*pt_entry(3, 5) = RAM_GPA | 7;
	memset(mem + 0x100, 0xcc, 16);
	memcpy(mem + 0x100, store, sizeof(store));
	fake_vmcs_set(VMCS_GUEST_RIP, 0x40205100);
	/* Spurious (allowed by now): the CPU's stale translation is flushed, VTL0 goes on. */
	u64 rip = fake_vmcs_get(VMCS_GUEST_RIP);
	fake_prot.fault = EPT_FAULT_SPURIOUS;
	assert_int_equal(ept_violation(0x7000, 2, 0), EXIT_RESUME);
	assert_int_equal(fake_prot.local_flushes, 1);
	assert_int_equal(((const struct hv_message *)sim)->type, 0);
	/* A write VTL1 forbids: no effect, RIP kept, the message in VTL1's SINT0 slot, VTL1
	 * entered with reason 2 and the vector. */
	fake_prot.fault = EPT_FAULT_PROTECTED;
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x202);
	vp.regs.gpr[RAX] = 0x1111;
	assert_int_equal(ept_violation(0x7123, 2 | BIT(7) | BIT(8), 0xffff800000007123ULL),
			 EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), rip);
	const struct hv_message *m = (const struct hv_message *)sim;
	assert_int_equal(m->type, 0x80000001);
	assert_int_equal(m->payload_size, 0x50);
	u32 u;
	u64 q;
	memcpy(&u, m->payload, 4);
	assert_int_equal(u, vp.index);
	assert_int_equal(m->payload[5], 1); /* write */
	memcpy(&q, m->payload + 0x18, 8);
	assert_int_equal(q, rip);
	memcpy(&q, m->payload + 0x20, 8);
	assert_int_equal(q, 0x202);
	assert_int_equal(m->payload[0x2d] & 3, 3); /* GvaValid, GvaGpaValid */
	memcpy(&q, m->payload + 0x30, 8);
	assert_int_equal(q, 0xffff800000007123ULL);
	memcpy(&q, m->payload + 0x38, 8);
	assert_int_equal(q, 0x7123);
	memcpy(&u, m->payload + 0x28, 4);
	assert_int_equal(u, 6);			/* the page's memory type */
	assert_int_equal(m->payload[0x2c], 16); /* the instruction's bytes */
	assert_memory_equal(m->payload + 0x40, mem + 0x100, 16);
	vcpu_entry_slow(&vp);
	assert_int_equal(vp.active_vtl, 1);
	assert_int_equal(entry_reason(), HV_VTL_ENTRY_INTERRUPT);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000051ULL);
	memcpy(&q, assist + HV_VP_ASSIST_RETURN_RAX, 8);
	assert_int_equal(q, 0x1111);
	/* VTL1 takes a GPA intercept only at VTL0: its own violations are not protections. */
	fake_prot.fault = EPT_FAULT_PROTECTED;
	assert_int_equal(ept_violation(0x7123, 1, 0), EXIT_STOP);
	/* With an intercept page (VsmCapabilities bit 27, VsmPartitionConfig bit 12): the
	 * message goes to VTL1's VP assist page at 0x70, VTL1 is entered with reason 3. */
	u64 caps;
	assert_int_equal(get_reg(0x000d0006, 0, &caps), 0);
	assert_true(caps & (1ULL << 27));
	assert_int_equal(set_reg(0x000d0007, 0, 1ULL << 12, 0), 0);
	assert_true(wr_msr(&vp, 0x80b, 0)); /* EOI of the SINT0 vector */
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_int_equal(vp.active_vtl, 0);
	fake_vmcs_set(VMCS_GUEST_RIP, 0x40205100);
	assert_int_equal(ept_violation(0x9000, 4, 0), EXIT_RESUME); /* an execution */
	const struct hv_message *pm = (const struct hv_message *)(assist + 0x70);
	assert_int_equal(pm->type, 0x80000001);
	assert_int_equal(pm->payload[5], 2);
	memcpy(&q, pm->payload + 0x38, 8);
	assert_int_equal(q, 0x9000);
	vcpu_entry_slow(&vp);
	assert_int_equal(vp.active_vtl, 1);
	assert_int_equal(entry_reason(), 3);
	/* A VTL0 hypercall whose input VTL1 keeps VTL0 from reading, or whose output from
	 * writing: the TLFS has the hypervisor raise a memory intercept (reference 1.4): VTL1
	 * gets it, no GVA, VTL0 stays at its VMCALL with RAX as it was. */
	for (u32 out = 0; out < 2; out++) {
		vtl_stub(HVCALL_VTL_RETURN, 1);
		assert_int_equal(vp.active_vtl, 0);
		fake_view_limit(FAKE_GUEST_GPA + IN, out ? PT_RWX : 0);
		fake_view_limit(FAKE_GUEST_GPA + OUT, out ? PT_R : PT_RWX);
		core.view_gen[0]++; /* as a protection taken away does */
		memset(fake_guest_mem, 0, 32);
		put64(IN, HV_PARTITION_ID_SELF);
		put64(IN + 8, HV_VP_INDEX_SELF);
		fake_vmcs_set(VMCS_GUEST_RIP, 0x40205100);
		vp.regs.gpr[RAX] = 0x5555;
		assert_int_equal(mem_call(HVCALL_GET_VP_REGISTERS | (1ULL << 32)), 0x5555);
		assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0x40205100);
		assert_int_equal(pm->type, 0x80000001);
		assert_int_equal(pm->payload[5], out); /* read, write */
		assert_int_equal(pm->payload[0x2d] & 3, 0);
		memcpy(&q, pm->payload + 0x38, 8);
		assert_int_equal(q, FAKE_GUEST_GPA + (out ? OUT : IN));
		vcpu_entry_slow(&vp);
		assert_int_equal(vp.active_vtl, 1);
		assert_int_equal(entry_reason(), 3);
	}
	/* A refusal no protection explains: INVALID_ALIGNMENT, as without protections. */
	vtl_stub(HVCALL_VTL_RETURN, 1);
	fake_prot.fault = EPT_FAULT_OTHER;
	assert_int_equal(mem_call(HVCALL_GET_VP_REGISTERS | (1ULL << 32)),
			 HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), 0x40205100 + VMCALL_LEN);
	vcpu_gpa_intercept_hook = NULL;
	fake_prot = (struct fake_prot){ .stop_at = ~0u };
}

/*
 * A VTL0 EPT violation during event delivery (SDM vol.3 28.2.4: IDT-vectoring information
 * valid), allowed by now or forbidden by VTL1: the event is injected again when VTL0 next
 * runs, after VTL1 has seen the intercept. Dropped, an acknowledged interrupt would be lost
 * with its vector left in service at the APIC (found by vsm.prot.interrupt_delivery).
 */
static void test_gpa_intercept_during_event_delivery(void **state)
{
	fake_prot = (struct fake_prot){ .stop_at = ~0u, .on = true, .default_val = 0xf };
	vcpu_vtl_hook = hv_vtl_serve_requests;
	vcpu_gpa_intercept_hook = hv_gpa_intercept;
	hv_synic_init(); /* test_gpa_intercept's message page is gone with its overlay */
	vtl1_with_x2apic();
	assert_true(wr_msr(&vp, HV_MSR_VP_ASSIST_PAGE, ASSIST_GPA | 1));
	assert_true(wr_msr(&vp, HV_MSR_SCONTROL, 1));
	assert_true(wr_msr(&vp, HV_MSR_SIMP, (RAM_GPA + 0x3000) | 1));
	assert_true(wr_msr(&vp, HV_MSR_SINT0, 0x51));
	assert_int_equal(fake_noverlays, 1);
	const struct hv_message *m = phys_to_virt(fake_overlay_hpa[fake_noverlays - 1]);
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_int_equal(vp.active_vtl, 0);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, 0x202);
	/* VTL0's code at 0x40205100 (RAM_GPA + 0x100): the intercept reads its bytes. */
	vtl0_page_tables();
	*pt_entry(3, 5) = RAM_GPA | 7;
	fake_vmcs_set(VMCS_GUEST_RIP, 0x40205100);
	/* Not during delivery: nothing injected. */
	fake_prot.fault = EPT_FAULT_SPURIOUS;
	fake_vmcs_set(VMCS_IDT_VECTORING_INFO, 0);
	assert_int_equal(ept_violation(0x7000, 2, 0), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	/* Spurious, during INT 0x80 (a software interrupt): again, with its length. */
	fake_vmcs_set(VMCS_IDT_VECTORING_INFO, 0x80000480);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 2);
	fake_vmcs_set(VMCS_ENTRY_INSTR_LEN, 0);
	assert_int_equal(ept_violation(0x7000, 2, 0), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000480);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INSTR_LEN), 2);
	/* During a #PF: with its error code. */
	fake_vmcs_set(VMCS_IDT_VECTORING_INFO, 0x80000b0e);
	fake_vmcs_set(VMCS_IDT_VECTORING_ERRCODE, 2);
	assert_int_equal(ept_violation(0x7000, 2, 0), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000b0e);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_EXCEPTION_ERRCODE), 2);
	/* Forbidden by VTL1, during external interrupt 0x31 (bit 12, undefined there, not
	 * copied): the intercept says InterruptionPending; VTL1 runs first with its SINT0
	 * vector; the interrupt is VTL0's at its next entry. */
	fake_prot.fault = EPT_FAULT_PROTECTED;
	fake_vmcs_set(VMCS_IDT_VECTORING_INFO, 0x80001031);
	assert_int_equal(ept_violation(0x7123, 2 | BIT(7) | BIT(8), 0x7123), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000031);
	assert_int_equal(m->type, 0x80000001);
	u16 exec_state;
	memcpy(&exec_state, m->payload + 6, 2);
	assert_true(exec_state & BIT(6)); /* InterruptionPending */
	vcpu_entry_slow(&vp);
	assert_int_equal(vp.active_vtl, 1);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000051ULL);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0); /* delivered to VTL1 */
	vtl_stub(HVCALL_VTL_RETURN, 1);
	assert_int_equal(vp.active_vtl, 0);
	vcpu_entry_slow(&vp);
	assert_int_equal(vp.active_vtl, 0);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0x80000031);
	fake_vmcs_set(VMCS_IDT_VECTORING_INFO, 0);
	vcpu_gpa_intercept_hook = NULL;
	fake_prot = (struct fake_prot){ .stop_at = ~0u };
}

static void test_init_dropped_with_vtl1(void **state)
{
	const u32 init = (ICR_MODE_INIT << 8) | ICR_LEVEL_ASSERT;

	vp.apic_id = 0;
	vp1.apic_id = 2;
	/* The kicks' NMIs go out through the x2APIC ICR. */
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00000ULL | APIC_BASE_X2APIC | APIC_BASE_ENABLE);
	fake_msr_set(MSR_X2APIC_ICR, 0);
	/* Without VTL1, an INIT to a VP becomes its INIT kick (exit_initsipi.c). */
	assert_int_equal(apic_icr_write(&vp1, init, 0, true), APIC_ICR_DROP);
	assert_int_equal(vp.work.kick, VCPU_KICK_INIT);
	vp.work.kick = 0;
	/* TLFS 3.10: with VTL1 enabled on it, INIT (and SIPI) to it are dropped. */
	enable_vtl1();
	assert_int_equal(apic_icr_write(&vp1, init, 0, true), APIC_ICR_DROP);
	assert_int_equal(vp.work.kick, 0);
	assert_int_equal(apic_icr_write(&vp, init, 2, true), APIC_ICR_DROP);
	assert_int_equal(vp1.work.kick, VCPU_KICK_INIT); /* vp1 has no VTL1 */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(test_enable_partition_statuses),
		T(test_enable_vp_statuses),
		T(test_vtl_call_ud_cases),
		T(test_vtl_call_and_return),
		T(test_vtl_return_ud_cases),
		T(test_entry_reason_in_vp_assist_page),
		T(test_get_vp_registers),
		T(test_physical_interrupts_held_for_vtl0),
		T(test_vtl_protection_config_and_calls),
		T(test_gpa_intercept),
		T(test_gpa_intercept_during_event_delivery),
		T(test_init_dropped_with_vtl1),
		T(test_start_virtual_processor_vtl0_of_parked_vp),
		T(test_vtl1_paging_change_flushes_its_own_vpid),
		T(test_vtl1_apic_registers),
		T(test_vtl1_apic_mmio),
		T(test_vtl1_timer_preempts_vtl0),
		T(test_vtl1_interrupt_waits_for_if_and_tpr),
		T(test_vtl1_ipis_and_cluster_ipi_vtl),
		T(test_vina),
		T(test_set_vp_registers),
		T(test_set_vp_state_registers),
		T(test_pending_event),
		T(test_translate_virtual_address),
		T(test_tlb_lock),
		T(test_start_virtual_processor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
