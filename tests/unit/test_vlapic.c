// SPDX-License-Identifier: MIT
/*
 * arch/x86/vlapic.c, the software local APIC of the VTLs above 0: the SDM's register
 * rules in both modes (vol.3 chapter 11), priorities (11.8.3), the timer (11.5.4) and the
 * ICR's destinations (11.6, 11.12.9-10).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/vlapic.h"

#define TSC_KHZ 2000000ULL /* 2 GHz */
#define APIC_KHZ 100000ULL /* 100 MHz: 20 TSC ticks per timer tick at divide-by-1 */

static struct vlapic l, other;

static int setup(void **state)
{
	(void)state;
	vlapic_set_clock(TSC_KHZ, APIC_KHZ);
	vlapic_reset(&l, 3, false);
	vlapic_reset(&other, 0x12, true);
	return 0;
}

static void x2apic_on(struct vlapic *a)
{
	assert_int_equal(vlapic_set_base(a, a->base | VLAPIC_BASE_EXTD, 46), 0);
	assert_true(vlapic_x2apic(a));
}

static u64 rd(u32 reg)
{
	u64 v = 0xdead;
	assert_int_equal(vlapic_read(&l, reg, 0, &v), 0);
	return v;
}

static void test_reset_state(void **state)
{
	(void)state;
	assert_int_equal(l.base, 0xfee00000 | VLAPIC_BASE_ENABLE);
	assert_int_equal(other.base & VLAPIC_BASE_BSP, VLAPIC_BASE_BSP);
	assert_false(vlapic_x2apic(&l));
	/* xAPIC: the ID in bits 31:24, software-enabled, every LVT masked. */
	assert_int_equal(rd(VLAPIC_ID), 3u << 24);
	assert_int_equal(rd(VLAPIC_SVR), 0x1ff);
	assert_int_equal(rd(VLAPIC_VERSION) & 0xff, 0x14);
	assert_int_equal(rd(VLAPIC_LVT_TIMER), VLAPIC_LVT_MASKED);
	assert_int_equal(rd(VLAPIC_PPR), 0);
	assert_int_equal(vlapic_deliverable(&l), -1);
}

static void test_base_transitions(void **state)
{
	(void)state;
	u64 b = l.base;
	/* EXTD without EN, reserved bits, the BSP bit, beyond MAXPHYADDR: #GP. */
	assert_int_equal(vlapic_set_base(&l, (b & ~VLAPIC_BASE_ENABLE) | VLAPIC_BASE_EXTD, 46), -1);
	assert_int_equal(vlapic_set_base(&l, b | 1, 46), -1);
	assert_int_equal(vlapic_set_base(&l, b | (1ULL << 9), 46), -1);
	assert_int_equal(vlapic_set_base(&l, b | VLAPIC_BASE_BSP, 46), -1);
	assert_int_equal(vlapic_set_base(&l, b | (1ULL << 46), 46), -1);
	assert_int_equal(l.base, b);
	x2apic_on(&l);
	/* x2APIC -> xAPIC directly is invalid (SDM vol.3 figure 11-27); via disabled it is. */
	assert_int_equal(vlapic_set_base(&l, b, 46), -1);
	assert_int_equal(vlapic_set_base(&l, b & ~VLAPIC_BASE_ENABLE, 46), 0);
	assert_false(vlapic_hw_enabled(&l));
	assert_false(vlapic_accept(&l, 0x40)); /* a disabled APIC takes nothing */
	assert_int_equal(vlapic_set_base(&l, b, 46), 0);
	assert_false(vlapic_x2apic(&l));
	assert_int_equal(rd(VLAPIC_SVR), 0xff); /* software-disabled after the disable */
}

static void test_x2apic_register_rules(void **state)
{
	(void)state;
	struct vlapic_ipi ipi;
	u64 v;

	x2apic_on(&l);
	assert_int_equal(rd(VLAPIC_ID), 3);
	assert_int_equal(rd(VLAPIC_LDR), 1u << 3); /* cluster 0, bit 3 */
	/* Not x2APIC registers, write-only ones read, read-only ones written: #GP. */
	assert_int_equal(vlapic_read(&l, VLAPIC_DFR, 0, &v), -1);
	assert_int_equal(vlapic_read(&l, VLAPIC_ICR2, 0, &v), -1);
	assert_int_equal(vlapic_read(&l, VLAPIC_EOI, 0, &v), -1);
	assert_int_equal(vlapic_read(&l, VLAPIC_SELF_IPI, 0, &v), -1);
	assert_int_equal(vlapic_read(&l, 0x04, 0, &v), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_ID, 5, 0, &ipi), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_LDR, 5, 0, &ipi), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_PPR, 0, 0, &ipi), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_IRR0, 0, 0, &ipi), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_TIMER_CCR, 0, 0, &ipi), -1);
	/* Reserved bits: #GP, nothing changed. */
	assert_int_equal(vlapic_write(&l, VLAPIC_TPR, 0x100, 0, &ipi), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_EOI, 1, 0, &ipi), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_SVR, 0x1000, 0, &ipi), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_LVT_TIMER, 1u << 19, 0, &ipi), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_TIMER_DCR, 0x4, 0, &ipi), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_ICR, 1u << 12, 0, &ipi), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_SELF_IPI, 0x100, 0, &ipi), -1);
	assert_int_equal(rd(VLAPIC_TPR), 0);
	/* Good writes. */
	assert_int_equal(vlapic_write(&l, VLAPIC_TPR, 0x20, 0, &ipi), 0);
	assert_int_equal(rd(VLAPIC_TPR), 0x20);
	assert_int_equal(rd(VLAPIC_PPR), 0x20);
}

static void test_xapic_register_rules(void **state)
{
	(void)state;
	struct vlapic_ipi ipi;

	/* xAPIC: unknown registers read 0, writes to read-only ones are ignored. */
	assert_int_equal(rd(0x04), 0);
	assert_int_equal(vlapic_write(&l, VLAPIC_ID, 5u << 24, 0, &ipi), 0);
	assert_int_equal(rd(VLAPIC_ID), 3u << 24);
	assert_int_equal(vlapic_write(&l, VLAPIC_LDR, 0x04ffffff, 0, &ipi), 0);
	assert_int_equal(rd(VLAPIC_LDR), 0x04000000);
	assert_int_equal(vlapic_write(&l, VLAPIC_DFR, 0x0, 0, &ipi), 0);
	assert_int_equal(rd(VLAPIC_DFR), 0x0fffffff);
	/* The ICR: high half first, the low half sends. */
	assert_int_equal(vlapic_write(&l, VLAPIC_ICR2, 0x07000000, 0, &ipi), 0);
	assert_int_equal(vlapic_write(&l, VLAPIC_ICR, 0x4041, 0, &ipi), VLAPIC_SEND_IPI);
	assert_int_equal(ipi.vector, 0x41);
	assert_int_equal(ipi.dest, 7);
	assert_int_equal(ipi.mode, 0);
	assert_int_equal(rd(VLAPIC_ICR) & (1u << 12), 0); /* never "send pending" */
	/* SELF IPI is x2APIC only: ignored here. */
	assert_int_equal(vlapic_write(&l, VLAPIC_SELF_IPI, 0x41, 0, &ipi), 0);
}

static void test_priorities_and_eoi(void **state)
{
	(void)state;
	struct vlapic_ipi ipi;

	assert_true(vlapic_accept(&l, 0x31));
	assert_true(vlapic_accept(&l, 0x52));
	assert_true(vlapic_accept(&l, 0x55));
	assert_int_equal(vlapic_deliverable(&l), 0x55);
	vlapic_ack(&l, 0x55);
	assert_int_equal(rd(VLAPIC_ISR0 + 2), 1u << (0x55 - 64));
	assert_int_equal(rd(VLAPIC_PPR), 0x50);
	/* 0x52 is in the same class as the one in service: held. */
	assert_int_equal(vlapic_deliverable(&l), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_EOI, 0, 0, &ipi), 0);
	assert_int_equal(vlapic_deliverable(&l), 0x52);
	/* TPR masks its class and below. */
	assert_int_equal(vlapic_write(&l, VLAPIC_TPR, 0x5f, 0, &ipi), 0);
	assert_int_equal(vlapic_deliverable(&l), -1);
	assert_int_equal(vlapic_write(&l, VLAPIC_TPR, 0x40, 0, &ipi), 0);
	assert_int_equal(vlapic_deliverable(&l), 0x52);
	vlapic_ack(&l, 0x52);
	vlapic_write(&l, VLAPIC_EOI, 0, 0, &ipi);
	vlapic_write(&l, VLAPIC_TPR, 0, 0, &ipi);
	assert_int_equal(vlapic_deliverable(&l), 0x31);
	/* Vectors 0-15 are illegal: the error is latched on the next ESR write. */
	assert_false(vlapic_accept(&l, 0x0f));
	assert_int_equal(rd(VLAPIC_ESR), 0);
	vlapic_write(&l, VLAPIC_ESR, 0, 0, &ipi);
	assert_int_equal(rd(VLAPIC_ESR), 1u << 6);
}

static void test_auto_eoi_skips_isr(void **state)
{
	(void)state;
	assert_true(vlapic_accept_auto_eoi(&l, 0x60));
	assert_int_equal(vlapic_deliverable(&l), 0x60);
	vlapic_ack(&l, 0x60);
	assert_int_equal(rd(VLAPIC_ISR0 + 3), 0);
	assert_int_equal(rd(VLAPIC_PPR), 0);
	/* The same vector again, plainly: it goes into the ISR this time. */
	assert_true(vlapic_accept(&l, 0x60));
	vlapic_ack(&l, 0x60);
	assert_int_equal(rd(VLAPIC_ISR0 + 3), 1u);
}

static void test_timer_oneshot_and_periodic(void **state)
{
	(void)state;
	struct vlapic_ipi ipi;
	u64 now = 1000000;

	x2apic_on(&l);
	/* Divide by 1 (0b1011): 20 TSC ticks per count. */
	assert_int_equal(vlapic_write(&l, VLAPIC_TIMER_DCR, 0xb, now, &ipi), 0);
	assert_int_equal(vlapic_write(&l, VLAPIC_LVT_TIMER, 0xe0, now, &ipi), 0);
	assert_int_equal(vlapic_write(&l, VLAPIC_TIMER_ICR, 100, now, &ipi), 0);
	assert_int_equal(l.timer_deadline, now + 2000);
	u64 ccr;
	vlapic_read(&l, VLAPIC_TIMER_CCR, now + 1000, &ccr);
	assert_int_equal(ccr, 50);
	assert_false(vlapic_timer_expire(&l, now + 1999));
	assert_true(vlapic_timer_expire(&l, now + 2000));
	assert_int_equal(vlapic_deliverable(&l), 0xe0);
	assert_int_equal(l.timer_deadline, 0); /* one-shot: stopped */
	vlapic_read(&l, VLAPIC_TIMER_CCR, now + 2500, &ccr);
	assert_int_equal(ccr, 0);

	/* Periodic, divide by 2: 40 ticks per count; a late expiry does not make up periods. */
	vlapic_write(&l, VLAPIC_TIMER_DCR, 0x0, now, &ipi);
	vlapic_write(&l, VLAPIC_LVT_TIMER, (VLAPIC_TIMER_PERIODIC << 17) | 0xe1, now, &ipi);
	vlapic_write(&l, VLAPIC_TIMER_ICR, 10, now, &ipi);
	assert_int_equal(l.timer_deadline, now + 400);
	assert_true(vlapic_timer_expire(&l, now + 400));
	assert_int_equal(l.timer_deadline, now + 800);
	assert_true(vlapic_timer_expire(&l, now + 5000));
	assert_int_equal(l.timer_deadline, now + 5400);
	/* Masked: it still runs, but delivers nothing. */
	vlapic_write(&l, VLAPIC_LVT_TIMER, (VLAPIC_TIMER_PERIODIC << 17) | VLAPIC_LVT_MASKED | 0xe2,
		     now, &ipi);
	assert_true(vlapic_timer_expire(&l, now + 5400));
	assert_int_equal(l.irr[0xe2 / 32] & (1u << (0xe2 % 32)), 0);
	/* A count of 0 stops it. */
	vlapic_write(&l, VLAPIC_TIMER_ICR, 0, now, &ipi);
	assert_int_equal(l.timer_deadline, 0);
}

static void test_timer_tsc_deadline(void **state)
{
	(void)state;
	struct vlapic_ipi ipi;

	/* Outside TSC-deadline mode the MSR is ignored and reads 0 (SDM vol.3 11.5.4.1). */
	vlapic_tsc_deadline_write(&l, 5000);
	assert_int_equal(vlapic_tsc_deadline_read(&l), 0);
	assert_int_equal(l.timer_deadline, 0);
	vlapic_write(&l, VLAPIC_LVT_TIMER, (VLAPIC_TIMER_TSC_DEADLINE << 17) | 0xe3, 0, &ipi);
	vlapic_tsc_deadline_write(&l, 5000);
	assert_int_equal(vlapic_tsc_deadline_read(&l), 5000);
	vlapic_write(&l, VLAPIC_TIMER_ICR, 7, 0, &ipi); /* ignored in this mode */
	assert_int_equal(l.timer_deadline, 5000);
	assert_true(vlapic_timer_expire(&l, 5000));
	assert_int_equal(vlapic_deliverable(&l), 0xe3);
	assert_int_equal(vlapic_tsc_deadline_read(&l), 0); /* cleared when it fires */
	/* Leaving the mode disarms. */
	vlapic_tsc_deadline_write(&l, 9000);
	vlapic_write(&l, VLAPIC_LVT_TIMER, 0xe3, 0, &ipi);
	assert_int_equal(l.timer_deadline, 0);
}

static void test_software_disable_masks_lvts(void **state)
{
	(void)state;
	struct vlapic_ipi ipi;

	vlapic_write(&l, VLAPIC_LVT_TIMER, 0xe0, 0, &ipi);
	assert_int_equal(rd(VLAPIC_LVT_TIMER), 0xe0);
	vlapic_write(&l, VLAPIC_SVR, 0xff, 0, &ipi);
	assert_int_equal(rd(VLAPIC_LVT_TIMER), VLAPIC_LVT_MASKED | 0xe0);
	vlapic_write(&l, VLAPIC_LVT_TIMER, 0xe0, 0, &ipi); /* the mask stays (SDM 11.4.7.2) */
	assert_int_equal(rd(VLAPIC_LVT_TIMER), VLAPIC_LVT_MASKED | 0xe0);
}

static void test_ipi_destinations(void **state)
{
	(void)state;
	struct vlapic_ipi ipi;

	x2apic_on(&l);
	x2apic_on(&other);
	/* Physical, 32-bit destination. */
	assert_int_equal(vlapic_write(&l, VLAPIC_ICR, (0x12ULL << 32) | 0x44, 0, &ipi),
			 VLAPIC_SEND_IPI);
	assert_true(vlapic_ipi_targets(&other, &l, &ipi));
	assert_false(vlapic_ipi_targets(&l, &l, &ipi));
	/* Logical: cluster 1 (0x12 >> 4), bit 2. */
	ipi = (struct vlapic_ipi){ .vector = 0x44, .logical = true, .dest = (1u << 16) | 4 };
	assert_true(vlapic_ipi_targets(&other, &l, &ipi));
	ipi.dest = (1u << 16) | 8;
	assert_false(vlapic_ipi_targets(&other, &l, &ipi));
	/* Broadcast and the shorthands. */
	ipi = (struct vlapic_ipi){ .vector = 0x44, .dest = 0xffffffff };
	assert_true(vlapic_ipi_targets(&other, &l, &ipi));
	ipi = (struct vlapic_ipi){ .vector = 0x44, .shorthand = 1 };
	assert_true(vlapic_ipi_targets(&l, &l, &ipi));
	assert_false(vlapic_ipi_targets(&other, &l, &ipi));
	ipi.shorthand = 3;
	assert_false(vlapic_ipi_targets(&l, &l, &ipi));
	assert_true(vlapic_ipi_targets(&other, &l, &ipi));
	/* SELF IPI. */
	assert_int_equal(vlapic_write(&l, VLAPIC_SELF_IPI, 0x45, 0, &ipi), VLAPIC_SEND_IPI);
	assert_int_equal(ipi.shorthand, 1);
	assert_int_equal(ipi.vector, 0x45);
}

static void test_xapic_logical_flat_and_cluster(void **state)
{
	(void)state;
	struct vlapic_ipi ipi = { .vector = 0x44, .logical = true, .dest = 0x04 };

	l.ldr = 0x04000000;
	assert_true(vlapic_ipi_targets(&l, &other, &ipi)); /* flat: a bit of 8 */
	ipi.dest = 0x08;
	assert_false(vlapic_ipi_targets(&l, &other, &ipi));
	l.dfr = 0x0fffffff; /* cluster model: cluster in 7:4 */
	l.ldr = 0x21000000;
	ipi.dest = 0x21;
	assert_true(vlapic_ipi_targets(&l, &other, &ipi));
	ipi.dest = 0x31;
	assert_false(vlapic_ipi_targets(&l, &other, &ipi));
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_state),
		T(test_base_transitions),
		T(test_x2apic_register_rules),
		T(test_xapic_register_rules),
		T(test_priorities_and_eoi),
		T(test_auto_eoi_skips_isr),
		T(test_timer_oneshot_and_periodic),
		T(test_timer_tsc_deadline),
		T(test_software_disable_masks_lvts),
		T(test_ipi_destinations),
		T(test_xapic_logical_flat_and_cluster),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
