/* SPDX-License-Identifier: MIT */
/*
 * The hardware side of a VP's VTLs (vtl/ decides when): each VTL above 0 has its own VMCS,
 * EPT view and VPID; a switch makes the other VMCS current and swaps the private MSRs a
 * VMCS does not hold (TLFS "private vs shared", reference 3.7). Shared state stays in the
 * CPU. Own CPU only: VMPTRLD, VMREAD and VMWRITE act on this CPU's current VMCS.
 */
#ifndef ARCH_X86_VP_VTL_H
#define ARCH_X86_VP_VTL_H

#include "arch/x86/core.h"
#include "arch/x86/guest_state.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vcpu.h"

/* The member of m that holds msr; NULL when msr is not one of the private MSRs. */
static inline u64 *vp_private_msr(struct vp_private_msrs *m, u32 msr)
{
	switch (msr) {
	case MSR_IA32_KERNEL_GS_BASE:
		return &m->kernel_gs_base;
	case MSR_IA32_STAR:
		return &m->star;
	case MSR_IA32_LSTAR:
		return &m->lstar;
	case MSR_IA32_CSTAR:
		return &m->cstar;
	case MSR_IA32_FMASK:
		return &m->sfmask;
	case MSR_IA32_TSC_AUX:
		return &m->tsc_aux;
	default:
		return NULL;
	}
}

/* At takeover: what the CPU holds, as v->msrs (TSC_AUX exists where RDTSCP does, and the
 * guest has it when the VMCS enables RDTSCP). */
static inline void vp_private_msrs_init(struct vcpu *v)
{
	v->msrs.kernel_gs_base = rdmsr(MSR_IA32_KERNEL_GS_BASE);
	v->msrs.star = rdmsr(MSR_IA32_STAR);
	v->msrs.lstar = rdmsr(MSR_IA32_LSTAR);
	v->msrs.cstar = rdmsr(MSR_IA32_CSTAR);
	v->msrs.sfmask = rdmsr(MSR_IA32_FMASK);
	if (core.proc2 & PROC2_RDTSCP)
		v->msrs.tsc_aux = rdmsr(MSR_IA32_TSC_AUX);
}

/* The running VTL's private MSRs into m: KERNEL_GS_BASE from the CPU (v->msrs then holds
 * what the CPU does for all six), the rest as known. */
static inline void vp_private_msrs_save(struct vcpu *v, struct vp_private_msrs *m)
{
	v->msrs.kernel_gs_base = rdmsr(MSR_IA32_KERNEL_GS_BASE);
	*m = v->msrs;
}

/* m into the CPU for the VTL that runs next: only what differs from what is there (a
 * WRMSR costs far more than a compare, on hardware and in Bochs alike). */
static inline void vp_private_msrs_load(struct vcpu *v, const struct vp_private_msrs *m)
{
	if (m->kernel_gs_base != v->msrs.kernel_gs_base)
		wrmsr(MSR_IA32_KERNEL_GS_BASE, m->kernel_gs_base);
	if (m->star != v->msrs.star)
		wrmsr(MSR_IA32_STAR, m->star);
	if (m->lstar != v->msrs.lstar)
		wrmsr(MSR_IA32_LSTAR, m->lstar);
	if (m->cstar != v->msrs.cstar)
		wrmsr(MSR_IA32_CSTAR, m->cstar);
	if (m->sfmask != v->msrs.sfmask)
		wrmsr(MSR_IA32_FMASK, m->sfmask);
	if ((core.proc2 & PROC2_RDTSCP) && m->tsc_aux != v->msrs.tsc_aux)
		wrmsr(MSR_IA32_TSC_AUX, m->tsc_aux);
	v->msrs = *m;
}

/* The VPID of v at vtl: VTLs never share TLB entries (SDM vol.3 29.1: translations are
 * tagged by VPID and EPTP, not by CR3). */
u16 vp_vtl_vpid(const struct vcpu *v, u32 vtl);

/*
 * Creates and makes current v's VMCS for vtl (> 0) with guest state g: the controls of
 * VTL0's, plus external-interrupt exiting with acknowledge-on-exit (physical interrupts
 * belong to VTL0 and are queued for it, DESIGN.md 6),
 * vtl's EPT view, its VPID, the same HOST_RSP as the VMCS current now. *pa = the VMCS.
 * On failure the VMCS that was current stays current.
 */
int vp_vtl_vmcs_create(struct vcpu *v, u32 vtl, const struct guest_state *g, u64 *pa);
/* Makes pa the current VMCS (SDM vol.3 31.3 VMPTRLD). */
int vp_vtl_vmcs_load(u64 pa);

/* Drops the cached translations of the VTL whose VMCS is current (its own VPID) after a
 * paging-mode change (SDM vol.3 4.10.4.1); all of them without single-context INVVPID. */
void vp_vtl_flush_current(void);

#endif
