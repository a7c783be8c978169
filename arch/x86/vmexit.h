/* SPDX-License-Identifier: MIT */
/* VM-exit handling: the dispatch table, the run loop and the helpers handlers share. */
#ifndef ARCH_X86_VMEXIT_H
#define ARCH_X86_VMEXIT_H

#include "arch/x86/intrin.h"
#include "arch/x86/vcpu.h"
#include "lib/compiler.h"

/* Handler results. */
#define EXIT_RESUME 0
#define EXIT_STOP (-1) /* fail closed: stop this VP (vcpu_stop) */

/* A handler: the exit reason is the table row it sits in; what else it needs of the
 * exit-information fields it reads itself (vmx_exit_qual, vcpu_skip_instr). */
typedef int (*vmexit_fn)(struct vcpu *v);
/* The table vmx_run.S dispatches through: a row for every basic reason below
 * EXIT_REASON_MAX, exit_unexpected where there is no handler. */
extern const vmexit_fn vmexit_fns[EXIT_REASON_MAX];
int exit_unexpected(struct vcpu *v);

/* Runs v from its first VMLAUNCH on; returns only if the very first entry fails, with a
 * negative error, before anything of the guest ran. */
int vcpu_run_loop(struct vcpu *v);
/* One exit: decode, dispatch, account. Returns the handler's result. */
int vmexit_dispatch(struct vcpu *v, u32 full_reason);
/* Prints the VP's whole guest state and why, then stops it for good. */
NORETURN void vcpu_stop(struct vcpu *v, const char *why);
void vcpu_dump(struct vcpu *v);
const char *vmexit_name(u32 reason);

/* Helpers for handlers (SDM vol.3 25.8.3 event injection, 28.2 instruction length). */
/* The exit qualification (SDM vol.3 28.2.1). */
static inline u64 vmx_exit_qual(void)
{
	return vmread(VMCS_EXIT_QUALIFICATION);
}
/* Past an emulated instruction of len bytes at rip (the guest's RIP, read by the caller);
 * emulating one ends STI / MOV-SS blocking (SDM vol.3 28.3, 27.3.1.5). Inline: nearly
 * every handler ends with it. */
static inline void vcpu_skip_instr_at(struct vcpu *v, u64 rip, u64 len)
{
	(void)v;
	vmwrite(VMCS_GUEST_RIP, rip + len);
	u64 intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
			intr & ~(u64)(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}
/* The same at the guest's RIP. */
static inline void vcpu_skip_instr_len(struct vcpu *v, u64 len)
{
	vcpu_skip_instr_at(v, vmread(VMCS_GUEST_RIP), len);
}
/* Past the instruction that exited (its length: SDM vol.3 28.2.5, valid for the exits of
 * instructions, not for EPT violations). */
static inline void vcpu_skip_instr(struct vcpu *v)
{
	vcpu_skip_instr_len(v, vmread(VMCS_EXIT_INSTR_LEN));
}
void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_err, u32 err);
/* An event injected at this entry ends the HLT state it is delivered in (SDM vol.3 27.6). */
static inline void vcpu_end_hlt(void)
{
	if (vmread(VMCS_GUEST_ACTIVITY_STATE) == ACTIVITY_HLT)
		vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
}
static inline void vcpu_inject_gp(struct vcpu *v)
{
	vcpu_inject_exception(v, VEC_GP, true, 0);
}
static inline void vcpu_inject_ud(struct vcpu *v)
{
	vcpu_inject_exception(v, VEC_UD, false, 0);
}
/* Current privilege level: SS.DPL (SDM vol.3 5.5); 0 in real mode. */
static inline u32 vcpu_cpl(void)
{
	return ((u32)vmread(VMCS_GUEST_SS_AR) >> 5) & 3;
}
/* CR0.PE as the guest sees it (PE is an owned bit: the shadow holds it). */
static inline bool vcpu_real_mode(void)
{
	return !(vmread(VMCS_CR0_SHADOW) & 1);
}

/* Handlers (arch/x86/exit_*.c and hyperv/). */
int exit_cpuid(struct vcpu *v);
int exit_rdmsr(struct vcpu *v);
int exit_wrmsr(struct vcpu *v);
int exit_cr_access(struct vcpu *v);
int exit_xsetbv(struct vcpu *v);
/* LGDT, LIDT, SGDT, SIDT and LLDT, LTR, SLDT, STR, while descriptor-table exiting is on
 * (only while a higher VTL intercepts a table register: exit_dt.c). */
int exit_gdtr_idtr(struct vcpu *v);
int exit_ldtr_tr(struct vcpu *v);
int exit_invd(struct vcpu *v);
int exit_vmx_insn(struct vcpu *v);
int exit_init(struct vcpu *v);
int exit_nmi(struct vcpu *v);
int exit_nmi_window(struct vcpu *v);
/*
 * The NMI that makes t look at its work word, sent after the work is published: none when
 * one of ours is still on its way to t (that one will do). vcpu_nmi_is_kick() is asked on
 * t's own CPU for every NMI it takes: true for the one that answers a kick.
 */
void vcpu_kick_nmi(struct vcpu *t);
bool vcpu_nmi_is_kick(struct vcpu *v);
/* Copies v's guest state into v->snap (on v's own CPU) and bumps v->snap_seq. */
void vcpu_take_snapshot(struct vcpu *v);
int exit_preempt_timer(struct vcpu *v);
/* Emulates an INIT on v: INIT state, then parked until a SIPI (exit_initsipi.c). */
void vcpu_emulate_init(struct vcpu *v);
/* Any CPU: t, parked after an INIT, starts from g instead of a SIPI's real mode (TLFS
 * HvCallStartVirtualProcessor into VTL0). 0, or -EBUSY (not parked, or a SIPI or start
 * came first). */
struct guest_state;
int vcpu_start_parked(struct vcpu *t, const struct guest_state *g);
int exit_sipi(struct vcpu *v);
int exit_triple_fault(struct vcpu *v);
int exit_ept_violation(struct vcpu *v);
int exit_ept_misconfig(struct vcpu *v);
int hv_exit_vmcall(struct vcpu *v);

#endif
