/* SPDX-License-Identifier: MIT */
/*
 * HvCallTranslateVirtualAddress (0x0052) and its Ex form (0x00AC) (reference 1.7): a GVA of
 * the calling VP at the caller's VTL or a lower one, translated with that VTL's paging
 * state through its own page tables (arch/x86/guest_walk.c), checked against the access
 * asked for, then against that VTL's EPT view. docs/VSM.md.
 */
#include "arch/x86/core.h"
#include "arch/x86/ept.h"
#include "arch/x86/guest_walk.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "hyperv/hv.h"
#include "hyperv/hypercall.h"
#include "lib/compiler.h"
#include "mm/pt.h"
#include "vtl/vtl.h"

/* ControlFlags (reference 1.7). */
#define TVA_VALIDATE_READ (1ULL << 0)
#define TVA_VALIDATE_WRITE (1ULL << 1)
#define TVA_VALIDATE_EXECUTE (1ULL << 2)
#define TVA_PRIVILEGE_EXEMPT (1ULL << 3)
#define TVA_SET_PAGE_TABLE_BITS (1ULL << 4)
#define TVA_TLB_FLUSH_INHIBIT (1ULL << 5)
#define TVA_SUPERVISOR_ACCESS (1ULL << 6)
#define TVA_USER_ACCESS (1ULL << 7)
#define TVA_ENFORCE_SMAP (1ULL << 8)
#define TVA_OVERRIDE_SMAP (1ULL << 9)
/* Taken so far: all but ShadowStack (no shadow stacks here: refused, not ignored). */
#define TVA_FLAGS_OK GENMASK(9, 0)

/* Result codes (reference 1.7). */
#define TVA_SUCCESS 0
#define TVA_PAGE_NOT_PRESENT 1
#define TVA_PRIVILEGE_VIOLATION 2
#define TVA_INVALID_PAGE_TABLE_FLAGS 3
#define TVA_GPA_UNMAPPED 4
#define TVA_GPA_NO_READ_ACCESS 5
#define TVA_GPA_NO_WRITE_ACCESS 6
#define TVA_OVERLAY_PAGE (1ULL << 40)

/* The paging state of v at vtl (its VMCS, loaded for the moment if vtl is not running). */
static bool paging_of(struct vcpu *v, u32 vtl, struct guest_paging *p)
{
	if (vtl_vmcs_peek(v, vtl, true))
		return false;
	*p = (struct guest_paging){ vmcs_guest_cr0(v), vmread(VMCS_GUEST_CR3), vmcs_guest_cr4(v),
				    vmread(VMCS_GUEST_EFER) };
	vtl_vmcs_peek(v, vtl, false);
	return true;
}

/* SDM vol.3 4.6: may an access of this kind use a translation with these rights? */
static bool access_allowed(const struct guest_paging *p, const struct guest_walk *w, u64 f)
{
	bool user = f & TVA_USER_ACCESS;

	if ((f & TVA_VALIDATE_EXECUTE) && w->nx)
		return false;
	if (user) {
		if (!w->user)
			return false;
		return !(f & TVA_VALIDATE_WRITE) || w->writable;
	}
	/* Supervisor: writes to read-only pages only with CR0.WP clear; user pages not
	 * executed with SMEP, not accessed with SMAP unless the call overrides it. */
	if ((f & TVA_VALIDATE_WRITE) && !w->writable && (p->cr0 & CR0_WP))
		return false;
	if (w->user && (f & TVA_VALIDATE_EXECUTE) && (p->cr4 & CR4_SMEP))
		return false;
	if (w->user && (f & (TVA_VALIDATE_READ | TVA_VALIDATE_WRITE)) && (p->cr4 & CR4_SMAP) &&
	    (f & TVA_ENFORCE_SMAP) && !(f & TVA_OVERRIDE_SMAP))
		return false;
	return true;
}

/* The translation's result word and GPA page, or a status for the call itself. */
static u16 translate(struct vcpu *v, const u8 *in, u64 *result, u64 *gpa_page)
{
	u64 flags = in_u64(in + 16), gva = in_u64(in + 24) << 12;
	u8 ivtl = (u8)(flags >> 56);
	struct guest_paging p;
	struct guest_walk w;

	if (in_u64(in) != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (in_u32(in + 8) != HV_VP_INDEX_SELF && in_u32(in + 8) != v->index)
		return in_u32(in + 8) < vcpu_count() ? HV_STATUS_INVALID_PARAMETER :
						       HV_STATUS_INVALID_VP_INDEX;
	if (in_u32(in + 12) || (ivtl & 0xe0) || (flags & GENMASK(55, 0) & ~TVA_FLAGS_OK))
		return HV_STATUS_INVALID_PARAMETER;
	u32 vtl;
	u16 st = hv_target_vtl(v, v, ivtl, &vtl);
	if (st)
		return st;
	if (!paging_of(v, vtl, &p))
		return HV_STATUS_INVALID_VTL_STATE;

	/* TLFS 3.12: TlbFlushInhibit locks this VP's TLB against the target VTL's flushes, as
	 * VsmVpSecureConfig.TlbLocked does, until this VTL returns (or clears it). */
	if ((flags & TVA_TLB_FLUSH_INHIBIT) && vtl < v->active_vtl)
		vtl_tlb_lock(vtl_vp_state(v, v->active_vtl), vtl);
	*gpa_page = 0;
	int r = guest_walk(vtl, &p, gva, flags & TVA_SET_PAGE_TABLE_BITS,
			   flags & TVA_VALIDATE_WRITE, &w);
	if (r) {
		*result = r == GUEST_WALK_NOT_PRESENT ? TVA_PAGE_NOT_PRESENT :
			  r == GUEST_WALK_RESERVED    ? TVA_INVALID_PAGE_TABLE_FLAGS :
							TVA_GPA_UNMAPPED;
		return HV_STATUS_SUCCESS;
	}
	*gpa_page = w.gpa >> 12;
	if (!(flags & TVA_PRIVILEGE_EXEMPT) && !access_allowed(&p, &w, flags)) {
		*result = TVA_PRIVILEGE_VIOLATION;
		return HV_STATUS_SUCCESS;
	}
	/* Then the GPA in the VTL's own view: mapped, with the access asked for. */
	struct pt_attr a;
	u64 hpa;
	if (pt_lookup(&core.ept[vtl], w.gpa & ~(PAGE_SIZE - 1), &hpa, &a, NULL))
		*result = TVA_GPA_UNMAPPED;
	else if ((flags & TVA_VALIDATE_READ) && !(a.perm & PT_R))
		*result = TVA_GPA_NO_READ_ACCESS;
	else if ((flags & TVA_VALIDATE_WRITE) && !(a.perm & PT_W))
		*result = TVA_GPA_NO_WRITE_ACCESS;
	else
		*result = TVA_SUCCESS | (u64)a.memtype << 32 |
			  (ept_is_overlay(vtl, w.gpa) ? TVA_OVERLAY_PAGE : 0);
	return HV_STATUS_SUCCESS;
}

/* Input: +0 PartitionId, +8 VpIndex, +12 reserved, +16 ControlFlags, +24 GvaPage. Output:
 * +0 the result (code, cache type, overlay), +8 GpaPage. */
u16 hv_translate_virtual_address(struct vcpu *v, struct hv_args *a)
{
	u64 result = 0, gpa_page = 0;
	u16 st = translate(v, a->in, &result, &gpa_page);

	if (!st) {
		out_u64(a->out, result);
		out_u64(a->out + 8, gpa_page);
	}
	return st;
}

/* The Ex form's 0x40-byte output (OpenVMM's layout, reference 3.14 #6): +0 the result,
 * +8 reserved, +16 the pending event (none), +48 GpaPage, +56 reserved. */
u16 hv_translate_virtual_address_ex(struct vcpu *v, struct hv_args *a)
{
	u64 result = 0, gpa_page = 0;
	u16 st = translate(v, a->in, &result, &gpa_page);

	if (!st) {
		__builtin_memset(a->out, 0, 0x40);
		out_u64(a->out, result);
		out_u64(a->out + 48, gpa_page);
	}
	return st;
}
