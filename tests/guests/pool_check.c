// SPDX-License-Identifier: MIT
/*
 * Check 2: the hypervisor pool, as a guest sees it. vtlvisor publishes the pool's range with
 * the VTLVISOR_INFO_GUID configuration table (boot/bootinfo.h) and backs the whole range,
 * in every guest's EPT view, with one scratch page. So a guest must never read hypervisor
 * memory there, must read the same 4 KiB on every page, must not be able to store anything
 * that stays separate per page, must not hurt the hypervisor by writing, and must not be
 * offered the range as usable memory.
 */
#include <efi.h>
#include <efilib.h>

#include "boot/bootinfo.h"
#include "lib/compiler.h"
#include "tests/guests/report.h"
#include "tests/guests/vtl0test.h"

#define CORE_TAG "VTLVISOR-CORE"
#define CORE_TAG_LEN 13
#define QWORDS_PER_PAGE (PAGE_SIZE / 8)
#define WRITE_PATTERN(i) ((u64)0x5eed000000000000ull | (u64)(i))
#define SELFTEST_PAGES 1024

static EFI_GUID info_guid = VTLVISOR_INFO_GUID;

/* Filled in by the BSP only. */
struct pool_scan {
	u64 magic_hits, tag_hits, first_magic, first_tag;
	u64 diff_pages, first_diff_page, first_diff_off, first_diff_val, first_diff_ref;
};

static const struct vtlvisor_efi_info *find_info_table(void)
{
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		const EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		const u8 *a = (const u8 *)&t->VendorGuid, *b = (const u8 *)&info_guid;
		u32 k = 0;

		while (k < sizeof(EFI_GUID) && a[k] == b[k])
			k++;
		if (k == sizeof(EFI_GUID))
			return t->VendorTable;
	}
	return NULL;
}

static const char *efi_mem_type_name(u32 type)
{
	static const char *const names[] = {
		"Reserved",
		"LoaderCode",
		"LoaderData",
		"BootServicesCode",
		"BootServicesData",
		"RuntimeServicesCode",
		"RuntimeServicesData",
		"Conventional",
		"Unusable",
		"ACPIReclaim",
		"ACPINVS",
		"MMIO",
		"MMIOPortSpace",
		"PalCode",
		"Persistent",
		"Unaccepted",
	};

	return type < ARRAY_SIZE(names) ? names[type] : "OEM/unknown";
}

static bool tag_at(const u8 *p, u64 off, u64 size)
{
	if (off + CORE_TAG_LEN > size)
		return false;
	for (u32 i = 0; i < CORE_TAG_LEN; i++)
		if (p[off + i] != (u8)CORE_TAG[i])
			return false;
	return true;
}

/*
 * One pass over the pool: BOOTINFO_MAGIC at any aligned qword, the core's tag at any byte
 * offset (found by looking for its first byte a qword at a time), and every page against
 * page 0.
 */
static void scan_pool(const u8 *base, u64 size, struct pool_scan *r)
{
	const u64 ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	const u64 first = ones * (u8)CORE_TAG[0];
	const volatile u64 *page0 = (const volatile u64 *)base;
	u64 npages = size / PAGE_SIZE;

	*r = (struct pool_scan){ 0 };
	for (u64 p = 0; p < npages; p++) {
		const volatile u64 *pg = (const volatile u64 *)(base + p * PAGE_SIZE);
		bool differs = false;

		for (u64 q = 0; q < QWORDS_PER_PAGE; q++) {
			u64 v = pg[q], x = v ^ first;
			u64 off = p * PAGE_SIZE + q * 8;

			if (v == BOOTINFO_MAGIC && !r->magic_hits++)
				r->first_magic = off;
			if ((x - ones) & ~x & highs) {
				for (u32 j = 0; j < 8; j++) {
					if ((u8)(v >> (8 * j)) == (u8)CORE_TAG[0] &&
					    tag_at(base, off + j, size) && !r->tag_hits++)
						r->first_tag = off + j;
				}
			}
			if (p && !differs && v != page0[q]) {
				differs = true;
				if (!r->diff_pages) {
					r->first_diff_page = p;
					r->first_diff_off = q * 8;
					r->first_diff_val = v;
					r->first_diff_ref = page0[q];
				}
				r->diff_pages++;
			}
		}
	}
}

/* (d): [base, base + size) lies entirely in EfiReservedMemoryType descriptors. */
static void check_memmap(u64 base, u64 size)
{
	UINTN map_size = 0, key, desc_size;
	UINT32 desc_ver;
	EFI_MEMORY_DESCRIPTOR *map = NULL;
	EFI_STATUS st;
	u64 covered = 0, bad_base = 0;
	u32 bad_type = 0, bad = 0;

	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, NULL, &key, &desc_size, &desc_ver);
	if (st != EFI_BUFFER_TOO_SMALL) {
		report_fail("pool.memmap_reserved", "GetMemoryMap(size 0) returned 0x%lx", (u64)st);
		return;
	}
	map_size += 16 * desc_size;
	st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, map_size, (void **)&map);
	if (EFI_ERROR(st)) {
		report_fail("pool.memmap_reserved", "AllocatePool(%lu) returned 0x%lx",
			    (u64)map_size, (u64)st);
		return;
	}
	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, map, &key, &desc_size, &desc_ver);
	if (EFI_ERROR(st)) {
		report_fail("pool.memmap_reserved", "GetMemoryMap returned 0x%lx", (u64)st);
		goto out;
	}
	for (UINTN off = 0; off + desc_size <= map_size; off += desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)((u8 *)map + off);
		u64 lo = MAX(d->PhysicalStart, base);
		u64 hi = MIN(d->PhysicalStart + d->NumberOfPages * PAGE_SIZE, base + size);

		if (lo >= hi)
			continue;
		covered += hi - lo;
		report_info("pool memory map: 0x%lx-0x%lx %s (type %u) attr 0x%lx",
			    (u64)d->PhysicalStart,
			    (u64)(d->PhysicalStart + d->NumberOfPages * PAGE_SIZE),
			    efi_mem_type_name(d->Type), d->Type, (u64)d->Attribute);
		if (d->Type != EfiReservedMemoryType && !bad++) {
			bad_base = lo;
			bad_type = d->Type;
		}
	}
	if (bad)
		report_fail("pool.memmap_reserved",
			    "pool range at 0x%lx is %s (type %u), not Reserved (%u descriptors)",
			    bad_base, efi_mem_type_name(bad_type), bad_type, bad);
	else
		report_result("pool.memmap_reserved", covered == size,
			      "only 0x%lx of 0x%lx pool bytes are described by the memory map",
			      covered, size);
out:
	uefi_call_wrapper(BS->FreePool, 1, map);
}

/* (c): one distinct qword per page, then page 0 must show that the writes were shared. */
static void check_writes(u64 base, u64 size)
{
	volatile u64 *pool = (volatile u64 *)(uintptr_t)base;
	u64 npages = size / PAGE_SIZE;
	u64 v0;

	for (u64 i = 0; i < npages; i++)
		pool[i * QWORDS_PER_PAGE] = WRITE_PATTERN(i);
	v0 = pool[0];
	report_info("pool writes: page 0 reads 0x%016lx after writing 0x%016lx..0x%016lx", v0,
		    WRITE_PATTERN(0), WRITE_PATTERN(npages - 1));
	report_result("pool.writes_shared", v0 != WRITE_PATTERN(0) || npages == 1,
		      "page 0 kept its own pattern 0x%016lx after %lu more pages were written: "
		      "the writes reached separate memory",
		      v0, npages - 1);
}

static void check_hv_alive(struct vt0_ctx *ctx)
{
	static struct vt0_cpu_sample s[MP_MAX_CPUS];
	char why[REPORT_LINE_MAX - 40];
	u32 bad = 0, first_bad = 0;

	if (vt0_sample_all_cpus(ctx, s, why, sizeof(why))) {
		report_fail("pool.hv_alive", "%s", why);
		return;
	}
	for (u32 i = 0; i < ctx->mp.count; i++) {
		if (s[i].valid && !vt0_sig_is(&s[i].hv, VT0_HV_VENDOR_SIG) && !bad++)
			first_bad = i;
	}
	report_result("pool.hv_alive", !bad,
		      "after the writes %u CPU(s) no longer answer \"Microsoft Hv\" at 0x40000000, "
		      "first: cpu %u (eax=0x%08x ebx=0x%08x)",
		      bad, first_bad, s[first_bad].hv.eax, s[first_bad].hv.ebx);
}

/* "selftest-pool": a fake pool in real, distinct memory, with both markers planted. */
static const struct vtlvisor_efi_info *make_selftest_pool(struct vtlvisor_efi_info *fake)
{
	EFI_PHYSICAL_ADDRESS addr = 0;
	EFI_STATUS st;
	u64 *q;
	u8 *b;

	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiReservedMemoryType,
			       (UINTN)SELFTEST_PAGES, &addr);
	if (EFI_ERROR(st)) {
		report_info("selftest-pool: AllocatePages returned 0x%lx", (u64)st);
		return NULL;
	}
	q = (u64 *)(uintptr_t)addr;
	for (u64 i = 0; i < SELFTEST_PAGES * QWORDS_PER_PAGE; i++)
		q[i] = 0xa11ce00000000000ull | i;
	q[0x3028 / 8] = BOOTINFO_MAGIC;
	b = (u8 *)q;
	for (u32 i = 0; i < CORE_TAG_LEN; i++)
		b[0x10ffd + i] = (u8)CORE_TAG[i]; /* unaligned, across a page boundary */
	fake->magic = BOOTINFO_MAGIC;
	fake->version = 0;
	fake->cpu_count = 0;
	fake->pool_base = addr;
	fake->pool_size = SELFTEST_PAGES * PAGE_SIZE;
	report_info("selftest-pool: fake pool with BOOTINFO_MAGIC at +0x3028 and \"%s\" at "
		    "+0x10ffd: expect no_hv_memory, uniform, writes_shared to FAIL",
		    CORE_TAG);
	return fake;
}

void vt0_check_pool(struct vt0_ctx *ctx)
{
	static struct vtlvisor_efi_info fake;
	const struct vtlvisor_efi_info *info = find_info_table();
	struct pool_scan r;

	if (ctx->opt.expect_no_hv && !ctx->opt.selftest_pool) {
		report_result("pool.no_info_table", !info,
			      "VTLVISOR_INFO_GUID table present at %p (pool 0x%lx size 0x%lx)",
			      (const void *)info, info ? info->pool_base : 0,
			      info ? info->pool_size : 0);
		return;
	}
	if (!info && ctx->opt.selftest_pool)
		info = make_selftest_pool(&fake);
	if (!info) {
		report_fail("pool.info_table",
			    "no VTLVISOR_INFO_GUID configuration table among %lu entries",
			    (u64)ST->NumberOfTableEntries);
		return;
	}
	report_info("pool: base 0x%lx size 0x%lx (%lu KiB), info version %u cpu_count %u",
		    info->pool_base, info->pool_size, info->pool_size >> 10, info->version,
		    info->cpu_count);
	if (info->magic != BOOTINFO_MAGIC || !info->pool_size ||
	    !IS_ALIGNED(info->pool_base | info->pool_size, PAGE_SIZE)) {
		report_fail("pool.info_table",
			    "bad table: magic 0x%016lx (want 0x%016lx) base 0x%lx size 0x%lx",
			    info->magic, (u64)BOOTINFO_MAGIC, info->pool_base, info->pool_size);
		return;
	}
	report_pass("pool.info_table");

	u64 base = info->pool_base, size = info->pool_size;

	u64 t0 = cpu_rdtsc();

	scan_pool((const u8 *)(uintptr_t)base, size, &r);
	report_info("pool scan: %lu KiB in %lu TSC ticks", size >> 10, cpu_rdtsc() - t0);
	report_info("pool page 0 starts with 0x%016lx 0x%016lx", ((volatile u64 *)base)[0],
		    ((volatile u64 *)base)[1]);
	report_result("pool.no_hv_memory", !r.magic_hits && !r.tag_hits,
		      "%lu BOOTINFO_MAGIC qword(s), first at +0x%lx; %lu \"%s\", first at +0x%lx",
		      r.magic_hits, r.first_magic, r.tag_hits, CORE_TAG, r.first_tag);
	report_result("pool.uniform", !r.diff_pages,
		      "%lu of %lu pages differ from page 0; first: page %lu (0x%lx) +0x%lx "
		      "reads 0x%016lx, page 0 0x%016lx",
		      r.diff_pages, (u64)(size / PAGE_SIZE - 1), r.first_diff_page,
		      (u64)(base + r.first_diff_page * PAGE_SIZE), r.first_diff_off,
		      r.first_diff_val, r.first_diff_ref);
	check_memmap(base, size);
	check_writes(base, size);
	check_hv_alive(ctx);
}
