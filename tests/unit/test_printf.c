// SPDX-License-Identifier: MIT
/*
 * lib/printf.c against glibc: fixed cases, a few thousand generated integer conversions with
 * random flags, width, precision and length, and truncation at every buffer size. Our
 * functions are lib_snprintf/lib_vsnprintf here (lib/libc_names.h); snprintf is glibc's.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/compiler.h"
#include "lib/printf.h"

#undef snprintf
#undef vsnprintf

#define BUF 512
#define FILL 0x5a

/* Compares our result with glibc's for one buffer size, including every byte after it. */
static void compare(const char *fmt, size_t n, int r_lib, const char *b_lib, int r_ref,
		    const char *b_ref)
{
	if (r_lib != r_ref || memcmp(b_lib, b_ref, BUF) != 0)
		fail_msg("format \"%s\" n=%zu: got %d \"%.*s\", glibc %d \"%.*s\"", fmt, n, r_lib,
			 (int)MIN(n, BUF), b_lib, r_ref, (int)MIN(n, BUF), b_ref);
}

/*
 * Runs fmt with the same arguments through both implementations at size n. The argument
 * list is spelled out once per call shape by the macros below.
 */
#define CHECK_N(n, fmt, ...)                                              \
	do {                                                              \
		char b_lib_[BUF], b_ref_[BUF];                            \
		int r_lib_, r_ref_;                                       \
		memset(b_lib_, FILL, BUF);                                \
		memset(b_ref_, FILL, BUF);                                \
		r_lib_ = lib_snprintf(b_lib_, (n), (fmt), ##__VA_ARGS__); \
		r_ref_ = snprintf(b_ref_, (n), (fmt), ##__VA_ARGS__);     \
		compare((fmt), (n), r_lib_, b_lib_, r_ref_, b_ref_);      \
	} while (0)

/* Full-size check, then truncation at every buffer size from 0 to the length + 1. */
#define CHECK(fmt, ...)                                                \
	do {                                                           \
		char t_[BUF];                                          \
		int len_ = snprintf(t_, BUF, (fmt), ##__VA_ARGS__);    \
		size_t n_;                                             \
		CHECK_N(BUF, (fmt), ##__VA_ARGS__);                    \
		for (n_ = 0; n_ <= (size_t)len_ + 1 && n_ < BUF; n_++) \
			CHECK_N(n_, (fmt), ##__VA_ARGS__);             \
	} while (0)

static void expect(const char *want, const char *fmt, ...)
{
	char buf[BUF];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = lib_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r != (int)strlen(want) || strcmp(buf, want))
		fail_msg("format \"%s\": got %d \"%s\", want \"%s\"", fmt, r, buf, want);
}

/* The compiler checks literal formats; these tests pass odd ones on purpose. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wformat-overflow"

static void test_fixed_integers(void **state)
{
	CHECK("");
	CHECK("plain text");
	CHECK("%d", 0);
	CHECK("%d %i", INT_MIN, INT_MAX);
	CHECK("%u %x %X %o", UINT_MAX, 0xdeadbeefu, 0xdeadbeefu, 0777u);
	CHECK("%ld %lu %lx", LONG_MIN, ULONG_MAX, ULONG_MAX);
	CHECK("%lld %llu %llo", LLONG_MIN, ULLONG_MAX, ULLONG_MAX);
	CHECK("%hhd %hhu %hhx %hd %hu %hx", 300, 300, -1, 70000, 70000, -1);
	CHECK("%zd %zu %zx", (ssize_t)-5, (size_t)SIZE_MAX, (size_t)12345);
	CHECK("%jd %ju %td %tx", INTMAX_MIN, UINTMAX_MAX, (ptrdiff_t)-77, (ptrdiff_t)-1);
	CHECK("[%8d] [%-8d] [%08d] [%+d] [% d] [%+ d]", 42, 42, -42, 42, 42, 42);
	CHECK("[%.0d] [%.0x] [%#.0x] [%#.0o] [%5.0d] [%-5.0u]", 0, 0, 0, 0, 0, 0);
	CHECK("[%#x] [%#X] [%#o] [%#x] [%#o] [%#08x] [%#-8o]", 255, 255, 8, 0, 0, 255, 8);
	CHECK("[%.10d] [%10.4d] [%-10.4x] [%010.4d] [%#.3o]", -7, -7, 0xab, 7, 8);
	CHECK("[%*d] [%-*d] [%*d] [%.*d] [%.*d] [%*.*x]", 6, 1, 6, 1, -6, 1, 4, 1, -4, 1, 8, 3,
	      0x2a);
	CHECK("%%d %%");
	expect("%", "%5%");
}

static void test_fixed_chars_strings(void **state)
{
	CHECK("%c%c%c", 'a', 0x80 | 'b', 'c');
	CHECK("[%5c] [%-5c] [%c]", 'x', 'y', 'z');
	CHECK("[%s] [%10s] [%-10s] [%.3s] [%10.3s] [%-10.3s] [%.0s]", "hello", "hello", "hello",
	      "hello", "hello", "hello", "hello");
	CHECK("[%*s] [%-*s] [%.*s] [%.*s]", 7, "ab", 7, "ab", 1, "ab", -1, "ab");
	CHECK("%s|%s", "", "x");
	CHECK("[%p] [%20p] [%-20p]", (void *)0x1234, (void *)&state, (void *)~0UL);
	expect("(null)", "%s", (char *)NULL);
	expect("[    (null)]", "[%10s]", (char *)NULL);
	expect("0x0", "%p", NULL);
	expect("0xffff800000001000", "%p", (void *)0xffff800000001000UL);
}

static void test_unknown_conversions(void **state)
{
	expect("%y", "%y");
	expect("a%-5.3yb", "a%-5.3yb");
	expect("%lf 7", "%lf %d", 7);
	expect("%n", "%n");
	expect("abc%", "abc%");
	expect("abc%-5", "abc%-5");
	expect("1 %q 2", "%d %q %d", 1, 2);
}

static void test_return_and_termination(void **state)
{
	char buf[8];

	memset(buf, FILL, sizeof(buf));
	assert_int_equal(lib_snprintf(buf, 0, "hello %d", 123), 9);
	assert_int_equal((u8)buf[0], FILL); /* n == 0 writes nothing */
	assert_int_equal(lib_snprintf(NULL, 0, "%s", "abc"), 3);
	assert_int_equal(lib_snprintf(buf, 1, "xyz"), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(lib_snprintf(buf, sizeof(buf), "0123456789"), 10);
	assert_string_equal(buf, "0123456");
	assert_int_equal(lib_snprintf(buf, sizeof(buf), "%s", "short"), 5);
	assert_string_equal(buf, "short");
	/* Huge widths are counted, not written. */
	assert_int_equal(lib_snprintf(buf, sizeof(buf), "%100000d", 1), 100000);
	assert_string_equal(buf, "       ");
}

/* ---- generated integer conversions ------------------------------------------------------ */

enum arg_type { T_INT, T_LONG, T_LLONG, T_SIZE, T_INTMAX, T_PTRDIFF };

static u64 random_u64(void)
{
	u64 v = ((u64)rand() << 62) ^ ((u64)rand() << 31) ^ (u64)rand();

	switch (rand() % 8) {
	case 0:
		return 0;
	case 1:
		return (u64)(rand() % 3) - 1; /* -1, 0, 1 */
	case 2:
		return 1ULL << (rand() % 64);
	case 3:
		return (1ULL << (rand() % 64)) - 1;
	default:
		return v >> (rand() % 64);
	}
}

static void check_generated(const char *fmt, int nstar, int s1, int s2, enum arg_type t, u64 v)
{
#define CALL_STARS(arg)                               \
	do {                                          \
		if (nstar == 0)                       \
			CHECK_N(n, fmt, arg);         \
		else if (nstar == 1)                  \
			CHECK_N(n, fmt, s1, arg);     \
		else                                  \
			CHECK_N(n, fmt, s1, s2, arg); \
	} while (0)
#define CALL(arg)                                     \
	do {                                          \
		switch (t) {                          \
		case T_INT:                           \
			CALL_STARS((int)(arg));       \
			break;                        \
		case T_LONG:                          \
			CALL_STARS((long)(arg));      \
			break;                        \
		case T_LLONG:                         \
			CALL_STARS((long long)(arg)); \
			break;                        \
		case T_SIZE:                          \
			CALL_STARS((size_t)(arg));    \
			break;                        \
		case T_INTMAX:                        \
			CALL_STARS((intmax_t)(arg));  \
			break;                        \
		case T_PTRDIFF:                       \
			CALL_STARS((ptrdiff_t)(arg)); \
			break;                        \
		}                                     \
	} while (0)
	size_t n = BUF;

	CALL(v);
	/* Every fourth case also at every truncated size. */
	if (rand() % 4 == 0) {
		for (n = 0; n < 48; n++)
			CALL(v);
	}
#undef CALL
#undef CALL_STARS
}

static void test_generated_integers(void **state)
{
	static const char *const lengths[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };
	static const enum arg_type types[] = { T_INT,	T_INT,	T_INT,	  T_LONG,
					       T_LLONG, T_SIZE, T_INTMAX, T_PTRDIFF };
	static const char flags[] = "-0+ #";
	static const char convs[] = "diuxXo";
	int i;

	for (i = 0; i < 6000; i++) {
		char fmt[64], *p = fmt;
		int nstar = 0, s1 = 0, s2 = 0, li = rand() % 8, j;

		*p++ = '[';
		*p++ = '%';
		for (j = 0; j < 5; j++) {
			if (rand() % 3 == 0)
				*p++ = flags[j];
		}
		switch (rand() % 4) {
		case 0:
			break;
		case 1:
			p += sprintf(p, "%d", rand() % 30);
			break;
		case 2:
			p += sprintf(p, "%d", 1 + rand() % 9);
			break;
		case 3:
			*p++ = '*';
			s1 = rand() % 61 - 30;
			nstar++;
			break;
		}
		switch (rand() % 4) {
		case 0:
			break;
		case 1:
			*p++ = '.';
			break;
		case 2:
			p += sprintf(p, ".%d", rand() % 25);
			break;
		case 3:
			p += sprintf(p, ".*");
			if (nstar)
				s2 = rand() % 31 - 5;
			else
				s1 = rand() % 31 - 5;
			nstar++;
			break;
		}
		p += sprintf(p, "%s%c]", lengths[li], convs[rand() % 6]);
		check_generated(fmt, nstar, s1, s2, types[li], random_u64());
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_integers),
		cmocka_unit_test(test_fixed_chars_strings),
		cmocka_unit_test(test_unknown_conversions),
		cmocka_unit_test(test_return_and_termination),
		cmocka_unit_test(test_generated_integers),
	};

	srand(4242);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
