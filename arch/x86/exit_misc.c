/* SPDX-License-Identifier: MIT */
/* The small exits: XSETBV, INVD/WBINVD, VMX instructions, triple fault, EPT. */
#define LOG_MODULE "exit"
#include "arch/x86/vmcs.h"
#include "arch/x86/apic.h"
#include "arch/x86/vp_vtl_apic.h"
#include "arch/x86/core.h"
#include "arch/x86/ept.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmexit.h"
#include "lib/log.h"
#include "lib/printf.h"

/* XSETBV exits unconditionally (SDM vol.3 26.1.2); checks from SDM vol.2 XSETBV. */
int exit_xsetbv(struct vcpu *v)
{
	u32 idx = (u32)v->regs.gpr[RCX], a, b, c, d;
	u64 val = (v->regs.gpr[RDX] << 32) | (u32)v->regs.gpr[RAX];

	/* SDM vol.2 XSETBV: #UD if CR4.OSXSAVE = 0. The CPU checks it before the exit; the
	 * guest owns the bit (it is not in cr4_mask), so the real CR4 is what it set. */
	if (!(vmcs_guest_cr4(v) & CR4_OSXSAVE)) {
		vcpu_inject_ud(v);
		return EXIT_RESUME;
	}
	/* A higher VTL that locks XCR0 sees the attempt first (TLFS 3.9.3 XCr0Write). */
	const struct vcpu_reg_write w = { .reg = VCPU_REG_XCR0, .val = val };
	if (idx == 0 && vcpu_reg_write_intercepted(v, &w))
		return EXIT_RESUME;
	cpuid_count(0xd, 0, &a, &b, &c, &d);
	u64 supported = ((u64)d << 32) | a;
	if (idx != 0 || !(val & 1) || (val & ~supported) ||
	    ((val & 4) && !(val & 2)) ||		/* AVX needs SSE */
	    ((val & 0xe0) && (val & 0xe0) != 0xe0) ||	/* AVX-512: all three or none */
	    ((val & 0xe0) && !(val & 4)) ||		/* AVX-512 needs AVX */
	    (((val >> 3) & 1) != ((val >> 4) & 1)) ||	/* MPX: both or none */
	    (((val >> 17) & 1) != ((val >> 18) & 1))) { /* AMX tiles: both or none */
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	/* XCR0 is shared state: the host never uses extended state. */
	xsetbv(0, val);
	vcpu_skip_instr(v);
	return EXIT_RESUME;
}

/* INVD would throw away dirty lines the hypervisor owns too: do WBINVD instead. */
int exit_invd(struct vcpu *v)
{
	wbinvd();
	vcpu_skip_instr(v);
	return EXIT_RESUME;
}

/* VMX is not offered to guests: its instructions #UD as without VMX (SDM vol.2 ch.31). */
int exit_vmx_insn(struct vcpu *v)
{
	vcpu_inject_ud(v);
	return EXIT_RESUME;
}

int exit_triple_fault(struct vcpu *v)
{
	pr_err("VP %u: the guest triple-faulted (shutdown): it is stopped; a real machine "
	       "would reset here\n",
	       v->index);
	return EXIT_STOP;
}

int (*vcpu_gpa_intercept_hook)(struct vcpu *v, u64 gpa, u64 gva, u64 qual, u8 memtype);

bool vcpu_gpa_intercept(struct vcpu *v, u64 gpa, u64 gva, u64 qual)
{
	u8 memtype = 0;

	return !v->active_vtl && vcpu_gpa_intercept_hook && ept_prot_enabled() &&
	       ept_prot_fault(gpa, qual & 7, &memtype) == EPT_FAULT_PROTECTED &&
	       vcpu_gpa_intercept_hook(v, gpa, gva, qual, memtype) == EXIT_RESUME;
}

/*
 * A VM exit during event delivery (SDM vol.3 28.2.4: the IDT-vectoring information is
 * valid) leaves the event undelivered and already taken from its source: an external
 * interrupt acknowledged at the APIC (in service, its EOI owed by a handler that has not
 * run), an NMI consumed. A VP that resumes at its instruction gets it injected again at
 * the next entry (SDM vol.3 27.6.1), with its error code and, for a software event, the
 * instruction length the exit gives for it (SDM vol.3 28.2.5); it faults again if the
 * cause is still there. The other injections wait for it (vcpu_can_take_interrupt).
 */
static void reinject_vectored_event(void)
{
	u32 idt = (u32)vmread(VMCS_IDT_VECTORING_INFO), type = idt & (7u << 8);

	if (!(idt & INTR_INFO_VALID))
		return;
	if (idt & INTR_INFO_DELIVER_ERRCODE)
		vmwrite(VMCS_ENTRY_EXCEPTION_ERRCODE, vmread(VMCS_IDT_VECTORING_ERRCODE));
	if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
	    type == INTR_TYPE_SW_EXCEPTION)
		vmwrite(VMCS_ENTRY_INSTR_LEN, vmread(VMCS_EXIT_INSTR_LEN));
	/* Bit 12 is undefined in the IDT-vectoring field, reserved in the entry field. */
	vmwrite(VMCS_ENTRY_INTR_INFO, idt & (INTR_INFO_VALID | INTR_INFO_DELIVER_ERRCODE | 0x7ffu));
}

/*
 * The root partition's EPT maps every guest-physical address (the pool onto one scratch
 * page) with full access except the xAPIC page, which is read-only so that ICR writes can
 * be watched (arch/x86/apic.c), overlays (writes refused), and the pages VTL1 protects
 * (their violations are its secure intercepts). Any other violation means a bug or a guest
 * reaching for what it must not: stop the VP.
 */
int exit_ept_violation(struct vcpu *v)
{
	u64 qual = vmx_exit_qual();
	u64 gpa = vmread(VMCS_GUEST_PHYS_ADDR), gva;

	/* SDM vol.3 28.2.1 table 28-7: bit 1 = the access was a data write. */
	if (apic_mmio_gpa && (gpa & ~0xfffULL) == apic_mmio_gpa) {
		if (v->active_vtl) /* its own APIC (vp_vtl_apic.h) */
			return vp_vtl_apic_mmio_exit(v, gpa);
		if (qual & 2)
			return apic_mmio_write_exit(v, gpa);
	}
	/* Overlay pages (the hypercall page) are read/execute only: TLFS "the hypercall page
	 * ... is an overlay"; a write is refused with #GP rather than stopping the VP. */
	if ((qual & 2) && ept_is_overlay(v->active_vtl, gpa)) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	/* VTL protections (issue 5): VTL1 forbids it (a secure intercept), or it is allowed by
	 * now and the CPU still had the old translation. */
	u8 memtype = 0;
	switch (v->active_vtl == 0 && ept_prot_enabled() ? ept_prot_fault(gpa, qual, &memtype) :
							   EPT_FAULT_OTHER) {
	case EPT_FAULT_SPURIOUS:
		ept_flush_local(0);
		reinject_vectored_event();
		return EXIT_RESUME;
	case EPT_FAULT_PROTECTED:
		if (!vcpu_gpa_intercept_hook)
			break;
		/* VTL0 retries after VTL1 has seen it, the event with it (reference 3.9:
		 * ExecutionState.InterruptionPending tells VTL1). */
		reinject_vectored_event();
		gva = (qual & BIT(7)) ? vmread(VMCS_GUEST_LINEAR_ADDR) : 0;
		return vcpu_gpa_intercept_hook(v, gpa, gva, qual, memtype);
	default:
		break;
	}
	pr_err("VP %u: EPT violation at GPA %#llx (%s%s%s, qualification %#llx)\n", v->index,
	       (unsigned long long)gpa, (qual & 1) ? "read" : "", (qual & 2) ? "write" : "",
	       (qual & 4) ? "fetch" : "", (unsigned long long)qual);
	return EXIT_STOP;
}

int exit_ept_misconfig(struct vcpu *v)
{
	pr_err("VP %u: EPT misconfiguration at GPA %#llx: hypervisor bug\n", v->index,
	       (unsigned long long)vmread(VMCS_GUEST_PHYS_ADDR));
	return EXIT_STOP;
}
