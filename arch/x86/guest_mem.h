/* SPDX-License-Identifier: MIT */
/* Reading guest memory for emulation: guest-linear to guest-physical (SDM vol.3 ch.4). */
#ifndef ARCH_X86_GUEST_MEM_H
#define ARCH_X86_GUEST_MEM_H

#include "arch/x86/insn.h"
#include "lib/types.h"

/*
 * Translates a guest-linear address with the current VMCS's guest paging mode, the tables
 * read through the EPT view of vtl (the VTL whose VMCS is current; arch/x86/guest_walk.h).
 * 0, or -ENOENT (not present, reserved bits, or tables the guest's view cannot read).
 */
int guest_linear_to_phys(u32 vtl, u64 la, u64 *gpa);
/* Copies up to n bytes of guest code at the current CS:RIP through vtl's view (stops at a
 * translation failure or a page that view cannot read); returns how many bytes were read. */
size_t guest_fetch_code(u32 vtl, u8 *buf, size_t n);
/* The code size the current VMCS's guest runs at (SDM vol.3 5.2.1: CS.L, CS.D, CR0.PE). */
enum insn_mode guest_code_mode(void);

#endif
