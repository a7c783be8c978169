// SPDX-License-Identifier: MIT
/* CPU enumeration and AP dispatch through EFI_MP_SERVICES_PROTOCOL (PI spec vol. 2). */
#include <efi.h>
#include <efilib.h>

#include "lib/errno.h"
#include "tests/guests/cpu.h"
#include "tests/guests/mp.h"

static EFI_GUID mp_services_guid = { 0x3fdda605,
				     0xa76e,
				     0x4f46,
				     { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } };

/* Member order is the PI spec's; GNU-EFI calls them through uefi_call_wrapper. */
struct efi_mp_services {
	void *get_number_of_processors;
	void *get_processor_info;
	void *startup_all_aps;
	void *startup_this_ap;
	void *switch_bsp;
	void *enable_disable_ap;
	void *who_am_i;
};

/* EFI_PROCESSOR_INFORMATION, with room for the PI 1.7 extended location it may append. */
struct efi_processor_info {
	u64 processor_id;
	u32 status_flag;
	u32 package, core, thread;
	u32 extended[6];
};
_Static_assert(__builtin_offsetof(struct efi_processor_info, status_flag) == 8, "PI layout");
_Static_assert(__builtin_offsetof(struct efi_processor_info, package) == 12, "PI layout");

int mp_init(struct mp_info *mp)
{
	struct efi_mp_services *ms = NULL;
	UINTN total = 0, enabled = 0;
	EFI_STATUS st;

	mp->proto = NULL;
	mp->count = 1;
	mp->enabled = 1;
	mp->bsp = 0;
	mp->cpus[0].apic_id = cpu_apic_id();
	mp->cpus[0].status = MP_CPU_BSP | MP_CPU_ENABLED | MP_CPU_HEALTHY;

	st = uefi_call_wrapper(BS->LocateProtocol, 3, &mp_services_guid, NULL, (void **)&ms);
	if (EFI_ERROR(st) || !ms)
		return -ENOENT;
	st = uefi_call_wrapper(ms->get_number_of_processors, 3, ms, &total, &enabled);
	if (EFI_ERROR(st) || total == 0)
		return -EIO;
	if (total > MP_MAX_CPUS)
		total = MP_MAX_CPUS;

	mp->proto = ms;
	mp->count = 0;
	mp->enabled = 0;
	for (UINTN i = 0; i < total; i++) {
		struct efi_processor_info pi = { 0 };

		st = uefi_call_wrapper(ms->get_processor_info, 3, ms, i, &pi);
		if (EFI_ERROR(st))
			return -EIO;
		mp->cpus[i].apic_id = (u32)pi.processor_id;
		mp->cpus[i].status = pi.status_flag & 7;
		if (pi.status_flag & MP_CPU_BSP)
			mp->bsp = (u32)i;
		if (pi.status_flag & MP_CPU_ENABLED)
			mp->enabled++;
		mp->count++;
	}
	return 0;
}

int mp_run_on_aps(const struct mp_info *mp, mp_ap_proc_t proc, void *arg, u64 timeout_us,
		  EFI_STATUS *efi_status)
{
	struct efi_mp_services *ms = mp->proto;
	EFI_STATUS st;

	*efi_status = EFI_SUCCESS;
	if (!ms || mp->enabled <= 1)
		return 0;
	/* Blocking mode: WaitEvent NULL, all APs at once, no failed-CPU list. */
	st = uefi_call_wrapper(ms->startup_all_aps, 7, ms, (void *)proc, (UINT64)FALSE, NULL,
			       (UINTN)timeout_us, arg, NULL);
	*efi_status = st;
	if (st == EFI_NOT_STARTED)
		return 0; /* no enabled AP */
	return EFI_ERROR(st) ? -EIO : 0;
}

int mp_start_on_aps(const struct mp_info *mp, mp_ap_proc_t proc, void *arg, u64 timeout_us,
		    EFI_EVENT *done, EFI_STATUS *efi_status)
{
	struct efi_mp_services *ms = mp->proto;
	EFI_STATUS st;

	*done = NULL;
	*efi_status = EFI_SUCCESS;
	if (!ms || mp->enabled <= 1)
		return 0;
	/* A plain event (no notification): StartupAllAPs signals it, CheckEvent sees it. */
	st = uefi_call_wrapper(BS->CreateEvent, 5, 0, 0, NULL, NULL, done);
	if (EFI_ERROR(st)) {
		*efi_status = st;
		*done = NULL;
		return -EIO;
	}
	st = uefi_call_wrapper(ms->startup_all_aps, 7, ms, (void *)proc, (UINT64)FALSE, *done,
			       (UINTN)timeout_us, arg, NULL);
	*efi_status = st;
	if (EFI_ERROR(st)) {
		uefi_call_wrapper(BS->CloseEvent, 1, *done);
		*done = NULL;
		return st == EFI_NOT_STARTED ? 0 : -EIO;
	}
	return 0;
}

void mp_wait_aps(EFI_EVENT done)
{
	if (!done)
		return;
	/* The firmware's periodic check on the BSP signals it (PI spec, StartupAllAPs). */
	while (uefi_call_wrapper(BS->CheckEvent, 1, done) == EFI_NOT_READY)
		uefi_call_wrapper(BS->Stall, 1, 1000);
	uefi_call_wrapper(BS->CloseEvent, 1, done);
}

int mp_index_of_apic_id(const struct mp_info *mp, u32 apic_id)
{
	for (u32 i = 0; i < mp->count; i++)
		if (mp->cpus[i].apic_id == apic_id)
			return (int)i;
	return -1;
}
