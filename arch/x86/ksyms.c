/* SPDX-License-Identifier: MIT */
#include "arch/x86/ksyms.h"

struct ksym {
	u64 addr;
	u64 name_off;
};
_Static_assert(sizeof(struct ksym) == 16, "tools/gen-ksyms.sh emits two quads per symbol");

extern const u64 ksym_count;
extern const struct ksym ksym_table[];
extern const char ksym_names[];

const char *ksym_lookup(u64 addr, u64 *offset)
{
	u64 lo = 0, hi = ksym_count;

	if (!hi || addr < ksym_table[0].addr)
		return NULL;
	while (hi - lo > 1) { /* last symbol at or below addr */
		u64 mid = lo + (hi - lo) / 2;
		if (ksym_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksym_table[lo].addr;
	return ksym_names + ksym_table[lo].name_off;
}
