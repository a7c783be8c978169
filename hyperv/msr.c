/* SPDX-License-Identifier: MIT */
/*
 * Synthetic MSRs (TLFS "Partition Properties" / "Hypercall Interface", reference 2.1-2.2).
 * An MSR whose feature is not advertised, a reserved-bit violation or a write to a
 * read-only MSR raises #GP, as the TLFS and KVM's hyperv_features tests expect.
 */
#define LOG_MODULE "hv"
#include "arch/x86/apic.h"
#include "arch/x86/core.h"
#include "arch/x86/ept.h"
#include "arch/x86/intr_inject.h"
#include "arch/x86/intrin.h"
#include "arch/x86/reset.h"
#include "arch/x86/vcpu.h"
#include "hyperv/hv.h"
#include "hyperv/reftime.h"
#include "hyperv/stimer.h"
#include "hyperv/synic.h"
#include "vtl/vtl.h"
#include "lib/log.h"
#include "lib/spinlock.h"
#include "mm/phys.h"
#include "mm/pool.h"

/* Partition-wide TLFS state, per VTL; owned by hv_lock. */
static spinlock_t hv_lock = SPINLOCK_INIT;
static struct hv_vtl_partition hv_part[HV_MAX_VTLS];
static u64 hv_stub_pa; /* the hypercall page's contents, shared by every VTL0 page */
/* Per VP and VTL; each owned by its VP's CPU (only it reads or writes its own MSRs). */
struct hv_vtl_vp hv_vp[BOOTINFO_MAX_CPUS][HV_MAX_VTLS];
static u64 hv_reftsc_pa; /* the reference TSC page's contents (one timeline for all VTLs) */

/*
 * TLFS "Hypercall Page" (reference 3.6): VMCALL; RET at offset 0, and for 64-bit callers
 * the VTL call and VTL return stubs at the offsets of Hyper-V's own page (what
 * HvRegisterVsmCodePageOffsets reports): MOV RAX, RCX (the control input); MOV ECX, code;
 * VMCALL; RET. INT3 everywhere else.
 */
#define HV_VTL_STUB(code) 0x48, 0x89, 0xc8, 0xb9, (code), 0x00, 0x00, 0x00, 0x0f, 0x01, 0xc1, 0xc3
static const u8 hv_hypercall_stub[] = {
	[0] = 0x0f,
	0x01,
	0xc1,
	0xc3,
	[4 ... HV_VTL_CALL_OFFSET - 1] = 0xcc,
	[HV_VTL_CALL_OFFSET] = HV_VTL_STUB(0x11),
	[HV_VTL_CALL_OFFSET + 12 ... HV_VTL_RETURN_OFFSET - 1] = 0xcc,
	[HV_VTL_RETURN_OFFSET] = HV_VTL_STUB(0x12),
};
_Static_assert(HV_VTL_CALL_OFFSET + 12 <= HV_VTL_RETURN_OFFSET, "stubs overlap");

static u64 hv_stub_page(void)
{
	if (!hv_stub_pa) {
		u64 pa = pool_alloc_pages(1);
		if (!pa)
			return 0;
		u8 *p = phys_to_virt(pa);
		for (u32 i = 0; i < PAGE_SIZE; i++)
			p[i] = 0xcc; /* INT3 everywhere else */
		for (u32 i = 0; i < sizeof(hv_hypercall_stub); i++)
			p[i] = hv_hypercall_stub[i];
		hv_stub_pa = pa;
	}
	return hv_stub_pa;
}

bool hv_gpa_is_ram(u64 gpa)
{
	const struct bootinfo *bi = core.bi;

	if (gpa >> core.caps.phys_addr_bits)
		return false;
	for (u32 i = 0; i < bi->mem_count; i++) {
		const struct bootinfo_mem *m = &bi->mem[i];
		if (gpa >= m->base && gpa - m->base < m->size)
			return m->type == BOOTINFO_MEM_RAM || m->type == BOOTINFO_MEM_RESERVED;
	}
	return false;
}

bool hv_overlay_maps(u64 old, u64 val)
{
	return (val & 1) && (!(old & 1) || (old ^ val) >> 12);
}

int hv_overlay_apply(struct vcpu *v, u64 old, u64 val, u64 hpa, u8 perm)
{
	u32 vtl = hv_active_vtl(v); /* each VTL's pages are overlays in its own view */

	if (hv_overlay_maps(old, val) && ept_set_overlay(v, vtl, val & ~0xfffULL, hpa, perm))
		return -1; /* the old page is still in place */
	if ((old & 1) && (!(val & 1) || (old ^ val) >> 12))
		ept_clear_overlay(v, vtl, old & ~0xfffULL);
	return 0;
}

/* The hypercall page: the shared stub page, read and execute only. Under hv_lock. */
static int hv_hypercall_apply(struct vcpu *v, u64 old, u64 val)
{
	u64 stub = hv_overlay_maps(old, val) ? hv_stub_page() : 0;

	if (hv_overlay_maps(old, val) && !stub)
		return -1;
	return hv_overlay_apply(v, old, val, stub, PT_R | PT_X);
}

static int hv_reftsc_apply(struct vcpu *v, u64 old, u64 val);

void hv_partition_reset(struct vcpu *v)
{
	spin_lock(&hv_lock);
	for (u32 vtl = 0; vtl < HV_MAX_VTLS; vtl++) {
		struct hv_vtl_partition *p = &hv_part[vtl];
		if (p->hypercall_msr & HV_HYPERCALL_ENABLE)
			hv_hypercall_apply(v, p->hypercall_msr, 0);
		if (p->reference_tsc_msr & HV_REFTSC_ENABLE)
			hv_reftsc_apply(v, p->reference_tsc_msr, 0);
		p->hypercall_msr = 0;
		p->reference_tsc_msr = 0;
		p->guest_os_id = 0;
	}
	__builtin_memset(hv_vp, 0, sizeof(hv_vp)); /* VP assist pages: disabled */
	spin_unlock(&hv_lock);
	hv_synic_reset(v);
	hv_stimer_reset();
	hv_crash_reset();
}

/* The reference TSC page, made once; read-only for the guest (only the hypervisor changes
 * the scale). Under hv_lock. */
static int hv_reftsc_apply(struct vcpu *v, u64 old, u64 val)
{
	if (hv_overlay_maps(old, val) && !hv_reftsc_pa) {
		u64 pa = pool_alloc_pages(1);
		if (!pa)
			return -1;
		hv_reftime_fill_page(phys_to_virt(pa));
		hv_reftsc_pa = pa;
	}
	return hv_overlay_apply(v, old, val, hv_reftsc_pa, PT_R);
}

/* The privilege bit that grants an MSR (reference 2.4); 0 = none implemented. */
static u64 hv_msr_privilege(u32 msr)
{
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
	case HV_MSR_HYPERCALL:
		return HV_PRIV_ACCESS_HYPERCALL_MSRS;
	case HV_MSR_VP_INDEX:
		return HV_PRIV_ACCESS_VP_INDEX;
	case HV_MSR_VP_RUNTIME:
		return HV_PRIV_ACCESS_VP_RUNTIME;
	case HV_MSR_GUEST_IDLE:
		return HV_PRIV_ACCESS_GUEST_IDLE;
	case HV_MSR_RESET:
		return HV_PRIV_ACCESS_RESET_REG;
	case HV_MSR_TIME_REF_COUNT:
		return HV_PRIV_ACCESS_PARTITION_REFERENCE_COUNTER;
	case HV_MSR_EOI:
	case HV_MSR_ICR:
	case HV_MSR_TPR:
	case HV_MSR_VP_ASSIST_PAGE:
		return HV_PRIV_ACCESS_INTR_CTRL_REGS;
	case HV_MSR_REFERENCE_TSC:
		return HV_PRIV_ACCESS_PARTITION_REFERENCE_TSC;
	case HV_MSR_TSC_FREQUENCY:
	case HV_MSR_APIC_FREQUENCY:
		return HV_PRIV_ACCESS_FREQUENCY_MSRS;
	default:
		if (msr >= HV_MSR_SCONTROL && msr <= HV_MSR_SINT15 &&
		    (msr <= HV_MSR_EOM || msr >= HV_MSR_SINT0))
			return HV_PRIV_ACCESS_SYNIC_REGS;
		if (msr >= HV_MSR_STIMER0_CONFIG && msr <= HV_MSR_STIMER3_COUNT)
			return HV_PRIV_ACCESS_SYNTHETIC_TIMER_REGS;
		return 0;
	}
}

static bool hv_msr_granted(u32 msr)
{
	u64 bit = hv_msr_privilege(msr);

	return bit && (hv_privileges() & bit);
}

int hv_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	struct hv_vtl_partition *p = &hv_part[hv_active_vtl(v)];

	if (msr >= HV_MSR_CRASH_P0 && msr <= HV_MSR_CRASH_CTL)
		return hv_crash_msr_read(msr, val); /* a feature (EDX bit 10), no privilege */
	if (!hv_msr_granted(msr))
		return -1; /* not implemented or switched off: #GP */
	if (msr >= HV_MSR_SCONTROL && msr <= HV_MSR_SINT15)
		return hv_synic_msr_read(v, msr, val);
	if (msr >= HV_MSR_STIMER0_CONFIG && msr <= HV_MSR_STIMER3_COUNT)
		return hv_stimer_msr_read(v, msr, val);
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		*val = __atomic_load_n(&p->guest_os_id, __ATOMIC_RELAXED);
		return 0;
	case HV_MSR_HYPERCALL:
		*val = __atomic_load_n(&p->hypercall_msr, __ATOMIC_RELAXED);
		return 0;
	case HV_MSR_VP_INDEX:
		*val = v->index;
		return 0;
	case HV_MSR_VP_RUNTIME: /* since launch, without the time parked or paused */
		*val = hv_tsc_to_ref(rdtsc() - v->start_tsc - v->idle_tsc);
		return 0;
	case HV_MSR_GUEST_IDLE: /* reads 0 once an interrupt has arrived (read-only) */
		/* Above VTL0 the physical interrupts are held for VTL0 (intr_inject.c) and
		 * none is VTL1's yet: nothing could end the idle state, so none starts. */
		if (!v->active_vtl)
			vcpu_idle_until_interrupt(v);
		*val = 0;
		return 0;
	case HV_MSR_RESET: /* reads 0: a reset never stays pending */
		*val = 0;
		return 0;
	case HV_MSR_ICR:
		return apic_read_icr(val);
	case HV_MSR_TPR: {
		u32 tpr;

		if (apic_read_tpr(&tpr))
			return -1;
		*val = tpr & 0xff;
		return 0;
	}
	case HV_MSR_VP_ASSIST_PAGE:
		*val = hv_vp[v->index][hv_active_vtl(v)].vp_assist_msr;
		return 0;
	case HV_MSR_TIME_REF_COUNT:
		if (!hv_reftime_available())
			return -1;
		*val = hv_reftime_now();
		return 0;
	case HV_MSR_TSC_FREQUENCY: /* granted only when both rates are known */
		*val = hv_tsc_hz();
		return 0;
	case HV_MSR_APIC_FREQUENCY:
		*val = hv_apic_hz();
		return 0;
	case HV_MSR_REFERENCE_TSC:
		if (!hv_reftime_available())
			return -1;
		*val = __atomic_load_n(&p->reference_tsc_msr, __ATOMIC_RELAXED);
		return 0;
	default:
		return -1; /* not implemented, so not advertised: #GP */
	}
}

int hv_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	struct hv_vtl_partition *p = &hv_part[hv_active_vtl(v)];
	int r = 0;

	if (msr >= HV_MSR_CRASH_P0 && msr <= HV_MSR_CRASH_CTL)
		return hv_crash_msr_write(v, msr, val);
	if (!hv_msr_granted(msr))
		return -1; /* not implemented or switched off: #GP */
	if (msr >= HV_MSR_SCONTROL && msr <= HV_MSR_SINT15)
		return hv_synic_msr_write(v, msr, val);
	if (msr >= HV_MSR_STIMER0_CONFIG && msr <= HV_MSR_STIMER3_COUNT)
		return hv_stimer_msr_write(v, msr, val);
	switch (msr) {	 /* per-VP state and this CPU's APIC: no partition lock */
	case HV_MSR_EOI: /* 31:0 the value; the upper half is ignored (QEMU saw Windows
			    * write junk there, reference 2.2) */
		return apic_eoi();
	case HV_MSR_ICR:
		return apic_guest_icr_write(v, val);
	case HV_MSR_RESET: /* bit 0 resets; 63:1 RsvdZ */
		if (val >> 1)
			return -1;
		if (val) {
			/* The root partition owns the machine: its reset is the machine's. */
			pr_warn("VP %u wrote 1 to the RESET MSR: resetting the machine\n",
				v->index);
			hv_partition_reset(v);
			platform_reset();
			pr_err("VP %u: the machine did not reset (0xCF9, 0x64, 0x92 all "
			       "tried); the guest runs on\n",
			       v->index);
		}
		return 0;
	case HV_MSR_TPR: /* 7:0, the rest RsvdZ */
		if (val >> 8)
			return -1;
		return apic_write_tpr((u8)val);
	case HV_MSR_VP_ASSIST_PAGE: {
		struct hv_vtl_vp *vp = &hv_vp[v->index][hv_active_vtl(v)];
		val = (val & ~HV_VP_ASSIST_RSVDP) | (vp->vp_assist_msr & HV_VP_ASSIST_RSVDP);
		if ((val & HV_VP_ASSIST_ENABLE) && !hv_gpa_is_ram(val & ~0xfffULL))
			return -1;
		bool moved = (val & HV_VP_ASSIST_ENABLE) &&
			     ((val ^ vp->vp_assist_msr) >> 12 ||
			      !(vp->vp_assist_msr & HV_VP_ASSIST_ENABLE));
		vp->vp_assist_msr = val;
		/* The GPA passed hv_gpa_is_ram: guest memory, identity mapped. */
		vp->vp_assist = (val & HV_VP_ASSIST_ENABLE) ? (u8 *)phys_to_virt(val & ~0xfffULL) :
							      NULL;
		/* A VTL above 0 finds its VTL control area as it stands (reference 3.5): a
		 * VtlReturn reads VtlReturnX64Rax/Rcx from the page, so they must be there even
		 * when the page came during this stay in the VTL. */
		if (moved && v->active_vtl) {
			const struct vtl_vp *s = vtl_vp_state(v, v->active_vtl);
			u8 *page = hv_vp_assist_page(v, v->active_vtl);
			__builtin_memcpy(page + HV_VP_ASSIST_RETURN_RAX, &s->ret_rax, 8);
			__builtin_memcpy(page + HV_VP_ASSIST_RETURN_RCX, &s->ret_rcx, 8);
		}
		return 0;
	}
	default:
		break;
	}
	spin_lock(&hv_lock);
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		/* TLFS: the hypercall page needs a non-zero guest OS ID; clearing the ID later
		 * disables the page. */
		if (!val && (p->hypercall_msr & HV_HYPERCALL_ENABLE)) {
			u64 off = p->hypercall_msr & ~HV_HYPERCALL_ENABLE;
			r = hv_hypercall_apply(v, p->hypercall_msr, off);
			if (!r)
				p->hypercall_msr = off;
		}
		if (!r)
			p->guest_os_id = val;
		break;
	case HV_MSR_HYPERCALL: {
		u64 old = p->hypercall_msr;
		/* Locked: read-only until reset. Bits 11:2 are RsvdP: keep the old ones. */
		if (old & HV_HYPERCALL_LOCKED) {
			r = -1;
			break;
		}
		val = (val & ~HV_HYPERCALL_RSVDP) | (old & HV_HYPERCALL_RSVDP);
		if (!p->guest_os_id)
			val &= ~HV_HYPERCALL_ENABLE;
		if ((val & HV_HYPERCALL_ENABLE) && !hv_gpa_is_ram(val & ~0xfffULL)) {
			r = -1; /* a GPA outside the partition (reference 2.2) */
			break;
		}
		r = hv_hypercall_apply(v, old, val);
		if (!r) {
			p->hypercall_msr = val;
			pr_debug("VP %u: hypercall page %s at GPA %#llx\n", v->index,
				 (val & HV_HYPERCALL_ENABLE) ? "on" : "off",
				 (unsigned long long)(val & ~0xfffULL));
		}
		break;
	}
	case HV_MSR_REFERENCE_TSC: {
		u64 old = p->reference_tsc_msr;
		if (!hv_reftime_available()) {
			r = -1;
			break;
		}
		val = (val & ~HV_REFTSC_RSVDP) | (old & HV_REFTSC_RSVDP);
		if ((val & HV_REFTSC_ENABLE) && !hv_gpa_is_ram(val & ~0xfffULL)) {
			r = -1;
			break;
		}
		r = hv_reftsc_apply(v, old, val);
		if (!r)
			p->reference_tsc_msr = val;
		break;
	}
	default: /* VP_INDEX and TIME_REF_COUNT are read-only; the rest is not implemented */
		r = -1;
		break;
	}
	spin_unlock(&hv_lock);
	return r;
}
