/* SPDX-License-Identifier: MIT */
/*
 * The offsets in struct vcpu that the exit path in vmx_run.S uses, and the two constants
 * it needs; arch/x86/vcpu.h checks each against the C definitions. Plain #defines: this
 * header is included by assembly.
 */
#ifndef ARCH_X86_VCPU_LAYOUT_H
#define ARCH_X86_VCPU_LAYOUT_H

#define VCPU_IN_GUEST 128 /* after struct vcpu_regs (16 x 8 bytes) */
#define VCPU_FAST_EXITS_LEFT 132
#define VCPU_WORK 136
#define VCPU_TIMER_DEADLINE 144
#define VCPU_EXITS 152
#define VCPU_EXIT_COUNT 160

/* What vcpu_exit() and vcpu_entry_slow() tell vmx_run.S to do next. */
#define VCPU_ENTER_RESUME 0 /* VMRESUME */
#define VCPU_ENTER_STOP 1   /* return from vmx_run: the VP stops */
#define VCPU_ENTER_LAUNCH 2 /* VMLAUNCH: the current VMCS was never entered */

#define VCPU_EXIT_REASON_MAX 80	     /* EXIT_REASON_MAX (vmx_defs.h) */
#define VCPU_VMCS_EXIT_REASON 0x4402 /* VMCS_EXIT_REASON (SDM vol.3 appendix B.3.2) */

#endif
