/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for arch/x86/intrin.h (included by it under VTLVISOR_HOST): the same
 * functions, acting on in-memory models a test can inspect and drive.
 *
 * The fake state is defined right here with weak linkage, so every translation unit that
 * includes the header shares one copy without a separate .c file. Tests reset what they use
 * at the start of each test case.
 *
 * Sections: port I/O, CPU hints, MSRs, CPUID, control/debug registers and flags,
 * descriptor tables and segments, XCRs and cache/halt instructions, VMX (VMCS + INVEPT/
 * INVVPID). Add new fakes as new sections in the same shape: state, reset helper, hook type
 * if a test must model a device, the intrinsics. fake_intrin_reset() resets every section.
 *
 * Symbols the core defines in assembly or in files a test does not link (msr_read_safe,
 * cpu_halt_forever, vmx_run, struct core core, ...) live in tests/unit/fake_vmx.c.
 */
#ifndef TESTS_UNIT_FAKE_INTRIN_H
#define TESTS_UNIT_FAKE_INTRIN_H

#include "lib/types.h"

#define FAKE_WEAK __attribute__((weak))

/* ---- port I/O -------------------------------------------------------------------------- */

#define FAKE_NPORTS 65536

/*
 * A device model for one port. size is 1, 2 or 4 bytes. For a write, val is the value and
 * the return value is ignored; for a read, val is 0 and the return value is what the CPU
 * gets (truncated to size).
 */
typedef u32 (*fake_port_fn)(void *ctx, u16 port, unsigned size, bool is_write, u32 val);

struct fake_port_hook {
	fake_port_fn fn;
	void *ctx;
};

/* Ports without a hook behave as plain storage: a read returns the last value written. */
FAKE_WEAK u32 fake_ports[FAKE_NPORTS];
FAKE_WEAK struct fake_port_hook fake_port_hooks[FAKE_NPORTS];

static inline void fake_ports_reset(void)
{
	__builtin_memset(fake_ports, 0, sizeof(fake_ports));
	__builtin_memset(fake_port_hooks, 0, sizeof(fake_port_hooks));
}

/* Routes ports [first, first + count) to fn (NULL: back to plain storage). */
static inline void fake_port_set_hook(u16 first, unsigned count, fake_port_fn fn, void *ctx)
{
	unsigned i;

	for (i = 0; i < count && first + i < FAKE_NPORTS; i++) {
		fake_port_hooks[first + i].fn = fn;
		fake_port_hooks[first + i].ctx = ctx;
	}
}

static inline u32 fake_port_access(u16 port, unsigned size, bool is_write, u32 val)
{
	const struct fake_port_hook *h = &fake_port_hooks[port];
	u32 mask = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;

	if (h->fn)
		return h->fn(h->ctx, port, size, is_write, val & mask) & mask;
	if (is_write) {
		fake_ports[port] = val & mask;
		return 0;
	}
	return fake_ports[port] & mask;
}

static inline void outb(u16 port, u8 v)
{
	fake_port_access(port, 1, true, v);
}
static inline void outw(u16 port, u16 v)
{
	fake_port_access(port, 2, true, v);
}
static inline void outl(u16 port, u32 v)
{
	fake_port_access(port, 4, true, v);
}
static inline u8 inb(u16 port)
{
	return (u8)fake_port_access(port, 1, false, 0);
}
static inline u16 inw(u16 port)
{
	return (u16)fake_port_access(port, 2, false, 0);
}
static inline u32 inl(u16 port)
{
	return fake_port_access(port, 4, false, 0);
}

/* ---- CPU hints ------------------------------------------------------------------------- */

/* How often cpu_relax() ran (e.g. to check that a wait loop is bounded). Atomic. */
FAKE_WEAK u64 fake_cpu_relax_count;

static inline void cpu_relax(void)
{
	__atomic_fetch_add(&fake_cpu_relax_count, 1, __ATOMIC_RELAXED);
}

/* ---- MSRs ------------------------------------------------------------------------------ */

/*
 * A table of the MSRs a test defines. An MSR that is absent or marked faulting would #GP on
 * hardware: rdmsr()/wrmsr() (which the core only uses on MSRs it knows exist) then count a
 * bad access and read 0 / drop the write, so a test can assert fake_msr_bad == 0; the
 * fault-safe msr_read_safe()/msr_write_safe() of fake_vmx.c return -EFAULT instead.
 */
#define FAKE_MSR_MAX 256

struct fake_msr {
	u32 msr;
	bool used;   /* slot taken */
	bool faults; /* every access #GPs (e.g. an MSR the CPU lacks, read through the table) */
	u64 val;
	u32 reads, writes;
};

FAKE_WEAK struct fake_msr fake_msrs[FAKE_MSR_MAX];
FAKE_WEAK u64 fake_msr_bad; /* rdmsr/wrmsr of an absent or faulting MSR */

static inline void fake_msr_reset(void)
{
	__builtin_memset(fake_msrs, 0, sizeof(fake_msrs));
	fake_msr_bad = 0;
}

/* The slot of msr; with create, a new (present, zero) one if it has none; else NULL. */
static inline struct fake_msr *fake_msr_slot(u32 msr, bool create)
{
	struct fake_msr *free_slot = NULL;
	unsigned i;

	for (i = 0; i < FAKE_MSR_MAX; i++) {
		if (fake_msrs[i].used && fake_msrs[i].msr == msr)
			return &fake_msrs[i];
		if (!fake_msrs[i].used && !free_slot)
			free_slot = &fake_msrs[i];
	}
	if (!create || !free_slot)
		return NULL; /* a full table: tests see the MSR as absent */
	__builtin_memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->msr = msr;
	return free_slot;
}

/* Makes msr present (not faulting) with value val. */
static inline void fake_msr_set(u32 msr, u64 val)
{
	struct fake_msr *m = fake_msr_slot(msr, true);

	if (m) {
		m->val = val;
		m->faults = false;
	}
}

/* Makes every access to msr fault (#GP). */
static inline void fake_msr_set_faulting(u32 msr)
{
	struct fake_msr *m = fake_msr_slot(msr, true);

	if (m)
		m->faults = true;
}

/* The value a present MSR holds (0 if absent): for assertions. */
static inline u64 fake_msr_get(u32 msr)
{
	struct fake_msr *m = fake_msr_slot(msr, false);

	return m ? m->val : 0;
}

/* The access as the CPU would do it: 0, or -1 for a #GP (absent or faulting MSR). */
static inline int fake_msr_access(u32 msr, bool is_write, u64 *val)
{
	struct fake_msr *m = fake_msr_slot(msr, false);

	if (!m || m->faults)
		return -1;
	if (is_write) {
		m->val = *val;
		m->writes++;
	} else {
		*val = m->val;
		m->reads++;
	}
	return 0;
}

static inline u64 rdmsr(u32 msr)
{
	u64 v = 0;

	if (fake_msr_access(msr, false, &v)) {
		fake_msr_bad++;
		return 0;
	}
	return v;
}

static inline void wrmsr(u32 msr, u64 v)
{
	if (fake_msr_access(msr, true, &v))
		fake_msr_bad++;
}
static inline void wrmsr_relaxed(u32 msr, u64 v)
{
	wrmsr(msr, v);
}

/* ---- CPUID ----------------------------------------------------------------------------- */

/* Leaf/subleaf -> EAX, EBX, ECX, EDX. A leaf not in the table reads as all zeros. */
#define FAKE_CPUID_MAX 64
#define FAKE_CPUID_ANY_SUB 0xffffffffu /* the entry answers every subleaf of its leaf */

struct fake_cpuid {
	u32 leaf, sub;
	bool used;
	u32 r[4];
};

FAKE_WEAK struct fake_cpuid fake_cpuids[FAKE_CPUID_MAX];
FAKE_WEAK u64 fake_cpuid_calls;

static inline void fake_cpuid_reset(void)
{
	__builtin_memset(fake_cpuids, 0, sizeof(fake_cpuids));
	fake_cpuid_calls = 0;
}

/* Sets (or replaces) what CPUID(leaf, sub) returns; sub may be FAKE_CPUID_ANY_SUB. */
static inline void fake_cpuid_set(u32 leaf, u32 sub, u32 a, u32 b, u32 c, u32 d)
{
	struct fake_cpuid *slot = NULL;
	unsigned i;

	for (i = 0; i < FAKE_CPUID_MAX; i++) {
		if (fake_cpuids[i].used && fake_cpuids[i].leaf == leaf &&
		    fake_cpuids[i].sub == sub) {
			slot = &fake_cpuids[i];
			break;
		}
		if (!fake_cpuids[i].used && !slot)
			slot = &fake_cpuids[i];
	}
	if (!slot)
		return;
	slot->used = true;
	slot->leaf = leaf;
	slot->sub = sub;
	slot->r[0] = a;
	slot->r[1] = b;
	slot->r[2] = c;
	slot->r[3] = d;
}

static inline void cpuid_count(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	const struct fake_cpuid *hit = NULL;
	unsigned i;

	fake_cpuid_calls++;
	for (i = 0; i < FAKE_CPUID_MAX; i++) {
		const struct fake_cpuid *e = &fake_cpuids[i];

		if (!e->used || e->leaf != leaf)
			continue;
		if (e->sub == sub) {
			hit = e;
			break;
		}
		if (e->sub == FAKE_CPUID_ANY_SUB)
			hit = e;
	}
	*a = hit ? hit->r[0] : 0;
	*b = hit ? hit->r[1] : 0;
	*c = hit ? hit->r[2] : 0;
	*d = hit ? hit->r[3] : 0;
}

/* ---- control and debug registers, RFLAGS, TSC -------------------------------------------- */

/* fake_cr[n] is CRn (n = 0, 2, 3, 4, 8; others unused); fake_cr_writes[n] counts MOV to CRn. */
FAKE_WEAK u64 fake_cr[9];
FAKE_WEAK u32 fake_cr_writes[9];
FAKE_WEAK u64 fake_dr7;
FAKE_WEAK u64 fake_rflags;
FAKE_WEAK u64 fake_tsc; /* each rdtsc() returns it, then adds fake_tsc_step (1 if 0) */
FAKE_WEAK u64 fake_tsc_step;

static inline void fake_regs_reset(void)
{
	__builtin_memset(fake_cr, 0, sizeof(fake_cr));
	__builtin_memset(fake_cr_writes, 0, sizeof(fake_cr_writes));
	fake_dr7 = 0x400;
	fake_rflags = 0x2;
	fake_tsc = 0;
	fake_tsc_step = 0;
}

#define FAKE_CR_ACCESS(n)                     \
	static inline u64 read_cr##n(void)    \
	{                                     \
		return fake_cr[n];            \
	}                                     \
	static inline void write_cr##n(u64 v) \
	{                                     \
		fake_cr[n] = v;               \
		fake_cr_writes[n]++;          \
	}
FAKE_CR_ACCESS(0)
FAKE_CR_ACCESS(2)
FAKE_CR_ACCESS(3)
FAKE_CR_ACCESS(4)
FAKE_CR_ACCESS(8)
#undef FAKE_CR_ACCESS

static inline u64 read_dr7(void)
{
	return fake_dr7;
}
static inline u64 read_rflags(void)
{
	return fake_rflags;
}

static inline u64 rdtsc(void)
{
	u64 t = fake_tsc;

	fake_tsc += fake_tsc_step ? fake_tsc_step : 1;
	return t;
}

/* ---- descriptor tables and segment registers -------------------------------------------- */

struct dtr_reg {
	u16 limit;
	u64 base;
} __attribute__((packed));

/* Selector indices, in the VMCS segment order (arch/x86/vmx_defs.h enum vmx_seg). */
enum {
	FAKE_SEG_ES,
	FAKE_SEG_CS,
	FAKE_SEG_SS,
	FAKE_SEG_DS,
	FAKE_SEG_FS,
	FAKE_SEG_GS,
	FAKE_SEG_LDTR,
	FAKE_SEG_TR,
	FAKE_SEG_COUNT
};

FAKE_WEAK struct dtr_reg fake_gdtr, fake_idtr;
FAKE_WEAK u16 fake_seg_sel[FAKE_SEG_COUNT]; /* ltr() sets [FAKE_SEG_TR] */

static inline void fake_seg_reset(void)
{
	__builtin_memset(&fake_gdtr, 0, sizeof(fake_gdtr));
	__builtin_memset(&fake_idtr, 0, sizeof(fake_idtr));
	__builtin_memset(fake_seg_sel, 0, sizeof(fake_seg_sel));
}

static inline void sgdt(struct dtr_reg *d)
{
	*d = fake_gdtr;
}
static inline void sidt(struct dtr_reg *d)
{
	*d = fake_idtr;
}
static inline void lgdt(const struct dtr_reg *d)
{
	fake_gdtr = *d;
}
static inline void lidt(const struct dtr_reg *d)
{
	fake_idtr = *d;
}
static inline void ltr(u16 sel)
{
	fake_seg_sel[FAKE_SEG_TR] = sel;
}
static inline u16 read_cs(void)
{
	return fake_seg_sel[FAKE_SEG_CS];
}
static inline u16 read_ss(void)
{
	return fake_seg_sel[FAKE_SEG_SS];
}
static inline u16 read_ds(void)
{
	return fake_seg_sel[FAKE_SEG_DS];
}
static inline u16 read_es(void)
{
	return fake_seg_sel[FAKE_SEG_ES];
}
static inline u16 read_fs(void)
{
	return fake_seg_sel[FAKE_SEG_FS];
}
static inline u16 read_gs(void)
{
	return fake_seg_sel[FAKE_SEG_GS];
}
static inline u16 read_tr(void)
{
	return fake_seg_sel[FAKE_SEG_TR];
}
static inline u16 read_ldtr(void)
{
	return fake_seg_sel[FAKE_SEG_LDTR];
}

/* ---- XCRs, interrupts, halting, caches --------------------------------------------------- */

#define FAKE_NXCR 2

FAKE_WEAK u64 fake_xcr[FAKE_NXCR]; /* xgetbv/xsetbv of an index >= FAKE_NXCR: ignored */
FAKE_WEAK u32 fake_xsetbv_count;   /* every call, whatever the index */
FAKE_WEAK u32 fake_xsetbv_last_idx;
FAKE_WEAK u64 fake_xsetbv_last_val;
FAKE_WEAK u32 fake_cli_count, fake_hlt_count, fake_wbinvd_count;

static inline void fake_misc_reset(void)
{
	__builtin_memset(fake_xcr, 0, sizeof(fake_xcr));
	fake_xcr[0] = 1; /* x87, as after reset */
	fake_xsetbv_count = 0;
	fake_xsetbv_last_idx = 0;
	fake_xsetbv_last_val = 0;
	fake_cli_count = fake_hlt_count = fake_wbinvd_count = 0;
}

static inline void xsetbv(u32 idx, u64 v)
{
	fake_xsetbv_count++;
	fake_xsetbv_last_idx = idx;
	fake_xsetbv_last_val = v;
	if (idx < FAKE_NXCR)
		fake_xcr[idx] = v;
}

static inline u64 xgetbv(u32 idx)
{
	return idx < FAKE_NXCR ? fake_xcr[idx] : 0;
}

/* The guest's XMM0-XMM5 (xmm_access); tests set and read them directly. */
FAKE_WEAK u8 fake_xmm[6][16];
static inline void xmm_access(u32 n, u8 (*buf)[16], bool write)
{
	if (n >= 6)
		return;
	if (write)
		__builtin_memcpy(fake_xmm[n], *buf, 16);
	else
		__builtin_memcpy(*buf, fake_xmm[n], 16);
}
static inline void cli(void)
{
	fake_cli_count++;
}
static inline void hlt(void)
{
	fake_hlt_count++;
}
static inline void wbinvd(void)
{
	fake_wbinvd_count++;
}

/* ---- VMX: the current VMCS, VMX instructions ---------------------------------------------- */

/*
 * One VMCS as a table indexed by field encoding (SDM vol.3 25.11.2: bit 0 access type,
 * bits 11:10 type, bits 14:13 width; bits 12 and 15+ reserved). vmwrite/vmread check the
 * encoding as the CPU does: a reserved bit, a "high" access to a field that is not 64-bit,
 * a write to a read-only VM-exit information field (type 1) or no current VMCS fail
 * (VMfailValid with VM-instruction error 12/13, or VMfailInvalid) and count in
 * fake_vmcs_errors. Values are truncated to the field width. fake_vmcs_set()/_get() bypass
 * the checks: tests use them to stage exit information and to inspect fields.
 */
#define FAKE_VMCS_FIELDS 0x8000
#define FAKE_VMCS_NONE (~0ULL)
#define FAKE_VMCS_PA 0x12345000ULL /* the current VMCS after fake_vmx_reset() */
#define FAKE_VMCS_VM_INSTRUCTION_ERROR 0x4400

FAKE_WEAK u64 fake_vmcs[FAKE_VMCS_FIELDS];
FAKE_WEAK u32 fake_vmcs_writes[FAKE_VMCS_FIELDS]; /* successful vmwrites per field */
FAKE_WEAK u64 fake_vmcs_current;		  /* FAKE_VMCS_NONE: no current VMCS */
/* Several VMCSs with fields of their own (see vmptrld). */
#define FAKE_VMCS_SLOTS 4
FAKE_WEAK bool fake_vmcs_multi;
FAKE_WEAK u64 fake_vmcs_slot_pa[FAKE_VMCS_SLOTS];
FAKE_WEAK u64 fake_vmcs_slot[FAKE_VMCS_SLOTS][FAKE_VMCS_FIELDS];
FAKE_WEAK u64 fake_vmcs_errors; /* failed vmread/vmwrite */
FAKE_WEAK bool fake_vmx_on;
FAKE_WEAK u64 fake_vmxon_pa;
FAKE_WEAK int fake_vmx_fail_next; /* result of the next VMX instruction (then 0 again) */
FAKE_WEAK u32 fake_invept_count, fake_invvpid_count;
FAKE_WEAK u64 fake_invept_last_type, fake_invept_last_eptp;
FAKE_WEAK u64 fake_invvpid_last_type, fake_invvpid_last_vpid, fake_invvpid_last_gva;

static inline void fake_vmx_reset(void)
{
	__builtin_memset(fake_vmcs, 0, sizeof(fake_vmcs));
	__builtin_memset(fake_vmcs_writes, 0, sizeof(fake_vmcs_writes));
	fake_vmcs_current = FAKE_VMCS_PA;
	fake_vmcs_multi = false;
	__builtin_memset(fake_vmcs_slot_pa, 0, sizeof(fake_vmcs_slot_pa));
	fake_vmcs_errors = 0;
	fake_vmx_on = true;
	fake_vmxon_pa = 0;
	fake_vmx_fail_next = 0;
	fake_invept_count = fake_invvpid_count = 0;
	fake_invept_last_type = fake_invept_last_eptp = 0;
	fake_invvpid_last_type = fake_invvpid_last_vpid = fake_invvpid_last_gva = 0;
}

static inline int fake_vmx_result(void)
{
	int r = fake_vmx_fail_next;

	fake_vmx_fail_next = 0;
	return r;
}

static inline unsigned fake_vmcs_width(u64 enc)
{
	return (enc >> 13) & 3;
} /* 16,64,32,nat */

static inline bool fake_vmcs_enc_ok(u64 enc)
{
	return !(enc & ~0x6fffULL) && (fake_vmcs_width(enc) == 1 || !(enc & 1));
}

static inline u64 fake_vmcs_trunc(u64 enc, u64 v)
{
	switch (fake_vmcs_width(enc)) {
	case 0:
		return v & 0xffff;
	case 2:
		return v & 0xffffffffULL;
	default:
		return v;
	}
}

/* Stores v in field enc (full access), bypassing the checks; truncated to the width. */
static inline void fake_vmcs_set(u64 enc, u64 v)
{
	if (enc < FAKE_VMCS_FIELDS)
		fake_vmcs[enc & ~1ULL] = fake_vmcs_trunc(enc, v);
}

static inline u64 fake_vmcs_get(u64 enc)
{
	return enc < FAKE_VMCS_FIELDS ? fake_vmcs[enc & ~1ULL] : 0;
}

/* How many times enc was written by vmwrite since the last reset. */
static inline u32 fake_vmcs_write_count(u64 enc)
{
	return enc < FAKE_VMCS_FIELDS ? fake_vmcs_writes[enc & ~1ULL] : 0;
}

static inline int fake_vmcs_fail(u32 err)
{
	fake_vmcs_errors++;
	if (fake_vmcs_current == FAKE_VMCS_NONE)
		return -1;
	fake_vmcs[FAKE_VMCS_VM_INSTRUCTION_ERROR] = err;
	return -2;
}

static inline int vmwrite(u64 field, u64 v)
{
	u64 idx = field & ~1ULL;

	if (fake_vmcs_current == FAKE_VMCS_NONE || !fake_vmcs_enc_ok(field))
		return fake_vmcs_fail(12); /* unsupported VMCS component */
	if (((field >> 10) & 3) == 1)
		return fake_vmcs_fail(13); /* VMWRITE to a read-only component */
	if (field & 1)
		fake_vmcs[idx] = (fake_vmcs[idx] & 0xffffffffULL) | (v << 32);
	else
		fake_vmcs[idx] = fake_vmcs_trunc(field, v);
	fake_vmcs_writes[idx]++;
	return 0;
}

static inline u64 vmread(u64 field)
{
	u64 idx = field & ~1ULL;

	if (fake_vmcs_current == FAKE_VMCS_NONE || !fake_vmcs_enc_ok(field)) {
		fake_vmcs_fail(12);
		return 0;
	}
	return (field & 1) ? fake_vmcs[idx] >> 32 : fake_vmcs[idx];
}

static inline int vmxon(u64 pa)
{
	int r = fake_vmx_result();

	if (!r) {
		fake_vmx_on = true;
		fake_vmxon_pa = pa;
	}
	return r;
}

static inline int vmclear(u64 pa)
{
	int r = fake_vmx_result();

	if (!r && fake_vmcs_current == pa)
		fake_vmcs_current = FAKE_VMCS_NONE;
	return r;
}

/*
 * With fake_vmcs_multi (tests of several VMCSs per VP, e.g. one per VTL), VMPTRLD keeps
 * each VMCS's fields apart: the current one's go into a slot of their own and the loaded
 * one's come back (a VMCS never loaded before starts with every field 0). Without it, one
 * set of fields serves every VMCS.
 */

static inline u64 *fake_vmcs_slot_of(u64 pa, bool create)
{
	for (int i = 0; i < FAKE_VMCS_SLOTS; i++)
		if (fake_vmcs_slot_pa[i] == pa)
			return fake_vmcs_slot[i];
	for (int i = 0; create && i < FAKE_VMCS_SLOTS; i++) {
		if (!fake_vmcs_slot_pa[i]) {
			fake_vmcs_slot_pa[i] = pa;
			__builtin_memset(fake_vmcs_slot[i], 0, sizeof(fake_vmcs_slot[i]));
			return fake_vmcs_slot[i];
		}
	}
	return NULL;
}

static inline int vmptrld(u64 pa)
{
	int r = fake_vmx_result();

	if (r)
		return r;
	if (fake_vmcs_multi && pa != fake_vmcs_current) {
		if (fake_vmcs_current != FAKE_VMCS_NONE) {
			u64 *save = fake_vmcs_slot_of(fake_vmcs_current, true);
			if (save)
				__builtin_memcpy(save, fake_vmcs, sizeof(fake_vmcs));
		}
		u64 *load = fake_vmcs_slot_of(pa, false);
		if (load)
			__builtin_memcpy(fake_vmcs, load, sizeof(fake_vmcs));
		else
			__builtin_memset(fake_vmcs, 0, sizeof(fake_vmcs));
	}
	fake_vmcs_current = pa;
	return 0;
}

static inline void vmxoff(void)
{
	fake_vmx_on = false;
}

struct invept_desc {
	u64 eptp;
	u64 rsvd;
};

static inline int invept(u64 type, u64 eptp)
{
	fake_invept_count++;
	fake_invept_last_type = type;
	fake_invept_last_eptp = eptp;
	return fake_vmx_result();
}

struct invvpid_desc {
	u64 vpid;
	u64 gva;
};

static inline int invvpid(u64 type, u16 vpid, u64 gva)
{
	fake_invvpid_count++;
	fake_invvpid_last_type = type;
	fake_invvpid_last_vpid = vpid;
	fake_invvpid_last_gva = gva;
	return fake_vmx_result();
}

/* ---- everything ------------------------------------------------------------------------ */

static inline void fake_intrin_reset(void)
{
	__builtin_memset(fake_xmm, 0, sizeof(fake_xmm));
	fake_ports_reset();
	fake_cpu_relax_count = 0;
	fake_msr_reset();
	fake_cpuid_reset();
	fake_regs_reset();
	fake_seg_reset();
	fake_misc_reset();
	fake_vmx_reset();
}

#endif
