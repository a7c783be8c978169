/* SPDX-License-Identifier: MIT */
#include "hyperv/guest_access.h"
#include "arch/x86/core.h"
#include "arch/x86/ept.h"
#include "arch/x86/vcpu.h"
#include "boot/bootinfo.h"
#include "lib/compiler.h"
#include "mm/phys.h"

/*
 * The last page that passed the checks, for reading and for writing, per VP and VTL (each
 * owned by its VP's CPU). Guests reuse their hypercall pages (Linux has one input and one output
 * page per CPU), so most blocks skip the EPT walk, the overlay lookup and the memory-map
 * scan. An entry holds while its view's generation is the one it was checked under: every
 * change to a view (an overlay, a protection taken away) bumps that view's. A change of
 * VTL0's protections (VTL1's ModifyVtlProtectionMask) leaves VTL1's input page cached.
 */
struct hv_block_cache {
	u64 gpa_page; /* | the VTL it was checked for */
	u8 *hva_page;
	u64 gen;
	u64 pad; /* 32 bytes: indexed with a shift */
};
_Static_assert(sizeof(struct hv_block_cache) == 32, "a power of two");
static struct hv_block_cache hv_block_cache[BOOTINFO_MAX_CPUS][CORE_VTLS][2]; /* [vp][vtl][write] */

/* The full check of one page in vtl's view: mapped with the access, not an overlay,
 * ordinary memory. */
static u8 *hv_page_check(u32 vtl, u64 gpa, bool write)
{
	struct pt_attr a;
	u64 hpa;

	if (pt_lookup(&core.ept[vtl], gpa, &hpa, &a, NULL) || ept_is_overlay(vtl, gpa))
		return NULL;
	if (!(a.perm & PT_R) || (write && !(a.perm & PT_W)))
		return NULL;
	/* Only ordinary memory: the pool (scratch page) and MMIO are not input pages. */
	for (u32 i = 0; i < core.bi->mem_count; i++) {
		const struct bootinfo_mem *m = &core.bi->mem[i];
		if (gpa >= m->base && gpa - m->base < m->size)
			return (m->type == BOOTINFO_MEM_RAM || m->type == BOOTINFO_MEM_RESERVED) ?
				       phys_to_virt(hpa & ~(PAGE_SIZE - 1)) :
				       NULL;
	}
	return NULL;
}

/* The cache missed: the full check, the cache filled when it passes, the block's host
 * address. Out of line and called last, so that a hit saves no registers. */
static void *__attribute__((noinline))
hv_block_fill(struct hv_block_cache *c, u32 vtl, u64 gpa, u64 gen, bool write)
{
	u64 page = gpa & ~(PAGE_SIZE - 1);
	u8 *hva = hv_page_check(vtl, page, write);

	if (!hva)
		return NULL;
	*c = (struct hv_block_cache){ page | vtl, hva, gen, 0 };
	return hva + (gpa & (PAGE_SIZE - 1));
}

void *hv_guest_block(struct vcpu *v, u64 gpa, u32 len, bool write)
{
	/* TLFS "Hypercall Inputs/Outputs": 8-byte aligned, within one page. */
	if (!len || !IS_ALIGNED(gpa, 8) || (gpa & (PAGE_SIZE - 1)) + len > PAGE_SIZE)
		return NULL;
	u32 vtl = v->active_vtl;
	u64 page = gpa & ~(PAGE_SIZE - 1),
	    gen = __atomic_load_n(&core.view_gen[vtl], __ATOMIC_ACQUIRE);
	struct hv_block_cache *c = &hv_block_cache[v->index][vtl][write];
	u8 *hva = c->hva_page;
	if (!hva || c->gpa_page != (page | vtl) || c->gen != gen)
		return hv_block_fill(c, vtl, gpa, gen, write);
	return hva + (gpa & (PAGE_SIZE - 1));
}
