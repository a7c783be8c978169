// SPDX-License-Identifier: MIT
/*
 * VTL1 image: its own local APIC (TLFS: each VTL has one, active only while that VTL runs;
 * reference 3.10), in x2APIC mode once APIC_SETUP has run. Three things live here:
 *  - the commands that program it (vtl1_abi.h, VTL1_CMD_APIC_SETUP .. VTL1_CMD_SET_IF);
 *  - the interrupt handler of vectors VTL1_VEC_*: counts, records, EOIs (x2APIC EOI MSR);
 *  - the entries with EntryReason 2: an interrupt for VTL1 made the VP switch while VTL0
 *    ran or halted. VTL1 resumes after the VMCALL of its last VtlReturn (the return stub's
 *    RET, reference 3.4), with VTL0's GPRs in the shared registers; no command was asked
 *    for. The interrupt comes in as soon as RFLAGS.IF allows: at once when VTL1 returned
 *    with IF set, else in the STI window below. Then a normal VtlReturn: RAX and RCX come
 *    back from VtlReturnX64Rax/Rcx, which the hypervisor filled with VTL0's, and the other
 *    GPRs as they were found, so VTL0 goes on exactly where it was.
 */
#include "arch/x86/intrin.h"
#include "tests/guests/vtl1/vtl1.h"

struct vtl1_cpu *vtl1_irq_entry(struct vtl1_cpu *c, const u64 *gprs)
{
	struct vtl1_irq *q = &c->irq;
	volatile u8 *assist = vtl1_assist(c->vp);
	u64 rflags = vtl1_rflags(), handled = q->handled;

	q->entries++;
	q->rflags_in = rflags;
	q->ret_rax_in = *(volatile u64 *)(assist + ASSIST_RET_RAX);
	q->ret_rcx_in = *(volatile u64 *)(assist + ASSIST_RET_RCX);
	for (u32 i = 0; i < VTL1_GPR_COUNT; i++)
		q->gprs[i] = gprs[i];
	if (!(rflags & RFLAGS_IF)) {
		/* The pending interrupt comes in after the NOP (STI's one-instruction shadow). */
		q->in_window = 1;
		__asm__ volatile("sti\n\tnop\n\tcli" ::: "memory");
		q->in_window = 0;
	}
	if (q->handled == handled)
		q->entries_idle++;
	/* A normal return (RCX = 0): RAX/RCX from the assist page as the hypervisor left them,
	 * the rest as found. EntryReason poisoned, as after every entry. */
	for (u32 i = 0; i < VTL1_GPR_COUNT; i++)
		c->ret_gprs[i] = gprs[i];
	c->ret_fast = 0;
	*(volatile u32 *)(assist + ASSIST_ENTRY_REASON) = VTL1_REASON_POISON;
	return c;
}

/* The timer's tick n (1-based since TIMER_ARM): recorded, then what TIMER_ARM asked for. */
static void timer_tick(struct vtl1_cpu *c, struct vtl1_irq *q, u64 tsc)
{
	u64 n = q->count[0] - q->tick_base, v = 0;

	if (n >= 1 && n <= VTL1_TICKS) {
		q->tick_tsc[n - 1] = tsc;
		q->tick_entry[n - 1] = q->entries;
		if (q->probe) {
			q->probe_rax |= vtl1_get_reg(c, VTL1_IRQ_IO, HV_REG_RIP, 0x10, &v);
			q->tick_vtl0_rip[n - 1] = v;
		}
	}
	if (q->wake_tick && n == q->wake_tick) {
		q->wake_tick = 0;
		if (!vtl1_try_rdmsr(c, VTL1_X2APIC_LVT_TIMER, &v) ||
		    !vtl1_try_wrmsr(c, VTL1_X2APIC_LVT_TIMER, v | VTL1_LVT_MASKED) ||
		    !vtl1_try_wrmsr(c, VTL1_X2APIC_TIMER_ICR, 0))
			q->faults |= 4;
		q->wake_tsc = rdtsc();
		/* HV_INPUT_VTL 0x10: UseTargetVtl, VTL0; this VP only. */
		q->wake_rax =
			vtl1_cluster_ipi(c, VTL1_IRQ_IO, q->wake_vector, 0x10, 1ull << c->vp, true);
	}
}

void vtl1_interrupt(struct vtl1_frame *f)
{
	struct vtl1_cpu *c = vtl1_cpu_of((u64)f);
	u64 tsc = rdtsc(), isr = 0, recover;
	u32 i = (u32)f->vec - VTL1_VEC_FIRST;
	struct vtl1_irq *q;

	if (c && f->vec == VTL1_VEC_INTERCEPT) { /* its own bookkeeping (intercept.c) */
		recover = c->recover;
		c->recover = 0;
		vtl1_intercept(c);
		c->recover = recover;
		return;
	}
	if (!c || i >= VTL1_VEC_COUNT) /* not on one of our stacks, not one of our gates */
		for (;;)
			__asm__ volatile("cli; hlt");
	q = &c->irq;
	/* The code interrupted may be inside vtl1_try_rdmsr/wrmsr: keep its recovery point. */
	recover = c->recover;
	c->recover = 0;
	q->handled++;
	q->count[i]++;
	q->tsc[i] = tsc;
	q->rip[i] = f->rip;
	if (q->in_window)
		q->window_hits++;
	if (q->soft) { /* an INT n: nothing in service at the APIC */
		q->soft = 0;
		c->recover = recover;
		return;
	}
	if (!vtl1_try_rdmsr(c, VTL1_X2APIC_ISR0 + (u32)f->vec / 32, &isr))
		q->faults |= 1;
	q->isr[i] = (u32)isr;
	if (f->vec == VTL1_VEC_TIMER)
		timer_tick(c, q, tsc);
	if (!vtl1_try_wrmsr(c, VTL1_X2APIC_EOI, 0))
		q->faults |= 2;
	c->recover = recover;
}

/* One APIC access of a command: its fault bit in out[VTL1_APIC_OUT_FAULTS] when it #GPs. */
static u64 rd(struct vtl1_cpu *c, u32 msr, u32 bit)
{
	u64 v = 0;

	if (!vtl1_try_rdmsr(c, msr, &v)) {
		c->out[VTL1_APIC_OUT_FAULTS] |= 1ull << bit;
		v = ~0ull;
	}
	return v;
}

static void wr(struct vtl1_cpu *c, u32 msr, u64 v, u32 bit)
{
	if (!vtl1_try_wrmsr(c, msr, v))
		c->out[VTL1_APIC_OUT_FAULTS] |= 1ull << bit;
}

static void apic_setup(struct vtl1_cpu *c)
{
	u64 *o = c->out, base = rd(c, VTL1_MSR_APIC_BASE, 0);

	__asm__ volatile("cli" ::: "memory");
	o[VTL1_APIC_BASE_FOUND] = base;
	/* SDM vol.3 10.12.5: xAPIC to x2APIC with EN still set; the address and BSP kept. */
	if (base != ~0ull)
		wr(c, VTL1_MSR_APIC_BASE, base | VTL1_APIC_BASE_EN | VTL1_APIC_BASE_EXTD, 1);
	o[VTL1_APIC_BASE] = rd(c, VTL1_MSR_APIC_BASE, 2);
	o[VTL1_APIC_ID] = rd(c, VTL1_X2APIC_ID, 3);
	o[VTL1_APIC_VER] = rd(c, VTL1_X2APIC_VER, 4);
	o[VTL1_APIC_LDR] = rd(c, VTL1_X2APIC_LDR, 5);
	o[VTL1_APIC_SVR_FOUND] = rd(c, VTL1_X2APIC_SVR, 6);
	wr(c, VTL1_X2APIC_SVR, VTL1_SVR_RESET, 7);
	o[VTL1_APIC_SVR] = rd(c, VTL1_X2APIC_SVR, 8);
	o[VTL1_APIC_TPR] = rd(c, VTL1_X2APIC_TPR, 9);
	o[VTL1_APIC_PPR] = rd(c, VTL1_X2APIC_PPR, 10);
	o[VTL1_APIC_LVT_TIMER] = rd(c, VTL1_X2APIC_LVT_TIMER, 11);
}

static void timer_arm(struct vtl1_cpu *c)
{
	struct vtl1_irq *q = &c->irq;
	u64 *o = c->out;
	u32 opt = (u32)c->arg[3];

	q->tick_base = q->count[0];
	q->arm_entries = q->entries;
	for (u32 i = 0; i < VTL1_TICKS; i++)
		q->tick_tsc[i] = q->tick_entry[i] = q->tick_vtl0_rip[i] = 0;
	q->probe_rax = 0;
	q->wake_rax = ~0ull;
	q->wake_tsc = 0;
	q->probe = !!(opt & VTL1_ARM_PROBE);
	q->wake_vector = VTL1_ARM_WAKE_VEC(opt);
	q->wake_tick = VTL1_ARM_WAKE_TICK(opt);
	wr(c, VTL1_X2APIC_TIMER_DCR, c->arg[2], 0);
	wr(c, VTL1_X2APIC_LVT_TIMER, c->arg[0], 1);
	o[VTL1_ARM_TSC] = rdtsc();
	wr(c, VTL1_X2APIC_TIMER_ICR, c->arg[1], 2);
	o[VTL1_ARM_CCR] = rd(c, VTL1_X2APIC_TIMER_CCR, 3);
	o[VTL1_ARM_LVT] = rd(c, VTL1_X2APIC_LVT_TIMER, 4);
	o[VTL1_ARM_DCR] = rd(c, VTL1_X2APIC_TIMER_DCR, 5);
}

static void timer_stop(struct vtl1_cpu *c)
{
	u64 *o = c->out;

	c->irq.wake_tick = 0;
	o[VTL1_STOP_CCR] = rd(c, VTL1_X2APIC_TIMER_CCR, 0);
	o[VTL1_STOP_LVT] = rd(c, VTL1_X2APIC_LVT_TIMER, 1);
	wr(c, VTL1_X2APIC_LVT_TIMER, (o[VTL1_STOP_LVT] & 0xffffffffu) | VTL1_LVT_MASKED, 2);
	wr(c, VTL1_X2APIC_TIMER_ICR, 0, 3);
	o[VTL1_STOP_CCR_AFTER] = rd(c, VTL1_X2APIC_TIMER_CCR, 4);
}

static void set_tpr(struct vtl1_cpu *c)
{
	u64 *o = c->out;

	o[VTL1_TPR_BEFORE] = rd(c, VTL1_X2APIC_TPR, 0);
	wr(c, VTL1_X2APIC_TPR, c->arg[0], 1);
	o[VTL1_TPR] = rd(c, VTL1_X2APIC_TPR, 2);
	o[VTL1_TPR_PPR] = rd(c, VTL1_X2APIC_PPR, 3);
}

static void read_apic(struct vtl1_cpu *c)
{
	for (u32 i = 0; i < 4; i++) {
		c->out[2 * i] = c->out[2 * i + 1] = 0;
		if (c->arg[i] && !vtl1_try_rdmsr(c, (u32)c->arg[i], &c->out[2 * i]))
			c->out[2 * i + 1] = 1;
	}
}

/* INT n through the image's gate for vector arg[0]; IF clear around it, so that only the
 * INT reaches the handler while soft is set. */
static void soft_int(struct vtl1_cpu *c)
{
	u64 rflags = vtl1_rflags();

	c->out[0] = rflags;
	__asm__ volatile("cli" ::: "memory");
	c->irq.soft = 1;
	switch (c->arg[0]) {
	case VTL1_VEC_TIMER:
		__asm__ volatile("int %0" ::"i"(VTL1_VEC_TIMER) : "memory");
		break;
	case VTL1_VEC_IPI:
		__asm__ volatile("int %0" ::"i"(VTL1_VEC_IPI) : "memory");
		break;
	case VTL1_VEC_XVTL:
		__asm__ volatile("int %0" ::"i"(VTL1_VEC_XVTL) : "memory");
		break;
	default:
		c->out[2] = 1;
	}
	c->irq.soft = 0;
	c->out[1] = vtl1_rflags();
	if (rflags & RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
}

bool vtl1_apic_command(struct vtl1_cpu *c)
{
	if (c->cmd < VTL1_CMD_APIC_SETUP || c->cmd > VTL1_CMD_SOFT_INT)
		return false;
	for (u32 i = 0; i < VTL1_OUT_COUNT; i++)
		c->out[i] = 0;
	switch (c->cmd) {
	case VTL1_CMD_APIC_SETUP:
		apic_setup(c);
		break;
	case VTL1_CMD_TIMER_ARM:
		timer_arm(c);
		break;
	case VTL1_CMD_TIMER_STOP:
		timer_stop(c);
		break;
	case VTL1_CMD_SEND_IPI:
		wr(c, c->arg[1] ? VTL1_X2APIC_SELF_IPI : VTL1_X2APIC_ICR, c->arg[0], 0);
		break;
	case VTL1_CMD_SET_TPR:
		set_tpr(c);
		break;
	case VTL1_CMD_SEND_XVTL_IPI:
		c->out[0] = vtl1_cluster_ipi(c, VTL1_CMD_IO, (u32)c->arg[0], (u8)c->arg[1],
					     c->arg[2], c->arg[3] & 1);
		break;
	case VTL1_CMD_READ_APIC:
		read_apic(c);
		break;
	case VTL1_CMD_SOFT_INT:
		soft_int(c);
		break;
	default: /* VTL1_CMD_SET_IF */
		c->out[0] = vtl1_rflags();
		if (c->arg[0] & 1)
			__asm__ volatile("sti" ::: "memory");
		else
			__asm__ volatile("cli" ::: "memory");
	}
	return true;
}
