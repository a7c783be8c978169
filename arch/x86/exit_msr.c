/* SPDX-License-Identifier: MIT */
/*
 * RDMSR/WRMSR exits. The MSR bitmap (SDM vol.3 25.6.9) lets every MSR pass through except
 * the few below; MSRs outside the bitmap's two ranges always exit and are done for the
 * guest with a fault-safe access, a #GP going back to the guest as it would on hardware.
 * Writes of the MSRs a higher VTL may lock exit too and are offered to it first (TLFS
 * secure register intercepts, reference 3.9).
 */
#define LOG_MODULE "msr"
#include "arch/x86/apic.h"
#include "arch/x86/vp_vtl_apic.h"
#include "arch/x86/core.h"
#include "arch/x86/exception.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/msr_bitmap.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vp_vtl.h"
#include "hyperv/hv.h"
#include "lib/log.h"

static bool is_vmx_msr(u32 msr)
{
	return msr >= MSR_IA32_VMX_FIRST && msr <= MSR_IA32_VMX_LAST;
}

/* The synthetic MSR range: 0x40000000-0x400001FF (the crash MSRs sit at 0x40000100). */
static bool is_hv_msr(u32 msr)
{
	return msr >= 0x40000000 && msr <= 0x400001ff;
}

/* The value of an MSR that is not FEATURE_CONTROL: 0, or -1 for a #GP. VMX capability
 * MSRs #GP without VMX (SDM vol.4 table 2-2); synthetic MSRs unless implemented
 * (hyperv/msr.c); a higher VTL's APIC MSRs are its own APIC's (vp_vtl_apic.c). */
static int msr_value(struct vcpu *v, u32 msr, u64 *val)
{
	if (is_vmx_msr(msr))
		return -1;
	if (is_hv_msr(msr))
		return hv_msr_read(v, msr, val);
	if (v->active_vtl && vp_vtl_apic_msr(msr))
		return vp_vtl_apic_rdmsr(v, msr, val);
	return msr_read_safe(msr, val);
}

int exit_rdmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.gpr[RCX];
	u64 val;

	if (msr == MSR_IA32_FEATURE_CONTROL) {
		/* Locked, VMX off: consistent with CPUID.1:ECX.VMX = 0 (no nested VMX). */
		val = (rdmsr(msr) &
		       ~(FEATURE_CONTROL_VMX_IN_SMX | FEATURE_CONTROL_VMX_OUTSIDE_SMX)) |
		      FEATURE_CONTROL_LOCK;
	} else if (msr_value(v, msr, &val)) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	v->regs.gpr[RAX] = (u32)val;
	v->regs.gpr[RDX] = val >> 32;
	vcpu_skip_instr(v);
	return EXIT_RESUME;
}

/* SDM vol.3 2.2.1 / vol.4 table 2-2: IA32_EFER bits a guest may set. */
static u64 efer_writable(void)
{
	u32 a, b, c, d;
	u64 ok = EFER_SCE | EFER_LME | EFER_LMA;

	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	if (d & (1u << 20))
		ok |= EFER_NXE;
	return ok;
}

static int wrmsr_efer(struct vcpu *v, u64 val)
{
	u64 old = vmread(VMCS_GUEST_EFER);

	if (val & ~efer_writable())
		return -1;
	/* SDM vol.3 9.8.5: changing LME while paging is on is a #GP. LMA is read-only. */
	if ((vmread(VMCS_CR0_SHADOW) & CR0_PG) && ((val ^ old) & EFER_LME))
		return -1;
	vmwrite(VMCS_GUEST_EFER, (val & ~EFER_LMA) | (old & EFER_LMA));
	return 0;
}

/*
 * The SYSENTER MSRs live in the VMCS's guest state (SDM vol.3 25.4.1), loaded at every VM
 * entry: a guest write goes there. The CPU's own checks (a non-canonical EIP or ESP is a
 * #GP) come from a WRMSR of the real MSR, which every VM exit reloads with the host's value
 * (SDM vol.3 28.5.1) and the host never uses. 0, or -1 for #GP.
 */
static int wrmsr_sysenter(u32 msr, u64 val)
{
	static const u32 field[] = { VMCS_GUEST_SYSENTER_CS, VMCS_GUEST_SYSENTER_ESP,
				     VMCS_GUEST_SYSENTER_EIP };

	if (msr_write_safe(msr, val))
		return -1;
	vmwrite(field[msr - MSR_IA32_SYSENTER_CS], rdmsr(msr));
	return 0;
}

/*
 * The MSRs a higher VTL may lock for a lower one (TLFS HvRegisterCrInterceptControl,
 * reference 3.9.3): their writes always exit (msr_bitmap.c). Does a higher VTL intercept
 * this write of v's running VTL? IA32_MISC_ENABLE only when a bit of its mask changes.
 */
static bool msr_write_intercepted(struct vcpu *v, u32 msr, u64 val)
{
	struct vcpu_reg_write w = { .reg = VCPU_REG_MSR, .msr = msr, .val = val };

	switch (msr) {
	case MSR_IA32_MISC_ENABLE:
		if (msr_read_safe(msr, &w.old))
			return false; /* no such MSR here: the write #GPs below */
		break;
	case MSR_IA32_LSTAR:
	case MSR_IA32_STAR:
	case MSR_IA32_CSTAR:
	case MSR_IA32_FMASK:
	case MSR_IA32_APIC_BASE:
	case MSR_IA32_EFER:
	case MSR_IA32_SYSENTER_CS:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_IA32_TSC_AUX:
		break;
	default:
		return false;
	}
	return vcpu_reg_write_intercepted(v, &w);
}

int exit_wrmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.gpr[RCX];
	u64 val = (v->regs.gpr[RDX] << 32) | (u32)v->regs.gpr[RAX];
	int bad;

	/* A higher VTL sees the attempt before the CPU's own checks (OpenHCL's order); the
	 * instruction then stays where it is (TLFS 3.9.1). */
	if (msr_write_intercepted(v, msr, val))
		return EXIT_RESUME;
	if (v->active_vtl && vp_vtl_apic_msr(msr))
		bad = vp_vtl_apic_wrmsr(v, msr, val);
	else if (msr == MSR_IA32_EFER)
		bad = wrmsr_efer(v, val);
	else if (msr >= MSR_IA32_SYSENTER_CS && msr <= MSR_IA32_SYSENTER_EIP)
		bad = wrmsr_sysenter(msr, val);
	else if (msr == MSR_X2APIC_ICR &&
		 apic_icr_write(v, (u32)val, (u32)(val >> 32), true) == APIC_ICR_DROP)
		bad = 0;
	else if (is_hv_msr(msr))
		bad = hv_msr_write(v, msr, val);
	else if (msr == MSR_IA32_FEATURE_CONTROL || is_vmx_msr(msr))
		bad = -1; /* locked / read-only */
	else if ((bad = msr_write_safe(msr, val)) == 0 && vp_private_msr(v->msrs, msr))
		*vp_private_msr(v->msrs, msr) = val; /* tracked (vcpu.h) */
	if (bad) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	vcpu_skip_instr(v);
	return EXIT_RESUME;
}
