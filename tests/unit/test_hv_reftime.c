// SPDX-License-Identifier: MIT
/*
 * Partition reference time (hyperv/reftime.c): the 64.64 fixed-point scale and the high
 * half of 64x64 products, checked against unsigned __int128 on the host, and the result
 * against TLFS's definition: 100 ns units since the base TSC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "hyperv/reftime.h"
#include "tests/unit/fake_vmx.h"

typedef unsigned __int128 u128;

static u64 rng = 0x9e3779b97f4a7c15ULL;
static u64 next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_mul64_hi(void **state)
{
	static const u64 edge[] = { 0,	   1,	      2,	 0xffffffffULL, 0x100000000ULL,
				    ~0ULL, ~0ULL - 1, 1ULL << 63 };

	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		for (size_t j = 0; j < sizeof(edge) / sizeof(edge[0]); j++)
			assert_int_equal(hv_mul64_hi(edge[i], edge[j]),
					 (u64)(((u128)edge[i] * edge[j]) >> 64));
	for (int i = 0; i < 200000; i++) {
		u64 a = next(), b = next();
		assert_int_equal(hv_mul64_hi(a, b), (u64)(((u128)a * b) >> 64));
	}
}

static void test_scale(void **state)
{
	/* Bochs (10.013 MHz at ips=10M), common CPUs, the largest TSC rates. */
	static const u64 hz[] = { 10013000,   10000001,	     100000000,	    1000000000,
				  2100000000, 3600000000ULL, 5000000000ULL, ~0ULL };

	for (size_t i = 0; i < sizeof(hz) / sizeof(hz[0]); i++)
		assert_int_equal(hv_ref_scale(hz[i]), (u64)((((u128)HV_REF_HZ) << 64) / hz[i]));
	for (int i = 0; i < 100000; i++) {
		u64 f = HV_REF_HZ + 1 + next() % (10000000000ULL);
		assert_int_equal(hv_ref_scale(f), (u64)((((u128)HV_REF_HZ) << 64) / f));
	}
	/* 10 MHz or slower cannot be a 64.64 fraction below 1: refused. */
	assert_int_equal(hv_ref_scale(HV_REF_HZ), 0);
	assert_int_equal(hv_ref_scale(1000), 0);
	assert_int_equal(hv_ref_scale(0), 0);
}

static void test_time_counts_from_base(void **state)
{
	const u64 hz = 2100000000ULL, base = 123456789012ULL;
	struct hv_ref_tsc_page page;

	hv_reftime_init(hz, base);
	assert_true(hv_reftime_available());
	hv_reftime_fill_page(&page);
	assert_int_equal(page.tsc_sequence, 1);
	/* TLFS: time = ((TSC * scale) >> 64) + offset; one second after base = 10^7. */
	for (u64 s = 0; s < 5; s++) {
		u64 tsc = base + s * hz;
		s64 t = (s64)hv_mul64_hi(tsc, page.tsc_scale) + page.tsc_offset;
		assert_true(t >= (s64)(s * HV_REF_HZ) - 1 && t <= (s64)(s * HV_REF_HZ) + 1);
	}
	hv_reftime_init(HV_REF_HZ, 0);
	assert_false(hv_reftime_available());
	hv_reftime_fill_page(&page);
	assert_int_equal(page.tsc_sequence, 0); /* invalid: use TIME_REF_COUNT */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mul64_hi),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_time_counts_from_base),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
