/* SPDX-License-Identifier: MIT */
/*
 * The one contract between the UEFI loader (boot/) and the core. The loader fills it in,
 * in the hypervisor pool, before the first CPU enters the core; the core never calls the
 * firmware. Versioned: the core refuses a bootinfo whose magic, version or size differ.
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include "lib/types.h"

#define BOOTINFO_MAGIC 0x4f464e4956544c56ULL /* "VLTVINFO" little-endian */
#define BOOTINFO_VERSION 4
#define BOOTINFO_MAX_CPUS 64
#define BOOTINFO_MAX_MEM 512
#define BOOTINFO_CMDLINE 256

/* Virtual address the core is linked at (linker.ld) and mapped at by the loader. */
#define CORE_VIRT_BASE 0xffffffff80000000ULL
/* Per-CPU stack the loader hands each CPU for its first entry into the core. */
#define BOOT_CPU_STACK_SIZE (16 * 1024)

enum bootinfo_mem_type {
	BOOTINFO_MEM_RAM = 1,	   /* usable by the OS (conventional, boot services, loader) */
	BOOTINFO_MEM_RESERVED = 2, /* firmware reserved, runtime, ACPI, unusable */
	BOOTINFO_MEM_MMIO = 3,	   /* memory-mapped I/O described by the firmware */
	BOOTINFO_MEM_POOL = 4,	   /* the hypervisor pool: never visible to any guest */
};

struct bootinfo_mem {
	u64 base;
	u64 size;
	u32 type; /* enum bootinfo_mem_type */
	u32 efi_type;
};

struct bootinfo_cpu {
	u32 apic_id;
	u32 flags; /* BOOTINFO_CPU_* */
};
#define BOOTINFO_CPU_BSP 1u

struct bootinfo_config {
	u16 console_port; /* I/O port of the hypervisor's UART; 0 = none */
	u16 pad0;
	u32 console_baud;
	u32 log_level;	/* LOG_ERR..LOG_TRACE */
	u32 cpu_limit;	/* 0 = all */
	u32 e9_console; /* 1 = also write the log to port 0xE9 */
	u32 insn_trace; /* 1 = the counting build prints its traces (insn_trace=1); else 0 */
	u64 hv_off;	/* TLFS privilege bits switched off (hvoff=) */
};

struct bootinfo {
	u64 magic;
	u32 version;
	u32 size; /* sizeof(struct bootinfo) */

	u64 pool_base; /* physical, 2 MiB aligned */
	u64 pool_size;
	u64 pool_used; /* bytes from pool_base the loader used (core image, tables, stacks) */
	u64 core_phys; /* physical address of the core image (inside the pool) */
	u64 core_size;
	u64 host_cr3; /* PML4 the loader built: identity map + core at CORE_VIRT_BASE */
	u64 phys_top; /* identity map covers [0, phys_top) */
	u32 phys_addr_bits;
	u32 tsc_khz;	    /* measured by the loader against the firmware's timer; 0 = unknown */
	u32 apic_timer_khz; /* the local APIC timer's input clock (divide by 1), same way */
	u32 pad2;

	struct bootinfo_config config;

	u32 cpu_count;
	u32 bsp_index;
	struct bootinfo_cpu cpus[BOOTINFO_MAX_CPUS];

	u32 mem_count;
	u32 pad1;
	struct bootinfo_mem mem[BOOTINFO_MAX_MEM];

	char cmdline[BOOTINFO_CMDLINE];
};

/*
 * What each CPU hands the core on entry (boot/handover.S fills the first part; the core
 * reads everything else about the live firmware state itself, before changing anything).
 * The guest resumes at resume_rip with resume_rsp and resume_rflags, on guest_cr3, as if
 * the call into the core had returned 0.
 */
struct boot_cpu_args {
	u64 resume_rip;
	u64 resume_rsp;
	u64 resume_rflags;
	u64 guest_cr3;
	u16 guest_gdtr_limit;
	u16 pad0[3];
	u64 guest_gdtr_base;
	u16 guest_idtr_limit;
	u16 pad1[3];
	u64 guest_idtr_base;
	u32 cpu_index; /* index into bootinfo.cpus */
	u32 pad2;
	u64 stack_top; /* the core stack the loader switched to */
	struct bootinfo *bootinfo;
};

_Static_assert(sizeof(struct bootinfo_mem) == 24, "bootinfo_mem layout");
_Static_assert(__builtin_offsetof(struct boot_cpu_args, resume_rip) == 0, "handover.S");
_Static_assert(__builtin_offsetof(struct boot_cpu_args, resume_rsp) == 8, "handover.S");
_Static_assert(__builtin_offsetof(struct boot_cpu_args, resume_rflags) == 16, "handover.S");
_Static_assert(__builtin_offsetof(struct boot_cpu_args, guest_cr3) == 24, "handover.S");
_Static_assert(__builtin_offsetof(struct boot_cpu_args, guest_gdtr_limit) == 32, "handover.S");
_Static_assert(__builtin_offsetof(struct boot_cpu_args, guest_idtr_limit) == 48, "handover.S");
_Static_assert(__builtin_offsetof(struct boot_cpu_args, stack_top) == 72, "handover.S");

/*
 * The loader publishes where the pool is with an EFI configuration table (this GUID), so
 * that test programs and a person at the UEFI shell can find it.
 */
#define VTLVISOR_INFO_GUID                                             \
	{                                                              \
		0x7a1c0e55, 0x4b1d, 0x4c8e,                            \
		{                                                      \
			0x9f, 0x27, 0x56, 0x54, 0x4c, 0x56, 0x49, 0x53 \
		}                                                      \
	}
struct vtlvisor_efi_info {
	u64 magic; /* BOOTINFO_MAGIC */
	u32 version;
	u32 cpu_count;
	u64 pool_base;
	u64 pool_size;
};

#endif
