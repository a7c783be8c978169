// SPDX-License-Identifier: MIT
/*
 * Part of check group vsm: VTL1's own local APIC and interrupts into VTL1 (TLFS: each VTL
 * has its own local APIC, active only while that VTL runs; reference 3.4, 3.10; docs/VSM.md).
 * Runs once VTL1 is enabled on every VP. What the checks want from the hypervisor:
 *  - VTL1's APIC comes up like a reset APIC (IA32_APIC_BASE 0xFEE00000 | EN | BSP on VP 0,
 *    xAPIC mode: the x2APIC MSRs #GP), software-enabled (SVR 0x1FF); VTL1 turns x2APIC on
 *    through APIC_BASE and has its own ID (the VP's APIC ID), VER, LDR, TPR, PPR, ISR, IRR,
 *    EOI, ICR, SELF IPI and LVT timer (one-shot, periodic, masked) at the APIC frequency
 *    HV_X64_MSR_APIC_FREQUENCY gives. None of it reaches VTL0's APIC.
 *  - An interrupt for VTL1 that VTL1's TPR does not mask makes the VP enter VTL1 at once,
 *    whether VTL0 runs (with IF clear, even) or halts: EntryReason 2, VtlReturnX64Rax/Rcx
 *    = VTL0's RAX/RCX at that moment, VTL1 resumed after its last VtlReturn's VMCALL, every
 *    GPR as VTL0 had it; the interrupt is delivered through VTL1's IDT once VTL1's IF
 *    allows. VTL1's normal VtlReturn gives VTL0 its state back exactly; a halted VTL0 stays
 *    halted until an interrupt of its own. A pending unmasked interrupt after a VtlReturn
 *    re-enters VTL1 before VTL0 runs again; a masked one waits for a lower TPR.
 *  - VTL1's ICR reaches VTL1 only (fixed, physical destination, self / all / all-but-self);
 *    HvCallSendSyntheticClusterIpi(Ex) with HV_INPUT_VTL crosses VTLs both ways.
 * The VTL1 side is tests/guests/vtl1/irq.c. Every wait is bounded (TSC or iterations);
 * a VTL1 vector that lands in VTL0 is counted and EOI'd, not fatal.
 *
 * The other VP takes part through an agent: once its own vsm.ap round trips are done, the
 * AP procedure of vsm_mp_check.c stays here serving the BSP's requests (a VTL call, a spin
 * with known registers, an MSR read) until vt0_vsm_irq_release. The firmware cannot run
 * anything on it any more: VTL1 is enabled there, INIT and SIPI are dropped.
 */
#include <efi.h>
#include <efilib.h>

#include "lib/printf.h"
#include "tests/guests/report.h"
#include "tests/guests/vsm_check.h"

#define RFLAGS_IF BIT(9)
#define HV_MSR_TIME_REF_COUNT 0x40000020u
#define HV_MSR_TSC_FREQUENCY 0x40000022u
#define HV_MSR_APIC_FREQUENCY 0x40000023u
#define HV_MSR_STIMER0_CONFIG 0x400000b0u
#define HV_MSR_STIMER0_COUNT 0x400000b1u
#define STIMER_ENABLE BIT(0)
#define STIMER_DIRECT(vec) (BIT(12) | ((u64)(vec) << 4))
#define HV_INPUT_VTL(vtl) (HV_INPUT_VTL_USE_TARGET | (vtl))
#define HV_GENERIC_SET_SPARSE_4K 0
#define HV_GENERIC_SET_ALL 1
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

/* VTL0's own vectors: woken by VTL1 (cross-VTL IPI), its safety net (synthetic timer). */
#define VT0_VEC_WAKE 0xd2
#define VT0_VEC_SAFETY 0xd3
/* VTL0's handler slots: 0-2 VTL1's vectors (strays), then these two. */
#define HIT_WAKE VTL1_VEC_COUNT
#define HIT_SAFETY (VTL1_VEC_COUNT + 1)
#define HITS (VTL1_VEC_COUNT + 2)

/* Bounds. The TSC runs at about 10 MHz in Bochs, ~1 tick per emulated instruction. */
#define SPIN_BUDGET 4000000ull	 /* iterations of vsm_spin (~5 instructions each) */
#define AGENT_WAIT 200000000ull	 /* TSC ticks for the agent to answer */
#define AGENT_IDLE 600000000ull	 /* the agent leaves after this long without a request */
#define ONESHOT_COUNT 20000u	 /* APIC timer counts (divide by 1): 2 ms */
#define PERIOD_COUNT 20000u	 /* 2 ms */
#define HALT_PERIOD_COUNT 30000u /* 3 ms: VTL0 is halted long before the first tick */
#define MASKED_COUNT 5000u	 /* 0.5 ms */
#define PERIODIC_TICKS 5u	 /* ticks the periodic check waits for */
#define SAFETY_100NS 500000ull	 /* VTL0's safety timer: 50 ms */
#define HALT_BUDGET 16		 /* HLTs the halted check allows */
#define STRESS_IPIS 1000u	 /* cross-VTL IPIs of vsm.irq.stress */
#define CPUID_VTLVISOR_EXITS 0x40000102u

/* ---- VTL0's handlers: VTL1's vectors if they ever land here, and VTL0's own two ---- */

static volatile u64 vt0_hits[HITS] __attribute__((used));
static volatile u64 vt0_hit_tsc[HITS] __attribute__((used));
void vsm_irq_vt0_e0(void);
void vsm_irq_vt0_e1(void);
void vsm_irq_vt0_e2(void);
void vsm_irq_vt0_wake(void);
void vsm_irq_vt0_safety(void);
/* Count, TSC, EOI through the synthetic EOI MSR (whatever mode VTL0's APIC is in). */
__asm__(".text\n"
	"vsm_irq_vt0_e0:\n	push %rax\n	mov $0, %eax\n	jmp 1f\n"
	"vsm_irq_vt0_e1:\n	push %rax\n	mov $1, %eax\n	jmp 1f\n"
	"vsm_irq_vt0_e2:\n	push %rax\n	mov $2, %eax\n	jmp 1f\n"
	"vsm_irq_vt0_wake:\n	push %rax\n	mov $3, %eax\n	jmp 1f\n"
	"vsm_irq_vt0_safety:\n	push %rax\n	mov $4, %eax\n"
	"1:	push %rcx\n	push %rdx\n	push %rsi\n"
	"	mov %eax, %esi\n"
	"	lea vt0_hits(%rip), %rcx\n"
	"	lock incq (%rcx, %rsi, 8)\n"
	"	rdtsc\n	shl $32, %rdx\n	or %rdx, %rax\n"
	"	lea vt0_hit_tsc(%rip), %rcx\n"
	"	mov %rax, (%rcx, %rsi, 8)\n"
	"	mov $0x40000070, %ecx\n	xor %eax, %eax\n	xor %edx, %edx\n	wrmsr\n"
	"	pop %rsi\n	pop %rdx\n	pop %rcx\n	pop %rax\n	iretq\n");

static const u32 gate_vec[HITS] = { VTL1_VEC_FIRST, VTL1_VEC_FIRST + 1, VTL1_VEC_FIRST + 2,
				    VT0_VEC_WAKE, VT0_VEC_SAFETY };
static void (*const gate_fn[HITS])(void) = { vsm_irq_vt0_e0, vsm_irq_vt0_e1, vsm_irq_vt0_e2,
					     vsm_irq_vt0_wake, vsm_irq_vt0_safety };

/* Installs (or puts back) this CPU's gates. */
static void vt0_gates(struct vt0_idt_gate saved[HITS], bool install)
{
	for (u32 i = 0; i < HITS; i++)
		vt0_idt_gate(gate_vec[i], install ? (u64)gate_fn[i] : 0, &saved[i]);
}

static u64 strays(void)
{
	u64 n = 0;

	for (u32 i = 0; i < VTL1_VEC_COUNT; i++)
		n += vt0_hits[i];
	return n;
}

/* ---- the agent on the other VP ---- */

enum { AG_NONE, AG_EXIT, AG_CALL, AG_SPIN, AG_RDMSR, AG_GATES, AG_FN };

struct vsm_agent {
	volatile u32 seq, ack; /* the BSP's request number; the agent's last one done */
	volatile u32 alive;    /* 1 while the agent serves */
	u32 op;
	u32 vp, apic_id; /* the agent's VP index and APIC ID (CPUID, VTL0's) */
	u64 idt_base;	 /* its IDT */
	bool own_gates;	 /* it installed gates of its own (another IDT than the BSP's) */
	u64 bsp_idt;	 /* AG_GATES: the BSP's IDT base */
	/* AG_CALL: a VTL call with cmd/mode (arguments in the mailbox slot), after *wait_for
	 * became non-zero when wait_for is set. */
	u32 cmd, mode;
	volatile u32 *wait_for;
	bool waited_out;
	struct vsm_regs r;
	struct vsm_spin spin; /* AG_SPIN */
	u32 msr;	      /* AG_RDMSR */
	u64 val;
	void (*fn)(void *); /* AG_FN: fn(arg), for the other check files (vt0_vsm_agent_run) */
	void *arg;
	struct vt0_idt_gate saved[HITS];
};

static struct vsm_agent agents[VTL1_MAX_VPS];

void vt0_vsm_agent(const struct vsm_state *s, u32 vp)
{
	struct vsm_agent *a = &agents[vp];
	u64 t0;
	u32 seq;

	a->vp = vp;
	a->apic_id = cpu_apic_id();
	a->idt_base = vt0_idtr_now().base;
	a->ack = a->seq;
	__atomic_store_n(&a->alive, 1, __ATOMIC_RELEASE);
	for (;;) {
		t0 = cpu_rdtsc();
		while ((seq = __atomic_load_n(&a->seq, __ATOMIC_ACQUIRE)) == a->ack) {
			if (cpu_rdtsc() - t0 > AGENT_IDLE)
				goto out;
			__asm__ volatile("pause" ::: "memory");
		}
		switch (a->op) {
		case AG_EXIT:
			goto out;
		case AG_CALL:
			a->waited_out = false;
			if (a->wait_for) {
				t0 = cpu_rdtsc();
				while (!*a->wait_for && !a->waited_out)
					a->waited_out = cpu_rdtsc() - t0 > AGENT_WAIT / 2;
			}
			vt0_vsm_call(s, vp, a->cmd, a->mode, vt0_vsm_pat(vp, 40), &a->r);
			break;
		case AG_SPIN:
			vsm_spin(&a->spin);
			break;
		case AG_RDMSR:
			a->val = cpu_rdmsr(a->msr);
			break;
		case AG_GATES:
			if (a->idt_base != a->bsp_idt && !a->own_gates) {
				vt0_gates(a->saved, true);
				a->own_gates = true;
			}
			break;
		case AG_FN:
			a->fn(a->arg);
			break;
		default:
			break;
		}
		__atomic_store_n(&a->ack, seq, __ATOMIC_RELEASE);
	}
out:
	if (a->own_gates)
		vt0_gates(a->saved, false);
	a->own_gates = false;
	__atomic_store_n(&a->alive, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&a->ack, a->seq, __ATOMIC_RELEASE);
}

/* ---- the BSP's side ---- */

static struct irq_ctx {
	struct vsm_state *s;
	u32 vp;		     /* the BSP's VP */
	u32 other;	     /* the other VP, or ~0 */
	struct vsm_agent *a; /* its agent, NULL when it has none */
	const char *no_agent;
	bool apic_ok; /* VTL1's APIC is its own: the checks that program it may run */
	char apic_why[96];
	u64 tsc_hz, apic_hz;
	struct vt0_idt_gate saved[HITS];
} ic;

static struct vtl1_cpu *slot(u32 vp)
{
	return &ic.s->v.mb->cpu[vp];
}

static struct vtl1_irq *irq_of(u32 vp)
{
	return &slot(vp)->irq;
}

/* Posts a request to the agent; waits for it when wait. False when it did not answer. */
static bool agent_do(u32 op, bool wait)
{
	struct vsm_agent *a = ic.a;
	u64 t0;

	if (!a)
		return false;
	a->op = op;
	__atomic_store_n(&a->seq, a->seq + 1, __ATOMIC_RELEASE);
	if (!wait)
		return true;
	t0 = cpu_rdtsc();
	while (__atomic_load_n(&a->ack, __ATOMIC_ACQUIRE) != a->seq) {
		if (cpu_rdtsc() - t0 > AGENT_WAIT) {
			ic.a = NULL;
			ic.no_agent = "not run: the other VP's agent stopped answering";
			return false;
		}
		__asm__ volatile("pause" ::: "memory");
	}
	return true;
}

static bool agent_wait(void)
{
	struct vsm_agent *a = ic.a;
	u64 t0 = cpu_rdtsc();

	while (a && __atomic_load_n(&a->ack, __ATOMIC_ACQUIRE) != a->seq) {
		if (cpu_rdtsc() - t0 > AGENT_WAIT) {
			ic.a = NULL;
			ic.no_agent = "not run: the other VP's agent stopped answering";
			return false;
		}
		__asm__ volatile("pause" ::: "memory");
	}
	return a != NULL;
}

/* TSC ticks for n APIC timer counts (divide by 1). */
static u64 apic_to_tsc(u64 n)
{
	return n * ic.tsc_hz / ic.apic_hz;
}

/* RFLAGS.IF back as it was in rflags. */
static void if_restore(u64 rflags)
{
	if (rflags & RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
	else
		__asm__ volatile("cli" ::: "memory");
}

/* Waits up to ticks TSC ticks for *watch to leave start, with IF set if sti (else clear). */
static bool wait_change(const volatile u64 *watch, u64 start, u64 ticks, bool sti)
{
	u64 t0 = cpu_rdtsc(), rflags = read_rflags();
	bool changed;

	if_restore(sti ? RFLAGS_IF : 0);
	while (!(changed = *watch != start) && cpu_rdtsc() - t0 < ticks)
		__asm__ volatile("pause" ::: "memory");
	if_restore(rflags);
	return changed;
}

/*
 * One command in VTL1 on VP vp (through the agent for the other VP), fast return, with
 * arguments a[0..3]. Adds to w (prefixed "what") when VTL1 did not finish it, reported an
 * error or an APIC access #GP'd. False when it did not run or did not finish.
 */
static bool cmd(u32 vp, u32 command, const u64 *a, const char *what, struct why *w)
{
	struct vtl1_cpu *c = slot(vp);
	struct vsm_regs r;

	for (u32 i = 0; i < 4; i++)
		c->arg[i] = a ? a[i] : 0;
	if (vp == ic.vp) {
		vt0_vsm_call(ic.s, vp, command, VTL1_RET_FAST, vt0_vsm_pat(vp, 41), &r);
	} else {
		if (!ic.a) {
			why_add(w, "%s: %s", what, ic.no_agent);
			return false;
		}
		ic.a->cmd = command;
		ic.a->mode = VTL1_RET_FAST;
		ic.a->wait_for = NULL;
		if (!agent_do(AG_CALL, true)) {
			why_add(w, "%s: the other VP's agent did not answer", what);
			return false;
		}
	}
	__asm__ volatile("" ::: "memory");
	if (c->ack != c->seq || c->status) {
		why_add(w, "%s: VP %u's VTL1 ack %u seq %u status 0x%x (exception %u at 0x%lx)",
			what, vp, c->ack, c->seq, c->status, c->exc_vector, c->exc_rip);
		return false;
	}
	if (command >= VTL1_CMD_APIC_SETUP && c->out[VTL1_APIC_OUT_FAULTS])
		why_add(w, "%s: #GP in VP %u's VTL1 (fault bits 0x%lx)", what, vp,
			c->out[VTL1_APIC_OUT_FAULTS]);
	return true;
}

static bool cmd4(u32 vp, u32 command, u64 a0, u64 a1, u64 a2, u64 a3, const char *what,
		 struct why *w)
{
	const u64 a[4] = { a0, a1, a2, a3 };

	return cmd(vp, command, a, what, w);
}

/* A spin on VP vp with the registers of pattern n (vt0_vsm_pat), watching *watch. */
static void spin_init(struct vsm_spin *sp, u32 vp, u32 n, const volatile u64 *watch, bool sti)
{
	u64 p = vt0_vsm_pat(vp, n);

	for (u32 i = 0; i < VTL1_GPR_COUNT; i++)
		sp->in[i] = p + i * VSM_PAT_STEP;
	sp->watch = (u64)(uintptr_t)watch;
	sp->start = *watch;
	sp->budget = SPIN_BUDGET;
	sp->sti = sti;
	sp->spinning = 0;
}

/* What GPR i must hold while VTL0 spins (RSP and RBP, the loop's own, are not checked). */
static bool spin_reg_known(u32 i)
{
	return i != VTL1_RSP && i != VTL1_RBP;
}

static u64 spin_reg(const struct vsm_spin *sp, u32 i)
{
	return i == VTL1_RDI ? sp->watch : i == VTL1_RSI ? sp->start : sp->in[i];
}

static const char *const gpr_name[VTL1_GPR_COUNT] = { "RAX", "RCX", "RDX", "RBX", "RSP", "RBP",
						      "RSI", "RDI", "R8",  "R9",  "R10", "R11",
						      "R12", "R13", "R14", "R15" };

/*
 * After a spin that an interrupt for VTL1 ended: the spin saw it (not the budget), VTL0's
 * registers came back, and VP vp's VTL1 was entered once more with EntryReason 2,
 * VtlReturnX64Rax/Rcx = VTL0's RAX/RCX and every GPR as VTL0 had it.
 */
static void check_spin_entry(struct why *w, u32 vp, const struct vsm_spin *sp, u64 entries0,
			     const char *what)
{
	const struct vtl1_irq *q = irq_of(vp);
	u32 bad = 0, first = 0, ebad = 0, efirst = 0;

	if (!sp->out[VTL1_RBP]) {
		why_add(w, "%s: nothing came while VTL0 spun (%llu iterations, IF %u)", what,
			SPIN_BUDGET, (u32)sp->sti);
		return;
	}
	if (sp->out[VTL1_RBP] == sp->budget)
		why_add(w, "%s: VTL1's count moved before VTL0 spun", what);
	for (u32 i = 0; i < VTL1_GPR_COUNT; i++) {
		if (!spin_reg_known(i))
			continue;
		if (sp->out[i] != spin_reg(sp, i) && !bad++)
			first = i;
		if (q->gprs[i] != spin_reg(sp, i) && !ebad++)
			efirst = i;
	}
	if (bad)
		why_add(w, "%s: VTL0 got %u GPR(s) back changed, first %s 0x%lx (was 0x%lx)", what,
			bad, gpr_name[first], sp->out[first], spin_reg(sp, first));
	if ((sp->rflags_after & RFLAGS_IF) != (sp->sti ? RFLAGS_IF : 0))
		why_add(w, "%s: VTL0's RFLAGS 0x%lx after", what, sp->rflags_after);
	if (q->entries != entries0 + 1) {
		why_add(w, "%s: %lu interrupt entries (EntryReason 2) into VP %u's VTL1, want 1",
			what, q->entries - entries0, vp);
		return;
	}
	if (q->ret_rax_in != sp->in[VTL1_RAX] || q->ret_rcx_in != sp->in[VTL1_RCX])
		why_add(w, "%s: VtlReturnX64Rax/Rcx 0x%lx/0x%lx, want VTL0's 0x%lx/0x%lx", what,
			q->ret_rax_in, q->ret_rcx_in, sp->in[VTL1_RAX], sp->in[VTL1_RCX]);
	if (ebad)
		why_add(w,
			"%s: VTL1 entered with %u GPR(s) not VTL0's, first %s 0x%lx (want 0x%lx)",
			what, ebad, gpr_name[efirst], q->gprs[efirst], spin_reg(sp, efirst));
}

/* VTL1's handler and VTL0's stray count since the snapshot. */
struct snap {
	u64 strays, count[VTL1_MAX_VPS][VTL1_VEC_COUNT], entries[VTL1_MAX_VPS];
	u64 handled[VTL1_MAX_VPS];
	u32 fatal[VTL1_MAX_VPS], faults[VTL1_MAX_VPS];
};

static void snap_take(struct snap *n)
{
	n->strays = strays();
	for (u32 vp = 0; vp < ic.s->v.vps; vp++) {
		for (u32 i = 0; i < VTL1_VEC_COUNT; i++)
			n->count[vp][i] = irq_of(vp)->count[i];
		n->entries[vp] = irq_of(vp)->entries;
		n->handled[vp] = irq_of(vp)->handled;
		n->fatal[vp] = slot(vp)->fatal;
		n->faults[vp] = irq_of(vp)->faults;
	}
}

static u64 delta(const struct snap *n, u32 vp, u32 vec)
{
	return irq_of(vp)->count[vec - VTL1_VEC_FIRST] - n->count[vp][vec - VTL1_VEC_FIRST];
}

/* Nothing went astray meanwhile: no VTL1 vector in VTL0, no exception or APIC #GP in VTL1. */
static void snap_check(struct why *w, const struct snap *n)
{
	if (strays() != n->strays)
		why_add(w, "%lu interrupt(s) with a VTL1 vector arrived in VTL0",
			strays() - n->strays);
	for (u32 vp = 0; vp < ic.s->v.vps; vp++) {
		if (slot(vp)->fatal != n->fatal[vp])
			why_add(w, "VP %u: an exception in VTL1 (vector %u at 0x%lx)", vp,
				slot(vp)->exc_vector, slot(vp)->exc_rip);
		if (irq_of(vp)->faults != n->faults[vp])
			why_add(w,
				"VP %u: VTL1's handler got #GP (bits 0x%x: 1 ISR read, 2 EOI, 4 "
				"timer stop)",
				vp, irq_of(vp)->faults);
	}
}

static bool not_run_apic(const char *name)
{
	if (ic.apic_ok)
		return false;
	report_fail(name, "%s", ic.apic_why);
	return true;
}

/* The checks that need the other VP: SKIP with one CPU, FAIL when its agent is missing. */
static bool not_run_other(const char *name)
{
	if (ic.other == ~0u) {
		report_skip(name, "one CPU: no other VP");
		return true;
	}
	if (!ic.a) {
		report_fail(name, "%s", ic.no_agent);
		return true;
	}
	return false;
}

/* ---- 1. VTL1's APIC as it comes up, and in x2APIC mode ---- */

/* The image's own gates and handler for its vectors (INT n in VTL1, no APIC involved): a
 * check of the test itself, so that a failure below is not taken for the hypervisor's. */
static void check_vtl1_idt(void)
{
	const struct vtl1_cpu *c = slot(ic.vp);
	struct snap n;
	struct why w = { 0 };

	snap_take(&n);
	for (u32 i = 0; i < VTL1_VEC_COUNT; i++) {
		if (!cmd4(ic.vp, VTL1_CMD_SOFT_INT, VTL1_VEC_FIRST + i, 0, 0, 0, "SOFT_INT", &w))
			continue;
		if (c->out[2] || delta(&n, ic.vp, VTL1_VEC_FIRST + i) != 1)
			why_add(&w, "INT 0x%x in VTL1: %lu handler run(s)", VTL1_VEC_FIRST + i,
				delta(&n, ic.vp, VTL1_VEC_FIRST + i));
	}
	if (irq_of(ic.vp)->handled - n.handled[ic.vp] != VTL1_VEC_COUNT)
		why_add(&w, "%lu handler runs, want %u", irq_of(ic.vp)->handled - n.handled[ic.vp],
			VTL1_VEC_COUNT);
	snap_check(&w, &n);
	report_result("vsm.irq.vtl1_idt", !w.count, "%s", w.buf);
}

static u64 base_want(u32 vp)
{
	return VTL1_APIC_BASE_DEFAULT | VTL1_APIC_BASE_EN | (vp == 0 ? VTL1_APIC_BASE_BSP : 0);
}

static void check_before_setup(void)
{
	const u64 *o = slot(ic.vp)->out;
	struct why w = { 0 };

	if (cmd4(ic.vp, VTL1_CMD_READ_APIC, VTL1_MSR_APIC_BASE, VTL1_X2APIC_ID, 0, 0, "READ_APIC",
		 &w)) {
		if (o[1])
			why_add(&w, "RDMSR APIC_BASE #GP in VTL1");
		else if (o[0] != base_want(ic.vp))
			why_add(&w, "VTL1's APIC_BASE 0x%lx, want 0x%lx (xAPIC, enabled%s)", o[0],
				base_want(ic.vp), ic.vp == 0 ? ", BSP" : "");
		if (!o[3])
			why_add(&w, "RDMSR 0x802 (x2APIC ID) in xAPIC mode gave 0x%lx, want #GP",
				o[2]);
	}
	report_result("vsm.irq.apic_before_setup", !w.count, "%s", w.buf);
}

/* IA32_APIC_BASE of VTL0 on VP vp (the agent's for the other VP); false if none. */
static bool vtl0_apic_base(u32 vp, u64 *val)
{
	if (vp == ic.vp)
		return vt0_try_rdmsr(VTL1_MSR_APIC_BASE, val);
	ic.a->msr = VTL1_MSR_APIC_BASE;
	if (!agent_do(AG_RDMSR, true))
		return false;
	*val = ic.a->val;
	return true;
}

/* APIC_SETUP on VP vp; *leaked when VTL0's own APIC_BASE changed with it. */
static void setup_vp(u32 vp, struct why *w, bool *leaked)
{
	const u64 *o = slot(vp)->out;
	u64 mine = 0, after = 0, id = vp == ic.vp ? cpu_apic_id() : ic.a->apic_id;
	u64 ldr = ((id & 0xffff0) << 12) | (1ull << (id & 0xf)), ver;
	struct why v = { 0 }, d = { 0 };
	bool ran;

	if (!vtl0_apic_base(vp, &mine)) {
		why_add(w, "VP %u: the agent did not answer", vp);
		return;
	}
	ran = cmd(vp, VTL1_CMD_APIC_SETUP, NULL, "APIC_SETUP", &d);
	if (!vtl0_apic_base(vp, &after)) {
		why_add(w, "VP %u: the agent did not answer", vp);
		return;
	}
	if (after != mine) {
		*leaked = true;
		why_add(&v, "VTL0's own APIC_BASE went from 0x%lx to 0x%lx", mine, after);
	}
	if (ran) {
		if (o[VTL1_APIC_BASE_FOUND] != base_want(vp))
			why_add(&d, "APIC_BASE 0x%lx at first, want 0x%lx", o[VTL1_APIC_BASE_FOUND],
				base_want(vp));
		if (o[VTL1_APIC_BASE] != (base_want(vp) | VTL1_APIC_BASE_EXTD))
			why_add(&d, "APIC_BASE 0x%lx after the x2APIC switch", o[VTL1_APIC_BASE]);
		if (o[VTL1_APIC_ID] != id)
			why_add(&d, "ID 0x%lx, want the VP's APIC ID 0x%lx", o[VTL1_APIC_ID], id);
		ver = o[VTL1_APIC_VER];
		if ((ver & 0xff) < 0x10 || (ver & 0xff) > 0x15 || ((ver >> 16) & 0xff) < 5)
			why_add(&d, "VER 0x%lx (want an integrated APIC, 0x10-0x15, max LVT >= 5)",
				ver);
		if (o[VTL1_APIC_LDR] != ldr)
			why_add(&d, "LDR 0x%lx, want 0x%lx (from the x2APIC ID)", o[VTL1_APIC_LDR],
				ldr);
		if (o[VTL1_APIC_SVR_FOUND] != VTL1_SVR_RESET || o[VTL1_APIC_SVR] != VTL1_SVR_RESET)
			why_add(&d,
				"SVR 0x%lx as it came up, 0x%lx after writing 0x1ff (want 0x1ff)",
				o[VTL1_APIC_SVR_FOUND], o[VTL1_APIC_SVR]);
		if (o[VTL1_APIC_TPR] || o[VTL1_APIC_PPR])
			why_add(&d, "TPR 0x%lx PPR 0x%lx, want 0", o[VTL1_APIC_TPR],
				o[VTL1_APIC_PPR]);
		if (o[VTL1_APIC_LVT_TIMER] != VTL1_LVT_MASKED)
			why_add(&d, "LVT timer 0x%lx, want 0x10000 (reset: masked)",
				o[VTL1_APIC_LVT_TIMER]);
	}
	if (d.count)
		why_add(&v, "%s", d.buf);
	if (v.count)
		why_add(w, "VP %u: %s", vp, v.buf);
}

/* The other VP first: if VTL1's x2APIC switch reaches VTL0's APIC, the BSP's stays as the
 * firmware has it. */
static void check_setup(void)
{
	struct why w = { 0 };
	bool leaked = false;

	if (ic.a)
		setup_vp(ic.other, &w, &leaked);
	else if (ic.other != ~0u)
		why_add(&w, "VP %u: %s", ic.other, ic.no_agent);
	if (!leaked)
		setup_vp(ic.vp, &w, &leaked);
	if (leaked) {
		ic.apic_ok = false;
		snprintf(ic.apic_why, sizeof(ic.apic_why),
			 "not run: VTL1's APIC is VTL0's (VTL1's x2APIC switch reached VTL0)");
	}
	report_result("vsm.irq.apic_setup", !w.count, "%s", w.buf);
}

/* ---- 2. VTL1's timer ---- */

/* READ_APIC of the ISR and IRR words of vector vec and the current count on VP vp. */
static void check_idle_apic(struct why *w, u32 vp, u32 vec, bool ccr_zero, const char *what)
{
	const u64 *o = slot(vp)->out;
	u32 bit = vec % 32;

	if (!cmd4(vp, VTL1_CMD_READ_APIC, VTL1_X2APIC_ISR0 + vec / 32, VTL1_X2APIC_IRR0 + vec / 32,
		  VTL1_X2APIC_TIMER_CCR, 0, what, w))
		return;
	if (o[1] || o[3] || o[5])
		why_add(w, "%s: ISR/IRR/CCR read #GP", what);
	else if (((o[0] >> bit) & 1) || ((o[2] >> bit) & 1) || (ccr_zero && o[4]))
		why_add(w, "%s: ISR 0x%lx IRR 0x%lx (vector 0x%x still there?), CCR %lu", what,
			o[0], o[2], vec, o[4]);
}

static void check_timer_running(void)
{
	const char *name = "vsm.irq.timer_preempts_running";
	struct vtl1_irq *q = irq_of(ic.vp);
	const u64 *o = slot(ic.vp)->out;
	struct vsm_spin sp;
	struct snap n;
	struct why w = { 0 };
	u64 due = apic_to_tsc(ONESHOT_COUNT), arm_tsc;

	if (not_run_apic(name))
		return;
	snap_take(&n);
	if (!cmd4(ic.vp, VTL1_CMD_TIMER_ARM, VTL1_VEC_TIMER, ONESHOT_COUNT, VTL1_TIMER_DIV1, 0,
		  "TIMER_ARM", &w)) {
		report_fail(name, "%s", w.buf);
		return;
	}
	arm_tsc = o[VTL1_ARM_TSC];
	if (o[VTL1_ARM_LVT] != VTL1_VEC_TIMER || o[VTL1_ARM_DCR] != VTL1_TIMER_DIV1)
		why_add(&w, "LVT 0x%lx DCR 0x%lx read back", o[VTL1_ARM_LVT], o[VTL1_ARM_DCR]);
	/* VTL0 spins with IF clear: VTL0's IF does not matter (reference 3.10). */
	spin_init(&sp, ic.vp, 50, &q->count[0], false);
	vsm_spin(&sp);
	check_spin_entry(&w, ic.vp, &sp, n.entries[ic.vp], "one-shot");
	/* One-shot: no second tick within three more periods. */
	wait_change(&q->count[0], n.count[ic.vp][0] + 1, 3 * due, false);
	if (delta(&n, ic.vp, VTL1_VEC_TIMER) != 1)
		why_add(&w, "%lu timer interrupts, want 1", delta(&n, ic.vp, VTL1_VEC_TIMER));
	if (delta(&n, ic.vp, VTL1_VEC_TIMER)) {
		if (q->tsc[0] - arm_tsc < due * 9 / 10)
			why_add(&w, "it came %lu TSC ticks after arming, %lu counts take %lu",
				q->tsc[0] - arm_tsc, (u64)ONESHOT_COUNT, due);
		if (!(q->isr[0] & 1))
			why_add(&w, "ISR 0x%x in the handler: vector 0xe0 not in service",
				q->isr[0]);
	}
	check_idle_apic(&w, ic.vp, VTL1_VEC_TIMER, true, "after");
	snap_check(&w, &n);
	if (delta(&n, ic.vp, VTL1_VEC_TIMER))
		report_info("vsm: VTL1's one-shot came %lu TSC ticks after arming (%lu due); its "
			    "handler ran %s",
			    q->tsc[0] - arm_tsc, due,
			    q->window_hits ? "in the entry's STI window" :
					     "at VTL1's resume point");
	report_result(name, !w.count, "%s", w.buf);
}

/*
 * VTL0 halted (PIC masked: only its own vectors wake it; its synthetic timer is the safety
 * net). VTL1's periodic timer ticks twice: at each, VTL1 reads VTL0's RIP (at the HLT); at
 * the second it stops the timer and wakes VTL0 with a cross-VTL IPI. VTL0 must not have
 * left HLT before that.
 */
static void check_timer_halted(void)
{
	const char *name = "vsm.irq.timer_preempts_halted";
	struct vtl1_irq *q = irq_of(ic.vp);
	struct vsm_halt h = { 0 };
	struct snap n;
	struct why w = { 0 };
	u64 hlt = (u64)(uintptr_t)vsm_hlt_insn, period = apic_to_tsc(HALT_PERIOD_COUNT);
	u64 p = vt0_vsm_pat(ic.vp, 51), ticks, rflags;
	u8 pic1, pic2;

	if (not_run_apic(name))
		return;
	snap_take(&n);
	u64 wake0 = vt0_hits[HIT_WAKE], safety0 = vt0_hits[HIT_SAFETY], now = 0;
	if (!vt0_try_rdmsr(HV_MSR_TIME_REF_COUNT, &now) ||
	    !vt0_try_wrmsr(HV_MSR_STIMER0_CONFIG, 0) ||
	    !vt0_try_wrmsr(HV_MSR_STIMER0_COUNT, now + SAFETY_100NS) ||
	    !vt0_try_wrmsr(HV_MSR_STIMER0_CONFIG, STIMER_ENABLE | STIMER_DIRECT(VT0_VEC_SAFETY))) {
		report_fail(name, "not run: VTL0's synthetic timer 0 (the safety net) refused");
		return;
	}
	if (!cmd4(ic.vp, VTL1_CMD_TIMER_ARM, VTL1_VEC_TIMER | VTL1_LVT_PERIODIC, HALT_PERIOD_COUNT,
		  VTL1_TIMER_DIV1, 2 | VT0_VEC_WAKE << 8 | VTL1_ARM_PROBE, "TIMER_ARM", &w)) {
		vt0_try_wrmsr(HV_MSR_STIMER0_CONFIG, 0);
		report_fail(name, "%s", w.buf);
		return;
	}
	rflags = read_rflags();
	pic1 = inb(PIC1_DATA);
	pic2 = inb(PIC2_DATA);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	__asm__ volatile("sti\n\tnop\n\tnop\n\tcli" ::: "memory"); /* what was on its way */
	h.watch[0] = (u64)(uintptr_t)&vt0_hits[HIT_WAKE];
	h.start[0] = wake0;
	h.watch[1] = (u64)(uintptr_t)&vt0_hits[HIT_SAFETY];
	h.start[1] = safety0;
	h.budget = HALT_BUDGET;
	h.rax = p;
	h.rcx = p + VSM_PAT_STEP;
	vsm_halt(&h);
	outb(PIC2_DATA, pic2);
	outb(PIC1_DATA, pic1);
	if_restore(rflags);
	vt0_try_wrmsr(HV_MSR_STIMER0_CONFIG, 0);
	cmd(ic.vp, VTL1_CMD_TIMER_STOP, NULL, "TIMER_STOP", &w);
	ticks = delta(&n, ic.vp, VTL1_VEC_TIMER);

	if (vt0_hits[HIT_WAKE] == wake0)
		why_add(&w, "VTL0 not woken by VTL1 (%s; %lu HLTs, %lu ticks)",
			vt0_hits[HIT_SAFETY] != safety0 ? "its safety timer after 50 ms" :
							  "HLT budget",
			h.halts, ticks);
	if (ticks != 2)
		why_add(&w, "%lu timer ticks in VTL1, want 2 (the second stops it)", ticks);
	if (q->entries - n.entries[ic.vp] != ticks)
		why_add(&w, "%lu interrupt entries for %lu ticks (VTL0 halted in between)",
			q->entries - n.entries[ic.vp], ticks);
	for (u32 i = 0; i < 2 && i < ticks; i++)
		if (q->tick_vtl0_rip[i] != hlt && q->tick_vtl0_rip[i] != hlt + 1)
			why_add(&w, "tick %u: VTL0's RIP 0x%lx, want its HLT 0x%lx (or after)",
				i + 1, q->tick_vtl0_rip[i], hlt);
	if (ticks && (u16)q->probe_rax)
		why_add(&w, "GetVpRegisters(VTL0 RIP) from VTL1's handler: status 0x%x",
			(u16)q->probe_rax);
	if (ticks >= 2 && q->wake_rax)
		why_add(&w, "the wake (cross-VTL IPI to VTL0) returned 0x%lx", q->wake_rax);
	if (ticks && (q->ret_rax_in != h.rax || q->ret_rcx_in != h.rcx))
		why_add(&w, "VtlReturnX64Rax/Rcx 0x%lx/0x%lx, want VTL0's 0x%lx/0x%lx",
			q->ret_rax_in, q->ret_rcx_in, h.rax, h.rcx);
	if (h.rax_after != h.rax || h.rcx_after != h.rcx)
		why_add(&w, "VTL0's RAX/RCX 0x%lx/0x%lx after, were 0x%lx/0x%lx", h.rax_after,
			h.rcx_after, h.rax, h.rcx);
	/* Between the first tick and the wake VTL0 stays in HLT (reference 3.10). */
	for (u32 i = 0; ticks >= 2 && i < h.halts && i < VSM_HALT_TSCS; i++)
		if (h.tsc[i] > q->tick_tsc[0] && h.tsc[i] < q->wake_tsc) {
			why_add(&w,
				"VTL0 left HLT at TSC %lu, after VTL1's tick at %lu, before the "
				"wake at %lu",
				h.tsc[i], q->tick_tsc[0], q->wake_tsc);
			break;
		}
	if (ticks >= 2 && q->tick_tsc[1] - q->tick_tsc[0] < period / 2)
		why_add(&w, "ticks %lu TSC ticks apart, the period is %lu",
			q->tick_tsc[1] - q->tick_tsc[0], period);
	snap_check(&w, &n);
	report_result(name, !w.count, "%s", w.buf);
}

static void check_timer_periodic(void)
{
	const char *name = "vsm.irq.timer_periodic";
	struct vtl1_irq *q = irq_of(ic.vp);
	const u64 *o = slot(ic.vp)->out;
	u64 period = apic_to_tsc(PERIOD_COUNT), ticks, entries;
	struct vsm_spin sp;
	struct snap n;
	struct why w = { 0 };
	u32 i;

	if (not_run_apic(name))
		return;
	snap_take(&n);
	if (!cmd4(ic.vp, VTL1_CMD_TIMER_ARM, VTL1_VEC_TIMER | VTL1_LVT_PERIODIC, PERIOD_COUNT,
		  VTL1_TIMER_DIV1, 0, "TIMER_ARM", &w)) {
		report_fail(name, "%s", w.buf);
		return;
	}
	for (i = 0; i < PERIODIC_TICKS && delta(&n, ic.vp, VTL1_VEC_TIMER) < PERIODIC_TICKS; i++) {
		spin_init(&sp, ic.vp, 52, &q->count[0], true);
		vsm_spin(&sp);
		if (!sp.out[VTL1_RBP])
			break;
	}
	cmd(ic.vp, VTL1_CMD_TIMER_STOP, NULL, "TIMER_STOP", &w);
	ticks = delta(&n, ic.vp, VTL1_VEC_TIMER);
	entries = q->entries - n.entries[ic.vp];
	if (!(o[VTL1_STOP_LVT] & VTL1_LVT_PERIODIC) ||
	    (o[VTL1_STOP_LVT] & 0xff) != VTL1_VEC_TIMER || !o[VTL1_STOP_CCR] ||
	    o[VTL1_STOP_CCR] > PERIOD_COUNT || o[VTL1_STOP_CCR_AFTER])
		why_add(&w, "at TIMER_STOP: LVT 0x%lx, CCR %lu (want 1-%u: it reloads), %lu after",
			o[VTL1_STOP_LVT], o[VTL1_STOP_CCR], PERIOD_COUNT, o[VTL1_STOP_CCR_AFTER]);
	if (ticks < PERIODIC_TICKS)
		why_add(&w, "%lu ticks, want %u (VTL0 spun with IF set)", ticks, PERIODIC_TICKS);
	for (i = 1; i < PERIODIC_TICKS && i < ticks; i++)
		if (q->tick_tsc[i] - q->tick_tsc[i - 1] < period / 2)
			why_add(&w, "ticks %u and %u %lu TSC ticks apart, the period is %lu", i,
				i + 1, q->tick_tsc[i] - q->tick_tsc[i - 1], period);
	if (entries < ticks)
		why_add(&w, "%lu interrupt entries for %lu ticks", entries, ticks);
	if (wait_change(&q->count[0], q->count[0], 4 * period, false))
		why_add(&w, "a tick after TIMER_STOP");
	snap_check(&w, &n);
	report_result(name, !w.count, "%s", w.buf);
}

static void check_timer_masked(void)
{
	const char *name = "vsm.irq.timer_masked";
	struct vtl1_irq *q = irq_of(ic.vp);
	struct snap n;
	struct why w = { 0 };

	if (not_run_apic(name))
		return;
	snap_take(&n);
	if (cmd4(ic.vp, VTL1_CMD_TIMER_ARM, VTL1_VEC_TIMER | VTL1_LVT_MASKED, MASKED_COUNT,
		 VTL1_TIMER_DIV1, 0, "TIMER_ARM", &w)) {
		if (wait_change(&q->count[0], q->count[0], 10 * apic_to_tsc(MASKED_COUNT), true))
			why_add(&w, "a masked LVT timer interrupted");
		/* It counted down all the same; nothing is pending (SDM vol.3 10.5.1). */
		check_idle_apic(&w, ic.vp, VTL1_VEC_TIMER, true, "after it expired");
	}
	cmd(ic.vp, VTL1_CMD_TIMER_STOP, NULL, "TIMER_STOP", &w);
	if (q->entries != n.entries[ic.vp])
		why_add(&w, "%lu interrupt entries", q->entries - n.entries[ic.vp]);
	snap_check(&w, &n);
	report_result(name, !w.count, "%s", w.buf);
}

/* ---- 3. TPR, self IPIs ---- */

static void check_tpr(void)
{
	const char *name = "vsm.irq.tpr_masks";
	struct vtl1_cpu *c = slot(ic.vp);
	struct vtl1_irq *q = &c->irq;
	const u64 *o = c->out;
	struct vsm_regs r;
	struct snap n;
	struct why w = { 0 };
	u64 t, i, e;

	if (not_run_apic(name))
		return;
	snap_take(&n);
	u64 cr8_before, cr8_after; /* VTL0's own TPR (CR8 passes through at VTL0) */
	__asm__ volatile("mov %%cr8, %0" : "=r"(cr8_before));
	if (!cmd4(ic.vp, VTL1_CMD_SET_TPR, 0xf0, 0, 0, 0, "SET_TPR 0xf0", &w)) {
		report_fail(name, "%s", w.buf);
		return;
	}
	__asm__ volatile("mov %%cr8, %0" : "=r"(cr8_after));
	if (o[VTL1_TPR] != 0xf0 || o[VTL1_TPR_PPR] != 0xf0)
		why_add(&w, "TPR 0x%lx PPR 0x%lx after writing 0xf0", o[VTL1_TPR], o[VTL1_TPR_PPR]);
	if (cr8_after != cr8_before)
		why_add(&w, "VTL0's CR8 went from 0x%lx to 0x%lx when VTL1 wrote its TPR",
			cr8_before, cr8_after);
	cmd4(ic.vp, VTL1_CMD_SEND_IPI, VTL1_ICR_SELF | VTL1_VEC_IPI, 0, 0, 0, "self IPI", &w);
	cmd4(ic.vp, VTL1_CMD_TIMER_ARM, VTL1_VEC_TIMER, MASKED_COUNT, VTL1_TIMER_DIV1, 0,
	     "TIMER_ARM", &w);
	/* Both come, both stay pending: no VTL1 entry while VTL0 runs. */
	wait_change(&q->entries, q->entries, 20 * apic_to_tsc(MASKED_COUNT), true);
	t = delta(&n, ic.vp, VTL1_VEC_TIMER);
	i = delta(&n, ic.vp, VTL1_VEC_IPI);
	e = q->entries - n.entries[ic.vp];
	if (t || i || e)
		why_add(&w, "with TPR 0xf0: %lu timer and %lu IPI interrupt(s), %lu entries", t, i,
			e);
	if (cmd4(ic.vp, VTL1_CMD_READ_APIC, VTL1_X2APIC_IRR0 + 7, VTL1_X2APIC_PPR, 0, 0,
		 "READ_APIC", &w) &&
	    ((o[0] & 3) != 3 || o[2] != 0xf0))
		why_add(&w, "IRR 0x%lx (want 0xe0 and 0xe1 pending), PPR 0x%lx", o[0], o[2]);
	/* TPR 0: both are delivered at once, when the VtlReturn of this call re-evaluates them
	 * (reference 3.4) or before (VTL1 runs with IF set). */
	c->arg[0] = 0;
	vt0_vsm_call(ic.s, ic.vp, VTL1_CMD_SET_TPR, VTL1_RET_FAST, vt0_vsm_pat(ic.vp, 53), &r);
	t = delta(&n, ic.vp, VTL1_VEC_TIMER);
	i = delta(&n, ic.vp, VTL1_VEC_IPI);
	if (c->ack != c->seq || c->status || c->out[VTL1_APIC_OUT_FAULTS])
		why_add(&w, "SET_TPR 0: ack %u seq %u status 0x%x faults 0x%lx", c->ack, c->seq,
			c->status, c->out[VTL1_APIC_OUT_FAULTS]);
	if (t != 1 || i != 1) {
		wait_change(&q->handled, q->handled, 20 * apic_to_tsc(MASKED_COUNT), true);
		why_add(&w,
			"after TPR 0: %lu timer and %lu IPI interrupt(s) when the call "
			"returned, %lu and %lu a while later (want 1 and 1 at once)",
			t, i, delta(&n, ic.vp, VTL1_VEC_TIMER), delta(&n, ic.vp, VTL1_VEC_IPI));
	}
	vt0_vsm_check_back(&w, &r, 1, VSM_VTL_RETURN_RCX, vt0_vsm_pat(ic.vp, 53), VSM_PAT_STEP);
	snap_check(&w, &n);
	report_result(name, !w.count, "%s", w.buf);
}

/*
 * One IPI VTL1 sends itself (ICR value or SELF IPI vector): pending while VTL1 runs with IF
 * clear, it must re-enter VTL1 right at the fast VtlReturn of the call, before VTL0 runs:
 * VtlReturnX64Rax/Rcx = what the fast return gave VTL0 (1, 0x12).
 */
static void self_ipi(struct why *w, u64 val, bool self_reg, const char *what)
{
	struct vtl1_cpu *c = slot(ic.vp);
	struct vtl1_irq *q = &c->irq;
	u64 n = q->count[1], e = q->entries, p = vt0_vsm_pat(ic.vp, 54);
	struct vsm_regs r;
	struct why v = { 0 };

	c->arg[0] = val;
	c->arg[1] = self_reg;
	vt0_vsm_call(ic.s, ic.vp, VTL1_CMD_SEND_IPI, VTL1_RET_FAST, p, &r);
	u64 got = q->count[1] - n;
	if (c->ack != c->seq || c->status || c->out[VTL1_APIC_OUT_FAULTS])
		why_add(&v, "ack %u seq %u status 0x%x faults 0x%lx", c->ack, c->seq, c->status,
			c->out[VTL1_APIC_OUT_FAULTS]);
	if (got != 1) {
		wait_change(&q->count[1], n + got, apic_to_tsc(ONESHOT_COUNT), true);
		why_add(&v,
			"%lu interrupt(s) when the call returned, %lu a while later (want 1 "
			"at once)",
			got, q->count[1] - n);
	} else if (q->entries != e + 1) {
		why_add(&v, "%lu interrupt entries, want 1", q->entries - e);
	} else {
		if (q->ret_rax_in != 1 || q->ret_rcx_in != VSM_VTL_RETURN_RCX)
			why_add(&v,
				"VtlReturnX64Rax/Rcx 0x%lx/0x%lx, want 1/0x12 (VTL0's after the "
				"fast return)",
				q->ret_rax_in, q->ret_rcx_in);
		for (u32 i = VTL1_RDX; i < VTL1_GPR_COUNT; i++)
			if (i != VTL1_RSP && q->gprs[i] != p + i * VSM_PAT_STEP) {
				why_add(&v, "re-entered with %s 0x%lx, VTL0's 0x%lx", gpr_name[i],
					q->gprs[i], p + i * VSM_PAT_STEP);
				break;
			}
	}
	vt0_vsm_check_back(&v, &r, 1, VSM_VTL_RETURN_RCX, p, VSM_PAT_STEP);
	if (v.count)
		why_add(w, "%s: %s", what, v.buf);
}

static void check_self_ipi(void)
{
	const char *name = "vsm.irq.self_ipi";
	struct snap n;
	struct why w = { 0 };

	if (not_run_apic(name))
		return;
	snap_take(&n);
	self_ipi(&w, VTL1_ICR_SELF | VTL1_VEC_IPI, false, "ICR self shorthand");
	self_ipi(&w, VTL1_ICR_DEST(cpu_apic_id()) | VTL1_VEC_IPI, false, "ICR to its own ID");
	self_ipi(&w, VTL1_VEC_IPI, true, "SELF IPI register");
	snap_check(&w, &n);
	report_result(name, !w.count, "%s", w.buf);
}

/* ---- 4. IPIs between the VTL1s of two VPs ---- */

/* The agent's VP spins in VTL0 (IF as sti says) watching its VTL1's count of vector vec;
 * true once it spins. */
static bool other_spin(u32 vec, bool sti, u32 pat, struct why *w)
{
	struct vsm_agent *a = ic.a;
	u64 t0;

	spin_init(&a->spin, ic.other, pat, &irq_of(ic.other)->count[vec - VTL1_VEC_FIRST], sti);
	if (!agent_do(AG_SPIN, false))
		return false;
	t0 = cpu_rdtsc();
	while (!a->spin.spinning && a->ack != a->seq && cpu_rdtsc() - t0 < AGENT_WAIT)
		__asm__ volatile("pause" ::: "memory");
	/* Spinning, or done already (other_spin_done tells why). */
	if (!a->spin.spinning && a->ack != a->seq) {
		why_add(w, "the other VP did not start spinning");
		agent_wait();
		return false;
	}
	return true;
}

/* After other_spin: its end, checked. */
static void other_spin_done(struct why *w, u64 entries0, const char *what)
{
	if (!agent_wait()) {
		why_add(w, "%s: the other VP's agent did not answer", what);
		return;
	}
	check_spin_entry(w, ic.other, &ic.a->spin, entries0, what);
}

static void check_ipi_to_other(void)
{
	const char *name = "vsm.irq.ipi_to_other_vp";
	struct snap n;
	struct why w = { 0 };

	if (not_run_other(name) || not_run_apic(name))
		return;
	snap_take(&n);
	if (other_spin(VTL1_VEC_IPI, true, 60, &w)) {
		cmd4(ic.vp, VTL1_CMD_SEND_IPI, VTL1_ICR_DEST(ic.a->apic_id) | VTL1_VEC_IPI, 0, 0, 0,
		     "SEND_IPI", &w);
		other_spin_done(&w, n.entries[ic.other], "the other VP (VTL0 spinning, IF set)");
	}
	if (delta(&n, ic.other, VTL1_VEC_IPI) != 1 || delta(&n, ic.vp, VTL1_VEC_IPI))
		why_add(&w, "IPI counts: other VP %lu (want 1), sender %lu (want 0)",
			delta(&n, ic.other, VTL1_VEC_IPI), delta(&n, ic.vp, VTL1_VEC_IPI));
	snap_check(&w, &n);
	report_result(name, !w.count, "%s", w.buf);
	if (w.count) {
		const struct vtl1_irq *q = irq_of(ic.other);
		const struct vsm_spin *sp = &ic.a->spin;
		/* What the VP's VTL1 recorded, for a failure that depends on timing. */
		report_info(
			"vsm.irq.ipi_to_other_vp: entries %lu reasons %u/%u/%u idle %lu E0 %lu E1 %lu E2 %lu "
			"rbp %lu/%lu ret %lx/%lx gprs %lx/%lx/%lx rip %lx win %u/%u "
			"rfl %lx alive %u ack %u seq %u spinning %u",
			q->entries - n.entries[ic.other], q->reasons[0], q->reasons[1],
			q->reasons[2], q->entries_idle, delta(&n, ic.other, 0xe0),
			delta(&n, ic.other, 0xe1), delta(&n, ic.other, 0xe2), sp->out[VTL1_RBP],
			sp->budget, q->ret_rax_in, q->ret_rcx_in, q->gprs[0], q->gprs[1],
			q->gprs[2], q->rip[VTL1_VEC_IPI - VTL1_VEC_FIRST], q->in_window,
			q->window_hits, q->rflags_in, ic.a->alive, ic.a->ack, ic.a->seq,
			(u32)sp->spinning);
	}
}

static void check_ipi_from_other(void)
{
	const char *name = "vsm.irq.ipi_from_other_vp";
	struct vsm_agent *a;
	struct vsm_spin sp;
	struct snap n;
	struct why w = { 0 };
	struct vtl1_cpu *o = NULL;

	if (not_run_other(name) || not_run_apic(name))
		return;
	a = ic.a;
	o = slot(ic.other);
	snap_take(&n);
	/* The other VP's VTL1 sends once this VP spins (with IF clear). */
	spin_init(&sp, ic.vp, 61, &irq_of(ic.vp)->count[1], false);
	o->arg[0] = VTL1_ICR_DEST(cpu_apic_id()) | VTL1_VEC_IPI;
	o->arg[1] = 0;
	a->cmd = VTL1_CMD_SEND_IPI;
	a->mode = VTL1_RET_FAST;
	a->wait_for = &sp.spinning;
	agent_do(AG_CALL, false);
	vsm_spin(&sp);
	if (!agent_wait())
		why_add(&w, "the other VP's agent did not answer");
	else if (a->waited_out)
		why_add(&w, "the other VP did not see this one spin");
	else if (o->ack != o->seq || o->status || o->out[VTL1_APIC_OUT_FAULTS])
		why_add(&w, "SEND_IPI on VP %u: ack %u seq %u status 0x%x faults 0x%lx", ic.other,
			o->ack, o->seq, o->status, o->out[VTL1_APIC_OUT_FAULTS]);
	a->wait_for = NULL;
	check_spin_entry(&w, ic.vp, &sp, n.entries[ic.vp], "this VP (VTL0 spinning, IF clear)");
	if (delta(&n, ic.vp, VTL1_VEC_IPI) != 1 || delta(&n, ic.other, VTL1_VEC_IPI))
		why_add(&w, "IPI counts: this VP %lu (want 1), sender %lu (want 0)",
			delta(&n, ic.vp, VTL1_VEC_IPI), delta(&n, ic.other, VTL1_VEC_IPI));
	snap_check(&w, &n);
	report_result(name, !w.count, "%s", w.buf);
}

static void check_ipi_broadcast(void)
{
	const char *name = "vsm.irq.ipi_broadcast";
	struct vtl1_irq *q = irq_of(ic.vp);
	struct snap n;
	struct why w = { 0 };
	u64 mine;

	if (not_run_other(name) || not_run_apic(name))
		return;
	snap_take(&n);
	/* All including self: the other VP while it spins, this one at the call's return. */
	if (other_spin(VTL1_VEC_IPI, false, 62, &w)) {
		cmd4(ic.vp, VTL1_CMD_SEND_IPI, VTL1_ICR_ALL | VTL1_VEC_IPI, 0, 0, 0, "all", &w);
		mine = delta(&n, ic.vp, VTL1_VEC_IPI);
		other_spin_done(&w, n.entries[ic.other], "all: the other VP");
		if (mine != 1) {
			wait_change(&q->count[1], n.count[ic.vp][1] + mine, apic_to_tsc(10000),
				    true);
			why_add(&w,
				"all: the sender got %lu at its call's return, %lu later (want 1)",
				mine, delta(&n, ic.vp, VTL1_VEC_IPI));
		}
	}
	snap_take(&n);
	/* All but self: the other VP only. */
	if (other_spin(VTL1_VEC_IPI, false, 63, &w)) {
		cmd4(ic.vp, VTL1_CMD_SEND_IPI, VTL1_ICR_OTHERS | VTL1_VEC_IPI, 0, 0, 0, "others",
		     &w);
		other_spin_done(&w, n.entries[ic.other], "all-but-self: the other VP");
		wait_change(&q->count[1], n.count[ic.vp][1], apic_to_tsc(10000), true);
		if (delta(&n, ic.vp, VTL1_VEC_IPI))
			why_add(&w, "all-but-self: the sender got %lu",
				delta(&n, ic.vp, VTL1_VEC_IPI));
	}
	snap_check(&w, &n);
	report_result(name, !w.count, "%s", w.buf);
}

/* ---- 5. Cross-VTL IPIs (HvCallSendSyntheticClusterIpi(Ex) with HV_INPUT_VTL) ---- */

enum xform { X_FAST, X_MEM, X_EX, X_EX_ALL };

/* From VTL0: vector, HV_INPUT_VTL, processor mask; *control = RCX of the call; RAX back. */
static u64 xvtl(enum xform f, u32 vector, u8 input_vtl, u64 mask, u64 *control)
{
	const struct vsm *v = &ic.s->v;
	volatile u64 *in = (volatile u64 *)v->io;
	u64 word = vector | (u64)input_vtl << 32, c;

	switch (f) {
	case X_FAST:
		c = HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | HV_CONTROL_FAST;
		*control = c;
		return vsm_hypercall(v, c, word, mask);
	case X_MEM:
		in[0] = word;
		in[1] = mask;
		*control = HVCALL_SEND_SYNTHETIC_CLUSTER_IPI;
		return vsm_hypercall(v, *control, v->io, 0);
	default:
		/* +8 HV_VP_SET: format, valid banks mask, the banks (reference 1.7). */
		in[0] = word;
		in[1] = f == X_EX_ALL ? HV_GENERIC_SET_ALL : HV_GENERIC_SET_SPARSE_4K;
		in[2] = f == X_EX_ALL ? 0 : 1;
		in[3] = mask;
		*control = HVCALL_SEND_SYNTHETIC_CLUSTER_IPI_EX |
			   HV_CONTROL_VARHDR(f == X_EX_ALL ? 0 : 1);
		return vsm_hypercall(v, *control, v->io, 0);
	}
}

static const char *const xform_name[] = { "fast", "memory", "Ex", "Ex all" };

/*
 * A cross-VTL IPI to this VP's VTL1: VTL1 is entered before VTL0 goes on after the call,
 * with VtlReturnX64Rax = the call's result (0) and Rcx = its control word.
 */
static void xvtl_self(struct why *w, enum xform f, bool vtl1_if)
{
	struct vtl1_irq *q = irq_of(ic.vp);
	u64 n = q->count[2], e = q->entries, control, rax, got;
	u64 resume = ic.s->v.base + VTL1_OFF_HCPAGE + ((ic.s->v.code_offsets >> 12) & 0xfff) + 11;

	rax = xvtl(f, VTL1_VEC_XVTL, HV_INPUT_VTL(1), BIT(ic.vp), &control);
	got = q->count[2] - n;
	if (rax) {
		why_add(w, "%s: RAX 0x%lx", xform_name[f], rax);
		return;
	}
	if (got != 1) {
		wait_change(&q->count[2], n + got, apic_to_tsc(ONESHOT_COUNT), true);
		why_add(w,
			"%s: %lu interrupt(s) when the call returned, %lu later (want 1 at once)",
			xform_name[f], got, q->count[2] - n);
		return;
	}
	if (q->entries != e + 1)
		why_add(w, "%s: %lu interrupt entries", xform_name[f], q->entries - e);
	else if (q->ret_rax_in != 0 || q->ret_rcx_in != control)
		why_add(w, "%s: VtlReturnX64Rax/Rcx 0x%lx/0x%lx, want 0 (the result) and 0x%lx",
			xform_name[f], q->ret_rax_in, q->ret_rcx_in, control);
	/* Entered with IF set, the interrupt comes at VTL1's resume point, the RET after the
	 * VMCALL of its return stub (reference 3.4). */
	if (vtl1_if && q->rip[2] != resume)
		why_add(w,
			"%s, VTL1 with IF set: the handler interrupted 0x%lx, want 0x%lx (after "
			"the VtlReturn's VMCALL)",
			xform_name[f], q->rip[2], resume);
}

static void check_xvtl_self(void)
{
	const char *name = "vsm.irq.xvtl_ipi_self";
	struct snap n;
	struct why w = { 0 };

	snap_take(&n);
	xvtl_self(&w, X_FAST, false);
	xvtl_self(&w, X_MEM, false);
	xvtl_self(&w, X_EX, false);
	if (cmd4(ic.vp, VTL1_CMD_SET_IF, 1, 0, 0, 0, "SET_IF 1", &w)) {
		xvtl_self(&w, X_FAST, true);
		cmd4(ic.vp, VTL1_CMD_SET_IF, 0, 0, 0, 0, "SET_IF 0", &w);
	}
	snap_check(&w, &n);
	report_result(name, !w.count, "%s", w.buf);
}

static void check_xvtl_other(void)
{
	const char *name = "vsm.irq.xvtl_ipi_other_vp";
	struct vtl1_irq *q = irq_of(ic.vp);
	static const enum xform forms[] = { X_FAST, X_MEM, X_EX_ALL };
	struct snap n;
	struct why w = { 0 };
	u64 control, rax, mine;

	if (not_run_other(name))
		return;
	for (u32 k = 0; k < 3; k++) {
		/* The other VP alone, then both, then every VP (HV_VP_SET "all"). */
		u64 mask = k ? BIT(ic.vp) | BIT(ic.other) : BIT(ic.other);
		struct why v = { 0 };

		snap_take(&n);
		if (!other_spin(VTL1_VEC_XVTL, false, 64 + k, &v)) {
			why_add(&w, "%s: %s", xform_name[forms[k]], v.buf);
			continue;
		}
		rax = xvtl(forms[k], VTL1_VEC_XVTL, HV_INPUT_VTL(1), mask, &control);
		mine = delta(&n, ic.vp, VTL1_VEC_XVTL);
		other_spin_done(&v, n.entries[ic.other], "the other VP (VTL0 spinning, IF clear)");
		if (rax)
			why_add(&v, "RAX 0x%lx", rax);
		if (delta(&n, ic.other, VTL1_VEC_XVTL) != 1)
			why_add(&v, "the other VP got %lu", delta(&n, ic.other, VTL1_VEC_XVTL));
		if (!k)
			wait_change(&q->count[2], n.count[ic.vp][2], apic_to_tsc(10000), true);
		if (mine != (k ? 1 : 0) || delta(&n, ic.vp, VTL1_VEC_XVTL) != (k ? 1 : 0))
			why_add(&v, "this VP got %lu at the call's return, %lu in all (want %u)",
				mine, delta(&n, ic.vp, VTL1_VEC_XVTL), k ? 1 : 0);
		snap_check(&v, &n);
		if (v.count)
			why_add(&w, "%s, mask 0x%lx: %s", xform_name[forms[k]],
				forms[k] == X_EX_ALL ? ~(u64)0 : mask, v.buf);
	}
	report_result(name, !w.count, "%s", w.buf);
}

/* Cross-VTL IPIs the hypervisor must refuse with HV_STATUS_INVALID_PARAMETER: nothing
 * delivered, VTL1 not entered. */
static void xvtl_refused(const char *name, u32 n, const u32 *vec, const u8 *vtl)
{
	struct vtl1_irq *q = irq_of(ic.vp);
	struct snap s;
	struct why w = { 0 };
	u64 control, rax;

	snap_take(&s);
	for (u32 i = 0; i < n; i++) {
		rax = xvtl(X_FAST, vec[i], vtl[i], BIT(ic.vp), &control);
		if (HV_RESULT_STATUS(rax) != HV_STATUS_INVALID_PARAMETER)
			why_add(&w, "vector 0x%x HV_INPUT_VTL 0x%x: RAX 0x%lx, want status 5",
				vec[i], vtl[i], rax);
	}
	wait_change(&q->handled, s.handled[ic.vp], apic_to_tsc(10000), true);
	if (q->handled != s.handled[ic.vp] || q->entries != s.entries[ic.vp])
		why_add(&w, "VTL1 got %lu interrupt(s), %lu entries", q->handled - s.handled[ic.vp],
			q->entries - s.entries[ic.vp]);
	snap_check(&w, &s);
	report_result(name, !w.count, "%s", w.buf);
}

static void check_xvtl_refused(void)
{
	static const u32 vec_vtl[] = { VTL1_VEC_XVTL };
	static const u8 vtl_vtl[] = { HV_INPUT_VTL(2) };
	static const u32 vec_vec[] = { 0x0f, 0x100 };
	static const u8 vtl_vec[] = { HV_INPUT_VTL(1), HV_INPUT_VTL(1) };

	xvtl_refused("vsm.irq.xvtl_ipi_bad_vtl", 1, vec_vtl, vtl_vtl);
	xvtl_refused("vsm.irq.xvtl_ipi_bad_vector", 2, vec_vec, vtl_vec);
}

/*
 * From VTL1 down to VTL0 of its own VP: VTL0 takes it once it runs with IF set (here while
 * it spins with known registers, which its handler keeps).
 */
static void check_xvtl_to_vtl0(void)
{
	const char *name = "vsm.irq.xvtl_ipi_to_vtl0";
	const u64 *o = slot(ic.vp)->out;
	struct vsm_spin sp;
	struct snap n;
	struct why w = { 0 };

	snap_take(&n);
	for (u32 fast = 0; fast < 2; fast++) {
		const char *form = fast ? "fast" : "memory";
		u64 before = vt0_hits[HIT_WAKE];

		if (!cmd4(ic.vp, VTL1_CMD_SEND_XVTL_IPI, VT0_VEC_WAKE, HV_INPUT_VTL(0), BIT(ic.vp),
			  fast, form, &w))
			continue;
		if (o[0])
			why_add(&w, "%s form: RAX 0x%lx", form, o[0]);
		spin_init(&sp, ic.vp, 55 + fast, &vt0_hits[HIT_WAKE], true);
		sp.start = before;
		vsm_spin(&sp);
		wait_change(&vt0_hits[HIT_WAKE], before + 1, apic_to_tsc(10000), true);
		if (vt0_hits[HIT_WAKE] != before + 1) {
			why_add(&w, "%s form: VTL0 took %lu interrupt(s) 0x%x, want 1", form,
				vt0_hits[HIT_WAKE] - before, VT0_VEC_WAKE);
			continue;
		}
		for (u32 i = 0; i < VTL1_GPR_COUNT; i++)
			if (spin_reg_known(i) && sp.out[i] != spin_reg(&sp, i)) {
				why_add(&w,
					"%s form: VTL0's %s 0x%lx after its interrupt, was 0x%lx",
					form, gpr_name[i], sp.out[i], spin_reg(&sp, i));
				break;
			}
	}
	if (irq_of(ic.vp)->entries != n.entries[ic.vp])
		why_add(&w, "VTL1 was entered by interrupt (%lu)",
			irq_of(ic.vp)->entries - n.entries[ic.vp]);
	snap_check(&w, &n);
	report_result(name, !w.count, "%s", w.buf);
}

static u64 exits_now(void)
{
	struct cpuid_regs r = cpu_cpuid(CPUID_VTLVISOR_EXITS, 0);

	return ((u64)r.ebx << 32) | r.eax;
}

/* STRESS_IPIS cross-VTL IPIs into this VP's VTL1, each one taken before the next. */
static void check_stress(void)
{
	const char *name = "vsm.irq.stress";
	struct vtl1_irq *q = irq_of(ic.vp);
	struct snap n;
	struct why w = { 0 };
	u64 control, ok = 0, bad_rax = 0, t0, t1, e0, e1;

	snap_take(&n);
	e0 = exits_now();
	t0 = cpu_rdtsc();
	for (u32 i = 0; i < STRESS_IPIS; i++) {
		u64 rax = xvtl(X_FAST, VTL1_VEC_XVTL, HV_INPUT_VTL(1), BIT(ic.vp), &control);

		if (rax)
			bad_rax = rax;
		else
			ok++;
	}
	t1 = cpu_rdtsc();
	e1 = exits_now();
	wait_change(&q->count[2], q->count[2], apic_to_tsc(10000), true);
	if (ok != STRESS_IPIS)
		why_add(&w, "%lu of %u calls succeeded (one returned 0x%lx)", ok, STRESS_IPIS,
			bad_rax);
	if (delta(&n, ic.vp, VTL1_VEC_XVTL) != ok)
		why_add(&w, "VTL1 counted %lu interrupts for %lu IPIs sent",
			delta(&n, ic.vp, VTL1_VEC_XVTL), ok);
	if (q->entries - n.entries[ic.vp] != ok)
		why_add(&w, "%lu interrupt entries for %lu IPIs", q->entries - n.entries[ic.vp],
			ok);
	snap_check(&w, &n);
	report_info("vsm: %u cross-VTL IPIs into VTL1: %lu TSC ticks and %lu.%02lu VM exits each; "
		    "%lu VTL1 entries",
		    STRESS_IPIS, (t1 - t0) / STRESS_IPIS, (e1 - e0 - 1) / STRESS_IPIS,
		    (e1 - e0 - 1) * 100 / STRESS_IPIS % 100, q->entries - n.entries[ic.vp]);
	report_result(name, !w.count, "%s", w.buf);
}

/* Timers off, TPR 0, IF clear in every VTL1 that took part. */
static void cleanup(void)
{
	struct why w = { 0 };

	for (u32 vp = 0; vp < ic.s->v.vps && ic.apic_ok; vp++) {
		if (vp != ic.vp && (vp != ic.other || !ic.a))
			continue;
		cmd(vp, VTL1_CMD_TIMER_STOP, NULL, "TIMER_STOP", &w);
		cmd4(vp, VTL1_CMD_SET_TPR, 0, 0, 0, 0, "SET_TPR", &w);
	}
	if (w.count)
		report_info("vsm: cleaning up VTL1's APICs: %s", w.buf);
}

static void frequencies(void)
{
	u64 tsc = 0, apic = 0;

	if (!vt0_try_rdmsr(HV_MSR_TSC_FREQUENCY, &tsc) ||
	    !vt0_try_rdmsr(HV_MSR_APIC_FREQUENCY, &apic) || !tsc || !apic) {
		report_info("vsm: TSC/APIC frequency MSRs not readable: timer checks take the APIC "
			    "timer at the TSC rate");
		tsc = apic = 1;
	}
	ic.tsc_hz = tsc;
	ic.apic_hz = apic;
}

void vt0_vsm_check_irq(struct vsm_state *s)
{
	u64 t0;

	__builtin_memset(&ic, 0, sizeof(ic));
	ic.s = s;
	ic.vp = s->vp;
	ic.other = ~0u;
	ic.apic_ok = true;
	ic.no_agent = "not run: no agent on the other VP (VTL1 not enabled there)";
	for (u32 vp = 0; vp < s->v.vps; vp++)
		if (vp != s->vp) {
			ic.other = vp;
			break;
		}
	if (ic.other != ~0u) {
		t0 = cpu_rdtsc();
		while (!__atomic_load_n(&agents[ic.other].alive, __ATOMIC_ACQUIRE) &&
		       cpu_rdtsc() - t0 < AGENT_WAIT / 10)
			__asm__ volatile("pause" ::: "memory");
		if (agents[ic.other].alive)
			ic.a = &agents[ic.other];
		if (s->v.vps > 2)
			report_info("vsm: the irq checks use VPs %u and %u only", ic.vp, ic.other);
	}
	frequencies();
	vt0_gates(ic.saved, true);
	if (ic.a) {
		ic.a->bsp_idt = vt0_idtr_now().base;
		agent_do(AG_GATES, true);
		if (ic.a && ic.a->own_gates)
			report_info("vsm: the other VP has an IDT of its own (0x%lx)",
				    ic.a->idt_base);
	}
	check_vtl1_idt();
	check_before_setup();
	check_setup();
	check_timer_running();
	check_timer_halted();
	check_timer_periodic();
	check_timer_masked();
	check_tpr();
	check_self_ipi();
	check_ipi_to_other();
	check_ipi_from_other();
	check_ipi_broadcast();
	check_xvtl_self();
	check_xvtl_other();
	check_xvtl_refused();
	check_xvtl_to_vtl0();
	check_stress();
	cleanup();
	vt0_gates(ic.saved, false);
}

u32 vt0_vsm_agent_vp(void)
{
	return ic.a ? ic.other : ~0u;
}

bool vt0_vsm_agent_run(void (*fn)(void *), void *arg, bool wait)
{
	if (!ic.a)
		return false;
	ic.a->fn = fn;
	ic.a->arg = arg;
	return agent_do(AG_FN, wait);
}

bool vt0_vsm_agent_wait(void)
{
	return agent_wait();
}

bool vt0_vsm_irq_release(void)
{
	bool all = true;

	for (u32 vp = 0; vp < VTL1_MAX_VPS; vp++) {
		struct vsm_agent *a = &agents[vp];
		u64 t0;

		if (!__atomic_load_n(&a->alive, __ATOMIC_ACQUIRE))
			continue;
		a->op = AG_EXIT;
		__atomic_store_n(&a->seq, a->seq + 1, __ATOMIC_RELEASE);
		t0 = cpu_rdtsc();
		while (__atomic_load_n(&a->alive, __ATOMIC_ACQUIRE) &&
		       cpu_rdtsc() - t0 < AGENT_WAIT)
			__asm__ volatile("pause" ::: "memory");
		if (a->alive)
			all = false;
	}
	return all;
}
