/* SPDX-License-Identifier: MIT */
#define LOG_MODULE "tlb"
#include "arch/x86/tlb.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/core.h"
#include "arch/x86/intrin.h"
#include "arch/x86/vcpu.h"
#include "arch/x86/vp_vtl.h"
#include "lib/log.h"

#define TLB_SYNC_SPINS 50000000u

/* Every VTL's translations of v: a superset of any flush a VTL asks for (TLFS allows). */
static void flush_own(struct vcpu *v)
{
	if (!core.caps.invvpid) {
		invept(INVEPT_ALL, 0); /* also drops the VPID-tagged entries */
		v->invepts++;
		return;
	}
	bool single = core.caps.ept_vpid & EPTCAP_INVVPID_SINGLE;
	invvpid(single ? INVVPID_SINGLE : INVVPID_ALL, v->vpid, 0);
	for (u32 vtl = 1; single && vtl < CORE_VTLS; vtl++)
		if (core.eptp[vtl])
			invvpid(INVVPID_SINGLE, vp_vtl_vpid(v, vtl), 0);
}

void vcpu_tlb_sync_before_entry(struct vcpu *v)
{
	if (!__atomic_load_n(&v->work.tlb_flush, __ATOMIC_SEQ_CST))
		return;
	flush_own(v);
	__atomic_store_n(&v->work.tlb_flush, 0, __ATOMIC_RELEASE);
}

void vcpu_flush_tlbs(struct vcpu *self, u64 mask)
{
	u64 waiting = 0;

	for (u32 i = 0; i < vcpu_count() && i < 64; i++) {
		struct vcpu *t = vcpu_get(i);
		if (!(mask & (1ULL << i)) || !__atomic_load_n(&t->launched, __ATOMIC_ACQUIRE))
			continue;
		if (t == self) {
			flush_own(self);
			continue;
		}
		__atomic_store_n(&t->work.tlb_flush, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&t->in_guest, __ATOMIC_SEQ_CST)) {
			vcpu_kick_nmi(t);
			waiting |= 1ULL << i;
		}
	}
	for (u32 i = 0; waiting && i < 64; i++) {
		if (!(waiting & (1ULL << i)))
			continue;
		struct vcpu *t = vcpu_get(i);
		u32 spins = 0;
		while (__atomic_load_n(&t->work.tlb_flush, __ATOMIC_ACQUIRE) &&
		       __atomic_load_n(&t->in_guest, __ATOMIC_ACQUIRE) && ++spins < TLB_SYNC_SPINS)
			cpu_relax();
		if (spins == TLB_SYNC_SPINS)
			pr_warn("VP %u did not acknowledge a TLB flush\n", t->index);
	}
}
