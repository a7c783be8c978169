/* SPDX-License-Identifier: MIT */
/*
 * EFI_MP_SERVICES_PROTOCOL (UEFI PI spec, vol. 2, "MP Services Protocol"), which GNU-EFI
 * does not declare, and the test guest's view of the CPUs it enumerates.
 */
#ifndef TESTS_GUESTS_MP_H
#define TESTS_GUESTS_MP_H

#include <efi.h>

#include "lib/types.h"

#define MP_MAX_CPUS 64

/* Called by the firmware on an AP with the MS ABI. It must never call a UEFI service. */
typedef void __attribute__((ms_abi)) (*mp_ap_proc_t)(void *arg);

struct mp_cpu {
	u32 apic_id; /* EFI_PROCESSOR_INFORMATION.ProcessorId */
	u32 status;  /* MP_CPU_* */
};
#define MP_CPU_BSP 0x1u
#define MP_CPU_ENABLED 0x2u
#define MP_CPU_HEALTHY 0x4u

struct mp_info {
	void *proto; /* EFI_MP_SERVICES_PROTOCOL, or NULL when the firmware has none */
	u32 count;   /* CPUs in cpus[] (all of them, enabled or not) */
	u32 enabled;
	u32 bsp; /* index of the BSP in cpus[] */
	struct mp_cpu cpus[MP_MAX_CPUS];
};

/* Enumerates the CPUs. Without MP services: one CPU, the BSP. Returns 0 or -E*. */
int mp_init(struct mp_info *mp);
/*
 * Runs proc(arg) on every enabled AP at once and waits (blocking StartupAllAPs, no event).
 * Returns 0 (also when there is no AP) or -E*; *efi_status gets the firmware's status.
 */
int mp_run_on_aps(const struct mp_info *mp, mp_ap_proc_t proc, void *arg, u64 timeout_us,
		  EFI_STATUS *efi_status);
/*
 * The same without waiting (StartupAllAPs with a WaitEvent): proc(arg) starts on every
 * enabled AP and the BSP goes on; mp_wait_aps waits until all have returned (the firmware
 * signals the event). *done is NULL when there is no AP. Returns 0 or -E*.
 */
int mp_start_on_aps(const struct mp_info *mp, mp_ap_proc_t proc, void *arg, u64 timeout_us,
		    EFI_EVENT *done, EFI_STATUS *efi_status);
void mp_wait_aps(EFI_EVENT done);
/* Index in mp->cpus of the CPU with this APIC ID, or -1. */
int mp_index_of_apic_id(const struct mp_info *mp, u32 apic_id);

#endif
