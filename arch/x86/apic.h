/* SPDX-License-Identifier: MIT */
/*
 * The local APIC as the hypervisor needs it: the root partition owns its APICs (pass-
 * through), but its INIT-SIPI-SIPI sequences are watched so that VPs can be restarted
 * (arch/x86/exit_initsipi.c). ICR layout: SDM vol.3 10.6.1 (xAPIC) and 10.12.9 (x2APIC).
 */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include "arch/x86/vcpu.h"

#define APIC_REG_TPR 0x080
#define APIC_REG_PPR 0x0a0
#define APIC_REG_EOI 0x0b0
#define APIC_REG_IRR 0x200 /* 8 registers, 0x10 apart: vectors 32i..32i+31 */
#define APIC_REG_ICR_LO 0x300
#define APIC_REG_ICR_HI 0x310
#define MSR_X2APIC_ICR 0x830
#define APIC_BASE_X2APIC (1ULL << 10)
#define APIC_BASE_ENABLE (1ULL << 11)

#define ICR_MODE(lo) (((lo) >> 8) & 7)
#define ICR_MODE_NMI 4
#define ICR_MODE_INIT 5
#define ICR_MODE_SIPI 6
#define ICR_DEST_LOGICAL (1u << 11)
#define ICR_BUSY (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_SHORTHAND(lo) (((lo) >> 18) & 3)

/* What the guest's ICR write means for the hypervisor. */
enum apic_icr_action {
	APIC_ICR_PASS, /* write it to the real APIC */
	APIC_ICR_DROP, /* an INIT level de-assert: a no-op since the P6 (SDM 10.6.1) */
};

/*
 * Called for every guest ICR write before it reaches the real APIC: a SIPI is also handed
 * to every parked VP it targets. x2apic: dest is a 32-bit x2APIC ID, else an 8-bit xAPIC ID.
 */
enum apic_icr_action apic_icr_write(struct vcpu *sender, u32 lo, u32 dest, bool x2apic);
/* This CPU's local APIC registers, in whichever mode it is (xAPIC MMIO or x2APIC MSRs):
 * EOI, TPR and the whole ICR (high << 32 | low). Each returns 0, or -1 when the APIC is
 * disabled (APIC_BASE bit 11 clear) and has no registers to access. */
int apic_eoi(void);
int apic_read_tpr(u32 *tpr);
int apic_write_tpr(u8 tpr);
int apic_read_icr(u64 *icr);
/* A guest's ICR write, as if trapped (INIT/SIPI handling, apic_icr_write), then done;
 * -1 for #GP (APIC disabled, or x2APIC reserved bits the CPU refused). */
int apic_guest_icr_write(struct vcpu *v, u64 icr);
/* Is an interrupt waiting in this CPU's APIC that it would deliver now if IF allowed: the
 * highest IRR vector's priority class above the PPR's (SDM vol.3 10.8.3.1)? */
bool apic_interrupt_pending(void);
/* Sends a fixed interrupt with this vector from this CPU to one APIC ID (the real APIC). */
void apic_send_fixed(u32 apic_id, u8 vector);
/* Sends an NMI from this CPU to the CPU with this APIC ID (the real APIC). */
void apic_send_nmi(u32 apic_id);
/* The xAPIC MMIO page the EPT write-protects (0 when the BSP's APIC is in x2APIC mode). */
extern u64 apic_mmio_gpa;
/* Emulates a guest store into the xAPIC page at gpa (EPT violation); EXIT_* result. */
int apic_mmio_write_exit(struct vcpu *v, u64 gpa);

#endif
