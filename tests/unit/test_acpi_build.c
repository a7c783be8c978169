// SPDX-License-Identifier: MIT
/*
 * The ACPI tables acpi_tables.efi installs for Linux (tests/guests/acpi_build.c): layout,
 * checksums and contents checked here, then every table disassembled by `iasl -d`
 * (acpica-tools), which must accept it and show the values Linux will read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/guests/acpi.h"

#define PHYS 0x7f000000ull

static u8 buf[ACPI_BUILD_MAX] __attribute__((aligned(64)));
static struct acpi_layout lay;

static struct acpi_machine machine(u32 cpus)
{
	struct acpi_machine m = { .cpu_count = cpus, .ioapic_id = (u8)cpus, .pm_base = 0xb000 };

	for (u32 i = 0; i < cpus; i++) {
		m.apic_ids[i] = (u8)i;
		m.enabled[i] = true;
	}
	return m;
}

static u8 sum(const void *p, u32 len)
{
	const u8 *b = p;
	u8 s = 0;

	while (len--)
		s = (u8)(s + *b++);
	return s;
}

static struct acpi_sdt_header *table(u32 off)
{
	return (struct acpi_sdt_header *)(buf + off);
}

/* The physical address acpi_build() wrote for a table, as a buffer offset. */
static u32 off_of(u64 phys)
{
	assert_true(phys >= PHYS && phys < PHYS + sizeof(buf));
	return (u32)(phys - PHYS);
}

static void test_layout_and_checksums(void **state)
{
	struct acpi_machine m = machine(2);
	struct acpi_rsdp *rsdp;
	u64 x[2];
	u32 r[2];

	assert_int_equal(acpi_build(buf, PHYS, sizeof(buf), &m, &lay), 0);
	assert_true(lay.size <= sizeof(buf));
	rsdp = (struct acpi_rsdp *)(buf + lay.rsdp);
	assert_memory_equal(rsdp->signature, "RSD PTR ", 8);
	assert_int_equal(rsdp->revision, 2);
	assert_int_equal(rsdp->length, 36);
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(sum(rsdp, 36), 0);
	assert_int_equal(off_of(rsdp->xsdt_address), lay.xsdt);
	assert_int_equal(off_of(rsdp->rsdt_address), lay.rsdt);

	const u32 offs[] = { lay.xsdt, lay.rsdt, lay.fadt, lay.madt, lay.dsdt };
	const char *sigs[] = { "XSDT", "RSDT", "FACP", "APIC", "DSDT" };
	for (u32 i = 0; i < 5; i++) {
		assert_memory_equal(table(offs[i])->signature, sigs[i], 4);
		assert_int_equal(sum(table(offs[i]), table(offs[i])->length), 0);
		assert_true(offs[i] + table(offs[i])->length <= lay.size);
	}
	/* XSDT and RSDT list the FADT and the MADT, nothing else. */
	assert_int_equal(table(lay.xsdt)->length, 36 + 16);
	assert_int_equal(table(lay.rsdt)->length, 36 + 8);
	memcpy(x, buf + lay.xsdt + 36, sizeof(x));
	memcpy(r, buf + lay.rsdt + 36, sizeof(r));
	assert_int_equal(off_of(x[0]), lay.fadt);
	assert_int_equal(off_of(x[1]), lay.madt);
	assert_int_equal(off_of(r[0]), lay.fadt);
	assert_int_equal(off_of(r[1]), lay.madt);
	/* The FACS: 64-byte aligned, reached only through X_FIRMWARE_CTRL. */
	assert_int_equal((PHYS + lay.facs) % 64, 0);
	assert_memory_equal(buf + lay.facs, "FACS", 4);
}

static void test_fadt(void **state)
{
	struct acpi_machine m = machine(2);
	struct acpi_fadt *f;

	m.pm_base = 0x600;
	assert_int_equal(acpi_build(buf, PHYS, sizeof(buf), &m, &lay), 0);
	f = (struct acpi_fadt *)table(lay.fadt);
	assert_int_equal(f->h.length, 276);
	assert_int_equal(f->h.revision, 6);
	assert_int_equal(f->sci_int, 9);
	assert_int_equal(f->smi_cmd, 0);
	assert_int_equal(f->pm1a_evt_blk, 0x600);
	assert_int_equal(f->pm1a_cnt_blk, 0x604);
	assert_int_equal(f->pm_tmr_blk, 0x608);
	assert_int_equal(f->x_pm1a_evt_blk.address, 0x600);
	assert_int_equal(f->x_pm1a_cnt_blk.address, 0x604);
	assert_int_equal(f->x_pm_tmr_blk.address, 0x608);
	assert_int_equal(f->x_pm_tmr_blk.space_id, 1);
	assert_int_equal(f->flags & ACPI_FADT_HW_REDUCED, 0);
	assert_int_equal(f->firmware_ctrl, 0);
	assert_int_equal(off_of(f->x_firmware_ctrl), lay.facs);
	assert_int_equal(off_of(f->x_dsdt), lay.dsdt);
	assert_int_equal(off_of(f->dsdt), lay.dsdt);
}

static void test_madt(void **state)
{
	struct acpi_machine m = machine(4);
	const u8 *p, *end;
	u32 lapics = 0, ioapics = 0, isos = 0;

	m.apic_ids[3] = 6; /* APIC IDs need not be dense */
	m.enabled[2] = false;
	assert_int_equal(acpi_build(buf, PHYS, sizeof(buf), &m, &lay), 0);
	p = buf + lay.madt + sizeof(struct acpi_madt);
	end = buf + lay.madt + table(lay.madt)->length;
	assert_int_equal(((struct acpi_madt *)table(lay.madt))->local_apic_address, 0xfee00000u);
	while (p < end) {
		assert_true(p[1] >= 2 && p + p[1] <= end);
		if (p[0] == 0) {
			const struct acpi_madt_lapic *l = (const void *)p;
			assert_int_equal(l->apic_id, m.apic_ids[lapics]);
			assert_int_equal(l->flags, lapics == 2 ? 0 : 1);
			lapics++;
		} else if (p[0] == 1) {
			const struct acpi_madt_ioapic *io = (const void *)p;
			assert_int_equal(io->ioapic_id, 4);
			assert_int_equal(io->address, 0xfec00000u);
			assert_int_equal(io->gsi_base, 0);
			ioapics++;
		} else if (p[0] == 2) {
			const struct acpi_madt_iso *iso = (const void *)p;
			assert_int_equal(iso->source, 0);
			assert_int_equal(iso->gsi, 2);
			isos++;
		} else {
			fail_msg("unexpected MADT entry type %u", p[0]);
		}
		p += p[1];
	}
	assert_int_equal(lapics, 4);
	assert_int_equal(ioapics, 1);
	assert_int_equal(isos, 1);
}

static void test_refuses_bad_input(void **state)
{
	struct acpi_machine m = machine(2);

	m.cpu_count = 0;
	assert_int_equal(acpi_build(buf, PHYS, sizeof(buf), &m, &lay), -1);
	m = machine(2);
	m.pm_base = 0;
	assert_int_equal(acpi_build(buf, PHYS, sizeof(buf), &m, &lay), -1);
	m = machine(2);
	assert_int_equal(acpi_build(buf, 0x100000000ull, sizeof(buf), &m, &lay), -1);
	assert_int_equal(acpi_build(buf, PHYS + 8, sizeof(buf), &m, &lay), -1);
	assert_int_equal(acpi_build(buf, PHYS, 1024, &m, &lay), -1);
	m.apic_ids[1] = 0xff;
	assert_int_equal(acpi_build(buf, PHYS, sizeof(buf), &m, &lay), -1);
	m = machine(ACPI_MAX_CPUS);
	assert_int_equal(acpi_build(buf, PHYS, sizeof(buf), &m, &lay), 0);
	assert_true(lay.size <= sizeof(buf));
	assert_int_equal(sum(table(lay.madt), table(lay.madt)->length), 0);
}

/* Writes one table to DIR/NAME.dat, runs `iasl -d` on it, returns the .dsl text (malloc'd). */
static char *disassemble(const char *dir, const char *name, const void *t, u32 len)
{
	char path[512], cmd[1200];
	FILE *f;
	long n;
	char *text;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(t, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd '%s' && iasl -d %s.dat > %s.log 2>&1", dir, name, name);
	if (system(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s/%s.log'", dir, name);
		(void)system(cmd);
		fail_msg("iasl -d %s.dat failed (is acpica-tools installed?)", name);
	}
	snprintf(path, sizeof(path), "%s/%s.dsl", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

static void expect_text(const char *dsl, const char *what)
{
	if (!strstr(dsl, what))
		fail_msg("iasl output lacks \"%s\":\n%s", what, dsl);
}

static void test_iasl_disassembles(void **state)
{
	struct acpi_machine m = machine(2);
	char dir[] = "/tmp/test_acpi_build.XXXXXX";
	char *dsl, cmd[128];

	assert_int_equal(acpi_build(buf, PHYS, sizeof(buf), &m, &lay), 0);
	assert_non_null(mkdtemp(dir));

	dsl = disassemble(dir, "dsdt", table(lay.dsdt), table(lay.dsdt)->length);
	expect_text(dsl, "Name (\\_S5, Package (0x04)");
	expect_text(dsl, "Zero, \n        Zero, \n        Zero, \n        Zero\n");
	free(dsl);

	dsl = disassemble(dir, "facp", table(lay.fadt), table(lay.fadt)->length);
	expect_text(dsl, "SCI Interrupt : 0009");
	expect_text(dsl, "PM1A Event Block Address : 0000B000");
	expect_text(dsl, "PM1A Control Block Address : 0000B004");
	expect_text(dsl, "PM Timer Block Address : 0000B008");
	expect_text(dsl, "Hardware Reduced (V5) : 0");
	expect_text(dsl, "FACS Address : 000000007F000040");
	free(dsl);

	dsl = disassemble(dir, "apic", table(lay.madt), table(lay.madt)->length);
	expect_text(dsl, "Subtable Type : 01 [I/O APIC]");
	expect_text(dsl, "Address : FEC00000");
	expect_text(dsl, "Subtable Type : 02 [Interrupt Source Override]");
	free(dsl);

	dsl = disassemble(dir, "facs", buf + lay.facs, 64);
	expect_text(dsl, "Signature : \"FACS\"");
	free(dsl);
	dsl = disassemble(dir, "xsdt", table(lay.xsdt), table(lay.xsdt)->length);
	expect_text(dsl, "ACPI Table Address   1 : 000000007F");
	free(dsl);
	dsl = disassemble(dir, "rsdt", table(lay.rsdt), table(lay.rsdt)->length);
	expect_text(dsl, "ACPI Table Address   1 : 7F");
	free(dsl);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_and_checksums),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_madt),
		cmocka_unit_test(test_refuses_bad_input),
		cmocka_unit_test(test_iasl_disassembles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
