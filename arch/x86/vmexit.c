/* SPDX-License-Identifier: MIT */
/*
 * The VM-exit dispatch table (indexed by basic exit reason, SDM vol.3 appendix C) and the
 * run loop. Adding an exit is one row. A reason with no row is unexpected: the VP's state
 * is printed and the VP stops (fail closed, never a silent resume).
 */
#define LOG_MODULE "exit"
#include "arch/x86/vmexit.h"
#include "arch/x86/core.h"
#include "arch/x86/apic.h"
#include "arch/x86/exception.h"
#include "arch/x86/intrin.h"
#include "arch/x86/percpu.h"
#include "arch/x86/dbgcon.h"
#include "arch/x86/ept.h"
#include "arch/x86/intr_inject.h"
#include "hyperv/stimer.h"
#include "lib/log.h"
#include "lib/printf.h"

/* The handlers, by basic exit reason; a reason without one is unexpected. Every row is
 * set (vmx_run.S calls through it without a test): GNU range first, then the handlers. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#ifdef __clang__
#pragma GCC diagnostic ignored "-Winitializer-overrides"
#endif
const vmexit_fn vmexit_fns[EXIT_REASON_MAX] = {
	[0 ... EXIT_REASON_MAX - 1] = exit_unexpected,
	[EXIT_EXCEPTION_NMI] = exit_nmi,
	[EXIT_NMI_WINDOW] = exit_nmi_window,
	[EXIT_INTR_WINDOW] = exit_intr_window,
	[EXIT_EXTERNAL_INTR] = exit_external_interrupt,
	[EXIT_PREEMPT_TIMER] = exit_preempt_timer,
	[EXIT_TRIPLE_FAULT] = exit_triple_fault,
	[EXIT_INIT] = exit_init,
	[EXIT_SIPI] = exit_sipi,
	[EXIT_CPUID] = exit_cpuid,
	[EXIT_GETSEC] = exit_vmx_insn,
	[EXIT_INVD] = exit_invd,
	[EXIT_VMCALL] = hv_exit_vmcall,
	[EXIT_VMCLEAR] = exit_vmx_insn,
	[EXIT_VMLAUNCH] = exit_vmx_insn,
	[EXIT_VMPTRLD] = exit_vmx_insn,
	[EXIT_VMPTRST] = exit_vmx_insn,
	[EXIT_VMREAD] = exit_vmx_insn,
	[EXIT_VMRESUME] = exit_vmx_insn,
	[EXIT_VMWRITE] = exit_vmx_insn,
	[EXIT_VMXOFF] = exit_vmx_insn,
	[EXIT_VMXON] = exit_vmx_insn,
	[EXIT_CR_ACCESS] = exit_cr_access,
	[EXIT_RDMSR] = exit_rdmsr,
	[EXIT_WRMSR] = exit_wrmsr,
	[EXIT_EPT_VIOLATION] = exit_ept_violation,
	[EXIT_EPT_MISCONFIG] = exit_ept_misconfig,
	[EXIT_INVEPT] = exit_vmx_insn,
	[EXIT_INVVPID] = exit_vmx_insn,
	[EXIT_VMFUNC] = exit_vmx_insn,
	[EXIT_WBINVD] = exit_invd,
	[EXIT_XSETBV] = exit_xsetbv,
	[EXIT_GDTR_IDTR] = exit_gdtr_idtr,
	[EXIT_LDTR_TR] = exit_ldtr_tr,
};
#pragma GCC diagnostic pop

static const char *const vmexit_names[EXIT_REASON_MAX] = {
	[EXIT_EXCEPTION_NMI] = "NMI",
	[EXIT_NMI_WINDOW] = "NMI window",
	[EXIT_INTR_WINDOW] = "interrupt window",
	[EXIT_EXTERNAL_INTR] = "external interrupt",
	[EXIT_PREEMPT_TIMER] = "preemption timer",
	[EXIT_TRIPLE_FAULT] = "triple fault",
	[EXIT_INIT] = "INIT",
	[EXIT_SIPI] = "SIPI",
	[EXIT_CPUID] = "CPUID",
	[EXIT_GETSEC] = "GETSEC",
	[EXIT_INVD] = "INVD",
	[EXIT_VMCALL] = "VMCALL",
	[EXIT_VMCLEAR] = "VMCLEAR",
	[EXIT_VMLAUNCH] = "VMLAUNCH",
	[EXIT_VMPTRLD] = "VMPTRLD",
	[EXIT_VMPTRST] = "VMPTRST",
	[EXIT_VMREAD] = "VMREAD",
	[EXIT_VMRESUME] = "VMRESUME",
	[EXIT_VMWRITE] = "VMWRITE",
	[EXIT_VMXOFF] = "VMXOFF",
	[EXIT_VMXON] = "VMXON",
	[EXIT_CR_ACCESS] = "CR access",
	[EXIT_RDMSR] = "RDMSR",
	[EXIT_WRMSR] = "WRMSR",
	[EXIT_EPT_VIOLATION] = "EPT violation",
	[EXIT_EPT_MISCONFIG] = "EPT misconfiguration",
	[EXIT_INVEPT] = "INVEPT",
	[EXIT_INVVPID] = "INVVPID",
	[EXIT_VMFUNC] = "VMFUNC",
	[EXIT_WBINVD] = "WBINVD",
	[EXIT_XSETBV] = "XSETBV",
	[EXIT_GDTR_IDTR] = "GDTR/IDTR access",
	[EXIT_LDTR_TR] = "LDTR/TR access",
};

int exit_unexpected(struct vcpu *v)
{
	return EXIT_STOP; /* vcpu_exit_unhandled prints the reason and stops the VP */
}

const char *vmexit_name(u32 reason)
{
	if (reason < EXIT_REASON_MAX && vmexit_names[reason])
		return vmexit_names[reason];
	switch (reason) {
	case EXIT_EXCEPTION_NMI:
		return "exception or NMI";
	case EXIT_EXTERNAL_INTR:
		return "external interrupt";
	case EXIT_TASK_SWITCH:
		return "task switch";
	case EXIT_HLT:
		return "HLT";
	case EXIT_IO:
		return "I/O instruction";
	case EXIT_ENTRY_FAIL_GUEST:
		return "VM-entry failure: invalid guest state";
	case EXIT_ENTRY_FAIL_MSR:
		return "VM-entry failure: MSR loading";
	case EXIT_ENTRY_FAIL_MC:
		return "VM-entry failure: machine check";
	default:
		return "unexpected exit";
	}
}

/* What vmx_run.S does for an exit in its common case, in C (SDM vol.3 28.2.1: bit 31 set
 * = the VM entry failed, the guest state was not loaded). */
static inline __attribute__((always_inline)) int dispatch(struct vcpu *v, u32 full)
{
	v->exits++;
	if (full >= EXIT_REASON_MAX)
		return EXIT_STOP;
	v->exit_count[full]++;
	return vmexit_fns[full](v);
}

int vmexit_dispatch(struct vcpu *v, u32 full)
{
	return dispatch(v, full);
}

/*
 * Kicks and the guest's NMIs. Other CPUs make a VP in guest mode exit with an NMI (the
 * guest owns the physical APIC's interrupts; only an NMI exits for sure, SDM vol.3
 * 25.1.2). Telling that NMI from the guest's own (a platform NMI, an NMI IPI between its
 * CPUs) cannot be done by looking at the kick bits when it arrives: the VP may have seen
 * and served them at an exit of its own before the NMI came, and the NMI would then be
 * passed on to a guest that never asked for it ("NMI received for unknown reason"). So a
 * flag says that one of our NMIs is on its way: a sender sets it (0 -> 1) before sending
 * and sends nothing while it is set; the VP clears it with the first NMI it takes, which
 * is then the kick's. A sender that finds the flag set relies on the NMI on its way: its
 * work was published before its compare-exchange, and the VP clears the flag (a locked
 * exchange) before it next looks at its work word, so it sees that work. A guest NMI
 * that comes first is taken for the kick and the kick's for the guest's: the guest still
 * gets one, a little later. One merged with a kick's is lost, as the CPU itself merges
 * NMIs (SDM vol.3 6.7.1).
 */
void vcpu_kick_nmi(struct vcpu *t)
{
	u8 none = 0;

	if (__atomic_compare_exchange_n(&t->kick_nmi_inflight, &none, 1, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST))
		apic_send_nmi(t->apic_id);
}

bool vcpu_nmi_is_kick(struct vcpu *v)
{
	return __atomic_exchange_n(&v->kick_nmi_inflight, 0, __ATOMIC_SEQ_CST) != 0;
}

/* Before each entry: act on kicks from other CPUs, then give the guest its NMIs. */
void (*vcpu_vtl_hook)(struct vcpu *v);
/* Secure register intercepts (vcpu.h): the exit handlers ask it before a locked write. */
bool (*vcpu_reg_write_hook)(struct vcpu *v, const struct vcpu_reg_write *w);

static void vcpu_service_kicks(struct vcpu *v, u32 kick)
{
	if (kick & VCPU_KICK_SNAPSHOT)
		vcpu_take_snapshot(v);
	if (kick & VCPU_KICK_NMI)
		v->work.nmi_for_guest = 1;
	if ((kick & VCPU_KICK_VTL) && vcpu_vtl_hook)
		vcpu_vtl_hook(v);
}

/* The debug console paused this VP: wait in root, still answering snapshot requests. */
static u32 vcpu_wait_paused(struct vcpu *v)
{
	u32 deferred = 0;
	u64 t0 = rdtsc();

	while (__atomic_load_n(&v->paused, __ATOMIC_ACQUIRE)) {
		if (dbgcon_cpu(v)) {
			dbgcon_poll(v, true); /* the console runs here: keep serving it */
			cpu_relax();
			continue;
		}
		cpu_wait_nonzero(&v->work.kick);
		u32 kick = __atomic_exchange_n(&v->work.kick, 0, __ATOMIC_ACQUIRE);
		deferred |= kick & VCPU_KICK_INIT;
		vcpu_service_kicks(v, kick);
	}
	v->idle_tsc += rdtsc() - t0; /* not running: not in VP_RUNTIME */
	return deferred;
}

/* What the check in vcpu_pre_entry sends here: kicks, NMIs, the console, a pause. */
static void __attribute__((noinline)) vcpu_pre_entry_slow(struct vcpu *v)
{
	union vcpu_work *w = &v->work;
	u32 kick = __atomic_exchange_n(&w->kick, 0, __ATOMIC_ACQUIRE);

	if (__atomic_load_n(&w->nmi_root, __ATOMIC_RELAXED)) {
		__atomic_store_n(&w->nmi_root, 0, __ATOMIC_RELAXED);
		w->nmi_for_guest = 1;
	}
	vcpu_service_kicks(v, kick);
	if (v->console) {
		w->local &= (u8)~VCPU_LOCAL_CONSOLE;
		if (dbgcon_cpu(v))
			dbgcon_poll(v, false);
	}
	if (__atomic_load_n(&v->paused, __ATOMIC_ACQUIRE))
		kick |= vcpu_wait_paused(v);
	if (kick & VCPU_KICK_INIT) {
		w->nmi_for_guest = 0; /* INIT discards a pending NMI (SDM 9.1.1) */
		vcpu_emulate_init(v);
	}
	/* NMIs are VTL0's (physical, DESIGN.md 6): one owed waits while a higher VTL runs. */
	if (!w->nmi_for_guest || v->active_vtl || (vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID))
		return;
	if (vmread(VMCS_GUEST_INTERRUPTIBILITY) &
	    (INTR_BLOCK_NMI | INTR_BLOCK_MOV_SS | INTR_BLOCK_STI)) {
		/* SDM 25.6.2: NMI-window exiting says when it can take one. */
		vmwrite(VMCS_PROC_CTLS, vmread(VMCS_PROC_CTLS) | PROC_NMI_WINDOW);
		return;
	}
	w->nmi_for_guest = 0;
	vmwrite(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | VEC_NMI);
}

/*
 * Before each entry, in root operation: no kick, no NMI taken in root operation or owed
 * to the guest, no console poll due. A pause comes with a kick (dbgcon.c), or from the
 * console on this very CPU, inside the poll. Plain loads: a kicker sets its bit and then
 * sends an NMI, which makes this VP exit again if it is missed here; the slow path reads
 * them properly.
 */
static inline void vcpu_pre_entry(struct vcpu *v)
{
	const union vcpu_work w = { .any = __atomic_load_n(&v->work.any, __ATOMIC_RELAXED) };

	if (__builtin_expect(
		    !(w.kick | w.nmi_root | w.nmi_for_guest | (w.local & VCPU_LOCAL_CONSOLE)), 1) &&
	    !(v->console && rdtsc() >= dbgcon_next_poll))
		return;
	vcpu_pre_entry_slow(v);
}

int exit_nmi(struct vcpu *v)
{
	u32 info = (u32)vmread(VMCS_EXIT_INTR_INFO);

	/* Exception bitmap is 0: only NMIs come here (SDM 27.2.2 interruption type 2). */
	if ((info & (INTR_INFO_VALID | (7u << 8))) != (INTR_INFO_VALID | INTR_TYPE_NMI))
		return EXIT_STOP;
	cpu_unblock_nmi();
	if (!vcpu_nmi_is_kick(v))
		v->work.nmi_for_guest = 1;
	return EXIT_RESUME;
}

int exit_nmi_window(struct vcpu *v)
{
	vmwrite(VMCS_PROC_CTLS, vmread(VMCS_PROC_CTLS) & ~(u64)PROC_NMI_WINDOW);
	return EXIT_RESUME; /* vcpu_pre_entry injects it */
}

/*
 * Right before every VM entry, on the VP's own CPU: announce guest mode, then catch up
 * with what other CPUs asked for (EPT and TLB flushes, posted interrupts: they publish,
 * then look at in_guest, Dekker), run the synthetic timers and inject what is due.
 */
static inline void vcpu_before_entry(struct vcpu *v)
{
	__atomic_store_n(&v->in_guest, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&v->work.tlb_flush, __ATOMIC_SEQ_CST) |
	    __atomic_load_n(&v->work.ept_stale, __ATOMIC_SEQ_CST))
		ept_sync_before_entry(v);
	if (v->timer_deadline)
		hv_stimer_before_entry(v);
	vcpu_inject_pending(v); /* after in_guest: a post from now on kicks us */
}

/* VMRESUME, or VMLAUNCH for a VMCS never entered (a VTL's first entry, vtl/). */
static inline int vcpu_entry_kind(struct vcpu *v)
{
	if (__builtin_expect(!(v->work.local & VCPU_LOCAL_VMLAUNCH), 1))
		return VCPU_ENTER_RESUME;
	v->work.local &= (u8)~VCPU_LOCAL_VMLAUNCH;
	return VCPU_ENTER_LAUNCH;
}

/* The first exit after VMLAUNCH: a failed entry sends the CPU back to the firmware. */
static bool __attribute__((noinline)) vcpu_first_entry_failed(struct vcpu *v, u32 full)
{
	if (full & EXIT_REASON_ENTRY_FAIL) {
		pr_err("VP %u: first VM entry failed: %s (exit qualification %llu)\n", v->index,
		       vmexit_name(full & 0xffff),
		       (unsigned long long)vmread(VMCS_EXIT_QUALIFICATION));
		vcpu_dump(v);
		return true;
	}
	v->launched = true;
	return false;
}

void vcpu_exit_unhandled(struct vcpu *v, u32 full)
{
	char why[96];

	snprintf(why, sizeof(why), "%s (exit reason %u%s)", vmexit_name(full & 0xffff),
		 full & 0xffff, (full & EXIT_REASON_ENTRY_FAIL) ? ", VM-entry failure" : "");
	vcpu_stop(v, why);
}

/* The cycles of this exit, for the debug console's table (only while it is open). */
static void __attribute__((noinline)) vcpu_exit_timed(struct vcpu *v, u32 full)
{
	if ((full & 0xffff) < EXIT_REASON_MAX)
		v->exit_cycles[full & 0xffff] += rdtsc() - v->t_exit;
	v->t_exit = 0;
}

/*
 * How many exits vmx_run.S may handle on its own before the next one comes here: on the
 * console's VP few enough for its polls, elsewhere as many as there are; none while the
 * console times exits. dbgcon.c zeroes every VP's count when it turns timing on: store,
 * then look at dbgcon_timing (Dekker with it).
 */
static void vcpu_fast_exits_reset(struct vcpu *v)
{
	__atomic_store_n(&v->fast_exits_left, v->console ? VCPU_CONSOLE_FAST_EXITS : 0x7fffffff,
			 __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&dbgcon_timing, __ATOMIC_SEQ_CST))
		__atomic_store_n(&v->fast_exits_left, 0, __ATOMIC_RELAXED);
}

int vcpu_exit(struct vcpu *v)
{
	__atomic_store_n(&v->in_guest, 0, __ATOMIC_RELEASE);
	u32 full = (u32)vmread(VMCS_EXIT_REASON);
	if (__builtin_expect(!v->launched, 0) && vcpu_first_entry_failed(v, full))
		return VCPU_ENTER_STOP; /* back to vcpu_run_loop: the CPU stays with the firmware */
	vcpu_fast_exits_reset(v);
	/* Per-reason time in the hypervisor, while the debug console is open (docs/CONSOLE.md):
	 * two TSC reads per exit are not worth paying when nobody looks. Kept in the vcpu, so
	 * that the common path holds nothing but v and full across the handler. */
	if (__builtin_expect(dbgcon_timing, 0))
		v->t_exit = rdtsc();
	if (__builtin_expect(dispatch(v, full) != EXIT_RESUME, 0))
		vcpu_exit_unhandled(v, full);
	if (__builtin_expect(v->t_exit != 0, 0))
		vcpu_exit_timed(v, full);
	vcpu_pre_entry(v);
	vcpu_before_entry(v);
	return vcpu_entry_kind(v);
}

int vcpu_entry_slow(struct vcpu *v)
{
	__atomic_store_n(&v->in_guest, 0, __ATOMIC_RELEASE);
	vcpu_pre_entry(v);
	vcpu_before_entry(v);
	return vcpu_entry_kind(v);
}

int vcpu_run_loop(struct vcpu *v)
{
	/* Whatever the EPT generation now, the first entry flushes to it. */
	__atomic_store_n(&v->work.ept_stale, 1, __ATOMIC_RELAXED);
	for (;;) {
		vcpu_before_entry(v);
		/* Returns only when an entry fails or vcpu_exit says so. */
		int r = vmx_run(&v->regs, v->launched);
		__atomic_store_n(&v->in_guest, 0, __ATOMIC_RELEASE);
		if (r > 0)
			return -1;
		u64 err = r == -2 ? vmread(VMCS_VM_INSTRUCTION_ERROR) : 0;
		pr_err("VP %u: %s failed (%s, VM-instruction error %llu)\n", v->index,
		       v->launched ? "VMRESUME" : "VMLAUNCH",
		       r == -1 ? "VMfailInvalid" : "VMfailValid", (unsigned long long)err);
		if (!v->launched)
			return -1;
		vcpu_stop(v, "VM entry failed");
	}
}

void vcpu_take_snapshot(struct vcpu *v)
{
	struct vcpu_snapshot *s = &v->snap;

	for (int i = 0; i < GPR_COUNT; i++)
		s->gpr[i] = v->regs.gpr[i];
	s->rip = vmread(VMCS_GUEST_RIP);
	s->rsp = vmread(VMCS_GUEST_RSP);
	s->gpr[RSP_UNUSED] = s->rsp;
	s->rflags = vmread(VMCS_GUEST_RFLAGS);
	s->cr0 = vmread(VMCS_GUEST_CR0);
	s->cr0_shadow = vmread(VMCS_CR0_SHADOW);
	s->cr3 = vmread(VMCS_GUEST_CR3);
	s->cr4 = vmread(VMCS_GUEST_CR4);
	s->cr4_shadow = vmread(VMCS_CR4_SHADOW);
	s->efer = vmread(VMCS_GUEST_EFER);
	s->pat = vmread(VMCS_GUEST_PAT);
	s->dr7 = vmread(VMCS_GUEST_DR7);
	for (int i = 0; i < SEG_COUNT; i++) {
		s->seg_sel[i] = (u16)vmread(VMCS_GUEST_ES_SEL + 2 * i);
		s->seg_base[i] = vmread(VMCS_GUEST_ES_BASE + 2 * i);
		s->seg_limit[i] = (u32)vmread(VMCS_GUEST_ES_LIMIT + 2 * i);
		s->seg_ar[i] = (u32)vmread(VMCS_GUEST_ES_AR + 2 * i);
	}
	s->gdtr_base = vmread(VMCS_GUEST_GDTR_BASE);
	s->gdtr_limit = (u32)vmread(VMCS_GUEST_GDTR_LIMIT);
	s->idtr_base = vmread(VMCS_GUEST_IDTR_BASE);
	s->idtr_limit = (u32)vmread(VMCS_GUEST_IDTR_LIMIT);
	s->activity = (u32)vmread(VMCS_GUEST_ACTIVITY_STATE);
	s->interruptibility = (u32)vmread(VMCS_GUEST_INTERRUPTIBILITY);
	s->exit_reason = vmread(VMCS_EXIT_REASON);
	s->exit_qual = vmread(VMCS_EXIT_QUALIFICATION);
	s->vtl = v->active_vtl;
	__atomic_add_fetch(&v->snap_seq, 1, __ATOMIC_RELEASE);
}

void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_err, u32 err)
{
	u32 info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector;

	if (has_err) {
		info |= INTR_INFO_DELIVER_ERRCODE;
		vmwrite(VMCS_ENTRY_EXCEPTION_ERRCODE, err);
	}
	vmwrite(VMCS_ENTRY_INTR_INFO, info);
}

void vcpu_dump(struct vcpu *v)
{
	static const char *const segs[SEG_COUNT] = { "ES", "CS", "SS",	 "DS",
						     "FS", "GS", "LDTR", "TR" };
#define F(x) ((unsigned long long)vmread(x))
	pr_err("VP %u (APIC %u) guest state:\n", v->index, v->apic_id);
	pr_err("  RIP %016llx RSP %016llx RFLAGS %016llx\n", F(VMCS_GUEST_RIP), F(VMCS_GUEST_RSP),
	       F(VMCS_GUEST_RFLAGS));
	pr_err("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n",
	       (unsigned long long)v->regs.gpr[RAX], (unsigned long long)v->regs.gpr[RBX],
	       (unsigned long long)v->regs.gpr[RCX], (unsigned long long)v->regs.gpr[RDX]);
	pr_err("  RSI %016llx RDI %016llx RBP %016llx R8  %016llx\n",
	       (unsigned long long)v->regs.gpr[RSI], (unsigned long long)v->regs.gpr[RDI],
	       (unsigned long long)v->regs.gpr[RBP], (unsigned long long)v->regs.gpr[R8]);
	pr_err("  CR0 %016llx (shadow %llx) CR3 %016llx CR4 %016llx (shadow %llx)\n",
	       F(VMCS_GUEST_CR0), F(VMCS_CR0_SHADOW), F(VMCS_GUEST_CR3), F(VMCS_GUEST_CR4),
	       F(VMCS_CR4_SHADOW));
	pr_err("  EFER %llx PAT %llx DR7 %llx activity %llu interruptibility %llx\n",
	       F(VMCS_GUEST_EFER), F(VMCS_GUEST_PAT), F(VMCS_GUEST_DR7),
	       F(VMCS_GUEST_ACTIVITY_STATE), F(VMCS_GUEST_INTERRUPTIBILITY));
	for (int i = 0; i < SEG_COUNT; i++)
		pr_err("  %-4s sel %04llx base %016llx limit %08llx ar %05llx\n", segs[i],
		       F(VMCS_GUEST_ES_SEL + 2 * i), F(VMCS_GUEST_ES_BASE + 2 * i),
		       F(VMCS_GUEST_ES_LIMIT + 2 * i), F(VMCS_GUEST_ES_AR + 2 * i));
	pr_err("  GDTR %016llx/%llx IDTR %016llx/%llx\n", F(VMCS_GUEST_GDTR_BASE),
	       F(VMCS_GUEST_GDTR_LIMIT), F(VMCS_GUEST_IDTR_BASE), F(VMCS_GUEST_IDTR_LIMIT));
	pr_err("  exit reason %llx qualification %llx guest-physical %llx guest-linear %llx\n",
	       F(VMCS_EXIT_REASON), F(VMCS_EXIT_QUALIFICATION), F(VMCS_GUEST_PHYS_ADDR),
	       F(VMCS_GUEST_LINEAR_ADDR));
	pr_err("  entry controls %llx exit controls %llx IDT-vectoring %llx VM-instr error %llu\n",
	       F(VMCS_ENTRY_CTLS), F(VMCS_EXIT_CTLS), F(VMCS_IDT_VECTORING_INFO),
	       F(VMCS_VM_INSTRUCTION_ERROR));
	pr_err("  exits so far: %llu\n", (unsigned long long)v->exits);
#undef F
}

/* The console CPU's guest exits at least this often, so the console stays responsive. */
int exit_preempt_timer(struct vcpu *v)
{
	if (v->console)
		v->work.local |= VCPU_LOCAL_CONSOLE; /* vcpu_pre_entry polls the console */
	return EXIT_RESUME;
}

void vcpu_stop(struct vcpu *v, const char *why)
{
	vcpu_take_snapshot(v); /* what the debug console shows for this VP from now on */
	v->state = VCPU_STOPPED;
	log_dump_tail(15); /* what led here, before the report adds to the log */
	pr_err("VP %u STOPPED on CPU %u: %s. The hypervisor and the other VPs keep running.\n",
	       v->index, v->pcpu->index, why);
	vcpu_dump(v);
	pr_err("  hypervisor backtrace:\n");
	backtrace_print((u64)(uintptr_t)__builtin_frame_address(0));
	pr_err("VP %u: end of report ('regs %u' on the debug console shows its state)\n", v->index,
	       v->index);
	/* The console CPU keeps serving the debug console for inspection; others halt. */
	while (dbgcon_cpu(v))
		dbgcon_poll(v, true);
	cpu_halt_forever();
}
