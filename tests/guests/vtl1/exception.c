// SPDX-License-Identifier: MIT
/*
 * VTL1 image: its exception handler (its own IDT, which VTL0 built from the image's stubs).
 * Three outcomes, all recorded in the slot of the VP it runs on:
 *  - #UD on a VMCALL (0F 01 C1): the expected answer to a VTL call or return VTL1 may not
 *    make (reference 3.4). The VMCALL is skipped; the stub's RET follows.
 *  - a fault while a recovery point is set (an MSR the hypervisor refuses): resume there.
 *  - anything else: the command is abandoned; VTL1 marks the slot and does a fast VTL
 *    return from a fresh stack, and the next VTL call starts at the loop again.
 */
#include "tests/guests/vtl1/vtl1.h"

#define VEC_UD 6

static bool at_vmcall(u64 rip)
{
	const volatile u8 *p = (const volatile u8 *)rip;

	return p[0] == 0x0f && p[1] == 0x01 && p[2] == 0xc1;
}

struct vtl1_cpu *vtl1_exception(struct vtl1_frame *f)
{
	struct vtl1_cpu *c = vtl1_cpu_of((u64)f);
	u64 hc = vtl1_region(VTL1_OFF_HCPAGE);

	if (!c) /* not on one of our stacks */
		for (;;)
			__asm__ volatile("cli; hlt");
	c->exc_count++;
	c->exc_vector = (u32)f->vec;
	c->exc_rip = f->rip;
	c->exc_err = f->err;
	if (f->vec == VEC_UD && at_vmcall(f->rip)) {
		c->ud_vmcall++;
		c->ud_rip = f->rip;
		f->rip += 3;
		return NULL;
	}
	if (c->recover) {
		f->rip = c->recover;
		c->recover = 0;
		return NULL;
	}
	c->fatal++;
	c->status |= VTL1_ERR_EXCEPTION;
	/* A fault inside the hypercall page: return without it from now on. */
	if (f->rip >= hc && f->rip < hc + 0x1000)
		c->ret_target = (u64)vtl1_own_return;
	for (u32 i = 0; i < VTL1_GPR_COUNT; i++)
		c->ret_gprs[i] = c->gprs[i];
	c->ret_fast = 1;
	c->ack = c->seq;
	return c;
}
