// SPDX-License-Identifier: MIT
/* Physical <-> virtual translation for memory the hypervisor owns (see phys.h). */
#include "mm/phys.h"

/*
 * va = pa + mm_phys_offset. Written only by mm_set_phys_offset, once during single-threaded
 * start-up (host tests: by the test before it touches any page); read-only afterwards, so no
 * lock.
 */
static s64 mm_phys_offset;

void *phys_to_virt(u64 pa)
{
	return (void *)(uintptr_t)(pa + (u64)mm_phys_offset);
}

u64 virt_to_phys(const void *va)
{
	return (u64)(uintptr_t)va - (u64)mm_phys_offset;
}

void mm_set_phys_offset(s64 off)
{
	mm_phys_offset = off;
}
