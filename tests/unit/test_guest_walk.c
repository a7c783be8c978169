// SPDX-License-Identifier: MIT
/*
 * arch/x86/guest_walk.c: a guest's page tables walked through its EPT view (SDM vol.3
 * chapter 4): 4-level with 4K, 2M and 1G leaves, 5-level, PAE, 32-bit with 4M pages, no
 * paging; not-present, reserved bits, non-canonical addresses; the R/W, U/S and XD bits of
 * every level; accessed and dirty flags; and tables the view cannot read (the hypervisor's
 * pool, MMIO, nothing mapped), which must never be read as host memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/core.h"
#include "arch/x86/guest_walk.h"
#include "arch/x86/msr.h"
#include "mm/phys.h"
#include "mm/pt.h"

struct core core;

/* Guest memory: 16 pages at GPA MEM_GPA. The view: RAM there (write-back), one page of
 * MMIO (uncached) and one read-only page; everything else unmapped. */
#define MEM_GPA 0x200000ULL
#define NPAGES 16
static u8 mem[NPAGES * 4096] __attribute__((aligned(4096)));
#define PG(n) (MEM_GPA + (u64)(n)*4096)
#define MMIO_PAGE PG(14)
#define RO_PAGE PG(15)

int pt_lookup(const struct pt *pt, u64 va, u64 *pa, struct pt_attr *a, unsigned *level)
{
	if (va < MEM_GPA || va >= PG(NPAGES))
		return -1; /* not mapped */
	*pa = va;
	a->perm = va == RO_PAGE ? PT_R : PT_RWX;
	a->memtype = va == MMIO_PAGE ? PT_MT_UC : PT_MT_WB;
	return 0;
}

static u64 *ent(u32 page, u32 index)
{
	return (u64 *)(mem + page * 4096) + index;
}

static u32 *ent32(u32 page, u32 index)
{
	return (u32 *)(mem + page * 4096) + index;
}

static int setup(void **state)
{
	memset(mem, 0, sizeof(mem));
	memset(&core, 0, sizeof(core));
	core.caps.phys_addr_bits = 39;
	core.ept[0].root_pa = 0x1000;
	mm_set_phys_offset((s64)((u64)(uintptr_t)mem - MEM_GPA));
	return 0;
}

#define P 1ULL
#define RW 2ULL
#define US 4ULL
#define A (1ULL << 5)
#define D (1ULL << 6)
#define PS (1ULL << 7)
#define XD (1ULL << 63)
#define LONG                                                                    \
	{                                                                       \
		CR0_PG | CR0_PE, PG(0), CR4_PAE, EFER_LME | EFER_LMA | EFER_NXE \
	}

/* GVA 0x0000_0040_2000_3000: PML4[0] PDPT[1] PD[1] PT[3]. */
#define GVA 0x40203123ULL
static void map_4k(u64 leaf_flags)
{
	*ent(0, 0) = PG(1) | P | RW | US;
	*ent(1, 1) = PG(2) | P | RW | US;
	*ent(2, 1) = PG(3) | P | RW | US;
	*ent(3, 3) = 0x7654000ULL | leaf_flags;
}

static void test_four_level_4k(void **state)
{
	const struct guest_paging p = LONG;
	struct guest_walk w;

	map_4k(P | RW | US);
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), 0);
	assert_int_equal(w.gpa, 0x7654123ULL);
	assert_int_equal(w.page_size, 4096);
	assert_true(w.writable && w.user && !w.nx);
	assert_int_equal(*ent(3, 3) & (A | D), 0); /* no A/D without set_ad */
	/* Each level's bits count: a read-only PDE, a supervisor PDPTE, an XD leaf. */
	*ent(2, 1) &= ~RW;
	*ent(1, 1) &= ~US;
	*ent(3, 3) |= XD;
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), 0);
	assert_true(!w.writable && !w.user && w.nx);
	/* A and D as the CPU sets them: A everywhere, D on the leaf of a write. */
	assert_int_equal(guest_walk(0, &p, GVA, true, true, &w), 0);
	assert_true((*ent(0, 0) & A) && (*ent(1, 1) & A) && (*ent(2, 1) & A));
	assert_int_equal(*ent(3, 3) & (A | D), A | D);
	assert_int_equal(*ent(2, 1) & D, 0);
}

static void test_not_present_reserved_noncanonical(void **state)
{
	const struct guest_paging p = LONG;
	struct guest_paging no_nx = LONG;
	struct guest_walk w;

	map_4k(RW | US); /* leaf not present */
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), GUEST_WALK_NOT_PRESENT);
	map_4k(P | (1ULL << 45)); /* an address bit above MAXPHYADDR (39) */
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), GUEST_WALK_RESERVED);
	map_4k(P | XD);
	no_nx.efer &= ~EFER_NXE; /* XD is reserved without EFER.NXE */
	assert_int_equal(guest_walk(0, &no_nx, GVA, false, false, &w), GUEST_WALK_RESERVED);
	assert_int_equal(guest_walk(0, &p, 0x0000800000000000ULL, false, false, &w),
			 GUEST_WALK_NOT_PRESENT); /* not canonical */
	*ent(0, 0) |= PS;			  /* no PS in a PML4E */
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), GUEST_WALK_RESERVED);
}

static void test_large_pages(void **state)
{
	const struct guest_paging p = LONG;
	struct guest_walk w;

	*ent(0, 0) = PG(1) | P | RW;
	*ent(1, 1) = PG(2) | P | RW;
	*ent(2, 1) = 0x40000000ULL | P | RW | PS; /* 2 MiB at 1 GiB */
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), 0);
	assert_int_equal(w.gpa, 0x40000000ULL | (GVA & 0x1fffff));
	assert_int_equal(w.page_size, 2 << 20);
	*ent(2, 1) |= 1ULL << 14; /* an address bit below the 2 MiB size */
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), GUEST_WALK_RESERVED);
	*ent(1, 1) = 0x80000000ULL | P | PS; /* 1 GiB */
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), 0);
	assert_int_equal(w.gpa, 0x80000000ULL | (GVA & 0x3fffffff));
	assert_int_equal(w.page_size, 1 << 30);
	assert_false(w.writable);
}

static void test_five_level(void **state)
{
	struct guest_paging p = LONG;
	struct guest_walk w;

	p.cr4 |= 1ULL << 12; /* LA57: the PML5 is PG(0), its entry 0 the PML4 */
	*ent(0, 0) = PG(4) | P | RW | US;
	*ent(4, 0) = PG(1) | P | RW | US;
	*ent(1, 1) = PG(2) | P | RW | US;
	*ent(2, 1) = PG(3) | P | RW | US;
	*ent(3, 3) = 0x7654000ULL | P;
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), 0);
	assert_int_equal(w.gpa, 0x7654123ULL);
	/* 57-bit canonical: bit 56 and up equal. */
	assert_int_equal(guest_walk(0, &p, 1ULL << 56, false, false, &w), GUEST_WALK_NOT_PRESENT);
}

static void test_pae_and_32bit(void **state)
{
	struct guest_paging pae = { CR0_PG | CR0_PE, PG(0) + 0x20, CR4_PAE, EFER_NXE };
	struct guest_paging b32 = { CR0_PG | CR0_PE, PG(0), 1ULL << 4 /* PSE */, 0 };
	struct guest_walk w;

	/* PAE: PDPTE[1] (at CR3 + 8) -> PD[1] -> PT[3]; GVA 0x40203123. */
	*ent(0, 5) = PG(2) | P; /* CR3 + 0x20 = entry 4; index 1 is entry 5 */
	*ent(2, 1) = PG(3) | P | RW | US;
	*ent(3, 3) = 0x7654000ULL | P | XD;
	assert_int_equal(guest_walk(0, &pae, GVA, false, false, &w), 0);
	assert_int_equal(w.gpa, 0x7654123ULL);
	assert_true(w.nx && !w.writable);
	*ent(0, 5) |= RW; /* reserved in a PAE PDPTE */
	assert_int_equal(guest_walk(0, &pae, GVA, false, false, &w), GUEST_WALK_RESERVED);

	/* 32-bit: PDE[0x100] -> a 4 MiB page with PSE, a table without it. */
	*ent32(0, 0x100) = 0x00c00000u | P | RW | PS;
	assert_int_equal(guest_walk(0, &b32, 0x40012345ULL, false, false, &w), 0);
	assert_int_equal(w.gpa, 0x00c12345ULL);
	assert_int_equal(w.page_size, 4 << 20);
	b32.cr4 = 0; /* PS ignored: the entry names a page table (at 0xc00000: unmapped) */
	assert_int_equal(guest_walk(0, &b32, 0x40012345ULL, false, false, &w), GUEST_WALK_UNMAPPED);
	/* No paging: the address itself (32 bits outside long mode). */
	struct guest_paging off = { CR0_PE, 0, 0, 0 };
	assert_int_equal(guest_walk(0, &off, 0x123456789ULL, false, false, &w), 0);
	assert_int_equal(w.gpa, 0x23456789ULL);
}

static void test_tables_the_view_cannot_read(void **state)
{
	struct guest_paging p = LONG;
	struct guest_walk w;

	/* A table outside the guest's memory (say, in the hypervisor's pool): never read. */
	map_4k(P);
	*ent(2, 1) = 0x40000000ULL | P | RW | US; /* the "PT" is not mapped in the view */
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), GUEST_WALK_UNMAPPED);
	/* In MMIO: not read either (a device register). */
	*ent(2, 1) = MMIO_PAGE | P | RW | US;
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), GUEST_WALK_UNMAPPED);
	/* Read-only to the guest: a walk reads it, but does not set A there. */
	*ent(2, 1) = RO_PAGE | P | RW | US;
	*(u64 *)(mem + 15 * 4096 + 3 * 8) = 0x5000ULL | P;
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), 0);
	assert_int_equal(guest_walk(0, &p, GVA, true, false, &w), GUEST_WALK_UNMAPPED);
	/* CR3 itself outside the view; a VTL with no view at all. */
	p.cr3 = 0x100000;
	assert_int_equal(guest_walk(0, &p, GVA, false, false, &w), GUEST_WALK_UNMAPPED);
	p.cr3 = PG(0);
	assert_int_equal(guest_walk(1, &p, GVA, false, false, &w), GUEST_WALK_UNMAPPED);
	assert_null(guest_view_page(1, PG(0), false));
	assert_null(guest_view_page(0, RO_PAGE, true));
	assert_non_null(guest_view_page(0, RO_PAGE, false));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(test_four_level_4k), T(test_not_present_reserved_noncanonical),
		T(test_large_pages),   T(test_five_level),
		T(test_pae_and_32bit), T(test_tables_the_view_cannot_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
