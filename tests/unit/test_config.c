// SPDX-License-Identifier: MIT
/*
 * The loader's configuration parser (boot/config.c): defaults, every key and value form,
 * the word/comment/line syntax, the error report, and that a refused value changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "boot/config.h"

static struct boot_config c;
static char err[1024];

static int setup(void **state)
{
	memset(&c, 0x5a, sizeof(c)); /* defaults must set every field */
	boot_config_defaults(&c);
	memset(err, 'x', sizeof(err));
	return 0;
}

static int parse(const char *text)
{
	memset(err, 'x', sizeof(err));
	return boot_config_parse(&c, text, err, sizeof(err));
}

/* text is accepted without a problem and without a message. */
static void parse_ok(const char *text)
{
	int r = parse(text);

	if (r != 0 || err[0] != 0)
		fail_msg("\"%s\": %d problem(s): %s", text, r, err);
}

/* text is refused with exactly this message. */
static void parse_bad(const char *text, const char *msg)
{
	int r = parse(text);

	if (r != 1 || strcmp(err, msg))
		fail_msg("\"%s\": %d problem(s), message \"%s\", want 1 and \"%s\"", text, r, err,
			 msg);
}

static void assert_defaults(void)
{
	assert_int_equal(c.console_port, 0x2f8);
	assert_int_equal(c.console_baud, 115200);
	assert_int_equal(c.log_level, 2);
	assert_int_equal(c.pool_size, 32ULL << 20);
	assert_int_equal(c.cpu_limit, 0);
	assert_false(c.e9);
	assert_string_equal(c.next, "");
}

/* ---- defaults ------------------------------------------------------------------------------- */

static void test_defaults(void **state)
{
	assert_defaults();
	/* Empty input, blanks and comments change nothing and report nothing. */
	parse_ok("");
	parse_ok(" \t\r\n\n");
	parse_ok("# console=com1 baud=9600\n#pool=8M");
	assert_defaults();
}

/* ---- each key -------------------------------------------------------------------------------- */

static void test_console(void **state)
{
	static const struct {
		const char *text;
		u16 port;
	} ok[] = {
		{ "console=com1", 0x3f8 },  { "console=com2", 0x2f8 }, { "console=com3", 0x3e8 },
		{ "console=com4", 0x2e8 },  { "console=none", 0 },     { "console=0x3f8", 0x3f8 },
		{ "console=0X2E8", 0x2e8 }, { "console=1016", 0x3f8 }, { "console=0xfff8", 0xfff8 },
		{ "console=0x1", 1 },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		c.console_port = 0x1234;
		parse_ok(ok[i].text);
		assert_int_equal(c.console_port, ok[i].port);
	}
}

static void test_console_bad(void **state)
{
	static const char *const bad[] = { "com5", "COM1", "0",	 "0x0", "0xfff9", "0x10000",
					   "",	   "-1",   "0x", "3f8", "0x3f8k" };
	char text[64], msg[96];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.console_port = 0x3e8;
		snprintf(text, sizeof(text), "console=%s", bad[i]);
		snprintf(msg, sizeof(msg), "bad value for 'console=%s'\n", bad[i]);
		parse_bad(text, msg);
		assert_int_equal(c.console_port, 0x3e8);
	}
}

static void test_baud(void **state)
{
	static const u32 ok[] = { 115200, 57600, 38400, 19200, 9600, 4800, 2400, 1200, 300, 50 };
	static const char *const bad[] = { "0", "49", "7", "1000", "115201", "230400", "fast", "" };
	char text[64], msg[96];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "baud=%u", ok[i]);
		parse_ok(text);
		assert_int_equal(c.console_baud, ok[i]);
	}
	parse_ok("baud=0x2580");
	assert_int_equal(c.console_baud, 9600);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "baud=%s", bad[i]);
		snprintf(msg, sizeof(msg), "bad value for 'baud=%s'\n", bad[i]);
		parse_bad(text, msg);
		assert_int_equal(c.console_baud, 9600);
	}
}

static void test_log(void **state)
{
	static const char *const names[] = { "err", "warn", "info", "debug", "trace" };
	char text[64];

	for (u32 i = 0; i < 5; i++) {
		c.log_level = 99;
		snprintf(text, sizeof(text), "log=%s", names[i]);
		parse_ok(text);
		assert_int_equal(c.log_level, i);
	}
	parse_bad("log=ERR", "bad value for 'log=ERR'\n");
	parse_bad("log=2", "bad value for 'log=2'\n");
	parse_bad("log=infoo", "bad value for 'log=infoo'\n");
	parse_bad("log=", "bad value for 'log='\n");
	assert_int_equal(c.log_level, 4);
}

static void test_pool(void **state)
{
	static const struct {
		const char *v;
		u64 size;
	} ok[] = {
		{ "8M", 8ULL << 20 },	      { "8m", 8ULL << 20 },
		{ "1G", 1ULL << 30 },	      { "1g", 1ULL << 30 },
		{ "64M", 64ULL << 20 },	      { "8192K", 8ULL << 20 },
		{ "10240k", 10ULL << 20 },    { "0x800000", 8ULL << 20 },
		{ "1073741824", 1ULL << 30 }, { "1022M", 1022ULL << 20 },
		{ "0x10M", 16ULL << 20 },
	};
	static const char *const bad[] = { "6M",     "7M",	   "9M",
					   "1025M",  "2G",	   "1024M1",
					   "0",	     "4K",	   "8MB",
					   "M",	     "",	   "-8M",
					   "10241K", "0x40000001", "99999999999999999999G" };
	char text[96], msg[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		c.pool_size = 0;
		snprintf(text, sizeof(text), "pool=%s", ok[i].v);
		parse_ok(text);
		assert_int_equal(c.pool_size, ok[i].size);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.pool_size = 48ULL << 20;
		snprintf(text, sizeof(text), "pool=%s", bad[i]);
		snprintf(msg, sizeof(msg), "bad value for 'pool=%s'\n", bad[i]);
		parse_bad(text, msg);
		assert_int_equal(c.pool_size, 48ULL << 20);
	}
}

static void test_hvoff(void **state)
{
	assert_int_equal(c.hv_off, 0);
	assert_int_equal(parse("hvoff=0x262"), 0);
	assert_int_equal(c.hv_off, 0x262);
	assert_int_equal(parse("hvoff=18446744073709551615"), 0);
	assert_int_equal(c.hv_off, ~0ULL);
	assert_int_equal(parse("hvoff=zz"), 1);
	assert_int_equal(c.hv_off, ~0ULL); /* a refused value changes nothing */
}

static void test_cpus(void **state)
{
	parse_ok("cpus=1");
	assert_int_equal(c.cpu_limit, 1);
	parse_ok("cpus=4096");
	assert_int_equal(c.cpu_limit, 4096);
	parse_ok("cpus=0x10");
	assert_int_equal(c.cpu_limit, 16);
	parse_ok("cpus=0");
	assert_int_equal(c.cpu_limit, 0);
	c.cpu_limit = 2;
	parse_bad("cpus=4097", "bad value for 'cpus=4097'\n");
	parse_bad("cpus=-1", "bad value for 'cpus=-1'\n");
	parse_bad("cpus=2x", "bad value for 'cpus=2x'\n");
	parse_bad("cpus=all", "bad value for 'cpus=all'\n");
	parse_bad("cpus=4294967298", "bad value for 'cpus=4294967298'\n");
	assert_int_equal(c.cpu_limit, 2);
}

static void test_e9(void **state)
{
	parse_ok("e9=1");
	assert_true(c.e9);
	parse_ok("e9=0");
	assert_false(c.e9);
	c.e9 = true;
	parse_bad("e9=2", "bad value for 'e9=2'\n");
	parse_bad("e9=yes", "bad value for 'e9=yes'\n");
	parse_bad("e9=01", "bad value for 'e9=01'\n");
	parse_bad("e9=", "bad value for 'e9='\n");
	assert_true(c.e9);
}

static void test_next(void **state)
{
	char text[BOOT_PATH_MAX + 16], path[BOOT_PATH_MAX + 1];

	parse_ok("next=\\EFI\\BOOT\\grubx64.efi");
	assert_string_equal(c.next, "\\EFI\\BOOT\\grubx64.efi");
	parse_ok("next=");
	assert_string_equal(c.next, "");

	/* The longest path that fits: BOOT_PATH_MAX - 1 characters. */
	memset(path, 'a', BOOT_PATH_MAX - 1);
	path[BOOT_PATH_MAX - 1] = 0;
	snprintf(text, sizeof(text), "next=%s", path);
	parse_ok(text);
	assert_string_equal(c.next, path);

	/* One more does not fit: refused, the old path stays. */
	memset(path, 'b', BOOT_PATH_MAX);
	path[BOOT_PATH_MAX] = 0;
	snprintf(text, sizeof(text), "next=%s", path);
	assert_int_equal(parse(text), 1);
	assert_non_null(strstr(err, "bad value for 'next=bbbb"));
	assert_int_equal(c.next[0], 'a');
	assert_int_equal(strlen(c.next), BOOT_PATH_MAX - 1);
}

/* ---- syntax ------------------------------------------------------------------------------------- */

static void test_words_lines_comments(void **state)
{
	parse_ok("vtlvisor.efi console=com1 baud=9600\r\n"
		 "# a comment line with key=value words: log=trace\r\n"
		 "\tlog=debug\tpool=64M   # trailing comment cpus=3\n"
		 "cpus=2\re9=1\n"
		 "next=\\EFI\\next.efi");
	assert_int_equal(c.console_port, 0x3f8);
	assert_int_equal(c.console_baud, 9600);
	assert_int_equal(c.log_level, 3);
	assert_int_equal(c.pool_size, 64ULL << 20);
	assert_int_equal(c.cpu_limit, 2);
	assert_true(c.e9);
	assert_string_equal(c.next, "\\EFI\\next.efi");
}

static void test_program_name_and_bare_words_ignored(void **state)
{
	/* The UEFI shell passes the image path first; any word without '=' is skipped. */
	parse_ok("fs0:\\EFI\\vtlvisor\\vtlvisor.efi cpus=3");
	assert_int_equal(c.cpu_limit, 3);
	parse_ok("vtlvisor verbose cpus=4 quiet");
	assert_int_equal(c.cpu_limit, 4);
}

static void test_last_value_wins(void **state)
{
	parse_ok("console=com1 console=com3 console=none");
	assert_int_equal(c.console_port, 0);
	/* A bad later value leaves the earlier good one. */
	assert_int_equal(parse("baud=9600 baud=12345"), 1);
	assert_int_equal(c.console_baud, 9600);
}

static void test_value_with_equals(void **state)
{
	/* Only the first '=' splits. */
	parse_ok("next=\\a=b.efi");
	assert_string_equal(c.next, "\\a=b.efi");
}

static void test_hash_inside_a_word(void **state)
{
	/* '#' starts a comment only at the start of a word. */
	parse_bad("baud=9600#fast", "bad value for 'baud=9600#fast'\n");
	assert_int_equal(c.console_baud, 115200);
}

/* ---- problems ------------------------------------------------------------------------------------ */

static void test_unknown_keys(void **state)
{
	parse_bad("colsone=com1", "unknown option 'colsone=com1'\n");
	parse_bad("=5", "unknown option '=5'\n");
	parse_bad("Console=com1", "unknown option 'Console=com1'\n");
	assert_defaults();
}

static void test_problems_counted_and_listed(void **state)
{
	int r = parse("foo=1 console=com9 baud=9600 bar= log=loud cpus=8");

	assert_int_equal(r, 4);
	assert_string_equal(err, "unknown option 'foo=1'\n"
				 "bad value for 'console=com9'\n"
				 "unknown option 'bar='\n"
				 "bad value for 'log=loud'\n");
	/* The good ones were applied, the bad ones changed nothing. */
	assert_int_equal(c.console_baud, 9600);
	assert_int_equal(c.cpu_limit, 8);
	assert_int_equal(c.console_port, 0x2f8);
	assert_int_equal(c.log_level, 2);
}

static void test_error_buffer_limits(void **state)
{
	char small[20];

	/* Truncated but terminated; every problem still counted. */
	memset(small, 'x', sizeof(small));
	assert_int_equal(boot_config_parse(&c, "foo=1 bar=2 baz=3", small, sizeof(small)), 3);
	assert_string_equal(small, "unknown option 'foo");
	/* No buffer at all. */
	assert_int_equal(boot_config_parse(&c, "foo=1 cpus=5 baud=1", NULL, 0), 2);
	assert_int_equal(c.cpu_limit, 5);
	/* No problem: the message is the empty string. */
	memset(small, 'x', sizeof(small));
	assert_int_equal(boot_config_parse(&c, "cpus=6", small, sizeof(small)), 0);
	assert_int_equal(small[0], 0);
}

static void test_over_long_word(void **state)
{
	char text[512], msg[96];
	int n;

	/* A word longer than the parser's buffer (BOOT_PATH_MAX + 16): refused as a whole,
	 * reported with its first 32 characters. */
	n = snprintf(text, sizeof(text), "cpus=7 next=");
	memset(text + n, 'c', 300);
	strcpy(text + n + 300, " log=trace");
	c.next[0] = 0;
	assert_int_equal(parse(text), 1);
	snprintf(msg, sizeof(msg), "over-long word 'next=%.27s...'\n", text + n);
	assert_string_equal(err, msg);
	assert_string_equal(c.next, "");
	/* The words around it still count. */
	assert_int_equal(c.cpu_limit, 7);
	assert_int_equal(c.log_level, 4);

	/* Refused even when the part that fits would be a valid value. */
	n = snprintf(text, sizeof(text), "cpus=");
	memset(text + n, '0', 200);
	strcpy(text + n + 200, "5");
	assert_int_equal(parse(text), 1);
	assert_int_equal(c.cpu_limit, 7);

	/* The longest word that fits (BOOT_PATH_MAX + 15 characters) is parsed. */
	memset(text, 0, sizeof(text));
	n = snprintf(text, sizeof(text), "next=");
	memset(text + n, 'd', BOOT_PATH_MAX + 15 - n);
	assert_int_equal(parse(text), 1);
	assert_non_null(strstr(err, "bad value for 'next=dddd"));
	/* One more character does not fit. */
	text[BOOT_PATH_MAX + 15] = 'd';
	assert_int_equal(parse(text), 1);
	assert_non_null(strstr(err, "over-long word 'next=dddd"));
}

static void test_over_long_key_reported(void **state)
{
	char text[512];

	/* A 200-character key: its '=' lies past the word buffer; still reported, not taken
	 * for a bare word. */
	memset(text, 'k', 200);
	strcpy(text + 200, "=1");
	assert_int_equal(parse(text), 1);
	assert_string_equal(err, "over-long word 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'\n");
	/* Even a bare word that long is a problem. */
	text[200] = 0;
	assert_int_equal(parse(text), 1);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_console),
		T(test_console_bad),
		T(test_baud),
		T(test_log),
		T(test_pool),
		T(test_cpus),
		T(test_hvoff),
		T(test_e9),
		T(test_next),
		T(test_words_lines_comments),
		T(test_program_name_and_bare_words_ignored),
		T(test_last_value_wins),
		T(test_value_with_equals),
		T(test_hash_inside_a_word),
		T(test_unknown_keys),
		T(test_problems_counted_and_listed),
		T(test_error_buffer_limits),
		T(test_over_long_word),
		T(test_over_long_key_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
