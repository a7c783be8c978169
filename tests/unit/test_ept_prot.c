// SPDX-License-Identifier: MIT
/*
 * The protection engine (arch/x86/ept_prot.c: mirror + EPT view) against a naive model: a
 * flat per-page array of protections and the takeover map each page started with. The view
 * is built like the root partition's: identity map with 1 GiB / 2 MiB leaves, a first
 * 2 MiB of 4 KiB leaves with mixed memory types, a "pool" mapped to a scratch page, MMIO,
 * and overlay pages. Random ModifyVtlProtectionMask-shaped lists (hot 2 MiB regions walked
 * page by page, scattered pages, bad pages), then every page's leaf is compared: HPA,
 * memory type and permissions; the tables are checked, large leaves must come back where
 * the protections are uniform again, the "tightened" answer must match the model, failures
 * must stop at the right page, out-of-memory is injected, and nothing leaks.
 * Seeded; PT_SEED=n reproduces a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/ept_format.h"
#include "arch/x86/ept_prot.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "mm/pt.h"
#include "tests/unit/test_pt_util.h"

#define TOP (4 * SZ_1G)
#define PAGES (TOP / PAGE_SIZE)
#define POOL_LO (SZ_1G + 64 * SZ_2M) /* the hypervisor's pool: every page -> SCRATCH */
#define POOL_HI (POOL_LO + 8 * SZ_2M)
#define SCRATCH (POOL_LO + 5 * PAGE_SIZE)
#define MMIO_LO (3 * SZ_1G + 512 * PAGE_SIZE * 100) /* not RAM: identity, UC */
#define MMIO_HI (MMIO_LO + 3 * SZ_2M + 5 * PAGE_SIZE)
#define OVERLAYS 4

/* Pinned leaves (PT_F_PINNED): overlays, which map a hypervisor page, and the last one,
 * which maps its own page as the xAPIC page does (the engine must not rely on the HPA). */
static const u64 overlay_gpa[OVERLAYS] = { 0x7000, 2 * SZ_1G + 0x3000, 2 * SZ_1G + SZ_2M * 7,
					   TOP - PAGE_SIZE };
#define PINNED_IDENTITY (TOP - PAGE_SIZE)

static struct tpa arena;
static struct pt view;
static struct ept_prot eng;
static u8 *model; /* per page: its protection (MIRROR_NOT_RAM for no RAM) */

static bool in_pool(u64 gpa)
{
	return gpa >= POOL_LO && gpa < POOL_HI;
}

static bool is_overlay(u64 gpa)
{
	for (int i = 0; i < OVERLAYS; i++)
		if (overlay_gpa[i] == gpa)
			return true;
	return false;
}

static bool is_ram(u64 gpa)
{
	return !in_pool(gpa) && !(gpa >= MMIO_LO && gpa < MMIO_HI);
}

/* The takeover map: HPA and memory type per page. */
static u64 base_hpa(u64 gpa)
{
	if (in_pool(gpa))
		return SCRATCH;
	if (is_overlay(gpa) && gpa != PINNED_IDENTITY)
		return 0x100000000000ULL + gpa; /* a hypervisor page */
	return gpa;
}

static u8 base_type(u64 gpa)
{
	if (gpa < SZ_2M)
		return (gpa >> 12) % 3 ? PT_MT_WB : PT_MT_UC;
	return (gpa >= MMIO_LO && gpa < MMIO_HI) ? PT_MT_UC : PT_MT_WB;
}

static u8 perm_of(u8 val)
{
	if (val == MIRROR_NOT_RAM)
		return PT_RWX;
	return (u8)(((val & 1) ? PT_R : 0) | ((val & 2) ? PT_W : 0) | ((val & 4) ? PT_X : 0));
}

/* The permissions page gpa's leaf must have. */
static u8 want_perm(u64 gpa)
{
	if (is_overlay(gpa))
		return PT_R | PT_X; /* its owner's, whatever the protection */
	if (!is_ram(gpa))
		return PT_RWX;
	return perm_of(model[gpa >> 12]);
}

static void build_view(void)
{
	struct pt_attr a = { PT_RWX, PT_MT_WB, 0 };

	assert_int_equal(
		pt_init(&view, &ept_format, PT_LEAF_4K | PT_LEAF_2M | PT_LEAF_1G, &arena.alloc), 0);
	assert_int_equal(pt_map(&view, 0, 0, TOP, &a), 0);
	for (u64 g = 0; g < SZ_2M; g += PAGE_SIZE) {
		a.memtype = base_type(g);
		assert_int_equal(pt_map(&view, g, g, PAGE_SIZE, &a), 0);
	}
	a.memtype = PT_MT_WB;
	for (u64 g = POOL_LO; g < POOL_HI; g += PAGE_SIZE)
		assert_int_equal(pt_map(&view, g, SCRATCH, PAGE_SIZE, &a), 0);
	a.memtype = PT_MT_UC;
	assert_int_equal(pt_map(&view, MMIO_LO, MMIO_LO, MMIO_HI - MMIO_LO, &a), 0);
	struct pt_attr o = { PT_R | PT_X, PT_MT_WB, PT_F_PINNED };
	for (int i = 0; i < OVERLAYS; i++)
		assert_int_equal(
			pt_map(&view, overlay_gpa[i], base_hpa(overlay_gpa[i]), PAGE_SIZE, &o), 0);
}

/* Every page of [lo, hi): its leaf as the model says. */
static void check_range(u64 lo, u64 hi)
{
	for (u64 g = lo; g < hi; g += PAGE_SIZE) {
		struct pt_attr a;
		u64 pa;
		if (pt_lookup(&view, g, &pa, &a, NULL))
			fail_msg("page %#llx: not mapped", (unsigned long long)g);
		if (pa != base_hpa(g) || a.memtype != (is_overlay(g) ? PT_MT_WB : base_type(g)) ||
		    a.perm != want_perm(g) || ept_prot_get(&eng, g) != model[g >> 12])
			fail_msg("page %#llx: pa %#llx type %u perm %u mirror %u; want pa %#llx "
				 "type %u perm %u value %u",
				 (unsigned long long)g, (unsigned long long)pa, a.memtype, a.perm,
				 ept_prot_get(&eng, g), (unsigned long long)base_hpa(g),
				 base_type(g), want_perm(g), model[g >> 12]);
	}
}

/* Everything, plus: where the mirror is uniform over a 2 MiB of plain RAM, the view has a
 * large leaf again (merged back). */
static void check_all(void)
{
	u64 nodes, blocks, tables;
	struct ept_prot_result r = { 0 };

	ept_prot_settle(&eng, &r); /* merges that wait (EPT_PROT_MERGE_DELAY) happen now */

	assert_int_equal(mirror_check(&eng.mirror, &nodes, &blocks), 0);
	assert_int_equal(pt_check(&view, &tables), 0);
	check_range(0, TOP);
	for (u64 g = SZ_2M; g < TOP; g += SZ_2M) {
		bool plain = true;
		for (u64 a = g; a < g + SZ_2M && plain; a += PAGE_SIZE)
			plain = is_ram(a) && !is_overlay(a);
		unsigned level;
		if (plain && !mirror_block_find(&eng.mirror, g)) {
			assert_int_equal(pt_lookup(&view, g, NULL, NULL, &level), 0);
			if (level < 2)
				fail_msg("%#llx: uniform again but still split",
					 (unsigned long long)g);
		}
	}
}

static void enable(u8 def)
{
	struct ept_prot_result r = { 0 };

	assert_int_equal(ept_prot_init(&eng, &view, TOP, MIRROR_NOT_RAM, &arena.alloc), 0);
	memset(model, MIRROR_NOT_RAM, PAGES);
	/* The RAM ranges: all but the pool and MMIO. */
	const u64 ram[][2] = { { 0, POOL_LO }, { POOL_HI, MMIO_LO }, { MMIO_HI, TOP } };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ept_prot_fill(&eng, ram[i][0], ram[i][1] - ram[i][0], def, &r), 0);
		memset(model + ram[i][0] / PAGE_SIZE, def, (ram[i][1] - ram[i][0]) / PAGE_SIZE);
	}
	assert_int_equal(r.tightened, (perm_of(def) & PT_RWX) != PT_RWX);
}

static int setup(void **state)
{
	tpa_init(&arena, 16384);
	model = malloc(PAGES);
	assert_non_null(model);
	build_view();
	return 0;
}

static int teardown(void **state)
{
	ept_prot_destroy(&eng);
	pt_destroy(&view);
	assert_int_equal(arena.live, 0);
	assert_int_equal(arena.errors, 0);
	free(model);
	tpa_fini(&arena);
	return 0;
}

/* ept_prot_set on the model: the same stop, the same "tightened". */
static int set_pages(const u64 *gpn, u32 n, u8 val, struct ept_prot_result *r)
{
	u32 want_done = n;
	int want_err = 0;
	bool tight = false;

	for (u32 i = 0; i < n; i++) {
		u64 g = gpn[i] << 12;
		if (gpn[i] >= PAGES || !is_ram(g) || is_overlay(g)) {
			want_done = i;
			want_err = -EINVAL;
			break;
		}
	}
	*r = (struct ept_prot_result){ 0 };
	int err = ept_prot_set(&eng, gpn, n, val, r);
	if (err == -ENOMEM)
		want_err = -ENOMEM, want_done = MIN(want_done, r->done);
	assert_int_equal(err, want_err);
	assert_int_equal(r->done, want_done);
	for (u32 i = 0; i < r->done; i++) {
		u8 old = model[gpn[i]];
		tight |= (perm_of(old) & ~perm_of(val)) != 0;
		model[gpn[i]] = val;
	}
	assert_int_equal(r->tightened, tight);
	return err;
}

static void test_directed(void **state)
{
	struct ept_prot_result r;
	unsigned level;

	enable(0xf);
	check_all();
	/* One page in a 1 GiB leaf: split to 2 MiB, then to 4 KiB; back: merged again. */
	u64 g = 2 * SZ_1G + 5 * SZ_2M + 9 * PAGE_SIZE, gpn = g >> 12;
	u64 tables = view.nr_tables;
	assert_int_equal(set_pages(&gpn, 1, 1, &r), 0);
	assert_true(r.tightened);
	assert_int_equal(view.nr_tables, tables + 1); /* a PT (the 1 GiB was split already) */
	assert_int_equal(pt_lookup(&view, g, NULL, NULL, &level), 0);
	assert_int_equal(level, 1);
	check_range(g - SZ_2M, g + SZ_2M);
	assert_int_equal(set_pages(&gpn, 1, 0xf, &r), 0);
	assert_false(r.tightened); /* relaxing: no invalidation */
	/* The merge waits (a flip back would split again): the range stays split until it is
	 * pushed off the list of uniform blocks, or settled. */
	assert_false(r.merged);
	assert_int_equal(view.nr_tables, tables + 1);
	r = (struct ept_prot_result){ 0 };
	ept_prot_settle(&eng, &r);
	assert_true(r.merged);
	assert_int_equal(view.nr_tables, tables);
	/* Pushed off: EPT_PROT_MERGE_DELAY other blocks made uniform again merge the first. */
	for (u32 i = 0; i <= EPT_PROT_MERGE_DELAY; i++) { /* plain RAM, 2 MiB leaves */
		u64 q = ((2 * SZ_1G + 100 * SZ_2M) >> 12) + 512 * i;
		assert_int_equal(set_pages(&q, 1, 1, &r), 0);
		assert_int_equal(set_pages(&q, 1, 0xf, &r), 0);
	}
	assert_true(r.merged);
	assert_int_equal(eng.nuniform, EPT_PROT_MERGE_DELAY);
	assert_int_equal(view.nr_tables, tables + EPT_PROT_MERGE_DELAY);
	/* A page in a real 1 GiB leaf. */
	u64 h = 3 * SZ_1G - PAGE_SIZE, hpn = h >> 12;
	assert_int_equal(pt_lookup(&view, h, NULL, NULL, &level), 0);
	assert_int_equal(set_pages(&hpn, 1, 5, &r), 0);
	check_all();
	/* Refused, and stopping there: no RAM (pool, MMIO), pinned (an overlay, a leaf on its
	 * own page), beyond the top. */
	u64 list[] = { hpn - 1, POOL_LO >> 12, hpn - 2 };
	assert_int_equal(set_pages(list, 3, 1, &r), -EINVAL);
	assert_int_equal(r.done, 1);
	list[1] = MMIO_LO >> 12;
	assert_int_equal(set_pages(list, 3, 1, &r), -EINVAL);
	list[1] = overlay_gpa[1] >> 12;
	assert_int_equal(set_pages(list, 3, 1, &r), -EINVAL);
	list[1] = PINNED_IDENTITY >> 12;
	assert_int_equal(set_pages(list, 3, 1, &r), -EINVAL);
	check_all();
	list[1] = PAGES;
	assert_int_equal(set_pages(list, 3, 1, &r), -EINVAL);
	list[1] = ~0ULL;
	assert_int_equal(set_pages(list, 3, 1, &r), -EINVAL);
	/* Same value again: nothing to do, nothing tightened. */
	assert_int_equal(set_pages(&hpn, 1, 5, &r), 0);
	assert_false(r.tightened);
	check_all();
}

static void test_restrictive_default(void **state)
{
	struct ept_prot_result r;

	enable(0x3); /* RW, no execute: every RAM leaf rewritten, overlays and MMIO kept */
	check_all();
	u64 gpn[512];
	for (u32 i = 0; i < 512; i++)
		gpn[i] = (5 * SZ_2M >> 12) + i;
	assert_int_equal(set_pages(gpn, 512, 0x7, &r), 0);
	assert_false(r.tightened);
	check_all();
}

static void test_random(void **state)
{
	u64 rng = tpa_seed("test_ept_prot");
	static const u8 vals[] = { 0xf, 0xf, 0x7, 0x1, 0x3, 0x5, 0x0, 0xd };
	u64 *gpn = malloc(510 * sizeof(u64));
	u64 calls = 0, pages = 0, merges = 0, tight = 0;
	struct ept_prot_result r;

	assert_non_null(gpn);
	enable(0xf);
	for (u32 round = 0; round < 3000; round++) {
		u8 val = vals[tpa_rand_below(&rng, sizeof(vals))];
		u32 n = 1 + (u32)tpa_rand_below(&rng, tpa_rand_below(&rng, 4) ? 16 : 510);
		u64 hot = tpa_rand_below(&rng, PAGES / 512) * 512;
		for (u32 i = 0; i < n; i++) {
			u64 k = tpa_rand_below(&rng, 16);
			gpn[i] = k < 12 ? hot + (i % 512) /* a walk */
				 :
				 k < 15 ? tpa_rand_below(&rng, PAGES) /* scattered */
					  :
					  tpa_rand_below(&rng, PAGES + 8); /* maybe bad */
		}
		set_pages(gpn, n, val, &r);
		calls++;
		pages += r.done;
		merges += r.merged;
		tight += r.tightened;
		check_range(hot << 12, (hot + 512) << 12);
		if (round % 500 == 499)
			check_all();
	}
	check_all();
	free(gpn);
	printf("test_ept_prot: %llu calls, %llu pages changed, %llu with merges, %llu tightened\n",
	       (unsigned long long)calls, (unsigned long long)pages, (unsigned long long)merges,
	       (unsigned long long)tight);
	assert_true(merges > 0);
}

/* Out of memory at every allocation of a call that splits: the pages before the failure
 * are applied, the rest are not, the structures stay sound, and the next call works. */
static void test_out_of_memory(void **state)
{
	struct ept_prot_result r;
	u64 gpn[4] = { (2 * SZ_1G + 3 * SZ_2M) >> 12, (2 * SZ_1G + 3 * SZ_2M + PAGE_SIZE) >> 12,
		       (3 * SZ_1G + 9 * SZ_2M) >> 12, (SZ_1G + 3 * PAGE_SIZE) >> 12 };

	enable(0xf);
	for (long budget = 0; budget < 12; budget++) {
		tpa_set_budget(&arena, budget);
		int err = set_pages(gpn, 4, (u8)(budget & 1 ? 1 : 3), &r);
		tpa_set_budget(&arena, -1);
		assert_true(err == 0 || err == -ENOMEM);
		check_all();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_directed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restrictive_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
