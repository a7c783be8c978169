// SPDX-License-Identifier: MIT
/*
 * VTL1 image: secure register intercepts as a secure kernel would use them (TLFS reference
 * 3.9; ABI 3). ICPT_SET turns VTL1's SynIC on (its message page, SCONTROL, SINT0 with
 * VTL1_VEC_INTERCEPT) and writes HvRegisterCrInterceptControl and its masks; when VTL0 then
 * tries a locked write, the hypervisor leaves VTL0 at the instruction and puts a message in
 * VTL1's SINT0 slot; VTL1 is entered (entry reason 2, irq.c) and the interrupt lands here.
 * The handler records the message, then resolves it the way the slot's icpt.action says:
 * emulate (SetVpRegisters of the register with the message's value, then VTL0's RIP past
 * the instruction) or refuse (PendingEvent0: #GP(0) at the instruction), unless VTL0 asked
 * it to leave the first ones alone, in which case VTL0 runs the instruction again.
 */
#include "tests/guests/vtl1/vtl1.h"

#define HV_MSR_SCONTROL 0x40000080u
#define HV_MSR_SIMP 0x40000083u
#define HV_MSR_EOM 0x40000084u
#define HV_MSR_SINT0 0x40000090u
#define HV_REG_CR_INTERCEPT_CONTROL 0x000e0000u /* .. 0x000e0003: CR0, CR4, MISC masks */
#define HV_REG_PENDING_EVENT0 0x00010004u
#define HVMSG_X64_MSR_INTERCEPT 0x80010001u
#define HV_MESSAGE_PENDING 1u
#define INPUT_VTL0 0x10 /* HV_INPUT_VTL: UseTargetVtl, VTL0 */

/* The HV_MESSAGE in SINT0's slot of this VP's message page (reference 2.2). */
struct hv_msg {
	u32 type;
	u8 payload_size;
	u8 flags;
	u16 rsvd;
	u64 sender;
	u8 payload[240];
};

static volatile struct hv_msg *sint0_slot(const struct vtl1_cpu *c)
{
	return (volatile struct hv_msg *)vtl1_region(VTL1_OFF_SIM + 0x1000ull * c->vp);
}

static u64 rd64(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static u32 rd32(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/* The TLFS register name of an MSR a message names (reference 3.3), 0 if none here. */
static u32 msr_register(u32 msr)
{
	switch (msr) {
	case 0xc0000080:
		return 0x00080001; /* EFER */
	case 0x1b:
		return 0x00080003; /* APIC_BASE */
	case 0x174:
		return 0x00080005; /* SYSENTER_CS */
	case 0x175:
		return 0x00080007; /* SYSENTER_ESP */
	case 0x176:
		return 0x00080006; /* SYSENTER_EIP */
	case 0xc0000081:
	case 0xc0000082:
	case 0xc0000083:
	case 0xc0000084:
		return 0x00080008 + (msr - 0xc0000081); /* STAR, LSTAR, CSTAR, SFMASK */
	case 0xc0000103:
		return 0x0008007b; /* TSC_AUX */
	default:
		return 0;
	}
}

/* Emulates the write the message p (of type type) describes for VTL0, then moves VTL0's
 * RIP past the instruction (header: +0x04 length, +0x18 RIP). RAX back. */
static u64 emulate(struct vtl1_cpu *c, u32 type, const u8 *p)
{
	u32 names[2];
	u64 lo[2], hi[2] = { 0, 0 };

	if (type == HVMSG_X64_MSR_INTERCEPT) { /* +0x28 MSR, +0x30 RDX, +0x38 RAX */
		u32 msr = rd32(p + 0x28);
		names[0] = msr_register(msr);
		lo[0] = rd64(p + 0x30) << 32 | (rd64(p + 0x38) & 0xffffffffu);
	} else { /* +0x2c the register, +0x30 its 128-bit value */
		names[0] = rd32(p + 0x2c);
		lo[0] = rd64(p + 0x30);
		hi[0] = rd64(p + 0x38);
	}
	names[1] = HV_REG_RIP;
	lo[1] = rd64(p + 0x18) + (p[4] & 0xf);
	return vtl1_set_regs(c, VTL1_IRQ_IO, INPUT_VTL0, names, lo, hi, 2);
}

void vtl1_intercept(struct vtl1_cpu *c)
{
	struct vtl1_icpt *k = &c->icpt;
	volatile struct hv_msg *m = sint0_slot(c);
	u32 type = m->type;
	u8 p[0x40];

	if (!type) {
		k->spurious++;
	} else {
		for (u32 i = 0; i < sizeof(p); i++)
			k->payload[i] = p[i] = m->payload[i];
		k->type = type;
		k->flags = m->flags;
		if (k->count < 4)
			k->rip[k->count] = rd64(p + 0x18);
		k->count++;
		k->rip_rax = vtl1_get_reg(c, VTL1_IRQ_IO, HV_REG_RIP, INPUT_VTL0, &k->vtl0_rip);
		if (k->ignore) {
			k->ignore--; /* nothing changed: VTL0 runs the instruction again */
		} else if (k->action == VTL1_ICPT_GP) {
			u32 name = HV_REG_PENDING_EVENT0;
			/* EventPending, exception, DeliverErrorCode, vector 13, error code 0. */
			u64 ev = 1 | 1ull << 8 | 13ull << 16, zero = 0;
			k->resolve_rax =
				vtl1_set_regs(c, VTL1_IRQ_IO, INPUT_VTL0, &name, &ev, &zero, 1);
		} else {
			k->resolve_rax = emulate(c, type, p);
		}
		/* Free the slot; EOM when another message waits behind it (reference 2.2). */
		u8 flags = m->flags;
		__atomic_store_n(&m->type, 0, __ATOMIC_SEQ_CST);
		if (flags & HV_MESSAGE_PENDING) {
			k->eoms++;
			if (!vtl1_try_wrmsr(c, HV_MSR_EOM, 0))
				k->faults |= 1;
		}
	}
	if (!vtl1_try_wrmsr(c, VTL1_X2APIC_EOI, 0))
		k->faults |= 2;
}

static void icpt_set(struct vtl1_cpu *c)
{
	static const u32 names[4] = { HV_REG_CR_INTERCEPT_CONTROL + 1,
				      HV_REG_CR_INTERCEPT_CONTROL + 2,
				      HV_REG_CR_INTERCEPT_CONTROL + 3,
				      HV_REG_CR_INTERCEPT_CONTROL };
	u64 vals[4] = { c->arg[1], c->arg[2], 0, c->arg[0] };

	if (!c->synic_on) {
		u64 sim = vtl1_region(VTL1_OFF_SIM + 0x1000ull * c->vp);
		if (!vtl1_try_wrmsr(c, HV_MSR_SIMP, sim | 1))
			c->out[1] |= 1;
		if (!vtl1_try_wrmsr(c, HV_MSR_SCONTROL, 1))
			c->out[1] |= 2;
		if (!vtl1_try_wrmsr(c, HV_MSR_SINT0, VTL1_VEC_INTERCEPT))
			c->out[1] |= 4;
		c->synic_on = !c->out[1];
	}
	c->out[0] = vtl1_set_regs(c, VTL1_CMD_IO, (u8)c->arg[3], names, vals, NULL, 4);
}

static void icpt_get(struct vtl1_cpu *c)
{
	c->out[0] = 0;
	for (u32 i = 0; i < 4; i++)
		c->out[0] |= vtl1_get_reg(c, VTL1_CMD_IO, HV_REG_CR_INTERCEPT_CONTROL + i,
					  (u8)c->arg[0], &c->out[1 + i]);
}

bool vtl1_icpt_command(struct vtl1_cpu *c)
{
	if (c->cmd != VTL1_CMD_ICPT_SET && c->cmd != VTL1_CMD_ICPT_GET)
		return false;
	for (u32 i = 0; i < VTL1_OUT_COUNT; i++)
		c->out[i] = 0;
	if (c->cmd == VTL1_CMD_ICPT_SET)
		icpt_set(c);
	else
		icpt_get(c);
	return true;
}
