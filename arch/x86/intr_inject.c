/* SPDX-License-Identifier: MIT */
/* Interrupts injected through the VMCS (arch/x86/intr_inject.h). */
#include "arch/x86/intr_inject.h"
#include "arch/x86/apic.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vp_vtl_apic.h"
#include "arch/x86/core.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"

void (*vcpu_vina_hook)(struct vcpu *v);

void vcpu_post_interrupt(struct vcpu *t, u8 vector)
{
	__atomic_or_fetch(&t->irq_pending[vector / 64], 1ULL << (vector % 64), __ATOMIC_RELAXED);
	__atomic_store_n(&t->work.irq_posted, 1, __ATOMIC_SEQ_CST);
	/* Dekker with the run loop: it sets in_guest, then looks at irq_posted. The poster's
	 * own VP is in root operation (in_guest 0) and looks before its next entry. */
	if (__atomic_load_n(&t->in_guest, __ATOMIC_SEQ_CST))
		vcpu_kick_nmi(t);
}

static void idle_end(struct vcpu *v);

/* The highest pending vector, taken off the list; -1 if none. */
static int take_highest(struct vcpu *v)
{
	for (int w = 3; w >= 0; w--) {
		u64 bits = __atomic_load_n(&v->irq_pending[w], __ATOMIC_RELAXED);
		if (bits) {
			int bit = 63 - __builtin_clzll(bits);
			__atomic_and_fetch(&v->irq_pending[w], ~(1ULL << bit), __ATOMIC_RELAXED);
			return w * 64 + bit;
		}
	}
	return -1;
}

static bool any_pending(const struct vcpu *v)
{
	for (int w = 0; w < 4; w++)
		if (__atomic_load_n(&v->irq_pending[w], __ATOMIC_RELAXED))
			return true;
	return false;
}

void vcpu_inject_pending_slow(struct vcpu *v)
{
	/* The vectors posted here are VTL0's (its SynIC): they wait while a higher VTL runs,
	 * which takes those of its own APIC (vp_vtl_apic.c). The flag stays while either
	 * still has some. */
	if (v->active_vtl) {
		__atomic_store_n(&v->work.irq_posted, 0, __ATOMIC_SEQ_CST);
		if (any_pending(v) && vcpu_vina_hook)
			vcpu_vina_hook(v); /* may make one pending in the running VTL's APIC */
		if (vp_vtl_apic_inject(v) || any_pending(v))
			__atomic_store_n(&v->work.irq_posted, 1, __ATOMIC_RELAXED);
		return;
	}
	if (v->work.guest_idle)
		idle_end(v); /* an interrupt arrived: GUEST_IDLE returns, even with IF = 0 */
	if (!vcpu_can_take_interrupt()) {
		vcpu_want_interrupt_window();
		return;
	}
	__atomic_store_n(&v->work.irq_posted, 0, __ATOMIC_SEQ_CST);
	int vector = take_highest(v);
	if (any_pending(v)) {
		__atomic_store_n(&v->work.irq_posted, 1, __ATOMIC_RELAXED);
		vcpu_want_interrupt_window(); /* the next one once this handler allows it */
	}
	if (vector < 0)
		return;
	vcpu_inject_interrupt((u8)vector);
}

void vcpu_idle_until_interrupt(struct vcpu *v)
{
	v->work.guest_idle = 1;
	vmwrite(VMCS_PIN_CTLS, vmread(VMCS_PIN_CTLS) | PIN_EXTINT_EXITING);
	/* SDM vol.3 27.3.1.5: the HLT state needs SS.DPL = 0, which RDMSR's CPL 0 gives. */
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
}

static void idle_end(struct vcpu *v)
{
	v->work.guest_idle = 0;
	vmwrite(VMCS_PIN_CTLS, vmread(VMCS_PIN_CTLS) & ~(u64)PIN_EXTINT_EXITING);
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	/* The 100 us look-again period ends with it (the value is reloaded at every entry);
	 * a running synthetic timer sets its own before each entry. */
	if (!v->timer_deadline)
		vmcs_preempt_timer_arm(v, 0);
}

void vcpu_idle_poll(struct vcpu *v)
{
	if (apic_interrupt_pending()) {
		idle_end(v);
		return;
	}
	u64 ticks = core.bi && core.bi->tsc_khz ? core.bi->tsc_khz / 10 : 100000; /* 100 us */
	if (v->timer_deadline) {
		u64 now = rdtsc();
		ticks = MIN(ticks, v->timer_deadline > now ? v->timer_deadline - now : 1);
	}
	vmcs_preempt_timer_arm(v, ticks);
}

/*
 * Physical interrupts belong to VTL0 (DESIGN.md 6). A higher VTL's VMCS has external-
 * interrupt exiting with acknowledge-on-exit (SDM vol.3 27.2.2: the vector is in the
 * exit interruption information, the interrupt is in service in the local APIC, or taken
 * from the 8259 for an ExtINT): the vector waits in irq_pending and is injected when VTL0
 * runs and can take it (vcpu_inject_pending_slow), and VTL0's handler EOIs it as usual.
 * Raising the APIC's TPR instead would not hold an ExtINT (SDM vol.3 11.8.3.1: TPR does
 * not apply to it): the guest would exit again at once, for ever.
 */
int exit_external_interrupt(struct vcpu *v)
{
	if (v->active_vtl) {
		u32 info = (u32)vmread(VMCS_EXIT_INTR_INFO);
		if (!(info & INTR_INFO_VALID))
			return EXIT_STOP; /* acknowledge-on-exit always gives one */
		vcpu_post_interrupt(v, (u8)info);
		v->irqs_held++;
		return EXIT_RESUME;
	}
	if (!v->work.guest_idle)
		return EXIT_STOP; /* external-interrupt exiting is on only while idle */
	idle_end(v);
	return EXIT_RESUME;
}

int exit_intr_window(struct vcpu *v)
{
	vmwrite(VMCS_PROC_CTLS, vmread(VMCS_PROC_CTLS) & ~(u64)PROC_INTR_WINDOW);
	return EXIT_RESUME; /* vcpu_inject_pending injects before the entry */
}
