/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_VMCS_H
#define ARCH_X86_VMCS_H

#include "arch/x86/guest_state.h"
#include "arch/x86/vcpu.h"

/* Computes the controls every VP uses from the capabilities (once, on the BSP). */
int vmcs_controls_init(void);
/* Allocates, clears and loads v's VMCS and fills all three areas (v becomes current). */
int vmcs_create(struct vcpu *v, const struct guest_state *g);
/* Fills the current VMCS's three areas for v (its VTL0 VMCS, or another VTL's, whose pin
 * controls, EPT view and VPID differ) with guest state g; sets v->entry_ctls. */
void vmcs_fill(struct vcpu *v, const struct guest_state *g, u32 pin, u64 eptp, u16 vpid);
/*
 * The VMX-preemption timer (SDM vol.3 26.5.1; its value is reloaded at each entry): v's
 * guest exits at least every period TSC ticks (0: about as rarely as the timer allows).
 * False if the CPU lacks it. v's VMCS must be current.
 */
bool vmcs_preempt_timer_init(struct vcpu *v, u64 period);
/* Until the next exit: exit after at most ticks TSC ticks (a synthetic timer's deadline),
 * or, with ticks 0, after the VP's usual period. */
void vmcs_preempt_timer_arm(struct vcpu *v, u64 ticks);
/*
 * CR0 / CR4 as the guest sees them now (SDM vol.3 25.6.6): owned bits from the shadow,
 * the others from the real register, which the guest changes without an exit. Never read
 * a guest-owned bit (OSXSAVE, PCIDE, PKE, TS, WP...) from the shadow alone: it is stale.
 */
u64 vmcs_guest_cr0(const struct vcpu *v);
u64 vmcs_guest_cr4(const struct vcpu *v);
/* Guest CR0 / CR4 as the guest sees them, and the values the CPU really runs with. */
void vmcs_set_guest_cr0(struct vcpu *v, u64 cr0);
void vmcs_set_guest_cr4(struct vcpu *v, u64 cr4);
/*
 * The current VMCS's CR0/CR4 guest/host masks become v's own owned bits plus cr0_bits /
 * cr4_bits (SDM vol.3 25.6.6: a MOV to CR0/CR4, LMSW or CLTS that would change an owned bit
 * exits), the read shadows brought up to date first. For secure register intercepts: the
 * bits a higher VTL watches in a lower VTL's CR0/CR4 (TLFS, reference 3.9.3).
 */
void vmcs_set_cr_intercepts(struct vcpu *v, u64 cr0_bits, u64 cr4_bits);
/* Descriptor-table exiting (secondary control bit 2, SDM vol.3 25.6.2, 26.1.3): LGDT, LIDT,
 * LLDT, LTR, SGDT, SIDT, SLDT and STR exit (arch/x86/exit_dt.c emulates them). Whether the
 * CPU has it; on or off in the current VMCS. */
bool vmcs_desc_table_exiting_available(void);
void vmcs_set_desc_table_exiting(bool on);
/* Reads the PAE PDPTEs of guest CR3 into the VMCS (SDM vol.3 4.4.1, 27.3.2.4). */
void vmcs_load_pdptes(u64 cr3);

#endif
