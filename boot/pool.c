/* SPDX-License-Identifier: MIT */
#include <efi.h>
#include <efilib.h>

#include "boot/loader.h"
#include "lib/compiler.h"

/*
 * The pool is one physically contiguous, 2 MiB aligned allocation of type
 * EfiReservedMemoryType: the OS never reclaims it and no program that takes the largest
 * free region after ExitBootServices can take it (TEST-PLATFORM.md).
 */
EFI_STATUS boot_pool_alloc(struct boot_pool *p, u64 size)
{
	EFI_PHYSICAL_ADDRESS raw = 0;
	UINTN pages = (size + SZ_2M) / PAGE_SIZE;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiReservedMemoryType, pages,
			       &raw);
	if (EFI_ERROR(st))
		return st;
	u64 base = ALIGN_UP(raw, SZ_2M);
	/* Give back the unaligned head and the tail beyond size. */
	if (base > raw)
		uefi_call_wrapper(BS->FreePages, 2, raw, (base - raw) / PAGE_SIZE);
	u64 end = raw + (u64)pages * PAGE_SIZE;
	if (end > base + size)
		uefi_call_wrapper(BS->FreePages, 2, base + size, (end - base - size) / PAGE_SIZE);
	p->base = base;
	p->size = size;
	p->cursor = base;
	return EFI_SUCCESS;
}

void *boot_pool_take(struct boot_pool *p, u64 size, u64 align)
{
	u64 at = ALIGN_UP(p->cursor, align);

	if (at + size > p->base + p->size)
		return NULL;
	p->cursor = at + size;
	uefi_call_wrapper(BS->SetMem, 3, (void *)at, size, 0);
	return (void *)at;
}
