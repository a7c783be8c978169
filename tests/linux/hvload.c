// SPDX-License-Identifier: MIT
/*
 * hvload ROUNDS: the Linux guest's workload (tools/mkinitramfs.sh puts it in the initramfs
 * as /bin/hvload). Two threads, pinned to CPU 0 and CPU 1, share one address space and make
 * the kernel send what a Hyper-V guest sends with hypercalls:
 *   tlb     ROUNDS x: map 4 pages, let the CPU 1 thread read them, mprotect them read-only,
 *           back to read-write, unmap. The CPU 1 thread runs in the same mm meanwhile, so
 *           every change needs a remote TLB flush (HvCallFlushVirtualAddress*).
 *   wake    ROUNDS futex ping-pongs: each side sleeps until the other wakes it, a
 *           cross-CPU wakeup (a reschedule or function-call IPI: HvCallSendSyntheticClusterIpi).
 *   barrier ROUNDS membarrier(PRIVATE_EXPEDITED) calls while the CPU 1 thread runs: each is
 *           an IPI to CPU 1.
 * Every step is checked (data seen through the other CPU, syscall results, the CPU each
 * thread is on). Last line: "LINUX-WORKLOAD hvload: cpus=N rounds=R tlb=R wake=R barrier=R
 * errors=E ms=T"; exit status 0 only when E is 0. alarm() bounds the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGES 4
#define ALARM_SECONDS 600 /* emulated seconds: Bochs runs ~10 of them per wall second */

enum phase { PH_TLB = 1, PH_WAKE, PH_BARRIER, PH_DONE };

static long rounds;
static long page_size;
static atomic_int phase;
static atomic_long errors;
/* tlb: the CPU 0 thread publishes a mapping with seq, the CPU 1 thread answers with ack. */
static _Atomic(unsigned char *) shared_map;
static atomic_long seq, ack, ack_sum;
/* wake: two futex words, ping (CPU 0 -> 1) and pong (CPU 1 -> 0). */
static atomic_int ping, pong;
static atomic_int helper_ready;

static void error(const char *what, long round)
{
	atomic_fetch_add(&errors, 1);
	if (atomic_load(&errors) <= 5)
		printf("LINUX-WORKLOAD hvload: error: %s (round %ld, errno %d %s)\n", what, round,
		       errno, strerror(errno));
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return -1;
	return sched_getcpu() == cpu ? 0 : -1;
}

static long futex(atomic_int *word, int op, int val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* Sleeps until *word is 1, then clears it. */
static void await(atomic_int *word, long round)
{
	while (atomic_exchange(word, 0) != 1)
		if (futex(word, FUTEX_WAIT_PRIVATE, 0) != 0 && errno != EAGAIN && errno != EINTR)
			error("FUTEX_WAIT", round);
}

static void post(atomic_int *word, long round)
{
	atomic_store(word, 1);
	if (futex(word, FUTEX_WAKE_PRIVATE, 1) < 0)
		error("FUTEX_WAKE", round);
}

static unsigned long page_sum(const unsigned char *p)
{
	unsigned long s = 0;

	for (int i = 0; i < PAGES; i++)
		s += p[i * page_size] + p[i * page_size + page_size - 1];
	return s;
}

static void *helper(void *arg __attribute__((unused)))
{
	long seen = 0;

	if (pin(1) != 0)
		error("pinning the helper thread to CPU 1", 0);
	atomic_store(&helper_ready, 1);
	while (atomic_load(&phase) != PH_DONE) {
		switch (atomic_load(&phase)) {
		case PH_TLB: /* spin in this mm; read each published mapping once */
			if (atomic_load(&seq) != seen) {
				seen = atomic_load(&seq);
				atomic_store(&ack_sum, (long)page_sum(atomic_load(&shared_map)));
				atomic_store(&ack, seen);
			}
			break;
		case PH_WAKE:
			for (long r = 0; r < rounds; r++) {
				await(&ping, r);
				post(&pong, r);
			}
			while (atomic_load(&phase) == PH_WAKE)
				;
			break;
		default: /* PH_BARRIER: keep running on CPU 1 so each barrier needs an IPI */
			break;
		}
	}
	if (sched_getcpu() != 1)
		error("the helper thread left CPU 1", 0);
	return NULL;
}

/* Returns 1 when the round went through without an error. */
static int tlb_round(long r)
{
	size_t len = (size_t)(PAGES * page_size);
	unsigned char *p =
		mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long want = 0;

	long before = atomic_load(&errors);

	if (p == MAP_FAILED) {
		error("mmap", r);
		return 0;
	}
	for (int i = 0; i < PAGES; i++) {
		p[i * page_size] = (unsigned char)(r + i);
		p[i * page_size + page_size - 1] = (unsigned char)(r * 3 + i);
	}
	want = page_sum(p);
	atomic_store(&shared_map, p);
	atomic_store(&seq, r + 1);
	while (atomic_load(&ack) != r + 1)
		;
	if ((unsigned long)atomic_load(&ack_sum) != want)
		error("CPU 1 read other data than CPU 0 wrote", r);
	if (mprotect(p, len, PROT_READ) != 0)
		error("mprotect read-only", r);
	if (page_sum(p) != want)
		error("data changed under mprotect", r);
	if (mprotect(p, len, PROT_READ | PROT_WRITE) != 0)
		error("mprotect read-write", r);
	p[0]++;
	if (munmap(p, len) != 0)
		error("munmap", r);
	return atomic_load(&errors) == before;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t th;
	long t0, r, tlb = 0, wake = 0, barrier = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rounds = argc == 2 ? strtol(argv[1], NULL, 0) : 0;
	if (rounds <= 0) {
		fprintf(stderr, "usage: hvload ROUNDS\n");
		return 2;
	}
	if (cpus < 2) {
		printf("LINUX-WORKLOAD hvload: error: needs 2 online CPUs, has %ld\n", cpus);
		return 1;
	}
	alarm(ALARM_SECONDS);
	page_size = sysconf(_SC_PAGESIZE);
	t0 = now_ms();
	if (pin(0) != 0)
		error("pinning the main thread to CPU 0", 0);
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0)
		error("membarrier register", 0);
	atomic_store(&phase, PH_TLB);
	if (pthread_create(&th, NULL, helper, NULL) != 0) {
		error("pthread_create", 0);
		return 1;
	}
	while (!atomic_load(&helper_ready))
		;
	for (r = 0; r < rounds; r++)
		tlb += tlb_round(r);
	atomic_store(&phase, PH_WAKE);
	for (r = 0; r < rounds; r++) {
		post(&ping, r);
		await(&pong, r);
		wake++;
	}
	atomic_store(&phase, PH_BARRIER);
	for (r = 0; r < rounds; r++)
		if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
			error("membarrier", r);
		else
			barrier++;
	atomic_store(&phase, PH_DONE);
	pthread_join(th, NULL);
	if (sched_getcpu() != 0)
		error("the main thread left CPU 0", 0);
	printf("LINUX-WORKLOAD hvload: cpus=%ld rounds=%ld tlb=%ld wake=%ld barrier=%ld errors=%ld "
	       "ms=%ld\n",
	       cpus, rounds, tlb, wake, barrier, atomic_load(&errors), now_ms() - t0);
	return atomic_load(&errors) ? 1 : 0;
}
