/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables that describe the Bochs machine to a real guest (TEST-PLATFORM.md, "Real
 * guests"): OVMF in Bochs 2.7 installs none, so Linux would see one CPU and could not power
 * off. Layouts from the ACPI 6.4 specification, chapter 5.2; every one is checked below.
 *
 * acpi_build() is plain C (no firmware calls), so the host unit test builds the very same
 * bytes and feeds them to `iasl -d`; acpi_tables.efi (tests/guests/acpi_tables.c) builds them
 * in firmware memory and installs the RSDP.
 */
#ifndef TESTS_GUESTS_ACPI_H
#define TESTS_GUESTS_ACPI_H

#include "lib/types.h"

#define ACPI_MAX_CPUS 64

struct acpi_sdt_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	char creator_id[4];
	u32 creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "ACPI 5.2.6");

struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	u8 checksum;	   /* bytes 0..19 */
	char oem_id[6];
	u8 revision; /* 2: ACPI 2.0 and later, XSDT valid */
	u32 rsdt_address;
	u32 length; /* 36 */
	u64 xsdt_address;
	u8 extended_checksum; /* all 36 bytes */
	u8 reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 5.2.5.3");
_Static_assert(__builtin_offsetof(struct acpi_rsdp, xsdt_address) == 24, "ACPI 5.2.5.3");

/* Generic Address Structure (ACPI 5.2.3.2). */
struct acpi_gas {
	u8 space_id; /* 1: system I/O */
	u8 bit_width;
	u8 bit_offset;
	u8 access_size; /* 1 byte, 2 word, 3 dword */
	u64 address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "ACPI 5.2.3.2");

/* FADT, revision 6 (ACPI 6.x), 276 bytes. */
struct acpi_fadt {
	struct acpi_sdt_header h;
	u32 firmware_ctrl; /* 0: the FACS is given by x_firmware_ctrl only */
	u32 dsdt;
	u8 reserved0;
	u8 preferred_pm_profile;
	u16 sci_int;
	u32 smi_cmd; /* 0: no SMI command port, the machine is always in ACPI mode */
	u8 acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	u32 pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk, pm2_cnt_blk, pm_tmr_blk;
	u32 gpe0_blk, gpe1_blk;
	u8 pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	u8 gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	u16 p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	u8 duty_offset, duty_width, day_alrm, mon_alrm, century;
	u16 iapc_boot_arch;
	u8 reserved1;
	u32 flags;
	struct acpi_gas reset_reg;
	u8 reset_value;
	u16 arm_boot_arch;
	u8 minor_version;
	u64 x_firmware_ctrl;
	u64 x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	u64 hypervisor_vendor_id;
} __attribute__((packed));
_Static_assert(__builtin_offsetof(struct acpi_fadt, sci_int) == 46, "ACPI 5.2.9");
_Static_assert(__builtin_offsetof(struct acpi_fadt, pm1a_evt_blk) == 56, "ACPI 5.2.9");
_Static_assert(__builtin_offsetof(struct acpi_fadt, pm_tmr_blk) == 76, "ACPI 5.2.9");
_Static_assert(__builtin_offsetof(struct acpi_fadt, pm1_evt_len) == 88, "ACPI 5.2.9");
_Static_assert(__builtin_offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "ACPI 5.2.9");
_Static_assert(__builtin_offsetof(struct acpi_fadt, flags) == 112, "ACPI 5.2.9");
_Static_assert(__builtin_offsetof(struct acpi_fadt, minor_version) == 131, "ACPI 5.2.9");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "ACPI 5.2.9");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "ACPI 5.2.9");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "ACPI 5.2.9");
_Static_assert(__builtin_offsetof(struct acpi_fadt, hypervisor_vendor_id) == 268, "ACPI 5.2.9");
_Static_assert(sizeof(struct acpi_fadt) == 276, "ACPI 5.2.9");

#define ACPI_FADT_WBINVD (1u << 0)
#define ACPI_FADT_PROC_C1 (1u << 2)
#define ACPI_FADT_PWR_BUTTON (1u << 4) /* set: no fixed-feature power button */
#define ACPI_FADT_SLP_BUTTON (1u << 5) /* set: no fixed-feature sleep button */
#define ACPI_FADT_HW_REDUCED (1u << 20)
#define ACPI_BOOT_LEGACY_DEVICES (1u << 0)
#define ACPI_BOOT_8042 (1u << 1)

/* FACS (ACPI 5.2.10): no header checksum; 64-byte aligned. */
struct acpi_facs {
	char signature[4];
	u32 length; /* 64 */
	u32 hardware_signature;
	u32 firmware_waking_vector;
	u32 global_lock;
	u32 flags;
	u64 x_firmware_waking_vector;
	u8 version; /* 2 */
	u8 reserved0[3];
	u32 ospm_flags;
	u8 reserved1[24];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_facs) == 64, "ACPI 5.2.10");

/* MADT (ACPI 5.2.12) and the three entry types used here. */
struct acpi_madt {
	struct acpi_sdt_header h;
	u32 local_apic_address;
	u32 flags; /* bit 0 PCAT_COMPAT: the machine also has dual 8259s */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "ACPI 5.2.12");

struct acpi_madt_lapic { /* type 0 */
	u8 type, length;
	u8 processor_uid;
	u8 apic_id;
	u32 flags; /* bit 0 enabled */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "ACPI 5.2.12.2");

struct acpi_madt_ioapic { /* type 1 */
	u8 type, length;
	u8 ioapic_id;
	u8 reserved;
	u32 address;
	u32 gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "ACPI 5.2.12.3");

struct acpi_madt_iso { /* type 2: interrupt source override */
	u8 type, length;
	u8 bus; /* 0: ISA */
	u8 source;
	u32 gsi;
	u16 flags; /* 0: conforms to the bus */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "ACPI 5.2.12.5");

#define ACPI_IOAPIC_ADDRESS 0xfec00000u
#define ACPI_LAPIC_ADDRESS 0xfee00000u
#define ACPI_SCI_IRQ 9

/* What the tables describe. */
struct acpi_machine {
	u32 cpu_count; /* entries of apic_ids, 1..ACPI_MAX_CPUS */
	u8 apic_ids[ACPI_MAX_CPUS];
	bool enabled[ACPI_MAX_CPUS];
	u8 ioapic_id; /* Bochs: the number of CPUs */
	u16 pm_base;  /* PIIX4 PM I/O base (PCI 0:1.3 register 0x40) */
};

/* Where acpi_build() put each table: offsets into the buffer. */
struct acpi_layout {
	u32 rsdp, facs, xsdt, rsdt, fadt, madt, dsdt;
	u32 size; /* bytes used */
};

/* The buffer acpi_build() needs at most (ACPI_MAX_CPUS CPUs), rounded up to 4 KiB. */
#define ACPI_BUILD_MAX 4096u

/*
 * Builds RSDP, FACS, XSDT, RSDT, FADT, MADT and DSDT into buf (cap bytes, zeroed first),
 * which lies at physical address phys (below 4 GiB: the RSDT holds 32-bit pointers; 64-byte
 * aligned: the FACS must be). Returns 0, or -1 if the machine description or the buffer is
 * unusable (then *lay is unspecified).
 */
int acpi_build(void *buf, u64 phys, u32 cap, const struct acpi_machine *m, struct acpi_layout *lay);

/* The byte that makes the sum of len bytes at p zero, given that p's checksum byte is 0. */
u8 acpi_checksum(const void *p, u32 len);

#endif
