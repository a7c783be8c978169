/* SPDX-License-Identifier: MIT */
/*
 * The real-mode AP trampoline (ap_trampoline.S) and its mailbox. The test copies the
 * trampoline to the start of a page below 1 MiB and sends SIPIs with vector = page >> 12;
 * the AP starts at CS = vector << 8, IP = 0 (SDM Vol. 3A, "MP Initialization Protocol
 * Algorithm for MP Systems"), so every offset below is relative to the page.
 *
 * Also the 64-bit routine an AP runs when HvCallStartVirtualProcessor starts it in VTL0
 * (ap_start_vp_entry, in the image's own code) and the block it fills (AP_SV_*): it runs
 * where the image was loaded, on the firmware's page tables, and finds the block
 * RIP-relative.
 */
#ifndef TESTS_GUESTS_AP_TRAMPOLINE_H
#define TESTS_GUESTS_AP_TRAMPOLINE_H

#define AP_MAILBOX 0x800      /* the trampoline code must end before this */
#define AP_MB_MAGIC 0x800     /* u32: AP_MAGIC once the AP has run */
#define AP_MB_COUNT 0x804     /* u32: incremented by every AP start */
#define AP_MB_LEAF1_ECX 0x808 /* u32: CPUID.01H:ECX as the restarted AP sees it */
#define AP_MB_LEAF1_EBX 0x80c /* u32: CPUID.01H:EBX (initial APIC ID in 31:24) */
#define AP_MB_SIZE 16
#define AP_MAGIC 0x55504121 /* "!APU" */

/* ap_start_vp_block: what ap_start_vp_entry saw, as it entered (registers) and then. */
#define AP_SV_MAGIC 0	   /* u32: AP_SV_MAGIC_VALUE, stored after everything else */
#define AP_SV_COUNT 4	   /* u32: incremented by every run of the routine */
#define AP_SV_RSP 8	   /* u64: RSP at entry */
#define AP_SV_RFLAGS 16	   /* u64: RFLAGS at entry */
#define AP_SV_RDX 24	   /* u64: RDX at entry (INIT's processor signature) */
#define AP_SV_CR0 32	   /* u64 */
#define AP_SV_CR3 40	   /* u64 */
#define AP_SV_CR4 48	   /* u64 */
#define AP_SV_EFER 56	   /* u64: IA32_EFER */
#define AP_SV_VP_INDEX 64  /* u64: HV_X64_MSR_VP_INDEX */
#define AP_SV_LEAF1_EBX 72 /* u32: CPUID.01H:EBX (initial APIC ID in 31:24) */
#define AP_SV_CS 76	   /* u16: CS selector */
#define AP_SV_SS 78	   /* u16: SS selector */
#define AP_SV_SIZE 80
#define AP_SV_MAGIC_VALUE 0x50565321 /* "!SVP" */

#ifndef __ASSEMBLY__
#include "lib/types.h"

extern const u8 ap_trampoline_start[] __attribute__((visibility("hidden")));
extern const u8 ap_trampoline_end[] __attribute__((visibility("hidden")));

struct ap_mailbox {
	u32 magic;
	u32 count;
	u32 leaf1_ecx;
	u32 leaf1_ebx;
};
_Static_assert(sizeof(struct ap_mailbox) == AP_MB_SIZE, "ap_trampoline.S mailbox layout");
_Static_assert(__builtin_offsetof(struct ap_mailbox, count) == AP_MB_COUNT - AP_MAILBOX,
	       "ap_trampoline.S mailbox layout");
_Static_assert(__builtin_offsetof(struct ap_mailbox, leaf1_ecx) == AP_MB_LEAF1_ECX - AP_MAILBOX,
	       "ap_trampoline.S mailbox layout");
_Static_assert(__builtin_offsetof(struct ap_mailbox, leaf1_ebx) == AP_MB_LEAF1_EBX - AP_MAILBOX,
	       "ap_trampoline.S mailbox layout");

struct ap_start_vp_block {
	u32 magic;
	u32 count;
	u64 rsp, rflags, rdx, cr0, cr3, cr4, efer, vp_index;
	u32 leaf1_ebx;
	u16 cs, ss;
};
_Static_assert(sizeof(struct ap_start_vp_block) == AP_SV_SIZE, "ap_trampoline.S block layout");
_Static_assert(__builtin_offsetof(struct ap_start_vp_block, rsp) == AP_SV_RSP,
	       "ap_trampoline.S block layout");
_Static_assert(__builtin_offsetof(struct ap_start_vp_block, rdx) == AP_SV_RDX,
	       "ap_trampoline.S block layout");
_Static_assert(__builtin_offsetof(struct ap_start_vp_block, efer) == AP_SV_EFER,
	       "ap_trampoline.S block layout");
_Static_assert(__builtin_offsetof(struct ap_start_vp_block, vp_index) == AP_SV_VP_INDEX,
	       "ap_trampoline.S block layout");
_Static_assert(__builtin_offsetof(struct ap_start_vp_block, leaf1_ebx) == AP_SV_LEAF1_EBX,
	       "ap_trampoline.S block layout");
_Static_assert(__builtin_offsetof(struct ap_start_vp_block, ss) == AP_SV_SS,
	       "ap_trampoline.S block layout");

/* The routine (never called: its address is a start context's RIP) and its block. */
extern const u8 ap_start_vp_entry[] __attribute__((visibility("hidden")));
extern volatile struct ap_start_vp_block ap_start_vp_block __attribute__((visibility("hidden")));
#endif

#endif
