// SPDX-License-Identifier: MIT
/* EPT entry format and EPTP (see ept_format.h). No privileged instruction here. */
#include "arch/x86/ept_format.h"

STATIC_ASSERT(EPT_MT_MASK == (7ULL << EPT_MT_SHIFT), "memory type is bits 5:3");
STATIC_ASSERT(EPT_ADDR_4K == 0x000ffffffffff000ULL, "4K address field is bits 51:12");
STATIC_ASSERT((EPT_ADDR_2M & (EPT_R | EPT_W | EPT_X | EPT_MT_MASK | EPT_IPAT | EPT_LARGE | EPT_A |
			      EPT_D | EPT_XU)) == 0,
	      "attribute bits lie below the address");
STATIC_ASSERT((EPT_NOACCESS & (EPT_ADDR_4K | EPT_SUPPRESS_VE)) == 0, "an ignored bit, 56:52");
STATIC_ASSERT(EPT_PINNED == 1ULL << 11 && !(EPT_PINNED & (EPT_ADDR_4K | EPT_XU | EPT_D)),
	      "bit 11, ignored in every leaf");
/* The abstract memory types are the architectural ones, so they pass through unchanged. */
STATIC_ASSERT(EPT_MT_UC == PT_MT_UC && EPT_MT_WC == PT_MT_WC && EPT_MT_WT == PT_MT_WT &&
		      EPT_MT_WP == PT_MT_WP && EPT_MT_WB == PT_MT_WB,
	      "EPT memory types use the PT_MT_* encoding");
STATIC_ASSERT((EPTP_MT_MASK | (7ULL << EPTP_WALK_SHIFT) | EPTP_AD_ENABLE) == GENMASK(6, 0),
	      "EPTP low fields are bits 6:0");

#define EPT_PERM_BITS (EPT_R | EPT_W | EPT_X | EPT_XU)

/*
 * SDM vol.3 29.3.3.1 (EPT misconfigurations): write without read, and memory types 2, 3 and
 * 7, are misconfigurations. No access at all is a leaf the CPU sees as not present
 * (EPT_NOACCESS).
 */
static bool ept_attr_ok(const struct pt_attr *a)
{
	if (a->perm & ~(PT_R | PT_W | PT_X | PT_XU))
		return false;
	if ((a->perm & PT_W) && !(a->perm & PT_R))
		return false;
	switch (a->memtype) {
	case PT_MT_UC:
	case PT_MT_WC:
	case PT_MT_WT:
	case PT_MT_WP:
	case PT_MT_WB:
		break;
	default:
		return false;
	}
	return !(a->flags & ~(PT_F_IGNORE_PAT | PT_F_PINNED));
}

/* Non-leaf: RWX and user execute, memory type and bit 7 zero (SDM vol.3 tables 29-1, 29-3,
 * 29-5): the leaf alone decides the access. */
static u64 ept_mk_table(u64 table_pa)
{
	return (table_pa & EPT_ADDR_4K) | EPT_R | EPT_W | EPT_X | EPT_XU;
}

static u64 ept_mk_leaf(u64 pa, unsigned level, const struct pt_attr *a)
{
	u64 e = (u64)a->memtype << EPT_MT_SHIFT;

	if (level == 1)
		e |= pa & EPT_ADDR_4K;
	else
		e |= (pa & (level == 2 ? EPT_ADDR_2M : EPT_ADDR_1G)) | EPT_LARGE;
	if (a->perm & PT_R)
		e |= EPT_R;
	if (a->perm & PT_W)
		e |= EPT_W;
	if (a->perm & PT_X)
		e |= EPT_X;
	if (a->perm & PT_XU)
		e |= EPT_XU;
	if (a->flags & PT_F_IGNORE_PAT)
		e |= EPT_IPAT;
	if (a->flags & PT_F_PINNED)
		e |= EPT_PINNED;
	if (!a->perm)
		e |= EPT_NOACCESS;
	return e;
}

/* SDM vol.3 29.3.2: an entry is present if any of bits 2:0 is set, or (with mode-based
 * execute control) bit 10; for the engine also a no-access leaf. */
static bool ept_present(u64 e)
{
	return e & (EPT_PERM_BITS | EPT_NOACCESS);
}

/* Bit 7 maps a page in a PDPTE or PDE; it is reserved in a PML4E and ignored in a PTE. */
static bool ept_is_leaf(u64 e, unsigned level)
{
	return level == 1 || ((level == 2 || level == 3) && (e & EPT_LARGE));
}

/*
 * The address field, 51:12. Bits 20:12 (2 MiB) and 29:12 (1 GiB) are reserved in a large
 * leaf (SDM vol.3 tables 29-2, 29-4) and the engine never sets them: keeping them here makes
 * pt_check see a corrupt leaf as misaligned.
 */
static u64 ept_addr(u64 e, unsigned level)
{
	(void)level;
	return e & EPT_ADDR_4K;
}

static void ept_get_attr(u64 e, unsigned level, struct pt_attr *out)
{
	(void)level;
	out->perm = ((e & EPT_R) ? PT_R : 0) | ((e & EPT_W) ? PT_W : 0) | ((e & EPT_X) ? PT_X : 0) |
		    ((e & EPT_XU) ? PT_XU : 0);
	out->memtype = (e & EPT_MT_MASK) >> EPT_MT_SHIFT;
	out->flags = ((e & EPT_IPAT) ? PT_F_IGNORE_PAT : 0) | ((e & EPT_PINNED) ? PT_F_PINNED : 0);
}

const struct pt_format ept_format = {
	.name = "ept",
	.leaf_levels = PT_LEAF_4K | PT_LEAF_2M | PT_LEAF_1G,
	.sign_extend = false,
	.attr_ok = ept_attr_ok,
	.mk_table = ept_mk_table,
	.mk_leaf = ept_mk_leaf,
	.present = ept_present,
	.is_leaf = ept_is_leaf,
	.addr = ept_addr,
	.get_attr = ept_get_attr,
	.present_mask = EPT_PERM_BITS | EPT_NOACCESS,
	.leaf_bit = EPT_LARGE,
	.addr_mask = EPT_ADDR_4K,
};

/* SDM vol.3 25.6.11: bits 2:0 memory type of the walk, 5:3 walk length - 1, 6 A/D enable
 * (left 0), 51:12 the PML4 table. */
u64 ept_eptp(u64 root_pa)
{
	return (root_pa & EPTP_ADDR_MASK) | EPT_MT_WB | (3ULL << EPTP_WALK_SHIFT);
}
