/* SPDX-License-Identifier: MIT */
/*
 * Interrupts the hypervisor gives a VP through VM-entry event injection (SDM vol.3 27.6)
 * instead of through the local APIC: they never enter the APIC's ISR, so the guest does
 * not EOI them (the TLFS's AutoEOI SINTs, hyperv/synic.c). Any CPU may post a vector; the
 * VP's own CPU injects it before a VM entry when the guest can take an interrupt
 * (RFLAGS.IF = 1, no STI/MOV-SS blocking, no other event being injected), and otherwise
 * asks for an interrupt-window exit (SDM 25.6.2). A halted guest is woken.
 */
#ifndef ARCH_X86_INTR_INJECT_H
#define ARCH_X86_INTR_INJECT_H

#include "arch/x86/msr.h"
#include "arch/x86/vmexit.h"

/* Any CPU: vector (16-255) becomes pending for t; t is kicked if it runs a guest. */
void vcpu_post_interrupt(struct vcpu *t, u8 vector);
void vcpu_inject_pending_slow(struct vcpu *v);
void vcpu_idle_poll(struct vcpu *v);
/* Own CPU, right before VM entry (after in_guest is set, so no post is missed). */
static inline void vcpu_inject_pending(struct vcpu *v)
{
	/* GUEST_IDLE is VTL0's: its VMCS holds the idle state (a higher VTL may run). */
	if (__builtin_expect(v->work.guest_idle, 0) && !v->active_vtl)
		vcpu_idle_poll(v);
	if (__atomic_load_n(&v->work.irq_posted, __ATOMIC_SEQ_CST))
		vcpu_inject_pending_slow(v);
}
int exit_intr_window(struct vcpu *v);

/* The current VMCS's guest can take a maskable interrupt at this entry: no event injected
 * already (SDM vol.3 27.6: one per entry), IF = 1 and no STI / MOV-SS shadow (SDM vol.3
 * 6.8.1, 25.4.2). */
static inline bool vcpu_can_take_interrupt(void)
{
	return !(vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) &&
	       (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmread(VMCS_GUEST_INTERRUPTIBILITY) & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}
/* An exit as soon as the guest can take one (interrupt-window exiting). */
static inline void vcpu_want_interrupt_window(void)
{
	vmwrite(VMCS_PROC_CTLS, vmread(VMCS_PROC_CTLS) | PROC_INTR_WINDOW);
}
/* vector injected at this entry, as an external interrupt. */
static inline void vcpu_inject_interrupt(u8 vector)
{
	vmwrite(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXT_INTR | vector);
	vcpu_end_hlt();
}

/*
 * Idle until an interrupt arrives, even one the guest masks with IF = 0 (the TLFS's
 * GUEST_IDLE MSR): the VP enters the HLT activity state with external-interrupt exiting
 * on; the first interrupt makes it exit and leaves it pending in the APIC (no acknowledge
 * on exit), to be delivered when the guest unmasks it. Own CPU, its VMCS current.
 */
void vcpu_idle_until_interrupt(struct vcpu *v);
/*
 * Before each entry while idle: ends the idle state if an interrupt waits in the APIC,
 * else keeps the VP exiting every 100 us to look again. Hardware ends it with an
 * external-interrupt exit; Bochs 2.7 does not wake a halted guest with IF = 0 for one
 * (its HLT loop looks only at IF), so the look is what works there.
 */
void vcpu_idle_poll(struct vcpu *v);
/* The external-interrupt exit that ends it, or one while a VTL above 0 runs (then the
 * acknowledged interrupt is queued for VTL0); any other one is unexpected: stop. */
int exit_external_interrupt(struct vcpu *v);

#endif
