// SPDX-License-Identifier: MIT
/*
 * The ACPI tables of the Bochs machine (tests/guests/acpi.h), built into one buffer:
 * RSDP, FACS, XSDT, RSDT, FADT, MADT, DSDT in that order. No firmware calls: the host unit
 * test (tests/unit/test_acpi_build.c) checks these exact bytes with `iasl -d`.
 */
#include "tests/guests/acpi.h"

/*
 * The whole DSDT body: Name (\_S5, Package (0x04) { Zero, Zero, Zero, Zero }).
 * SLP_TYPa = 0: Bochs' PIIX4 powers off on SLP_TYP 0 (1 resets, other values do nothing).
 * 0x08 NameOp, "\_S5_", 0x12 PackageOp, PkgLength 6 (itself, NumElements and 4 ZeroOps),
 * NumElements 4, then 4 x ZeroOp.
 */
static const u8 dsdt_aml[] = { 0x08, '\\', '_',	 'S',  '5',  '_', 0x12,
			       0x06, 0x04, 0x00, 0x00, 0x00, 0x00 };

static void copy(void *dst, const void *src, u32 n)
{
	u8 *d = dst;
	const u8 *s = src;

	while (n--)
		*d++ = *s++;
}

u8 acpi_checksum(const void *p, u32 len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum = (u8)(sum + *b++);
	return (u8)(0x100 - sum);
}

static void header(struct acpi_sdt_header *h, const char *sig, u32 len, u8 rev)
{
	copy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	copy(h->oem_id, "VTLVSR", 6);
	copy(h->oem_table_id, "BOCHSVTL", 8);
	h->oem_revision = 1;
	copy(h->creator_id, "VTLV", 4);
	h->creator_revision = 1;
}

/* Sets the checksum of a finished table (every byte, length from its header). */
static void seal(struct acpi_sdt_header *h)
{
	h->checksum = 0;
	h->checksum = acpi_checksum(h, h->length);
}

/* access: 0 undefined (the OS splits PM1 event into its two 16-bit halves), 2 word, 3 dword */
static struct acpi_gas io_gas(u16 port, u8 bits, u8 access)
{
	struct acpi_gas g = { .space_id = 1, .bit_width = bits, .access_size = access };

	g.address = port;
	return g;
}

static u32 align(u32 v, u32 a)
{
	return (v + a - 1) & ~(a - 1);
}

static void build_fadt(struct acpi_fadt *f, const struct acpi_machine *m, u64 facs, u64 dsdt)
{
	header(&f->h, "FACP", sizeof(*f), 6);
	f->dsdt = (u32)dsdt;
	f->sci_int = ACPI_SCI_IRQ;
	/* PIIX4 PM registers: PM1 status/enable at +0, PM1 control at +4, PM timer at +8. */
	f->pm1a_evt_blk = m->pm_base;
	f->pm1a_cnt_blk = m->pm_base + 4u;
	f->pm_tmr_blk = m->pm_base + 8u;
	f->pm1_evt_len = 4;
	f->pm1_cnt_len = 2;
	f->pm_tmr_len = 4;
	f->p_lvl2_lat = 0xfff; /* > 100: no C2 */
	f->p_lvl3_lat = 0xfff; /* > 1000: no C3 */
	f->iapc_boot_arch = ACPI_BOOT_LEGACY_DEVICES | ACPI_BOOT_8042;
	f->flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_PWR_BUTTON |
		   ACPI_FADT_SLP_BUTTON; /* not ACPI_FADT_HW_REDUCED; 24-bit PM timer */
	f->x_firmware_ctrl = facs;
	f->x_dsdt = dsdt;
	f->x_pm1a_evt_blk = io_gas(m->pm_base, 32, 0);
	f->x_pm1a_cnt_blk = io_gas((u16)(m->pm_base + 4u), 16, 2);
	f->x_pm_tmr_blk = io_gas((u16)(m->pm_base + 8u), 32, 3);
	seal(&f->h);
}

static u32 build_madt(u8 *p, const struct acpi_machine *m)
{
	struct acpi_madt *madt = (struct acpi_madt *)p;
	u32 off = sizeof(*madt);

	madt->local_apic_address = ACPI_LAPIC_ADDRESS;
	madt->flags = 1; /* PCAT_COMPAT */
	for (u32 i = 0; i < m->cpu_count; i++) {
		struct acpi_madt_lapic *l = (struct acpi_madt_lapic *)(p + off);

		l->type = 0;
		l->length = sizeof(*l);
		l->processor_uid = (u8)i;
		l->apic_id = m->apic_ids[i];
		l->flags = m->enabled[i] ? 1 : 0;
		off += sizeof(*l);
	}
	struct acpi_madt_ioapic *io = (struct acpi_madt_ioapic *)(p + off);
	io->type = 1;
	io->length = sizeof(*io);
	io->ioapic_id = m->ioapic_id;
	io->address = ACPI_IOAPIC_ADDRESS;
	io->gsi_base = 0;
	off += sizeof(*io);
	/* The PIT (ISA IRQ 0) is wired to I/O APIC pin 2. */
	struct acpi_madt_iso *iso = (struct acpi_madt_iso *)(p + off);
	iso->type = 2;
	iso->length = sizeof(*iso);
	iso->bus = 0;
	iso->source = 0;
	iso->gsi = 2;
	iso->flags = 0;
	off += sizeof(*iso);
	header(&madt->h, "APIC", off, 5);
	seal(&madt->h);
	return off;
}

int acpi_build(void *buf, u64 phys, u32 cap, const struct acpi_machine *m, struct acpi_layout *lay)
{
	u8 *b = buf;
	u32 off = 0;

	if (!m->cpu_count || m->cpu_count > ACPI_MAX_CPUS || !m->pm_base || (phys & 63) ||
	    phys + cap > 0x100000000ull || cap < ACPI_BUILD_MAX)
		return -1;
	for (u32 i = 0; i < m->cpu_count; i++)
		if (m->apic_ids[i] == 0xff) /* 255 would need an x2APIC entry */
			return -1;
	for (u32 i = 0; i < cap; i++)
		b[i] = 0;

	lay->rsdp = off;
	off = align(off + sizeof(struct acpi_rsdp), 64);
	lay->facs = off;
	off += sizeof(struct acpi_facs);
	lay->xsdt = off;
	off += sizeof(struct acpi_sdt_header) + 2 * 8;
	lay->rsdt = align(off, 8);
	off = lay->rsdt + sizeof(struct acpi_sdt_header) + 2 * 4;
	lay->fadt = align(off, 8);
	off = lay->fadt + sizeof(struct acpi_fadt);
	lay->madt = align(off, 8);
	off = lay->madt + build_madt(b + lay->madt, m);
	lay->dsdt = align(off, 8);
	off = lay->dsdt + sizeof(struct acpi_sdt_header) + sizeof(dsdt_aml);
	lay->size = off;

	struct acpi_facs *facs = (struct acpi_facs *)(b + lay->facs);
	copy(facs->signature, "FACS", 4);
	facs->length = sizeof(*facs);
	facs->version = 2;

	struct acpi_sdt_header *dsdt = (struct acpi_sdt_header *)(b + lay->dsdt);
	header(dsdt, "DSDT", sizeof(*dsdt) + sizeof(dsdt_aml), 2);
	copy(dsdt + 1, dsdt_aml, sizeof(dsdt_aml));
	seal(dsdt);

	build_fadt((struct acpi_fadt *)(b + lay->fadt), m, phys + lay->facs, phys + lay->dsdt);

	/* XSDT and RSDT: FADT first (as the specification's examples have it), then MADT. */
	u64 tables[2] = { phys + lay->fadt, phys + lay->madt };
	struct acpi_sdt_header *xsdt = (struct acpi_sdt_header *)(b + lay->xsdt);
	struct acpi_sdt_header *rsdt = (struct acpi_sdt_header *)(b + lay->rsdt);
	header(xsdt, "XSDT", sizeof(*xsdt) + sizeof(tables), 1);
	header(rsdt, "RSDT", sizeof(*rsdt) + 2 * 4, 1);
	for (u32 i = 0; i < 2; i++) {
		u32 low = (u32)tables[i];

		copy((u8 *)(xsdt + 1) + 8 * i, &tables[i], 8);
		copy((u8 *)(rsdt + 1) + 4 * i, &low, 4);
	}
	seal(xsdt);
	seal(rsdt);

	struct acpi_rsdp *rsdp = (struct acpi_rsdp *)(b + lay->rsdp);
	copy(rsdp->signature, "RSD PTR ", 8);
	copy(rsdp->oem_id, "VTLVSR", 6);
	rsdp->revision = 2;
	rsdp->rsdt_address = (u32)(phys + lay->rsdt);
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = phys + lay->xsdt;
	rsdp->checksum = acpi_checksum(rsdp, 20);
	rsdp->extended_checksum = acpi_checksum(rsdp, sizeof(*rsdp));
	return 0;
}
