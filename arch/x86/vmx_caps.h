/* SPDX-License-Identifier: MIT */
/*
 * VMX capability discovery (SDM vol.3 appendix A). Shared by the loader, which refuses a
 * machine that lacks something the core needs, and by the core, which derives its VMCS
 * controls from the same data.
 */
#ifndef ARCH_X86_VMX_CAPS_H
#define ARCH_X86_VMX_CAPS_H

#include "lib/types.h"

struct vmx_caps {
	u64 basic;
	u64 pin, proc, proc2, exit, entry; /* allowed-0 in bits 31:0, allowed-1 in 63:32 */
	u64 misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 ept_vpid;
	u64 vmfunc;
	u32 phys_addr_bits;
	bool true_ctls;
	/* Optional features the core may use. */
	bool ept_1g, mbec, vmfunc_eptp, ept_ve, ept_ad, invvpid, wait_sipi;
};

/* IA32_VMX_EPT_VPID_CAP bits (SDM A.10) */
#define EPTCAP_WALK4 (1ULL << 6)
#define EPTCAP_UC (1ULL << 8)
#define EPTCAP_WB (1ULL << 14)
#define EPTCAP_2M (1ULL << 16)
#define EPTCAP_1G (1ULL << 17)
#define EPTCAP_INVEPT (1ULL << 20)
#define EPTCAP_AD (1ULL << 21)
#define EPTCAP_INVEPT_SINGLE (1ULL << 25)
#define EPTCAP_INVEPT_ALL (1ULL << 26)
#define EPTCAP_INVVPID (1ULL << 32)
#define EPTCAP_INVVPID_SINGLE (1ULL << 41)
#define EPTCAP_INVVPID_ALL (1ULL << 42)

/* CPUID.1:ECX.VMX (SDM 24.6). */
bool vmx_cpu_has_vmx(void);
/* Reads every capability MSR; only call when vmx_cpu_has_vmx(). */
void vmx_caps_read(struct vmx_caps *c);
/* 0 if the core can run; else -ENOTSUP with a sentence naming what is missing in why. */
int vmx_caps_check(const struct vmx_caps *c, char *why, size_t n);
/* One-line human summary of what was found. */
void vmx_caps_summary(const struct vmx_caps *c, char *buf, size_t n);
/*
 * Applies a control MSR's allowed-0/allowed-1 settings (SDM A.3-A.5) to the wanted bits:
 * bits that must be 1 are added; wanted bits that cannot be 1 are dropped and reported in
 * *missing (NULL if the caller does not care).
 */
u32 vmx_ctl_adjust(u64 cap, u32 want, u32 *missing);
static inline bool vmx_ctl_allowed(u64 cap, u32 bit)
{
	return (cap >> 32) & bit;
}

#endif
