// SPDX-License-Identifier: MIT
/*
 * The checked accessor for hypercall input and output (hyperv/guest_access.c): alignment
 * and page-crossing refusals, the EPT permission, overlays, the pool and MMIO refused, and
 * the per-VP cache of the last good page: hit without a walk, refilled when the page or
 * the EPT generation changes, never granting a write on a page checked for reading.
 * The EPT lookup and the overlay list are stand-ins that count their calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/core.h"
#include "arch/x86/ept.h"
#include "arch/x86/vcpu.h"
#include "hyperv/guest_access.h"
#include "mm/phys.h"

struct core core;
static struct bootinfo bi;
static struct vcpu vp;
static u8 ram[4 * 4096] __attribute__((aligned(4096)));

#define RAM_GPA 0x100000ULL	/* 4 pages of RAM, the first read-only in the EPT */
#define OVERLAY_GPA 0x102000ULL /* the third is an overlay */
#define POOL_GPA 0x40000000ULL	/* the pool */
#define MMIO_GPA 0xfee00000ULL	/* the APIC */

static u32 lookups;

int pt_lookup(const struct pt *pt, u64 va, u64 *pa, struct pt_attr *a, unsigned *level)
{
	lookups++;
	*pa = va;
	a->perm = va >> 12 == RAM_GPA >> 12 ? PT_R | PT_X : PT_RWX;
	a->memtype = PT_MT_WB;
	return 0;
}

bool ept_is_overlay(u32 vtl, u64 gpa)
{
	return vtl == 0 && (gpa & ~0xfffULL) == OVERLAY_GPA;
}

static int setup(void **state)
{
	memset(&bi, 0, sizeof(bi));
	bi.mem_count = 3;
	bi.mem[0] = (struct bootinfo_mem){ 0, POOL_GPA, BOOTINFO_MEM_RAM, 0 };
	bi.mem[1] = (struct bootinfo_mem){ POOL_GPA, 0x1000000, BOOTINFO_MEM_POOL, 0 };
	bi.mem[2] = (struct bootinfo_mem){ MMIO_GPA, 0x1000, BOOTINFO_MEM_MMIO, 0 };
	core.bi = &bi;
	core.view_gen[0] = 1;
	mm_set_phys_offset((s64)((u64)(uintptr_t)ram - RAM_GPA));
	vp.index = 3;
	lookups = 0;
	return 0;
}

static void test_refusals(void **state)
{
	assert_null(hv_guest_block(&vp, RAM_GPA + 0x1004, 8, false));  /* misaligned */
	assert_null(hv_guest_block(&vp, RAM_GPA + 0x1ff8, 16, false)); /* crosses a page */
	assert_null(hv_guest_block(&vp, RAM_GPA + 0x1000, 0, false));  /* empty */
	assert_null(hv_guest_block(&vp, OVERLAY_GPA, 8, false));
	assert_null(hv_guest_block(&vp, POOL_GPA, 8, false));
	assert_null(hv_guest_block(&vp, MMIO_GPA, 8, false));
	assert_null(hv_guest_block(&vp, RAM_GPA, 8, true)); /* read-only in the EPT */
	assert_ptr_equal(hv_guest_block(&vp, RAM_GPA + 8, 8, false), ram + 8);
}

static void test_cache(void **state)
{
	u8 *p = hv_guest_block(&vp, RAM_GPA + 0x1000, 16, false);

	assert_ptr_equal(p, ram + 0x1000);
	assert_int_equal(lookups, 1);
	/* The same page again, another offset: no walk. */
	assert_ptr_equal(hv_guest_block(&vp, RAM_GPA + 0x1ff0, 16, false), ram + 0x1ff0);
	assert_int_equal(lookups, 1);
	/* A write is checked on its own (and its own entry). */
	assert_ptr_equal(hv_guest_block(&vp, RAM_GPA + 0x1008, 8, true), ram + 0x1008);
	assert_int_equal(lookups, 2);
	/* A read-only page read, then written: the read's entry never grants the write. */
	assert_non_null(hv_guest_block(&vp, RAM_GPA, 8, false));
	assert_null(hv_guest_block(&vp, RAM_GPA, 8, true));
	/* Another VTL's view changed (VTL1 protected VTL0's memory: VTL0's view; a VTL1
	 * overlay): VTL1's entries hold. */
	u32 before = lookups;
	vp.active_vtl = 1;
	assert_non_null(hv_guest_block(&vp, RAM_GPA + 0x1000, 8, true));
	assert_int_equal(lookups, before + 1);
	core.view_gen[0]++; /* as ept_publish does for VTL0's view */
	core.ept_gen++;
	assert_non_null(hv_guest_block(&vp, RAM_GPA + 0x1000, 8, true));
	assert_int_equal(lookups, before + 1);
	/* This VTL's view changed (an overlay, a protection): checked again. */
	core.view_gen[1]++;
	assert_non_null(hv_guest_block(&vp, RAM_GPA + 0x1000, 8, true));
	assert_int_equal(lookups, before + 2);
	vp.active_vtl = 0;
	before = lookups;
	/* Another page: checked. */
	assert_non_null(hv_guest_block(&vp, RAM_GPA + 0x3000, 8, true));
	assert_int_equal(lookups, before + 1);
	/* A refused page does not replace a good entry with a bad one. */
	assert_null(hv_guest_block(&vp, OVERLAY_GPA, 8, true));
	assert_non_null(hv_guest_block(&vp, RAM_GPA + 0x3000, 8, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_refusals, setup),
		cmocka_unit_test_setup(test_cache, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
