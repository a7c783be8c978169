/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_MSR_BITMAP_H
#define ARCH_X86_MSR_BITMAP_H

#include "lib/types.h"

/* Builds the partition's MSR bitmap (one 4 KiB page); returns its physical address or 0. */
u64 msr_bitmap_create(void);
/* Marks msr as exiting on read and/or write; false if outside the bitmap's ranges. */
bool msr_bitmap_intercept(u8 *bitmap, u32 msr, bool read, bool write);

#endif
