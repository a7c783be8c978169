/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_VMCS_H
#define ARCH_X86_VMCS_H

#include "arch/x86/guest_state.h"
#include "arch/x86/vcpu.h"

/* Computes the controls every VP uses from the capabilities (once, on the BSP). */
int vmcs_controls_init(void);
/* Allocates, clears and loads v's VMCS and fills all three areas (v becomes current). */
int vmcs_create(struct vcpu *v, const struct guest_state *g);
/*
 * Makes the current VMCS's guest exit at least every ticks TSC ticks of guest time (the
 * VMX-preemption timer, SDM 26.5.1; reloaded at each entry). False if the CPU lacks it.
 */
bool vmcs_set_exit_period(u64 ticks);
/* Guest CR0 / CR4 as the guest sees them, and the values the CPU really runs with. */
void vmcs_set_guest_cr0(struct vcpu *v, u64 cr0);
void vmcs_set_guest_cr4(struct vcpu *v, u64 cr4);
/* Reads the PAE PDPTEs of guest CR3 into the VMCS (SDM vol.3 4.4.1, 27.3.2.4). */
void vmcs_load_pdptes(u64 cr3);

#endif
