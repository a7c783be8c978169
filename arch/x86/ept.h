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
/*
 * VTL protections (issue 5, DESIGN.md 4): VTL0's view under VTL1's protections, kept by the
 * protection engine (ept_prot.h). Values are HV_MAP_GPA flags 3:0, MIRROR_NOT_RAM for
 * pages that are no RAM of the partition.
 *
 * ept_prot_enable: every RAM page (the memory map's RAM and firmware memory, not the pool)
 * gets val; -EEXIST when done already, -ENOMEM (then nothing changed).
 * ept_prot_modify: the pages gpn[0..n) to val (valid: checked by the caller), stopping at a
 * page that is no RAM, an overlay or beyond the map (-EINVAL) or when memory runs out
 * (-ENOMEM), -EPERM before ept_prot_enable; *done pages applied. Visible on every CPU when
 * it returns (an invalidation only when a permission went away).
 */
int ept_prot_enable(struct vcpu *self, u8 val);
bool ept_prot_enabled(void);
int ept_prot_modify(struct vcpu *self, const u64 *gpn, u32 n, u8 val, u32 *done);
/*
 * A VTL0 EPT violation at gpa (qual: the exit qualification) seen by the protections:
 * SPURIOUS, the view allows the access by now (a permission came back: its stale
 * translation is gone with this violation, SDM vol.3 29.4.3.1; ept_flush_local makes sure);
 * PROTECTED, a RAM page whose protection forbids it (*memtype: the page's type); OTHER, not
 * theirs (MMIO, overlays, protections off).
 */
enum { EPT_FAULT_OTHER, EPT_FAULT_SPURIOUS, EPT_FAULT_PROTECTED };
int ept_prot_fault(u64 gpa, u64 qual, u8 *memtype);
/* Invalidates vtl's view's translations on this CPU (SDM vol.3 31.3 INVEPT). */
void ept_flush_local(u32 vtl);
/* Right before VM entry: catch up with EPT changes made elsewhere. */
void ept_sync_before_entry(struct vcpu *v);

#endif
