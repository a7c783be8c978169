// SPDX-License-Identifier: MIT
/*
 * Check 3: restart the APs after ExitBootServices, the way an OS does (INIT-SIPI-SIPI to a
 * real-mode trampoline below 1 MiB), and see that each restarted AP runs the new code as a
 * guest of the hypervisor. Then start one AP the way Linux does under Hyper-V with SEV-SNP:
 * INIT, and instead of a SIPI HvCallStartVirtualProcessor into VTL0 with a 64-bit context
 * (ap.start_vp_vtl0*). Boot services are gone after exit_boot_services(): from then on
 * only COM1, the TSC, the local APIC and memory we already own.
 */
#include <efi.h>
#include <efilib.h>

#include "arch/x86/intrin.h"
#include "lib/compiler.h"
#include "tests/guests/ap_trampoline.h"
#include "lib/printf.h"
#include "tests/guests/report.h"
#include "tests/guests/vsm.h"
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
	u64 hc_page; /* for ap.start_vp_vtl0: the hypercall page (loader code: executable) */
	u64 io;	     /* and its input/output page; 0 when they could not be allocated */
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
	EFI_PHYSICAL_ADDRESS page = TRAMPOLINE_MAX_ADDR, hc = 0, io = 0;
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
	/* Loader code and data: kept after ExitBootServices, the code page executable in the
	 * firmware's page tables (the hypercall page is called into). */
	if (!EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderCode,
					 (UINTN)1, &hc)))
		p->hc_page = hc;
	if (!EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					 (UINTN)1, &io)))
		p->io = io;

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

/* Returns the first AP's CPU index (restarted twice), or mp->count when there is none. */
static u32 restart_all(struct vt0_ctx *ctx, const struct ap_plan *p)
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
		return mp->count;
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
	return first_ap;
}

/* ---- HvCallStartVirtualProcessor into VTL0 of a parked AP ---- */

#define SV_GUEST_OS_ID (0x8001000000000000ull | 0x5356) /* open source (bit 63), "SV" */
#define SV_HC_FILL 0xcc /* INT3: a page that never became the hypercall page traps */
#define SV_OUT 0x800	/* GetVpIndexFromApicId's output, in the input page */
/* RFLAGS of the start: bit 1 (always set), CF, PF, ZF and OF, which nothing but the context
 * sets before the routine reads them; IF clear. */
#define SV_RFLAGS 0x847ull
#define SV_STACK_SIZE 4096
#define SV_RSP_BELOW_TOP 0x48 /* an RSP the routine could not have made up */
#define SV_WAIT_US 1000000    /* for the routine's magic, as for a SIPI's */
#define MSR_EFER 0xc0000080u
#define MSR_PAT 0x277u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define CR0_PE BIT(0)
#define EFER_LME BIT(8)
#define AR_D BIT(14) /* segment attributes: D/B (SDM vol.3 3.4.5) */

static u8 sv_stack[SV_STACK_SIZE] __attribute__((aligned(16)));
/* A 64-bit TSS for the context's TR (SDM vol.3 8.7); never read: the routine changes no
 * privilege level and takes no interrupt. */
static u8 sv_tss[0x68] __attribute__((aligned(16)));

enum { SV_NOT_PARKED, SV_BAD_INPUT, SV_BAD_CONTEXT, SV_START, SV_TWICE, SV_THEN_SIPI, SV_CHECKS };
static const char *const sv_names[SV_CHECKS] = {
	[SV_NOT_PARKED] = "ap.start_vp_vtl0_not_parked",
	[SV_BAD_INPUT] = "ap.start_vp_vtl0_bad_input",
	[SV_BAD_CONTEXT] = "ap.start_vp_vtl0_bad_context",
	[SV_START] = "ap.start_vp_vtl0",
	[SV_TWICE] = "ap.start_vp_vtl0_twice",
	[SV_THEN_SIPI] = "ap.start_vp_vtl0_then_sipi",
};

struct start_vp {
	const struct ap_plan *p;
	const volatile u8 *hc;
	u32 cpu, apic_id;
	u32 vp, bsp_vp, vps;
	struct hv_enable_vp_vtl good; /* the start of the AP into VTL0 at ap_start_vp_entry */
};

/* Every check, all with the same SKIP or FAIL reason. */
static void sv_rest(bool skip, const char *why)
{
	for (u32 i = 0; i < SV_CHECKS; i++) {
		if (skip)
			report_skip(sv_names[i], "%s", why);
		else
			report_fail(sv_names[i], "%s", why);
	}
}

/*
 * The segment sel of this CPU's GDT as HV_X64_SEGMENT_REGISTER: base, limit in bytes, and
 * descriptor bits 47:40 and 55:52 as attributes 7:0 and 15:12 (SDM vol.3 3.4.5; the VMX
 * access-rights layout, 25.4.1, which the TLFS uses). A null selector, an LDT one or one
 * beyond the GDT: not present, which the hypervisor takes as unusable.
 */
static struct hv_segment gdt_segment(const struct vt0_dtr *gdtr, u16 sel)
{
	struct hv_segment s = { .selector = sel };
	u64 d;

	if (!(sel & ~3u) || (sel & 4) || (u32)(sel | 7u) > gdtr->limit)
		return s;
	d = *(const volatile u64 *)(uintptr_t)(gdtr->base + (sel & ~7u));
	s.base = ((d >> 16) & 0xffffff) | ((d >> 56) << 24);
	s.limit = (u32)((d & 0xffff) | ((d >> 32) & 0xf0000));
	if (d & BIT(55)) /* G: the limit counts 4 KiB pages */
		s.limit = s.limit << 12 | 0xfff;
	s.attributes = (u16)(((d >> 40) & 0xff) | (((d >> 52) & 0xf) << 12));
	return s;
}

/*
 * The BSP's own long-mode state (the firmware's identity map is still in place after
 * ExitBootServices), at RIP ap_start_vp_entry on a stack of ours with RFLAGS SV_RFLAGS.
 * TR: a TSS of ours, selector 0 (OVMF under Bochs loads no TR at all; VM entry wants a
 * present busy 64-bit TSS, SDM vol.3 27.3.1.2). LDTR unusable: the routine uses no LDT.
 */
static void sv_context(struct hv_initial_vp_context *c)
{
	struct vt0_dtr gdtr = vt0_gdtr_now(), idtr = vt0_idtr_now();

	__builtin_memset(c, 0, sizeof(*c));
	c->rip = (u64)(uintptr_t)ap_start_vp_entry;
	c->rsp = (u64)(uintptr_t)sv_stack + SV_STACK_SIZE - SV_RSP_BELOW_TOP;
	c->rflags = SV_RFLAGS;
	c->cs = gdt_segment(&gdtr, read_cs());
	c->ds = gdt_segment(&gdtr, read_ds());
	c->es = gdt_segment(&gdtr, read_es());
	c->fs = gdt_segment(&gdtr, read_fs());
	c->gs = gdt_segment(&gdtr, read_gs());
	c->ss = gdt_segment(&gdtr, read_ss());
	/* In 64-bit mode FS and GS bases are the MSRs' (SDM vol.3 3.4.4). */
	c->fs.base = cpu_rdmsr(MSR_FS_BASE);
	c->gs.base = cpu_rdmsr(MSR_GS_BASE);
	c->tr = (struct hv_segment){ .base = (u64)(uintptr_t)sv_tss,
				     .limit = sizeof(sv_tss) - 1,
				     .attributes = VSM_AR_TSS64 };
	c->idtr.limit = idtr.limit;
	c->idtr.base = idtr.base;
	c->gdtr.limit = gdtr.limit;
	c->gdtr.base = gdtr.base;
	c->efer = cpu_rdmsr(MSR_EFER);
	c->cr0 = read_cr0();
	c->cr3 = read_cr3();
	c->cr4 = read_cr4();
	c->pat = cpu_rdmsr(MSR_PAT);
}

/* HvCallStartVirtualProcessor (memory form, reference 1.7) with input in; RAX back. */
static u64 sv_call(const struct start_vp *s, const struct hv_enable_vp_vtl *in)
{
	__builtin_memcpy((void *)(uintptr_t)s->p->io, in, sizeof(*in));
	return vt0_hypercall(s->hc, HVCALL_START_VIRTUAL_PROCESSOR, s->p->io, 0);
}

static void sv_block_clear(void)
{
	__builtin_memset((void *)&ap_start_vp_block, 0, sizeof(ap_start_vp_block));
	__asm__ volatile("mfence" ::: "memory");
}

/* GUEST_OS_ID, then the hypercall page (reference 2.2: it stays off while the ID is 0); the
 * VP index of the AP (GetVpIndexFromApicId, as Linux finds it) and of the BSP. */
static bool sv_setup(struct vt0_ctx *ctx, struct start_vp *s, char *why, size_t n)
{
	volatile u64 *in = (volatile u64 *)(uintptr_t)s->p->io;
	volatile u32 *out = (volatile u32 *)(uintptr_t)(s->p->io + SV_OUT);
	u64 bsp_vp = ~0ull, rax;

	if (!s->p->hc_page || !s->p->io) {
		snprintf(why, n, "not run: AllocatePages for the hypercall pages failed");
		return false;
	}
	__builtin_memset((void *)(uintptr_t)s->p->hc_page, SV_HC_FILL, PAGE_SIZE);
	if (!vt0_try_wrmsr(HV_MSR_GUEST_OS_ID, SV_GUEST_OS_ID) ||
	    !vt0_try_wrmsr(HV_MSR_HYPERCALL, s->p->hc_page | 1) ||
	    !vt0_try_rdmsr(HV_MSR_VP_INDEX, &bsp_vp) || *s->hc == SV_HC_FILL) {
		snprintf(why, n,
			 "not run: GUEST_OS_ID or HYPERCALL refused (#GP), or no hypercall page "
			 "at 0x%lx (first byte 0x%02x)",
			 s->p->hc_page, *s->hc);
		return false;
	}
	s->bsp_vp = (u32)bsp_vp;
	in[0] = HV_PARTITION_ID_SELF;
	in[1] = 0; /* TargetVtl 0, 7 bytes padding */
	((volatile u32 *)in)[4] = s->apic_id;
	*out = 0xdead;
	rax = vt0_hypercall(s->hc, HVCALL_GET_VP_INDEX_FROM_APIC_ID | HV_CONTROL_REP_COUNT(1),
			    s->p->io, s->p->io + SV_OUT);
	if (HV_RESULT_STATUS(rax) != HV_STATUS_SUCCESS || HV_RESULT_REPS(rax) != 1) {
		snprintf(why, n, "not run: GetVpIndexFromApicId(APIC %u) RAX 0x%lx", s->apic_id,
			 rax);
		return false;
	}
	s->vp = *out;
	s->vps = ctx->mp.count;
	s->good = (struct hv_enable_vp_vtl){ .partition_id = HV_PARTITION_ID_SELF,
					     .vp_index = s->vp,
					     .target_vtl = 0 };
	sv_context(&s->good.ctx);
	report_info("ap start_vp: cpu %u (apic %u) is VP %u, the BSP VP %u; context RIP 0x%lx "
		    "RSP 0x%lx RFLAGS 0x%lx CS 0x%x/0x%x SS 0x%x/0x%x CR0 0x%lx CR3 0x%lx CR4 "
		    "0x%lx EFER 0x%lx",
		    s->cpu, s->apic_id, s->vp, s->bsp_vp, s->good.ctx.rip, s->good.ctx.rsp,
		    s->good.ctx.rflags, s->good.ctx.cs.selector, s->good.ctx.cs.attributes,
		    s->good.ctx.ss.selector, s->good.ctx.ss.attributes, s->good.ctx.cr0,
		    s->good.ctx.cr3, s->good.ctx.cr4, s->good.ctx.efer);
	return true;
}

/*
 * The AP runs VTL0 (the trampoline, after its SIPI restart): it is not parked, and the
 * start of its VTL0 is refused with INVALID_VP_STATE (docs/VSM.md; OpenHCL: "VP already
 * started"); the AP runs on, not restarted.
 */
static void sv_check_not_parked(struct start_vp *s)
{
	volatile struct ap_mailbox *mb = mailbox(s->p);
	struct why w = { 0 };
	u64 rax;

	if (mb->magic != AP_MAGIC || mb->count != 1) {
		report_fail(sv_names[SV_NOT_PARKED],
			    "not run: cpu %u did not come up from its SIPI restart (magic 0x%x, "
			    "count %u), so it is not known to run VTL0",
			    s->cpu, mb->magic, mb->count);
		return;
	}
	rax = sv_call(s, &s->good);
	delay_us(s->p, 1000);
	if (HV_RESULT_STATUS(rax) != HV_STATUS_INVALID_VP_STATE)
		why_add(&w, "RAX 0x%lx, want status 0x%x (INVALID_VP_STATE)", rax,
			HV_STATUS_INVALID_VP_STATE);
	if (ap_start_vp_block.count || mb->count != 1)
		why_add(&w, "the AP was restarted: routine count %u, trampoline count %u",
			ap_start_vp_block.count, mb->count);
	report_result(sv_names[SV_NOT_PARKED], !w.count, "%s", w.buf);
}

/* The input checks that come before the VP's state, each on an otherwise good start of the
 * parked AP (docs/VSM.md, HvCallStartVirtualProcessor; OpenHCL's statuses). */
static void sv_check_bad_input(struct start_vp *s)
{
	const struct {
		const char *what;
		u64 partition;
		u32 vp;
		u8 vtl, rsvd;
		u16 want;
	} cases[] = {
		{ "PartitionId 0", 0, s->vp, 0, 0, HV_STATUS_INVALID_PARTITION_ID },
		{ "a reserved byte set", HV_PARTITION_ID_SELF, s->vp, 0, 1,
		  HV_STATUS_INVALID_PARAMETER },
		{ "TargetVtl 2 (above MaximumVtl 1)", HV_PARTITION_ID_SELF, s->vp, 2, 0,
		  HV_STATUS_INVALID_PARAMETER },
		{ "VpIndex HV_VP_INDEX_SELF", HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, 0, 0,
		  HV_STATUS_INVALID_VP_INDEX },
		{ "VpIndex of the caller", HV_PARTITION_ID_SELF, s->bsp_vp, 0, 0,
		  HV_STATUS_INVALID_VP_INDEX },
		{ "VpIndex past the last VP", HV_PARTITION_ID_SELF, s->vps, 0, 0,
		  HV_STATUS_INVALID_VP_INDEX },
		{ "TargetVtl 1 (above the caller's VTL 0)", HV_PARTITION_ID_SELF, s->vp, 1, 0,
		  HV_STATUS_ACCESS_DENIED },
	};
	struct why w = { 0 };

	for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
		struct hv_enable_vp_vtl in = s->good;
		u64 rax;

		in.partition_id = cases[i].partition;
		in.vp_index = cases[i].vp;
		in.target_vtl = cases[i].vtl;
		in.rsvd[1] = cases[i].rsvd;
		rax = sv_call(s, &in);
		if (HV_RESULT_STATUS(rax) != cases[i].want)
			why_add(&w, "%s: RAX 0x%lx, want 0x%x", cases[i].what, rax, cases[i].want);
	}
	report_result(sv_names[SV_BAD_INPUT], !w.count, "%s", w.buf);
}

/* Contexts VM entry would refuse (SDM vol.3 27.3.1, the sections named), each a change of
 * the good one, refused with INVALID_REGISTER_VALUE while the AP stays parked. */
static void sv_check_bad_context(struct start_vp *s)
{
	static const char *const what[] = {
		"CR0.PG without CR0.PE (27.3.1.1)",
		"non-canonical RIP 0x0000800000000000 in 64-bit mode (27.3.1.4)",
		"CS with both L and D/B in IA-32e mode (27.3.1.2)",
		"EFER.LMA with CR0.PG but not EFER.LME (27.3.1.1)",
		"RFLAGS bit 1 clear (27.3.1.4)",
		"TR not present (27.3.1.2)",
		"CR3 bit 63, beyond MAXPHYADDR (27.3.1.1)",
		"PAT entry 0 of reserved type 2 (27.3.1.1, 12.12.2)",
	};
	struct why w = { 0 };

	for (u32 i = 0; i < ARRAY_SIZE(what); i++) {
		struct hv_enable_vp_vtl in = s->good;
		struct hv_initial_vp_context *c = &in.ctx;
		u64 rax;

		switch (i) {
		case 0:
			c->cr0 &= ~CR0_PE;
			break;
		case 1:
			c->rip = 0x0000800000000000ull;
			break;
		case 2:
			c->cs.attributes |= AR_D;
			break;
		case 3:
			c->efer &= ~EFER_LME;
			break;
		case 4:
			c->rflags &= ~2ull;
			break;
		case 5:
			c->tr.attributes = 0;
			break;
		case 6:
			c->cr3 |= BIT(63);
			break;
		default:
			c->pat = (c->pat & ~0xffull) | 2;
			break;
		}
		rax = sv_call(s, &in);
		if (HV_RESULT_STATUS(rax) != HV_STATUS_INVALID_REGISTER_VALUE)
			why_add(&w, "%s: RAX 0x%lx, want 0x%x", what[i], rax,
				HV_STATUS_INVALID_REGISTER_VALUE);
	}
	report_result(sv_names[SV_BAD_CONTEXT], !w.count, "%s", w.buf);
}

/* The start itself: the AP leaves its INIT state at the routine, as VP s->vp, with the
 * context's RSP, RFLAGS and control registers, and the GPRs the INIT left (RDX: the
 * processor signature, SDM Vol. 3A, "Processor State After Reset"; docs/VSM.md). False when the call
 * itself was refused. */
static bool sv_check_start(struct start_vp *s)
{
	volatile struct ap_start_vp_block *b = &ap_start_vp_block;
	const struct hv_initial_vp_context *c = &s->good.ctx;
	u32 signature = cpu_cpuid(1, 0).eax;
	u64 rax, start, us, limit = s->p->tsc_per_ms * (SV_WAIT_US / 1000);
	bool magic = false;
	struct why w = { 0 };

	start = cpu_rdtsc();
	rax = sv_call(s, &s->good);
	if (HV_RESULT_STATUS(rax) != HV_STATUS_SUCCESS) {
		report_fail(sv_names[SV_START],
			    "RAX 0x%lx, want status 0 (the AP, parked by an "
			    "INIT, was not started)",
			    rax);
		return false;
	}
	for (u64 i = 0; i < (u64)SV_WAIT_US * DELAY_ITERS_PER_US; i++) {
		if (b->magic == AP_SV_MAGIC_VALUE) {
			magic = true;
			break;
		}
		if (cpu_rdtsc() - start >= limit)
			break;
		cpu_relax();
	}
	us = tsc_to_us(s->p, cpu_rdtsc() - start);
	delay_us(s->p, 1000); /* a second run (a bug) would show in the count */
	__asm__ volatile("mfence" ::: "memory");
	report_info("ap start_vp: VP %u: %s after %lu us, count %u, VP_INDEX %lu, leaf1.ebx "
		    "0x%08x, RSP 0x%lx RFLAGS 0x%lx RDX 0x%lx CS 0x%x SS 0x%x CR0 0x%lx CR3 0x%lx "
		    "CR4 0x%lx EFER 0x%lx",
		    s->vp, magic ? "magic written" : "NO magic", us, b->count, b->vp_index,
		    b->leaf1_ebx, b->rsp, b->rflags, b->rdx, b->cs, b->ss, b->cr0, b->cr3, b->cr4,
		    b->efer);
	if (!magic) {
		report_fail(sv_names[SV_START],
			    "status 0, but no magic from the routine within %u us (count %u)",
			    SV_WAIT_US, b->count);
		return true; /* the start was taken all the same */
	}
	if (b->count != 1)
		why_add(&w, "the routine ran %u times", b->count);
	if (b->vp_index != s->vp)
		why_add(&w, "VP_INDEX %lu, want %u", b->vp_index, s->vp);
	if ((b->leaf1_ebx >> 24) != (s->apic_id & 0xff))
		why_add(&w, "CPUID.1:EBX[31:24] APIC ID %u, want %u", b->leaf1_ebx >> 24,
			s->apic_id & 0xff);
	if (b->rsp != c->rsp)
		why_add(&w, "RSP 0x%lx, want 0x%lx", b->rsp, c->rsp);
	if (b->rflags != c->rflags)
		why_add(&w, "RFLAGS 0x%lx, want 0x%lx", b->rflags, c->rflags);
	if (b->cs != c->cs.selector || b->ss != c->ss.selector)
		why_add(&w, "CS:SS 0x%x:0x%x, want 0x%x:0x%x", b->cs, b->ss, c->cs.selector,
			c->ss.selector);
	if (b->cr0 != c->cr0 || b->cr3 != c->cr3 || b->cr4 != c->cr4 || b->efer != c->efer)
		why_add(&w,
			"CR0/CR3/CR4/EFER 0x%lx/0x%lx/0x%lx/0x%lx, want 0x%lx/0x%lx/0x%lx/0x%lx",
			b->cr0, b->cr3, b->cr4, b->efer, c->cr0, c->cr3, c->cr4, c->efer);
	if (b->rdx != signature)
		why_add(&w, "RDX 0x%lx, want the INIT's signature 0x%x", b->rdx, signature);
	report_result(sv_names[SV_START], !w.count, "%s", w.buf);
	return true;
}

/* Once started, the VP runs VTL0: a second start before another INIT is refused (one per
 * INIT, as only the first SIPI after an INIT counts, SDM vol.3 9.4.4), and it is not
 * restarted. */
static void sv_check_twice(struct start_vp *s)
{
	u64 rax = sv_call(s, &s->good);

	delay_us(s->p, 1000);
	report_result(sv_names[SV_TWICE],
		      HV_RESULT_STATUS(rax) == HV_STATUS_INVALID_VP_STATE &&
			      ap_start_vp_block.count == 1,
		      "RAX 0x%lx (want status 0x%x, INVALID_VP_STATE), routine count %u (want 1)",
		      rax, HV_STATUS_INVALID_VP_STATE, ap_start_vp_block.count);
}

/* A VP started this way is an AP like any other: INIT-SIPI-SIPI restarts it in real mode. */
static void sv_check_then_sipi(struct start_vp *s)
{
	struct ap_result r;

	restart_ap(s->p, s->apic_id, &r);
	report_ap(s->cpu, s->apic_id, "restart after StartVirtualProcessor", &r);
	report_result(sv_names[SV_THEN_SIPI],
		      r.started && r.count == 1 && (r.leaf1_ecx & CPUID1_ECX_HYPERVISOR) &&
			      ap_start_vp_block.count == 1,
		      "magic %s, trampoline count %u, leaf1.ecx=0x%08x, routine count %u",
		      r.started ? "written" : "missing", r.count, r.leaf1_ecx,
		      ap_start_vp_block.count);
}

/*
 * HvCallStartVirtualProcessor into VTL0 of AP cpu, parked by an INIT (TLFS; docs/VSM.md):
 * what Linux does instead of a SIPI under Hyper-V with SEV-SNP. Needs the hypercall MSRs,
 * VP_INDEX and the StartVirtualProcessor privilege (CPUID 0x40000003 EAX bits 5, 6, EBX
 * bit 21); without them every check is a SKIP, never a PASS. With one CPU nothing runs
 * (no AP, as for the restarts).
 */
static void start_vp_check(struct vt0_ctx *ctx, const struct ap_plan *p, u32 cpu)
{
	struct start_vp s = { .p = p,
			      .hc = (const volatile u8 *)(uintptr_t)p->hc_page,
			      .cpu = cpu };
	struct cpuid_regs f = cpu_cpuid(HV_CPUID_FEATURES, 0);
	struct cpuid_regs v = cpu_cpuid(CPUID_HV_VENDOR_LEAF, 0);
	struct vt0_idt_gate gp_saved;
	char why[REPORT_LINE_MAX - 64];
	u64 os_id = 0;

	if (cpu >= ctx->mp.count)
		return; /* one CPU: restart_all said so */
	if (ctx->opt.expect_no_hv) {
		sv_rest(true, "no hypervisor expected (expect-no-hypervisor)");
		return;
	}
	if (!(cpu_cpuid(1, 0).ecx & CPUID1_ECX_HYPERVISOR) || !vt0_sig_is(&v, VT0_HV_VENDOR_SIG) ||
	    v.eax < HV_CPUID_FEATURES) {
		sv_rest(true, "no Hyper-V interface (CPUID.1:ECX.31 or \"Microsoft Hv\" missing)");
		return;
	}
	if ((f.eax & (HV_EAX_ACCESS_HYPERCALL_MSRS | HV_EAX_ACCESS_VP_INDEX)) !=
		    (HV_EAX_ACCESS_HYPERCALL_MSRS | HV_EAX_ACCESS_VP_INDEX) ||
	    !(f.ebx & HV_EBX_START_VIRTUAL_PROCESSOR)) {
		snprintf(why, sizeof(why),
			 "NOT OFFERED: CPUID 0x40000003 EAX=0x%08x EBX=0x%08x, need EAX bits 5, 6 "
			 "(hypercall MSRs, VP_INDEX) and EBX bit 21 (StartVirtualProcessor)",
			 f.eax, f.ebx);
		sv_rest(true, why);
		return;
	}
	s.apic_id = ctx->mp.cpus[cpu].apic_id;
	sv_block_clear();
	vt0_gp_gate(&gp_saved, true);
	vt0_try_rdmsr(HV_MSR_GUEST_OS_ID, &os_id);
	if (!sv_setup(ctx, &s, why, sizeof(why))) {
		sv_rest(false, why);
	} else {
		sv_check_not_parked(&s);
		init_ap(p, s.apic_id);
		sv_check_bad_input(&s);
		sv_check_bad_context(&s);
		if (sv_check_start(&s))
			sv_check_twice(&s);
		else
			report_fail(sv_names[SV_TWICE], "not run: the start failed");
		sv_check_then_sipi(&s);
	}
	/* The hypercall page off, the guest OS ID back. */
	vt0_try_wrmsr(HV_MSR_HYPERCALL, 0);
	vt0_try_wrmsr(HV_MSR_GUEST_OS_ID, os_id);
	vt0_gp_gate(&gp_saved, false);
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
	start_vp_check(ctx, &p, restart_all(ctx, &p));
}
