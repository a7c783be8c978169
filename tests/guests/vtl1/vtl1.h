/* SPDX-License-Identifier: MIT */
/*
 * Inside the VTL1 test image: a freestanding, position-independent program with no
 * writable globals (every piece of state is in the mailbox slot of the VP it runs on).
 * Every symbol is hidden, so code reaches data and functions RIP-relative: the linked
 * image carries no relocation and runs wherever VTL0 copies it.
 */
#ifndef TESTS_GUESTS_VTL1_VTL1_H
#define TESTS_GUESTS_VTL1_VTL1_H

#pragma GCC visibility push(hidden)

#include "lib/types.h"
#include "tests/guests/vtl1/vtl1_abi.h"

/* Synthetic MSRs (reference 2.1); the first three are private to each VTL (3.7). */
#define HV_MSR_GUEST_OS_ID 0x40000000u
#define HV_MSR_HYPERCALL 0x40000001u
#define HV_MSR_VP_INDEX 0x40000002u
#define HV_MSR_VP_ASSIST_PAGE 0x40000073u

/* VP assist page (reference 3.5). */
#define ASSIST_ENTRY_REASON 0x08
#define ASSIST_RET_RAX 0x10
#define ASSIST_RET_RCX 0x18

#define RFLAGS_IF (1ull << 9)
#define HV_REG_RIP 0x00020010u /* GetVpRegisters name (reference 3.3) */

static inline u64 vtl1_rflags(void)
{
	u64 v;

	__asm__ volatile("pushfq\n\tpop %0" : "=r"(v));
	return v;
}

/* Exception frame built by entry.S: the pushed GPRs, the stub's vector and error code,
 * then the CPU's frame (SDM vol. 3 6.14.2). */
struct vtl1_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rdi, rsi, rbp, rbx, rdx, rcx, rax;
	u64 vec, err, rip, cs, rflags, rsp, ss;
};

/* entry.S */
extern char vtl1_base[];       /* the region base: image offset 0 */
extern char vtl1_own_return[]; /* a VtlReturn stub of the image's own (fallback) */
/* VTL1_CMD_REFLECT's loop (entry.S): fast returns through target, (*counter)++ after each
 * call back, until *cmd is no longer VTL1_CMD_REFLECT. */
void vtl1_reflect(volatile u32 *cmd, u64 target, u64 *counter);

/* main.c: called by entry.S at each entry; returns the slot for the return path. */
struct vtl1_cpu *vtl1_enter(u64 *gprs);
/* exception.c: 0 to resume at frame->rip, else the slot to return to VTL0 with. */
struct vtl1_cpu *vtl1_exception(struct vtl1_frame *f);
/* irq.c: the interrupt handler (entry.S; f->vec is the vector, f->err 0). */
void vtl1_interrupt(struct vtl1_frame *f);
/* irq.c: an entry with EntryReason 2: the slot for a normal return. */
struct vtl1_cpu *vtl1_irq_entry(struct vtl1_cpu *c, const u64 *gprs);
/* irq.c: the APIC commands (VTL1_CMD_APIC_SETUP .. VTL1_CMD_SET_IF); false if cmd is none. */
bool vtl1_apic_command(struct vtl1_cpu *c);

/* The slot of the VP whose stack holds addr; NULL when addr is on no VTL1 stack. */
struct vtl1_cpu *vtl1_cpu_of(u64 addr);
static inline u64 vtl1_region(u64 off)
{
	return (u64)vtl1_base + off;
}
static inline struct vtl1_mailbox *vtl1_mailbox(void)
{
	return (struct vtl1_mailbox *)vtl1_region(VTL1_OFF_MAILBOX);
}
static inline volatile u8 *vtl1_assist(u32 vp)
{
	return (volatile u8 *)vtl1_region(VTL1_OFF_ASSIST + 0x1000ull * vp);
}

/* prot.c: the protection commands (prot_abi.h); false if cmd is none of them. */
bool vtl1_prot_command(struct vtl1_cpu *c);

/* cmd.c */
void vtl1_run_command(struct vtl1_cpu *c);
/* Faulting MSR accesses resume (c->recover) and return false. */
bool vtl1_try_rdmsr(struct vtl1_cpu *c, u32 msr, u64 *val);
bool vtl1_try_wrmsr(struct vtl1_cpu *c, u32 msr, u64 val);
/* CALL target (a stub of VTL1's hypercall page) with RCX, RDX, R8; RAX back. */
u64 vtl1_call_page(u64 target, u64 rcx, u64 rdx, u64 r8);
/* GetVpRegisters of one name (memory form, VP SELF), its input at io and its output at io +
 * 0x1000 in this VP's I/O area: VTL1_CMD_IO for commands, VTL1_IRQ_IO (the upper halves) for
 * the interrupt handler, which must not touch what a command it interrupted uses. RAX back. */
#define VTL1_CMD_IO 0x0
#define VTL1_IRQ_IO 0x800
u64 vtl1_get_reg(struct vtl1_cpu *c, u32 io, u32 name, u8 input_vtl, u64 *val);
/* SetVpRegisters (memory form, VP SELF) of n <= 4 names and 64-bit values at input_vtl, in
 * this VP's I/O area at io. RAX back. */
u64 vtl1_set_regs(struct vtl1_cpu *c, u32 io, u8 input_vtl, const u32 *names, const u64 *lo,
		  const u64 *hi, u32 n);
/* intercept.c: VTL1's SINT0 handler (a secure intercept message), and ICPT_SET/ICPT_GET
 * (false if cmd is neither). */
void vtl1_intercept(struct vtl1_cpu *c);
bool vtl1_icpt_command(struct vtl1_cpu *c);
/* HvCallSendSyntheticClusterIpi (reference 1.7): fast (register) form, or memory form in
 * this VP's I/O area at io. RAX back. */
u64 vtl1_cluster_ipi(struct vtl1_cpu *c, u32 io, u32 vector, u8 input_vtl, u64 mask, bool fast);

#pragma GCC visibility pop

#endif
