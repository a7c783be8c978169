/* SPDX-License-Identifier: MIT */
/*
 * Descriptor-table exits (SDM vol.3 26.1.3: with "descriptor-table exiting", secondary
 * processor-based control bit 2, LGDT, LIDT, LLDT, LTR, SGDT, SIDT, SLDT and STR exit;
 * basic reasons 46 and 47; their operand in the instruction information, tables 28-10 and
 * 28-11, and the displacement in the exit qualification, 28.2.1).
 *
 * The control is on in a VTL's VMCS only while a higher VTL intercepts writes of one of its
 * table registers (TLFS HvRegisterCrInterceptControl GdtrWrite, IdtrWrite, LdtrWrite,
 * TrWrite, reference 3.9.3; hyperv/intercept.c). A load is offered to that VTL first
 * (vcpu_reg_write_intercepted) once its source operand is known; then each of the eight is
 * done here as the CPU would (SDM vol.2 LGDT/LIDT, LLDT, LTR, SGDT/SIDT, SLDT, STR) with the
 * faults the CPU would raise. Never by letting the guest run it with the control off for one
 * step: another CPU could change the instruction bytes meanwhile (an LGDT where an SGDT
 * was), and the lock would not hold.
 */
#define LOG_MODULE "dt"
#include "arch/x86/ept.h"
#include "arch/x86/guest_mem.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmexit.h"
#include "lib/log.h"
#include "lib/string.h"

/* The instruction information (SDM vol.3 tables 28-10 and 28-11). */
#define II_SCALE(i) ((i)&3u)
#define II_REG1(i) (((i) >> 3) & 0xfu)
#define II_ASIZE(i) (((i) >> 7) & 7u) /* 0: 16-bit, 1: 32-bit, 2: 64-bit */
#define II_REGOP (1u << 10)	      /* LLDT..STR: a register operand */
#define II_OPSIZE32 (1u << 11)	      /* LGDT..SIDT: 32-bit operand size (not in 64-bit mode) */
#define II_SEG(i) (((i) >> 15) & 7u)
#define II_INDEX(i) (((i) >> 18) & 0xfu)
#define II_NO_INDEX (1u << 22)
#define II_BASE(i) (((i) >> 23) & 0xfu)
#define II_NO_BASE (1u << 27)
#define II_ID(i) (((i) >> 28) & 3u)
enum { ID_SGDT, ID_SIDT, ID_LGDT, ID_LIDT };
enum { ID_SLDT, ID_STR, ID_LLDT, ID_LTR };

/* Descriptor fields (SDM vol.3 3.4.5, 7.2.3: system descriptors are 16 bytes in IA-32e
 * mode, the type field of their upper half 0). */
#define DESC_S (1ULL << 44)
#define DESC_P (1ULL << 47)
#define DESC_G (1ULL << 55)
#define DESC_TYPE(d) (((d) >> 40) & 0xfu)
#define TYPE_LDT 2
#define TYPE_TSS16_AVAIL 1
#define TYPE_TSS_AVAIL 9
#define TYPE_BUSY 2 /* the busy bit of a TSS type */

/* Results of the helpers besides 0: an exception was injected (resume the guest), the VP
 * must stop (fail closed), or a higher VTL got a GPA intercept (resume, the instruction not
 * done: it runs again once that VTL has resolved it). */
#define DT_FAULT (-1)
#define DT_STOP (-2)
#define DT_INTERCEPT (-3)

static bool mode64(void)
{
	return (vmread(VMCS_GUEST_EFER) & EFER_LMA) && (vmread(VMCS_GUEST_CS_AR) & (1u << 13));
}

static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

static u64 gpr_get(const struct vcpu *v, u32 r)
{
	return r == RSP_UNUSED ? vmread(VMCS_GUEST_RSP) : v->regs.gpr[r];
}

static void gpr_set(struct vcpu *v, u32 r, u64 val)
{
	if (r == RSP_UNUSED)
		vmwrite(VMCS_GUEST_RSP, val);
	else
		v->regs.gpr[r] = val;
}

static int fault(struct vcpu *v, u8 vector, u32 err)
{
	vcpu_inject_exception(v, vector, true, err);
	return DT_FAULT;
}

/*
 * The linear address of the memory operand of size bytes (SDM vol.1 3.7.5 effective
 * address; vol.3 5.3 limit checks, 3.4.4 in 64-bit mode only FS and GS have a base and the
 * address must be canonical): 0, or DT_FAULT with #GP(0) / #SS(0) injected.
 */
static int operand_la(struct vcpu *v, u32 info, u32 size, bool write, u64 *la)
{
	static const u64 amask[3] = { 0xffff, 0xffffffff, ~0ULL };
	u32 asz = II_ASIZE(info), seg = II_SEG(info);
	u8 vec = seg == SEG_SS ? VEC_SS : VEC_GP;
	/* The displacement; with RIP-relative addressing already the sum with the next RIP. */
	u64 ea = vmx_exit_qual();

	if (asz > 2 || seg > SEG_GS)
		return fault(v, VEC_GP, 0); /* not used by the CPU (tables 28-10/28-11) */
	if (!(info & II_NO_BASE))
		ea += gpr_get(v, II_BASE(info));
	if (!(info & II_NO_INDEX))
		ea += gpr_get(v, II_INDEX(info)) << II_SCALE(info);
	ea &= amask[asz];
	if (mode64()) {
		*la = ea;
		if (seg == SEG_FS || seg == SEG_GS)
			*la += vmread(VMCS_GUEST_ES_BASE + 2 * seg);
		return canonical(*la) && canonical(*la + size - 1) ? 0 : fault(v, vec, 0);
	}
	u32 ar = (u32)vmread(VMCS_GUEST_ES_AR + 2 * seg);
	u64 limit = (u32)vmread(VMCS_GUEST_ES_LIMIT + 2 * seg);
	bool code = ar & 8, down = !code && (ar & 4);
	if (!vcpu_real_mode()) {
		/* SDM vol.3 5.3, 5.4.1: usable, data writable to write, code readable to read. */
		if ((ar & AR_UNUSABLE) || (code && (write || !(ar & 2))) ||
		    (!code && write && !(ar & 2)))
			return fault(v, vec, 0);
	} else {
		down = false;
	}
	if (down) { /* expand-down: offsets above the limit, up to 64 KiB or 4 GiB (B) */
		u64 top = (ar & (1u << 14)) ? 0xffffffffULL : 0xffffULL;
		if (ea <= limit || ea + size - 1 > top)
			return fault(v, vec, 0);
	} else if (ea + size - 1 > limit) {
		return fault(v, vec, 0);
	}
	*la = (u32)(vmread(VMCS_GUEST_ES_BASE + 2 * seg) + ea);
	return 0;
}

/*
 * The n bytes at linear la that VTL0's instruction reaches need gpa, which VTL0's view
 * refuses. On hardware that is an EPT violation (exit_ept_violation): when VTL1's protection
 * is why, VTL1 gets the GPA intercept (reference 3.9) with the linear address and whether
 * gpa is on the operand's own page (qualification bit 8) or a paging-structure entry of its
 * translation. DT_INTERCEPT, or DT_STOP when no protection explains it.
 */
static int gpa_intercept(struct vcpu *v, u64 la, size_t n, u32 how, u64 gpa)
{
	u64 qual = 1 | BIT(7), first, last; /* a table entry: a read (SDM vol.3 29.3.3.2) */

	if ((!guest_linear_to_phys(0, la, &first) && (first ^ gpa) < PAGE_SIZE) ||
	    (!guest_linear_to_phys(0, la + n - 1, &last) && (last ^ gpa) < PAGE_SIZE))
		qual = ((how & GUEST_ACC_WRITE) ? 2 : 1) | BIT(7) | BIT(8);
	return vcpu_gpa_intercept(v, gpa, la, qual) ? DT_INTERCEPT : DT_STOP;
}

/* An access to guest-linear memory for the instruction (guest_mem.h): 0; DT_FAULT with a
 * #PF (CR2 written) or a #GP injected; DT_INTERCEPT when a VTL protection refuses the
 * memory (gpa_intercept); DT_STOP when the VTL's view refuses it otherwise (an EPT
 * violation on hardware, which stops the VP like exit_ept_violation does; a write to an
 * overlay page is a #GP there and here). */
static int mem_access(struct vcpu *v, u64 la, void *buf, size_t n, u32 how)
{
	struct guest_pf pf;
	int r = guest_linear_access(v->active_vtl, la, buf, n, how, &pf);

	if (r == GUEST_ACC_PF) {
		write_cr2(pf.addr); /* CR2 is the guest's (shared by its VTLs), in the CPU */
		return fault(v, VEC_PF, pf.err);
	}
	if (r == GUEST_ACC_NOVIEW) {
		if ((how & GUEST_ACC_WRITE) && pf.addr && ept_is_overlay(v->active_vtl, pf.addr))
			return fault(v, VEC_GP, 0);
		if (gpa_intercept(v, la, n, how, pf.addr) == DT_INTERCEPT)
			return DT_INTERCEPT;
		pr_err("VP %u: an emulated descriptor-table instruction reaches linear %#llx, GPA "
		       "%#llx, which VTL%u's view does not allow\n",
		       v->index, (unsigned long long)la, (unsigned long long)pf.addr,
		       v->active_vtl);
		return DT_STOP;
	}
	return 0;
}

/* The instruction's memory operand (operand_la + mem_access). */
static int operand_access(struct vcpu *v, u32 info, void *buf, u32 size, bool write)
{
	u64 la;
	u32 how = (write ? GUEST_ACC_WRITE : 0) | (vcpu_cpl() == 3 ? GUEST_ACC_USER : 0);

	if (operand_la(v, info, size, write, &la))
		return DT_FAULT;
	return mem_access(v, la, buf, size, how);
}

static int finish(struct vcpu *v, int r)
{
	if (r == DT_STOP)
		return EXIT_STOP;
	if (!r)
		vcpu_skip_instr(v);
	return EXIT_RESUME;
}

/* UMIP (SDM vol.3 2.5 CR4.UMIP): SGDT, SIDT, SLDT and STR #GP(0) above CPL 0. */
static bool umip_refuses(struct vcpu *v)
{
	return vcpu_cpl() && (vmcs_guest_cr4(v) & CR4_UMIP);
}

int exit_gdtr_idtr(struct vcpu *v)
{
	u32 info = (u32)vmread(VMCS_EXIT_INSTR_INFO), id = II_ID(info);
	bool m64 = mode64(), idt = id & 1;
	u32 size = m64 ? 10 : 6; /* limit, then a 64- or 32-bit base */
	u32 base_f = idt ? VMCS_GUEST_IDTR_BASE : VMCS_GUEST_GDTR_BASE;
	u32 limit_f = idt ? VMCS_GUEST_IDTR_LIMIT : VMCS_GUEST_GDTR_LIMIT;
	u8 buf[10] = { 0 };

	if (id == ID_SGDT || id == ID_SIDT) {
		/* SDM vol.2 SGDT: the full 32-bit base outside 64-bit mode, any operand size. */
		u16 limit = (u16)vmread(limit_f);
		u64 base = vmread(base_f);
		if (umip_refuses(v))
			return finish(v, fault(v, VEC_GP, 0));
		memcpy(buf, &limit, 2);
		memcpy(buf + 2, &base, size - 2);
		return finish(v, operand_access(v, info, buf, size, true));
	}
	/* LGDT/LIDT: CPL 0 only (the CPU checks that before the exit, SDM vol.3 26.1.1). */
	if (vcpu_cpl())
		return finish(v, fault(v, VEC_GP, 0));
	int r = operand_access(v, info, buf, size, false);
	if (r)
		return finish(v, r);
	u16 limit;
	u64 base = 0;
	memcpy(&limit, buf, 2);
	memcpy(&base, buf + 2, size - 2);
	if (!m64 && !(info & II_OPSIZE32))
		base &= 0xffffff; /* SDM vol.2 LGDT: a 16-bit operand size loads 24 bits */
	const struct vcpu_reg_write w = { .reg = idt ? VCPU_REG_IDTR : VCPU_REG_GDTR,
					  .val = base,
					  .limit = limit,
					  .mem_op = true };
	if (vcpu_reg_write_intercepted(v, &w))
		return EXIT_RESUME; /* the higher VTL decides; the instruction stays (TLFS 3.9.1) */
	/* A non-canonical base would fail the next VM entry (SDM vol.3 27.3.1.3): #GP(0), as
	 * KVM's emulator gives. */
	if (m64 && !canonical(base))
		return finish(v, fault(v, VEC_GP, 0));
	vmwrite(base_f, base);
	vmwrite(limit_f, limit);
	return finish(v, 0);
}

/*
 * SLDT/STR to a register (SDM vol.2 SLDT, STR): a 32- or 64-bit destination gets the
 * selector zero-extended, a 16-bit one only its low 16 bits. The operand size is not in the
 * instruction information: it comes from the prefixes (66h, REX.W) and CS.D.
 */
static void store_selector_reg(struct vcpu *v, u32 r, u16 sel)
{
	u8 code[15];
	size_t n = guest_fetch_code(v->active_vtl, code, sizeof(code));
	bool m64 = mode64(), o16 = false, rex_w = false;

	for (size_t i = 0; i < n; i++) {
		u8 b = code[i];
		if (b == 0x66)
			o16 = true;
		else if (m64 && (b & 0xf0) == 0x40)
			rex_w = b & 8;
		else if (b != 0x67 && b != 0xf0 && b != 0xf2 && b != 0xf3 && b != 0x26 &&
			 b != 0x2e && b != 0x36 && b != 0x3e && b != 0x64 && b != 0x65)
			break;
	}
	bool d32 = m64 || (vmread(VMCS_GUEST_CS_AR) & (1u << 14));
	bool size16 = !rex_w && (d32 ? o16 : !o16);
	gpr_set(v, r, size16 ? (gpr_get(v, r) & ~0xffffULL) | sel : sel);
}

/*
 * LLDT / LTR of selector sel (SDM vol.2 LLDT, LTR; vol.3 7.2.3, 7.2.4): the descriptor is
 * read from the GDT (an implicit supervisor access), checked, and for LTR marked busy in
 * the GDT; *s is what the register gets. 0, DT_FAULT (#GP(selector), #NP(selector), #PF)
 * or DT_STOP.
 */
static int load_system_segment(struct vcpu *v, u16 sel, bool tr, struct seg_state *s)
{
	bool lm = vmread(VMCS_GUEST_EFER) & EFER_LMA;
	u32 idx = sel & ~7u, err = sel & 0xfffc, span = lm ? 16 : 8;
	u64 gdt = vmread(VMCS_GUEST_GDTR_BASE), d[2] = { 0, 0 };
	int r;

	if ((sel & 0xfffc) == 0) { /* a null selector: LDTR unusable; LTR #GP(0) */
		*s = (struct seg_state){ .sel = sel, .ar = AR_UNUSABLE };
		return tr ? fault(v, VEC_GP, 0) : 0;
	}
	if ((sel & 4) || idx + span - 1 > (u32)vmread(VMCS_GUEST_GDTR_LIMIT))
		return fault(v, VEC_GP, err); /* in the LDT, or beyond the GDT */
	u64 la = gdt + idx;
	if (!lm)
		la = (u32)la;
	if ((r = mem_access(v, la, d, span, GUEST_ACC_IMPLICIT)))
		return r;
	u32 type = DESC_TYPE(d[0]);
	bool type_ok = tr ? (type == TYPE_TSS_AVAIL || (!lm && type == TYPE_TSS16_AVAIL)) :
			    type == TYPE_LDT;
	if ((d[0] & DESC_S) || !type_ok)
		return fault(v, VEC_GP, err);
	if (!(d[0] & DESC_P))
		return fault(v, VEC_NP, err);
	s->sel = sel;
	s->base = ((d[0] >> 16) & 0xffffff) | ((d[0] >> 32) & 0xff000000);
	s->limit = (u32)((d[0] & 0xffff) | ((d[0] >> 32) & 0xf0000));
	if (d[0] & DESC_G)
		s->limit = (s->limit << 12) | 0xfff;
	s->ar = (u32)((d[0] >> 40) & 0xf0ff);
	if (lm) {
		s->base |= (d[1] & 0xffffffffULL) << 32;
		if (((d[1] >> 40) & 0x1f) || !canonical(s->base))
			return fault(v, VEC_GP, err);
	}
	if (tr) { /* the CPU marks the TSS busy in the GDT, then loads TR (SDM vol.2 LTR) */
		u8 type_byte = (u8)(d[0] >> 40) | TYPE_BUSY;
		if ((r = mem_access(v, la + 5, &type_byte, 1,
				    GUEST_ACC_WRITE | GUEST_ACC_IMPLICIT)))
			return r;
		s->ar |= TYPE_BUSY;
	}
	return 0;
}

int exit_ldtr_tr(struct vcpu *v)
{
	u32 info = (u32)vmread(VMCS_EXIT_INSTR_INFO), id = II_ID(info);
	bool tr = id & 1, regop = info & II_REGOP;
	u32 seg = tr ? SEG_TR : SEG_LDTR;
	u16 sel;
	int r;

	/* Not recognized in real and virtual-8086 mode (SDM vol.2: #UD, before the exit). */
	if (vcpu_real_mode() || (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_VM)) {
		vcpu_inject_ud(v);
		return EXIT_RESUME;
	}
	if (id == ID_SLDT || id == ID_STR) {
		if (umip_refuses(v))
			return finish(v, fault(v, VEC_GP, 0));
		sel = (u16)vmread(VMCS_GUEST_ES_SEL + 2 * seg);
		if (regop) {
			store_selector_reg(v, II_REG1(info), sel);
			return finish(v, 0);
		}
		return finish(v, operand_access(v, info, &sel, 2, true)); /* always 16 bits */
	}
	/* LLDT/LTR: CPL 0 only (checked by the CPU before the exit, SDM vol.3 26.1.1). */
	if (vcpu_cpl())
		return finish(v, fault(v, VEC_GP, 0));
	if (regop)
		sel = (u16)gpr_get(v, II_REG1(info));
	else if ((r = operand_access(v, info, &sel, 2, false)))
		return finish(v, r);
	const struct vcpu_reg_write w = { .reg = tr ? VCPU_REG_TR : VCPU_REG_LDTR,
					  .val = sel,
					  .mem_op = !regop };
	if (vcpu_reg_write_intercepted(v, &w))
		return EXIT_RESUME; /* the higher VTL decides; the instruction stays (TLFS 3.9.1) */
	struct seg_state s;
	if ((r = load_system_segment(v, sel, tr, &s)))
		return finish(v, r);
	vmwrite(VMCS_GUEST_ES_SEL + 2 * seg, s.sel);
	vmwrite(VMCS_GUEST_ES_BASE + 2 * seg, s.base);
	vmwrite(VMCS_GUEST_ES_LIMIT + 2 * seg, s.limit);
	vmwrite(VMCS_GUEST_ES_AR + 2 * seg, s.ar);
	return finish(v, 0);
}
