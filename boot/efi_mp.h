/* SPDX-License-Identifier: MIT */
/* EFI_MP_SERVICES_PROTOCOL (UEFI PI spec vol.2, 13.4); gnu-efi does not declare it. */
#ifndef BOOT_EFI_MP_H
#define BOOT_EFI_MP_H

#include <efi.h>

#define EFI_MP_SERVICES_PROTOCOL_GUID                                  \
	{                                                              \
		0x3fdda605, 0xa76e, 0x4f46,                            \
		{                                                      \
			0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 \
		}                                                      \
	}

#define EFI_PROCESSOR_AS_BSP 0x1
#define EFI_PROCESSOR_ENABLED 0x2

/* PI 1.7 added ExtendedInformation: reserve room for it so the firmware never overruns. */
typedef struct {
	UINT64 ProcessorId;
	UINT32 StatusFlag;
	UINT32 Location[3];
	UINT32 ExtendedInformation[6];
	UINT8 Slack[16];
} EFI_PROCESSOR_INFORMATION;

/* Procedures the firmware calls on an AP use the Microsoft x64 ABI. */
typedef void(__attribute__((ms_abi)) * EFI_AP_PROCEDURE)(void *arg);

typedef struct _EFI_MP_SERVICES_PROTOCOL EFI_MP_SERVICES_PROTOCOL;
struct _EFI_MP_SERVICES_PROTOCOL {
	EFI_STATUS(__attribute__((ms_abi)) * GetNumberOfProcessors)
	(EFI_MP_SERVICES_PROTOCOL *self, UINTN *count, UINTN *enabled);
	EFI_STATUS(__attribute__((ms_abi)) * GetProcessorInfo)
	(EFI_MP_SERVICES_PROTOCOL *self, UINTN index, EFI_PROCESSOR_INFORMATION *info);
	EFI_STATUS(__attribute__((ms_abi)) * StartupAllAPs)
	(EFI_MP_SERVICES_PROTOCOL *self, EFI_AP_PROCEDURE proc, BOOLEAN single_thread,
	 EFI_EVENT wait_event, UINTN timeout_us, void *arg, UINTN **failed_cpus);
	EFI_STATUS(__attribute__((ms_abi)) * StartupThisAP)
	(EFI_MP_SERVICES_PROTOCOL *self, EFI_AP_PROCEDURE proc, UINTN index, EFI_EVENT wait_event,
	 UINTN timeout_us, void *arg, BOOLEAN *finished);
	void *SwitchBSP;
	void *EnableDisableAP;
	EFI_STATUS(__attribute__((ms_abi)) * WhoAmI)(EFI_MP_SERVICES_PROTOCOL *self, UINTN *index);
};

#endif
