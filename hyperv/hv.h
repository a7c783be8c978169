/* SPDX-License-Identifier: MIT */
/* The hypervisor interface the guest sees: CPUID leaves 0x40000000+, hypercalls. */
#ifndef HYPERV_HV_H
#define HYPERV_HV_H

#include "lib/types.h"

#define VTLVISOR_VERSION_MAJOR 0
#define VTLVISOR_VERSION_MINOR 1

/* HV_STATUS values (TLFS "Hypercall status codes"). */
#define HV_STATUS_SUCCESS 0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE 0x0002

/* Hypercall counters by call code (the last slot also counts every code beyond). */
#define HV_STATS_CODES 256
struct hv_vp_stats {
	u64 count[HV_STATS_CODES];
	u64 cycles[HV_STATS_CODES];
};
extern struct hv_vp_stats hv_stats[];

/* The hypervisor CPUID range (0x40000000-0x4fffffff, SDM vol.2 CPUID: "reserved for
 * hypervisor use"). Returns true and fills out[4] (EAX..EDX) for a leaf in the range. */
bool hv_cpuid(u32 leaf, u32 subleaf, u32 out[4]);

#endif
