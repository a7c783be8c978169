/* SPDX-License-Identifier: MIT */
/*
 * MTRR decoding (SDM vol.3 11.11): the memory type of physical ranges, so the EPT can give
 * each range the type the firmware programmed (guest PAT still applies: IPAT = 0).
 */
#ifndef ARCH_X86_MTRR_H
#define ARCH_X86_MTRR_H

#include "lib/types.h"

#define MTRR_MAX_VAR 32

struct mtrr_state {
	bool enabled, fixed_enabled;
	u8 def_type;
	u8 nvar;
	u64 phys_mask; /* bits below MAXPHYADDR, from bit 12 */
	u64 base[MTRR_MAX_VAR], mask[MTRR_MAX_VAR];
	u8 fixed[88]; /* 8 x 64K, 16 x 16K, 64 x 4K */
};

/* Reads this CPU's MTRRs (the BSP's: MTRRs must be identical on all CPUs, SDM 11.11.8). */
void mtrr_read(struct mtrr_state *m, u32 phys_addr_bits);
/* Memory type (PT_MT_*) of the 4 KiB page at pa. */
u8 mtrr_type(const struct mtrr_state *m, u64 pa);
/* The single type of [base, base + size) (size >= 4 KiB, aligned), or -1 if it is mixed. */
int mtrr_range_type(const struct mtrr_state *m, u64 base, u64 size);

#endif
