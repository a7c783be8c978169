/* SPDX-License-Identifier: MIT */
/*
 * The counting build's RIP traces (arch/x86/insn_count.h), printed with insn_trace=1 when
 * the guest reads CPUID 0x40000102 subleaf 2 (exit_cpuid.c; tests/guests/bench.c does so
 * once per BENCH row, in order). For tools/insn-profile.sh, in the log:
 *
 *	ITRACE <dump> exit -<b> len <n> lost <m>   the b-th exit before the read (-1: the last)
 *	ITR <token> ...                            its trace, oldest first
 *	ITRACE <dump> end
 *
 * <dump> counts the reads from 0. n is the exit's count (insn_ring: with count_off's
 * extra, without its VMRESUME), so the trace has n entries, each the RIP after one counted
 * instruction (the #DB frame's). An exit's first token is that RIP in hex, each next one
 * its difference to the entry before (signed hex), "d*k" k equal differences in a row
 * (0*k: the iterations of a REP string instruction, each single-stepped). m: the first m
 * entries were overwritten (an exit longer than the ring) and are not printed.
 * Nothing of this exists in the normal build.
 */
#ifdef VTLV_COUNT_INSNS
#define LOG_MODULE "itrace"
#include "arch/x86/core.h"
#include "arch/x86/insn_count.h"
#include "boot/bootinfo.h"
#include "lib/log.h"
#include "lib/printf.h"

/* Token characters per line: with "[I cpu0 itrace] ITR " well under LOG_LINE_MAX. */
#define ITRACE_LINE 180

/* The reads so far. Owned by the one CPU the bench runs on (as insn_count is). */
static u32 itrace_dumps;

struct itrace_line {
	char buf[ITRACE_LINE + 48];
	u32 at;
};

static void itrace_flush(struct itrace_line *l)
{
	if (l->at)
		pr_info("ITR %s\n", l->buf);
	l->at = 0;
}

/* One difference d, k times in a row. */
static void itrace_token(struct itrace_line *l, u64 d, u64 k)
{
	bool neg = (s64)d < 0;
	char rep[24] = "";

	if (k > 1)
		snprintf(rep, sizeof(rep), "*%llu", (unsigned long long)k);
	l->at += (u32)snprintf(l->buf + l->at, sizeof(l->buf) - l->at, "%s%s%llx%s",
			       l->at ? " " : "", neg ? "-" : "", (unsigned long long)(neg ? -d : d),
			       rep);
	if (l->at >= ITRACE_LINE)
		itrace_flush(l);
}

static void itrace_exit(u32 dump, u32 back, u64 now)
{
	u32 i = (insn_ring_next - back) % 16;
	u64 start = insn_ring_start[i], len = insn_ring[i], lost = 0, prev, d = 0, k = 0;
	struct itrace_line l = { .at = 0 };

	/* Entry p is still there while no later count reused its slot: p >= now - size. */
	if (now > INSN_TRACE_SIZE && start < now - INSN_TRACE_SIZE)
		lost = MIN(now - INSN_TRACE_SIZE - start, len);
	pr_info("ITRACE %u exit -%u len %llu lost %llu\n", dump, back, (unsigned long long)len,
		(unsigned long long)lost);
	if (lost == len)
		return;
	prev = insn_trace[(start + lost) % INSN_TRACE_SIZE];
	l.at = (u32)snprintf(l.buf, sizeof(l.buf), "%llx", (unsigned long long)prev);
	for (u64 p = start + lost + 1; p < start + len; p++) {
		u64 rip = insn_trace[p % INSN_TRACE_SIZE];

		if (k && rip - prev == d) {
			k++;
		} else {
			if (k)
				itrace_token(&l, d, k);
			d = rip - prev;
			k = 1;
		}
		prev = rip;
	}
	if (k)
		itrace_token(&l, d, k);
	itrace_flush(&l);
}

void insn_trace_dump(void)
{
	u64 flags, now;
	u32 dump;

	if (!core.bi->config.insn_trace)
		return;
	flags = insn_count_pause(); /* the printing is neither counted nor traced */
	now = __atomic_load_n(&insn_count, __ATOMIC_RELAXED);
	dump = itrace_dumps++;
	for (u32 back = 4; back >= 1; back--)
		itrace_exit(dump, back, now);
	pr_info("ITRACE %u end\n", dump);
	insn_count_resume(flags);
}
#endif
