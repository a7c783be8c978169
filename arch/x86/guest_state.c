/* SPDX-License-Identifier: MIT */
#include "arch/x86/guest_state.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "lib/string.h"

void guest_seg_from_gdt(struct seg_state *s, u16 sel, u64 gdt_base, u32 gdt_limit, bool sys)
{
	u32 idx = sel & ~7u;

	s->sel = sel;
	s->base = 0;
	s->limit = 0;
	s->ar = AR_UNUSABLE;
	/* Null selector, an LDT selector (firmware never uses one) or beyond the GDT limit. */
	if (idx == 0 || (sel & 4) || idx + (sys ? 15u : 7u) > gdt_limit)
		return;
	const u64 *gdt = (const u64 *)(uintptr_t)gdt_base;
	u64 d = gdt[idx / 8];
	/* SDM vol.3 3.4.5: base 31:0, limit 19:0 with granularity, attributes 15:8 + 23:20. */
	s->limit = (u32)((d & 0xffff) | ((d >> 32) & 0xf0000));
	if (d & (1ULL << 55))
		s->limit = (s->limit << 12) | 0xfff;
	s->base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000);
	if (sys)
		s->base |= (gdt[idx / 8 + 1] & 0xffffffffULL) << 32;
	s->ar = (u32)((d >> 40) & 0xf0ff);
	if (!(s->ar & 0x80)) /* not present */
		s->ar |= AR_UNUSABLE;
	else if (s->ar & 0x10) /* code/data: a loaded segment is always accessed */
		s->ar |= 1;
}

void guest_state_capture(struct guest_state *g, const struct boot_cpu_args *args)
{
	static const enum vmx_seg order[] = { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };
	u16 sels[SEG_COUNT];

	memset(g, 0, sizeof(*g));
	sels[SEG_ES] = read_es();
	sels[SEG_CS] = read_cs();
	sels[SEG_SS] = read_ss();
	sels[SEG_DS] = read_ds();
	sels[SEG_FS] = read_fs();
	sels[SEG_GS] = read_gs();
	sels[SEG_LDTR] = read_ldtr();
	sels[SEG_TR] = read_tr();
	g->gdtr_base = args->guest_gdtr_base;
	g->gdtr_limit = args->guest_gdtr_limit;
	g->idtr_base = args->guest_idtr_base;
	g->idtr_limit = args->guest_idtr_limit;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		guest_seg_from_gdt(&g->seg[order[i]], sels[order[i]], g->gdtr_base, g->gdtr_limit,
				   false);
	guest_seg_from_gdt(&g->seg[SEG_LDTR], sels[SEG_LDTR], g->gdtr_base, g->gdtr_limit, true);
	guest_seg_from_gdt(&g->seg[SEG_TR], sels[SEG_TR], g->gdtr_base, g->gdtr_limit, true);
	/*
	 * Firmware often runs with no TSS (TR = 0), but VM entry needs a usable busy TSS
	 * (SDM vol.3 27.3.1.2): give it an empty 64-bit one. The type must be busy (11).
	 */
	if (g->seg[SEG_TR].ar & AR_UNUSABLE)
		g->seg[SEG_TR] = (struct seg_state){ sels[SEG_TR] & ~7u, 0x67, 0x8b, 0 };
	else
		g->seg[SEG_TR].ar = (g->seg[SEG_TR].ar & ~0xfu) | 11;
	/* 64-bit FS/GS bases are in MSRs (SDM vol.3 3.4.4). */
	g->seg[SEG_FS].base = rdmsr(MSR_IA32_FS_BASE);
	g->seg[SEG_GS].base = rdmsr(MSR_IA32_GS_BASE);
	g->cr0 = read_cr0();
	g->cr3 = args->guest_cr3;
	g->cr4 = read_cr4();
	g->dr7 = read_dr7();
	g->rsp = args->resume_rsp;
	g->rip = args->resume_rip;
	g->rflags = args->resume_rflags;
	g->efer = rdmsr(MSR_IA32_EFER);
	g->pat = rdmsr(MSR_IA32_PAT);
	g->debugctl = rdmsr(MSR_IA32_DEBUGCTL);
	g->sysenter_cs = rdmsr(MSR_IA32_SYSENTER_CS);
	g->sysenter_esp = rdmsr(MSR_IA32_SYSENTER_ESP);
	g->sysenter_eip = rdmsr(MSR_IA32_SYSENTER_EIP);
	g->activity = ACTIVITY_ACTIVE;
}

void guest_state_store(const struct vcpu *v, struct guest_state *g)
{
	for (int i = 0; i < SEG_COUNT; i++) {
		g->seg[i].sel = (u16)vmread(VMCS_GUEST_ES_SEL + 2 * i);
		g->seg[i].limit = (u32)vmread(VMCS_GUEST_ES_LIMIT + 2 * i);
		g->seg[i].ar = (u32)vmread(VMCS_GUEST_ES_AR + 2 * i);
		g->seg[i].base = vmread(VMCS_GUEST_ES_BASE + 2 * i);
	}
	g->gdtr_base = vmread(VMCS_GUEST_GDTR_BASE);
	g->gdtr_limit = (u32)vmread(VMCS_GUEST_GDTR_LIMIT);
	g->idtr_base = vmread(VMCS_GUEST_IDTR_BASE);
	g->idtr_limit = (u32)vmread(VMCS_GUEST_IDTR_LIMIT);
	g->cr0 = vmcs_guest_cr0(v);
	g->cr3 = vmread(VMCS_GUEST_CR3);
	g->cr4 = vmcs_guest_cr4(v);
	g->dr7 = vmread(VMCS_GUEST_DR7);
	g->rsp = vmread(VMCS_GUEST_RSP);
	g->rip = vmread(VMCS_GUEST_RIP);
	g->rflags = vmread(VMCS_GUEST_RFLAGS);
	g->efer = vmread(VMCS_GUEST_EFER);
	g->pat = vmread(VMCS_GUEST_PAT);
	g->debugctl = vmread(VMCS_GUEST_DEBUGCTL);
	g->sysenter_cs = vmread(VMCS_GUEST_SYSENTER_CS);
	g->sysenter_esp = vmread(VMCS_GUEST_SYSENTER_ESP);
	g->sysenter_eip = vmread(VMCS_GUEST_SYSENTER_EIP);
	g->activity = (u32)vmread(VMCS_GUEST_ACTIVITY_STATE);
}

void guest_state_load(const struct guest_state *g)
{
	for (int i = 0; i < SEG_COUNT; i++) {
		vmwrite(VMCS_GUEST_ES_SEL + 2 * i, g->seg[i].sel);
		vmwrite(VMCS_GUEST_ES_LIMIT + 2 * i, g->seg[i].limit);
		vmwrite(VMCS_GUEST_ES_AR + 2 * i, g->seg[i].ar);
		vmwrite(VMCS_GUEST_ES_BASE + 2 * i, g->seg[i].base);
	}
	vmwrite(VMCS_GUEST_GDTR_BASE, g->gdtr_base);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, g->gdtr_limit);
	vmwrite(VMCS_GUEST_IDTR_BASE, g->idtr_base);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, g->idtr_limit);
	vmwrite(VMCS_GUEST_CR3, g->cr3);
	vmwrite(VMCS_GUEST_DR7, g->dr7);
	vmwrite(VMCS_GUEST_RSP, g->rsp);
	vmwrite(VMCS_GUEST_RIP, g->rip);
	vmwrite(VMCS_GUEST_RFLAGS, g->rflags | RFLAGS_FIXED);
	vmwrite(VMCS_GUEST_EFER, g->efer);
	vmwrite(VMCS_GUEST_PAT, g->pat);
	vmwrite(VMCS_GUEST_DEBUGCTL, g->debugctl);
	vmwrite(VMCS_GUEST_SYSENTER_CS, g->sysenter_cs);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, g->sysenter_esp);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, g->sysenter_eip);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, g->activity);
	vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	vmwrite(VMCS_LINK_POINTER, ~0ULL);
}
