/* SPDX-License-Identifier: MIT */
/*
 * The hypercall engine (DESIGN.md 5; TLFS "Hypercall Interface", reference 1.1-1.4): the
 * control word is decoded and checked once, then a const table code -> {privilege, flags,
 * sizes, handler}. Memory, register (fast) and XMM fast forms; a long rep call returns to
 * the guest unfinished with its rep start index moved on, and the guest's VMCALL runs again
 * (reference 1.3, "continuation").
 */
#include "arch/x86/apic.h"
#include "arch/x86/dbgcon.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/tlb.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vp_vtl_apic.h"
#include "boot/bootinfo.h"
#include "hyperv/guest_access.h"
#include "hyperv/hv.h"
#include "hyperv/hypercall.h"
#include "hyperv/reftime.h"
#include "hyperv/synic.h"
#include "lib/bitmap.h"
#include "lib/compiler.h"
#include "lib/string.h"
#include "vtl/vtl.h"

struct hv_vp_stats hv_stats[BOOTINFO_MAX_CPUS]; /* [vp index]; each owned by its VP's CPU */

/* Control word (reference 1.1): 15:0 code, 16 fast, 26:17 variable header size, 30:27
 * RsvdZ, 31 nested (not a nested hypervisor: refused), 43:32 rep count, 47:44 RsvdZ,
 * 59:48 rep start index, 63:60 RsvdZ. */
#define HV_CONTROL_RSVD (GENMASK(31, 27) | GENMASK(47, 44) | GENMASK(63, 60))

static inline __attribute__((always_inline)) u16 control_decode(u64 control, u32 call_flags,
								struct hv_control *c)
{
	c->code = (u16)control;
	c->fast = control & (1ULL << 16);
	c->var_header = (u16)((control >> 17) & 0x3ff);
	c->rep_count = (u16)((control >> 32) & 0xfff);
	c->rep_start = (u16)((control >> 48) & 0xfff);
	if (control & HV_CONTROL_RSVD)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (c->var_header && !(call_flags & HV_CALL_VARHDR))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (call_flags & HV_CALL_REP) {
		if (!c->rep_count || c->rep_start >= c->rep_count)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
	} else if (c->rep_count || c->rep_start) {
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	}
	return HV_STATUS_SUCCESS;
}

u16 hv_control_decode(u64 control, u32 call_flags, struct hv_control *c)
{
	return control_decode(control, call_flags, c);
}

bool hv_out_of_time(const struct hv_args *a)
{
	return a->deadline && rdtsc() > a->deadline;
}

struct hv_call {
	u64 priv;		/* the privilege bit it needs (reference 2.4), 0 = none */
	u32 flags;		/* HV_CALL_* */
	u16 in_size, in_elem;	/* fixed input header, bytes per rep element */
	u16 out_size, out_elem; /* fixed output, bytes per rep element */
	hv_call_fn fn;
};

/* HvCallNotifyLongSpinWait: a hint; always succeeds (reference 1.6). */
static u16 hv_notify_long_spin_wait(struct vcpu *v, struct hv_args *a)
{
	return HV_STATUS_SUCCESS;
}

/* HV_VP_SET (reference 1.7) formats. */
#define HV_GENERIC_SET_SPARSE_4K 0
#define HV_GENERIC_SET_ALL 1

/*
 * The VPs an HV_VP_SET names, as a mask of VP indexes (there are at most 64 VPs: banks
 * beyond the first name none). set: Format, ValidBanksMask, then one bank per set bit of
 * the mask, counted in the control word's variable header. 0 or an HV_STATUS.
 */
static u16 vp_set_mask(const struct hv_args *a, const u8 *set, u64 *mask)
{
	u64 format = in_u64(set), valid = in_u64(set + 8);

	if (format == HV_GENERIC_SET_ALL) {
		*mask = ~0ULL;
		return HV_STATUS_SUCCESS;
	}
	if (format != HV_GENERIC_SET_SPARSE_4K)
		return HV_STATUS_INVALID_PARAMETER;
	/* The banks present must be exactly the ones the mask announces (as KVM checks). */
	if (bits_count(valid) != a->c.var_header)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	*mask = (valid & 1) ? in_u64(set + 16) : 0;
	return HV_STATUS_SUCCESS;
}

/*
 * HvCallSendSyntheticClusterIpi(Ex) (reference 1.7): +0 vector (0x10-0xff), +4
 * HV_INPUT_VTL, +5 flags, +6 reserved, +8 processor mask or HV_VP_SET. A fixed interrupt
 * to the local APIC of the VTL the input names (the caller's without UseTargetVtl) of each
 * VP named: the only way between VTLs (reference 3.10). VTL0's is the physical APIC; a
 * higher VTL's is its own (arch/x86/vp_vtl_apic.h). A VTL the partition has not enabled is
 * an invalid parameter; VPs that do not exist or lack that VTL are ignored, as KVM does
 * with absent VPs.
 */
static u16 hv_cluster_ipi(struct vcpu *v, struct hv_args *a, u64 mask)
{
	u32 vector = in_u32(a->in);
	u8 in_vtl = a->in[4];
	u32 vtl = (in_vtl & 0x10) ? in_vtl & 0xfu : hv_active_vtl(v);

	if (vector < 0x10 || vector > 0xff || (in_vtl & 0xe0) || a->in[5] || a->in[6] || a->in[7] ||
	    vtl >= VTL_ARCH_COUNT || !(vtl_partition_enabled() & (1u << vtl)))
		return HV_STATUS_INVALID_PARAMETER;
	for (u32 i = 0; i < vcpu_count() && i < 64; i++) {
		struct vcpu *t = vcpu_get(i);
		if (!(mask & (1ULL << i)) || !__atomic_load_n(&t->launched, __ATOMIC_ACQUIRE))
			continue;
		if (vtl == 0)
			apic_send_fixed(t->apic_id, (u8)vector);
		else
			vp_vtl_apic_post(t, vtl, (u8)vector);
	}
	return HV_STATUS_SUCCESS;
}

static u16 hv_send_cluster_ipi(struct vcpu *v, struct hv_args *a)
{
	return hv_cluster_ipi(v, a, in_u64(a->in + 8));
}

static u16 hv_send_cluster_ipi_ex(struct vcpu *v, struct hv_args *a)
{
	u64 mask;
	u16 st = vp_set_mask(a, a->in + 8, &mask);

	return st ? st : hv_cluster_ipi(v, a, mask);
}

/* Flush flags (reference 1.7). */
#define HV_FLUSH_ALL_PROCESSORS (1ULL << 0)
#define HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES (1ULL << 1)
#define HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY (1ULL << 2)
#define HV_FLUSH_USE_EXTENDED_RANGE_FORMAT (1ULL << 3)

/*
 * HvCallFlushVirtualAddressSpace / List (reference 1.7): +0 address space, +8 flags, +16
 * processor mask; the list adds GVA ranges as rep elements. Each target VP's whole VPID is
 * flushed: a superset of what was asked, always correct, and done on every target before
 * the call returns (TLFS).
 */
static u16 hv_flush(struct vcpu *v, struct hv_args *a, bool list, u64 mask)
{
	u64 flags = in_u64(a->in + 8);
	u64 known = HV_FLUSH_ALL_PROCESSORS | HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES |
		    (list ? HV_FLUSH_USE_EXTENDED_RANGE_FORMAT : HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY);

	if (flags & ~known)
		return HV_STATUS_INVALID_PARAMETER;
	if (flags & HV_FLUSH_ALL_PROCESSORS)
		mask = ~0ULL;
	/* TLFS 3.12: while a higher VTL holds a target's TLB locked, the caller waits: its
	 * VMCALL runs again (RIP stays) until the lock is released. */
	for (u32 i = 0; i < vcpu_count() && i < 64; i++)
		if ((mask & (1ULL << i)) && vtl_tlb_locked(vcpu_get(i), v->active_vtl))
			return HV_CALL_CONTINUE;
	vcpu_flush_tlbs(v, mask);
	if (list)
		a->reps_done = a->c.rep_count;
	return HV_STATUS_SUCCESS;
}

static u16 hv_flush_space(struct vcpu *v, struct hv_args *a)
{
	return hv_flush(v, a, false, in_u64(a->in + 16));
}

static u16 hv_flush_list(struct vcpu *v, struct hv_args *a)
{
	return hv_flush(v, a, true, in_u64(a->in + 16));
}

/* The Ex forms: an HV_VP_SET at +16 instead of the mask. */
static u16 hv_flush_ex(struct vcpu *v, struct hv_args *a, bool list)
{
	u64 mask;
	u16 st = vp_set_mask(a, a->in + 16, &mask);

	return st ? st : hv_flush(v, a, list, mask);
}

static u16 hv_flush_space_ex(struct vcpu *v, struct hv_args *a)
{
	return hv_flush_ex(v, a, false);
}

static u16 hv_flush_list_ex(struct vcpu *v, struct hv_args *a)
{
	return hv_flush_ex(v, a, true);
}

/*
 * HvCallGetVpIndexFromApicId (reference 1.7; 4-byte elements, as OVMM and Linux): header
 * +0 partition ID (SELF), +8 target VTL; each APIC ID in gives a VP index out.
 */
static u16 hv_get_vp_index_from_apic_id(struct vcpu *v, struct hv_args *a)
{
	if (in_u64(a->in) != HV_PARTITION_ID_SELF)
		return HV_STATUS_INVALID_PARTITION_ID;
	/* Any VTL the partition has enabled: every VTL of a VP has the VP's one APIC ID. */
	if (a->in[8] > VTL_MAX || !(vtl_partition_enabled() & (1u << a->in[8])))
		return HV_STATUS_INVALID_PARAMETER;
	for (u32 r = a->c.rep_start; r < a->c.rep_count; r++) {
		if (r > a->c.rep_start && hv_out_of_time(a))
			return HV_CALL_CONTINUE;
		u32 apic = in_u32(a->in + 16 + 4 * r), i;
		for (i = 0; i < vcpu_count() && vcpu_get(i)->apic_id != apic; i++)
			;
		if (i == vcpu_count())
			return HV_STATUS_INVALID_PARAMETER;
		out_u32(a->out + 4 * r, i);
		a->reps_done = (u16)(r + 1);
	}
	return HV_STATUS_SUCCESS;
}

static u16 hv_post_message(struct vcpu *v, struct hv_args *a)
{
	return hv_synic_post_message(v, a->in);
}

static u16 hv_signal_event(struct vcpu *v, struct hv_args *a)
{
	return hv_synic_signal_event(v, a->in);
}

static const struct hv_call hv_calls[] = {
	[HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE] = { 0, 0, 24, 0, 0, 0, hv_flush_space },
	[HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST] = { 0, HV_CALL_REP, 24, 8, 0, 0, hv_flush_list },
	[HVCALL_NOTIFY_LONG_SPIN_WAIT] = { 0, 0, 8, 0, 0, 0, hv_notify_long_spin_wait },
	[HVCALL_SEND_SYNTHETIC_CLUSTER_IPI] = { 0, 0, 16, 0, 0, 0, hv_send_cluster_ipi },
	/* Ex: the fixed part of the HV_VP_SET (format, mask) is in the header, its banks are
	 * the variable header. */
	[HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX] = { 0, HV_CALL_VARHDR, 32, 0, 0, 0,
						    hv_flush_space_ex },
	[HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX] = { 0, HV_CALL_REP | HV_CALL_VARHDR, 32, 8, 0, 0,
						   hv_flush_list_ex },
	[HVCALL_SEND_SYNTHETIC_CLUSTER_IPI_EX] = { 0, HV_CALL_VARHDR, 24, 0, 0, 0,
						   hv_send_cluster_ipi_ex },
	[HVCALL_POST_MESSAGE] = { HV_PRIV_POST_MESSAGES, 0, 256, 0, 0, 0, hv_post_message },
	[HVCALL_SIGNAL_EVENT] = { HV_PRIV_SIGNAL_EVENTS, 0, 8, 0, 0, 0, hv_signal_event },
	[HVCALL_GET_VP_INDEX_FROM_APIC_ID] = { 0, HV_CALL_REP, 16, 4, 0, 4,
					       hv_get_vp_index_from_apic_id },
	/* VSM (hyperv/vsm.c). VtlCall and VtlReturn are not in the table: hv_exit_vtl. */
	[HVCALL_ENABLE_PARTITION_VTL] = { HV_PRIV_ACCESS_VSM, 0, 16, 0, 0, 0,
					  hv_enable_partition_vtl },
	[HVCALL_ENABLE_VP_VTL] = { HV_PRIV_ACCESS_VSM, 0, 240, 0, 0, 0, hv_enable_vp_vtl },
	/* hyperv/vsm_prot.c */
	[HVCALL_MODIFY_VTL_PROTECTION_MASK] = { HV_PRIV_ACCESS_VSM, HV_CALL_REP, 16, 8, 0, 0,
						hv_modify_vtl_protection_mask },
	[HVCALL_GET_VP_REGISTERS] = { HV_PRIV_ACCESS_VP_REGISTERS, HV_CALL_REP, 16, 4, 0, 16,
				      hv_get_vp_registers },
	[HVCALL_SET_VP_REGISTERS] = { HV_PRIV_ACCESS_VP_REGISTERS, HV_CALL_REP, 16, 32, 0, 0,
				      hv_set_vp_registers },
	[HVCALL_START_VIRTUAL_PROCESSOR] = { HV_PRIV_START_VIRTUAL_PROCESSOR, 0, 240, 0, 0, 0,
					     hv_start_virtual_processor },
	/* hyperv/translate.c: the calling VP's own address spaces; no privilege of its own. */
	[HVCALL_TRANSLATE_VIRTUAL_ADDRESS] = { 0, 0, 32, 0, 16, 0, hv_translate_virtual_address },
	[HVCALL_TRANSLATE_VIRTUAL_ADDRESS_EX] = { 0, 0, 32, 0, 64, 0,
						  hv_translate_virtual_address_ex },
};

/* Per-VP copies of the input (so the guest cannot change it while the call runs), and the
 * output of XMM fast calls before it goes to the registers. */
static u8 hv_in_buf[BOOTINFO_MAX_CPUS][PAGE_SIZE];
static u8 hv_xmm_out[BOOTINFO_MAX_CPUS][HV_XMM_PAIRS * 16];

/*
 * The caller's registers (reference 1.2): a 64-bit caller passes the control word in RCX,
 * the input in RDX and the output in R8 (GPAs, or the fast form's 16 bytes); a 32-bit
 * caller passes them as EDX:EAX, EBX:ECX and EDI:ESI (high half first) and gets the
 * result in EDX:EAX.
 */
struct hv_regs {
	u64 control, in, out;
	bool is64;
};

static u64 reg_pair(const struct vcpu *v, int hi, int lo)
{
	return ((u64)(u32)v->regs.gpr[hi] << 32) | (u32)v->regs.gpr[lo];
}

/* 64-bit mode: IA-32e active and CS.L (SDM vol.3 5.2.1). Else protected mode, 32-bit. */
static struct hv_regs hv_read_regs(const struct vcpu *v, bool lma)
{
	if (lma && (vmread(VMCS_GUEST_CS_AR) & (1u << 13)))
		return (struct hv_regs){ v->regs.gpr[RCX], v->regs.gpr[RDX], v->regs.gpr[R8],
					 true };
	return (struct hv_regs){ reg_pair(v, RDX, RAX), reg_pair(v, RBX, RCX),
				 reg_pair(v, RDI, RSI), false };
}

/* The register form's 16 bytes: RDX (or EBX:ECX), then R8 (or EDI:ESI). */
static inline void fast_regs_input(u8 *in, const struct hv_regs *r)
{
	__builtin_memcpy(in, &r->in, 8);
	__builtin_memcpy(in + 8, &r->out, 8);
}

/*
 * The fast forms (reference 1.3): the input is one byte stream of 16-byte register pairs,
 * RDX:R8 then XMM0..XMM5; the output fills the pairs after the input's. Beyond RDX:R8 only
 * for 64-bit callers and when XMM fast input and output are offered (always together);
 * otherwise #UD, as KVM and OpenVMM do.
 */
static u16 hv_fast_input(const struct vcpu *v, const struct hv_regs *r, u8 *in, u32 in_len,
			 u32 out_len, u32 *out_pairs_at)
{
	u32 in_pairs = in_len > 16 ? (in_len + 15) / 16 : 1, out_pairs = (out_len + 15) / 16;

	fast_regs_input(in, r);
	*out_pairs_at = in_pairs;
	if (in_pairs == 1 && !out_pairs)
		return HV_STATUS_SUCCESS;
	if (!r->is64 || !hv_xmm_fast_available())
		return HV_CALL_RAISE_UD;
	if (in_pairs + out_pairs > HV_XMM_PAIRS)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	for (u32 p = 1; p < in_pairs; p++)
		xmm_access(p - 1, (u8(*)[16])(in + 16 * p), false);
	return HV_STATUS_SUCCESS;
}

static void hv_fast_output(const u8 *out, u32 out_len, u32 first_pair)
{
	for (u32 p = 0; p < (out_len + 15) / 16; p++)
		xmm_access(first_pair + p - 1, (u8(*)[16])(out + 16 * p), true);
}

/*
 * A memory-form block hv_guest_block refused: INVALID_ALIGNMENT, unless the block is well
 * placed on a VTL0 page that VTL1's protection keeps VTL0 from reading (the input) or
 * writing (the output). The TLFS: "the hypervisor raises a memory intercept" then
 * (reference 1.4): VTL1 gets the GPA intercept, no GVA, and VTL0 stays at its VMCALL, made
 * again once VTL1 has resolved it.
 */
static u16 __attribute__((noinline)) hv_block_refused(struct vcpu *v, u64 gpa, u32 len, bool write)
{
	/* An EPT violation's access bits (SDM vol.3 table 28-7), no GVA. */
	if (!IS_ALIGNED(gpa, 8) || (gpa & (PAGE_SIZE - 1)) + len > PAGE_SIZE ||
	    !vcpu_gpa_intercept(v, gpa, 0, write ? 2 : 1))
		return HV_STATUS_INVALID_ALIGNMENT;
	return HV_CALL_INTERCEPTED;
}

/*
 * A memory-form input block src (len bytes) into the call's private copy in: the header
 * (head bytes) and the elements from the rep start on, skipping the skip bytes of those a
 * continued call has done already (it does not copy them again); one copy when it skips
 * nothing.
 */
static inline void hv_copy_input(u8 *in, const u8 *src, u32 head, u32 skip, u32 len)
{
	if (!skip) {
		memcpy(in, src, len);
		return;
	}
	memcpy(in, src, head);
	memcpy(in + head + skip, src + head + skip, len - head - skip);
}

static u16 hv_dispatch(struct vcpu *v, const struct hv_regs *r, u16 *reps_done)
{
	u64 control = r->control;
	u16 code = (u16)control;
	struct hv_args a;

	if (code >= ARRAY_SIZE(hv_calls) || !hv_calls[code].fn)
		return code == HVCALL_VTL_CALL || code == HVCALL_VTL_RETURN ?
			       HV_CALL_VTL :
			       HV_STATUS_INVALID_HYPERCALL_CODE;
	const struct hv_call *call = &hv_calls[code];
	/* Reference 1.4: ACCESS_DENIED wins over every other error. */
	if (call->priv && !(hv_privileges() & call->priv))
		return HV_STATUS_ACCESS_DENIED;
	a.out = NULL;
	a.deadline = 0;
	a.reps_done = 0;
	/* The common case first: the register form of a simple call with at most 16 bytes of
	 * input and no output (the fast bit is the control word's only bit above the code:
	 * no variable header, no reps, nothing reserved), so nothing to size or copy. */
	if ((control >> 16) == 1 && call->flags == 0 && call->in_size <= 16 && !call->out_size) {
		u8 *in = hv_in_buf[v->index];
		fast_regs_input(in, r);
		a.c = (struct hv_control){ .code = code, .fast = true };
		a.in = in;
		u16 fst = call->fn(v, &a);
		*reps_done = 0;
		return fst;
	}
	u16 st = control_decode(control, call->flags, &a.c);
	if (st)
		return st;
	u32 reps = (call->flags & HV_CALL_REP) ? a.c.rep_count : 0;
	u32 in_len = call->in_size + 8u * a.c.var_header + reps * call->in_elem;
	u32 out_len = call->out_size + reps * call->out_elem;
	u8 *in = hv_in_buf[v->index];
	u32 out_pair = 0;

	if (a.c.fast) {
		st = hv_fast_input(v, r, in, in_len, out_len, &out_pair);
		if (st)
			return st;
		if (out_len) {
			a.out = hv_xmm_out[v->index];
			memset(a.out, 0, sizeof(hv_xmm_out[0])); /* nothing stale goes out */
		}
	} else {
		/* Memory form: input and output GPAs; blocks in one page, not overlapping. */
		u64 in_gpa = r->in, out_gpa = r->out;
		const u8 *src = in_len ? hv_guest_block(v, in_gpa, in_len, false) : NULL;
		if (in_len && !src)
			return hv_block_refused(v, in_gpa, in_len, false);
		if (out_len && !(a.out = hv_guest_block(v, out_gpa, out_len, true)))
			return hv_block_refused(v, out_gpa, out_len, true);
		if (in_len && out_len && in_gpa < out_gpa + out_len && out_gpa < in_gpa + in_len)
			return HV_STATUS_INVALID_ALIGNMENT;
		hv_copy_input(in, src, call->in_size + 8u * a.c.var_header,
			      a.c.rep_start * call->in_elem, in_len);
		/* Only memory-form rep calls continue: a fast one is short by construction.
		 * About 50 us a call (reference 1.3); without the TSC rate a rep call runs to
		 * its end (one input page at most). */
		if (reps && hv_rep_budget_ticks)
			a.deadline = rdtsc() + hv_rep_budget_ticks;
	}
	a.in = in;
	a.reps_done = a.c.rep_start;
	st = call->fn(v, &a);
	*reps_done = a.reps_done;
	if (a.c.fast && out_len && st != HV_CALL_RAISE_UD)
		hv_fast_output(a.out, out_len, out_pair);
	return st;
}

/* Continuation (reference 1.3): the control word again, its rep start index moved on. */
static void hv_continue(struct vcpu *v, const struct hv_regs *r, u16 reps_done)
{
	u64 control = (r->control & ~(0xfffULL << 48)) | ((u64)reps_done << 48);

	if (r->is64) {
		v->regs.gpr[RCX] = control;
	} else {
		v->regs.gpr[RAX] = (u32)control;
		v->regs.gpr[RDX] = control >> 32;
	}
}

/*
 * VtlCall and VtlReturn (reference 3.4): no status on success (the VP continues in the
 * other VTL); #UD for a 32-bit caller (no stubs for it, docs/VSM.md) and for every misuse
 * hv_vtl_switch finds. Without AccessVsm a status, ACCESS_DENIED, as for every
 * call whose privilege is not offered.
 */
static void hv_exit_vtl(struct vcpu *v, const struct hv_regs *r)
{
	if (!(hv_privileges() & HV_PRIV_ACCESS_VSM)) {
		v->regs.gpr[RAX] = HV_STATUS_ACCESS_DENIED;
		if (!r->is64)
			v->regs.gpr[RDX] = 0; /* EDX:EAX */
		vcpu_skip_instr(v);
		return;
	}
	if (!r->is64)
		vcpu_inject_ud(v);
	else
		hv_vtl_switch(v, r->control);
}

/* Every hypercall but a VtlCall/VtlReturn that hv_vtl_fast served. Out of line so that
 * the VTL switch does not pay for this frame. */
static int __attribute__((noinline)) hv_exit_hypercall(struct vcpu *v)
{
	bool timing = dbgcon_timing; /* counted always, timed while the console is open */
	u64 t0 = timing ? rdtsc() : 0;
	struct hv_vp_stats *st = &hv_stats[v->index];

	/* TLFS "Hypercall Interface": only CPL 0 in protected or long mode may call; #UD
	 * otherwise, as on hardware without a hypervisor. IA-32e mode implies protected
	 * mode: the CR0 read is needed only outside it. */
	bool lma = vmread(VMCS_GUEST_EFER) & EFER_LMA;
	if ((!lma && vcpu_real_mode()) || vcpu_cpl() != 0) {
		vcpu_inject_ud(v);
		return EXIT_RESUME;
	}
	struct hv_regs r = hv_read_regs(v, lma);
	u32 code = (u32)(r.control & 0xffff);
	u32 slot = code < HV_STATS_CODES ? code : HV_STATS_CODES - 1;
	st->count[slot]++;
	/* Result (reference 1.2): status in 15:0, reps completed in 43:32. */
	u16 reps_done = 0;
	u16 status = hv_dispatch(v, &r, &reps_done);
	/* The internal results (hypercall.h), all at the top: one compare for the rest. */
	if (__builtin_expect(status >= HV_CALL_INTERCEPTED, 0)) {
		switch (status) {
		case HV_CALL_RAISE_UD:
			vcpu_inject_ud(v);
			return EXIT_RESUME;
		case HV_CALL_INTERCEPTED:
			return EXIT_RESUME; /* VTL1 first; VTL0 makes the call again */
		case HV_CALL_VTL:
			hv_exit_vtl(v, &r); /* what hv_vtl_fast left: timed, 32-bit, not offered */
			break;
		default:
			hv_continue(v, &r, reps_done); /* RIP stays: the guest calls again */
			break;
		}
	} else {
		u64 result = status | ((u64)(reps_done & 0xfff) << 32);
		if (r.is64) {
			v->regs.gpr[RAX] = result;
		} else { /* EDX:EAX; a 32-bit register write clears bits 63:32 */
			v->regs.gpr[RAX] = (u32)result;
			v->regs.gpr[RDX] = result >> 32;
		}
		vcpu_skip_instr(v);
	}
	if (timing)
		st->cycles[slot] += rdtsc() - t0;
	return EXIT_RESUME;
}

/*
 * HvCallModifyVtlProtectionMask in its common form, the hottest VSM call after the VTL
 * switch (Windows makes 100,000+ while it boots): a 64-bit CPL 0 caller with AccessVsm, the
 * memory form with no variable header and nothing reserved, a valid rep range, an input
 * block that passes hv_guest_block. It does what hv_exit_hypercall would, step for step
 * (the same handler, on the same private copy of the input; no time budget: the handler
 * runs to its end, one input page at most), without the generic sizing and without
 * struct hv_args (hv_modify_prot). Anything else goes to hv_exit_hypercall before anything
 * happened, and the generic path decides.
 */
static bool hv_modify_prot_fast(struct vcpu *v, u64 control)
{
	const u64 not_common = HV_CONTROL_RSVD | GENMASK(26, 16); /* fast, variable header */
	u32 count = (u32)(control >> 32) & 0xfff, start = (u32)(control >> 48) & 0xfff;

	if ((control & not_common) || start >= count || !(vmread(VMCS_GUEST_EFER) & EFER_LMA) ||
	    !(vmread(VMCS_GUEST_CS_AR) & (1u << 13)) || vcpu_cpl() != 0 ||
	    !(hv_privileges() & HV_PRIV_ACCESS_VSM) || dbgcon_timing)
		return false;
	const u8 *src = hv_guest_block(v, v->regs.gpr[RDX], 16 + 8 * count, false);
	if (!src)
		return false;
	u8 *in = hv_in_buf[v->index];
	u16 reps_done = (u16)start;
	hv_copy_input(in, src, 16, 8 * start, 16 + 8 * count);
	hv_stats[v->index].count[HVCALL_MODIFY_VTL_PROTECTION_MASK]++;
	u16 st = hv_modify_prot(v, in, start, count, &reps_done);
	v->regs.gpr[RAX] = st | ((u64)(reps_done & 0xfff) << 32);
	vcpu_skip_instr(v);
	return true;
}

/* Out of line: the VTL switch's path through hv_exit_vmcall keeps no frame for it. */
static int __attribute__((noinline)) hv_exit_modify_prot(struct vcpu *v, u64 control)
{
	return hv_modify_prot_fast(v, control) ? EXIT_RESUME : hv_exit_hypercall(v);
}

int hv_exit_vmcall(struct vcpu *v)
{
	u64 rcx = v->regs.gpr[RCX];

	/* The exact VtlCall/VtlReturn control words first (reference 3.4), before any frame:
	 * the VTL switch is the hottest hypercall. */
	if (__builtin_expect(rcx == HVCALL_VTL_CALL || rcx == HVCALL_VTL_RETURN, 0) &&
	    hv_vtl_fast(v, rcx))
		return EXIT_RESUME;
	if ((u16)rcx == HVCALL_MODIFY_VTL_PROTECTION_MASK)
		return hv_exit_modify_prot(v, rcx);
	return hv_exit_hypercall(v);
}
