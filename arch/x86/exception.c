/* SPDX-License-Identifier: MIT */
/*
 * Exceptions in VMX root mode. The hypervisor itself must never fault: a fault is a bug, so
 * the CPU prints everything about it and halts (the other CPUs and their guests go on).
 * Exceptions: NMIs (they belong to the guest: remembered and injected at the next entry)
 * and faulting instructions listed in .ex_table (safe MSR access).
 */
#define LOG_MODULE "exc"
#include "arch/x86/exception.h"
#include "arch/x86/core.h"
#include "arch/x86/intrin.h"
#include "arch/x86/ksyms.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vcpu.h"
#include "arch/x86/vmexit.h"
#include "drivers/console.h"
#include "lib/log.h"

struct ex_entry {
	u64 insn, fixup;
};
extern const struct ex_entry __ex_table_start[], __ex_table_end[];
extern const u8 park_window_start[], park_window_end[];
extern const u8 wait_window_start[], wait_window_end[];

static const char *const exc_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved 15",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
};

void cpu_halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

void log_dump_tail(unsigned lines)
{
	static char buf[6144]; /* one report at a time: only the stopping CPU writes here */
	size_t n = log_ring_copy_tail(buf, sizeof(buf), lines);

	console_write("---- the last log lines before this report ----\n", 49);
	console_write(buf, n);
	console_write("---- end of the log lines ----\n", 31);
}

void backtrace_print(u64 rbp)
{
	/* Host stacks are in the pool (identity-mapped): follow frames only while they stay
	 * there, so a corrupt chain cannot make the report fault. */
	u64 lo = core.bi ? core.bi->pool_base : 0, hi = core.bi ? lo + core.bi->pool_size : 0;
	for (int i = 0; i < 16 && (rbp & 7) == 0 && rbp >= lo && rbp + 16 <= hi; i++) {
		u64 *frame = (u64 *)rbp;
		u64 off = 0;
		if (!frame[1]) /* the bottom of the stack (entry.S) */
			break;
		const char *fn = ksym_lookup(frame[1], &off);
		pr_err("  backtrace #%d: %#llx <%s+%#llx>\n", i, (unsigned long long)frame[1],
		       fn ? fn : "?", (unsigned long long)off);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void exception_handler(struct exception_frame *f)
{
	if (f->vector == 2) {
		/* An NMI while halted in root is a wake-up: re-check before halting again. */
		if (f->rip >= (u64)(uintptr_t)park_window_start &&
		    f->rip <= (u64)(uintptr_t)park_window_end)
			f->rip = (u64)(uintptr_t)park_window_start;
		if (f->rip >= (u64)(uintptr_t)wait_window_start &&
		    f->rip <= (u64)(uintptr_t)wait_window_end)
			f->rip = (u64)(uintptr_t)wait_window_start;
		/* A kick's NMI or the guest's (arch/x86/vmexit.c, vcpu_kick_nmi): the guest's
		 * is passed on at the VP's next entry. */
		struct vcpu *v = this_cpu()->vcpu;
		if (v && !vcpu_nmi_is_kick(v))
			__atomic_store_n(&v->work.nmi_root, 1, __ATOMIC_RELAXED);
		return;
	}
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == f->rip) {
			f->rip = e->fixup;
			return;
		}
	}
	log_panic_mode();
	u64 off = 0;
	const char *fn = ksym_lookup(f->rip, &off);
	pr_err("HYPERVISOR FAULT on CPU %u: %s (vector %llu, error code %#llx) at RIP %#llx "
	       "<%s+%#llx>\n",
	       this_cpu()->index,
	       f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector] : "spurious interrupt",
	       (unsigned long long)f->vector, (unsigned long long)f->errcode,
	       (unsigned long long)f->rip, fn ? fn : "?", (unsigned long long)off);
	pr_err("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n", (unsigned long long)f->rax,
	       (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	pr_err("  RSI %016llx RDI %016llx RBP %016llx RSP %016llx\n", (unsigned long long)f->rsi,
	       (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->rsp);
	pr_err("  R8  %016llx R9  %016llx R10 %016llx R11 %016llx\n", (unsigned long long)f->r8,
	       (unsigned long long)f->r9, (unsigned long long)f->r10, (unsigned long long)f->r11);
	pr_err("  R12 %016llx R13 %016llx R14 %016llx R15 %016llx\n", (unsigned long long)f->r12,
	       (unsigned long long)f->r13, (unsigned long long)f->r14, (unsigned long long)f->r15);
	pr_err("  CR2 %016llx CR3 %016llx RFLAGS %016llx CS %#llx\n",
	       (unsigned long long)read_cr2(), (unsigned long long)read_cr3(),
	       (unsigned long long)f->rflags, (unsigned long long)f->cs);
	backtrace_print(f->rbp);
	pr_err("CPU %u halted; its guest is stopped (symbolize with tools/symbolize.sh)\n",
	       this_cpu()->index);
	cpu_halt_forever();
}
