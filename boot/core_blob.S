/* The core ELF, embedded in vtlvisor.efi at build time. */
	.section .rodata
	.balign 4096
	.globl boot_core_elf, boot_core_elf_end
boot_core_elf:
	.incbin CORE_ELF_PATH
boot_core_elf_end:
	.section .note.GNU-stack, "", @progbits
