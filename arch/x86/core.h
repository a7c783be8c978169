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

struct core {
	struct bootinfo *bi;
	struct vmx_caps caps;
	u32 pin, proc, proc2, exit, entry; /* VMCS controls every VP starts with */
	u64 msr_bitmap_pa;
	struct pt ept; /* the root partition's EPT (one view for now) */
	u64 eptp;
	u64 scratch_pa; /* what guests see wherever the pool is */
	u64 ept_gen;	/* bumped by every EPT change; each VP flushes when behind (ept_change.c) */
	volatile bool ready;
};

extern struct core core;

#endif
