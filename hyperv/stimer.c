/* SPDX-License-Identifier: MIT */
/*
 * Synthetic timers (hyperv/stimer.h; TLFS "Timers"). A VP's timers are touched only by its
 * own CPU: its MSR writes, and its run loop before each entry. No lock.
 */
#define LOG_MODULE "hv"
#include "hyperv/stimer.h"
#include "arch/x86/apic.h"
#include "arch/x86/intrin.h"
#include "arch/x86/vcpu.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vp_vtl_apic.h"
#include "boot/bootinfo.h"
#include "hyperv/hv.h"
#include "hyperv/reftime.h"
#include "hyperv/synic.h"
#include "lib/string.h"

/* a + b, or the largest time when that wraps (a period of ~2^64 never expires). */
static u64 ref_add(u64 a, u64 b)
{
	return a + b < a ? ~0ULL : a + b;
}

struct hv_stimer {
	u64 config, count;
	u64 expiry;	   /* reference time of the next expiry; 0 = not running */
	u64 pending_since; /* a timer message waits for its slot (EOM): when it was due */
};

static struct hv_stimer hv_stimers[BOOTINFO_MAX_CPUS][HV_MAX_VTLS][HV_STIMER_COUNT];
static bool stimer_hw; /* the CPU has the VMX-preemption timer */

void hv_stimer_init(bool hw_timer)
{
	stimer_hw = hw_timer;
}

bool hv_stimer_available(void)
{
	return stimer_hw && hv_reftime_available();
}

void hv_stimer_reset(void)
{
	memset(hv_stimers, 0, sizeof(hv_stimers));
	for (u32 i = 0; i < vcpu_count(); i++)
		vcpu_get(i)->timer_deadline = 0; /* each VP's next entry programs its default */
}

static struct hv_stimer *timers_of(const struct vcpu *v)
{
	return hv_stimers[v->index][hv_active_vtl(v)];
}

/* The VTLs enabled on v: each has its timers, running whichever VTL runs (reference 3.10). */
static u32 vtls_of(const struct vcpu *v)
{
	return 1u | __atomic_load_n(&v->higher_vtls, __ATOMIC_ACQUIRE);
}

/* The nearest expiry of any of v's timers (every VTL's synthetic timers, the local APIC
 * timers of the VTLs above 0) as a TSC deadline in v (0 = none), and the preemption timer
 * back to its usual period when nothing runs any more. */
static void stimer_update_deadline(struct vcpu *v)
{
	u64 next = 0, deadline = 0;

	for (u32 vtls = vtls_of(v), vtl; vtls; vtls &= vtls - 1) {
		vtl = (u32)__builtin_ctz(vtls);
		const struct hv_stimer *t = hv_stimers[v->index][vtl];
		for (u32 i = 0; i < HV_STIMER_COUNT; i++)
			if (t[i].expiry && (!next || t[i].expiry < next))
				next = t[i].expiry;
	}
	if (next) {
		u64 now_ref = hv_reftime_now(), now_tsc = rdtsc();
		u64 ticks = next > now_ref ? hv_ref_to_tsc_ticks(next - now_ref) : 0;
		deadline = now_tsc + ticks < now_tsc ? ~0ULL : MAX(now_tsc + ticks, 1ULL);
	}
	u64 apic = vp_vtl_apic_deadline(v);
	if (apic && (!deadline || apic < deadline))
		deadline = apic;
	if (!deadline && v->timer_deadline)
		vmcs_preempt_timer_arm(v, 0);
	v->timer_deadline = deadline;
}

/* Starts timer t with its count (TLFS "Synthetic Timer Count Register"): periodic = the
 * period, from now; one-shot = the absolute expiry (in the past: expires at once). */
static void stimer_start(struct hv_stimer *t)
{
	if (!(t->config & HV_STIMER_ENABLE) || !t->count) {
		t->expiry = 0;
		return;
	}
	if (t->config & HV_STIMER_PERIODIC)
		t->expiry = ref_add(hv_reftime_now(), t->count);
	else
		t->expiry = MAX(t->count, 1ULL);
}

static u32 stimer_sint(const struct hv_stimer *t)
{
	return (u32)(t->config >> HV_STIMER_SINT_SHIFT) & 0xf;
}

/* The timer message (TLFS HV_TIMER_MESSAGE_PAYLOAD): SUCCESS or why it could not go. */
static u16 stimer_send_message(struct vcpu *v, u32 vtl, u32 index, u64 due, u64 now)
{
	struct hv_message msg = { .type = HVMSG_TIMER_EXPIRED,
				  .payload_size = sizeof(struct hv_timer_message_payload) };
	struct hv_timer_message_payload p = { .timer_index = index,
					      .expiration_time = due,
					      .delivery_time = now };

	memcpy(msg.payload, &p, sizeof(p));
	return hv_synic_post(v->index, vtl, stimer_sint(&hv_stimers[v->index][vtl][index]), &msg);
}

/* Timer index of vtl expired at reference time due: signal it, then re-arm or disable it. */
static void stimer_fire(struct vcpu *v, u32 vtl, u32 index, u64 now)
{
	struct hv_stimer *t = &hv_stimers[v->index][vtl][index];
	u64 due = t->expiry;

	if (t->config & HV_STIMER_DIRECT) {
		/* A fixed interrupt on the local APIC of the timer's VTL: the guest EOIs it
		 * (TLFS "Direct Synthetic Timers"). VTL0's is the physical one (held for VTL0
		 * if a higher VTL runs now), a higher VTL's its own (before this entry). */
		u8 vector = (u8)(t->config >> HV_STIMER_VECTOR_SHIFT);
		if (vtl)
			vp_vtl_apic_raise(v, vtl, vector, false);
		else
			apic_send_fixed(v->apic_id, vector);
	} else if (!t->pending_since &&
		   stimer_send_message(v, vtl, index, due, now) == HV_STATUS_INSUFFICIENT_BUFFERS) {
		t->pending_since = due; /* the slot is busy: again after EOM */
	} /* a message still waiting for its slot: this expiry is skipped (TLFS) */
	if (t->config & HV_STIMER_PERIODIC) {
		/* The next period from the one that was due; missed periods are skipped. */
		t->expiry = ref_add(due, t->count);
		if (t->expiry <= now)
			t->expiry = ref_add(now, t->count);
	} else {
		t->config &= ~HV_STIMER_ENABLE; /* TLFS: a one-shot disables itself */
		t->expiry = 0;
	}
}

void hv_stimer_before_entry(struct vcpu *v)
{
	u64 now = rdtsc();

	if (now >= v->timer_deadline) {
		u64 ref = hv_reftime_now();
		for (u32 vtls = vtls_of(v), vtl; vtls; vtls &= vtls - 1) {
			vtl = (u32)__builtin_ctz(vtls);
			struct hv_stimer *t = hv_stimers[v->index][vtl];
			for (u32 i = 0; i < HV_STIMER_COUNT; i++)
				if (t[i].expiry && t[i].expiry <= ref)
					stimer_fire(v, vtl, i, ref);
		}
		vp_vtl_apic_timers(v, now);
		/* An interrupt one of them made deliverable in a VTL above the running one
		 * preempts it (entry reason 2): the switch happens here, before this entry. */
		if (vp_vtl_apic_preempts(v))
			hv_vtl_serve_requests(v);
		stimer_update_deadline(v);
		if (!v->timer_deadline)
			return;
		now = rdtsc();
	}
	vmcs_preempt_timer_arm(v, v->timer_deadline > now ? v->timer_deadline - now : 1);
}

void hv_stimer_retry(struct vcpu *v)
{
	struct hv_stimer *t = timers_of(v);
	u64 now = 0;

	for (u32 i = 0; i < HV_STIMER_COUNT; i++) {
		if (!t[i].pending_since)
			continue;
		if (!now)
			now = hv_reftime_now();
		if (stimer_send_message(v, hv_active_vtl(v), i, t[i].pending_since, now) !=
		    HV_STATUS_INSUFFICIENT_BUFFERS)
			t[i].pending_since = 0;
	}
}

int hv_stimer_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	const struct hv_stimer *t = &timers_of(v)[(msr - HV_MSR_STIMER0_CONFIG) / 2];

	*val = (msr & 1) ? t->count : t->config;
	return 0;
}

int hv_stimer_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	struct hv_stimer *t = &timers_of(v)[(msr - HV_MSR_STIMER0_CONFIG) / 2];

	if (msr & 1) { /* COUNT: 0 stops the timer; AutoEnable enables it with a count */
		t->count = val;
		if (!val)
			t->config &= ~HV_STIMER_ENABLE;
		else if (t->config & HV_STIMER_AUTO_ENABLE)
			t->config |= HV_STIMER_ENABLE;
	} else {
		if (val & ~HV_STIMER_VALID)
			return -1; /* RsvdZ bits */
		/* A direct timer's vector must be one an interrupt can have (16-255). */
		if ((val & HV_STIMER_DIRECT) && ((val >> HV_STIMER_VECTOR_SHIFT) & 0xff) < 16)
			return -1;
		/* TLFS: SINTx 0 on an enabled message-mode timer disables it at once. */
		if (!(val & HV_STIMER_DIRECT) && !((val >> HV_STIMER_SINT_SHIFT) & 0xf))
			val &= ~HV_STIMER_ENABLE;
		t->config = val;
		t->pending_since = 0;
	}
	stimer_start(t);
	stimer_update_deadline(v);
	return 0;
}
