/* SPDX-License-Identifier: MIT */
/*
 * The core's one page allocator instance over the hypervisor pool (what the loader did not
 * use). Every allocation in the core comes from here; none on the VM-exit path.
 */
#ifndef MM_POOL_H
#define MM_POOL_H

#include "lib/types.h"
#include "mm/pt.h"

int pool_init(u64 base, u64 size, u64 used);
/* Zeroed, physically contiguous, n pages aligned to n rounded up to a power of two
 * (capped at 2 MiB); 0 when the pool is exhausted. */
u64 pool_alloc_pages(size_t n);
void pool_free_pages(u64 pa, size_t n);
size_t pool_free_count(void);
/* Table allocator for the page-table engine, backed by the pool. */
extern const struct pt_alloc pool_pt_alloc;

#endif
