// SPDX-License-Identifier: MIT
/*
 * VTL memory protections (reference 3.8, 3.9; docs/VSM.md "Memory protections"):
 * VsmPartitionConfig's EnableVtlProtection and DefaultVtlProtectionMask,
 * HvCallModifyVtlProtectionMask, and the GPA intercept a VTL0 access that breaks a
 * protection becomes: an HvX64MemoryInterceptMessage in VTL1's SINT0. The map itself is the
 * protection engine's (arch/x86/ept_prot.h through ept.h).
 */
#define LOG_MODULE "vsm"
#include "arch/x86/ept.h"
#include "arch/x86/guest_mem.h"
#include "arch/x86/intrin.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmexit.h"
#include "hyperv/hv.h"
#include "hyperv/hypercall.h"
#include "hyperv/intercept.h"
#include "hyperv/synic.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "mm/mirror.h"
#include "vtl/vtl.h"

#define HV_MAP_GPA_MASK 0xfu /* R, W, kernel X, user X: what a VTL may grant (3.8) */

/*
 * Without mode-based execute control a page's user X is its kernel X (reference 3.8: R+X is
 * 0x5 or 0xD, RWX 0x7 or 0xF): one value per meaning, so that equal protections make
 * uniform ranges. The combinations a VTL may ask for: nothing, or R with any of W, X.
 */
static bool prot_valid(u32 val)
{
	return !(val & ~HV_MAP_GPA_MASK) && (val == 0 || (val & 1));
}

static u8 prot_normal(u32 val)
{
	return (u8)((val & 7) | ((val & 4) ? 8 : 0));
}

/*
 * A VTL0 access VTL1's protection forbids (exit_ept_violation, through vcpu_gpa_intercept_hook;
 * reference 3.9): the access does not happen and VTL0 stays at the instruction (RIP not
 * advanced), and VTL1 gets the message (hv_intercept_deliver) and is entered before VTL0
 * runs again. VTL1 grants the access (ModifyVtlProtectionMask), changes VTL0's
 * state (SetVpRegisters) or injects a fault (PendingEvent0), then returns; VTL0 runs the
 * instruction again. A busy slot: the SynIC marks it pending, VTL1's EOM frees it, and VTL0's
 * retry posts again.
 */
int hv_gpa_intercept(struct vcpu *v, u64 gpa, u64 gva, u64 qual, u8 memtype)
{
	struct hv_message msg = { 0 };
	struct hv_x64_memory_intercept_message *m =
		(struct hv_x64_memory_intercept_message *)msg.payload;
	/* SDM vol.3 28.2.1 table 28-7: bit 0 read, 1 write, 2 fetch; 7 the linear address is
	 * valid, 8 it was the access's own address (not a paging-structure entry's). */
	u8 access = (qual & 4) ? 2 : (qual & 2) ? 1 : 0;

	hv_intercept_header(v, access, false, &m->header);
	m->cache_type = memtype;
	if (qual & BIT(7)) {
		m->gva = gva;
		m->memory_access_info = (u8)(1u | ((qual & BIT(8)) ? 2u : 0u));
	}
	if (vtl_tlb_locked(v, 0))
		m->memory_access_info |= 8;
	m->gpa = gpa;
	/* The instruction's bytes at CS:RIP, as far as VTL0's page tables and view let them
	 * be read (none when the code is not readable). */
	m->instruction_byte_count =
		(u8)guest_fetch_code(0, m->instruction_bytes, sizeof(m->instruction_bytes));
	msg.type = HVMSG_GPA_INTERCEPT;
	msg.payload_size = sizeof(*m);
	(void)hv_intercept_deliver(v, 1, &msg);
	return EXIT_RESUME;
}

/*
 * VsmPartitionConfig of vtl (1..VTL_MAX) = val; writable is what vsm.c allows besides
 * (ZeroMemoryOnReset, DenyLowerVtlStartup). EnableVtlProtection (bit 0) with
 * DefaultVtlProtectionMask (bits 4:1, map-flag meaning, reference 3.14 #2): once set, both
 * are fixed (the TLFS: until a partition reset); the mask must give R and W (as OpenHCL
 * requires: a lower VTL that cannot write its memory cannot boot).
 */
u16 hv_partition_config_set(struct vcpu *v, u32 vtl, u64 val, u64 writable)
{
	u64 *cfg = vtl_partition_config(vtl);

	if (!cfg || (val & ~(writable | GENMASK(4, 0))))
		return HV_STATUS_INVALID_PARAMETER;
	u64 old = *cfg;
	if (old & 1) {
		if ((val ^ old) & GENMASK(4, 0))
			return HV_STATUS_INVALID_PARAMETER; /* fixed once enabled */
	} else if (val & 1) {
		u32 mask = (u32)(val >> 1) & HV_MAP_GPA_MASK;
		if (!prot_valid(mask) || (mask & 3) != 3)
			return HV_STATUS_INVALID_PARAMETER;
		int r = ept_prot_enable(v, prot_normal(mask));
		if (r == -ENOMEM)
			return HV_STATUS_INSUFFICIENT_MEMORY;
		if (r)
			return HV_STATUS_INVALID_PARTITION_STATE;
	} else if (val & GENMASK(4, 1)) {
		return HV_STATUS_INVALID_PARAMETER; /* a mask without EnableVtlProtection */
	}
	*cfg = val;
	return HV_STATUS_SUCCESS;
}

/*
 * HvCallModifyVtlProtectionMask (0x000C, rep; reference 3.8): +0 TargetPartitionId, +8
 * MapFlags, +12 TargetVtl (HV_INPUT_VTL: the VTL whose protections change, as OpenVMM reads
 * it, reference 3.14 #3; the caller's own by default), +13 3 bytes RsvdZ; elements: GPA page
 * numbers. The pages are done in order; the first one that cannot be protected stops the
 * call with reps completed up to it.
 */
u16 hv_modify_prot(struct vcpu *v, const u8 *in, u32 start, u32 count, u16 *reps_done)
{
	u32 flags = in_u32(in + 8), ivtl = in_u32(in + 12); /* HV_INPUT_VTL, 3 bytes RsvdZ */
	u32 vtl = (ivtl & 0x10) ? (ivtl & 0xfu) : v->active_vtl, done = 0;

	if (in_u64(in) != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (ivtl & ~0x1fu)
		return HV_STATUS_INVALID_PARAMETER;
	if (vtl > v->active_vtl)
		return HV_STATUS_ACCESS_DENIED; /* only the caller's protections, or a lower VTL's */
	if (vtl == 0)
		return HV_STATUS_INVALID_PARAMETER; /* VTL0 protects nothing: nothing below it */
	if (!(vtl_partition_enabled() & (1u << vtl)))
		return HV_STATUS_INVALID_VTL_STATE;
	/* Before EnableVtlProtection: ACCESS_DENIED (OpenHCL's answer). The bit is set only
	 * once the engine is on (hv_partition_config_set); ept_prot_modify says -EPERM else. */
	if (!(*vtl_partition_config(vtl) & 1))
		return HV_STATUS_ACCESS_DENIED;
	if (flags & ~HV_MAP_GPA_MASK)
		return HV_STATUS_INVALID_PARAMETER; /* root-only and unsupported flags */
	if (!prot_valid(flags))
		return HV_STATUS_INVALID_REGISTER_VALUE; /* e.g. W or X without R (OpenHCL) */
	/* The elements are in the call's private copy of the input (hypercall.c). */
	const u64 *gpn = (const u64 *)(in + 16) + start;
	int r = ept_prot_modify(v, gpn, count - start, prot_normal(flags), &done);
	*reps_done = (u16)(start + done);
	if (r == -ENOMEM)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	if (r == -EPERM)
		return HV_STATUS_ACCESS_DENIED;
	return r ? HV_STATUS_INVALID_PARAMETER : HV_STATUS_SUCCESS;
}

u16 hv_modify_vtl_protection_mask(struct vcpu *v, struct hv_args *a)
{
	return hv_modify_prot(v, a->in, a->c.rep_start, a->c.rep_count, &a->reps_done);
}
