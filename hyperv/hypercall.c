/* SPDX-License-Identifier: MIT */
/*
 * The hypercall engine (DESIGN.md 5; TLFS "Hypercall Interface", reference 1.1-1.4): the
 * control word is decoded and checked once, then a const table code -> {flags, handler}.
 * Only the fast (register) convention is wired so far; memory-form input/output pages,
 * XMM fast calls, rep continuation and the rest of the catalogue come with the remaining
 * TLFS surface (issue notes).
 */
#include "arch/x86/intrin.h"
#include "arch/x86/vmexit.h"
#include "boot/bootinfo.h"
#include "hyperv/hv.h"
#include "lib/compiler.h"

struct hv_vp_stats hv_stats[BOOTINFO_MAX_CPUS]; /* [vp index]; each owned by its VP's CPU */

/* Control word (reference 1.1): 15:0 code, 16 fast, 26:17 variable header size, 30:27
 * RsvdZ, 31 nested (not a nested hypervisor: refused), 43:32 rep count, 47:44 RsvdZ,
 * 59:48 rep start index, 63:60 RsvdZ. */
#define HV_CONTROL_RSVD (GENMASK(31, 27) | GENMASK(47, 44) | GENMASK(63, 60))

u16 hv_control_decode(u64 control, u32 call_flags, struct hv_control *c)
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

/* A call: validates and acts; returns its status. Fast calls take input in RDX/R8. */
typedef u16 (*hv_call_fn)(struct vcpu *v, const struct hv_control *c);

struct hv_call {
	u32 flags; /* HV_CALL_* */
	hv_call_fn fn;
};

/* HvCallNotifyLongSpinWait: a hint; always succeeds (reference 1.6). */
static u16 hv_notify_long_spin_wait(struct vcpu *v, const struct hv_control *c)
{
	return HV_STATUS_SUCCESS;
}

static const struct hv_call hv_calls[] = {
	[HVCALL_NOTIFY_LONG_SPIN_WAIT] = { 0, hv_notify_long_spin_wait },
};

static u16 hv_dispatch(struct vcpu *v, u64 control)
{
	u16 code = (u16)control;
	struct hv_control c;

	if (code >= sizeof(hv_calls) / sizeof(hv_calls[0]) || !hv_calls[code].fn)
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	u16 st = hv_control_decode(control, hv_calls[code].flags, &c);
	if (st)
		return st;
	if (!c.fast)
		return HV_STATUS_INVALID_HYPERCALL_INPUT; /* memory form: not wired yet */
	return hv_calls[code].fn(v, &c);
}

int hv_exit_vmcall(struct vcpu *v, struct vmx_exit *e)
{
	u64 t0 = rdtsc();
	u32 code = (u32)(v->regs.gpr[RCX] & 0xffff);
	struct hv_vp_stats *st = &hv_stats[v->index];
	u32 slot = code < HV_STATS_CODES ? code : HV_STATS_CODES - 1;

	/* TLFS "Hypercall Interface": only CPL 0 in protected or long mode may call; #UD
	 * otherwise, as on hardware without a hypervisor. */
	if (vcpu_real_mode() || vcpu_cpl() != 0) {
		vcpu_inject_ud(v);
		return EXIT_RESUME;
	}
	st->count[slot]++;
	/* Result (reference 1.2): status in 15:0, reps completed in 43:32 (none yet). */
	v->regs.gpr[RAX] = hv_dispatch(v, v->regs.gpr[RCX]);
	vcpu_skip_instr(v, e);
	st->cycles[slot] += rdtsc() - t0;
	return EXIT_RESUME;
}
