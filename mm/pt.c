// SPDX-License-Identifier: MIT
/*
 * The generic 4-level page-table engine (see pt.h). Formats encode entries; this file walks,
 * splits, merges and counts tables. Recursion depth is bounded by the number of levels (a
 * split fills a fresh table through the same code, one level lower).
 *
 * Internally addresses are "linear": the low 48 bits of the virtual address, so the upper
 * canonical half of a sign-extended format is simply the top of the 48-bit space.
 */
#include "mm/pt.h"

#include "lib/compiler.h"
#include "lib/errno.h"
#include "mm/phys.h"

#define PT_LIN_MASK (BIT(PT_VA_BITS) - 1)
#define PT_HALF BIT(PT_VA_BITS - 1)
#define PT_LEAF_ALL (PT_LEAF_4K | PT_LEAF_2M | PT_LEAF_1G)

static unsigned pt_index(u64 lin, unsigned level)
{
	return (lin >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static u64 *pt_table(u64 pa)
{
	return phys_to_virt(pa);
}

/* Entries are read and written with single 64-bit accesses: a hardware walker (or another
 * CPU's lookup) never sees half an entry. */
static u64 pt_get(const u64 *slot)
{
	return *(const volatile u64 *)slot;
}

static void pt_set(u64 *slot, u64 v)
{
	*(volatile u64 *)slot = v;
}

static bool pt_leaf_ok(const struct pt *pt, unsigned level)
{
	return pt->leaf_levels & (1u << level);
}

/* A present entry at level that points to a table (level 1 entries are always leaves). */
static bool pt_is_table(const struct pt *pt, u64 e, unsigned level)
{
	return level > 1 && pt->fmt->present(e) && !pt->fmt->is_leaf(e, level);
}

static bool pt_attr_eq(const struct pt_attr *a, const struct pt_attr *b)
{
	return a->perm == b->perm && a->memtype == b->memtype && a->flags == b->flags;
}

static u64 pt_canon(const struct pt *pt, u64 lin)
{
	if (pt->fmt->sign_extend && (lin & PT_HALF))
		return lin | ~PT_LIN_MASK;
	return lin;
}

/*
 * Checks that [va, va + size) lies in one half of the address space (or in the 48-bit space
 * when addresses are not sign-extended) and gives the linear address of va.
 */
static int pt_lin(const struct pt *pt, u64 va, u64 size, u64 *lin)
{
	u64 room;

	if (pt->fmt->sign_extend && va >= ~(PT_HALF - 1))
		room = -va; /* bytes up to 2^64 */
	else if (va < (pt->fmt->sign_extend ? PT_HALF : BIT(PT_VA_BITS)))
		room = (pt->fmt->sign_extend ? PT_HALF : BIT(PT_VA_BITS)) - va;
	else
		return -EINVAL;
	if (size > room)
		return -EINVAL;
	*lin = va & PT_LIN_MASK;
	return 0;
}

static int pt_range(const struct pt *pt, u64 va, u64 size, u64 *lin)
{
	if (!IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		return -EINVAL;
	return pt_lin(pt, va, size, lin);
}

/* ---- table bookkeeping ------------------------------------------------------------------ */

static u64 pt_new_table(struct pt *pt)
{
	u64 pa = pt->alloc->alloc_table(pt->alloc->ctx);
	u64 *t;
	unsigned i;

	if (!pa)
		return 0;
	if (!IS_ALIGNED(pa, PAGE_SIZE)) {
		pt->alloc->free_table(pt->alloc->ctx, pa);
		return 0;
	}
	t = pt_table(pa);
	for (i = 0; i < PT_ENTRIES; i++)
		pt_set(&t[i], 0);
	pt->nr_tables++;
	return pa;
}

/* Frees the table at level and every table below it. The caller has unlinked it. */
static void pt_free_tree(struct pt *pt, u64 table_pa, unsigned level)
{
	u64 *t = pt_table(table_pa);
	unsigned i;

	for (i = 0; level > 1 && i < PT_ENTRIES; i++) {
		u64 e = pt_get(&t[i]);

		if (pt_is_table(pt, e, level))
			pt_free_tree(pt, pt->fmt->addr(e, level), level - 1);
	}
	pt->alloc->free_table(pt->alloc->ctx, table_pa);
	pt->nr_tables--;
}

static bool pt_table_empty(const struct pt *pt, u64 table_pa)
{
	const u64 *t = pt_table(table_pa);
	unsigned i;

	for (i = 0; i < PT_ENTRIES; i++)
		if (pt->fmt->present(pt_get(&t[i])))
			return false;
	return true;
}

/* ---- map / unmap / protect ------------------------------------------------------------ */

enum pt_op_kind { PT_OP_MAP, PT_OP_UNMAP, PT_OP_PROTECT };

struct pt_op {
	enum pt_op_kind kind;
	u64 start; /* linear address of the first byte of the operation */
	u64 pa;	   /* PT_OP_MAP: physical address mapped at start */
	const struct pt_attr *attr;
};

static int pt_apply(struct pt *pt, u64 table_pa, unsigned level, u64 s, u64 end,
		    const struct pt_op *op);

/*
 * Applies op to [s, t_end), the part of the range inside the entry at slot (level, covering
 * [e_start, e_start + level size)).
 */
static int pt_apply_entry(struct pt *pt, u64 *slot, unsigned level, u64 e_start, u64 s, u64 t_end,
			  const struct pt_op *op)
{
	const struct pt_format *f = pt->fmt;
	u64 sz = PT_LEVEL_SIZE(level);
	bool full = s == e_start && t_end == e_start + sz;
	u64 e = pt_get(slot);
	bool present = f->present(e);
	bool table = pt_is_table(pt, e, level);
	u64 child;
	int ret = 0;

	switch (op->kind) {
	case PT_OP_MAP:
		if (full && pt_leaf_ok(pt, level)) {
			u64 pa = op->pa + (e_start - op->start);

			if (IS_ALIGNED(pa, sz)) {
				pt_set(slot, f->mk_leaf(pa, level, op->attr));
				if (table)
					pt_free_tree(pt, f->addr(e, level), level - 1);
				return 0;
			}
		}
		break;
	case PT_OP_UNMAP:
		if (!present)
			return 0;
		if (full) {
			pt_set(slot, 0);
			if (table)
				pt_free_tree(pt, f->addr(e, level), level - 1);
			return 0;
		}
		break;
	case PT_OP_PROTECT:
		if (!present)
			return 0;
		if (full && !table) {
			pt_set(slot, f->mk_leaf(f->addr(e, level), level, op->attr));
			return 0;
		}
		break;
	}
	/* Level 1 entries are always handled above; anything else here is a corrupt tree. */
	if (level == 1)
		return -EFAULT;

	if (table) {
		/* Descend into the existing table, in place. */
		child = f->addr(e, level);
		ret = pt_apply(pt, child, level - 1, s, t_end, op);
		if (op->kind == PT_OP_UNMAP && pt_table_empty(pt, child)) {
			pt_set(slot, 0);
			pt_free_tree(pt, child, level - 1);
		}
		return ret;
	}

	/* A fresh table, filled while unreachable and linked in one store. */
	child = pt_new_table(pt);
	if (!child)
		return -ENOMEM;
	if (present && !full) {
		/* Split a large leaf: the part outside the range keeps its mapping. */
		struct pt_attr la;
		struct pt_op fill = { .kind = PT_OP_MAP, .start = e_start, .attr = &la };

		f->get_attr(e, level, &la);
		fill.pa = f->addr(e, level);
		ret = pt_apply(pt, child, level - 1, e_start, e_start + sz, &fill);
	}
	if (!ret)
		ret = pt_apply(pt, child, level - 1, s, t_end, op);
	if (ret) {
		pt_free_tree(pt, child, level - 1);
		return ret;
	}
	/* Never empty: a map writes a leaf, a split keeps the part outside the range. */
	pt_set(slot, f->mk_table(child));
	return 0;
}

/* Applies op to [s, end), which lies inside the span of the table at level. */
static int pt_apply(struct pt *pt, u64 table_pa, unsigned level, u64 s, u64 end,
		    const struct pt_op *op)
{
	u64 *t = pt_table(table_pa);
	u64 sz = PT_LEVEL_SIZE(level);
	u64 cur = s;

	while (cur < end) {
		u64 e_start = ALIGN_DOWN(cur, sz);
		u64 t_end = MIN(end, e_start + sz);
		int ret = pt_apply_entry(pt, &t[pt_index(cur, level)], level, e_start, cur, t_end,
					 op);

		if (ret)
			return ret;
		cur = t_end;
	}
	return 0;
}

static int pt_run(struct pt *pt, u64 va, u64 size, struct pt_op *op)
{
	u64 lin;
	int ret = pt_range(pt, va, size, &lin);

	if (ret)
		return ret;
	if (!size)
		return 0;
	op->start = lin;
	return pt_apply(pt, pt->root_pa, PT_LEVELS, lin, lin + size, op);
}

int pt_map(struct pt *pt, u64 va, u64 pa, u64 size, const struct pt_attr *a)
{
	struct pt_op op = { .kind = PT_OP_MAP, .pa = pa, .attr = a };

	if (!a || !pt->fmt->attr_ok(a) || !IS_ALIGNED(pa, PAGE_SIZE) || pa >= BIT(PT_PA_BITS) ||
	    size > BIT(PT_PA_BITS) - pa)
		return -EINVAL;
	return pt_run(pt, va, size, &op);
}

int pt_unmap(struct pt *pt, u64 va, u64 size)
{
	struct pt_op op = { .kind = PT_OP_UNMAP };

	return pt_run(pt, va, size, &op);
}

int pt_protect(struct pt *pt, u64 va, u64 size, const struct pt_attr *a)
{
	struct pt_op op = { .kind = PT_OP_PROTECT, .attr = a };

	if (!a || !pt->fmt->attr_ok(a))
		return -EINVAL;
	return pt_run(pt, va, size, &op);
}

/* ---- merge -------------------------------------------------------------------------------- */

/*
 * If the table at clevel holds 512 leaves contiguous in pa from an address aligned to the
 * level above, with identical attributes, builds the equivalent leaf of the level above.
 */
static bool pt_collapse(const struct pt *pt, u64 table_pa, unsigned clevel, u64 *leaf)
{
	const struct pt_format *f = pt->fmt;
	const u64 *t = pt_table(table_pa);
	u64 csz = PT_LEVEL_SIZE(clevel);
	u64 e = pt_get(&t[0]);
	struct pt_attr a0, a;
	u64 pa0;
	unsigned i;

	if (!f->present(e) || pt_is_table(pt, e, clevel))
		return false;
	pa0 = f->addr(e, clevel);
	if (!IS_ALIGNED(pa0, PT_LEVEL_SIZE(clevel + 1)))
		return false;
	f->get_attr(e, clevel, &a0);
	for (i = 1; i < PT_ENTRIES; i++) {
		e = pt_get(&t[i]);
		if (!f->present(e) || pt_is_table(pt, e, clevel) ||
		    f->addr(e, clevel) != pa0 + i * csz)
			return false;
		f->get_attr(e, clevel, &a);
		if (!pt_attr_eq(&a, &a0))
			return false;
	}
	*leaf = f->mk_leaf(pa0, clevel + 1, &a0);
	return true;
}

static void pt_merge_table(struct pt *pt, u64 table_pa, unsigned level, u64 s, u64 end)
{
	u64 *t = pt_table(table_pa);
	u64 sz = PT_LEVEL_SIZE(level);
	u64 cur = s;

	while (cur < end) {
		u64 e_start = ALIGN_DOWN(cur, sz);
		u64 t_end = MIN(end, e_start + sz);
		u64 *slot = &t[pt_index(cur, level)];
		u64 e = pt_get(slot);

		if (pt_is_table(pt, e, level)) {
			u64 child = pt->fmt->addr(e, level);
			u64 leaf;

			pt_merge_table(pt, child, level - 1, cur, t_end);
			if (pt_table_empty(pt, child)) {
				pt_set(slot, 0);
				pt_free_tree(pt, child, level - 1);
			} else if (pt_leaf_ok(pt, level) &&
				   pt_collapse(pt, child, level - 1, &leaf)) {
				pt_set(slot, leaf);
				pt_free_tree(pt, child, level - 1);
			}
		}
		cur = t_end;
	}
}

int pt_merge(struct pt *pt, u64 va, u64 size)
{
	u64 lin;
	int ret = pt_range(pt, va, size, &lin);

	if (ret)
		return ret;
	if (size)
		pt_merge_table(pt, pt->root_pa, PT_LEVELS, lin, lin + size);
	return 0;
}

/* ---- lookup, walk, check ------------------------------------------------------------------ */

int pt_lookup(const struct pt *pt, u64 va, u64 *pa, struct pt_attr *a, unsigned *level)
{
	const struct pt_format *f = pt->fmt;
	u64 table_pa = pt->root_pa;
	u64 lin;
	unsigned l;

	if (pt_lin(pt, ALIGN_DOWN(va, PAGE_SIZE), PAGE_SIZE, &lin))
		return -EINVAL;
	lin |= va & (PAGE_SIZE - 1);
	if (f->addr_mask) { /* the same walk, the format's masks instead of its hooks */
		for (l = PT_LEVELS; l >= 1; l--) {
			u64 e = pt_get(&pt_table(table_pa)[pt_index(lin, l)]);
			if (!(e & f->present_mask))
				return -ENOENT;
			if (l == 1 || ((f->leaf_levels & (1u << l)) && (e & f->leaf_bit))) {
				if (pa)
					*pa = (e & f->addr_mask) + (lin & (PT_LEVEL_SIZE(l) - 1));
				if (a)
					f->get_attr(e, l, a);
				if (level)
					*level = l;
				return 0;
			}
			table_pa = e & f->addr_mask;
		}
		return -ENOENT;
	}
	for (l = PT_LEVELS; l >= 1; l--) {
		u64 e = pt_get(&pt_table(table_pa)[pt_index(lin, l)]);

		if (!f->present(e))
			return -ENOENT;
		if (!pt_is_table(pt, e, l)) {
			if (pa)
				*pa = f->addr(e, l) + (lin & (PT_LEVEL_SIZE(l) - 1));
			if (a)
				f->get_attr(e, l, a);
			if (level)
				*level = l;
			return 0;
		}
		table_pa = f->addr(e, l);
	}
	return -ENOENT;
}

u64 *pt_leaf_table(const struct pt *pt, u64 va)
{
	const struct pt_format *f = pt->fmt;
	u64 table_pa = pt->root_pa;
	u64 lin;

	if (pt_lin(pt, ALIGN_DOWN(va, PAGE_SIZE), PAGE_SIZE, &lin))
		return NULL;
	for (unsigned l = PT_LEVELS; l > 1; l--) {
		u64 e = pt_get(&pt_table(table_pa)[pt_index(lin, l)]);
		if (!pt_is_table(pt, e, l))
			return NULL;
		table_pa = f->addr(e, l);
	}
	return pt_table(table_pa);
}

static int pt_walk_table(const struct pt *pt, u64 table_pa, unsigned level, u64 s, u64 end,
			 pt_walk_fn fn, void *ctx)
{
	const struct pt_format *f = pt->fmt;
	const u64 *t = pt_table(table_pa);
	u64 sz = PT_LEVEL_SIZE(level);
	u64 cur = s;

	while (cur < end) {
		u64 e_start = ALIGN_DOWN(cur, sz);
		u64 t_end = MIN(end, e_start + sz);
		u64 e = pt_get(&t[pt_index(cur, level)]);
		int ret = 0;

		if (pt_is_table(pt, e, level)) {
			ret = pt_walk_table(pt, f->addr(e, level), level - 1, cur, t_end, fn, ctx);
		} else if (f->present(e)) {
			struct pt_attr a;

			f->get_attr(e, level, &a);
			ret = fn(ctx, pt_canon(pt, cur), f->addr(e, level) + (cur - e_start),
				 t_end - cur, &a);
		}
		if (ret)
			return ret;
		cur = t_end;
	}
	return 0;
}

int pt_walk(const struct pt *pt, u64 va, u64 size, pt_walk_fn fn, void *ctx)
{
	u64 lin;
	int ret = pt_range(pt, va, size, &lin);

	if (ret)
		return ret;
	if (!size)
		return 0;
	return pt_walk_table(pt, pt->root_pa, PT_LEVELS, lin, lin + size, fn, ctx);
}

static int pt_check_table(const struct pt *pt, u64 table_pa, unsigned level, bool root, u64 *count)
{
	const struct pt_format *f = pt->fmt;
	const u64 *t;
	bool empty = true;
	unsigned i;

	/* Bounding the count also stops a walk around a cycle. */
	if (!table_pa || !IS_ALIGNED(table_pa, PAGE_SIZE) || table_pa >= BIT(PT_PA_BITS) ||
	    ++*count > pt->nr_tables)
		return -EFAULT;
	t = pt_table(table_pa);
	for (i = 0; i < PT_ENTRIES; i++) {
		u64 e = pt_get(&t[i]);
		struct pt_attr a;
		u64 pa;

		if (!f->present(e))
			continue;
		empty = false;
		if (pt_is_table(pt, e, level)) {
			int ret = pt_check_table(pt, f->addr(e, level), level - 1, false, count);

			if (ret)
				return ret;
			continue;
		}
		pa = f->addr(e, level);
		f->get_attr(e, level, &a);
		if (!pt_leaf_ok(pt, level) || !IS_ALIGNED(pa, PT_LEVEL_SIZE(level)) ||
		    pa >= BIT(PT_PA_BITS) || !f->attr_ok(&a))
			return -EFAULT;
	}
	return empty && !root ? -EFAULT : 0;
}

int pt_check(const struct pt *pt, u64 *nr_tables_out)
{
	u64 count = 0;
	int ret = pt_check_table(pt, pt->root_pa, PT_LEVELS, true, &count);

	if (nr_tables_out)
		*nr_tables_out = count;
	if (!ret && count != pt->nr_tables)
		ret = -EFAULT;
	return ret;
}

/* ---- life cycle ------------------------------------------------------------------------- */

int pt_init(struct pt *pt, const struct pt_format *fmt, unsigned leaf_levels,
	    const struct pt_alloc *alloc)
{
	if (!pt || !fmt || !alloc || !alloc->alloc_table || !alloc->free_table)
		return -EINVAL;
	pt->fmt = fmt;
	pt->alloc = alloc;
	pt->leaf_levels = leaf_levels & fmt->leaf_levels & PT_LEAF_ALL;
	pt->nr_tables = 0;
	pt->root_pa = 0;
	/* Leaf levels go up from 4 KiB without a gap (as on every CPU): a merge or a split
	 * then always moves by one level. */
	if (!(pt->leaf_levels & PT_LEAF_4K) ||
	    ((pt->leaf_levels & PT_LEAF_1G) && !(pt->leaf_levels & PT_LEAF_2M)))
		return -EINVAL;
	pt->root_pa = pt_new_table(pt);
	return pt->root_pa ? 0 : -ENOMEM;
}

void pt_destroy(struct pt *pt)
{
	if (!pt->root_pa)
		return;
	pt_free_tree(pt, pt->root_pa, PT_LEVELS);
	pt->root_pa = 0;
}
