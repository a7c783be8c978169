// SPDX-License-Identifier: MIT
/* lib/bitmap.c against a naive bool array, under random operations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/bitmap.h"
#include "lib/compiler.h"

#define GUARD 0xa5a5a5a5a5a5a5a5ULL

struct model {
	u64 nbits;
	u64 *map; /* BITMAP_WORDS(nbits) words, then one guard word */
	bool *ref;
};

static void model_init(struct model *m, u64 nbits)
{
	u64 words = BITMAP_WORDS(nbits);

	m->nbits = nbits;
	m->map = calloc(words + 1, sizeof(u64));
	m->ref = calloc(nbits + 1, sizeof(bool));
	assert_non_null(m->map);
	assert_non_null(m->ref);
	m->map[words] = GUARD;
}

static void model_free(struct model *m)
{
	free(m->map);
	free(m->ref);
}

/* Every bit agrees, and no bit beyond nbits inside the last word or after it was touched. */
static void model_check(const struct model *m)
{
	u64 i, words = BITMAP_WORDS(m->nbits);

	for (i = 0; i < m->nbits; i++) {
		if (bitmap_test(m->map, i) != m->ref[i])
			fail_msg("bit %llu: bitmap %d, model %d", (unsigned long long)i,
				 bitmap_test(m->map, i), m->ref[i]);
	}
	for (i = m->nbits; i < words * 64; i++)
		assert_false(bitmap_test(m->map, i));
	assert_true(m->map[words] == GUARD);
}

static u64 naive_find(const struct model *m, u64 start, bool value)
{
	u64 i;

	for (i = start; i < m->nbits; i++) {
		if (m->ref[i] == value)
			return i;
	}
	return m->nbits;
}

static u64 naive_zero_run(const struct model *m, u64 count, u64 align)
{
	u64 i, j;

	if (count == 0)
		return m->nbits;
	if (align == 0)
		align = 1;
	for (i = 0; i + count <= m->nbits; i += align) {
		for (j = 0; j < count && !m->ref[i + j]; j++)
			;
		if (j == count)
			return i;
	}
	return m->nbits;
}

static u64 rnd(u64 n)
{
	return n ? (u64)rand() % n : 0;
}

static void random_ops(u64 nbits, int rounds)
{
	struct model m;
	int r;

	model_init(&m, nbits);
	for (r = 0; r < rounds; r++) {
		u64 start = rnd(nbits), count = rnd(nbits - start + 1), i, shorter = rnd(70);

		/* Short ranges mostly, so that the map stays fragmented. */
		if (rand() % 4)
			count = MIN(count, shorter);
		switch (rand() % 6) {
		case 0:
			bitmap_set(m.map, start);
			m.ref[start] = true;
			break;
		case 1:
			bitmap_clear(m.map, start);
			m.ref[start] = false;
			break;
		case 2:
		case 3:
			bitmap_set_range(m.map, start, count);
			for (i = start; i < start + count; i++)
				m.ref[i] = true;
			break;
		default:
			bitmap_clear_range(m.map, start, count);
			for (i = start; i < start + count; i++)
				m.ref[i] = false;
			break;
		}
		model_check(&m);
		for (i = 0; i < 8; i++) {
			u64 s = rnd(nbits + 2); /* also at and past the end */

			assert_int_equal(bitmap_find_next_zero(m.map, nbits, s),
					 naive_find(&m, s, false));
			assert_int_equal(bitmap_find_next_set(m.map, nbits, s),
					 naive_find(&m, s, true));
		}
		for (i = 0; i < 4; i++) {
			u64 cnt = 1 + rnd(i == 0 ? nbits + 1 : 80), align = 1ULL << rnd(8);

			if (rand() % 8 == 0)
				align = 0;
			assert_int_equal(bitmap_find_zero_run(m.map, nbits, cnt, align),
					 naive_zero_run(&m, cnt, align));
		}
	}
	model_free(&m);
}

static void test_random_small(void **state)
{
	static const u64 sizes[] = { 1, 2, 63, 64, 65, 127, 128, 129, 200 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		random_ops(sizes[i], 500);
}

static void test_random_large(void **state)
{
	random_ops(1000, 1500);
	random_ops(4096, 300);
}

static void test_edges(void **state)
{
	u64 map[3] = { 0, 0, 0 };

	/* Empty ranges change nothing; full words and crossings work. */
	bitmap_set_range(map, 10, 0);
	assert_true(map[0] == 0);
	bitmap_set_range(map, 0, 64);
	assert_true(map[0] == ~0ULL && map[1] == 0);
	bitmap_set_range(map, 120, 10);
	assert_true(map[1] == 0xff00000000000000ULL && map[2] == 0x3);
	bitmap_clear_range(map, 1, 127);
	assert_true(map[0] == 1 && map[1] == 0 && map[2] == 0x3);
	assert_int_equal(bitmap_find_next_set(map, 192, 1), 128);
	assert_int_equal(bitmap_find_next_zero(map, 192, 128), 130);
	assert_int_equal(bitmap_find_next_zero(map, 192, 192), 192);
	/* A zero run that must skip a set bit and respect alignment and the end. */
	assert_int_equal(bitmap_find_zero_run(map, 192, 64, 64), 64);
	assert_int_equal(bitmap_find_zero_run(map, 192, 127, 1), 1);
	assert_int_equal(bitmap_find_zero_run(map, 192, 128, 1), 192);
	assert_int_equal(bitmap_find_zero_run(map, 192, 62, 2), 2);
	assert_int_equal(bitmap_find_zero_run(map, 192, 64, 128), 192);
	/* Free runs now: 1..9, 11..69 (59 bits), 71..127 (57), 130..191 (62). */
	bitmap_set(map, 10);
	bitmap_set(map, 70);
	assert_int_equal(bitmap_find_zero_run(map, 192, 59, 1), 11);
	assert_int_equal(bitmap_find_zero_run(map, 192, 59, 2), 130);
	assert_int_equal(bitmap_find_zero_run(map, 192, 60, 1), 130);
	assert_int_equal(bitmap_find_zero_run(map, 192, 57, 8), 192);
	assert_int_equal(bitmap_find_zero_run(map, 192, 56, 8), 72);
	assert_int_equal(bitmap_find_zero_run(map, 192, 62, 64), 192);
	assert_int_equal(bitmap_find_zero_run(map, 192, 63, 1), 192);
	assert_int_equal(bitmap_find_zero_run(map, 192, 0, 1), 192);
	assert_int_equal(bitmap_find_zero_run(map, 192, 193, 1), 192);
}

/* bits_count() against the compiler's popcount, on edge and pseudo-random words. */
static void test_bits_count(void **state)
{
	u64 x = 0x9e3779b97f4a7c15ULL;

	assert_int_equal(bits_count(0), 0);
	assert_int_equal(bits_count(~0ULL), 64);
	assert_int_equal(bits_count(1ULL << 63), 1);
	for (int i = 0; i < 10000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		assert_int_equal(bits_count(x), __builtin_popcountll(x));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bits_count),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_random_small),
		cmocka_unit_test(test_random_large),
	};

	srand(777);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
