// SPDX-License-Identifier: MIT
/*
 * Part of check group hv: the SynIC and the synthetic timers as a guest sees them (TLFS
 * "Inter-Partition Communication" and "Timers"; vtlvisor's routing: connection ID 0x10000
 * + 16 * VP index + SINT, docs/TLFS.md).
 *
 * The BSP takes three IDT vectors for the test: VEC_SINT (SINT2, EOI'd through the EOI
 * MSR), VEC_AEOI (SINT3 with AutoEOI: its handler must not EOI) and VEC_TIMER (direct-mode
 * timers, EOI'd). The APs run their SINT2 in polling mode (no interrupt, no IDT needed):
 * what reaches them is read from their message and event pages, which are overlays at the
 * same GPA for every CPU.
 */
#include <efi.h>
#include <efilib.h>

#include "lib/compiler.h"
#include "tests/guests/report.h"
#include "tests/guests/vtl0test.h"

#define HV_MSR_GUEST_OS_ID 0x40000000u
#define HV_MSR_HYPERCALL 0x40000001u
#define HV_MSR_VP_INDEX 0x40000002u
#define HV_MSR_TIME_REF_COUNT 0x40000020u
#define HV_MSR_TSC_FREQUENCY 0x40000022u
#define HV_MSR_EOI 0x40000070u
#define HV_MSR_GUEST_IDLE 0x400000f0u
#define HV_MSR_SCONTROL 0x40000080u
#define HV_MSR_SVERSION 0x40000081u
#define HV_MSR_SIEFP 0x40000082u
#define HV_MSR_SIMP 0x40000083u
#define HV_MSR_EOM 0x40000084u
#define HV_MSR_SINT(n) (0x40000090u + (n))
#define HV_MSR_STIMER_CONFIG(n) (0x400000b0u + 2 * (n))
#define HV_MSR_STIMER_COUNT(n) (0x400000b1u + 2 * (n))
#define SINT_MASKED BIT(16)
#define SINT_AUTO_EOI BIT(17)
#define SINT_POLLING BIT(18)
#define STIMER_ENABLE BIT(0)
#define STIMER_PERIODIC BIT(1)
#define STIMER_AUTO_ENABLE BIT(3)
#define STIMER_DIRECT(vec) (BIT(12) | ((u64)(vec) << 4))
#define STIMER_SINT(n) ((u64)(n) << 16)
#define HVCALL_POST_MESSAGE 0x005cull
#define HVCALL_SIGNAL_EVENT 0x005dull
#define HV_CONTROL_FAST BIT(16)
#define HVMSG_TIMER_EXPIRED 0x80000010u
#define MSG_PENDING 1u
#define CONN(vp, sint) (0x10000u + 16u * (vp) + (sint))
#define VEC_SINT 0xd0
#define VEC_AEOI 0xd1 /* same priority class as VEC_SINT: blocks it while in service */
#define VEC_TIMER 0xd2
#define MAX_APS 15 /* one 256-byte input block each in the input page */

struct hv_msg {
	volatile u32 type;
	volatile u8 size;
	volatile u8 flags;
	u16 rsvd;
	u64 sender;
	volatile u8 payload[240];
};
_Static_assert(sizeof(struct hv_msg) == 256, "TLFS HV_MESSAGE");

/* Interrupt handlers (interrupt gates: IF = 0 inside). */
static volatile u32 sint_hits __attribute__((used));
static volatile u32 aeoi_hits __attribute__((used));
static volatile u32 timer_hits __attribute__((used));
static volatile u64 timer_ref __attribute__((used)); /* TIME_REF_COUNT in the last one */
void vt0_isr_sint(void);
void vt0_isr_aeoi(void);
void vt0_isr_timer(void);
__asm__(".text\n"
	"vt0_isr_sint:\n"
	"	push %rax\n	push %rcx\n	push %rdx\n"
	"	lock incl sint_hits(%rip)\n"
	"	jmp 1f\n"
	"vt0_isr_timer:\n"
	"	push %rax\n	push %rcx\n	push %rdx\n"
	"	mov $0x40000020, %ecx\n" /* TIME_REF_COUNT */
	"	rdmsr\n"
	"	mov %eax, timer_ref(%rip)\n"
	"	mov %edx, timer_ref+4(%rip)\n"
	"	lock incl timer_hits(%rip)\n"
	"1:	mov $0x40000070, %ecx\n" /* the EOI MSR */
	"	xor %eax, %eax\n	xor %edx, %edx\n"
	"	wrmsr\n"
	"	pop %rdx\n	pop %rcx\n	pop %rax\n"
	"	iretq\n"
	"vt0_isr_aeoi:\n" /* AutoEOI: no EOI */
	"	lock incl aeoi_hits(%rip)\n"
	"	iretq\n");

static struct {
	const volatile u8 *page; /* the hypercall page */
	u64 io;			 /* input blocks: the BSP at +0, AP n at +256 * n */
	u64 pages;		 /* SIM page of VP n at + 8 KiB * n, its SIEF page 4 KiB above */
	u32 cpus;
	u64 tsc_khz;
	volatile u32 ap_status[MAX_APS + 1]; /* by VP index */
} sy;

static u64 sim_gpa(u32 vp)
{
	return sy.pages + 0x2000ull * vp;
}

static volatile struct hv_msg *slot(u32 vp, u32 sint)
{
	return (volatile struct hv_msg *)(uintptr_t)sim_gpa(vp) + sint;
}

static volatile u8 *flags(u32 vp, u32 sint)
{
	return (volatile u8 *)(uintptr_t)(sim_gpa(vp) + 0x1000 + 256 * sint);
}

static u64 post(u32 from_vp, u32 conn, u32 type, u32 size, u8 fill)
{
	volatile u32 *in = (volatile u32 *)(uintptr_t)(sy.io + 256 * from_vp);

	in[0] = conn;
	in[1] = 0;
	in[2] = type;
	in[3] = size;
	for (u32 i = 0; i < 240; i++)
		((volatile u8 *)in)[16 + i] = fill;
	return (u16)vt0_hypercall(sy.page, HVCALL_POST_MESSAGE, (u64)(uintptr_t)in, 0);
}

static u64 signal(u32 conn, u32 flag)
{
	return (u16)vt0_hypercall(sy.page, HVCALL_SIGNAL_EVENT | HV_CONTROL_FAST,
				  conn | ((u64)flag << 32), 0);
}

/* Interrupts on; spins (or halts) until *c reaches want or ms milliseconds pass. */
static bool wait_for(volatile u32 *c, u32 want, u64 ms, bool halt)
{
	u64 t0 = cpu_rdtsc();

	while (*c < want) {
		if (cpu_rdtsc() - t0 > ms * sy.tsc_khz)
			return false;
		if (halt)
			__asm__ volatile("sti; hlt" ::: "memory");
		else
			__asm__ volatile("sti; pause" ::: "memory");
	}
	return true;
}

static void synic_on(u32 vp, u64 sint2)
{
	cpu_wrmsr(HV_MSR_SCONTROL, 1);
	cpu_wrmsr(HV_MSR_SIMP, sim_gpa(vp) | 1);
	cpu_wrmsr(HV_MSR_SIEFP, (sim_gpa(vp) + 0x1000) | 1);
	cpu_wrmsr(HV_MSR_SINT(2), sint2);
}

static void synic_off(void)
{
	for (u32 i = 0; i < 16; i++)
		cpu_wrmsr(HV_MSR_SINT(i), SINT_MASKED);
	cpu_wrmsr(HV_MSR_SIMP, 0);
	cpu_wrmsr(HV_MSR_SIEFP, 0);
	cpu_wrmsr(HV_MSR_SCONTROL, 0);
}

static void check_msrs(void)
{
	struct why w = { 0 };
	u64 v = 0;

	if (!vt0_try_rdmsr(HV_MSR_SVERSION, &v) || v != 1)
		why_add(&w, "SVERSION 0x%lx, want 1", v);
	if (!vt0_try_rdmsr(HV_MSR_SINT(0), &v) || v != SINT_MASKED)
		why_add(&w, "SINT0 0x%lx, want 0x10000 (masked)", v);
	if (vt0_try_wrmsr(HV_MSR_SVERSION, 2))
		why_add(&w, "SVERSION (read-only) took a write");
	if (vt0_try_wrmsr(HV_MSR_SINT(5), 0x05))
		why_add(&w, "SINT5 took unmasked vector 5");
	if (vt0_try_wrmsr(HV_MSR_SIMP, 0xfee00000ull | 1))
		why_add(&w, "SIMP took the APIC page 0xfee00000");
	synic_on(0, VEC_SINT);
	cpu_wrmsr(HV_MSR_SINT(3), VEC_AEOI | SINT_AUTO_EOI);
	if (cpu_rdmsr(HV_MSR_SIMP) != (sim_gpa(0) | 1) || cpu_rdmsr(HV_MSR_SINT(2)) != VEC_SINT)
		why_add(&w, "SIMP/SINT2 read back 0x%lx/0x%lx", cpu_rdmsr(HV_MSR_SIMP),
			cpu_rdmsr(HV_MSR_SINT(2)));
	if (slot(0, 2)->type || flags(0, 2)[0])
		why_add(&w, "the pages did not come up cleared");
	report_result("hv.synic_msrs", !w.count, "%s", w.buf);
}

static void check_messages(void)
{
	struct why w = { 0 };
	volatile struct hv_msg *m = slot(0, 2);
	u64 st;

	st = post(0, CONN(0, 2), 0x1234, 32, 0x5a);
	if (st || !wait_for(&sint_hits, 1, 500, false))
		why_add(&w, "post: status 0x%lx, %u interrupt(s)", st, sint_hits);
	if (m->type != 0x1234 || m->size != 32 || m->payload[31] != 0x5a || m->payload[32])
		why_add(&w, "slot: type 0x%x size %u payload[31] 0x%x [32] 0x%x", m->type, m->size,
			m->payload[31], m->payload[32]);
	report_result("hv.synic_post_message", !w.count, "%s", w.buf);

	/* The slot is still full: the next one waits in the hypervisor until EOM. */
	struct why q = { 0 };
	st = post(0, CONN(0, 2), 0x1235, 4, 0x11);
	if (st || m->type != 0x1234 || !(m->flags & MSG_PENDING) || sint_hits != 1)
		why_add(&q, "second post: status 0x%lx type 0x%x flags 0x%x hits %u", st, m->type,
			m->flags, sint_hits);
	m->type = 0;
	cpu_wrmsr(HV_MSR_EOM, 0);
	if (!wait_for(&sint_hits, 2, 500, false) || m->type != 0x1235 || m->payload[0] != 0x11)
		why_add(&q, "after EOM: type 0x%x, %u interrupt(s)", m->type, sint_hits);
	m->type = 0;
	cpu_wrmsr(HV_MSR_EOM, 0);
	report_result("hv.synic_message_queue", !q.count, "%s", q.buf);

	struct why e = { 0 };
	if ((st = post(0, 4, 1, 0, 0)) != 0x12)
		why_add(&e, "connection 4 (no such port): 0x%lx, want 0x12", st);
	if ((st = post(0, CONN(sy.cpus, 2), 1, 0, 0)) != 0x12)
		why_add(&e, "connection to VP %u: 0x%lx, want 0x12", sy.cpus, st);
	if ((st = post(0, CONN(0, 2), 0x80000001u, 0, 0)) != 5)
		why_add(&e, "hypervisor message type: 0x%lx, want 5", st);
	if ((st = post(0, CONN(0, 2), 1, 241, 0)) != 5)
		why_add(&e, "241-byte payload: 0x%lx, want 5", st);
	if ((st = signal(CONN(0, 2), 2048)) != 5)
		why_add(&e, "event flag 2048: 0x%lx, want 5", st);
	if ((st = signal(CONN(0, 6), 1)) != 0x18)
		why_add(&e, "event on masked SINT6: 0x%lx, want 0x18", st);
	report_result("hv.synic_errors", !e.count, "%s", e.buf);
}

static void check_events_and_auto_eoi(void)
{
	struct why w = { 0 };
	u64 st = signal(CONN(0, 2), 9);

	if (st || !wait_for(&sint_hits, 3, 500, false) || !(flags(0, 2)[1] & 2))
		why_add(&w, "signal flag 9: status 0x%lx, %u interrupt(s), flags byte 0x%x", st,
			sint_hits, flags(0, 2)[1]);
	st = signal(CONN(0, 2), 9); /* already set: success, no new interrupt */
	uefi_call_wrapper(BS->Stall, 1, (UINTN)1000);
	if (st || sint_hits != 3)
		why_add(&w, "signal again: status 0x%lx, %u interrupt(s), want 3", st, sint_hits);
	report_result("hv.synic_signal_event", !w.count, "%s", w.buf);

	/* AutoEOI: the handler does not EOI; the next SINT2 interrupt (same priority class)
	 * still arrives only if the first never entered the APIC's in-service register. */
	struct why a = { 0 };
	st = post(0, CONN(0, 3), 0x77, 0, 0);
	if (st || !wait_for(&aeoi_hits, 1, 500, false))
		why_add(&a, "post to SINT3: status 0x%lx, %u AutoEOI interrupt(s)", st, aeoi_hits);
	st = post(0, CONN(0, 2), 0x78, 0, 0);
	if (st || !wait_for(&sint_hits, 4, 500, false))
		why_add(&a, "then SINT2: status 0x%lx, %u interrupt(s), want 4", st, sint_hits);
	slot(0, 3)->type = 0;
	slot(0, 2)->type = 0;
	cpu_wrmsr(HV_MSR_EOM, 0);
	report_result("hv.synic_auto_eoi", !a.count, "%s", a.buf);

	/* PV IPIs to ourselves, plain and Ex (a sparse HV_VP_SET naming VP 0), with a
	 * handler: each must arrive. */
	struct why p = { 0 };
	u32 before = sint_hits;
	st = (u16)vt0_hypercall(sy.page, 0x000bull | HV_CONTROL_FAST, VEC_SINT, 1);
	if (st || !wait_for(&sint_hits, before + 1, 500, false))
		why_add(&p, "SendSyntheticClusterIpi: status 0x%lx, no interrupt", st);
	volatile u64 *in = (volatile u64 *)(uintptr_t)sy.io;
	in[0] = VEC_SINT;
	in[1] = 0; /* sparse */
	in[2] = 1; /* bank 0 */
	in[3] = 1; /* VP 0 */
	st = (u16)vt0_hypercall(sy.page, 0x0015ull | (1ull << 17), sy.io, 0);
	if (st || !wait_for(&sint_hits, before + 2, 500, false))
		why_add(&p, "SendSyntheticClusterIpiEx: status 0x%lx, no interrupt", st);
	report_result("hv.pv_ipi_self", !p.count, "%s", p.buf);
}

/* AP procedures: MSRs and the hypercall page only, no UEFI service. */
static void __attribute__((ms_abi)) ap_post(void *arg)
{
	u32 vp = (u32)cpu_rdmsr(HV_MSR_VP_INDEX);

	if (vp > MAX_APS)
		return;
	synic_on(vp, SINT_POLLING | VEC_SINT);
	sy.ap_status[vp] = (u32)post(vp, CONN(0, 2), 0x2000 + vp, 1, (u8)vp);
}

static void __attribute__((ms_abi)) ap_off(void *arg)
{
	synic_off();
}

static void check_cross_vp(struct vt0_ctx *ctx)
{
	struct why w = { 0 };
	EFI_STATUS est;
	u32 aps = sy.cpus - 1, got = 0, seen = 0;

	if (!aps) {
		report_info("hv: one CPU: no cross-VP SynIC checks");
		return;
	}
	for (u32 i = 0; i <= MAX_APS; i++)
		sy.ap_status[i] = 0xffff;
	if (mp_run_on_aps(&ctx->mp, ap_post, NULL, 20000000ull, &est))
		why_add(&w, "StartupAllAPs: 0x%lx", (u64)est);
	/* Each AP's message arrives in turn: take it, EOM, wait for the next. */
	volatile struct hv_msg *m = slot(0, 2);
	u64 t0 = cpu_rdtsc();
	while (got < aps && cpu_rdtsc() - t0 < 1000 * sy.tsc_khz) {
		if (!m->type)
			continue;
		u32 vp = m->type - 0x2000;
		if (vp >= 1 && vp <= MAX_APS && m->payload[0] == vp)
			seen |= 1u << vp;
		m->type = 0;
		cpu_wrmsr(HV_MSR_EOM, 0);
		got++;
	}
	for (u32 vp = 1; vp <= aps && vp <= MAX_APS; vp++)
		if (sy.ap_status[vp] || !(seen & (1u << vp)))
			why_add(&w, "VP %u: post status 0x%x, %s", vp, sy.ap_status[vp],
				(seen & (1u << vp)) ? "received" : "not received");
	report_result("hv.synic_from_aps", !w.count, "%s", w.buf);

	struct why t = { 0 };
	for (u32 vp = 1; vp <= aps && vp <= MAX_APS; vp++) {
		u64 st = post(0, CONN(vp, 2), 0x3000 + vp, 8, 0x42);
		u64 se = signal(CONN(vp, 2), 3);
		volatile struct hv_msg *am = slot(vp, 2);
		if (st || am->type != 0x3000 + vp || am->payload[7] != 0x42)
			why_add(&t, "message to VP %u: status 0x%lx type 0x%x", vp, st, am->type);
		if (se || flags(vp, 2)[0] != 8)
			why_add(&t, "event to VP %u: status 0x%lx flags 0x%x", vp, se,
				flags(vp, 2)[0]);
	}
	report_result("hv.synic_to_aps", !t.count, "%s", t.buf);
	mp_run_on_aps(&ctx->mp, ap_off, NULL, 20000000ull, &est);
	u64 st = post(0, CONN(1, 2), 1, 0, 0); /* its SynIC is off now */
	report_result("hv.synic_target_off", st == 0x18, "post to VP 1 with its SynIC off: 0x%lx",
		      st);
}

static void check_timers(void)
{
	struct why w = { 0 };
	u64 due;

	if (vt0_try_wrmsr(HV_MSR_STIMER_CONFIG(0), BIT(13)))
		why_add(&w, "CONFIG bit 13 (reserved) accepted");
	if (vt0_try_wrmsr(HV_MSR_STIMER_CONFIG(0), STIMER_ENABLE | STIMER_DIRECT(0x0f)))
		why_add(&w, "direct vector 0x0f accepted");
	report_result("hv.stimer_gp", !w.count, "%s", w.buf);

	/* Direct one-shot, waited for halted: the timer must wake a halted VP on time. */
	struct why d = { 0 };
	due = cpu_rdmsr(HV_MSR_TIME_REF_COUNT) + 20000; /* 2 ms */
	cpu_wrmsr(HV_MSR_STIMER_COUNT(0), due);
	cpu_wrmsr(HV_MSR_STIMER_CONFIG(0), STIMER_ENABLE | STIMER_DIRECT(VEC_TIMER));
	if (!wait_for(&timer_hits, 1, 500, true))
		why_add(&d, "no interrupt");
	else if (timer_ref < due || timer_ref - due > 10000)
		why_add(&d, "delivered at %lu, due %lu (early, or more than 1 ms late)", timer_ref,
			due);
	if (cpu_rdmsr(HV_MSR_STIMER_CONFIG(0)) & STIMER_ENABLE)
		why_add(&d, "still enabled after expiring");
	report_result("hv.stimer_direct_oneshot", !d.count, "%s", d.buf);
	report_info("hv: direct one-shot timer delivered %lu x 100 ns after it was due (the VP "
		    "was halted)",
		    timer_ref - due);

	/* Direct periodic, 0.5 ms: 5 interrupts take at least 4 periods. */
	struct why p = { 0 };
	u64 t0 = cpu_rdmsr(HV_MSR_TIME_REF_COUNT);
	cpu_wrmsr(HV_MSR_STIMER_CONFIG(0), STIMER_PERIODIC | STIMER_DIRECT(VEC_TIMER));
	cpu_wrmsr(HV_MSR_STIMER_COUNT(0), 5000);
	cpu_wrmsr(HV_MSR_STIMER_CONFIG(0),
		  STIMER_ENABLE | STIMER_PERIODIC | STIMER_DIRECT(VEC_TIMER));
	bool ok = wait_for(&timer_hits, 6, 500, false);
	cpu_wrmsr(HV_MSR_STIMER_CONFIG(0), 0);
	u64 took = timer_ref - t0;
	if (!ok || took < 4 * 5000)
		why_add(&p, "%u interrupt(s), the 5th after %lu units", timer_hits - 1, took);
	report_result("hv.stimer_direct_periodic", !p.count, "%s", p.buf);

	/* GUEST_IDLE with IF = 0: the VP sleeps until an interrupt arrives (the direct timer,
	 * 1 ms away, or a firmware tick), which stays pending until IF = 1. A read that did
	 * not sleep would go round this loop dozens of times in 1 ms. */
	struct why g = { 0 };
	u32 before = timer_hits, loops = 0;
	__asm__ volatile("cli");
	due = cpu_rdmsr(HV_MSR_TIME_REF_COUNT) + 10000;
	cpu_wrmsr(HV_MSR_STIMER_COUNT(0), due);
	cpu_wrmsr(HV_MSR_STIMER_CONFIG(0), STIMER_ENABLE | STIMER_DIRECT(VEC_TIMER));
	while (cpu_rdmsr(HV_MSR_TIME_REF_COUNT) < due && loops < 1000) {
		if (cpu_rdmsr(HV_MSR_GUEST_IDLE))
			why_add(&g, "GUEST_IDLE read non-zero");
		loops++;
	}
	u32 masked_hits = timer_hits;
	__asm__ volatile("sti");
	if (masked_hits != before)
		why_add(&g, "the timer interrupt was taken with IF = 0");
	if (!wait_for(&timer_hits, before + 1, 500, false))
		why_add(&g, "no timer interrupt after STI");
	if (loops > 3)
		why_add(&g, "%u reads in 1 ms: the VP did not sleep", loops);
	report_result("hv.guest_idle", !g.count, "%s", g.buf);
	report_info("hv: GUEST_IDLE: %u read(s) until the 1 ms timer, interrupt taken after STI",
		    loops);

	/* Message mode to SINT2, AutoEnable: writing the count starts it. */
	struct why m = { 0 };
	volatile struct hv_msg *s = slot(0, 2);
	u32 hits = sint_hits;
	due = cpu_rdmsr(HV_MSR_TIME_REF_COUNT) + 10000;
	cpu_wrmsr(HV_MSR_STIMER_CONFIG(1), STIMER_AUTO_ENABLE | STIMER_SINT(2));
	cpu_wrmsr(HV_MSR_STIMER_COUNT(1), due);
	if (!(cpu_rdmsr(HV_MSR_STIMER_CONFIG(1)) & STIMER_ENABLE))
		why_add(&m, "AutoEnable: not enabled by the count");
	if (!wait_for(&sint_hits, hits + 1, 500, false) || s->type != HVMSG_TIMER_EXPIRED) {
		why_add(&m, "no timer message (type 0x%x)", s->type);
	} else {
		u32 idx = *(volatile u32 *)&s->payload[0];
		u64 exp = *(volatile u64 *)&s->payload[8], at = *(volatile u64 *)&s->payload[16];
		if (s->size != 24 || idx != 1 || exp != due || at < exp)
			why_add(&m, "size %u timer %u expiration %lu (due %lu) delivery %lu",
				s->size, idx, exp, due, at);
	}
	s->type = 0;
	cpu_wrmsr(HV_MSR_EOM, 0);
	report_result("hv.stimer_message", !m.count, "%s", m.buf);
}

void vt0_check_synic(struct vt0_ctx *ctx)
{
	struct cpuid_regs f = cpu_cpuid(0x40000003, 0);
	struct vt0_idt_gate g_sint, g_aeoi, g_timer;
	EFI_PHYSICAL_ADDRESS hc = 0, io = 0, pages = 0;

	if (!(f.eax & BIT(2)) || !(f.ebx & BIT(4)) || !(f.ebx & BIT(5))) {
		report_fail("hv.synic_cpuid",
			    "CPUID 0x40000003 EAX 0x%x EBX 0x%x: no SynIC/"
			    "PostMessages/SignalEvents",
			    f.eax, f.ebx);
		return;
	}
	bool timers = f.eax & BIT(3);
	report_result("hv.synic_cpuid", !timers || (f.edx & BIT(19)),
		      "timers offered without direct mode (EDX 0x%x)", f.edx);
	sy.cpus = ctx->mp.count < MAX_APS + 1 ? ctx->mp.count : MAX_APS + 1;
	u64 hz = 0;
	sy.tsc_khz = vt0_try_rdmsr(HV_MSR_TSC_FREQUENCY, &hz) && hz ? hz / 1000 : 10000;
	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiBootServicesCode,
					(UINTN)1, &hc)) ||
	    EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)1, &io)) ||
	    EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)(2 * sy.cpus), &pages))) {
		report_fail("hv.synic_msrs", "AllocatePages failed");
		return;
	}
	sy.io = io;
	sy.pages = pages;
	sy.page = (const volatile u8 *)(uintptr_t)hc;
	if (!cpu_rdmsr(HV_MSR_GUEST_OS_ID))
		cpu_wrmsr(HV_MSR_GUEST_OS_ID, 0x8001000000001234ull);
	cpu_wrmsr(HV_MSR_HYPERCALL, hc | 1);
	vt0_idt_gate(VEC_SINT, (u64)vt0_isr_sint, &g_sint);
	vt0_idt_gate(VEC_AEOI, (u64)vt0_isr_aeoi, &g_aeoi);
	vt0_idt_gate(VEC_TIMER, (u64)vt0_isr_timer, &g_timer);

	check_msrs();
	check_messages();
	check_events_and_auto_eoi();
	check_cross_vp(ctx);
	if (timers)
		check_timers();
	else
		report_info("hv: no synthetic timers offered: timer checks not run");

	synic_off();
	cpu_wrmsr(HV_MSR_HYPERCALL, 0);
	vt0_idt_gate(VEC_TIMER, 0, &g_timer);
	vt0_idt_gate(VEC_AEOI, 0, &g_aeoi);
	vt0_idt_gate(VEC_SINT, 0, &g_sint);
	uefi_call_wrapper(BS->FreePages, 2, pages, (UINTN)(2 * sy.cpus));
	uefi_call_wrapper(BS->FreePages, 2, io, (UINTN)1);
	uefi_call_wrapper(BS->FreePages, 2, hc, (UINTN)1);
}
