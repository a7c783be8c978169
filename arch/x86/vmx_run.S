/*
 * int vmx_run(struct vcpu_regs *regs, int launched)
 *
 * Saves the host's callee-saved registers, points HOST_RSP at them (once: the frame stays
 * while the guest runs), loads the guest GPRs and enters the guest. A VM exit lands in
 * vmx_exit_stub (HOST_RIP) with RSP = HOST_RSP and stores the guest GPRs in regs (the
 * first member of struct vcpu). The exit path never unwinds to C; it is:
 *
 *  - the common case, here: an exit reason with a row in vmexit_fns, the VP's
 *    fast_exits_left not used up: count the exit, call the handler, announce the entry
 *    (in_guest = 1) and, when the VP's work word and timer deadline are both 0, resume;
 *  - vcpu_exit(v) for every other exit: the same steps in C, plus the first exit, the
 *    debug console's polls and per-exit timing, entry failures (arch/x86/vmexit.c);
 *  - vcpu_entry_slow(v) when there is work before the entry (kicks, NMIs, flushes,
 *    interrupts to inject, timers, an idle guest).
 *
 * The two must do what vcpu_exit does for the same exit; the unit tests run vcpu_exit.
 * vmx_run returns vcpu_exit's value when it is not 0, or -1 / -2 when an entry fails (SDM
 * vol.3 31.2 VMfailInvalid / VMfailValid; regs untouched by that entry). From the exit
 * stub on, the host's callee-saved registers are free: vmx_run restores them from its
 * frame when it returns. %rbx holds the vcpu and %r12 the exit reason across the calls.
 */
#include "arch/x86/vcpu_layout.h"

#define VMCS_HOST_RSP 0x6c14
#define R(n) (8 * (n))

/*
 * The instruction-counting build (make COUNT_INSNS=1, for `make bench`: docs/PERFORMANCE.md)
 * single-steps the host from each exit to the next entry: RFLAGS.TF on at the top of the
 * exit stub, off just before VMRESUME/VMLAUNCH, and every instruction in between traps to
 * insn_count_db (SDM vol.3 18.3.1.4: the trap comes after each instruction that began with
 * TF set). Counted per exit: the path without its VMRESUME, plus what count_off's PUSHF,
 * AND and POPF add (insn_count_overhead() measures it). Each exit's own count also goes
 * into a ring of the last 16 (insn_ring), and its first count into insn_ring_start, outside
 * the counted part: its trace (insn_count_db) is insn_trace[start .. start + count). Empty
 * otherwise.
 */
.macro count_on
#ifdef VTLV_COUNT_INSNS
	push %rax
	mov insn_count(%rip), %rax
	mov %rax, insn_exit_start(%rip)
	pop %rax
	pushfq
	orq $0x100, (%rsp)
	popfq
#endif
.endm
.macro count_off
#ifdef VTLV_COUNT_INSNS
	pushfq
	andq $~0x100, (%rsp)
	popfq
	pushfq				/* the guest's RAX, RCX and flags are loaded already */
	push %rax
	push %rcx
	mov insn_count(%rip), %rax
	sub insn_exit_start(%rip), %rax
	mov insn_ring_next(%rip), %ecx
	and $15, %ecx
	mov %rax, insn_ring(,%rcx,8)
	mov insn_exit_start(%rip), %rax
	mov %rax, insn_ring_start(,%rcx,8)
	incl insn_ring_next(%rip)
	pop %rcx
	pop %rax
	popfq
#endif
.endm

/* Guest GPRs from regs (%rdi); %rdi last. */
.macro load_guest_gprs
	mov R(0)(%rdi), %rax
	mov R(1)(%rdi), %rcx
	mov R(2)(%rdi), %rdx
	mov R(3)(%rdi), %rbx
	mov R(5)(%rdi), %rbp
	mov R(6)(%rdi), %rsi
	mov R(8)(%rdi), %r8
	mov R(9)(%rdi), %r9
	mov R(10)(%rdi), %r10
	mov R(11)(%rdi), %r11
	mov R(12)(%rdi), %r12
	mov R(13)(%rdi), %r13
	mov R(14)(%rdi), %r14
	mov R(15)(%rdi), %r15
	mov R(7)(%rdi), %rdi
.endm

	.text
	.globl vmx_run, vmx_exit_stub
vmx_run:
	push %rbp
	mov %rsp, %rbp			/* the frame the exit stub links its calls to */
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi			/* regs, found again at [HOST_RSP] on exit */
	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe .Lfail
	test %esi, %esi			/* flags survive the MOVs below */
	load_guest_gprs
	count_off			/* vmx_run is called again after a stop: still counting */
	jnz 1f
	vmlaunch
	jmp .Lfail
1:	vmresume
.Lfail:
	mov $-1, %eax
	mov $-2, %ecx
	cmovz %ecx, %eax		/* ZF: VMfailValid; CF: VMfailInvalid */
	add $8, %rsp
	jmp .Lout

vmx_exit_stub:
	count_on
	push %rdi
	mov 8(%rsp), %rdi
	mov %rax, R(0)(%rdi)
	mov %rcx, R(1)(%rdi)
	mov %rdx, R(2)(%rdi)
	mov %rbx, R(3)(%rdi)
	mov %rbp, R(5)(%rdi)
	mov %rsi, R(6)(%rdi)
	mov %r8, R(8)(%rdi)
	mov %r9, R(9)(%rdi)
	mov %r10, R(10)(%rdi)
	mov %r11, R(11)(%rdi)
	mov %r12, R(12)(%rdi)
	mov %r13, R(13)(%rdi)
	mov %r14, R(14)(%rdi)
	mov %r15, R(15)(%rdi)
	pop %rax
	mov %rax, R(7)(%rdi)
	/* RSP = HOST_RSP, 16-byte aligned (the call into vmx_run left it 8 off, seven pushes).
	 * RBP back to vmx_run's frame (six pushes above): backtraces from the exit path walk
	 * into vcpu_run_loop, never through the guest's RBP. */
	lea 48(%rsp), %rbp
	mov %rdi, %rbx
	movl $0, VCPU_IN_GUEST(%rdi)	/* a release store is a plain MOV on x86 */
	mov $VCPU_VMCS_EXIT_REASON, %eax
	vmread %rax, %rax
	/* SDM vol.3 28.2.1: bit 31 set (a failed entry) is above the table too. */
	cmp $VCPU_EXIT_REASON_MAX, %eax
	jae .Lexit_slow
	decl VCPU_FAST_EXITS_LEFT(%rdi)
	js .Lexit_slow
	incq VCPU_EXITS(%rdi)
	incq VCPU_EXIT_COUNT(%rdi,%rax,8)
	mov %eax, %r12d
	call *vmexit_fns(,%rax,8)
	test %eax, %eax
	jnz .Lunhandled
	/* The entry: announce it with a full barrier (XCHG), then look at the work that
	 * other CPUs post before they look at in_guest (Dekker: vcpu.h, union vcpu_work). */
	mov $1, %eax
	xchg %eax, VCPU_IN_GUEST(%rbx)
	mov VCPU_WORK(%rbx), %rax
	or VCPU_TIMER_DEADLINE(%rbx), %rax
	jnz .Lentry_slow
.Lresume:
	mov %rbx, %rdi
	load_guest_gprs
	count_off
	vmresume
	jmp .Lfail			/* flags as VMRESUME left them */

.Lentry_slow:
	mov %rbx, %rdi
	call vcpu_entry_slow		/* VCPU_ENTER_RESUME or VCPU_ENTER_LAUNCH */
	test %eax, %eax
	jz .Lresume
.Llaunch:				/* a VTL's VMCS, entered for the first time */
	mov %rbx, %rdi
	load_guest_gprs
	count_off
	vmlaunch
	jmp .Lfail
.Lexit_slow:
	call vcpu_exit			/* %rdi = v; the entry prepared */
	test %eax, %eax
	jz .Lresume
	cmp $VCPU_ENTER_LAUNCH, %eax
	je .Llaunch
	add $8, %rsp
	jmp .Lout
.Lunhandled:
	mov %rbx, %rdi
	mov %r12d, %esi
	call vcpu_exit_unhandled	/* does not return */
	ud2
.Lout:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

#ifdef VTLV_COUNT_INSNS
/* Vector 1 (#DB) in the counting build: one more instruction, and where it went next: the
 * frame's RIP (SDM vol.3 6.14.2: a trap-class #DB, no error code, RIP at 0(%rsp) on entry)
 * into insn_trace at the count before this one, mod 65536 (tools/insn-profile.sh reads the
 * traces). RAX and RCX are saved; IRETQ restores RFLAGS. One counter for all CPUs: the
 * bench runs on one. */
	.globl insn_count_db, insn_count, insn_ring, insn_ring_start, insn_ring_next, insn_trace
	.balign 16
insn_count_db:
	push %rax
	push %rcx
	mov $1, %eax
	lock xadd %rax, insn_count(%rip)
	movzwl %ax, %eax
	mov 16(%rsp), %rcx
	mov %rcx, insn_trace(,%rax,8)
	pop %rcx
	pop %rax
	iretq
	.data
	.balign 8
insn_count:
	.quad 0
insn_exit_start:
	.quad 0
insn_ring:
	.fill 16, 8, 0
insn_ring_start:
	.fill 16, 8, 0
insn_ring_next:
	.long 0
	.bss
	.balign 8
insn_trace:
	.skip 65536 * 8
#endif
	.section .note.GNU-stack, "", @progbits
