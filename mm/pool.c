/* SPDX-License-Identifier: MIT */
#include "mm/pool.h"
#include "mm/pmm.h"

static struct pmm core_pmm; /* written once by the BSP at takeover; pmm locks internally */

int pool_init(u64 base, u64 size, u64 used)
{
	return pmm_init(&core_pmm, base, size, used);
}

u64 pool_alloc_pages(size_t n)
{
	size_t align = 1;

	while (align < n && align < 512)
		align <<= 1;
	return pmm_alloc_pages(&core_pmm, n, align);
}

void pool_free_pages(u64 pa, size_t n)
{
	pmm_free_pages(&core_pmm, pa, n);
}

size_t pool_free_count(void)
{
	return pmm_free_count(&core_pmm);
}

static u64 pool_table_alloc(void *ctx)
{
	return pool_alloc_pages(1);
}

static void pool_table_free(void *ctx, u64 pa)
{
	pool_free_pages(pa, 1);
}

const struct pt_alloc pool_pt_alloc = { pool_table_alloc, pool_table_free, NULL };
