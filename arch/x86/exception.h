/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_EXCEPTION_H
#define ARCH_X86_EXCEPTION_H

#include "lib/types.h"

/* What exception_stubs.S pushes, lowest address first. */
struct exception_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rdi, rsi, rbp, rbx, rdx, rcx, rax;
	u64 vector, errcode;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct exception_frame) == 22 * 8, "exception_stubs.S frame");

void exception_handler(struct exception_frame *f);
int msr_read_safe(u32 msr, u64 *val);
int msr_write_safe(u32 msr, u64 val);
/* Halts this CPU for good (root mode, interrupts off); NMIs are taken and ignored. */
__attribute__((noreturn)) void cpu_halt_forever(void);
/* Halts until *word != 0; an NMI is the wake-up (exception_stubs.S). */
void cpu_wait_nonzero(volatile u8 *byte);
/* Ends the NMI blocking an NMI-induced VM exit leaves behind (exception_stubs.S). */
void cpu_unblock_nmi(void);
/* Writes the last lines of the log ring to the console (panic/stop reports). */
void log_dump_tail(unsigned lines);
/* Prints the rbp-chain return addresses, for tools/symbolize.sh. */
void backtrace_print(u64 rbp);

#endif
