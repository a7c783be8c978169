/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor CPUID leaves (TLFS "Feature and Interface Discovery", reference 2.3-2.4).
 * They advertise exactly what is implemented: today the hypercall MSRs and page and the
 * VP index. vtlvisor's own identity sits at 0x40000100, where hypervisors that also present
 * Hyper-V's interface put theirs.
 */
#include "arch/x86/core.h"
#include "arch/x86/vcpu.h"
#include "hyperv/hv.h"
#include "hyperv/reftime.h"
#include "hyperv/stimer.h"
#include "lib/string.h"

#define HV_LEAF_VENDOR 0x40000000
#define HV_LEAF_INTERFACE 0x40000001
#define HV_LEAF_VERSION 0x40000002
#define HV_LEAF_FEATURES 0x40000003
#define HV_LEAF_RECOMMENDATIONS 0x40000004
#define HV_LEAF_LIMITS 0x40000005
#define HV_LEAF_HW_FEATURES 0x40000006
#define HV_LEAF_MAX 0x4000000a
#define VTLVISOR_LEAF_ID 0x40000100
#define VTLVISOR_LEAF_VERSION 0x40000101
#define VTLVISOR_LEAF_EXITS 0x40000102 /* answered in arch/x86/exit_cpuid.c (needs the VP) */

static u64 hv_priv_off; /* set once by the BSP at takeover (hvoff=) */
static bool hv_xmm;	/* the host may touch XMM registers: XMM fast calls offered */

void hv_xmm_init(bool sse_usable)
{
	hv_xmm = sse_usable;
}

bool hv_xmm_fast_available(void)
{
	return hv_xmm;
}

u64 hv_priv_now; /* what is offered: read on every synthetic MSR access and hypercall */

void hv_set_privileges_off(u64 off)
{
	hv_priv_off = off;
	hv_privileges_refresh();
}

/* Recomputed whenever something it depends on is set (all at takeover, on the BSP). */
void hv_privileges_refresh(void)
{
	u64 p = HV_PRIV_ACCESS_HYPERCALL_MSRS | HV_PRIV_ACCESS_VP_INDEX |
		HV_PRIV_ACCESS_GUEST_IDLE | HV_PRIV_ACCESS_INTR_CTRL_REGS |
		HV_PRIV_ACCESS_RESET_REG | HV_PRIV_ACCESS_SYNIC_REGS | HV_PRIV_POST_MESSAGES |
		HV_PRIV_SIGNAL_EVENTS | HV_PRIV_ACCESS_VSM | HV_PRIV_ACCESS_VP_REGISTERS |
		HV_PRIV_START_VIRTUAL_PROCESSOR;

	if (hv_reftime_available()) /* needs a TSC above 10 MHz, measured at boot */
		p |= HV_PRIV_ACCESS_PARTITION_REFERENCE_COUNTER |
		     HV_PRIV_ACCESS_PARTITION_REFERENCE_TSC | HV_PRIV_ACCESS_VP_RUNTIME;
	if (hv_frequencies_available()) /* both rates measured by the loader */
		p |= HV_PRIV_ACCESS_FREQUENCY_MSRS;
	if (hv_stimer_available()) /* the VMX-preemption timer and the reference time */
		p |= HV_PRIV_ACCESS_SYNTHETIC_TIMER_REGS;
	p &= ~hv_priv_off;
	/* Timers and guest messages go through the SynIC: without it they are off too. VSM
	 * needs it as well (TLFS: AccessVsm, AccessVpRegisters and AccessSynicRegs together),
	 * and VP registers are VSM's. */
	if (!(p & HV_PRIV_ACCESS_SYNIC_REGS))
		p &= ~(HV_PRIV_ACCESS_SYNTHETIC_TIMER_REGS | HV_PRIV_POST_MESSAGES |
		       HV_PRIV_SIGNAL_EVENTS | HV_PRIV_ACCESS_VSM);
	if (!(p & HV_PRIV_ACCESS_VSM))
		p &= ~(HV_PRIV_ACCESS_VP_REGISTERS | HV_PRIV_START_VIRTUAL_PROCESSOR);
	hv_priv_now = p;
}

static void sig(u32 out[4], u32 max, const char name[12])
{
	out[0] = max;
	memcpy(&out[1], name, 12);
}

bool hv_cpuid(u32 leaf, u32 subleaf, u32 out[4])
{
	if (leaf < 0x40000000 || leaf > 0x4fffffff)
		return false;
	out[0] = out[1] = out[2] = out[3] = 0;
	switch (leaf) {
	case HV_LEAF_VENDOR:
		sig(out, HV_LEAF_MAX, "Microsoft Hv");
		break;
	case HV_LEAF_INTERFACE:
		out[0] = 0x31237648; /* "Hv#1": the TLFS interface */
		break;
	case HV_LEAF_VERSION:
		out[1] = (VTLVISOR_VERSION_MAJOR << 16) | VTLVISOR_VERSION_MINOR;
		break;
	case HV_LEAF_FEATURES: /* EAX:EBX = privilege mask, ECX/EDX = features */
		out[0] = (u32)hv_privileges();
		out[1] = (u32)(hv_privileges() >> 32);
		out[3] = HV_FEATURE_CRASH_MSRS;		    /* hyperv/crash.c */
		if (out[0] & HV_PRIV_ACCESS_FREQUENCY_MSRS) /* Linux wants both bits */
			out[3] |= HV_FEATURE_FREQUENCY_MSRS;
		if (out[0] & HV_PRIV_ACCESS_GUEST_IDLE)
			out[3] |= HV_FEATURE_GUEST_IDLE;
		if (hv_xmm)
			out[3] |= HV_FEATURE_XMM_INPUT | HV_FEATURE_XMM_OUTPUT;
		if (out[0] & HV_PRIV_ACCESS_SYNTHETIC_TIMER_REGS)
			out[3] |= HV_FEATURE_STIMER_DIRECT; /* hyperv/stimer.c */
		break;
	case HV_LEAF_RECOMMENDATIONS:
		/* bit 1/2: use the local/remote TLB flush hypercalls; bit 10: send IPIs with
		 * HvCallSendSyntheticClusterIpi (hyperv/hypercall.c). */
		out[0] = (1u << 1) | (1u << 2) | (1u << 10) | HV_RECOMMEND_EX_PROCESSOR_MASKS;
		if (hv_privileges() & HV_PRIV_ACCESS_RESET_REG)
			out[0] |= 1u << 4; /* reboot through the RESET MSR */
		/* AutoEOI SINTs work (injected), but APIC-delivered ones are cheaper. */
		if (hv_privileges() & HV_PRIV_ACCESS_SYNIC_REGS)
			out[0] |= HV_RECOMMEND_DEPRECATE_AUTO_EOI;
		out[1] = 0xffffffff; /* never notify about long spin waits */
		out[2] = core.caps.phys_addr_bits & 0x7f;
		break;
	case HV_LEAF_LIMITS:
		out[0] = vcpu_count(); /* max VPs */
		out[1] = vcpu_count(); /* max LPs */
		break;
	case HV_LEAF_HW_FEATURES:
		/* bit 1 MSR bitmaps, bit 3 second-level address translation */
		out[0] = (1u << 1) | (1u << 3);
		break;
	case VTLVISOR_LEAF_ID:
		sig(out, VTLVISOR_LEAF_EXITS, "vtlvisor    ");
		break;
	case VTLVISOR_LEAF_VERSION:
		out[0] = (VTLVISOR_VERSION_MAJOR << 16) | VTLVISOR_VERSION_MINOR;
		break;
	default:
		break;
	}
	return true;
}
