/* SPDX-License-Identifier: MIT */
/*
 * The VTL1 image's first bytes: its entry, its header, the loop around the VTL return, the
 * exception stubs and a VtlReturn stub of its own.
 *
 * A VP's first VTL call starts here (the initial context of HvCallEnableVpVtl: RIP = image
 * +0, RSP = that VP's stack top, RFLAGS 0x2). Every later VTL call resumes after the VMCALL
 * of this VP's last VtlReturn (reference 3.4), i.e. at the return stub's RET, which comes
 * back into the loop below: so each entry lands at label 1 with RSP = the stack top and
 * the GPRs exactly as VTL0 left them (the shared ones, reference 3.7). They are saved there
 * first, in the TLFS register-name order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8-R15).
 */
#include "tests/guests/vtl1/vtl1_abi.h"

	.section .text.head, "ax"
	.globl vtl1_base, vtl1_own_return
	.hidden vtl1_base, vtl1_own_return, vtl1_enter, vtl1_exception, vtl1_interrupt
vtl1_base:
	jmp vtl1_entry
	.balign 8
	/* struct vtl1_header */
	.long VTL1_MAGIC
	.long VTL1_ABI_VERSION
	.long vtl1_isr_table - vtl1_base
	.long vtl1_irq_table - vtl1_base
	.long vtl1_icpt_stub - vtl1_base
	.long 0

vtl1_entry:
1:	push %r15
	push %r14
	push %r13
	push %r12
	push %r11
	push %r10
	push %r9
	push %r8
	push %rdi
	push %rsi
	push %rbp
	push %rsp /* the value before this push */
	push %rbx
	push %rdx
	push %rcx
	push %rax
	mov %rsp, %rdi
	cld
	call vtl1_enter
	add $128, %rsp

/*
 * RAX = this VP's slot, RSP = its stack top. The return stub's inputs are RCX (0 normal,
 * 1 fast); the other GPRs go back to VTL0 as the slot says (VTL1 leaves them as it found
 * them unless a command sets them). RAX is the base until the CALL has read its target:
 * the stub overwrites it anyway (MOV RAX, RCX; reference 3.6).
 */
vtl1_return_path:
	mov %rsp, VTL1_CPU_RET_RSP(%rax)
	mov VTL1_CPU_RET_GPRS + 2 * 8(%rax), %rdx
	mov VTL1_CPU_RET_GPRS + 3 * 8(%rax), %rbx
	mov VTL1_CPU_RET_GPRS + 5 * 8(%rax), %rbp
	mov VTL1_CPU_RET_GPRS + 6 * 8(%rax), %rsi
	mov VTL1_CPU_RET_GPRS + 7 * 8(%rax), %rdi
	mov VTL1_CPU_RET_GPRS + 8 * 8(%rax), %r8
	mov VTL1_CPU_RET_GPRS + 9 * 8(%rax), %r9
	mov VTL1_CPU_RET_GPRS + 10 * 8(%rax), %r10
	mov VTL1_CPU_RET_GPRS + 11 * 8(%rax), %r11
	mov VTL1_CPU_RET_GPRS + 12 * 8(%rax), %r12
	mov VTL1_CPU_RET_GPRS + 13 * 8(%rax), %r13
	mov VTL1_CPU_RET_GPRS + 14 * 8(%rax), %r14
	mov VTL1_CPU_RET_GPRS + 15 * 8(%rax), %r15
	mov VTL1_CPU_RET_FAST(%rax), %rcx
	call *VTL1_CPU_RET_TARGET(%rax)
	jmp 1b

/* Used when VTL1's hypercall page is not there: the same as the page's return stub. */
/*
 * void vtl1_reflect(volatile u32 *cmd, u64 target, u64 *counter): VTL1_CMD_REFLECT. Its
 * arguments live on VTL1's own stack (every GPR but RSP is VTL0's to change meanwhile);
 * each turn is a fast VtlReturn (RCX = 1) and, once VTL0 calls again, one count.
 */
	.globl vtl1_reflect
	.hidden vtl1_reflect
vtl1_reflect:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	push %rsi
	push %rdx
2:	mov $1, %ecx
	call *8(%rsp)
	mov (%rsp), %rdx
	incq (%rdx)
	mov 16(%rsp), %rax
	cmpl $VTL1_CMD_REFLECT, (%rax)
	je 2b
	add $24, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

vtl1_own_return:
	mov %rcx, %rax
	mov $0x12, %ecx
	vmcall
	ret

/*
 * Exceptions 0-31: each stub pushes an error code when the CPU does not (SDM vol. 3 6.13)
 * and the vector. vtl1_exception decides: resume (a skipped VMCALL, an expected fault) or
 * give up on the command and return to VTL0 from a fresh stack.
 */
	.balign VTL1_ISR_STRIDE
vtl1_isr_table:
	.irp vec, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.balign VTL1_ISR_STRIDE
	.if \vec == 8 || \vec == 10 || \vec == 11 || \vec == 12 || \vec == 13 || \vec == 14 || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30
	.else
	push $0
	.endif
	push $\vec
	jmp vtl1_exc_common
	.endr

vtl1_exc_common:
	push %rax
	push %rcx
	push %rdx
	push %rbx
	push %rbp
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call vtl1_exception
	test %rax, %rax
	jnz 2f
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rbp
	pop %rbx
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp
	iretq
2:	mov VTL1_CPU_STACK_TOP(%rax), %rsp
	jmp vtl1_return_path

/*
 * Interrupts from VTL1's own APIC (VTL1_VEC_FIRST on): the same frame as an exception
 * (error code 0, the vector), every GPR kept, so that one may come anywhere: in a command,
 * in the return path with VTL0's registers loaded, or at the return stub's RET when VTL1
 * is entered for it with IF set (reference 3.4, 3.10).
 */
	.balign VTL1_ISR_STRIDE
vtl1_irq_table:
	.irp vec, VTL1_VEC_TIMER, VTL1_VEC_IPI, VTL1_VEC_XVTL
	.balign VTL1_ISR_STRIDE
	push $0
	push $\vec
	jmp vtl1_irq_common
	.endr

/* VTL1's SINT0 (secure intercept messages, ABI 3): the same path, its own vector. */
	.balign VTL1_ISR_STRIDE
vtl1_icpt_stub:
	push $0
	push $VTL1_VEC_INTERCEPT
	jmp vtl1_irq_common

vtl1_irq_common:
	push %rax
	push %rcx
	push %rdx
	push %rbx
	push %rbp
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call vtl1_interrupt
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rbp
	pop %rbx
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits
