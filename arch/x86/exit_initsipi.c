/* SPDX-License-Identifier: MIT */
/*
 * INIT and SIPI. INIT is blocked in VMX root operation and causes a VM exit in non-root
 * operation (SDM vol.3 26.2), so a guest OS restarting an AP with INIT-SIPI-SIPI needs the
 * hypervisor to do what the CPU would: put the VP in its INIT state (SDM vol.3 9.1.1 table
 * 9-1) and wait for a SIPI. The VP waits parked in VMX root operation, halted with an NMI
 * as its only wake-up; the SIPI is caught where it is sent (every ICR write of the root
 * partition is trapped, arch/x86/apic.c), its vector deposited in the VP and the VP woken.
 * Any vector, 0 included, is valid. Why not the VMX wait-for-SIPI activity state with SIPI
 * exits: Bochs 2.7 delivers that exit from inside the sender's APIC write and the target
 * never runs again; catching the SIPI at the sender is also what VSM needs next (a VP with
 * VTL1 enabled ignores INIT/SIPI, TLFS), so there is one mechanism for both.
 */
#define LOG_MODULE "exit"
#include "arch/x86/core.h"
#include "arch/x86/guest_state.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmexit.h"
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"

/* Halts until *vector >= 0 (arch/x86/exception_stubs.S; NMI-safe, see there). */
void vcpu_park_wait(volatile s32 *vector);

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
	g.activity = ACTIVITY_ACTIVE; /* entered only once a SIPI came (exit_init) */
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

/* What a parked VP starts from instead of a SIPI's real mode (vcpu_start_parked): the
 * SIPI slot is claimed first, then the context written, then published. */
#define SIPI_START_CLAIMED 0x101
#define SIPI_START_CONTEXT 0x100
static struct guest_state start_ctx[BOOTINFO_MAX_CPUS];

int vcpu_start_parked(struct vcpu *t, const struct guest_state *g)
{
	s32 none = -1;

	/* The SIPI's slot: the first of a SIPI and a start wins (SDM vol.3 9.4.4: only the
	 * first SIPI after an INIT counts); the winner alone writes the context. */
	if (!__atomic_load_n(&t->parked, __ATOMIC_ACQUIRE) ||
	    !__atomic_compare_exchange_n(&t->sipi_vector, &none, SIPI_START_CLAIMED, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return -EBUSY;
	start_ctx[t->index] = *g;
	__atomic_store_n(&t->sipi_vector, SIPI_START_CONTEXT, __ATOMIC_RELEASE);
	vcpu_kick_nmi(t); /* the park's HLT */
	return 0;
}

/* Leaves the INIT state for g (a protected- or long-mode context, checked by the caller
 * as VM entry would): the VMCS of v's VTL0, current on its CPU. */
static void vcpu_start_from(struct vcpu *v, const struct guest_state *g)
{
	guest_state_load(g);
	v->entry_ctls = (v->entry_ctls & ~ENTRY_IA32E_GUEST) |
			((g->efer & EFER_LMA) ? ENTRY_IA32E_GUEST : 0);
	vmwrite(VMCS_ENTRY_CTLS, v->entry_ctls);
	vmcs_set_guest_cr0(v, g->cr0);
	vmcs_set_guest_cr4(v, g->cr4);
	if ((g->cr0 & CR0_PG) && (g->cr4 & CR4_PAE) && !(g->efer & EFER_LMA))
		vmcs_load_pdptes(g->cr3);
	pr_info("VP %u: started by StartVirtualProcessor at RIP %#llx\n", v->index,
		(unsigned long long)g->rip);
}

void vcpu_emulate_init(struct vcpu *v)
{
	pr_debug("VP %u: INIT at CS base %#llx RIP %#llx (exit %llu): parked until a SIPI\n",
		 v->index, (unsigned long long)vmread(VMCS_GUEST_CS_BASE),
		 (unsigned long long)vmread(VMCS_GUEST_RIP), (unsigned long long)v->exits);
	vcpu_init_state(v);
	__atomic_store_n(&v->sipi_vector, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&v->parked, true, __ATOMIC_RELEASE);
	u64 t0 = rdtsc();
	vcpu_park_wait(&v->sipi_vector);
	v->idle_tsc += rdtsc() - t0; /* not running: not in VP_RUNTIME */
	__atomic_store_n(&v->parked, false, __ATOMIC_RELEASE);
	/* A guest NMI taken while parked is dropped: NMIs are blocked in wait-for-SIPI. */
	__atomic_store_n(&v->work.nmi_root, 0, __ATOMIC_RELAXED);
	s32 sipi;
	while ((sipi = __atomic_load_n(&v->sipi_vector, __ATOMIC_ACQUIRE)) == SIPI_START_CLAIMED)
		cpu_relax(); /* a start is writing its context */
	if (sipi == SIPI_START_CONTEXT) {
		vcpu_start_from(v, &start_ctx[v->index]);
		return;
	}
	u32 vector = (u32)sipi & 0xff;
	pr_info("VP %u: SIPI vector %#x: starts in real mode at %#x\n", v->index, vector,
		vector << 12);
	/* SDM vol.3 9.4.4 (MP initialization): CS = vector << 8, base vector << 12, IP 0. */
	vmwrite(VMCS_GUEST_CS_SEL, vector << 8);
	vmwrite(VMCS_GUEST_CS_BASE, (u64)vector << 12);
	vmwrite(VMCS_GUEST_RIP, 0);
}

/*
 * A real INIT exit: the root partition's own INITs to our VPs never get here (apic.c
 * turns them into kicks); this is one from elsewhere (another CPU not under vtlvisor, or
 * the platform). Handled the same way. On Bochs 2.7 such a VP cannot run again: its INIT
 * stays pending and re-fires at every VM entry (the emulator clears it only on a reset).
 */
int exit_init(struct vcpu *v)
{
	vcpu_emulate_init(v);
	return EXIT_RESUME;
}

/* With no VP ever in the wait-for-SIPI activity state, a SIPI exit cannot happen (SDM
 * vol.3 26.2); if hardware produced one anyway it is ignored like a stray SIPI. */
int exit_sipi(struct vcpu *v)
{
	pr_warn("VP %u: unexpected SIPI exit (vector %#llx) ignored\n", v->index,
		(unsigned long long)(vmx_exit_qual() & 0xff));
	return EXIT_RESUME;
}
