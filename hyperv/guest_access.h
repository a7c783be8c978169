/* SPDX-License-Identifier: MIT */
/*
 * The one checked way the TLFS code reaches guest memory (DESIGN.md 5): a block of a
 * hypercall's input or output, through the caller's view. Refused (INVALID_ALIGNMENT, as
 * the TLFS says for bad input/output pointers) when it is misaligned, crosses a page, is
 * not ordinary memory of the partition (MMIO, the pool, an overlay page) or the view does
 * not grant the access.
 */
#ifndef HYPERV_GUEST_ACCESS_H
#define HYPERV_GUEST_ACCESS_H

#include "lib/types.h"

struct vcpu;

/* Checks [gpa, gpa + len) for reading (write = false) or writing; returns its host
 * address or NULL. */
void *hv_guest_block(struct vcpu *v, u64 gpa, u32 len, bool write);

#endif
