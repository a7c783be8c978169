// SPDX-License-Identifier: MIT
/* Host paging entry format (see paging_host.h). No privileged instruction here: the core,
 * the UEFI loader and the host tests all build it. */
#include "arch/x86/paging_host.h"

STATIC_ASSERT(PAGING_PS == PAGING_PAT_4K, "PS and the 4K PAT bit share bit 7");
STATIC_ASSERT(PAGING_ADDR_4K == 0x000ffffffffff000ULL, "4K address field is bits 51:12");
STATIC_ASSERT((PAGING_ADDR_2M & PAGING_PAT_LARGE) == 0, "large PAT bit is below the address");
STATIC_ASSERT((PAGING_ADDR_1G & GENMASK(29, 12)) == 0, "1G address field is bits 51:30");

/*
 * Power-up PAT (SDM vol.3 11.12.4, table "Memory Type Setting of PAT Entries Following a
 * Power-up or Reset"): entry index = PAT:PCD:PWT; 0 WB, 1 WT, 2 UC-, 3 UC (4-7 repeat).
 * The PAT bit is always 0 here.
 */
static u64 paging_cache_bits(u8 memtype)
{
	switch (memtype) {
	case PT_MT_WT:
		return PAGING_PWT;
	case PT_MT_UC:
		return PAGING_PCD | PAGING_PWT;
	default: /* PT_MT_WB */
		return 0;
	}
}

static u8 paging_memtype(u64 e, unsigned level)
{
	u64 pat = level == 1 ? PAGING_PAT_4K : PAGING_PAT_LARGE;
	unsigned idx = ((e & PAGING_PWT) ? 1 : 0) | ((e & PAGING_PCD) ? 2 : 0) |
		       ((e & pat) ? 4 : 0);
	static const u8 power_up_pat[8] = { PT_MT_WB, PT_MT_WT, PT_MT_UC, PT_MT_UC,
					    PT_MT_WB, PT_MT_WT, PT_MT_UC, PT_MT_UC };

	/* UC- (index 2, 6) is reported as UC: the engine never writes it. */
	return power_up_pat[idx];
}

static bool paging_attr_ok(const struct pt_attr *a)
{
	return (a->perm & PT_R) && !(a->perm & ~(PT_R | PT_W | PT_X)) &&
	       (a->memtype == PT_MT_WB || a->memtype == PT_MT_WT || a->memtype == PT_MT_UC) &&
	       !(a->flags & ~(PT_F_USER | PT_F_GLOBAL));
}

/* Non-leaf entries grant everything; the leaf decides (SDM vol.3 4.6: the access rights of
 * a translation combine those of every entry on the walk). */
static u64 paging_mk_table(u64 table_pa)
{
	return (table_pa & PAGING_ADDR_4K) | PAGING_P | PAGING_RW | PAGING_US;
}

static u64 paging_mk_leaf(u64 pa, unsigned level, const struct pt_attr *a)
{
	u64 e = PAGING_P | paging_cache_bits(a->memtype);

	if (level == 1)
		e |= pa & PAGING_ADDR_4K;
	else
		e |= (pa & (level == 2 ? PAGING_ADDR_2M : PAGING_ADDR_1G)) | PAGING_PS;
	if (a->perm & PT_W)
		e |= PAGING_RW;
	if (!(a->perm & PT_X))
		e |= PAGING_XD;
	if (a->flags & PT_F_USER)
		e |= PAGING_US;
	if (a->flags & PT_F_GLOBAL)
		e |= PAGING_G;
	return e;
}

static bool paging_present(u64 e)
{
	return e & PAGING_P;
}

/* PS is reserved in a PML4E and has no meaning in a PTE (SDM vol.3 4.5.4). */
static bool paging_is_leaf(u64 e, unsigned level)
{
	return level == 1 || ((level == 2 || level == 3) && (e & PAGING_PS));
}

/*
 * The address field, 51:12 minus the large-page PAT bit. Bits 20:13 (2 MiB) and 29:13
 * (1 GiB) are reserved in a large leaf (SDM vol.3 tables 4-17, 4-18) and the engine never
 * sets them: keeping them here makes pt_check see a corrupt leaf as misaligned.
 */
static u64 paging_addr(u64 e, unsigned level)
{
	if (level == 1 || !paging_is_leaf(e, level))
		return e & PAGING_ADDR_4K;
	return e & PAGING_ADDR_4K & ~PAGING_PAT_LARGE;
}

static void paging_get_attr(u64 e, unsigned level, struct pt_attr *out)
{
	out->perm = PT_R | ((e & PAGING_RW) ? PT_W : 0) | ((e & PAGING_XD) ? 0 : PT_X);
	out->memtype = paging_memtype(e, level);
	out->flags = ((e & PAGING_US) ? PT_F_USER : 0) | ((e & PAGING_G) ? PT_F_GLOBAL : 0);
}

const struct pt_format paging_host_format = {
	.name = "ia32e",
	.leaf_levels = PT_LEAF_4K | PT_LEAF_2M | PT_LEAF_1G,
	.sign_extend = true,
	.attr_ok = paging_attr_ok,
	.mk_table = paging_mk_table,
	.mk_leaf = paging_mk_leaf,
	.present = paging_present,
	.is_leaf = paging_is_leaf,
	.addr = paging_addr,
	.get_attr = paging_get_attr,
};
