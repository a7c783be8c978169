/* SPDX-License-Identifier: MIT */
#include "hyperv/guest_access.h"
#include "arch/x86/core.h"
#include "arch/x86/ept.h"
#include "lib/compiler.h"
#include "mm/phys.h"

void *hv_guest_block(struct vcpu *v, u64 gpa, u32 len, bool write)
{
	struct pt_attr a;
	u64 hpa;

	/* TLFS "Hypercall Inputs/Outputs": 8-byte aligned, within one page. */
	if (!len || !IS_ALIGNED(gpa, 8) || (gpa & (PAGE_SIZE - 1)) + len > PAGE_SIZE)
		return NULL;
	if (pt_lookup(&core.ept, gpa, &hpa, &a, NULL) || ept_is_overlay(gpa))
		return NULL;
	if (!(a.perm & PT_R) || (write && !(a.perm & PT_W)))
		return NULL;
	/* Only ordinary memory: the pool (scratch page) and MMIO are not input pages. */
	for (u32 i = 0; i < core.bi->mem_count; i++) {
		const struct bootinfo_mem *m = &core.bi->mem[i];
		if (gpa >= m->base && gpa - m->base < m->size)
			return (m->type == BOOTINFO_MEM_RAM || m->type == BOOTINFO_MEM_RESERVED) ?
				       phys_to_virt(hpa) :
				       NULL;
	}
	return NULL;
}
