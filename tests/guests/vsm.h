/* SPDX-License-Identifier: MIT */
/*
 * VTL0's side of the VSM tests, shared by vtl0test (vsm_check.c) and bench: the TLFS
 * layouts of the VSM hypercalls (reference: tlfs-vsm.md 1.5-1.7, 3.3-3.6), loading the VTL1
 * test image (tests/guests/vtl1/) into a region of its own, the initial VP contexts that
 * start it, and the VTL call itself.
 */
#ifndef TESTS_GUESTS_VSM_H
#define TESTS_GUESTS_VSM_H

#include "lib/compiler.h"
#include "lib/types.h"
#include "tests/guests/vtl1/vtl1_abi.h"

/* Hypercall codes (reference 1.6) and control word (1.1). */
#define HVCALL_ENABLE_PARTITION_VTL 0x000dull
#define HVCALL_ENABLE_VP_VTL 0x000full
#define HVCALL_VTL_CALL 0x0011ull
#define HVCALL_VTL_RETURN 0x0012ull
#define HVCALL_GET_VP_REGISTERS 0x0050ull
#define HVCALL_SET_VP_REGISTERS 0x0051ull
#define HVCALL_SEND_SYNTHETIC_CLUSTER_IPI 0x000bull
#define HVCALL_SEND_SYNTHETIC_CLUSTER_IPI_EX 0x0015ull
#define HVCALL_START_VIRTUAL_PROCESSOR 0x0099ull /* EnableVpVtl's input */
#define HVCALL_GET_VP_INDEX_FROM_APIC_ID 0x009aull
#define HV_CONTROL_FAST BIT(16)
#define HV_CONTROL_VARHDR(n) ((u64)(n) << 17) /* variable header size, 8-byte units */
#define HV_CONTROL_REP_COUNT(n) ((u64)(n) << 32)
#define HV_RESULT_STATUS(rax) ((u16)(rax))
#define HV_RESULT_REPS(rax) (((rax) >> 32) & 0xfff) /* reps completed (reference 1.2) */

/* HV_STATUS (reference 1.4). */
#define HV_STATUS_SUCCESS 0x0000
#define HV_STATUS_INVALID_PARAMETER 0x0005
#define HV_STATUS_ACCESS_DENIED 0x0006
#define HV_STATUS_INVALID_VP_STATE 0x0015
#define HV_STATUS_INVALID_PARTITION_ID 0x000d
#define HV_STATUS_INVALID_VP_INDEX 0x000e
#define HV_STATUS_INVALID_REGISTER_VALUE 0x0050
#define HV_STATUS_INVALID_VTL_STATE 0x0051
#define HV_STATUS_VTL_ALREADY_ENABLED 0x0086

/* Special IDs and HV_INPUT_VTL (reference 1.5). */
#define HV_PARTITION_ID_SELF (~0ull)
#define HV_VP_INDEX_SELF 0xfffffffeu
#define HV_INPUT_VTL_USE_TARGET 0x10

/* VSM registers (reference 3.3) and the values vtlvisor gives them (docs/VSM.md). */
#define HV_REG_VSM_CODE_PAGE_OFFSETS 0x000d0002u
#define HV_REG_VSM_VP_STATUS 0x000d0003u
#define HV_REG_VSM_PARTITION_STATUS 0x000d0004u
#define HV_REG_VSM_CAPABILITIES 0x000d0006u
#define HV_VSM_CODE_PAGE_OFFSETS (0x0full | 0x28ull << 12) /* Hyper-V's (reference 3.6) */

/* CPUID 0x40000003 (reference 2.3, 2.4). */
#define HV_CPUID_FEATURES 0x40000003u
#define HV_EAX_ACCESS_SYNIC_REGS BIT(2)
#define HV_EAX_ACCESS_HYPERCALL_MSRS BIT(5)
#define HV_EAX_ACCESS_VP_INDEX BIT(6)
#define HV_EBX_ACCESS_VSM BIT(16)
#define HV_EBX_ACCESS_VP_REGISTERS BIT(17)
#define HV_EBX_START_VIRTUAL_PROCESSOR BIT(21)
#define HV_EDX_XMM_INPUT BIT(4)
#define HV_EDX_XMM_OUTPUT BIT(15)

/* Synthetic MSRs (reference 2.1). */
#define HV_MSR_GUEST_OS_ID 0x40000000u
#define HV_MSR_HYPERCALL 0x40000001u
#define HV_MSR_VP_INDEX 0x40000002u
#define HV_MSR_VP_ASSIST_PAGE 0x40000073u

/* VMX access rights, low 16 bits (SDM vol. 3 24.4.1), as HV_X64_SEGMENT_REGISTER wants. */
#define VSM_AR_CODE64 0xa09b /* G, L, P, S, execute/read accessed */
#define VSM_AR_DATA 0xc093   /* G, D/B, P, S, read/write accessed */
#define VSM_AR_TSS64 0x008b  /* P, 64-bit busy TSS */

struct hv_segment {
	u64 base;
	u32 limit;
	u16 selector;
	u16 attributes;
};

struct hv_table {
	u16 pad[3];
	u16 limit;
	u64 base;
};

/* HV_INITIAL_VP_CONTEXT, x64 (reference 1.7). */
struct hv_initial_vp_context {
	u64 rip, rsp, rflags;
	struct hv_segment cs, ds, es, fs, gs, ss, tr, ldtr;
	struct hv_table idtr, gdtr;
	u64 efer, cr0, cr3, cr4, pat;
};
STATIC_ASSERT(__builtin_offsetof(struct hv_initial_vp_context, cs) == 24, "TLFS context");
STATIC_ASSERT(__builtin_offsetof(struct hv_initial_vp_context, ldtr) == 136, "TLFS context");
STATIC_ASSERT(__builtin_offsetof(struct hv_initial_vp_context, idtr) == 152, "TLFS context");
STATIC_ASSERT(__builtin_offsetof(struct hv_initial_vp_context, efer) == 184, "TLFS context");
STATIC_ASSERT(sizeof(struct hv_initial_vp_context) == 224, "TLFS context");

/* HvCallEnableVpVtl input (reference 1.7). */
struct hv_enable_vp_vtl {
	u64 partition_id;
	u32 vp_index;
	u8 target_vtl;
	u8 rsvd[3];
	struct hv_initial_vp_context ctx;
};
STATIC_ASSERT(sizeof(struct hv_enable_vp_vtl) == 240, "TLFS EnableVpVtl input");

/* HvCallEnablePartitionVtl input (reference 1.7). */
struct hv_enable_partition_vtl {
	u64 partition_id;
	u8 target_vtl;
	u8 flags;
	u8 rsvd[6];
};
STATIC_ASSERT(sizeof(struct hv_enable_partition_vtl) == 16, "TLFS EnablePartitionVtl input");

/* The VTL1 image loaded for one partition. */
struct vsm {
	const volatile u8 *hc_page; /* VTL0's hypercall page */
	u64 io;			    /* VTL0's hypercall input page; the output page follows */
	u64 base;		    /* the VTL1 region */
	struct vtl1_mailbox *mb;
	u32 vps; /* VPs with a VTL1 slot (stack, GDT, assist page) */
	u64 code_offsets;
};

/* GPRs around one VTL call, in the TLFS register order (vtl1_abi.h, enum vtl1_gpr). */
struct vsm_regs {
	u64 in[VTL1_GPR_COUNT];	 /* loaded before the CALL (RSP is not; RCX = the input) */
	u64 out[VTL1_GPR_COUNT]; /* right after it; out[VTL1_RSP] = RSP */
	u64 rsp_before;		 /* RSP at the CALL */
	u64 rflags_before, rflags_after;
};
STATIC_ASSERT(__builtin_offsetof(struct vsm_regs, out) == 128, "vsm_call.S");
STATIC_ASSERT(__builtin_offsetof(struct vsm_regs, rsp_before) == 256, "vsm_call.S");
STATIC_ASSERT(__builtin_offsetof(struct vsm_regs, rflags_after) == 272, "vsm_call.S");

/*
 * Allocates the VTL1 region (boot-services must exist) and VTL0's two hypercall I/O pages,
 * copies the image and lays out the rest: GDT + TSS per VP, the IDT, the PML4 copy, the
 * mailbox (code_offsets as VTL0 read them) and the EnableVpVtl inputs VTL1 will issue for
 * the other VPs. Returns 0 or -E*.
 */
int vsm_setup(struct vsm *v, const volatile u8 *hc_page, u32 vps, u64 code_offsets);
/* The initial context that starts the image on VP vp, from this CPU's CR0/CR3/CR4/EFER/PAT. */
void vsm_context(const struct vsm *v, u32 vp, struct hv_initial_vp_context *ctx);

/* One hypercall through VTL0's page (RCX control, RDX input, R8 output); RAX back. */
u64 vsm_hypercall(const struct vsm *v, u64 control, u64 in, u64 out);
/* GetVpRegisters, memory form, VP SELF, n <= 16 names; values[i] = low 64 bits. RAX back. */
u64 vsm_get_regs(const struct vsm *v, u8 input_vtl, const u32 *names, u32 n, u64 *values);
/* SetVpRegisters, memory form, VP SELF, n <= 16 names with 64-bit values. RAX back. */
u64 vsm_set_regs(const struct vsm *v, u8 input_vtl, const u32 *names, const u64 *values, u32 n);
u64 vsm_enable_partition(const struct vsm *v, u64 partition_id, u8 vtl, u8 flags);
u64 vsm_enable_vp(const struct vsm *v, u64 partition_id, u32 vp_index, u8 vtl,
		  const struct hv_initial_vp_context *ctx);
/* EnablePartitionVtl + EnableVpVtl(SELF) for the calling VP (index vp): 0 or the RAX of the
 * call that failed. */
u64 vsm_enable_self(const struct vsm *v, u32 vp);

/* The VTL call and return stubs of VTL0's page (VsmCodePageOffsets, reference 3.6). */
static inline u64 vsm_call_stub(const struct vsm *v)
{
	return (u64)v->hc_page + (v->code_offsets & 0xfff);
}
static inline u64 vsm_return_stub(const struct vsm *v)
{
	return (u64)v->hc_page + ((v->code_offsets >> 12) & 0xfff);
}
/* The VTL1 stack top of VP vp. */
static inline u64 vsm_stack_top(const struct vsm *v, u32 vp)
{
	return v->base + VTL1_OFF_STACKS + (vp + 1ull) * VTL1_STACK_SIZE;
}

/*
 * vsm_call.S: loads r->in, CALLs target (a stub of the hypercall page), stores r->out. With
 * the call stub and RCX = 0 this is a VTL call: back here once VTL1 has returned.
 */
void vsm_vtl_call(struct vsm_regs *r, u64 target);

/*
 * vsm_call.S: VTL0 busy with every GPR known, for an interrupt into VTL1 to preempt it.
 * Loads in[] with IF clear (not RSP; RDI, RSI and RBP are the loop's: RDI = watch, RSI =
 * start, RBP = budget), marks spinning = 1, sets IF if sti asks, then PAUSEs while the u64
 * at watch still holds start, at most budget times; stores every GPR into out[] (RBP: the
 * budget left, 0 = timed out; RBP = budget: it had moved already) and RFLAGS as it was
 * after the loop; RFLAGS is restored on the way out.
 */
struct vsm_spin {
	u64 in[VTL1_GPR_COUNT];
	u64 out[VTL1_GPR_COUNT];
	u64 watch, start, budget, sti;
	u64 rflags_before, rflags_after;
	volatile u32 spinning;
	u32 rsvd;
};
STATIC_ASSERT(__builtin_offsetof(struct vsm_spin, watch) == 256, "vsm_call.S");
STATIC_ASSERT(__builtin_offsetof(struct vsm_spin, rflags_before) == 288, "vsm_call.S");
STATIC_ASSERT(__builtin_offsetof(struct vsm_spin, spinning) == 304, "vsm_call.S");
void vsm_spin(struct vsm_spin *s);

/*
 * vsm_call.S: VTL0 halted. STI; HLT (at vsm_hlt_insn); CLI, again and again while both u64s
 * at watch[] hold start[], at most budget times; RAX and RCX hold rax and rcx all along
 * (their values after in rax_after, rcx_after). halts counts the HLTs that returned, the
 * TSC after each of the first VSM_HALT_TSCS is in tsc[]. RFLAGS is restored at the end.
 */
#define VSM_HALT_TSCS 8
struct vsm_halt {
	u64 watch[2], start[2];
	u64 budget, rax, rcx;
	u64 rax_after, rcx_after, halts;
	u64 tsc[VSM_HALT_TSCS];
};
STATIC_ASSERT(__builtin_offsetof(struct vsm_halt, rax_after) == 56, "vsm_call.S");
STATIC_ASSERT(__builtin_offsetof(struct vsm_halt, tsc) == 80, "vsm_call.S");
void vsm_halt(struct vsm_halt *h);
extern const char vsm_hlt_insn[];

#endif
