// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the protection engine (arch/x86/ept_prot.c, mm/mirror.c, mm/pt.c) driven
 * by arbitrary bytes, checked against a per-page model after every operation. The map is
 * 2 GiB shaped like the root partition's (1 GiB / 2 MiB leaves, a first 2 MiB of 4 KiB
 * leaves, a "pool" mapped to a scratch page, MMIO, overlays). Each input is a program:
 *
 *   op byte: bits 1:0 the kind, 7:2 a count; then per kind:
 *     0 a list in one 2 MiB: 2 bytes region, then count pages of 1 byte (index in it)
 *     1 a scattered list: count pages of 3 bytes (a page number, maybe out of range)
 *     2 a fill (enable-style): 2 bytes first page, 2 bytes pages
 *     3 out of memory for the next list: count = allocations allowed
 *   value byte (a protection) for kinds 0-2.
 *
 * Any mismatch, a bad mirror or table tree, or a leaked page aborts (a finding).
 * Run: make fuzz (FUZZ_SECONDS=n); `make test` runs it for a bounded time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/ept_format.h"
#include "arch/x86/ept_prot.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "mm/phys.h"
#include "mm/pt.h"

#define TOP (2 * SZ_1G)
#define PAGES (TOP / PAGE_SIZE)
#define ARENA_PAGES 4096
#define BASE_PA 0x40000000000ULL
#define POOL_LO (SZ_1G + 8 * SZ_2M)
#define POOL_HI (POOL_LO + 2 * SZ_2M)
#define SCRATCH POOL_LO
#define MMIO_LO (SZ_1G + 40 * SZ_2M + 7 * PAGE_SIZE)
#define MMIO_HI (MMIO_LO + SZ_2M)
#define OVL_A (5 * PAGE_SIZE)
#define OVL_B (SZ_1G + 3 * SZ_2M + 9 * PAGE_SIZE) /* pinned, on its own page (as the xAPIC page) */

#define CHECK(c, ...)                                                                  \
	do {                                                                           \
		if (!(c)) {                                                            \
			fprintf(stderr, "fuzz_ept_prot: %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                                  \
			fprintf(stderr, "\n");                                         \
			abort();                                                       \
		}                                                                      \
	} while (0)

static u8 *arena;
static u8 used[ARENA_PAGES];
static long live, budget = -1;
static u8 model[PAGES];

static u64 arena_alloc(void *ctx)
{
	if (budget == 0)
		return 0;
	for (u32 i = 0; i < ARENA_PAGES; i++) {
		if (!used[i]) {
			used[i] = 1;
			live++;
			if (budget > 0)
				budget--;
			memset(arena + (u64)i * PAGE_SIZE, 0x5a, PAGE_SIZE);
			return BASE_PA + (u64)i * PAGE_SIZE;
		}
	}
	CHECK(0, "arena exhausted");
	return 0;
}

static void arena_free(void *ctx, u64 pa)
{
	u64 i = (pa - BASE_PA) / PAGE_SIZE;
	CHECK(pa >= BASE_PA && i < ARENA_PAGES && used[i], "bad free %#llx",
	      (unsigned long long)pa);
	used[i] = 0;
	live--;
	memset(arena + i * PAGE_SIZE, 0xa5, PAGE_SIZE);
}

static const struct pt_alloc alloc = { arena_alloc, arena_free, NULL };

static bool is_ram(u64 g)
{
	return !(g >= POOL_LO && g < POOL_HI) && !(g >= MMIO_LO && g < MMIO_HI);
}

static bool is_overlay(u64 g)
{
	return g == OVL_A || g == OVL_B;
}

static u64 base_hpa(u64 g)
{
	if (g >= POOL_LO && g < POOL_HI)
		return SCRATCH;
	return g == OVL_A ? 0x100000000000ULL + g : g; /* OVL_B: pinned on its own page */
}

static u8 perm_of(u8 val)
{
	if (val == MIRROR_NOT_RAM)
		return PT_RWX;
	return (u8)(((val & 1) ? PT_R : 0) | ((val & 2) ? PT_W : 0) | ((val & 4) ? PT_X : 0));
}

static void check_page(const struct pt *view, const struct ept_prot *p, u64 g)
{
	struct pt_attr a;
	u64 pa;
	u8 want = is_overlay(g) ? (PT_R | PT_X) : perm_of(model[g >> 12]);

	CHECK(!pt_lookup(view, g, &pa, &a, NULL), "%#llx unmapped", (unsigned long long)g);
	CHECK(pa == base_hpa(g) && a.perm == want && ept_prot_get(p, g) == model[g >> 12],
	      "%#llx: pa %#llx perm %u value %u, want perm %u value %u", (unsigned long long)g,
	      (unsigned long long)pa, a.perm, ept_prot_get(p, g), want, model[g >> 12]);
}

/* Protections a caller may ask for (normalised: user X = kernel X), and a few it may not. */
static u8 value_from(u8 b)
{
	static const u8 v[] = { 0x0, 0x1, 0x3, 0xd, 0xf, 0xf, 0x3, 0x1 };
	return v[b & 7];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pt view;
	static struct ept_prot eng;
	static u64 gpn[64];
	struct pt_attr rwx = { PT_RWX, PT_MT_WB, 0 }, ovl = { PT_R | PT_X, PT_MT_WB, PT_F_PINNED };
	size_t at = 0;

	if (!arena) {
		arena = aligned_alloc(PAGE_SIZE, (size_t)ARENA_PAGES * PAGE_SIZE);
		CHECK(arena, "no arena");
		mm_set_phys_offset((s64)((u64)(uintptr_t)arena - BASE_PA));
	}
	budget = -1;
	CHECK(!pt_init(&view, &ept_format, PT_LEAF_4K | PT_LEAF_2M | PT_LEAF_1G, &alloc), "init");
	CHECK(!pt_map(&view, 0, 0, TOP, &rwx), "map");
	for (u64 g = 0; g < SZ_2M; g += PAGE_SIZE) {
		struct pt_attr t = { PT_RWX, (g >> 12) % 3 ? PT_MT_WB : PT_MT_UC, 0 };
		CHECK(!pt_map(&view, g, g, PAGE_SIZE, &t), "map 4k");
	}
	for (u64 g = POOL_LO; g < POOL_HI; g += PAGE_SIZE)
		CHECK(!pt_map(&view, g, SCRATCH, PAGE_SIZE, &rwx), "map pool");
	CHECK(!pt_map(&view, OVL_A, base_hpa(OVL_A), PAGE_SIZE, &ovl), "overlay");
	CHECK(!pt_map(&view, OVL_B, base_hpa(OVL_B), PAGE_SIZE, &ovl), "overlay");
	CHECK(!ept_prot_init(&eng, &view, TOP, MIRROR_NOT_RAM, &alloc), "engine");
	memset(model, MIRROR_NOT_RAM, sizeof(model));
	struct ept_prot_result r = { 0 };
	const u64 ram[][2] = { { 0, POOL_LO }, { POOL_HI, MMIO_LO }, { MMIO_HI, TOP } };
	for (int i = 0; i < 3; i++) {
		CHECK(!ept_prot_fill(&eng, ram[i][0], ram[i][1] - ram[i][0], 0xf, &r), "enable");
		memset(model + ram[i][0] / PAGE_SIZE, 0xf, (ram[i][1] - ram[i][0]) / PAGE_SIZE);
	}

	while (at < size) {
		u8 op = data[at++], kind = op & 3, count = op >> 2;
		u32 n = 0;
		if (kind == 3) {
			budget = count % 8;
			continue;
		}
		if (kind == 0 && at + 3 <= size) {
			u64 region = (data[at] | (u64)data[at + 1] << 8) % (PAGES / 512);
			at += 2;
			for (; n < (u32)count % 64 + 1 && at < size; n++)
				gpn[n] = region * 512 + data[at++] * 2 + (n & 1);
		} else if (kind == 1) {
			for (; n < (u32)count % 64 + 1 && at + 3 <= size; n++, at += 3)
				gpn[n] = ((u64)data[at] | (u64)data[at + 1] << 8 |
					  (u64)data[at + 2] << 16) %
					 (PAGES + 16);
		} else if (kind == 2 && at + 5 <= size) {
			u64 first = (data[at] | (u64)data[at + 1] << 8) * 37 % PAGES;
			u64 pages = (data[at + 2] | (u64)data[at + 3] << 8) % (PAGES - first) + 1;
			u8 val = value_from(data[at + 4]) | 0x3; /* a default gives R and W */
			at += 5;
			/* Enable-style: only over RAM (the caller fills RAM ranges only). */
			bool ram_only = true;
			for (u64 g = first; g < first + pages && ram_only; g++)
				ram_only = is_ram(g << 12);
			if (!ram_only)
				continue;
			r = (struct ept_prot_result){ 0 };
			budget = -1;
			CHECK(!ept_prot_fill(&eng, first << 12, pages << 12, val, &r), "fill");
			memset(model + first, val, pages);
			check_page(&view, &eng, first << 12);
			check_page(&view, &eng, (first + pages - 1) << 12);
			continue;
		} else {
			break;
		}
		if (at >= size)
			break;
		u8 val = value_from(data[at++]);
		u32 want = n;
		for (u32 i = 0; i < n; i++) {
			if (gpn[i] >= PAGES || !is_ram(gpn[i] << 12) || is_overlay(gpn[i] << 12)) {
				want = i;
				break;
			}
		}
		r = (struct ept_prot_result){ 0 };
		int err = ept_prot_set(&eng, gpn, n, val, &r);
		budget = -1;
		bool tight = false;
		CHECK(r.done <= want, "done %u beyond the first bad page %u", r.done, want);
		/* At the bad page itself, out of memory may come first (its block could not be
		 * made, so it was not looked at); anywhere else the answer is exact. */
		CHECK(err == (r.done == n ? 0 : (r.done < want ? -ENOMEM : -EINVAL)) ||
			      (err == -ENOMEM && r.done == want && want < n),
		      "err %d done %u want %u n %u", err, r.done, want, n);
		for (u32 i = 0; i < r.done; i++) {
			tight |= (perm_of(model[gpn[i]]) & ~perm_of(val)) != 0;
			model[gpn[i]] = val;
		}
		CHECK(r.tightened == tight, "tightened %d, model %d", r.tightened, tight);
		for (u32 i = 0; i < n; i++)
			if (gpn[i] < PAGES)
				check_page(&view, &eng, gpn[i] << 12);
	}
	u64 nodes, blocks, tables;
	r = (struct ept_prot_result){ 0 };
	ept_prot_settle(&eng, &r); /* the merges that wait, then the canonical form */
	CHECK(!mirror_check(&eng.mirror, &nodes, &blocks), "mirror_check");
	CHECK(!pt_check(&view, &tables), "pt_check");
	for (u64 g = 0; g < TOP; g += 97 * PAGE_SIZE)
		check_page(&view, &eng, g);
	ept_prot_destroy(&eng);
	pt_destroy(&view);
	CHECK(live == 0, "%ld pages leaked", live);
	return 0;
}
