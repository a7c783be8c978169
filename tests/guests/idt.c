// SPDX-License-Identifier: MIT
/* One IDT gate of this CPU (tests/guests/idt.h). */
#include "tests/guests/idt.h"

void vt0_idt_gate(u32 vector, u64 handler, struct vt0_idt_gate *saved)
{
	struct vt0_dtr idtr = vt0_idtr_now();
	u16 cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	volatile struct vt0_idt_gate *gate = (volatile struct vt0_idt_gate *)idtr.base + vector;
	if (!handler) {
		*gate = *saved;
		return;
	}
	*saved = *gate;
	*gate = (struct vt0_idt_gate){ .off_lo = (u16)handler,
				       .sel = cs,
				       .attr = 0x8e,
				       .off_mid = (u16)(handler >> 16),
				       .off_hi = (u32)(handler >> 32) };
}
