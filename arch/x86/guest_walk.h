/* SPDX-License-Identifier: MIT */
/*
 * A walk of a guest's own page tables (SDM vol.3 chapter 4: 32-bit, PAE, 4-level and
 * 5-level paging), reading every table through the guest's EPT view of its VTL: a page
 * table the guest places in the hypervisor's pool or outside its memory reads as what the
 * guest itself would see there (the scratch page: zeros) or fails, never as host memory.
 * For HvCallTranslateVirtualAddress and the emulation paths (arch/x86/guest_mem.c).
 */
#ifndef ARCH_X86_GUEST_WALK_H
#define ARCH_X86_GUEST_WALK_H

#include "lib/types.h"

/* The paging state of one VTL of a VP (its CR0, CR3, CR4, EFER). */
struct guest_paging {
	u64 cr0, cr3, cr4, efer;
};

/* What a walk found. */
struct guest_walk {
	u64 gpa; /* the translation of the address */
	u64 page_size;
	bool writable; /* every level allows writes (R/W) */
	bool user;     /* every level allows user accesses (U/S) */
	bool nx;       /* some level forbids execution (XD, with EFER.NXE) */
};

/* Walk results besides 0. */
#define GUEST_WALK_NOT_PRESENT (-1)
#define GUEST_WALK_RESERVED (-2) /* a reserved bit set in an entry (SDM vol.3 4.x) */
#define GUEST_WALK_UNMAPPED (-3) /* a table the guest's view cannot read: w->gpa the entry's */

/*
 * Translates gva with paging state p in the EPT view of vtl. With set_ad, the accessed
 * flags of every entry used, and dirty on the leaf when dirty is true, are set (as the CPU
 * does), through the same view (a table it cannot write stops the walk: UNMAPPED). 0 or a
 * GUEST_WALK_* value.
 */
int guest_walk(u32 vtl, const struct guest_paging *p, u64 gva, bool set_ad, bool dirty,
	       struct guest_walk *w);
/* A guest-physical page of vtl's view as a hypervisor pointer for reading (write false)
 * or writing; NULL where the view does not allow it. */
void *guest_view_page(u32 vtl, u64 gpa, bool write);

#endif
