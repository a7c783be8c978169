/* SPDX-License-Identifier: MIT */
/*
 * State shared by all CPUs of the core. Written once by the BSP during takeover, before
 * any AP enters the core, read-only afterwards (core.ready orders it).
 */
#ifndef ARCH_X86_CORE_H
#define ARCH_X86_CORE_H

#include "arch/x86/vmx_caps.h"
#include "boot/bootinfo.h"
#include "mm/pt.h"

/* VTLs the core keeps per-VTL hardware state for: 0 and 1 (vtl/vtl.h VTL_MAX). */
#define CORE_VTLS 2

struct core {
	struct bootinfo *bi;
	struct vmx_caps caps;
	u32 pin, proc, proc2, exit, entry; /* VMCS controls every VP starts with */
	u64 msr_bitmap_pa;
	u64 msr_bitmap_vtl_pa; /* the VTLs above 0 (their own local APICs) */
	/* The root partition's EPT views, one per VTL that has one (VTL0 from takeover, VTL1
	 * once VSM enables it; DESIGN.md 4): root_pa 0 = none. */
	struct pt ept[CORE_VTLS];
	u64 eptp[CORE_VTLS];
	u64 ept_top;	/* the guest-physical space every view maps: [0, ept_top) */
	u64 scratch_pa; /* what guests see wherever the pool is */
	u64 ept_gen;	/* bumped by every EPT change; each VP flushes when behind (ept_change.c) */
	u64 view_gen[CORE_VTLS]; /* bumped by every change of that view (hv_guest_block's cache) */
	volatile bool ready;
};

extern struct core core;

#endif
