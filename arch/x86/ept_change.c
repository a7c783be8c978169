/* SPDX-License-Identifier: MIT */
/* Changing the live EPT: overlays, and making a change visible on every CPU. */
#define LOG_MODULE "ept"
#include "arch/x86/apic.h"
#include "boot/bootinfo.h"
#include "arch/x86/core.h"
#include "arch/x86/ept.h"
#include "arch/x86/ept_format.h"
#include "arch/x86/ept_prot.h"
#include "arch/x86/intrin.h"
#include "arch/x86/tlb.h"
#include "arch/x86/vmexit.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "mm/phys.h"
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

/*
 * VTL protections (issue 5): VTL0's view under VTL1's protections, once VTL1 enabled them.
 * Owned by ept_lock, like every change of a view.
 */
static struct ept_prot ept_prot0;
static bool ept_prot_on;
/* Retire more than this many freed tables and the next change invalidates even when it
 * only relaxed (the tables go back to the pool then). */
#define EPT_RETIRE_SOFT_MAX 64u

/*
 * Tables freed from a view (a merge, an overlay's unmap) must not be reused while a CPU may
 * still walk them through its paging-structure caches (SDM vol.3 29.4.2): they wait in a
 * list until the next invalidation of the views (ept_publish_begin). The list runs through entry
 * 0 of each: a page address, bits 2:0 clear, reads as not present to a late walker (an EPT
 * violation that exit_ept_violation finds spurious). Per view: an invalidation waits only
 * for the VPs that run its view. Owned by ept_lock.
 */
static u64 ept_retired[CORE_VTLS]; /* per view: only its own invalidation frees them */
static u32 ept_nretired[CORE_VTLS];

static u64 ept_view_table_alloc(void *ctx)
{
	return pool_alloc_pages(1);
}

static void ept_view_table_retire(void *ctx, u64 pa)
{
	u32 vtl = (u32)(uintptr_t)ctx;

	*(volatile u64 *)phys_to_virt(pa) = ept_retired[vtl];
	ept_retired[vtl] = pa;
	ept_nretired[vtl]++;
}

/* One per view (ctx: its VTL). */
static const struct pt_alloc ept_view_alloc[CORE_VTLS] = {
	{ ept_view_table_alloc, ept_view_table_retire, (void *)0 },
	{ ept_view_table_alloc, ept_view_table_retire, (void *)1 },
};
_Static_assert(CORE_VTLS == 2, "one table allocator per view");

int ept_view_build(u32 vtl, struct ept_stats *st)
{
	const struct bootinfo *bi = core.bi;
	struct pt *ept = &core.ept[vtl];
	int r;

	if (vtl >= CORE_VTLS || ept->root_pa)
		return -EINVAL;
	r = pt_init(ept, &ept_format, PT_LEAF_4K | PT_LEAF_2M | (core.caps.ept_1g ? PT_LEAF_1G : 0),
		    &ept_view_alloc[vtl]);
	if (!r)
		r = ept_build_root(ept, &core_mtrr, core.ept_top, bi->pool_base, bi->pool_size,
				   core.scratch_pa, st);
	/*
	 * The root partition owns its local APICs, but its ICR writes are watched for SIPIs
	 * (arch/x86/exit_initsipi.c): the xAPIC page is read-only in the EPT (x2APIC's ICR is
	 * an MSR, trapped by the bitmap). Reads, and so most APIC use, stay exit-free.
	 */
	if (!r && apic_mmio_gpa) {
		/* Pinned: VTL protections never make it writable (ept_prot.c). */
		const struct pt_attr ro = { PT_R, PT_MT_UC, PT_F_PINNED };
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

/* SDM vol.3 29.4.3.1: single-context invalidation of the one EPTP when there is one view
 * and the CPU has it; with a VTL1 view, both (it may run here next). Inline: it is on the
 * path of every call that takes a permission away. */
static inline __attribute__((always_inline)) void ept_flush_here(struct vcpu *v, u64 gen)
{
	if ((core.caps.ept_vpid & EPTCAP_INVEPT_SINGLE) && !core.eptp[1])
		invept(INVEPT_SINGLE, core.eptp[0]);
	else
		invept(INVEPT_ALL, 0);
	v->invepts++;
	__atomic_store_n(&v->ept_gen, gen, __ATOMIC_RELEASE);
}

void ept_sync_before_entry(struct vcpu *v)
{
	vcpu_tlb_sync_before_entry(v);
	/* Clear, then read (both SEQ_CST): a change published after the read sets it again. */
	if (!__atomic_exchange_n(&v->work.ept_stale, 0, __ATOMIC_SEQ_CST))
		return;
	u64 gen = __atomic_load_n(&core.ept_gen, __ATOMIC_SEQ_CST);
	if (v->ept_gen != gen)
		ept_flush_here(v, gen);
}

/* What a change of a view leaves to ept_publish_end: the generation it made, the tables the
 * view retired before it. */
struct ept_pub {
	u64 gen;
	u64 retired;
};

/* The first half of publishing a change of vtl's view, under ept_lock, right after it:
 * new generations (the view's, for hv_guest_block's cache; the EPTs', for the VPs), and
 * the tables retired up to now, free once every CPU has flushed. */
static struct ept_pub ept_publish_begin(u32 vtl)
{
	struct ept_pub pub = { 0, ept_retired[vtl] };

	ept_retired[vtl] = 0;
	ept_nretired[vtl] = 0;
	__atomic_add_fetch(&core.view_gen[vtl], 1, __ATOMIC_SEQ_CST);
	pub.gen = __atomic_add_fetch(&core.ept_gen, 1, __ATOMIC_SEQ_CST);
	return pub;
}

/*
 * Every VP but self, after a change of vtl's view made generation gen: marked stale, and
 * each that runs vtl's view in guest mode right now waited for until it caught up (the NMI
 * kick makes it exit; it flushes in ept_sync_before_entry). Every other VP flushes before
 * its next VM entry: it set in_guest before looking at its work word, we marked it stale
 * before looking at in_guest (Dekker); a VP that runs another view does not use this one's
 * translations until it enters it, and it flushes before that.
 */
static void __attribute__((noinline)) ept_sync_others(struct vcpu *self, u32 vtl, u64 gen)
{
	const u32 n = vcpu_count();

	for (u32 i = 0; i < n; i++) {
		if (i == self->index)
			continue;
		struct vcpu *t = vcpu_get(i);
		__atomic_store_n(&t->work.ept_stale, 1, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&t->in_guest, __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&t->active_vtl, __ATOMIC_RELAXED) != vtl)
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

/* Tables retired from a view (a list through entry 0), back to the pool. */
static void __attribute__((noinline)) ept_free_retired(u64 pa)
{
	while (pa) {
		u64 next = *(u64 *)phys_to_virt(pa);
		pool_free_pages(pa, 1);
		pa = next;
	}
}

/*
 * The second half, not under ept_lock: flush here, bring the other VPs along
 * (ept_sync_others), then the retired tables go back to the pool. This CPU is not marked
 * stale: it flushed, and a later change marks it anyway. The other VPs' part is out of
 * line, and so is the freeing: a call that only takes a permission away on a VP alone
 * pays for neither.
 */
static inline void ept_publish_end(struct vcpu *self, u32 vtl, struct ept_pub pub)
{
	ept_flush_here(self, pub.gen);
	if (core.bi->cpu_count > 1)
		ept_sync_others(self, vtl, pub.gen);
	if (pub.retired)
		ept_free_retired(pub.retired);
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
	struct pt_attr a = { perm, PT_MT_WB, PT_F_PINNED }; /* ept_prot_set refuses it */
	struct ept_pub pub = { 0, 0 };
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
	if (!r)
		pub = ept_publish_begin(vtl);
	spin_unlock(&ept_lock);
	if (!r)
		ept_publish_end(self, vtl, pub);
	return r;
}

int ept_clear_overlay(struct vcpu *self, u32 vtl, u64 gpa)
{
	struct ept_pub pub = { 0, 0 };
	int i, r = 0;

	if (vtl >= CORE_VTLS)
		return -EINVAL;
	gpa &= ~(PAGE_SIZE - 1);
	spin_lock(&ept_lock);
	i = overlay_index(vtl, gpa);
	if (i >= 0) {
		/* Back to the identity mapping the page had at takeover, with the protection
		 * the VTL above gave it meanwhile. */
		struct pt_attr a = { PT_RWX, mtrr_type(&core_mtrr, gpa), 0 };
		if (vtl == 0 && ept_prot_on)
			a.perm = ept_prot_pt_perm(&ept_prot0, ept_prot_get(&ept_prot0, gpa));
		ept_overlays[i] = ept_overlays[--ept_noverlays];
		r = pt_map(&core.ept[vtl], gpa, gpa, PAGE_SIZE, &a);
	}
	if (i >= 0 && !r)
		pub = ept_publish_begin(vtl);
	spin_unlock(&ept_lock);
	if (i >= 0 && !r)
		ept_publish_end(self, vtl, pub);
	return r;
}

/* ---- VTL protections ------------------------------------------------------------------- */

bool ept_prot_enabled(void)
{
	return __atomic_load_n(&ept_prot_on, __ATOMIC_ACQUIRE);
}

/* Is [base, base + size) memory of the partition that a VTL may protect: RAM or firmware
 * memory (hv_gpa_is_ram's rule), not the pool? */
static bool ept_prot_ram(u32 type)
{
	return type == BOOTINFO_MEM_RAM || type == BOOTINFO_MEM_RESERVED;
}

int ept_prot_enable(struct vcpu *self, u8 val)
{
	const struct bootinfo *bi = core.bi;
	struct ept_prot_result res = { 0 };
	int r;

	spin_lock(&ept_lock);
	if (ept_prot_on) {
		spin_unlock(&ept_lock);
		return -EEXIST;
	}
	r = ept_prot_init(&ept_prot0, &core.ept[0], core.ept_top, MIRROR_NOT_RAM,
			  &ept_view_alloc[0]);
	for (u32 i = 0; !r && i < bi->mem_count; i++) {
		const struct bootinfo_mem *m = &bi->mem[i];
		u64 lo = m->base, hi = MIN(m->base + m->size, core.ept_top);
		if (!ept_prot_ram(m->type) || lo >= hi)
			continue;
		/* The pool is never RAM of the partition, whatever the map says around it. */
		u64 plo = bi->pool_base, phi = bi->pool_base + bi->pool_size;
		if (lo < plo)
			r = ept_prot_fill(&ept_prot0, lo, MIN(hi, plo) - lo, val, &res);
		if (!r && hi > phi)
			r = ept_prot_fill(&ept_prot0, MAX(lo, phi), hi - MAX(lo, phi), val, &res);
	}
	if (r) {
		/* Half applied: back to full access where it was written (the mirror goes). */
		for (u32 i = 0; i < bi->mem_count; i++) {
			const struct bootinfo_mem *m = &bi->mem[i];
			u64 hi = MIN(m->base + m->size, core.ept_top);
			if (ept_prot_ram(m->type) && m->base < hi)
				(void)ept_prot_fill(&ept_prot0, m->base, hi - m->base, 0xf, &res);
		}
		ept_prot_destroy(&ept_prot0);
	} else {
		__atomic_store_n(&ept_prot_on, true, __ATOMIC_RELEASE);
	}
	struct ept_pub pub = ept_publish_begin(0);
	spin_unlock(&ept_lock);
	ept_publish_end(self, 0, pub);
	return r;
}

int ept_prot_modify(struct vcpu *self, const u64 *gpn, u32 n, u8 val, u32 *done)
{
	struct ept_prot_result res = { 0 };
	struct ept_pub pub = { 0, 0 };
	int r = -EPERM;

	spin_lock(&ept_lock);
	if (ept_prot_on)
		r = ept_prot_set(&ept_prot0, gpn, n, val, &res);
	/* TLFS: visible on every CPU when the call returns. Only a permission taken away
	 * needs the views invalidated: a stale, narrower translation only costs a spurious
	 * EPT violation (exit_ept_violation). */
	bool flush = res.tightened || ept_nretired[0] > EPT_RETIRE_SOFT_MAX;
	if (flush)
		pub = ept_publish_begin(0);
	spin_unlock(&ept_lock);
	if (flush)
		ept_publish_end(self, 0, pub);
	*done = res.done;
	return r;
}

int ept_prot_fault(u64 gpa, u64 qual, u8 *memtype)
{
	/* SDM vol.3 28.2.1 table 28-7: bits 0-2 the access (read, write, fetch). */
	u8 need = (u8)(((qual & 1) ? PT_R : 0) | ((qual & 2) ? PT_W : 0) | ((qual & 4) ? PT_X : 0));
	int r = EPT_FAULT_OTHER;
	struct pt_attr a;
	u64 pa;

	spin_lock(&ept_lock);
	if (ept_prot_on && gpa < core.ept_top && !pt_lookup(&core.ept[0], gpa, &pa, &a, NULL)) {
		u8 val = ept_prot_get(&ept_prot0, gpa);
		if ((a.perm & need) == need)
			r = EPT_FAULT_SPURIOUS; /* allowed by now */
		else if ((pa ^ gpa) < PAGE_SIZE && val != MIRROR_NOT_RAM &&
			 (ept_prot_pt_perm(&ept_prot0, val) & need) != need)
			r = EPT_FAULT_PROTECTED; /* RAM, not an overlay, and not allowed */
		*memtype = a.memtype;
	}
	spin_unlock(&ept_lock);
	return r;
}

void ept_flush_local(u32 vtl)
{
	if (core.caps.ept_vpid & EPTCAP_INVEPT_SINGLE)
		invept(INVEPT_SINGLE, core.eptp[vtl]);
	else
		invept(INVEPT_ALL, 0);
}
