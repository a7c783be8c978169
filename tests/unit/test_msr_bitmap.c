// SPDX-License-Identifier: MIT
/*
 * The MSR bitmap (arch/x86/msr_bitmap.c, SDM vol.3 25.6.9): bytes 0-1023 read-low
 * (MSRs 0-0x1fff), 1024-2047 read-high (0xc0000000-0xc0001fff), 2048-3071 write-low,
 * 3072-4095 write-high; bit n of a quarter is MSR base + n. msr_bitmap_create against the
 * real pool allocator over a host buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/apic.h"
#include "arch/x86/msr.h"
#include "arch/x86/msr_bitmap.h"
#include "lib/compiler.h"
#include "mm/phys.h"
#include "mm/pool.h"

#define BM_SIZE 4096
#define READ_LO 0
#define READ_HI 1024
#define WRITE_LO 2048
#define WRITE_HI 3072

static u8 bm[BM_SIZE + 64]; /* guard bytes after the page */

static int setup(void **state)
{
	memset(bm, 0, sizeof(bm));
	return 0;
}

static bool bit(const u8 *b, u32 quarter, u32 n)
{
	return b[quarter + n / 8] & (1u << (n % 8));
}

static unsigned popcount_page(const u8 *b)
{
	unsigned n = 0;

	for (size_t i = 0; i < BM_SIZE; i++)
		n += (unsigned)__builtin_popcount(b[i]);
	return n;
}

static void assert_untouched_guard(void)
{
	for (size_t i = BM_SIZE; i < sizeof(bm); i++)
		assert_int_equal(bm[i], 0);
}

/* Exactly one bit set in the whole page: byte byte_idx, bit bit_idx. */
static void assert_only_bit(size_t byte_idx, unsigned bit_idx)
{
	assert_int_equal(popcount_page(bm), 1);
	assert_int_equal(bm[byte_idx], 1u << bit_idx);
	assert_untouched_guard();
}

/* ---- bit positions ------------------------------------------------------------------------- */

static void test_low_msr_read(void **state)
{
	assert_true(msr_bitmap_intercept(bm, 0x3a, true, false));
	assert_only_bit(READ_LO + 0x3a / 8, 0x3a % 8); /* byte 7, bit 2 */
	assert_int_equal(bm[7], 0x04);
}

static void test_low_msr_write(void **state)
{
	assert_true(msr_bitmap_intercept(bm, 0x3a, false, true));
	assert_only_bit(WRITE_LO + 7, 2);
}

static void test_low_msr_both(void **state)
{
	assert_true(msr_bitmap_intercept(bm, 0x830, true, true));
	assert_int_equal(popcount_page(bm), 2);
	assert_int_equal(bm[READ_LO + 0x106], 0x01);
	assert_int_equal(bm[WRITE_LO + 0x106], 0x01);
}

static void test_high_msr(void **state)
{
	assert_true(msr_bitmap_intercept(bm, MSR_IA32_EFER, false, true));
	assert_only_bit(WRITE_HI + 0x80 / 8, 0); /* 0xc0000080: byte 16, bit 0 */
	memset(bm, 0, sizeof(bm));
	assert_true(msr_bitmap_intercept(bm, MSR_IA32_KERNEL_GS_BASE, true, false));
	assert_only_bit(READ_HI + 0x102 / 8, 0x102 % 8); /* byte 32, bit 2 */
}

static void test_range_ends(void **state)
{
	assert_true(msr_bitmap_intercept(bm, 0, true, false));
	assert_int_equal(bm[READ_LO], 0x01);
	assert_true(msr_bitmap_intercept(bm, 0x1fff, true, true));
	assert_int_equal(bm[READ_LO + 1023], 0x80);
	assert_int_equal(bm[WRITE_LO + 1023], 0x80);
	assert_true(msr_bitmap_intercept(bm, 0xc0000000, true, true));
	assert_int_equal(bm[READ_HI], 0x01);
	assert_int_equal(bm[WRITE_HI], 0x01);
	assert_true(msr_bitmap_intercept(bm, 0xc0001fff, true, true));
	assert_int_equal(bm[READ_HI + 1023], 0x80);
	assert_int_equal(bm[WRITE_HI + 1023], 0x80);
	assert_int_equal(popcount_page(bm), 7);
	assert_untouched_guard();
}

static void test_bits_accumulate(void **state)
{
	/* Neighbours share a byte; setting one keeps the others. */
	for (u32 msr = 0x480; msr < 0x488; msr++)
		assert_true(msr_bitmap_intercept(bm, msr, true, false));
	assert_int_equal(bm[READ_LO + 0x90], 0xff);
	assert_int_equal(popcount_page(bm), 8);
	/* Neither read nor write: in range, nothing set. */
	assert_true(msr_bitmap_intercept(bm, 0x10, false, false));
	assert_int_equal(popcount_page(bm), 8);
}

static void test_every_msr_maps_to_its_own_bit(void **state)
{
	static const u32 bases[2] = { 0, 0xc0000000 };

	for (int r = 0; r < 2; r++) {
		for (u32 n = 0; n < 0x2000; n++) {
			memset(bm, 0, BM_SIZE);
			assert_true(msr_bitmap_intercept(bm, bases[r] + n, true, true));
			if (popcount_page(bm) != 2 || !bit(bm, r ? READ_HI : READ_LO, n) ||
			    !bit(bm, r ? WRITE_HI : WRITE_LO, n))
				fail_msg("MSR %#x: wrong bits", bases[r] + n);
		}
	}
	assert_untouched_guard();
}

/* ---- outside the two ranges: always exits, nothing to set ------------------------------------- */

static void test_out_of_range(void **state)
{
	static const u32 msrs[] = { 0x2000,	0x3fff,	    0x40000000, 0x40000070, 0xbfffffff,
				    0xc0002000, 0xc0010000, 0xc0011029, 0xffffffff };

	memset(bm, 0x5a, BM_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(msrs); i++)
		assert_false(msr_bitmap_intercept(bm, msrs[i], true, true));
	for (size_t i = 0; i < BM_SIZE; i++)
		assert_int_equal(bm[i], 0x5a);
	assert_untouched_guard();
}

/* ---- msr_bitmap_create ---------------------------------------------------------------------- */

#define POOL_PAGES 64
#define POOL_PA 0x10000000ULL
static u8 pool_mem[POOL_PAGES * 4096] __attribute__((aligned(4096)));

static void test_create(void **state)
{
	u64 pa;
	const u8 *b;

	memset(pool_mem, 0xa5, sizeof(pool_mem)); /* the page must come back zeroed */
	mm_set_phys_offset((s64)((u64)(uintptr_t)pool_mem - POOL_PA));
	assert_int_equal(pool_init(POOL_PA, sizeof(pool_mem), 0), 0);
	pa = msr_bitmap_create();
	assert_int_not_equal(pa, 0);
	assert_int_equal(pa & 0xfff, 0);
	assert_true(pa >= POOL_PA && pa < POOL_PA + sizeof(pool_mem));
	b = phys_to_virt(pa);

	/* IA32_FEATURE_CONTROL and every VMX capability MSR: read and write. */
	assert_true(bit(b, READ_LO, MSR_IA32_FEATURE_CONTROL));
	assert_true(bit(b, WRITE_LO, MSR_IA32_FEATURE_CONTROL));
	for (u32 m = MSR_IA32_VMX_FIRST; m <= MSR_IA32_VMX_LAST; m++) {
		assert_true(bit(b, READ_LO, m));
		assert_true(bit(b, WRITE_LO, m));
	}
	/* EFER and the x2APIC ICR: writes only. */
	assert_false(bit(b, READ_HI, MSR_IA32_EFER - 0xc0000000));
	assert_true(bit(b, WRITE_HI, MSR_IA32_EFER - 0xc0000000));
	assert_false(bit(b, READ_LO, MSR_X2APIC_ICR));
	assert_true(bit(b, WRITE_LO, MSR_X2APIC_ICR));
	/* The private MSRs a VTL switch keeps track of: writes only. */
	static const u32 tracked[] = { MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR,
				       MSR_IA32_FMASK, MSR_IA32_TSC_AUX };
	for (size_t i = 0; i < ARRAY_SIZE(tracked); i++) {
		assert_false(bit(b, READ_HI, tracked[i] - 0xc0000000));
		assert_true(bit(b, WRITE_HI, tracked[i] - 0xc0000000));
	}
	assert_false(bit(b, WRITE_HI, MSR_IA32_KERNEL_GS_BASE - 0xc0000000)); /* SWAPGS */
	/* The other MSRs a higher VTL may lock (secure register intercepts): writes only. */
	static const u32 lockable[] = { MSR_IA32_APIC_BASE, MSR_IA32_SYSENTER_CS,
					MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
					MSR_IA32_MISC_ENABLE };
	for (size_t i = 0; i < ARRAY_SIZE(lockable); i++) {
		assert_false(bit(b, READ_LO, lockable[i]));
		assert_true(bit(b, WRITE_LO, lockable[i]));
	}
	/* Nothing else: every other MSR in the ranges runs natively. */
	assert_int_equal(popcount_page(b),
			 2 * (1 + (MSR_IA32_VMX_LAST - MSR_IA32_VMX_FIRST + 1)) + 2 + 5 + 5);
	assert_false(bit(b, READ_LO, MSR_IA32_VMX_FIRST - 1));
	assert_false(bit(b, READ_LO, MSR_IA32_VMX_LAST + 1));
	assert_false(bit(b, WRITE_LO, MSR_IA32_MISC_ENABLE + 1));

	/* Out of pool: 0. */
	while (pool_alloc_pages(1))
		;
	assert_int_equal(msr_bitmap_create(), 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_low_msr_read),
		T(test_low_msr_write),
		T(test_low_msr_both),
		T(test_high_msr),
		T(test_range_ends),
		T(test_bits_accumulate),
		T(test_every_msr_maps_to_its_own_bit),
		T(test_out_of_range),
		T(test_create),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
