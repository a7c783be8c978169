/* SPDX-License-Identifier: MIT */
#include "hyperv/reftime.h"
#include "arch/x86/intrin.h"

/* Set once by the BSP at takeover, read-only afterwards. */
static u64 ref_scale;
static s64 ref_offset;
static u64 ref_tsc_hz;
static u64 freq_tsc_hz, freq_apic_hz; /* TSC_FREQUENCY / APIC_FREQUENCY, 0 = unknown */
u64 hv_rep_budget_ticks;

u64 hv_mul64_hi(u64 a, u64 b)
{
	u64 a_lo = (u32)a, a_hi = a >> 32, b_lo = (u32)b, b_hi = b >> 32;
	u64 lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
	u64 cross = (lo_lo >> 32) + (u32)hi_lo + lo_hi;

	return hi_hi + (hi_lo >> 32) + (cross >> 32);
}

u64 hv_ref_scale(u64 tsc_hz)
{
	if (tsc_hz <= HV_REF_HZ)
		return 0;
	/* 2^64 * R / F by long division, one bit at a time (R < F, so it fits 64 bits). */
	u64 rem = HV_REF_HZ, q = 0;
	for (int i = 0; i < 64; i++) {
		bool carry = rem >> 63;
		rem <<= 1;
		q <<= 1;
		if (carry || rem >= tsc_hz) {
			rem -= tsc_hz;
			q |= 1;
		}
	}
	return q;
}

void hv_reftime_init(u64 tsc_hz, u64 tsc_base)
{
	ref_scale = hv_ref_scale(tsc_hz);
	ref_tsc_hz = ref_scale ? tsc_hz : 0;
	ref_offset = ref_scale ? -(s64)hv_mul64_hi(tsc_base, ref_scale) : 0;
}

u64 hv_tsc_to_ref(u64 ticks)
{
	return hv_mul64_hi(ticks, ref_scale);
}

u64 hv_ref_to_tsc_ticks(u64 ref)
{
	/* ceil(ref * hz / 10^7) in two parts so that nothing overflows for any ref. */
	u64 whole = ref / HV_REF_HZ, part = ref % HV_REF_HZ;
	u64 hi = whole * ref_tsc_hz;

	if (ref_tsc_hz && hi / ref_tsc_hz != whole)
		return ~0ULL;
	return hi + (part * ref_tsc_hz + HV_REF_HZ - 1) / HV_REF_HZ;
}

bool hv_reftime_available(void)
{
	return ref_scale != 0;
}

u64 hv_reftime_now(void)
{
	return ref_scale ? hv_mul64_hi(rdtsc(), ref_scale) + (u64)ref_offset : 0;
}

void hv_reftime_fill_page(struct hv_ref_tsc_page *p)
{
	p->tsc_sequence = 0; /* invalid while it changes (TLFS) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	p->tsc_scale = ref_scale;
	p->tsc_offset = ref_offset;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	p->tsc_sequence = ref_scale ? 1 : 0;
}

void hv_frequencies_init(u64 tsc_hz, u64 apic_hz)
{
	freq_tsc_hz = tsc_hz;
	hv_rep_budget_ticks = tsc_hz / 20000;
	freq_apic_hz = apic_hz;
}

bool hv_frequencies_available(void)
{
	return freq_tsc_hz && freq_apic_hz;
}

u64 hv_tsc_hz(void)
{
	return freq_tsc_hz;
}

u64 hv_apic_hz(void)
{
	return freq_apic_hz;
}
