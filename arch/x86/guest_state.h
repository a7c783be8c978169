/* SPDX-License-Identifier: MIT */
/*
 * The guest state of a VP, in VMCS terms: taken from the live firmware when a CPU is
 * virtualized in place, or the architectural INIT state for wait-for-SIPI.
 */
#ifndef ARCH_X86_GUEST_STATE_H
#define ARCH_X86_GUEST_STATE_H

#include "arch/x86/vmx_defs.h"
#include "boot/bootinfo.h"

struct seg_state {
	u16 sel;
	u32 limit;
	u32 ar; /* VMCS access-rights format (SDM vol.3 25.4.1) */
	u64 base;
};

struct guest_state {
	u64 cr0, cr3, cr4, dr7, rsp, rip, rflags;
	u64 efer, pat, debugctl, sysenter_cs, sysenter_esp, sysenter_eip;
	struct seg_state seg[SEG_COUNT];
	u64 gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit;
	u32 activity;
};

/* Reads everything about the running firmware on this CPU; call before changing any of it. */
void guest_state_capture(struct guest_state *g, const struct boot_cpu_args *args);
/* Segment descriptor -> VMCS form; unusable for a null selector or a bad one. */
void guest_seg_from_gdt(struct seg_state *s, u16 sel, u64 gdt_base, u32 gdt_limit, bool sys);
/* Writes g into the current VMCS's guest-state area. */
void guest_state_load(const struct guest_state *g);
/* Reads the current VMCS's guest-state area into g, CR0 and CR4 as v's guest sees them. */
struct vcpu;
void guest_state_store(const struct vcpu *v, struct guest_state *g);

#endif
