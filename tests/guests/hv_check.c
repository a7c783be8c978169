// SPDX-License-Identifier: MIT
/*
 * Check group hv: the Hyper-V TLFS surface a VTL0 guest sees (reference: tlfs-vsm.md 1.1-1.4,
 * 2.1-2.4): the CPUID identity leaves, the GUEST_OS_ID, VP_INDEX and HYPERCALL MSRs, the
 * hypercall page (an overlay, read+execute only) and the common hypercall status codes.
 *
 * Several of these must raise #GP. While the group runs, the BSP's IDT vector 13 points at
 * hv_gp_entry (the firmware's gate is restored afterwards): a try_* helper stores the address
 * just after its risky instruction in hv_gp_recover, and a #GP resumes there. The APs only
 * read VP_INDEX, and only once the BSP has read its own without a fault.
 */
#include <efi.h>
#include <efilib.h>

#include "lib/compiler.h"
#include "lib/printf.h"
#include "tests/guests/report.h"
#include "tests/guests/vtl0test.h"

/* TLFS synthetic MSRs (tlfs-vsm.md 2.1). */
#define HV_MSR_GUEST_OS_ID 0x40000000u
#define HV_MSR_HYPERCALL 0x40000001u
#define HV_MSR_VP_INDEX 0x40000002u
#define HV_MSR_UNIMPLEMENTED 0x400000ffu /* in the synthetic range, defined nowhere */

/* TLFS CPUID leaves (tlfs-vsm.md 2.3, 2.4). */
#define HV_CPUID_FEATURES 0x40000003u
#define HV_CPUID_LIMITS 0x40000005u
#define HV_INTERFACE_HV1 0x31237648u /* "Hv#1" */
#define HV_PRIV_ACCESS_HYPERCALL_MSRS BIT(5)
#define HV_PRIV_ACCESS_VP_INDEX BIT(6)

/* HYPERCALL MSR (tlfs-vsm.md 2.2): bit 0 Enable, bit 1 Locked, 11:2 RsvdP, 63:12 GPFN. */
#define HV_HYPERCALL_ENABLE BIT(0)

/* An open-source guest OS ID (bit 63 set): non-zero, as enabling the hypercall page needs. */
#define VT0_GUEST_OS_ID (0x8001000000000000ull | 0x1234)

/* Hypercall control word (tlfs-vsm.md 1.1) and status values (1.4). */
#define HVCALL_NOTIFY_LONG_SPIN_WAIT 0x0008ull
#define HVCALL_UNDEFINED 0x7fffull
#define HV_CONTROL_FAST BIT(16)
#define HV_CONTROL_RSVD_BIT30 BIT(30)
#define HV_CONTROL_REP_COUNT(n) ((u64)(n) << 32)
#define HV_STATUS_SUCCESS 0x0000u
#define HV_STATUS_INVALID_HYPERCALL_CODE 0x0002u
#define HV_STATUS_INVALID_HYPERCALL_INPUT 0x0003u
#define HV_STATUS_NO_CALL 0xffffffffu /* not a status: the call did not return */

#define HV_GP_VECTOR 13
/* Firmware's own time limit for the blocking AP dispatch: generous, Bochs is slow. */
#define VP_SAMPLE_TIMEOUT_US 20000000ull
#define HV_PAGE_FILL 0xcc

/*
 * The #GP handler. With a recovery point set: drop the error code, resume at the recovery
 * point (clearing it) and count the fault. Without one: on to the firmware's own handler
 * with the frame untouched. Entered through an interrupt gate (SDM vol.3 6.12.1), whose
 * frame holds the error code, then RIP, CS, RFLAGS, RSP, SS (SDM vol.3 6.14.2).
 */
static volatile u64 hv_gp_recover __attribute__((used));
static volatile u64 hv_gp_chain __attribute__((used));
static volatile u32 hv_gp_faults __attribute__((used));
static volatile u64 hv_gp_rip __attribute__((used)); /* where the last caught #GP was */
void hv_gp_entry(void);
__asm__(".text\n"
	"hv_gp_entry:\n"
	"	cmpq $0, hv_gp_recover(%rip)\n"
	"	je 1f\n"
	"	push %rax\n"
	"	mov 16(%rsp), %rax\n" /* the saved RIP, above RAX and the error code */
	"	mov %rax, hv_gp_rip(%rip)\n"
	"	mov hv_gp_recover(%rip), %rax\n"
	"	mov %rax, 16(%rsp)\n"
	"	movq $0, hv_gp_recover(%rip)\n"
	"	lock incl hv_gp_faults(%rip)\n"
	"	pop %rax\n"
	"	add $8, %rsp\n"
	"	iretq\n"
	"1:	jmp *hv_gp_chain(%rip)\n");

static u64 gate_offset(const struct vt0_idt_gate *g)
{
	return g->off_lo | ((u64)g->off_mid << 16) | ((u64)g->off_hi << 32);
}

/* Takes over (install) or gives back the BSP's #GP vector. */
void vt0_gp_gate(struct vt0_idt_gate *saved, bool install)
{
	if (!install) {
		vt0_idt_gate(HV_GP_VECTOR, 0, saved);
		return;
	}
	hv_gp_recover = 0;
	vt0_idt_gate(HV_GP_VECTOR, (u64)hv_gp_entry, saved);
	hv_gp_chain = gate_offset(saved);
}

/* RDMSR; false when it raised #GP (*val is then 0). */
bool vt0_try_rdmsr(u32 msr, u64 *val)
{
	u32 lo, hi, before = hv_gp_faults;
	u64 t;

	__asm__ volatile("lea 1f(%%rip), %[t]\n\t"
			 "mov %[t], hv_gp_recover(%%rip)\n\t"
			 "xor %%eax, %%eax\n\t"
			 "xor %%edx, %%edx\n\t"
			 "rdmsr\n"
			 "1:\tmovq $0, hv_gp_recover(%%rip)"
			 : "=&a"(lo), "=&d"(hi), [t] "=&r"(t)
			 : "c"(msr)
			 : "memory");
	*val = ((u64)hi << 32) | lo;
	return hv_gp_faults == before;
}

/* WRMSR; false when it raised #GP. */
bool vt0_try_wrmsr(u32 msr, u64 val)
{
	u32 before = hv_gp_faults;
	u64 t;

	__asm__ volatile("lea 1f(%%rip), %[t]\n\t"
			 "mov %[t], hv_gp_recover(%%rip)\n\t"
			 "wrmsr\n"
			 "1:\tmovq $0, hv_gp_recover(%%rip)"
			 : [t] "=&r"(t)
			 : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
			 : "memory");
	return hv_gp_faults == before;
}

/*
 * Privileged writes for the secure intercept checks (vsm_intercept_check.c): false when
 * the instruction raised #GP. *at and *next: the instruction's address and the one after
 * it (so its length); the #GP's RIP in vt0_gp_rip().
 */
bool vt0_try_write_cr4(u64 val, u64 *at, u64 *next)
{
	u32 before = hv_gp_faults;
	u64 t;

	__asm__ volatile("lea 1f(%%rip), %[t]\n\t"
			 "mov %[t], hv_gp_recover(%%rip)\n\t"
			 "lea 2f(%%rip), %[t]\n\t"
			 "mov %[t], (%[at])\n\t"
			 "lea 1f(%%rip), %[t]\n\t"
			 "mov %[t], (%[next])\n"
			 "2:\tmov %[v], %%cr4\n"
			 "1:\tmovq $0, hv_gp_recover(%%rip)"
			 : [t] "=&r"(t)
			 : [v] "a"(val), [at] "r"(at), [next] "r"(next)
			 : "memory");
	return hv_gp_faults == before;
}

bool vt0_try_wrmsr_at(u32 msr, u64 val, u64 *at, u64 *next)
{
	u32 before = hv_gp_faults;
	u64 t;

	__asm__ volatile("lea 1f(%%rip), %[t]\n\t"
			 "mov %[t], hv_gp_recover(%%rip)\n\t"
			 "lea 2f(%%rip), %[t]\n\t"
			 "mov %[t], (%[at])\n\t"
			 "lea 1f(%%rip), %[t]\n\t"
			 "mov %[t], (%[next])\n"
			 "2:\twrmsr\n"
			 "1:\tmovq $0, hv_gp_recover(%%rip)"
			 : [t] "=&r"(t)
			 : "c"(msr), "a"((u32)val),
			   "d"((u32)(val >> 32)), [at] "r"(at), [next] "r"(next)
			 : "memory");
	return hv_gp_faults == before;
}

bool vt0_try_lidt(const struct vt0_dtr *d, u64 *at, u64 *next)
{
	u32 before = hv_gp_faults;
	u64 t;

	__asm__ volatile("lea 1f(%%rip), %[t]\n\t"
			 "mov %[t], hv_gp_recover(%%rip)\n\t"
			 "lea 2f(%%rip), %[t]\n\t"
			 "mov %[t], (%[at])\n\t"
			 "lea 1f(%%rip), %[t]\n\t"
			 "mov %[t], (%[next])\n"
			 "2:\tlidt (%[d])\n"
			 "1:\tmovq $0, hv_gp_recover(%%rip)"
			 : [t] "=&r"(t)
			 : [d] "r"(d), [at] "r"(at), [next] "r"(next)
			 : "memory");
	return hv_gp_faults == before;
}

u64 vt0_gp_rip(void)
{
	return hv_gp_rip;
}

/* One byte store; false when it raised #GP. */
static bool try_write8(volatile u8 *p, u8 v)
{
	u32 before = hv_gp_faults;
	u64 t;

	__asm__ volatile("lea 1f(%%rip), %[t]\n\t"
			 "mov %[t], hv_gp_recover(%%rip)\n\t"
			 "movb %[v], (%[p])\n"
			 "1:\tmovq $0, hv_gp_recover(%%rip)"
			 : [t] "=&r"(t)
			 : [p] "r"(p), [v] "q"(v)
			 : "memory");
	return hv_gp_faults == before;
}

/*
 * One x64 hypercall through the page (tlfs-vsm.md 1.3): RCX control, RDX input GPA (or fast
 * input), R8 output GPA (or fast input); the page's RET brings us back with the status in
 * RAX. Returns RAX, or HV_STATUS_NO_CALL after a #GP (RSP is put back: the fault may come
 * inside the page, after CALL pushed its return address).
 */
u64 vt0_hypercall(const volatile u8 *page, u64 control, u64 in, u64 out)
{
	register u64 r8 __asm__("r8") = out;
	u32 before = hv_gp_faults;
	u64 rax, t, sp;

	__asm__ volatile("lea 1f(%%rip), %[t]\n\t"
			 "mov %[t], hv_gp_recover(%%rip)\n\t"
			 "mov %%rsp, %[sp]\n\t"
			 "call *%[page]\n"
			 "1:\tmov %[sp], %%rsp\n\t"
			 "movq $0, hv_gp_recover(%%rip)"
			 : "=&a"(rax), [t] "=&r"(t), [sp] "=&r"(sp), "+c"(control), "+d"(in),
			   "+r"(r8)
			 : [page] "r"(page)
			 : "r9", "r10", "r11", "cc", "memory");
	return hv_gp_faults == before ? rax : HV_STATUS_NO_CALL;
}

static void check_cpuid_identity(struct vt0_ctx *ctx)
{
	struct cpuid_regs v = cpu_cpuid(CPUID_HV_VENDOR_LEAF, 0);
	struct cpuid_regs i = cpu_cpuid(CPUID_HV_INTERFACE_LEAF, 0);
	struct cpuid_regs f = cpu_cpuid(HV_CPUID_FEATURES, 0);
	struct cpuid_regs l = cpu_cpuid(HV_CPUID_LIMITS, 0);
	const u32 privs = HV_PRIV_ACCESS_HYPERCALL_MSRS | HV_PRIV_ACCESS_VP_INDEX;
	struct why w = { 0 };

	report_info("hv: 0x40000000 eax=0x%08x, 0x40000001 eax=0x%08x, 0x40000003 "
		    "eax=0x%08x ebx=0x%08x edx=0x%08x, 0x40000005 eax=%u",
		    v.eax, i.eax, f.eax, f.ebx, f.edx, l.eax);
	if (!vt0_sig_is(&v, VT0_HV_VENDOR_SIG))
		why_add(&w, "0x40000000 ebx/ecx/edx=0x%08x/0x%08x/0x%08x, not \"Microsoft Hv\"",
			v.ebx, v.ecx, v.edx);
	if (v.eax < HV_CPUID_LIMITS || v.eax > 0x400000ffu)
		why_add(&w, "max leaf 0x%08x outside 0x40000005..0x400000ff", v.eax);
	if (i.eax != HV_INTERFACE_HV1)
		why_add(&w, "0x40000001 eax=0x%08x, not 0x%08x (Hv#1)", i.eax, HV_INTERFACE_HV1);
	if ((f.eax & privs) != privs)
		why_add(&w, "0x40000003 eax=0x%08x lacks AccessHypercallMsrs|AccessVpIndex", f.eax);
	if (l.eax < ctx->mp.count)
		why_add(&w, "0x40000005 eax (max VPs)=%u < %u CPUs", l.eax, ctx->mp.count);
	report_result("hv.cpuid_identity", !w.count, "%s", w.buf);
}

/* Leaves GUEST_OS_ID non-zero (when it can be written): the hypercall page needs that. */
static void check_guest_os_id(u64 *orig)
{
	u64 v;

	if (!vt0_try_rdmsr(HV_MSR_GUEST_OS_ID, orig)) {
		report_fail("hv.guest_os_id", "RDMSR 0x%x raised #GP", HV_MSR_GUEST_OS_ID);
		return;
	}
	report_info("hv: GUEST_OS_ID was 0x%lx", *orig);
	if (!vt0_try_wrmsr(HV_MSR_GUEST_OS_ID, VT0_GUEST_OS_ID)) {
		report_fail("hv.guest_os_id", "WRMSR 0x%x = 0x%llx raised #GP (read 0x%lx before)",
			    HV_MSR_GUEST_OS_ID, VT0_GUEST_OS_ID, *orig);
		return;
	}
	if (!vt0_try_rdmsr(HV_MSR_GUEST_OS_ID, &v)) {
		report_fail("hv.guest_os_id", "RDMSR 0x%x after the write raised #GP",
			    HV_MSR_GUEST_OS_ID);
		return;
	}
	report_result("hv.guest_os_id", v == VT0_GUEST_OS_ID, "wrote 0x%llx, read back 0x%lx",
		      VT0_GUEST_OS_ID, v);
}

/* Written by the APs (one slot each, claimed with an atomic add), read by the BSP afterwards. */
struct vp_sample {
	u32 valid;
	u32 apic_id;
	u64 vp_index;
};

static struct {
	u32 next;
	struct vp_sample rec[MP_MAX_CPUS];
} vp_run;

/* AP procedure: CPUID, RDMSR and plain stores only, never a UEFI service. */
static void __attribute__((ms_abi)) vp_index_ap(void *arg)
{
	u32 i = __atomic_fetch_add(&vp_run.next, 1, __ATOMIC_ACQ_REL);

	if (i >= MP_MAX_CPUS)
		return;
	vp_run.rec[i].apic_id = cpu_apic_id();
	vp_run.rec[i].vp_index = cpu_rdmsr(HV_MSR_VP_INDEX);
	__atomic_store_n(&vp_run.rec[i].valid, 1, __ATOMIC_RELEASE);
}

/* The VP index is the CPU's position in the firmware's list (GetProcessorInfo order). */
static void check_vp_index(struct vt0_ctx *ctx)
{
	const struct mp_info *mp = &ctx->mp;
	static struct vp_sample s[MP_MAX_CPUS];
	char list[REPORT_LINE_MAX - 32];
	struct why w = { 0 };
	int llen = 0;
	EFI_STATUS st;
	u64 bsp_vp;

	if (!vt0_try_rdmsr(HV_MSR_VP_INDEX, &bsp_vp)) {
		report_fail("hv.vp_index", "BSP: RDMSR 0x%x raised #GP (APs not asked)",
			    HV_MSR_VP_INDEX);
		return;
	}
	for (u32 i = 0; i < MP_MAX_CPUS; i++)
		s[i].valid = vp_run.rec[i].valid = 0;
	vp_run.next = 0;
	s[mp->bsp] = (struct vp_sample){ .valid = 1, .apic_id = cpu_apic_id(), .vp_index = bsp_vp };
	if (mp_run_on_aps(mp, vp_index_ap, NULL, VP_SAMPLE_TIMEOUT_US, &st))
		why_add(&w, "StartupAllAPs returned 0x%lx", (u64)st);

	u32 n = MIN(__atomic_load_n(&vp_run.next, __ATOMIC_ACQUIRE), (u32)MP_MAX_CPUS);

	for (u32 i = 0; i < n; i++) {
		const struct vp_sample *r = &vp_run.rec[i];
		int idx;

		if (!__atomic_load_n(&r->valid, __ATOMIC_ACQUIRE))
			continue;
		idx = mp_index_of_apic_id(mp, r->apic_id);
		if (idx < 0 || s[idx].valid)
			why_add(&w, "an AP with APIC ID %u matches no other CPU", r->apic_id);
		else
			s[idx] = *r;
	}
	for (u32 i = 0; i < mp->count; i++) {
		if (!(mp->cpus[i].status & MP_CPU_ENABLED))
			continue;
		if (!s[i].valid) {
			why_add(&w, "cpu %u (APIC %u): no answer", i, mp->cpus[i].apic_id);
			continue;
		}
		if (llen < (int)sizeof(list))
			llen += snprintf(list + llen, sizeof(list) - llen, " %u:%lu", i,
					 s[i].vp_index);
		if (s[i].vp_index != i)
			why_add(&w, "cpu %u (APIC %u): VP index %lu", i, s[i].apic_id,
				s[i].vp_index);
		for (u32 j = 0; j < i; j++)
			if (s[j].valid && s[j].vp_index == s[i].vp_index)
				why_add(&w, "cpus %u and %u share VP index %lu", j, i,
					s[i].vp_index);
	}
	report_info("hv: VP index by cpu (cpu:vp):%s", llen ? list : " none");
	report_result("hv.vp_index", !w.count, "%s", w.buf);
}

static void check_vp_index_readonly(void)
{
	u64 v;

	if (!vt0_try_rdmsr(HV_MSR_VP_INDEX, &v)) {
		report_fail("hv.vp_index_readonly", "RDMSR 0x%x raised #GP too: no VP_INDEX MSR",
			    HV_MSR_VP_INDEX);
		return;
	}
	/* Writing the value it already has: harmless should the write go through. */
	bool gp = !vt0_try_wrmsr(HV_MSR_VP_INDEX, v);

	report_result("hv.vp_index_readonly", gp, "WRMSR 0x%x = %lu did not raise #GP",
		      HV_MSR_VP_INDEX, v);
}

/* Status of one hypercall, checked and reported as its own TEST line. */
static void check_call(const char *name, const volatile u8 *page, u64 control, u64 in, u16 want)
{
	u64 rax;

	if (!page) {
		report_fail(name, "not called: no usable hypercall page");
		return;
	}
	rax = vt0_hypercall(page, control, in, 0);
	if (rax == HV_STATUS_NO_CALL) {
		report_fail(name, "control 0x%lx: #GP in the hypercall page", control);
		return;
	}
	report_result(name, (u16)rax == want,
		      "control 0x%lx: RAX 0x%lx, status 0x%04x, want 0x%04x", control, rax,
		      (u16)rax, want);
}

/* Enables the page; returns true when it reads as a hypercall page (VMCALL first). */
static bool check_hypercall_enable(volatile u8 *page, u64 gpa)
{
	const u64 want = gpa | HV_HYPERCALL_ENABLE;
	struct why w = { 0 };
	u64 v;

	if (!vt0_try_wrmsr(HV_MSR_HYPERCALL, want)) {
		report_fail("hv.hypercall_page", "WRMSR 0x%x = 0x%lx raised #GP", HV_MSR_HYPERCALL,
			    want);
		return false;
	}
	if (!vt0_try_rdmsr(HV_MSR_HYPERCALL, &v))
		why_add(&w, "RDMSR 0x%x raised #GP", HV_MSR_HYPERCALL);
	else if ((v & ~(PAGE_SIZE - 1)) != gpa || !(v & HV_HYPERCALL_ENABLE))
		why_add(&w, "MSR reads 0x%lx after writing 0x%lx", v, want);
	report_info("hv: hypercall page at 0x%lx: %02x %02x %02x %02x %02x %02x %02x %02x", gpa,
		    page[0], page[1], page[2], page[3], page[4], page[5], page[6], page[7]);
	/* Intel: VMCALL (0F 01 C1) at offset 0 (tlfs-vsm.md 1.3), over the guest's 0xCC fill. */
	bool vmcall = page[0] == 0x0f && page[1] == 0x01 && page[2] == 0xc1;

	if (!vmcall)
		why_add(&w, "page starts %02x %02x %02x, not VMCALL 0f 01 c1", page[0], page[1],
			page[2]);
	report_result("hv.hypercall_page", !w.count, "%s", w.buf);
	return vmcall;
}

/* Disables the page; returns true when the guest's own memory shows again. */
static bool check_hypercall_disable(volatile u8 *page)
{
	struct why w = { 0 };
	u32 bad = 0, first = 0;
	u64 v;

	if (!vt0_try_wrmsr(HV_MSR_HYPERCALL, 0)) {
		report_fail("hv.hypercall_page_disable", "WRMSR 0x%x = 0 raised #GP",
			    HV_MSR_HYPERCALL);
		return false;
	}
	if (!vt0_try_rdmsr(HV_MSR_HYPERCALL, &v))
		why_add(&w, "RDMSR 0x%x raised #GP", HV_MSR_HYPERCALL);
	else if (v & HV_HYPERCALL_ENABLE)
		why_add(&w, "MSR reads 0x%lx after writing 0", v);
	for (u32 i = 0; i < PAGE_SIZE; i++)
		if (page[i] != HV_PAGE_FILL && !bad++)
			first = i;
	if (bad)
		why_add(&w,
			"%u byte(s) of the guest's 0x%02x fill changed, first at +0x%x (0x%02x)",
			bad, HV_PAGE_FILL, first, page[first]);
	report_result("hv.hypercall_page_disable", !w.count, "%s", w.buf);
	return !(v & HV_HYPERCALL_ENABLE);
}

static struct vt0_ctx *hv_ctx; /* for the checks that need the CPU list */

/* Exits this VP has taken (vtlvisor's CPUID leaf 0x40000102). */
static u64 vp_exits(void)
{
	struct cpuid_regs r = cpu_cpuid(0x40000102, 0);

	return ((u64)r.ebx << 32) | r.eax;
}

/*
 * An XMM fast call (tlfs-vsm.md 1.3): RDX, R8, XMM0 and XMM1 loaded from x[0..1], both
 * stored back into x after the call (the output pairs follow the input's).
 */
u64 vt0_xmm_hypercall(const volatile u8 *page, u64 control, u64 rdx, u64 r8, u8 x[2][16])
{
	register u64 r8r __asm__("r8") = r8;
	u64 rax;

	__asm__ volatile("movdqu (%[x]), %%xmm0\n\t"
			 "movdqu 16(%[x]), %%xmm1\n\t"
			 "call *%[page]\n\t"
			 "movdqu %%xmm0, (%[x])\n\t"
			 "movdqu %%xmm1, 16(%[x])"
			 : "=&a"(rax), "+c"(control), "+d"(rdx), "+r"(r8r)
			 : [page] "r"(page), [x] "r"(x)
			 : "r9", "r10", "r11", "cc", "memory"); /* no SSE in this build */
	return rax;
}

/*
 * The Ex forms (an HV_VP_SET instead of a 64-bit mask) and the XMM fast form: a flush of
 * every CPU named by a sparse set and by the "all" format, a malformed set, a flush whose
 * processor mask travels in XMM0, and GetVpIndexFromApicId with APIC IDs in XMM0 and the
 * VP indexes coming back in XMM1.
 */
static void check_ex_and_xmm_calls(const volatile u8 *page, EFI_PHYSICAL_ADDRESS buf,
				   const struct mp_info *mp)
{
	volatile u64 *in = (volatile u64 *)(uintptr_t)buf;
	struct why w = { 0 };
	u64 rax;

	in[0] = 0;
	in[1] = 0;
	in[2] = 0;			 /* sparse */
	in[3] = 1;			 /* bank 0 */
	in[4] = (1ull << mp->count) - 1; /* every CPU */
	rax = vt0_hypercall(page, 0x0013ull | (1ull << 17), buf, 0);
	if ((u16)rax)
		why_add(&w, "sparse set: RAX 0x%lx", rax);
	in[2] = 1; /* all */
	rax = vt0_hypercall(page, 0x0013ull, buf, 0);
	if ((u16)rax)
		why_add(&w, "all: RAX 0x%lx", rax);
	in[2] = 0;
	rax = vt0_hypercall(page, 0x0013ull, buf, 0); /* bank announced, not present */
	if ((u16)rax != HV_STATUS_INVALID_HYPERCALL_INPUT)
		why_add(&w, "missing bank: RAX 0x%lx, want 3", rax);
	report_result("hv.flush_ex", !w.count, "%s", w.buf);

	struct why x = { 0 };
	struct cpuid_regs f = cpu_cpuid(0x40000003, 0);
	u8 regs[2][16] = { { 0 } };
	if (!(f.edx & BIT(4)) || !(f.edx & BIT(15))) {
		report_fail("hv.xmm_fast", "CPUID 0x40000003 EDX 0x%x: no XMM fast input/output",
			    f.edx);
		return;
	}
	*(u64 *)regs[0] = (1ull << mp->count) - 1; /* the processor mask, in XMM0 */
	rax = vt0_xmm_hypercall(page, 0x0002ull | HV_CONTROL_FAST, 0, 3, regs);
	if ((u16)rax)
		why_add(&x, "flush with XMM0: RAX 0x%lx", rax);
	u32 n = mp->count < 4 ? mp->count : 4;
	for (u32 i = 0; i < n; i++)
		((u32 *)regs[0])[i] = mp->cpus[n - 1 - i].apic_id;
	__builtin_memset(regs[1], 0xee, 16);
	rax = vt0_xmm_hypercall(page, 0x009aull | HV_CONTROL_FAST | HV_CONTROL_REP_COUNT(n), ~0ull,
				0, regs);
	if ((u16)rax || ((rax >> 32) & 0xfff) != n)
		why_add(&x, "GetVpIndexFromApicId: RAX 0x%lx", rax);
	/* 16 + 4n input bytes: RDX:R8 and XMM0, so the output starts in XMM1. */
	for (u32 i = 0; i < n; i++)
		if (((u32 *)regs[1])[i] != n - 1 - i)
			why_add(&x, "XMM1 word %u = 0x%x, want %u", i, ((u32 *)regs[1])[i],
				n - 1 - i);
	report_result("hv.xmm_fast", !x.count, "%s", x.buf);
}

/*
 * A long rep call is done in slices of ~50 us (tlfs-vsm.md 1.3): the hypervisor returns
 * to the guest with the rep start index moved on and RIP on the VMCALL, which runs again.
 * GetVpIndexFromApicId with 1020 reps (a full input page) must come back complete and
 * correct, after more than one exit.
 */
static void check_rep_continuation(const volatile u8 *page, EFI_PHYSICAL_ADDRESS buf,
				   const struct mp_info *mp)
{
	const u32 reps = 1020;
	EFI_PHYSICAL_ADDRESS outp = 0;
	struct why w = { 0 };

	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)1, &outp))) {
		report_fail("hv.rep_continuation", "AllocatePages failed");
		return;
	}
	volatile u64 *in = (volatile u64 *)(uintptr_t)buf;
	volatile u32 *ids = (volatile u32 *)(uintptr_t)(buf + 16);
	volatile u32 *out = (volatile u32 *)(uintptr_t)outp;
	in[0] = ~0ull;
	in[1] = 0;
	for (u32 i = 0; i < reps; i++) {
		ids[i] = mp->cpus[i % mp->count].apic_id;
		out[i] = 0xdead;
	}
	u64 e0 = vp_exits();
	u64 rax = vt0_hypercall(page, 0x009aull | HV_CONTROL_REP_COUNT(reps), buf, outp);
	u64 exits = vp_exits() - e0 - 1;
	if ((u16)rax || ((rax >> 32) & 0xfff) != reps)
		why_add(&w, "RAX 0x%lx", rax);
	for (u32 i = 0; i < reps && w.count < 3; i++)
		if (out[i] != i % mp->count)
			why_add(&w, "rep %u: VP %u, want %u", i, out[i], i % mp->count);
	if (exits < 2)
		why_add(&w, "done in %lu exit(s): no continuation", exits);
	report_result("hv.rep_continuation", !w.count, "%s", w.buf);
	report_info("hv: 1020-rep GetVpIndexFromApicId took %lu VMCALL exits", exits);
	uefi_call_wrapper(BS->FreePages, 2, outp, (UINTN)1);
}

/*
 * Memory-form calls (tlfs-vsm.md 1.3, 1.7) through the enabled page: GetVpIndexFromApicId
 * for every CPU (input at +0, output at +0x800 of a page of ours), the flush calls on all
 * processors, and a cluster IPI with a bad vector (a good one would need a handler).
 */
static void check_memory_form_calls(const volatile u8 *page)
{
	EFI_PHYSICAL_ADDRESS buf = 0;
	const struct mp_info *mp = &hv_ctx->mp;

	if (!page) {
		report_fail("hv.get_vp_index_from_apic_id", "not called: no usable hypercall page");
		return;
	}
	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)1, &buf))) {
		report_fail("hv.get_vp_index_from_apic_id", "AllocatePages failed");
		return;
	}
	volatile u64 *in = (volatile u64 *)(uintptr_t)buf;
	volatile u32 *ids = (volatile u32 *)(uintptr_t)(buf + 16);
	volatile u32 *out = (volatile u32 *)(uintptr_t)(buf + 0x800);
	struct why w = { 0 };
	in[0] = ~0ull; /* HV_PARTITION_ID_SELF */
	in[1] = 0;     /* target VTL 0 */
	for (u32 i = 0; i < mp->count; i++) {
		ids[i] = mp->cpus[i].apic_id;
		out[i] = 0xdead;
	}
	u64 rax =
		vt0_hypercall(page, 0x009aull | HV_CONTROL_REP_COUNT(mp->count), buf, buf + 0x800);
	if ((u16)rax != HV_STATUS_SUCCESS || ((rax >> 32) & 0xfff) != mp->count)
		why_add(&w, "RAX 0x%lx (want status 0, %u reps)", rax, mp->count);
	for (u32 i = 0; i < mp->count; i++)
		if (out[i] != i)
			why_add(&w, "APIC %u -> VP %u, want %u", mp->cpus[i].apic_id, out[i], i);
	report_result("hv.get_vp_index_from_apic_id", !w.count, "%s", w.buf);

	in[0] = 0;
	in[1] = 3; /* all processors, all address spaces */
	in[2] = 0;
	rax = vt0_hypercall(page, 0x0002ull, buf, 0);
	report_result("hv.flush_address_space", (u16)rax == HV_STATUS_SUCCESS, "RAX 0x%lx", rax);
	in[1] = 1;
	in[3] = 0x400000; /* two GVA ranges */
	in[4] = 0x800000;
	rax = vt0_hypercall(page, 0x0003ull | HV_CONTROL_REP_COUNT(2), buf, 0);
	report_result("hv.flush_address_list",
		      (u16)rax == HV_STATUS_SUCCESS && ((rax >> 32) & 0xfff) == 2,
		      "RAX 0x%lx (want status 0, 2 reps completed)", rax);
	check_call("hv.cluster_ipi_bad_vector", page, 0x000bull | HV_CONTROL_FAST, 0x0f, 0x0005);
	check_ex_and_xmm_calls(page, buf, mp);
	check_rep_continuation(page, buf, mp);
	uefi_call_wrapper(BS->FreePages, 2, buf, (UINTN)1);
}

static void check_hypercall_page(void)
{
	EFI_PHYSICAL_ADDRESS gpa = 0;
	volatile u8 *page, *callable = NULL;
	bool enabled, freeable = true;
	EFI_STATUS st;
	u64 v;

	/* Boot-services code: executable in the firmware's page tables. */
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiBootServicesCode,
			       (UINTN)1, &gpa);
	if (EFI_ERROR(st)) {
		report_fail("hv.hypercall_page", "AllocatePages returned 0x%lx", (u64)st);
		return;
	}
	page = (volatile u8 *)(uintptr_t)gpa;
	for (u32 i = 0; i < PAGE_SIZE; i++)
		page[i] = HV_PAGE_FILL;

	if (check_hypercall_enable(page, gpa))
		callable = page;
	check_call("hv.hypercall_fast_spin_wait", callable,
		   HVCALL_NOTIFY_LONG_SPIN_WAIT | HV_CONTROL_FAST, 1, HV_STATUS_SUCCESS);
	check_call("hv.hypercall_unknown_code", callable, HVCALL_UNDEFINED | HV_CONTROL_FAST, 0,
		   HV_STATUS_INVALID_HYPERCALL_CODE);
	check_call("hv.hypercall_rep_on_simple", callable,
		   HVCALL_NOTIFY_LONG_SPIN_WAIT | HV_CONTROL_FAST | HV_CONTROL_REP_COUNT(1), 1,
		   HV_STATUS_INVALID_HYPERCALL_INPUT);
	check_call("hv.hypercall_reserved_bit", callable,
		   HVCALL_NOTIFY_LONG_SPIN_WAIT | HV_CONTROL_FAST | HV_CONTROL_RSVD_BIT30, 1,
		   HV_STATUS_INVALID_HYPERCALL_INPUT);
	check_memory_form_calls(callable);

	/* The overlay is read+execute: a guest write raises #GP (tlfs-vsm.md 2.2). */
	enabled = vt0_try_rdmsr(HV_MSR_HYPERCALL, &v) && (v & HV_HYPERCALL_ENABLE);
	if (!enabled) {
		report_fail("hv.hypercall_page_readonly", "not tried: the page is not enabled");
	} else {
		bool gp = !try_write8(page + PAGE_SIZE - 1, 0x90);

		report_result("hv.hypercall_page_readonly", gp,
			      "a write at +0xfff went through (reads 0x%02x)", page[PAGE_SIZE - 1]);
	}

	if (!check_hypercall_disable(page) && enabled)
		freeable = false;
	if (freeable)
		uefi_call_wrapper(BS->FreePages, 2, gpa, (UINTN)1);
	else
		report_info("hv: page 0x%lx still a hypercall page: not given back", (u64)gpa);
}

/* VP_RUNTIME (AccessVpRunTimeReg): 100 ns units the VP has run; a busy 10 ms adds ~10 ms;
 * read-only. */
#define HV_MSR_VP_RUNTIME 0x40000010u

static void check_vp_runtime(void)
{
	u64 r0 = 0, r1 = 0;
	struct why w = { 0 };

	if (!(cpu_cpuid(0x40000003, 0).eax & 1u)) {
		report_fail("hv.vp_runtime",
			    "CPUID 0x40000003 EAX bit 0 (AccessVpRunTimeReg) clear");
		return;
	}
	if (!vt0_try_rdmsr(HV_MSR_VP_RUNTIME, &r0))
		why_add(&w, "RDMSR raised #GP");
	uefi_call_wrapper(BS->Stall, 1, (UINTN)10000);
	vt0_try_rdmsr(HV_MSR_VP_RUNTIME, &r1);
	if (r1 - r0 < 80000 || r1 - r0 > 120000)
		why_add(&w, "advanced by %lu over a 10 ms stall, expected ~100000", r1 - r0);
	if (vt0_try_wrmsr(HV_MSR_VP_RUNTIME, 0))
		why_add(&w, "WRMSR (read-only) went through");
	report_result("hv.vp_runtime", !w.count, "%s", w.buf);
}

static void check_unknown_msr(void)
{
	u64 v;
	bool gp = !vt0_try_rdmsr(HV_MSR_UNIMPLEMENTED, &v);

	report_result("hv.unknown_msr", gp, "RDMSR 0x%x returned 0x%lx without #GP",
		      HV_MSR_UNIMPLEMENTED, v);
}

/*
 * Partition reference time (TLFS, reference 2.2): TIME_REF_COUNT counts 100 ns units, so a
 * 10 ms firmware stall must advance it by about 100000; the reference TSC page's
 * ((TSC * scale) >> 64) + offset must agree with the MSR; the page is read-only and the
 * guest's own page comes back when it is disabled.
 */
#define HV_MSR_TIME_REF_COUNT 0x40000020u
#define HV_MSR_REFERENCE_TSC 0x40000021u

static u64 mul64_hi(u64 a, u64 b)
{
	u64 hi, lo;

	__asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b));
	(void)lo;
	return hi;
}

static void check_reference_time(void)
{
	u64 t0, t1, msr;
	EFI_PHYSICAL_ADDRESS gpa = 0;

	if (!(cpu_cpuid(0x40000003, 0).eax & (1u << 1))) {
		report_info("hv: no partition reference counter advertised (TSC rate unknown or "
			    "slower than 10 MHz): reference time checks skipped");
		return;
	}
	if (!vt0_try_rdmsr(HV_MSR_TIME_REF_COUNT, &t0)) {
		report_fail("hv.time_ref_count", "RDMSR 0x%x raised #GP", HV_MSR_TIME_REF_COUNT);
		return;
	}
	uefi_call_wrapper(BS->Stall, 1, (UINTN)10000);
	vt0_try_rdmsr(HV_MSR_TIME_REF_COUNT, &t1);
	report_result("hv.time_ref_count", t1 - t0 >= 80000 && t1 - t0 <= 120000,
		      "advanced by %lu (100 ns units) over a 10 ms stall, expected ~100000",
		      t1 - t0);

	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)1, &gpa))) {
		report_fail("hv.reference_tsc_page", "AllocatePages failed");
		return;
	}
	volatile u64 *page = (volatile u64 *)(uintptr_t)gpa;
	for (u32 i = 0; i < PAGE_SIZE / 8; i++)
		page[i] = 0x5a5a5a5a5a5a5a5aULL;
	if (!vt0_try_wrmsr(HV_MSR_REFERENCE_TSC, gpa | 1)) {
		report_fail("hv.reference_tsc_page", "WRMSR 0x%x = 0x%lx raised #GP",
			    HV_MSR_REFERENCE_TSC, (u64)gpa | 1);
		return;
	}
	u32 seq = (u32)page[0];
	u64 scale = page[1];
	s64 offset = (s64)page[2];
	u64 from_page = mul64_hi(cpu_rdtsc(), scale) + (u64)offset;
	vt0_try_rdmsr(HV_MSR_TIME_REF_COUNT, &msr);
	s64 diff = (s64)(msr - from_page);
	report_result("hv.reference_tsc_page", seq != 0 && scale && diff >= 0 && diff < 10000,
		      "sequence %u scale 0x%lx offset %ld: page says %lu, TIME_REF_COUNT %lu", seq,
		      scale, offset, from_page, msr);
	report_result("hv.reference_tsc_page_readonly", !try_write8((volatile u8 *)page, 1),
		      "a write into the enabled page did not raise #GP");
	vt0_try_wrmsr(HV_MSR_REFERENCE_TSC, 0);
	report_result("hv.reference_tsc_page_disable",
		      page[0] == 0x5a5a5a5a5a5a5a5aULL && page[511] == 0x5a5a5a5a5a5a5a5aULL,
		      "after disabling, the page reads 0x%lx, not the guest's own 0x5a5a...",
		      (u64)page[0]);
	uefi_call_wrapper(BS->FreePages, 2, gpa, (UINTN)1);
}

/*
 * Run with vtlvisor.efi hvoff=0xfff: every implemented TLFS privilege switched off. The
 * features must be gone from CPUID and each MSR must behave as absent (#GP both ways).
 */
static void check_features_off(void)
{
	static const u32 msrs[] = { 0x40000000, 0x40000001, 0x40000002, 0x40000003, 0x40000010,
				    0x40000020, 0x40000021, 0x40000022, 0x40000023, 0x40000070,
				    0x40000071, 0x40000072, 0x40000073, 0x40000080, 0x40000090,
				    0x400000b0, 0x400000f0 };
	struct why w = { 0 };
	u32 priv = cpu_cpuid(0x40000003, 0).eax;
	u64 v;

	if (priv & 0xfff)
		why_add(&w, "CPUID 0x40000003 EAX 0x%x still grants 0x%x", priv, priv & 0xfff);
	for (u32 i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		if (vt0_try_rdmsr(msrs[i], &v))
			why_add(&w, "RDMSR 0x%x returned 0x%lx", msrs[i], v);
		if (vt0_try_wrmsr(msrs[i], 0))
			why_add(&w, "WRMSR 0x%x went through", msrs[i]);
	}
	report_result("hv.features_off", !w.count, "%s", w.buf);
}

/*
 * APIC access MSRs and the VP assist page (TLFS, reference 2.3): TPR is bits 7:0 of the
 * real TPR (the rest reserved, #GP), EOI is write-only, the VP assist page MSR keeps the
 * page and enable bit written and refuses a GPA that is not RAM.
 */
#define HV_MSR_EOI 0x40000070u
#define HV_MSR_ICR 0x40000071u
#define HV_MSR_TPR 0x40000072u
#define HV_MSR_VP_ASSIST_PAGE 0x40000073u

/*
 * TSC_FREQUENCY / APIC_FREQUENCY (AccessFrequencyRegs, EAX bit 11; EDX bit 8): read-only
 * rates in Hz. The TSC rate must agree with the guest's own measurement over a 10 ms
 * firmware stall within 10 %.
 */
#define HV_MSR_TSC_FREQUENCY 0x40000022u
#define HV_MSR_APIC_FREQUENCY 0x40000023u

static void check_frequency_msrs(void)
{
	struct cpuid_regs f = cpu_cpuid(0x40000003, 0);
	struct why w = { 0 };
	u64 tsc_hz = 0, apic_hz = 0;

	if (!(f.eax & (1u << 11)) || !(f.edx & (1u << 8))) {
		report_fail("hv.frequency_msrs",
			    "not offered: CPUID 0x40000003 EAX 0x%x EDX 0x%x "
			    "(the loader could not measure the TSC or APIC timer rate)",
			    f.eax, f.edx);
		return;
	}
	u64 t0 = cpu_rdtsc();
	uefi_call_wrapper(BS->Stall, 1, (UINTN)10000);
	u64 own = (cpu_rdtsc() - t0) * 100;

	if (!vt0_try_rdmsr(HV_MSR_TSC_FREQUENCY, &tsc_hz) ||
	    !vt0_try_rdmsr(HV_MSR_APIC_FREQUENCY, &apic_hz))
		why_add(&w, "RDMSR raised #GP");
	else if (tsc_hz < own - own / 10 || tsc_hz > own + own / 10)
		why_add(&w, "TSC_FREQUENCY %lu Hz, measured %lu Hz", tsc_hz, own);
	if (!apic_hz)
		why_add(&w, "APIC_FREQUENCY is 0");
	if (vt0_try_wrmsr(HV_MSR_TSC_FREQUENCY, 1))
		why_add(&w, "WRMSR TSC_FREQUENCY (read-only) went through");
	report_info("hv: TSC_FREQUENCY %lu Hz, APIC_FREQUENCY %lu Hz", tsc_hz, apic_hz);
	report_result("hv.frequency_msrs", !w.count, "%s", w.buf);
}

/* RESET (AccessResetReg): reads 0, bits 63:1 are RsvdZ (#GP). Writing 1 would reset the
 * machine, so the check does not. */
#define HV_MSR_RESET 0x40000003u

static void check_reset_msr(void)
{
	struct why w = { 0 };
	u64 v = 1;

	if (!vt0_try_rdmsr(HV_MSR_RESET, &v) || v)
		why_add(&w, "RDMSR RESET: #GP or 0x%lx", v);
	if (vt0_try_wrmsr(HV_MSR_RESET, 2))
		why_add(&w, "WRMSR RESET = 2 (reserved bit) went through");
	if (!vt0_try_wrmsr(HV_MSR_RESET, 0))
		why_add(&w, "WRMSR RESET = 0 raised #GP");
	report_result("hv.reset_msr", !w.count, "%s", w.buf);
}

static void check_apic_msrs(void)
{
	struct why w = { 0 };
	u64 tpr0 = 0, v = 0;

	if (!vt0_try_rdmsr(HV_MSR_TPR, &tpr0))
		why_add(&w, "RDMSR TPR raised #GP");
	if (!vt0_try_wrmsr(HV_MSR_TPR, 0x10) || !vt0_try_rdmsr(HV_MSR_TPR, &v) || v != 0x10)
		why_add(&w, "TPR: wrote 0x10, read 0x%lx", v);
	if (vt0_try_wrmsr(HV_MSR_TPR, 0x100))
		why_add(&w, "WRMSR TPR = 0x100 (reserved bits) went through");
	vt0_try_wrmsr(HV_MSR_TPR, tpr0);
	if (vt0_try_rdmsr(HV_MSR_EOI, &v))
		why_add(&w, "RDMSR EOI (write-only) returned 0x%lx", v);
	if (!vt0_try_rdmsr(HV_MSR_ICR, &v))
		why_add(&w, "RDMSR ICR raised #GP");
	report_result("hv.apic_msrs", !w.count, "%s", w.buf);

	EFI_PHYSICAL_ADDRESS gpa = 0;
	struct why a = { 0 };

	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)1, &gpa))) {
		report_fail("hv.vp_assist_page", "AllocatePages failed");
		return;
	}
	if (!vt0_try_wrmsr(HV_MSR_VP_ASSIST_PAGE, gpa | 1) ||
	    !vt0_try_rdmsr(HV_MSR_VP_ASSIST_PAGE, &v) || v != (gpa | 1))
		why_add(&a, "wrote 0x%lx, read 0x%lx", (u64)gpa | 1, v);
	if (vt0_try_wrmsr(HV_MSR_VP_ASSIST_PAGE, 0xfee00000ULL | 1))
		why_add(&a, "enabled at the APIC page 0xfee00000 (not RAM)");
	if (!vt0_try_wrmsr(HV_MSR_VP_ASSIST_PAGE, 0) || !vt0_try_rdmsr(HV_MSR_VP_ASSIST_PAGE, &v) ||
	    v)
		why_add(&a, "disable: read 0x%lx", v);
	uefi_call_wrapper(BS->FreePages, 2, gpa, (UINTN)1);
	report_result("hv.vp_assist_page", !a.count, "%s", a.buf);
}

/*
 * Guest crash MSRs (CPUID 0x40000003 EDX bit 10): P0-P4 and CRASH_CTL with CrashNotify +
 * CrashMessage (P3 = GPA, P4 = length). The hypervisor prints the report on its console;
 * the scenario checks those lines. Not a real crash: the test goes on.
 */
#define HV_MSR_CRASH_P0 0x40000100u
#define HV_MSR_CRASH_CTL 0x40000105u
#define VT0_CRASH_MESSAGE "vtl0test: crash MSR check, not a real crash"

static void check_crash_report(void)
{
	static const u64 params[3] = { 0x7674300000000000ULL, 0x1111, 0x2222 };
	struct why w = { 0 };
	EFI_PHYSICAL_ADDRESS gpa = 0;
	u64 ctl = 0;

	if (!(cpu_cpuid(0x40000003, 0).edx & (1u << 10))) {
		report_fail("hv.crash_report", "CPUID 0x40000003 EDX bit 10 (crash MSRs) clear");
		return;
	}
	if (!vt0_try_rdmsr(HV_MSR_CRASH_CTL, &ctl) || ctl != (3ULL << 62))
		why_add(&w, "CRASH_CTL read 0x%lx, expected Notify|Message", ctl);
	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)1, &gpa))) {
		report_fail("hv.crash_report", "AllocatePages failed");
		return;
	}
	__builtin_memcpy((void *)(uintptr_t)gpa, VT0_CRASH_MESSAGE, sizeof(VT0_CRASH_MESSAGE));
	for (u32 i = 0; i < 3; i++)
		if (!vt0_try_wrmsr(HV_MSR_CRASH_P0 + i, params[i]))
			why_add(&w, "WRMSR CRASH_P%u raised #GP", i);
	if (!vt0_try_wrmsr(HV_MSR_CRASH_P0 + 3, gpa) ||
	    !vt0_try_wrmsr(HV_MSR_CRASH_P0 + 4, sizeof(VT0_CRASH_MESSAGE) - 1))
		why_add(&w, "WRMSR CRASH_P3/P4 raised #GP");
	if (!vt0_try_wrmsr(HV_MSR_CRASH_CTL, 3ULL << 62))
		why_add(&w, "WRMSR CRASH_CTL = Notify|Message raised #GP");
	if (vt0_try_wrmsr(HV_MSR_CRASH_CTL, 1))
		why_add(&w, "WRMSR CRASH_CTL = 1 (undefined bit) went through");
	uefi_call_wrapper(BS->FreePages, 2, gpa, (UINTN)1);
	report_result("hv.crash_report", !w.count, "%s", w.buf);
}

void vt0_check_hv(struct vt0_ctx *ctx)
{
	struct vt0_idt_gate saved;
	u64 os_id = 0;

	if (ctx->opt.expect_no_hv) {
		report_info("hv: skipped (expect-no-hypervisor)");
		return;
	}
	hv_ctx = ctx;
	vt0_gp_gate(&saved, true);
	if (ctx->opt.crash_report)
		check_crash_report();
	if (ctx->opt.hv_off) {
		check_features_off();
		vt0_gp_gate(&saved, false);
		report_info("hv: %u #GP(s) caught", hv_gp_faults);
		return;
	}
	check_cpuid_identity(ctx);
	check_guest_os_id(&os_id);
	check_vp_index(ctx);
	check_vp_index_readonly();
	check_hypercall_page();
	check_reference_time();
	check_apic_msrs();
	vt0_check_synic(ctx);
	check_frequency_msrs();
	check_reset_msr();
	check_vp_runtime();
	check_unknown_msr();
	/* Back to what it was (the hypercall page is disabled by now). */
	vt0_try_wrmsr(HV_MSR_GUEST_OS_ID, os_id);
	vt0_gp_gate(&saved, false);
	report_info("hv: %u #GP(s) caught", hv_gp_faults);
}
