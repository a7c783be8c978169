/* SPDX-License-Identifier: MIT */
/*
 * The local APICs of the VTLs above 0 (TLFS: each VTL has its own local APIC, active only
 * while that VTL runs; reference 3.10, DESIGN.md 6). VTL0 owns the physical APIC; a higher
 * VTL gets a software one (arch/x86/vlapic.c), reached through its MSRs (IA32_APIC_BASE,
 * the x2APIC range, IA32_TSC_DEADLINE: every access exits under that VTL's MSR bitmap),
 * its timer running on the VP's deadline whichever VTL runs, its IPIs going to the same
 * VTL of other VPs. An interrupt it accepts is injected while its VTL runs; while a lower
 * VTL runs, the VP is kicked (VCPU_KICK_VTL) and vtl/ switches to it (entry reason 2).
 */
#ifndef ARCH_X86_VP_VTL_APIC_H
#define ARCH_X86_VP_VTL_APIC_H

#include "arch/x86/core.h"
#include "arch/x86/vcpu.h"
#include "arch/x86/vlapic.h"
#include "boot/bootinfo.h"

extern struct vlapic vp_vtl_apics[BOOTINFO_MAX_CPUS][CORE_VTLS - 1];

/* v's APIC at vtl (1..CORE_VTLS-1); NULL for VTL0 (the physical one) and beyond. */
static inline struct vlapic *vp_vtl_apic(const struct vcpu *v, u32 vtl)
{
	return vtl >= 1 && vtl < CORE_VTLS ? &vp_vtl_apics[v->index][vtl - 1] : NULL;
}

/* The timer's clock (the TSC's and the APIC timer's rates, bootinfo). */
void vp_vtl_apic_init(u64 tsc_khz, u64 apic_khz);
/* v's APIC at vtl as after a reset (when vtl is enabled on v). */
void vp_vtl_apic_reset(struct vcpu *v, u32 vtl);

/* Is msr one the APIC of a VTL above 0 answers (APIC_BASE, x2APIC range, TSC_DEADLINE)? */
bool vp_vtl_apic_msr(u32 msr);
/* A RDMSR / WRMSR of such an MSR by v's running VTL (above 0): 0, or -1 for a #GP. */
int vp_vtl_apic_rdmsr(struct vcpu *v, u32 msr, u64 *val);
int vp_vtl_apic_wrmsr(struct vcpu *v, u32 msr, u64 val);

/* CR8 of v's APIC at vtl (above 0), its TPR[7:4] (SDM vol.3 11.8.6), written by a MOV to
 * CR8 or by SetVpRegisters: 0, or -1 (bits 63:4 set: a #GP). Read: the running VTL's. */
int vp_vtl_apic_cr8_write(struct vcpu *v, u32 vtl, u64 val);
u64 vp_vtl_apic_cr8_read(const struct vcpu *v);

/* An EPT violation of v's running VTL (above 0) on the xAPIC page, which its view does not
 * map: the MOV is decoded and done on its APIC (xAPIC mode; otherwise reads give 0 and
 * writes are dropped). EXIT_RESUME, or EXIT_STOP for an instruction not emulated. */
int vp_vtl_apic_mmio_exit(struct vcpu *v, u64 gpa);

/* Any CPU: vector becomes pending in t's APIC at vtl (above 0), t is kicked. False when
 * that APIC does not take it (disabled, vector below 16). */
bool vp_vtl_apic_post(struct vcpu *t, u32 vtl, u8 vector);

/* The same for a SynIC SINT of vtl (auto_eoi: its delivery is its EOI). */
bool vp_vtl_apic_post_sint(struct vcpu *t, u32 vtl, u8 vector, bool auto_eoi);
/* The same on v's own CPU while it prepares v's entry (its timers, VINA): no kick. */
bool vp_vtl_apic_raise(struct vcpu *v, u32 vtl, u8 vector, bool auto_eoi);

/* Has v's APIC at vtl any vector requested (one load: the common answer is no)? */
static inline bool vp_vtl_apic_requested(const struct vcpu *v, u32 vtl)
{
	const struct vlapic *l = vp_vtl_apic(v, vtl);
	return l && __atomic_load_n(&l->irr_words, __ATOMIC_ACQUIRE);
}

/* v's CPU: the vector v's APIC at vtl would deliver now (TPR/ISR allowing), or -1. */
int vp_vtl_apic_deliverable(const struct vcpu *v, u32 vtl);

/* v's CPU, before an entry into a VTL above 0: injects what its APIC can deliver, or asks
 * for an interrupt window. Whether something is left pending (then work.irq_posted stays). */
bool vp_vtl_apic_inject(struct vcpu *v);

/* v's CPU: the earliest timer deadline (TSC) of v's higher VTLs' APICs, 0 = none. */
u64 vp_vtl_apic_deadline(const struct vcpu *v);
/* v's CPU, at TSC now: fires the due timers. */
void vp_vtl_apic_timers(struct vcpu *v, u64 now);
/* v's CPU: would the APIC of a VTL above the running one deliver an interrupt now (the
 * caller then switches to it)? */
bool vp_vtl_apic_preempts(const struct vcpu *v);

#endif
