// SPDX-License-Identifier: MIT
/*
 * acpi_tables.efi: test glue run from the UEFI shell before a real guest (Linux) starts.
 * OVMF in Bochs 2.7 has no ACPI tables (QEMU's fw_cfg brings them, Bochs lacks it), so
 * Linux would see one CPU and could not power off. This program describes the Bochs machine
 * (tests/guests/acpi.h: one local APIC per CPU from EFI MP services, the I/O APIC, a FADT
 * with the PIIX4 PM registers, a DSDT holding only \_S5) and installs the RSDP with
 * InstallConfigurationTable under the ACPI 2.0 GUID. It prints one line saying what it
 * installed ("acpi_tables: installed ...") or why it did not ("acpi_tables: error: ...",
 * exit status EFI_UNSUPPORTED / EFI_ABORTED).
 */
#include <efi.h>
#include <efilib.h>

#include "lib/printf.h"
#include "tests/guests/acpi.h"
#include "tests/guests/cpu.h"
#include "tests/guests/mp.h"

static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;

static void say(const char *fmt, ...)
{
	char line[240];
	CHAR16 w[240];
	va_list ap;
	UINTN i;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (i = 0; line[i] && i < 239; i++)
		w[i] = (CHAR16)line[i];
	w[i] = 0;
	Print(L"%s\n", w);
}

/* PCI configuration mechanism #1, bus 0. */
static u32 pci_read32(u32 dev, u32 fn, u32 reg)
{
	outl(0xcf8, 0x80000000u | (dev << 11) | (fn << 8) | (reg & 0xfc));
	return inl(0xcfc);
}

/* The PIIX4 PM function is 0:1.3 (8086:7113); its I/O base register is 0x40 (bits 15:6). */
static int pm_base(u16 *base)
{
	u32 id = pci_read32(1, 3, 0x00);
	u32 pmba = pci_read32(1, 3, 0x40);
	u32 misc = pci_read32(1, 3, 0x80);

	if (id != 0x71138086u) {
		say("acpi_tables: error: PCI 0:1.3 is %04x:%04x, not the PIIX4 PM function 8086:7113",
		    id & 0xffff, id >> 16);
		return -1;
	}
	*base = (u16)(pmba & 0xffc0u);
	if (!*base || !(misc & 1)) {
		say("acpi_tables: error: PIIX4 PM I/O space not set up by the firmware "
		    "(PMBA %#x, PMREGMISC %#x)",
		    pmba, misc & 0xff);
		return -1;
	}
	return 0;
}

static bool have_acpi_table(void)
{
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++)
		if (!CompareGuid(&ST->ConfigurationTable[i].VendorGuid, &acpi20_guid))
			return true;
	return false;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	static struct mp_info mp;
	struct acpi_machine m = { 0 };
	struct acpi_layout lay;
	EFI_PHYSICAL_ADDRESS addr = 0xffffffffu;
	char ids[ACPI_MAX_CPUS * 4 + 1];
	u32 n = 0;
	EFI_STATUS st;

	InitializeLib(image, systab);
	if (have_acpi_table()) {
		say("acpi_tables: error: the firmware already has ACPI 2.0 tables; nothing installed");
		return EFI_UNSUPPORTED;
	}
	if (mp_init(&mp) < 0)
		say("acpi_tables: no EFI MP services: describing the boot CPU only");
	if (pm_base(&m.pm_base) < 0)
		return EFI_UNSUPPORTED;
	m.cpu_count = mp.count;
	for (u32 i = 0; i < mp.count && i < ACPI_MAX_CPUS; i++) {
		m.apic_ids[i] = (u8)mp.cpus[i].apic_id;
		m.enabled[i] = mp.cpus[i].status & MP_CPU_ENABLED;
		if (mp.cpus[i].apic_id > 0xfe) {
			say("acpi_tables: error: APIC ID %u needs an x2APIC entry",
			    mp.cpus[i].apic_id);
			return EFI_UNSUPPORTED;
		}
		n += (u32)snprintf(ids + n, sizeof(ids) - n, "%s%u", i ? "," : "",
				   mp.cpus[i].apic_id);
	}
	/* Bochs gives its I/O APIC the ID that follows the CPUs'. */
	m.ioapic_id = (u8)mp.count;

	/* ACPI NVS (the FACS must be there; the rest may share it), below 4 GiB for the RSDT. */
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiACPIMemoryNVS,
			       EFI_SIZE_TO_PAGES(ACPI_BUILD_MAX), &addr);
	if (EFI_ERROR(st)) {
		say("acpi_tables: error: AllocatePages below 4 GiB failed (%#llx)",
		    (unsigned long long)st);
		return EFI_ABORTED;
	}
	if (acpi_build((void *)(uintptr_t)addr, addr, ACPI_BUILD_MAX, &m, &lay) < 0) {
		say("acpi_tables: error: acpi_build refused the machine description");
		return EFI_ABORTED;
	}
	st = uefi_call_wrapper(BS->InstallConfigurationTable, 2, &acpi20_guid,
			       (void *)(uintptr_t)(addr + lay.rsdp));
	if (EFI_ERROR(st)) {
		say("acpi_tables: error: InstallConfigurationTable failed (%#llx)",
		    (unsigned long long)st);
		return EFI_ABORTED;
	}
	say("acpi_tables: installed RSDP at %#llx: XSDT/RSDT, MADT with %u CPU(s) (APIC IDs %s) + "
	    "I/O APIC %u at %#x + IRQ0->GSI2, FADT (SCI %u, PM I/O base %#x), FACS, DSDT (\\_S5 "
	    "SLP_TYP 0)",
	    (unsigned long long)(addr + lay.rsdp), m.cpu_count, ids, m.ioapic_id,
	    ACPI_IOAPIC_ADDRESS, ACPI_SCI_IRQ, m.pm_base);
	return EFI_SUCCESS;
}
