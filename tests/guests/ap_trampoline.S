/* SPDX-License-Identifier: MIT */
/*
 * Real-mode AP trampoline, copied to a page below 1 MiB. A started AP executes it at
 * CS = page >> 4, IP = 0 in real mode: everything is addressed relative to CS. It records
 * CPUID leaf 1, then the magic, then counts itself, and halts with interrupts off.
 *
 * ap_start_vp_entry: the 64-bit routine HvCallStartVirtualProcessor starts a parked AP at
 * (ap_restart.c), in place in the image. It records what it was entered with and who it
 * is into ap_start_vp_block, then the magic, then counts itself, and halts likewise.
 */
#include "tests/guests/ap_trampoline.h"

	.section .rodata.ap_trampoline, "a"
	.balign 16
	.globl ap_trampoline_start
	.hidden ap_trampoline_start
	.globl ap_trampoline_end
	.hidden ap_trampoline_end
	.code16
ap_trampoline_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	/* CPUID first, so the magic below means the leaf-1 values are already stored. */
	movl	$1, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%ecx, AP_MB_LEAF1_ECX
	movl	%ebx, AP_MB_LEAF1_EBX
	movl	$AP_MAGIC, AP_MB_MAGIC
	lock incl AP_MB_COUNT
1:	cli
	hlt
	jmp	1b
ap_trampoline_end:
	.code64

	.text
	.balign 16
	.globl ap_start_vp_entry
	.hidden ap_start_vp_entry
ap_start_vp_entry:
	/* RSP and RFLAGS before any instruction changes them (MOV changes no flag), and RDX
	 * as the INIT left it (SDM Vol. 3A, "Processor State After Reset": the signature). */
	movq	%rsp, %r8
	pushfq
	popq	%r9
	movq	%rdx, %r10
	leaq	ap_start_vp_block(%rip), %rdi
	movq	%r8, AP_SV_RSP(%rdi)
	movq	%r9, AP_SV_RFLAGS(%rdi)
	movq	%r10, AP_SV_RDX(%rdi)
	movq	%cr0, %rax
	movq	%rax, AP_SV_CR0(%rdi)
	movq	%cr3, %rax
	movq	%rax, AP_SV_CR3(%rdi)
	movq	%cr4, %rax
	movq	%rax, AP_SV_CR4(%rdi)
	movw	%cs, AP_SV_CS(%rdi)
	movw	%ss, AP_SV_SS(%rdi)
	movl	$0xc0000080, %ecx	/* IA32_EFER */
	rdmsr
	movl	%eax, AP_SV_EFER(%rdi)
	movl	%edx, AP_SV_EFER + 4(%rdi)
	movl	$0x40000002, %ecx	/* HV_X64_MSR_VP_INDEX (TLFS): which VP this is */
	rdmsr
	movl	%eax, AP_SV_VP_INDEX(%rdi)
	movl	%edx, AP_SV_VP_INDEX + 4(%rdi)
	movl	$1, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	%ebx, AP_SV_LEAF1_EBX(%rdi)
	/* Last: stores are not reordered with older stores (SDM Vol. 3A, "Memory Ordering
	 * in P6 and More Recent Processor Families"), so the magic means the rest is there. */
	movl	$AP_SV_MAGIC_VALUE, AP_SV_MAGIC(%rdi)
	lock incl AP_SV_COUNT(%rdi)
1:	cli
	hlt
	jmp	1b

	.data
	.balign 64
	.globl ap_start_vp_block
	.hidden ap_start_vp_block
ap_start_vp_block:
	.fill	AP_SV_SIZE, 1, 0

	.section .note.GNU-stack, "", @progbits
