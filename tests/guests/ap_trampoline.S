/* SPDX-License-Identifier: MIT */
/*
 * Real-mode AP trampoline, copied to a page below 1 MiB. A started AP executes it at
 * CS = page >> 4, IP = 0 in real mode: everything is addressed relative to CS. It records
 * CPUID leaf 1, then the magic, then counts itself, and halts with interrupts off.
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

	.section .note.GNU-stack, "", @progbits
