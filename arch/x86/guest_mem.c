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

/* One page of an access: its translation, or why not (guest_linear_access). */
static int access_page(u32 vtl, const struct guest_paging *p, u64 la, u32 how, u64 rflags,
		       u8 **page, struct guest_pf *pf)
{
	bool write = how & GUEST_ACC_WRITE, user = how & GUEST_ACC_USER;
	struct guest_walk w;
	int r = guest_walk(vtl, p, la, false, false, &w);

	pf->addr = la;
	/* SDM vol.3 4.7: P (bit 0) for a protection violation, W/R (1), U/S (2), RSVD (3). */
	pf->err = (write ? 2u : 0) | (user ? 4u : 0);
	if (r == GUEST_WALK_UNMAPPED) {
		pf->addr = w.gpa; /* the paging-structure entry the view does not let be read */
		return GUEST_ACC_NOVIEW;
	}
	if (r) {
		pf->err |= r == GUEST_WALK_RESERVED ? 9u : 0;
		return GUEST_ACC_PF;
	}
	if (p->cr0 & CR0_PG) {
		/* SDM vol.3 4.6.1: a user access needs U/S everywhere and, to write, R/W
		 * everywhere; a supervisor write needs R/W only with CR0.WP; SMAP forbids a
		 * supervisor data access to a user page when implicit or RFLAGS.AC = 0. */
		bool smap = (p->cr4 & CR4_SMAP) &&
			    ((how & GUEST_ACC_IMPLICIT) || !(rflags & RFLAGS_AC));
		if ((user && !w.user) || (write && !w.writable && (user || (p->cr0 & CR0_WP))) ||
		    (!user && w.user && smap)) {
			pf->err |= 1;
			return GUEST_ACC_PF;
		}
	}
	*page = guest_view_page(vtl, w.gpa, write);
	if (!*page) {
		pf->addr = w.gpa;
		return GUEST_ACC_NOVIEW;
	}
	*page += w.gpa & (PAGE_SIZE - 1);
	/* Allowed: now the accessed (and dirty) flags, as the CPU sets them. */
	if (p->cr0 & CR0_PG)
		guest_walk(vtl, p, la, true, write, &w);
	return 0;
}

int guest_linear_access(u32 vtl, u64 la, void *buf, size_t n, u32 how, struct guest_pf *pf)
{
	const struct guest_paging p = { vmread(VMCS_GUEST_CR0), vmread(VMCS_GUEST_CR3),
					vmread(VMCS_GUEST_CR4), vmread(VMCS_GUEST_EFER) };
	u64 rflags = vmread(VMCS_GUEST_RFLAGS);
	u8 *at[2];
	size_t len[2], first = MIN(n, (size_t)(PAGE_SIZE - (la & (PAGE_SIZE - 1))));
	int r;

	if (n > 16)
		return GUEST_ACC_NOVIEW;
	len[0] = first;
	len[1] = n - first;
	if ((r = access_page(vtl, &p, la, how, rflags, &at[0], pf)))
		return r;
	if (len[1] && (r = access_page(vtl, &p, la + first, how, rflags, &at[1], pf)))
		return r;
	for (int i = 0; i < 2; i++) {
		u8 *b = (u8 *)buf + (i ? first : 0);
		if (!len[i])
			continue;
		if (how & GUEST_ACC_WRITE)
			memcpy(at[i], b, len[i]);
		else
			memcpy(b, at[i], len[i]);
	}
	return 0;
}
