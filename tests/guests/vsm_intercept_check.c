// SPDX-License-Identifier: MIT
/*
 * Part of check group vsm: secure register intercepts (TLFS reference 3.9; docs/VSM.md
 * "Secure intercepts: registers"). Runs on the BSP once VTL1's APIC is set up (vsm.irq.*).
 * VTL1 (tests/guests/vtl1/intercept.c) turns its SynIC on and locks VTL0's CR4.SMEP, LSTAR
 * and IDTR with HvRegisterCrInterceptControl and the CR4 mask; then VTL0 tries each write:
 *  - CR4: VTL1 refuses it with #GP(0) (PendingEvent0), caught here at the MOV; CR4 stays.
 *  - LSTAR: VTL1 emulates it (SetVpRegisters of VTL0's LSTAR, then its RIP): the WRMSR
 *    "completes" and RDMSR shows the value; asked to leave the first one alone, VTL1 gets
 *    it twice from the same RIP (VTL0 ran the instruction again).
 *  - IDTR: LIDT to a copy of the IDT, emulated by VTL1 with the message's value as it is;
 *    then refused with #GP.
 * Each message is checked (type, register or MSR, value, RIP, instruction length, access
 * type, VTL, CPL); writes that touch no locked bit or register go through without one;
 * VTL1's own writes are never intercepted; VTL0 may not touch the registers (nor write its
 * own locked LSTAR through SetVpRegisters); reserved and
 * read-intercept bits are refused; at the end VTL1 unlocks everything (naming VTL0) and
 * the same writes go through, descriptor-table exiting off again (counted in VM exits).
 */
#include <efi.h>
#include <efilib.h>

#include "lib/printf.h"
#include "tests/guests/report.h"
#include "tests/guests/vsm_check.h"

#define HV_REG_CR_INTERCEPT_CONTROL 0x000e0000u
#define ICPT_CR4_WRITE BIT(1)
#define ICPT_LSTAR_READ BIT(5)
#define ICPT_LSTAR_WRITE BIT(6)
#define ICPT_IDTR_WRITE BIT(16)
#define ICPT_SGX_LAUNCH_CONTROL_WRITE BIT(24)
#define HVMSG_MSR_INTERCEPT 0x80010001u
#define HVMSG_REGISTER_INTERCEPT 0x80010006u
#define HV_REG_CR4 0x00040003u
#define HV_REG_IDTR 0x00070000u
#define HV_REG_LSTAR 0x00080009u
#define MSR_LSTAR 0xc0000082u
#define CR4_PCE ((u64)1 << 8)
#define CR4_SMEP ((u64)1 << 20)
#define CPUID_VTLVISOR_EXITS 0x40000102u
#define SIDTS 16

static struct {
	struct vsm_state *s;
	u32 vp;
	bool tables; /* IdtrWrite offered (descriptor-table exiting) */
	struct vt0_dtr idtr0, gdtr0;
	u16 ldtr0, tr0;
} xc;

/* SIDT's operand as a global: the compiler addresses it RIP-relative, whose exit
 * qualification is the displacement plus the next RIP (SDM vol.3 28.2.1). */
static struct vt0_dtr rip_rel_dtr __attribute__((used));

/* A copy of the firmware's IDT (same gates): what VTL0 loads while IDTR is locked. */
static u8 idt_copy[4096] __attribute__((aligned(4096)));

static struct vtl1_cpu *slot(void)
{
	return &xc.s->v.mb->cpu[xc.vp];
}

static struct vtl1_icpt *icpt(void)
{
	return &slot()->icpt;
}

static u64 exits_now(void)
{
	struct cpuid_regs r = cpu_cpuid(CPUID_VTLVISOR_EXITS, 0);

	return ((u64)r.ebx << 32) | r.eax;
}

/* One command in the BSP's VTL1 with arguments a0..a3; false (w says why) when VTL1 did
 * not finish it. */
static bool cmd(u32 command, u64 a0, u64 a1, u64 a2, u64 a3, struct why *w)
{
	struct vtl1_cpu *c = slot();
	struct vsm_regs r;

	c->arg[0] = a0;
	c->arg[1] = a1;
	c->arg[2] = a2;
	c->arg[3] = a3;
	vt0_vsm_call(xc.s, xc.vp, command, VTL1_RET_FAST, vt0_vsm_pat(xc.vp, 50), &r);
	if (c->ack != c->seq || c->status) {
		why_add(w, "command %u: VTL1 ack %u seq %u status 0x%x (exception %u at 0x%lx)",
			command, c->ack, c->seq, c->status, c->exc_vector, c->exc_rip);
		return false;
	}
	return true;
}

/* VTL1 sets control and masks (HV_INPUT_VTL ivtl): SetVpRegisters' RAX, or ~0. */
static u64 lock(u64 control, u64 cr4_mask, u8 ivtl, struct why *w)
{
	if (!cmd(VTL1_CMD_ICPT_SET, control, 0, cr4_mask, ivtl, w))
		return ~0ull;
	if (slot()->out[1])
		why_add(w, "VTL1's SynIC setup #GP'd (bits 0x%lx)", slot()->out[1]);
	return slot()->out[0];
}

/* How VTL1 is to resolve the next intercepts; the counters from zero. */
static void policy(u32 action, u32 ignore)
{
	struct vtl1_icpt *k = icpt();

	k->action = action;
	k->ignore = ignore;
	k->count = 0;
	k->type = 0;
	for (u32 i = 0; i < 4; i++)
		k->rip[i] = 0;
	__asm__ volatile("" ::: "memory");
}

static u64 pl64(const u8 *p, u32 off)
{
	u64 v;

	__builtin_memcpy(&v, p + off, 8);
	return v;
}

static u32 pl32(const u8 *p, u32 off)
{
	u32 v;

	__builtin_memcpy(&v, p + off, 4);
	return v;
}

/* The message VTL1 recorded: type and the header (reference 3.9.4) for an attempt at
 * [at, next): VP, instruction length, write, CPL 0, CR0.PE, EFER.LMA, VTL 0, RIP = at, and
 * VTL0 was found at the instruction by VTL1's own GetVpRegisters. */
static void check_message(struct why *w, u32 type, u64 at, u64 next)
{
	const struct vtl1_icpt *k = icpt();
	const u8 *p = k->payload;
	u16 exec;

	__builtin_memcpy(&exec, p + 6, 2);
	if (k->type != type)
		why_add(w, "message type 0x%x, want 0x%x", k->type, type);
	if (pl32(p, 0) != xc.vp)
		why_add(w, "VpIndex %u, want %u", pl32(p, 0), xc.vp);
	if ((p[4] & 0xf) != next - at)
		why_add(w, "instruction length %u, want %lu", p[4] & 0xf, next - at);
	if (p[5] != 1)
		why_add(w, "access type %u, want 1 (write)", p[5]);
	/* ExecutionState: CPL 1:0, CR0.PE 2, EFER.LMA 4, VTL 10:7. */
	if ((exec & 3) != 0 || !(exec & 4) || !(exec & 0x10) || ((exec >> 7) & 0xf) != 0)
		why_add(w, "ExecutionState 0x%x (want CPL 0, PE, LMA, VTL 0)", exec);
	if (pl64(p, 0x18) != at)
		why_add(w, "message RIP 0x%lx, want the instruction at 0x%lx", pl64(p, 0x18), at);
	if (HV_RESULT_STATUS(k->rip_rax) || k->vtl0_rip != at)
		why_add(w, "VTL1 found VTL0's RIP at 0x%lx (RAX 0x%lx), want 0x%lx", k->vtl0_rip,
			k->rip_rax, at);
	if (k->faults)
		why_add(w, "VTL1's EOM/EOI #GP'd (bits 0x%x)", k->faults);
}

static void check_setup(void)
{
	struct why w = { 0 };
	u64 control = ICPT_CR4_WRITE | ICPT_LSTAR_WRITE | ICPT_IDTR_WRITE;
	u64 rax = lock(control, CR4_SMEP, 0, &w);

	/* IdtrWrite needs descriptor-table exiting: a CPU without it refuses only that bit. */
	xc.tables = true;
	if (HV_RESULT_STATUS(rax) == HV_STATUS_INVALID_PARAMETER && !w.count) {
		control &= ~ICPT_IDTR_WRITE;
		rax = lock(control, CR4_SMEP, 0, &w);
		xc.tables = false;
		report_info("vsm: IdtrWrite refused (no descriptor-table exiting on this CPU)");
	}
	if (HV_RESULT_STATUS(rax) || HV_RESULT_REPS(rax) != 4)
		why_add(&w, "SetVpRegisters of the four from VTL1: RAX 0x%lx", rax);
	/* Read back as VTL1's own (HV_INPUT_VTL 0) and as VTL0's (0x10). */
	for (u8 ivtl = 0; ivtl <= 0x10; ivtl += 0x10) {
		const u64 *o = slot()->out;
		if (!cmd(VTL1_CMD_ICPT_GET, ivtl, 0, 0, 0, &w))
			break;
		if (HV_RESULT_STATUS(o[0]) || o[1] != control || o[2] != 0 || o[3] != CR4_SMEP ||
		    o[4] != 0)
			why_add(&w,
				"GetVpRegisters (HV_INPUT_VTL 0x%x): RAX 0x%lx control 0x%lx "
				"CR0 0x%lx CR4 0x%lx MISC 0x%lx",
				ivtl, o[0], o[1], o[2], o[3], o[4]);
	}
	report_result("vsm.intercept.setup", !w.count, "%s", w.buf);
}

static void check_refused(void)
{
	struct why w = { 0 };
	u32 name = HV_REG_CR_INTERCEPT_CONTROL;
	u64 val = ICPT_LSTAR_WRITE, got = 0, rax;
	const u64 *o = slot()->out;

	/* VTL0 may neither set nor read them (only a higher VTL locks a lower one). */
	for (u8 ivtl = 0; ivtl <= 0x10; ivtl += 0x10) {
		rax = vsm_set_regs(&xc.s->v, ivtl, &name, &val, 1);
		if (HV_RESULT_STATUS(rax) != HV_STATUS_ACCESS_DENIED)
			why_add(&w, "VTL0 SetVpRegisters (HV_INPUT_VTL 0x%x): RAX 0x%lx", ivtl,
				rax);
	}
	rax = vsm_get_regs(&xc.s->v, 0, &name, 1, &got);
	if (HV_RESULT_STATUS(rax) != HV_STATUS_ACCESS_DENIED)
		why_add(&w, "VTL0 GetVpRegisters: RAX 0x%lx", rax);
	/* Nor write its own locked LSTAR through SetVpRegisters (no way around the lock). */
	u64 lstar = cpu_rdmsr(MSR_LSTAR);
	name = HV_REG_LSTAR;
	val = 0xfffff80000def000ull;
	rax = vsm_set_regs(&xc.s->v, 0, &name, &val, 1);
	if (HV_RESULT_STATUS(rax) != HV_STATUS_ACCESS_DENIED || cpu_rdmsr(MSR_LSTAR) != lstar)
		why_add(&w, "VTL0 SetVpRegisters of its own locked LSTAR: RAX 0x%lx, LSTAR 0x%lx",
			rax, cpu_rdmsr(MSR_LSTAR));
	report_result("vsm.intercept.vtl0_denied", !w.count, "%s", w.buf);

	/* VTL1: a read intercept, SGX launch control: INVALID_PARAMETER at the 4th element. */
	struct why b = { 0 };
	static const u64 bad[] = { ICPT_LSTAR_READ, ICPT_SGX_LAUNCH_CONTROL_WRITE, BIT(40) };
	u64 control = ICPT_CR4_WRITE | ICPT_LSTAR_WRITE | (xc.tables ? ICPT_IDTR_WRITE : 0);
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
		rax = lock(control | bad[i], CR4_SMEP, 0, &b);
		if (HV_RESULT_STATUS(rax) != HV_STATUS_INVALID_PARAMETER ||
		    HV_RESULT_REPS(rax) != 3)
			why_add(&b, "control 0x%lx: RAX 0x%lx (want status 5, 3 reps)",
				control | bad[i], rax);
	}
	if (cmd(VTL1_CMD_ICPT_GET, 0, 0, 0, 0, &b) && o[1] != control)
		why_add(&b, "control 0x%lx after the refusals, want 0x%lx", o[1], control);
	report_result("vsm.intercept.bad_bits", !b.count, "%s", b.buf);
}

static void check_cr4(void)
{
	struct why w = { 0 };
	u64 cr4 = read_cr4(), at = 0, next = 0;

	if (cr4 & CR4_SMEP) {
		report_skip("vsm.intercept.cr4", "CR4.SMEP is set already (0x%lx)", cr4);
		return;
	}
	policy(VTL1_ICPT_GP, 0);
	bool ok = vt0_try_write_cr4(cr4 | CR4_SMEP, &at, &next);
	if (ok)
		why_add(&w, "the MOV to CR4 completed (no #GP)");
	else if (vt0_gp_rip() != at)
		why_add(&w, "#GP at 0x%lx, want the MOV at 0x%lx", vt0_gp_rip(), at);
	if (read_cr4() != cr4)
		why_add(&w, "CR4 0x%lx, want 0x%lx unchanged", read_cr4(), cr4);
	if (icpt()->count != 1)
		why_add(&w, "%u intercept messages, want 1", icpt()->count);
	check_message(&w, HVMSG_REGISTER_INTERCEPT, at, next);
	if (pl32(icpt()->payload, 0x2c) != HV_REG_CR4 ||
	    pl64(icpt()->payload, 0x30) != (cr4 | CR4_SMEP) || icpt()->payload[0x28] != 0)
		why_add(&w, "register 0x%x value 0x%lx flags 0x%x (want CR4 0x%lx, not memory)",
			pl32(icpt()->payload, 0x2c), pl64(icpt()->payload, 0x30),
			icpt()->payload[0x28], cr4 | CR4_SMEP);
	if (HV_RESULT_STATUS(icpt()->resolve_rax))
		why_add(&w, "VTL1's PendingEvent0: RAX 0x%lx", icpt()->resolve_rax);
	report_result("vsm.intercept.cr4", !w.count, "%s", w.buf);

	/* A bit outside the mask: no exit at all, no message, it takes effect. */
	struct why u = { 0 };
	policy(VTL1_ICPT_GP, 0);
	if (!vt0_try_write_cr4(cr4 ^ CR4_PCE, &at, &next) || read_cr4() != (cr4 ^ CR4_PCE))
		why_add(&u, "toggling PCE: CR4 0x%lx, want 0x%lx", read_cr4(), cr4 ^ CR4_PCE);
	if (!vt0_try_write_cr4(cr4, &at, &next) || read_cr4() != cr4)
		why_add(&u, "back: CR4 0x%lx, want 0x%lx", read_cr4(), cr4);
	if (icpt()->count)
		why_add(&u, "%u intercept messages, want none", icpt()->count);
	report_result("vsm.intercept.cr4_unwatched", !u.count, "%s", u.buf);
}

/* WRMSR LSTAR with VTL1 emulating: false (w says why) when it did not end as wanted. */
static bool lstar_write(u64 val, u32 messages, struct why *w, u64 *at, u64 *next)
{
	if (!vt0_try_wrmsr_at(MSR_LSTAR, val, at, next))
		why_add(w, "WRMSR LSTAR 0x%lx: #GP", val);
	if (cpu_rdmsr(MSR_LSTAR) != val)
		why_add(w, "LSTAR 0x%lx after writing 0x%lx", cpu_rdmsr(MSR_LSTAR), val);
	if (icpt()->count != messages)
		why_add(w, "%u intercept messages, want %u", icpt()->count, messages);
	return !w->count;
}

static void check_lstar(void)
{
	struct why w = { 0 };
	u64 orig = cpu_rdmsr(MSR_LSTAR), val = 0xfffff80012345000ull, at = 0, next = 0;

	policy(VTL1_ICPT_EMULATE, 0);
	lstar_write(val, 1, &w, &at, &next);
	check_message(&w, HVMSG_MSR_INTERCEPT, at, next);
	const u8 *p = icpt()->payload;
	/* RDX and RAX as the registers are: WRMSR takes their low halves. */
	if (pl32(p, 0x28) != MSR_LSTAR || (u32)pl64(p, 0x30) != val >> 32 ||
	    (u32)pl64(p, 0x38) != (u32)val)
		why_add(&w, "MSR 0x%x RDX 0x%lx RAX 0x%lx", pl32(p, 0x28), pl64(p, 0x30),
			pl64(p, 0x38));
	if (HV_RESULT_STATUS(icpt()->resolve_rax) || HV_RESULT_REPS(icpt()->resolve_rax) != 2)
		why_add(&w, "VTL1's SetVpRegisters: RAX 0x%lx", icpt()->resolve_rax);
	policy(VTL1_ICPT_EMULATE, 0);
	lstar_write(orig, 1, &w, &at, &next);
	report_result("vsm.intercept.lstar", !w.count, "%s", w.buf);

	/* VTL1 leaves the first one alone: VTL0 runs the WRMSR again and intercepts again. */
	struct why r = { 0 };
	policy(VTL1_ICPT_EMULATE, 1);
	lstar_write(val, 2, &r, &at, &next);
	if (icpt()->rip[0] != at || icpt()->rip[1] != at)
		why_add(&r, "message RIPs 0x%lx and 0x%lx, want the WRMSR at 0x%lx twice",
			icpt()->rip[0], icpt()->rip[1], at);
	policy(VTL1_ICPT_EMULATE, 0);
	lstar_write(orig, 1, &r, &at, &next);
	report_result("vsm.intercept.lstar_again", !r.count, "%s", r.buf);
}

static bool dtr_equal(struct vt0_dtr a, struct vt0_dtr b)
{
	return a.limit == b.limit && a.base == b.base;
}

static void check_idtr(void)
{
	struct why w = { 0 };
	struct vt0_dtr old = vt0_idtr_now(), copy = { old.limit, (u64)idt_copy };
	u64 at = 0, next = 0;

	if (!xc.tables) {
		report_skip("vsm.intercept.idtr", "no descriptor-table exiting on this CPU");
		report_skip("vsm.intercept.idtr_refused",
			    "no descriptor-table exiting on this CPU");
		report_skip("vsm.intercept.tables_emulated",
			    "no descriptor-table exiting on this CPU");
		return;
	}
	if (old.limit >= sizeof(idt_copy)) {
		report_fail("vsm.intercept.idtr", "the IDT's limit 0x%x is beyond the copy",
			    old.limit);
		return;
	}
	__builtin_memcpy(idt_copy, (const void *)old.base, old.limit + 1u);
	policy(VTL1_ICPT_EMULATE, 0);
	if (!vt0_try_lidt(&copy, &at, &next))
		why_add(&w, "LIDT: #GP");
	if (!dtr_equal(vt0_idtr_now(), copy))
		why_add(&w, "IDTR 0x%lx/0x%x after LIDT, want 0x%lx/0x%x", vt0_idtr_now().base,
			vt0_idtr_now().limit, copy.base, copy.limit);
	if (icpt()->count != 1)
		why_add(&w, "%u intercept messages, want 1", icpt()->count);
	check_message(&w, HVMSG_REGISTER_INTERCEPT, at, next);
	/* HV_X64_TABLE_REGISTER: the limit in 63:48 of the first half, the base after. */
	const u8 *p = icpt()->payload;
	if (pl32(p, 0x2c) != HV_REG_IDTR || pl64(p, 0x30) != (u64)copy.limit << 48 ||
	    pl64(p, 0x38) != copy.base || p[0x28] != 1)
		why_add(&w,
			"register 0x%x value 0x%lx:0x%lx flags 0x%x (want IDTR, limit<<48, "
			"base, a memory operand)",
			pl32(p, 0x2c), pl64(p, 0x30), pl64(p, 0x38), p[0x28]);
	policy(VTL1_ICPT_EMULATE, 0);
	vt0_try_lidt(&old, &at, &next);
	if (!dtr_equal(vt0_idtr_now(), old) || icpt()->count != 1)
		why_add(&w, "back: IDTR 0x%lx, %u messages", vt0_idtr_now().base, icpt()->count);
	report_result("vsm.intercept.idtr", !w.count, "%s", w.buf);

	struct why r = { 0 };
	policy(VTL1_ICPT_GP, 0);
	if (vt0_try_lidt(&copy, &at, &next))
		why_add(&r, "LIDT completed (no #GP)");
	else if (vt0_gp_rip() != at)
		why_add(&r, "#GP at 0x%lx, want the LIDT at 0x%lx", vt0_gp_rip(), at);
	if (!dtr_equal(vt0_idtr_now(), old) || icpt()->count != 1)
		why_add(&r, "IDTR 0x%lx (want 0x%lx unchanged), %u messages (want 1)",
			vt0_idtr_now().base, old.base, icpt()->count);
	report_result("vsm.intercept.idtr_refused", !r.count, "%s", r.buf);

	/* Descriptor-table exiting is on: the stores and an LGDT (GDTR is not locked) are
	 * done by the hypervisor, as the CPU would; nothing goes to VTL1. */
	struct why t = { 0 };
	u16 ldtr, tr;
	policy(VTL1_ICPT_GP, 0);
	u64 e0 = exits_now();
	for (u32 i = 0; i < SIDTS; i++)
		(void)vt0_idtr_now();
	u64 exits = exits_now() - e0 - 1;
	struct vt0_dtr gdtr = vt0_gdtr_now();
	__asm__ volatile("sldt %0\n\tstr %1" : "=r"(ldtr), "=r"(tr));
	__asm__ volatile("lgdt %0" ::"m"(gdtr) : "memory");
	rip_rel_dtr = (struct vt0_dtr){ 0, 0 };
	__asm__ volatile("sidt rip_rel_dtr(%%rip)" ::: "memory");
	if (!dtr_equal(rip_rel_dtr, xc.idtr0))
		why_add(&t, "SIDT to a RIP-relative operand stored 0x%lx/0x%x", rip_rel_dtr.base,
			rip_rel_dtr.limit);
	if (exits < SIDTS)
		why_add(&t, "%lu VM exits for %u SIDTs (descriptor-table exiting off?)", exits,
			SIDTS);
	if (!dtr_equal(vt0_idtr_now(), xc.idtr0) || !dtr_equal(gdtr, xc.gdtr0) ||
	    !dtr_equal(vt0_gdtr_now(), xc.gdtr0) || ldtr != xc.ldtr0 || tr != xc.tr0)
		why_add(&t,
			"SIDT 0x%lx SGDT 0x%lx/0x%x SLDT 0x%x STR 0x%x, want 0x%lx 0x%lx/0x%x "
			"0x%x 0x%x",
			vt0_idtr_now().base, gdtr.base, gdtr.limit, ldtr, tr, xc.idtr0.base,
			xc.gdtr0.base, xc.gdtr0.limit, xc.ldtr0, xc.tr0);
	if (icpt()->count)
		why_add(&t, "%u intercept messages, want none", icpt()->count);
	report_result("vsm.intercept.tables_emulated", !t.count, "%s", t.buf);
}

/* VTL1 writes its own LSTAR and CR4.TSD (PRIVATE_SET, PRIVATE_CHECK): never intercepted. */
static void check_vtl1_own(void)
{
	struct why w = { 0 };

	policy(VTL1_ICPT_GP, 0);
	if (cmd(VTL1_CMD_PRIVATE_SET, 0, 0, 0, 0, &w) && slot()->out[VTL1_OUT_FAULTS])
		why_add(&w, "PRIVATE_SET: MSR writes #GP'd (0x%lx)", slot()->out[VTL1_OUT_FAULTS]);
	if (cmd(VTL1_CMD_PRIVATE_CHECK, 0, 0, 0, 0, &w) && slot()->out[VTL1_OUT_BAD])
		why_add(&w, "PRIVATE_CHECK: not VTL1's (0x%lx)", slot()->out[VTL1_OUT_BAD]);
	if (icpt()->count)
		why_add(&w, "%u intercept messages, want none", icpt()->count);
	report_result("vsm.intercept.vtl1_own", !w.count, "%s", w.buf);
}

/* VTL1 unlocks everything, naming VTL0 (HV_INPUT_VTL 0x10): the same writes go through. */
static void check_unlocked(void)
{
	struct why w = { 0 };
	u64 orig = cpu_rdmsr(MSR_LSTAR), at, next, rax;

	rax = lock(0, 0, 0x10, &w);
	if (HV_RESULT_STATUS(rax) || HV_RESULT_REPS(rax) != 4)
		why_add(&w, "unlocking: RAX 0x%lx", rax);
	policy(VTL1_ICPT_GP, 0);
	if (!vt0_try_wrmsr_at(MSR_LSTAR, 0xfffff80000abc000ull, &at, &next) ||
	    cpu_rdmsr(MSR_LSTAR) != 0xfffff80000abc000ull)
		why_add(&w, "LSTAR 0x%lx after the write", cpu_rdmsr(MSR_LSTAR));
	vt0_try_wrmsr_at(MSR_LSTAR, orig, &at, &next);
	if (xc.tables) {
		struct vt0_dtr copy = { xc.idtr0.limit, (u64)idt_copy };
		u64 e0 = exits_now();
		for (u32 i = 0; i < SIDTS; i++)
			(void)vt0_idtr_now();
		u64 exits = exits_now() - e0 - 1;
		if (exits >= SIDTS)
			why_add(&w, "%lu VM exits for %u SIDTs: descriptor-table exiting still on",
				exits, SIDTS);
		if (!vt0_try_lidt(&copy, &at, &next) || !dtr_equal(vt0_idtr_now(), copy))
			why_add(&w, "LIDT of the copy did not take");
		vt0_try_lidt(&xc.idtr0, &at, &next);
	}
	if (icpt()->count)
		why_add(&w, "%u intercept messages, want none", icpt()->count);
	report_result("vsm.intercept.unlocked", !w.count, "%s", w.buf);
}

void vt0_vsm_check_intercepts(struct vsm_state *s)
{
	struct why w = { 0 };
	u64 base = 0;

	__builtin_memset(&xc, 0, sizeof(xc));
	xc.s = s;
	xc.vp = s->vp;
	xc.idtr0 = vt0_idtr_now();
	xc.gdtr0 = vt0_gdtr_now();
	__asm__ volatile("sldt %0\n\tstr %1" : "=r"(xc.ldtr0), "=r"(xc.tr0));
	/* VTL1's handler EOIs through its x2APIC (vsm.irq.apic_setup turned it on): without
	 * that, its SINT0 would stay in service and VTL0 would wait at the first intercept
	 * for good. */
	if (!cmd(VTL1_CMD_READ_APIC, VTL1_MSR_APIC_BASE, 0, 0, 0, &w) ||
	    !((base = slot()->out[0]) & VTL1_APIC_BASE_EXTD)) {
		why_add(&w, "not run: VTL1's APIC is not in x2APIC mode (APIC_BASE 0x%lx)", base);
		vt0_vsm_rest("vsm.intercept.setup", "vsm.intercept.unlocked", false, w.buf);
		return;
	}
	check_setup();
	check_refused();
	check_cr4();
	check_lstar();
	check_idtr();
	check_vtl1_own();
	check_unlocked();
	report_info("vsm: VTL1 saw %u spurious SINT0 interrupt(s), wrote EOM %u time(s)",
		    icpt()->spurious, icpt()->eoms);
}
