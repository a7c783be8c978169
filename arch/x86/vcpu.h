/* SPDX-License-Identifier: MIT */
/*
 * A virtual processor as VMX sees it: one VMCS and the guest GPRs the VMCS does not hold.
 * Today each physical CPU runs one vcpu: its root partition VP at VTL0.
 */
#ifndef ARCH_X86_VCPU_H
#define ARCH_X86_VCPU_H

#include "arch/x86/vcpu_layout.h"
#include "arch/x86/vmx_defs.h"
#include "lib/compiler.h"
#include "lib/types.h"

/* GPR numbering of the SDM (exit qualification / instruction info encoding, table 28-3). */
enum gpr {
	RAX,
	RCX,
	RDX,
	RBX,
	RSP_UNUSED,
	RBP,
	RSI,
	RDI,
	R8,
	R9,
	R10,
	R11,
	R12,
	R13,
	R14,
	R15,
	GPR_COUNT
};

struct vcpu_regs {
	u64 gpr[GPR_COUNT]; /* gpr[RSP_UNUSED] is not used: RSP lives in the VMCS */
};
_Static_assert(sizeof(struct vcpu_regs) == 16 * 8, "vmx_run.S register layout");

#define VCPU_KICK_INIT 1u     /* emulate an INIT (arch/x86/apic.c -> exit_initsipi.c) */
#define VCPU_KICK_SNAPSHOT 2u /* copy the guest state into snap (debug console) */
#define VCPU_KICK_NMI 4u      /* give the guest an NMI (debug console) */
#define VCPU_KICK_WAKE 8u     /* re-check paused (debug console resume) */
#define VCPU_KICK_VTL 16u     /* a VTL request waits: vcpu_vtl_hook (vtl/, e.g. StartVP) */

#define VCPU_LOCAL_CONSOLE 1u  /* the console's VP: its preemption timer fired, poll */
#define VCPU_LOCAL_VMLAUNCH 2u /* the current VMCS was never entered (a new VTL's) */

/* A VP's guest state as its own CPU read it from its VMCS (VMREAD only works there). */
struct vcpu_snapshot {
	u64 gpr[GPR_COUNT];
	u64 rip, rsp, rflags, cr0, cr0_shadow, cr3, cr4, cr4_shadow, efer, pat, dr7;
	u64 seg_base[SEG_COUNT];
	u32 seg_limit[SEG_COUNT], seg_ar[SEG_COUNT];
	u16 seg_sel[SEG_COUNT];
	u64 gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit, activity, interruptibility;
	u64 exit_reason, exit_qual;
	u32 vtl; /* the VTL whose state this is (the one running when it was taken) */
};

enum vcpu_state {
	VCPU_RUNNING,
	VCPU_STOPPED, /* fail closed: a VM-entry failure, a triple fault, an unexpected exit */
};

struct pcpu;

/* The private MSRs (TLFS 3.7) a VMCS does not hold (SDM vol.3 25.4): the SYSCALL MSRs,
 * KERNEL_GS_BASE and TSC_AUX. FS/GS base, EFER, PAT, SYSENTER and DEBUGCTL are there. */
struct vp_private_msrs {
	u64 kernel_gs_base, star, lstar, cstar, sfmask, tsc_aux;
};

/*
 * What must happen before this VP's next VM entry, in one word so that the exit path's
 * common case is one test of it (with timer_deadline) after the entry announces itself
 * (in_guest = 1, a full barrier): vmx_run.S resumes the guest at once when both are 0 and
 * else calls vcpu_entry_slow(). Other CPUs set their byte with an atomic store or OR,
 * then look at in_guest (Dekker) and kick with an NMI when the VP is in guest mode; the
 * VP's own CPU clears a byte when it has acted on it. The bytes are separate so that no
 * writer needs a read-modify-write of another's; x86 keeps a byte store coherent with a
 * load of the whole word (SDM vol.3 10.2: the memory-ordering rules apply per location,
 * and stores are never split below their size).
 */
union vcpu_work {
	u64 any;
	struct {
		u8 kick;	  /* VCPU_KICK_*: requests from other CPUs (vcpu_kick_nmi) */
		u8 nmi_root;	  /* the guest's NMI arrived in root operation */
		u8 nmi_for_guest; /* an NMI the guest must still receive */
		u8 tlb_flush;	  /* another CPU asks for a flush of this VP's TLB (tlb.c) */
		u8 ept_stale;	  /* the EPT changed: compare generations (ept_change.c) */
		u8 irq_posted;	  /* vectors wait in irq_pending (intr_inject.c) */
		u8 guest_idle;	  /* in a GUEST_IDLE read: halted with external-interrupt exiting */
		u8 local;	  /* VCPU_LOCAL_*: this VP's own requests, set on its CPU */
	};
};
_Static_assert(sizeof(union vcpu_work) == 8, "one 64-bit test in vmx_run.S");

struct vcpu {
	struct vcpu_regs regs; /* first: vmx_run.S */
	/* What vmx_run.S's exit path touches, at the offsets of arch/x86/vcpu_layout.h. */
	u32 in_guest; /* 1 from just before VM entry to just after the exit (ept_change.c) */
	/* Exits vmx_run.S may still handle on its own before one goes through vcpu_exit()
	 * (the first exit, the console's polls and per-exit timing need that): 0 = the next. */
	s32 fast_exits_left;
	union vcpu_work work; /* checked before every entry */
	/* Synthetic timers (hyperv/stimer.c): the TSC of the nearest expiry, 0 = none. */
	u64 timer_deadline;
	/* Statistics, owned by this VP's CPU. */
	u64 exits;
	u64 exit_count[EXIT_REASON_MAX];

	u32 index;	 /* VP index = position in bootinfo.cpus */
	u8 active_vtl;	 /* the VTL this VP runs now (vtl/vtl.h); its VMCS is vmcs_pa */
	u16 higher_vtls; /* VTLs above 0 enabled on this VP (bit n = VTL n; vtl/vtl.c) */
	/* The running VTL's STAR, LSTAR, CSTAR, SFMASK and TSC_AUX as they are in the CPU:
	 * guest writes to them exit (exit_msr.c) and are kept here, so a VTL switch reads
	 * none of them and writes only those that differ (vp_vtl.h). Not KERNEL_GS_BASE:
	 * SWAPGS changes it without an exit. */
	struct vp_private_msrs *msrs; /* the running VTL's (arch/x86/vp_vtl.h) */
	u32 apic_id;
	u64 vmcs_pa;
	struct pcpu *pcpu;
	bool launched;
	/* INIT/SIPI (exit_initsipi.c, apic.c): after an INIT the VP is parked in VMX root
	 * operation until a sender deposits a SIPI vector here (-1 = none). */
	bool parked;
	s32 sipi_vector;
	bool paused; /* set and cleared by the debug console (with a kick); waits in root */
	/* 1 from the moment another CPU decides to send this VP a kick's NMI until this CPU
	 * takes an NMI: at most one kick NMI is ever on its way, and the NMI that clears the
	 * flag is the kick's; every other NMI is the guest's (vcpu_kick_nmi, vmexit.c). */
	u8 kick_nmi_inflight;
	bool console; /* the boot CPU's VP, where the debug console is polled */
	u32 snap_seq; /* bumped each time snap is refreshed */
	u64 ept_gen;  /* the EPT generation this VP has flushed up to */
	struct vcpu_snapshot snap;
	enum vcpu_state state;
	u32 entry_ctls; /* cached VM-entry controls (IA-32e mode guest changes with EFER.LMA) */
	u16 vpid;
	u64 cr0_mask, cr4_mask;
	u64 start_tsc, idle_tsc; /* VP_RUNTIME: since launch, minus parked / paused time */
	u32 preempt_period;	 /* VMX-preemption timer value between deadlines (0: no timer) */
	/* Interrupts injected through the VMCS (arch/x86/intr_inject.c): vectors posted by any
	 * CPU (work.irq_posted says some are). */
	u64 irq_pending[4];
	/* Physical interrupts (VTL0's) that arrived while a higher VTL ran and were queued
	 * for VTL0 (intr_inject.c; vtlvisor's counter leaf EDX, for the tests). */
	u64 irqs_held;
	u64 exit_cycles[EXIT_REASON_MAX]; /* TSC in dispatch + handler, while timed */
	u64 invepts; /* INVEPTs this VP's CPU did for it (bench: INVEPTs per operation) */
	u64 t_exit;  /* TSC at this exit while timed, else 0 */
};
_Static_assert(__builtin_offsetof(struct vcpu, in_guest) == VCPU_IN_GUEST, "vcpu_layout.h");
_Static_assert(__builtin_offsetof(struct vcpu, fast_exits_left) == VCPU_FAST_EXITS_LEFT,
	       "vcpu_layout.h");
_Static_assert(__builtin_offsetof(struct vcpu, work) == VCPU_WORK, "vcpu_layout.h");
_Static_assert(__builtin_offsetof(struct vcpu, timer_deadline) == VCPU_TIMER_DEADLINE,
	       "vcpu_layout.h");
_Static_assert(__builtin_offsetof(struct vcpu, exits) == VCPU_EXITS, "vcpu_layout.h");
_Static_assert(__builtin_offsetof(struct vcpu, exit_count) == VCPU_EXIT_COUNT, "vcpu_layout.h");
_Static_assert(EXIT_REASON_MAX == VCPU_EXIT_REASON_MAX, "vcpu_layout.h");
_Static_assert(VMCS_EXIT_REASON == VCPU_VMCS_EXIT_REASON, "vcpu_layout.h");

/*
 * Served on the VP's own CPU before an entry when a VCPU_KICK_VTL came: what other CPUs
 * asked of the VP's VTLs (vtl/ sets it at takeover; arch/x86 never calls vtl/ directly,
 * DESIGN.md 2). NULL: no VTL requests exist.
 */
extern void (*vcpu_vtl_hook)(struct vcpu *v);
/* Called before an entry into a VTL above 0 while VTL0 has interrupts waiting (TLFS VINA:
 * the higher VTL may ask to hear of them; hyperv/vsm.c). NULL: nobody asks. */
extern void (*vcpu_vina_hook)(struct vcpu *v);
/* A VTL0 access a VTL protection forbids (exit_ept_violation, or an emulated instruction's
 * operand in exit_dt.c): the higher VTL's intercept (hyperv/vsm_prot.c). qual as an EPT
 * violation's (SDM vol.3 table 28-7: bits 0-2 the access, 7 gva valid, 8 gva is the
 * access's own address); returns the exit's EXIT_* answer. */
extern int (*vcpu_gpa_intercept_hook)(struct vcpu *v, u64 gpa, u64 gva, u64 qual, u8 memtype);
/* A VTL0 access at gpa that its view refuses, found by the hypervisor on VTL0's behalf (an
 * emulated instruction's operand, a hypercall's block) rather than by an EPT violation
 * (qual as the hook's): when a VTL protection is why, the hook's intercept, and true. */
bool vcpu_gpa_intercept(struct vcpu *v, u64 gpa, u64 gva, u64 qual);

/*
 * A write the exit handlers are about to perform of a register a higher VTL may lock (TLFS
 * secure register intercepts, reference 3.9: HvRegisterCrInterceptControl). The handler
 * has decoded it and not yet checked or done it.
 */
enum vcpu_reg {
	VCPU_REG_CR0,
	VCPU_REG_CR4,
	VCPU_REG_XCR0,
	VCPU_REG_GDTR,
	VCPU_REG_IDTR,
	VCPU_REG_LDTR,
	VCPU_REG_TR,
	VCPU_REG_MSR,
};
struct vcpu_reg_write {
	enum vcpu_reg reg;
	u32 msr;     /* VCPU_REG_MSR: its number */
	u64 old;     /* CR0, CR4, IA32_MISC_ENABLE: the value now (a mask compares old ^ val) */
	u64 val;     /* the value written; GDTR/IDTR: the base; LDTR/TR: the selector */
	u16 limit;   /* GDTR/IDTR: the limit written */
	bool mem_op; /* the source is a memory operand (LMSW m16, LGDT, LLDT m16, ...) */
};
/*
 * Asked by the exit handlers before such a write by v's running VTL (hyperv/, set at
 * takeover; arch/x86 never calls it directly, DESIGN.md 2). True when a higher VTL
 * intercepts it: the write must not happen and the instruction must not complete (RIP
 * stays; TLFS: the lower VTL is suspended at it), the higher VTL has its message and is
 * entered before v's next entry. NULL: nothing intercepts anything.
 */
extern bool (*vcpu_reg_write_hook)(struct vcpu *v, const struct vcpu_reg_write *w);
static inline bool vcpu_reg_write_intercepted(struct vcpu *v, const struct vcpu_reg_write *w)
{
	return vcpu_reg_write_hook && vcpu_reg_write_hook(v, w);
}

/* The VPs of the root partition, indexed like bootinfo.cpus (arch/x86/core_main.c). */
u32 vcpu_count(void);
struct vcpu *vcpu_get(u32 index);

/*
 * Enters the guest (VMLAUNCH if !launched, else VMRESUME). At every VM exit vcpu_exit()
 * runs (arch/x86/vmexit.c); while it returns 0 the guest is resumed from the assembly
 * (VMRESUME). Returns vcpu_exit's value when not 0, or -1 (VMfailInvalid) / -2
 * (VMfailValid) when an entry fails. vmx_run.S.
 */
int vmx_run(struct vcpu_regs *regs, int launched);
/* Called by vmx_run.S for every VM exit outside its common case, the guest GPRs saved in
 * v->regs: handles the exit and prepares the next entry. Returns VCPU_ENTER_* (RESUME,
 * LAUNCH, or STOP: return from vmx_run). arch/x86/vmexit.c. */
int vcpu_exit(struct vcpu *v);
/* Called by vmx_run.S after a handler when v->work or v->timer_deadline is not 0: the
 * pre-entry work of vcpu_exit; VCPU_ENTER_RESUME or VCPU_ENTER_LAUNCH. */
int vcpu_entry_slow(struct vcpu *v);
/* A handler failed or the reason has none: prints why and stops the VP (vcpu_stop). */
NORETURN void vcpu_exit_unhandled(struct vcpu *v, u32 full);
/* Exits the console's VP handles in vmx_run.S between two looks at the console's clock. */
#define VCPU_CONSOLE_FAST_EXITS 64

#endif
