/* SPDX-License-Identifier: MIT */
#include "arch/x86/guest_mem.h"
#include "arch/x86/guest_walk.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx_defs.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/string.h"

enum insn_mode guest_code_mode(void)
{
	u64 ar = vmread(VMCS_GUEST_CS_AR);

	if ((vmread(VMCS_GUEST_EFER) & EFER_LMA) && (ar & (1u << 13)))
		return INSN_MODE_64;
	if (!(vmread(VMCS_GUEST_CR0) & CR0_PE))
		return INSN_MODE_16;
	return (ar & (1u << 14)) ? INSN_MODE_32 : INSN_MODE_16;
}

int guest_linear_to_phys(u32 vtl, u64 la, u64 *gpa)
{
	const struct guest_paging p = { vmread(VMCS_GUEST_CR0), vmread(VMCS_GUEST_CR3),
					vmread(VMCS_GUEST_CR4), vmread(VMCS_GUEST_EFER) };
	struct guest_walk w;

	if (guest_walk(vtl, &p, la, false, false, &w))
		return -ENOENT;
	*gpa = w.gpa;
	return 0;
}

size_t guest_fetch_code(u32 vtl, u8 *buf, size_t n)
{
	u64 la = vmread(VMCS_GUEST_CS_BASE) + vmread(VMCS_GUEST_RIP);
	u64 gpa;
	size_t got = 0;

	while (got < n) {
		if (guest_linear_to_phys(vtl, la + got, &gpa))
			break;
		const u8 *page = guest_view_page(vtl, gpa, false);
		if (!page)
			break;
		size_t off = gpa & (PAGE_SIZE - 1), chunk = MIN(n - got, (size_t)(PAGE_SIZE - off));
		memcpy(buf + got, page + off, chunk);
		got += chunk;
	}
	return got;
}
