// SPDX-License-Identifier: MIT
/*
 * VTL1 image: the commands VTL0 asks for (vtl1_abi.h), each writing its results into the
 * slot's out[] for VTL0 to check after the return.
 */
#include "arch/x86/intrin.h"
#include "tests/guests/idt.h"
#include "tests/guests/vtl1/vtl1.h"

#define CR0_AM (1ull << 18)
#define CR4_TSD (1ull << 2)
#define MSR_EFER 0xc0000080u

/* Hypercall codes and registers (reference 1.6, 3.3). */
#define HVCALL_ENABLE_VP_VTL 0x000full
#define HVCALL_GET_VP_REGISTERS 0x0050ull
#define HVCALL_SET_VP_REGISTERS 0x0051ull
#define HVCALL_SEND_CLUSTER_IPI 0x000bull
#define HV_CONTROL_FAST (1ull << 16)
#define HV_REP_COUNT(n) ((u64)(n) << 32)
#define HV_REG_VSM_CODE_PAGE_OFFSETS 0x000d0002u
#define HV_REG_VSM_VP_STATUS 0x000d0003u
#define HV_PARTITION_ID_SELF (~0ull)
#define HV_VP_INDEX_SELF 0xfffffffeu

bool vtl1_try_rdmsr(struct vtl1_cpu *c, u32 msr, u64 *val)
{
	u32 before = c->exc_count, lo, hi;
	u64 t;

	__asm__ volatile("lea 1f(%%rip), %[t]\n\t"
			 "mov %[t], %[rec]\n\t"
			 "xor %%eax, %%eax\n\t"
			 "xor %%edx, %%edx\n\t"
			 "rdmsr\n"
			 "1:\tmovq $0, %[rec]"
			 : "=&a"(lo), "=&d"(hi), [t] "=&r"(t), [rec] "+m"(c->recover)
			 : "c"(msr)
			 : "memory");
	*val = ((u64)hi << 32) | lo;
	return c->exc_count == before;
}

bool vtl1_try_wrmsr(struct vtl1_cpu *c, u32 msr, u64 val)
{
	u32 before = c->exc_count;
	u64 t;

	__asm__ volatile("lea 1f(%%rip), %[t]\n\t"
			 "mov %[t], %[rec]\n\t"
			 "wrmsr\n"
			 "1:\tmovq $0, %[rec]"
			 : [t] "=&r"(t), [rec] "+m"(c->recover)
			 : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
			 : "memory");
	return c->exc_count == before;
}

/* CALL target with RCX, RDX, R8 (reference 1.3); RAX back. Also the VTL stubs' caller. */
u64 vtl1_call_page(u64 target, u64 rcx, u64 rdx, u64 r8)
{
	register u64 r8r __asm__("r8") = r8;
	u64 rax;

	__asm__ volatile("call *%[t]"
			 : "=a"(rax), "+c"(rcx), "+d"(rdx), "+r"(r8r)
			 : [t] "r"(target)
			 : "r9", "r10", "r11", "cc", "memory");
	return rax;
}

static void ping(struct vtl1_cpu *c)
{
	struct vt0_dtr idtr = vt0_idtr_now(), gdtr = vt0_gdtr_now();
	u64 v = ~0ull;
	u16 cs, ss, tr;

	__asm__ volatile("mov %%cs, %0\n\tmov %%ss, %1\n\tstr %2" : "=r"(cs), "=r"(ss), "=r"(tr));
	c->out[VTL1_PING_CR0] = read_cr0();
	c->out[VTL1_PING_CR3] = read_cr3();
	c->out[VTL1_PING_CR4] = read_cr4();
	c->out[VTL1_PING_RFLAGS] = vtl1_rflags();
	c->out[VTL1_PING_IDTR_BASE] = idtr.base;
	c->out[VTL1_PING_IDTR_LIMIT] = idtr.limit;
	c->out[VTL1_PING_GDTR_BASE] = gdtr.base;
	c->out[VTL1_PING_GDTR_LIMIT] = gdtr.limit;
	c->out[VTL1_PING_CS] = cs;
	c->out[VTL1_PING_SS] = ss;
	c->out[VTL1_PING_TR] = tr;
	if (!vtl1_try_rdmsr(c, HV_MSR_VP_INDEX, &v))
		v = ~0ull;
	c->out[VTL1_PING_VP_INDEX] = v;
	vtl1_try_rdmsr(c, MSR_EFER, &c->out[VTL1_PING_EFER]);
}

/* VTL1's values into its private MSRs and CR0.AM/CR4.TSD flipped, CR3 = the PML4 copy. */
static void private_set(struct vtl1_cpu *c)
{
	u32 mask = vtl1_priv_mask(), faults = 0;

	for (u32 i = 0; i < VTL1_PRIV_COUNT; i++) {
		c->out[i] = vtl1_priv_value(i, 1);
		if ((mask & (1u << i)) && !vtl1_try_wrmsr(c, vtl1_priv_msr(i), c->out[i]))
			faults |= 1u << i;
	}
	write_cr3(vtl1_mailbox()->own_cr3);
	write_cr0(read_cr0() ^ CR0_AM);
	write_cr4(read_cr4() ^ CR4_TSD);
	c->own_cr[0] = c->out[VTL1_OUT_CR0] = read_cr0();
	c->own_cr[1] = c->out[VTL1_OUT_CR3] = read_cr3();
	c->own_cr[2] = c->out[VTL1_OUT_CR4] = read_cr4();
	c->out[VTL1_OUT_MASK] = mask;
	c->out[VTL1_OUT_FAULTS] = faults;
}

static void private_check(struct vtl1_cpu *c)
{
	u32 mask = vtl1_priv_mask(), faults = 0, bad = 0;
	u64 cr[3] = { read_cr0(), read_cr3(), read_cr4() };

	for (u32 i = 0; i < VTL1_PRIV_COUNT; i++) {
		c->out[i] = 0;
		if (!(mask & (1u << i)))
			continue;
		if (!vtl1_try_rdmsr(c, vtl1_priv_msr(i), &c->out[i]))
			faults |= 1u << i;
		if (c->out[i] != vtl1_priv_value(i, 1))
			bad |= 1u << i;
	}
	for (u32 i = 0; i < 3; i++) {
		c->out[VTL1_OUT_CR0 + i] = cr[i];
		if (cr[i] != c->own_cr[i])
			bad |= 1u << (VTL1_PRIV_COUNT + i);
	}
	c->out[VTL1_OUT_MASK] = mask;
	c->out[VTL1_OUT_FAULTS] = faults;
	c->out[VTL1_OUT_BAD] = bad;
	c->out[VTL1_OUT_RFLAGS] = vtl1_rflags();
	c->out[VTL1_OUT_IDTR] = vt0_idtr_now().base;
	c->out[VTL1_OUT_GDTR] = vt0_gdtr_now().base;
}

/* GetVpRegisters for one name, memory form, through VTL1's own page (reference 1.7). */
u64 vtl1_get_reg(struct vtl1_cpu *c, u32 io, u32 name, u8 input_vtl, u64 *val)
{
	u64 in = vtl1_region(VTL1_OFF_IO + (u64)VTL1_IO_STRIDE * c->vp + io), out = in + 0x1000;
	volatile u64 *h = (volatile u64 *)in;
	u64 rax;

	h[0] = HV_PARTITION_ID_SELF;
	h[1] = HV_VP_INDEX_SELF | (u64)input_vtl << 32; /* VpIndex, HV_INPUT_VTL, reserved */
	*(volatile u32 *)(in + 16) = name;
	*(volatile u64 *)out = ~0ull;
	rax = vtl1_call_page(vtl1_region(VTL1_OFF_HCPAGE),
			     HVCALL_GET_VP_REGISTERS | HV_REP_COUNT(1), in, out);
	*val = *(volatile u64 *)out;
	return rax;
}

u64 vtl1_set_regs(struct vtl1_cpu *c, u32 io, u8 input_vtl, const u32 *names, const u64 *lo,
		  const u64 *hi, u32 n)
{
	u64 in = vtl1_region(VTL1_OFF_IO + (u64)VTL1_IO_STRIDE * c->vp + io);
	volatile u64 *h = (volatile u64 *)in;

	/* Header, then 32-byte elements: name, 12 reserved bytes, the 128-bit value. */
	h[0] = HV_PARTITION_ID_SELF;
	h[1] = HV_VP_INDEX_SELF | (u64)input_vtl << 32;
	for (u32 i = 0; i < n && i < 4; i++) {
		h[2 + 4 * i] = names[i];
		h[3 + 4 * i] = 0;
		h[4 + 4 * i] = lo[i];
		h[5 + 4 * i] = hi ? hi[i] : 0;
	}
	return vtl1_call_page(vtl1_region(VTL1_OFF_HCPAGE),
			      HVCALL_SET_VP_REGISTERS | HV_REP_COUNT(n), in, 0);
}

static u64 get_reg(struct vtl1_cpu *c, u32 name, u64 *val)
{
	return vtl1_get_reg(c, VTL1_CMD_IO, name, 0, val); /* HV_INPUT_VTL 0: its own VTL */
}

/* HvCallSendSyntheticClusterIpi (reference 1.7): +0 vector, +4 HV_INPUT_VTL, +5 reserved
 * (3 bytes), +8 processor mask; the fast form passes the two quadwords in RDX and R8. */
u64 vtl1_cluster_ipi(struct vtl1_cpu *c, u32 io, u32 vector, u8 input_vtl, u64 mask, bool fast)
{
	u64 in = vtl1_region(VTL1_OFF_IO + (u64)VTL1_IO_STRIDE * c->vp + io);
	u64 word = vector | (u64)input_vtl << 32;

	if (fast)
		return vtl1_call_page(vtl1_region(VTL1_OFF_HCPAGE),
				      HVCALL_SEND_CLUSTER_IPI | HV_CONTROL_FAST, word, mask);
	((volatile u64 *)in)[0] = word;
	((volatile u64 *)in)[1] = mask;
	return vtl1_call_page(vtl1_region(VTL1_OFF_HCPAGE), HVCALL_SEND_CLUSTER_IPI, in, 0);
}

/* TranslateVirtualAddress(Ex) (code) of VTL0's gva for reading and writing: RAX; the
 * result word and GpaPage (at gpn_off in the output). */
static u64 translate_vtl0(struct vtl1_cpu *c, u64 code, u64 gva, u32 gpn_off, u64 *result, u64 *gpn)
{
	u64 in = vtl1_region(VTL1_OFF_IO + (u64)VTL1_IO_STRIDE * c->vp), out = in + 0x1000;
	volatile u64 *h = (volatile u64 *)in;

	h[0] = HV_PARTITION_ID_SELF;
	h[1] = HV_VP_INDEX_SELF;  /* reserved u32 after it: 0 */
	h[2] = 3 | 0x10ULL << 56; /* ValidateRead | ValidateWrite, HV_INPUT_VTL: VTL0 */
	h[3] = gva >> 12;
	*(volatile u64 *)out = ~0ull;
	u64 rax = vtl1_call_page(vtl1_region(VTL1_OFF_HCPAGE), code, in, out);
	*result = *(volatile u64 *)out;
	*gpn = *(volatile u64 *)(out + gpn_off);
	return rax;
}

/* A VTL stub called with RCX = input; returns how many VMCALL #UDs were skipped meanwhile. */
static u32 stub_ud(struct vtl1_cpu *c, u64 offset, u64 input, u64 *rip)
{
	u32 before = c->ud_vmcall;

	c->ud_rip = 0;
	vtl1_call_page(vtl1_region(VTL1_OFF_HCPAGE) + offset, input, 0, 0);
	*rip = c->ud_rip;
	return c->ud_vmcall - before;
}

static void hcall(struct vtl1_cpu *c)
{
	u64 offsets = vtl1_mailbox()->code_offsets;

	c->out[VTL1_HC_VP_STATUS_RAX] =
		get_reg(c, HV_REG_VSM_VP_STATUS, &c->out[VTL1_HC_VP_STATUS]);
	c->out[VTL1_HC_OFFSETS_RAX] =
		get_reg(c, HV_REG_VSM_CODE_PAGE_OFFSETS, &c->out[VTL1_HC_OFFSETS]);
	/* No VTL above 1: a VTL call from VTL1 is #UD (reference 3.4). */
	c->out[VTL1_HC_CALL_UD] = stub_ud(c, offsets & 0xfff, 0, &c->out[VTL1_HC_CALL_UD_RIP]);
	/* VtlReturn input 2: a bit besides "fast" (reference 3.4: #UD). */
	c->out[VTL1_HC_RET_UD] =
		stub_ud(c, (offsets >> 12) & 0xfff, 2, &c->out[VTL1_HC_RET_UD_RIP]);
	vtl1_try_rdmsr(c, HV_MSR_HYPERCALL, &c->out[VTL1_HC_HYPERCALL_MSR]);
	vtl1_try_rdmsr(c, HV_MSR_GUEST_OS_ID, &c->out[VTL1_HC_OS_ID_MSR]);
	vtl1_try_rdmsr(c, HV_MSR_VP_ASSIST_PAGE, &c->out[VTL1_HC_ASSIST_MSR]);
	u64 ignored;
	c->out[VTL1_HC_TVA_RAX] = translate_vtl0(c, 0x52, c->arg[0], 8, &c->out[VTL1_HC_TVA_RESULT],
						 &c->out[VTL1_HC_TVA_GPN]);
	c->out[VTL1_HC_TVA_EX_RAX] =
		translate_vtl0(c, 0xac, c->arg[0], 48, &ignored, &c->out[VTL1_HC_TVA_EX_GPN]);
	c->out[VTL1_HC_VTL0_RIP_RAX] =
		vtl1_get_reg(c, VTL1_CMD_IO, HV_REG_RIP, 0x10, &c->out[VTL1_HC_VTL0_RIP]);
}

/* HvCallEnableVpVtl from VTL1, with the input VTL0 prepared (reference 1.7). */
/* EnableVpVtl or StartVirtualProcessor (code) for VP arg[0] with VTL0's prepared input. */
static void enable_vp(struct vtl1_cpu *c, u64 code)
{
	u64 in = vtl1_region(VTL1_OFF_IO + (u64)VTL1_IO_STRIDE * c->vp);
	u32 vp = (u32)c->arg[0];

	if (vp >= VTL1_MAX_VPS) {
		c->status |= VTL1_ERR_BAD_CMD;
		return;
	}
	for (u32 i = 0; i < 240; i++)
		((volatile u8 *)in)[i] = vtl1_mailbox()->enable_in[vp][i];
	c->out[0] = vtl1_call_page(vtl1_region(VTL1_OFF_HCPAGE), code, in, 0);
}

void vtl1_run_command(struct vtl1_cpu *c)
{
	switch (c->cmd) {
	case VTL1_CMD_NONE:
		break;
	case VTL1_CMD_PING:
		ping(c);
		break;
	case VTL1_CMD_NOP:
		/* With RFLAGS.IF set: a physical interrupt arriving now makes VTL1 exit (it is
		 * VTL0's, held for it: vsm.stress counts them). VTL1 has no interrupt of its own,
		 * so its IDT is never used for one. Bochs looks for interrupts in a guest only
		 * while IF = 1, even with external-interrupt exiting. */
		__asm__ volatile("sti");
		c->counter++;
		break;
	case VTL1_CMD_REFLECT:
		vtl1_reflect(&c->cmd, c->ret_target, &c->counter);
		break;
	case VTL1_CMD_SET_SHARED:
		for (u32 i = 0; i < VTL1_GPR_COUNT; i++)
			c->ret_gprs[i] = c->arg[0] + i * VTL1_SHARED_STEP;
		break;
	case VTL1_CMD_PRIVATE_SET:
		private_set(c);
		break;
	case VTL1_CMD_PRIVATE_CHECK:
		private_check(c);
		break;
	case VTL1_CMD_HCALL:
		hcall(c);
		break;
	case VTL1_CMD_ENABLE_VP:
		enable_vp(c, HVCALL_ENABLE_VP_VTL);
		break;
	case VTL1_CMD_START_VP:
		enable_vp(c, 0x0099); /* HvCallStartVirtualProcessor: the same input */
		break;
	case VTL1_CMD_FAULT:
		__asm__ volatile("ud2");
		break;
	default:
		if (!vtl1_apic_command(c) && !vtl1_icpt_command(c) && !vtl1_prot_command(c))
			c->status |= VTL1_ERR_BAD_CMD;
	}
}
