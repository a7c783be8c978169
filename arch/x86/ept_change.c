/* SPDX-License-Identifier: MIT */
/* Changing the live EPT: overlays, and making a change visible on every CPU. */
#define LOG_MODULE "ept"
#include "arch/x86/apic.h"
#include "boot/bootinfo.h"
#include "arch/x86/core.h"
#include "arch/x86/ept.h"
#include "arch/x86/ept_format.h"
#include "arch/x86/intrin.h"
#include "arch/x86/tlb.h"
#include "arch/x86/vmexit.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "mm/pool.h"

/* Per VTL: the hypercall and reference TSC pages, and each VP's SynIC message and event
 * pages. */
#define EPT_OVERLAYS_MAX (CORE_VTLS * (2 + 2 * BOOTINFO_MAX_CPUS))
#define EPT_SYNC_SPINS 50000000u

/* The overlays in place: GPA page | VTL (the VTL whose view has it); owned by ept_lock. */
static spinlock_t ept_lock = SPINLOCK_INIT;
static u64 ept_overlays[EPT_OVERLAYS_MAX];
static u32 ept_noverlays;
extern struct mtrr_state core_mtrr;

int ept_view_build(u32 vtl, struct ept_stats *st)
{
	const struct bootinfo *bi = core.bi;
	struct pt *ept = &core.ept[vtl];
	int r;

	if (vtl >= CORE_VTLS || ept->root_pa)
		return -EINVAL;
	r = pt_init(ept, &ept_format, PT_LEAF_4K | PT_LEAF_2M | (core.caps.ept_1g ? PT_LEAF_1G : 0),
		    &pool_pt_alloc);
	if (!r)
		r = ept_build_root(ept, &core_mtrr, core.ept_top, bi->pool_base, bi->pool_size,
				   core.scratch_pa, st);
	/*
	 * The root partition owns its local APICs, but its ICR writes are watched for SIPIs
	 * (arch/x86/exit_initsipi.c): the xAPIC page is read-only in the EPT (x2APIC's ICR is
	 * an MSR, trapped by the bitmap). Reads, and so most APIC use, stay exit-free.
	 */
	if (!r && apic_mmio_gpa) {
		const struct pt_attr ro = { PT_R, PT_MT_UC, 0 };
		/* A VTL above 0 has an APIC of its own (vp_vtl_apic.h): there the page is not
		 * mapped at all, and every access is emulated against that APIC. */
		r = vtl ? pt_unmap(ept, apic_mmio_gpa, PAGE_SIZE) :
			  pt_protect(ept, apic_mmio_gpa, PAGE_SIZE, &ro);
	}
	if (r) {
		/* A view half built is never used: its tables stay in the pool (VSM enabling
		 * fails, and the partition goes on without the VTL). */
		ept->root_pa = 0;
		return r;
	}
	__atomic_store_n(&core.eptp[vtl], ept_eptp(ept->root_pa), __ATOMIC_RELEASE);
	return 0;
}

void ept_sync_before_entry(struct vcpu *v)
{
	vcpu_tlb_sync_before_entry(v);
	/* Clear, then read (both SEQ_CST): a change published after the read sets it again. */
	if (!__atomic_exchange_n(&v->work.ept_stale, 0, __ATOMIC_SEQ_CST))
		return;
	u64 gen = __atomic_load_n(&core.ept_gen, __ATOMIC_SEQ_CST);
	if (v->ept_gen == gen)
		return;
	/* SDM vol.3 29.4.3.1: single-context invalidation of the one EPTP when there is one
	 * view and the CPU has it; with a VTL1 view, both (it may run here next). */
	if ((core.caps.ept_vpid & EPTCAP_INVEPT_SINGLE) && !core.eptp[1])
		invept(INVEPT_SINGLE, core.eptp[0]);
	else
		invept(INVEPT_ALL, 0);
	v->invepts++;
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
		vcpu_kick_nmi(t);
		u32 spins = 0;
		while (__atomic_load_n(&t->ept_gen, __ATOMIC_ACQUIRE) < gen &&
		       __atomic_load_n(&t->in_guest, __ATOMIC_ACQUIRE) && ++spins < EPT_SYNC_SPINS)
			cpu_relax();
		if (spins == EPT_SYNC_SPINS)
			pr_warn("VP %u did not acknowledge an EPT change\n", t->index);
	}
}

static int overlay_index(u32 vtl, u64 gpa)
{
	for (u32 i = 0; i < ept_noverlays; i++)
		if (ept_overlays[i] == (gpa | vtl))
			return (int)i;
	return -1;
}

bool ept_is_overlay(u32 vtl, u64 gpa)
{
	gpa &= ~(PAGE_SIZE - 1);
	spin_lock(&ept_lock);
	bool r = overlay_index(vtl, gpa) >= 0;
	spin_unlock(&ept_lock);
	return r;
}

int ept_set_overlay(struct vcpu *self, u32 vtl, u64 gpa, u64 hpa, u8 perm)
{
	struct pt_attr a = { perm, PT_MT_WB, 0 };
	int r = 0;

	if (vtl >= CORE_VTLS || !core.ept[vtl].root_pa)
		return -EINVAL;
	gpa &= ~(PAGE_SIZE - 1);
	spin_lock(&ept_lock);
	if (overlay_index(vtl, gpa) < 0) {
		if (ept_noverlays == EPT_OVERLAYS_MAX)
			r = -ENOMEM;
		else
			ept_overlays[ept_noverlays++] = gpa | vtl;
	}
	if (!r)
		r = pt_map(&core.ept[vtl], gpa, hpa, PAGE_SIZE, &a);
	spin_unlock(&ept_lock);
	if (!r)
		ept_publish(self);
	return r;
}

int ept_clear_overlay(struct vcpu *self, u32 vtl, u64 gpa)
{
	int i, r = 0;

	if (vtl >= CORE_VTLS)
		return -EINVAL;
	gpa &= ~(PAGE_SIZE - 1);
	spin_lock(&ept_lock);
	i = overlay_index(vtl, gpa);
	if (i >= 0) {
		/* Back to the identity mapping the page had at takeover. */
		struct pt_attr a = { PT_RWX, mtrr_type(&core_mtrr, gpa), 0 };
		ept_overlays[i] = ept_overlays[--ept_noverlays];
		r = pt_map(&core.ept[vtl], gpa, gpa, PAGE_SIZE, &a);
	}
	spin_unlock(&ept_lock);
	if (i >= 0 && !r)
		ept_publish(self);
	return r;
}
