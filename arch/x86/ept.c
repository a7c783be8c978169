/* SPDX-License-Identifier: MIT */
#include "arch/x86/ept.h"
#include "lib/compiler.h"
#include "lib/errno.h"

static int map_one(struct pt *ept, u64 pa, u64 size, u8 type, struct ept_stats *st)
{
	struct pt_attr a = { PT_RWX, type, 0 }; /* IPAT = 0: the guest PAT combines (29.3.7) */

	if (size == SZ_1G)
		st->pages_1g++;
	else if (size == SZ_2M)
		st->pages_2m++;
	else
		st->pages_4k++;
	return pt_map(ept, pa, pa, size, &a);
}

/* Maps [base, base + size) (aligned to size) with the largest uniform leaves. */
static int map_range(struct pt *ept, const struct mtrr_state *m, u64 base, u64 size, u64 pool_lo,
		     u64 pool_hi, u64 scratch, struct ept_stats *st)
{
	bool in_pool = base < pool_hi && pool_lo < base + size;
	int r;

	if (size == PAGE_SIZE) {
		if (in_pool) {
			struct pt_attr a = { PT_RWX, PT_MT_WB, 0 };
			st->pages_4k++;
			return pt_map(ept, base, scratch, PAGE_SIZE, &a);
		}
		return map_one(ept, base, size, (u8)mtrr_type(m, base), st);
	}
	if (!in_pool && (size != SZ_1G || (ept->leaf_levels & PT_LEAF_1G))) {
		int t = mtrr_range_type(m, base, size);
		if (t >= 0)
			return map_one(ept, base, size, (u8)t, st);
	}
	u64 sub = size == SZ_1G ? SZ_2M : PAGE_SIZE;
	for (u64 off = 0; off < size; off += sub) {
		r = map_range(ept, m, base + off, sub, pool_lo, pool_hi, scratch, st);
		if (r)
			return r;
	}
	return 0;
}

int ept_build_root(struct pt *ept, const struct mtrr_state *m, u64 top, u64 pool_base,
		   u64 pool_size, u64 scratch_pa, struct ept_stats *st)
{
	st->pages_1g = st->pages_2m = st->pages_4k = 0;
	if (!IS_ALIGNED(top, SZ_1G))
		return -EINVAL;
	for (u64 base = 0; base < top; base += SZ_1G) {
		int r = map_range(ept, m, base, SZ_1G, pool_base, pool_base + pool_size, scratch_pa,
				  st);
		if (r)
			return r;
	}
	return 0;
}
