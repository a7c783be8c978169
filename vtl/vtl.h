/* SPDX-License-Identifier: MIT */
/*
 * Virtual Trust Levels (TLFS VSM, reference 3; DESIGN.md 3): which VTLs the partition and
 * each VP have enabled, and the switch between them. The hypercalls that drive this are in
 * hyperv/vsm.c; the hardware side of a switch in arch/x86/vp_vtl.c. docs/VSM.md.
 */
#ifndef VTL_VTL_H
#define VTL_VTL_H

#include "arch/x86/core.h"
#include "arch/x86/guest_state.h"
#include "arch/x86/vcpu.h"
#include "arch/x86/vp_vtl.h"
#include "boot/bootinfo.h"

/* VTL numbers are 4 bits and VTL sets 16 bits (TLFS: 16 architectural VTLs); vtlvisor
 * offers VTL0 and VTL1 (VsmPartitionStatus.MaximumVtl). */
#define VTL_ARCH_COUNT 16
#define VTL_MAX 1
_Static_assert(VTL_MAX + 1 == CORE_VTLS, "one EPT view and VMCS per VTL offered");

/*
 * The secure register intercepts a VTL asks for on the state of a lower VTL of the same VP
 * (TLFS 3.9.3: HvRegisterCrInterceptControl and its three masks, reference 3.3; the bits
 * are hyperv/intercept.h's). Written and read on the VP's own CPU only: it programs that
 * VP's VMCS of the lower VTL.
 */
struct vtl_reg_intercepts {
	u64 control, cr0_mask, cr4_mask, misc_enable_mask;
};

/* One VP at one VTL. Owned by the VP's CPU once enabled (the VTL's bit in the vcpu's
 * higher_vtls, published after enabling wrote this). */
struct vtl_vp {
	bool created;	  /* its VMCS exists (VTL0's: from takeover) */
	u8 start_pending; /* StartVirtualProcessor: enter this VTL from init at the next entry */
	u8 vina_asserted; /* VINA raised: the latch when this VTL has no VP assist page */
	u8 tlb_locks_set; /* a TlbLocked bit may be set in secure_config (vtl_tlb_lock) */
	u8 intercept_pending; /* an intercept waits in this VTL's intercept page: enter it */
	u64 vmcs_pa;
	u32 entry_ctls;		 /* v->entry_ctls while another VTL runs */
	struct guest_state init; /* EnableVpVtl's context, until the VMCS is made from it */
	/* TLFS VtlReturnX64Rax/Rcx when this VTL has no VP assist page (reference 3.4). */
	u64 ret_rax, ret_rcx;
	/* VSM registers (reference 3.3): HvRegisterVsmVina of this VTL, and this VTL's
	 * HvRegisterVsmVpSecureConfigVtl<n> for each lower VTL n. */
	u64 vina;
	u64 secure_config[VTL_MAX];
	/* This VTL's secure register intercepts on each lower VTL n of this VP. */
	struct vtl_reg_intercepts intercepts[VTL_MAX];
	u32 intercepts_lost; /* intercepts it could not be told of (no SynIC): warned once */
} __attribute__((aligned(512)));
/* A power-of-two size: vtl_vps[vp][vtl] on the VTL switch path is a shift, not the
 * two or three instructions some sizes cost per index (448 did: +60 per round trip). */
_Static_assert(sizeof(struct vtl_vp) == 512, "vtl_vps[][] indexing on the VTL switch path");

/* VsmVpSecureConfigVtl<n> bits (reference 3.3). */
#define VTL_SECURE_CONFIG_TLB_LOCKED (1ULL << 1)

/* Has a VTL above lower_vtl locked t's TLB against lower_vtl's flushes (TLFS 3.12)? */
bool vtl_tlb_locked(const struct vcpu *t, u32 lower_vtl);

/* s's VsmVpSecureConfigVtl<lower> = val (any CPU), TlbLocked included. The bit goes in
 * first, the summary flag after it: vtl_tlb_unlock_all, which clears the flag before it
 * looks at the bits, never misses a lock. */
static inline void vtl_secure_config_set(struct vtl_vp *s, u32 lower, u64 val)
{
	__atomic_store_n(&s->secure_config[lower], val, __ATOMIC_RELEASE);
	if (val & VTL_SECURE_CONFIG_TLB_LOCKED)
		__atomic_store_n(&s->tlb_locks_set, 1, __ATOMIC_RELEASE);
}
/* TlbLocked on in s's VsmVpSecureConfigVtl<lower> (any CPU), the other bits kept. */
static inline void vtl_tlb_lock(struct vtl_vp *s, u32 lower)
{
	__atomic_or_fetch(&s->secure_config[lower], VTL_SECURE_CONFIG_TLB_LOCKED, __ATOMIC_RELEASE);
	__atomic_store_n(&s->tlb_locks_set, 1, __ATOMIC_RELEASE);
}
/* TLFS 3.12, at a VtlReturn of s's VTL (vtl): the TLB locks it holds on its VP go. One
 * load when it holds none, the common case. */
static inline void vtl_tlb_unlock_all(struct vtl_vp *s, u32 vtl)
{
	if (!__atomic_load_n(&s->tlb_locks_set, __ATOMIC_RELAXED) ||
	    !__atomic_exchange_n(&s->tlb_locks_set, 0, __ATOMIC_ACQ_REL))
		return;
	for (u32 lower = 0; lower < vtl; lower++)
		if (__atomic_load_n(&s->secure_config[lower], __ATOMIC_RELAXED) &
		    VTL_SECURE_CONFIG_TLB_LOCKED)
			__atomic_and_fetch(&s->secure_config[lower], ~VTL_SECURE_CONFIG_TLB_LOCKED,
					   __ATOMIC_RELEASE);
}

/* HvRegisterVsmPartitionConfig of vtl (1..VTL_MAX; NULL otherwise): one per VTL. Inline,
 * like the enabled set below: ModifyVtlProtectionMask asks on every call. */
extern u64 vtl_part_config[VTL_MAX + 1];
static inline u64 *vtl_partition_config(u32 vtl)
{
	return vtl >= 1 && vtl <= VTL_MAX ? &vtl_part_config[vtl] : NULL;
}

/* Every VP's state per VTL (vtl.c); inline accessors below, for the VTL call path. */
extern struct vtl_vp vtl_vps[BOOTINFO_MAX_CPUS][VTL_MAX + 1];

/* The enabled VTL sets: of the partition, and of a VP (bit n = VTL n). */
extern u16 vtl_part_enabled; /* VTL0 always; written under vtl.c's lock */
static inline u16 vtl_partition_enabled(void)
{
	return __atomic_load_n(&vtl_part_enabled, __ATOMIC_ACQUIRE);
}
static inline u16 vtl_vp_enabled(const struct vcpu *v)
{
	return 1 | __atomic_load_n(&v->higher_vtls, __ATOMIC_ACQUIRE);
}
/* Is vtl enabled on a VP of the partition other than except (NULL: any VP)? */
bool vtl_enabled_on_any_vp(u32 vtl, const struct vcpu *except);
/* v's state at vtl (0..VTL_MAX; NULL beyond). */
static inline struct vtl_vp *vtl_vp_state(const struct vcpu *v, u32 vtl)
{
	return vtl <= VTL_MAX ? &vtl_vps[v->index][vtl] : NULL;
}

/* Enables vtl (1..VTL_MAX) for the partition: builds its EPT view. 0, -EEXIST, -EINVAL,
 * or the view's error (-ENOMEM). */
int vtl_enable_partition(u32 vtl);
/* Enables vtl on VP t with the initial guest state g (any CPU): 0, -EEXIST (already on t),
 * -EINVAL (not enabled for the partition). t enters it only when it switches there. */
int vtl_enable_vp(struct vcpu *t, u32 vtl, const struct guest_state *g);

/*
 * HvCallStartVirtualProcessor into vtl (1..VTL_MAX) on t (any CPU): g replaces the initial
 * state EnableVpVtl gave; t enters vtl from it at its next VM entry (kicked), its lower VTL
 * left where it was, as under an interrupt. 0; -EINVAL (vtl not enabled on t), -EEXIST (t
 * has entered vtl already, or a start is pending).
 */
int vtl_start_vp(struct vcpu *t, u32 vtl, const struct guest_state *g);
/* Why vtl_serve_requests() entered a VTL. */
enum vtl_entry_why { VTL_ENTRY_START, VTL_ENTRY_INTERRUPT, VTL_ENTRY_INTERCEPT };
/* On v's own CPU before an entry (hyperv's vcpu_vtl_hook): the highest VTL above the
 * running one with a pending start (StartVirtualProcessor), an intercept in its intercept
 * page (vtl_intercept_pending) or an interrupt its APIC would deliver is entered. The VTL v entered and *why, or 0 (nothing, or the switch failed:
 * logged). */
u32 vtl_serve_requests(struct vcpu *v, u32 *why);

/*
 * v's CPU, in an exit handler: v's next entry runs VTL `to` (enabled on v). Saves the
 * private state of the VTL running now, loads `to`'s (its VMCS made on first use, then
 * entered with VMLAUNCH). Shared state is untouched. 0, or an error with nothing changed.
 */
int vtl_switch(struct vcpu *v, u32 to);

/* The end of every switch, once t's VMCS is current: its private MSRs, VMCS and VM-entry
 * controls become v's. */
static inline void vtl_switch_commit(struct vcpu *v, const struct vtl_vp *t, u32 to)
{
	vp_private_msrs_switch(v, to);
	v->vmcs_pa = t->vmcs_pa;
	v->entry_ctls = t->entry_ctls;
	v->active_vtl = (u8)to;
}

/* The same, inline for the VTL call path (always: gcc would not inline both of its uses
 * in hv_vtl_fast): its common case (both VMCSs exist) here, the rest (a first entry, an
 * error) through vtl_switch(). */
static inline __attribute__((always_inline)) int vtl_switch_fast(struct vcpu *v, u32 to)
{
	struct vtl_vp *vps = vtl_vps[v->index], *f = &vps[v->active_vtl],
		      *t = &vps[to <= VTL_MAX ? to : 0];

	if (__builtin_expect(to > VTL_MAX || to == v->active_vtl || !f->created || !t->created ||
				     !(vtl_vp_enabled(v) & (1u << to)),
			     0))
		return vtl_switch(v, to);
	if (vp_vtl_vmcs_load(t->vmcs_pa))
		return -EIO;
	f->entry_ctls = v->entry_ctls;
	vtl_switch_commit(v, t, to);
	return 0;
}

/* v's CPU: an intercept for vtl waits in its intercept page; it is entered before v's next
 * entry (reason Intercept). */
static inline void vtl_intercept_pending(struct vcpu *v, u32 vtl)
{
	__atomic_store_n(&vtl_vps[v->index][vtl].intercept_pending, 1, __ATOMIC_RELAXED);
	__atomic_or_fetch(&v->work.kick, VCPU_KICK_VTL, __ATOMIC_RELAXED);
}

/* Forgets every VTL above 0: the partition and its VPs as at takeover (views and VMCSs
 * stay allocated: the pool never frees). With every VP at VTL0, e.g. the unit tests. */
void vtl_reset(void);

/*
 * v's CPU: makes v's VMCS of vtl current for a moment to read or write its guest state
 * (begin = true), with v->entry_ctls its VM-entry controls, then v's running VTL's again
 * (begin = false). Nothing to do for the VTL running now. -EINVAL when vtl has no VMCS
 * (never entered).
 */
int vtl_vmcs_peek(struct vcpu *v, u32 vtl, bool begin);

#endif
