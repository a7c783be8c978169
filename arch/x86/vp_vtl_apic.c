/* SPDX-License-Identifier: MIT */
#define LOG_MODULE "apic"
/* The local APICs of the VTLs above 0 (arch/x86/vp_vtl_apic.h). */
#include "arch/x86/vp_vtl_apic.h"
#include "arch/x86/guest_mem.h"
#include "arch/x86/intr_inject.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vmx_defs.h"
#include "lib/log.h"

#define X2APIC_MSR_FIRST 0x800u
#define X2APIC_MSR_LAST 0x8ffu

struct vlapic vp_vtl_apics[BOOTINFO_MAX_CPUS][CORE_VTLS - 1];

void vp_vtl_apic_init(u64 tsc_khz, u64 apic_khz)
{
	vlapic_set_clock(tsc_khz, apic_khz);
}

void vp_vtl_apic_reset(struct vcpu *v, u32 vtl)
{
	struct vlapic *l = vp_vtl_apic(v, vtl);

	if (l)
		vlapic_reset(l, v->apic_id, v->index == 0); /* VP 0 is the boot CPU's */
}

bool vp_vtl_apic_msr(u32 msr)
{
	return msr == MSR_IA32_APIC_BASE || msr == MSR_IA32_TSC_DEADLINE ||
	       (msr >= X2APIC_MSR_FIRST && msr <= X2APIC_MSR_LAST);
}

static bool vtl_on(const struct vcpu *t, u32 vtl)
{
	return (__atomic_load_n(&t->higher_vtls, __ATOMIC_ACQUIRE) >> vtl) & 1;
}

static bool post(struct vcpu *t, u32 vtl, u8 vector, bool auto_eoi, bool local)
{
	struct vlapic *l = vp_vtl_apic(t, vtl);

	if (!l || !vtl_on(t, vtl) ||
	    !(auto_eoi ? vlapic_accept_auto_eoi(l, vector) : vlapic_accept(l, vector)))
		return false;
	/* Injected if vtl runs (irq_posted), switched to if a lower one does (the kick):
	 * both, since t may switch at any moment. Published before in_guest is looked at
	 * (Dekker with the entry, vcpu.h). */
	__atomic_store_n(&t->work.irq_posted, 1, __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&t->work.kick, VCPU_KICK_VTL, __ATOMIC_SEQ_CST);
	if (local)
		return true; /* t's own CPU, preparing t's entry: it looks at both before it */
	if (__atomic_load_n(&t->in_guest, __ATOMIC_SEQ_CST))
		vcpu_kick_nmi(t);
	return true;
}

bool vp_vtl_apic_post(struct vcpu *t, u32 vtl, u8 vector)
{
	return post(t, vtl, vector, false, false);
}

bool vp_vtl_apic_post_sint(struct vcpu *t, u32 vtl, u8 vector, bool auto_eoi)
{
	return post(t, vtl, vector, auto_eoi, false);
}

bool vp_vtl_apic_raise(struct vcpu *v, u32 vtl, u8 vector, bool auto_eoi)
{
	return post(v, vtl, vector, auto_eoi, true);
}

/* An IPI from v's APIC at its running VTL: to the same VTL's APIC of each VP it names.
 * Fixed and lowest-priority (as fixed, to every target) are delivered; NMI, SMI, INIT,
 * SIPI and ExtINT between a higher VTL's APICs are not offered (StartVirtualProcessor
 * starts VPs) and are dropped. */
static void send_ipi(struct vcpu *v, const struct vlapic *from, const struct vlapic_ipi *ipi)
{
	u32 vtl = v->active_vtl;

	if (ipi->mode > 1) {
		pr_debug("VP %u: VTL%u IPI with delivery mode %u dropped\n", v->index, vtl,
			 ipi->mode);
		return;
	}
	for (u32 i = 0; i < vcpu_count(); i++) {
		struct vcpu *t = vcpu_get(i);
		struct vlapic *l = vp_vtl_apic(t, vtl);
		if (vtl_on(t, vtl) && vlapic_ipi_targets(l, from, ipi))
			vp_vtl_apic_post(t, vtl, ipi->vector);
	}
}

u64 vp_vtl_apic_deadline(const struct vcpu *v)
{
	u64 next = 0;

	for (u32 vtl = 1; vtl < CORE_VTLS; vtl++) {
		const struct vlapic *l = vp_vtl_apic(v, vtl);
		if (vtl_on(v, vtl) && l->timer_deadline && (!next || l->timer_deadline < next))
			next = l->timer_deadline;
	}
	return next;
}

/* A timer write may have brought the deadline nearer: the VP's entry path looks at the
 * time again then (hyperv/stimer.c recomputes it from every timer when it is reached). */
static void timer_changed(struct vcpu *v)
{
	u64 d = vp_vtl_apic_deadline(v);

	if (d && (!v->timer_deadline || d < v->timer_deadline))
		v->timer_deadline = d;
}

/* After any change to v's APIC l: its timer may be due sooner, and an EOI or a lower TPR
 * may let a pending vector through. */
static inline __attribute__((always_inline)) void apic_changed(struct vcpu *v,
							       const struct vlapic *l)
{
	timer_changed(v);
	if (vlapic_deliverable(l) >= 0)
		__atomic_store_n(&v->work.irq_posted, 1, __ATOMIC_RELAXED);
}

/* A register of v's APIC l written (an x2APIC MSR or the xAPIC page): 0, or -1 for what
 * the SDM makes a #GP. */
static inline __attribute__((always_inline)) int register_write(struct vcpu *v, struct vlapic *l,
								u32 reg, u64 val)
{
	struct vlapic_ipi ipi;
	int r = vlapic_write(l, reg, val, rdtsc(), &ipi);

	if (r == VLAPIC_SEND_IPI) {
		send_ipi(v, l, &ipi);
		r = 0;
	}
	apic_changed(v, l);
	return r;
}

int vp_vtl_apic_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
	struct vlapic *l = vp_vtl_apic(v, v->active_vtl);

	if (!l)
		return -1;
	if (msr == MSR_IA32_APIC_BASE) {
		*val = l->base;
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*val = vlapic_tsc_deadline_read(l);
		return 0;
	}
	/* SDM vol.3 11.12.1.2: the x2APIC MSRs #GP unless x2APIC mode is on. */
	if (!vlapic_x2apic(l))
		return -1;
	return vlapic_read(l, msr - X2APIC_MSR_FIRST, rdtsc(), val);
}

int vp_vtl_apic_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
	struct vlapic *l = vp_vtl_apic(v, v->active_vtl);
	int r = 0;

	if (!l)
		return -1;
	if (msr == MSR_IA32_APIC_BASE)
		r = vlapic_set_base(l, val, core.caps.phys_addr_bits);
	else if (msr == MSR_IA32_TSC_DEADLINE)
		vlapic_tsc_deadline_write(l, val);
	else if (!vlapic_x2apic(l))
		return -1;
	else
		return register_write(v, l, msr - X2APIC_MSR_FIRST, val);
	apic_changed(v, l);
	return r;
}

int vp_vtl_apic_cr8_write(struct vcpu *v, u32 vtl, u64 val)
{
	struct vlapic *l = vp_vtl_apic(v, vtl);

	if (!l || (val & ~0xfULL))
		return -1;
	l->tpr = (u32)val << 4;
	apic_changed(v, l);
	return 0;
}

u64 vp_vtl_apic_cr8_read(const struct vcpu *v)
{
	const struct vlapic *l = vp_vtl_apic(v, v->active_vtl);

	return l ? (l->tpr >> 4) & 0xf : 0;
}

int vp_vtl_apic_deliverable(const struct vcpu *v, u32 vtl)
{
	const struct vlapic *l = vp_vtl_apic(v, vtl);

	return l && vtl_on(v, vtl) ? vlapic_deliverable(l) : -1;
}

bool vp_vtl_apic_inject(struct vcpu *v)
{
	struct vlapic *l = vp_vtl_apic(v, v->active_vtl);
	int vector = l ? vlapic_deliverable(l) : -1;

	if (vector < 0)
		return false;
	/* As for VTL0's queue (intr_inject.c). */
	if (!vcpu_can_take_interrupt()) {
		vcpu_want_interrupt_window();
		return true;
	}
	vlapic_ack(l, (u8)vector);
	vcpu_inject_interrupt((u8)vector);
	if (vlapic_deliverable(l) < 0)
		return false;
	/* A higher class waits: the window after this handler lets it in. */
	vcpu_want_interrupt_window();
	return true;
}

void vp_vtl_apic_timers(struct vcpu *v, u64 now)
{
	for (u32 vtl = 1; vtl < CORE_VTLS; vtl++) {
		struct vlapic *l = vp_vtl_apic(v, vtl);
		if (vtl_on(v, vtl) && vlapic_timer_expire(l, now))
			__atomic_store_n(&v->work.irq_posted, 1, __ATOMIC_RELAXED);
	}
}

bool vp_vtl_apic_preempts(const struct vcpu *v)
{
	for (u32 vtl = v->active_vtl + 1u; vtl < CORE_VTLS; vtl++)
		if (vp_vtl_apic_deliverable(v, vtl) >= 0)
			return true;
	return false;
}

int vp_vtl_apic_mmio_exit(struct vcpu *v, u64 gpa)
{
	struct vlapic *l = vp_vtl_apic(v, v->active_vtl);
	struct insn_store st;
	u8 code[15];
	size_t n = guest_fetch_code(v->active_vtl, code, sizeof(code));

	if (!l || insn_decode_mov32(code, n, guest_code_mode(), &st)) {
		pr_err("VP %u: VTL%u: cannot emulate the access to APIC register %#llx at RIP "
		       "%#llx (bytes %02x %02x %02x %02x; 32-bit MOVs only): the VP stops\n",
		       v->index, v->active_vtl, (unsigned long long)(gpa & 0xfff),
		       (unsigned long long)vmread(VMCS_GUEST_RIP), code[0], code[1], code[2],
		       code[3]);
		return EXIT_STOP;
	}
	/* SDM vol.3 11.4.1: the registers are 32 bits at 16-byte boundaries; other offsets
	 * and the page while x2APIC mode is on or the APIC is off read 0 and ignore writes
	 * here (SDM: undefined). */
	bool mapped = vlapic_hw_enabled(l) && !vlapic_x2apic(l) && !(gpa & 0xf);
	u32 reg = (u32)(gpa & 0xff0) >> 4;
	u64 val = 0;
	if (st.is_load) {
		if (mapped)
			vlapic_read(l, reg, rdtsc(), &val);
		val = (u32)val; /* a 32-bit load zero-extends (SDM vol.1 3.4.1.1) */
		if (st.reg == RSP_UNUSED)
			vmwrite(VMCS_GUEST_RSP, val);
		else
			v->regs.gpr[st.reg] = val;
	} else if (mapped) {
		val = st.is_imm ? st.imm :
				  (u32)(st.reg == RSP_UNUSED ? vmread(VMCS_GUEST_RSP) :
							       v->regs.gpr[st.reg]);
		register_write(v, l, reg, val); /* xAPIC: never a #GP */
	}
	vcpu_skip_instr_len(v, st.len); /* an EPT violation has no exit instruction length */
	return EXIT_RESUME;
}
