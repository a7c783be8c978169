/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor CPUID leaves. 0x40000000 names the hypervisor the way the TLFS asks
 * ("Microsoft Hv"); the TLFS feature leaves 0x40000001-0x4000000A come with the TLFS
 * surface, so for now the maximum leaf is 0x40000001 and its interface signature is 0
 * (not yet "Hv#1": a guest must not assume the TLFS MSRs exist). vtlvisor's own identity
 * sits at 0x40000100, where hypervisors that also present Hyper-V's interface put theirs.
 */
#include "hyperv/hv.h"
#include "lib/string.h"

#define HV_LEAF_VENDOR 0x40000000
#define HV_LEAF_INTERFACE 0x40000001
#define VTLVISOR_LEAF_ID 0x40000100
#define VTLVISOR_LEAF_VERSION 0x40000101

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
		sig(out, HV_LEAF_INTERFACE, "Microsoft Hv");
		break;
	case VTLVISOR_LEAF_ID:
		sig(out, VTLVISOR_LEAF_VERSION, "vtlvisor    ");
		break;
	case VTLVISOR_LEAF_VERSION:
		out[0] = (VTLVISOR_VERSION_MAJOR << 16) | VTLVISOR_VERSION_MINOR;
		break;
	default:
		break;
	}
	return true;
}
