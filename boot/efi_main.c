/* SPDX-License-Identifier: MIT */
/*
 * vtlvisor.efi: checks the machine, loads the core into a pool the OS never reclaims,
 * virtualizes every CPU in place, then carries on as the root partition's VTL0: starts the
 * configured next image or returns to whoever started it. Anything missing: a clear message
 * on the firmware console and the serial port, EFI_UNSUPPORTED, and the machine boots on
 * without the hypervisor. See docs/BOOT.md.
 */
#include <efi.h>
#include <efilib.h>

#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx_caps.h"
#include "boot/loader.h"
#include "boot/out.h"
#include "lib/compiler.h"
#include "lib/string.h"

static EFI_GUID info_guid = VTLVISOR_INFO_GUID;

/* UCS-2 to ASCII, dropping what is not ASCII. */
static void to_ascii(char *dst, size_t n, const CHAR16 *src, size_t chars)
{
	size_t j = 0;

	for (size_t i = 0; i < chars && src[i] && j + 1 < n; i++)
		dst[j++] = src[i] < 0x80 ? (char)src[i] : '?';
	dst[j] = 0;
}

/* vtlvisor.cfg from the loader's own directory, if there is one. */
static void read_config_file(EFI_LOADED_IMAGE *li, char *buf, size_t n)
{
	EFI_FILE_HANDLE root, f;
	CHAR16 path[BOOT_PATH_MAX + 16];
	CHAR16 *self = DevicePathToStr(li->FilePath);
	UINTN len = 0, size = n - 1;

	buf[0] = 0;
	if (!self)
		return;
	/* Directory part of our own path, then the file name. */
	for (UINTN i = 0; i < BOOT_PATH_MAX && self[i]; i++)
		if (self[i] == L'\\')
			len = i + 1;
	for (UINTN i = 0; i < len; i++)
		path[i] = self[i];
	StrCpy(path + len, L"vtlvisor.cfg");
	FreePool(self);
	root = LibOpenRoot(li->DeviceHandle);
	if (!root)
		return;
	if (!EFI_ERROR(uefi_call_wrapper(root->Open, 5, root, &f, path, EFI_FILE_MODE_READ, 0))) {
		if (EFI_ERROR(uefi_call_wrapper(f->Read, 3, f, &size, buf)))
			size = 0;
		buf[size] = 0;
		uefi_call_wrapper(f->Close, 1, f);
	}
	uefi_call_wrapper(root->Close, 1, root);
}

static void load_config(EFI_HANDLE image, EFI_LOADED_IMAGE *li, struct boot_config *cfg)
{
	static char text[4096], errs[512], opts[1024];
	int bad;

	boot_config_defaults(cfg);
	read_config_file(li, text, sizeof(text));
	bad = boot_config_parse(cfg, text, errs, sizeof(errs));
	if (li->LoadOptions && li->LoadOptionsSize) {
		to_ascii(opts, sizeof(opts), li->LoadOptions, li->LoadOptionsSize / 2);
		char *e = errs + strlen(errs);
		bad += boot_config_parse(cfg, opts, e, sizeof(errs) - (size_t)(e - errs));
	}
	boot_out_init(cfg->console_port, cfg->console_baud);
	if (bad)
		boot_msg("vtlvisor: ignoring %d configuration problem(s):\n%s", bad, errs);
}

/* DESIGN.md 1.2: VMX, and IA32_FEATURE_CONTROL locked with VMX outside SMX enabled. */
static EFI_STATUS check_cpu(struct vmx_caps *caps)
{
	char why[160], summary[320];

	if (!vmx_cpu_has_vmx()) {
		boot_msg("vtlvisor: VMX not available on this CPU (CPUID.1:ECX.VMX = 0): "
			 "vtlvisor needs Intel VT-x; not supported, booting on without it\n");
		return EFI_UNSUPPORTED;
	}
	/* SDM vol.3 24.7: VMXON needs the lock bit and VMX-outside-SMX set in this MSR. */
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK)) {
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
		boot_msg(
			"vtlvisor: IA32_FEATURE_CONTROL was unlocked: set lock + VMX outside SMX\n");
	} else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		boot_msg("vtlvisor: VMX is disabled by the firmware (IA32_FEATURE_CONTROL = %#llx, "
			 "locked): enable Intel VT-x in the firmware setup; not supported, booting "
			 "on without it\n",
			 (unsigned long long)fc);
		return EFI_UNSUPPORTED;
	}
	vmx_caps_read(caps);
	vmx_caps_summary(caps, summary, sizeof(summary));
	boot_msg("vtlvisor: %s\n", summary);
	if (vmx_caps_check(caps, why, sizeof(why))) {
		boot_msg("vtlvisor: %s; not supported, booting on without it\n", why);
		return EFI_UNSUPPORTED;
	}
	return EFI_SUCCESS;
}

/*
 * The local APIC timer's register, in the APIC's current mode (SDM vol.3 10.5.4: LVT timer
 * 0x320, initial count 0x380, current count 0x390, divide configuration 0x3E0; x2APIC MSR =
 * 0x800 + offset / 16, 10.12.1.2). The firmware's page tables map the xAPIC page.
 */
static u32 lapic_reg(u64 base, u32 off, bool write, u32 val)
{
	if (base & (1ULL << 10)) {
		if (write)
			wrmsr(0x800 + (off >> 4), val);
		return write ? 0 : (u32)rdmsr(0x800 + (off >> 4));
	}
	volatile u32 *r = (volatile u32 *)(uintptr_t)((base & ~0xfffULL) + off);
	if (write)
		*r = val;
	return write ? 0 : *r;
}

/*
 * The TSC rate and the local APIC timer's input clock, both against the firmware's own
 * timer (BS->Stall, 20 ms), for the TLFS reference time and frequency MSRs. The APIC timer
 * counts down from 0xFFFFFFFF with divide-by-1 and its interrupt masked, then gets the
 * firmware's settings back (a running firmware timer restarts its current period).
 */
static void measure_clocks(struct bootinfo *bi)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);
	bool apic = base & (1ULL << 11);
	u32 lvt = 0, init = 0, div = 0, left = 0;

	if (apic) {
		lvt = lapic_reg(base, 0x320, false, 0);
		init = lapic_reg(base, 0x380, false, 0);
		div = lapic_reg(base, 0x3e0, false, 0);
		lapic_reg(base, 0x320, true, (1u << 16) | (lvt & 0xff)); /* masked, one-shot */
		lapic_reg(base, 0x3e0, true, 0xb);			 /* divide by 1 */
		lapic_reg(base, 0x380, true, 0xffffffffu);
	}
	u64 t0 = rdtsc();
	uefi_call_wrapper(BS->Stall, 1, (UINTN)20000);
	u64 t1 = rdtsc();
	if (apic) {
		left = lapic_reg(base, 0x390, false, 0);
		lapic_reg(base, 0x380, true, 0);
		lapic_reg(base, 0x3e0, true, div);
		lapic_reg(base, 0x320, true, lvt);
		lapic_reg(base, 0x380, true, init);
	}
	u64 khz = (t1 - t0) / 20;
	u64 apic_khz = apic ? (0xffffffffULL - left) / 20 : 0;

	boot_msg("vtlvisor: TSC runs at %llu kHz, the APIC timer at %llu kHz (measured over 20 "
		 "ms)\n",
		 (unsigned long long)khz, (unsigned long long)apic_khz);
	bi->tsc_khz = khz > 0xffffffffULL ? 0 : (u32)khz;
	/* A timer that ran out (or did not move) measured nothing. */
	bi->apic_timer_khz = (left && apic_khz && apic_khz <= 0xffffffffULL) ? (u32)apic_khz : 0;
}

static void publish_info(struct bootinfo *bi)
{
	struct vtlvisor_efi_info *info = NULL;

	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePool, 3, EfiRuntimeServicesData, sizeof(*info),
					(void **)&info)))
		return;
	*info = (struct vtlvisor_efi_info){ BOOTINFO_MAGIC, BOOTINFO_VERSION, bi->cpu_count,
					    bi->pool_base, bi->pool_size };
	uefi_call_wrapper(BS->InstallConfigurationTable, 2, &info_guid, info);
}

static EFI_STATUS start_next(EFI_HANDLE image, EFI_LOADED_IMAGE *li, const char *next)
{
	CHAR16 path[BOOT_PATH_MAX];
	EFI_DEVICE_PATH *dp;
	EFI_HANDLE child;
	EFI_STATUS st;
	size_t i;

	for (i = 0; next[i] && i + 1 < BOOT_PATH_MAX; i++)
		path[i] = (CHAR16)next[i];
	path[i] = 0;
	dp = FileDevicePath(li->DeviceHandle, path);
	st = uefi_call_wrapper(BS->LoadImage, 6, FALSE, image, dp, NULL, 0, &child);
	if (EFI_ERROR(st)) {
		boot_msg("vtlvisor: cannot load next=%s (status %#llx)\n", next,
			 (unsigned long long)st);
		return st;
	}
	boot_msg("vtlvisor: starting %s\n", next);
	return uefi_call_wrapper(BS->StartImage, 3, child, NULL, NULL);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	static struct boot_config cfg;
	static struct vmx_caps caps;
	struct boot_pool pool;
	struct bootinfo *bi;
	struct boot_cpu_args *args;
	EFI_LOADED_IMAGE *li = NULL;
	EFI_STATUS st;
	void *mp;
	u64 entry;

	InitializeLib(image, systab);
	uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (!li)
		return EFI_LOAD_ERROR;
	load_config(image, li, &cfg);
	boot_msg("vtlvisor: loader starting (pool %llu MiB, console port %#x, log level %u)\n",
		 (unsigned long long)(cfg.pool_size >> 20), cfg.console_port, cfg.log_level);
	st = check_cpu(&caps);
	if (EFI_ERROR(st))
		return st;

	st = boot_pool_alloc(&pool, cfg.pool_size);
	if (EFI_ERROR(st)) {
		boot_msg("vtlvisor: cannot allocate a %llu MiB pool (status %#llx): try a smaller "
			 "pool= option; booting on without the hypervisor\n",
			 (unsigned long long)(cfg.pool_size >> 20), (unsigned long long)st);
		return EFI_UNSUPPORTED;
	}
	/* Pool layout: core image (first: its header marks the pool), tables, bootinfo, args,
	 * per-CPU stacks; the core's allocator owns the rest. */
	static struct bootinfo tmp_bi;
	st = EFI_OUT_OF_RESOURCES;
	tmp_bi.pool_base = pool.base;
	tmp_bi.pool_size = pool.size;
	if (EFI_ERROR(boot_read_memmap(&tmp_bi)) ||
	    EFI_ERROR(boot_load_core(&pool, &tmp_bi, &entry)))
		goto fail;
	bi = boot_pool_take(&pool, sizeof(*bi), PAGE_SIZE);
	if (!bi)
		goto fail;
	*bi = tmp_bi;
	bi->magic = BOOTINFO_MAGIC;
	bi->version = BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->phys_addr_bits = caps.phys_addr_bits;
	measure_clocks(bi);
	bi->config = (struct bootinfo_config){ .console_port = cfg.console_port,
					       .console_baud = cfg.console_baud,
					       .log_level = cfg.log_level,
					       .cpu_limit = cfg.cpu_limit,
					       .e9_console = cfg.e9,
					       .hv_off = cfg.hv_off };
#ifdef VTLV_COUNT_INSNS
	bi->config.insn_trace = cfg.insn_trace;
#endif
	st = boot_read_cpus(bi, &mp);
	if (EFI_ERROR(st))
		goto fail;
	args = boot_pool_take(&pool, sizeof(*args) * bi->cpu_count, 64);
	if (!args)
		goto fail;
	for (u32 i = 0; i < bi->cpu_count; i++) {
		u8 *stack = boot_pool_take(&pool, BOOT_CPU_STACK_SIZE, PAGE_SIZE);
		if (!stack)
			goto fail;
		args[i].cpu_index = i;
		args[i].stack_top = (u64)(uintptr_t)(stack + BOOT_CPU_STACK_SIZE);
		args[i].bootinfo = bi;
	}
	/* Everything the loader puts in the pool is allocated by now: the core owns the rest. */
	bi->pool_used = pool.cursor - pool.base;
	publish_info(bi);
	boot_msg("vtlvisor: pool %#llx-%#llx, core %llu KiB, %u CPU(s); taking over\n",
		 (unsigned long long)bi->pool_base,
		 (unsigned long long)(bi->pool_base + bi->pool_size - 1),
		 (unsigned long long)(bi->core_size >> 10), bi->cpu_count);

	u32 ncpu = bi->cpu_count;
	u32 n = boot_virtualize_cpus(bi, args, mp, entry);
	bi = NULL; /* the pool is out of the loader's reach now */
	if (n == 0) {
		uefi_call_wrapper(BS->InstallConfigurationTable, 2, &info_guid, NULL);
		uefi_call_wrapper(BS->FreePages, 2, pool.base, pool.size / PAGE_SIZE);
		boot_msg("vtlvisor: not running; booting on without it\n");
		return EFI_UNSUPPORTED;
	}
	boot_msg("vtlvisor: running: %u of %u CPU(s) virtualized; the firmware is now the root "
		 "partition's VTL0\n",
		 n, ncpu);
	if (cfg.next[0])
		return start_next(image, li, cfg.next);
	return EFI_SUCCESS;

fail:
	uefi_call_wrapper(BS->FreePages, 2, pool.base, pool.size / PAGE_SIZE);
	boot_msg("vtlvisor: out of pool memory while loading (status %#llx): try pool=64M; "
		 "booting on without the hypervisor\n",
		 (unsigned long long)st);
	return EFI_UNSUPPORTED;
}
