/* SPDX-License-Identifier: MIT */
/* The part of the ELF-64 format the loader needs to load the core (System V gABI). */
#ifndef BOOT_ELF64_H
#define BOOT_ELF64_H

#include "lib/types.h"

struct elf64_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF-64 header");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF-64 program header");

#define ELF_PT_LOAD 1
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_ET_EXEC 2
#define ELF_EM_X86_64 62

#endif
