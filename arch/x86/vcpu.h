/* SPDX-License-Identifier: MIT */
/*
 * A virtual processor as VMX sees it: one VMCS and the guest GPRs the VMCS does not hold.
 * Today each physical CPU runs one vcpu: its root partition VP at VTL0.
 */
#ifndef ARCH_X86_VCPU_H
#define ARCH_X86_VCPU_H

#include "arch/x86/vmx_defs.h"
#include "lib/types.h"

/* GPR numbering of the SDM (exit qualification / instruction info encoding, table 28-3). */
enum gpr { RAX, RCX, RDX, RBX, RSP_UNUSED, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14,
	   R15, GPR_COUNT };

struct vcpu_regs {
	u64 gpr[GPR_COUNT]; /* gpr[RSP_UNUSED] is not used: RSP lives in the VMCS */
};
_Static_assert(sizeof(struct vcpu_regs) == 16 * 8, "vmx_run.S register layout");

enum vcpu_state {
	VCPU_RUNNING,
	VCPU_STOPPED, /* fail closed: a VM-entry failure, a triple fault, an unexpected exit */
};

struct pcpu;

struct vcpu {
	struct vcpu_regs regs; /* first: vmx_run.S */
	u32 index;             /* VP index = position in bootinfo.cpus */
	u32 apic_id;
	u64 vmcs_pa;
	struct pcpu *pcpu;
	bool launched;
	enum vcpu_state state;
	u32 entry_ctls; /* cached VM-entry controls (IA-32e mode guest changes with EFER.LMA) */
	u16 vpid;
	u64 cr0_mask, cr4_mask;
	/* Statistics, owned by this VP's CPU. */
	u64 exits;
	u64 exit_count[EXIT_REASON_MAX];
};

/* Enters the guest (VMLAUNCH if !launched, else VMRESUME) and returns at the next VM
 * exit with 0, or at once with -1 (VMfailInvalid) / -2 (VMfailValid). vmx_run.S. */
int vmx_run(struct vcpu_regs *regs, int launched);

#endif
