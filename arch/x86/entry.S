/*
 * The core's first bytes: a marker, then the entry point the loader calls on every CPU
 * (SysV ABI, rdi = struct boot_cpu_args *, on the CPU's boot stack, host page tables).
 */
	.section .text.header, "ax"
	.globl core_start
	.ascii "VTLVISOR-CORE\0\0\0"
core_start:
	and $-16, %rsp
	jmp core_cpu_entry
	.section .note.GNU-stack, "", @progbits
