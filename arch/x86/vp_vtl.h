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
#include "lib/errno.h"
#include "boot/bootinfo.h"

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

/* Each VP's private MSRs per VTL; v->msrs points at the running VTL's. */
extern struct vp_private_msrs vp_msrs[BOOTINFO_MAX_CPUS][CORE_VTLS];

static inline struct vp_private_msrs *vp_vtl_msrs(const struct vcpu *v, u32 vtl)
{
	return &vp_msrs[v->index][vtl];
}

/* At takeover: what the CPU holds, as VTL0's (TSC_AUX exists where RDTSCP does, and the
 * guest has it when the VMCS enables RDTSCP). */
static inline void vp_private_msrs_init(struct vcpu *v)
{
	struct vp_private_msrs *m = v->msrs = vp_vtl_msrs(v, 0);

	m->kernel_gs_base = rdmsr(MSR_IA32_KERNEL_GS_BASE);
	m->star = rdmsr(MSR_IA32_STAR);
	m->lstar = rdmsr(MSR_IA32_LSTAR);
	m->cstar = rdmsr(MSR_IA32_CSTAR);
	m->sfmask = rdmsr(MSR_IA32_FMASK);
	if (core.proc2 & PROC2_RDTSCP)
		m->tsc_aux = rdmsr(MSR_IA32_TSC_AUX);
}

/*
 * From the running VTL's private MSRs to vtl's: KERNEL_GS_BASE read from the CPU into the
 * running VTL's (SWAPGS changes it without an exit), then only what differs written (a
 * WRMSR costs far more than a compare, on hardware and in Bochs alike). Nothing copied;
 * the WRMSRs order no memory, so the compiler compares straight from the two structs.
 */
static inline void vp_private_msrs_switch(struct vcpu *v, u32 vtl)
{
	struct vp_private_msrs *f = v->msrs, *t = vp_vtl_msrs(v, vtl);
	u64 kgs = rdmsr(MSR_IA32_KERNEL_GS_BASE);

	/* t is a pointer in a register from here: gcc would otherwise recompute its index
	 * arithmetic at each compare (the WRMSRs take three registers). */
	__asm__("" : "+r"(t));

	f->kernel_gs_base = kgs;
	v->msrs = t;
	if (t->kernel_gs_base != kgs)
		wrmsr_relaxed(MSR_IA32_KERNEL_GS_BASE, t->kernel_gs_base);
	if (t->star != f->star)
		wrmsr_relaxed(MSR_IA32_STAR, t->star);
	if (t->lstar != f->lstar)
		wrmsr_relaxed(MSR_IA32_LSTAR, t->lstar);
	if (t->cstar != f->cstar)
		wrmsr_relaxed(MSR_IA32_CSTAR, t->cstar);
	if (t->sfmask != f->sfmask)
		wrmsr_relaxed(MSR_IA32_FMASK, t->sfmask);
	if ((core.proc2 & PROC2_RDTSCP) && t->tsc_aux != f->tsc_aux)
		wrmsr_relaxed(MSR_IA32_TSC_AUX, t->tsc_aux);
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
static inline int vp_vtl_vmcs_load(u64 pa)
{
	return vmptrld(pa) ? -EIO : 0;
}

/* Drops the cached translations of the VTL whose VMCS is current (its own VPID) after a
 * paging-mode change (SDM vol.3 4.10.4.1); all of them without single-context INVVPID. */
void vp_vtl_flush_current(void);

#endif
