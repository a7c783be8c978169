/*
 * Host exception entry (SDM vol.3 6.14). Every vector pushes an error code (a dummy 0 when
 * the CPU does not), then its number, then the GPRs, and calls exception_handler(frame).
 */
	.text
.macro STUB v
	.balign 16
stub_\v:
	.if !((\v == 8) || (\v == 10) || (\v == 11) || (\v == 12) || (\v == 13) || (\v == 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
	pushq $0
	.endif
	pushq $\v
	jmp exception_common
.endm
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \v
	.endr

	.globl exception_stub_spurious
	.balign 16
exception_stub_spurious:
	pushq $0
	pushq $255
	jmp exception_common

exception_common:
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
	mov %rsp, %rbx
	and $-16, %rsp
	call exception_handler
	mov %rbx, %rsp
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

	.section .rodata
	.globl exception_stubs
	.balign 8
exception_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad stub_\v
	.endr

/*
 * int msr_read_safe(u32 msr, u64 *val) / int msr_write_safe(u32 msr, u64 val):
 * 0, or -EFAULT (-14) when the instruction faults (#GP): the fault handler finds the
 * instruction in .ex_table and resumes at its fixup.
 */
	.text
	.globl msr_read_safe, msr_write_safe
msr_read_safe:
	mov %edi, %ecx
1:	rdmsr
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, (%rsi)
	xor %eax, %eax
	ret
2:	mov $-14, %eax
	ret
msr_write_safe:
	mov %edi, %ecx
	mov %esi, %eax
	mov %rsi, %rdx
	shr $32, %rdx
3:	wrmsr
	xor %eax, %eax
	ret
4:	mov $-14, %eax
	ret
	.section .ex_table, "a"
	.quad 1b, 2b
	.quad 3b, 4b
	.section .note.GNU-stack, "", @progbits

/*
 * void vcpu_park_wait(volatile s32 *vector): halts until *vector >= 0. The waker stores the
 * vector, then sends an NMI. An NMI that lands between the check and the HLT would be lost
 * and the CPU would sleep for good, so the NMI handler moves an interrupted RIP inside
 * [park_window_start, park_window_end] back to park_window_start (exception.c).
 */
	.text
	.globl vcpu_park_wait, cpu_wait_nonzero, park_window_start, park_window_end
vcpu_park_wait:
park_window_start:
	movl (%rdi), %eax
	testl %eax, %eax
	jns 1f
	hlt
park_window_end:
	jmp park_window_start
1:	ret

/* void cpu_wait_nonzero(volatile u8 *byte): halts until *byte != 0; same NMI rule. */
cpu_wait_nonzero:
	.globl wait_window_start, wait_window_end
wait_window_start:
	movzbl (%rdi), %eax
	testl %eax, %eax
	jnz 1f
	hlt
wait_window_end:
	jmp wait_window_start
1:	ret
	.section .note.GNU-stack, "", @progbits

/*
 * void cpu_unblock_nmi(void): an NMI that causes a VM exit leaves NMIs blocked until the
 * next IRET (SDM vol.3 27.5.5 / 6.7.1). IRET to ourselves to open them again.
 */
	.text
	.globl cpu_unblock_nmi
cpu_unblock_nmi:
	mov %rsp, %rax
	mov %ss, %ecx
	push %rcx
	push %rax
	pushfq
	mov %cs, %ecx
	push %rcx
	lea 1f(%rip), %rax
	push %rax
	iretq
1:	ret
	.section .note.GNU-stack, "", @progbits
