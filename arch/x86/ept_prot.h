/* SPDX-License-Identifier: MIT */
/*
 * The protection engine (DESIGN.md 4, issue 5): the mirror (mm/mirror.h) and the protected
 * VTL's EPT view, changed together and in place. A page's leaf in the view is the takeover
 * map's (HPA, memory type) with the permissions the mirror gives it: R, W and X from
 * HV_MAP_GPA flags 0-2, user X (EPT bit 10) only with mode-based execute control. A
 * change is a mirror block update and one 64-bit store into the view's leaf; a large leaf
 * is split only where a page now differs, and merged back when its range stays uniform
 * (EPT_PROT_MERGE_DELAY).
 *
 * Pages the engine never rewrites: MIRROR_NOT_RAM ones (MMIO, the pool: their leaves keep
 * the takeover map's permissions), and pinned leaves (PT_F_PINNED, EPT_PINNED): overlays
 * (a leaf whose HPA is not its GPA: the hypercall, VP assist, SynIC and reference TSC
 * pages keep the permissions their owner gave them; ept_prot_pt_perm gives the one to
 * restore when an overlay goes), and the xAPIC page, read-only to VTL0 wherever the
 * firmware's map puts it. Whoever maps such a leaf marks it; the engine tests one bit.
 *
 * Pure: no locking, no invalidation, no global state. The caller (ept_change.c) serialises
 * calls with every other change of the view, invalidates when a result says so, and gives
 * the view an allocator that does not reuse freed tables before that. Host-tested against
 * a model (tests/unit/test_ept_prot.c).
 */
#ifndef ARCH_X86_EPT_PROT_H
#define ARCH_X86_EPT_PROT_H

#include "lib/types.h"
#include "mm/mirror.h"
#include "mm/pt.h"

/*
 * Merges wait: a block that became uniform stays a block (its range split in the view) on
 * a short list, and is merged only when it is pushed off the end still uniform. A guest
 * that flips pages of one 2 MiB range back and forth (R, then RWX again) then pays for no
 * split and no merge per call; ranges that stay uniform merge a few calls later.
 */
#define EPT_PROT_MERGE_DELAY 16

struct ept_prot {
	struct mirror mirror;
	struct pt *view;	      /* the protected VTL's view */
	bool mbec;		      /* mode-based execute control: user X is EPT bit 10 */
	u64 leaf_perm[MIRROR_VALUES]; /* ept_prot_leaf_perm of each value, made at init */
	/* The block the last change ended in, with its view table ready (NULL: none): a
	 * guest protects pages near each other, so most calls start without a walk. Forgotten
	 * whenever a block may go away (a collapse, a fill). */
	struct mirror_block *hot;
	u32 nuniform;
	u64 uniform[EPT_PROT_MERGE_DELAY]; /* blocks uniform again, oldest first: their GPA */
};

/* What one call did to the view. */
struct ept_prot_result {
	u32 done;	/* pages (or, for a fill, ranges) applied */
	bool tightened; /* a permission went away: the view must be invalidated */
	bool merged;	/* tables were freed by a merge */
};

/* The engine over view for [0, top), every page val (a fill makes it what it is). */
int ept_prot_init(struct ept_prot *p, struct pt *view, u64 top, u8 val,
		  const struct pt_alloc *alloc);
void ept_prot_destroy(struct ept_prot *p);

/*
 * [gpa, gpa + size) to val, the view's leaves included (splitting large leaves at the
 * edges; pinned leaves and MIRROR_NOT_RAM pages untouched in the view). For enabling (the
 * default protection, the pages that are no RAM). 0, -EINVAL, -ENOMEM.
 */
int ept_prot_fill(struct ept_prot *p, u64 gpa, u64 size, u8 val, struct ept_prot_result *r);

/*
 * The pages gpn[0..n) (guest page numbers, read as given: a guest's input) to val (a valid
 * combination, checked by the caller), in order. Stops at the first page that cannot be
 * protected: beyond top, MIRROR_NOT_RAM, or pinned in the view (-EINVAL), or when memory
 * runs out (-ENOMEM); r->done pages are applied either way.
 */
int ept_prot_set(struct ept_prot *p, const u64 *gpn, u32 n, u8 val, struct ept_prot_result *r);

/* Merges every block on the list that is still uniform (tests, and before checking the
 * mirror's canonical form). */
void ept_prot_settle(struct ept_prot *p, struct ept_prot_result *r);

/* The value of gpa's page (gpa < top). */
static inline u8 ept_prot_get(const struct ept_prot *p, u64 gpa)
{
	return mirror_get(&p->mirror, gpa);
}

/* EPT permission bits (SDM vol.3 29.3.2: R 0, W 1, X 2, user X 10) for a mirror value;
 * EPT_NOACCESS for none. */
u64 ept_prot_leaf_perm(const struct ept_prot *p, u8 val);
/* The same as the page-table engine's PT_R/W/X/XU (MIRROR_NOT_RAM: the takeover map's RWX). */
u8 ept_prot_pt_perm(const struct ept_prot *p, u8 val);

#endif
