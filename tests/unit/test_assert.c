// SPDX-License-Identifier: MIT
/*
 * lib/assert.[ch] and lib/spinlock.h. Built twice (tests/unit/lib.mk): as is, and with
 * NDEBUG, where ASSERT must vanish and BUG_ON must stay.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/assert.h"
#include "lib/spinlock.h"

/* ---- assertions ------------------------------------------------------------------------ */

static jmp_buf panic_jmp;
static int panic_count;
static const char *panic_file, *panic_what;
static int panic_line;

static void catch_panic(const char *file, int line, const char *what)
{
	panic_count++;
	panic_file = file;
	panic_line = line;
	panic_what = what;
	longjmp(panic_jmp, 1);
}

static int evaluations;

static int count_eval(int v)
{
	evaluations++;
	return v;
}

static void test_bug_on(void **state)
{
	volatile int line = 0;

	lib_set_panic_handler(catch_panic);
	panic_count = 0;
	BUG_ON(count_eval(0));
	assert_int_equal(panic_count, 0);
	if (!setjmp(panic_jmp)) {
		line = __LINE__ + 1;
		BUG_ON(count_eval(1) + 1 == 2);
		fail_msg("BUG_ON(true) returned");
	}
	assert_int_equal(panic_count, 1);
	assert_string_equal(panic_what, "BUG_ON(count_eval(1) + 1 == 2)");
	assert_string_equal(panic_file, __FILE__);
	assert_int_equal(panic_line, line);
	lib_set_panic_handler(NULL);
}

static void test_assert(void **state)
{
	volatile int line = 0;

	lib_set_panic_handler(catch_panic);
	panic_count = 0;
	evaluations = 0;
	ASSERT(count_eval(1));
	if (!setjmp(panic_jmp)) {
		line = __LINE__ + 1;
		ASSERT(count_eval(0));
	}
#ifdef NDEBUG
	/* Compiled out: the condition is not even evaluated. */
	assert_int_equal(evaluations, 0);
	assert_int_equal(panic_count, 0);
	(void)line;
#else
	assert_int_equal(evaluations, 2);
	assert_int_equal(panic_count, 1);
	assert_string_equal(panic_what, "ASSERT(count_eval(0))");
	assert_int_equal(panic_line, line);
#endif
	lib_set_panic_handler(NULL);
}

static void returning_handler(const char *file, int line, const char *what)
{
	panic_count++;
}

/*
 * The default handler, and a handler that returns, both leave the CPU spinning: run them in
 * a child and check that it is still alive after a while.
 */
static void expect_spins_forever(lib_panic_handler_t fn)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 200 * 1000 * 1000 };
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		lib_set_panic_handler(fn);
		lib_panic("file.c", 1, "test");
	}
	nanosleep(&ts, NULL);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still running */
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void test_panic_spins(void **state)
{
	expect_spins_forever(NULL);
	expect_spins_forever(returning_handler);
}

BUILD_BUG_ON(sizeof(u64) != 8);

/* ---- spinlock -------------------------------------------------------------------------- */

static spinlock_t lock = SPINLOCK_INIT;
static u64 shared_counter;   /* protected by lock */
static u32 inside, overlaps; /* atomic: threads found in the critical section together */
static pthread_barrier_t start_line;

#define THREADS 4
#define ITERS 100000

static void *hammer(void *arg)
{
	int i;

	pthread_barrier_wait(&start_line);
	for (i = 0; i < ITERS; i++) {
		if (i % 2) {
			spin_lock(&lock);
		} else {
			while (!spin_trylock(&lock))
				;
		}
		if (__atomic_fetch_add(&inside, 1, __ATOMIC_RELAXED))
			__atomic_fetch_add(&overlaps, 1, __ATOMIC_RELAXED);
		/* A non-atomic read-modify-write: lost updates if exclusion fails. */
		shared_counter = shared_counter + 1;
		__atomic_fetch_sub(&inside, 1, __ATOMIC_RELAXED);
		spin_unlock(&lock);
	}
	return arg;
}

static void test_spinlock_basic(void **state)
{
	spinlock_t l = SPINLOCK_INIT;

	assert_false(spin_is_locked(&l));
	assert_true(spin_trylock(&l));
	assert_true(spin_is_locked(&l));
	assert_false(spin_trylock(&l));
	spin_unlock(&l);
	assert_false(spin_is_locked(&l));
	spin_lock(&l);
	assert_false(spin_trylock(&l));
	spin_unlock(&l);
	assert_true(spin_trylock(&l));
	spin_unlock(&l);
	spin_lock_init(&l);
	assert_false(spin_is_locked(&l));
}

static void test_spinlock_threads(void **state)
{
	pthread_t t[THREADS];
	int i;

	shared_counter = 0;
	overlaps = 0;
	assert_int_equal(pthread_barrier_init(&start_line, NULL, THREADS), 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&start_line);
	assert_int_equal(overlaps, 0);
	assert_int_equal(shared_counter, (u64)THREADS * ITERS);
	assert_false(spin_is_locked(&lock));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bug_on),		 cmocka_unit_test(test_assert),
		cmocka_unit_test(test_panic_spins),	 cmocka_unit_test(test_spinlock_basic),
		cmocka_unit_test(test_spinlock_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
