/* SPDX-License-Identifier: MIT */
/* What the hypercall engine (hyperv/hypercall.c) shares with the calls kept elsewhere. */
#ifndef HYPERV_HYPERCALL_H
#define HYPERV_HYPERCALL_H

#include "hyperv/hv.h"

/* A call's input as decoded once (copied out of guest memory) and where its output goes. */
struct hv_args {
	struct hv_control c;
	const u8 *in; /* header, variable header, then the rep elements */
	u8 *out;      /* fixed output, then the rep elements; NULL if the call has none */
	u16 reps_done;
	u64 deadline; /* TSC after which a rep call stops and continues later; 0 = none */
};

/* Internal results of a handler, never seen by the guest. */
#define HV_CALL_CONTINUE 0xfffe	   /* out of time: reps_done are done, run the VMCALL again */
#define HV_CALL_RAISE_UD 0xffff	   /* the XMM form without the feature (KVM, OVMM): #UD */
#define HV_CALL_VTL 0xfffd	   /* VtlCall / VtlReturn: no table row, hv_exit_vtl */
#define HV_CALL_INTERCEPTED 0xfffc /* a higher VTL got an intercept: RIP stays, no result */
_Static_assert(HV_CALL_INTERCEPTED == 0xfffc && HV_CALL_VTL == 0xfffd &&
		       HV_CALL_CONTINUE == 0xfffe && HV_CALL_RAISE_UD == 0xffff,
	       "the internal results are the four highest: hv_exit_hypercall tests >= 0xfffc");

/* A rep loop asks before each element after the first: is the time budget used up? */
bool hv_out_of_time(const struct hv_args *a);

/* A call: validates its input and acts; returns its status. */
typedef u16 (*hv_call_fn)(struct vcpu *v, struct hv_args *a);

/* Little-endian fields of the input/output (x86: one unaligned load or store each). */
static inline u64 in_u64(const u8 *p)
{
	u64 v;
	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline u32 in_u32(const u8 *p)
{
	u32 v;
	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline void out_u32(u8 *p, u32 v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

static inline void out_u64(u8 *p, u64 v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

/* The VSM calls (hyperv/vsm.c, docs/VSM.md). */
/* The VTL an HV_INPUT_VTL names for caller v on VP t (its reserved bits checked by the
 * caller): UseTargetVtl's, else v's own; ACCESS_DENIED above v's, INVALID_VTL_STATE when
 * t does not have it. */
u16 hv_target_vtl(const struct vcpu *v, const struct vcpu *t, u8 input_vtl, u32 *vtl);
u16 hv_enable_partition_vtl(struct vcpu *v, struct hv_args *a);
u16 hv_enable_vp_vtl(struct vcpu *v, struct hv_args *a);
u16 hv_get_vp_registers(struct vcpu *v, struct hv_args *a);
/* VTL protections (hyperv/vsm_prot.c). */
u16 hv_modify_vtl_protection_mask(struct vcpu *v, struct hv_args *a);
/* Its work, on the call's private copy in of the input: elements [start, count); *reps_done
 * (from start on) says how far it got. For the call's fast path (hypercall.c). */
u16 hv_modify_prot(struct vcpu *v, const u8 *in, u32 start, u32 count, u16 *reps_done);
/* VsmPartitionConfig of vtl = val (SetVpRegisters); writable: the bits vsm.c takes besides
 * EnableVtlProtection and DefaultVtlProtectionMask. */
u16 hv_partition_config_set(struct vcpu *v, u32 vtl, u64 val, u64 writable);

u16 hv_set_vp_registers(struct vcpu *v, struct hv_args *a);
u16 hv_start_virtual_processor(struct vcpu *v, struct hv_args *a);
/* hyperv/translate.c */
u16 hv_translate_virtual_address(struct vcpu *v, struct hv_args *a);
u16 hv_translate_virtual_address_ex(struct vcpu *v, struct hv_args *a);
/* VtlCall / VtlReturn (the code of control: 0x11, 0x12) from a 64-bit caller: the VP then
 * runs the other VTL, or takes a #UD where the call is refused. */
void hv_vtl_switch(struct vcpu *v, u64 control);
/* The VTL-call path first (VSM's hot one, hyperv/vsm.c): a 64-bit caller at CPL 0 whose
 * control word is exactly VtlCall's or VtlReturn's, with AccessVsm, is served here (true).
 * Anything else is left to the general path (false), which ends at the same place for
 * every case it handles differently. */
bool hv_vtl_fast(struct vcpu *v, u64 control);

#endif
