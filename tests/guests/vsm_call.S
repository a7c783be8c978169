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

	.section .note.GNU-stack, "", @progbits
