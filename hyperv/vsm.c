/* SPDX-License-Identifier: MIT */
/*
 * The VSM hypercalls (TLFS, reference 1.7 and 3; docs/VSM.md has every status and the
 * order they are checked in): HvCallEnablePartitionVtl, HvCallEnableVpVtl,
 * HvCallStartVirtualProcessor, VtlCall, VtlReturn, HvCallGetVpRegisters and
 * HvCallSetVpRegisters. The VTL state and the switch are vtl/'s; TranslateVirtualAddress
 * is hyperv/translate.c.
 */
#define LOG_MODULE "vsm"
#include "arch/x86/apic.h"
#include "arch/x86/core.h"
#include "arch/x86/dbgcon.h"
#include "arch/x86/guest_state.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vp_vtl_apic.h"
#include "hyperv/hv.h"
#include "hyperv/hypercall.h"
#include "hyperv/intercept.h"
#include "hyperv/stimer.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "vtl/vtl.h"

u16 hv_target_vtl(const struct vcpu *v, const struct vcpu *t, u8 input_vtl, u32 *vtl)
{
	*vtl = (input_vtl & 0x10) ? (input_vtl & 0xfu) : v->active_vtl;
	if (*vtl > v->active_vtl)
		return HV_STATUS_ACCESS_DENIED; /* never a higher VTL's state */
	if (!(vtl_vp_enabled(t) & (1u << *vtl)))
		return HV_STATUS_INVALID_VTL_STATE;
	return HV_STATUS_SUCCESS;
}

/* The VP a call names: HV_VP_INDEX_SELF or an index of the partition; NULL if neither. */
static struct vcpu *target_vp(struct vcpu *v, u32 index)
{
	if (index == HV_VP_INDEX_SELF)
		return v;
	return index < vcpu_count() ? vcpu_get(index) : NULL;
}

/*
 * HvCallEnablePartitionVtl: +0 PartitionId, +8 TargetVtl, +9 Flags (bit 0 EnableMbec),
 * +10 6 bytes reserved. The caller may enable the VTL above its own (TLFS).
 */
u16 hv_enable_partition_vtl(struct vcpu *v, struct hv_args *a)
{
	u32 vtl = a->in[8];
	u8 flags = a->in[9];

	if (in_u64(a->in) != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	/* No MBEC offered (VsmCapabilities.MbecVtlMask = 0): its flag is refused too. */
	if (flags || in_u64(a->in + 8) >> 16)
		return HV_STATUS_INVALID_PARAMETER;
	if (vtl == 0 || vtl > VTL_MAX || vtl <= v->active_vtl)
		return HV_STATUS_INVALID_PARAMETER;
	int r = vtl_enable_partition(vtl);
	if (r == -EEXIST)
		return HV_STATUS_INVALID_VTL_STATE;
	return r ? HV_STATUS_INSUFFICIENT_MEMORY : HV_STATUS_SUCCESS;
}

/* HV_X64_SEGMENT_REGISTER (16 bytes: base, limit, selector, attributes) -> VMCS form. The
 * attributes are the VMX access rights' low 16 bits; not present = unusable (SDM vol.3
 * 25.4.1). */
static void seg_from_hv(struct seg_state *s, const u8 *p)
{
	u16 attr;

	s->base = in_u64(p);
	s->limit = in_u32(p + 8);
	__builtin_memcpy(&s->sel, p + 12, 2);
	__builtin_memcpy(&attr, p + 14, 2);
	s->ar = (attr & 0x80) ? (attr & 0xf0ff) : 0x10000;
}

static bool canonical(u64 va)
{
	return (u64)((s64)(va << 16) >> 16) == va;
}

/* PAT entries: UC, WC, WT, WP, WB, UC- (SDM vol.3 12.12.2). */
static bool pat_ok(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (u8)(pat >> (8 * i));
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* The checks of a protected-mode state for VM entry (SDM vol.3 27.3.1) that a context or
 * a register written from outside must pass; TR made busy, as VM entry wants. */
static bool guest_state_ok(struct guest_state *g)
{
	bool lma = g->efer & EFER_LMA, pg = g->cr0 & CR0_PG;
	const struct seg_state *cs = &g->seg[SEG_CS], *ss = &g->seg[SEG_SS];
	struct seg_state *tr = &g->seg[SEG_TR];
	if (!(g->cr0 & CR0_PE) || (g->cr0 >> 32) || ((g->cr0 & CR0_NW) && !(g->cr0 & CR0_CD)))
		return false;
	if ((g->cr4 & CR4_VMXE) || (g->cr4 & ~(core.caps.cr4_fixed1 | CR4_VMXE)))
		return false;
	if (g->cr3 >> core.caps.phys_addr_bits)
		return false;
	/* EFER: SCE, LME, LMA, NXE only; LMA = LME and paging (SDM vol.3 27.3.1.1). */
	if ((g->efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)) ||
	    lma != ((g->efer & EFER_LME) && pg) || (lma && !(g->cr4 & CR4_PAE)))
		return false;
	/* RFLAGS: bit 1 set; 3, 5, 15, 63:22 clear; no virtual-8086 mode. */
	if (!(g->rflags & 2) ||
	    (g->rflags & (GENMASK(63, 22) | (1u << 3) | (1u << 5) | (1u << 15) | RFLAGS_VM)))
		return false;
	/* CS a present code segment, 64-bit only in IA-32e mode (then D = 0); SS, when
	 * usable, at the same privilege; TR a present TSS (made busy, as VM entry wants). */
	if ((cs->ar & 0x10000) || !(cs->ar & 0x10) || !(cs->ar & 0x8))
		return false;
	if ((cs->ar & (1u << 13)) && (!lma || (cs->ar & (1u << 14))))
		return false;
	if (!(ss->ar & 0x10000) && ((ss->ar >> 5) & 3) != ((cs->ar >> 5) & 3))
		return false;
	if ((tr->ar & 0x10000) || (tr->ar & 0x10) || ((tr->ar & 0xf) != 9 && (tr->ar & 0xf) != 11))
		return false;
	tr->ar = (tr->ar & ~0xfu) | 11;
	if (lma && (!canonical(g->rip) || !canonical(g->gdtr_base) || !canonical(g->idtr_base)))
		return false;
	return pat_ok(g->pat);
}

/*
 * HV_INITIAL_VP_CONTEXT (reference 1.7, 224 bytes) -> guest state, or false when it is not
 * a protected-mode state VM entry would take (docs/VSM.md: real mode is not supported
 * above VTL0; SDM vol.3 27.3.1 for the rest).
 */
static bool context_from_hv(struct guest_state *g, const u8 *c)
{
	static const u8 order[SEG_COUNT] = {
		[SEG_CS] = 0, [SEG_DS] = 1, [SEG_ES] = 2, [SEG_FS] = 3,
		[SEG_GS] = 4, [SEG_SS] = 5, [SEG_TR] = 6, [SEG_LDTR] = 7
	};

	*g = (struct guest_state){ 0 };
	g->rip = in_u64(c);
	g->rsp = in_u64(c + 8);
	g->rflags = in_u64(c + 16);
	for (int i = 0; i < SEG_COUNT; i++)
		seg_from_hv(&g->seg[i], c + 24 + 16 * order[i]);
	g->idtr_limit = (u16)(in_u32(c + 152 + 4) >> 16);
	g->idtr_base = in_u64(c + 152 + 8);
	g->gdtr_limit = (u16)(in_u32(c + 168 + 4) >> 16);
	g->gdtr_base = in_u64(c + 168 + 8);
	g->efer = in_u64(c + 184);
	g->cr0 = in_u64(c + 192);
	g->cr3 = in_u64(c + 200);
	g->cr4 = in_u64(c + 208);
	g->pat = in_u64(c + 216);
	g->dr7 = 0x400; /* the INIT value (SDM vol.3 10.1) */
	return guest_state_ok(g);
}

/*
 * HvCallEnableVpVtl: +0 PartitionId, +8 VpIndex, +12 TargetVtl, +13 3 bytes reserved,
 * +16 HV_INITIAL_VP_CONTEXT.
 */
u16 hv_enable_vp_vtl(struct vcpu *v, struct hv_args *a)
{
	u32 vtl = a->in[12];
	struct guest_state g;

	if (in_u64(a->in) != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (a->in[13] || a->in[14] || a->in[15] || vtl == 0 || vtl > VTL_MAX)
		return HV_STATUS_INVALID_PARAMETER;
	struct vcpu *t = target_vp(v, in_u32(a->in + 8));
	if (!t)
		return HV_STATUS_INVALID_VP_INDEX;
	if (!(vtl_partition_enabled() & (1u << vtl)))
		return HV_STATUS_INVALID_VTL_STATE;
	/* A lower VTL may enable the VTL above it once, on its own VP; the VTL itself then
	 * enables the other VPs (the OpenHCL rule; how Windows boots). */
	if (v->active_vtl < vtl && (t != v || vtl_enabled_on_any_vp(vtl, v)))
		return HV_STATUS_ACCESS_DENIED;
	if (vtl_vp_enabled(t) & (1u << vtl))
		return HV_STATUS_VTL_ALREADY_ENABLED;
	if (!context_from_hv(&g, a->in + 16))
		return HV_STATUS_INVALID_REGISTER_VALUE;
	int r = vtl_enable_vp(t, vtl, &g);
	if (r == -EEXIST)
		return HV_STATUS_VTL_ALREADY_ENABLED;
	return r ? HV_STATUS_INVALID_VTL_STATE : HV_STATUS_SUCCESS;
}

/*
 * HvCallStartVirtualProcessor (reference 1.7; the input of EnableVpVtl): VP VpIndex enters
 * TargetVtl from the context at its next VM entry, its lower VTL left as under an
 * interrupt: into a VTL above 0 that the VP has enabled and never entered, or into VTL0 of
 * a VP parked after an INIT (the way an OS starts an AP whose SIPIs VTL1 makes it drop).
 */
u16 hv_start_virtual_processor(struct vcpu *v, struct hv_args *a)
{
	u32 vtl = a->in[12], index = in_u32(a->in + 8);
	struct guest_state g;

	if (in_u64(a->in) != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (a->in[13] || a->in[14] || a->in[15] || vtl > VTL_MAX)
		return HV_STATUS_INVALID_PARAMETER;
	/* Not itself (it runs), and a VP of the partition (OpenHCL's statuses). */
	if (index == HV_VP_INDEX_SELF || index == v->index || index >= vcpu_count())
		return HV_STATUS_INVALID_VP_INDEX;
	struct vcpu *t = vcpu_get(index);
	if (vtl > v->active_vtl)
		return HV_STATUS_ACCESS_DENIED; /* never into a VTL above the caller's */
	/* VsmPartitionConfig.DenyLowerVtlStartup of a VTL above the caller's. */
	for (u32 h = v->active_vtl + 1; h <= VTL_MAX; h++)
		if (vtl_partition_config(h) &&
		    (*vtl_partition_config(h) & HV_VSM_DENY_LOWER_STARTUP))
			return HV_STATUS_ACCESS_DENIED;
	/* VTL0: only a VP parked after an INIT, waiting for a SIPI (every other VP's VTL0
	 * runs: the firmware started it). A higher VTL: not a parked VP, which serves no
	 * kick (and a SIPI is dropped once it has VTL1: it could never start). */
	bool parked = __atomic_load_n(&t->parked, __ATOMIC_ACQUIRE);
	if (vtl ? !(vtl_vp_enabled(t) & (1u << vtl)) || parked : !parked)
		return HV_STATUS_INVALID_VP_STATE;
	if (!context_from_hv(&g, a->in + 16))
		return HV_STATUS_INVALID_REGISTER_VALUE;
	int r = vtl ? vtl_start_vp(t, vtl, &g) : vcpu_start_parked(t, &g);
	return r ? HV_STATUS_INVALID_VP_STATE : HV_STATUS_SUCCESS;
}

/* The entry into vtl: its VTL control area (reference 3.5) gets the reason and the RAX and
 * RCX the lower VTL had (returned to it by a non-fast VtlReturn). */
static void vtl_entered(struct vcpu *v, u32 vtl, u32 reason, u64 rax, u64 rcx)
{
	struct vtl_vp *s = vtl_vp_state(v, vtl);
	u8 *page = hv_vp_assist_page(v, vtl);

	s->ret_rax = rax;
	s->ret_rcx = rcx;
	if (!page)
		return;
	__builtin_memcpy(page + HV_VP_ASSIST_ENTRY_REASON, &reason, 4);
	out_u64(page + HV_VP_ASSIST_RETURN_RAX, rax);
	out_u64(page + HV_VP_ASSIST_RETURN_RCX, rcx);
}

void hv_vtl_serve_requests(struct vcpu *v)
{
	u64 rax = v->regs.gpr[RAX], rcx = v->regs.gpr[RCX];
	u32 why = VTL_ENTRY_START;
	u32 vtl = vtl_serve_requests(v, &why);

	if (!vtl)
		return;
	/* Entered not by a call: the lower VTL stopped anywhere, so its RAX and RCX go into
	 * VtlReturnX64Rax/Rcx, which a normal VtlReturn gives back (reference 3.4). A start
	 * has no entry reason (a VTL's first entry finds no VP assist page of its own yet);
	 * an interrupt's is 2, and the interrupt is injected before the entry. */
	if (why == VTL_ENTRY_INTERRUPT) {
		vtl_entered(v, vtl, HV_VTL_ENTRY_INTERRUPT, rax, rcx);
		__atomic_store_n(&v->work.irq_posted, 1, __ATOMIC_RELAXED);
	} else if (why == VTL_ENTRY_INTERCEPT) {
		vtl_entered(v, vtl, HV_VTL_ENTRY_INTERCEPT, rax, rcx);
	} else {
		vtl_entered(v, vtl, 0, rax, rcx);
	}
}

static inline __attribute__((always_inline)) int vtl_call(struct vcpu *v, u64 control)
{
	u32 to = v->active_vtl + 1u;
	u64 rax = v->regs.gpr[RAX], rcx = v->regs.gpr[RCX];

	/* Reference 3.4: no control bits besides the code, input 0, the VTL above enabled. */
	if (control != HVCALL_VTL_CALL || rax != 0 || to > VTL_MAX ||
	    !(vtl_vp_enabled(v) & (1u << to)))
		return -1;
	u64 rip = vmread(VMCS_GUEST_RIP);
	vcpu_skip_instr_at(v, rip,
			   vmread(VMCS_EXIT_INSTR_LEN)); /* the caller resumes at the stub's RET */
	if (vtl_switch_fast(v, to)) {
		vmwrite(VMCS_GUEST_RIP, rip);
		return -1;
	}
	vtl_entered(v, to, HV_VTL_ENTRY_VTL_CALL, rax, rcx);
	return 0;
}

static inline __attribute__((always_inline)) int vtl_return(struct vcpu *v, u64 control)
{
	u32 from = v->active_vtl;
	u64 input = v->regs.gpr[RAX];

	/* Reference 3.4: #UD at VTL0, with control bits besides the code, or an input other
	 * than 0 (normal) or 1 (fast). */
	if (from == 0 || control != HVCALL_VTL_RETURN || input > 1)
		return -1;
	struct vtl_vp *s = vtl_vp_state(v, from);
	u64 rip = vmread(VMCS_GUEST_RIP);
	vcpu_skip_instr_at(
		v, rip, vmread(VMCS_EXIT_INSTR_LEN)); /* the next entry resumes after this return */
	if (vtl_switch_fast(v, from - 1)) {
		vmwrite(VMCS_GUEST_RIP, rip);
		return -1;
	}
	/* The VP assist page (VtlReturnX64Rax/Rcx, VINA) only when something needs it: a
	 * fast return with no VINA AutoReset looks at nothing. */
	if (!(input & 1)) {
		const u8 *page = hv_vp_assist_page(v, from);
		v->regs.gpr[RAX] = page ? in_u64(page + HV_VP_ASSIST_RETURN_RAX) : s->ret_rax;
		v->regs.gpr[RCX] = page ? in_u64(page + HV_VP_ASSIST_RETURN_RCX) : s->ret_rcx;
	}
	vtl_tlb_unlock_all(s, from); /* TLFS 3.12 */
	/* Reference 3.10: VINA.AutoReset clears "asserted" for the next time. */
	if (s->vina & HV_VINA_AUTO_RESET) {
		u8 *page = hv_vp_assist_page(v, from);
		s->vina_asserted = 0;
		if (page)
			__atomic_and_fetch(page + HV_VP_ASSIST_VINA_STATUS, (u8)~1u,
					   __ATOMIC_RELAXED);
	}
	/* Reference 3.10: pending interrupts are looked at again after a return; one the
	 * returning VTL's APIC would deliver (it returned with IF = 0) enters it again. */
	if (vp_vtl_apic_requested(v, from) && vp_vtl_apic_deliverable(v, from) >= 0)
		__atomic_or_fetch(&v->work.kick, VCPU_KICK_VTL, __ATOMIC_RELAXED);
	return 0;
}

/* VtlCall or VtlReturn as the control word's code says; #UD where they refuse. Inline in
 * both users: the hot path is then one call from the hypercall exit. */
static inline __attribute__((always_inline)) void vtl_call_or_return(struct vcpu *v, u64 code,
								     u64 control)
{
	if (code == HVCALL_VTL_CALL ? vtl_call(v, control) : vtl_return(v, control))
		vcpu_inject_ud(v);
}

void hv_vtl_switch(struct vcpu *v, u64 control)
{
	vtl_call_or_return(v, control & 0xffff, control);
}

bool __attribute__((noinline)) hv_vtl_fast(struct vcpu *v, u64 control)
{
	if (!(vmread(VMCS_GUEST_EFER) & EFER_LMA) || !(vmread(VMCS_GUEST_CS_AR) & (1u << 13)) ||
	    vcpu_cpl() != 0 || !(hv_privileges() & HV_PRIV_ACCESS_VSM) || dbgcon_timing)
		return false;
	hv_stats[v->index].count[control]++;
	vtl_call_or_return(v, control, control); /* exactly a code: nothing else set */
	return true;
}

/*
 * VINA (reference 3.10): VTL0 has interrupts waiting while v runs a higher VTL that asked
 * (HvRegisterVsmVina.Enabled) to hear of them. Its vector is raised on its own APIC once;
 * the "asserted" latch is VinaStatus in its VTL control area (without a VP assist page,
 * the hypervisor's): cleared by the VTL writing it, or by a return with AutoReset. EOI
 * does not clear it.
 */
void hv_vina_notify(struct vcpu *v)
{
	u32 vtl = v->active_vtl;
	struct vtl_vp *s = vtl_vp_state(v, vtl);

	if (!s || !vtl || !(s->vina & HV_VINA_ENABLED))
		return;
	u8 *page = hv_vp_assist_page(v, vtl);
	if (page ? (__atomic_load_n(page + HV_VP_ASSIST_VINA_STATUS, __ATOMIC_RELAXED) & 1) :
		   s->vina_asserted)
		return;
	if (page)
		__atomic_or_fetch(page + HV_VP_ASSIST_VINA_STATUS, 1, __ATOMIC_RELAXED);
	s->vina_asserted = 1;
	vp_vtl_apic_raise(v, vtl, (u8)s->vina, s->vina & HV_VINA_AUTO_EOI);
}

/* VSM registers (reference 3.3) and the architectural ones Get/SetVpRegisters know so far. */
#define HV_REG_VSM_CODE_PAGE_OFFSETS 0x000d0002u
#define HV_REG_VSM_VP_STATUS 0x000d0003u
#define HV_REG_VSM_PARTITION_STATUS 0x000d0004u
#define HV_REG_VSM_VINA 0x000d0005u
#define HV_REG_VSM_CAPABILITIES 0x000d0006u
#define HV_REG_VSM_PARTITION_CONFIG 0x000d0007u
#define HV_REG_VSM_VP_SECURE_CONFIG_VTL0 0x000d0010u /* + n: VsmVpSecureConfigVtl<n> */
#define HV_REG_VSM_VP_WAIT_FOR_TLB_LOCK 0x000d0020u  /* bit 0 Wait (reference 3.12) */
#define HV_REG_RAX 0x00020000u /* ..0x0002000f: RAX RCX RDX RBX RSP RBP RSI RDI R8-R15 */
#define HV_REG_RIP 0x00020010u
#define HV_REG_RFLAGS 0x00020011u
#define HV_REG_CR0 0x00040000u
#define HV_REG_CR3 0x00040002u
#define HV_REG_CR4 0x00040003u
#define HV_REG_CR8 0x00040004u
#define HV_REG_PENDING_EVENT0 0x00010004u
#define HV_REG_PENDING_EVENT1 0x00010005u /* the second 128 bits of a 256-bit event */
#define HV_REG_APIC_BASE 0x00080003u
#define HV_REG_EFER 0x00080001u
#define HV_REG_KERNEL_GS_BASE 0x00080002u
#define HV_REG_PAT 0x00080004u
#define HV_REG_SYSENTER_CS 0x00080005u /* EIP 0x00080006, ESP 0x00080007 */
#define HV_REG_STAR 0x00080008u	       /* LSTAR 9, CSTAR A, SFMASK B */
#define HV_REG_TSC_AUX 0x0008007bu
#define HV_REG_DR7 0x00050005u
#define HV_REG_ES 0x00060000u /* ..0x00060007: ES CS SS DS FS GS LDTR TR (the VMCS order) */
#define HV_REG_IDTR 0x00070000u
#define HV_REG_GDTR 0x00070001u
#define HV_VSM_CAP_DR6_SHARED (1ULL << 0) /* LSB-first numbering (reference 3.14) */
#define HV_VSM_CAP_INTERCEPT_PAGE (1ULL << 27)
#define HV_VINA_WRITABLE GENMASK(10, 0) /* vector, enabled, auto-reset, auto-EOI */
/* VsmPartitionConfig bits taken here: ZeroMemoryOnReset (5), DenyLowerVtlStartup (6),
 * InterceptPage (12, vsm_prot.c); EnableVtlProtection and DefaultVtlProtectionMask (4:0) in
 * vsm_prot.c. The other intercept bits (7-11) are refused, not ignored. */
#define HV_PARTITION_CONFIG_WRITABLE (GENMASK(6, 5) | HV_PARTITION_CONFIG_INTERCEPT_PAGE)

/* The VMCS field behind an architectural register of the running or a lower VTL; 0 if the
 * name is not one. */
static u32 arch_register_field(u32 name)
{
	switch (name) {
	case HV_REG_RAX + RSP_UNUSED:
		return VMCS_GUEST_RSP;
	case HV_REG_RIP:
		return VMCS_GUEST_RIP;
	case HV_REG_RFLAGS:
		return VMCS_GUEST_RFLAGS;
	case HV_REG_CR0:
		return VMCS_CR0_SHADOW; /* with the guest-owned bits: vmcs_guest_cr0 */
	case HV_REG_CR3:
		return VMCS_GUEST_CR3;
	case HV_REG_CR4:
		return VMCS_CR4_SHADOW;
	case HV_REG_EFER:
		return VMCS_GUEST_EFER;
	case HV_REG_PAT:
		return VMCS_GUEST_PAT;
	case HV_REG_SYSENTER_CS:
		return VMCS_GUEST_SYSENTER_CS;
	case HV_REG_SYSENTER_CS + 1:
		return VMCS_GUEST_SYSENTER_EIP;
	case HV_REG_SYSENTER_CS + 2:
		return VMCS_GUEST_SYSENTER_ESP;
	case HV_REG_DR7:
		return VMCS_GUEST_DR7;
	default:
		return 0;
	}
}

/* The private MSRs of v at vtl (vp_vtl_msrs): the running VTL's are also in the CPU (a
 * read of KERNEL_GS_BASE brings its copy up to date), another VTL's are where its last
 * switch left them. NULL for a name that is not one of them; *msr the MSR. */
static u64 *private_msr(struct vcpu *v, u32 vtl, u32 name, u32 *msr)
{
	struct vp_private_msrs *m = vp_vtl_msrs(v, vtl);

	switch (name) {
	case HV_REG_KERNEL_GS_BASE:
		*msr = MSR_IA32_KERNEL_GS_BASE;
		if (vtl == v->active_vtl)
			m->kernel_gs_base = rdmsr(MSR_IA32_KERNEL_GS_BASE); /* SWAPGS moves it */
		break;
	case HV_REG_STAR:
	case HV_REG_STAR + 1:
	case HV_REG_STAR + 2:
	case HV_REG_STAR + 3:
		*msr = MSR_IA32_STAR + (name - HV_REG_STAR); /* STAR LSTAR CSTAR FMASK */
		break;
	case HV_REG_TSC_AUX:
		if (!(core.proc2 & PROC2_RDTSCP))
			return NULL;
		*msr = MSR_IA32_TSC_AUX;
		break;
	default:
		return NULL;
	}
	return vp_private_msr(m, *msr);
}

/* A segment or descriptor-table register of the current VMCS as HV_X64_SEGMENT_REGISTER
 * (base; limit, selector, attributes) or HV_X64_TABLE_REGISTER (3 pads, limit; base). */
static bool segment_register(u32 name, u64 val[2])
{
	if (name >= HV_REG_ES && name < HV_REG_ES + SEG_COUNT) {
		u32 i = name - HV_REG_ES, ar = (u32)vmread(VMCS_GUEST_ES_AR + 2 * i);
		u64 attr = (ar & 0x10000) ? (ar & 0xf07f) : (ar & 0xf0ff); /* unusable: not P */
		val[0] = vmread(VMCS_GUEST_ES_BASE + 2 * i);
		val[1] = (u32)vmread(VMCS_GUEST_ES_LIMIT + 2 * i) |
			 (u64)(u16)vmread(VMCS_GUEST_ES_SEL + 2 * i) << 32 | attr << 48;
		return true;
	}
	if (name == HV_REG_IDTR || name == HV_REG_GDTR) {
		bool idt = name == HV_REG_IDTR;
		val[0] = (u64)(u16)vmread(idt ? VMCS_GUEST_IDTR_LIMIT : VMCS_GUEST_GDTR_LIMIT)
			 << 48;
		val[1] = vmread(idt ? VMCS_GUEST_IDTR_BASE : VMCS_GUEST_GDTR_BASE);
		return true;
	}
	return false;
}

/* CR8 (the TPR's class) and APIC_BASE of v's APIC at vtl: VTL0's is the physical one, a
 * higher VTL's its own (arch/x86/vp_vtl_apic.h). -1 if the APIC is off. */
static int apic_register_get(struct vcpu *v, u32 vtl, u32 name, u64 *val)
{
	const struct vlapic *l = vp_vtl_apic(v, vtl);
	u32 tpr;

	if (name == HV_REG_APIC_BASE) {
		*val = l ? l->base : rdmsr(MSR_IA32_APIC_BASE);
		return 0;
	}
	if (!l && apic_read_tpr(&tpr))
		return -1;
	*val = ((l ? l->tpr : tpr) >> 4) & 0xf;
	return 0;
}

/* The same, written: CR8 bits 63:4 are reserved (SDM vol.3 11.8.6); VTL0's APIC_BASE is
 * the CPU's and not another VTL's to move or switch, a higher VTL's follows its MSR's
 * rules. -1 for what is refused. */
static int apic_register_set(struct vcpu *v, u32 vtl, u32 name, u64 val)
{
	struct vlapic *l = vp_vtl_apic(v, vtl);

	if (name == HV_REG_APIC_BASE)
		return l ? vlapic_set_base(l, val, core.caps.phys_addr_bits) : -1;
	if (val > 0xf)
		return -1;
	return l ? vp_vtl_apic_cr8_write(v, vtl, val) : apic_write_tpr((u8)(val << 4));
}

static bool is_shared_gpr(u32 name)
{
	return name >= HV_REG_RAX && name < HV_REG_RAX + GPR_COUNT &&
	       name != HV_REG_RAX + RSP_UNUSED;
}

/* HV_X64_PENDING_EXCEPTION_EVENT (PendingEvent0, 128 bits): EventPending (0), EventType
 * (3:1, 0 = exception), DeliverErrorCode (8), Vector (31:16), ErrorCode (63:32);
 * ExceptionParameter in the upper half (#PF: the CR2 to deliver). */
#define PENDING_EVENT_RSVD (GENMASK(15, 9) | GENMASK(7, 4))

/* The exceptions an event may inject as hardware exceptions (SDM vol.3 6.15): not NMI
 * (2), not #BP/#OF (3, 4: software exceptions), not the reserved vectors. */
static bool event_vector_ok(u32 vector)
{
	return vector < 32 && ((0x703f7de3u >> vector) & 1);
}

/* Vectors that push an error code (SDM vol.3 6.13): VM entry wants the deliver bit for
 * exactly these in protected mode (SDM vol.3 27.2.1.3). */
static bool event_has_error_code(u32 vector)
{
	return (0x60227d00u >> vector) & 1;
}

/*
 * PendingEvent0 of v at vtl: an exception the VTL takes at its next entry (how a higher
 * VTL reflects a fault into a lower one). Refused: other event types, reserved bits, a
 * vector or error-code bit VM entry would reject, a parameter except #PF's CR2, a real-
 * mode target with an error code, and a VTL that has an event to take already (one
 * event per entry). CR2 is shared (reference 3.7): a #PF's is written at once.
 */
static u16 pending_event_set(struct vcpu *v, u32 vtl, const u64 val[2])
{
	u64 e = val[0];
	u32 vector = (e >> 16) & 0xffff;
	bool has_err = (e >> 8) & 1;

	if (!(e & 1))
		return (e || val[1]) ? HV_STATUS_INVALID_PARAMETER : HV_STATUS_SUCCESS;
	if ((e & PENDING_EVENT_RSVD) || ((e >> 1) & 7) || !event_vector_ok(vector) ||
	    has_err != event_has_error_code(vector) || (vector != 14 && val[1]))
		return HV_STATUS_INVALID_PARAMETER;
	if (vtl_vmcs_peek(v, vtl, true))
		return HV_STATUS_INVALID_PARAMETER;
	u16 st = HV_STATUS_SUCCESS;
	if (vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID)
		st = HV_STATUS_INVALID_VP_STATE;
	else if (has_err && !(vmcs_guest_cr0(v) & CR0_PE))
		st = HV_STATUS_INVALID_PARAMETER;
	if (!st) {
		vcpu_inject_exception(v, (u8)vector, has_err, (u32)(e >> 32));
		vcpu_end_hlt();
		if (vector == 14)
			write_cr2(val[1]);
	}
	vtl_vmcs_peek(v, vtl, false);
	return st;
}

/* PendingEvent0 as the VTL's VMCS holds it: a hardware exception it is to take, or 0. */
static u16 pending_event_get(struct vcpu *v, u32 vtl, u64 val[2])
{
	if (vtl_vmcs_peek(v, vtl, true))
		return HV_STATUS_INVALID_PARAMETER;
	u32 info = (u32)vmread(VMCS_ENTRY_INTR_INFO);
	val[0] = val[1] = 0;
	if ((info & INTR_INFO_VALID) && (info & (7u << 8)) == INTR_TYPE_HW_EXCEPTION) {
		val[0] = 1 | (u64)(info & 0xff) << 16;
		if (info & INTR_INFO_DELIVER_ERRCODE)
			val[0] |= 1ULL << 8 | vmread(VMCS_ENTRY_EXCEPTION_ERRCODE) << 32;
		if ((info & 0xff) == 14)
			val[1] = read_cr2();
	}
	vtl_vmcs_peek(v, vtl, false);
	return HV_STATUS_SUCCESS;
}

/* A register of VP t at vtl, read by v: SUCCESS, or INVALID_PARAMETER for a name it does
 * not know. The architectural ones only for v itself (a VMCS is current only on its CPU):
 * another VP's are ACCESS_DENIED, as OpenHCL answers (docs/DECISIONS.md). */
static u16 vp_register_get(struct vcpu *v, struct vcpu *t, u32 vtl, u32 name, u64 val[2])
{
	val[1] = 0;
	switch (name) {
	case HV_REG_VSM_CODE_PAGE_OFFSETS:
		*val = HV_VTL_CALL_OFFSET | (u64)HV_VTL_RETURN_OFFSET << 12;
		return HV_STATUS_SUCCESS;
	case HV_REG_VSM_VP_STATUS:
		*val = (__atomic_load_n(&t->active_vtl, __ATOMIC_RELAXED) & 0xf) |
		       (u64)vtl_vp_enabled(t) << 16;
		return HV_STATUS_SUCCESS;
	case HV_REG_VSM_PARTITION_STATUS:
		*val = vtl_partition_enabled() | (u64)VTL_MAX << 16;
		return HV_STATUS_SUCCESS;
	case HV_REG_VSM_CAPABILITIES:
		/* DR6 is never switched; intercepts can go to the VP assist page. */
		*val = HV_VSM_CAP_DR6_SHARED | HV_VSM_CAP_INTERCEPT_PAGE;
		return HV_STATUS_SUCCESS;
	case HV_REG_VSM_VINA:
		*val = vtl_vp_state(t, vtl)->vina;
		return HV_STATUS_SUCCESS;
	case HV_REG_VSM_VP_WAIT_FOR_TLB_LOCK:
		*val = 0; /* the wait is the write itself: nothing stays set */
		return HV_STATUS_SUCCESS;
	case HV_REG_VSM_PARTITION_CONFIG:
		if (!vtl_partition_config(vtl))
			return HV_STATUS_INVALID_PARAMETER; /* VTL0 has none */
		*val = *vtl_partition_config(vtl);
		return HV_STATUS_SUCCESS;
	}
	if (name >= HV_REG_VSM_VP_SECURE_CONFIG_VTL0 &&
	    name - HV_REG_VSM_VP_SECURE_CONFIG_VTL0 < vtl) {
		*val = vtl_vp_state(t, vtl)->secure_config[name - HV_REG_VSM_VP_SECURE_CONFIG_VTL0];
		return HV_STATUS_SUCCESS;
	}
	if (hv_intercept_register(name))
		return hv_intercept_register_get(v, t, vtl, name, val);
	if (t != v)
		return HV_STATUS_ACCESS_DENIED;
	if (is_shared_gpr(name)) {
		*val = v->regs.gpr[name - HV_REG_RAX]; /* shared by every VTL */
		return HV_STATUS_SUCCESS;
	}
	if (name == HV_REG_CR8 || name == HV_REG_APIC_BASE)
		return apic_register_get(v, vtl, name, val) ? HV_STATUS_INVALID_PARAMETER :
							      HV_STATUS_SUCCESS;
	if (name == HV_REG_PENDING_EVENT0)
		return pending_event_get(v, vtl, val);
	if (name == HV_REG_PENDING_EVENT1) {
		*val = 0; /* no event PendingEvent0 holds has a second half */
		return HV_STATUS_SUCCESS;
	}
	u32 msr;
	u64 *m = private_msr(v, vtl, name, &msr);
	if (m) {
		*val = *m;
		return HV_STATUS_SUCCESS;
	}
	u32 field = arch_register_field(name);
	bool seg = !field && ((name >= HV_REG_ES && name < HV_REG_ES + SEG_COUNT) ||
			      name == HV_REG_IDTR || name == HV_REG_GDTR);
	if ((!field && !seg) || vtl_vmcs_peek(v, vtl, true))
		return HV_STATUS_INVALID_PARAMETER;
	if (seg)
		segment_register(name, val);
	else
		*val = field == VMCS_CR0_SHADOW ? vmcs_guest_cr0(v) :
		       field == VMCS_CR4_SHADOW ? vmcs_guest_cr4(v) :
						  vmread(field);
	vtl_vmcs_peek(v, vtl, false);
	return HV_STATUS_SUCCESS;
}

/* Is name CR0, CR4, EFER, a segment register or a descriptor-table register? */
static bool is_state_register(u32 name)
{
	return name == HV_REG_CR0 || name == HV_REG_CR4 || name == HV_REG_EFER ||
	       (name >= HV_REG_ES && name < HV_REG_ES + SEG_COUNT) || name == HV_REG_IDTR ||
	       name == HV_REG_GDTR;
}

/*
 * CR0, CR4, EFER, a segment or a descriptor-table register of v at vtl, written as the
 * VTL's own instructions would (EFER.LMA follows LME and CR0.PG, SDM vol.3 9.8.5), when
 * the result is a protected-mode state VM entry takes (the rules of EnableVpVtl's
 * context); anything else is INVALID_PARAMETER and changes nothing. val: the 128-bit
 * HV_REGISTER_VALUE (a segment: base; limit, selector, attributes; a table: limit in
 * 63:48; base).
 */
static u16 state_register_set(struct vcpu *v, u32 vtl, u32 name, const u64 val[2])
{
	struct guest_state g;

	if (vtl_vmcs_peek(v, vtl, true))
		return HV_STATUS_INVALID_PARAMETER;
	guest_state_store(v, &g);
	u64 cr0 = g.cr0, cr4 = g.cr4, efer = g.efer;
	if (name == HV_REG_CR0) {
		g.cr0 = val[0];
	} else if (name == HV_REG_CR4) {
		g.cr4 = val[0];
	} else if (name == HV_REG_EFER) {
		g.efer = val[0];
	} else if (name == HV_REG_IDTR || name == HV_REG_GDTR) {
		bool idt = name == HV_REG_IDTR;
		*(idt ? &g.idtr_limit : &g.gdtr_limit) = (u32)(val[0] >> 48);
		*(idt ? &g.idtr_base : &g.gdtr_base) = val[1];
	} else {
		u8 hv[16];
		out_u64(hv, val[0]);
		out_u64(hv + 8, val[1]);
		seg_from_hv(&g.seg[name - HV_REG_ES], hv);
	}
	bool lma = (g.efer & EFER_LME) && (g.cr0 & CR0_PG);
	g.efer = (g.efer & ~EFER_LMA) | (lma ? EFER_LMA : 0);
	bool ok = (name != HV_REG_CR0 || !(val[0] >> 32)) && guest_state_ok(&g);
	if (ok) {
		/* Only what this register moves: interruptibility, pending events and the
		 * activity state stay as they are. */
		for (int i = 0; i < SEG_COUNT; i++) {
			vmwrite(VMCS_GUEST_ES_SEL + 2 * i, g.seg[i].sel);
			vmwrite(VMCS_GUEST_ES_LIMIT + 2 * i, g.seg[i].limit);
			vmwrite(VMCS_GUEST_ES_AR + 2 * i, g.seg[i].ar);
			vmwrite(VMCS_GUEST_ES_BASE + 2 * i, g.seg[i].base);
		}
		vmwrite(VMCS_GUEST_GDTR_BASE, g.gdtr_base);
		vmwrite(VMCS_GUEST_GDTR_LIMIT, g.gdtr_limit);
		vmwrite(VMCS_GUEST_IDTR_BASE, g.idtr_base);
		vmwrite(VMCS_GUEST_IDTR_LIMIT, g.idtr_limit);
		vmwrite(VMCS_GUEST_EFER, g.efer);
		v->entry_ctls = (v->entry_ctls & ~ENTRY_IA32E_GUEST) |
				(lma ? ENTRY_IA32E_GUEST : 0);
		vmwrite(VMCS_ENTRY_CTLS, v->entry_ctls);
		vmcs_set_guest_cr0(v, g.cr0);
		vmcs_set_guest_cr4(v, g.cr4);
		if ((g.cr0 & CR0_PG) && (g.cr4 & CR4_PAE) && !lma)
			vmcs_load_pdptes(g.cr3);
		/* A paging-mode change drops the VTL's translations (SDM vol.3 4.10.4.1). */
		if (((cr0 ^ g.cr0) & (CR0_PG | CR0_PE | CR0_WP)) || cr4 != g.cr4 || efer != g.efer)
			vp_vtl_flush_current();
	}
	vtl_vmcs_peek(v, vtl, false);
	return ok ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_PARAMETER;
}

/*
 * A VTL writing one of its own registers that a higher VTL locks (TLFS secure register
 * intercepts, hyperv/intercept.h): the same write by an instruction would be intercepted,
 * and the hypercall must not be a way around the lock. True when locked.
 */
static bool own_register_locked(struct vcpu *v, u32 name, u64 val)
{
	struct vcpu_reg_write w = { .reg = VCPU_REG_MSR, .val = val };

	switch (name) {
	case HV_REG_CR0:
		w.reg = VCPU_REG_CR0;
		w.old = vmcs_guest_cr0(v);
		break;
	case HV_REG_CR4:
		w.reg = VCPU_REG_CR4;
		w.old = vmcs_guest_cr4(v);
		break;
	case HV_REG_GDTR:
		w.reg = VCPU_REG_GDTR;
		break;
	case HV_REG_IDTR:
		w.reg = VCPU_REG_IDTR;
		break;
	case HV_REG_ES + SEG_LDTR:
		w.reg = VCPU_REG_LDTR;
		break;
	case HV_REG_ES + SEG_TR:
		w.reg = VCPU_REG_TR;
		break;
	case HV_REG_EFER:
		w.msr = MSR_IA32_EFER;
		break;
	case HV_REG_APIC_BASE:
		w.msr = MSR_IA32_APIC_BASE;
		break;
	case HV_REG_SYSENTER_CS:
		w.msr = MSR_IA32_SYSENTER_CS;
		break;
	case HV_REG_SYSENTER_CS + 1:
		w.msr = MSR_IA32_SYSENTER_EIP;
		break;
	case HV_REG_SYSENTER_CS + 2:
		w.msr = MSR_IA32_SYSENTER_ESP;
		break;
	case HV_REG_STAR:
	case HV_REG_STAR + 1:
	case HV_REG_STAR + 2:
	case HV_REG_STAR + 3:
		w.msr = MSR_IA32_STAR + (name - HV_REG_STAR); /* STAR LSTAR CSTAR FMASK */
		break;
	case HV_REG_TSC_AUX:
		w.msr = MSR_IA32_TSC_AUX;
		break;
	default:
		return false;
	}
	return hv_reg_write_locked(v, &w);
}

/*
 * Writes a register of t at vtl for v (reference 1.7: no side effects; read-only ones and
 * reserved bits refused with INVALID_PARAMETER). Architectural registers: v's own only
 * (another VP's: ACCESS_DENIED, as for a read); a VTL's own that a higher VTL locks:
 * ACCESS_DENIED.
 */
static u16 vp_register_set(struct vcpu *v, struct vcpu *t, u32 vtl, u32 name, const u64 v2[2])
{
	u64 val = v2[0];

	/* Every register but the segment and table ones is 64 bits: the upper half is 0. */
	bool wide = (name >= HV_REG_ES && name < HV_REG_ES + SEG_COUNT) || name == HV_REG_IDTR ||
		    name == HV_REG_GDTR || name == HV_REG_PENDING_EVENT0 ||
		    name == HV_REG_PENDING_EVENT1;
	if (v2[1] && !wide)
		return HV_STATUS_INVALID_PARAMETER;
	if (name == HV_REG_VSM_VINA) {
		struct vtl_vp *s = vtl_vp_state(t, vtl);
		s->vina = (val & HV_VINA_WRITABLE) | (s->vina & ~HV_VINA_WRITABLE); /* RsvdP */
		return HV_STATUS_SUCCESS;
	}
	if (name == HV_REG_VSM_VP_WAIT_FOR_TLB_LOCK) {
		/* Reference 3.12: a VTL waits until no higher VTL holds its VP's TLB locked.
		 * Its own VP and VTL only; the call does not complete while a lock is held (the
		 * VMCALL runs again from this element, as a flush that meets a lock does). */
		if (t != v || vtl != v->active_vtl || (val & ~1ULL))
			return HV_STATUS_INVALID_PARAMETER;
		return ((val & 1) && vtl_tlb_locked(v, vtl)) ? HV_CALL_CONTINUE : HV_STATUS_SUCCESS;
	}
	if (name == HV_REG_VSM_PARTITION_CONFIG)
		return hv_partition_config_set(v, vtl, val, HV_PARTITION_CONFIG_WRITABLE);
	if (name >= HV_REG_VSM_VP_SECURE_CONFIG_VTL0 &&
	    name - HV_REG_VSM_VP_SECURE_CONFIG_VTL0 < vtl) {
		/* TlbLocked only: MbecEnabled without MBEC is refused, as the bits after it. */
		if (val & ~VTL_SECURE_CONFIG_TLB_LOCKED)
			return HV_STATUS_INVALID_PARAMETER;
		vtl_secure_config_set(vtl_vp_state(t, vtl), name - HV_REG_VSM_VP_SECURE_CONFIG_VTL0,
				      val);
		return HV_STATUS_SUCCESS;
	}
	if (hv_intercept_register(name))
		return hv_intercept_register_set(v, t, vtl, name, val);
	if (t != v)
		return HV_STATUS_ACCESS_DENIED; /* as for a read */
	if (vtl == v->active_vtl && own_register_locked(v, name, val))
		return HV_STATUS_ACCESS_DENIED;
	if (is_shared_gpr(name)) {
		v->regs.gpr[name - HV_REG_RAX] = val;
		return HV_STATUS_SUCCESS;
	}
	if (name == HV_REG_CR8 || name == HV_REG_APIC_BASE)
		return apic_register_set(v, vtl, name, val) ? HV_STATUS_INVALID_PARAMETER :
							      HV_STATUS_SUCCESS;
	if (is_state_register(name))
		return state_register_set(v, vtl, name, v2);
	if (name == HV_REG_PENDING_EVENT0)
		return pending_event_set(v, vtl, v2);
	/* Every event type PendingEvent0 takes (exceptions) fits in its 128 bits: the second
	 * half is 0, and writing 0 is accepted (hypervisors write both halves together). */
	if (name == HV_REG_PENDING_EVENT1)
		return (v2[0] || v2[1]) ? HV_STATUS_INVALID_PARAMETER : HV_STATUS_SUCCESS;
	u32 msr;
	u64 *m = private_msr(v, vtl, name, &msr);
	if (m) {
		/* What WRMSR would refuse (SDM vol.4): a non-canonical address, the reserved
		 * upper halves of SFMASK and TSC_AUX. */
		if (((msr == MSR_IA32_KERNEL_GS_BASE || msr == MSR_IA32_LSTAR ||
		      msr == MSR_IA32_CSTAR) &&
		     !canonical(val)) ||
		    ((msr == MSR_IA32_FMASK || msr == MSR_IA32_TSC_AUX) && (val >> 32)))
			return HV_STATUS_INVALID_PARAMETER;
		*m = val;
		if (vtl == v->active_vtl)
			wrmsr(msr, val); /* the running VTL's: in the CPU now */
		return HV_STATUS_SUCCESS;
	}
	u32 field = arch_register_field(name);
	switch (field) {
	case VMCS_GUEST_RSP:
	case VMCS_GUEST_RIP:
		break;
	case VMCS_GUEST_SYSENTER_EIP:
	case VMCS_GUEST_SYSENTER_ESP:
		if (!canonical(val))
			return HV_STATUS_INVALID_PARAMETER;
		break;
	case VMCS_GUEST_SYSENTER_CS:
	case VMCS_GUEST_DR7: /* bits 63:32 reserved (SDM vol.3 18.2.4) */
		if (val >> 32)
			return HV_STATUS_INVALID_PARAMETER;
		break;
	case VMCS_GUEST_PAT:
		if (!pat_ok(val))
			return HV_STATUS_INVALID_PARAMETER;
		break;
	case VMCS_GUEST_RFLAGS: /* bit 1 set; 3, 5, 15, 63:22 clear (SDM vol.1 3.4.3) */
		if (!(val & 2) || (val & (GENMASK(63, 22) | (1u << 3) | (1u << 5) | (1u << 15))))
			return HV_STATUS_INVALID_PARAMETER;
		break;
	case VMCS_GUEST_CR3:
		if (val >> core.caps.phys_addr_bits)
			return HV_STATUS_INVALID_PARAMETER;
		break;
	default:
		return HV_STATUS_INVALID_PARAMETER;
	}
	if (vtl_vmcs_peek(v, vtl, true))
		return HV_STATUS_INVALID_PARAMETER;
	vmwrite(field, val);
	vtl_vmcs_peek(v, vtl, false);
	return HV_STATUS_SUCCESS;
}

/*
 * The header of Get/SetVpRegisters (reference 1.7): +0 PartitionId, +8 VpIndex, +12
 * HV_INPUT_VTL, +13 3 bytes reserved. The target VP and VTL, or a status.
 */
static u16 vp_registers_target(struct vcpu *v, const u8 *in, struct vcpu **t, u32 *vtl)
{
	u8 ivtl = in[12];

	if (in_u64(in) != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	if ((ivtl & 0xe0) || in[13] || in[14] || in[15])
		return HV_STATUS_INVALID_PARAMETER;
	*t = target_vp(v, in_u32(in + 8));
	if (!*t)
		return HV_STATUS_INVALID_VP_INDEX;
	return hv_target_vtl(v, *t, ivtl, vtl);
}

/* One element of a Get/SetVpRegisters list, for VP t at vtl: 0 or the status that stops
 * the list there. */
typedef u16 (*vp_register_elem_fn)(struct vcpu *v, struct vcpu *t, u32 vtl, struct hv_args *a,
				   u32 r);

/* The header, then the elements from the rep start on, each counted when it succeeds (the
 * TLFS rep rules, reference 1.3); continued when out of time. */
static u16 vp_registers_rep(struct vcpu *v, struct hv_args *a, vp_register_elem_fn elem)
{
	struct vcpu *t;
	u32 vtl;
	u16 st = vp_registers_target(v, a->in, &t, &vtl);

	for (u32 r = a->c.rep_start; !st && r < a->c.rep_count; r++) {
		if (r > a->c.rep_start && hv_out_of_time(a))
			return HV_CALL_CONTINUE;
		st = elem(v, t, vtl, a, r);
		if (!st)
			a->reps_done = (u16)(r + 1);
	}
	return st;
}

/* GetVpRegisters: a 4-byte name in, a 16-byte value out. */
static u16 get_elem(struct vcpu *v, struct vcpu *t, u32 vtl, struct hv_args *a, u32 r)
{
	u64 val[2];
	u16 st = vp_register_get(v, t, vtl, in_u32(a->in + 16 + 4 * r), val);

	if (!st) {
		out_u64(a->out + 16 * r, val[0]);
		out_u64(a->out + 16 * r + 8, val[1]);
	}
	return st;
}

/* SetVpRegisters: 32 bytes in (name, 12 bytes reserved, a 16-byte value). */
static u16 set_elem(struct vcpu *v, struct vcpu *t, u32 vtl, struct hv_args *a, u32 r)
{
	const u8 *e = a->in + 16 + 32 * r;

	const u64 val[2] = { in_u64(e + 16), in_u64(e + 24) };

	if (in_u32(e + 4) || in_u64(e + 8)) /* the reserved bytes */
		return HV_STATUS_INVALID_PARAMETER;
	return vp_register_set(v, t, vtl, in_u32(e), val);
}

u16 hv_get_vp_registers(struct vcpu *v, struct hv_args *a)
{
	return vp_registers_rep(v, a, get_elem);
}

u16 hv_set_vp_registers(struct vcpu *v, struct hv_args *a)
{
	return vp_registers_rep(v, a, set_elem);
}
