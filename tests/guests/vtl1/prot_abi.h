/* SPDX-License-Identifier: MIT */
/*
 * VTL memory protections and GPA intercepts (reference 3.8, 3.9; docs/VSM.md): the part of
 * the contract between vtl0test (tests/guests/vsm_prot_check.c), bench and the VTL1 test
 * image (tests/guests/vtl1/prot.c) that the protection checks add to vtl1_abi.h.
 *
 * VTL0 allocates the protection area (VTL1_PROT_AREA_SIZE bytes, 4 KiB aligned, identity
 * mapped like all firmware memory) and puts its address in the mailbox (vtl1_mailbox.prot).
 * It holds a record per VP (struct vtl1_prot_vp: how VTL1 resolves the next GPA intercept,
 * and what it saw), then pages of VTL1's own: each VP's SynIC message page (SIMP: an overlay
 * in VTL1's view, never read by VTL0) and its hypercall input pages, one for commands and one
 * for the intercept handler.
 *
 * The intercept: a VTL0 access that VTL1's protection forbids becomes an
 * HvX64MemoryInterceptMessage in SINT0 of VTL1's SynIC on that VP (reference 3.9.4), whose
 * interrupt (VTL1_PROT_VEC) enters VTL1 with EntryReason 2 before VTL0 runs again. The
 * handler (vtl1/prot.c) copies the message into the VP's log, resolves the intercept as
 * vtl1_prot_vp.policy says, frees the slot (EOM when a message is pending) and EOIs.
 */
#ifndef TESTS_GUESTS_VTL1_PROT_ABI_H
#define TESTS_GUESTS_VTL1_PROT_ABI_H

#include "tests/guests/vtl1/vtl1_abi.h"

/* VTL1's SINT0 vector: PROT_SETUP writes its gate into VTL1's IDT. */
#define VTL1_PROT_VEC 0xe5

/* Commands (vtl1_cpu.cmd), numbered apart from vtl1_abi.h's. */
#define VTL1_CMD_PROT_FIRST 64
/*
 * This VP's SynIC for GPA intercepts (CLI first): x2APIC on if it is not (APIC_BASE EN |
 * EXTD), SVR software-enabled, TPR 0, the IDT gate of VTL1_PROT_VEC, SCONTROL = 1, SIMP =
 * this VP's page of the area, SINT0 = VTL1_PROT_VEC (unmasked, no auto-EOI). out[0]: the
 * accesses that raised #GP (bit 0 APIC_BASE, 1 SVR, 2 TPR, 3 SCONTROL, 4 SIMP, 5 SINT0, 6
 * the read backs); out[1..3] SCONTROL, SIMP, SINT0 read back; out[4] APIC_BASE.
 */
#define VTL1_CMD_PROT_SETUP 64
/* VsmPartitionConfig (0x000D0007) of VTL1: unless arg[1] & 1, SetVpRegisters = arg[0]
 * (out[0] its RAX); then GetVpRegisters (out[1] its RAX, out[2] the value). */
#define VTL1_CMD_PROT_CONFIG 65
/*
 * HvCallModifyVtlProtectionMask (0x000C, memory form; the input built in this VP's command
 * input page): arg[0] bits 31:0 MapFlags, 39:32 TargetVtl (HV_INPUT_VTL), 63:40 the three
 * reserved bytes; arg[1] bits 15:0 the reps (at most VTL1_PROT_MAX_PAGES), bit 63:
 * PartitionId 0 instead of HV_PARTITION_ID_SELF; arg[2] the address of the GPNs (u64s);
 * arg[3] the address of a u64 read right after the call returned (0: none). out[0] RAX,
 * out[1] that u64, out[2] the call's TSC ticks.
 */
#define VTL1_CMD_PROT_MODIFY 66
/*
 * make bench: the MODIFY of arg[0..2] again at every VTL call, MapFlags alternating between
 * the given ones and R (R <-> RWX for RWX), each followed by a fast VtlReturn, until VTL0
 * changes cmd; counter++ at each call back. out[0]: the RAXs that were not success, OR'ed.
 * The loop changes RAX, RCX, RDX and R8 of the shared registers.
 */
#define VTL1_CMD_PROT_REFLECT 67
/*
 * make bench's storm: single-page changes interleaved with VTL0's accesses. The command's
 * own call returns fast at once; from then on each VTL call k (counted from 0) makes one
 * MODIFY of page (k / 2) % arg[1] of arg[2]'s list (arg[1] GPNs, a power of two) to
 * MapFlags arg[0] when k is even, arg[3] when odd (bits 31:0 each; arg[0] also gives
 * TargetVtl and the reserved bytes), then returns fast; counter++ at each call back. An
 * entry with EntryReason 2 (a GPA intercept of VTL0's: the handler runs at once, or in an
 * STI window) makes no call: a normal VtlReturn, so VTL0 keeps every GPR (RAX, RCX from
 * VtlReturnX64Rax/Rcx). Until VTL0 changes cmd. out[0]: the RAXs that were not success,
 * OR'ed; out[1]: the calls made. A VTL call's entry changes RAX, RCX, RDX and R8 of the
 * shared registers.
 */
#define VTL1_CMD_PROT_STORM 68
#define VTL1_CMD_PROT_LAST 68

/* HV_MAP_GPA flags (reference 3.8). */
#define VTL1_PROT_R 0x1u
#define VTL1_PROT_W 0x2u
#define VTL1_PROT_X 0x4u  /* kernel-mode execute */
#define VTL1_PROT_UX 0x8u /* user-mode execute (ignored without MBEC) */
#define VTL1_PROT_RWX 0xfu

/* GPNs in one call: 16 + 510 * 8 bytes = one input page. */
#define VTL1_PROT_MAX_PAGES 510

/* How VTL1 resolves a GPA intercept (vtl1_prot_vp.policy, bits). */
#define VTL1_PROT_SKIP 0x1  /* VTL0's RIP += skip_len (SetVpRegisters): the access never happens */
#define VTL1_PROT_GRANT 0x2 /* flags |= what the access needs (R, R+W, R+X) on its page */
#define VTL1_PROT_STOP 0x4  /* also: the u32 at stop_addr = 1 (a VTL0 loop's stop) */

/* HV_MESSAGE (256 bytes): the 16-byte header and the 0x50 bytes of the GPA intercept. */
#define VTL1_PROT_MSG_BYTES 0x60
#define VTL1_PROT_LOG 6 /* intercept n is log[n % VTL1_PROT_LOG] */

#ifndef __ASSEMBLY__
#include "lib/types.h"

/* One intercept as VTL1 found it. */
struct vtl1_prot_rec {
	u8 msg[VTL1_PROT_MSG_BYTES]; /* the SINT0 slot as it was */
	u64 vtl0_rax;		     /* VTL0's RAX at the intercept (VtlReturnX64Rax) */
	u64 resolve_rax;	     /* the RAX of the call that resolved it; 0: success */
	u64 flags_after;	     /* GRANT: the flags given to the page */
};

/* One VP's record. */
struct vtl1_prot_vp {
	/* VTL0, before an access that may intercept. */
	u32 policy;   /* VTL1_PROT_SKIP / GRANT, | STOP */
	u32 skip_len; /* SKIP: the length of VTL0's instruction */
	u64 flags;    /* GRANT: the page's flags now (VTL1 updates them) */
	u64 stop_addr;
	/* VTL1. */
	u64 count;	  /* GPA intercept messages handled (log holds the last ones) */
	u64 other;	  /* VTL1_PROT_VEC with another message, or none, in the slot */
	u64 resolve_fail; /* resolving calls that did not succeed */
	u64 eom;	  /* EOMs written (the slot had MessagePending) */
	u64 faults;	  /* #GPs in the handler: bit 0 EOM, 1 EOI */
	struct vtl1_prot_rec log[VTL1_PROT_LOG];
};

struct vtl1_prot {
	struct vtl1_prot_vp vp[VTL1_MAX_VPS];
};

/* The area: the records, then VTL1's pages. */
#define VTL1_PROT_PAGE 0x1000
#define VTL1_PROT_OFF_SIMP(vp) ((1 + (u64)(vp)) * VTL1_PROT_PAGE)
#define VTL1_PROT_OFF_CMD_IN(vp) ((1 + VTL1_MAX_VPS + (u64)(vp)) * VTL1_PROT_PAGE)
#define VTL1_PROT_OFF_IRQ_IN(vp) ((1 + 2 * VTL1_MAX_VPS + (u64)(vp)) * VTL1_PROT_PAGE)
#define VTL1_PROT_AREA_SIZE ((1 + 3 * VTL1_MAX_VPS) * VTL1_PROT_PAGE)

_Static_assert(sizeof(struct vtl1_prot) <= VTL1_PROT_PAGE, "the records fit their page");
_Static_assert(16 + VTL1_PROT_MAX_PAGES * 8 <= VTL1_PROT_PAGE, "one input page");
#endif /* __ASSEMBLY__ */

#endif
