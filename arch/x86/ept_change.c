/* SPDX-License-Identifier: MIT */
/* Changing the live EPT: overlays, and making a change visible on every CPU. */
#define LOG_MODULE "ept"
#include "arch/x86/apic.h"
#include "boot/bootinfo.h"
#include "arch/x86/core.h"
#include "arch/x86/ept.h"
#include "arch/x86/intrin.h"
#include "arch/x86/tlb.h"
#include "arch/x86/vmexit.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/spinlock.h"

/* Per VTL: the hypercall and reference TSC pages, and each VP's SynIC message and event
 * pages; room for two VTLs. */
#define EPT_OVERLAYS_MAX (2 * (2 + 2 * BOOTINFO_MAX_CPUS))
#define EPT_SYNC_SPINS 50000000u

/* The overlays in place (GPA pages); owned by ept_lock. */
static spinlock_t ept_lock = SPINLOCK_INIT;
static u64 ept_overlays[EPT_OVERLAYS_MAX];
static u32 ept_noverlays;
extern struct mtrr_state core_mtrr;

void ept_sync_before_entry(struct vcpu *v)
{
	vcpu_tlb_sync_before_entry(v);
	/* Clear, then read (both SEQ_CST): a change published after the read sets it again. */
	if (!__atomic_exchange_n(&v->work.ept_stale, 0, __ATOMIC_SEQ_CST))
		return;
	u64 gen = __atomic_load_n(&core.ept_gen, __ATOMIC_SEQ_CST);
	if (v->ept_gen == gen)
		return;
	/* SDM vol.3 29.4.3.1: single-context invalidation of our one EPTP when available. */
	invept((core.caps.ept_vpid & EPTCAP_INVEPT_SINGLE) ? INVEPT_SINGLE : INVEPT_ALL, core.eptp);
	__atomic_store_n(&v->ept_gen, gen, __ATOMIC_RELEASE);
}

/*
 * After a change: flush here, then wait for every VP that is in guest mode right now to
 * catch up (the NMI kick makes it exit; it flushes in ept_sync_before_entry). A VP in
 * root operation flushes before it next enters: it set in_guest before looking at its
 * work word, we bumped the generation and marked every VP stale before looking at
 * in_guest (Dekker).
 */
static void ept_publish(struct vcpu *self)
{
	u64 gen = __atomic_add_fetch(&core.ept_gen, 1, __ATOMIC_SEQ_CST);

	for (u32 i = 0; i < vcpu_count(); i++)
		__atomic_store_n(&vcpu_get(i)->work.ept_stale, 1, __ATOMIC_SEQ_CST);
	ept_sync_before_entry(self);
	for (u32 i = 0; i < vcpu_count(); i++) {
		struct vcpu *t = vcpu_get(i);
		if (t == self || !__atomic_load_n(&t->in_guest, __ATOMIC_SEQ_CST))
			continue;
		__atomic_or_fetch(&t->work.kick, VCPU_KICK_WAKE, __ATOMIC_RELEASE);
		apic_send_nmi(t->apic_id);
		u32 spins = 0;
		while (__atomic_load_n(&t->ept_gen, __ATOMIC_ACQUIRE) < gen &&
		       __atomic_load_n(&t->in_guest, __ATOMIC_ACQUIRE) && ++spins < EPT_SYNC_SPINS)
			cpu_relax();
		if (spins == EPT_SYNC_SPINS)
			pr_warn("VP %u did not acknowledge an EPT change\n", t->index);
	}
}

static int overlay_index(u64 gpa)
{
	for (u32 i = 0; i < ept_noverlays; i++)
		if (ept_overlays[i] == gpa)
			return (int)i;
	return -1;
}

bool ept_is_overlay(u64 gpa)
{
	gpa &= ~(PAGE_SIZE - 1);
	spin_lock(&ept_lock);
	bool r = overlay_index(gpa) >= 0;
	spin_unlock(&ept_lock);
	return r;
}

int ept_set_overlay(struct vcpu *self, u64 gpa, u64 hpa, u8 perm)
{
	struct pt_attr a = { perm, PT_MT_WB, 0 };
	int r = 0;

	gpa &= ~(PAGE_SIZE - 1);
	spin_lock(&ept_lock);
	if (overlay_index(gpa) < 0) {
		if (ept_noverlays == EPT_OVERLAYS_MAX)
			r = -ENOMEM;
		else
			ept_overlays[ept_noverlays++] = gpa;
	}
	if (!r)
		r = pt_map(&core.ept, gpa, hpa, PAGE_SIZE, &a);
	spin_unlock(&ept_lock);
	if (!r)
		ept_publish(self);
	return r;
}

int ept_clear_overlay(struct vcpu *self, u64 gpa)
{
	int i, r = 0;

	gpa &= ~(PAGE_SIZE - 1);
	spin_lock(&ept_lock);
	i = overlay_index(gpa);
	if (i >= 0) {
		/* Back to the identity mapping the page had at takeover. */
		struct pt_attr a = { PT_RWX, mtrr_type(&core_mtrr, gpa), 0 };
		ept_overlays[i] = ept_overlays[--ept_noverlays];
		r = pt_map(&core.ept, gpa, gpa, PAGE_SIZE, &a);
	}
	spin_unlock(&ept_lock);
	if (i >= 0 && !r)
		ept_publish(self);
	return r;
}
