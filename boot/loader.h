/* SPDX-License-Identifier: MIT */
/* Internal interfaces between the loader's files. */
#ifndef BOOT_LOADER_H
#define BOOT_LOADER_H

#include <efi.h>

#include "boot/bootinfo.h"
#include "boot/config.h"
#include "mm/pt.h"

/* The hypervisor pool and the loader's bump allocator over its start (boot/pool.c). */
struct boot_pool {
	u64 base, size, cursor;
};
EFI_STATUS boot_pool_alloc(struct boot_pool *p, u64 size);
void *boot_pool_take(struct boot_pool *p, u64 size, u64 align); /* zeroed; NULL if full */

/* Copies the embedded core into the pool and builds the host page tables (core_load.c). */
EFI_STATUS boot_load_core(struct boot_pool *p, struct bootinfo *bi, u64 *entry);

/* Memory map and CPU list into the bootinfo (platform.c). */
EFI_STATUS boot_read_memmap(struct bootinfo *bi);
EFI_STATUS boot_read_cpus(struct bootinfo *bi, void **mp_out);

/* Virtualizes every CPU (platform.c); returns how many are now guests. */
u32 boot_virtualize_cpus(struct bootinfo *bi, struct boot_cpu_args *args, void *mp, u64 entry);

u64 boot_enter_core(struct boot_cpu_args *args, u64 host_cr3, u64 entry);
extern const u8 boot_core_elf[], boot_core_elf_end[];

#endif
