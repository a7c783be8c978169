/* SPDX-License-Identifier: MIT */
/*
 * The mirror (DESIGN.md 4): the partition's authoritative map of what a lower VTL may do
 * with each guest-physical page, as the higher VTL imposed it. Software only, never loaded
 * into hardware; the EPT views are derived from it (arch/x86/ept_prot.c).
 *
 * Shape: the EPT's radix, 512-ary over 48 bits, with large "leaves": an entry at the
 * 512 GiB, 1 GiB or 2 MiB level is either a uniform value for its whole range or a pointer
 * one level down. Below 2 MiB a block holds one 4-bit value per 4 KiB page and a count of
 * pages per value, so that "is this 2 MiB uniform again?" is one compare. Values:
 * HV_MAP_GPA flags 3:0 (R 1, W 2, kernel X 4, user X 8), or MIRROR_NOT_RAM for a page that
 * is no RAM of the partition (MMIO, the hypervisor pool): 8, user X alone, a combination
 * no caller can ask for (reference 3.8: nothing without R but 0). The HPA and memory type
 * of each page are the takeover map's (docs/MEMORY.md 3), carried by the views' leaves.
 *
 * Canonical form, kept by every operation: no block whose 512 values are equal, no node
 * whose 512 entries are the same uniform value (mirror_check verifies it). One protected
 * VTL (VTL0, the only one below VTL_MAX = 1): one value per page. Memory: a block is 320
 * bytes per 2 MiB (0.63 bytes per 4 KiB page, 12 blocks per pool page); nodes are 4 KiB
 * per 1 GiB or 512 GiB split. Callers serialise every operation on one mirror.
 */
#ifndef MM_MIRROR_H
#define MM_MIRROR_H

#include "lib/types.h"
#include "mm/pt.h"

#define MIRROR_NOT_RAM 0x8u
#define MIRROR_VALUES 16u
#define MIRROR_PAGES 512u     /* per block */
#define MIRROR_BLOCK_SHIFT 21 /* a block covers 2 MiB */

struct mirror_block {
	u8 val[MIRROR_PAGES / 2]; /* page i: val[i % 256] >> 4 * (i / 256), 4 bits */
	u16 count[MIRROR_VALUES]; /* pages per value */
	u64 *view_table;	  /* the view's 4 KiB leaf table here, or NULL (its user's) */
	u64 gpa;		  /* the block's first address */
	u8 user_mark;		  /* its user's; 0 when made (ept_prot: on its merge list) */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct mirror_block) == 320, "12 blocks per 4 KiB page");

struct mirror {
	u64 top;   /* [0, top) is mapped; a multiple of 2 MiB, at most 2^48 */
	u64 *root; /* 512 entries of 512 GiB */
	const struct pt_alloc *alloc;
	struct mirror_block *free_blocks; /* linked through view_table */
	u64 nodes;			  /* node pages, the root included */
	u64 block_pages;		  /* the last page carved into blocks (a chain) */
	u64 block_page_count;		  /* pages carved into blocks */
	u64 blocks;			  /* blocks in use */
};

/* An empty mirror of [0, top) where every page has value val. 0, -EINVAL, -ENOMEM. */
int mirror_init(struct mirror *m, u64 top, u8 val, const struct pt_alloc *alloc);
/* Frees every node and block page. */
void mirror_destroy(struct mirror *m);
/* Sets [gpa, gpa + size) (4 KiB aligned, inside top) to val with the largest uniform
 * entries; canonical afterwards. 0, -EINVAL, -ENOMEM (then the range may be half set, the
 * map canonical and well formed). */
int mirror_fill(struct mirror *m, u64 gpa, u64 size, u8 val);
/* The value of gpa's page (gpa < top). */
u8 mirror_get(const struct mirror *m, u64 gpa);
/* gpa's block, made from a uniform entry when there is none (nodes and the block
 * allocated as needed): NULL on -ENOMEM. gpa < top. */
struct mirror_block *mirror_block(struct mirror *m, u64 gpa);
/* gpa's block if it has one, else NULL (its 2 MiB are uniform). */
struct mirror_block *mirror_block_find(const struct mirror *m, u64 gpa);
/*
 * After a block became uniform (its count of one value is 512): the block becomes a uniform
 * entry and is freed, and the levels above it are merged the same way while they are
 * uniform. Returns the size of the largest range now held by one uniform entry (2 MiB,
 * 1 GiB or 512 GiB): what the views may merge.
 */
u64 mirror_collapse(struct mirror *m, struct mirror_block *b);
/* Checks the invariants (counts, canonical form, in-range); fills the sizes. 0 or -EINVAL. */
int mirror_check(const struct mirror *m, u64 *nodes, u64 *blocks);

static inline u8 mirror_block_get(const struct mirror_block *b, u32 i)
{
	return (u8)((b->val[i & 255] >> ((i >> 6) & 4)) & 0xf);
}

/* Page i from old (its value now) to val: the caller has read old. */
static inline void mirror_block_set(struct mirror_block *b, u32 i, u8 old, u8 val)
{
	u32 sh = (i >> 6) & 4;

	b->val[i & 255] = (u8)((b->val[i & 255] & ~(0xfu << sh)) | (u32)val << sh);
	b->count[old]--;
	b->count[val]++;
}

static inline bool mirror_block_uniform(const struct mirror_block *b, u8 val)
{
	return b->count[val] == MIRROR_PAGES;
}

#endif
