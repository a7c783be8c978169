/* SPDX-License-Identifier: MIT */
/*
 * RDMSR/WRMSR exits. The MSR bitmap (SDM vol.3 25.6.9) lets every MSR pass through except
 * the few below; MSRs outside the bitmap's two ranges always exit and are done for the
 * guest with a fault-safe access, a #GP going back to the guest as it would on hardware.
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

int exit_wrmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.gpr[RCX];
	u64 val = (v->regs.gpr[RDX] << 32) | (u32)v->regs.gpr[RAX];
	int bad;

	if (v->active_vtl && vp_vtl_apic_msr(msr))
		bad = vp_vtl_apic_wrmsr(v, msr, val);
	else if (msr == MSR_IA32_EFER)
		bad = wrmsr_efer(v, val);
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
