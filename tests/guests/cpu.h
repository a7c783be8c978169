/* SPDX-License-Identifier: MIT */
/*
 * The few privileged and CPUID instructions the test guest needs, as static inline
 * functions: safe to use from an AP procedure (no calls, no firmware).
 */
#ifndef TESTS_GUESTS_CPU_H
#define TESTS_GUESTS_CPU_H

#include "arch/x86/intrin.h"
#include "lib/types.h"

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline __attribute__((always_inline)) struct cpuid_regs cpu_cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;

	cpuid_count(leaf, subleaf, &r.eax, &r.ebx, &r.ecx, &r.edx);
	return r;
}

/*
 * Initial APIC ID: CPUID.0BH:EDX (x2APIC ID) when leaf 0BH exists and is valid, else
 * CPUID.01H:EBX[31:24] (SDM Vol. 3A, "Identifying Logical Processors in an MP System").
 */
static inline __attribute__((always_inline)) u32 cpu_apic_id(void)
{
	if (cpu_cpuid(0, 0).eax >= 0xb) {
		struct cpuid_regs r = cpu_cpuid(0xb, 0);

		if (r.ebx != 0)
			return r.edx;
	}
	return cpu_cpuid(1, 0).ebx >> 24;
}

static inline u64 cpu_rdtsc(void)
{
	return rdtsc();
}

static inline u64 cpu_rdmsr(u32 msr)
{
	return rdmsr(msr);
}

static inline void cpu_wrmsr(u32 msr, u64 v)
{
	wrmsr(msr, v);
}

static inline void cpu_cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

static inline u32 mmio_read32(u64 addr)
{
	return *(volatile u32 *)(uintptr_t)addr;
}

static inline void mmio_write32(u64 addr, u32 v)
{
	*(volatile u32 *)(uintptr_t)addr = v;
}

#endif
