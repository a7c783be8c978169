/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_MSR_BITMAP_H
#define ARCH_X86_MSR_BITMAP_H

#include "lib/types.h"

/* Builds the partition's MSR bitmap (one 4 KiB page); returns its physical address or 0. */
u64 msr_bitmap_create(void);
/* The MSR bitmap of the VTLs above 0: the partition's (base_pa), plus every access to
 * the local APIC's MSRs, which their own APICs answer (arch/x86/vp_vtl_apic.h). */
u64 msr_bitmap_create_higher_vtl(u64 base_pa);
/* Marks msr as exiting on read and/or write; false if outside the bitmap's ranges. */
bool msr_bitmap_intercept(u8 *bitmap, u32 msr, bool read, bool write);

#endif
