/* SPDX-License-Identifier: MIT */
/*
 * The generic 4-level page-table engine. Host paging (IA-32e, SDM vol.3 4.5) and EPT (SDM
 * vol.3 29.3) are two formats of it: a format is a const table of small hooks that encode
 * and decode one entry; the engine does the walking, splitting, merging and the table
 * bookkeeping for both.
 *
 * Levels are numbered as in the SDM: 4 = PML4 (512 GiB per entry), 3 = PDPT (1 GiB),
 * 2 = PD (2 MiB), 1 = PT (4 KiB). Addresses are 48 bits wide; a format may declare them
 * sign-extended (canonical, host paging), then the upper half 0xffff8000'00000000.. is valid.
 *
 * Rules every operation follows:
 *  - addresses and sizes are 4 KiB aligned (-EINVAL otherwise; pt_lookup takes any address);
 *    a range may not wrap or leave the address space; size 0 does nothing;
 *  - the engine keeps no global state and never invalidates a TLB: the caller does that
 *    after every change, and must not let a table given to free_table be reused by another
 *    CPU before it has invalidated (queue frees in its pt_alloc if that can happen);
 *  - every entry is changed with one 64-bit store; new tables are filled before they are
 *    linked, so a concurrent hardware walk sees the old or the new translation of a page;
 *  - out of memory in the middle of an operation returns -ENOMEM with the tree well formed,
 *    no table leaked and every page of the range either as before or as asked;
 *  - no table but the root is ever left empty;
 *  - bits a format does not describe in struct pt_attr (accessed, dirty, software bits) are
 *    not preserved when a large leaf is split or leaves are merged.
 * Callers serialise operations on one struct pt (lookups and walks included).
 */
#ifndef MM_PT_H
#define MM_PT_H

#include "lib/types.h"

#define PT_LEVELS 4
#define PT_VA_BITS 48
#define PT_ENTRIES 512
/* Highest physical address bit an entry can hold (MAXPHYADDR <= 52, SDM vol.3 4.1.4). */
#define PT_PA_BITS 52

/* Bytes mapped by one entry at level (1..4). */
#define PT_LEVEL_SIZE(level) (1ULL << (12 + 9 * ((level)-1)))

/* Abstract permissions. */
#define PT_R 1u
#define PT_W 2u
#define PT_X 4u	 /* execute (supervisor execute when the format distinguishes, e.g. MBEC) */
#define PT_XU 8u /* user-mode execute (EPT mode-based execute control) */
#define PT_RWX (PT_R | PT_W | PT_X)

/* Memory types, with the architectural encoding (SDM vol.3 11.11 MTRRs, 11.12 PAT). */
#define PT_MT_UC 0u
#define PT_MT_WC 1u
#define PT_MT_WT 4u
#define PT_MT_WP 5u
#define PT_MT_WB 6u

/* Attribute flags; each format accepts only those it can express (attr_ok). */
#define PT_F_IGNORE_PAT 1u /* EPT: the leaf memory type overrides the guest PAT */
#define PT_F_USER 2u	   /* host paging: user-mode accessible (U/S) */
#define PT_F_GLOBAL 4u	   /* host paging: global translation (G) */
#define PT_F_PINNED 8u	   /* EPT: a leaf the protection engine leaves alone (EPT_PINNED) */

/* Leaf-level masks: bit L set = level L may hold a leaf. */
#define PT_LEAF_4K (1u << 1)
#define PT_LEAF_2M (1u << 2)
#define PT_LEAF_1G (1u << 3)

struct pt_attr {
	u8 perm;    /* PT_R | PT_W | PT_X | PT_XU */
	u8 memtype; /* PT_MT_* */
	u8 flags;   /* PT_F_* */
};

/*
 * One entry format. Hooks are pure functions of their arguments. An entry is a table
 * pointer, a leaf, or not present (0 is always "not present").
 */
struct pt_format {
	const char *name;
	unsigned leaf_levels; /* PT_LEAF_* the format can express; must include PT_LEAF_4K */
	bool sign_extend;     /* addresses are canonical 48-bit (upper half valid) */
	/* true when the format can express a = {perm, memtype, flags} in a leaf. */
	bool (*attr_ok)(const struct pt_attr *a);
	/* Non-leaf entry pointing to the 4 KiB table at table_pa. */
	u64 (*mk_table)(u64 table_pa);
	/* Leaf at level mapping pa (aligned to the level) with attributes a (attr_ok). */
	u64 (*mk_leaf)(u64 pa, unsigned level, const struct pt_attr *a);
	bool (*present)(u64 e);
	/* For a present entry: is it a leaf at this level? */
	bool (*is_leaf)(u64 e, unsigned level);
	/* For a present entry: the table address, or the leaf's page address. */
	u64 (*addr)(u64 e, unsigned level);
	/* For a present leaf: its attributes. */
	void (*get_attr)(u64 e, unsigned level, struct pt_attr *out);
	/*
	 * Optional (addr_mask 0: none), for pt_lookup's walk without a call per level: the
	 * same answers as present, is_leaf and addr, as masks. present(e) == ((e &
	 * present_mask) != 0); is_leaf(e, l) == (l == 1 || (leaf_levels has l && (e &
	 * leaf_bit))); addr(e, l) == (e & addr_mask). The format's unit test checks it.
	 */
	u64 present_mask, leaf_bit, addr_mask;
};

/* Where tables come from. */
struct pt_alloc {
	/* Physical address of a free 4 KiB page (the engine clears it), 0 on failure. */
	u64 (*alloc_table)(void *ctx);
	void (*free_table)(void *ctx, u64 pa);
	void *ctx;
};

struct pt {
	const struct pt_format *fmt;
	u64 root_pa;
	unsigned leaf_levels; /* format's set intersected with what the CPU supports */
	const struct pt_alloc *alloc;
	u64 nr_tables; /* tables in the tree, the root included */
};

/*
 * Allocates an empty root. leaf_levels is intersected with the format's set; the result
 * must be 4K, 4K|2M or 4K|2M|1G (-EINVAL otherwise). -ENOMEM if the root cannot be
 * allocated.
 */
int pt_init(struct pt *pt, const struct pt_format *fmt, unsigned leaf_levels,
	    const struct pt_alloc *alloc);
/* Frees every table, the root included. */
void pt_destroy(struct pt *pt);

/*
 * Maps [va, va + size) to [pa, pa + size) with attributes a, replacing whatever was there,
 * with the largest leaves va, pa and the size allow. Large leaves that straddle the range
 * edges are split so that their outside part keeps its mapping; tables the new leaves cover
 * completely are freed. -EINVAL for a bad range or attributes the format cannot express.
 */
int pt_map(struct pt *pt, u64 va, u64 pa, u64 size, const struct pt_attr *a);
/* Unmaps [va, va + size) (unmapped parts are fine); frees the tables that become empty. */
int pt_unmap(struct pt *pt, u64 va, u64 size);
/*
 * Sets the attributes of every mapped page of [va, va + size), keeping its address;
 * unmapped parts are skipped. A large leaf is split only if the range covers part of it.
 */
int pt_protect(struct pt *pt, u64 va, u64 size, const struct pt_attr *a);
/*
 * Translates va (any alignment): *pa = its physical address (page offset included), *a =
 * the attributes, *level = the leaf's level; each output may be NULL. 0, -ENOENT when not
 * mapped, -EINVAL for an address outside the format's address space.
 */
int pt_lookup(const struct pt *pt, u64 va, u64 *pa, struct pt_attr *a, unsigned *level);
/*
 * Every table intersecting [va, va + size) whose 512 entries are leaves contiguous in pa,
 * aligned for the level above, with identical attributes, becomes one large leaf of that
 * level (when the level allows leaves) and is freed; bottom-up, so merges cascade upwards.
 * Translations do not change. Never allocates.
 */
int pt_merge(struct pt *pt, u64 va, u64 size);

/*
 * The table of 4 KiB leaves that maps va's page, for callers that rewrite leaves in place
 * (arch/x86/ept_prot.c: one 64-bit store per leaf, the format's bits kept): NULL when va is
 * unmapped or mapped by a larger leaf. Valid until an operation frees that table.
 */
u64 *pt_leaf_table(const struct pt *pt, u64 va);

/*
 * Calls fn for every leaf intersecting [va, va + size), in address order, clipped to the
 * range (va and pa of the first mapped byte in the range, size of the mapped part). A
 * non-zero return from fn stops the walk and is returned.
 */
typedef int (*pt_walk_fn)(void *ctx, u64 va, u64 pa, u64 size, const struct pt_attr *a);
int pt_walk(const struct pt *pt, u64 va, u64 size, pt_walk_fn fn, void *ctx);

/*
 * Debug check of the whole tree: every non-leaf entry points to an aligned table, leaves sit
 * only at allowed levels with aligned addresses and attributes the format accepts, no table
 * but the root is empty, and the table count equals pt->nr_tables. 0 or -EFAULT;
 * *nr_tables_out (may be NULL) receives the number of tables found.
 */
int pt_check(const struct pt *pt, u64 *nr_tables_out);

#endif
