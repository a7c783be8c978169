// SPDX-License-Identifier: MIT
/*
 * Check 3: restart the APs after ExitBootServices, the way an OS does (INIT-SIPI-SIPI to a
 * real-mode trampoline below 1 MiB), and see that each restarted AP runs the new code as a
 * guest of the hypervisor. Boot services are gone after exit_boot_services(): from then on
 * only COM1, the TSC, the local APIC and memory we already own.
 */
#include <efi.h>
#include <efilib.h>

#include "arch/x86/intrin.h"
#include "lib/compiler.h"
#include "tests/guests/ap_trampoline.h"
#include "lib/printf.h"
#include "tests/guests/report.h"
#include "tests/guests/vtl0test.h"

#define TRAMPOLINE_MAX_ADDR 0x9f000 /* below the EBDA; a SIPI vector addresses < 1 MiB */
#define EBS_TRIES 8
#define MAP_SLACK_DESCS 32
/*
 * Bound on the iterations of every TSC wait, per microsecond asked for, so that a TSC that
 * does not advance (or an emulator's odd one) can never hang the test.
 */
#define DELAY_ITERS_PER_US 1000
#define ICR_IDLE_POLLS 1000000

/* IA32_APIC_BASE (SDM Vol. 3A, "Local APIC Status and Location"). */
#define MSR_IA32_APIC_BASE 0x1b
#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull
/* ICR (SDM Vol. 3A, "Interrupt Command Register (ICR)"; x2APIC: MSR 830H, 64 bits). */
#define XAPIC_ICR_LO 0x300
#define XAPIC_ICR_HI 0x310
#define MSR_X2APIC_ICR 0x830
#define ICR_DM_INIT (5u << 8)
#define ICR_DM_STARTUP (6u << 8)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)

struct ap_plan {
	u64 page;	/* physical address of the trampoline page (4 KiB aligned, < 1 MiB) */
	u64 tsc_per_ms; /* measured with BS->Stall before ExitBootServices */
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN map_alloc;
	bool x2apic;
	u64 apic_base;
};

struct ap_result {
	bool started; /* the magic appeared */
	u32 count;
	u32 leaf1_ecx;
	u32 leaf1_ebx;
	u64 us; /* SIPI to magic, microseconds by the TSC */
};

static u64 tsc_to_us(const struct ap_plan *p, u64 ticks)
{
	return ticks * 1000 / p->tsc_per_ms;
}

static void delay_us(const struct ap_plan *p, u64 us)
{
	u64 ticks = p->tsc_per_ms * us / 1000, start = cpu_rdtsc();

	for (u64 i = 0; i < us * DELAY_ITERS_PER_US + 1000; i++) {
		if (cpu_rdtsc() - start >= ticks)
			break;
		cpu_relax();
	}
}

static volatile struct ap_mailbox *mailbox(const struct ap_plan *p)
{
	return (volatile struct ap_mailbox *)(uintptr_t)(p->page + AP_MAILBOX);
}

static void mailbox_clear(const struct ap_plan *p)
{
	volatile struct ap_mailbox *mb = mailbox(p);

	mb->magic = 0;
	mb->count = 0;
	mb->leaf1_ecx = 0;
	mb->leaf1_ebx = 0;
	__asm__ volatile("mfence" ::: "memory");
}

/* ---- before ExitBootServices ---- */

static int prepare(struct ap_plan *p)
{
	EFI_PHYSICAL_ADDRESS page = TRAMPOLINE_MAX_ADDR;
	UINTN map_size = 0, key, desc_size;
	UINT32 desc_ver;
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline_start);
	EFI_STATUS st;
	u64 t0, t1;

	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData, (UINTN)1,
			       &page);
	if (EFI_ERROR(st) || !IS_ALIGNED(page, PAGE_SIZE) || page >= 0x100000) {
		report_fail("ap.prepare",
			    "no trampoline page below 0x%x: AllocatePages 0x%lx, page "
			    "0x%lx",
			    TRAMPOLINE_MAX_ADDR, (u64)st, (u64)page);
		return -1;
	}
	p->page = page;
	if (len > AP_MAILBOX) {
		report_fail("ap.prepare", "trampoline of %lu bytes overlaps its mailbox at +0x%x",
			    (u64)len, AP_MAILBOX);
		return -1;
	}
	for (size_t i = 0; i < PAGE_SIZE; i++)
		((volatile u8 *)(uintptr_t)page)[i] = i < len ? ap_trampoline_start[i] : 0xf4;
	mailbox_clear(p);

	t0 = cpu_rdtsc();
	uefi_call_wrapper(BS->Stall, 1, (UINTN)10000);
	t1 = cpu_rdtsc();
	p->tsc_per_ms = MAX((t1 - t0) / 10, 1000ull);

	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, NULL, &key, &desc_size, &desc_ver);
	if (st != EFI_BUFFER_TOO_SMALL) {
		report_fail("ap.prepare", "GetMemoryMap(size 0) returned 0x%lx", (u64)st);
		return -1;
	}
	p->map_alloc = map_size + MAP_SLACK_DESCS * desc_size;
	st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, p->map_alloc, (void **)&p->map);
	if (EFI_ERROR(st)) {
		report_fail("ap.prepare", "AllocatePool(%lu) returned 0x%lx", (u64)p->map_alloc,
			    (u64)st);
		return -1;
	}
	report_info("ap: trampoline %lu bytes at 0x%lx (SIPI vector 0x%02lx), TSC %lu kHz "
		    "(BS->Stall(10000) took %lu ticks)",
		    (u64)len, p->page, p->page >> 12, p->tsc_per_ms, t1 - t0);
	return 0;
}

/*
 * The map key goes stale whenever the firmware allocates, so retry GetMemoryMap +
 * ExitBootServices; between the attempts only GetMemoryMap may be called (UEFI spec,
 * EFI_BOOT_SERVICES.ExitBootServices()), into the buffer allocated beforehand.
 */
static EFI_STATUS exit_boot_services(struct vt0_ctx *ctx, struct ap_plan *p, u32 *tries)
{
	EFI_STATUS st = EFI_INVALID_PARAMETER;

	for (*tries = 1; *tries <= EBS_TRIES; (*tries)++) {
		UINTN size = p->map_alloc, key = 0, desc_size = 0;
		UINT32 desc_ver = 0;

		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, p->map, &key, &desc_size,
				       &desc_ver);
		if (EFI_ERROR(st))
			return st;
		ctx->boot_services_gone = true;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, ctx->image, key);
		if (st != EFI_INVALID_PARAMETER)
			return st;
	}
	return st;
}

/* ---- after ExitBootServices ---- */

static void xapic_wait_idle(const struct ap_plan *p)
{
	for (u32 i = 0; i < ICR_IDLE_POLLS; i++) {
		if (!(mmio_read32(p->apic_base + XAPIC_ICR_LO) & ICR_DELIVERY_PENDING))
			return;
		cpu_relax();
	}
}

static void send_ipi(const struct ap_plan *p, u32 apic_id, u32 icr_lo)
{
	if (p->x2apic) {
		cpu_wrmsr(MSR_X2APIC_ICR, ((u64)apic_id << 32) | icr_lo);
		return;
	}
	xapic_wait_idle(p);
	mmio_write32(p->apic_base + XAPIC_ICR_HI, apic_id << 24);
	mmio_write32(p->apic_base + XAPIC_ICR_LO, icr_lo);
	xapic_wait_idle(p);
}

/*
 * INIT, then 10 ms: the AP is in its INIT state, waiting for a SIPI (SDM Vol. 3A, "Typical
 * BSP Initialization Sequence"). In xAPIC mode the INIT level de-assert follows the INIT,
 * as Linux sends it (the SDM's own sequence has none: processors since the Pentium 4
 * ignore it, see the ICR "Level" flag in SDM Vol. 3A, "Interrupt Command Register (ICR)");
 * in x2APIC mode it is left out.
 */
static void init_ap(const struct ap_plan *p, u32 apic_id)
{
	send_ipi(p, apic_id, ICR_TRIGGER_LEVEL | ICR_LEVEL_ASSERT | ICR_DM_INIT);
	delay_us(p, 10000);
	if (!p->x2apic)
		send_ipi(p, apic_id, ICR_TRIGGER_LEVEL | ICR_DM_INIT);
}

/*
 * INIT, 10 ms, SIPI, 200 us, SIPI: the BSP's sequence in SDM Vol. 3A, "Typical BSP
 * Initialization Sequence" (MP initialization protocol), sent to one AP.
 */
static void restart_ap(const struct ap_plan *p, u32 apic_id, struct ap_result *r)
{
	volatile struct ap_mailbox *mb = mailbox(p);
	u32 vector = (u32)(p->page >> 12);
	u64 start, limit = p->tsc_per_ms * 1000;

	*r = (struct ap_result){ 0 };
	mailbox_clear(p);
	init_ap(p, apic_id);
	start = cpu_rdtsc();
	send_ipi(p, apic_id, ICR_LEVEL_ASSERT | ICR_DM_STARTUP | vector);
	delay_us(p, 200);
	/* Always the second SIPI, as OSes send it: an AP already running must ignore it. */
	send_ipi(p, apic_id, ICR_LEVEL_ASSERT | ICR_DM_STARTUP | vector);

	/* Up to ~1 s for the magic. */
	for (u64 i = 0; i < 1000000ull * DELAY_ITERS_PER_US; i++) {
		if (mb->magic == AP_MAGIC) {
			r->started = true;
			break;
		}
		if (cpu_rdtsc() - start >= limit)
			break;
		cpu_relax();
	}
	r->us = tsc_to_us(p, cpu_rdtsc() - start);
	/* A few more microseconds so a second start (a bug) would show in the count. */
	delay_us(p, 1000);
	__asm__ volatile("mfence" ::: "memory");
	r->count = mb->count;
	r->leaf1_ecx = mb->leaf1_ecx;
	r->leaf1_ebx = mb->leaf1_ebx;
}

static void report_ap(u32 cpu, u32 apic_id, const char *what, const struct ap_result *r)
{
	report_info("ap %s: cpu %u apic_id %u: %s, count %u, leaf1.ecx=0x%08x leaf1.ebx=0x%08x, "
		    "%lu us",
		    what, cpu, apic_id, r->started ? "magic written" : "NO magic", r->count,
		    r->leaf1_ecx, r->leaf1_ebx, r->us);
}

/* Appends "cpu N (apic A): text" to a FAIL reason. */
static void restart_why_add(char *why, int *len, u32 *count, u32 cpu, u32 apic_id, const char *text,
			    u32 val)
{
	if (*len < REPORT_LINE_MAX)
		*len += snprintf(why + *len, REPORT_LINE_MAX - *len, "%scpu %u (apic %u): %s0x%08x",
				 *count ? "; " : "", cpu, apic_id, text, val);
	(*count)++;
}

static void restart_all(struct vt0_ctx *ctx, const struct ap_plan *p)
{
	const struct mp_info *mp = &ctx->mp;
	char why_start[REPORT_LINE_MAX] = "", why_guest[REPORT_LINE_MAX] = "";
	int len_start = 0, len_guest = 0;
	u32 bad_start = 0, bad_guest = 0, aps = 0, first_ap = 0, started = 0;
	struct ap_result r;

	for (u32 i = 0; i < mp->count; i++) {
		u32 apic_id = mp->cpus[i].apic_id;
		bool hv;

		if (i == mp->bsp)
			continue;
		if (!aps++)
			first_ap = i;
		restart_ap(p, apic_id, &r);
		report_ap(i, apic_id, "restart", &r);
		if (!r.started) {
			restart_why_add(why_start, &len_start, &bad_start, i, apic_id,
					"no magic, mailbox count ", r.count);
			continue;
		}
		started++;
		/* Without vtlvisor the restarted AP must not see a hypervisor bit the BSP lacks. */
		hv = r.leaf1_ecx & CPUID1_ECX_HYPERVISOR;
		if (ctx->opt.expect_no_hv ? hv && !(cpu_cpuid(1, 0).ecx & CPUID1_ECX_HYPERVISOR) :
					    !hv)
			restart_why_add(why_guest, &len_guest, &bad_guest, i, apic_id,
					"CPUID.1:ECX after restart ", r.leaf1_ecx);
	}
	if (!aps) {
		report_info("ap: only one CPU, no AP to restart");
		return;
	}
	report_result("ap.restart", !bad_start, "%s", why_start);
	report_result(ctx->opt.expect_no_hv ? "ap.restart_native" : "ap.restart_as_guest",
		      started && !bad_guest, "%s",
		      started ? why_guest : "no AP started, so none ran the new code");

	/* A VP must survive being restarted twice. */
	restart_ap(p, mp->cpus[first_ap].apic_id, &r);
	report_ap(first_ap, mp->cpus[first_ap].apic_id, "second restart", &r);
	report_result("ap.restart_twice",
		      r.started && r.count == 1 &&
			      (ctx->opt.expect_no_hv || (r.leaf1_ecx & CPUID1_ECX_HYPERVISOR)),
		      "cpu %u (apic %u) second restart: magic %s, count %u, leaf1.ecx=0x%08x",
		      first_ap, mp->cpus[first_ap].apic_id, r.started ? "written" : "missing",
		      r.count, r.leaf1_ecx);
}

/*
 * "x2apic": xAPIC -> x2APIC is the one legal direct transition (EN stays set, EXTD set);
 * SDM Vol. 3A, "x2APIC State Transitions". Returns the new IA32_APIC_BASE.
 */
static u64 enter_x2apic(u64 apic_msr)
{
	if (apic_msr & APIC_BASE_EXTD)
		return apic_msr;
	if (!(cpu_cpuid(1, 0).ecx & CPUID1_ECX_X2APIC) || !(apic_msr & APIC_BASE_EN)) {
		report_info("ap: x2apic asked for, but CPUID.1:ECX.x2APIC=0 or the APIC is off: "
			    "staying in xAPIC mode");
		return apic_msr;
	}
	cpu_wrmsr(MSR_IA32_APIC_BASE, apic_msr | APIC_BASE_EXTD);
	return cpu_rdmsr(MSR_IA32_APIC_BASE);
}

void vt0_check_ap(struct vt0_ctx *ctx)
{
	struct ap_plan p = { 0 };
	EFI_STATUS st;
	u32 tries = 0;
	u64 apic_msr;

	if (prepare(&p))
		return;
	report_info("ap: calling ExitBootServices; from here on COM1 only");
	st = exit_boot_services(ctx, &p, &tries);
	if (ctx->boot_services_gone)
		report_set_conout(false);
	cpu_cli();
	if (EFI_ERROR(st)) {
		report_fail("ap.exit_boot_services", "status 0x%lx after %u attempt(s)", (u64)st,
			    tries);
		return;
	}
	report_pass("ap.exit_boot_services");

	apic_msr = cpu_rdmsr(MSR_IA32_APIC_BASE);
	if (ctx->opt.x2apic)
		apic_msr = enter_x2apic(apic_msr);
	p.x2apic = apic_msr & APIC_BASE_EXTD;
	p.apic_base = apic_msr & APIC_BASE_ADDR_MASK;
	report_info("ap: IA32_APIC_BASE=0x%lx (%s, %s), %u attempt(s) to exit boot services",
		    apic_msr, p.x2apic ? "x2APIC" : "xAPIC",
		    (apic_msr & APIC_BASE_EN) ? "enabled" : "DISABLED", tries);
	if (!(apic_msr & APIC_BASE_EN)) {
		report_fail("ap.restart", "the BSP's local APIC is disabled: IA32_APIC_BASE=0x%lx",
			    apic_msr);
		return;
	}
	restart_all(ctx, &p);
}
