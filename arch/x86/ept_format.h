/* SPDX-License-Identifier: MIT */
/*
 * The EPT entry format (SDM vol.3 29.3.2, "EPT Translation Mechanism", tables 29-1 to 29-6)
 * as a format of the generic page-table engine, and the EPTP (SDM vol.3 25.6.11).
 *
 * Attributes: PT_R/PT_W/PT_X are bits 0/1/2 (bit 2 is supervisor execute when mode-based
 * execute control is on), PT_XU is bit 10 (user execute, meaningful only with MBEC: the
 * caller maps with PT_XU only when it enabled MBEC), memory type in bits 5:3, PT_F_IGNORE_PAT
 * is bit 6. Execute-only pages (X without R) need IA32_VMX_EPT_VPID_CAP bit 0: the caller's
 * business. A leaf with no permission at all carries EPT_NOACCESS. Non-leaf entries grant
 * everything (R, W, X and user execute).
 */
#ifndef ARCH_X86_EPT_FORMAT_H
#define ARCH_X86_EPT_FORMAT_H

#include "lib/compiler.h"
#include "mm/pt.h"

/* EPT paging-structure entry bits (SDM vol.3 29.3.2). */
#define EPT_R BIT(0)
#define EPT_W BIT(1)
#define EPT_X BIT(2)
#define EPT_MT_SHIFT 3
#define EPT_MT_MASK GENMASK(5, 3)
#define EPT_IPAT BIT(6)
#define EPT_LARGE BIT(7) /* PDPTE / PDE: maps a 1 GiB / 2 MiB page; reserved in a PML4E */
#define EPT_A BIT(8)
#define EPT_D BIT(9)
#define EPT_XU BIT(10) /* user-mode execute, with mode-based execute control */
/* Software: a leaf that maps something other than the page's own RAM as the protection
 * engine sees it (an overlay page, the xAPIC page): the engine neither rewrites nor accepts
 * it (arch/x86/ept_prot.c). Bit 11 is ignored by the CPU in every EPT leaf (SDM vol.3
 * tables 29-2, 29-4, 29-6). */
#define EPT_PINNED BIT(11)
/* Software: a leaf with no access that still maps its page (HPA, memory type kept). Bits
 * 2:0 clear make it not present to the CPU (every access is an EPT violation), and bits
 * 56:52 are ignored by it (SDM vol.3 tables 29-2, 29-4, 29-6); to the page-table engine it
 * is a leaf, so it is looked up, split and merged like any other. */
#define EPT_NOACCESS BIT(52)
#define EPT_SUPPRESS_VE BIT(63)
#define EPT_ADDR_4K GENMASK(51, 12)
#define EPT_ADDR_2M GENMASK(51, 21)
#define EPT_ADDR_1G GENMASK(51, 30)

/* EPT memory types (SDM vol.3 29.3.7; same encoding as the MTRR types). */
#define EPT_MT_UC 0u
#define EPT_MT_WC 1u
#define EPT_MT_WT 4u
#define EPT_MT_WP 5u
#define EPT_MT_WB 6u

/* EPTP fields (SDM vol.3 25.6.11). */
#define EPTP_MT_MASK GENMASK(2, 0)
#define EPTP_WALK_SHIFT 3 /* bits 5:3: page-walk length minus 1 */
#define EPTP_AD_ENABLE BIT(6)
#define EPTP_ADDR_MASK GENMASK(51, 12)

extern const struct pt_format ept_format;

/* EPTP for a 4-level EPT rooted at root_pa: WB walks, walk length 4, no A/D flags. */
u64 ept_eptp(u64 root_pa);

#endif
