// SPDX-License-Identifier: MIT
/*
 * lib/log.c: levels and module overrides, the line format, truncation, the ring (wrap-around,
 * tail copies, dumps), lines from several threads never interleaving, and panic mode.
 *
 * The log's state is global and has no reset, so the tests run in the order listed in main()
 * and each one only relies on the lines it wrote itself. Panic mode, being irreversible,
 * comes last.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define LOG_MODULE "test"
#include "lib/errno.h"
#include "lib/log.h"

/* ---- a sink that records what it gets ------------------------------------------------- */

#define CAPTURE_MAX (1 << 20)

static char captured[CAPTURE_MAX];
static size_t captured_len; /* written by the sink, which runs under the log lock */
static unsigned sink_calls;

static void capture_sink(const char *s, size_t n)
{
	assert_true(captured_len + n < CAPTURE_MAX);
	memcpy(captured + captured_len, s, n);
	captured_len += n;
	captured[captured_len] = '\0';
	sink_calls++;
}

static void capture_reset(void)
{
	captured_len = 0;
	captured[0] = '\0';
	sink_calls = 0;
}

static __thread u32 thread_cpu = 3;

static u32 fake_cpu_id(void)
{
	return thread_cpu;
}

static int setup(void **state)
{
	log_init(capture_sink, fake_cpu_id);
	capture_reset();
	return 0;
}

/* ---- format ---------------------------------------------------------------------------- */

static void test_line_format(void **state)
{
	log_write(LOG_INFO, "vmx", "hello %d %s", 42, "world");
	assert_string_equal(captured, "[I cpu3 vmx] hello 42 world\n");
	assert_int_equal(sink_calls, 1);

	capture_reset();
	log_write(LOG_ERR, "ept", "already has a newline\n");
	log_write(LOG_WARN, "mm", "%s", "");
	pr_info("from the %s macro", "pr_info");
	pr_err("no args");
	assert_string_equal(captured, "[E cpu3 ept] already has a newline\n"
				      "[W cpu3 mm] \n"
				      "[I cpu3 test] from the pr_info macro\n"
				      "[E cpu3 test] no args\n");
	assert_int_equal(sink_calls, 4);

	/* No cpu_id callback means CPU 0; a NULL module prints "-". */
	log_init(capture_sink, NULL);
	capture_reset();
	log_write(LOG_WARN, NULL, "x");
	assert_string_equal(captured, "[W cpu0 -] x\n");
	log_init(capture_sink, fake_cpu_id);
	capture_reset();
}

static void vwrite_helper(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(lvl, "va", fmt, ap);
	va_end(ap);
}

static void test_vwrite(void **state)
{
	vwrite_helper(LOG_ERR, "%u-%x", 7u, 0xabu);
	assert_string_equal(captured, "[E cpu3 va] 7-ab\n");
	capture_reset();
}

/* Lines of every length around the limit: kept whole up to LOG_LINE_MAX - 1 bytes. */
static void test_truncation(void **state)
{
	const char *prefix = "[I cpu3 trunc] ";
	size_t plen = strlen(prefix), body, max = LOG_LINE_MAX - 1;
	char msg[600];

	for (body = 0; body < 400; body++) {
		size_t want_len;
		int nl;

		for (nl = 0; nl < 2; nl++) {
			memset(msg, 'a', body);
			for (size_t i = 0; i < body; i += 10)
				msg[i] = (char)('0' + i / 10 % 10);
			msg[body] = '\0';
			if (nl && body)
				msg[body - 1] = '\n';
			capture_reset();
			log_write(LOG_INFO, "trunc", "%s", msg);
			assert_true(captured_len <= max);
			assert_int_equal(captured[captured_len - 1], '\n');
			assert_memory_equal(captured, prefix, plen);
			want_len = plen + body + !(nl && body);
			if (want_len <= max) {
				assert_int_equal(captured_len, want_len);
				assert_memory_equal(captured + plen, msg, body - (nl && body));
			} else {
				/* Cut short: as much as fits, then the marker and a newline. */
				assert_int_equal(captured_len, max);
				assert_memory_equal(captured + plen, msg, max - plen - 4);
				assert_memory_equal(captured + max - 4, "...\n", 4);
			}
		}
	}
	capture_reset();
}

/* ---- levels ---------------------------------------------------------------------------- */

static void test_levels(void **state)
{
	log_set_level(LOG_INFO);
	assert_int_equal(log_get_level("anything"), LOG_INFO);
	assert_true(log_enabled(LOG_ERR, "anything"));
	assert_true(log_enabled(LOG_INFO, "anything"));
	assert_false(log_enabled(LOG_DEBUG, "anything"));

	log_write(LOG_DEBUG, "lv", "hidden");
	pr_trace("hidden");
	assert_int_equal(captured_len, 0);

	log_set_level(LOG_TRACE);
	pr_trace("shown %d", 1);
	assert_string_equal(captured, "[T cpu3 test] shown 1\n");
	capture_reset();

	log_set_level(LOG_ERR);
	pr_warn("hidden");
	assert_int_equal(captured_len, 0);

	/* Overrides: a noisier and a quieter module than the global level. */
	assert_int_equal(log_set_module_level("noisy", LOG_DEBUG), 0);
	assert_int_equal(log_set_module_level("quiet", LOG_ERR), 0);
	assert_int_equal(log_get_level("noisy"), LOG_DEBUG);
	assert_int_equal(log_get_level("quiet"), LOG_ERR);
	assert_int_equal(log_get_level("other"), LOG_ERR);
	assert_int_equal(log_get_level("nois"), LOG_ERR); /* exact names only */
	assert_true(log_enabled(LOG_DEBUG, "noisy"));
	assert_false(log_enabled(LOG_TRACE, "noisy"));
	assert_false(log_enabled(LOG_DEBUG, "other"));
	log_write(LOG_DEBUG, "noisy", "a");
	log_write(LOG_DEBUG, "other", "b");
	log_write(LOG_WARN, "quiet", "c");
	log_write(LOG_ERR, "quiet", "d");
	assert_string_equal(captured, "[D cpu3 noisy] a\n[E cpu3 quiet] d\n");
	capture_reset();

	/* The global level moves; overrides stay. Changing an override reuses its slot. */
	log_set_level(LOG_INFO);
	assert_false(log_enabled(LOG_WARN, "quiet"));
	assert_true(log_enabled(LOG_WARN, "other"));
	assert_int_equal(log_set_module_level("noisy", LOG_WARN), 0);
	assert_false(log_enabled(LOG_INFO, "noisy"));
	assert_false(log_enabled(LOG_DEBUG, "noisy")); /* the fast path must drop too */

	/* Bad names. */
	assert_int_equal(log_set_module_level("", LOG_INFO), -EINVAL);
	assert_int_equal(log_set_module_level(NULL, LOG_INFO), -EINVAL);
	assert_int_equal(log_set_module_level("a_module_name_that_is_too_long", LOG_INFO), -EINVAL);
}

static void test_module_table_full(void **state)
{
	char name[16];
	int i, ok = 0;

	/* Two slots are taken by test_levels. */
	for (i = 0; i < LOG_MAX_MODULES + 5; i++) {
		int ret;

		snprintf(name, sizeof(name), "mod%d", i);
		ret = log_set_module_level(name, LOG_DEBUG);
		if (ret == 0)
			ok++;
		else
			assert_int_equal(ret, -ENOMEM);
	}
	assert_int_equal(ok, LOG_MAX_MODULES - 2);
	/* Existing entries can still be changed when the table is full. */
	assert_int_equal(log_set_module_level("mod0", LOG_TRACE), 0);
	assert_int_equal(log_get_level("mod0"), LOG_TRACE);
	assert_int_equal(log_get_level("quiet"), LOG_ERR);
	assert_int_equal(log_get_level(name), LOG_INFO); /* the one that did not fit */
}

/* ---- ring ------------------------------------------------------------------------------ */

static char dump_buf[2 * LOG_RING_SIZE];
static size_t dump_len;
static unsigned dump_calls;

static void dump_emit(const char *s, size_t n)
{
	assert_true(dump_len + n <= sizeof(dump_buf));
	memcpy(dump_buf + dump_len, s, n);
	dump_len += n;
	dump_calls++;
}

static void test_ring_tail(void **state)
{
	char buf[LOG_RING_SIZE];
	size_t n;
	int i;

	for (i = 0; i < 10; i++)
		log_write(LOG_ERR, "ring", "line %d", i);
	n = log_ring_copy_tail(buf, sizeof(buf), 3);
	assert_string_equal(buf, "[E cpu3 ring] line 7\n[E cpu3 ring] line 8\n"
				 "[E cpu3 ring] line 9\n");
	assert_int_equal(n, strlen(buf));
	n = log_ring_copy_tail(buf, sizeof(buf), 1);
	assert_string_equal(buf, "[E cpu3 ring] line 9\n");
	n = log_ring_copy_tail(buf, sizeof(buf), 0);
	assert_int_equal(n, 0);
	assert_string_equal(buf, "");
	/* A small buffer keeps the newest lines that fit whole. */
	n = log_ring_copy_tail(buf, 50, 3); /* each line is 21 bytes */
	assert_string_equal(buf, "[E cpu3 ring] line 8\n[E cpu3 ring] line 9\n");
	n = log_ring_copy_tail(buf, 43, 3);
	assert_string_equal(buf, "[E cpu3 ring] line 8\n[E cpu3 ring] line 9\n");
	n = log_ring_copy_tail(buf, 42, 3);
	assert_string_equal(buf, "[E cpu3 ring] line 9\n");
	n = log_ring_copy_tail(buf, 5, 3);
	assert_int_equal(n, 0);
	assert_string_equal(buf, "");
	capture_reset();
}

/* Checks that s[0..len) is a run of "[E cpu3 wrap] seq N\n" lines with consecutive N. */
static void check_sequence(const char *s, size_t len, int first, int last)
{
	int expect_seq = first;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		int seq = -1, consumed = 0;

		assert_non_null(nl);
		assert_int_equal(sscanf(s + pos, "[E cpu3 wrap] seq %d%n", &seq, &consumed), 1);
		assert_ptr_equal(s + pos + consumed, nl);
		assert_int_equal(seq, expect_seq);
		expect_seq++;
		pos = (size_t)(nl - s) + 1;
	}
	assert_int_equal(expect_seq, last + 1);
}

static void test_ring_wrap(void **state)
{
	char *buf = malloc(LOG_RING_SIZE + 1);
	int i, count = 3 * LOG_RING_SIZE / 20, first;
	size_t n;

	assert_non_null(buf);
	/* Wrap the ring three times over with numbered lines of varying lengths. */
	for (i = 0; i < count; i++)
		log_write(LOG_ERR, "wrap", "seq %d", i);

	/* The tail copy: exactly the last lines, in order. */
	n = log_ring_copy_tail(buf, LOG_RING_SIZE + 1, 100);
	check_sequence(buf, n, count - 100, count - 1);

	/* All of it: nearly a ring's worth, starting at a whole line, oldest first. */
	n = log_ring_copy_tail(buf, LOG_RING_SIZE + 1, ~0u);
	assert_true(n <= LOG_RING_SIZE && n > LOG_RING_SIZE - LOG_LINE_MAX);
	assert_int_equal(sscanf(buf, "[E cpu3 wrap] seq %d", &first), 1);
	check_sequence(buf, n, first, count - 1);

	/* The dump has the same content, in at most two pieces. */
	dump_len = 0;
	dump_calls = 0;
	log_ring_dump(dump_emit);
	assert_true(dump_calls >= 1 && dump_calls <= 2);
	assert_int_equal(dump_len, n);
	assert_memory_equal(dump_buf, buf, n);
	free(buf);
	capture_reset();
}

/* ---- concurrency ----------------------------------------------------------------------- */

/*
 * No more threads than this machine is likely to have cores: spinning waiters would
 * otherwise burn whole time slices while the holder is descheduled.
 */
#define LOG_THREADS 2
#define LINES_PER_THREAD 3000

static void slow_sink(const char *s, size_t n)
{
	/* Byte by byte with a pause in the middle: interleaving would show without the lock. */
	volatile int spin;
	size_t i;

	for (i = 0; i < n; i++) {
		captured[captured_len++] = s[i];
		if (i == n / 2) {
			for (spin = 0; spin < 2000; spin++)
				;
		}
	}
	captured[captured_len] = '\0';
}

static pthread_barrier_t log_start;

static void *log_thread(void *arg)
{
	int id = (int)(intptr_t)arg, i;

	thread_cpu = (u32)id;
	pthread_barrier_wait(&log_start);
	for (i = 0; i < LINES_PER_THREAD; i++)
		log_write(LOG_ERR, "smp", "thread %d line %d end", id, i);
	return NULL;
}

static void test_no_interleaving(void **state)
{
	pthread_t t[LOG_THREADS];
	int next[LOG_THREADS] = { 0 };
	char *line, *save = NULL;
	int i, lines = 0;

	capture_reset();
	log_init(slow_sink, fake_cpu_id);
	assert_int_equal(pthread_barrier_init(&log_start, NULL, LOG_THREADS), 0);
	for (i = 0; i < LOG_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, log_thread, (void *)(intptr_t)i), 0);
	for (i = 0; i < LOG_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&log_start);
	log_init(capture_sink, fake_cpu_id);

	/* Every line whole, each thread's lines in order. */
	for (line = strtok_r(captured, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int cpu, id, seq, consumed = 0;

		assert_int_equal(sscanf(line, "[E cpu%d smp] thread %d line %d end%n", &cpu, &id,
					&seq, &consumed),
				 3);
		assert_int_equal((size_t)consumed, strlen(line));
		assert_int_equal(cpu, id);
		assert_true(id >= 0 && id < LOG_THREADS);
		assert_int_equal(seq, next[id]);
		next[id]++;
		lines++;
	}
	assert_int_equal(lines, LOG_THREADS * LINES_PER_THREAD);
	capture_reset();
}

/* ---- panic mode ------------------------------------------------------------------------ */

static int reentered;

/* Logs from inside the sink, i.e. while this very thread holds the log lock (if taken). */
static void reentrant_sink(const char *s, size_t n)
{
	capture_sink(s, n);
	if (!reentered++)
		log_write(LOG_ERR, "panic", "nested");
}

static void test_panic_mode(void **state)
{
	char buf[128];

	/* A deadlock would hang here: let the alarm kill the test instead. */
	alarm(10);
	log_panic_mode();
	log_init(reentrant_sink, fake_cpu_id);
	capture_reset();
	log_write(LOG_ERR, "panic", "outer");
	assert_string_equal(captured, "[E cpu3 panic] outer\n[E cpu3 panic] nested\n");
	/* The ring still works, without the lock. */
	log_ring_copy_tail(buf, sizeof(buf), 2);
	assert_string_equal(buf, "[E cpu3 panic] outer\n[E cpu3 panic] nested\n");
	alarm(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_format),	  cmocka_unit_test(test_vwrite),
		cmocka_unit_test(test_truncation),	  cmocka_unit_test(test_levels),
		cmocka_unit_test(test_module_table_full), cmocka_unit_test(test_ring_tail),
		cmocka_unit_test(test_ring_wrap),	  cmocka_unit_test(test_no_interleaving),
		cmocka_unit_test(test_panic_mode),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
