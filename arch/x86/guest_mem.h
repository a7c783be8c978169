/* SPDX-License-Identifier: MIT */
/* Reading guest memory for emulation: guest-linear to guest-physical (SDM vol.3 ch.4). */
#ifndef ARCH_X86_GUEST_MEM_H
#define ARCH_X86_GUEST_MEM_H

#include "lib/types.h"

/*
 * Translates a guest-linear address with the current VMCS's guest paging mode: none
 * (CR0.PG = 0) or 4-level IA-32e paging. 0, or -ENOENT (not present), -ENOTSUP (32-bit
 * or PAE paging: not needed by any emulation path yet).
 */
int guest_linear_to_phys(u64 la, u64 *gpa);
/* Copies up to n bytes of guest code at the current CS:RIP (stops at a page boundary or a
 * translation failure); returns how many bytes were read. */
size_t guest_fetch_code(u8 *buf, size_t n);

#endif
