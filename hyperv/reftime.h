/* SPDX-License-Identifier: MIT */
/*
 * Partition reference time (TLFS "Partition Reference Counter" / "Reference TSC Page",
 * reference 2.1-2.2): 100 ns units since the partition started (here: since takeover).
 * reference = ((TSC * scale) >> 64) + offset, scale a 64.64 fixed-point fraction.
 */
#ifndef HYPERV_REFTIME_H
#define HYPERV_REFTIME_H

#include "lib/types.h"

#define HV_REF_HZ 10000000ULL /* 100 ns units */

/* TLFS reference TSC page layout (reference 2.2). */
struct hv_ref_tsc_page {
	volatile u32 tsc_sequence; /* 0 = invalid: use TIME_REF_COUNT */
	u32 reserved;
	volatile u64 tsc_scale;
	volatile s64 tsc_offset;
};
_Static_assert(sizeof(struct hv_ref_tsc_page) == 24, "TLFS reference TSC page header");

/* scale = 2^64 * HV_REF_HZ / tsc_hz; 0 when it cannot be represented (TSC <= 10 MHz). */
u64 hv_ref_scale(u64 tsc_hz);
/* (a * b) >> 64 without 128-bit library helpers. */
u64 hv_mul64_hi(u64 a, u64 b);
/* Set up once from the TSC frequency and the TSC value the reference time counts from. */
void hv_reftime_init(u64 tsc_hz, u64 tsc_base);
/* Reference time now (100 ns); 0 if unavailable. */
u64 hv_reftime_now(void);
bool hv_reftime_available(void);
/* 100-ns units in a number of TSC ticks (rounded down). */
u64 hv_tsc_to_ref(u64 ticks);
/* TSC ticks in ref 100-ns units, rounded up (saturates at ~0): a deadline is never early. */
u64 hv_ref_to_tsc_ticks(u64 ref);
/* Fills a reference TSC page for the current parameters. */
void hv_reftime_fill_page(struct hv_ref_tsc_page *p);

/*
 * The TSC and local APIC timer rates the loader measured (Hz), for TSC_FREQUENCY and
 * APIC_FREQUENCY (TLFS AccessFrequencyRegs): offered only when both are known. After
 * changing these or the reference time, hv_privileges_refresh() (hv.h) recomputes the offer.
 */
void hv_frequencies_init(u64 tsc_hz, u64 apic_hz);
bool hv_frequencies_available(void);
u64 hv_tsc_hz(void);
u64 hv_apic_hz(void);
/* TSC ticks in 50 us, what a rep hypercall may take before it continues (reference 1.3);
 * 0 when the TSC rate is not known. Set with the rates: read on every rep call. */
extern u64 hv_rep_budget_ticks;

#endif
