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
/* The counts of the last 16 exits (each without its VMRESUME, with count_off's extra);
 * insn_ring_next is where the next goes (mod 16). */
extern u64 insn_ring[16];
extern u32 insn_ring_next;
void insn_count_db(void);
/* What count_on/count_off themselves add per exit, measured on this CPU (SDM vol.3
 * 18.3.1.4 leaves open whether the POPF that clears TF traps; emulators differ). */
static inline u64 insn_count_overhead(void)
{
	u64 before = __atomic_load_n(&insn_count, __ATOMIC_RELAXED);
	__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
			 "pushfq; andq $~0x100, (%%rsp); popfq" ::
				 : "memory", "cc");
	return __atomic_load_n(&insn_count, __ATOMIC_RELAXED) - before;
}
#define INSN_COUNTING 1
#else
#define INSN_COUNTING 0
#endif

#endif
