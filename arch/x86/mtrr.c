/* SPDX-License-Identifier: MIT */
#include "arch/x86/mtrr.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "lib/compiler.h"
#include "lib/string.h"
#include "mm/pt.h"

#define MTRR_VALID (1ULL << 11)

void mtrr_read(struct mtrr_state *m, u32 phys_addr_bits)
{
	u32 a, b, c, d;

	memset(m, 0, sizeof(*m));
	cpuid_count(1, 0, &a, &b, &c, &d);
	if (!(d & (1u << 12))) /* CPUID.1:EDX.MTRR */
		return;
	u64 cap = rdmsr(MSR_IA32_MTRRCAP), def = rdmsr(MSR_IA32_MTRR_DEF_TYPE);
	/* SDM 11.11.2.1: E (bit 11) enables MTRRs, FE (bit 10) the fixed ranges. */
	m->enabled = def & (1ULL << 11);
	m->fixed_enabled = m->enabled && (def & (1ULL << 10)) && (cap & (1ULL << 8));
	m->def_type = def & 0xff;
	m->nvar = MIN((u8)(cap & 0xff), MTRR_MAX_VAR);
	m->phys_mask = (phys_addr_bits >= 64 ? ~0ULL : ((1ULL << phys_addr_bits) - 1)) & ~0xfffULL;
	for (u32 i = 0; i < m->nvar; i++) {
		m->base[i] = rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i);
		m->mask[i] = rdmsr(MSR_IA32_MTRR_PHYSMASK0 + 2 * i);
	}
	if (m->fixed_enabled) {
		/* SDM 11.11.2.2: one byte per range in each fixed-range MSR. */
		static const u32 msrs[11] = { MSR_IA32_MTRR_FIX64K_00000,
					      MSR_IA32_MTRR_FIX16K_80000,
					      MSR_IA32_MTRR_FIX16K_A0000,
					      0x268,
					      0x269,
					      0x26a,
					      0x26b,
					      0x26c,
					      0x26d,
					      0x26e,
					      0x26f };
		for (u32 i = 0; i < 11; i++) {
			u64 v = rdmsr(msrs[i]);
			memcpy(&m->fixed[i * 8], &v, 8);
		}
	}
}

static u8 fixed_type(const struct mtrr_state *m, u64 pa)
{
	if (pa < 0x80000)
		return m->fixed[pa >> 16];
	if (pa < 0xc0000)
		return m->fixed[8 + ((pa - 0x80000) >> 14)];
	return m->fixed[24 + ((pa - 0xc0000) >> 12)];
}

static bool var_match(const struct mtrr_state *m, u32 i, u64 pa)
{
	u64 mask = m->mask[i] & m->phys_mask;

	return (m->mask[i] & MTRR_VALID) && (pa & mask) == (m->base[i] & mask);
}

u8 mtrr_type(const struct mtrr_state *m, u64 pa)
{
	bool seen[8] = { false };
	int hits = 0;

	if (!m->enabled)
		return PT_MT_UC;
	if (m->fixed_enabled && pa < 0x100000)
		return fixed_type(m, pa);
	for (u32 i = 0; i < m->nvar; i++) {
		if (var_match(m, i, pa)) {
			seen[m->base[i] & 7] = true;
			hits++;
		}
	}
	if (!hits)
		return m->def_type;
	/* SDM 11.11.4.1: UC wins; WT and WB together give WT; other overlaps are undefined
	 * (take UC, the safe choice). */
	if (seen[PT_MT_UC])
		return PT_MT_UC;
	int kinds = 0, last = 0;
	for (int t = 0; t < 8; t++) {
		if (seen[t]) {
			kinds++;
			last = t;
		}
	}
	if (kinds == 1)
		return (u8)last;
	if (kinds == 2 && seen[PT_MT_WT] && seen[PT_MT_WB])
		return PT_MT_WT;
	return PT_MT_UC;
}

int mtrr_range_type(const struct mtrr_state *m, u64 base, u64 size)
{
	u64 end = base + size;

	if (!m->enabled)
		return PT_MT_UC;
	if (m->fixed_enabled && base < 0x100000)
		return size == PAGE_SIZE ? fixed_type(m, base) : -1;
	for (u32 i = 0; i < m->nvar; i++) {
		if (!(m->mask[i] & MTRR_VALID))
			continue;
		u64 mask = m->mask[i] & m->phys_mask;
		u64 span = (~mask & m->phys_mask) + PAGE_SIZE;
		/* A mask with holes does not describe one block: only 4 KiB is safe. */
		if ((span & (span - 1)) || mask != (m->phys_mask & ~(span - 1))) {
			if (size > PAGE_SIZE)
				return -1;
			continue;
		}
		u64 lo = m->base[i] & mask, hi = lo + span;
		bool overlap = base < hi && lo < end;
		bool covers = lo <= base && end <= hi;
		if (overlap && !covers)
			return -1;
	}
	return mtrr_type(m, base);
}
