/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU host state. The host's GS base points at the CPU's struct pcpu (VMCS host GS
 * base), so this_cpu() is one load. Owned by its CPU; other CPUs only read index/apic_id.
 */
#ifndef ARCH_X86_PERCPU_H
#define ARCH_X86_PERCPU_H

#include "lib/compiler.h"
#include "lib/types.h"

/* 64-bit TSS (SDM vol.3 8.7, figure 8-11). */
struct tss64 {
	u32 rsvd0;
	u64 rsp[3];
	u64 rsvd1;
	u64 ist[7];
	u64 rsvd2;
	u16 rsvd3;
	u16 iomap_base;
} PACKED;
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");

/* Host GDT selectors. */
#define HOST_CS 0x08
#define HOST_DS 0x10
#define HOST_TR 0x18
#define HOST_GDT_ENTRIES 6

/* IST slots (1-based in the IDT gate). */
#define IST_NMI 1
#define IST_DF 2
#define IST_MC 3
#define IST_STACK_SIZE 8192

struct vcpu;

struct pcpu {
	struct pcpu *self; /* gs:0 */
	u32 index;	   /* position in bootinfo.cpus */
	u32 apic_id;
	struct vcpu *vcpu; /* the VP running on this CPU */
	u64 vmxon_pa;
	u64 gdt[HOST_GDT_ENTRIES] ALIGNED(16);
	struct tss64 tss ALIGNED(16);
};

static inline struct pcpu *this_cpu(void)
{
	struct pcpu *p;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Fills the CPU's host GDT and TSS (loaded by VM exits, SDM vol.3 28.5.2). */
int pcpu_init_tables(struct pcpu *p);
/* The host IDT, shared by all CPUs (built once). */
void idt_init(void);
extern u64 host_idt[512];

#endif
