// SPDX-License-Identifier: MIT
/*
 * MTRR decoding (arch/x86/mtrr.c): mtrr_read from the fake MSRs and CPUID, mtrr_type for a
 * page (fixed ranges, variable ranges and their precedence rules, SDM vol.3 11.11.4.1) and
 * mtrr_range_type for 2 MiB / 1 GiB blocks (uniform or -1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/mtrr.h"
#include "lib/compiler.h"
#include "mm/pt.h"

#define UC PT_MT_UC
#define WC PT_MT_WC
#define WT PT_MT_WT
#define WP PT_MT_WP
#define WB PT_MT_WB

#define DEF_E (1ULL << 11)  /* IA32_MTRR_DEF_TYPE.E */
#define DEF_FE (1ULL << 10) /* IA32_MTRR_DEF_TYPE.FE */
#define CAP_FIX (1ULL << 8) /* IA32_MTRRCAP.FIX */
#define MASK_V (1ULL << 11) /* IA32_MTRR_PHYSMASKn.V */
#define SZ_1M (1ULL << 20)
#define SZ_4K PAGE_SIZE
#define GIB(n) ((u64)(n) << 30)
#define MIB(n) ((u64)(n) << 20)

static u32 maxphys = 39;
static struct mtrr_state m;

/* The eleven fixed-range MSRs in the order of the 88 bytes of struct mtrr_state.fixed. */
static const u32 fixed_msrs[11] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
				    0x26b, 0x26c, 0x26d, 0x26e, 0x26f };

static void machine(u32 phys_bits, u8 nvar, bool fixed_cap)
{
	fake_msr_reset();
	fake_cpuid_reset();
	maxphys = phys_bits;
	/* CPUID.1:EDX.MTRR (bit 12). */
	fake_cpuid_set(1, 0, 0x906ea, 0, 0, 1u << 12);
	fake_msr_set(MSR_IA32_MTRRCAP, nvar | (fixed_cap ? CAP_FIX : 0) | (1ULL << 10));
	fake_msr_set(MSR_IA32_MTRR_DEF_TYPE, 0);
	for (u32 i = 0; i < nvar; i++) {
		fake_msr_set(MSR_IA32_MTRR_PHYSBASE0 + 2 * i, 0);
		fake_msr_set(MSR_IA32_MTRR_PHYSMASK0 + 2 * i, 0);
	}
	if (fixed_cap)
		for (u32 i = 0; i < ARRAY_SIZE(fixed_msrs); i++)
			fake_msr_set(fixed_msrs[i], 0);
}

static void set_def(u8 type, bool e, bool fe)
{
	fake_msr_set(MSR_IA32_MTRR_DEF_TYPE, type | (e ? DEF_E : 0) | (fe ? DEF_FE : 0));
}

/* Variable range i: [base, base + size), size a power of two, base aligned to it. */
static void set_var(u32 i, u64 base, u64 size, u8 type)
{
	u64 phys = (1ULL << maxphys) - 1;

	fake_msr_set(MSR_IA32_MTRR_PHYSBASE0 + 2 * i, base | type);
	fake_msr_set(MSR_IA32_MTRR_PHYSMASK0 + 2 * i, (~(size - 1) & phys & ~0xfffULL) | MASK_V);
}

static void set_fixed(const u8 types[88])
{
	for (u32 i = 0; i < ARRAY_SIZE(fixed_msrs); i++) {
		u64 v;

		memcpy(&v, &types[i * 8], 8);
		fake_msr_set(fixed_msrs[i], v);
	}
}

static void read_mtrrs(void)
{
	memset(&m, 0xa5, sizeof(m)); /* mtrr_read must set every field */
	mtrr_read(&m, maxphys);
	assert_int_equal(fake_msr_bad, 0);
}

static int setup(void **state)
{
	machine(39, 10, true);
	return 0;
}

/* ---- mtrr_read ------------------------------------------------------------------------------ */

static void test_read_without_mtrr_support(void **state)
{
	fake_cpuid_set(1, 0, 0x906ea, 0, 0, 0);
	set_def(WB, true, true);
	set_var(0, 0, GIB(4), WB);
	read_mtrrs();
	assert_false(m.enabled);
	assert_false(m.fixed_enabled);
	assert_int_equal(m.nvar, 0);
	/* No MTRR MSR was touched. */
	for (size_t i = 0; i < FAKE_MSR_MAX; i++)
		assert_int_equal(fake_msrs[i].reads, 0);
	assert_int_equal(mtrr_type(&m, GIB(1)), UC);
	assert_int_equal(mtrr_range_type(&m, GIB(1), SZ_1G), UC);
}

static void test_read_fields(void **state)
{
	u8 fixed[88];

	for (int i = 0; i < 88; i++)
		fixed[i] = (u8)((i * 37) & 0xff);
	set_fixed(fixed);
	set_def(WB, true, true);
	set_var(0, 0, GIB(2), WB);
	set_var(9, GIB(3), GIB(1), UC);
	read_mtrrs();
	assert_true(m.enabled);
	assert_true(m.fixed_enabled);
	assert_int_equal(m.def_type, WB);
	assert_int_equal(m.nvar, 10);
	assert_int_equal(m.phys_mask, 0x7ffffff000ULL);
	assert_int_equal(m.base[0], WB);
	assert_int_equal(m.mask[0], 0x7f80000000ULL | MASK_V);
	assert_int_equal(m.base[9], GIB(3) | UC);
	assert_int_equal(m.mask[9], 0x7fc0000000ULL | MASK_V);
	assert_memory_equal(m.fixed, fixed, sizeof(fixed));
}

static void test_read_fixed_disabled(void **state)
{
	/* FE clear, or E clear, or no fixed-range support in MTRRCAP: fixed ranges are off. */
	set_def(WB, true, false);
	read_mtrrs();
	assert_true(m.enabled);
	assert_false(m.fixed_enabled);

	set_def(WB, false, true);
	read_mtrrs();
	assert_false(m.enabled);
	assert_false(m.fixed_enabled);

	machine(39, 2, false);
	set_def(WB, true, true);
	read_mtrrs(); /* the fixed-range MSRs do not exist here: must not be read */
	assert_true(m.enabled);
	assert_false(m.fixed_enabled);
	assert_int_equal(m.nvar, 2);
}

static void test_read_clamps_variable_count(void **state)
{
	machine(39, 40, true);
	set_def(UC, true, false);
	read_mtrrs();
	assert_int_equal(m.nvar, MTRR_MAX_VAR);
}

static void test_read_phys_mask(void **state)
{
	mtrr_read(&m, 36);
	assert_int_equal(m.phys_mask, 0xffffff000ULL);
	mtrr_read(&m, 52);
	assert_int_equal(m.phys_mask, 0xffffffffff000ULL);
	mtrr_read(&m, 64);
	assert_int_equal(m.phys_mask, ~0xfffULL);
}

/* ---- mtrr_type: enable bits and fixed ranges ---------------------------------------------------- */

static void test_disabled_is_uc(void **state)
{
	set_def(WB, false, true);
	set_var(0, 0, GIB(4), WB);
	read_mtrrs();
	assert_int_equal(mtrr_type(&m, 0), UC);
	assert_int_equal(mtrr_type(&m, GIB(1)), UC);
	assert_int_equal(mtrr_type(&m, GIB(100)), UC);
	assert_int_equal(mtrr_range_type(&m, 0, SZ_1G), UC);
}

static const u8 fixed_types[5] = { UC, WC, WT, WP, WB };

static u8 fixed_byte(int i)
{
	return fixed_types[(i * 3 + i / 7) % 5];
}

/* The fixed-range byte that covers pa (SDM vol.3 11.11.2.2, table 11-9). */
static int fixed_index(u64 pa)
{
	if (pa < 0x80000)
		return (int)(pa / 0x10000);
	if (pa < 0xc0000)
		return 8 + (int)((pa - 0x80000) / 0x4000);
	return 24 + (int)((pa - 0xc0000) / 0x1000);
}

static void test_fixed_ranges(void **state)
{
	u8 fixed[88];

	for (int i = 0; i < 88; i++)
		fixed[i] = fixed_byte(i);
	set_fixed(fixed);
	set_def(UC, true, true);
	set_var(0, 0, GIB(1), WB);
	read_mtrrs();

	/* Every 4 KiB page below 1 MiB, and the first and last byte of each range. */
	for (u64 pa = 0; pa < SZ_1M; pa += SZ_4K) {
		assert_int_equal(mtrr_type(&m, pa), fixed[fixed_index(pa)]);
		assert_int_equal(mtrr_type(&m, pa + 0xfff), fixed[fixed_index(pa)]);
		assert_int_equal(mtrr_range_type(&m, pa, SZ_4K), fixed[fixed_index(pa)]);
	}
	/* Spot checks of the three kinds of region. */
	assert_int_equal(mtrr_type(&m, 0x00000), fixed[0]);
	assert_int_equal(mtrr_type(&m, 0x7ffff), fixed[7]);
	assert_int_equal(mtrr_type(&m, 0x80000), fixed[8]);
	assert_int_equal(mtrr_type(&m, 0x83fff), fixed[8]);
	assert_int_equal(mtrr_type(&m, 0x84000), fixed[9]);
	assert_int_equal(mtrr_type(&m, 0xa0000), fixed[16]);
	assert_int_equal(mtrr_type(&m, 0xbffff), fixed[23]);
	assert_int_equal(mtrr_type(&m, 0xc0000), fixed[24]);
	assert_int_equal(mtrr_type(&m, 0xc1000), fixed[25]);
	assert_int_equal(mtrr_type(&m, 0xfffff), fixed[87]);
	/* From 1 MiB up, the variable ranges. */
	assert_int_equal(mtrr_type(&m, SZ_1M), WB);
	/* A block that includes the fixed ranges is never uniform. */
	assert_int_equal(mtrr_range_type(&m, 0, SZ_2M), -1);
	assert_int_equal(mtrr_range_type(&m, 0, SZ_1G), -1);
	assert_int_equal(mtrr_range_type(&m, SZ_2M, SZ_2M), WB);
}

static void test_fixed_ranges_off_use_variable(void **state)
{
	u8 fixed[88];

	memset(fixed, UC, sizeof(fixed));
	set_fixed(fixed);
	set_def(UC, true, false);
	set_var(0, 0, GIB(1), WB);
	read_mtrrs();
	assert_int_equal(mtrr_type(&m, 0), WB);
	assert_int_equal(mtrr_type(&m, 0xa0000), WB);
	assert_int_equal(mtrr_range_type(&m, 0, SZ_2M), WB);
	assert_int_equal(mtrr_range_type(&m, 0, SZ_1G), WB);
}

/* ---- mtrr_type: variable ranges (SDM vol.3 11.11.4.1) ------------------------------------------- */

static void test_single_match_and_default(void **state)
{
	set_def(WT, true, false);
	set_var(0, GIB(2), GIB(2), WB);
	set_var(1, GIB(8), MIB(256), WC);
	read_mtrrs();
	assert_int_equal(mtrr_type(&m, GIB(2)), WB);
	assert_int_equal(mtrr_type(&m, GIB(4) - SZ_4K), WB);
	assert_int_equal(mtrr_type(&m, GIB(8) + MIB(255)), WC);
	/* No match: the default type. */
	assert_int_equal(mtrr_type(&m, GIB(2) - SZ_4K), WT);
	assert_int_equal(mtrr_type(&m, GIB(4)), WT);
	assert_int_equal(mtrr_type(&m, GIB(8) + MIB(256)), WT);
	assert_int_equal(mtrr_type(&m, SZ_1M), WT);
}

static void test_invalid_entries_ignored(void **state)
{
	set_def(UC, true, false);
	set_var(0, 0, GIB(4), WB);
	set_var(1, GIB(1), GIB(1), WT);
	/* Clear V of entry 1. */
	fake_msr_set(MSR_IA32_MTRR_PHYSMASK0 + 2,
		     fake_msr_get(MSR_IA32_MTRR_PHYSMASK0 + 2) & ~MASK_V);
	read_mtrrs();
	assert_int_equal(mtrr_type(&m, GIB(1)), WB);
	assert_int_equal(mtrr_range_type(&m, GIB(1), SZ_1G), WB);
	assert_int_equal(mtrr_range_type(&m, GIB(1), SZ_2M), WB);
}

static void test_uc_wins(void **state)
{
	set_def(WB, true, false);
	set_var(0, 0, GIB(4), WB);
	set_var(1, GIB(3), GIB(1), UC);
	set_var(2, GIB(3), MIB(512), WT);
	read_mtrrs();
	assert_int_equal(mtrr_type(&m, GIB(3) - SZ_4K), WB);
	assert_int_equal(mtrr_type(&m, GIB(3)), UC);		/* WB + UC + WT */
	assert_int_equal(mtrr_type(&m, GIB(3) + MIB(512)), UC); /* WB + UC */
	assert_int_equal(mtrr_type(&m, GIB(4) - SZ_4K), UC);
}

static void test_wt_and_wb_give_wt(void **state)
{
	set_def(UC, true, false);
	set_var(0, 0, GIB(4), WB);
	set_var(1, GIB(1), MIB(2), WT);
	set_var(2, GIB(2), GIB(1), WB); /* WB twice: still WB */
	read_mtrrs();
	assert_int_equal(mtrr_type(&m, GIB(1)), WT);
	assert_int_equal(mtrr_type(&m, GIB(1) + MIB(2) - SZ_4K), WT);
	assert_int_equal(mtrr_type(&m, GIB(1) + MIB(2)), WB);
	assert_int_equal(mtrr_type(&m, GIB(2)), WB);
}

static void test_other_overlaps_are_uc(void **state)
{
	set_def(WB, true, false);
	set_var(0, GIB(1), GIB(1), WC);
	set_var(1, GIB(1), MIB(2), WB); /* WC + WB */
	set_var(2, GIB(3), GIB(1), WP);
	set_var(3, GIB(3), MIB(2), WT); /* WP + WT */
	set_var(4, GIB(5), GIB(1), WT);
	set_var(5, GIB(5), MIB(4), WB);
	set_var(6, GIB(5), MIB(2), WP); /* WT + WB + WP */
	set_var(7, GIB(7), GIB(1), WC);
	set_var(8, GIB(7), MIB(2), WC); /* WC + WC */
	read_mtrrs();
	assert_int_equal(mtrr_type(&m, GIB(1)), UC);
	assert_int_equal(mtrr_type(&m, GIB(1) + MIB(2)), WC);
	assert_int_equal(mtrr_type(&m, GIB(3)), UC);
	assert_int_equal(mtrr_type(&m, GIB(3) + MIB(2)), WP);
	assert_int_equal(mtrr_type(&m, GIB(5)), UC);
	assert_int_equal(mtrr_type(&m, GIB(5) + MIB(2)), WT); /* WT + WB */
	assert_int_equal(mtrr_type(&m, GIB(5) + MIB(4)), WT);
	assert_int_equal(mtrr_type(&m, GIB(7)), WC);
}

/* ---- mtrr_range_type ------------------------------------------------------------------------------ */

/* WB RAM 0-4 GiB and 4-8 GiB, a UC MMIO hole at 3-4 GiB, a WT window inside it. */
static void typical_layout(void)
{
	set_def(UC, true, false);
	set_var(0, 0, GIB(4), WB);
	set_var(1, GIB(3), GIB(1), UC);
	set_var(2, GIB(4), GIB(4), WB);
	set_var(3, GIB(3) + MIB(512), MIB(256), WC);
	read_mtrrs();
}

static void test_range_inside_one_mtrr_is_uniform(void **state)
{
	typical_layout();
	assert_int_equal(mtrr_range_type(&m, GIB(1), SZ_1G), WB);
	assert_int_equal(mtrr_range_type(&m, GIB(2), SZ_1G), WB);
	assert_int_equal(mtrr_range_type(&m, GIB(5), SZ_1G), WB);
	assert_int_equal(mtrr_range_type(&m, GIB(1) + SZ_2M, SZ_2M), WB);
	assert_int_equal(mtrr_range_type(&m, GIB(3), SZ_2M), UC);
	assert_int_equal(mtrr_range_type(&m, GIB(3) + MIB(512), SZ_2M), UC); /* WB+UC+WC */
	/* Beyond every MTRR: the default type. */
	assert_int_equal(mtrr_range_type(&m, GIB(8), SZ_1G), UC);
	assert_int_equal(mtrr_range_type(&m, GIB(9), SZ_2M), UC);
	/* Single pages. */
	assert_int_equal(mtrr_range_type(&m, GIB(3) - SZ_4K, SZ_4K), WB);
	assert_int_equal(mtrr_range_type(&m, GIB(3), SZ_4K), UC);
}

static void test_range_covering_whole_mtrr(void **state)
{
	/* The 1 GiB block is exactly the UC MTRR: uniform, but holds the WC window: mixed. */
	typical_layout();
	assert_int_equal(mtrr_range_type(&m, GIB(3), SZ_1G), -1);
	/* Without the window it is uniform UC (UC wins over the WB below). */
	fake_msr_set(MSR_IA32_MTRR_PHYSMASK0 + 6, 0);
	read_mtrrs();
	assert_int_equal(mtrr_range_type(&m, GIB(3), SZ_1G), UC);
}

static void test_range_straddling_an_edge_is_mixed(void **state)
{
	set_def(UC, true, false);
	set_var(0, 0, GIB(4), WB);
	set_var(1, GIB(3) + MIB(256), MIB(256), UC); /* [3.25 GiB, 3.5 GiB) */
	set_var(2, GIB(1) + MIB(1), MIB(1), WT);     /* a 1 MiB MTRR inside a 2 MiB block */
	read_mtrrs();
	/* The 1 GiB blocks that contain part of a smaller MTRR. */
	assert_int_equal(mtrr_range_type(&m, GIB(3), SZ_1G), -1);
	assert_int_equal(mtrr_range_type(&m, GIB(1), SZ_1G), -1);
	/* The 2 MiB blocks on each side of an edge. */
	assert_int_equal(mtrr_range_type(&m, GIB(3) + MIB(256) - SZ_2M, SZ_2M), WB);
	assert_int_equal(mtrr_range_type(&m, GIB(3) + MIB(256), SZ_2M), UC);
	assert_int_equal(mtrr_range_type(&m, GIB(3) + MIB(512) - SZ_2M, SZ_2M), UC);
	assert_int_equal(mtrr_range_type(&m, GIB(3) + MIB(512), SZ_2M), WB);
	assert_int_equal(mtrr_range_type(&m, GIB(1), SZ_2M), -1);
	assert_int_equal(mtrr_range_type(&m, GIB(1) + SZ_2M, SZ_2M), WB);
	/* A 1 GiB block that runs past the end of an MTRR. */
	set_var(3, GIB(4), MIB(512), WB);
	read_mtrrs();
	assert_int_equal(mtrr_range_type(&m, GIB(4), SZ_1G), -1);
	assert_int_equal(mtrr_range_type(&m, GIB(4) + MIB(510), SZ_2M), WB);
	assert_int_equal(mtrr_range_type(&m, GIB(4) + MIB(512), SZ_2M), UC);
}

static void test_non_contiguous_mask(void **state)
{
	u64 phys = (1ULL << 39) - 1;

	set_def(UC, true, false);
	set_var(0, GIB(8), GIB(8), WB);
	/* Mask bits 38:28 except bit 30: matches [0, 256 MiB) and [1 GiB, 1 GiB + 256 MiB). */
	fake_msr_set(MSR_IA32_MTRR_PHYSBASE0 + 2, WT);
	fake_msr_set(MSR_IA32_MTRR_PHYSMASK0 + 2, (phys & ~(MIB(256) - 1) & ~GIB(1)) | MASK_V);
	read_mtrrs();
	assert_int_equal(mtrr_type(&m, SZ_1M), WT);
	assert_int_equal(mtrr_type(&m, MIB(256) - SZ_4K), WT);
	assert_int_equal(mtrr_type(&m, MIB(256)), UC);
	assert_int_equal(mtrr_type(&m, GIB(1)), WT);
	assert_int_equal(mtrr_type(&m, GIB(1) + MIB(256) - SZ_4K), WT);
	assert_int_equal(mtrr_type(&m, GIB(1) + MIB(256)), UC);
	assert_int_equal(mtrr_type(&m, GIB(2)), UC);
	/* Such an MTRR does not describe one block: only single pages are trusted. */
	assert_int_equal(mtrr_range_type(&m, GIB(1), SZ_4K), WT);
	assert_int_equal(mtrr_range_type(&m, MIB(256), SZ_4K), UC);
	assert_int_equal(mtrr_range_type(&m, GIB(1), SZ_2M), -1);
	assert_int_equal(mtrr_range_type(&m, GIB(9), SZ_2M), -1);
	assert_int_equal(mtrr_range_type(&m, GIB(9), SZ_1G), -1);
}

static void test_phys_addr_bits_masking(void **state)
{
	/* 36-bit machine whose firmware set mask bits up to bit 51: only 35:12 count. */
	machine(36, 2, false);
	set_def(UC, true, false);
	fake_msr_set(MSR_IA32_MTRR_PHYSBASE0, WB);
	fake_msr_set(MSR_IA32_MTRR_PHYSMASK0, (0xfffffc0000000ULL) | MASK_V); /* 1 GiB */
	read_mtrrs();
	assert_int_equal(m.phys_mask, 0xffffff000ULL);
	assert_int_equal(mtrr_type(&m, SZ_1M), WB);
	assert_int_equal(mtrr_type(&m, GIB(1)), UC);
	assert_int_equal(mtrr_range_type(&m, 0 + SZ_2M, SZ_2M), WB);
	assert_int_equal(mtrr_range_type(&m, 0, SZ_1G), WB);
	assert_int_equal(mtrr_range_type(&m, GIB(1), SZ_1G), UC);

	/* A 39-bit machine: a 1 GiB MTRR at 64 GiB is not one at 0. */
	machine(39, 2, false);
	set_def(UC, true, false);
	set_var(0, GIB(64), GIB(1), WB);
	read_mtrrs();
	assert_int_equal(mtrr_type(&m, GIB(64)), WB);
	assert_int_equal(mtrr_type(&m, 0 + SZ_1M), UC);
	assert_int_equal(mtrr_range_type(&m, GIB(64), SZ_1G), WB);
	assert_int_equal(mtrr_range_type(&m, 0, SZ_1G), UC);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_read_without_mtrr_support),
		T(test_read_fields),
		T(test_read_fixed_disabled),
		T(test_read_clamps_variable_count),
		T(test_read_phys_mask),
		T(test_disabled_is_uc),
		T(test_fixed_ranges),
		T(test_fixed_ranges_off_use_variable),
		T(test_single_match_and_default),
		T(test_invalid_entries_ignored),
		T(test_uc_wins),
		T(test_wt_and_wb_give_wt),
		T(test_other_overlaps_are_uc),
		T(test_range_inside_one_mtrr_is_uniform),
		T(test_range_covering_whole_mtrr),
		T(test_range_straddling_an_edge_is_mixed),
		T(test_non_contiguous_mask),
		T(test_phys_addr_bits_masking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
