/* SPDX-License-Identifier: MIT */
/*
 * INIT and SIPI. INIT is blocked in VMX root operation and causes a VM exit in non-root
 * operation (SDM vol.3 26.2), so a guest OS restarting an AP with INIT-SIPI-SIPI needs the
 * hypervisor to do what the CPU would: put the VP in its INIT state and the wait-for-SIPI
 * activity state (SDM vol.3 9.1.1 table 9-1, 27.4.2); a SIPI then exits (reason 4) with its
 * vector, and the VP starts in real mode at vector << 12. Any vector, 0 included, is valid.
 */
#define LOG_MODULE "exit"
#include "arch/x86/core.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmexit.h"
#include "lib/log.h"
#include "lib/string.h"

static void vcpu_init_state(struct vcpu *v)
{
	struct guest_state g;
	u32 a, b, c, d;

	memset(&g, 0, sizeof(g));
	/* Table 9-1: segments base 0 limit 0xffff present r/w accessed; CS F000:FFF0. */
	for (int i = 0; i < SEG_COUNT; i++)
		g.seg[i] = (struct seg_state){ 0, 0xffff, 0x93, 0 };
	g.seg[SEG_CS] = (struct seg_state){ 0xf000, 0xffff, 0x9b, 0xffff0000ULL };
	g.seg[SEG_LDTR].ar = 0x82;
	g.seg[SEG_TR].ar = 0x8b; /* busy TSS: what VM entry accepts (SDM 27.3.1.2) */
	g.gdtr_limit = g.idtr_limit = 0xffff;
	g.rip = 0xfff0;
	g.rflags = RFLAGS_FIXED;
	g.dr7 = 0x400;
	g.pat = 0x0007040600070406ULL;
	g.activity = ACTIVITY_WAIT_SIPI;
	guest_state_load(&g);
	v->entry_ctls &= ~ENTRY_IA32E_GUEST;
	vmwrite(VMCS_ENTRY_CTLS, v->entry_ctls);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_set_guest_cr0(v, CR0_CD | CR0_NW | CR0_ET);
	vmcs_set_guest_cr4(v, 0);
	memset(&v->regs, 0, sizeof(v->regs));
	cpuid_count(1, 0, &a, &b, &c, &d);
	v->regs.gpr[RDX] = a; /* processor signature, as after a real INIT */
	if (core.caps.invvpid)
		invvpid(INVVPID_ALL, 0, 0);
}

int exit_init(struct vcpu *v, struct vmx_exit *e)
{
	pr_debug("VP %u: INIT: wait-for-SIPI\n", v->index);
	vcpu_init_state(v);
	return EXIT_RESUME;
}

int exit_sipi(struct vcpu *v, struct vmx_exit *e)
{
	u32 vector = e->qual & 0xff;

	/* A SIPI outside wait-for-SIPI is ignored by hardware (SDM vol.3 10.6.1). */
	if (vmread(VMCS_GUEST_ACTIVITY_STATE) != ACTIVITY_WAIT_SIPI)
		return EXIT_RESUME;
	pr_info("VP %u: SIPI vector %#x: starts in real mode at %#x\n", v->index, vector,
		vector << 12);
	vmwrite(VMCS_GUEST_CS_SEL, vector << 8);
	vmwrite(VMCS_GUEST_CS_BASE, (u64)vector << 12);
	vmwrite(VMCS_GUEST_RIP, 0);
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	return EXIT_RESUME;
}
