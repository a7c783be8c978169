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
/*
 * An access an emulated instruction makes to guest-linear memory (SDM vol.3 4.6): a data
 * read or write, by a CPL 3 instruction (user) or not, or an implicit supervisor access to
 * a system structure (a GDT entry). A #PF it must give the guest: CR2 and the error code
 * (SDM vol.3 4.7).
 */
#define GUEST_ACC_WRITE 1u
#define GUEST_ACC_USER 2u
#define GUEST_ACC_IMPLICIT 4u
struct guest_pf {
	u64 addr;
	u32 err;
};
/* A page fault: *pf. */
#define GUEST_ACC_PF (-1)
/* vtl's view does not let it through: pf->addr = the GPA (of the data, or of a
 * paging-structure entry on the way). */
#define GUEST_ACC_NOVIEW (-2)
/*
 * Reads (or with GUEST_ACC_WRITE writes) n <= 16 bytes at guest-linear la, with the current
 * VMCS's guest paging (CR0.WP, CR4.SMAP, RFLAGS.AC as the CPU would apply them), the tables
 * and the data reached through vtl's EPT view; accessed and dirty flags set as the CPU
 * would, once the access is allowed. All or nothing: both pages of an access that crosses
 * one are checked before a byte moves. 0, GUEST_ACC_PF or GUEST_ACC_NOVIEW.
 */
int guest_linear_access(u32 vtl, u64 la, void *buf, size_t n, u32 how, struct guest_pf *pf);
/* Copies up to n bytes of guest code at the current CS:RIP through vtl's view (stops at a
 * translation failure or a page that view cannot read); returns how many bytes were read. */
size_t guest_fetch_code(u32 vtl, u8 *buf, size_t n);
/* The code size the current VMCS's guest runs at (SDM vol.3 5.2.1: CS.L, CS.D, CR0.PE). */
enum insn_mode guest_code_mode(void);

#endif
