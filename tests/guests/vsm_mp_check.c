// SPDX-License-Identifier: MIT
/*
 * Part of check group vsm: VTL1 on the other VPs and many round trips.
 *
 * VTL0 may enable VTL1 only on its own VP once; VTL1 enables itself on the others
 * (docs/VSM.md, the OpenHCL rule; reference 3.2): the BSP's VTL1 issues EnableVpVtl for
 * each AP with the context VTL0 prepared (the AP's own VTL1 stack, GDT and TSS). Then each
 * AP, in VTL0, makes two VTL calls on its own VP: the first starts its VTL1, the second
 * goes through its assist page. The AP code is started first (EFI MP services, without
 * waiting) and waits for the BSP's go: once VTL1 is enabled on a VP, INIT and SIPI to it
 * are dropped (TLFS, reference 3.10), and the firmware could not start it any more. For
 * the same reason the AP procedure does not end with its round trips: it serves the irq
 * checks (vsm_irq_check.c) until vt0_vsm_release_aps.
 */
#include <efi.h>
#include <efilib.h>

#include "lib/printf.h"
#include "tests/guests/report.h"
#include "tests/guests/vsm_check.h"

/* The APs' procedure: their round trips, then the irq checks' agent (vsm_irq_check.c). */
#define AP_TIMEOUT_US 120000000ull
#define AP_DONE_MS 60000u /* how long the BSP waits for their round trips */
/* From this many round trips on, vsm.stress wants physical interrupts to have come in
 * while VTL1 ran (the firmware's timer ticks during boot services). */
#define VSM_STRESS_HOLD_MIN 50000u
#define CPUID_VTLVISOR_EXITS 0x40000102u /* this VP's VM exits (vtlvisor's own leaf) */

/* What one AP saw, written by that AP only, read by the BSP once StartupAllAPs returned. */
static struct ap_rec {
	u32 done;
	u32 vp;			   /* VP_INDEX as VTL0 reads it on that AP */
	u32 trips, bad, first_bad; /* its NOP round trips, how many came back wrong */
	u64 counted;		   /* VTL1's count of them */
	struct vsm_regs r[2];
	struct vtl1_cpu slot[2]; /* its mailbox slot after each call */
} ap_recs[VTL1_MAX_VPS];

static u32 round_trips(const struct vsm_state *s, u32 vp, u32 n, u32 *first_bad,
		       struct vsm_regs *first);

/* The BSP's go for the APs: 1 = VTL1 is enabled on them, 2 = it is not: return. */
static volatile u32 ap_go;

/* AP procedure: MSRs, the hypercall page and memory only. */
static void __attribute__((ms_abi)) ap_calls(void *arg)
{
	const struct vsm_state *s = arg;
	u32 vp = (u32)cpu_rdmsr(HV_MSR_VP_INDEX);
	struct ap_rec *rec;

	while (!ap_go)
		__asm__ volatile("pause");
	if (ap_go != 1 || vp >= s->v.vps || vp == s->vp)
		return;
	rec = &ap_recs[vp];
	rec->vp = vp;
	vt0_vsm_call(s, vp, VTL1_CMD_PING, VTL1_RET_FAST, vt0_vsm_pat(vp, 1), &rec->r[0]);
	rec->slot[0] = s->v.mb->cpu[vp];
	vt0_vsm_call(s, vp, VTL1_CMD_PING, VTL1_RET_NORMAL, vt0_vsm_pat(vp, 2), &rec->r[1]);
	rec->slot[1] = s->v.mb->cpu[vp];
	/* Round trips of its own, while the other VPs run theirs. */
	u64 counter = s->v.mb->cpu[vp].counter;
	struct vsm_regs first;
	rec->trips = s->loops / 4;
	rec->bad = round_trips(s, vp, rec->trips, &rec->first_bad, &first);
	rec->counted = s->v.mb->cpu[vp].counter - counter;
	__atomic_store_n(&rec->done, 1, __ATOMIC_RELEASE);
	/* Stay for the irq checks: the firmware could not start anything here again. */
	vt0_vsm_agent(s, vp);
}

/* The BSP's VTL1 runs EnableVpVtl or StartVirtualProcessor (cmd) for VP vp; its RAX. */
static u64 from_vtl1(struct vsm_state *s, u32 cmd, u32 vp, struct why *w)
{
	struct vtl1_cpu *c = &s->v.mb->cpu[s->vp];
	struct vsm_regs r;

	c->arg[0] = vp;
	vt0_vsm_call(s, s->vp, cmd, VTL1_RET_FAST, vt0_vsm_pat(s->vp, 20 + vp), &r);
	vt0_vsm_check_common(w, c, &r);
	return c->out[0];
}

static u64 enable_from_vtl1(struct vsm_state *s, u32 vp, struct why *w)
{
	return from_vtl1(s, VTL1_CMD_ENABLE_VP, vp, w);
}

/*
 * The BSP's VTL1 starts VP vp in VTL1 (HvCallStartVirtualProcessor) while vp's VTL0 spins
 * in ap_calls: vp is kicked, enters VTL1 from its context, runs a NONE command and returns
 * normally; its VTL0 spins on unharmed (RAX and RCX come back from VtlReturnX64Rax/Rcx,
 * the other shared registers from VTL1's own save). Waits for VTL1's acknowledgement.
 */
static void start_ap_in_vtl1(struct vsm_state *s, u32 vp, struct why *w)
{
	struct vtl1_cpu *a = &s->v.mb->cpu[vp];

	a->cmd = VTL1_CMD_NONE;
	a->ret_mode = VTL1_RET_NORMAL;
	u32 seq = ++a->seq;
	u64 rax = from_vtl1(s, VTL1_CMD_START_VP, vp, w);
	if (HV_RESULT_STATUS(rax) != HV_STATUS_SUCCESS) {
		why_add(w, "VP %u: StartVirtualProcessor RAX 0x%lx", vp, rax);
		return;
	}
	for (u32 ms = 0; ms < 2000 && __atomic_load_n(&a->ack, __ATOMIC_ACQUIRE) != seq; ms++)
		uefi_call_wrapper(BS->Stall, 1, 1000);
	if (a->ack != seq || a->entries != 1 || a->vp != vp || a->status)
		why_add(w, "VP %u: VTL1 ack %u (want %u), %lu entries, slot %u, status 0x%x", vp,
			a->ack, seq, a->entries, a->vp, a->status);
	rax = from_vtl1(s, VTL1_CMD_START_VP, vp, w);
	if (HV_RESULT_STATUS(rax) != HV_STATUS_INVALID_VP_STATE)
		why_add(w, "VP %u: StartVirtualProcessor again: RAX 0x%lx, want status 0x15", vp,
			rax);
}

static void check_ap(const struct vsm_state *s, u32 vp, struct why *w)
{
	const struct ap_rec *rec = &ap_recs[vp];
	const struct vtl1_cpu *c0 = &rec->slot[0], *c1 = &rec->slot[1];
	u64 top = vsm_stack_top(&s->v, vp);
	struct why a = { 0 };

	if (!__atomic_load_n(&rec->done, __ATOMIC_ACQUIRE)) {
		why_add(w, "VP %u: no answer", vp);
		return;
	}
	vt0_vsm_check_common(&a, c0, &rec->r[0]);
	if (c0->entries != 2) /* StartVirtualProcessor's entry, then this call */
		why_add(&a, "%lu entries after the first call", c0->entries);
	vt0_vsm_check_entry(&a, c0, vt0_vsm_pat(vp, 1), top);
	vt0_vsm_check_back(&a, &rec->r[0], 1, VSM_VTL_RETURN_RCX, vt0_vsm_pat(vp, 1), VSM_PAT_STEP);
	vt0_vsm_check_common(&a, c1, &rec->r[1]);
	if (c1->entry_reason != 1 || c1->ret_rax_in != 0 || c1->ret_rcx_in != VSM_VTL_CALL_RCX)
		why_add(&a, "second entry: EntryReason 0x%x, VtlReturnX64Rax/Rcx 0x%lx/0x%lx",
			c1->entry_reason, c1->ret_rax_in, c1->ret_rcx_in);
	vt0_vsm_check_entry(&a, c1, vt0_vsm_pat(vp, 2), top);
	vt0_vsm_check_back(&a, &rec->r[1], 0, VSM_VTL_CALL_RCX, vt0_vsm_pat(vp, 2), VSM_PAT_STEP);
	if (c1->vp != vp || c1->out[VTL1_PING_VP_INDEX] != vp || c1->init_faults)
		why_add(&a, "VTL1 ran on slot %u, read VP_INDEX 0x%lx, init faults 0x%x", c1->vp,
			c1->out[VTL1_PING_VP_INDEX], c1->init_faults);
	if (c1->out[VTL1_PING_GDTR_BASE] != s->v.base + VTL1_OFF_GDT + (u64)VTL1_GDT_STRIDE * vp)
		why_add(&a, "GDTR base 0x%lx (not its own)", c1->out[VTL1_PING_GDTR_BASE]);
	if (rec->bad || rec->counted != rec->trips)
		why_add(&a, "%u of %u round trips wrong (first #%u), VTL1 counted %lu", rec->bad,
			rec->trips, rec->first_bad, rec->counted);
	if (a.count)
		why_add(w, "VP %u: %s", vp, a.buf);
}

void vt0_vsm_check_aps(struct vsm_state *s)
{
	struct why e = { 0 }, g = { 0 }, p = { 0 };
	struct hv_initial_vp_context ctx;
	u32 first = s->vp ? 0 : 1;
	EFI_STATUS st;
	u64 rax;

	if (s->v.vps < 2 || !s->ctx->mp.proto) {
		vt0_vsm_rest("vsm.ap.enable_from_vtl1", "vsm.ap.ping", true, "one CPU: no AP");
		return;
	}
	if (s->ctx->mp.count > s->v.vps)
		report_info("vsm: %u CPUs, VTL1 on the first %u only", s->ctx->mp.count, s->v.vps);
	EFI_EVENT done;
	ap_go = 0;
	__builtin_memset(ap_recs, 0, sizeof(ap_recs));
	if (mp_start_on_aps(&s->ctx->mp, ap_calls, s, AP_TIMEOUT_US, &done, &st))
		why_add(&p, "StartupAllAPs returned 0x%lx", (u64)st);
	for (u32 vp = 0; vp < s->v.vps; vp++) {
		if (vp == s->vp)
			continue;
		rax = enable_from_vtl1(s, vp, &e);
		if (HV_RESULT_STATUS(rax) != HV_STATUS_SUCCESS)
			why_add(&e, "VP %u: RAX 0x%lx", vp, rax);
	}
	report_result("vsm.ap.enable_from_vtl1", !e.count, "%s", e.buf);
	struct why sv = { 0 };
	for (u32 vp = 0; vp < s->v.vps; vp++)
		if (vp != s->vp && !e.count)
			start_ap_in_vtl1(s, vp, &sv);
	report_result("vsm.ap.start_vp", !e.count && !sv.count, "%s%s", sv.buf,
		      e.count ? "VTL1 not enabled on the APs" : "");
	__atomic_store_n(&ap_go, e.count || sv.count ? 2 : 1, __ATOMIC_RELEASE);

	rax = enable_from_vtl1(s, first, &g);
	if (HV_RESULT_STATUS(rax) != HV_STATUS_VTL_ALREADY_ENABLED)
		why_add(&g, "from VTL1 again for VP %u: RAX 0x%lx, want status 0x86", first, rax);
	vsm_context(&s->v, first, &ctx);
	rax = vsm_enable_vp(&s->v, HV_PARTITION_ID_SELF, first, 1, &ctx);
	if (HV_RESULT_STATUS(rax) != HV_STATUS_ACCESS_DENIED)
		why_add(&g, "from VTL0 for VP %u: RAX 0x%lx, want status 6", first, rax);
	report_result("vsm.ap.enable_again", !g.count, "%s", g.buf);

	/* Their round trips, not their procedure: that serves the irq checks until
	 * vt0_vsm_release_aps. Without VTL1 they return at once. */
	s->ap_done = done;
	if (ap_go != 1) {
		mp_wait_aps(done);
		s->ap_done = NULL;
	}
	for (u32 vp = 0, ms = 0; vp < s->v.vps && s->ap_done; vp++)
		while (vp != s->vp && !__atomic_load_n(&ap_recs[vp].done, __ATOMIC_ACQUIRE) &&
		       ms++ < AP_DONE_MS)
			uefi_call_wrapper(BS->Stall, 1, 1000);
	for (u32 vp = 0; vp < s->v.vps; vp++)
		if (vp != s->vp)
			check_ap(s, vp, &p);
	report_result("vsm.ap.ping", !p.count, "%s", p.buf);
}

void vt0_vsm_release_aps(struct vsm_state *s)
{
	if (!vt0_vsm_irq_release()) {
		report_info("vsm: an AP did not leave the irq checks' agent: not waiting for it");
		return;
	}
	if (s->ap_done)
		mp_wait_aps(s->ap_done);
	s->ap_done = NULL;
}

static u64 exits_now(void)
{
	struct cpuid_regs r = cpu_cpuid(CPUID_VTLVISOR_EXITS, 0);

	return ((u64)r.ebx << 32) | r.eax;
}

/* N round trips (NOP, fast return) with the GPRs checked after each. */
/* n NOP round trips (fast return) on VP vp, this CPU's: how many came back wrong (shared
 * registers, RAX/RCX, RSP, VTL1's acknowledgement); the first of them in *first. */
static u32 round_trips(const struct vsm_state *s, u32 vp, u32 n, u32 *first_bad,
		       struct vsm_regs *first)
{
	struct vtl1_cpu *c = &s->v.mb->cpu[vp];
	u64 stub = vsm_call_stub(&s->v), p = vt0_vsm_pat(vp, 30);
	struct vsm_regs r;
	u32 bad = 0;

	c->cmd = VTL1_CMD_NOP;
	c->ret_mode = VTL1_RET_FAST;
	for (u32 i = 0; i < VTL1_GPR_COUNT; i++)
		r.in[i] = p + i * VSM_PAT_STEP;
	r.in[VTL1_RCX] = 0;
	for (u32 i = 0; i < n; i++) {
		bool ok = true;

		c->seq++;
		vsm_vtl_call(&r, stub);
		__asm__ volatile("" ::: "memory");
		ok = r.out[VTL1_RAX] == 1 && r.out[VTL1_RCX] == VSM_VTL_RETURN_RCX &&
		     r.out[VTL1_RSP] == r.rsp_before && c->ack == c->seq;
		for (u32 j = VTL1_RDX; j < VTL1_GPR_COUNT; j++)
			ok = ok && (j == VTL1_RSP || r.out[j] == r.in[j]);
		if (!ok && !bad++) {
			*first_bad = i;
			*first = r;
		}
	}
	return bad;
}

void vt0_vsm_check_stress(struct vsm_state *s)
{
	struct vtl1_cpu *c = &s->v.mb->cpu[s->vp];
	u64 counter = c->counter, p = vt0_vsm_pat(s->vp, 30);
	u32 bad, first_bad = 0, n = s->loops;
	struct vsm_regs first;
	struct why w = { 0 };
	u64 t0, t1, e0, e1;
	u32 held0 = cpu_cpuid(CPUID_VTLVISOR_EXITS, 0).edx;

	e0 = exits_now();
	t0 = cpu_rdtsc();
	bad = round_trips(s, s->vp, n, &first_bad, &first);
	t1 = cpu_rdtsc();
	e1 = exits_now();
	u32 held = cpu_cpuid(CPUID_VTLVISOR_EXITS, 0).edx - held0;
	if (c->counter - counter != n)
		why_add(&w, "VTL1 counted %lu NOPs, want %u", c->counter - counter, n);
	if (bad) {
		why_add(&w, "%u round trip(s) came back wrong, first #%u:", bad, first_bad);
		vt0_vsm_check_back(&w, &first, 1, VSM_VTL_RETURN_RCX, p, VSM_PAT_STEP);
	}
	if (c->status)
		why_add(&w, "VTL1 status 0x%x", c->status);
	/* The firmware's timer keeps interrupting (about 100 per emulated second): over a long
	 * run some arrive while VTL1 runs, are held for VTL0 and come in afterwards, which
	 * the register and counter checks above then cover. */
	if (n >= VSM_STRESS_HOLD_MIN && !held)
		why_add(&w, "no physical interrupt arrived while VTL1 ran (%u round trips)", n);
	if (n)
		report_info("vsm: %u VTL call/return round trips: %lu TSC ticks and %lu.%02lu VM "
			    "exits each; %u physical interrupts held for VTL0 meanwhile",
			    n, (t1 - t0) / n, (e1 - e0 - 1) / n, (e1 - e0 - 1) * 100 / n % 100,
			    held);
	report_result("vsm.stress", !w.count && n, "%s%s", w.buf, n ? "" : "0 round trips asked");
}
