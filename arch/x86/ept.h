/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_EPT_H
#define ARCH_X86_EPT_H

#include "arch/x86/mtrr.h"
#include "mm/pt.h"

struct ept_stats {
	u64 pages_1g, pages_2m, pages_4k;
};

/*
 * The root partition's guest-physical space: host-physical, identity-mapped, RWX, memory
 * types from the MTRRs, 1 GiB / 2 MiB pages wherever the type is uniform, except the
 * hypervisor pool, whose every page maps to one scratch page (DESIGN.md 4, docs/MEMORY.md).
 */
int ept_build_root(struct pt *ept, const struct mtrr_state *m, u64 top, u64 pool_base,
		   u64 pool_size, u64 scratch_pa, struct ept_stats *st);

struct vcpu;

/*
 * Changes to the root partition's EPT after takeover (overlays such as the hypercall
 * page). Serialized by one lock; visible on every CPU when the call returns: the caller's
 * CPU flushes at once, VPs running a guest are kicked and waited for, the others flush
 * before their next VM entry (ept_sync_before_entry, DESIGN.md 4).
 */
int ept_set_overlay(struct vcpu *self, u32 vtl, u64 gpa, u64 hpa, u8 perm);
int ept_clear_overlay(struct vcpu *self, u32 vtl, u64 gpa);
/* Is gpa's page an overlay in vtl's view (writes to it are refused)? */
bool ept_is_overlay(u32 vtl, u64 gpa);
/*
 * Builds vtl's EPT view (core.ept[vtl], core.eptp[vtl]): the identity map of
 * [0, core.ept_top) that ept_build_root makes, with the xAPIC page read-only. Once per VTL;
 * VTL0's at takeover (after core.ept_top, core.scratch_pa and apic_mmio_gpa are set).
 */
int ept_view_build(u32 vtl, struct ept_stats *st);
/* Right before VM entry: catch up with EPT changes made elsewhere. */
void ept_sync_before_entry(struct vcpu *v);

#endif
