/* SPDX-License-Identifier: MIT */
/* The test guests' interrupt handlers: one gate of this CPU's (the firmware's) IDT. */
#ifndef TESTS_GUESTS_IDT_H
#define TESTS_GUESTS_IDT_H

#include "lib/types.h"

/* 64-bit IDT gate (SDM vol.3 6.14.1): offset 15:0, selector, attributes, 31:16, 63:32. */
struct vt0_idt_gate {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 attr;
	u16 off_mid;
	u32 off_hi;
	u32 rsvd;
};
_Static_assert(sizeof(struct vt0_idt_gate) == 16, "SDM vol.3 6.14.1: 64-bit gates are 16 bytes");

/* IDTR / GDTR as SIDT and SGDT store them (SDM vol.3 2.4.1, 64-bit mode). */
struct vt0_dtr {
	u16 limit;
	u64 base;
} __attribute__((packed));

static inline struct vt0_dtr vt0_idtr_now(void)
{
	struct vt0_dtr d;

	__asm__ volatile("sidt %0" : "=m"(d));
	return d;
}

static inline struct vt0_dtr vt0_gdtr_now(void)
{
	struct vt0_dtr d;

	__asm__ volatile("sgdt %0" : "=m"(d));
	return d;
}

/* Points this CPU's IDT vector at handler (an interrupt gate, P, DPL 0), the old gate
 * kept in *saved; handler 0 puts *saved back. */
void vt0_idt_gate(u32 vector, u64 handler, struct vt0_idt_gate *saved);

#endif
