/* SPDX-License-Identifier: MIT */
/* A local APIC in software (arch/x86/vlapic.h); SDM vol.3 chapter 11. */
#include "arch/x86/vlapic.h"

static u64 clock_tsc_khz = 1, clock_apic_khz = 1;

/* l->lvt[]: CMCI, then the registers 0x32..0x37 (timer .. error). */
#define LVT_TIMER 1

void vlapic_set_clock(u64 tsc_khz, u64 apic_khz)
{
	clock_tsc_khz = tsc_khz ? tsc_khz : 1;
	clock_apic_khz = apic_khz ? apic_khz : clock_tsc_khz;
}

/* SDM vol.3 11.5.4 figure 11-10: bits 0, 1 and 3 select 2, 4, .. 128, or 1 (0b111). */
static u64 timer_divisor(const struct vlapic *l)
{
	u32 v = (l->timer_dcr & 3) | ((l->timer_dcr >> 1) & 4);
	return 1ULL << ((v + 1) & 7);
}

static u64 timer_mode(const struct vlapic *l)
{
	return (l->lvt[LVT_TIMER] >> 17) & 3;
}

/* a * b / c without 128-bit arithmetic (the core is freestanding: no __udivti3), exact
 * while (c - 1) * b fits in 64 bits (b, c are kHz rates here); saturated beyond. */
static u64 mul_div(u64 a, u64 b, u64 c)
{
	u64 q = a / c, r = a % c;

	if (b && q > (~0ULL / 2) / b)
		return ~0ULL / 2;
	return q * b + r * b / c;
}

/* TSC ticks for count timer ticks (at least 1). */
static u64 count_to_tsc(const struct vlapic *l, u64 count)
{
	u64 t = mul_div(count * timer_divisor(l), clock_tsc_khz, clock_apic_khz);
	return t ? t : 1;
}

void vlapic_reset(struct vlapic *l, u32 id, bool bsp)
{
	__builtin_memset(l, 0, sizeof(*l));
	l->id = id;
	l->base = VLAPIC_BASE_DEFAULT | VLAPIC_BASE_ENABLE | (bsp ? VLAPIC_BASE_BSP : 0);
	l->svr = 0x1ff;
	l->dfr = 0xffffffff;
	for (u32 i = 0; i < VLAPIC_LVT_COUNT; i++)
		l->lvt[i] = VLAPIC_LVT_MASKED;
}

int vlapic_set_base(struct vlapic *l, u64 val, u32 maxphyaddr)
{
	u64 reserved = ~((((1ULL << maxphyaddr) - 1) & ~0xfffULL) | VLAPIC_BASE_BSP |
			 VLAPIC_BASE_EXTD | VLAPIC_BASE_ENABLE);
	u64 mode = val & (VLAPIC_BASE_ENABLE | VLAPIC_BASE_EXTD);

	if ((val & reserved) || ((val ^ l->base) & VLAPIC_BASE_BSP))
		return -1;
	/* SDM vol.3 11.12.5: EXTD without EN is invalid; x2APIC goes back only through
	 * disabled; xAPIC -> x2APIC and any mode -> disabled are allowed. */
	if (mode == VLAPIC_BASE_EXTD || (vlapic_x2apic(l) && mode == VLAPIC_BASE_ENABLE))
		return -1;
	if (!(val & VLAPIC_BASE_ENABLE)) { /* disabled: as after a reset, kept disabled */
		u32 id = l->id;
		vlapic_reset(l, id, val & VLAPIC_BASE_BSP);
		l->svr = 0xff;
	}
	l->base = val;
	return 0;
}

/* The highest bit set in r, looking only at the words the summary names. */
static int highest_bit(const u32 r[8], const u32 *words)
{
	for (u32 s = __atomic_load_n(words, __ATOMIC_ACQUIRE); s;) {
		int w = 31 - __builtin_clz(s);
		u32 bits = __atomic_load_n(&r[w], __ATOMIC_ACQUIRE);
		if (bits)
			return w * 32 + 31 - __builtin_clz(bits);
		s &= ~(1u << w);
	}
	return -1;
}

u32 vlapic_ppr(const struct vlapic *l)
{
	int isrv = highest_bit(l->isr, &l->isr_words);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

int vlapic_deliverable(const struct vlapic *l)
{
	int v = highest_bit(l->irr, &l->irr_words);

	if (v < 0 || ((u32)v & 0xf0) <= (vlapic_ppr(l) & 0xf0))
		return -1;
	return v;
}

void vlapic_ack(struct vlapic *l, u8 vector)
{
	u32 bit = 1u << (vector % 32);

	u32 w = vector / 32;

	if (!__atomic_and_fetch(&l->irr[w], ~bit, __ATOMIC_SEQ_CST)) {
		/* Its summary bit goes too, unless an accept on another CPU refilled the word
		 * meanwhile (it sets the word, then the summary: look again after clearing). */
		__atomic_and_fetch(&l->irr_words, ~(1u << w), __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&l->irr[w], __ATOMIC_SEQ_CST))
			__atomic_or_fetch(&l->irr_words, 1u << w, __ATOMIC_SEQ_CST);
	}
	if (__atomic_fetch_and(&l->auto_eoi[w], ~bit, __ATOMIC_ACQ_REL) & bit)
		return;
	l->isr[w] |= bit;
	l->isr_words |= 1u << w;
}

bool vlapic_accept(struct vlapic *l, u8 vector)
{
	if (!vlapic_hw_enabled(l))
		return false;
	if (vector < 16) { /* SDM vol.3 11.5.3: receive illegal vector */
		__atomic_or_fetch(&l->esr_pending, 1u << 6, __ATOMIC_RELAXED);
		return false;
	}
	__atomic_or_fetch(&l->irr[vector / 32], 1u << (vector % 32), __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&l->irr_words, 1u << (vector / 32), __ATOMIC_SEQ_CST);
	return true;
}

bool vlapic_accept_auto_eoi(struct vlapic *l, u8 vector)
{
	if (!vlapic_hw_enabled(l) || vector < 16)
		return vlapic_accept(l, vector);
	/* Marked before it is pending: the owner may take it at once. */
	__atomic_or_fetch(&l->auto_eoi[vector / 32], 1u << (vector % 32), __ATOMIC_ACQ_REL);
	return vlapic_accept(l, vector);
}

static void eoi(struct vlapic *l)
{
	int v = highest_bit(l->isr, &l->isr_words);

	if (v >= 0 && !(l->isr[v / 32] &= ~(1u << (v % 32))))
		l->isr_words &= ~(1u << (v / 32));
}

static u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf)); /* SDM vol.3 11.12.10.2 */
}

static void timer_stop(struct vlapic *l)
{
	l->timer_deadline = 0;
}

static void timer_load(struct vlapic *l, u64 now)
{
	if (timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE)
		return;
	if (!l->timer_icr) {
		timer_stop(l);
		return;
	}
	l->timer_start = now;
	l->timer_deadline = now + count_to_tsc(l, l->timer_icr);
}

static u64 timer_current(const struct vlapic *l, u64 now)
{
	if (!l->timer_deadline || timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE ||
	    now >= l->timer_deadline)
		return 0;
	u64 c = mul_div((l->timer_deadline - now) / timer_divisor(l), clock_apic_khz,
			clock_tsc_khz);
	return c > l->timer_icr ? l->timer_icr : c;
}

bool vlapic_timer_expire(struct vlapic *l, u64 now)
{
	u32 lvt = l->lvt[LVT_TIMER];

	if (!l->timer_deadline || now < l->timer_deadline)
		return false;
	if (!(lvt & VLAPIC_LVT_MASKED))
		vlapic_accept(l, (u8)lvt);
	if (timer_mode(l) == VLAPIC_TIMER_PERIODIC) {
		u64 period = count_to_tsc(l, l->timer_icr);
		l->timer_deadline += period; /* missed periods are not made up */
		if (l->timer_deadline <= now)
			l->timer_deadline = now + period;
	} else {
		l->timer_deadline = 0;
		if (timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE)
			l->tsc_deadline = 0; /* SDM vol.3 11.5.4.1: cleared when it fires */
	}
	return true;
}

u64 vlapic_tsc_deadline_read(const struct vlapic *l)
{
	return timer_mode(l) == VLAPIC_TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
}

void vlapic_tsc_deadline_write(struct vlapic *l, u64 val)
{
	if (timer_mode(l) != VLAPIC_TIMER_TSC_DEADLINE)
		return; /* SDM vol.3 11.5.4.1: ignored outside TSC-deadline mode */
	l->tsc_deadline = val;
	l->timer_deadline = val;
}

/* Writable bits of each LVT entry (SDM vol.3 figure 11-8). */
static u32 lvt_writable(u32 reg)
{
	switch (reg) {
	case VLAPIC_LVT_TIMER:
		return 0x700ff;
	case VLAPIC_LVT_ERROR:
		return 0x100ff;
	case VLAPIC_LVT_TIMER + 3: /* LINT0 */
	case VLAPIC_LVT_TIMER + 4: /* LINT1 */
		return 0x1a7ff;
	default: /* CMCI, thermal, performance counters */
		return 0x107ff;
	}
}

static bool is_lvt(u32 reg)
{
	return reg == VLAPIC_LVT_CMCI || (reg >= VLAPIC_LVT_TIMER && reg <= VLAPIC_LVT_ERROR);
}

static u32 lvt_index(u32 reg)
{
	return reg == VLAPIC_LVT_CMCI ? 0 : reg - VLAPIC_LVT_TIMER + LVT_TIMER;
}

int vlapic_read(struct vlapic *l, u32 reg, u64 now, u64 *val)
{
	bool x2 = vlapic_x2apic(l);

	*val = 0;
	if (is_lvt(reg)) {
		*val = l->lvt[lvt_index(reg)];
		return 0;
	}
	if (reg >= VLAPIC_ISR0 && reg < VLAPIC_ISR0 + 8) {
		*val = l->isr[reg - VLAPIC_ISR0];
		return 0;
	}
	if (reg >= VLAPIC_TMR0 && reg < VLAPIC_TMR0 + 8)
		return 0; /* every interrupt here is edge-triggered */
	if (reg >= VLAPIC_IRR0 && reg < VLAPIC_IRR0 + 8) {
		*val = __atomic_load_n(&l->irr[reg - VLAPIC_IRR0], __ATOMIC_ACQUIRE);
		return 0;
	}
	switch (reg) {
	case VLAPIC_ID:
		*val = x2 ? l->id : (u64)(l->id & 0xff) << 24;
		return 0;
	case VLAPIC_VERSION:
		*val = ((u64)(VLAPIC_LVT_COUNT - 1) << 16) | 0x14;
		return 0;
	case VLAPIC_TPR:
		*val = l->tpr;
		return 0;
	case VLAPIC_PPR:
		*val = vlapic_ppr(l);
		return 0;
	case VLAPIC_LDR:
		*val = x2 ? x2apic_ldr(l->id) : l->ldr;
		return 0;
	case VLAPIC_SVR:
		*val = l->svr;
		return 0;
	case VLAPIC_ESR:
		*val = l->esr;
		return 0;
	case VLAPIC_ICR:
		*val = x2 ? ((u64)l->icr_hi << 32) | l->icr_lo : l->icr_lo;
		return 0;
	case VLAPIC_TIMER_ICR:
		*val = l->timer_icr;
		return 0;
	case VLAPIC_TIMER_CCR:
		*val = timer_current(l, now);
		return 0;
	case VLAPIC_TIMER_DCR:
		*val = l->timer_dcr;
		return 0;
	case VLAPIC_APR:
	case VLAPIC_DFR:
	case VLAPIC_ICR2:
		if (x2)
			return -1; /* not x2APIC registers (SDM vol.3 table 11-6) */
		*val = reg == VLAPIC_DFR ? l->dfr : reg == VLAPIC_ICR2 ? l->icr_hi : 0;
		return 0;
	default: /* EOI and SELF IPI are write-only; the rest is reserved */
		return x2 ? -1 : 0;
	}
}

static int write_ipi(struct vlapic *l, u64 val, struct vlapic_ipi *ipi)
{
	bool x2 = vlapic_x2apic(l);
	/* SDM vol.3 11.12.9: in x2APIC mode bits 12 (delivery status), 13, 16-17, 20-31 are
	 * reserved. */
	if (x2 && (val & 0xfff33000ULL))
		return -1;
	l->icr_lo = (u32)val & ~(1u << 12); /* the send is instant: never "pending" */
	if (x2)
		l->icr_hi = (u32)(val >> 32);
	*ipi = (struct vlapic_ipi){ .vector = (u8)val,
				    .mode = (u8)((val >> 8) & 7),
				    .logical = (val >> 11) & 1,
				    .shorthand = (u8)((val >> 18) & 3),
				    .dest = x2 ? l->icr_hi : l->icr_hi >> 24 };
	return VLAPIC_SEND_IPI;
}

static int write_lvt(struct vlapic *l, u32 reg, u64 val, u64 now)
{
	u32 w = lvt_writable(reg);

	if (vlapic_x2apic(l) && (val & ~(u64)w))
		return -1;
	u32 nv = (u32)val & w;
	if (!(l->svr & VLAPIC_SVR_ENABLE))
		nv |= VLAPIC_LVT_MASKED; /* SDM vol.3 11.4.7.2: masks stay set while disabled */
	u32 *e = &l->lvt[lvt_index(reg)];
	if (reg == VLAPIC_LVT_TIMER && ((*e ^ nv) >> 17) & 3) {
		timer_stop(l); /* a new mode starts disarmed */
		l->tsc_deadline = 0;
	}
	*e = nv;
	(void)now;
	return 0;
}

int vlapic_write(struct vlapic *l, u32 reg, u64 val, u64 now, struct vlapic_ipi *ipi)
{
	bool x2 = vlapic_x2apic(l);

	if (is_lvt(reg))
		return write_lvt(l, reg, val, now);
	switch (reg) {
	case VLAPIC_TPR:
		if (x2 && (val & ~0xffULL))
			return -1;
		l->tpr = (u32)val & 0xff;
		return 0;
	case VLAPIC_EOI:
		if (x2 && val)
			return -1; /* SDM vol.3 11.12.1.2: non-zero EOI writes #GP */
		eoi(l);
		return 0;
	case VLAPIC_LDR:
		if (x2)
			return -1; /* read-only in x2APIC mode */
		l->ldr = (u32)val & 0xff000000u;
		return 0;
	case VLAPIC_DFR:
		if (x2)
			return -1;
		l->dfr = (u32)val | 0x0fffffffu;
		return 0;
	case VLAPIC_SVR:
		if (x2 && (val & ~0x1ffULL))
			return -1;
		l->svr = (u32)val & 0x1ff;
		if (!(l->svr & VLAPIC_SVR_ENABLE))
			for (u32 i = 0; i < VLAPIC_LVT_COUNT; i++)
				l->lvt[i] |= VLAPIC_LVT_MASKED;
		return 0;
	case VLAPIC_ESR:
		if (x2 && val)
			return -1;
		l->esr = __atomic_exchange_n(&l->esr_pending, 0, __ATOMIC_RELAXED);
		return 0;
	case VLAPIC_ICR:
		return write_ipi(l, x2 ? val : (u32)val, ipi);
	case VLAPIC_ICR2:
		if (x2)
			return -1;
		l->icr_hi = (u32)val & 0xff000000u;
		return 0;
	case VLAPIC_TIMER_ICR:
		if (x2 && (val >> 32))
			return -1;
		l->timer_icr = (u32)val;
		timer_load(l, now);
		return 0;
	case VLAPIC_TIMER_DCR:
		if (x2 && (val & ~0xbULL))
			return -1;
		l->timer_dcr = (u32)val & 0xb;
		return 0;
	case VLAPIC_SELF_IPI:
		if (!x2 || (val & ~0xffULL))
			return x2 ? -1 : 0;
		*ipi = (struct vlapic_ipi){ .vector = (u8)val, .shorthand = 1 };
		return VLAPIC_SEND_IPI;
	default: /* read-only or reserved */
		return x2 ? -1 : 0;
	}
}

bool vlapic_ipi_targets(const struct vlapic *l, const struct vlapic *sender,
			const struct vlapic_ipi *ipi)
{
	bool x2 = vlapic_x2apic(sender);

	switch (ipi->shorthand) {
	case 1:
		return l == sender;
	case 2:
		return true;
	case 3:
		return l != sender;
	default:
		break;
	}
	if (ipi->dest == (x2 ? 0xffffffffu : 0xffu))
		return true; /* broadcast */
	if (!ipi->logical)
		return ipi->dest == (x2 ? l->id : (l->id & 0xff));
	if (x2) { /* cluster in 31:16, a bit per APIC of the cluster in 15:0 */
		u32 ldr = x2apic_ldr(l->id);
		return (ipi->dest >> 16) == (ldr >> 16) && (ipi->dest & ldr & 0xffff);
	}
	u32 ldr = l->ldr >> 24;
	if ((l->dfr >> 28) == 0xf) /* flat model */
		return (ipi->dest & ldr) != 0;
	return (ipi->dest >> 4) == (ldr >> 4) && (ipi->dest & ldr & 0xf); /* cluster model */
}
