/* SPDX-License-Identifier: MIT */
#include "arch/x86/vmx_caps.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx_defs.h"
#include "lib/errno.h"
#include "lib/printf.h"

bool vmx_cpu_has_vmx(void)
{
	u32 a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	return c & (1u << 5);
}

void vmx_caps_read(struct vmx_caps *c)
{
	u32 a, b, cx, d;

	c->basic = rdmsr(MSR_IA32_VMX_BASIC);
	/* SDM A.1: bit 55 says the TRUE_* MSRs exist and report the real allowed-0 bits. */
	c->true_ctls = c->basic & (1ULL << 55);
	c->pin = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	c->proc = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				       MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	c->entry = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	/* SDM A.3.3: the secondary controls MSR exists only if bit 63 of PROCBASED is 1. */
	c->proc2 = vmx_ctl_allowed(c->proc, PROC_SECONDARY) ? rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) :
							      0;
	/* SDM A.10: EPT/VPID caps exist if either EPT or VPID can be enabled. */
	c->ept_vpid = vmx_ctl_allowed(c->proc2, PROC2_EPT | PROC2_VPID) ?
			      rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) :
			      0;
	c->vmfunc = vmx_ctl_allowed(c->proc2, PROC2_VMFUNC) ? rdmsr(MSR_IA32_VMX_VMFUNC) : 0;
	cpuid_count(0x80000000, 0, &a, &b, &cx, &d);
	c->phys_addr_bits = 36;
	if (a >= 0x80000008) {
		cpuid_count(0x80000008, 0, &a, &b, &cx, &d);
		c->phys_addr_bits = a & 0xff;
	}
	c->ept_1g = c->ept_vpid & EPTCAP_1G;
	c->ept_ad = c->ept_vpid & EPTCAP_AD;
	c->mbec = vmx_ctl_allowed(c->proc2, PROC2_MBEC);
	c->vmfunc_eptp = vmx_ctl_allowed(c->proc2, PROC2_VMFUNC) && (c->vmfunc & 1);
	c->ept_ve = vmx_ctl_allowed(c->proc2, PROC2_EPT_VE);
	c->invvpid = (c->ept_vpid & EPTCAP_INVVPID) &&
		     (c->ept_vpid & (EPTCAP_INVVPID_SINGLE | EPTCAP_INVVPID_ALL));
	/* SDM A.6: bit 8 = the wait-for-SIPI activity state is supported. */
	c->wait_sipi = c->misc & (1ULL << 8);
}

u32 vmx_ctl_adjust(u64 cap, u32 want, u32 *missing)
{
	u32 must1 = (u32)cap, may1 = (u32)(cap >> 32);

	if (missing)
		*missing = want & ~may1;
	return (want & may1) | must1;
}

struct vmx_need {
	const char *what;
	bool ok;
};

int vmx_caps_check(const struct vmx_caps *c, char *why, size_t n)
{
	const struct vmx_need need[] = {
		/* SDM A.1: VMCS and VMXON region must be WB (memory type 6 in bits 53:50). */
		{ "write-back VMCS memory type", ((c->basic >> 50) & 0xf) == 6 },
		{ "secondary processor controls", vmx_ctl_allowed(c->proc, PROC_SECONDARY) },
		{ "MSR bitmaps", vmx_ctl_allowed(c->proc, PROC_USE_MSR_BITMAPS) },
		{ "EPT", vmx_ctl_allowed(c->proc2, PROC2_EPT) },
		{ "unrestricted guest", vmx_ctl_allowed(c->proc2, PROC2_UNRESTRICTED) },
		{ "VPID", vmx_ctl_allowed(c->proc2, PROC2_VPID) },
		{ "EPT 4-level page walk", c->ept_vpid & EPTCAP_WALK4 },
		{ "EPT write-back memory type", c->ept_vpid & EPTCAP_WB },
		{ "EPT 2 MiB pages", c->ept_vpid & EPTCAP_2M },
		{ "INVEPT (single- or all-context)",
		  (c->ept_vpid & EPTCAP_INVEPT) &&
			  (c->ept_vpid & (EPTCAP_INVEPT_SINGLE | EPTCAP_INVEPT_ALL)) },
		{ "64-bit host (exit control)", vmx_ctl_allowed(c->exit, EXIT_HOST_64) },
		{ "save/load IA32_EFER and IA32_PAT on exit",
		  vmx_ctl_allowed(c->exit, EXIT_SAVE_EFER | EXIT_LOAD_EFER) &&
			  vmx_ctl_allowed(c->exit, EXIT_SAVE_PAT | EXIT_LOAD_PAT) },
		{ "load IA32_EFER and IA32_PAT on entry",
		  vmx_ctl_allowed(c->entry, ENTRY_LOAD_EFER) &&
			  vmx_ctl_allowed(c->entry, ENTRY_LOAD_PAT) },
		{ "IA-32e mode guest (entry control)",
		  vmx_ctl_allowed(c->entry, ENTRY_IA32E_GUEST) },
		/* INIT/SIPI are emulated without the wait-for-SIPI activity state (apic.c). */
		{ "NMI exiting and virtual NMIs",
		  vmx_ctl_allowed(c->pin, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS) },
	};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!need[i].ok) {
			snprintf(why, n, "the CPU's VMX lacks %s", need[i].what);
			return -ENOTSUP;
		}
	}
	return 0;
}

void vmx_caps_summary(const struct vmx_caps *c, char *buf, size_t n)
{
	snprintf(buf, n,
		 "VMCS rev %#x%s; EPT 4-level WB 2M%s%s INVEPT%s%s; VPID%s; unrestricted guest; "
		 "MBEC %s; VMFUNC/EPTP-switch %s; #VE %s; MAXPHYADDR %u",
		 (unsigned)(c->basic & 0x7fffffff), c->true_ctls ? ", TRUE controls" : "",
		 c->ept_1g ? " 1G" : "", c->ept_ad ? " A/D" : "",
		 (c->ept_vpid & EPTCAP_INVEPT_SINGLE) ? " single" : "",
		 (c->ept_vpid & EPTCAP_INVEPT_ALL) ? " all" : "", c->invvpid ? " + INVVPID" : "",
		 c->mbec ? "yes" : "no", c->vmfunc_eptp ? "yes" : "no", c->ept_ve ? "yes" : "no",
		 c->phys_addr_bits);
}
