// SPDX-License-Identifier: MIT
/*
 * VTL1 image: what happens at each entry. The VP is known by the stack it runs on (the
 * initial context of each VP names its own stack), so the slot is found before any MSR is
 * touched. At a VP's first entry VTL1 turns on its own synthetic MSRs (reference 3.7: the
 * GUEST_OS_ID, HYPERCALL and VP_ASSIST_PAGE MSRs are per VTL): a non-zero guest OS ID,
 * its hypercall page inside the region, and this VP's assist page. From the next entry on,
 * the assist page carries EntryReason and VtlReturnX64Rax/Rcx (reference 3.5). An entry
 * with EntryReason 2 (an interrupt for VTL1, irq.c) runs no command.
 */
#include "tests/guests/vtl1/vtl1.h"

struct vtl1_cpu *vtl1_cpu_of(u64 addr)
{
	u64 stacks = vtl1_region(VTL1_OFF_STACKS);

	if (addr <= stacks || addr > stacks + VTL1_MAX_VPS * VTL1_STACK_SIZE)
		return NULL;
	return &vtl1_mailbox()->cpu[(addr - 1 - stacks) / VTL1_STACK_SIZE];
}

/* The first entry on this VP: VTL1's own synthetic MSRs, then its hypercall page. */
static void init_vp(struct vtl1_cpu *c)
{
	const struct vtl1_mailbox *mb = vtl1_mailbox();
	u64 hc = vtl1_region(VTL1_OFF_HCPAGE);
	u64 assist = (u64)vtl1_assist(c->vp);
	const volatile u8 *page = (const volatile u8 *)hc;

	c->ret_target = (u64)vtl1_own_return;
	c->init_faults = 0;
	if (!vtl1_try_wrmsr(c, HV_MSR_GUEST_OS_ID, mb->guest_os_id))
		c->init_faults |= 1;
	/* HYPERCALL: bit 0 Enable, 63:12 GPFN (reference 2.2). */
	if (!vtl1_try_wrmsr(c, HV_MSR_HYPERCALL, hc | 1))
		c->init_faults |= 2;
	if (!vtl1_try_wrmsr(c, HV_MSR_VP_ASSIST_PAGE, assist | 1))
		c->init_faults |= 4;
	vtl1_try_rdmsr(c, HV_MSR_GUEST_OS_ID, &c->os_id_read);
	vtl1_try_rdmsr(c, HV_MSR_HYPERCALL, &c->hypercall_read);
	vtl1_try_rdmsr(c, HV_MSR_VP_ASSIST_PAGE, &c->assist_read);
	if (c->init_faults)
		c->status |= VTL1_ERR_INIT;
	/* Intel page: VMCALL (0F 01 C1) at offset 0 (reference 1.3), over VTL0's 0xCC fill. */
	if (page[0] == 0x0f && page[1] == 0x01 && page[2] == 0xc1)
		c->ret_target = hc + ((mb->code_offsets >> 12) & 0xfff);
	else
		c->status |= VTL1_ERR_NO_HCPAGE;
	c->init_done = 1;
}

/* What the return path loads, and the assist page fields VTL0 will get (reference 3.4). */
static void prepare_return(struct vtl1_cpu *c, bool shared_set)
{
	volatile u8 *assist = vtl1_assist(c->vp);

	if (!shared_set)
		for (u32 i = 0; i < VTL1_GPR_COUNT; i++)
			c->ret_gprs[i] = c->gprs[i];
	c->ret_fast = c->ret_mode == VTL1_RET_FAST;
	if (c->assist_read & 1) {
		if (c->ret_mode == VTL1_RET_VALUES) {
			*(volatile u64 *)(assist + ASSIST_RET_RAX) = c->ret_rax;
			*(volatile u64 *)(assist + ASSIST_RET_RCX) = c->ret_rcx;
		}
		*(volatile u32 *)(assist + ASSIST_ENTRY_REASON) = VTL1_REASON_POISON;
	}
}

struct vtl1_cpu *vtl1_enter(u64 *gprs)
{
	u64 rsp = (u64)gprs + VTL1_GPR_COUNT * 8;
	struct vtl1_cpu *c = vtl1_cpu_of(rsp);

	if (!c) /* not on one of our stacks: nothing can be reported */
		for (;;)
			__asm__ volatile("cli; hlt");
	c->vp = (u32)(c - vtl1_mailbox()->cpu);
	c->stack_top = vtl1_region(VTL1_OFF_STACKS) + (c->vp + 1ull) * VTL1_STACK_SIZE;
	gprs[VTL1_RSP] = rsp;
	if (c->init_done && (c->assist_read & 1)) {
		u32 reason = *(volatile u32 *)(vtl1_assist(c->vp) + ASSIST_ENTRY_REASON);

		c->irq.reasons[reason < 4 ? reason : 0]++;
		/* Not a call: VTL0 asked for nothing (reference 3.4, 3.10). */
		if (reason == VTL1_REASON_INTERRUPT)
			return vtl1_irq_entry(c, gprs);
	} else {
		c->irq.reasons[0]++;
	}
	for (u32 i = 0; i < VTL1_GPR_COUNT; i++)
		c->gprs[i] = gprs[i];
	c->entries++;
	c->status = 0;
	if (c->init_done && (c->assist_read & 1)) {
		volatile u8 *assist = vtl1_assist(c->vp);

		c->entry_reason = *(volatile u32 *)(assist + ASSIST_ENTRY_REASON);
		c->ret_rax_in = *(volatile u64 *)(assist + ASSIST_RET_RAX);
		c->ret_rcx_in = *(volatile u64 *)(assist + ASSIST_RET_RCX);
	} else {
		c->entry_reason = VTL1_NO_ASSIST;
		c->ret_rax_in = c->ret_rcx_in = 0;
	}
	if (!c->init_done)
		init_vp(c);
	vtl1_run_command(c);
	prepare_return(c, c->cmd == VTL1_CMD_SET_SHARED);
	c->ack = c->seq;
	return c;
}
