// SPDX-License-Identifier: MIT
/*
 * Part of check group vsm: round trips into the VTL1 test image (tests/guests/vtl1/, its
 * mailbox ABI in vtl1_abi.h). Each VTL call loads every GPR (vsm_call.S) with a pattern;
 * VTL1 records what it was entered with and runs one command; VTL0 checks what VTL1
 * recorded and what came back. What a VTL call must do (docs/VSM.md, reference 3.4-3.7):
 *  - VTL1 is entered with the shared GPRs as VTL0 left them at the stub's VMCALL: RAX = the
 *    input (0), RCX = 0x11, the rest VTL0's; RSP is VTL1's own (its stack top);
 *  - its assist page says EntryReason 1 and VtlReturnX64Rax/Rcx = VTL0's RAX/RCX (0, 0x11);
 *  - VTL0 gets back its private state (RSP, RFLAGS, CRs, descriptor tables, private and
 *    synthetic MSRs) and the shared GPRs as VTL1 left them; RAX/RCX from VTL1's assist page
 *    after a normal return, the return stub's 1 and 0x12 after a fast one.
 */
#include <efi.h>
#include <efilib.h>

#include "lib/printf.h"
#include "tests/guests/idt.h"
#include "tests/guests/report.h"
#include "tests/guests/vsm_check.h"

#define RFLAGS_IF BIT(9)

static const char *const gpr_name[VTL1_GPR_COUNT] = { "RAX", "RCX", "RDX", "RBX", "RSP", "RBP",
						      "RSI", "RDI", "R8",  "R9",  "R10", "R11",
						      "R12", "R13", "R14", "R15" };

u64 vt0_vsm_pat(u32 vp, u32 n)
{
	return 0x7630000000000000ull | (u64)vp << 40 | (u64)n << 24;
}

void vt0_vsm_call(const struct vsm_state *s, u32 vp, u32 cmd, u32 mode, u64 p, struct vsm_regs *r)
{
	struct vtl1_cpu *c = &s->v.mb->cpu[vp];

	c->cmd = cmd;
	c->ret_mode = mode;
	c->seq++;
	for (u32 i = 0; i < VTL1_GPR_COUNT; i++)
		r->in[i] = p + i * VSM_PAT_STEP;
	r->in[VTL1_RCX] = 0; /* the VTL call input: all bits reserved */
	vsm_vtl_call(r, vsm_call_stub(&s->v));
	__asm__ volatile("" ::: "memory"); /* VTL1 wrote the mailbox */
}

void vt0_vsm_check_common(struct why *w, const struct vtl1_cpu *c, const struct vsm_regs *r)
{
	if (c->ack != c->seq)
		why_add(w, "VTL1 did not finish the command (ack %u, seq %u, %lu entries)", c->ack,
			c->seq, c->entries);
	if (c->status)
		why_add(w, "VTL1 status 0x%x (last exception %u at 0x%lx, error 0x%lx)", c->status,
			c->exc_vector, c->exc_rip, c->exc_err);
	if (r->out[VTL1_RSP] != r->rsp_before)
		why_add(w, "VTL0 RSP 0x%lx after, 0x%lx before", r->out[VTL1_RSP], r->rsp_before);
	if (r->rflags_after != r->rflags_before)
		why_add(w, "VTL0 RFLAGS 0x%lx after, 0x%lx before", r->rflags_after,
			r->rflags_before);
}

void vt0_vsm_check_entry(struct why *w, const struct vtl1_cpu *c, u64 p, u64 top)
{
	u32 bad = 0, first = 0;

	if (c->gprs[VTL1_RAX] != 0 || c->gprs[VTL1_RCX] != VSM_VTL_CALL_RCX)
		why_add(w, "VTL1 entered with RAX 0x%lx RCX 0x%lx, want 0 and 0x%llx",
			c->gprs[VTL1_RAX], c->gprs[VTL1_RCX], VSM_VTL_CALL_RCX);
	if (c->gprs[VTL1_RSP] != top)
		why_add(w, "VTL1 entered with RSP 0x%lx, want its stack top 0x%lx",
			c->gprs[VTL1_RSP], top);
	for (u32 i = VTL1_RDX; i < VTL1_GPR_COUNT; i++)
		if (i != VTL1_RSP && c->gprs[i] != p + i * VSM_PAT_STEP && !bad++)
			first = i;
	if (bad)
		why_add(w, "VTL1 entered with %u GPR(s) not VTL0's, first %s 0x%lx, want 0x%lx",
			bad, gpr_name[first], c->gprs[first], p + first * VSM_PAT_STEP);
}

void vt0_vsm_check_back(struct why *w, const struct vsm_regs *r, u64 rax, u64 rcx, u64 base,
			u64 step)
{
	u32 bad = 0, first = 0;

	if (r->out[VTL1_RAX] != rax || r->out[VTL1_RCX] != rcx)
		why_add(w, "VTL0 got RAX 0x%lx RCX 0x%lx, want 0x%lx 0x%lx", r->out[VTL1_RAX],
			r->out[VTL1_RCX], rax, rcx);
	for (u32 i = VTL1_RDX; i < VTL1_GPR_COUNT; i++)
		if (i != VTL1_RSP && r->out[i] != base + i * step && !bad++)
			first = i;
	if (bad)
		why_add(w, "VTL0 got %u GPR(s) not as VTL1 left them, first %s 0x%lx, want 0x%lx",
			bad, gpr_name[first], r->out[first], base + first * step);
}

/* The first entry (PING, fast return) and the state the initial context gave VTL1. */
static bool check_first_entry(struct vsm_state *s)
{
	const struct vtl1_cpu *c = &s->v.mb->cpu[s->vp];
	const u64 *o = c->out;
	u64 top = vsm_stack_top(&s->v, s->vp), gdt = s->v.base + VTL1_OFF_GDT;
	struct vsm_regs r;
	struct why w = { 0 }, i = { 0 };

	vt0_vsm_call(s, s->vp, VTL1_CMD_PING, VTL1_RET_FAST, vt0_vsm_pat(s->vp, 1), &r);
	vt0_vsm_check_common(&w, c, &r);
	if (c->entries != 1)
		why_add(&w, "%lu entries, want 1", c->entries);
	vt0_vsm_check_entry(&w, c, vt0_vsm_pat(s->vp, 1), top);
	vt0_vsm_check_back(&w, &r, 1, VSM_VTL_RETURN_RCX, vt0_vsm_pat(s->vp, 1), VSM_PAT_STEP);
	report_result("vsm.vtl1.first_entry", !w.count, "%s", w.buf);
	if (c->ack != c->seq) {
		vt0_vsm_rest("vsm.vtl1.initial_state", NULL, false,
			     "not run: the first VTL call did not reach VTL1's command loop");
		return false;
	}
	gdt += (u64)VTL1_GDT_STRIDE * s->vp;
	if (o[VTL1_PING_CS] != VTL1_SEL_CODE || o[VTL1_PING_SS] != VTL1_SEL_DATA ||
	    o[VTL1_PING_TR] != VTL1_SEL_TSS)
		why_add(&i, "CS 0x%lx SS 0x%lx TR 0x%lx, want 0x8 0x10 0x18", o[VTL1_PING_CS],
			o[VTL1_PING_SS], o[VTL1_PING_TR]);
	if (o[VTL1_PING_IDTR_BASE] != s->v.base + VTL1_OFF_IDT ||
	    o[VTL1_PING_IDTR_LIMIT] != VTL1_IDT_LIMIT)
		why_add(&i, "IDTR 0x%lx/0x%lx", o[VTL1_PING_IDTR_BASE], o[VTL1_PING_IDTR_LIMIT]);
	if (o[VTL1_PING_GDTR_BASE] != gdt || o[VTL1_PING_GDTR_LIMIT] != VTL1_GDT_LIMIT)
		why_add(&i, "GDTR 0x%lx/0x%lx, want 0x%lx/0x%x", o[VTL1_PING_GDTR_BASE],
			o[VTL1_PING_GDTR_LIMIT], gdt, VTL1_GDT_LIMIT);
	if (o[VTL1_PING_RFLAGS] & RFLAGS_IF)
		why_add(&i, "RFLAGS 0x%lx: IF set (the context had 0x2)", o[VTL1_PING_RFLAGS]);
	if (o[VTL1_PING_CR0] != read_cr0() || o[VTL1_PING_CR3] != read_cr3() ||
	    o[VTL1_PING_CR4] != read_cr4())
		why_add(&i, "CR0 0x%lx CR3 0x%lx CR4 0x%lx, the context's 0x%lx 0x%lx 0x%lx",
			o[VTL1_PING_CR0], o[VTL1_PING_CR3], o[VTL1_PING_CR4], read_cr0(),
			read_cr3(), read_cr4());
	if (o[VTL1_PING_EFER] != cpu_rdmsr(0xc0000080))
		why_add(&i, "EFER 0x%lx", o[VTL1_PING_EFER]);
	if (o[VTL1_PING_VP_INDEX] != s->vp)
		why_add(&i, "VP_INDEX read in VTL1: 0x%lx, want %u", o[VTL1_PING_VP_INDEX], s->vp);
	report_result("vsm.vtl1.initial_state", !i.count, "%s", i.buf);
	return true;
}

/* A PING with a normal return, from the second entry on (the assist page is on). */
static void ping(struct vsm_state *s, u32 n, struct why *w)
{
	const struct vtl1_cpu *c = &s->v.mb->cpu[s->vp];
	u64 top = vsm_stack_top(&s->v, s->vp), prev_rsp = c->ret_rsp, entries = c->entries;
	struct vsm_regs r;

	vt0_vsm_call(s, s->vp, VTL1_CMD_PING, VTL1_RET_NORMAL, vt0_vsm_pat(s->vp, n), &r);
	vt0_vsm_check_common(w, c, &r);
	if (c->entries != entries + 1)
		why_add(w, "%lu entries, want %lu", c->entries, entries + 1);
	if (c->entry_reason != 1)
		why_add(w, "EntryReason 0x%x, want 1 (VtlCall)", c->entry_reason);
	if (c->ret_rax_in != 0 || c->ret_rcx_in != VSM_VTL_CALL_RCX)
		why_add(w, "VtlReturnX64Rax/Rcx 0x%lx/0x%lx at entry, want 0/0x%llx", c->ret_rax_in,
			c->ret_rcx_in, VSM_VTL_CALL_RCX);
	if (c->gprs[VTL1_RSP] != prev_rsp)
		why_add(w, "VTL1 RSP 0x%lx at entry, 0x%lx at its last return", c->gprs[VTL1_RSP],
			prev_rsp);
	vt0_vsm_check_entry(w, c, vt0_vsm_pat(s->vp, n), top);
	if (c->out[VTL1_PING_VP_INDEX] != s->vp)
		why_add(w, "VP_INDEX in VTL1 0x%lx", c->out[VTL1_PING_VP_INDEX]);
	vt0_vsm_check_back(w, &r, 0, VSM_VTL_CALL_RCX, vt0_vsm_pat(s->vp, n), VSM_PAT_STEP);
}

/* SET_SHARED: VTL1 sets every GPR; a normal return with its own RAX/RCX, then a fast one. */
static void check_shared(struct vsm_state *s)
{
	struct vtl1_cpu *c = &s->v.mb->cpu[s->vp];
	const u64 q1 = 0x7631000011110000ull, q2 = 0x7631000022220000ull;
	struct vsm_regs r;
	struct why w = { 0 }, f = { 0 };

	c->arg[0] = q1;
	c->ret_rax = 0x1111;
	c->ret_rcx = 0x2222;
	vt0_vsm_call(s, s->vp, VTL1_CMD_SET_SHARED, VTL1_RET_VALUES, vt0_vsm_pat(s->vp, 3), &r);
	vt0_vsm_check_common(&w, c, &r);
	vt0_vsm_check_entry(&w, c, vt0_vsm_pat(s->vp, 3), vsm_stack_top(&s->v, s->vp));
	vt0_vsm_check_back(&w, &r, 0x1111, 0x2222, q1, VTL1_SHARED_STEP);
	report_result("vsm.vtl1.shared_regs", !w.count, "%s", w.buf);

	c->arg[0] = q2;
	vt0_vsm_call(s, s->vp, VTL1_CMD_SET_SHARED, VTL1_RET_FAST, vt0_vsm_pat(s->vp, 4), &r);
	vt0_vsm_check_common(&f, c, &r);
	vt0_vsm_check_back(&f, &r, 1, VSM_VTL_RETURN_RCX, q2, VTL1_SHARED_STEP);
	report_result("vsm.vtl1.fast_return", !f.count, "%s", f.buf);
}

/*
 * Private state (reference 3.7): VTL1 writes its MSRs and CRs, VTL0 checks its own did not
 * move and writes other values, VTL1 checks its own are still there, VTL0 checks its own.
 */
static void check_private(struct vsm_state *s)
{
	const struct vtl1_cpu *c = &s->v.mb->cpu[s->vp];
	u32 mask = vtl1_priv_mask(), bad;
	u64 orig[VTL1_PRIV_COUNT], cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4(), v;
	struct vt0_dtr idtr = vt0_idtr_now(), gdtr = vt0_gdtr_now();
	struct vsm_regs r;
	struct why w = { 0 }, x = { 0 };

	for (u32 i = 0; i < VTL1_PRIV_COUNT; i++)
		orig[i] = (mask & BIT(i)) ? cpu_rdmsr(vtl1_priv_msr(i)) : 0;
	vt0_vsm_call(s, s->vp, VTL1_CMD_PRIVATE_SET, VTL1_RET_FAST, vt0_vsm_pat(s->vp, 5), &r);
	vt0_vsm_check_common(&w, c, &r);
	if (c->out[VTL1_OUT_FAULTS])
		why_add(&w, "VTL1's WRMSR faulted (MSR mask 0x%lx)", c->out[VTL1_OUT_FAULTS]);
	for (u32 i = 0; i < VTL1_PRIV_COUNT; i++) {
		if (!(mask & BIT(i)))
			continue;
		v = cpu_rdmsr(vtl1_priv_msr(i));
		if (v != orig[i])
			why_add(&w, "VTL0's MSR 0x%x became 0x%lx (was 0x%lx)", vtl1_priv_msr(i), v,
				orig[i]);
		cpu_wrmsr(vtl1_priv_msr(i), vtl1_priv_value(i, 2));
	}
	vt0_vsm_call(s, s->vp, VTL1_CMD_PRIVATE_CHECK, VTL1_RET_FAST, vt0_vsm_pat(s->vp, 6), &r);
	vt0_vsm_check_common(&w, c, &r);
	bad = (u32)c->out[VTL1_OUT_BAD];
	for (u32 i = 0; i < VTL1_PRIV_COUNT; i++) {
		if (!(mask & BIT(i)))
			continue;
		if (bad & BIT(i))
			why_add(&w, "VTL1's MSR 0x%x reads 0x%lx, it wrote 0x%lx", vtl1_priv_msr(i),
				c->out[i], vtl1_priv_value(i, 1));
		v = cpu_rdmsr(vtl1_priv_msr(i));
		if (v != vtl1_priv_value(i, 2))
			why_add(&w, "VTL0's MSR 0x%x reads 0x%lx, it wrote 0x%lx", vtl1_priv_msr(i),
				v, vtl1_priv_value(i, 2));
		cpu_wrmsr(vtl1_priv_msr(i), orig[i]);
	}
	report_result("vsm.vtl1.private_msrs", !w.count, "%s", w.buf);

	for (u32 i = 0; i < 3; i++)
		if (bad & BIT(VTL1_PRIV_COUNT + i))
			why_add(&x, "VTL1's CR%s 0x%lx, it set 0x%lx",
				i == 0 ? "0" :
				i == 1 ? "3" :
					 "4",
				c->out[VTL1_OUT_CR0 + i], c->own_cr[i]);
	if (c->own_cr[1] != s->v.mb->own_cr3)
		why_add(&x, "VTL1's CR3 0x%lx after writing 0x%lx", c->own_cr[1], s->v.mb->own_cr3);
	if (c->out[VTL1_OUT_RFLAGS] & RFLAGS_IF)
		why_add(&x, "VTL1's RFLAGS 0x%lx has IF", c->out[VTL1_OUT_RFLAGS]);
	if (c->out[VTL1_OUT_IDTR] != s->v.base + VTL1_OFF_IDT ||
	    c->out[VTL1_OUT_GDTR] != s->v.base + VTL1_OFF_GDT + (u64)VTL1_GDT_STRIDE * s->vp)
		why_add(&x, "VTL1's IDTR/GDTR bases 0x%lx/0x%lx", c->out[VTL1_OUT_IDTR],
			c->out[VTL1_OUT_GDTR]);
	if (read_cr0() != cr0 || read_cr3() != cr3 || read_cr4() != cr4)
		why_add(&x, "VTL0's CR0/CR3/CR4 0x%lx/0x%lx/0x%lx, were 0x%lx/0x%lx/0x%lx",
			read_cr0(), read_cr3(), read_cr4(), cr0, cr3, cr4);
	if (vt0_idtr_now().base != idtr.base || vt0_gdtr_now().base != gdtr.base ||
	    vt0_idtr_now().limit != idtr.limit || vt0_gdtr_now().limit != gdtr.limit)
		why_add(&x, "VTL0's IDTR/GDTR changed");
	report_info("vsm: VTL0 made the VTL calls with RFLAGS 0x%lx; VTL1 runs with 0x%lx",
		    r.rflags_before, c->out[VTL1_OUT_RFLAGS]);
	report_result("vsm.vtl1.private_cr", !x.count, "%s", x.buf);
}

static bool in_stub(u64 rip, u64 stub)
{
	return rip >= stub && rip < stub + 32;
}

/* Hypercalls from VTL1 through its own page. */
static void check_hcall(struct vsm_state *s)
{
	const struct vtl1_cpu *c = &s->v.mb->cpu[s->vp];
	const u64 *o = c->out;
	u64 hc1 = s->v.base + VTL1_OFF_HCPAGE;
	struct vsm_regs r;
	struct why w = { 0 };

	static volatile u64 vtl0_var; /* its page: VTL1 translates it (UEFI maps 1:1) */
	s->v.mb->cpu[s->vp].arg[0] = (u64)(uintptr_t)&vtl0_var;
	vt0_vsm_call(s, s->vp, VTL1_CMD_HCALL, VTL1_RET_FAST, vt0_vsm_pat(s->vp, 7), &r);
	vt0_vsm_check_common(&w, c, &r);
	if ((u16)o[VTL1_HC_VP_STATUS_RAX] || HV_RESULT_REPS(o[VTL1_HC_VP_STATUS_RAX]) != 1 ||
	    (o[VTL1_HC_VP_STATUS] & 0xf) != 1 || ((o[VTL1_HC_VP_STATUS] >> 16) & 3) != 3)
		why_add(&w, "VsmVpStatus: RAX 0x%lx, value 0x%lx (want ActiveVtl 1, VTLs 0 and 1)",
			o[VTL1_HC_VP_STATUS_RAX], o[VTL1_HC_VP_STATUS]);
	if ((u16)o[VTL1_HC_OFFSETS_RAX] || o[VTL1_HC_OFFSETS] != s->v.code_offsets)
		why_add(&w, "VsmCodePageOffsets: RAX 0x%lx, value 0x%lx", o[VTL1_HC_OFFSETS_RAX],
			o[VTL1_HC_OFFSETS]);
	report_result("vsm.vtl1.get_vp_registers", !w.count, "%s", w.buf);
	struct why t = { 0 };
	u64 page = (u64)(uintptr_t)&vtl0_var >> 12;
	if ((u16)o[VTL1_HC_TVA_RAX] || (u32)o[VTL1_HC_TVA_RESULT] || o[VTL1_HC_TVA_GPN] != page)
		why_add(&t,
			"TranslateVirtualAddress: RAX 0x%lx, result 0x%lx, GpaPage 0x%lx (want 0x%lx)",
			o[VTL1_HC_TVA_RAX], o[VTL1_HC_TVA_RESULT], o[VTL1_HC_TVA_GPN], page);
	if ((u16)o[VTL1_HC_TVA_EX_RAX] || o[VTL1_HC_TVA_EX_GPN] != page)
		why_add(&t, "the Ex form: RAX 0x%lx, GpaPage 0x%lx", o[VTL1_HC_TVA_EX_RAX],
			o[VTL1_HC_TVA_EX_GPN]);
	/* VTL0 waits at its VTL-call stub's RET: MOV RAX,RCX (3) + MOV ECX (5) + VMCALL (3). */
	u64 ret = vsm_call_stub(&s->v) + 11;
	if ((u16)o[VTL1_HC_VTL0_RIP_RAX] || o[VTL1_HC_VTL0_RIP] != ret)
		why_add(&t, "VTL0's RIP: RAX 0x%lx, value 0x%lx (want 0x%lx)",
			o[VTL1_HC_VTL0_RIP_RAX], o[VTL1_HC_VTL0_RIP], ret);
	report_result("vsm.vtl1.lower_vtl_state", !t.count, "%s", t.buf);
	report_result("vsm.vtl1.vtl_call_ud",
		      o[VTL1_HC_CALL_UD] == 1 &&
			      in_stub(o[VTL1_HC_CALL_UD_RIP], hc1 + (s->v.code_offsets & 0xfff)),
		      "VTL call from VTL1 (no VTL2): %lu #UD(s) at a VMCALL, at 0x%lx",
		      o[VTL1_HC_CALL_UD], o[VTL1_HC_CALL_UD_RIP]);
	report_result("vsm.vtl1.vtl_return_bad_input_ud",
		      o[VTL1_HC_RET_UD] == 1 && in_stub(o[VTL1_HC_RET_UD_RIP],
							hc1 + ((s->v.code_offsets >> 12) & 0xfff)),
		      "VTL return with input 2: %lu #UD(s) at a VMCALL, at 0x%lx",
		      o[VTL1_HC_RET_UD], o[VTL1_HC_RET_UD_RIP]);
}

/* Reference 3.7: GUEST_OS_ID, HYPERCALL and VP_ASSIST_PAGE are per VTL. */
static void check_synthetic_msrs(struct vsm_state *s)
{
	const struct vtl1_cpu *c = &s->v.mb->cpu[s->vp];
	const u64 *o = c->out;
	u64 hc1 = (s->v.base + VTL1_OFF_HCPAGE) | 1;
	u64 as1 = (s->v.base + VTL1_OFF_ASSIST + PAGE_SIZE * s->vp) | 1, v = 0;
	struct why w = { 0 };

	if (c->init_faults)
		why_add(&w, "VTL1's WRMSR faulted (bit 0 OS ID, 1 HYPERCALL, 2 assist): 0x%x",
			c->init_faults);
	if (c->os_id_read != s->v.mb->guest_os_id || o[VTL1_HC_OS_ID_MSR] != s->v.mb->guest_os_id)
		why_add(&w, "VTL1 reads GUEST_OS_ID 0x%lx then 0x%lx, wrote 0x%lx", c->os_id_read,
			o[VTL1_HC_OS_ID_MSR], s->v.mb->guest_os_id);
	if (c->hypercall_read != hc1 || o[VTL1_HC_HYPERCALL_MSR] != hc1)
		why_add(&w, "VTL1 reads HYPERCALL 0x%lx then 0x%lx, wrote 0x%lx", c->hypercall_read,
			o[VTL1_HC_HYPERCALL_MSR], hc1);
	if (c->assist_read != as1 || o[VTL1_HC_ASSIST_MSR] != as1)
		why_add(&w, "VTL1 reads VP_ASSIST_PAGE 0x%lx then 0x%lx, wrote 0x%lx",
			c->assist_read, o[VTL1_HC_ASSIST_MSR], as1);
	if (!vt0_try_rdmsr(HV_MSR_GUEST_OS_ID, &v) || v != s->os_id)
		why_add(&w, "VTL0 reads GUEST_OS_ID 0x%lx, had 0x%lx", v, s->os_id);
	if (!vt0_try_rdmsr(HV_MSR_HYPERCALL, &v) || v != s->hc_msr)
		why_add(&w, "VTL0 reads HYPERCALL 0x%lx, had 0x%lx", v, s->hc_msr);
	if (!vt0_try_rdmsr(HV_MSR_VP_ASSIST_PAGE, &v) || v != s->assist_msr)
		why_add(&w, "VTL0 reads VP_ASSIST_PAGE 0x%lx, had 0x%lx", v, s->assist_msr);
	report_result("vsm.vtl1.synthetic_msrs", !w.count, "%s", w.buf);
}

/* An unexpected exception in VTL1 (UD2): its handler returns; the next call works. */
static void check_exception(struct vsm_state *s)
{
	const struct vtl1_cpu *c = &s->v.mb->cpu[s->vp];
	u32 fatal = c->fatal;
	struct vsm_regs r;
	struct why w = { 0 };

	vt0_vsm_call(s, s->vp, VTL1_CMD_FAULT, VTL1_RET_NORMAL, vt0_vsm_pat(s->vp, 8), &r);
	if (c->ack != c->seq || !(c->status & VTL1_ERR_EXCEPTION) || c->fatal != fatal + 1)
		why_add(&w, "ack %u seq %u, status 0x%x, %u fatal exception(s) before, %u after",
			c->ack, c->seq, c->status, fatal, c->fatal);
	if (c->exc_vector != 6 || *(const volatile u16 *)c->exc_rip != 0x0b0f)
		why_add(&w, "vector %u at 0x%lx, want #UD (6) at a UD2", c->exc_vector, c->exc_rip);
	vt0_vsm_check_back(&w, &r, 1, VSM_VTL_RETURN_RCX, vt0_vsm_pat(s->vp, 8), VSM_PAT_STEP);
	ping(s, 9, &w); /* and VTL1 goes on */
	report_result("vsm.vtl1.exception", !w.count, "%s", w.buf);
}

bool vt0_vsm_check_vtl1(struct vsm_state *s)
{
	struct why w = { 0 };

	if (!check_first_entry(s))
		return false;
	ping(s, 2, &w);
	report_result("vsm.vtl1.ping", !w.count, "%s", w.buf);
	check_shared(s);
	check_private(s);
	check_hcall(s);
	check_synthetic_msrs(s);
	check_exception(s);
	return true;
}
