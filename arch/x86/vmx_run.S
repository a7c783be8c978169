/*
 * int vmx_run(struct vcpu_regs *regs, int launched)
 *
 * Saves the host's callee-saved registers, points HOST_RSP at them (once: the frame stays
 * while the guest runs), loads the guest GPRs and enters the guest. A VM exit lands in
 * vmx_exit_stub (HOST_RIP) with RSP = HOST_RSP: the guest GPRs are stored in regs and
 * vcpu_exit(regs) runs on this stack (regs is the first member of struct vcpu). While it
 * returns 0 the guest is resumed at once: the exit path never unwinds to C. vmx_run returns
 * vcpu_exit's value when it is not 0, or -1 / -2 when an entry fails (SDM vol.3 31.2
 * VMfailInvalid / VMfailValid; regs untouched by that entry).
 */
#define VMCS_HOST_RSP 0x6c14
#define R(n) (8 * (n))

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
	call vcpu_exit
	test %eax, %eax
	jnz 2f
	mov (%rsp), %rdi
	load_guest_gprs
	vmresume
	jmp .Lfail			/* flags as VMRESUME left them */
2:	add $8, %rsp
.Lout:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.section .note.GNU-stack, "", @progbits
