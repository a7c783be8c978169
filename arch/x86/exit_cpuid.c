/* SPDX-License-Identifier: MIT */
/* CPUID exits unconditionally in VMX non-root (SDM vol.3 26.1.2). */
#include "arch/x86/vmcs.h"
#include "arch/x86/insn_count.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmexit.h"
#include "hyperv/hv.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID7_ECX_OSPKE (1u << 4)

int exit_cpuid(struct vcpu *v)
{
	u32 leaf = (u32)v->regs.gpr[RAX], sub = (u32)v->regs.gpr[RCX];
	u32 r[4];

	if (leaf == 0x40000102 && (sub == 1 || sub == 2)) {
		/* The instruction-counting build (arch/x86/insn_count.h); all 0 in the normal
		 * build. Subleaf 1: the count in EBX:EAX, in ECX what the counting adds per
		 * exit. Subleaf 2: the counts of the four exits before this one, the last in
		 * EAX, as true path lengths (VMRESUME in, the counting's extra out). */
		__builtin_memset(r, 0, sizeof(r));
#if INSN_COUNTING
		u64 n = __atomic_load_n(&insn_count, __ATOMIC_RELAXED),
		    extra = insn_count_overhead();
		if (sub == 1) {
			r[0] = (u32)n;
			r[1] = (u32)(n >> 32);
			r[2] = (u32)extra;
		} else {
			for (u32 i = 0; i < 4; i++)
				r[i] = (u32)(insn_ring[(insn_ring_next - 1 - i) % 16] - extra + 1);
			insn_trace_dump(); /* their traces, with insn_trace=1 */
		}
#endif
	} else if (leaf == 0x40000102) {
		/* vtlvisor's own: this VP's VM exits so far (this one included) in EBX:EAX, the
		 * INVEPTs done for it in ECX, for benchmarks measuring them per operation
		 * (tests/guests/bench.c), and in EDX how often VTL0's physical interrupts were
		 * held while a higher VTL ran (tests/guests/vsm_mp_check.c). */
		r[0] = (u32)v->exits;
		r[1] = (u32)(v->exits >> 32);
		r[2] = (u32)v->invepts;
		r[3] = (u32)v->irqs_held;
	} else if (!hv_cpuid(leaf, sub, r)) {
		cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
		if (leaf == 1) {
			/* No nested VMX; announce a hypervisor (SDM vol.2 CPUID, ECX bit 31
			 * "not used" on hardware: reserved for hypervisors). */
			r[2] &= ~CPUID1_ECX_VMX;
			r[2] |= CPUID1_ECX_HYPERVISOR;
			/* OSXSAVE mirrors CR4.OSXSAVE: the guest's, not the host's. */
			r[2] &= ~CPUID1_ECX_OSXSAVE;
			if (vmcs_guest_cr4(v) & CR4_OSXSAVE)
				r[2] |= CPUID1_ECX_OSXSAVE;
		} else if (leaf == 7 && sub == 0) {
			/* OSPKE (ECX bit 4) mirrors the guest's CR4.PKE (bit 22). */
			r[2] &= ~CPUID7_ECX_OSPKE;
			if (vmread(VMCS_GUEST_CR4) & (1ULL << 22))
				r[2] |= CPUID7_ECX_OSPKE;
		}
	}
	v->regs.gpr[RAX] = r[0];
	v->regs.gpr[RBX] = r[1];
	v->regs.gpr[RCX] = r[2];
	v->regs.gpr[RDX] = r[3];
	vcpu_skip_instr(v);
	return EXIT_RESUME;
}
