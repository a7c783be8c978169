// SPDX-License-Identifier: MIT
/*
 * Differential test of mm/pt.c: thousands of random map/unmap/protect/merge operations over a
 * few GiB of address space (ranges biased to start and end near 2 MiB and 1 GiB boundaries),
 * checked after every step against a per-4K-page reference model, with both formats and
 * several leaf-level sets. Then the same with allocation failures injected at every possible
 * point of each operation. Seeded; the seed is printed (PT_SEED=n reproduces a run).
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
#include "arch/x86/paging_host.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "mm/pt.h"
#include "tests/unit/test_pt_util.h"

#define SZ_4K PAGE_SIZE
#define ALL_LEAVES (PT_LEAF_4K | PT_LEAF_2M | PT_LEAF_1G)

struct rcfg {
	const char *name;
	const struct pt_format *fmt;
	unsigned leaves;
	u64 window; /* first address of the window */
	u64 size;   /* window size */
	unsigned steps;
};

/* Attributes the formats accept; the first one is drawn half of the time so that merges
 * find uniform blocks. */
static const struct pt_attr host_attrs[] = {
	{ PT_RWX, PT_MT_WB, 0 },
	{ PT_R, PT_MT_UC, 0 },
	{ PT_R | PT_W, PT_MT_WB, 0 },
	{ PT_R | PT_X, PT_MT_WT, PT_F_USER },
	{ PT_R | PT_W, PT_MT_WB, PT_F_GLOBAL },
};
static const struct pt_attr ept_attrs[] = {
	{ PT_RWX, PT_MT_WB, 0 },
	{ PT_R, PT_MT_UC, 0 },
	{ PT_R | PT_W, PT_MT_WB, PT_F_IGNORE_PAT },
	{ PT_X, PT_MT_WB, 0 },
	{ PT_R | PT_XU, PT_MT_WC, 0 },
};

/* Reference model: one word per page of the window, 0 = unmapped, else pa | attr | 1. */
static inline u64 pack(u64 pa, const struct pt_attr *a)
{
	return pa | (u64)a->perm << 1 | (u64)a->memtype << 5 | (u64)a->flags << 8 | 1;
}

static inline u64 pack_pa(u64 m)
{
	return m & ~(SZ_4K - 1);
}

struct rt {
	const struct rcfg *cfg;
	struct tpa tpa;
	struct pt pt;
	u64 *model;
	u64 npages;
	u64 rng;
	/* statistics, also used to prove the run exercised what it should */
	u64 leaves_seen[PT_LEVELS + 1];
	u64 max_tables;
	u64 merges_shrunk;
	u64 enomem;
};

static u64 rt_va(const struct rt *t, u64 idx)
{
	return t->cfg->window + idx * SZ_4K;
}

static u64 lookup_packed(const struct rt *t, u64 va, unsigned *level)
{
	struct pt_attr a;
	u64 pa;
	int ret = pt_lookup(&t->pt, va, &pa, &a, level);

	if (ret == -ENOENT)
		return 0;
	assert_int_equal(ret, 0);
	return pack(pa, &a);
}

/* ---- whole-tree comparison ---------------------------------------------------------------- */

struct cmp {
	struct rt *t;
	u64 next; /* first window page not yet compared */
};

/*
 * First k < n with m[k] != want + k * step, or n. The hot loop of every check: the callers
 * check the bounds, so it runs without sanitizer instrumentation.
 */
__attribute__((no_sanitize("address", "undefined"))) static u64 model_mismatch(const u64 *m, u64 n,
									       u64 want, u64 step)
{
	u64 k;

	for (k = 0; k < n; k++, want += step)
		if (m[k] != want)
			break;
	return k;
}

static void cmp_gap(struct cmp *c, u64 upto)
{
	u64 k;

	assert_true(c->next <= upto && upto <= c->t->npages);
	k = model_mismatch(&c->t->model[c->next], upto - c->next, 0, 0);
	if (k < upto - c->next)
		fail_msg("%s: va %#llx is unmapped, model says pa %#llx", c->t->cfg->name,
			 (unsigned long long)rt_va(c->t, c->next + k),
			 (unsigned long long)pack_pa(c->t->model[c->next + k]));
	c->next = upto;
}

static int cmp_leaf(void *ctx, u64 va, u64 pa, u64 size, const struct pt_attr *a)
{
	struct cmp *c = ctx;
	struct rt *t = c->t;
	u64 idx, n, k, want;

	if (va < t->cfg->window || va - t->cfg->window >= t->cfg->size)
		fail_msg("%s: va %#llx mapped outside the window", t->cfg->name,
			 (unsigned long long)va);
	idx = (va - t->cfg->window) / SZ_4K;
	n = size / SZ_4K;
	assert_true(idx + n <= t->npages);
	assert_true(idx >= c->next);
	cmp_gap(c, idx);
	want = pack(pa, a);
	k = model_mismatch(&t->model[idx], n, want, SZ_4K);
	if (k < n)
		fail_msg("%s: va %#llx -> pa %#llx perm %x mt %u fl %x, model %#llx", t->cfg->name,
			 (unsigned long long)(va + k * SZ_4K), (unsigned long long)(pa + k * SZ_4K),
			 a->perm, a->memtype, a->flags, (unsigned long long)t->model[idx + k]);
	c->next = idx + n;
	/* Leaf sizes seen (a clipped leaf at the window edge may be counted one level low). */
	t->leaves_seen[size == SZ_1G ? 3 : size == SZ_2M ? 2 : 1]++;
	return 0;
}

/* Tree well formed, table count exact, every page of the address space as in the model. */
static void rt_check(struct rt *t)
{
	struct cmp c = { .t = t, .next = 0 };
	u64 n = 0;

	assert_int_equal(pt_check(&t->pt, &n), 0);
	assert_int_equal(n, t->pt.nr_tables);
	assert_int_equal(t->tpa.live, t->pt.nr_tables);
	assert_int_equal(t->tpa.errors, 0);
	if (t->pt.nr_tables > t->max_tables)
		t->max_tables = t->pt.nr_tables;
	if (t->cfg->fmt->sign_extend) {
		assert_int_equal(pt_walk(&t->pt, 0, BIT(47), cmp_leaf, &c), 0);
		assert_int_equal(pt_walk(&t->pt, ~(BIT(47) - 1), BIT(47), cmp_leaf, &c), 0);
	} else {
		assert_int_equal(pt_walk(&t->pt, 0, BIT(48), cmp_leaf, &c), 0);
	}
	cmp_gap(&c, t->npages);
}

static void rt_expect(struct rt *t, u64 idx)
{
	u64 got;

	if (idx >= t->npages)
		return;
	got = lookup_packed(t, rt_va(t, idx), NULL);
	if (got != t->model[idx])
		fail_msg("%s: lookup va %#llx = %#llx, model %#llx", t->cfg->name,
			 (unsigned long long)rt_va(t, idx), (unsigned long long)got,
			 (unsigned long long)t->model[idx]);
}

/* ---- random operations -------------------------------------------------------------------- */

static u64 rnd(struct rt *t, u64 n)
{
	return tpa_rand_below(&t->rng, n);
}

/* A page range of the window, often starting or ending near a 2 MiB / 1 GiB boundary. */
static void gen_range(struct rt *t, u64 max_pages, u64 *first, u64 *count)
{
	static const u64 grains[] = { SZ_1G / SZ_4K, SZ_2M / SZ_4K, 1 };
	u64 base_pg = t->cfg->window / SZ_4K;
	u64 g = grains[rnd(t, 10) < 3 ? 0 : rnd(t, 10) < 6 ? 1 : 2];
	u64 start, n, r;

	/* An absolute grain boundary inside the window, then a little jitter. */
	start = ALIGN_UP(base_pg + rnd(t, t->npages), g) - base_pg;
	r = rnd(t, 4);
	if (r == 1)
		start += 1 + rnd(t, 4);
	else if (r == 2 && start >= 4)
		start -= 1 + rnd(t, 4);
	if (start >= t->npages)
		start = rnd(t, t->npages);

	r = rnd(t, 10);
	if (r < 3)
		n = 1 + rnd(t, 8);
	else if (r < 6)
		n = (1 + rnd(t, 3)) * (SZ_2M / SZ_4K);
	else if (r < 8)
		n = SZ_1G / SZ_4K;
	else
		n = 1 + rnd(t, t->npages / 2);
	if (r >= 3 && r < 8 && rnd(t, 2)) {
		u64 j = 1 + rnd(t, 4);

		n = rnd(t, 2) ? n + j : n - j;
	}
	n = MIN(n, max_pages);
	n = MIN(n, t->npages - start);
	if (!n)
		n = 1;
	*first = start;
	*count = n;
}

static const struct pt_attr *gen_attr(struct rt *t)
{
	bool host = t->cfg->fmt == &paging_host_format;
	const struct pt_attr *set = host ? host_attrs : ept_attrs;
	size_t n = host ? ARRAY_SIZE(host_attrs) : ARRAY_SIZE(ept_attrs);

	return rnd(t, 2) ? &set[0] : &set[rnd(t, n)];
}

/*
 * A pa for va: most often the run's fixed "identity" (va plus a constant, so that pieces
 * mapped at different times line up again and merges happen, as in the hypervisor's own
 * maps), else congruent modulo 1 GiB or 2 MiB with a random base, or any page (rarely for
 * big ranges, which would otherwise fill the window with 4 KiB leaves and slow every check).
 */
static u64 identity_pa(u64 va)
{
	return (va & (BIT(40) - 1)) + 4 * SZ_1G;
}

static u64 gen_pa(struct rt *t, u64 va, u64 n)
{
	u64 r = rnd(t, 10);

	if (r < 4 || (r >= 8 && n > 8192 && rnd(t, 4)))
		return identity_pa(va);
	if (r < 6)
		return rnd(t, 1u << 18) * SZ_2M + (va & (SZ_2M - 1));
	if (r < 8)
		return rnd(t, 64) * SZ_1G + (va & (SZ_1G - 1));
	return rnd(t, 1u << 28) * SZ_4K;
}

/* The leaf level pt_map must have used for page idx of a map of [first, first + n) at pa. */
static unsigned expected_level(const struct rt *t, u64 first, u64 n, u64 pa, u64 idx)
{
	u64 start = rt_va(t, first), end = start + n * SZ_4K, va = rt_va(t, idx);

	for (unsigned l = 3; l > 1; l--) {
		u64 sz = PT_LEVEL_SIZE(l), block = ALIGN_DOWN(va, sz);

		if ((t->pt.leaf_levels & (1u << l)) && block >= start && block + sz <= end &&
		    IS_ALIGNED(pa + (block - start), sz))
			return l;
	}
	return 1;
}

/* Model pages [idx, idx + n) hold one leaf's worth: mapped, contiguous, aligned, same attrs. */
static bool model_uniform(const struct rt *t, u64 idx, u64 n)
{
	u64 m0 = t->model[idx];

	if (!m0 || !IS_ALIGNED(pack_pa(m0), n * SZ_4K))
		return false;
	for (u64 k = 1; k < n; k++)
		if (t->model[idx + k] != m0 + k * SZ_4K)
			return false;
	return true;
}

/* After pt_merge of [first, first + n): blocks the merge had to collapse are leaves. */
static void check_merged(struct rt *t, u64 first, u64 n)
{
	const u64 p2m = SZ_2M / SZ_4K, p1g = SZ_1G / SZ_4K;
	u64 base_pg = t->cfg->window / SZ_4K;
	u64 b, end = first + n;
	unsigned level;

	if (!(t->pt.leaf_levels & PT_LEAF_2M))
		return;
	/* Every 2 MiB block the range touches (entirely inside the window). */
	for (u64 ab = ALIGN_DOWN(base_pg + first, p2m); ab < base_pg + end; ab += p2m) {
		if (ab < base_pg || ab + p2m > base_pg + t->npages)
			continue;
		b = ab - base_pg;
		if (model_uniform(t, b, p2m)) {
			lookup_packed(t, rt_va(t, b), &level);
			if (level < 2)
				fail_msg("%s: uniform 2M block at %#llx not merged", t->cfg->name,
					 (unsigned long long)rt_va(t, b));
		}
	}
	if (!(t->pt.leaf_levels & PT_LEAF_1G))
		return;
	/* Every 1 GiB block the range covers completely. */
	for (b = ALIGN_UP(base_pg + first, p1g) - base_pg; b + p1g <= end; b += p1g) {
		if (model_uniform(t, b, p1g)) {
			lookup_packed(t, rt_va(t, b), &level);
			if (level != 3)
				fail_msg("%s: uniform 1G block at %#llx not merged", t->cfg->name,
					 (unsigned long long)rt_va(t, b));
		}
	}
}

enum rop { ROP_MAP, ROP_UNMAP, ROP_PROTECT, ROP_MERGE };

static enum rop gen_op(struct rt *t, bool with_merge)
{
	u64 r = rnd(t, with_merge ? 100 : 80);

	return r < 35 ? ROP_MAP : r < 55 ? ROP_UNMAP : r < 80 ? ROP_PROTECT : ROP_MERGE;
}

/* Applies op to the tree (only): 0 or -E*. */
static int do_op(struct rt *t, enum rop op, u64 first, u64 n, u64 pa, const struct pt_attr *a)
{
	u64 va = rt_va(t, first), size = n * SZ_4K;

	switch (op) {
	case ROP_MAP:
		return pt_map(&t->pt, va, pa, size, a);
	case ROP_UNMAP:
		return pt_unmap(&t->pt, va, size);
	case ROP_PROTECT:
		return pt_protect(&t->pt, va, size, a);
	case ROP_MERGE:
		return pt_merge(&t->pt, va, size);
	}
	return -EINVAL;
}

/* What the model of page idx becomes. */
static u64 model_after(const struct rt *t, enum rop op, u64 first, u64 pa, const struct pt_attr *a,
		       u64 idx)
{
	u64 m = t->model[idx];

	switch (op) {
	case ROP_MAP:
		return pack(pa + (idx - first) * SZ_4K, a);
	case ROP_UNMAP:
		return 0;
	case ROP_PROTECT:
		return m ? pack(pack_pa(m), a) : 0;
	case ROP_MERGE:
		return m;
	}
	return m;
}

static void rt_init(struct rt *t, const struct rcfg *cfg, u64 seed, size_t arena_pages)
{
	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->rng = seed;
	t->npages = cfg->size / SZ_4K;
	t->model = calloc(t->npages, sizeof(u64));
	assert_non_null(t->model);
	tpa_init(&t->tpa, arena_pages);
	assert_int_equal(pt_init(&t->pt, cfg->fmt, cfg->leaves, &t->tpa.alloc), 0);
}

/* Every page answers through pt_lookup too; then every table goes back to the arena. */
static void rt_fini(struct rt *t)
{
	for (u64 i = 0; i < t->npages; i++)
		rt_expect(t, i);
	pt_destroy(&t->pt);
	assert_int_equal(t->tpa.live, 0);
	assert_int_equal(t->tpa.errors, 0);
	assert_int_equal(t->tpa.allocs, t->tpa.frees);
	tpa_fini(&t->tpa);
	free(t->model);
}

/* ---- the differential run ------------------------------------------------------------------ */

/* Maps window pages [first, first + n) to their identity pa with the default attributes. */
static void map_identity(struct rt *t, u64 first, u64 n)
{
	const struct pt_attr *a = t->cfg->fmt == &paging_host_format ? &host_attrs[0] :
								       &ept_attrs[0];
	u64 pa = identity_pa(rt_va(t, first));

	assert_int_equal(do_op(t, ROP_MAP, first, n, pa, a), 0);
	for (u64 i = first; i < first + n; i++)
		t->model[i] = model_after(t, ROP_MAP, first, pa, a, i);
}

static void run_random(const struct rcfg *cfg, u64 seed)
{
	struct rt t;
	unsigned step;
	u64 split, tables;

	rt_init(&t, cfg, seed, 16384);
	/* Start like the hypervisor does: the whole window identity mapped, largest leaves. */
	map_identity(&t, 0, t.npages);
	rt_check(&t);
	for (step = 0; step < cfg->steps; step++) {
		enum rop op = gen_op(&t, true);
		u64 first, n, pa = 0, tables_before = t.pt.nr_tables;
		const struct pt_attr *a = gen_attr(&t);

		gen_range(&t, t.npages, &first, &n);
		if (op == ROP_MAP)
			pa = gen_pa(&t, rt_va(&t, first), n);
		assert_int_equal(do_op(&t, op, first, n, pa, a), 0);
		for (u64 i = first; i < first + n; i++)
			t.model[i] = model_after(&t, op, first, pa, a, i);

		rt_check(&t);
		/* Edges of the range and a few pages inside it and anywhere, via pt_lookup. */
		rt_expect(&t, first - 1);
		rt_expect(&t, first);
		rt_expect(&t, first + n - 1);
		rt_expect(&t, first + n);
		for (unsigned k = 0; k < 8; k++) {
			u64 idx = first + rnd(&t, n);

			rt_expect(&t, idx);
			rt_expect(&t, rnd(&t, t.npages));
			if (op == ROP_MAP) {
				unsigned level;

				lookup_packed(&t, rt_va(&t, idx), &level);
				if (level != expected_level(&t, first, n, pa, idx))
					fail_msg(
						"%s: map of %#llx+%#llx at pa %#llx: page %#llx in a "
						"level %u leaf, expected %u",
						cfg->name, (unsigned long long)rt_va(&t, first),
						(unsigned long long)(n * SZ_4K),
						(unsigned long long)pa,
						(unsigned long long)rt_va(&t, idx), level,
						expected_level(&t, first, n, pa, idx));
			}
		}
		if (op == ROP_MERGE) {
			check_merged(&t, first, n);
			if (t.pt.nr_tables < tables_before)
				t.merges_shrunk++;
		}
	}
	/*
	 * End with the window identity mapped again, in two pieces that meet off any 2 MiB
	 * boundary: the pieces leave 4 KiB leaves around the seam, and a merge of the window must
	 * fold them back into a 2 MiB (and 1 GiB) leaf.
	 */
	do
		split = 1 + rnd(&t, t.npages - 1);
	while (IS_ALIGNED(cfg->window / SZ_4K + split, SZ_2M / SZ_4K));
	map_identity(&t, 0, split);
	map_identity(&t, split, t.npages - split);
	rt_check(&t);
	tables = t.pt.nr_tables;
	assert_int_equal(pt_merge(&t.pt, cfg->window, cfg->size), 0);
	rt_check(&t);
	check_merged(&t, 0, t.npages);
	if (t.pt.leaf_levels & PT_LEAF_2M) {
		assert_true(t.pt.nr_tables < tables);
		t.merges_shrunk++;
	}

	printf("%s: %u steps, up to %llu tables, leaves seen 4K %llu 2M %llu 1G %llu, %llu "
	       "merges freed tables\n",
	       cfg->name, cfg->steps, (unsigned long long)t.max_tables,
	       (unsigned long long)t.leaves_seen[1], (unsigned long long)t.leaves_seen[2],
	       (unsigned long long)t.leaves_seen[3], (unsigned long long)t.merges_shrunk);
	/* The run must have exercised every allowed leaf size and real merges. */
	for (unsigned l = 1; l <= 3; l++)
		if (t.pt.leaf_levels & (1u << l))
			assert_true(t.leaves_seen[l] > 0);
	rt_fini(&t);
}

static const struct rcfg cfg_host = {
	/* The upper canonical half, across a 512 GiB (PML4E) boundary. */
	"host 4K/2M/1G", &paging_host_format,
	ALL_LEAVES,	 0xffffff8000000000ULL - 3 * SZ_1G / 2,
	3 * SZ_1G,	 1000,
};
static const struct rcfg cfg_ept = {
	"ept 4K/2M/1G", &ept_format, ALL_LEAVES, (512 * SZ_1G) - 3 * SZ_1G / 2, 3 * SZ_1G, 1000,
};
static const struct rcfg cfg_ept_no1g = {
	"ept 4K/2M", &ept_format, PT_LEAF_4K | PT_LEAF_2M, 0, 2 * SZ_1G, 800,
};
static const struct rcfg cfg_host_4k = {
	/* The top of the lower canonical half. */
	"host 4K", &paging_host_format, PT_LEAF_4K, BIT(47) - 64 * SZ_2M, 64 * SZ_2M, 300,
};

static u64 g_seed;

/* One independent stream per test, all derived from the printed seed. */
static u64 sub_seed(unsigned i)
{
	u64 x = g_seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));

	return x ? x : 1;
}

static void test_random_host(void **state)
{
	run_random(&cfg_host, sub_seed(0));
}

static void test_random_ept(void **state)
{
	run_random(&cfg_ept, sub_seed(1));
}

static void test_random_ept_no1g(void **state)
{
	run_random(&cfg_ept_no1g, sub_seed(2));
}

static void test_random_host_4k(void **state)
{
	run_random(&cfg_host_4k, sub_seed(3));
}

/* ---- out of memory at every allocation ------------------------------------------------------ */

/*
 * Each operation is tried with a budget of 0, 1, 2, ... allocations until it succeeds. After
 * each -ENOMEM the tree must be well formed with no table leaked, every page of the range
 * as before or as asked, and every other page untouched; the next attempt starts from that
 * mixed state. Merges run with no budget at all: they never allocate.
 */
static void run_oom(const struct rcfg *cfg, u64 seed)
{
	struct rt t;
	u64 *before = NULL, *after = NULL;
	unsigned step, attempts = 0;

	rt_init(&t, cfg, seed, 16384);
	for (step = 0; step < cfg->steps; step++) {
		enum rop op = gen_op(&t, true);
		const struct pt_attr *a = gen_attr(&t);
		u64 first, n, pa = 0;
		long k;
		int ret;

		gen_range(&t, 32 * SZ_2M / SZ_4K, &first, &n);
		if (op == ROP_MAP)
			pa = gen_pa(&t, rt_va(&t, first), n);
		before = realloc(before, n * sizeof(u64));
		after = realloc(after, n * sizeof(u64));
		assert_non_null(before);
		assert_non_null(after);
		for (u64 i = 0; i < n; i++) {
			before[i] = t.model[first + i];
			after[i] = model_after(&t, op, first, pa, a, first + i);
		}
		for (k = 0;; k++) {
			tpa_set_budget(&t.tpa, op == ROP_MERGE ? 0 : k);
			ret = do_op(&t, op, first, n, pa, a);
			tpa_set_budget(&t.tpa, -1);
			attempts++;
			if (!ret)
				break;
			assert_int_equal(ret, -ENOMEM);
			assert_true(op != ROP_MERGE);
			assert_true(k < 64);
			t.enomem++;
			for (u64 i = 0; i < n; i++) {
				u64 got = lookup_packed(&t, rt_va(&t, first + i), NULL);

				if (got != before[i] && got != after[i])
					fail_msg(
						"%s: after -ENOMEM, va %#llx = %#llx: neither %#llx "
						"(before) nor %#llx (asked)",
						cfg->name, (unsigned long long)rt_va(&t, first + i),
						(unsigned long long)got,
						(unsigned long long)before[i],
						(unsigned long long)after[i]);
				t.model[first + i] = got;
			}
			rt_check(&t);
		}
		memcpy(&t.model[first], after, n * sizeof(u64));
		rt_check(&t);
	}
	printf("%s: %u operations, %u attempts, %llu out-of-memory failures checked\n", cfg->name,
	       cfg->steps, attempts, (unsigned long long)t.enomem);
	assert_true(t.enomem > cfg->steps / 4);
	free(before);
	free(after);
	rt_fini(&t);
}

static const struct rcfg cfg_oom_ept = {
	"oom ept 4K/2M/1G", &ept_format, ALL_LEAVES, 3 * SZ_1G / 2, 3 * SZ_1G, 500,
};
static const struct rcfg cfg_oom_host = {
	"oom host 4K/2M",
	&paging_host_format,
	PT_LEAF_4K | PT_LEAF_2M,
	0xffffff8000000000ULL - SZ_1G,
	2 * SZ_1G,
	400,
};

static void test_oom_ept(void **state)
{
	run_oom(&cfg_oom_ept, sub_seed(4));
}

static void test_oom_host(void **state)
{
	run_oom(&cfg_oom_host, sub_seed(5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_host),	cmocka_unit_test(test_random_ept),
		cmocka_unit_test(test_random_ept_no1g), cmocka_unit_test(test_random_host_4k),
		cmocka_unit_test(test_oom_ept),		cmocka_unit_test(test_oom_host),
	};

	g_seed = tpa_seed("test_pt_random");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
