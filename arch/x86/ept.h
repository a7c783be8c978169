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

#endif
