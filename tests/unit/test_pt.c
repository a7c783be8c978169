// SPDX-License-Identifier: MIT
/*
 * mm/pt.c with both formats (host paging, EPT): entry encodings, map/split/merge/protect/
 * lookup round trips, large-page behaviour with exact table counts, argument checks, walks,
 * pt_check catching corruption, and out-of-memory at every allocation of a split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/ept_format.h"
#include "arch/x86/paging_host.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "mm/phys.h"
#include "mm/pt.h"
#include "tests/unit/test_pt_util.h"

#define ALL_LEAVES (PT_LEAF_4K | PT_LEAF_2M | PT_LEAF_1G)
#define SZ_4K PAGE_SIZE

static const struct pt_format *const formats[] = { &paging_host_format, &ept_format };

/* Attributes every format accepts. */
static const struct pt_attr A_RWX_WB = { PT_RWX, PT_MT_WB, 0 };
static const struct pt_attr A_R_UC = { PT_R, PT_MT_UC, 0 };
static const struct pt_attr A_RX_WT = { PT_R | PT_X, PT_MT_WT, 0 };

struct env {
	struct tpa tpa;
	struct pt pt;
};

static void env_init(struct env *e, const struct pt_format *f, unsigned leaves)
{
	tpa_init(&e->tpa, 4096);
	assert_int_equal(pt_init(&e->pt, f, leaves, &e->tpa.alloc), 0);
	assert_int_equal(e->pt.nr_tables, 1);
	assert_int_equal(e->tpa.live, 1);
}

/* The tree is well formed and holds exactly the tables the arena handed out. */
static void env_check(struct env *e, u64 tables)
{
	u64 n = 0;

	assert_int_equal(pt_check(&e->pt, &n), 0);
	assert_int_equal(n, tables);
	assert_int_equal(e->pt.nr_tables, tables);
	assert_int_equal(e->tpa.live, tables);
	assert_int_equal(e->tpa.errors, 0);
}

static void env_fini(struct env *e)
{
	pt_destroy(&e->pt);
	assert_int_equal(e->tpa.live, 0);
	assert_int_equal(e->tpa.errors, 0);
	assert_int_equal(e->tpa.allocs, e->tpa.frees);
	tpa_fini(&e->tpa);
}

static void expect_map(const struct pt *pt, u64 va, u64 pa, const struct pt_attr *a, unsigned level)
{
	u64 got_pa = 0;
	struct pt_attr got_a = { 0 };
	unsigned got_level = 0;

	if (pt_lookup(pt, va, &got_pa, &got_a, &got_level))
		fail_msg("%s: va %#llx not mapped", pt->fmt->name, (unsigned long long)va);
	if (got_pa != pa || got_level != level || !tpa_attr_eq(&got_a, a))
		fail_msg("%s: va %#llx -> pa %#llx level %u perm %x mt %u, expected pa %#llx level "
			 "%u perm %x mt %u",
			 pt->fmt->name, (unsigned long long)va, (unsigned long long)got_pa,
			 got_level, got_a.perm, got_a.memtype, (unsigned long long)pa, level,
			 a->perm, a->memtype);
}

static void expect_unmapped(const struct pt *pt, u64 va)
{
	assert_int_equal(pt_lookup(pt, va, NULL, NULL, NULL), -ENOENT);
}

/* ---- formats ------------------------------------------------------------------------------ */

static void test_host_format_bits(void **state)
{
	const struct pt_format *f = &paging_host_format;
	struct pt_attr a;
	u64 e;

	/* 4 KiB, WB, RWX: P | RW only. */
	e = f->mk_leaf(0x123456000ULL, 1, &A_RWX_WB);
	assert_int_equal(e, 0x123456000ULL | PAGING_P | PAGING_RW);
	/* No X: XD; UC = PCD | PWT; WT = PWT (power-up PAT). */
	e = f->mk_leaf(0x1000, 1, &A_R_UC);
	assert_int_equal(e, 0x1000 | PAGING_P | PAGING_XD | PAGING_PCD | PAGING_PWT);
	e = f->mk_leaf(0x200000, 2, &A_RX_WT);
	assert_int_equal(e, 0x200000 | PAGING_P | PAGING_PS | PAGING_PWT);
	a = tpa_attr(PT_R | PT_W, PT_MT_WB, PT_F_USER | PT_F_GLOBAL);
	e = f->mk_leaf(0x40000000, 3, &a);
	assert_int_equal(e, 0x40000000 | PAGING_P | PAGING_RW | PAGING_PS | PAGING_XD | PAGING_US |
				    PAGING_G);
	assert_int_equal(f->mk_table(0x5000), 0x5000 | PAGING_P | PAGING_RW | PAGING_US);

	assert_true(f->is_leaf(e, 3));
	assert_false(f->is_leaf(f->mk_table(0x5000), 3));
	assert_false(f->is_leaf(PAGING_P | PAGING_PS, 4)); /* PS is reserved in a PML4E */
	assert_true(f->is_leaf(PAGING_P, 1));
	assert_false(f->present(0));
	assert_false(f->present(PAGING_RW | 0x1000));

	/* The large-page PAT bit (12) is not part of the address; PAT=1 repeats the layout. */
	e = 0x40000000 | PAGING_P | PAGING_PS | PAGING_PAT_LARGE | PAGING_PCD | PAGING_PWT;
	assert_int_equal(f->addr(e, 3), 0x40000000);
	f->get_attr(e, 3, &a);
	assert_int_equal(a.memtype, PT_MT_UC);
	/* A PTE with PAT (bit 7) is not a large page, and 4K PAT=1, PWT=1 is WT. */
	e = 0x7000 | PAGING_P | PAGING_PAT_4K | PAGING_PWT;
	assert_int_equal(f->addr(e, 1), 0x7000);
	f->get_attr(e, 1, &a);
	assert_int_equal(a.memtype, PT_MT_WT);

	/* What host paging cannot express. */
	a = tpa_attr(PT_W, PT_MT_WB, 0);
	assert_false(f->attr_ok(&a)); /* not readable */
	a = tpa_attr(PT_R | PT_XU, PT_MT_WB, 0);
	assert_false(f->attr_ok(&a));
	a = tpa_attr(PT_R, PT_MT_WC, 0);
	assert_false(f->attr_ok(&a));
	a = tpa_attr(PT_R, PT_MT_WB, PT_F_IGNORE_PAT);
	assert_false(f->attr_ok(&a));
}

static void test_ept_format_bits(void **state)
{
	const struct pt_format *f = &ept_format;
	struct pt_attr a;
	u64 e;

	/* SDM 29.3.2: R W X = bits 0-2, memory type 5:3, IPAT 6, large 7, XU 10. */
	e = f->mk_leaf(0xabc000, 1, &A_RWX_WB);
	assert_int_equal(e, 0xabc000 | 0x7 | (6 << 3));
	a = tpa_attr(PT_R | PT_XU, PT_MT_UC, PT_F_IGNORE_PAT);
	e = f->mk_leaf(0x200000, 2, &a);
	assert_int_equal(e, 0x200000 | EPT_R | EPT_XU | EPT_IPAT | EPT_LARGE);
	e = f->mk_leaf(0xc0000000, 3, &A_RX_WT);
	assert_int_equal(e, 0xc0000000 | EPT_R | EPT_X | (4 << 3) | EPT_LARGE);
	assert_int_equal(f->mk_table(0x9000), 0x9000 | 0x7 | EPT_XU);
	assert_int_equal(f->mk_table(0x9000) & EPT_SUPPRESS_VE, 0);

	assert_true(f->present(EPT_XU));
	assert_true(f->present(EPT_X));
	assert_false(f->present(EPT_MT_MASK | EPT_LARGE | 0x1000));
	assert_false(f->is_leaf(f->mk_table(0x9000), 2));
	assert_false(f->is_leaf(EPT_R | EPT_LARGE, 4));
	assert_int_equal(f->addr(e, 3), 0xc0000000);
	f->get_attr(e, 3, &a);
	assert_true(tpa_attr_eq(&a, &A_RX_WT));

	/* Round trip of every expressible attribute at every leaf level. */
	for (unsigned perm = 0; perm < 16; perm++) {
		for (unsigned mt = 0; mt < 8; mt++) {
			for (unsigned fl = 0; fl < 4; fl++) {
				struct pt_attr in = tpa_attr(perm, mt,
							     ((fl & 1) ? PT_F_IGNORE_PAT : 0) |
								     ((fl & 2) ? PT_F_PINNED : 0));
				/* perm 0: a no-access leaf (EPT_NOACCESS), mapped for the
				 * engine, not present to the CPU. */
				bool ok = !((perm & PT_W) && !(perm & PT_R)) && mt != 2 &&
					  mt != 3 && mt != 7;

				assert_int_equal(f->attr_ok(&in), ok);
				for (unsigned level = 1; ok && level <= 3; level++) {
					u64 pa = PT_LEVEL_SIZE(level) * 3;

					e = f->mk_leaf(pa, level, &in);
					assert_true(f->present(e));
					assert_true(f->is_leaf(e, level));
					assert_int_equal(f->addr(e, level), pa);
					f->get_attr(e, level, &a);
					assert_true(tpa_attr_eq(&a, &in));
					assert_int_equal(!(e & (EPT_R | EPT_W | EPT_X | EPT_XU)),
							 !perm); /* the CPU's "present" */
					assert_int_equal(!!(e & EPT_PINNED), !!(fl & 2));
				}
			}
		}
	}
	a = tpa_attr(PT_R, PT_MT_WB, PT_F_USER);
	assert_false(f->attr_ok(&a));

	/* SDM 25.6.11: WB (6), walk length 4 - 1 = 3 in bits 5:3, no A/D. */
	assert_int_equal(ept_eptp(0x123000), 0x123000 | 0x1e);
}

static void test_host_round_trip(void **state)
{
	const struct pt_format *f = &paging_host_format;
	static const u8 mts[] = { PT_MT_WB, PT_MT_WT, PT_MT_UC };

	for (unsigned perm = PT_R; perm < 8; perm++) {
		for (unsigned m = 0; m < ARRAY_SIZE(mts); m++) {
			for (unsigned fl = 0; fl < 4; fl++) {
				struct pt_attr in = tpa_attr(perm | PT_R, mts[m], fl << 1), out;

				assert_true(f->attr_ok(&in));
				for (unsigned level = 1; level <= 3; level++) {
					u64 pa = PT_LEVEL_SIZE(level) * 5;
					u64 e = f->mk_leaf(pa, level, &in);

					assert_true(f->is_leaf(e, level));
					assert_int_equal(f->addr(e, level), pa);
					f->get_attr(e, level, &out);
					assert_true(tpa_attr_eq(&in, &out));
				}
			}
		}
	}
}

/* ---- basic map / lookup ------------------------------------------------------------------- */

static void test_map_lookup_basic(void **state)
{
	for (unsigned fi = 0; fi < ARRAY_SIZE(formats); fi++) {
		struct env e;
		u64 pa;

		env_init(&e, formats[fi], ALL_LEAVES);
		/* One page: PML4, PDPT, PD, PT. */
		assert_int_equal(pt_map(&e.pt, 0x1000, 0x7000, SZ_4K, &A_RWX_WB), 0);
		env_check(&e, 4);
		expect_map(&e.pt, 0x1000, 0x7000, &A_RWX_WB, 1);
		assert_int_equal(pt_lookup(&e.pt, 0x1abc, &pa, NULL, NULL), 0);
		assert_int_equal(pa, 0x7abc);
		expect_unmapped(&e.pt, 0);
		expect_unmapped(&e.pt, 0x2000);
		expect_unmapped(&e.pt, SZ_1G);

		/* A 2 MiB-aligned 4 MiB range with a congruent pa: two 2 MiB leaves. */
		assert_int_equal(pt_map(&e.pt, 0x400000, 0x80400000, 2 * SZ_2M, &A_R_UC), 0);
		env_check(&e, 4);
		expect_map(&e.pt, 0x400000, 0x80400000, &A_R_UC, 2);
		expect_map(&e.pt, 0x7ff000, 0x807ff000, &A_R_UC, 2);
		/* Same range, pa only 4 KiB aligned: 1024 PTEs in two new tables. */
		assert_int_equal(pt_map(&e.pt, 0x400000, 0x90001000, 2 * SZ_2M, &A_RX_WT), 0);
		env_check(&e, 6);
		expect_map(&e.pt, 0x400000, 0x90001000, &A_RX_WT, 1);
		expect_map(&e.pt, 0x7ff000, 0x90400000, &A_RX_WT, 1);
		/* And back: the two tables are covered by the leaves and freed. */
		assert_int_equal(pt_map(&e.pt, 0x400000, 0x80400000, 2 * SZ_2M, &A_R_UC), 0);
		env_check(&e, 4);
		expect_map(&e.pt, 0x600000, 0x80600000, &A_R_UC, 2);

		/* Unmapping everything leaves the root alone. */
		assert_int_equal(pt_unmap(&e.pt, 0, SZ_1G), 0);
		env_check(&e, 1);
		expect_unmapped(&e.pt, 0x1000);
		env_fini(&e);
	}
}

/* pt_map uses the largest leaf that va, pa and the size allow at every point. */
static void test_largest_leaves(void **state)
{
	for (unsigned fi = 0; fi < ARRAY_SIZE(formats); fi++) {
		struct env e;
		/* [1G - 2M - 8K, 2G + 2M + 12K): 2 PTEs, 1 PDE, 1 PDPTE, 1 PDE, 3 PTEs. */
		u64 va = SZ_1G - SZ_2M - 2 * SZ_4K, size = SZ_1G + 2 * SZ_2M + 5 * SZ_4K;
		u64 delta = 7 * SZ_1G;

		env_init(&e, formats[fi], ALL_LEAVES);
		assert_int_equal(pt_map(&e.pt, va, va + delta, size, &A_RWX_WB), 0);
		expect_map(&e.pt, va, va + delta, &A_RWX_WB, 1);
		expect_map(&e.pt, va + SZ_4K, va + SZ_4K + delta, &A_RWX_WB, 1);
		expect_map(&e.pt, SZ_1G - SZ_2M, SZ_1G - SZ_2M + delta, &A_RWX_WB, 2);
		expect_map(&e.pt, SZ_1G + 12345 * SZ_4K, SZ_1G + 12345 * SZ_4K + delta, &A_RWX_WB,
			   3);
		expect_map(&e.pt, 2 * SZ_1G, 2 * SZ_1G + delta, &A_RWX_WB, 2);
		expect_map(&e.pt, 2 * SZ_1G + SZ_2M, 2 * SZ_1G + SZ_2M + delta, &A_RWX_WB, 1);
		expect_map(&e.pt, 2 * SZ_1G + SZ_2M + 2 * SZ_4K,
			   2 * SZ_1G + SZ_2M + 2 * SZ_4K + delta, &A_RWX_WB, 1);
		expect_unmapped(&e.pt, va - SZ_4K);
		expect_unmapped(&e.pt, va + size);
		/* PML4 + PDPT + two PDs + two PTs. */
		env_check(&e, 6);
		env_fini(&e);

		/* Without 1 GiB support the middle gigabyte is 512 PDEs. */
		env_init(&e, formats[fi], PT_LEAF_4K | PT_LEAF_2M);
		assert_int_equal(pt_map(&e.pt, va, va + delta, size, &A_RWX_WB), 0);
		expect_map(&e.pt, SZ_1G + 12345 * SZ_4K, SZ_1G + 12345 * SZ_4K + delta, &A_RWX_WB,
			   2);
		env_check(&e, 7);
		env_fini(&e);

		/* 4 KiB only. */
		env_init(&e, formats[fi], PT_LEAF_4K);
		assert_int_equal(pt_map(&e.pt, 0, 0, 2 * SZ_2M, &A_RWX_WB), 0);
		expect_map(&e.pt, SZ_2M, SZ_2M, &A_RWX_WB, 1);
		env_check(&e, 5);
		assert_int_equal(pt_merge(&e.pt, 0, 2 * SZ_2M), 0);
		env_check(&e, 5);
		env_fini(&e);
	}
}

/*
 * The brief's large-page scenario: a 1 GiB identity map; unmap (then protect) one 4 KiB page
 * inside it splits exactly one PDPTE and one PDE; restoring it and merging returns one 1 GiB
 * leaf and frees both tables.
 */
static void test_1g_split_merge(void **state)
{
	for (unsigned fi = 0; fi < ARRAY_SIZE(formats); fi++) {
		const u64 g = 3 * SZ_1G, page = g + 5 * SZ_2M + 7 * SZ_4K;
		struct env e;

		env_init(&e, formats[fi], ALL_LEAVES);
		assert_int_equal(pt_map(&e.pt, g, g, SZ_1G, &A_RWX_WB), 0);
		env_check(&e, 2);
		expect_map(&e.pt, page, page, &A_RWX_WB, 3);

		/* Unmap one page: PD (511 PDEs + a PT) and PT (511 PTEs). */
		assert_int_equal(pt_unmap(&e.pt, page, SZ_4K), 0);
		env_check(&e, 4);
		expect_unmapped(&e.pt, page);
		expect_map(&e.pt, page - SZ_4K, page - SZ_4K, &A_RWX_WB, 1);
		expect_map(&e.pt, page + SZ_4K, page + SZ_4K, &A_RWX_WB, 1);
		expect_map(&e.pt, g + 5 * SZ_2M, g + 5 * SZ_2M, &A_RWX_WB, 1);
		expect_map(&e.pt, g + 6 * SZ_2M, g + 6 * SZ_2M, &A_RWX_WB, 2);
		expect_map(&e.pt, g, g, &A_RWX_WB, 2);
		expect_map(&e.pt, g + SZ_1G - SZ_4K, g + SZ_1G - SZ_4K, &A_RWX_WB, 2);
		/* Nothing to merge while the hole is there. */
		assert_int_equal(pt_merge(&e.pt, g, SZ_1G), 0);
		env_check(&e, 4);

		/* Map it back, merge just that page: the merge cascades up to 1 GiB. */
		assert_int_equal(pt_map(&e.pt, page, page, SZ_4K, &A_RWX_WB), 0);
		env_check(&e, 4);
		assert_int_equal(pt_merge(&e.pt, page, SZ_4K), 0);
		env_check(&e, 2);
		expect_map(&e.pt, page, page, &A_RWX_WB, 3);

		/* Same with protect: one page read-only. */
		assert_int_equal(pt_protect(&e.pt, page, SZ_4K, &A_R_UC), 0);
		env_check(&e, 4);
		expect_map(&e.pt, page, page, &A_R_UC, 1);
		expect_map(&e.pt, page + SZ_4K, page + SZ_4K, &A_RWX_WB, 1);
		expect_map(&e.pt, g + SZ_2M, g + SZ_2M, &A_RWX_WB, 2);
		assert_int_equal(pt_merge(&e.pt, g, SZ_1G), 0);
		env_check(&e, 4);
		assert_int_equal(pt_protect(&e.pt, page, SZ_4K, &A_RWX_WB), 0);
		env_check(&e, 4);
		assert_int_equal(pt_merge(&e.pt, page, SZ_4K), 0);
		env_check(&e, 2);
		expect_map(&e.pt, g + 123 * SZ_4K, g + 123 * SZ_4K, &A_RWX_WB, 3);

		/* Protecting the whole leaf keeps it whole. */
		assert_int_equal(pt_protect(&e.pt, g, SZ_1G, &A_RX_WT), 0);
		env_check(&e, 2);
		expect_map(&e.pt, page, page, &A_RX_WT, 3);

		/* Protecting a 2 MiB-aligned piece splits the PDPTE only. */
		assert_int_equal(pt_protect(&e.pt, g + SZ_2M, SZ_2M, &A_R_UC), 0);
		env_check(&e, 3);
		expect_map(&e.pt, g + SZ_2M, g + SZ_2M, &A_R_UC, 2);
		expect_map(&e.pt, g, g, &A_RX_WT, 2);
		assert_int_equal(pt_merge(&e.pt, g, SZ_1G), 0);
		env_check(&e, 3);
		env_fini(&e);
	}
}

static void test_protect_and_replace(void **state)
{
	for (unsigned fi = 0; fi < ARRAY_SIZE(formats); fi++) {
		struct env e;

		env_init(&e, formats[fi], ALL_LEAVES);
		/* Protect over a range with holes: holes stay holes, pa is kept. */
		assert_int_equal(pt_map(&e.pt, 0x10000, 0x990000, 4 * SZ_4K, &A_RWX_WB), 0);
		assert_int_equal(pt_map(&e.pt, 0x20000, 0x5000, SZ_4K, &A_RWX_WB), 0);
		assert_int_equal(pt_protect(&e.pt, 0, SZ_2M * 3, &A_R_UC), 0);
		expect_map(&e.pt, 0x10000, 0x990000, &A_R_UC, 1);
		expect_map(&e.pt, 0x13000, 0x993000, &A_R_UC, 1);
		expect_map(&e.pt, 0x20000, 0x5000, &A_R_UC, 1);
		expect_unmapped(&e.pt, 0x14000);
		expect_unmapped(&e.pt, 0);
		expect_unmapped(&e.pt, SZ_2M);
		env_check(&e, 4);
		/* Protecting nothing mapped changes nothing and allocates nothing. */
		assert_int_equal(pt_protect(&e.pt, 5 * SZ_1G, SZ_1G, &A_R_UC), 0);
		env_check(&e, 4);
		expect_unmapped(&e.pt, 5 * SZ_1G);

		/* A 2 MiB leaf partly replaced: the rest keeps its pa and attributes. */
		assert_int_equal(pt_map(&e.pt, 0x40000000, 0x1000000000, SZ_2M, &A_RX_WT), 0);
		assert_int_equal(pt_map(&e.pt, 0x40001000, 0x7000, 2 * SZ_4K, &A_RWX_WB), 0);
		expect_map(&e.pt, 0x40000000, 0x1000000000, &A_RX_WT, 1);
		expect_map(&e.pt, 0x40001000, 0x7000, &A_RWX_WB, 1);
		expect_map(&e.pt, 0x40002000, 0x8000, &A_RWX_WB, 1);
		expect_map(&e.pt, 0x40003000, 0x1000003000, &A_RX_WT, 1);
		expect_map(&e.pt, 0x401ff000, 0x10001ff000, &A_RX_WT, 1);
		/* Unmapping across a table edge frees what empties. */
		assert_int_equal(pt_unmap(&e.pt, 0x40000000, SZ_2M), 0);
		assert_int_equal(pt_unmap(&e.pt, 0, SZ_2M), 0);
		env_check(&e, 1);
		env_fini(&e);
	}
}

static void test_merge_conditions(void **state)
{
	for (unsigned fi = 0; fi < ARRAY_SIZE(formats); fi++) {
		struct env e;
		const u64 b = 4 * SZ_2M;

		env_init(&e, formats[fi], ALL_LEAVES);
		/* 512 PTEs, contiguous but the block starts off a 2 MiB boundary in pa. */
		assert_int_equal(pt_map(&e.pt, b, SZ_4K, SZ_2M, &A_RWX_WB), 0);
		assert_int_equal(pt_merge(&e.pt, b, SZ_2M), 0);
		expect_map(&e.pt, b, SZ_4K, &A_RWX_WB, 1);
		/* Aligned, but one page elsewhere. */
		for (u64 off = 0; off < SZ_2M; off += SZ_4K)
			assert_int_equal(pt_map(&e.pt, b + off, SZ_2M + off, SZ_4K, &A_RWX_WB), 0);
		assert_int_equal(pt_map(&e.pt, b + 77 * SZ_4K, 0x5000, SZ_4K, &A_RWX_WB), 0);
		assert_int_equal(pt_merge(&e.pt, b, SZ_2M), 0);
		expect_map(&e.pt, b, SZ_2M, &A_RWX_WB, 1);
		/* Contiguous, different attributes on one page. */
		assert_int_equal(pt_map(&e.pt, b + 77 * SZ_4K, SZ_2M + 77 * SZ_4K, SZ_4K, &A_R_UC),
				 0);
		assert_int_equal(pt_merge(&e.pt, b, SZ_2M), 0);
		expect_map(&e.pt, b, SZ_2M, &A_RWX_WB, 1);
		/* One page missing. */
		assert_int_equal(pt_unmap(&e.pt, b + 77 * SZ_4K, SZ_4K), 0);
		assert_int_equal(pt_merge(&e.pt, b, SZ_2M), 0);
		expect_map(&e.pt, b, SZ_2M, &A_RWX_WB, 1);
		env_check(&e, 4);
		/* All good: merged, and a range touching only the block's last page is enough. */
		assert_int_equal(
			pt_map(&e.pt, b + 77 * SZ_4K, SZ_2M + 77 * SZ_4K, SZ_4K, &A_RWX_WB), 0);
		assert_int_equal(pt_merge(&e.pt, b + SZ_2M - SZ_4K, SZ_4K), 0);
		expect_map(&e.pt, b + 3 * SZ_4K, SZ_2M + 3 * SZ_4K, &A_RWX_WB, 2);
		env_check(&e, 3);
		/* A merge outside the range does not happen. */
		assert_int_equal(pt_unmap(&e.pt, b, SZ_2M), 0);
		assert_int_equal(pt_map(&e.pt, b, 0, SZ_4K, &A_RWX_WB), 0);
		assert_int_equal(pt_map(&e.pt, b + SZ_4K, SZ_4K, SZ_2M - SZ_4K, &A_RWX_WB), 0);
		assert_int_equal(pt_merge(&e.pt, b + SZ_2M, SZ_2M), 0);
		expect_map(&e.pt, b, 0, &A_RWX_WB, 1);
		assert_int_equal(pt_merge(&e.pt, 0, SZ_1G), 0);
		expect_map(&e.pt, b, 0, &A_RWX_WB, 2);
		env_check(&e, 3);
		env_fini(&e);

		/* Without 1 GiB leaves, a uniform gigabyte stays 512 PDEs. */
		env_init(&e, formats[fi], PT_LEAF_4K | PT_LEAF_2M);
		assert_int_equal(pt_map(&e.pt, SZ_1G, SZ_1G, SZ_1G - SZ_4K, &A_RWX_WB), 0);
		env_check(&e, 4);
		assert_int_equal(
			pt_map(&e.pt, 2 * SZ_1G - SZ_4K, 2 * SZ_1G - SZ_4K, SZ_4K, &A_RWX_WB), 0);
		assert_int_equal(pt_merge(&e.pt, SZ_1G, SZ_1G), 0);
		expect_map(&e.pt, 2 * SZ_1G - SZ_4K, 2 * SZ_1G - SZ_4K, &A_RWX_WB, 2);
		env_check(&e, 3);
		env_fini(&e);
	}
}

/* ---- argument checks, address space edges --------------------------------------------- */

static void test_invalid_args(void **state)
{
	for (unsigned fi = 0; fi < ARRAY_SIZE(formats); fi++) {
		struct env e;
		struct pt other;
		struct pt_attr bad = tpa_attr(PT_W, PT_MT_WB, 0);

		env_init(&e, formats[fi], ALL_LEAVES);
		assert_int_equal(pt_map(&e.pt, 0x1001, 0, SZ_4K, &A_RWX_WB), -EINVAL);
		assert_int_equal(pt_map(&e.pt, 0x1000, 0x10, SZ_4K, &A_RWX_WB), -EINVAL);
		assert_int_equal(pt_map(&e.pt, 0x1000, 0, 100, &A_RWX_WB), -EINVAL);
		assert_int_equal(pt_map(&e.pt, 0x1000, 0, SZ_4K, &bad), -EINVAL);
		assert_int_equal(pt_map(&e.pt, 0x1000, 0, SZ_4K, NULL), -EINVAL);
		assert_int_equal(pt_map(&e.pt, 0, BIT(52), SZ_4K, &A_RWX_WB), -EINVAL);
		assert_int_equal(pt_map(&e.pt, 0, BIT(52) - SZ_4K, 2 * SZ_4K, &A_RWX_WB), -EINVAL);
		assert_int_equal(pt_map(&e.pt, 0, BIT(52) - SZ_4K, SZ_4K, &A_RWX_WB), 0);
		assert_int_equal(pt_unmap(&e.pt, 0x800, SZ_4K), -EINVAL);
		assert_int_equal(pt_protect(&e.pt, 0, SZ_4K, &bad), -EINVAL);
		assert_int_equal(pt_merge(&e.pt, 0, 3), -EINVAL);
		/* Beyond the 48-bit space (or, canonical, the lower half). */
		assert_int_equal(pt_map(&e.pt, BIT(48), 0, SZ_4K, &A_RWX_WB), -EINVAL);
		assert_int_equal(pt_unmap(&e.pt, BIT(47) - SZ_4K, 2 * SZ_4K),
				 formats[fi]->sign_extend ? -EINVAL : 0);
		assert_int_equal(pt_unmap(&e.pt, 0, ~0xfffULL), -EINVAL);
		assert_int_equal(pt_lookup(&e.pt, BIT(50), NULL, NULL, NULL), -EINVAL);
		/* Size 0 is a no-op. */
		assert_int_equal(pt_map(&e.pt, 0x1000, 0, 0, &A_RWX_WB), 0);
		env_check(&e, 4);
		assert_int_equal(pt_unmap(&e.pt, 0, BIT(47)), 0);
		env_check(&e, 1);
		env_fini(&e);

		tpa_init(&e.tpa, 16);
		assert_int_equal(pt_init(&other, formats[fi], PT_LEAF_2M | PT_LEAF_1G,
					 &e.tpa.alloc),
				 -EINVAL);
		/* 1 GiB leaves without 2 MiB ones: no CPU does that, the engine refuses it. */
		assert_int_equal(pt_init(&other, formats[fi], PT_LEAF_4K | PT_LEAF_1G,
					 &e.tpa.alloc),
				 -EINVAL);
		tpa_set_budget(&e.tpa, 0);
		assert_int_equal(pt_init(&other, formats[fi], ALL_LEAVES, &e.tpa.alloc), -ENOMEM);
		assert_int_equal(e.tpa.live, 0);
		tpa_fini(&e.tpa);
	}
}

struct walk_rec {
	u64 va, pa, size;
	struct pt_attr a;
};

struct walk_log {
	struct walk_rec r[16];
	unsigned n;
	unsigned stop_at;
};

static int walk_cb(void *ctx, u64 va, u64 pa, u64 size, const struct pt_attr *a)
{
	struct walk_log *l = ctx;

	assert_true(l->n < ARRAY_SIZE(l->r));
	l->r[l->n].va = va;
	l->r[l->n].pa = pa;
	l->r[l->n].size = size;
	l->r[l->n].a = *a;
	l->n++;
	return l->n == l->stop_at ? 42 : 0;
}

static void test_canonical_and_walk(void **state)
{
	const u64 core = 0xffffffff80000000ULL;
	struct walk_log log = { .n = 0 };
	struct env e;
	u64 pa;

	env_init(&e, &paging_host_format, ALL_LEAVES);
	/* Where the core is linked: 6 MiB at a 2 MiB-aligned pa = three 2 MiB leaves. */
	assert_int_equal(pt_map(&e.pt, core, 0x1000000, 3 * SZ_2M, &A_RWX_WB), 0);
	expect_map(&e.pt, core + SZ_2M, 0x1200000, &A_RWX_WB, 2);
	assert_int_equal(pt_lookup(&e.pt, core + SZ_2M + 0x10, &pa, NULL, NULL), 0);
	assert_int_equal(pa, 0x1200010);
	/* The same slots through the non-canonical alias do not exist. */
	assert_int_equal(pt_lookup(&e.pt, core & (BIT(48) - 1), NULL, NULL, NULL), -EINVAL);
	assert_int_equal(pt_map(&e.pt, 0x0000ffff80000000ULL, 0, SZ_4K, &A_RWX_WB), -EINVAL);
	/* The very top of the space. */
	assert_int_equal(pt_map(&e.pt, -SZ_2M, 0x200000, SZ_2M, &A_R_UC), 0);
	expect_map(&e.pt, -SZ_4K, 0x3ff000, &A_R_UC, 2);
	assert_int_equal(pt_map(&e.pt, -SZ_2M, 0x200000, 2 * SZ_2M, &A_R_UC), -EINVAL);
	assert_int_equal(pt_map(&e.pt, 0xffff800000000000ULL, 0, SZ_4K, &A_RWX_WB), 0);
	env_check(&e, 1 + 2 + 1 + 3);

	/* A walk of the upper half, in order, clipped to the range. */
	assert_int_equal(pt_walk(&e.pt, core + SZ_4K, 2 * SZ_2M, walk_cb, &log), 0);
	assert_int_equal(log.n, 3);
	assert_int_equal(log.r[0].va, core + SZ_4K);
	assert_int_equal(log.r[0].pa, 0x1001000);
	assert_int_equal(log.r[0].size, SZ_2M - SZ_4K);
	assert_int_equal(log.r[1].va, core + SZ_2M);
	assert_int_equal(log.r[1].size, SZ_2M);
	assert_int_equal(log.r[2].va, core + 2 * SZ_2M);
	assert_int_equal(log.r[2].pa, 0x1400000);
	assert_int_equal(log.r[2].size, SZ_4K);
	assert_true(tpa_attr_eq(&log.r[2].a, &A_RWX_WB));
	log.n = 0;
	assert_int_equal(pt_walk(&e.pt, 0xffff800000000000ULL, BIT(47), walk_cb, &log), 0);
	assert_int_equal(log.n, 5);
	assert_int_equal(log.r[0].va, 0xffff800000000000ULL);
	assert_int_equal(log.r[4].va, -SZ_2M);
	/* A callback's non-zero return stops the walk. */
	log.n = 0;
	log.stop_at = 2;
	assert_int_equal(pt_walk(&e.pt, 0xffff800000000000ULL, BIT(47), walk_cb, &log), 42);
	assert_int_equal(log.n, 2);
	assert_int_equal(pt_unmap(&e.pt, 0xffff800000000000ULL, BIT(47)), 0);
	env_check(&e, 1);
	env_fini(&e);
}

/* ---- pt_check notices corruption ---------------------------------------------------------- */

static u64 *slot_of(const struct pt *pt, u64 va, unsigned level)
{
	u64 table = pt->root_pa;

	for (unsigned l = PT_LEVELS; l > level; l--) {
		u64 e = ((u64 *)phys_to_virt(table))[(va >> (12 + 9 * (l - 1))) & 511];

		table = pt->fmt->addr(e, l);
	}
	return &((u64 *)phys_to_virt(table))[(va >> (12 + 9 * (level - 1))) & 511];
}

static void test_check_detects_corruption(void **state)
{
	for (unsigned fi = 0; fi < ARRAY_SIZE(formats); fi++) {
		const struct pt_format *f = formats[fi];
		struct env e;
		u64 saved, *s;

		env_init(&e, f, PT_LEAF_4K | PT_LEAF_2M);
		assert_int_equal(pt_map(&e.pt, SZ_1G, SZ_1G, SZ_2M, &A_RWX_WB), 0);
		assert_int_equal(pt_map(&e.pt, SZ_1G + SZ_2M, 0, SZ_4K, &A_RWX_WB), 0);
		env_check(&e, 4);
		/* A 2 MiB leaf with a reserved address bit set (bit 12 is PAT at host). */
		s = slot_of(&e.pt, SZ_1G, 2);
		saved = *s;
		*s = f->mk_leaf(SZ_1G, 2, &A_RWX_WB) | 0x2000;
		assert_int_equal(pt_check(&e.pt, NULL), -EFAULT);
		/* A 1 GiB leaf where the instance allows none. */
		*s = saved;
		assert_int_equal(pt_check(&e.pt, NULL), 0);
		s = slot_of(&e.pt, 2 * SZ_1G, 3);
		*s = f->mk_leaf(2 * SZ_1G, 3, &A_RWX_WB);
		assert_int_equal(pt_check(&e.pt, NULL), -EFAULT);
		*s = 0;
		/* An empty table left linked. */
		*slot_of(&e.pt, SZ_1G + SZ_2M, 1) = 0;
		assert_int_equal(pt_check(&e.pt, NULL), -EFAULT);
		*slot_of(&e.pt, SZ_1G + SZ_2M, 1) = f->mk_leaf(0, 1, &A_RWX_WB);
		assert_int_equal(pt_check(&e.pt, NULL), 0);
		/* A table count that disagrees (a leaked or double-counted table). */
		e.pt.nr_tables++;
		assert_int_equal(pt_check(&e.pt, NULL), -EFAULT);
		e.pt.nr_tables--;
		env_fini(&e);
	}
}

/* ---- out of memory in the middle of a split ------------------------------------------------ */

static void test_oom_split(void **state)
{
	for (unsigned fi = 0; fi < ARRAY_SIZE(formats); fi++) {
		const u64 g = SZ_1G, page = g + 9 * SZ_2M + 3 * SZ_4K;
		struct env e;
		long k;

		env_init(&e, formats[fi], ALL_LEAVES);
		assert_int_equal(pt_map(&e.pt, g, g, SZ_1G, &A_RWX_WB), 0);
		/* Each split needs a PD and a PT: fail at the first, then at the second. */
		for (k = 0; k < 2; k++) {
			tpa_set_budget(&e.tpa, k);
			assert_int_equal(pt_unmap(&e.pt, page, SZ_4K), -ENOMEM);
			env_check(&e, 2);
			expect_map(&e.pt, page, page, &A_RWX_WB, 3);
			assert_int_equal(pt_protect(&e.pt, page, SZ_4K, &A_R_UC), -ENOMEM);
			env_check(&e, 2);
			expect_map(&e.pt, page, page, &A_RWX_WB, 3);
			assert_int_equal(pt_map(&e.pt, page, 0, SZ_4K, &A_R_UC), -ENOMEM);
			env_check(&e, 2);
			expect_map(&e.pt, page, page, &A_RWX_WB, 3);
		}
		tpa_set_budget(&e.tpa, 2);
		assert_int_equal(pt_protect(&e.pt, page, SZ_4K, &A_R_UC), 0);
		env_check(&e, 4);
		expect_map(&e.pt, page, page, &A_R_UC, 1);
		/* Over two PDEs: the first part is done, the second (a split) fails whole. */
		tpa_set_budget(&e.tpa, 0);
		assert_int_equal(pt_map(&e.pt, g + 10 * SZ_2M - SZ_4K, 0, 2 * SZ_4K, &A_R_UC),
				 -ENOMEM);
		env_check(&e, 4);
		expect_map(&e.pt, g + 10 * SZ_2M - SZ_4K, 0, &A_R_UC, 1);
		expect_map(&e.pt, g + 10 * SZ_2M, g + 10 * SZ_2M, &A_RWX_WB, 2);
		assert_int_equal(pt_unmap(&e.pt, g + 3 * SZ_2M, SZ_4K), -ENOMEM);
		env_check(&e, 4);
		expect_map(&e.pt, g + 3 * SZ_2M, g + 3 * SZ_2M, &A_RWX_WB, 2);
		/* Needs no allocation. */
		assert_int_equal(pt_unmap(&e.pt, g, SZ_1G), 0);
		env_check(&e, 1);
		tpa_set_budget(&e.tpa, -1);
		env_fini(&e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_format_bits),
		cmocka_unit_test(test_ept_format_bits),
		cmocka_unit_test(test_host_round_trip),
		cmocka_unit_test(test_map_lookup_basic),
		cmocka_unit_test(test_largest_leaves),
		cmocka_unit_test(test_1g_split_merge),
		cmocka_unit_test(test_protect_and_replace),
		cmocka_unit_test(test_merge_conditions),
		cmocka_unit_test(test_invalid_args),
		cmocka_unit_test(test_canonical_and_walk),
		cmocka_unit_test(test_check_detects_corruption),
		cmocka_unit_test(test_oom_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
