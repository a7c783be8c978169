// SPDX-License-Identifier: MIT
/*
 * Host microbenchmark of the protection engine (make bench): page changes per second of
 * arch/x86/ept_prot.c (mirror + EPT view, in place) against a baseline measured in the same
 * run that rebuilds the view from the mirror on every change, plus the mirror's memory per
 * page once the map is fragmented. Built with -O2, no sanitizers. Prints "BENCH-HOST ..."
 * lines that tools/bench.sh puts in its table.
 *
 * The workload, Windows-boot-like: hot 2 MiB regions walked page by page, values alternating
 * between R and RWX so every change changes something, over a 4 GiB map of large leaves.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/x86/ept_format.h"
#include "arch/x86/ept_prot.h"
#include "lib/compiler.h"
#include "mm/phys.h"
#include "mm/pt.h"

#define TOP (4 * SZ_1G)
#define ARENA_PAGES (96 * 1024) /* 384 MiB of fake physical memory */
#define BASE_PA 0x40000000000ULL
#define REGIONS 256 /* hot 2 MiB regions */

static u8 *arena;
static u32 *free_list;
static u32 nfree;

static u64 arena_alloc(void *ctx)
{
	if (!nfree)
		return 0;
	u32 i = free_list[--nfree];
	memset(arena + (u64)i * PAGE_SIZE, 0, PAGE_SIZE);
	return BASE_PA + (u64)i * PAGE_SIZE;
}

static void arena_free(void *ctx, u64 pa)
{
	free_list[nfree++] = (u32)((pa - BASE_PA) / PAGE_SIZE);
}

static const struct pt_alloc alloc = { arena_alloc, arena_free, NULL };

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static u8 to_pt(u64 e);

static void build_view(struct pt *v)
{
	struct pt_attr a = { PT_RWX, PT_MT_WB, 0 };
	if (pt_init(v, &ept_format, PT_LEAF_4K | PT_LEAF_2M | PT_LEAF_1G, &alloc) ||
	    pt_map(v, 0, 0, TOP, &a)) {
		fprintf(stderr, "bench_ept_prot: cannot build the view\n");
		exit(1);
	}
}

/* The baseline's view: every page as the mirror says, built from scratch (large leaves
 * where a whole range is one value). */
static void rebuild(struct pt *v, const struct ept_prot *p)
{
	pt_destroy(v);
	build_view(v);
	for (u64 g = 0; g < TOP; g += SZ_2M) {
		if (!mirror_block_find(&p->mirror, g)) {
			u8 val = ept_prot_get(p, g);
			if (val != 0xf) {
				struct pt_attr a = { to_pt(ept_prot_leaf_perm(p, val)), PT_MT_WB,
						     0 };
				pt_protect(v, g, SZ_2M, &a);
			}
			continue;
		}
		for (u64 q = g; q < g + SZ_2M; q += PAGE_SIZE) {
			struct pt_attr a = { to_pt(ept_prot_leaf_perm(p, ept_prot_get(p, q))),
					     PT_MT_WB, 0 };
			pt_map(v, q, q, PAGE_SIZE, &a);
		}
	}
}

static u8 to_pt(u64 e)
{
	return (u8)(((e & EPT_R) ? PT_R : 0) | ((e & EPT_W) ? PT_W : 0) | ((e & EPT_X) ? PT_X : 0) |
		    ((e & EPT_XU) ? PT_XU : 0));
}

static u64 region_base[REGIONS];

static u64 page_of(u64 k)
{
	return (region_base[(k / 512) % REGIONS] >> 12) + k % 512;
}

int main(int argc, char **argv)
{
	u64 changes = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000000ULL;
	u64 rng = 88172645463325252ULL;
	struct pt view;
	struct ept_prot eng;
	struct ept_prot_result r;

	arena = aligned_alloc(PAGE_SIZE, (size_t)ARENA_PAGES * PAGE_SIZE);
	free_list = malloc(sizeof(u32) * ARENA_PAGES);
	if (!arena || !free_list)
		return 1;
	for (u32 i = 0; i < ARENA_PAGES; i++)
		free_list[nfree++] = ARENA_PAGES - 1 - i;
	mm_set_phys_offset((s64)((u64)(uintptr_t)arena - BASE_PA));
	for (u32 i = 0; i < REGIONS; i++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		region_base[i] = (rng % (TOP / SZ_2M)) * SZ_2M;
	}
	build_view(&view);
	if (ept_prot_init(&eng, &view, TOP, 0xf, &alloc))
		return 1;

	/* 1. One page per call, the hypercall's worst case for overhead. Neighbouring pages
	 * get different protections (code next to data), each pass flips every page: the
	 * regions stay split, every change is an in-place rewrite. */
	u64 round = 512 * REGIONS;
	for (u64 k = 0; k < round; k++) { /* the first touch splits each region */
		u64 g = page_of(k);
		ept_prot_set(&eng, &g, 1, (k & 1) ? 0x1 : 0xd, &r);
	}
	double t0 = now();
	for (u64 k = 0; k < changes; k++) {
		u64 g = page_of(k);
		u8 val = ((k ^ (k / round)) & 1) ? 0xd : 0x1;
		ept_prot_set(&eng, &g, 1, val, &r);
	}
	double t1 = now();
	printf("BENCH-HOST engine-1-page-calls %.1f M changes/s (%.1f ns per change, %llu changes)\n",
	       changes / (t1 - t0) / 1e6, (t1 - t0) * 1e9 / changes, (unsigned long long)changes);

	/* 1b. The worst case for splits: every region becomes uniform and goes back each
	 * round (a split and a merge in the view and the mirror per 512 changes). */
	u64 churn = changes / 10;
	t0 = now();
	for (u64 k = 0; k < churn; k++) {
		u64 g = page_of(k);
		ept_prot_set(&eng, &g, 1, (k / round) & 1 ? 0xf : 0x1, &r);
	}
	t1 = now();
	printf("BENCH-HOST engine-split-merge-churn %.2f M changes/s (%.1f ns per change)\n",
	       churn / (t1 - t0) / 1e6, (t1 - t0) * 1e9 / churn);

	/* 2. 510 pages per call (a full input page). */
	u64 list[510];
	u64 calls = changes / 510, k = 0;
	t0 = now();
	for (u64 c = 0; c < calls; c++) {
		for (u32 i = 0; i < 510; i++)
			list[i] = page_of(k++);
		ept_prot_set(&eng, list, 510, c & 1 ? 0xf : 0x3, &r);
	}
	t1 = now();
	printf("BENCH-HOST engine-510-page-calls %.1f M changes/s (%.1f ns per change)\n",
	       calls * 510 / (t1 - t0) / 1e6, (t1 - t0) * 1e9 / (calls * 510));

	/* Memory once fragmented: every hot region half R, half RWX. */
	for (u64 j = 0; j < 512ULL * REGIONS; j++) {
		u64 g = page_of(j);
		ept_prot_set(&eng, &g, 1, (j & 1) ? 0x1 : 0xf, &r);
	}
	u64 pages = TOP / PAGE_SIZE;
	u64 meta = eng.mirror.nodes * PAGE_SIZE + eng.mirror.block_page_count * PAGE_SIZE;
	printf("BENCH-HOST mirror-memory %.3f bytes per 4 KiB page over the map, %.3f per page "
	       "of the %u split 2 MiB regions (%llu blocks, %llu node pages, %llu view tables)\n",
	       (double)meta / pages, (double)meta / (512.0 * REGIONS), REGIONS,
	       (unsigned long long)eng.mirror.blocks, (unsigned long long)eng.mirror.nodes,
	       (unsigned long long)view.nr_tables);

	/* 3. The baseline: the same changes, the view rebuilt from the mirror each time. */
	u64 base_changes = 20;
	t0 = now();
	for (u64 j = 0; j < base_changes; j++) {
		u64 g = page_of(j);
		ept_prot_set(&eng, &g, 1, (j & 1) ? 0xf : 0x1, &r);
		rebuild(&view, &eng);
	}
	t1 = now();
	double base_rate = base_changes / (t1 - t0);
	printf("BENCH-HOST baseline-rebuild-per-change %.1f changes/s (%.2f ms per change)\n",
	       base_rate, (t1 - t0) * 1e3 / base_changes);
	printf("BENCH-HOST done\n");
	return 0;
}
