/* SPDX-License-Identifier: MIT */
/*
 * The contract between vtl0test (VTL0) and the VTL1 test image (tests/guests/vtl1/): where
 * things live in the VTL1 region, the mailbox VTL0 fills before each VTL call and VTL1
 * answers in, and the commands. Included by both sides (the VTL1 image defines
 * VTL1_IMAGE); offsets used by assembly are #defines checked against the structs.
 *
 * The region is one allocation of VTL1_REGION_SIZE bytes, 4 KiB aligned, at any address:
 * VTL0 copies the flat image to its start and lays out the rest. Everything is addressed
 * from the region base; the image is position independent (no relocations).
 */
#ifndef TESTS_GUESTS_VTL1_VTL1_ABI_H
#define TESTS_GUESTS_VTL1_VTL1_ABI_H

#define VTL1_MAGIC 0x314c5456 /* "VTL1" */
#define VTL1_ABI_VERSION 3    /* 2: VTL1's own APIC; 3: secure register intercepts (20, 21) */
#define VTL1_MAX_VPS 4

/* Region layout (offsets from the base). */
#define VTL1_OFF_IMAGE 0x0 /* the flat image: +0 entry (a jump), +8 header */
#define VTL1_IMAGE_MAX 0x8000
#define VTL1_OFF_MAILBOX 0x8000 /* struct vtl1_mailbox, shared with VTL0 */
#define VTL1_MAILBOX_SIZE 0x2000
#define VTL1_OFF_HCPAGE 0xa000 /* VTL1's hypercall page (its own HYPERCALL MSR) */
#define VTL1_OFF_ASSIST 0xb000 /* VP n's VTL1 VP assist page at + 0x1000 * n */
#define VTL1_OFF_GDT 0xf000    /* VP n's GDT at + 0x100 * n, its TSS 0x80 above */
#define VTL1_GDT_STRIDE 0x100
#define VTL1_TSS_OFF 0x80
#define VTL1_OFF_IDT 0x10000  /* 256 gates (4 KiB), shared by every VP */
#define VTL1_OFF_PML4 0x11000 /* a copy of VTL0's PML4: VTL1's own CR3 (PRIVATE_SET) */
#define VTL1_OFF_IO 0x12000   /* VP n's hypercall input page at + 0x2000 * n, output above */
#define VTL1_IO_STRIDE 0x2000
#define VTL1_OFF_STACKS 0x1a000 /* VP n's stack: [+ n * size, + (n + 1) * size) */
#define VTL1_STACK_SIZE 0x4000
/* VP n's VTL1 SynIC message page (SIMP) at + 0x1000 * n: an overlay in VTL1's view only. */
#define VTL1_OFF_SIM (VTL1_OFF_STACKS + VTL1_MAX_VPS * VTL1_STACK_SIZE)
#define VTL1_REGION_SIZE (VTL1_OFF_SIM + VTL1_MAX_VPS * 0x1000)

/* The image's GDT (built by VTL0): null, 64-bit code, data, 64-bit TSS (16 bytes). */
#define VTL1_SEL_CODE 0x08
#define VTL1_SEL_DATA 0x10
#define VTL1_SEL_TSS 0x18
#define VTL1_GDT_LIMIT 0x27
#define VTL1_TSS_LIMIT 0x67
/* Exception stubs for vectors 0-31, VTL1_ISR_STRIDE bytes apart from header.isr_off. */
#define VTL1_ISR_COUNT 32
#define VTL1_ISR_STRIDE 16
/* The IDT covers every vector: gates 0-31 and VTL1_VEC_*, the rest not present. */
#define VTL1_IDT_LIMIT (256 * 16 - 1)

/*
 * Interrupt vectors of VTL1's own local APIC (TLFS: each VTL has its own; reference 3.10).
 * Their stubs are VTL1_ISR_STRIDE bytes apart from header.irq_off; each counts in the slot's
 * irq record (struct vtl1_irq) and EOIs through the x2APIC EOI MSR. All three are in
 * priority class 0xE: a TPR of 0xE0 or above masks them.
 */
#define VTL1_VEC_FIRST 0xe0
#define VTL1_VEC_TIMER 0xe0 /* the LVT timer (TIMER_ARM) */
#define VTL1_VEC_IPI 0xe1   /* IPIs between VTL1s (SEND_IPI: ICR or SELF IPI) */
#define VTL1_VEC_XVTL 0xe2  /* cross-VTL IPIs from VTL0 (HvCallSendSyntheticClusterIpi) */
#define VTL1_VEC_COUNT 3
/* VTL1's SINT0 (the intercept SINT, reference 3.9.2): secure intercept messages (ABI 3).
 * Its own gate and stub (header.icpt_off), not one of VTL1_VEC_*. */
#define VTL1_VEC_INTERCEPT 0xe8

/* Commands (vtl1_cpu.cmd). */
#define VTL1_CMD_NONE 0		 /* entry bookkeeping only */
#define VTL1_CMD_PING 1		 /* out[VTL1_PING_*]: VTL1's view of its own state */
#define VTL1_CMD_NOP 2		 /* counter++; RFLAGS.IF set from then on */
#define VTL1_CMD_SET_SHARED 3	 /* return with GPR n = arg[0] + n * VTL1_SHARED_STEP */
#define VTL1_CMD_PRIVATE_SET 4	 /* write VTL1's private MSRs, CR0.AM, CR4.TSD, CR3 */
#define VTL1_CMD_PRIVATE_CHECK 5 /* read them back: still VTL1's? */
#define VTL1_CMD_HCALL 6	 /* hypercalls from VTL1: out[VTL1_HC_*] */
#define VTL1_CMD_ENABLE_VP 7	 /* EnableVpVtl(arg[0], VTL1) with mailbox enable_in[arg[0]] */
#define VTL1_CMD_FAULT 8	 /* UD2: an unexpected exception in VTL1 */
/* Fast VtlReturns in a tight loop, counter++ each, until VTL0 changes cmd (make bench:
 * the round trip with almost no guest work, to see the hypervisor's own). The loop
 * changes only RAX, RCX and RDX of the shared registers. */
#define VTL1_CMD_REFLECT 9
/* StartVirtualProcessor(arg[0], VTL1) with mailbox enable_in[arg[0]]: its RAX in out[0] */
#define VTL1_CMD_START_VP 10
/*
 * VTL1's own local APIC (ABI 2). Every access that raised #GP sets a bit in
 * out[VTL1_APIC_OUT_FAULTS] (the bit numbers are given with each command); the command goes
 * on. Each leaves VTL1's RFLAGS.IF as it was, except APIC_SETUP (clears it) and SET_IF.
 */
/* x2APIC on: reads APIC_BASE, writes it with EN | EXTD, then reads the registers into
 * out[VTL1_APIC_*]; writes SVR = 0x1FF after reading it (SVR_FOUND). CLI. Fault bits:
 * 0 APIC_BASE read, 1 APIC_BASE write, 2 read back, 3 ID, 4 VER, 5 LDR, 6 SVR read,
 * 7 SVR write, 8 SVR read back, 9 TPR, 10 PPR, 11 LVT timer. */
#define VTL1_CMD_APIC_SETUP 11
/* arg[0] LVT timer value, arg[1] initial count, arg[2] divide configuration, arg[3]
 * VTL1_ARM_*: the handler's work at each tick. Writes DCR, LVT, then the initial count;
 * out[VTL1_ARM_*]. Fault bits: 0 DCR, 1 LVT, 2 initial count, 3-5 the read backs. */
#define VTL1_CMD_TIMER_ARM 12
/* LVT timer masked, initial count 0; out[VTL1_STOP_*]. Fault bits: 0-1 reads, 2-3 writes,
 * 4 read after. */
#define VTL1_CMD_TIMER_STOP 13
/* arg[1] 0: ICR (MSR 0x830) = arg[0]; 1: SELF IPI (MSR 0x83F) = arg[0]. Fault bit 0. */
#define VTL1_CMD_SEND_IPI 14
/* TPR = arg[0]; out[VTL1_TPR_*]. Fault bits: 0 read before, 1 write, 2 read, 3 PPR. */
#define VTL1_CMD_SET_TPR 15
/* HvCallSendSyntheticClusterIpi from VTL1: arg[0] vector, arg[1] HV_INPUT_VTL, arg[2]
 * processor mask, arg[3] 1 = fast (register) form, 0 = memory form. Its RAX in out[0]. */
#define VTL1_CMD_SEND_XVTL_IPI 16
/* Up to four MSRs arg[0..3] (0 = none): out[2 i] the value, out[2 i + 1] 1 if it #GP'd. */
#define VTL1_CMD_READ_APIC 17
/* RFLAGS.IF = arg[0] & 1 from now on (it stays across returns); out[0] RFLAGS before. */
#define VTL1_CMD_SET_IF 18
/* INT arg[0] (one of VTL1_VEC_*) with IF clear: the image's own gates and handler, without
 * the APIC (the handler neither reads ISR nor EOIs a software interrupt). out[0] RFLAGS
 * before, out[1] right after the INT; out[2] 1 when arg[0] is not one of the vectors. */
#define VTL1_CMD_SOFT_INT 19
/*
 * Secure register intercepts (ABI 3; reference 3.9). ICPT_SET: VTL1's SynIC on the first
 * time (SIMP at VTL1_OFF_SIM + 0x1000 * vp, SCONTROL, SINT0 = VTL1_VEC_INTERCEPT; out[1]
 * bit n: MSR write n of those three #GP'd), then one SetVpRegisters (HV_INPUT_VTL arg[3])
 * of HvRegisterCrInterceptCr0Mask = arg[1], Cr4Mask = arg[2], Ia32MiscEnableMask = 0 and
 * HvRegisterCrInterceptControl = arg[0], in that order: out[0] its RAX. ICPT_GET: the four
 * (HV_INPUT_VTL arg[0]) into out[1..4] (control, CR0, CR4, MISC_ENABLE mask), RAX in
 * out[0]. The messages are handled by VTL1's SINT0 handler (intercept.c), as the slot's
 * struct vtl1_icpt says.
 */
#define VTL1_CMD_ICPT_SET 20
#define VTL1_CMD_ICPT_GET 21
/* struct vtl1_icpt.action: how VTL1 resolves an intercept (after `ignore` unresolved). */
#define VTL1_ICPT_EMULATE 0 /* SetVpRegisters: the register as the message says, then RIP */
#define VTL1_ICPT_GP 1	    /* PendingEvent0: #GP(0) at the instruction */

/* How VTL1 returns (vtl1_cpu.ret_mode), TLFS 15.x / reference 3.4. */
#define VTL1_RET_NORMAL 0 /* RCX = 0: RAX/RCX from VtlReturnX64Rax/Rcx as the entry left them */
#define VTL1_RET_FAST 1	  /* RCX = 1: no reload (VTL0 sees the stub's RAX 1, RCX 0x12) */
#define VTL1_RET_VALUES 2 /* RCX = 0 after writing ret_rax/ret_rcx to VtlReturnX64Rax/Rcx */

/* vtl1_cpu.status bits (cleared at each entry). */
#define VTL1_ERR_EXCEPTION 0x1 /* an unexpected exception: exc_* say which */
#define VTL1_ERR_BAD_CMD 0x2
#define VTL1_ERR_NO_HCPAGE 0x4 /* its hypercall page did not appear: the own stub returns */
#define VTL1_ERR_INIT 0x8      /* a synthetic MSR access faulted at the first entry */

/* entry_reason before VTL1's assist page is on (the first entry). */
#define VTL1_NO_ASSIST 0xffffffff
/* Written to EntryReason before each return, so a stale value is seen. */
#define VTL1_REASON_POISON 0xdead

/* PING results (out[]). */
#define VTL1_PING_CR0 0
#define VTL1_PING_CR3 1
#define VTL1_PING_CR4 2
#define VTL1_PING_RFLAGS 3
#define VTL1_PING_IDTR_BASE 4
#define VTL1_PING_IDTR_LIMIT 5
#define VTL1_PING_GDTR_BASE 6
#define VTL1_PING_GDTR_LIMIT 7
#define VTL1_PING_CS 8
#define VTL1_PING_SS 9
#define VTL1_PING_TR 10
#define VTL1_PING_VP_INDEX 11 /* HV_X64_MSR_VP_INDEX read in VTL1 (~0 on #GP) */
#define VTL1_PING_EFER 12

/* Private MSRs (TLFS 15.11, reference 3.7), in this order; PRIVATE_SET/CHECK out[0..10]. */
#define VTL1_PRIV_COUNT 11
#define VTL1_PRIV_TSC_AUX 10 /* only with RDTSCP (CPUID 0x80000001 EDX bit 27) */
#define VTL1_OUT_CR0 11
#define VTL1_OUT_CR3 12
#define VTL1_OUT_CR4 13
#define VTL1_OUT_MASK 14   /* the MSRs tested (bit n = MSR n) */
#define VTL1_OUT_FAULTS 15 /* those whose access faulted */
#define VTL1_OUT_BAD 16	   /* PRIVATE_CHECK: bits 0-10 MSRs, 11-13 CR0/CR3/CR4 not VTL1's */
#define VTL1_OUT_RFLAGS 17
#define VTL1_OUT_IDTR 18
#define VTL1_OUT_GDTR 19

/* HCALL results (out[]). */
#define VTL1_HC_VP_STATUS_RAX 0 /* GetVpRegisters(VsmVpStatus), memory form */
#define VTL1_HC_VP_STATUS 1
#define VTL1_HC_OFFSETS_RAX 2 /* GetVpRegisters(VsmCodePageOffsets) */
#define VTL1_HC_OFFSETS 3
#define VTL1_HC_CALL_UD 4 /* #UDs at a VMCALL seen during a VtlCall from VTL1 (want 1) */
#define VTL1_HC_CALL_UD_RIP 5
#define VTL1_HC_RET_UD 6 /* the same for VtlReturn with input 2 (want 1) */
#define VTL1_HC_RET_UD_RIP 7
#define VTL1_HC_HYPERCALL_MSR 8 /* HV_X64_MSR_HYPERCALL as VTL1 reads it */
#define VTL1_HC_OS_ID_MSR 9
#define VTL1_HC_ASSIST_MSR 10
/* TranslateVirtualAddress(Ex) of VTL0's address arg[0] (read + write, HV_INPUT_VTL 0). */
#define VTL1_HC_TVA_RAX 11
#define VTL1_HC_TVA_RESULT 12
#define VTL1_HC_TVA_GPN 13
#define VTL1_HC_TVA_EX_RAX 14
#define VTL1_HC_TVA_EX_GPN 15
/* GetVpRegisters(RIP) of VTL0 (HV_INPUT_VTL 0x10): where VTL0 waits, its stub's RET. */
#define VTL1_HC_VTL0_RIP_RAX 16
#define VTL1_HC_VTL0_RIP 17

/* APIC_SETUP results (out[]). */
#define VTL1_APIC_BASE_FOUND 0 /* IA32_APIC_BASE before the write */
#define VTL1_APIC_BASE 1       /* after it */
#define VTL1_APIC_ID 2
#define VTL1_APIC_VER 3
#define VTL1_APIC_LDR 4
#define VTL1_APIC_SVR_FOUND 5 /* SVR as the APIC came up */
#define VTL1_APIC_SVR 6	      /* after writing 0x1FF */
#define VTL1_APIC_TPR 7
#define VTL1_APIC_PPR 8
#define VTL1_APIC_LVT_TIMER 9
/* TIMER_ARM results (out[]). */
#define VTL1_ARM_TSC 0 /* TSC right before the initial count was written */
#define VTL1_ARM_LVT 1
#define VTL1_ARM_DCR 2
#define VTL1_ARM_CCR 3 /* current count right after arming */
/* TIMER_ARM arg[3]: at tick VTL1_ARM_WAKE_TICK (1-based, 0 = none) the handler stops the
 * timer and sends VTL0 of its own VP a cross-VTL IPI with vector VTL1_ARM_WAKE_VEC; with
 * VTL1_ARM_PROBE it reads VTL0's RIP (GetVpRegisters, HV_INPUT_VTL 0x10) at each of the
 * first VTL1_TICKS ticks. */
#define VTL1_ARM_WAKE_TICK(a) ((a)&0xff)
#define VTL1_ARM_WAKE_VEC(a) (((a) >> 8) & 0xff)
#define VTL1_ARM_PROBE (1u << 16)
/* TIMER_STOP results (out[]). */
#define VTL1_STOP_CCR 0 /* current count before */
#define VTL1_STOP_LVT 1 /* LVT timer before */
#define VTL1_STOP_CCR_AFTER 2
/* SET_TPR results (out[]). */
#define VTL1_TPR_BEFORE 0
#define VTL1_TPR 1
#define VTL1_TPR_PPR 2
/* Every APIC command: the accesses that raised #GP (bit numbers with each command). */
#define VTL1_APIC_OUT_FAULTS 23

#define VTL1_OUT_COUNT 24

/* x2APIC (SDM vol.3 10.12, table 10-6): the MSRs the image and its checks use. */
#define VTL1_MSR_APIC_BASE 0x1bu
#define VTL1_APIC_BASE_BSP (1ull << 8)
#define VTL1_APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define VTL1_APIC_BASE_EN (1ull << 11)
#define VTL1_APIC_BASE_DEFAULT 0xfee00000ull
#define VTL1_X2APIC_ID 0x802u
#define VTL1_X2APIC_VER 0x803u
#define VTL1_X2APIC_TPR 0x808u
#define VTL1_X2APIC_PPR 0x80au
#define VTL1_X2APIC_EOI 0x80bu
#define VTL1_X2APIC_LDR 0x80du
#define VTL1_X2APIC_SVR 0x80fu
#define VTL1_X2APIC_ISR0 0x810u /* ISR 31:0; vector v in MSR 0x810 + v / 32, bit v % 32 */
#define VTL1_X2APIC_TMR0 0x818u
#define VTL1_X2APIC_IRR0 0x820u
#define VTL1_X2APIC_ESR 0x828u
#define VTL1_X2APIC_ICR 0x830u /* 64 bits: destination x2APIC ID in 63:32 */
#define VTL1_X2APIC_LVT_TIMER 0x832u
#define VTL1_X2APIC_TIMER_ICR 0x838u
#define VTL1_X2APIC_TIMER_CCR 0x839u
#define VTL1_X2APIC_TIMER_DCR 0x83eu
#define VTL1_X2APIC_SELF_IPI 0x83fu
#define VTL1_LVT_MASKED (1u << 16)
#define VTL1_LVT_PERIODIC (1u << 17)
#define VTL1_TIMER_DIV1 0xbu
#define VTL1_ICR_SELF (1ull << 18) /* destination shorthands, ICR 19:18 */
#define VTL1_ICR_ALL (2ull << 18)
#define VTL1_ICR_OTHERS (3ull << 18)
#define VTL1_ICR_DEST(id) ((u64)(id) << 32)
#define VTL1_SVR_RESET 0x1ff /* TLFS / QEMU PoC: VTL1's APIC comes up software-enabled */

/* EntryReason values (reference 3.4). */
#define VTL1_REASON_VTL_CALL 1
#define VTL1_REASON_INTERRUPT 2
/* Timer ticks recorded one by one after TIMER_ARM. */
#define VTL1_TICKS 8

/* Offsets of struct vtl1_cpu used by entry.S. */
#define VTL1_CPU_RET_GPRS 0x00
#define VTL1_CPU_RET_FAST 0x80
#define VTL1_CPU_RET_TARGET 0x88
#define VTL1_CPU_RET_RSP 0x90
#define VTL1_CPU_STACK_TOP 0x98

#ifndef __ASSEMBLY__
#include "lib/types.h"

#define VTL1_SHARED_STEP ((u64)0x0101010101) /* SET_SHARED: GPR n = arg[0] + n * step */

/* GPRs in the order of the TLFS register names 0x00020000-0x0002000F. */
enum vtl1_gpr {
	VTL1_RAX,
	VTL1_RCX,
	VTL1_RDX,
	VTL1_RBX,
	VTL1_RSP,
	VTL1_RBP,
	VTL1_RSI,
	VTL1_RDI,
	VTL1_R8,
	VTL1_GPR_COUNT = 16
};

/* At image +8. */
struct vtl1_header {
	u32 magic;
	u32 version;
	u32 isr_off;  /* the exception stubs */
	u32 irq_off;  /* the interrupt stubs, VTL1_VEC_FIRST on (ABI 2) */
	u32 icpt_off; /* the stub of VTL1_VEC_INTERCEPT (ABI 3) */
	u32 rsvd;
};

/*
 * Secure intercepts as VTL1 sees them (ABI 3), in each VP's slot: VTL0 sets action and
 * ignore before the write it tries (VTL1 is not running then); VTL1's SINT0 handler copies
 * each message, leaves the first `ignore` ones unresolved (VTL0 runs the instruction again
 * and intercepts again), resolves the others per action, frees the slot (EOM when another
 * waits) and EOIs.
 */
struct vtl1_icpt {
	u32 action; /* VTL0: VTL1_ICPT_* */
	u32 ignore; /* VTL0: messages to leave unresolved first (counts down) */
	u32 count;  /* VTL1: intercept messages handled */
	u32 spurious;
	u32 type;	  /* the last message's type, */
	u32 flags;	  /* its flags byte, */
	u8 payload[0x40]; /* and the first 64 bytes of its payload */
	u64 rip[4];	  /* header RIP of messages 1..4 since count was 0 */
	u64 vtl0_rip;	  /* VTL0's RIP as GetVpRegisters (HV_INPUT_VTL 0x10) read it then */
	u64 rip_rax;	  /* that GetVpRegisters' RAX */
	u64 resolve_rax;  /* the resolving SetVpRegisters' RAX */
	u32 eoms;	  /* EOM writes (a message was pending behind) */
	u32 faults;	  /* bit 0 EOM, bit 1 EOI raised #GP */
};

/*
 * VTL1's interrupts (ABI 2), in each VP's slot. An entry with EntryReason 2 runs no
 * command: VTL1 records it here, lets the pending interrupt in (STI; NOP; CLI when it was
 * entered with IF clear) and returns with a normal VtlReturn, VTL0's GPRs as found and its
 * RAX/RCX from VtlReturnX64Rax/Rcx as the hypervisor filled them. The call bookkeeping of
 * struct vtl1_cpu (entries, gprs, entry_reason, ack, status) is left alone.
 */
struct vtl1_irq {
	/* The timer handler's work, set by TIMER_ARM (arg[3]). */
	u32 wake_tick, wake_vector, probe, rsvd0;
	u64 tick_base;	 /* count[0] at TIMER_ARM: tick n is count[0] - tick_base */
	u64 arm_entries; /* entries at TIMER_ARM */
	/* VTL1: the interrupt entries. */
	u64 entries;	  /* with EntryReason 2 */
	u64 entries_idle; /* of which no handler ran during (nothing was pending) */
	u32 reasons[4];	  /* every entry by EntryReason: [1] call, [2] interrupt, [3] intercept,
			   * [0] anything else (no assist page yet, the poison) */
	u64 rflags_in;	  /* the last interrupt entry's: VTL1's RFLAGS as it was entered */
	u64 ret_rax_in, ret_rcx_in; /* its VtlReturnX64Rax/Rcx (assist +0x10/+0x18) */
	u64 gprs[VTL1_GPR_COUNT];   /* its GPRs ([VTL1_RSP] = VTL1's RSP) */
	/* VTL1: the handler, by vector - VTL1_VEC_FIRST. */
	u64 handled; /* all vectors */
	u64 count[VTL1_VEC_COUNT];
	u64 tsc[VTL1_VEC_COUNT]; /* the last one's */
	u64 rip[VTL1_VEC_COUNT]; /* the RIP it interrupted */
	u32 isr[VTL1_VEC_COUNT]; /* the ISR word holding the vector, read in the handler */
	u32 faults;		 /* bit 0 an ISR read, 1 the EOI, 2 stopping the timer raised #GP */
	u32 in_window, window_hits;    /* handler runs inside an entry's STI window */
	u32 soft, rsvd1;	       /* SOFT_INT: the next handler run is an INT n */
	u64 tick_tsc[VTL1_TICKS];      /* TSC at timer tick n + 1 */
	u64 tick_entry[VTL1_TICKS];    /* entries (interrupt entries) at tick n + 1 */
	u64 tick_vtl0_rip[VTL1_TICKS]; /* VTL1_ARM_PROBE: VTL0's RIP at tick n + 1 */
	u64 probe_rax;		       /* the probes' GetVpRegisters results, OR'ed */
	u64 wake_rax;		       /* the wake's cross-VTL IPI RAX (~0 = not sent) */
	u64 wake_tsc;
};

/* One VP's slot in the mailbox. "VTL1:" fields are written by VTL1 only. */
struct vtl1_cpu {
	/* VTL1: the asm return path's inputs. */
	u64 ret_gprs[VTL1_GPR_COUNT]; /* loaded before the return (RAX, RCX, RSP are not) */
	u64 ret_fast;		      /* RCX for the return stub */
	u64 ret_target;		      /* the stub called: hypercall page + VtlReturnOffset */
	u64 ret_rsp;		      /* RSP at the last return */
	u64 stack_top;
	/* VTL0, before each call. */
	u32 cmd;
	u32 seq;
	u32 ret_mode; /* VTL1_RET_* */
	u32 rsvd0;
	u64 ret_rax, ret_rcx; /* for VTL1_RET_VALUES */
	u64 arg[4];
	/* VTL1, at each entry. */
	u32 ack;    /* = seq once the command ran */
	u32 status; /* VTL1_ERR_* */
	u64 entries;
	u64 counter;		    /* NOP commands */
	u64 gprs[VTL1_GPR_COUNT];   /* as VTL1 was entered; [VTL1_RSP] = its RSP */
	u32 entry_reason;	    /* VP assist page +8 as found */
	u32 vp;			    /* the VP this slot is for (from the stack VTL1 runs on) */
	u64 ret_rax_in, ret_rcx_in; /* VtlReturnX64Rax/Rcx (assist +0x10/+0x18) as found */
	/* VTL1, first entry. */
	u32 init_done;
	u32 init_faults; /* bit 0 GUEST_OS_ID, 1 HYPERCALL, 2 VP_ASSIST_PAGE write faulted */
	u64 os_id_read, hypercall_read, assist_read;
	u64 own_cr[3]; /* CR0, CR3, CR4 as PRIVATE_SET left them */
	u64 out[VTL1_OUT_COUNT];
	/* VTL1's exception handler. */
	u64 recover; /* resume here after a fault (an expected one), 0 = none */
	u32 exc_count;
	u32 exc_vector;
	u64 exc_rip, exc_err;
	u32 ud_vmcall; /* #UDs at a VMCALL, skipped */
	u32 fatal;     /* unexpected exceptions */
	u64 ud_rip;
	struct vtl1_irq irq;   /* ABI 2 */
	struct vtl1_icpt icpt; /* ABI 3 */
	u32 synic_on;	       /* VTL1: its SynIC is set up (ICPT_SET) */
	u32 rsvd1;
};

struct vtl1_mailbox {
	u32 magic; /* VTL1_MAGIC once VTL0 has filled it */
	u32 vp_count;
	u64 base;	  /* the region's address */
	u64 code_offsets; /* HvRegisterVsmCodePageOffsets, as VTL0 read it */
	u64 guest_os_id;  /* VTL1 writes this to its GUEST_OS_ID */
	u64 own_cr3;	  /* CR3 for PRIVATE_SET: the PML4 copy */
	u64 prot;	  /* the protection checks' area (prot_abi.h), 0 = none */
	u64 rsvd[2];
	u8 enable_in[VTL1_MAX_VPS][256]; /* HvCallEnableVpVtl input for each VP (240 bytes) */
	struct vtl1_cpu cpu[VTL1_MAX_VPS];
};

_Static_assert(__builtin_offsetof(struct vtl1_cpu, ret_fast) == VTL1_CPU_RET_FAST, "entry.S");
_Static_assert(__builtin_offsetof(struct vtl1_cpu, ret_target) == VTL1_CPU_RET_TARGET, "entry.S");
_Static_assert(__builtin_offsetof(struct vtl1_cpu, ret_rsp) == VTL1_CPU_RET_RSP, "entry.S");
_Static_assert(__builtin_offsetof(struct vtl1_cpu, stack_top) == VTL1_CPU_STACK_TOP, "entry.S");
_Static_assert(sizeof(struct vtl1_mailbox) <= VTL1_MAILBOX_SIZE, "mailbox size");

/* The private MSRs of reference 3.7 that the VMCS or the switch must keep per VTL. */
static inline u32 vtl1_priv_msr(u32 i)
{
	switch (i) {
	case 0:
		return 0xc0000082; /* IA32_LSTAR */
	case 1:
		return 0xc0000081; /* IA32_STAR */
	case 2:
		return 0xc0000083; /* IA32_CSTAR */
	case 3:
		return 0xc0000084; /* IA32_FMASK */
	case 4:
		return 0xc0000102; /* IA32_KERNEL_GS_BASE */
	case 5:
		return 0xc0000100; /* IA32_FS_BASE */
	case 6:
		return 0xc0000101; /* IA32_GS_BASE */
	case 7:
		return 0x174; /* IA32_SYSENTER_CS */
	case 8:
		return 0x175; /* IA32_SYSENTER_ESP */
	case 9:
		return 0x176; /* IA32_SYSENTER_EIP */
	default:
		return 0xc0000103; /* IA32_TSC_AUX */
	}
}

/*
 * A value WRMSR accepts for private MSR i, distinct for each writer (1 = VTL1, 2 = VTL0):
 * canonical addresses for the address MSRs, 32 bits where the upper half is reserved.
 */
static inline u64 vtl1_priv_value(u32 i, u32 who)
{
	switch (i) {
	case 1:
		return (0x00130008ull << 32) | (who << 12) | i;
	case 3:
	case VTL1_PRIV_TSC_AUX:
		return (who << 8) | 0x40 | i;
	case 7:
		return 0x8 + 0x10 * who;
	default:
		return 0xffffa00000000000ull | ((u64)who << 32) | ((u64)i << 12);
	}
}

/* The private MSRs this CPU has: all but TSC_AUX without RDTSCP. */
static inline u32 vtl1_priv_mask(void)
{
	u32 a = 0x80000001, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (d & (1u << 27)) ? 0x7ff : 0x3ff;
}
#endif /* __ASSEMBLY__ */

#endif
