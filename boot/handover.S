/*
 * u64 boot_enter_core(struct boot_cpu_args *args, u64 host_cr3, u64 entry)
 *
 * Called on each CPU (SysV ABI) from firmware context. Records where the firmware should
 * resume, switches to the hypervisor's page tables and stack and calls the core. On
 * success the core never returns here: it launches this CPU as a guest at 1: below, with
 * the firmware's own CR3, GDT, IDT and RFLAGS, so to the caller the call returns 0. If
 * the core fails before the launch it returns an error, and we go back to the firmware's
 * page tables and stack and return that error.
 */
	.text
	.globl boot_enter_core
boot_enter_core:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	pushfq
	cli
	mov %rsp, 8(%rdi)		/* resume_rsp: the pushed flags */
	lea 1f(%rip), %rax
	mov %rax, 0(%rdi)		/* resume_rip */
	mov (%rsp), %rax
	mov %rax, 16(%rdi)		/* resume_rflags, with the caller's IF */
	mov %cr3, %rax
	mov %rax, 24(%rdi)		/* guest_cr3 */
	sub $16, %rsp
	sgdt (%rsp)
	movzwl (%rsp), %eax
	mov %ax, 32(%rdi)
	mov 2(%rsp), %rax
	mov %rax, 40(%rdi)
	sidt (%rsp)
	movzwl (%rsp), %eax
	mov %ax, 48(%rdi)
	mov 2(%rsp), %rax
	mov %rax, 56(%rdi)
	add $16, %rsp
	mov %rdi, %r12			/* args: callee-saved across the core */
	mov %rsi, %cr3
	mov 72(%rdi), %rsp		/* stack_top */
	call *%rdx			/* core entry(args): returns only on failure */
	mov 24(%r12), %rcx
	mov %rcx, %cr3
	mov 8(%r12), %rsp
	jmp 2f
1:	/* The firmware resumes here as a guest of the hypervisor. */
	xor %eax, %eax
2:	popfq
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.section .note.GNU-stack, "", @progbits
