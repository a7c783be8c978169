// SPDX-License-Identifier: MIT
/*
 * triplefault.efi: makes the CPU it runs on triple-fault (an empty IDT, then INT3: #BP
 * cannot be delivered -> #GP -> #DF -> shutdown). Under vtlvisor that VP must be stopped
 * with a full report while the hypervisor and the other VPs go on (docs/CONSOLE.md).
 */
#include <efi.h>
#include <efilib.h>

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct {
		UINT16 limit;
		UINT64 base;
	} __attribute__((packed)) empty = { 0, 0 };

	InitializeLib(image, systab);
	Print(L"triplefault: loading an empty IDT and raising #BP on this CPU\n");
	__asm__ volatile("cli; lidt %0; int3" : : "m"(empty));
	Print(L"triplefault: still alive?!\n");
	return EFI_ABORTED;
}
