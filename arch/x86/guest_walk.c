/* SPDX-License-Identifier: MIT */
/* A walk of a guest's page tables through its EPT view (arch/x86/guest_walk.h). */
#include "arch/x86/guest_walk.h"
#include "arch/x86/core.h"
#include "arch/x86/msr.h"
#include "lib/compiler.h"
#include "mm/phys.h"
#include "mm/pt.h"

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_XD (1ULL << 63)
#define CR4_PSE (1ULL << 4)
#define CR4_LA57 (1ULL << 12)

void *guest_view_page(u32 vtl, u64 gpa, bool write)
{
	struct pt_attr a;
	u64 hpa;

	if (vtl >= CORE_VTLS || !core.ept[vtl].root_pa)
		return NULL;
	gpa &= ~(PAGE_SIZE - 1);
	if (pt_lookup(&core.ept[vtl], gpa, &hpa, &a, NULL))
		return NULL;
	/* Only what the view lets the guest read (or write), and only write-back memory: a
	 * page table in MMIO would make the hypervisor touch a device. */
	if (!(a.perm & PT_R) || (write && !(a.perm & PT_W)) || a.memtype != PT_MT_WB)
		return NULL;
	return phys_to_virt(hpa & ~(PAGE_SIZE - 1));
}

/* The paging mode's shape: levels, entry size, index bits per level. */
struct walk_shape {
	int levels;
	unsigned entry_bytes, index_bits;
};

/* Reads (and with set_ad, marks accessed) the entry at gpa; false if the view refuses. */
static bool read_entry(u32 vtl, u64 gpa, unsigned bytes, bool set_ad, u64 *e)
{
	u8 *page = guest_view_page(vtl, gpa, set_ad);

	if (!page)
		return false;
	void *p = page + (gpa & (PAGE_SIZE - 1));
	if (bytes == 4) {
		u32 v = __atomic_load_n((u32 *)p, __ATOMIC_RELAXED);
		if (set_ad && (v & PTE_P) && !(v & PTE_A))
			v = __atomic_or_fetch((u32 *)p, (u32)PTE_A, __ATOMIC_RELAXED);
		*e = v;
	} else {
		u64 v = __atomic_load_n((u64 *)p, __ATOMIC_RELAXED);
		if (set_ad && (v & PTE_P) && !(v & PTE_A))
			v = __atomic_or_fetch((u64 *)p, PTE_A, __ATOMIC_RELAXED);
		*e = v;
	}
	return true;
}

static void set_dirty(u32 vtl, u64 gpa, unsigned bytes)
{
	u8 *page = guest_view_page(vtl, gpa, true);

	if (!page)
		return;
	if (bytes == 4)
		__atomic_or_fetch((u32 *)(page + (gpa & (PAGE_SIZE - 1))), (u32)PTE_D,
				  __ATOMIC_RELAXED);
	else
		__atomic_or_fetch((u64 *)(page + (gpa & (PAGE_SIZE - 1))), PTE_D, __ATOMIC_RELAXED);
}

int guest_walk(u32 vtl, const struct guest_paging *p, u64 gva, bool set_ad, bool dirty,
	       struct guest_walk *w)
{
	const u64 maxpa = GENMASK(core.caps.phys_addr_bits - 1, 12);
	bool nxe = p->efer & EFER_NXE, long_mode = p->efer & EFER_LMA;
	struct walk_shape s;
	u64 table;

	*w = (struct guest_walk){ .page_size = PAGE_SIZE, .writable = true, .user = true };
	if (!(p->cr0 & CR0_PG)) {
		w->gpa = long_mode ? gva : (u32)gva; /* no paging: linear is physical */
		return 0;
	}
	if (long_mode) { /* SDM vol.3 4.5: 4 or 5 levels of 512 8-byte entries */
		s = (struct walk_shape){ (p->cr4 & CR4_LA57) ? 5 : 4, 8, 9 };
		unsigned bits = 12 + 9 * s.levels;
		if ((u64)((s64)(gva << (64 - bits)) >> (64 - bits)) != gva)
			return GUEST_WALK_NOT_PRESENT; /* not canonical */
		table = p->cr3 & maxpa;
	} else if (p->cr4 & CR4_PAE) { /* SDM vol.3 4.4: a PDPTE, then 2 levels of 512 */
		s = (struct walk_shape){ 2, 8, 9 };
		gva = (u32)gva;
		u64 pdpte;
		w->gpa = (p->cr3 & 0xffffffe0ULL) + 8 * (gva >> 30);
		if (!read_entry(vtl, w->gpa, 8, false, &pdpte))
			return GUEST_WALK_UNMAPPED;
		if (!(pdpte & PTE_P))
			return GUEST_WALK_NOT_PRESENT;
		if (pdpte & (GENMASK(63, 12) & ~maxpa) || (pdpte & (GENMASK(8, 5) | GENMASK(2, 1))))
			return GUEST_WALK_RESERVED;
		table = pdpte & maxpa;
	} else { /* SDM vol.3 4.3: 2 levels of 1024 4-byte entries */
		s = (struct walk_shape){ 2, 4, 10 };
		gva = (u32)gva;
		table = p->cr3 & 0xfffff000ULL;
	}
	for (int level = s.levels; level >= 1; level--) {
		unsigned shift = 12 + s.index_bits * (level - 1);
		u64 gpa_e = table + s.entry_bytes * ((gva >> shift) & ((1u << s.index_bits) - 1)),
		    e;
		if (!read_entry(vtl, gpa_e, s.entry_bytes, set_ad, &e)) {
			w->gpa = gpa_e;
			return GUEST_WALK_UNMAPPED;
		}
		if (!(e & PTE_P))
			return GUEST_WALK_NOT_PRESENT;
		if (s.entry_bytes == 8 &&
		    ((e & GENMASK(51, 12) & ~maxpa) || (!nxe && (e & PTE_XD))))
			return GUEST_WALK_RESERVED;
		w->writable &= !!(e & PTE_RW);
		w->user &= !!(e & PTE_US);
		w->nx |= nxe && (e & PTE_XD);
		bool ps = (e & PTE_PS) && level > 1;
		if (ps && s.entry_bytes == 8 && level > 3)
			return GUEST_WALK_RESERVED; /* no PS in a PML4E / PML5E */
		if (ps && s.entry_bytes == 4 && !(p->cr4 & CR4_PSE))
			ps = false; /* SDM vol.3 4.3: PS ignored without CR4.PSE */
		if (level == 1 || ps) {
			u64 size = 1ULL << shift, frame;
			if (level == 1)
				frame = e & (s.entry_bytes == 8 ? maxpa : 0xfffff000ULL);
			else if (s.entry_bytes == 4)
				frame = e &
					0xffc00000ULL; /* a 4 MiB page (bits 20:13, PSE-36: 0) */
			else if (e & (GENMASK(shift - 1, 13) & maxpa))
				return GUEST_WALK_RESERVED; /* address bits below the page size */
			else
				frame = e & maxpa & ~(size - 1);
			w->gpa = frame | (gva & (size - 1));
			w->page_size = size;
			if (set_ad && dirty)
				set_dirty(vtl, gpa_e, s.entry_bytes);
			return 0;
		}
		table = e & (s.entry_bytes == 8 ? maxpa : 0xfffff000ULL);
	}
	return GUEST_WALK_NOT_PRESENT;
}
