// SPDX-License-Identifier: MIT
/*
 * The root partition's EPT (arch/x86/ept.c ept_build_root) built with the real page-table
 * engine (mm/pt.c + arch/x86/ept_format.c) on the malloc-backed table arena of
 * tests/unit/test_pt_util.c, from MTRRs decoded by arch/x86/mtrr.c out of the fake MSRs.
 *
 * Machine: 8 GiB, MAXPHYADDR 39, fixed ranges on (WB low memory, UC VGA hole, WP/WT ROM
 * shadows), default UC, WB 0-4 GiB and 4-8 GiB, UC 3-4 GiB (MMIO hole), WT 256 KiB at
 * 4 GiB + 256 KiB; the pool is 32 MiB at 5 GiB + 2 MiB. Every 4 KiB page of the 8 GiB is
 * checked: identity with the MTRR type, RWX, IPAT clear; pool pages map to the scratch page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/ept.h"
#include "arch/x86/ept_format.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "tests/unit/test_pt_util.h"

#define GIB(n) ((u64)(n) << 30)
#define MIB(n) ((u64)(n) << 20)
#define KIB(n) ((u64)(n) << 10)
#define TOP GIB(8)
#define POOL_BASE (GIB(5) + MIB(2))
#define POOL_SIZE MIB(32)
#define SCRATCH (POOL_BASE + 5 * PAGE_SIZE)
#define ALL_LEAVES (PT_LEAF_4K | PT_LEAF_2M | PT_LEAF_1G)

static struct mtrr_state mtrr;

static void set_var(u32 i, u64 base, u64 size, u8 type)
{
	fake_msr_set(MSR_IA32_MTRR_PHYSBASE0 + 2 * i, base | type);
	fake_msr_set(MSR_IA32_MTRR_PHYSMASK0 + 2 * i,
		     (~(size - 1) & ((1ULL << 39) - 1) & ~0xfffULL) | (1ULL << 11));
}

static void fake_machine(void)
{
	static const u32 fixed_msrs[11] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
					    0x26b, 0x26c, 0x26d, 0x26e, 0x26f };
	u8 fixed[88];

	fake_msr_reset();
	fake_cpuid_reset();
	fake_cpuid_set(1, 0, 0x906ea, 0, 0, 1u << 12);
	fake_msr_set(MSR_IA32_MTRRCAP, 0x508); /* 8 variable, fixed, WC */
	fake_msr_set(MSR_IA32_MTRR_DEF_TYPE, (1 << 11) | (1 << 10) | PT_MT_UC);
	/* SDM vol.3 11.11.2.2: 0-512K in 64K, 512K-768K in 16K, 768K-1M in 4K ranges. */
	memset(fixed, PT_MT_WB, 8);	 /* 0-512 KiB: RAM */
	memset(fixed + 8, PT_MT_WB, 8);	 /* 512-640 KiB */
	memset(fixed + 16, PT_MT_UC, 8); /* 640-768 KiB: VGA */
	for (int i = 24; i < 88; i++)	 /* 768 KiB-1 MiB: ROMs */
		fixed[i] = (i & 8) ? PT_MT_WP : PT_MT_WT;
	for (int i = 0; i < 8; i++) { /* all variable MTRRs present, invalid */
		fake_msr_set(MSR_IA32_MTRR_PHYSBASE0 + 2 * i, 0);
		fake_msr_set(MSR_IA32_MTRR_PHYSMASK0 + 2 * i, 0);
	}
	for (int i = 0; i < 11; i++) {
		u64 v;

		memcpy(&v, fixed + 8 * i, 8);
		fake_msr_set(fixed_msrs[i], v);
	}
	set_var(0, 0, GIB(4), PT_MT_WB);
	set_var(1, GIB(3), GIB(1), PT_MT_UC);
	set_var(2, GIB(4), GIB(4), PT_MT_WB);
	set_var(3, GIB(4) + KIB(256), KIB(256), PT_MT_WT);
	mtrr_read(&mtrr, 39);
	assert_true(mtrr.enabled);
	assert_true(mtrr.fixed_enabled);
	assert_int_equal(fake_msr_bad, 0);
}

static bool in_pool(u64 pa)
{
	return pa >= POOL_BASE && pa < POOL_BASE + POOL_SIZE;
}

/* The whole map, leaf by leaf, against what every page must be. */
struct check {
	u64 next;  /* the walk must cover [0, TOP) without a gap */
	u64 pages; /* 4 KiB pages checked */
	u64 leaves;
};

static int check_leaf(void *ctx, u64 va, u64 pa, u64 size, const struct pt_attr *a)
{
	struct check *c = ctx;

	if (va != c->next)
		fail_msg("hole in the EPT at %#llx (next leaf at %#llx)",
			 (unsigned long long)c->next, (unsigned long long)va);
	if (a->perm != PT_RWX || a->flags != 0)
		fail_msg("leaf at %#llx: perm %#x flags %#x", (unsigned long long)va, a->perm,
			 a->flags);
	for (u64 off = 0; off < size; off += PAGE_SIZE) {
		u64 page = va + off;

		if (in_pool(page)) {
			if (size != PAGE_SIZE || pa != SCRATCH || a->memtype != PT_MT_WB)
				fail_msg("pool page %#llx: -> %#llx size %#llx type %u",
					 (unsigned long long)page, (unsigned long long)pa,
					 (unsigned long long)size, a->memtype);
		} else if (pa + off != page || a->memtype != mtrr_type(&mtrr, page)) {
			fail_msg("page %#llx: -> %#llx type %u, want identity type %u",
				 (unsigned long long)page, (unsigned long long)(pa + off),
				 a->memtype, mtrr_type(&mtrr, page));
		}
		c->pages++;
	}
	c->next = va + size;
	c->leaves++;
	return 0;
}

static void check_map(const struct pt *ept, const struct ept_stats *st)
{
	struct check c = { 0, 0, 0 };
	u64 n;

	assert_int_equal(pt_walk(ept, 0, TOP, check_leaf, &c), 0);
	assert_int_equal(c.next, TOP);
	assert_int_equal(c.pages, TOP / PAGE_SIZE);
	assert_int_equal(c.leaves, st->pages_1g + st->pages_2m + st->pages_4k);
	/* Nothing beyond the top. */
	assert_int_equal(pt_lookup(ept, TOP, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(pt_lookup(ept, GIB(511), NULL, NULL, NULL), -ENOENT);
	assert_int_equal(pt_check(ept, &n), 0);
	assert_int_equal(n, ept->nr_tables);
}

/* Independent spot checks through pt_lookup: level and translation of chosen addresses. */
static void lookup(const struct pt *ept, u64 gpa, u64 want_pa, u8 want_type, unsigned want_level)
{
	u64 pa = 0;
	struct pt_attr a = { 0, 0, 0 };
	unsigned level = 0;
	int r = pt_lookup(ept, gpa, &pa, &a, &level);

	if (r || pa != want_pa || a.memtype != want_type || level != want_level)
		fail_msg("GPA %#llx: %d -> %#llx type %u level %u, want %#llx type %u level %u",
			 (unsigned long long)gpa, r, (unsigned long long)pa, a.memtype, level,
			 (unsigned long long)want_pa, want_type, want_level);
}

static void build(struct tpa *t, struct pt *ept, unsigned leaves, struct ept_stats *st)
{
	fake_machine();
	tpa_init(t, 64);
	assert_int_equal(pt_init(ept, &ept_format, leaves, &t->alloc), 0);
	assert_int_equal(ept_build_root(ept, &mtrr, TOP, POOL_BASE, POOL_SIZE, SCRATCH, st), 0);
}

static void teardown_ept(struct tpa *t, struct pt *ept)
{
	pt_destroy(ept);
	assert_int_equal(t->live, 0);
	assert_int_equal(t->errors, 0);
	tpa_fini(t);
}

/* ept_format's masks (pt_lookup's walk without hooks) answer as its hooks do, for every
 * level, on entries the engine makes and on random ones. */
static void test_format_masks_match_hooks(void **state)
{
	const struct pt_format *f = &ept_format;
	const struct pt_attr attrs[] = { { PT_RWX, PT_MT_WB, 0 },
					 { PT_R, PT_MT_UC, 0 },
					 { 0, PT_MT_WB, 0 },
					 { PT_R | PT_X, PT_MT_WT, PT_F_IGNORE_PAT } };
	u64 entries[64 + 3 * 4 * ARRAY_SIZE(attrs)], x = 0x9e3779b97f4a7c15ULL;
	u32 n = 0;

	(void)state;
	assert_true(f->addr_mask != 0);
	for (u32 i = 0; i < 64; i++) { /* xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		entries[n++] = x;
	}
	for (unsigned l = 1; l <= 3; l++)
		for (u32 i = 0; i < ARRAY_SIZE(attrs); i++) {
			entries[n++] = f->mk_leaf(0x40000000ULL * 3, l, &attrs[i]);
			entries[n++] = f->mk_table(0x123456000ULL);
			entries[n++] = 0;
			entries[n++] = f->mk_leaf(0x200000ULL * 5, 1, &attrs[i]) | EPT_LARGE;
		}
	for (u32 i = 0; i < n; i++)
		for (unsigned l = 1; l <= 4; l++) {
			u64 e = entries[i];
			bool present = (e & f->present_mask) != 0;
			assert_int_equal(present, f->present(e));
			if (!present)
				continue;
			bool leaf = l == 1 || ((f->leaf_levels & (1u << l)) && (e & f->leaf_bit));
			assert_int_equal(leaf, f->is_leaf(e, l));
			assert_int_equal(e & f->addr_mask, f->addr(e, l));
		}
}

static void test_build_with_1g_leaves(void **state)
{
	struct tpa t;
	struct pt ept;
	struct ept_stats st;

	build(&t, &ept, ALL_LEAVES, &st);
	/*
	 * 1 GiB: 1-2, 2-3, 3-4 (UC), 6-7, 7-8. 2 MiB: 511 in 0-1 GiB (not the fixed-range
	 * block), 511 in 4-5 GiB (not the WT block), 1 + 495 in 5-6 GiB around the pool.
	 * 4 KiB: 512 below 2 MiB, 512 around the WT range, 8192 pool pages.
	 */
	assert_int_equal(st.pages_1g, 5);
	assert_int_equal(st.pages_2m, 511 + 511 + 1 + 495);
	assert_int_equal(st.pages_4k, 512 + 512 + 8192);
	check_map(&ept, &st);
	/* PML4, PDPT, PDs of 0-1, 4-5, 5-6 GiB, PTs of 0-2 MiB, 4 GiB-+2 MiB, 16 in the pool. */
	assert_int_equal(ept.nr_tables, 1 + 1 + 3 + 1 + 1 + 16);

	lookup(&ept, 0, 0, PT_MT_WB, 1);
	lookup(&ept, 0xa0123, 0xa0123, PT_MT_UC, 1);
	lookup(&ept, 0xc0000, 0xc0000, PT_MT_WP, 1);
	lookup(&ept, 0xc8fff, 0xc8fff, PT_MT_WT, 1);
	lookup(&ept, 0xffffe, 0xffffe, PT_MT_WT, 1);
	lookup(&ept, 0xd0000, 0xd0000, PT_MT_WP, 1);
	lookup(&ept, 0x100000, 0x100000, PT_MT_WB, 1);
	lookup(&ept, SZ_2M, SZ_2M, PT_MT_WB, 2);
	lookup(&ept, GIB(1) + 0x1234, GIB(1) + 0x1234, PT_MT_WB, 3);
	lookup(&ept, GIB(3), GIB(3), PT_MT_UC, 3);
	lookup(&ept, GIB(4) - 1, GIB(4) - 1, PT_MT_UC, 3);
	lookup(&ept, GIB(4), GIB(4), PT_MT_WB, 1);
	lookup(&ept, GIB(4) + KIB(256), GIB(4) + KIB(256), PT_MT_WT, 1);
	lookup(&ept, GIB(4) + KIB(512) - 1, GIB(4) + KIB(512) - 1, PT_MT_WT, 1);
	lookup(&ept, GIB(4) + KIB(512), GIB(4) + KIB(512), PT_MT_WB, 1);
	lookup(&ept, GIB(4) + SZ_2M, GIB(4) + SZ_2M, PT_MT_WB, 2);
	lookup(&ept, POOL_BASE - 1, POOL_BASE - 1, PT_MT_WB, 2);
	lookup(&ept, POOL_BASE, SCRATCH, PT_MT_WB, 1);
	lookup(&ept, POOL_BASE + 0x10abc, SCRATCH + 0xabc, PT_MT_WB, 1);
	lookup(&ept, SCRATCH, SCRATCH, PT_MT_WB, 1);
	lookup(&ept, POOL_BASE + POOL_SIZE - 1, SCRATCH + 0xfff, PT_MT_WB, 1);
	lookup(&ept, POOL_BASE + POOL_SIZE, POOL_BASE + POOL_SIZE, PT_MT_WB, 2);
	lookup(&ept, TOP - 1, TOP - 1, PT_MT_WB, 3);
	teardown_ept(&t, &ept);
}

static void test_build_without_1g_leaves(void **state)
{
	struct tpa t;
	struct pt ept;
	struct ept_stats st;

	build(&t, &ept, PT_LEAF_4K | PT_LEAF_2M, &st);
	assert_int_equal(st.pages_1g, 0);
	assert_int_equal(st.pages_2m, 5 * 512 + 511 + 511 + 1 + 495);
	assert_int_equal(st.pages_4k, 512 + 512 + 8192);
	check_map(&ept, &st);
	assert_int_equal(ept.nr_tables, 1 + 1 + 8 + 1 + 1 + 16);
	lookup(&ept, GIB(1) + 0x1234, GIB(1) + 0x1234, PT_MT_WB, 2);
	lookup(&ept, GIB(3) + MIB(3), GIB(3) + MIB(3), PT_MT_UC, 2);
	lookup(&ept, POOL_BASE + 0x10abc, SCRATCH + 0xabc, PT_MT_WB, 1);
	teardown_ept(&t, &ept);
}

static void test_unaligned_pool_edges(void **state)
{
	struct tpa t;
	struct pt ept;
	struct ept_stats st;
	u64 base = GIB(6) + SZ_2M - 3 * PAGE_SIZE, size = SZ_2M; /* straddles a 2 MiB edge */
	u64 scratch = base;

	fake_machine();
	tpa_init(&t, 64);
	assert_int_equal(pt_init(&ept, &ept_format, ALL_LEAVES, &t.alloc), 0);
	assert_int_equal(ept_build_root(&ept, &mtrr, TOP, base, size, scratch, &st), 0);
	lookup(&ept, base - PAGE_SIZE, base - PAGE_SIZE, PT_MT_WB, 1);
	lookup(&ept, base, scratch, PT_MT_WB, 1);
	lookup(&ept, base + size - PAGE_SIZE, scratch, PT_MT_WB, 1);
	lookup(&ept, base + size, base + size, PT_MT_WB, 1);
	lookup(&ept, GIB(6), GIB(6), PT_MT_WB, 1);
	lookup(&ept, GIB(6) + 2 * SZ_2M - 1, GIB(6) + 2 * SZ_2M - 1, PT_MT_WB, 1);
	lookup(&ept, GIB(6) + 2 * SZ_2M, GIB(6) + 2 * SZ_2M, PT_MT_WB, 2);
	/* The two 2 MiB blocks the pool touches are 4 KiB pages, the rest of 6-7 GiB 2 MiB. */
	assert_int_equal(st.pages_1g, 6 - 1); /* 1-2, 2-3, 3-4, 5-6, 7-8 GiB */
	assert_int_equal(st.pages_4k, 512 + 512 + 1024);
	assert_int_equal(st.pages_2m, 511 + 511 + 510);
	assert_int_equal(pt_check(&ept, NULL), 0);
	teardown_ept(&t, &ept);
}

static void test_no_mtrrs_all_uc_large(void **state)
{
	struct tpa t;
	struct pt ept;
	struct ept_stats st;

	fake_machine();
	memset(&mtrr, 0, sizeof(mtrr)); /* MTRRs disabled: everything UC */
	tpa_init(&t, 64);
	assert_int_equal(pt_init(&ept, &ept_format, ALL_LEAVES, &t.alloc), 0);
	assert_int_equal(ept_build_root(&ept, &mtrr, TOP, POOL_BASE, POOL_SIZE, SCRATCH, &st), 0);
	assert_int_equal(st.pages_1g, 7);
	assert_int_equal(st.pages_2m, 512 - 16);
	assert_int_equal(st.pages_4k, 8192);
	lookup(&ept, 0, 0, PT_MT_UC, 3);
	lookup(&ept, POOL_BASE, SCRATCH, PT_MT_WB, 1);
	teardown_ept(&t, &ept);
}

static void test_top_must_be_1g_aligned(void **state)
{
	struct tpa t;
	struct pt ept;
	struct ept_stats st = { 1, 2, 3 };

	fake_machine();
	tpa_init(&t, 8);
	assert_int_equal(pt_init(&ept, &ept_format, ALL_LEAVES, &t.alloc), 0);
	assert_int_equal(ept_build_root(&ept, &mtrr, GIB(8) + SZ_2M, 0, 0, 0, &st), -EINVAL);
	assert_int_equal(st.pages_1g + st.pages_2m + st.pages_4k, 0);
	assert_int_equal(ept.nr_tables, 1);
	teardown_ept(&t, &ept);
}

static void test_out_of_memory(void **state)
{
	struct tpa t;
	struct pt ept;
	struct ept_stats st;
	long need;

	build(&t, &ept, ALL_LEAVES, &st);
	need = (long)ept.nr_tables - 1; /* pt_init took the root */
	assert_int_equal(need, 22);
	teardown_ept(&t, &ept);

	/* Every budget short of what the build needs fails cleanly with -ENOMEM. */
	for (long budget = 0; budget < need; budget++) {
		fake_machine();
		tpa_init(&t, 64);
		assert_int_equal(pt_init(&ept, &ept_format, ALL_LEAVES, &t.alloc), 0);
		tpa_set_budget(&t, budget);
		assert_int_equal(ept_build_root(&ept, &mtrr, TOP, POOL_BASE, POOL_SIZE, SCRATCH,
						&st),
				 -ENOMEM);
		assert_int_equal(pt_check(&ept, NULL), 0);
		teardown_ept(&t, &ept);
	}
	/* And with exactly enough, it builds. */
	fake_machine();
	tpa_init(&t, 64);
	assert_int_equal(pt_init(&ept, &ept_format, ALL_LEAVES, &t.alloc), 0);
	tpa_set_budget(&t, need);
	assert_int_equal(ept_build_root(&ept, &mtrr, TOP, POOL_BASE, POOL_SIZE, SCRATCH, &st), 0);
	check_map(&ept, &st);
	teardown_ept(&t, &ept);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_masks_match_hooks),
		cmocka_unit_test(test_build_with_1g_leaves),
		cmocka_unit_test(test_build_without_1g_leaves),
		cmocka_unit_test(test_unaligned_pool_edges),
		cmocka_unit_test(test_no_mtrrs_all_uc_large),
		cmocka_unit_test(test_top_must_be_1g_aligned),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
