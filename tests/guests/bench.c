// SPDX-License-Identifier: MIT
/*
 * bench.efi: path lengths of the operations the hypervisor serves, measured from a guest.
 * In Bochs the TSC advances with emulated instructions, so TSC ticks per operation are a
 * reproducible path length (TEST-PLATFORM.md). Exits per operation come from vtlvisor's
 * CPUID leaf 0x40000102 (this VP's exit count). Run without vtlvisor it measures the same
 * operations natively (the baseline: only those that exist without a hypervisor).
 * Output: one line per operation, "BENCH <name> <ticks/op> <exits/op>" (exits "-" when
 * unknown), then "BENCH done".
 */
#include <efi.h>
#include <efilib.h>

#include "lib/printf.h"
#include "tests/guests/cpu.h"
#include "tests/guests/idt.h"
#include "tests/guests/vsm.h"
#include "tests/guests/vtl1/prot_abi.h"

#define ITERS 2000
#define GUEST_OS_ID 0x8001000000000000ULL
#define MSR_GUEST_OS_ID 0x40000000u
#define MSR_HYPERCALL 0x40000001u
#define MSR_VP_INDEX 0x40000002u

static bool have_vtlvisor;
static volatile u8 *hc_page;
/* Hypercall buffers, one page each: [0] a flush list (24-byte header + 509 one-page GVA
 * ranges: a full page), [1] a flush of one 512-page range, [2] GetVpIndexFromApicId input
 * at +0 and output at +0x800. */
static u64 io_buf[3];
/* SynIC: the message page and a PostMessage input (to this VP's SINT2, vtlvisor's
 * connection ID 0x10000 + 16 x VP + SINT). */
#define BENCH_VEC 0xd0
#define MSR_SCONTROL 0x40000080u
#define MSR_SIMP 0x40000083u
#define MSR_SINT2 0x40000092u
static u64 sim_page, post_in;
static u32 my_vp;

/* The interrupt both round trips wait for: counts, then EOIs through the EOI MSR. */
static volatile u32 bench_hits __attribute__((used));
void bench_isr(void);
__asm__(".text\n"
	"bench_isr:\n"
	"	push %rax\n	push %rcx\n	push %rdx\n"
	"	lock incl bench_hits(%rip)\n"
	"	mov $0x40000070, %ecx\n"
	"	xor %eax, %eax\n	xor %edx, %edx\n"
	"	wrmsr\n"
	"	pop %rdx\n	pop %rcx\n	pop %rax\n"
	"	iretq\n");

/* Interrupts on until the handler has run once more, then off again. */
static void wait_interrupt(u32 before)
{
	__asm__ volatile("sti");
	while (bench_hits == before)
		__asm__ volatile("pause" ::: "memory");
	__asm__ volatile("cli");
}

static void out(const char *s)
{
	CHAR16 w[160];
	UINTN i;

	for (i = 0; s[i] && i < 158; i++)
		w[i] = (CHAR16)s[i];
	w[i] = 0;
	Print(L"%s\n", w);
}

static u64 exits_now(void)
{
	struct cpuid_regs r = cpu_cpuid(0x40000102, 0);

	return ((u64)r.ebx << 32) | r.eax;
}

/* INVEPTs vtlvisor did for this VP (the same leaf, ECX). */
static u32 invepts_now(void)
{
	return cpu_cpuid(0x40000102, 0).ecx;
}

/*
 * The instruction-counting build of vtlvisor (docs/PERFORMANCE.md): its count of hypervisor
 * instructions so far, and in *extra what its counting adds per exit; *extra = 0 from any
 * other build.
 */
static u64 insns_now(u32 *extra)
{
	struct cpuid_regs r = cpu_cpuid(0x40000102, 1);

	*extra = r.ecx;
	return ((u64)r.ebx << 32) | r.eax;
}

/* What measure()'s own reads around the loop count (the loop-overhead row's, no exits in
 * its loop): taken off every row. */
static u64 insns_frame;

static u64 hypercall(u64 control, u64 in, u64 outp)
{
	u64 rax;
	register u64 r8 __asm__("r8") = outp;

	__asm__ volatile("call *%[page]"
			 : "=a"(rax), "+c"(control), "+d"(in), "+r"(r8)
			 : [page] "r"(hc_page)
			 : "r9", "r10", "r11", "memory", "cc");
	return rax;
}

typedef void (*op_fn)(void);

static void op_none(void)
{
	__asm__ volatile("" ::: "memory");
}
static void op_cpuid(void)
{
	(void)cpu_cpuid(0, 0);
}
/* An MSR neither Bochs nor vtlvisor traps: what one RDMSR costs in ticks. */
static void op_rdmsr_kernel_gs_base(void)
{
	(void)cpu_rdmsr(0xc0000102);
}
static void op_rdmsr_vp_index(void)
{
	(void)cpu_rdmsr(MSR_VP_INDEX);
}
static void op_hc_fast(void)
{
	hypercall(0x0008 | (1ULL << 16), 1, 0);
}
static void op_hc_mem(void)
{
	hypercall(0x009a | (1ULL << 32), io_buf[2], io_buf[2] + 0x800);
}
/* Get/SetVpRegisters of one register of our own VTL (memory form): VsmVpStatus read,
 * VsmVina written; inputs after the 512-page flush list in io_buf[1], output in io_buf[2]. */
#define GETREG_IN 0x800
#define SETREG_IN 0xa00
#define GETREG_OUT 0xc00
static void op_get_vp_register(void)
{
	hypercall(0x0050 | (1ULL << 32), io_buf[1] + GETREG_IN, io_buf[2] + GETREG_OUT);
}
static void op_set_vp_register(void)
{
	hypercall(0x0051 | (1ULL << 32), io_buf[1] + SETREG_IN, 0);
}

static void op_flush_1page(void)
{
	hypercall(0x0003 | (1ULL << 32), io_buf[0], 0);
}
static void op_flush_512pages(void)
{
	hypercall(0x0003 | (1ULL << 32), io_buf[1], 0);
}
static void op_flush_509ranges(void)
{
	hypercall(0x0003 | (509ULL << 32), io_buf[0], 0);
}

/* PostMessage to ourselves, the SINT's interrupt, the guest clears the slot (EOI MSR). */
static void op_synic_roundtrip(void)
{
	u32 before = bench_hits;

	hypercall(0x005c, post_in, 0);
	wait_interrupt(before);
	*(volatile u32 *)(uintptr_t)(sim_page + 2 * 256) = 0; /* slot 2 free again */
}
/* HvCallSendSyntheticClusterIpi to ourselves (fast) and its interrupt. */
static void op_pv_ipi_self(void)
{
	u32 before = bench_hits;

	hypercall(0x000b | (1ULL << 16), BENCH_VEC, 1ULL << my_vp);
	wait_interrupt(before);
}

/*
 * VSM: a VTL call into the VTL1 test image (tests/guests/vtl1/) with its NOP command and a
 * fast VTL return: two VM exits per round trip. Set up once (VTL1 cannot be disabled).
 */
static struct vsm bench_vsm;
static struct vsm_regs bench_regs;
static u32 bench_vp;
static const char *bench_vsm_why;

static void op_vtl_call_return(void)
{
	bench_vsm.mb->cpu[bench_vp].seq++;
	vsm_vtl_call(&bench_regs, vsm_call_stub(&bench_vsm));
}

/*
 * The same round trip with almost no guest work: VTL1 sits in its REFLECT loop (a fast
 * return, a count, a compare) and VTL0 only loads RCX and calls the stub, so what is left
 * is the hypervisor's two directions. The loop changes RAX, RCX and RDX only.
 */
static u64 bench_stub;
static void measure(const char *name, op_fn fn, u32 iters);

static void op_vtl_reflect(void)
{
	__asm__ volatile("xor %%ecx, %%ecx; call *%[t]"
			 :
			 : [t] "m"(bench_stub)
			 : "rax", "rcx", "rdx", "memory", "cc");
}

static void bench_vtl_reflect(void)
{
	struct vtl1_cpu *c = &bench_vsm.mb->cpu[bench_vp];

	bench_stub = vsm_call_stub(&bench_vsm);
	c->cmd = VTL1_CMD_REFLECT;
	op_vtl_call_return(); /* VTL1 enters its loop and returns from there */
	u64 n0 = c->counter;
	measure("vtl-reflect", op_vtl_reflect, ITERS);
	u64 n = c->counter - n0;
	c->cmd = VTL1_CMD_NOP;
	op_vtl_call_return(); /* out of the loop, back to the command loop */
	if (n != ITERS || c->ack != c->seq)
		out("BENCH vtl-reflect: VTL1 missed calls");
}

/*
 * VTL1 entered for an interrupt of its own: a fast HvCallSendSyntheticClusterIpi with
 * HV_INPUT_VTL 0x11 (VTL1) to this VP. The hypervisor delivers it at once: VTL1 is entered
 * with EntryReason 2 (tests/guests/vtl1/irq.c), its handler EOIs (x2APIC EOI MSR), VTL1
 * returns with a normal VtlReturn and VTL0 goes on after its hypercall.
 */
#define XVTL_IPI_WORD (VTL1_VEC_XVTL | (u64)(HV_INPUT_VTL_USE_TARGET | 1) << 32)

static void op_vtl_interrupt(void)
{
	hypercall(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | HV_CONTROL_FAST, XVTL_IPI_WORD,
		  1ULL << bench_vp);
}

static void bench_vtl_interrupt(void)
{
	struct vtl1_cpu *c = &bench_vsm.mb->cpu[bench_vp];
	u64 base = cpu_rdmsr(VTL1_MSR_APIC_BASE), n, rax;
	const char *why = NULL;
	char line[128];

	/* An empty processor mask: refused where VTL1 cannot take interrupts, else nothing. */
	rax = hypercall(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | HV_CONTROL_FAST, XVTL_IPI_WORD, 0);
	if ((u16)rax) {
		why = "cross-VTL IPIs into VTL1 refused";
	} else {
		c->cmd = VTL1_CMD_APIC_SETUP; /* x2APIC on, IF clear in VTL1 */
		op_vtl_call_return();
		if (c->ack != c->seq || c->status || c->out[VTL1_APIC_OUT_FAULTS] ||
		    cpu_rdmsr(VTL1_MSR_APIC_BASE) != base)
			why = "VTL1's x2APIC setup failed";
	}
	if (!why) {
		n = c->irq.count[VTL1_VEC_XVTL - VTL1_VEC_FIRST];
		rax = hypercall(HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | HV_CONTROL_FAST, XVTL_IPI_WORD,
				1ULL << bench_vp);
		if (rax || c->irq.count[VTL1_VEC_XVTL - VTL1_VEC_FIRST] != n + 1)
			why = "the interrupt did not reach VTL1";
	}
	c->cmd = VTL1_CMD_NOP;
	if (why) {
		snprintf(line, sizeof(line), "BENCH vtl-interrupt-entry: not run (%s; RAX 0x%lx)",
			 why, rax);
		out(line);
		return;
	}
	n = c->irq.count[VTL1_VEC_XVTL - VTL1_VEC_FIRST];
	measure("vtl-interrupt-entry", op_vtl_interrupt, ITERS / 4);
	if (c->irq.count[VTL1_VEC_XVTL - VTL1_VEC_FIRST] - n != ITERS / 4)
		out("BENCH vtl-interrupt-entry: VTL1 missed interrupts");
}

/*
 * HvCallModifyVtlProtectionMask from VTL1 (tests/guests/vtl1/prot.c): VTL1 sits in its
 * PROT_REFLECT loop, which makes the call again at each VTL call, its MapFlags alternating
 * between RWX and R (so every call changes every page), then returns fast. Each row is
 * therefore one vtl-reflect round trip plus the call: subtract that row for the call
 * alone. The pages are a fresh allocation that VTL0 does not touch meanwhile.
 */
static u64 prot_gpns[VTL1_PROT_MAX_PAGES];

static void op_modify_prot(void)
{
	__asm__ volatile("xor %%ecx, %%ecx; call *%[t]"
			 :
			 : [t] "m"(bench_stub)
			 : "rax", "rcx", "rdx", "r8", "memory", "cc");
}

/* Command cmd in this VP's VTL1 with arg[0..3]: false when it did not run or failed. */
static bool bench_cmd(u32 cmd, u64 a0, u64 a1, u64 a2, u64 a3)
{
	struct vtl1_cpu *c = &bench_vsm.mb->cpu[bench_vp];

	c->cmd = cmd;
	c->arg[0] = a0;
	c->arg[1] = a1;
	c->arg[2] = a2;
	c->arg[3] = a3;
	op_vtl_call_return();
	return c->ack == c->seq && !c->status;
}

/* ModifyVtlProtectionMask of n GPNs from VTL1: RAX, ~0 when the command failed. */
static u64 bench_modify(u32 flags, const u64 *gpn, u32 n)
{
	struct vtl1_cpu *c = &bench_vsm.mb->cpu[bench_vp];

	return bench_cmd(VTL1_CMD_PROT_MODIFY, flags, n, (u64)(uintptr_t)gpn, 0) ? c->out[0] :
										   ~0ULL;
}

static bool bench_modify_prot(void)
{
	static const struct {
		const char *name;
		u32 pages, iters;
	} rows[] = { { "modify-prot-1page", 1, ITERS / 4 },
		     { "modify-prot-16pages", 16, ITERS / 4 },
		     { "modify-prot-510pages", VTL1_PROT_MAX_PAGES, ITERS / 40 } };
	struct vtl1_cpu *c = &bench_vsm.mb->cpu[bench_vp];
	EFI_PHYSICAL_ADDRESS area = 0, pages = 0;
	char line[128];

	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)(VTL1_PROT_AREA_SIZE / 4096), &area)) ||
	    EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)VTL1_PROT_MAX_PAGES, &pages))) {
		out("BENCH modify-prot: not run (AllocatePages failed)");
		return false;
	}
	__builtin_memset((void *)area, 0, VTL1_PROT_AREA_SIZE);
	bench_vsm.mb->prot = area;
	for (u32 i = 0; i < VTL1_PROT_MAX_PAGES; i++)
		prot_gpns[i] = (pages >> 12) + i;
	/* EnableVtlProtection, DefaultVtlProtectionMask RWX (reference 3.8). */
	if (!bench_cmd(VTL1_CMD_PROT_CONFIG, 1 | VTL1_PROT_RWX << 1, 0, 0, 0) ||
	    c->out[0] != 1ULL << 32) {
		snprintf(line, sizeof(line),
			 "BENCH modify-prot: not run (EnableVtlProtection: RAX 0x%lx, status 0x%x)",
			 c->out[0], c->status);
		out(line);
		c->cmd = VTL1_CMD_NOP;
		return false;
	}
	bench_stub = vsm_call_stub(&bench_vsm);
	for (u32 r = 0; r < ARRAY_SIZE(rows); r++) {
		/* VTL1 enters its loop: the first call, and back (ack stays behind seq until
		 * the loop ends: checked below). */
		(void)bench_cmd(VTL1_CMD_PROT_REFLECT, VTL1_PROT_RWX, rows[r].pages,
				(u64)(uintptr_t)prot_gpns, 0);
		u64 n0 = c->counter;
		measure(rows[r].name, op_modify_prot, rows[r].iters);
		u64 n = c->counter - n0;
		c->cmd = VTL1_CMD_NOP;
		op_vtl_call_return(); /* out of the loop */
		if (n != rows[r].iters || c->ack != c->seq || c->status || c->out[0]) {
			snprintf(
				line, sizeof(line),
				"BENCH %s: VTL1 made %lu of %u calls, status 0x%x, failed RAXs 0x%lx",
				rows[r].name, n, rows[r].iters, c->status, c->out[0]);
			out(line);
		}
	}
	/* Every page back to RWX. */
	if (bench_modify(VTL1_PROT_RWX, prot_gpns, VTL1_PROT_MAX_PAGES) != (u64)VTL1_PROT_MAX_PAGES
										   << 32)
		out("BENCH modify-prot: the pages did not go back to RWX");
	c->cmd = VTL1_CMD_NOP;
	return true;
}

/*
 * GPA intercepts (reference 3.9; tests/guests/vtl1/prot.c): VTL0 stores into a page VTL1
 * made read-only. The store is one instruction between two labels, so VTL1's handler
 * (policy SKIP, skip_len = its length) moves VTL0 past it with SetVpRegisters(RIP): the
 * store never happens and VTL0 goes on after it.
 */
void bench_store(u64 addr, u64 val);
extern const u8 bench_store_insn[], bench_store_end[];
__asm__(".text\n"
	".globl bench_store, bench_store_insn, bench_store_end\n"
	"bench_store:\n"
	"bench_store_insn:\n"
	"	mov %rsi, (%rdi)\n"
	"bench_store_end:\n"
	"	ret\n");

#define PROT_STORM_PAGES 8 /* a power of two (VTL1_CMD_PROT_STORM) */
#define PROT_STORM_ITERS 100000
#define PROT_STORM_ITERS_COUNTED 2000 /* the counting run: see bench_prot_storm */
#define PROT_SENTINEL 0x5e5e5e5e5e5e5e5eULL

/* PROT_STORM_PAGES pages for the storm, then the intercept row's page; their GPNs. */
static u64 prot_area_pages, prot_area_gpns[PROT_STORM_PAGES + 1];
static u64 icpt_page, icpt_val, storm_k;

static volatile u64 *page_u64(u64 pa)
{
	return (volatile u64 *)(uintptr_t)pa;
}

/* The GPA of the last intercept VTL1 handled (its message, reference 3.9.4). */
static u64 last_icpt_gpa(const struct vtl1_prot_vp *pv)
{
	u64 gpa;

	__builtin_memcpy(&gpa, pv->log[(pv->count - 1) % VTL1_PROT_LOG].msg + 16 + 0x38, 8);
	return gpa;
}

/* What VTL1's intercept handler counts besides the intercepts: none may move in a row. */
struct prot_quiet {
	u64 other, resolve_fail, eom, faults;
};

static struct prot_quiet prot_quiet(const struct vtl1_prot_vp *pv)
{
	return (struct prot_quiet){ pv->other, pv->resolve_fail, pv->eom, pv->faults };
}

static bool prot_quiet_same(const struct vtl1_prot_vp *pv, const struct prot_quiet *q)
{
	return pv->other == q->other && pv->resolve_fail == q->resolve_fail && pv->eom == q->eom &&
	       pv->faults == q->faults;
}

/*
 * prot-intercept-roundtrip: one operation is VTL0's store into the read-only page: the EPT
 * violation, the GPA intercept message in VTL1's SINT0, VTL1 entered for its interrupt
 * (through the image's full entry, vtl1_enter and irq.c), the handler's SetVpRegisters of
 * VTL0's RIP and its EOI, a normal VtlReturn, VTL0 after the store.
 */
static void op_prot_intercept(void)
{
	bench_store(icpt_page, ++icpt_val);
}

static void bench_prot_intercept(struct vtl1_prot_vp *pv)
{
	const u32 iters = ITERS / 4;
	struct prot_quiet q = prot_quiet(pv);
	char line[128];
	u64 rax, n0, n;

	*page_u64(icpt_page) = PROT_SENTINEL; /* before it is R: only bench_store may intercept */
	rax = bench_modify(VTL1_PROT_R, &prot_area_gpns[PROT_STORM_PAGES], 1);
	if (rax != 1ULL << 32) {
		snprintf(line, sizeof(line),
			 "BENCH prot-intercept-roundtrip: not run (the page to R: RAX 0x%lx)", rax);
		out(line);
		return;
	}
	n0 = pv->count;
	measure("prot-intercept-roundtrip", op_prot_intercept, iters);
	n = pv->count - n0;
	if (n != iters || last_icpt_gpa(pv) != icpt_page || *page_u64(icpt_page) != PROT_SENTINEL ||
	    !prot_quiet_same(pv, &q)) {
		snprintf(line, sizeof(line),
			 "BENCH prot-intercept-roundtrip: VTL1 handled %lu of %u intercepts, %lu "
			 "resolutions failed, the page holds 0x%lx",
			 n, iters, pv->resolve_fail - q.resolve_fail, *page_u64(icpt_page));
		out(line);
	}
}

/*
 * prot-storm: one operation is one VTL call into VTL1's PROT_STORM loop, which makes one
 * single-page HvCallModifyVtlProtectionMask and returns fast, then VTL0's store into that
 * page. Operation k changes page (k / 2) % PROT_STORM_PAGES: to RW when k is even (the
 * store lands), to R when odd (the store intercepts, resolved as in the row above but
 * through the loop's own short path), so every call changes its page and the storm goes
 * round the pages two operations at a time, like a boot that protects and releases pages.
 */
static void op_prot_storm(void)
{
	u64 k = storm_k++;

	op_modify_prot(); /* the VTL call: page (k / 2) % PROT_STORM_PAGES to RW or R */
	bench_store(prot_area_pages + ((k >> 1) % PROT_STORM_PAGES) * 4096, k + 1);
}

static void bench_prot_storm(struct vtl1_prot_vp *pv)
{
	struct vtl1_cpu *c = &bench_vsm.mb->cpu[bench_vp];
	struct prot_quiet q = prot_quiet(pv);
	u64 model[PROT_STORM_PAGES] = { 0 }, last_r = 0, rax, n0, n, icpt0, icpts, calls, bad;
	u32 extra = 0, iters = PROT_STORM_ITERS;
	const char *why = NULL;
	char line[160];

	/*
	 * The counting run single-steps every hypervisor instruction (about 4,200 per
	 * operation here): with 100,000 operations its boot took 197 s instead of 23 s, and
	 * its per-op figures do not depend on the count (4,181 then, 4,180 with 2,000).
	 */
	(void)insns_now(&extra);
	if (extra)
		iters = PROT_STORM_ITERS_COUNTED;
	for (u32 p = 0; p < PROT_STORM_PAGES; p++)
		*page_u64(prot_area_pages + p * 4096ULL) = 0;
	/* Every page R first, so that operation 0 (to RW) is a change too. */
	rax = bench_modify(VTL1_PROT_R, prot_area_gpns, PROT_STORM_PAGES);
	if (rax != (u64)PROT_STORM_PAGES << 32) {
		snprintf(line, sizeof(line),
			 "BENCH prot-storm: not run (the pages to R: RAX 0x%lx)", rax);
		out(line);
		return;
	}
	/* Into VTL1's loop: its first return makes no call, and leaves ack behind seq until
	 * the loop ends (a refused command acks at once). */
	if (bench_cmd(VTL1_CMD_PROT_STORM, VTL1_PROT_R | VTL1_PROT_W, PROT_STORM_PAGES,
		      (u64)(uintptr_t)prot_area_gpns, VTL1_PROT_R) ||
	    c->ack == c->seq) {
		snprintf(line, sizeof(line), "BENCH prot-storm: not run (PROT_STORM: status 0x%x)",
			 c->status);
		out(line);
		c->cmd = VTL1_CMD_NOP;
		return;
	}
	storm_k = 0;
	n0 = c->counter;
	icpt0 = pv->count;
	measure("prot-storm", op_prot_storm, iters);
	n = c->counter - n0;
	icpts = pv->count - icpt0;
	c->cmd = VTL1_CMD_NOP;
	op_vtl_call_return(); /* out of the loop */
	calls = c->out[1];
	bad = c->out[0];
	/* The model: a page holds the last store made while it was RW (k even); the last
	 * store made while R (k odd) was the last intercept. */
	for (u64 k = 0; k < iters; k++) {
		if (k & 1)
			last_r = prot_area_pages + ((k >> 1) % PROT_STORM_PAGES) * 4096;
		else
			model[(k >> 1) % PROT_STORM_PAGES] = k + 1;
	}
	if (n != iters || calls != iters || bad || c->ack != c->seq || c->status)
		why = "VTL1's calls";
	else if (icpts != iters / 2 || !prot_quiet_same(pv, &q) || last_icpt_gpa(pv) != last_r)
		why = "the intercepts";
	for (u32 p = 0; p < PROT_STORM_PAGES && !why; p++)
		if (*page_u64(prot_area_pages + p * 4096ULL) != model[p])
			why = "the pages' contents";
	if (why) {
		snprintf(
			line, sizeof(line),
			"BENCH prot-storm: %s: %lu VTL calls, %lu changes (failed RAXs 0x%lx), %lu "
			"intercepts (want %u), %lu resolutions failed",
			why, n, calls, bad, icpts, iters / 2, pv->resolve_fail - q.resolve_fail);
		out(line);
	}
}

/*
 * The intercept rows, after the modify-prot rows (protections on): VTL1's SynIC set up for
 * the intercept messages (PROT_SETUP, then a NOP: RFLAGS.IF set in VTL1, so the interrupt
 * comes in at VTL1's entry), policy SKIP; afterwards every page RWX again and the policy
 * cleared.
 */
static void bench_prot_intercepts(void)
{
	struct vtl1_cpu *c = &bench_vsm.mb->cpu[bench_vp];
	struct vtl1_prot_vp *pv =
		&((struct vtl1_prot *)(uintptr_t)bench_vsm.mb->prot)->vp[bench_vp];
	EFI_PHYSICAL_ADDRESS pages = 0;
	char line[128];
	u64 rax;

	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)(PROT_STORM_PAGES + 1), &pages))) {
		out("BENCH prot-intercept: not run (AllocatePages failed)");
		return;
	}
	__builtin_memset((void *)pages, 0, (PROT_STORM_PAGES + 1) * 4096);
	prot_area_pages = pages;
	icpt_page = pages + PROT_STORM_PAGES * 4096;
	for (u32 i = 0; i <= PROT_STORM_PAGES; i++)
		prot_area_gpns[i] = (pages >> 12) + i;
	if (!bench_cmd(VTL1_CMD_PROT_SETUP, 0, 0, 0, 0) || c->out[0] ||
	    c->out[3] != VTL1_PROT_VEC || !bench_cmd(VTL1_CMD_NOP, 0, 0, 0, 0)) {
		snprintf(
			line, sizeof(line),
			"BENCH prot-intercept: not run (VTL1's SynIC: #GP bits 0x%lx, SINT0 0x%lx)",
			c->out[0], c->out[3]);
		out(line);
		c->cmd = VTL1_CMD_NOP;
		return;
	}
	pv->skip_len = (u32)(bench_store_end - bench_store_insn);
	pv->flags = 0;
	pv->stop_addr = 0;
	__atomic_store_n(&pv->policy, VTL1_PROT_SKIP, __ATOMIC_RELEASE);
	bench_prot_intercept(pv);
	bench_prot_storm(pv);
	rax = bench_modify(VTL1_PROT_RWX, prot_area_gpns, PROT_STORM_PAGES + 1);
	if (rax != (u64)(PROT_STORM_PAGES + 1) << 32)
		out("BENCH prot-intercept: the pages did not go back to RWX");
	__atomic_store_n(&pv->policy, 0, __ATOMIC_RELEASE);
	c->cmd = VTL1_CMD_NOP;
}

/* Loads the image, enables VTL1 on this VP and makes the first call (its start-up). */
static bool setup_vsm(void)
{
	struct vtl1_cpu *c;
	u64 offsets = HV_VSM_CODE_PAGE_OFFSETS, rax;
	u32 name = HV_REG_VSM_CODE_PAGE_OFFSETS;

	if (!(cpu_cpuid(HV_CPUID_FEATURES, 0).ebx & HV_EBX_ACCESS_VSM)) {
		bench_vsm_why = "AccessVsm not offered";
		return false;
	}
	bench_vp = (u32)cpu_rdmsr(MSR_VP_INDEX);
	if (bench_vp >= VTL1_MAX_VPS || vsm_setup(&bench_vsm, hc_page, bench_vp + 1, offsets)) {
		bench_vsm_why = "the VTL1 image could not be loaded";
		return false;
	}
	rax = vsm_get_regs(&bench_vsm, 0, &name, 1, &offsets);
	if ((u16)rax == HV_STATUS_SUCCESS)
		bench_vsm.code_offsets = bench_vsm.mb->code_offsets = offsets;
	if (vsm_enable_self(&bench_vsm, bench_vp)) {
		bench_vsm_why = "enabling VTL1 failed";
		return false;
	}
	c = &bench_vsm.mb->cpu[bench_vp];
	c->cmd = VTL1_CMD_NONE;
	c->ret_mode = VTL1_RET_FAST;
	op_vtl_call_return();
	if (c->ack != c->seq || c->status) {
		bench_vsm_why = "the first VTL call did not come back right";
		return false;
	}
	c->cmd = VTL1_CMD_NOP;
	return true;
}

static void measure(const char *name, op_fn fn, u32 iters)
{
	char line[128];
	u32 extra = 0;
	u64 c0 = have_vtlvisor ? insns_now(&extra) : 0;
	u32 i0 = have_vtlvisor ? invepts_now() : 0;
	u64 e0 = have_vtlvisor ? exits_now() : 0;
	u64 t0 = cpu_rdtsc();

	for (u32 i = 0; i < iters; i++)
		fn();
	u64 t1 = cpu_rdtsc();
	/* The counting build: the path lengths of the last iteration's exits, read first. */
	struct cpuid_regs last = extra ? cpu_cpuid(0x40000102, 2) : (struct cpuid_regs){ 0 };
	u64 e1 = have_vtlvisor ? exits_now() : 0;
	u64 inv = have_vtlvisor ? invepts_now() - i0 : 0;
	u64 c1 = have_vtlvisor ? insns_now(&extra) : 0;
	u64 exits = e1 - e0 - 1; /* minus the second exits_now() */
	if (have_vtlvisor && extra) {
		/* Counted: the reads around the loop (insns_frame) and, per exit in the loop,
		 * its path with its counting's extra instead of its VMRESUME. */
		u64 n = c1 - c0, ops;
		u32 k = (u32)((exits + iters / 2) / iters),
		    ring[4] = { last.eax, last.ebx, last.ecx, last.edx };
		char each[48] = "-";
		if (!insns_frame)
			insns_frame = n; /* the first row: loop-overhead, no exits */
		ops = n - insns_frame - exits * extra + exits;
		/* Each exit of the last iteration, in order (up to four). */
		for (u32 i = 0, at = 0; i < k && i < 4 && at < sizeof(each); i++)
			at += (u32)snprintf(each + at, sizeof(each) - at, "%s%u", i ? "+" : "",
					    ring[(k < 4 ? k : 4) - 1 - i]);
		snprintf(line, sizeof(line), "BENCH %-22s %8lu %6lu.%02lu %4lu.%02lu %8lu %s", name,
			 (t1 - t0) / iters, exits / iters, exits * 100 / iters % 100, inv / iters,
			 inv * 100 / iters % 100, (ops + iters / 2) / iters, each);
	} else if (have_vtlvisor)
		snprintf(line, sizeof(line), "BENCH %-22s %8lu %6lu.%02lu %4lu.%02lu", name,
			 (t1 - t0) / iters, exits / iters, exits * 100 / iters % 100, inv / iters,
			 inv * 100 / iters % 100);
	else
		snprintf(line, sizeof(line), "BENCH %-22s %8lu      -    -", name,
			 (t1 - t0) / iters);
	out(line);
}

static bool setup_hypercalls(void)
{
	EFI_PHYSICAL_ADDRESS page = 0, buf = 0;

	if (!(cpu_cpuid(0x40000003, 0).eax & (1u << 5)))
		return false;
	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiBootServicesCode,
					(UINTN)1, &page)) ||
	    EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)3, &buf)))
		return false;
	cpu_wrmsr(MSR_GUEST_OS_ID, GUEST_OS_ID);
	cpu_wrmsr(MSR_HYPERCALL, page | 1);
	hc_page = (volatile u8 *)(uintptr_t)page;
	for (int i = 0; i < 3; i++)
		io_buf[i] = buf + (u64)i * 4096;
	/* Flush headers: address space 0, flags 0, processor mask = VP 0 (ourselves). */
	for (int p = 0; p < 2; p++) {
		volatile u64 *h = (volatile u64 *)(uintptr_t)io_buf[p];
		h[0] = 0;
		h[1] = 0;
		h[2] = 1;
	}
	volatile u64 *list = (volatile u64 *)(uintptr_t)(io_buf[0] + 24);
	for (u32 i = 0; i < 509; i++)
		list[i] = 0x400000ULL + (u64)i * 0x1000; /* one page each (bits 11:0 = 0) */
	*(volatile u64 *)(uintptr_t)(io_buf[1] + 24) = 0x800000ULL | 511; /* 1 + 511 pages */
	volatile u64 *g = (volatile u64 *)(uintptr_t)io_buf[2];
	g[0] = ~0ULL; /* HV_PARTITION_ID_SELF */
	g[1] = 0;     /* VTL 0 */
	*(volatile u32 *)(uintptr_t)(io_buf[2] + 16) = cpu_apic_id();
	volatile u64 *gi = (volatile u64 *)(uintptr_t)(io_buf[1] + GETREG_IN);
	gi[0] = ~0ULL;	    /* HV_PARTITION_ID_SELF */
	gi[1] = 0xfffffffe; /* HV_VP_INDEX_SELF, our own VTL */
	gi[2] = 0x000d0003; /* VsmVpStatus */
	volatile u64 *si = (volatile u64 *)(uintptr_t)(io_buf[1] + SETREG_IN);
	si[0] = ~0ULL;
	si[1] = 0xfffffffe;
	si[2] = 0x000d0005; /* VsmVina, 12 bytes reserved */
	si[3] = 0;
	si[4] = si[5] = 0; /* the value: 0 (VINA off) */
	my_vp = (u32)cpu_rdmsr(MSR_VP_INDEX);
	sim_page = buf + 3 * 4096;
	post_in = buf + 4 * 4096;
	volatile u32 *p = (volatile u32 *)(uintptr_t)post_in;
	p[0] = 0x10000 + 16 * my_vp + 2; /* connection: our SINT2 */
	p[1] = 0;
	p[2] = 1;  /* message type */
	p[3] = 16; /* payload bytes */
	return hc_page[0] == 0x0f;
}

/* The round trips that end in an interrupt: needs the SynIC (CPUID 0x40000003 EAX bit 2). */
static void bench_interrupts(void)
{
	struct vt0_idt_gate saved;

	if (!(cpu_cpuid(0x40000003, 0).eax & (1u << 2))) {
		out("BENCH synic: not offered");
		return;
	}
	vt0_idt_gate(BENCH_VEC, (u64)bench_isr, &saved);
	cpu_wrmsr(MSR_SCONTROL, 1);
	cpu_wrmsr(MSR_SIMP, sim_page | 1);
	cpu_wrmsr(MSR_SINT2, BENCH_VEC);
	measure("synic-message-roundtrip", op_synic_roundtrip, ITERS / 4);
	measure("pv-ipi-self", op_pv_ipi_self, ITERS / 4);
	cpu_wrmsr(MSR_SINT2, 1u << 16);
	cpu_wrmsr(MSR_SIMP, 0);
	cpu_wrmsr(MSR_SCONTROL, 0);
	vt0_idt_gate(BENCH_VEC, 0, &saved);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct cpuid_regs id;
	char sig[13] = { 0 };

	InitializeLib(image, systab);
	id = cpu_cpuid(0x40000100, 0);
	*(u32 *)&sig[0] = id.ebx;
	*(u32 *)&sig[4] = id.ecx;
	*(u32 *)&sig[8] = id.edx;
	have_vtlvisor = (cpu_cpuid(1, 0).ecx & (1u << 31)) && sig[0] == 'v' && sig[1] == 't' &&
			sig[2] == 'l';
	out(have_vtlvisor ? "BENCH under vtlvisor" : "BENCH native (no vtlvisor)");
	/* Interrupts off: a timer tick must not land in a measurement. */
	__asm__ volatile("cli");
	measure("loop-overhead", op_none, ITERS);
	measure("cpuid", op_cpuid, ITERS);
	measure("rdmsr-kernel-gs-base", op_rdmsr_kernel_gs_base, ITERS);
	if (have_vtlvisor) {
		measure("rdmsr-vp-index", op_rdmsr_vp_index, ITERS);
		__asm__ volatile("sti");
		bool hc = setup_hypercalls();
		bool vsm = hc && setup_vsm();
		__asm__ volatile("cli");
		if (hc) {
			measure("hypercall-fast-null", op_hc_fast, ITERS);
			measure("hypercall-mem-1rep", op_hc_mem, ITERS);
			if (cpu_cpuid(0x40000003, 0).ebx & (1u << 17)) { /* AccessVpRegisters */
				/* Each must succeed with its one rep, or the figures mean nothing. */
				u64 gr = hypercall(0x0050 | (1ULL << 32), io_buf[1] + GETREG_IN,
						   io_buf[2] + GETREG_OUT);
				u64 sr = hypercall(0x0051 | (1ULL << 32), io_buf[1] + SETREG_IN, 0);
				if (gr != 1ULL << 32 || sr != 1ULL << 32)
					out("BENCH get/set-vp-register: the calls fail: not measured");
				else {
					measure("get-vp-register", op_get_vp_register, ITERS);
					measure("set-vp-register", op_set_vp_register, ITERS);
				}
			}
			measure("flush-list-1page", op_flush_1page, ITERS / 4);
			measure("flush-list-512pages", op_flush_512pages, ITERS / 4);
			measure("flush-list-509ranges", op_flush_509ranges, ITERS / 20);
			bench_interrupts();
			if (vsm) {
				u64 n0 = bench_vsm.mb->cpu[bench_vp].counter;

				measure("vtl-call-return", op_vtl_call_return, ITERS);
				if (bench_vsm.mb->cpu[bench_vp].counter - n0 != ITERS)
					out("BENCH vtl-call-return: VTL1 missed calls");
				bench_vtl_reflect();
				bench_vtl_interrupt();
				if (bench_modify_prot())
					bench_prot_intercepts();
			} else {
				char line[96];

				snprintf(line, sizeof(line), "BENCH vtl-call-return: not run (%s)",
					 bench_vsm_why);
				out(line);
			}
		} else {
			out("BENCH hypercalls: no hypercall page");
		}
		cpu_wrmsr(MSR_HYPERCALL, 0);
	}
	__asm__ volatile("sti");
	out("BENCH done");
	return EFI_SUCCESS;
}
