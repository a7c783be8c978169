// SPDX-License-Identifier: MIT
/*
 * Check group vsm: Virtual Secure Mode as a VTL0 guest sees it (docs/VSM.md; reference
 * tlfs-vsm.md 1.4-1.7, 3.3-3.7). In order: the privileges, GetVpRegisters of the VSM
 * registers, the #UDs of VTL calls and returns that may not happen, EnablePartitionVtl and
 * EnableVpVtl with their error statuses, then the round trips into the VTL1 test image
 * (vsm_vtl1_check.c), VTL1 on the APs (vsm_mp_check.c), VTL1's own local APIC and its
 * interrupts (vsm_irq_check.c) and the stress. Without AccessVsm every check is reported as
 * SKIP: not run.
 *
 * Enabling VTL1 cannot be undone: the group runs once per boot, before ap (which exits boot
 * services). While it runs, #UD on the BSP is caught here (a #UD at a VMCALL is counted and
 * the VMCALL skipped, so the stub's RET follows) and #GP by hv_check.c's catcher.
 */
#include <efi.h>
#include <efilib.h>

#include "lib/printf.h"
#include "tests/guests/report.h"
#include "tests/guests/vsm_check.h"

#define VT0_VSM_OS_ID (0x8001000000000000ull | 0x7630) /* open source, "v0" */
#define HC_FILL 0xcc
#define VEC_UD 6
#define UNKNOWN_REG 0x000dffffu
#define STUB_MAX 32 /* a stub's VMCALL lies within this many bytes of its start */

/* Every check, in the order it reports (vt0_vsm_rest reports the tail of this list). */
static const char *const vsm_names[] = {
	"vsm.cpuid.privileges",
	"vsm.get_regs.partition_status",
	"vsm.get_regs.vp_status",
	"vsm.get_regs.code_page_offsets",
	"vsm.get_regs.capabilities",
	"vsm.get_regs.unknown_name",
	"vsm.get_regs.second_unknown",
	"vsm.get_regs.target_vtl1_denied",
	"vsm.get_regs.xmm_fast",
	"vsm.vtl_call.before_enable_ud",
	"vsm.vtl_return.from_vtl0_ud",
	"vsm.enable_vp.before_partition",
	"vsm.enable_partition.bad_partition_id",
	"vsm.enable_partition.vtl2",
	"vsm.enable_partition.vtl0",
	"vsm.enable_partition.flag_bit1",
	"vsm.enable_partition.ok",
	"vsm.enable_partition.again",
	"vsm.enable_partition.status",
	"vsm.enable_vp.bad_vp_index",
	"vsm.enable_vp.vtl2",
	"vsm.enable_vp.bad_context",
	"vsm.enable_vp.other_vp_denied",
	"vsm.enable_vp.ok",
	"vsm.enable_vp.again",
	"vsm.enable_vp.status",
	"vsm.vtl_call.bad_input_ud",
	"vsm.vtl1.first_entry",
	"vsm.vtl1.initial_state",
	"vsm.vtl1.ping",
	"vsm.vtl1.shared_regs",
	"vsm.vtl1.fast_return",
	"vsm.vtl1.private_msrs",
	"vsm.vtl1.private_cr",
	"vsm.vtl1.get_vp_registers",
	"vsm.vtl1.lower_vtl_state",
	"vsm.vtl1.vtl_call_ud",
	"vsm.vtl1.vtl_return_bad_input_ud",
	"vsm.vtl1.synthetic_msrs",
	"vsm.vtl1.exception",
	"vsm.ap.enable_from_vtl1",
	"vsm.ap.start_vp",
	"vsm.ap.enable_again",
	"vsm.ap.ping",
	"vsm.irq.vtl1_idt",
	"vsm.irq.apic_before_setup",
	"vsm.irq.apic_setup",
	"vsm.irq.timer_preempts_running",
	"vsm.irq.timer_preempts_halted",
	"vsm.irq.timer_periodic",
	"vsm.irq.timer_masked",
	"vsm.irq.tpr_masks",
	"vsm.irq.self_ipi",
	"vsm.irq.ipi_to_other_vp",
	"vsm.irq.ipi_from_other_vp",
	"vsm.irq.ipi_broadcast",
	"vsm.irq.xvtl_ipi_self",
	"vsm.irq.xvtl_ipi_other_vp",
	"vsm.irq.xvtl_ipi_bad_vtl",
	"vsm.irq.xvtl_ipi_bad_vector",
	"vsm.irq.xvtl_ipi_to_vtl0",
	"vsm.irq.stress",
	"vsm.intercept.setup",
	"vsm.intercept.vtl0_denied",
	"vsm.intercept.bad_bits",
	"vsm.intercept.cr4",
	"vsm.intercept.cr4_unwatched",
	"vsm.intercept.lstar",
	"vsm.intercept.lstar_again",
	"vsm.intercept.idtr",
	"vsm.intercept.idtr_refused",
	"vsm.intercept.tables_emulated",
	"vsm.intercept.vtl1_own",
	"vsm.intercept.unlocked",
	"vsm.stress",
};

/* Owned by the BSP. */
static struct vsm_state vs;

/* The #UD catcher (an interrupt gate: no error code; frame RIP, CS, RFLAGS, RSP, SS). */
static volatile u32 vsm_ud_count __attribute__((used));
static volatile u64 vsm_ud_rip __attribute__((used));
static volatile u64 vsm_ud_chain __attribute__((used));
void vsm_ud_entry(void);
__asm__(".text\n"
	"vsm_ud_entry:\n"
	"	push %rax\n"
	"	mov 8(%rsp), %rax\n"
	"	cmpb $0x0f, (%rax)\n"
	"	jne 1f\n"
	"	cmpb $0x01, 1(%rax)\n"
	"	jne 1f\n"
	"	cmpb $0xc1, 2(%rax)\n"
	"	jne 1f\n"
	"	mov %rax, vsm_ud_rip(%rip)\n"
	"	add $3, %rax\n"
	"	mov %rax, 8(%rsp)\n"
	"	lock incl vsm_ud_count(%rip)\n"
	"	pop %rax\n"
	"	iretq\n"
	"1:	pop %rax\n"
	"	jmp *vsm_ud_chain(%rip)\n");

static void ud_gate(struct vt0_idt_gate *saved, bool install)
{
	if (!install) {
		vt0_idt_gate(VEC_UD, 0, saved);
		return;
	}
	vt0_idt_gate(VEC_UD, (u64)vsm_ud_entry, saved);
	vsm_ud_chain = saved->off_lo | ((u64)saved->off_mid << 16) | ((u64)saved->off_hi << 32);
}

u32 vt0_vsm_uds(u64 *rip)
{
	*rip = vsm_ud_rip;
	return vsm_ud_count;
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

void vt0_vsm_rest(const char *first, const char *last, bool skip, const char *why)
{
	bool on = false;

	for (u32 i = 0; i < ARRAY_SIZE(vsm_names); i++) {
		on = on || streq(vsm_names[i], first);
		if (on && skip)
			report_skip(vsm_names[i], "%s", why);
		else if (on)
			report_fail(vsm_names[i], "%s", why);
		if (on && last && streq(vsm_names[i], last))
			return;
	}
}

static bool check_cpuid(void)
{
	struct cpuid_regs f = cpu_cpuid(HV_CPUID_FEATURES, 0);
	char why[96];
	struct why w = { 0 };

	report_info("vsm: CPUID 0x40000003 eax=0x%08x ebx=0x%08x edx=0x%08x", f.eax, f.ebx, f.edx);
	if (!(f.ebx & HV_EBX_ACCESS_VSM)) {
		report_info("vsm: AccessVsm (CPUID 0x40000003 EBX bit 16) is not offered: the vsm "
			    "checks do not run");
		snprintf(why, sizeof(why), "not run: no AccessVsm (CPUID 0x40000003 EBX 0x%08x)",
			 f.ebx);
		vt0_vsm_rest(vsm_names[0], NULL, true, why);
		return false;
	}
	if (!(f.ebx & HV_EBX_ACCESS_VP_REGISTERS))
		why_add(&w, "EBX 0x%08x: no AccessVpRegisters (bit 17)", f.ebx);
	if (!(f.eax & HV_EAX_ACCESS_SYNIC_REGS))
		why_add(&w, "EAX 0x%08x: no AccessSynicRegs (bit 2)", f.eax);
	report_result("vsm.cpuid.privileges", !w.count, "%s", w.buf);
	return true;
}

/* VTL0's hypercall page and VP assist page, and the VTL1 region. */
static bool setup(struct vsm_state *s)
{
	EFI_PHYSICAL_ADDRESS hc = 0, assist = 0;
	u64 vp = ~0ull;
	int ret;

	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderCode,
					(UINTN)1, &hc)) ||
	    EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
					(UINTN)1, &assist))) {
		vt0_vsm_rest(vsm_names[1], NULL, false, "not run: AllocatePages failed");
		return false;
	}
	__builtin_memset((void *)hc, HC_FILL, PAGE_SIZE);
	__builtin_memset((void *)assist, 0, PAGE_SIZE);
	s->msrs_set = true;
	/* GUEST_OS_ID first: the hypercall page stays off while it is 0 (reference 2.2). */
	if (!vt0_try_wrmsr(HV_MSR_GUEST_OS_ID, VT0_VSM_OS_ID) ||
	    !vt0_try_wrmsr(HV_MSR_HYPERCALL, hc | 1) ||
	    !vt0_try_wrmsr(HV_MSR_VP_ASSIST_PAGE, assist | 1) ||
	    !vt0_try_rdmsr(HV_MSR_VP_INDEX, &vp) || *(volatile u8 *)hc != 0x0f) {
		vt0_vsm_rest(vsm_names[1], NULL, false,
			     "not run: VTL0's GUEST_OS_ID, HYPERCALL or VP_ASSIST_PAGE MSR "
			     "refused, or no hypercall page");
		return false;
	}
	vt0_try_rdmsr(HV_MSR_GUEST_OS_ID, &s->os_id);
	vt0_try_rdmsr(HV_MSR_HYPERCALL, &s->hc_msr);
	vt0_try_rdmsr(HV_MSR_VP_ASSIST_PAGE, &s->assist_msr);
	s->vp = (u32)vp;
	ret = vsm_setup(&s->v, (const volatile u8 *)hc, s->ctx->mp.count, HV_VSM_CODE_PAGE_OFFSETS);
	if (ret || s->vp >= s->v.vps) {
		char why[80];

		snprintf(why, sizeof(why), "not run: loading the VTL1 image failed (%d, VP %u)",
			 ret, s->vp);
		vt0_vsm_rest(vsm_names[1], NULL, false, why);
		return false;
	}
	report_info("vsm: VTL1 region at 0x%lx (%u VP slots), VTL0 hypercall page 0x%lx, "
		    "BSP is VP %u",
		    s->v.base, s->v.vps, (u64)hc, s->vp);
	return true;
}

/* One name, memory form; the 128-bit value's low and high halves. */
static u64 get_one(struct vsm_state *s, u8 input_vtl, u32 name, u64 *lo, u64 *hi)
{
	u64 rax = vsm_get_regs(&s->v, input_vtl, &name, 1, lo);

	*hi = *(volatile u64 *)(s->v.io + PAGE_SIZE + 8);
	return rax;
}

static bool status_is(u64 rax, u16 status, u32 reps)
{
	return HV_RESULT_STATUS(rax) == status && HV_RESULT_REPS(rax) == reps;
}

static void check_xmm_get(struct vsm_state *s)
{
	struct cpuid_regs f = cpu_cpuid(HV_CPUID_FEATURES, 0);
	u8 x[2][16];
	u64 rax, lo, hi;

	if (!(f.edx & HV_EDX_XMM_INPUT) || !(f.edx & HV_EDX_XMM_OUTPUT)) {
		report_skip("vsm.get_regs.xmm_fast",
			    "CPUID 0x40000003 EDX 0x%08x: no XMM fast input and output", f.edx);
		return;
	}
	/* 16-byte header in RDX:R8, the name in XMM0: the value comes in XMM1 (reference 1.3). */
	__builtin_memset(x, 0, sizeof(x));
	__builtin_memset(x[1], 0xee, 16);
	*(u32 *)x[0] = HV_REG_VSM_CODE_PAGE_OFFSETS;
	rax = vt0_xmm_hypercall(s->v.hc_page,
				HVCALL_GET_VP_REGISTERS | HV_CONTROL_FAST | HV_CONTROL_REP_COUNT(1),
				HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, x);
	__builtin_memcpy(&lo, x[1], 8);
	__builtin_memcpy(&hi, x[1] + 8, 8);
	report_result("vsm.get_regs.xmm_fast",
		      status_is(rax, HV_STATUS_SUCCESS, 1) && lo == s->v.code_offsets && !hi,
		      "VsmCodePageOffsets in XMM1: RAX 0x%lx, value 0x%lx:%016lx, want 0x%lx", rax,
		      hi, lo, s->v.code_offsets);
}

/* GetVpRegisters from VTL0 before anything is enabled (docs/VSM.md). */
static void check_get_regs(struct vsm_state *s)
{
	u32 names[2] = { HV_REG_VSM_CODE_PAGE_OFFSETS, UNKNOWN_REG };
	u64 rax, lo, hi, val[2];

	rax = get_one(s, 0, HV_REG_VSM_PARTITION_STATUS, &lo, &hi);
	report_result("vsm.get_regs.partition_status",
		      status_is(rax, HV_STATUS_SUCCESS, 1) && (lo & 0xffff) == 1 &&
			      ((lo >> 16) & 0xf) == 1 && !hi,
		      "RAX 0x%lx, value 0x%lx:%016lx (want EnabledVtlSet 1, MaximumVtl 1)", rax, hi,
		      lo);
	rax = get_one(s, 0, HV_REG_VSM_VP_STATUS, &lo, &hi);
	report_result("vsm.get_regs.vp_status",
		      status_is(rax, HV_STATUS_SUCCESS, 1) && lo == 1ull << 16 && !hi,
		      "RAX 0x%lx, value 0x%lx:%016lx (want ActiveVtl 0, EnabledVtlSet 1)", rax, hi,
		      lo);
	rax = get_one(s, 0, HV_REG_VSM_CODE_PAGE_OFFSETS, &lo, &hi);
	report_result("vsm.get_regs.code_page_offsets",
		      status_is(rax, HV_STATUS_SUCCESS, 1) && lo == HV_VSM_CODE_PAGE_OFFSETS,
		      "RAX 0x%lx, value 0x%lx, want 0x%llx", rax, lo, HV_VSM_CODE_PAGE_OFFSETS);
	if (status_is(rax, HV_STATUS_SUCCESS, 1)) { /* the stubs VTL0 and VTL1 will call */
		s->v.code_offsets = lo;
		s->v.mb->code_offsets = lo;
	}
	rax = get_one(s, 0, HV_REG_VSM_CAPABILITIES, &lo, &hi);
	report_result("vsm.get_regs.capabilities", status_is(rax, HV_STATUS_SUCCESS, 1) && (lo & 1),
		      "RAX 0x%lx, value 0x%lx (want bit 0 Dr6Shared)", rax, lo);
	rax = get_one(s, 0, UNKNOWN_REG, &lo, &hi);
	report_result("vsm.get_regs.unknown_name", status_is(rax, HV_STATUS_INVALID_PARAMETER, 0),
		      "name 0x%x: RAX 0x%lx, want status 5, 0 reps completed", UNKNOWN_REG, rax);
	rax = vsm_get_regs(&s->v, 0, names, 2, val);
	report_result("vsm.get_regs.second_unknown",
		      status_is(rax, HV_STATUS_INVALID_PARAMETER, 1) && val[0] == s->v.code_offsets,
		      "names 0x%x, 0x%x: RAX 0x%lx (want status 5, 1 rep completed), first value "
		      "0x%lx",
		      names[0], names[1], rax, val[0]);
	rax = get_one(s, HV_INPUT_VTL_USE_TARGET | 1, HV_REG_VSM_VP_STATUS, &lo, &hi);
	report_result("vsm.get_regs.target_vtl1_denied",
		      HV_RESULT_STATUS(rax) == HV_STATUS_ACCESS_DENIED,
		      "UseTargetVtl, TargetVtl 1 from VTL0: RAX 0x%lx, want status 6", rax);
	check_xmm_get(s);
}

/* A VTL call or return that must raise #UD at the stub's VMCALL (reference 3.4). */
static void check_ud(struct vsm_state *s, const char *name, u64 stub, u64 input)
{
	struct vsm_regs r;
	u64 rip = 0;
	u32 before = vt0_vsm_uds(&rip), got;

	__builtin_memset(&r, 0, sizeof(r));
	r.in[VTL1_RCX] = input;
	vsm_vtl_call(&r, stub);
	got = vt0_vsm_uds(&rip) - before;
	report_result(name,
		      got == 1 && rip >= stub && rip < stub + STUB_MAX &&
			      r.out[VTL1_RSP] == r.rsp_before,
		      "input %lu: %u #UD(s) at a VMCALL (want 1, in the stub at 0x%lx), last at "
		      "0x%lx; RAX 0x%lx after",
		      input, got, stub, rip, r.out[VTL1_RAX]);
}

static bool expect_status(const char *name, u64 rax, u16 want, const char *what)
{
	bool ok = HV_RESULT_STATUS(rax) == want;

	report_result(name, ok, "%s: RAX 0x%lx, status 0x%x, want 0x%x", what, rax,
		      HV_RESULT_STATUS(rax), want);
	return ok;
}

static bool check_enable_partition(struct vsm_state *s)
{
	const struct vsm *v = &s->v;
	u64 rax, lo, hi;
	bool ok;

	expect_status("vsm.enable_partition.bad_partition_id", vsm_enable_partition(v, 0, 1, 0),
		      HV_STATUS_INVALID_PARTITION_ID, "PartitionId 0");
	expect_status("vsm.enable_partition.vtl2",
		      vsm_enable_partition(v, HV_PARTITION_ID_SELF, 2, 0),
		      HV_STATUS_INVALID_PARAMETER, "TargetVtl 2 (above MaximumVtl)");
	expect_status("vsm.enable_partition.vtl0",
		      vsm_enable_partition(v, HV_PARTITION_ID_SELF, 0, 0),
		      HV_STATUS_INVALID_PARAMETER, "TargetVtl 0");
	expect_status("vsm.enable_partition.flag_bit1",
		      vsm_enable_partition(v, HV_PARTITION_ID_SELF, 1, 2),
		      HV_STATUS_INVALID_PARAMETER, "Flags 0x2");
	ok = expect_status("vsm.enable_partition.ok",
			   vsm_enable_partition(v, HV_PARTITION_ID_SELF, 1, 0), HV_STATUS_SUCCESS,
			   "call 0x000d, memory form, TargetVtl 1, Flags 0");
	expect_status("vsm.enable_partition.again",
		      vsm_enable_partition(v, HV_PARTITION_ID_SELF, 1, 0),
		      HV_STATUS_INVALID_VTL_STATE, "TargetVtl 1 once more");
	rax = get_one(s, 0, HV_REG_VSM_PARTITION_STATUS, &lo, &hi);
	report_result("vsm.enable_partition.status",
		      status_is(rax, HV_STATUS_SUCCESS, 1) && (lo & 0xffff) == 3 &&
			      ((lo >> 16) & 0xf) == 1,
		      "VsmPartitionStatus: RAX 0x%lx, value 0x%lx (want EnabledVtlSet 3, "
		      "MaximumVtl 1)",
		      rax, lo);
	return ok;
}

static bool check_enable_vp(struct vsm_state *s)
{
	const struct vsm *v = &s->v;
	struct hv_initial_vp_context ctx, bad;
	u32 cpus = s->ctx->mp.count, other = (s->vp + 1) % cpus;
	u64 rax, lo, hi;
	bool ok;

	vsm_context(v, s->vp, &ctx);
	expect_status("vsm.enable_vp.bad_vp_index",
		      vsm_enable_vp(v, HV_PARTITION_ID_SELF, 99, 1, &ctx),
		      HV_STATUS_INVALID_VP_INDEX, "VpIndex 99");
	expect_status("vsm.enable_vp.vtl2",
		      vsm_enable_vp(v, HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, 2, &ctx),
		      HV_STATUS_INVALID_PARAMETER, "TargetVtl 2");
	bad = ctx;
	bad.cr0 &= ~1ull;
	expect_status("vsm.enable_vp.bad_context",
		      vsm_enable_vp(v, HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, 1, &bad),
		      HV_STATUS_INVALID_REGISTER_VALUE, "a context with CR0.PE clear");
	if (cpus < 2) {
		report_skip("vsm.enable_vp.other_vp_denied", "one CPU: no other VP");
	} else {
		struct hv_initial_vp_context octx;

		vsm_context(v, other < v->vps ? other : 0, &octx);
		expect_status("vsm.enable_vp.other_vp_denied",
			      vsm_enable_vp(v, HV_PARTITION_ID_SELF, other, 1, &octx),
			      HV_STATUS_ACCESS_DENIED, "from VTL0 for another VP");
	}
	ok = expect_status("vsm.enable_vp.ok",
			   vsm_enable_vp(v, HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, 1, &ctx),
			   HV_STATUS_SUCCESS, "VP SELF, TargetVtl 1, the VTL1 image's context");
	expect_status("vsm.enable_vp.again",
		      vsm_enable_vp(v, HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, 1, &ctx),
		      HV_STATUS_VTL_ALREADY_ENABLED, "VP SELF once more");
	rax = get_one(s, 0, HV_REG_VSM_VP_STATUS, &lo, &hi);
	report_result("vsm.enable_vp.status",
		      status_is(rax, HV_STATUS_SUCCESS, 1) && (lo & 0xf) == 0 &&
			      ((lo >> 16) & 0xffff) == 3,
		      "VsmVpStatus: RAX 0x%lx, value 0x%lx (want ActiveVtl 0, EnabledVtlSet 3)",
		      rax, lo);
	return ok;
}

static void run(struct vsm_state *s)
{
	struct hv_initial_vp_context ctx;
	const struct vtl1_cpu *c;

	if (!check_cpuid() || !setup(s))
		return;
	check_get_regs(s);
	check_ud(s, "vsm.vtl_call.before_enable_ud", vsm_call_stub(&s->v), 0);
	check_ud(s, "vsm.vtl_return.from_vtl0_ud", vsm_return_stub(&s->v), 0);
	vsm_context(&s->v, s->vp, &ctx);
	expect_status("vsm.enable_vp.before_partition",
		      vsm_enable_vp(&s->v, HV_PARTITION_ID_SELF, HV_VP_INDEX_SELF, 1, &ctx),
		      HV_STATUS_INVALID_VTL_STATE, "VP SELF before EnablePartitionVtl");
	if (!check_enable_partition(s)) {
		vt0_vsm_rest("vsm.enable_vp.bad_vp_index", NULL, false,
			     "not run: EnablePartitionVtl did not succeed");
		return;
	}
	if (!check_enable_vp(s)) {
		vt0_vsm_rest("vsm.vtl_call.bad_input_ud", NULL, false,
			     "not run: VTL1 is not enabled on the BSP");
		return;
	}
	/* RCX 1: the stub passes it in RAX, which must be 0 (reference 3.4). */
	c = &s->v.mb->cpu[s->vp];
	check_ud(s, "vsm.vtl_call.bad_input_ud", vsm_call_stub(&s->v), 1);
	if (c->entries)
		report_info("vsm: the VTL call with input 1 entered VTL1 (%lu entries)",
			    c->entries);
	if (!vt0_vsm_check_vtl1(s))
		return;
	vt0_vsm_check_aps(s);
	vt0_vsm_check_irq(s);
	vt0_vsm_check_prot(s);
	vt0_vsm_release_aps(s);
	vt0_vsm_check_intercepts(s);
	vt0_vsm_check_stress(s);
}

void vt0_check_vsm(struct vt0_ctx *ctx)
{
	struct vt0_idt_gate gp_saved, ud_saved;
	u64 os_id = 0, rip;

	if (ctx->opt.expect_no_hv) {
		report_info("vsm: skipped (expect-no-hypervisor)");
		return;
	}
	vs.ctx = ctx;
	vs.loops = ctx->opt.vsm_loops;
	vt0_gp_gate(&gp_saved, true);
	ud_gate(&ud_saved, true);
	vt0_try_rdmsr(HV_MSR_GUEST_OS_ID, &os_id);
	run(&vs);
	/* VTL0's pages off, its guest OS ID back; VTL1 stays enabled (it cannot be undone). */
	if (vs.msrs_set) {
		vt0_try_wrmsr(HV_MSR_VP_ASSIST_PAGE, 0);
		vt0_try_wrmsr(HV_MSR_HYPERCALL, 0);
		vt0_try_wrmsr(HV_MSR_GUEST_OS_ID, os_id);
	}
	ud_gate(&ud_saved, false);
	vt0_gp_gate(&gp_saved, false);
	report_info("vsm: %u #UD(s) at a VMCALL caught in VTL0", vt0_vsm_uds(&rip));
}
