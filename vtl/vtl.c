/* SPDX-License-Identifier: MIT */
/* Virtual Trust Levels: enabling, and the switch (vtl/vtl.h). */
#define LOG_MODULE "vtl"
#include "vtl/vtl.h"
#include "arch/x86/ept.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vp_vtl_apic.h"
#include "arch/x86/intr_inject.h"
#include "arch/x86/vmx_defs.h"
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/spinlock.h"

static spinlock_t vtl_lock = SPINLOCK_INIT; /* enabling: partition and VPs */
u16 vtl_part_enabled = 1;		    /* VTL0 always */
struct vtl_vp vtl_vps[BOOTINFO_MAX_CPUS][VTL_MAX + 1];

u64 vtl_part_config[VTL_MAX + 1];

bool vtl_tlb_locked(const struct vcpu *t, u32 lower_vtl)
{
	for (u32 vtl = lower_vtl + 1; vtl <= VTL_MAX; vtl++)
		if (__atomic_load_n(&vtl_vps[t->index][vtl].secure_config[lower_vtl],
				    __ATOMIC_ACQUIRE) &
		    VTL_SECURE_CONFIG_TLB_LOCKED)
			return true;
	return false;
}

bool vtl_enabled_on_any_vp(u32 vtl, const struct vcpu *except)
{
	if (vtl == 0)
		return true;
	for (u32 i = 0; vtl <= VTL_MAX && i < vcpu_count(); i++)
		if ((!except || i != except->index) && (vtl_vp_enabled(vcpu_get(i)) & (1u << vtl)))
			return true;
	return false;
}

int vtl_enable_partition(u32 vtl)
{
	struct ept_stats st = { 0 };
	int r = 0;

	if (vtl == 0 || vtl > VTL_MAX)
		return -EINVAL;
	spin_lock(&vtl_lock);
	if (vtl_part_enabled & (1u << vtl))
		r = -EEXIST;
	else if (!core.eptp[vtl]) /* a view outlives a reset (vtl_reset) */
		r = ept_view_build(vtl, &st);
	if (!r)
		__atomic_or_fetch(&vtl_part_enabled, (u16)(1u << vtl), __ATOMIC_RELEASE);
	spin_unlock(&vtl_lock);
	if (!r)
		pr_info("VTL%u enabled for the partition: its EPT view maps %llu x 1G, %llu x 2M, "
			"%llu x 4K\n",
			vtl, (unsigned long long)st.pages_1g, (unsigned long long)st.pages_2m,
			(unsigned long long)st.pages_4k);
	return r;
}

int vtl_enable_vp(struct vcpu *t, u32 vtl, const struct guest_state *g)
{
	int r = 0;

	if (vtl == 0 || vtl > VTL_MAX || !(vtl_partition_enabled() & (1u << vtl)))
		return -EINVAL;
	spin_lock(&vtl_lock);
	struct vtl_vp *s = &vtl_vps[t->index][vtl];
	if (vtl_vp_enabled(t) & (1u << vtl)) {
		r = -EEXIST;
	} else {
		*s = (struct vtl_vp){ .init = *g };
		vp_vtl_apic_reset(t, vtl);
		/* Published last: t reads its state only after it sees this (vtl_switch). */
		__atomic_or_fetch(&t->higher_vtls, (u16)(1u << vtl), __ATOMIC_RELEASE);
	}
	spin_unlock(&vtl_lock);
	if (!r)
		pr_info("VP %u: VTL%u enabled (starts at RIP %#llx)\n", t->index, vtl,
			(unsigned long long)g->rip);
	return r;
}

int vtl_start_vp(struct vcpu *t, u32 vtl, const struct guest_state *g)
{
	int r = 0;

	if (vtl == 0 || vtl > VTL_MAX)
		return -EINVAL;
	spin_lock(&vtl_lock);
	struct vtl_vp *s = &vtl_vps[t->index][vtl];
	if (!(vtl_vp_enabled(t) & (1u << vtl)))
		r = -EINVAL;
	else if (s->created || s->start_pending)
		r = -EEXIST;
	else {
		s->init = *g;
		__atomic_store_n(&s->start_pending, 1, __ATOMIC_RELEASE);
	}
	spin_unlock(&vtl_lock);
	if (r)
		return r;
	/* The kick bit before the NMI, and the NMI only to a VP in guest mode: one in root
	 * operation looks at its kicks before it enters (arch/x86/vmexit.c). */
	__atomic_or_fetch(&t->work.kick, VCPU_KICK_VTL, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&t->in_guest, __ATOMIC_SEQ_CST))
		vcpu_kick_nmi(t);
	pr_info("VP %u: started in VTL%u at RIP %#llx\n", t->index, vtl,
		(unsigned long long)g->rip);
	return 0;
}

u32 vtl_serve_requests(struct vcpu *v, u32 *why)
{
	/* The highest VTL with something wins (reference 3.10: silently). */
	for (u32 vtl = VTL_MAX; vtl > v->active_vtl; vtl--) {
		struct vtl_vp *s = &vtl_vps[v->index][vtl];
		if (__atomic_exchange_n(&s->start_pending, 0, __ATOMIC_ACQUIRE))
			*why = VTL_ENTRY_START;
		else if (__atomic_exchange_n(&s->intercept_pending, 0, __ATOMIC_ACQUIRE))
			*why = VTL_ENTRY_INTERCEPT;
		else if (vp_vtl_apic_deliverable(v, vtl) >= 0)
			*why = VTL_ENTRY_INTERRUPT; /* its TPR lets it through */
		else
			continue;
		int r = vtl_switch(v, vtl);
		if (!r)
			return vtl;
		pr_err("VP %u: cannot enter VTL%u for %s (%d): it stays at VTL%u\n", v->index, vtl,
		       *why == VTL_ENTRY_START	   ? "StartVirtualProcessor" :
		       *why == VTL_ENTRY_INTERCEPT ? "an intercept" :
						     "an interrupt",
		       r, v->active_vtl);
		return 0;
	}
	return 0;
}

void vtl_reset(void)
{
	spin_lock(&vtl_lock);
	__builtin_memset(vtl_vps, 0, sizeof(vtl_vps));
	__builtin_memset(vtl_part_config, 0, sizeof(vtl_part_config));
	for (u32 i = 0; i < vcpu_count(); i++)
		__atomic_store_n(&vcpu_get(i)->higher_vtls, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&vtl_part_enabled, 1, __ATOMIC_RELEASE);
	spin_unlock(&vtl_lock);
}

int vtl_vmcs_peek(struct vcpu *v, u32 vtl, bool begin)
{
	if (vtl == v->active_vtl)
		return 0;
	struct vtl_vp *s = vtl <= VTL_MAX ? &vtl_vps[v->index][vtl] : NULL;
	if (!s || !s->created)
		return -EINVAL;
	int r = begin ? vp_vtl_vmcs_load(s->vmcs_pa) : 0;
	if (r)
		return r;
	/* v->entry_ctls is the current VMCS's (a register write may change IA-32e mode):
	 * exchanged with the peeked VTL's for the moment, and back. */
	u32 ctls = v->entry_ctls;
	v->entry_ctls = s->entry_ctls;
	s->entry_ctls = ctls;
	return begin ? 0 : vp_vtl_vmcs_load(v->vmcs_pa);
}

int vtl_switch(struct vcpu *v, u32 to)
{
	u32 from = v->active_vtl;
	struct vtl_vp *f = &vtl_vps[v->index][from], *t = &vtl_vps[v->index][to];
	bool first = false;

	if (to > VTL_MAX || to == from || !(vtl_vp_enabled(v) & (1u << to)))
		return -EINVAL;
	if (from == 0 && !f->created) { /* VTL0's VMCS is the one takeover made */
		f->created = true;
		f->vmcs_pa = v->vmcs_pa;
	}
	f->entry_ctls = v->entry_ctls;
	if (!t->created) {
		int r = vp_vtl_vmcs_create(v, to, &t->init, &t->vmcs_pa);
		if (r) {
			pr_err("VP %u: cannot create the VMCS of VTL%u (%d): it stays at VTL%u\n",
			       v->index, to, r, from);
			v->entry_ctls = f->entry_ctls;
			return r;
		}
		t->created = first = true;
		t->entry_ctls = v->entry_ctls; /* vmcs_fill set it for the new VMCS */
		/* INIT values (SDM vol.3 10.1 table 10-1). */
		*vp_vtl_msrs(v, to) = (struct vp_private_msrs){ 0 };
	} else if (vp_vtl_vmcs_load(t->vmcs_pa)) {
		return -EIO;
	}
	vtl_switch_commit(v, t, to);
	if (first)
		v->work.local |= VCPU_LOCAL_VMLAUNCH;
	return 0;
}
