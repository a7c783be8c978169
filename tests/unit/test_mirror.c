// SPDX-License-Identifier: MIT
/*
 * mm/mirror.c against a naive model (one byte per 4 KiB page): directed cases, then random
 * single-page changes (the ModifyVtlProtectionMask path: block, set, collapse) and range
 * fills (biased to 2 MiB and 1 GiB edges), every answer compared, the invariants
 * (mirror_check: counts, canonical form) checked as it goes, allocation failures injected,
 * and no page leaked at the end. Seeded; PT_SEED=n reproduces a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/compiler.h"
#include "lib/errno.h"
#include "mm/mirror.h"
#include "tests/unit/test_pt_util.h"

#define TOP (4 * SZ_1G) /* 1 Mi pages */
#define PAGES (TOP / PAGE_SIZE)

static struct tpa arena;
static struct mirror mir;
static u8 *model;

static int setup(void **state)
{
	tpa_init(&arena, 4096);
	model = malloc(PAGES);
	assert_non_null(model);
	return 0;
}

static int teardown(void **state)
{
	mirror_destroy(&mir);
	assert_int_equal(arena.live, 0); /* every node and block page given back */
	assert_int_equal(arena.errors, 0);
	free(model);
	tpa_fini(&arena);
	return 0;
}

static void check_all(void)
{
	u64 nodes, blocks;

	assert_int_equal(mirror_check(&mir, &nodes, &blocks), 0);
	for (u64 p = 0; p < PAGES; p++)
		if (mirror_get(&mir, p * PAGE_SIZE) != model[p])
			fail_msg("page %#llx: mirror %u, model %u", (unsigned long long)p,
				 mirror_get(&mir, p * PAGE_SIZE), model[p]);
}

/* One page, the way the protection engine changes it. */
static int set_page(u64 gpa, u8 val)
{
	struct mirror_block *b = mirror_block(&mir, gpa);

	if (!b)
		return -ENOMEM;
	u32 i = (u32)(gpa >> 12) & 511;
	u8 old = mirror_block_get(b, i);
	assert_int_equal(old, model[gpa >> 12]);
	mirror_block_set(b, i, old, val);
	model[gpa >> 12] = val;
	if (mirror_block_uniform(b, val))
		mirror_collapse(&mir, b);
	return 0;
}

static void test_directed(void **state)
{
	u64 nodes, blocks;

	assert_int_equal(mirror_init(&mir, 0, 0, &arena.alloc), -EINVAL);
	assert_int_equal(mirror_init(&mir, SZ_1G + PAGE_SIZE, 0, &arena.alloc), -EINVAL);
	assert_int_equal(mirror_init(&mir, TOP, 16, &arena.alloc), -EINVAL);
	assert_int_equal(mirror_init(&mir, TOP, 7, &arena.alloc), 0);
	memset(model, 7, PAGES);
	check_all();
	/* One page: a block under two new nodes; back: all merged again. */
	assert_int_equal(set_page(SZ_1G + 5 * PAGE_SIZE, 1), 0);
	assert_int_equal(mirror_check(&mir, &nodes, &blocks), 0);
	assert_int_equal(nodes, 3);
	assert_int_equal(blocks, 1);
	check_all();
	assert_int_equal(mirror_block_find(&mir, SZ_1G)->count[1], 1);
	assert_null(mirror_block_find(&mir, SZ_1G + SZ_2M));
	assert_int_equal(set_page(SZ_1G + 5 * PAGE_SIZE, 7), 0);
	assert_int_equal(mirror_check(&mir, &nodes, &blocks), 0);
	assert_int_equal(nodes, 1);
	assert_int_equal(blocks, 0);
	/* A whole 2 MiB set page by page collapses to one entry; its two nodes stay (the rest
	 * of the 1 GiB differs). */
	for (u64 a = 0; a < SZ_2M; a += PAGE_SIZE)
		assert_int_equal(set_page(SZ_2M * 3 + a, 3), 0);
	assert_int_equal(mirror_check(&mir, &nodes, &blocks), 0);
	assert_int_equal(nodes, 3);
	assert_int_equal(blocks, 0);
	check_all();
	/* Fills: partial, whole 1 GiB, the whole range. */
	assert_int_equal(
		mirror_fill(&mir, SZ_2M - PAGE_SIZE, SZ_1G + 2 * PAGE_SIZE, MIRROR_NOT_RAM), 0);
	memset(model + (SZ_2M - PAGE_SIZE) / PAGE_SIZE, MIRROR_NOT_RAM,
	       (SZ_1G + 2 * PAGE_SIZE) / PAGE_SIZE);
	check_all();
	assert_int_equal(mirror_fill(&mir, 0, TOP + PAGE_SIZE, 1), -EINVAL);
	assert_int_equal(mirror_fill(&mir, 1, PAGE_SIZE, 1), -EINVAL);
	assert_int_equal(mirror_fill(&mir, 0, TOP, 5), 0);
	memset(model, 5, PAGES);
	assert_int_equal(mirror_check(&mir, &nodes, &blocks), 0);
	assert_int_equal(nodes, 2); /* the root and its first 512 GiB: 4 GiB of 5, then 7 */
	assert_int_equal(blocks, 0);
	check_all();
}

/* An address near a 2 MiB or 1 GiB edge half of the time. */
static u64 rand_gpa(u64 *rng)
{
	u64 r = tpa_rand_below(rng, 4);

	if (r == 0) {
		u64 edge = tpa_rand_below(rng, TOP / SZ_1G + 1) * SZ_1G;
		u64 off = tpa_rand_below(rng, 8) * PAGE_SIZE;
		return tpa_rand_below(rng, 2) ?
			       MIN(edge + off, TOP - PAGE_SIZE) :
			       (edge >= off + PAGE_SIZE ? edge - off - PAGE_SIZE : 0);
	}
	if (r == 1) {
		u64 edge = tpa_rand_below(rng, TOP / SZ_2M + 1) * SZ_2M;
		u64 off = tpa_rand_below(rng, 8) * PAGE_SIZE;
		return tpa_rand_below(rng, 2) ?
			       MIN(edge + off, TOP - PAGE_SIZE) :
			       (edge >= off + PAGE_SIZE ? edge - off - PAGE_SIZE : 0);
	}
	return tpa_rand_below(rng, PAGES) * PAGE_SIZE;
}

static void test_random(void **state)
{
	u64 rng = tpa_seed("test_mirror");
	/* Few values, so that blocks become uniform and collapse often. */
	static const u8 vals[] = { 7, 7, 7, 1, 3, 5, 0, MIRROR_NOT_RAM, 15 };
	u64 ops = 0, sets = 0, fills = 0, collapses = 0;

	assert_int_equal(mirror_init(&mir, TOP, 7, &arena.alloc), 0);
	memset(model, 7, PAGES);
	/* Hot spots: most single-page changes land in a few 2 MiB regions, and walk them
	 * page by page, as Windows does. */
	for (u32 round = 0; round < 40; round++) {
		u64 base = ALIGN_DOWN(rand_gpa(&rng), SZ_2M);
		u8 v = vals[tpa_rand_below(&rng, sizeof(vals))];
		/* A walk over the whole 2 MiB first: it ends uniform, so its block collapses. */
		for (u32 k = 0; k < 512; k++, ops++) {
			u64 blocks = mir.blocks;
			assert_int_equal(set_page(base + k * PAGE_SIZE, v), 0);
			sets++;
			collapses += mir.blocks < blocks;
		}
		for (u32 k = 0; k < 30000; k++, ops++) {
			u64 gpa = base + tpa_rand_below(&rng, 512) * PAGE_SIZE;
			u8 val = tpa_rand_below(&rng, 3) ? v :
							   vals[tpa_rand_below(&rng, sizeof(vals))];
			u64 blocks = mir.blocks;
			assert_int_equal(set_page(gpa, val), 0);
			sets++;
			collapses += mir.blocks < blocks;
			if (!tpa_rand_below(&rng, 8)) { /* a neighbour 2 MiB now and then */
				gpa = rand_gpa(&rng);
				assert_int_equal(set_page(gpa, val), 0);
				sets++;
			}
			u64 probe = rand_gpa(&rng);
			assert_int_equal(mirror_get(&mir, probe), model[probe >> 12]);
		}
		for (u32 k = 0; k < 50; k++, ops++) {
			u64 a = rand_gpa(&rng), b = rand_gpa(&rng);
			u64 lo = MIN(a, b), hi = MAX(a, b) + PAGE_SIZE;
			u8 val = vals[tpa_rand_below(&rng, sizeof(vals))];
			assert_int_equal(mirror_fill(&mir, lo, hi - lo, val), 0);
			memset(model + lo / PAGE_SIZE, val, (hi - lo) / PAGE_SIZE);
			fills++;
		}
		check_all();
	}
	printf("test_mirror: %llu operations (%llu page sets, %llu fills, %llu blocks collapsed)\n",
	       (unsigned long long)ops, (unsigned long long)sets, (unsigned long long)fills,
	       (unsigned long long)collapses);
	assert_true(collapses > 0);
}

/* Out of memory at every point of a split and of a fill: nothing changes but what
 * completed, and the map stays canonical and well formed. */
static void test_out_of_memory(void **state)
{
	u64 nodes, blocks;

	assert_int_equal(mirror_init(&mir, TOP, 7, &arena.alloc), 0);
	memset(model, 7, PAGES);
	for (long budget = 0; budget < 3; budget++) {
		tpa_set_budget(&arena, budget);
		int r = set_page(3 * SZ_1G + 7 * PAGE_SIZE, 1);
		tpa_set_budget(&arena, -1);
		assert_int_equal(r, budget < 3 ? -ENOMEM : 0);
		assert_int_equal(mirror_check(&mir, &nodes, &blocks), 0);
		assert_int_equal(nodes, 1);
		assert_int_equal(blocks, 0);
	}
	for (long budget = 0; budget < 8; budget++) {
		tpa_set_budget(&arena, budget);
		int r = mirror_fill(&mir, SZ_1G - 3 * PAGE_SIZE, SZ_1G + 6 * PAGE_SIZE, 3);
		tpa_set_budget(&arena, -1);
		assert_true(r == 0 || r == -ENOMEM);
		assert_int_equal(mirror_check(&mir, &nodes, &blocks), 0);
		for (u64 p = 0; p < PAGES; p++) {
			u8 got = mirror_get(&mir, p * PAGE_SIZE);
			/* A page is as before or as asked, never anything else. */
			if (got != model[p] && got != 3)
				fail_msg("page %#llx: %u", (unsigned long long)p, got);
		}
		if (!r)
			break;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_directed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
