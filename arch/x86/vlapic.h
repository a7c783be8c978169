/* SPDX-License-Identifier: MIT */
/*
 * A local APIC in software (SDM vol.3 chapter 11, "Advanced Programmable Interrupt
 * Controller"): the registers, IRR/ISR/PPR, EOI, the timer and the ICR's decoding, in xAPIC
 * and x2APIC mode. Pure state: no VMCS, no physical APIC; the caller gives the time (TSC)
 * and delivers what an ICR write sends. Used for the APICs of the VTLs above 0 (TLFS: each
 * VTL has its own local APIC; arch/x86/vp_vtl_apic.c); VTL0 owns the physical one.
 *
 * Concurrency: vlapic_accept() may run on any CPU (atomic on IRR); everything else runs on
 * the owning VP's CPU.
 */
#ifndef ARCH_X86_VLAPIC_H
#define ARCH_X86_VLAPIC_H

#include "lib/types.h"

/* Registers by index (xAPIC MMIO offset >> 4 = x2APIC MSR - 0x800; SDM vol.3 table 11-6). */
#define VLAPIC_ID 0x02
#define VLAPIC_VERSION 0x03
#define VLAPIC_TPR 0x08
#define VLAPIC_APR 0x09
#define VLAPIC_PPR 0x0a
#define VLAPIC_EOI 0x0b
#define VLAPIC_LDR 0x0d
#define VLAPIC_DFR 0x0e
#define VLAPIC_SVR 0x0f
#define VLAPIC_ISR0 0x10
#define VLAPIC_TMR0 0x18
#define VLAPIC_IRR0 0x20
#define VLAPIC_ESR 0x28
#define VLAPIC_LVT_CMCI 0x2f
#define VLAPIC_ICR 0x30
#define VLAPIC_ICR2 0x31
#define VLAPIC_LVT_TIMER 0x32
#define VLAPIC_LVT_ERROR 0x37
#define VLAPIC_TIMER_ICR 0x38
#define VLAPIC_TIMER_CCR 0x39
#define VLAPIC_TIMER_DCR 0x3e
#define VLAPIC_SELF_IPI 0x3f
#define VLAPIC_REG_COUNT 0x40

/* LVT entries: CMCI, then timer .. error (0x32..0x37). */
#define VLAPIC_LVT_COUNT 7
#define VLAPIC_LVT_MASKED (1u << 16)
#define VLAPIC_TIMER_ONESHOT 0u
#define VLAPIC_TIMER_PERIODIC 1u
#define VLAPIC_TIMER_TSC_DEADLINE 2u

/* IA32_APIC_BASE (SDM vol.3 11.4.4). */
#define VLAPIC_BASE_BSP (1ULL << 8)
#define VLAPIC_BASE_EXTD (1ULL << 10)
#define VLAPIC_BASE_ENABLE (1ULL << 11)
#define VLAPIC_BASE_DEFAULT 0xfee00000ULL

#define VLAPIC_SVR_ENABLE (1u << 8)

struct vlapic {
	u32 irr[8];	 /* any CPU sets bits (vlapic_accept) */
	u32 auto_eoi[8]; /* pending vectors that skip the ISR (TLFS SynIC AutoEOI) */
	u32 isr[8];
	/* Bit w set when irr[w] / isr[w] may be non-zero: the common "nothing pending" is
	 * one load (a VTL return asks it every time). */
	u32 irr_words, isr_words;
	u64 base; /* IA32_APIC_BASE */
	u32 id;	  /* the (x2)APIC ID */
	u32 tpr, svr, ldr, dfr, esr, esr_pending, icr_lo, icr_hi;
	u32 lvt[VLAPIC_LVT_COUNT];
	u32 timer_icr, timer_dcr;
	u64 timer_start;    /* TSC when the count was last loaded */
	u64 timer_deadline; /* TSC of the next expiry, 0 = the timer does not run */
	u64 tsc_deadline;   /* IA32_TSC_DEADLINE (TSC-deadline mode) */
};

/* What an ICR write asks to send (SDM vol.3 11.6.1). */
struct vlapic_ipi {
	u8 vector;
	u8 mode;      /* delivery mode: 0 fixed, 1 lowest priority, 4 NMI, 5 INIT, 6 SIPI */
	u8 shorthand; /* 0 none, 1 self, 2 all including self, 3 all excluding self */
	bool logical;
	u32 dest; /* x2APIC: 32 bits; xAPIC: the 8 bits of ICR[63:56] */
};

#define VLAPIC_SEND_IPI 1 /* vlapic_write(): *ipi is to be delivered */

/* The rates of the TSC and of the timer's input clock (0 = unknown: the TSC's). */
void vlapic_set_clock(u64 tsc_khz, u64 apic_khz);

/* The state after a reset (SDM vol.3 11.4.7.1), but software-enabled (SVR 0x1ff: Windows'
 * VTL1 sends IPIs without enabling it first, reference 3.10), xAPIC mode. */
void vlapic_reset(struct vlapic *l, u32 id, bool bsp);

static inline bool vlapic_x2apic(const struct vlapic *l)
{
	return (l->base & (VLAPIC_BASE_ENABLE | VLAPIC_BASE_EXTD)) ==
	       (VLAPIC_BASE_ENABLE | VLAPIC_BASE_EXTD);
}
static inline bool vlapic_hw_enabled(const struct vlapic *l)
{
	return (l->base & VLAPIC_BASE_ENABLE) != 0;
}

/* A write of IA32_APIC_BASE: 0, or -1 for a #GP (reserved bits, x2APIC -> xAPIC without
 * disabling first, SDM vol.3 11.12.5 figure 11-27). */
int vlapic_set_base(struct vlapic *l, u64 val, u32 maxphyaddr);

/*
 * Register reg (VLAPIC_*) read or written in the mode the APIC is in, at TSC now. x2APIC:
 * -1 for what the SDM makes a #GP (vol.3 11.12.1.2: reserved or write-only registers read,
 * read-only ones written, reserved bits set). xAPIC: reads of unknown registers give 0 and
 * writes are ignored. vlapic_write() returns VLAPIC_SEND_IPI with *ipi filled for an ICR
 * (or SELF IPI) write.
 */
int vlapic_read(struct vlapic *l, u32 reg, u64 now, u64 *val);
int vlapic_write(struct vlapic *l, u32 reg, u64 val, u64 now, struct vlapic_ipi *ipi);

/* IA32_TSC_DEADLINE (SDM vol.3 11.5.4.1): kept; arms the timer in TSC-deadline mode. */
u64 vlapic_tsc_deadline_read(const struct vlapic *l);
void vlapic_tsc_deadline_write(struct vlapic *l, u64 val);

/* Does the IPI's destination name this APIC (sender: the sending APIC, for shorthands)? */
bool vlapic_ipi_targets(const struct vlapic *l, const struct vlapic *sender,
			const struct vlapic_ipi *ipi);

/* Any CPU: makes vector pending (IRR). False when the APIC is hardware-disabled or the
 * vector is illegal (0-15, SDM vol.3 11.5.3: they set the receive-illegal-vector error). */
bool vlapic_accept(struct vlapic *l, u8 vector);
/* The same for a vector whose delivery is its own EOI (a SynIC SINT with AutoEOI). */
bool vlapic_accept_auto_eoi(struct vlapic *l, u8 vector);

/* The processor priority (SDM vol.3 11.8.3.1). */
u32 vlapic_ppr(const struct vlapic *l);
/* The highest pending vector the PPR lets through, or -1. */
int vlapic_deliverable(const struct vlapic *l);
/* The CPU takes vector (the injection): IRR -> ISR (not for an AutoEOI one). */
void vlapic_ack(struct vlapic *l, u8 vector);

/* At TSC now: if the timer is due, its interrupt is accepted (unless masked), a periodic
 * timer reloaded, a one-shot stopped. Returns whether it was due. */
bool vlapic_timer_expire(struct vlapic *l, u64 now);

#endif
