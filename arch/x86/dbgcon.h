/* SPDX-License-Identifier: MIT */
/*
 * The serial debug console (DESIGN.md 7, docs/CONSOLE.md): on the hypervisor's own UART,
 * opened with Ctrl-] Ctrl-]. Input is polled by the console CPU (the BSP) on its exit path,
 * at least every few milliseconds thanks to the VMX-preemption timer; commands run there in
 * root operation while every other VP keeps running. Other VPs are reached with kicks
 * (snapshot, pause, NMI). The commands (dbgcon_cmds.c) see the machine only through
 * struct dbgcon_ops, so they are unit-tested against a fake.
 */
#ifndef ARCH_X86_DBGCON_H
#define ARCH_X86_DBGCON_H

#include "arch/x86/vcpu.h"
#include "mm/pt.h"

struct dbgcon_vp_info {
	u32 index, apic_id, active_vtl;
	const char *
		state; /* "running", "paused", "parked" (INIT, waiting for SIPI), "stopped", "off" */
	u64 exits;
};

struct dbgcon_exit_stat {
	u64 count, cycles;
};

struct dbgcon_ops {
	u32 (*vp_count)(void);
	int (*vp_info)(u32 vp, struct dbgcon_vp_info *out);
	/* A fresh copy of the VP's guest state at that VTL: 0, -ENOENT (no such VP/VTL),
	 * -ESRCH (the VP runs another VTL: only the running one's VMCS can be read),
	 * -EBUSY (the VP cannot answer now: parked or not virtualized), -ETIMEDOUT. */
	int (*vp_regs)(u32 vp, u32 vtl, struct vcpu_snapshot *out);
	u32 (*vtl_count)(void); /* VTLs with an EPT view: 1, 2 once VTL1 is enabled */
	int (*gpa_lookup)(u32 vtl, u64 gpa, u64 *hpa, struct pt_attr *a, unsigned *level);
	int (*gpa_walk)(u32 vtl, u64 start, u64 size, pt_walk_fn fn, void *ctx);
	/* Sums over all VPs since the last reset; names[reason] may be NULL. */
	void (*exit_stats)(struct dbgcon_exit_stat *out, u32 n);
	const char *(*exit_name)(u32 reason);
	void (*hcall_stats)(struct dbgcon_exit_stat *out, u32 n); /* indexed by call code */
	void (*stats_reset)(void);
	size_t (*log_tail)(char *buf, size_t n, unsigned lines);
	int (*log_level)(const char *module,
			 int level); /* module NULL = global; level < 0 = query */
	int (*vp_pause)(u32 vp, bool pause);
	int (*vp_nmi)(u32 vp);
	void (*reboot)(void);
	void (*out)(const char *s, size_t n);
};

/* The console CPU's guest exits at least this often (TSC ticks), see dbgcon.c. */
#define DBGCON_TIMER_TICKS (1ULL << 22)
#define DBGCON_EXIT_REASONS 80
#define DBGCON_HCALL_CODES 256

/* Runs one command line (split in place); prints its output through ops->out. */
void dbgcon_run(const struct dbgcon_ops *ops, char *line);

/* The hypervisor side (dbgcon.c). */
void dbgcon_init(u16 uart_port);
/* The TSC from which the console's CPU polls the UART again (a cheap test per exit). */
extern u64 dbgcon_next_poll;
/* Whether someone is at the console: the exit and hypercall cycle counters run only then. */
extern bool dbgcon_timing;
bool dbgcon_cpu(const struct vcpu *v); /* is v on the console CPU? */
/* Reads the UART and runs commands; rate-limited unless force. Console CPU only. */
void dbgcon_poll(struct vcpu *v, bool force);
bool dbgcon_is_open(void);

#endif
