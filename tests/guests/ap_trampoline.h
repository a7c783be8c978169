/* SPDX-License-Identifier: MIT */
/*
 * The real-mode AP trampoline (ap_trampoline.S) and its mailbox. The test copies the
 * trampoline to the start of a page below 1 MiB and sends SIPIs with vector = page >> 12;
 * the AP starts at CS = vector << 8, IP = 0 (SDM Vol. 3A, "MP Initialization Protocol
 * Algorithm for MP Systems"), so every offset below is relative to the page.
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
#endif

#endif
