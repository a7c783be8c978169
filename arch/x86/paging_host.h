/* SPDX-License-Identifier: MIT */
/*
 * IA-32e 4-level paging (SDM vol.3 4.5) as a format of the generic page-table engine: the
 * hypervisor's own address space, built by the loader and then by the core.
 *
 * Attributes: PT_R is required (a present page is readable), PT_W sets R/W, no PT_X sets XD
 * (bit 63: the user of the tables must have set IA32_EFER.NXE, otherwise map everything
 * with PT_X), PT_XU is not accepted. PT_F_USER sets U/S, PT_F_GLOBAL sets G. Memory types
 * assume the power-up PAT (SDM vol.3 11.12.4): WB, WT and UC only.
 */
#ifndef ARCH_X86_PAGING_HOST_H
#define ARCH_X86_PAGING_HOST_H

#include "lib/compiler.h"
#include "mm/pt.h"

/* Entry bits (SDM vol.3 4.5, tables 4-15 to 4-20). */
#define PAGING_P BIT(0)
#define PAGING_RW BIT(1)
#define PAGING_US BIT(2)
#define PAGING_PWT BIT(3)
#define PAGING_PCD BIT(4)
#define PAGING_A BIT(5)
#define PAGING_D BIT(6)
#define PAGING_PS BIT(7)     /* PDPTE / PDE: maps a 1 GiB / 2 MiB page */
#define PAGING_PAT_4K BIT(7) /* PTE */
#define PAGING_G BIT(8)
#define PAGING_PAT_LARGE BIT(12) /* PDPTE / PDE with PS */
#define PAGING_XD BIT(63)
#define PAGING_ADDR_4K GENMASK(51, 12)
#define PAGING_ADDR_2M GENMASK(51, 21)
#define PAGING_ADDR_1G GENMASK(51, 30)

extern const struct pt_format paging_host_format;

#endif
