/* SPDX-License-Identifier: MIT */
/*
 * The instruction-counting build (make COUNT_INSNS=1; `make bench` runs it): the exit path
 * single-steps itself (arch/x86/vmx_run.S count_on/count_off) and each #DB adds one to
 * insn_count, so a benchmark reads the exact number of hypervisor instructions per
 * operation instead of emulated time. Nothing of this exists in the normal build.
 */
#ifndef ARCH_X86_INSN_COUNT_H
#define ARCH_X86_INSN_COUNT_H

#include "lib/types.h"

#ifdef VTLV_COUNT_INSNS
extern u64 insn_count;
/* The counts of the last 16 exits (each without its VMRESUME, with count_off's extra),
 * and the value of insn_count where each began; insn_ring_next is where the next goes
 * (mod 16). */
extern u64 insn_ring[16];
extern u64 insn_ring_start[16];
extern u32 insn_ring_next;
/* Where each counted instruction went next (the #DB frame's RIP), at insn_count's value
 * before it, mod INSN_TRACE_SIZE: an exit's trace is [start, start + count) of the ring. */
#define INSN_TRACE_SIZE 65536
extern u64 insn_trace[INSN_TRACE_SIZE];
void insn_count_db(void);
/* insn_trace=1 (boot/config.c): prints the traces of the four exits before this one to
 * the log, for tools/insn-profile.sh (arch/x86/insn_trace.c); otherwise nothing. */
void insn_trace_dump(void);
/* Counting off (RFLAGS.TF clear) until insn_count_resume(flags) puts TF back as it was. */
static inline u64 insn_count_pause(void)
{
	u64 flags;

	__asm__ volatile("pushfq; movq (%%rsp), %0; andq $~0x100, (%%rsp); popfq"
			 : "=r"(flags)::"memory", "cc");
	return flags;
}
static inline void insn_count_resume(u64 flags)
{
	if (flags & 0x100)
		__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq" ::: "memory", "cc");
}
/* What count_off itself adds per exit (its PUSHF, AND and, if it traps, POPF: SDM vol.3
 * 18.3.1.4 leaves open whether the POPF that clears TF traps; emulators differ), measured
 * on this CPU with counting paused: inside a counted exit (exit_cpuid) the first load, the
 * PUSHF, OR and POPF that set TF would trap too and the result would be 4 too high. */
static inline u64 insn_count_overhead(void)
{
	u64 flags = insn_count_pause(), before, n;

	before = __atomic_load_n(&insn_count, __ATOMIC_RELAXED);
	__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
			 "pushfq; andq $~0x100, (%%rsp); popfq" ::
				 : "memory", "cc");
	n = __atomic_load_n(&insn_count, __ATOMIC_RELAXED) - before;
	insn_count_resume(flags);
	return n;
}
#define INSN_COUNTING 1
#else
#define INSN_COUNTING 0
#endif

#endif
