/* SPDX-License-Identifier: MIT */
/* The hardware side of a VP's VTLs (arch/x86/vp_vtl.h). */
#include "arch/x86/vp_vtl.h"
#include "arch/x86/core.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "mm/phys.h"
#include "mm/pool.h"

struct vp_private_msrs vp_msrs[BOOTINFO_MAX_CPUS][CORE_VTLS];

u16 vp_vtl_vpid(const struct vcpu *v, u32 vtl)
{
	/* VPID 0 is the host's; VTL0's VPIDs are 1..BOOTINFO_MAX_CPUS (core_main.c). */
	return (u16)(1 + vtl * BOOTINFO_MAX_CPUS + v->index);
}

void vp_vtl_flush_current(void)
{
	if (core.caps.invvpid)
		invvpid((core.caps.ept_vpid & EPTCAP_INVVPID_SINGLE) ? INVVPID_SINGLE : INVVPID_ALL,
			(u16)vmread(VMCS_VPID), 0);
}

int vp_vtl_vmcs_create(struct vcpu *v, u32 vtl, const struct guest_state *g, u64 *pa)
{
	if (vtl == 0 || vtl >= CORE_VTLS || !core.eptp[vtl])
		return -EINVAL;
	/* What carries over from the VMCS current now (VTL0's): the stack the exit stub
	 * runs on, and the pin controls VTL0 got at takeover (NMI exiting, the preemption
	 * timer), plus external-interrupt exiting. */
	u64 host_rsp = vmread(VMCS_HOST_RSP), old = v->vmcs_pa;
	u32 pin = (u32)vmread(VMCS_PIN_CTLS) | PIN_EXTINT_EXITING;
	u64 new_pa;

	if (!vmx_ctl_allowed(core.caps.pin, PIN_EXTINT_EXITING) ||
	    !vmx_ctl_allowed(core.caps.exit, EXIT_ACK_INTR) ||
	    !vmx_ctl_allowed(core.caps.proc, PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING))
		return -ENOTSUP;
	new_pa = pool_alloc_pages(1);

	if (!new_pa)
		return -ENOMEM;
	*(u32 *)phys_to_virt(new_pa) = (u32)core.caps.basic & 0x7fffffff; /* SDM vol.3 25.2 */
	if (vmclear(new_pa) || vmptrld(new_pa)) {
		vmptrld(old);
		return -EIO;
	}
	vmcs_fill(v, g, pin, core.eptp[vtl], vp_vtl_vpid(v, vtl));
	vmwrite(VMCS_HOST_RSP, host_rsp);
	/* Physical interrupts taken while this VTL runs are acknowledged at the exit and
	 * queued for VTL0 (intr_inject.c). */
	vmwrite(VMCS_EXIT_CTLS, core.exit | EXIT_ACK_INTR);
	if (pin & PIN_PREEMPT_TIMER)
		vmwrite(VMCS_PREEMPT_TIMER_VALUE, v->preempt_period);
	/* Its own local APIC (vp_vtl_apic.h): the APIC MSRs and CR8 (the TPR, SDM vol.3
	 * 11.8.6) exit; the physical APIC is VTL0's. */
	vmwrite(VMCS_MSR_BITMAP, core.msr_bitmap_vtl_pa);
	vmwrite(VMCS_PROC_CTLS,
		vmread(VMCS_PROC_CTLS) | PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING);
	*pa = new_pa;
	return 0;
}
