/* SPDX-License-Identifier: MIT */
#include <efi.h>
#include <efilib.h>

#include "arch/x86/intrin.h"
#include "boot/efi_mp.h"
#include "boot/loader.h"
#include "boot/out.h"
#include "lib/compiler.h"

static u32 efi_type_class(u32 t)
{
	switch (t) {
	case EfiLoaderCode:
	case EfiLoaderData:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiConventionalMemory:
	case 14: /* EfiPersistentMemory (UEFI 2.5), unknown to gnu-efi 3.0 */
		return BOOTINFO_MEM_RAM;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace:
		return BOOTINFO_MEM_MMIO;
	default:
		return BOOTINFO_MEM_RESERVED;
	}
}

EFI_STATUS boot_read_memmap(struct bootinfo *bi)
{
	UINTN n = 0, key, desc_size;
	UINT32 desc_ver;
	EFI_MEMORY_DESCRIPTOR *map;
	u64 top = 4ULL << 30;

	map = LibMemoryMap(&n, &key, &desc_size, &desc_ver);
	if (!map)
		return EFI_OUT_OF_RESOURCES;
	bi->mem_count = 0;
	for (UINTN i = 0; i < n; i++) {
		EFI_MEMORY_DESCRIPTOR *d = (void *)((u8 *)map + i * desc_size);
		u64 base = d->PhysicalStart, size = d->NumberOfPages * PAGE_SIZE;
		u32 cls = efi_type_class(d->Type);

		if (base < bi->pool_base + bi->pool_size && base + size > bi->pool_base)
			cls = BOOTINFO_MEM_POOL;
		top = MAX(top, base + size);
		if (bi->mem_count == BOOTINFO_MAX_MEM) {
			boot_msg("vtlvisor: warning: memory map has more than %u entries\n",
				 BOOTINFO_MAX_MEM);
			continue;
		}
		/* Merge with the previous entry when adjacent and of the same class. */
		struct bootinfo_mem *prev = bi->mem_count ? &bi->mem[bi->mem_count - 1] : NULL;
		if (prev && prev->type == cls && prev->base + prev->size == base &&
		    cls != BOOTINFO_MEM_POOL) {
			prev->size += size;
			continue;
		}
		bi->mem[bi->mem_count++] = (struct bootinfo_mem){ base, size, cls, d->Type };
	}
	FreePool(map);
	bi->phys_top = ALIGN_UP(top, SZ_1G);
	return EFI_SUCCESS;
}

static EFI_GUID mp_guid = EFI_MP_SERVICES_PROTOCOL_GUID;

/* APIC ID of the running CPU: x2APIC ID from leaf 0xB if present (SDM vol.3 10.12.8.1). */
static u32 boot_apic_id(void)
{
	u32 a, b, c, d;

	cpuid_count(0, 0, &a, &b, &c, &d);
	if (a >= 0xb) {
		cpuid_count(0xb, 0, &a, &b, &c, &d);
		if (b)
			return d;
	}
	cpuid_count(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

EFI_STATUS boot_read_cpus(struct bootinfo *bi, void **mp_out)
{
	EFI_MP_SERVICES_PROTOCOL *mp = NULL;
	UINTN count = 0, enabled = 0;
	EFI_STATUS st;

	*mp_out = NULL;
	bi->cpu_count = 0;
	st = uefi_call_wrapper(BS->LocateProtocol, 3, &mp_guid, NULL, (void **)&mp);
	if (EFI_ERROR(st) || !mp || EFI_ERROR(mp->GetNumberOfProcessors(mp, &count, &enabled)) ||
	    count == 0) {
		boot_msg("vtlvisor: no EFI MP services: running on the boot CPU only\n");
		bi->cpus[0] = (struct bootinfo_cpu){ boot_apic_id(), BOOTINFO_CPU_BSP };
		bi->cpu_count = 1;
		bi->bsp_index = 0;
		return EFI_SUCCESS;
	}
	for (UINTN i = 0; i < count; i++) {
		EFI_PROCESSOR_INFORMATION info;

		if (EFI_ERROR(mp->GetProcessorInfo(mp, i, &info)) ||
		    !(info.StatusFlag & EFI_PROCESSOR_ENABLED))
			continue;
		if (bi->cpu_count == BOOTINFO_MAX_CPUS) {
			boot_msg("vtlvisor: more than %u CPUs: the rest stay unvirtualized\n",
				 BOOTINFO_MAX_CPUS);
			break;
		}
		u32 flags = (info.StatusFlag & EFI_PROCESSOR_AS_BSP) ? BOOTINFO_CPU_BSP : 0;
		if (flags & BOOTINFO_CPU_BSP)
			bi->bsp_index = bi->cpu_count;
		bi->cpus[bi->cpu_count++] = (struct bootinfo_cpu){ (u32)info.ProcessorId, flags };
	}
	*mp_out = mp;
	return bi->cpu_count ? EFI_SUCCESS : EFI_NOT_FOUND;
}

/* ---- virtualizing the CPUs ---------------------------------------------------------- */

/*
 * Everything the loader needs once the boot CPU is a guest. The pool (bootinfo, args) is
 * invisible to guests after takeover (they see the scratch page there), so the BSP works
 * from this copy. APs still run natively when they enter the core and may use the pool.
 */
struct ap_ctx {
	u32 cpu_count, bsp, limit;
	u64 host_cr3, entry;
	u32 apic_id[BOOTINFO_MAX_CPUS];
	struct boot_cpu_args *args; /* in the pool: only touched by not-yet-virtualized APs */
	volatile u32 ok;
	volatile u64 status[BOOTINFO_MAX_CPUS]; /* 0 not run, 1 skipped, 2 virtualized, else error */
};

/*
 * Runs on each AP through MP services. It must not call any UEFI service (it would
 * deadlock), so it only finds its own slot and enters the core.
 */
static void __attribute__((ms_abi)) ap_proc(void *arg)
{
	struct ap_ctx *ctx = arg;
	u32 id = boot_apic_id();

	for (u32 i = 0; i < ctx->cpu_count; i++) {
		if (ctx->apic_id[i] != id || i == ctx->bsp)
			continue;
		if (ctx->limit && i >= ctx->limit) {
			ctx->status[i] = 1; /* left alone on purpose */
			return;
		}
		u64 r = boot_enter_core(&ctx->args[i], ctx->host_cr3, ctx->entry);
		ctx->status[i] = r ? r : 2;
		if (!r)
			__atomic_add_fetch(&ctx->ok, 1, __ATOMIC_SEQ_CST);
		return;
	}
}

u32 boot_virtualize_cpus(struct bootinfo *bi, struct boot_cpu_args *args, void *mpv, u64 entry)
{
	EFI_MP_SERVICES_PROTOCOL *mp = mpv;
	static struct ap_ctx ctx;
	u64 r;

	ctx.cpu_count = bi->cpu_count;
	ctx.bsp = bi->bsp_index;
	ctx.limit = bi->config.cpu_limit;
	ctx.host_cr3 = bi->host_cr3;
	ctx.entry = entry;
	ctx.args = args;
	for (u32 i = 0; i < ctx.cpu_count; i++)
		ctx.apic_id[i] = bi->cpus[i].apic_id;
	bi = NULL; /* from here on the pool is out of reach */

	r = boot_enter_core(&args[ctx.bsp], ctx.host_cr3, entry);
	if (r) {
		boot_msg("vtlvisor: the boot CPU could not be virtualized (error %lld); see the "
			 "hypervisor console for why\n",
			 (long long)r);
		return 0;
	}
	boot_msg("vtlvisor: CPU %u (APIC %u, boot CPU) now runs in VMX non-root operation\n",
		 ctx.bsp, ctx.apic_id[ctx.bsp]);
	if (!mp || ctx.cpu_count < 2)
		return 1;
	/* One AP at a time (SingleThread), blocking (no event), no timeout. */
	EFI_STATUS st = mp->StartupAllAPs(mp, ap_proc, TRUE, NULL, 0, &ctx, NULL);
	if (EFI_ERROR(st))
		boot_msg("vtlvisor: MP services could not start the APs (status %#llx)\n",
			 (unsigned long long)st);
	for (u32 i = 0; i < ctx.cpu_count; i++) {
		if (i == ctx.bsp)
			continue;
		if (ctx.status[i] == 2)
			boot_msg("vtlvisor: CPU %u (APIC %u) now runs in VMX non-root operation\n",
				 i, ctx.apic_id[i]);
		else if (ctx.status[i] == 1)
			boot_msg("vtlvisor: CPU %u (APIC %u) left unvirtualized (cpus=%u)\n", i,
				 ctx.apic_id[i], ctx.limit);
		else
			boot_msg("vtlvisor: ERROR: CPU %u (APIC %u) was not virtualized (%lld): it "
				 "runs without the hypervisor's protection\n",
				 i, ctx.apic_id[i], (long long)ctx.status[i]);
	}
	return 1 + ctx.ok;
}
