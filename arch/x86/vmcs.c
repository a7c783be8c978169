/* SPDX-License-Identifier: MIT */
/* Building a VP's VMCS: controls, host state, guest state (SDM vol.3 chapter 25). */
#define LOG_MODULE "vmcs"
#include "arch/x86/vmcs.h"
#include "arch/x86/core.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "mm/phys.h"
#include "mm/pool.h"

extern const u8 vmx_exit_stub[];

int vmcs_controls_init(void)
{
	const struct vmx_caps *c = &core.caps;
	u32 miss = 0;

	/*
	 * Pass-through by default: physical interrupts and NMIs go straight to the root
	 * partition (no pin-based exiting), I/O is not intercepted, HLT/MWAIT/RDTSC run
	 * natively. We take MSR accesses through a bitmap and CR0/CR4 bits through masks.
	 */
	/* NMIs exit so that another CPU can kick a VP (INIT emulation, apic.c); the guest's
	 * own NMIs are re-injected, with virtual-NMI blocking (SDM 25.6.1, 26.7.1). */
	core.pin = vmx_ctl_adjust(c->pin, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, &miss);
	if (miss)
		return -ENOTSUP;
	core.proc = vmx_ctl_adjust(c->proc, PROC_USE_MSR_BITMAPS | PROC_SECONDARY, &miss);
	if (miss)
		return -ENOTSUP;
	u32 want2 = PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED;
	core.proc2 = vmx_ctl_adjust(c->proc2, want2, &miss);
	if (miss)
		return -ENOTSUP;
	/* Instructions the guest would otherwise get #UD for, when the CPU has them. */
	core.proc2 |= (u32)(c->proc2 >> 32) &
		      (PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES | PROC2_USER_WAIT_PAUSE);
	core.exit = vmx_ctl_adjust(c->exit,
				   EXIT_HOST_64 | EXIT_SAVE_DEBUG | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
					   EXIT_SAVE_EFER | EXIT_LOAD_EFER,
				   &miss);
	if (miss)
		return -ENOTSUP;
	core.entry = vmx_ctl_adjust(c->entry, ENTRY_LOAD_DEBUG | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER,
				    &miss);
	if (miss)
		return -ENOTSUP;
	if (core.proc & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING))
		pr_warn("CR3 accesses must exit on this CPU (no TRUE controls): slower\n");
	return 0;
}

bool vmcs_preempt_timer_init(struct vcpu *v, u64 period)
{
	if (!vmx_ctl_allowed(core.caps.pin, PIN_PREEMPT_TIMER))
		return false;
	/* SDM A.6: the timer counts down by 1 every 2^IA32_VMX_MISC[4:0] TSC ticks. */
	u64 value = period ? period >> (core.caps.misc & 0x1f) : 0xffffffffULL;
	v->preempt_period = (u32)MIN(MAX(value, 1ULL), 0xffffffffULL);
	vmwrite(VMCS_PIN_CTLS, vmread(VMCS_PIN_CTLS) | PIN_PREEMPT_TIMER);
	vmwrite(VMCS_PREEMPT_TIMER_VALUE, v->preempt_period);
	return true;
}

void vmcs_preempt_timer_arm(struct vcpu *v, u64 ticks)
{
	u64 value = ticks ? (ticks >> (core.caps.misc & 0x1f)) + 1 : v->preempt_period;

	vmwrite(VMCS_PREEMPT_TIMER_VALUE, MIN(value, (u64)v->preempt_period));
}

void vmcs_load_pdptes(u64 cr3)
{
	const u64 *pdpte = phys_to_virt(cr3 & 0xffffffe0ULL);

	for (int i = 0; i < 4; i++)
		vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
}

/*
 * CR0/CR4 (SDM vol.3 25.6.6): bits in the mask are owned by the hypervisor: the guest reads
 * the shadow and a write that changes one of them exits. The real value must honour the
 * VMX fixed bits (SDM A.7, A.8); unrestricted guest lifts PE and PG (SDM 27.3.1.1).
 */
u64 vmcs_guest_cr0(const struct vcpu *v)
{
	return (vmread(VMCS_GUEST_CR0) & ~v->cr0_mask) | (vmread(VMCS_CR0_SHADOW) & v->cr0_mask);
}

u64 vmcs_guest_cr4(const struct vcpu *v)
{
	return (vmread(VMCS_GUEST_CR4) & ~v->cr4_mask) | (vmread(VMCS_CR4_SHADOW) & v->cr4_mask);
}

void vmcs_set_guest_cr0(struct vcpu *v, u64 cr0)
{
	u64 fixed0 = core.caps.cr0_fixed0 & ~(CR0_PE | CR0_PG);
	u64 real = (cr0 | fixed0) & core.caps.cr0_fixed1;

	vmwrite(VMCS_GUEST_CR0, real);
	vmwrite(VMCS_CR0_SHADOW, cr0);
}

void vmcs_set_guest_cr4(struct vcpu *v, u64 cr4)
{
	u64 real = (cr4 | core.caps.cr4_fixed0) & core.caps.cr4_fixed1;

	vmwrite(VMCS_GUEST_CR4, real);
	vmwrite(VMCS_CR4_SHADOW, cr4);
}

void vmcs_set_cr_intercepts(struct vcpu *v, u64 cr0_bits, u64 cr4_bits)
{
	/* The shadows first, from the guest's values: a bit the guest owned until now may be
	 * stale there, and once owned the guest reads it from the shadow. Bits outside
	 * v->cr0_mask/cr4_mask keep the guest's value in the real register whether owned or
	 * not (every write of ours sets both), so vmcs_guest_cr0/cr4 stay right. */
	vmwrite(VMCS_CR0_SHADOW, vmcs_guest_cr0(v));
	vmwrite(VMCS_CR4_SHADOW, vmcs_guest_cr4(v));
	vmwrite(VMCS_CR0_MASK, v->cr0_mask | cr0_bits);
	vmwrite(VMCS_CR4_MASK, v->cr4_mask | cr4_bits);
}

bool vmcs_desc_table_exiting_available(void)
{
	return vmx_ctl_allowed(core.caps.proc2, PROC2_DESC_TABLE_EXITING);
}

void vmcs_set_desc_table_exiting(bool on)
{
	u64 ctl = vmread(VMCS_PROC_CTLS2);

	ctl = on ? ctl | PROC2_DESC_TABLE_EXITING : ctl & ~(u64)PROC2_DESC_TABLE_EXITING;
	vmwrite(VMCS_PROC_CTLS2, ctl);
}

static void vmcs_host_state(struct vcpu *v)
{
	struct pcpu *p = v->pcpu;
	u32 a, b, c, d;
	u64 cr4 = read_cr4();

	/* The host may need XSETBV for the guest: keep CR4.OSXSAVE on when XSAVE exists. */
	cpuid_count(1, 0, &a, &b, &c, &d);
	if (c & (1u << 26))
		cr4 |= CR4_OSXSAVE;
	/* SDM vol.3 27.2.2-27.2.3: host state checked at VM entry. */
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, core.bi->host_cr3);
	vmwrite(VMCS_HOST_CR4, cr4);
	vmwrite(VMCS_HOST_CS_SEL, HOST_CS);
	vmwrite(VMCS_HOST_SS_SEL, HOST_DS);
	vmwrite(VMCS_HOST_DS_SEL, HOST_DS);
	vmwrite(VMCS_HOST_ES_SEL, HOST_DS);
	vmwrite(VMCS_HOST_FS_SEL, 0);
	vmwrite(VMCS_HOST_GS_SEL, 0);
	vmwrite(VMCS_HOST_TR_SEL, HOST_TR);
	vmwrite(VMCS_HOST_FS_BASE, 0);
	vmwrite(VMCS_HOST_GS_BASE, (u64)(uintptr_t)p);
	vmwrite(VMCS_HOST_TR_BASE, (u64)(uintptr_t)&p->tss);
	vmwrite(VMCS_HOST_GDTR_BASE, (u64)(uintptr_t)p->gdt);
	vmwrite(VMCS_HOST_IDTR_BASE, (u64)(uintptr_t)host_idt);
	vmwrite(VMCS_HOST_SYSENTER_CS, 0);
	vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
	vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
	vmwrite(VMCS_HOST_EFER, rdmsr(MSR_IA32_EFER));
	vmwrite(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(VMCS_HOST_RIP, (u64)(uintptr_t)vmx_exit_stub);
}

int vmcs_create(struct vcpu *v, const struct guest_state *g)
{
	u64 pa = pool_alloc_pages(1);

	if (!pa)
		return -ENOMEM;
	/* SDM vol.3 25.2: the first 31 bits hold the VMCS revision identifier. */
	*(u32 *)phys_to_virt(pa) = (u32)core.caps.basic & 0x7fffffff;
	if (vmclear(pa) || vmptrld(pa))
		return -EIO;
	v->vmcs_pa = pa;
	vmcs_fill(v, g, core.pin, core.eptp[0], v->vpid);
	return 0;
}

void vmcs_fill(struct vcpu *v, const struct guest_state *g, u32 pin, u64 eptp, u16 vpid)
{
	v->entry_ctls = core.entry | ((g->efer & EFER_LMA) ? ENTRY_IA32E_GUEST : 0);
	vmwrite(VMCS_PIN_CTLS, pin);
	vmwrite(VMCS_PROC_CTLS, core.proc);
	vmwrite(VMCS_PROC_CTLS2, core.proc2);
	vmwrite(VMCS_EXIT_CTLS, core.exit);
	vmwrite(VMCS_ENTRY_CTLS, v->entry_ctls);
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_MSR_BITMAP, core.msr_bitmap_pa);
	vmwrite(VMCS_EPTP, eptp);
	vmwrite(VMCS_VPID, vpid);
	if (core.proc2 & PROC2_XSAVES)
		vmwrite(0x202c, 0); /* XSS-exiting bitmap: never exit (SDM 25.6.20) */
	/* Owned CR bits: the ones VMX fixes, PE/PG/PAE (paging-mode changes need EFER.LMA
	 * and PDPTE care), and VMXE, which the guest must not see or set. */
	v->cr0_mask = CR0_PE | CR0_PG | CR0_NE | (core.caps.cr0_fixed0 & 0xffffffffULL) |
		      (~core.caps.cr0_fixed1 & 0xffffffffULL);
	v->cr4_mask = CR4_VMXE | CR4_PAE | (core.caps.cr4_fixed0 & 0xffffffffULL) |
		      (~core.caps.cr4_fixed1 & 0xffffffffULL);
	vmwrite(VMCS_CR0_MASK, v->cr0_mask);
	vmwrite(VMCS_CR4_MASK, v->cr4_mask);
	vmcs_host_state(v);
	guest_state_load(g);
	vmcs_set_guest_cr0(v, g->cr0);
	vmcs_set_guest_cr4(v, g->cr4 & ~CR4_VMXE);
}
