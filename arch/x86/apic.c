/* SPDX-License-Identifier: MIT */
#define LOG_MODULE "apic"
#include "arch/x86/apic.h"
#include "arch/x86/exception.h"
#include "arch/x86/guest_mem.h"
#include "arch/x86/insn.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmexit.h"
#include "lib/log.h"
#include "mm/phys.h"

u64 apic_mmio_gpa; /* set once by the BSP before any AP is virtualized */

static volatile u32 *xapic_reg(u32 reg)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE) & GENMASK(51, 12);

	return (volatile u32 *)phys_to_virt(base + reg);
}

/* Sends one fixed-destination IPI (ICR low bits lo, no shorthand) from this CPU. */
static void apic_send_ipi(u32 apic_id, u32 lo)
{
	if (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC) {
		wrmsr(MSR_X2APIC_ICR, ((u64)apic_id << 32) | lo);
		return;
	}
	/* xAPIC: wait for the previous IPI, send ours, give the guest its ICR high back. */
	for (int i = 0; i < 100000 && (*xapic_reg(APIC_REG_ICR_LO) & ICR_BUSY); i++)
		cpu_relax();
	u32 saved_hi = *xapic_reg(APIC_REG_ICR_HI);
	*xapic_reg(APIC_REG_ICR_HI) = apic_id << 24;
	*xapic_reg(APIC_REG_ICR_LO) = lo;
	*xapic_reg(APIC_REG_ICR_HI) = saved_hi;
}

/* SDM vol.3 10.4.3, 10.12.1: APIC_BASE bit 11 enables the APIC, bit 10 selects x2APIC. */
enum apic_mode { APIC_OFF, APIC_XAPIC, APIC_X2APIC };

static enum apic_mode apic_mode(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE))
		return APIC_OFF;
	return (base & APIC_BASE_X2APIC) ? APIC_X2APIC : APIC_XAPIC;
}

/* One 32-bit register by its xAPIC offset, in mode m (x2APIC: MSR 0x800 + reg / 16, SDM
 * vol.3 10.12.1.2). */
static u32 apic_reg_read(enum apic_mode m, u32 reg)
{
	return m == APIC_X2APIC ? (u32)rdmsr(0x800 + (reg >> 4)) : *xapic_reg(reg);
}

static void apic_reg_write(enum apic_mode m, u32 reg, u32 val)
{
	if (m == APIC_X2APIC)
		wrmsr(0x800 + (reg >> 4), val);
	else
		*xapic_reg(reg) = val;
}

/*
 * SDM vol.3 10.8.5 (EOI; in x2APIC mode only 0 may be written), 10.8.3.1 (TPR). A disabled
 * APIC has no registers: -1 (the caller raises #GP).
 */
int apic_eoi(void)
{
	enum apic_mode m = apic_mode();

	if (m == APIC_OFF)
		return -1;
	apic_reg_write(m, APIC_REG_EOI, 0);
	return 0;
}

int apic_read_tpr(u32 *tpr)
{
	enum apic_mode m = apic_mode();

	if (m == APIC_OFF)
		return -1;
	*tpr = apic_reg_read(m, APIC_REG_TPR);
	return 0;
}

int apic_write_tpr(u8 tpr)
{
	enum apic_mode m = apic_mode();

	if (m == APIC_OFF)
		return -1;
	apic_reg_write(m, APIC_REG_TPR, tpr);
	return 0;
}

bool apic_interrupt_pending(void)
{
	enum apic_mode m = apic_mode();

	if (m == APIC_OFF)
		return false;
	u32 ppr = apic_reg_read(m, APIC_REG_PPR);
	for (int i = 7; i >= 0; i--) {
		u32 irr = apic_reg_read(m, APIC_REG_IRR + 0x10 * (u32)i);
		if (irr) {
			u32 vector = 32 * (u32)i + 31 - (u32)__builtin_clz(irr);
			return (vector & 0xf0) > (ppr & 0xf0);
		}
	}
	return false;
}

int apic_read_icr(u64 *icr)
{
	switch (apic_mode()) {
	case APIC_X2APIC:
		*icr = rdmsr(MSR_X2APIC_ICR);
		return 0;
	case APIC_XAPIC:
		*icr = ((u64)*xapic_reg(APIC_REG_ICR_HI) << 32) | *xapic_reg(APIC_REG_ICR_LO);
		return 0;
	default:
		return -1;
	}
}

int apic_guest_icr_write(struct vcpu *v, u64 icr)
{
	enum apic_mode mode = apic_mode();
	u32 lo = (u32)icr, hi = (u32)(icr >> 32);

	if (mode == APIC_OFF)
		return -1;
	if (apic_icr_write(v, lo, mode == APIC_X2APIC ? hi : hi >> 24, mode == APIC_X2APIC) ==
	    APIC_ICR_DROP)
		return 0;
	if (mode == APIC_X2APIC) /* reserved bits set: the CPU's #GP, passed on (10.12.9) */
		return msr_write_safe(MSR_X2APIC_ICR, icr) ? -1 : 0;
	*xapic_reg(APIC_REG_ICR_HI) = hi;
	*xapic_reg(APIC_REG_ICR_LO) = lo;
	return 0;
}

void apic_send_fixed(u32 apic_id, u8 vector)
{
	apic_send_ipi(apic_id, vector | ICR_LEVEL_ASSERT); /* delivery mode 0: fixed */
}

void apic_send_nmi(u32 apic_id)
{
	apic_send_ipi(apic_id, (ICR_MODE_NMI << 8) | ICR_LEVEL_ASSERT);
}

static bool icr_targets(const struct vcpu *sender, const struct vcpu *t, u32 lo, u32 dest,
			bool x2apic)
{
	switch (ICR_SHORTHAND(lo)) {
	case 1:
		return t == sender; /* self */
	case 2:
		return true; /* all including self */
	case 3:
		return t != sender; /* all excluding self */
	default:
		break;
	}
	if (lo & ICR_DEST_LOGICAL)
		return false; /* OSes start APs by physical ID; logical SIPIs only pass through */
	return x2apic ? t->apic_id == dest : (t->apic_id & 0xff) == (dest & 0xff);
}

/*
 * INIT to a VP of ours is never sent: the VP is kicked instead and emulates the INIT
 * itself (exit_initsipi.c). Letting the real INIT through would work on hardware (an INIT
 * exit), but Bochs 2.7 never clears an INIT that caused a VM exit and the VP could not run
 * again; a kick also lets VSM decide per VTL later. CPUs we did not virtualize get the
 * real INIT, one by one.
 */
static enum apic_icr_action icr_init(struct vcpu *sender, u32 lo, u32 dest, bool x2apic)
{
	for (u32 i = 0; i < vcpu_count(); i++) {
		struct vcpu *t = vcpu_get(i);
		if (!icr_targets(sender, t, lo, dest, x2apic))
			continue;
		/* TLFS (reference 3.10): INIT and SIPI to a VP with a higher VTL enabled are
		 * dropped; HvCallStartVirtualProcessor is the way to start it. */
		if (__atomic_load_n(&t->higher_vtls, __ATOMIC_ACQUIRE)) {
			pr_debug("VP %u: INIT from VP %u dropped: a higher VTL is enabled\n",
				 t->index, sender->index);
			continue;
		}
		if (!__atomic_load_n(&t->launched, __ATOMIC_ACQUIRE)) {
			apic_send_ipi(t->apic_id, lo & ~(3u << 18) & ~ICR_DEST_LOGICAL);
			continue;
		}
		__atomic_or_fetch(&t->work.kick, VCPU_KICK_INIT, __ATOMIC_RELEASE);
		if (t != sender) /* the sender acts on its own kick before its next entry */
			vcpu_kick_nmi(t);
	}
	return APIC_ICR_DROP;
}

enum apic_icr_action apic_icr_write(struct vcpu *sender, u32 lo, u32 dest, bool x2apic)
{
	u32 mode = ICR_MODE(lo);

	if (mode == ICR_MODE_INIT) {
		/* An INIT level de-assert is a no-op since the P6 (SDM 10.6.1). */
		if (!(lo & ICR_LEVEL_ASSERT) && (lo & ICR_TRIGGER_LEVEL))
			return APIC_ICR_DROP;
		return icr_init(sender, lo, dest, x2apic);
	}
	if (mode != ICR_MODE_SIPI)
		return APIC_ICR_PASS;
	for (u32 i = 0; i < vcpu_count(); i++) {
		struct vcpu *t = vcpu_get(i);
		if (!icr_targets(sender, t, lo, dest, x2apic) ||
		    !__atomic_load_n(&t->parked, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&t->higher_vtls, __ATOMIC_ACQUIRE))
			continue;
		/* Only the first SIPI after an INIT counts, as on hardware (SDM 8.4.4.1). */
		s32 none = -1;
		if (__atomic_compare_exchange_n(&t->sipi_vector, &none, (s32)(lo & 0xff), false,
						__ATOMIC_RELEASE, __ATOMIC_RELAXED))
			vcpu_kick_nmi(t);
	}
	/* The real SIPI still goes out: CPUs that are not ours need it; ours are parked in
	 * VMX root operation, not in wait-for-SIPI, and ignore it (SDM 10.6.1). */
	return APIC_ICR_PASS;
}

/*
 * A store into the write-protected xAPIC page: decode it (the EPT violation gives the
 * address, not the value), let the ICR logic see it, then do it on the real APIC.
 */
int apic_mmio_write_exit(struct vcpu *v, u64 gpa)
{
	struct insn_store st;
	u8 code[15];
	size_t n = guest_fetch_code(v->active_vtl, code, sizeof(code));

	if (insn_decode_store(code, n, guest_code_mode(), &st)) {
		pr_err("VP %u: cannot emulate the store to APIC register %#llx at RIP %#llx "
		       "(bytes %02x %02x %02x %02x)\n",
		       v->index, (unsigned long long)(gpa & 0xfff),
		       (unsigned long long)vmread(VMCS_GUEST_RIP), code[0], code[1], code[2],
		       code[3]);
		return EXIT_STOP;
	}
	u32 val = st.is_imm ? st.imm :
			      (u32)(st.reg == RSP_UNUSED ? vmread(VMCS_GUEST_RSP) :
							   v->regs.gpr[st.reg]);
	u32 reg = gpa & 0xffc;
	enum apic_icr_action act = APIC_ICR_PASS;
	if (reg == APIC_REG_ICR_LO)
		act = apic_icr_write(v, val, *xapic_reg(APIC_REG_ICR_HI) >> 24, false);
	if (act == APIC_ICR_PASS)
		*(volatile u32 *)phys_to_virt(gpa & ~3ULL) = val;
	vcpu_skip_instr_len(v, st.len); /* an EPT violation has no exit instruction length */
	return EXIT_RESUME;
}
