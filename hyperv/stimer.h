/* SPDX-License-Identifier: MIT */
/*
 * Synthetic timers 0-3 (TLFS "Timers", reference 2.1-2.2): per VP and per VTL, one-shot
 * (absolute reference time) or periodic (period in 100 ns), expiring as a timer message
 * to a SINT or, in direct mode, as a fixed interrupt with the configured vector.
 *
 * A VP's timers run on its own CPU: the nearest expiry is kept as a TSC deadline in the
 * vcpu, and the VMX-preemption timer (SDM vol.3 26.5.1) makes the guest exit when it comes,
 * halted or not. Offered only when the CPU has the preemption timer and the reference
 * time exists.
 */
#ifndef HYPERV_STIMER_H
#define HYPERV_STIMER_H

#include "lib/types.h"

struct vcpu;

#define HV_MSR_STIMER0_CONFIG 0x400000b0 /* CONFIG n at 0xb0 + 2n, COUNT n at 0xb1 + 2n */
#define HV_MSR_STIMER3_COUNT 0x400000b7
#define HV_STIMER_COUNT 4

#define HV_STIMER_ENABLE (1ULL << 0)
#define HV_STIMER_PERIODIC (1ULL << 1)
#define HV_STIMER_LAZY (1ULL << 2)
#define HV_STIMER_AUTO_ENABLE (1ULL << 3)
#define HV_STIMER_VECTOR_SHIFT 4 /* 11:4 the APIC vector (direct mode) */
#define HV_STIMER_DIRECT (1ULL << 12)
#define HV_STIMER_SINT_SHIFT 16 /* 19:16 */
/* 15:13 and 63:20 are RsvdZ: setting them is a #GP. */
#define HV_STIMER_VALID (0xfffULL | HV_STIMER_DIRECT | (0xfULL << HV_STIMER_SINT_SHIFT))

/* CPUID 0x40000003 EDX bit 19: direct-mode synthetic timers. */
#define HV_FEATURE_STIMER_DIRECT (1u << 19)

/* Whether the CPU can run the timers (the VMX-preemption timer); set once at takeover. */
void hv_stimer_init(bool hw_timer);
bool hv_stimer_available(void);

/* MSR access (privilege AccessSyntheticTimerRegs checked by the caller): 0 or -1 (#GP). */
int hv_stimer_msr_read(struct vcpu *v, u32 msr, u64 *val);
int hv_stimer_msr_write(struct vcpu *v, u32 msr, u64 val);

/*
 * Before VM entry, when v->timer_deadline is set: fires what is due, of every VTL's timers
 * whichever VTL runs (reference 3.10; a VTL switch changes no deadline), enters a higher
 * VTL an interrupt of theirs is for, and sets the preemption timer for the next expiry.
 * Own CPU only.
 */
void hv_stimer_before_entry(struct vcpu *v);
/* After EOM: timer messages that found their slot busy try again. */
void hv_stimer_retry(struct vcpu *v);
/* Every timer off (VP reset). */
void hv_stimer_reset(void);

#endif
