/* SPDX-License-Identifier: MIT */
#include <efi.h>
#include <efilib.h>

#include "arch/x86/intrin.h"
#include "arch/x86/paging_host.h"
#include "boot/elf64.h"
#include "boot/loader.h"
#include "boot/out.h"
#include "lib/compiler.h"
#include "lib/string.h"

/* Bytes of virtual space the core may occupy above CORE_VIRT_BASE. */
#define CORE_MAX_SIZE (64ULL << 20)

static u64 table_alloc(void *ctx)
{
	void *t = boot_pool_take(ctx, PAGE_SIZE, PAGE_SIZE);

	return (u64)(uintptr_t)t;
}

static void table_free(void *ctx, u64 pa)
{
	/* The loader's bump allocator never reuses memory; the core's pmm owns it later. */
}

static int elf_check(const struct elf64_ehdr *eh, u64 blob_size)
{
	/* No memcmp here: gnu-efi does not provide one to the loader. */
	if (blob_size < sizeof(*eh) || eh->ident[0] != 0x7f || eh->ident[1] != 'E' ||
	    eh->ident[2] != 'L' || eh->ident[3] != 'F' || eh->ident[4] != 2 ||
	    eh->type != ELF_ET_EXEC || eh->machine != ELF_EM_X86_64 ||
	    eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0 || eh->phnum > 16 ||
	    eh->phoff > blob_size || blob_size - eh->phoff < (u64)eh->phnum * eh->phentsize)
		return -1;
	return 0;
}

EFI_STATUS boot_load_core(struct boot_pool *p, struct bootinfo *bi, u64 *entry)
{
	const u8 *blob = boot_core_elf;
	u64 blob_size = (u64)(boot_core_elf_end - boot_core_elf);
	const struct elf64_ehdr *eh = (const void *)blob;
	const struct elf64_phdr *ph;
	u64 lo = ~0ULL, hi = 0;
	u32 a, b, c, d;

	if (elf_check(eh, blob_size)) {
		boot_msg(
			"vtlvisor: the embedded core image is not a valid x86-64 ELF executable\n");
		return EFI_LOAD_ERROR;
	}
	ph = (const void *)(blob + eh->phoff);
	for (u16 i = 0; i < eh->phnum; i++) {
		if (ph[i].type != ELF_PT_LOAD)
			continue;
		if (ph[i].vaddr < CORE_VIRT_BASE || ph[i].memsz > CORE_MAX_SIZE ||
		    ph[i].vaddr - CORE_VIRT_BASE > CORE_MAX_SIZE - ph[i].memsz ||
		    ph[i].filesz > ph[i].memsz || ph[i].offset > blob_size ||
		    blob_size - ph[i].offset < ph[i].filesz) {
			boot_msg("vtlvisor: core segment %u is out of bounds\n", i);
			return EFI_LOAD_ERROR;
		}
		lo = MIN(lo, ALIGN_DOWN(ph[i].vaddr, PAGE_SIZE));
		hi = MAX(hi, ALIGN_UP(ph[i].vaddr + ph[i].memsz, PAGE_SIZE));
	}
	if (lo != CORE_VIRT_BASE || hi <= lo) {
		boot_msg("vtlvisor: the core must be linked at %#llx\n", CORE_VIRT_BASE);
		return EFI_LOAD_ERROR;
	}
	/* The core image goes first in the pool: its header marks the pool's start. */
	u8 *image = boot_pool_take(p, hi - lo, SZ_2M);
	if (!image)
		return EFI_OUT_OF_RESOURCES;
	for (u16 i = 0; i < eh->phnum; i++) {
		if (ph[i].type == ELF_PT_LOAD)
			memcpy(image + (ph[i].vaddr - lo), blob + ph[i].offset, ph[i].filesz);
	}
	bi->core_phys = (u64)(uintptr_t)image;
	bi->core_size = hi - lo;

	/*
	 * Host page tables: identity map of [0, phys_top) so the core reaches all memory and
	 * devices (1 GiB pages where the CPU has them), plus the core at CORE_VIRT_BASE.
	 * Everything executable: the firmware may not have enabled EFER.NXE.
	 */
	static const struct pt_attr ident = { PT_RWX, PT_MT_WB, 0 };
	static struct pt_alloc alloc = { table_alloc, table_free, NULL };
	struct pt pt;
	unsigned leaves = PT_LEAF_4K | PT_LEAF_2M;

	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	if (d & (1u << 26)) /* CPUID.80000001H:EDX.Page1GB (SDM vol.3 4.1.4) */
		leaves |= PT_LEAF_1G;
	alloc.ctx = p;
	if (pt_init(&pt, &paging_host_format, leaves, &alloc) ||
	    pt_map(&pt, 0, 0, bi->phys_top, &ident))
		return EFI_OUT_OF_RESOURCES;
	for (u16 i = 0; i < eh->phnum; i++) {
		if (ph[i].type != ELF_PT_LOAD)
			continue;
		u64 va = ALIGN_DOWN(ph[i].vaddr, PAGE_SIZE);
		u64 end = ALIGN_UP(ph[i].vaddr + ph[i].memsz, PAGE_SIZE);
		struct pt_attr at = { PT_R | PT_X, PT_MT_WB, PT_F_GLOBAL };

		if (ph[i].flags & ELF_PF_W)
			at.perm |= PT_W;
		if (pt_map(&pt, va, bi->core_phys + (va - lo), end - va, &at))
			return EFI_OUT_OF_RESOURCES;
	}
	bi->host_cr3 = pt.root_pa;
	*entry = eh->entry;
	return EFI_SUCCESS;
}
