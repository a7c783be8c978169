// SPDX-License-Identifier: MIT
/* The protection engine: the mirror and the protected view, changed in place (ept_prot.h). */
#include "arch/x86/ept_prot.h"

#include "arch/x86/ept_format.h"
#include "lib/compiler.h"
#include "lib/errno.h"

#define EPT_PERMS (EPT_R | EPT_W | EPT_X | EPT_XU)
#define EPT_LEAF_PERMS (EPT_PERMS | EPT_NOACCESS)

u64 ept_prot_leaf_perm(const struct ept_prot *p, u8 val)
{
	if (val == MIRROR_NOT_RAM)
		return EPT_R | EPT_W | EPT_X;
	u64 perm = ((val & 1) ? EPT_R : 0) | ((val & 2) ? EPT_W : 0) | ((val & 4) ? EPT_X : 0) |
		   ((p->mbec && (val & 8)) ? EPT_XU : 0);
	return perm ? perm : EPT_NOACCESS;
}

u8 ept_prot_pt_perm(const struct ept_prot *p, u8 val)
{
	if (val == MIRROR_NOT_RAM)
		return PT_RWX;
	return (u8)(((val & 1) ? PT_R : 0) | ((val & 2) ? PT_W : 0) | ((val & 4) ? PT_X : 0) |
		    ((p->mbec && (val & 8)) ? PT_XU : 0));
}

int ept_prot_init(struct ept_prot *p, struct pt *view, u64 top, u8 val,
		  const struct pt_alloc *alloc)
{
	p->view = view;
	p->mbec = false;
	p->hot = NULL;
	for (u8 v = 0; v < MIRROR_VALUES; v++)
		p->leaf_perm[v] = ept_prot_leaf_perm(p, v);
	p->nuniform = 0;
	return mirror_init(&p->mirror, top, val, alloc);
}

void ept_prot_destroy(struct ept_prot *p)
{
	mirror_destroy(&p->mirror);
}

/* The view's table of 4 KiB leaves for gpa's 2 MiB, split out of a large leaf if needed
 * (same HPA, type and permissions: no translation changes). NULL: *err says why. */
static u64 *view_table(struct ept_prot *p, u64 gpa, int *err)
{
	u64 *t = pt_leaf_table(p->view, gpa);
	struct pt_attr a;

	if (t)
		return t;
	*err = pt_lookup(p->view, gpa, NULL, &a, NULL);
	if (*err)
		return NULL; /* the view maps all of [0, top): not reached */
	*err = pt_protect(p->view, ALIGN_DOWN(gpa, PAGE_SIZE), PAGE_SIZE, &a);
	return *err ? NULL : pt_leaf_table(p->view, gpa);
}

/* The block at gpa, if it is still there and uniform: one entry in the mirror, and the view
 * merges over what is uniform now (a 2 MiB or 1 GiB range). */
static void collapse_at(struct ept_prot *p, u64 gpa, struct ept_prot_result *r)
{
	struct mirror_block *b = mirror_block_find(&p->mirror, gpa);

	p->hot = NULL; /* b, or a block of the range merged with it, goes away */
	if (b)
		b->user_mark = 0; /* off the list */
	if (!b || !mirror_block_uniform(b, mirror_block_get(b, 0)))
		return;
	/* EPT has no leaf above 1 GiB (SDM vol.3 29.3.2): the view merges over at most the
	 * 1 GiB around b, never the whole map when the mirror collapses further. */
	u64 size = mirror_collapse(&p->mirror, b); /* b is free now */
	size = MIN(size, SZ_1G);
	u64 start = ALIGN_DOWN(gpa, size), tables = p->view->nr_tables;
	(void)pt_merge(p->view, start, MIN(size, p->mirror.top - start));
	r->merged |= p->view->nr_tables < tables;
}

/* block_done's rare part: b is uniform again and goes on the list (the oldest one there is
 * merged to make room). */
static void __attribute__((noinline))
block_listed(struct ept_prot *p, struct mirror_block *b, struct ept_prot_result *r)
{
	if (p->nuniform == EPT_PROT_MERGE_DELAY) {
		u64 oldest = p->uniform[0];
		for (u32 i = 1; i < p->nuniform; i++)
			p->uniform[i - 1] = p->uniform[i];
		p->nuniform--;
		collapse_at(p, oldest, r);
	}
	p->uniform[p->nuniform++] = b->gpa;
	b->user_mark = 1;
}

/* Done with block b for now: uniform again and not on the list yet, it goes there. */
static inline void block_done(struct ept_prot *p, struct mirror_block *b, struct ept_prot_result *r)
{
	if (!b->user_mark && mirror_block_uniform(b, mirror_block_get(b, 0)))
		block_listed(p, b, r);
}

void ept_prot_settle(struct ept_prot *p, struct ept_prot_result *r)
{
	while (p->nuniform)
		collapse_at(p, p->uniform[--p->nuniform], r);
}

/*
 * The block of page g, with its view table (split out of a large leaf if needed), for
 * ept_prot_set's next page: 0, or -EINVAL (beyond top; a 2 MiB that is all MMIO or pool is
 * refused without making it a block), -ENOMEM. A block made whose view table could not be
 * made is done here (block_done keeps the mirror canonical). Out of line: most pages stay
 * in the block they are in, and the loop then keeps its state in registers.
 */
static struct mirror_block *__attribute__((noinline))
block_switch(struct ept_prot *p, u64 g, struct ept_prot_result *r, int *err)
{
	struct mirror_block *b;

	*err = -EINVAL;
	if (g >= p->mirror.top >> 12)
		return NULL;
	b = mirror_block_find(&p->mirror, g << 12);
	if (!b && mirror_get(&p->mirror, g << 12) == MIRROR_NOT_RAM)
		return NULL;
	*err = -ENOMEM;
	if (!b && !(b = mirror_block(&p->mirror, g << 12)))
		return NULL;
	*err = 0;
	if (!b->view_table && !(b->view_table = view_table(p, g << 12, err))) {
		block_done(p, b, r);
		return NULL;
	}
	return b;
}

int ept_prot_set(struct ept_prot *p, const u64 *gpn, u32 n, u8 val, struct ept_prot_result *r)
{
	const u64 perm = p->leaf_perm[val & (MIRROR_VALUES - 1)], *g_at = gpn, *g_end = gpn + n;
	struct mirror_block *b = p->hot;
	u64 *t = b ? b->view_table : NULL, removed = 0;
	/* The 2 MiB that b covers (top is 2 MiB-aligned: a page in it is below top). */
	u64 cur = b ? b->gpa >> MIRROR_BLOCK_SHIFT : ~0ULL;
	int err = 0;

	p->hot = NULL;
	for (; g_at < g_end; g_at++) {
		u64 g = *g_at;
		if (g >> 9 != cur) { /* another 2 MiB: its block, and its view table */
			if (b)
				block_done(p, b, r);
			b = block_switch(p, g, r, &err);
			if (!b)
				break;
			t = b->view_table;
			cur = g >> 9;
		}
		/* Page k's value: the low or high half (k / 256) of byte k % 256 (mirror.h). */
		u32 k = (u32)g & 511, sh = ((u32)g >> 6) & 4;
		u8 *vb = &b->val[(u8)g];
		u32 old = (*vb >> sh) & 0xf;
		u64 e = t[k];
		/* Not RAM of the partition, or pinned: an overlay (its leaf maps another page),
		 * the xAPIC page. */
		if (old == MIRROR_NOT_RAM || (e & EPT_PINNED)) {
			err = -EINVAL;
			break;
		}
		/* Also when old == val: then nothing changes (the counts go down and up, the
		 * leaf's permissions are already perm), and a test would cost more than it
		 * saves in the common case, a page that changes. */
		*vb ^= (u8)((old ^ val) << sh); /* mirror_block_set: old becomes val */
		b->count[old]--;
		b->count[val]++;
		/* One store: a walker sees the old leaf or the new (SDM vol.3 29.3.2). */
		*(volatile u64 *)&t[k] = (e & ~EPT_LEAF_PERMS) | perm;
		removed |= e;
	}
	if (b) {
		block_done(p, b, r);
		if (!err)
			p->hot = b;
	}
	r->done = (u32)(g_at - gpn);
	r->tightened |= (removed & ~perm & EPT_PERMS) != 0;
	return err;
}

int ept_prot_fill(struct ept_prot *p, u64 gpa, u64 size, u8 val, struct ept_prot_result *r)
{
	p->hot = NULL; /* the fill may free blocks */
	int err = mirror_fill(&p->mirror, gpa, size, val);

	if (err || val == MIRROR_NOT_RAM)
		return err; /* the view keeps the takeover map's permissions there */
	/* Leaf by leaf: a large leaf the range covers only in part is split by pt_protect. */
	for (u64 cur = gpa, end = gpa + size; cur < end;) {
		struct pt_attr a;
		unsigned level;
		u64 pa;
		if (pt_lookup(p->view, cur, &pa, &a, &level))
			return -EINVAL;
		u64 lsize = PT_LEVEL_SIZE(level), seg = MIN(end, ALIGN_DOWN(cur, lsize) + lsize);
		u8 want = ept_prot_pt_perm(p, val);
		/* Not pinned (an overlay, the xAPIC page), not the pool's scratch page. */
		if (pa == cur && !(a.flags & PT_F_PINNED) && a.perm != want) {
			r->tightened |= (a.perm & ~want) != 0;
			a.perm = want;
			err = pt_protect(p->view, cur, seg - cur, &a);
			if (err)
				return err;
		}
		cur = seg;
	}
	r->done = 1;
	return 0;
}
