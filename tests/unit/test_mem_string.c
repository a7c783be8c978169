// SPDX-License-Identifier: MIT
/*
 * lib/mem.c and lib/string.c against glibc. lib/string.h renames our functions to lib_*
 * on the host (lib/libc_names.h); after including it we #undef the names so that memcpy,
 * strlen, ... below are glibc's and lib_memcpy, lib_strlen, ... are ours.
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
#include "lib/string.h"

#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strlcpy

#define WIN 96

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void fill_random(u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (u8)rand();
}

static void test_memset(void **state)
{
	u8 a[WIN + 16], b[WIN + 16];
	size_t off, len;

	for (off = 0; off < 16; off++) {
		for (len = 0; len <= WIN; len++) {
			int c = rand() % 512 - 128; /* also values outside 0..255 */

			fill_random(a, sizeof(a));
			memcpy(b, a, sizeof(a));
			assert_ptr_equal(lib_memset(a + off, c, len), a + off);
			memset(b + off, c, len);
			assert_memory_equal(a, b, sizeof(a));
		}
	}
}

static void test_memcpy(void **state)
{
	u8 src[WIN + 16], a[WIN + 16], b[WIN + 16];
	size_t so, doff, len;

	for (so = 0; so < 9; so++) {
		for (doff = 0; doff < 9; doff++) {
			for (len = 0; len <= WIN; len++) {
				fill_random(src, sizeof(src));
				fill_random(a, sizeof(a));
				memcpy(b, a, sizeof(a));
				assert_ptr_equal(lib_memcpy(a + doff, src + so, len), a + doff);
				memcpy(b + doff, src + so, len);
				assert_memory_equal(a, b, sizeof(a));
			}
		}
	}
}

/* Every overlap of source and destination inside one window. */
static void test_memmove(void **state)
{
	u8 a[WIN], b[WIN];
	size_t s, d, len;

	for (s = 0; s < 40; s++) {
		for (d = 0; d < 40; d++) {
			for (len = 0; len + MAX(s, d) <= WIN; len += 1 + len / 8) {
				fill_random(a, sizeof(a));
				memcpy(b, a, sizeof(a));
				assert_ptr_equal(lib_memmove(a + d, a + s, len), a + d);
				memmove(b + d, b + s, len);
				assert_memory_equal(a, b, sizeof(a));
			}
		}
	}
}

static void test_memcmp(void **state)
{
	u8 a[WIN], b[WIN];
	int i;

	fill_random(a, sizeof(a));
	fill_random(b, sizeof(b));
	assert_int_equal(lib_memcmp(a, b, 0), 0);
	for (i = 0; i < 20000; i++) {
		size_t len = (size_t)rand() % WIN, oa = (size_t)rand() % 8, ob = (size_t)rand() % 8;

		if (len + MAX(oa, ob) > WIN)
			len = WIN - MAX(oa, ob);
		fill_random(a, sizeof(a));
		memcpy(b + ob, a + oa, len);
		if (len && rand() % 4) /* usually one difference, often a high-bit byte */
			b[ob + (size_t)rand() % len] = (u8)rand();
		assert_int_equal(sign(lib_memcmp(a + oa, b + ob, len)),
				 sign(memcmp(a + oa, b + ob, len)));
	}
}

static const char *const strings[] = {
	"",
	"a",
	"b",
	"ab",
	"abc",
	"abd",
	"abcd",
	"ABC",
	"\x80",
	"\xff",
	"a\xff",
	"a\x01",
	"hello world",
	"hello",
	"hellp",
	"x86_64",
	"0123456789012345678901234567890123456789",
};

static void test_strlen_strnlen(void **state)
{
	char buf[WIN + 1];
	size_t i, max, off;

	for (i = 0; i < ARRAY_SIZE(strings); i++) {
		assert_int_equal(lib_strlen(strings[i]), strlen(strings[i]));
		for (max = 0; max < 45; max++)
			assert_int_equal(lib_strnlen(strings[i], max), strnlen(strings[i], max));
	}
	/* Every alignment and length (the inputs are not compile-time constants). */
	for (off = 0; off < 16; off++) {
		for (i = 0; i + off < WIN; i++) {
			memset(buf, 'x', sizeof(buf));
			buf[off + i] = '\0';
			assert_int_equal(lib_strlen(buf + off), strlen(buf + off));
			assert_int_equal(lib_strnlen(buf + off, i / 2), strnlen(buf + off, i / 2));
		}
	}
}

static void test_strcmp_strncmp(void **state)
{
	volatile size_t huge = SIZE_MAX; /* hidden from the compiler's bound checks */
	size_t i, j, n;

	for (i = 0; i < ARRAY_SIZE(strings); i++) {
		for (j = 0; j < ARRAY_SIZE(strings); j++) {
			const char *a = strings[i], *b = strings[j];

			assert_int_equal(sign(lib_strcmp(a, b)), sign(strcmp(a, b)));
			for (n = 0; n < 12; n++)
				assert_int_equal(sign(lib_strncmp(a, b, n)),
						 sign(strncmp(a, b, n)));
			assert_int_equal(sign(lib_strncmp(a, b, huge)), sign(strncmp(a, b, huge)));
		}
	}
}

static void test_strchr(void **state)
{
	static const int chars[] = { 'a', 'b', 'l', 'o', 'z', '\0', 0xff, -1, 0x180, '4' };
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(strings); i++) {
		for (j = 0; j < ARRAY_SIZE(chars); j++)
			assert_ptr_equal(lib_strchr(strings[i], chars[j]),
					 strchr(strings[i], chars[j]));
	}
}

static void test_strlcpy(void **state)
{
	char dst[64], ref[64];
	size_t i, size;

	for (i = 0; i < ARRAY_SIZE(strings); i++) {
		size_t len = strlen(strings[i]);

		for (size = 0; size < 48; size++) {
			memset(dst, '#', sizeof(dst));
			memset(ref, '#', sizeof(ref));
			if (size) {
				size_t n = MIN(len, size - 1);

				memcpy(ref, strings[i], n);
				ref[n] = '\0';
			}
			assert_int_equal(lib_strlcpy(dst, strings[i], size), len);
			assert_memory_equal(dst, ref, sizeof(dst));
		}
	}
}

struct parse_case {
	const char *s;
	int ret;
	u64 val;
};

static void test_str_to_u64(void **state)
{
	static const struct parse_case cases[] = {
		{ "0", 0, 0 },
		{ "7", 0, 7 },
		{ "0007", 0, 7 },
		{ "010", 0, 10 }, /* decimal, not octal */
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "99999999999999999999", -ERANGE, 0 },
		{ "000000000000000000000000000018446744073709551615", 0, UINT64_MAX },
		{ "0x0", 0, 0 },
		{ "0x1f", 0, 0x1f },
		{ "0X1F", 0, 0x1f },
		{ "0xdeadBEEF", 0, 0xdeadbeef },
		{ "0xffffffffffffffff", 0, UINT64_MAX },
		{ "0x00000000000000000ffffffffffffffff", 0, UINT64_MAX },
		{ "0x10000000000000000", -ERANGE, 0 },
		{ "0x1ffffffffffffffff", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "0x", -EINVAL, 0 },
		{ "x10", -EINVAL, 0 },
		{ "0x0x1", -EINVAL, 0 },
		{ "12a", -EINVAL, 0 },
		{ "0x1g", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "1K", -EINVAL, 0 },
		{ "99999999999999999999z", -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 v = 0x5a5a5a5a;
		int ret = str_to_u64(cases[i].s, &v);

		if (ret != cases[i].ret)
			fail_msg("str_to_u64(\"%s\") = %d, want %d", cases[i].s, ret, cases[i].ret);
		/* The output is written on success only. */
		assert_int_equal(v, ret ? 0x5a5a5a5a : cases[i].val);
	}
}

static void test_str_to_u64_random(void **state)
{
	char buf[32];
	int i;

	for (i = 0; i < 20000; i++) {
		u64 v = ((u64)rand() << 62) ^ ((u64)rand() << 31) ^ (u64)rand(), got = 0;

		v >>= rand() % 64;
		snprintf(buf, sizeof(buf), i % 2 ? "%llu" : "0x%llx", (unsigned long long)v);
		assert_int_equal(str_to_u64(buf, &got), 0);
		assert_int_equal(got, v);
	}
}

static void test_str_to_size(void **state)
{
	static const struct parse_case cases[] = {
		{ "0", 0, 0 },
		{ "4096", 0, 4096 },
		{ "4k", 0, 4096 },
		{ "4K", 0, 4096 },
		{ "16m", 0, 16ULL << 20 },
		{ "16M", 0, 16ULL << 20 },
		{ "2g", 0, 2ULL << 30 },
		{ "2G", 0, 2ULL << 30 },
		{ "0x10K", 0, 16ULL << 10 },
		{ "0x10", 0, 16 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "17179869183G", 0, 17179869183ULL << 30 }, /* 2^34 - 1 */
		{ "17179869184G", -ERANGE, 0 },
		{ "0x3fffffffffffffK", 0, 0x3fffffffffffffULL << 10 },
		{ "0x40000000000000K", -ERANGE, 0 },
		{ "18014398509481984K", -ERANGE, 0 }, /* 2^54 */
		{ "99999999999999999999K", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "K", -EINVAL, 0 },
		{ "0xK", -EINVAL, 0 },
		{ "1KB", -EINVAL, 0 },
		{ "1T", -EINVAL, 0 },
		{ "1 K", -EINVAL, 0 },
		{ "1KK", -EINVAL, 0 },
		{ "-1K", -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 v = 0x5a5a5a5a;
		int ret = str_to_size(cases[i].s, &v);

		if (ret != cases[i].ret)
			fail_msg("str_to_size(\"%s\") = %d, want %d", cases[i].s, ret,
				 cases[i].ret);
		assert_int_equal(v, ret ? 0x5a5a5a5a : cases[i].val);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memset),	       cmocka_unit_test(test_memcpy),
		cmocka_unit_test(test_memmove),	       cmocka_unit_test(test_memcmp),
		cmocka_unit_test(test_strlen_strnlen), cmocka_unit_test(test_strcmp_strncmp),
		cmocka_unit_test(test_strchr),	       cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_str_to_u64),     cmocka_unit_test(test_str_to_u64_random),
		cmocka_unit_test(test_str_to_size),
	};

	srand(12345);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
