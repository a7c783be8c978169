/* SPDX-License-Identifier: MIT */
/*
 * void vsm_vtl_call(struct vsm_regs *r, u64 target)   (tests/guests/vsm.h)
 *
 * Every GPR but RSP is shared between VTLs (reference 3.7), so a VTL call is also a way to
 * pass all of them: this loads r->in (RAX and RCX included: the stub moves RCX, the input,
 * to RAX), CALLs the stub, and stores every GPR it comes back with into r->out, with RSP
 * and RFLAGS before and after. System V ABI: RBX, RBP, R12-R15 are restored.
 */
#define R_IN 0
#define R_OUT 128
#define R_RSP_BEFORE 256
#define R_RFLAGS_BEFORE 264
#define R_RFLAGS_AFTER 272

	.text
	.globl vsm_vtl_call
vsm_vtl_call:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi /* r, at 8(%rsp) */
	push %rsi /* the target, at (%rsp) */
	pushfq
	pop %rax
	mov %rax, R_RFLAGS_BEFORE(%rdi)
	mov %rsp, R_RSP_BEFORE(%rdi)
	mov R_IN + 0 * 8(%rdi), %rax
	mov R_IN + 1 * 8(%rdi), %rcx
	mov R_IN + 2 * 8(%rdi), %rdx
	mov R_IN + 3 * 8(%rdi), %rbx
	mov R_IN + 5 * 8(%rdi), %rbp
	mov R_IN + 6 * 8(%rdi), %rsi
	mov R_IN + 8 * 8(%rdi), %r8
	mov R_IN + 9 * 8(%rdi), %r9
	mov R_IN + 10 * 8(%rdi), %r10
	mov R_IN + 11 * 8(%rdi), %r11
	mov R_IN + 12 * 8(%rdi), %r12
	mov R_IN + 13 * 8(%rdi), %r13
	mov R_IN + 14 * 8(%rdi), %r14
	mov R_IN + 15 * 8(%rdi), %r15
	mov R_IN + 7 * 8(%rdi), %rdi
	call *(%rsp)
	xchg %rdi, 8(%rsp) /* RDI = r; the slot keeps RDI as it came back */
	mov %rax, R_OUT + 0 * 8(%rdi)
	mov %rcx, R_OUT + 1 * 8(%rdi)
	mov %rdx, R_OUT + 2 * 8(%rdi)
	mov %rbx, R_OUT + 3 * 8(%rdi)
	mov %rsp, R_OUT + 4 * 8(%rdi)
	mov %rbp, R_OUT + 5 * 8(%rdi)
	mov %rsi, R_OUT + 6 * 8(%rdi)
	mov %r8, R_OUT + 8 * 8(%rdi)
	mov %r9, R_OUT + 9 * 8(%rdi)
	mov %r10, R_OUT + 10 * 8(%rdi)
	mov %r11, R_OUT + 11 * 8(%rdi)
	mov %r12, R_OUT + 12 * 8(%rdi)
	mov %r13, R_OUT + 13 * 8(%rdi)
	mov %r14, R_OUT + 14 * 8(%rdi)
	mov %r15, R_OUT + 15 * 8(%rdi)
	pushfq
	pop %rax
	mov %rax, R_RFLAGS_AFTER(%rdi)
	mov 8(%rsp), %rax
	mov %rax, R_OUT + 7 * 8(%rdi)
	add $16, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/*
 * void vsm_spin(struct vsm_spin *s)   (tests/guests/vsm.h)
 *
 * VTL0 spinning with known registers while an interrupt for VTL1 preempts it: the loop
 * touches only RDI (the watched address), RSI (its start value) and RBP (the budget), so
 * every other GPR must come back as loaded, whatever happened in between.
 */
#define S_IN 0
#define S_OUT 128
#define S_WATCH 256
#define S_START 264
#define S_BUDGET 272
#define S_STI 280
#define S_RFLAGS_BEFORE 288
#define S_RFLAGS_AFTER 296
#define S_SPINNING 304

	.globl vsm_spin
vsm_spin:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi /* s, at (%rsp) */
	pushfq
	pop %rax
	mov %rax, S_RFLAGS_BEFORE(%rdi)
	/* A spin with IF set: VTL0 interrupts already waiting (the hypervisor queues those that
	 * arrive while VTL1 runs, and injects them when VTL0 next allows: at the STI below)
	 * come in here first, before the known registers are loaded, not inside the spin,
	 * where their handler's registers would be the ones VTL1 sees. */
	cmpq $0, S_STI(%rdi)
	je 0f
	sti
	nop
0:	cli
	mov S_IN + 0 * 8(%rdi), %rax
	mov S_IN + 1 * 8(%rdi), %rcx
	mov S_IN + 2 * 8(%rdi), %rdx
	mov S_IN + 3 * 8(%rdi), %rbx
	mov S_IN + 8 * 8(%rdi), %r8
	mov S_IN + 9 * 8(%rdi), %r9
	mov S_IN + 10 * 8(%rdi), %r10
	mov S_IN + 11 * 8(%rdi), %r11
	mov S_IN + 12 * 8(%rdi), %r12
	mov S_IN + 13 * 8(%rdi), %r13
	mov S_IN + 14 * 8(%rdi), %r14
	mov S_IN + 15 * 8(%rdi), %r15
	mov S_START(%rdi), %rsi
	mov S_BUDGET(%rdi), %rbp
	movl $1, S_SPINNING(%rdi)
	cmpq $0, S_STI(%rdi) /* IF only now: nothing may come before the registers are set */
	je 1f
	sti
1:	mov S_WATCH(%rdi), %rdi
2:	pause
	cmp %rsi, (%rdi)
	jne 3f
	dec %rbp
	jnz 2b
3:	xchg %rdi, (%rsp) /* RDI = s; the slot keeps the watched address */
	mov %rax, S_OUT + 0 * 8(%rdi)
	mov %rcx, S_OUT + 1 * 8(%rdi)
	mov %rdx, S_OUT + 2 * 8(%rdi)
	mov %rbx, S_OUT + 3 * 8(%rdi)
	mov %rsp, S_OUT + 4 * 8(%rdi)
	mov %rbp, S_OUT + 5 * 8(%rdi)
	mov %rsi, S_OUT + 6 * 8(%rdi)
	mov %r8, S_OUT + 8 * 8(%rdi)
	mov %r9, S_OUT + 9 * 8(%rdi)
	mov %r10, S_OUT + 10 * 8(%rdi)
	mov %r11, S_OUT + 11 * 8(%rdi)
	mov %r12, S_OUT + 12 * 8(%rdi)
	mov %r13, S_OUT + 13 * 8(%rdi)
	mov %r14, S_OUT + 14 * 8(%rdi)
	mov %r15, S_OUT + 15 * 8(%rdi)
	mov (%rsp), %rax
	mov %rax, S_OUT + 7 * 8(%rdi)
	pushfq
	pop %rax
	mov %rax, S_RFLAGS_AFTER(%rdi)
	movl $0, S_SPINNING(%rdi)
	pushq S_RFLAGS_BEFORE(%rdi)
	popfq
	add $8, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/*
 * void vsm_halt(struct vsm_halt *h)   (tests/guests/vsm.h)
 *
 * VTL0 halted while VTL1 is entered for its own interrupts: each HLT ends only with an
 * interrupt of VTL0's own (reference 3.10), whose handler runs in the STI window. RAX and
 * RCX keep h->rax and h->rcx (VtlReturnX64Rax/Rcx must give them back); RDX, RSI, R8-R10
 * are the loop's.
 */
#define H_WATCH 0
#define H_START 16
#define H_BUDGET 32
#define H_RAX 40
#define H_RCX 48
#define H_RAX_AFTER 56
#define H_RCX_AFTER 64
#define H_HALTS 72
#define H_TSC 80
#define H_TSCS 8

	.globl vsm_halt, vsm_hlt_insn
vsm_halt:
	pushfq
	mov H_RAX(%rdi), %rax
	mov H_RCX(%rdi), %rcx
	xor %r8d, %r8d
	mov H_BUDGET(%rdi), %r9
1:	sti
vsm_hlt_insn:
	hlt
	cli
	mov %rax, %r10
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	cmp $H_TSCS, %r8
	jae 2f
	mov %rax, H_TSC(%rdi, %r8, 8)
2:	mov %r10, %rax
	inc %r8
	mov H_WATCH(%rdi), %rsi
	mov (%rsi), %rsi
	cmp H_START(%rdi), %rsi
	jne 3f
	mov H_WATCH + 8(%rdi), %rsi
	mov (%rsi), %rsi
	cmp H_START + 8(%rdi), %rsi
	jne 3f
	dec %r9
	jnz 1b
3:	mov %rax, H_RAX_AFTER(%rdi)
	mov %rcx, H_RCX_AFTER(%rdi)
	mov %r8, H_HALTS(%rdi)
	popfq
	ret

	.section .note.GNU-stack, "", @progbits
