/* SPDX-License-Identifier: MIT */
#include "arch/x86/guest_mem.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx_defs.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/phys.h"

/* The root partition's guest-physical space is host-physical (DESIGN.md 4): a GPA the
 * guest's own page tables name can be read directly through the host's identity map. */
int guest_linear_to_phys(u64 la, u64 *gpa)
{
	u64 cr0 = vmread(VMCS_GUEST_CR0), cr4 = vmread(VMCS_GUEST_CR4);
	u64 efer = vmread(VMCS_GUEST_EFER);

	if (!(cr0 & CR0_PG)) {
		*gpa = la;
		return 0;
	}
	if (!(efer & EFER_LMA) || (cr4 & (1ULL << 12) /* LA57 */))
		return -ENOTSUP;
	/* SDM vol.3 4.5: four levels of 512 entries, bits 51:12 address, PS at levels 3, 2. */
	u64 table = vmread(VMCS_GUEST_CR3) & GENMASK(51, 12);
	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		u64 e = ((const volatile u64 *)phys_to_virt(table))[(la >> shift) & 511];
		if (!(e & 1))
			return -ENOENT;
		if (level == 1 || (level <= 3 && (e & (1ULL << 7)))) {
			u64 mask = (1ULL << shift) - 1;
			*gpa = (e & GENMASK(51, 12) & ~mask) | (la & mask);
			return 0;
		}
		table = e & GENMASK(51, 12);
	}
	return -ENOENT;
}

size_t guest_fetch_code(u8 *buf, size_t n)
{
	u64 la = vmread(VMCS_GUEST_CS_BASE) + vmread(VMCS_GUEST_RIP);
	u64 gpa;
	size_t got = 0;

	while (got < n) {
		if (guest_linear_to_phys(la + got, &gpa))
			break;
		size_t chunk = MIN(n - got, (size_t)(PAGE_SIZE - (gpa & (PAGE_SIZE - 1))));
		memcpy(buf + got, phys_to_virt(gpa), chunk);
		got += chunk;
	}
	return got;
}
