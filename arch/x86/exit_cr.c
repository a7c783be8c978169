/* SPDX-License-Identifier: MIT */
/*
 * Control-register exits (SDM vol.3 26.1.3, exit qualification table 28-3). Only writes of
 * owned CR0/CR4 bits exit (vmcs.c): paging-mode changes, whose EFER.LMA / IA-32e entry
 * control / PDPTE side effects the hypervisor must mirror, CR4.VMXE, hidden from the
 * guest, and the bits a higher VTL watches in a lower VTL's CR0/CR4 (TLFS secure register
 * intercepts, reference 3.9.3; vmcs_set_cr_intercepts). Such a higher VTL is asked first
 * (vcpu_reg_write_intercepted): when it intercepts the write, nothing happens and the
 * instruction stays where it is. Otherwise each write is checked the way the CPU would and
 * faults the way the CPU would.
 */
#define LOG_MODULE "cr"
#include "arch/x86/core.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vp_vtl.h"
#include "arch/x86/vp_vtl_apic.h"
#include "lib/log.h"

/* The source operand of MOV to CR: 64 bits in 64-bit mode, else the low 32 (SDM vol.2 MOV
 * CR: "operand size is 32 bits outside 64-bit mode"; the upper half is undefined then). */
static u64 gpr_read(struct vcpu *v, unsigned n)
{
	u64 val = n == RSP_UNUSED ? vmread(VMCS_GUEST_RSP) : v->regs.gpr[n];
	bool mode64 = (vmread(VMCS_GUEST_EFER) & EFER_LMA) &&
		      (vmread(VMCS_GUEST_CS_AR) & (1u << 13));

	return mode64 ? val : (u32)val;
}

static bool pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LMA);
}

/* emulate_cr*_write: a higher VTL intercepted the write (nothing done, RIP stays). */
#define CR_INTERCEPTED 1

/* Does a higher VTL intercept this write of CR0 or CR4 (from old to val)? */
static bool cr_intercepted(struct vcpu *v, enum vcpu_reg reg, u64 old, u64 val, bool mem_op)
{
	const struct vcpu_reg_write w = { .reg = reg, .old = old, .val = val, .mem_op = mem_op };

	return vcpu_reg_write_intercepted(v, &w);
}

/* MOV to CR0, LMSW (mem_op: from memory) or CLTS (SDM vol.3 2.5, 9.8.5; vol.2 MOV CR: #GP
 * conditions). 0, -1 for #GP, or CR_INTERCEPTED. */
static int emulate_cr0_write(struct vcpu *v, u64 val, bool mem_op)
{
	u64 old = vmcs_guest_cr0(v), cr4 = vmcs_guest_cr4(v);
	u64 efer = vmread(VMCS_GUEST_EFER);

	/* A higher VTL sees the attempt before the CPU's own checks (OpenHCL's order). */
	if (cr_intercepted(v, VCPU_REG_CR0, old, val, mem_op))
		return CR_INTERCEPTED;
	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_NW) && !(val & CR0_CD)))
		return -1;
	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		/* Entering IA-32e mode needs PAE; EFER.LMA becomes 1 (SDM 9.8.5). */
		if (!(cr4 & CR4_PAE))
			return -1;
		efer |= EFER_LMA;
		v->entry_ctls |= ENTRY_IA32E_GUEST;
	} else if (!(val & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
		/* Leaving IA-32e mode is legal only from compatibility mode (CS.L = 0). */
		if (vmread(VMCS_GUEST_CS_AR) & (1u << 13))
			return -1;
		efer &= ~EFER_LMA;
		v->entry_ctls &= ~ENTRY_IA32E_GUEST;
	}
	vmwrite(VMCS_GUEST_EFER, efer);
	vmwrite(VMCS_ENTRY_CTLS, v->entry_ctls);
	vmcs_set_guest_cr0(v, val);
	if (pae_paging(val, cr4, efer))
		vmcs_load_pdptes(vmread(VMCS_GUEST_CR3));
	if ((val ^ old) & (CR0_PG | CR0_PE | CR0_WP))
		vp_vtl_flush_current(); /* the running VTL's VPID */
	return 0;
}

/* MOV to CR4 (SDM vol.3 2.5; vol.2 MOV CR). 0, -1 for #GP, or CR_INTERCEPTED. */
static int emulate_cr4_write(struct vcpu *v, u64 val)
{
	u64 old = vmcs_guest_cr4(v), cr0 = vmcs_guest_cr0(v);
	u64 efer = vmread(VMCS_GUEST_EFER);
	/* Bits the CPU supports in VMX operation, less VMXE (VMX is hidden from guests). */
	u64 allowed = (core.caps.cr4_fixed1 | core.caps.cr4_fixed0) & ~CR4_VMXE;

	if (cr_intercepted(v, VCPU_REG_CR4, old, val, false))
		return CR_INTERCEPTED;
	if (val & ~allowed)
		return -1;
	if ((efer & EFER_LMA) && !(val & CR4_PAE))
		return -1;
	if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) &&
	    (!(efer & EFER_LMA) || (vmread(VMCS_GUEST_CR3) & 0xfff)))
		return -1;
	vmcs_set_guest_cr4(v, val);
	if (pae_paging(cr0, val, efer))
		vmcs_load_pdptes(vmread(VMCS_GUEST_CR3));
	vp_vtl_flush_current(); /* the running VTL's VPID */
	return 0;
}

/*
 * MOV to CR3 exits only on CPUs without the TRUE controls, where CR3-load exiting cannot
 * be turned off (SDM A.3.2). Bit 63 with PCIDE keeps the TLB (SDM 4.10.4.1).
 */
static int emulate_cr3_write(struct vcpu *v, u64 val)
{
	bool pcide = vmcs_guest_cr4(v) & CR4_PCIDE;
	bool noflush = pcide && (val & (1ULL << 63));

	if ((val & (1ULL << 63)) && !pcide)
		return -1; /* bit 63 is reserved unless CR4.PCIDE = 1 */
	val &= ~(1ULL << 63);
	if (val >> core.caps.phys_addr_bits)
		return -1;
	vmwrite(VMCS_GUEST_CR3, val);
	if (pae_paging(vmcs_guest_cr0(v), vmcs_guest_cr4(v), vmread(VMCS_GUEST_EFER)))
		vmcs_load_pdptes(val);
	if (!noflush)
		vp_vtl_flush_current(); /* the running VTL's VPID */
	return 0;
}

int exit_cr_access(struct vcpu *v)
{
	u64 qual = vmx_exit_qual();
	unsigned cr = qual & 0xf, type = (qual >> 4) & 3, reg = (qual >> 8) & 0xf;
	int bad = 0;

	pr_trace("VP %u: CR%u access type %u gpr %u value %#llx\n", v->index, cr, type, reg,
		 (unsigned long long)(type == 0 ? gpr_read(v, reg) : (qual >> 16) & 0xf));
	switch (type) {
	case 0: /* MOV to CR */
		if (cr == 0)
			bad = emulate_cr0_write(v, gpr_read(v, reg), false);
		else if (cr == 4)
			bad = emulate_cr4_write(v, gpr_read(v, reg));
		else if (cr == 3)
			bad = emulate_cr3_write(v, gpr_read(v, reg));
		else if (cr == 8 && v->active_vtl) /* a higher VTL's TPR (vp_vtl_apic.h) */
			bad = vp_vtl_apic_cr8_write(v, v->active_vtl, gpr_read(v, reg));
		else
			return EXIT_STOP; /* CR8 exits only above VTL0 */
		break;
	case 1: { /* MOV from CR3 (where the CPU forces CR3-store exiting), from CR8 above VTL0 */
		u64 val;
		if (cr == 3)
			val = vmread(VMCS_GUEST_CR3);
		else if (cr == 8 && v->active_vtl)
			val = vp_vtl_apic_cr8_read(v);
		else
			return EXIT_STOP;
		if (reg == RSP_UNUSED)
			vmwrite(VMCS_GUEST_RSP, val);
		else
			v->regs.gpr[reg] = val;
		break;
	}
	case 2: /* CLTS: exits when TS is owned and set (a higher VTL watches it) */
		bad = emulate_cr0_write(v, vmcs_guest_cr0(v) & ~CR0_TS, false);
		break;
	case 3: { /* LMSW: loads CR0[3:0] but can never clear PE (SDM vol.2 LMSW) */
		u64 old = vmcs_guest_cr0(v), src = (qual >> 16) & 0xf;
		/* Qualification bit 6: the operand is in memory (SDM vol.3 table 28-3). */
		bad = emulate_cr0_write(v, (old & ~0xeULL) | (src & 0xf) | (old & CR0_PE),
					(qual >> 6) & 1);
		break;
	}
	}
	if (bad == CR_INTERCEPTED)
		return EXIT_RESUME; /* the higher VTL decides; the instruction stays (TLFS 3.9.1) */
	if (bad) {
		pr_debug("VP %u: CR%u write refused: #GP\n", v->index, cr);
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	vcpu_skip_instr(v);
	return EXIT_RESUME;
}
