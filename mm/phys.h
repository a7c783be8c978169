/* SPDX-License-Identifier: MIT */
/*
 * How code reaches physical memory. The core and the UEFI loader run with an identity map of
 * the memory they touch, so phys_to_virt(pa) == (void *)pa there; host unit tests back their
 * "physical memory" with a malloc'd buffer and set an offset so that va = pa + offset.
 */
#ifndef MM_PHYS_H
#define MM_PHYS_H

#include "lib/types.h"

/* Virtual address through which the byte at physical address pa is reached. */
void *phys_to_virt(u64 pa);
/* Inverse of phys_to_virt. */
u64 virt_to_phys(const void *va);
/*
 * Sets the offset (va = pa + off; 0 by default). Called once, before any other CPU runs and
 * before any page is allocated; host tests call it when they set up their backing buffer.
 */
void mm_set_phys_offset(s64 off);

#endif
