// SPDX-License-Identifier: MIT
/*
 * Part of check group vsm: VTL memory protections and GPA intercepts (reference 3.8, 3.9;
 * docs/VSM.md; the VTL1 side is tests/guests/vtl1/prot.c, the contract prot_abi.h). Runs
 * after the irq checks, while the other VP's agent still serves (vsm_irq_check.c), on VTL1
 * enabled on every VP. In order (vsm.prot.*):
 *  - before EnableVtlProtection: HvCallModifyVtlProtectionMask from VTL0 (INVALID_PARAMETER)
 *    and from VTL1 (ACCESS_DENIED), reported with bad_inputs;
 *  - enable: VTL1's SynIC for intercepts on each VP (SCONTROL, SIMP, SINT0 with a vector of
 *    its IDT), VsmPartitionConfig: bad masks refused, EnableVtlProtection with
 *    DefaultVtlProtectionMask RWX, the mask fixed from then on;
 *  - bad_inputs: flags, W or X without R, MMIO, the pool, beyond RAM, an overlay, the
 *    header, and a list that stops at its bad element 3 (reps completed 3, the 3 before it
 *    applied, the one after not);
 *  - na, r, rx, rw, rwx: a VTL0 page under each protection; VTL0 reads, writes and
 *    executes it; each forbidden access is exactly one GPA intercept in VTL1, whose
 *    message is checked byte by byte, and VTL1 resolves it (reads: skipped; writes:
 *    skipped or granted; execution: granted); allowed accesses intercept nothing; a VTL0
 *    hypercall with its input (NA) or output (R, RX) in the page is refused;
 *  - interrupt_delivery: an interrupt frame pushed onto a read-only stack page: one
 *    intercept, then the interrupt is delivered (not lost);
 *  - other_cpu: a page VP1's VTL0 keeps writing is made read-only by VP0's VTL1: VP1's
 *    next write intercepts (TLFS: the change is visible everywhere when the call returns);
 *  - large_page: one page inside a 2 MiB range, its neighbours untouched, then given back;
 *  - 510_pages: one call of a full input page to R, enforced, then back in one call;
 *  - storm: single-page changes from both VPs' VTL1, each followed by a write from both
 *    VPs' VTL0: every write the protection forbids is exactly one intercept, none lands,
 *    every allowed one lands without one.
 * An intercept VTL1 never resolves leaves VTL0 at its instruction: accesses that may
 * intercept are made only once VTL1's SynIC is set up and protections are on.
 */
#include <efi.h>
#include <efilib.h>

#include "boot/bootinfo.h"
#include "lib/printf.h"
#include "tests/guests/report.h"
#include "tests/guests/vsm_check.h"
#include "tests/guests/vtl1/prot_abi.h"

#define HVCALL_MODIFY_VTL_PROTECTION_MASK 0x000cull
#define HVMSG_GPA_INTERCEPT 0x80000001u
#define HV_MEMORY_INTERCEPT_BYTES 0x50
#define HV_CACHE_WB 6
#define R VTL1_PROT_R
#define W VTL1_PROT_W
#define X VTL1_PROT_X
#define RW (R | W)
#define RX (R | X)
#define RWX VTL1_PROT_RWX
#define NA 0u
#define XAPIC_GPN ((u64)0xfee00)
#define BEYOND_RAM_GPN ((u64)0x80000) /* 2 GiB: above the scenario's RAM, below the PCI hole */
#define FAR_GPN ((u64)1 << 40)	      /* beyond any physical address */

#define SENTINEL ((u64)0x5e5e5e5e5e5e5e5eull)
#define TEST_DATA 0x800 /* the test page's data qword */
#define TEST_CODE 0x100 /* its RET */
#define STORM_PAGES 8
#define BIG_PAGES VTL1_PROT_MAX_PAGES
#define LARGE_PAGES 1024 /* 4 MiB: holds a whole, aligned 2 MiB */
#define SIZE_2M ((u64)0x200000)
#define SPIN_BEFORE 200	     /* other_cpu: VP1's writes before VP0 protects */
#define SPIN_BUDGET 20000000 /* other_cpu: VP1's writes at most */
#define INSN_LEN 3	     /* vt0_prot_load_insn, vt0_prot_store_insn */

/* Access types of the intercept message (reference 3.9.4). */
enum { ACC_READ, ACC_WRITE, ACC_EXEC };

/* VTL0's accesses: each a 3-byte instruction at a label of its own (the intercept's RIP);
 * SKIP resolves them by moving VTL0 past it. */
u64 vt0_prot_load(u64 addr, u64 sentinel);
void vt0_prot_store(u64 addr, u64 val);
void vt0_prot_exec(u64 addr);
extern const u8 vt0_prot_load_insn[], vt0_prot_store_insn[];
__asm__(".text\n"
	".globl vt0_prot_load, vt0_prot_load_insn, vt0_prot_store, vt0_prot_store_insn\n"
	".globl vt0_prot_exec\n"
	"vt0_prot_load:\n"
	"	mov %rsi, %rax\n"
	"vt0_prot_load_insn:\n"
	"	mov (%rdi), %rax\n"
	"	ret\n"
	"vt0_prot_store:\n"
	"	mov %rsi, %rax\n"
	"vt0_prot_store_insn:\n"
	"	mov %rax, (%rdi)\n"
	"	ret\n"
	"vt0_prot_exec:\n"
	"	call *%rdi\n"
	"	ret\n");

static EFI_GUID info_guid = VTLVISOR_INFO_GUID;

static struct prot_state {
	struct vsm_state *s;
	u32 vp, other;		/* the BSP's VP; the agent's (~0: none) */
	struct vtl1_prot *area; /* prot_abi.h */
	u64 page;		/* the test page (LoaderCode: executable) */
	u64 storm, big, large;	/* STORM_PAGES, BIG_PAGES, LARGE_PAGES */
	u64 pool_gpn;		/* a page of the hypervisor's pool, 0: unknown */
	u16 cs;
	bool ready;   /* the area is in place, VTL1's SynIC set up on every VP that takes part */
	bool enabled; /* EnableVtlProtection succeeded */
	char not_run[120];
	struct why pre; /* bad_inputs before EnableVtlProtection */
	u32 loops;	/* storm iterations */
} pc;

/* GPN lists for the calls (read by VTL1): one per VP that may call at the same time. */
static u64 gpn_list[VTL1_MAX_VPS][VTL1_PROT_MAX_PAGES];

static struct vtl1_prot_vp *rec(u32 vp)
{
	return &pc.area->vp[vp];
}

static u64 icpts(u32 vp)
{
	return __atomic_load_n(&rec(vp)->count, __ATOMIC_ACQUIRE);
}

/* How VP vp's VTL1 resolves the next intercepts. */
static void policy(u32 vp, u32 pol, u32 flags)
{
	struct vtl1_prot_vp *pv = rec(vp);

	pv->skip_len = INSN_LEN;
	pv->flags = flags;
	pv->stop_addr = 0;
	__atomic_store_n(&pv->policy, pol, __ATOMIC_RELEASE);
}

/* ---- VTL1 commands, on the BSP or through the agent ---- */

struct agent_call {
	u32 vp, cmd;
};

static void agent_vtl_call(void *arg)
{
	const struct agent_call *a = arg;
	struct vsm_regs r;

	vt0_vsm_call(pc.s, a->vp, a->cmd, VTL1_RET_FAST, vt0_vsm_pat(a->vp, 61), &r);
}

/* Command cmd in VP vp's VTL1 with arguments a0..a3; its out[] in the slot. False (and why)
 * when it did not run or did not finish. */
static bool cmd(u32 vp, u32 command, u64 a0, u64 a1, u64 a2, u64 a3, const char *what,
		struct why *w)
{
	struct vtl1_cpu *c = &pc.s->v.mb->cpu[vp];
	struct vsm_regs r;

	c->arg[0] = a0;
	c->arg[1] = a1;
	c->arg[2] = a2;
	c->arg[3] = a3;
	if (vp == pc.vp) {
		vt0_vsm_call(pc.s, vp, command, VTL1_RET_FAST, vt0_vsm_pat(vp, 60), &r);
	} else {
		struct agent_call a = { vp, command };
		if (vp != pc.other || !vt0_vsm_agent_run(agent_vtl_call, &a, true)) {
			why_add(w, "%s: VP %u's agent did not answer", what, vp);
			return false;
		}
	}
	__asm__ volatile("" ::: "memory");
	if (c->ack != c->seq || c->status) {
		why_add(w, "%s: VP %u's VTL1 ack %u seq %u status 0x%x (exception %u at 0x%lx)",
			what, vp, c->ack, c->seq, c->status, c->exc_vector, c->exc_rip);
		return false;
	}
	return true;
}

/* HvCallModifyVtlProtectionMask from VP vp's VTL1 (VTL1_CMD_PROT_MODIFY's arguments): RAX,
 * or ~0 when the command did not run. */
static u64 modify_raw(u32 vp, u64 word, u64 a1, const u64 *gpn, u64 watch, u64 *seen, struct why *w)
{
	struct vtl1_cpu *c = &pc.s->v.mb->cpu[vp];

	if (!cmd(vp, VTL1_CMD_PROT_MODIFY, word, a1, (u64)(uintptr_t)gpn, watch, "MODIFY", w))
		return ~0ull;
	if (seen)
		*seen = c->out[1];
	return c->out[0];
}

/* n pages from gpn to flags, from VP vp's VTL1: RAX. */
static u64 modify(u32 vp, u32 flags, const u64 *gpn, u32 n, struct why *w)
{
	return modify_raw(vp, flags, n, gpn, 0, NULL, w);
}

/* The same, for one page (the GPN of address pa). */
static u64 modify1(u32 vp, u32 flags, u64 pa, struct why *w)
{
	u64 *g = gpn_list[vp];

	g[0] = pa >> 12;
	return modify(vp, flags, g, 1, w);
}

/* ModifyVtlProtectionMask should have done all n: else a reason in w. */
static bool modify_ok(u64 rax, u32 n, const char *what, struct why *w)
{
	if (rax == (u64)n << 32)
		return true;
	why_add(w, "%s: RAX 0x%lx, want status 0 and %u rep(s)", what, rax, n);
	return false;
}

/* Refused with status st and reps reps completed. */
static void refused(struct why *w, u64 rax, u16 st, u32 reps, const char *what)
{
	if (HV_RESULT_STATUS(rax) != st || HV_RESULT_REPS(rax) != reps)
		why_add(w, "%s: RAX 0x%lx, want status 0x%x, %u rep(s) completed", what, rax, st,
			reps);
}

/* ---- the intercepts VTL1 saw ---- */

struct want {
	u8 access;
	u64 gpa, rip;
	bool rax_known;
	u64 rax;     /* VTL0's RAX at the access */
	bool no_gva; /* the hypervisor's access on VTL0's behalf: no GVA in the message */
};

static u64 get64(const u8 *p)
{
	u64 v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

/* The message of intercept r against what VTL0 did (reference 3.9.4). */
static void check_msg(struct why *w, const char *what, u32 vp, const struct vtl1_prot_rec *r,
		      const struct want *want)
{
	const u8 *m = r->msg, *p = r->msg + 16;
	u32 type, vpi, cache;
	u16 state, sel, attr;

	__builtin_memcpy(&type, m, 4);
	__builtin_memcpy(&vpi, p, 4);
	__builtin_memcpy(&state, p + 6, 2);
	__builtin_memcpy(&sel, p + 0x14, 2);
	__builtin_memcpy(&attr, p + 0x16, 2);
	__builtin_memcpy(&cache, p + 0x28, 4);
	if (type != HVMSG_GPA_INTERCEPT || m[4] != HV_MEMORY_INTERCEPT_BYTES)
		why_add(w, "%s: message type 0x%x size 0x%x, want 0x%x 0x%x", what, type, m[4],
			HVMSG_GPA_INTERCEPT, HV_MEMORY_INTERCEPT_BYTES);
	if (vpi != vp || p[5] != want->access)
		why_add(w, "%s: VpIndex %u access type %u, want %u %u", what, vpi, p[5], vp,
			want->access);
	/* CPL 0, CR0.PE, EFER.LMA, VTL 0 (bits 10:7). */
	if ((state & 0x797) != 0x14)
		why_add(w, "%s: ExecutionState 0x%x, want CPL 0, CR0.PE, EFER.LMA, VTL 0", what,
			state);
	if (sel != pc.cs || !(attr & 0x80) || !(attr & 0x2000))
		why_add(w, "%s: CS selector 0x%x attributes 0x%x, want 0x%x, present, 64-bit", what,
			sel, attr, pc.cs);
	if (get64(p + 0x18) != want->rip)
		why_add(w, "%s: RIP 0x%lx, want 0x%lx", what, get64(p + 0x18), want->rip);
	if (!(get64(p + 0x20) & 2))
		why_add(w, "%s: RFLAGS 0x%lx (bit 1 clear)", what, get64(p + 0x20));
	if (cache != HV_CACHE_WB)
		why_add(w, "%s: CacheType %u, want %u (WB RAM)", what, cache, HV_CACHE_WB);
	if (want->no_gva ? (p[0x2d] & 3) != 0 : (p[0x2d] & 3) != 3 || get64(p + 0x30) != want->gpa)
		why_add(w, "%s: MemoryAccessInfo 0x%x GVA 0x%lx, want %s 0x%lx", what, p[0x2d],
			get64(p + 0x30), want->no_gva ? "no GVA, not" : "GvaValid|GvaGpaValid",
			want->gpa);
	if (get64(p + 0x38) != want->gpa)
		why_add(w, "%s: GPA 0x%lx, want 0x%lx", what, get64(p + 0x38), want->gpa);
	if (want->rax_known && r->vtl0_rax != want->rax)
		why_add(w, "%s: VTL0's RAX 0x%lx at the intercept, want 0x%lx", what, r->vtl0_rax,
			want->rax);
	if (r->resolve_rax)
		why_add(w, "%s: VTL1's resolving call RAX 0x%lx", what, r->resolve_rax);
}

/* VP vp took n intercepts since count0 (n = 1: the last one is want). */
static bool check_icpts(struct why *w, const char *what, u32 vp, u64 count0, u32 n,
			const struct want *want)
{
	u64 got = icpts(vp) - count0;

	if (got != n) {
		why_add(w, "%s: %lu intercept(s) on VP %u, want %u", what, got, vp, n);
		return false;
	}
	if (n && want)
		check_msg(w, what, vp, &rec(vp)->log[(icpts(vp) - 1) % VTL1_PROT_LOG], want);
	return true;
}

/* Counters of every VP's record that must not move: messages of other kinds, failed
 * resolutions, #GPs in the handler. */
struct quiet {
	u64 other[VTL1_MAX_VPS], fail[VTL1_MAX_VPS], faults[VTL1_MAX_VPS];
};

static void quiet_take(struct quiet *q)
{
	for (u32 vp = 0; vp < VTL1_MAX_VPS; vp++) {
		q->other[vp] = rec(vp)->other;
		q->fail[vp] = rec(vp)->resolve_fail;
		q->faults[vp] = rec(vp)->faults;
	}
}

static void quiet_check(struct why *w, const struct quiet *q)
{
	for (u32 vp = 0; vp < VTL1_MAX_VPS; vp++)
		if (rec(vp)->other != q->other[vp] || rec(vp)->resolve_fail != q->fail[vp] ||
		    rec(vp)->faults != q->faults[vp])
			why_add(w,
				"VP %u's handler: %lu other vector hit(s), %lu failed "
				"resolution(s), faults 0x%lx",
				vp, rec(vp)->other - q->other[vp],
				rec(vp)->resolve_fail - q->fail[vp], rec(vp)->faults);
}

/* ---- set-up ---- */

static u64 alloc(EFI_MEMORY_TYPE type, u64 pages)
{
	EFI_PHYSICAL_ADDRESS a = 0;

	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, type, (UINTN)pages,
					&a)))
		return 0;
	return a;
}

static u64 pool_gpn(void)
{
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		const EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		const struct vtlvisor_efi_info *info = t->VendorTable;

		if (!__builtin_memcmp(&t->VendorGuid, &info_guid, sizeof(EFI_GUID)) && info &&
		    info->magic == BOOTINFO_MAGIC && info->pool_size >= PAGE_SIZE)
			return (info->pool_base + info->pool_size / 2) >> 12;
	}
	return 0;
}

/*
 * VTL0's own page tables must let it write and execute the test page: on the walk to it,
 * NX is cleared and R/W set where they are not (CR0.WP off meanwhile: the firmware may keep
 * its page tables read-only). Returns what was changed, as bits (1 NX, 2 R/W); ~0 when the
 * page is not mapped by a 4-level walk.
 */
static u64 make_executable(u64 va)
{
	u64 cr0, cr3, cr4, rflags, changed = 0;
	volatile u64 *t;

	__asm__ volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2; pushfq; pop %3"
			 : "=r"(cr0), "=r"(cr3), "=r"(cr4), "=r"(rflags));
	if (cr4 & (1ull << 12)) /* LA57 */
		return ~0ull;
	t = (volatile u64 *)(uintptr_t)(cr3 & 0x000ffffffffff000ull);
	__asm__ volatile("cli; mov %0, %%cr0" ::"r"(cr0 & ~(1ull << 16)) : "memory");
	for (int level = 3; level >= 0; level--) {
		volatile u64 *e = &t[(va >> (12 + 9 * level)) & 511];
		if (!(*e & 1)) {
			changed = ~0ull;
			break;
		}
		if (*e & (1ull << 63)) {
			*e &= ~(1ull << 63);
			changed |= 1;
		}
		if (!(*e & 2)) {
			*e |= 2;
			changed |= 2;
		}
		if (level == 0 || (level < 3 && (*e & 0x80)))
			break;
		t = (volatile u64 *)(uintptr_t)(*e & 0x000ffffffffff000ull);
	}
	__asm__ volatile("mov %0, %%cr0; mov %1, %%cr3; push %2; popfq" ::"r"(cr0), "r"(cr3),
			 "r"(rflags)
			 : "memory", "cc");
	return changed;
}

static bool setup(struct vsm_state *s)
{
	u64 area = alloc(EfiLoaderData, VTL1_PROT_AREA_SIZE / PAGE_SIZE);
	static const u8 load[INSN_LEN] = { 0x48, 0x8b, 0x07 },
			store[INSN_LEN] = { 0x48, 0x89, 0x07 };

	pc.page = alloc(EfiLoaderCode, 1);
	pc.storm = alloc(EfiLoaderData, STORM_PAGES);
	pc.big = alloc(EfiLoaderData, BIG_PAGES);
	pc.large = alloc(EfiLoaderData, LARGE_PAGES);
	if (!area || !pc.page || !pc.storm || !pc.big || !pc.large) {
		snprintf(pc.not_run, sizeof(pc.not_run), "not run: AllocatePages failed");
		return false;
	}
	if (__builtin_memcmp(vt0_prot_load_insn, load, INSN_LEN) ||
	    __builtin_memcmp(vt0_prot_store_insn, store, INSN_LEN)) {
		snprintf(pc.not_run, sizeof(pc.not_run),
			 "not run: the access instructions are not the 3-byte MOVs SKIP assumes");
		return false;
	}
	__builtin_memset((void *)area, 0, VTL1_PROT_AREA_SIZE);
	pc.area = (struct vtl1_prot *)area;
	s->v.mb->prot = area;
	__builtin_memset((void *)pc.page, 0, PAGE_SIZE);
	*(volatile u8 *)(pc.page + TEST_CODE) = 0xc3; /* RET */
	u64 pt = make_executable(pc.page);
	if (pt == ~0ull) {
		snprintf(pc.not_run, sizeof(pc.not_run),
			 "not run: the test page 0x%lx is not in a 4-level identity map", pc.page);
		return false;
	}
	if (pt)
		report_info("vsm.prot: the test page's walk had%s%s: changed for the checks",
			    (pt & 1) ? " NX" : "", (pt & 2) ? " read-only entries" : "");
	pc.pool_gpn = pool_gpn();
	__asm__ volatile("mov %%cs, %0" : "=r"(pc.cs));
	report_info("vsm.prot: area 0x%lx, test page 0x%lx, storm 0x%lx, 510 pages at 0x%lx, "
		    "4 MiB at 0x%lx, pool page 0x%lx, agent on VP %d",
		    area, pc.page, pc.storm, pc.big, pc.large, pc.pool_gpn << 12, (int)pc.other);
	return true;
}

/* ---- the checks ---- */

/* Before EnableVtlProtection: the call from VTL0, and from VTL1. */
static void check_before(void)
{
	struct vsm *v = &pc.s->v;
	volatile u64 *in = (volatile u64 *)(uintptr_t)v->io;
	u64 rax;

	/* From VTL0 without UseTargetVtl: VTL0's own protections; nothing is below it. */
	in[0] = HV_PARTITION_ID_SELF;
	in[1] = R;
	in[2] = pc.page >> 12;
	rax = vsm_hypercall(v, HVCALL_MODIFY_VTL_PROTECTION_MASK | HV_CONTROL_REP_COUNT(1), v->io,
			    0);
	refused(&pc.pre, rax, HV_STATUS_INVALID_PARAMETER, 0, "from VTL0");
	/* From VTL0 for VTL1's protections: a VTL above the caller. */
	in[1] = R | (u64)(HV_INPUT_VTL_USE_TARGET | 1) << 32;
	rax = vsm_hypercall(v, HVCALL_MODIFY_VTL_PROTECTION_MASK | HV_CONTROL_REP_COUNT(1), v->io,
			    0);
	refused(&pc.pre, rax, HV_STATUS_ACCESS_DENIED, 0, "from VTL0 with TargetVtl 1");
	/* From VTL1 before EnableVtlProtection. */
	rax = modify1(pc.vp, R, pc.page, &pc.pre);
	refused(&pc.pre, rax, HV_STATUS_ACCESS_DENIED, 0, "from VTL1 before EnableVtlProtection");
}

static u64 config(bool set, u64 val, u64 *got, struct why *w, const char *what)
{
	struct vtl1_cpu *c = &pc.s->v.mb->cpu[pc.vp];

	if (!cmd(pc.vp, VTL1_CMD_PROT_CONFIG, val, set ? 0 : 1, 0, 0, what, w))
		return ~0ull;
	if (c->out[1] != 1ull << 32)
		why_add(w, "%s: GetVpRegisters(VsmPartitionConfig) RAX 0x%lx", what, c->out[1]);
	*got = c->out[2];
	return set ? c->out[0] : 0;
}

static void check_enable(void)
{
	struct why w = { 0 };
	u64 v0 = 0, v, rax;
	u32 vps[2] = { pc.vp, pc.other };

	for (u32 i = 0; i < 2; i++) {
		u32 vp = vps[i];
		const u64 *o = pc.s->v.mb->cpu[vp].out;
		u64 simp = (u64)(uintptr_t)pc.area + VTL1_PROT_OFF_SIMP(vp);

		if (vp == ~0u)
			continue;
		if (!cmd(vp, VTL1_CMD_PROT_SETUP, 0, 0, 0, 0, "PROT_SETUP", &w))
			continue;
		if (o[0] || o[1] != 1 || o[2] != (simp | 1) || o[3] != VTL1_PROT_VEC ||
		    !(o[4] & VTL1_APIC_BASE_EXTD))
			why_add(&w,
				"VP %u's SynIC: #GP bits 0x%lx, SCONTROL 0x%lx SIMP 0x%lx (want "
				"0x%lx) SINT0 0x%lx, APIC_BASE 0x%lx",
				vp, o[0], o[1], o[2], simp | 1, o[3], o[4]);
	}
	pc.ready = !w.count;
	if (config(false, 0, &v0, &w, "VsmPartitionConfig") || (v0 & 0x1f))
		why_add(&w, "VsmPartitionConfig 0x%lx before (protection bits set)", v0);
	/* A mask without W, with neither W nor X, W without R; a mask without the enable. */
	static const u64 bad[] = { 1 | RX << 1, 1 | R << 1, 1 | W << 1, RWX << 1 };
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
		rax = config(true, v0 | bad[i], &v, &w, "VsmPartitionConfig");
		if (HV_RESULT_STATUS(rax) != HV_STATUS_INVALID_PARAMETER || v != v0)
			why_add(&w,
				"VsmPartitionConfig = 0x%lx: RAX 0x%lx, reads 0x%lx after (want "
				"status 5, 0x%lx)",
				v0 | bad[i], rax, v, v0);
	}
	rax = config(true, v0 | 1 | RWX << 1, &v, &w, "VsmPartitionConfig");
	pc.enabled = rax == 1ull << 32 && v == (v0 | 1 | RWX << 1);
	if (!pc.enabled)
		why_add(&w,
			"EnableVtlProtection, DefaultVtlProtectionMask 0xF: RAX 0x%lx, reads "
			"0x%lx (want 0x%lx)",
			rax, v, v0 | 1 | RWX << 1);
	/* Fixed from now on: another mask, the enable bit off. */
	static const u64 change[] = { 1 | (R | W | X) << 1, 0, RWX << 1 };
	for (u32 i = 0; pc.enabled && i < ARRAY_SIZE(change); i++) {
		rax = config(true, v0 | change[i], &v, &w, "VsmPartitionConfig");
		if (HV_RESULT_STATUS(rax) != HV_STATUS_INVALID_PARAMETER ||
		    v != (v0 | 1 | RWX << 1))
			why_add(&w,
				"once enabled, = 0x%lx: RAX 0x%lx, reads 0x%lx after (want "
				"status 5, unchanged)",
				v0 | change[i], rax, v);
	}
	/* The call works now. */
	if (pc.enabled)
		modify_ok(modify1(pc.vp, RWX, pc.page, &w), 1, "RWX on the test page", &w);
	if (!pc.ready || !pc.enabled)
		snprintf(pc.not_run, sizeof(pc.not_run),
			 "not run: VTL1's SynIC or EnableVtlProtection failed (vsm.prot.enable)");
	report_result("vsm.prot.enable", !w.count, "%s", w.buf);
}

/* Writes page pa's first qword from VP0 with SKIP: must intercept (forbid) or not. */
static void write_expect(struct why *w, const char *what, u64 pa, u64 val, bool forbid)
{
	u64 c0 = icpts(pc.vp), before = 0;
	struct want want = { ACC_WRITE, pa, (u64)vt0_prot_store_insn, true, val, false };

	policy(pc.vp, VTL1_PROT_SKIP, 0);
	if (forbid)
		before = *(volatile u64 *)pa; /* R stays: the page is read-only at most */
	vt0_prot_store(pa, val);
	if (check_icpts(w, what, pc.vp, c0, forbid, &want) && !forbid && *(volatile u64 *)pa != val)
		why_add(w, "%s: the allowed write did not land", what);
	if (forbid && *(volatile u64 *)pa != before)
		why_add(w, "%s: the skipped write landed (0x%lx)", what, *(volatile u64 *)pa);
}

static void check_bad_inputs(void)
{
	struct why w = pc.pre;
	u64 *g = gpn_list[pc.vp], rax;
	u64 hc_gpn = (u64)(uintptr_t)pc.s->v.hc_page >> 12;
	struct quiet q;

	if (!pc.enabled) {
		why_add(&w, "%s", pc.not_run);
		report_result("vsm.prot.bad_inputs", false, "%s", w.buf);
		return;
	}
	quiet_take(&q);
	g[0] = pc.page >> 12;
	static const u32 unknown[] = { 0x10, 0x8000, 0x10000, 0x20 | RWX };
	for (u32 i = 0; i < ARRAY_SIZE(unknown); i++)
		refused(&w, modify(pc.vp, unknown[i], g, 1, &w), HV_STATUS_INVALID_PARAMETER, 0,
			"MapFlags with an unknown flag");
	static const u32 no_r[] = { W, X, W | X, VTL1_PROT_UX };
	for (u32 i = 0; i < ARRAY_SIZE(no_r); i++)
		refused(&w, modify(pc.vp, no_r[i], g, 1, &w), HV_STATUS_INVALID_REGISTER_VALUE, 0,
			"W or X without R");
	g[0] = XAPIC_GPN;
	refused(&w, modify(pc.vp, R, g, 1, &w), HV_STATUS_INVALID_PARAMETER, 0,
		"the xAPIC page (MMIO)");
	if (pc.pool_gpn) {
		g[0] = pc.pool_gpn;
		refused(&w, modify(pc.vp, R, g, 1, &w), HV_STATUS_INVALID_PARAMETER, 0,
			"a page of the hypervisor's pool");
	} else {
		report_info("vsm.prot.bad_inputs: no VTLVISOR_INFO table: the pool page is not "
			    "tried (beyond RAM is)");
	}
	g[0] = BEYOND_RAM_GPN;
	refused(&w, modify(pc.vp, R, g, 1, &w), HV_STATUS_INVALID_PARAMETER, 0,
		"2 GiB (beyond RAM)");
	g[0] = FAR_GPN;
	refused(&w, modify(pc.vp, R, g, 1, &w), HV_STATUS_INVALID_PARAMETER, 0,
		"4 PiB (beyond any physical address)");
	g[0] = hc_gpn;
	refused(&w, modify(pc.vp, R, g, 1, &w), HV_STATUS_INVALID_PARAMETER, 0,
		"VTL0's hypercall page (an overlay)");
	/* The header: PartitionId 0, a reserved byte, TargetVtl 2 and 0. */
	g[0] = pc.page >> 12;
	refused(&w, modify_raw(pc.vp, R, 1 | 1ull << 63, g, 0, NULL, &w),
		HV_STATUS_INVALID_PARTITION_ID, 0, "PartitionId 0");
	refused(&w, modify_raw(pc.vp, R | 1ull << 48, 1, g, 0, NULL, &w),
		HV_STATUS_INVALID_PARAMETER, 0, "a reserved byte");
	refused(&w,
		modify_raw(pc.vp, R | (u64)(HV_INPUT_VTL_USE_TARGET | 2) << 32, 1, g, 0, NULL, &w),
		HV_STATUS_ACCESS_DENIED, 0, "TargetVtl 2");
	refused(&w,
		modify_raw(pc.vp, R | (u64)(HV_INPUT_VTL_USE_TARGET | 0) << 32, 1, g, 0, NULL, &w),
		HV_STATUS_INVALID_PARAMETER, 0, "TargetVtl 0");
	modify_ok(modify_raw(pc.vp, RWX | (u64)(HV_INPUT_VTL_USE_TARGET | 1) << 32, 1, g, 0, NULL,
			     &w),
		  1, "TargetVtl 1 named", &w);
	/* None of it protected the test page. */
	write_expect(&w, "the test page after the refusals", pc.page + TEST_DATA, 0x1111, false);
	/* A list whose element 3 is bad: the three before it are done, the one after not. */
	for (u32 i = 0; i < 5; i++)
		g[i] = (pc.storm >> 12) + i;
	g[3] = XAPIC_GPN;
	rax = modify(pc.vp, R, g, 5, &w);
	refused(&w, rax, HV_STATUS_INVALID_PARAMETER, 3, "a list with the xAPIC page third");
	for (u32 i = 0; i < 5; i++)
		if (i != 3)
			write_expect(&w,
				     i < 3 ? "a page before the bad element" :
					     "the page after the bad element",
				     pc.storm + i * PAGE_SIZE, 0x2220 + i, i < 3);
	g[3] = (pc.storm >> 12) + 3;
	modify_ok(modify(pc.vp, RWX, g, 5, &w), 5, "the list's pages back to RWX", &w);
	quiet_check(&w, &q);
	report_result("vsm.prot.bad_inputs", !w.count, "%s", w.buf);
}

/*
 * The hypervisor on VTL0's behalf: a VTL0 hypercall (GetVpRegisters of VsmVpStatus) whose
 * input (output = false) or output block is in the test page at TEST_HC must not get
 * around VTL1's protection. The TLFS: the hypervisor raises a memory intercept (reference
 * 1.4): VTL1 gets one, a read (input) or a write (output) at the block's GPA, no GVA, VTL0
 * at its VMCALL (offset 0 of its hypercall page); VTL1 skips the VMCALL, so RAX keeps what
 * VTL0 had and nothing is written to the page.
 */
#define TEST_HC 0xc00
static void hypercall_through(struct why *w, bool output)
{
	const struct vsm *v = &pc.s->v;
	volatile u64 *blk = (volatile u64 *)(uintptr_t)(pc.page + TEST_HC);
	u64 in = output ? v->io : pc.page + TEST_HC,
	    out = output ? pc.page + TEST_HC : v->io + PAGE_SIZE;
	u64 c0 = icpts(pc.vp), before = output ? blk[0] : 0; /* output: R is allowed */
	u64 control = HVCALL_GET_VP_REGISTERS | HV_CONTROL_REP_COUNT(1), rax = SENTINEL;
	register u64 r8 __asm__("r8") = out;

	if (output) {
		volatile u64 *h = (volatile u64 *)(uintptr_t)v->io;
		h[0] = HV_PARTITION_ID_SELF;
		h[1] = HV_VP_INDEX_SELF;
		h[2] = HV_REG_VSM_VP_STATUS;
	}
	policy(pc.vp, VTL1_PROT_SKIP, 0);
	__asm__ volatile("call *%[page]"
			 : "+a"(rax), "+c"(control), "+d"(in), "+r"(r8)
			 : [page] "r"(v->hc_page)
			 : "r9", "r10", "r11", "cc", "memory");
	const struct want want = { output ? ACC_WRITE : ACC_READ,
				   pc.page + TEST_HC,
				   (u64)v->hc_page,
				   true,
				   SENTINEL,
				   true };
	if (check_icpts(w, output ? "a hypercall's output" : "a hypercall's input", pc.vp, c0, 1,
			&want) &&
	    rax != SENTINEL)
		why_add(w,
			"a VTL0 hypercall with its %s in the page: RAX 0x%lx after VTL1 skipped it",
			output ? "output" : "input", rax);
	if (output && blk[0] != before)
		why_add(w, "the hypercall wrote its output into the read-only page (0x%lx)",
			blk[0]);
}

/*
 * One protection on the test page: VTL0 reads, writes and executes it, in that order. Each
 * forbidden access: one intercept, resolved as written: reads skipped (VTL0's RAX keeps the
 * sentinel), writes skipped or granted (wskip), execution granted (+R+X).
 */
static void check_access(const char *name, u32 flags, bool wskip)
{
	struct why w = { 0 };
	u64 data = pc.page + TEST_DATA, code = pc.page + TEST_CODE, c0, v;
	u64 old = 0x1000 + flags, val = 0x2000 + flags;
	u32 cur = flags, other = pc.other;
	u64 o0 = other != ~0u ? icpts(other) : 0;
	struct quiet q;
	struct want want;

	if (!pc.ready || !pc.enabled) {
		report_fail(name, "%s", pc.not_run);
		return;
	}
	quiet_take(&q);
	*(volatile u64 *)data = old;
	if (flags == NA) { /* a valid GetVpRegisters input, for hypercall_through */
		volatile u64 *h = (volatile u64 *)(uintptr_t)(pc.page + TEST_HC);
		h[0] = HV_PARTITION_ID_SELF;
		h[1] = HV_VP_INDEX_SELF;
		h[2] = HV_REG_VSM_VP_STATUS;
	}
	if (!modify_ok(modify1(pc.vp, flags, pc.page, &w), 1, "the protection", &w))
		goto out;
	if (!(flags & R))
		hypercall_through(&w, false);
	if ((flags & R) && !(flags & W))
		hypercall_through(&w, true);
	/* Read. */
	c0 = icpts(pc.vp);
	policy(pc.vp, VTL1_PROT_SKIP, cur);
	v = vt0_prot_load(data, SENTINEL);
	want = (struct want){ ACC_READ, data, (u64)vt0_prot_load_insn, true, SENTINEL, false };
	if (check_icpts(&w, "read", pc.vp, c0, !(cur & R), &want) &&
	    v != ((cur & R) ? old : SENTINEL))
		why_add(&w, "read: VTL0 got 0x%lx, want 0x%lx", v, (cur & R) ? old : SENTINEL);
	/* Write. */
	c0 = icpts(pc.vp);
	policy(pc.vp, wskip ? VTL1_PROT_SKIP : VTL1_PROT_GRANT, cur);
	vt0_prot_store(data, val);
	want = (struct want){ ACC_WRITE, data, (u64)vt0_prot_store_insn, true, val, false };
	bool lands = (cur & W) || !wskip;
	if (check_icpts(&w, "write", pc.vp, c0, !(cur & W), &want)) {
		if (!(cur & W) && !wskip && rec(pc.vp)->flags != (cur | R | W))
			why_add(&w, "write: VTL1 granted 0x%lx", rec(pc.vp)->flags);
		if (!(cur & W) && !wskip)
			cur |= R | W;
		/* Readable now (VTL1 gave R with W), or it was. */
		policy(pc.vp, VTL1_PROT_SKIP, cur);
		c0 = icpts(pc.vp);
		v = (cur & R) ? vt0_prot_load(data, SENTINEL) : (lands ? val : old);
		check_icpts(&w, "reading back", pc.vp, c0, 0, NULL);
		if (v != (lands ? val : old))
			why_add(&w, "write: the page holds 0x%lx, want 0x%lx (%s)", v,
				lands ? val : old, lands ? "it lands" : "skipped");
	}
	/* Execute: the RET at TEST_CODE. */
	c0 = icpts(pc.vp);
	policy(pc.vp, VTL1_PROT_GRANT, cur);
	vt0_prot_exec(code);
	want = (struct want){ ACC_EXEC, code, code, false, 0, false };
	if (check_icpts(&w, "execute", pc.vp, c0, !(cur & X), &want) && !(cur & X) &&
	    rec(pc.vp)->flags != (cur | R | X))
		why_add(&w, "execute: VTL1 granted 0x%lx", rec(pc.vp)->flags);
	/* Nothing on the other VP. */
	if (other != ~0u && icpts(other) != o0)
		why_add(&w, "%lu intercept(s) on VP %u", icpts(other) - o0, other);
out:
	modify_ok(modify1(pc.vp, RWX, pc.page, &w), 1, "back to RWX", &w);
	quiet_check(&w, &q);
	report_result(name, !w.count, "0x%x: %s", flags, w.buf);
}

/*
 * An interrupt whose delivery VTL1's protection stops: VTL0 takes a self IPI (vector
 * VT0_IRQ_VEC, pending while IF was clear) with RSP in a page VTL1 made read-only. The
 * CPU's push of the interrupt frame is the forbidden write: a VM exit during event
 * delivery (SDM vol.3 28.2.4: the interrupt is in the IDT-vectoring information,
 * acknowledged already), an intercept with ExecutionState.InterruptionPending, and VTL1
 * grants the write. The interrupt must then be delivered, once: an event lost there would
 * also leave its vector in service at the APIC with no EOI coming.
 */
#define VT0_IRQ_VEC 0xd4
static volatile u32 vt0_irq_hits __attribute__((used));
void vt0_prot_irq_handler(void);
/* void vt0_prot_irq_on_stack(u64 top): IF clear on entry; RSP = top, STI, 8 NOPs, CLI,
 * RSP back (kept in RBX, which the handler and VTL1 leave alone). */
void vt0_prot_irq_on_stack(u64 top);
__asm__(".text\n"
	"vt0_prot_irq_handler:\n"
	"	push %rax\n	push %rcx\n	push %rdx\n"
	"	lock incl vt0_irq_hits(%rip)\n"
	"	mov $0x40000070, %ecx\n	xor %eax, %eax\n	xor %edx, %edx\n	wrmsr\n"
	"	pop %rdx\n	pop %rcx\n	pop %rax\n"
	"	iretq\n"
	".globl vt0_prot_irq_on_stack\n"
	"vt0_prot_irq_on_stack:\n"
	"	push %rbx\n"
	"	mov %rsp, %rbx\n"
	"	mov %rdi, %rsp\n"
	"	sti\n"
	"	nop\n	nop\n	nop\n	nop\n	nop\n	nop\n	nop\n	nop\n"
	"	cli\n"
	"	mov %rbx, %rsp\n"
	"	pop %rbx\n"
	"	ret\n");

static void check_interrupt_delivery(void)
{
	const char *name = "vsm.prot.interrupt_delivery";
	u64 stack = pc.storm + 6 * PAGE_SIZE, top = stack + PAGE_SIZE - 64, c0, rflags, rax;
	struct vt0_idt_gate saved;
	struct why w = { 0 };
	struct quiet q;

	if (!pc.ready || !pc.enabled) {
		report_fail(name, "%s", pc.not_run);
		return;
	}
	quiet_take(&q);
	vt0_idt_gate(VT0_IRQ_VEC, (u64)vt0_prot_irq_handler, &saved);
	vt0_irq_hits = 0;
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(rflags)::"memory");
	if (!modify_ok(modify1(pc.vp, R, stack, &w), 1, "R on the stack page", &w))
		goto out;
	/* HvCallSendSyntheticClusterIpi, fast, to this VP's VTL0: pending (IF is clear). */
	rax = vsm_hypercall(&pc.s->v, HVCALL_SEND_SYNTHETIC_CLUSTER_IPI | HV_CONTROL_FAST,
			    VT0_IRQ_VEC, 1ull << pc.vp);
	if (rax) {
		why_add(&w, "the self IPI: RAX 0x%lx", rax);
		goto out;
	}
	c0 = icpts(pc.vp);
	policy(pc.vp, VTL1_PROT_GRANT, R);
	vt0_prot_irq_on_stack(top);
	if (check_icpts(&w, "the interrupt frame's push", pc.vp, c0, 1, NULL)) {
		const struct vtl1_prot_rec *r =
			&rec(pc.vp)->log[(icpts(pc.vp) - 1) % VTL1_PROT_LOG];
		u16 state;
		u64 gpa = get64(r->msg + 16 + 0x38);

		__builtin_memcpy(&state, r->msg + 16 + 6, 2);
		if (r->msg[16 + 5] != ACC_WRITE || gpa < top - 64 || gpa >= top || !(state & 0x40))
			why_add(&w,
				"intercept: access %u at GPA 0x%lx (want a write below 0x%lx), "
				"ExecutionState 0x%x (want InterruptionPending, bit 6)",
				r->msg[16 + 5], gpa, top, state);
	}
	if (vt0_irq_hits != 1) {
		why_add(&w,
			"VTL0's handler ran %u time(s), want 1: the interrupt was lost when "
			"VTL0 resumed",
			vt0_irq_hits);
		/* Its vector is in service with nobody to EOI it: EOI here, or every lower one
		 * would stay blocked. */
		if (!vt0_irq_hits)
			vt0_try_wrmsr(0x40000070, 0);
	}
out:
	modify_ok(modify1(pc.vp, RWX, stack, &w), 1, "back to RWX", &w);
	if (rflags & (1u << 9))
		__asm__ volatile("sti" ::: "memory");
	vt0_idt_gate(VT0_IRQ_VEC, 0, &saved);
	quiet_check(&w, &q);
	report_result(name, !w.count, "%s", w.buf);
}

/* other_cpu: VP1's VTL0 writes page[0] = 1, 2, 3, ... until its VTL1 stops it. */
static struct spin_writer {
	u64 page;
	volatile u64 progress; /* the last value written (or skipped) */
	volatile u32 stop;     /* set by VP1's VTL1 at the intercept */
	u32 budget;
	volatile u32 started;
} sw;

static void spin_write(void *arg)
{
	struct spin_writer *s = arg;

	s->started = 1;
	for (u64 i = 1; i <= s->budget && !s->stop; i++) {
		vt0_prot_store(s->page, i);
		s->progress = i;
	}
}

/* A check that needs the agent on another VP and the protections set up: reported NOT RUN
 * (no agent: one CPU, or it stopped answering) or failed (no set-up) when it cannot run. */
static bool two_vps_ready(const char *name)
{
	if (pc.other == ~0u) {
		report_skip(name, "NOT RUN: no agent on another VP (one CPU, or it stopped "
				  "answering)");
		return false;
	}
	if (!pc.ready || !pc.enabled) {
		report_fail(name, "%s", pc.not_run);
		return false;
	}
	return true;
}

static void check_other_cpu(void)
{
	const char *name = "vsm.prot.other_cpu";
	struct why w = { 0 };
	u32 vp1 = pc.other;
	u64 c0, c1, seen = 0, rax;
	struct quiet q;

	if (!two_vps_ready(name))
		return;
	quiet_take(&q);
	sw.page = pc.storm + 5 * PAGE_SIZE;
	*(volatile u64 *)sw.page = 0;
	sw.progress = 0;
	sw.stop = 0;
	sw.started = 0;
	sw.budget = SPIN_BUDGET;
	c0 = icpts(pc.vp);
	c1 = icpts(vp1);
	rec(vp1)->skip_len = INSN_LEN;
	rec(vp1)->stop_addr = (u64)(uintptr_t)&sw.stop;
	__atomic_store_n(&rec(vp1)->policy, VTL1_PROT_SKIP | VTL1_PROT_STOP, __ATOMIC_RELEASE);
	if (!vt0_vsm_agent_run(spin_write, &sw, false)) {
		report_fail(name, "VP %u's agent did not take the request", vp1);
		return;
	}
	u64 t0 = cpu_rdtsc();
	while (sw.progress < SPIN_BEFORE && cpu_rdtsc() - t0 < 100000000ull)
		__asm__ volatile("pause" ::: "memory");
	if (sw.progress < SPIN_BEFORE) {
		why_add(&w, "VP %u's VTL0 wrote %lu time(s) only", vp1, sw.progress);
		sw.stop = 1;
	}
	/* VTL1 reads VP1's progress right after its call returned. */
	gpn_list[pc.vp][0] = sw.page >> 12;
	rax = modify_raw(pc.vp, R, 1, gpn_list[pc.vp], (u64)(uintptr_t)&sw.progress, &seen, &w);
	modify_ok(rax, 1, "read-only from VP 0", &w);
	if (!vt0_vsm_agent_wait()) {
		why_add(&w, "VP %u's VTL0 did not stop (progress %lu)", vp1, sw.progress);
		report_result(name, false, "%s", w.buf);
		return;
	}
	u64 last = *(volatile u64 *)sw.page; /* readable: R */
	if (check_icpts(&w, "VP 1's write", vp1, c1, 1, NULL)) {
		const struct vtl1_prot_rec *r = &rec(vp1)->log[(icpts(vp1) - 1) % VTL1_PROT_LOG];
		u64 blocked = r->vtl0_rax;
		struct want want = { ACC_WRITE, sw.page, (u64)vt0_prot_store_insn,
				     true,	blocked, false };

		check_msg(&w, "VP 1's write", vp1, r, &want);
		/* Every write before the blocked one landed; the blocked one is at most the one
		 * after what VP1 had done when the call returned, plus the one in flight. */
		if (last != blocked - 1 || blocked > seen + 2)
			why_add(&w,
				"VP %u's write of %lu intercepted, the page holds %lu, VP %u had "
				"written %lu when the call returned (want the page at the value "
				"before the intercepted one, and that one at most 2 after)",
				vp1, blocked, last, vp1, seen);
		report_info("vsm.prot.other_cpu: VP %u had written %lu when VP %u's call returned; "
			    "its write of %lu was intercepted",
			    vp1, seen, pc.vp, blocked);
	}
	check_icpts(&w, "VP 0", pc.vp, c0, 0, NULL);
	rec(vp1)->stop_addr = 0;
	policy(vp1, VTL1_PROT_SKIP, 0);
	modify_ok(modify1(pc.vp, RWX, sw.page, &w), 1, "back to RWX", &w);
	quiet_check(&w, &q);
	report_result(name, !w.count, "%s", w.buf);
}

/* One page in the middle of a 2 MiB range: only it is protected, its neighbours not. */
static void check_large_page(void)
{
	const char *name = "vsm.prot.large_page";
	u64 chunk = (pc.large + SIZE_2M - 1) & ~(SIZE_2M - 1), x = chunk + 0x107000;
	struct why w = { 0 };
	u32 missed = 0, first = 0;
	struct quiet q;

	if (!pc.ready || !pc.enabled) {
		report_fail(name, "%s", pc.not_run);
		return;
	}
	quiet_take(&q);
	/* Every page written first: the TLB holds the range (as one 2 MiB entry, if the views
	 * map it so). */
	for (u64 a = chunk; a < chunk + SIZE_2M; a += PAGE_SIZE)
		*(volatile u64 *)a = a;
	if (!modify_ok(modify1(pc.vp, R, x, &w), 1, "R on one page", &w))
		goto out;
	write_expect(&w, "the page", x, 0x3333, true);
	u64 c0 = icpts(pc.vp);
	policy(pc.vp, VTL1_PROT_SKIP, 0);
	if (vt0_prot_load(x, SENTINEL) != x)
		why_add(&w, "the page reads 0x%lx, want 0x%lx", vt0_prot_load(x, SENTINEL), x);
	check_icpts(&w, "reading the page", pc.vp, c0, 0, NULL);
	/* The other 511 pages: written and read back, no intercept. */
	c0 = icpts(pc.vp);
	for (u64 a = chunk; a < chunk + SIZE_2M; a += PAGE_SIZE) {
		if (a == x)
			continue;
		vt0_prot_store(a, a ^ 0x5a5a);
		if (*(volatile u64 *)a != (a ^ 0x5a5a) && !missed++)
			first = (u32)((a - chunk) >> 12);
	}
	check_icpts(&w, "the 511 neighbours", pc.vp, c0, 0, NULL);
	if (missed)
		why_add(&w, "%u neighbour write(s) did not land, first page %u of the range",
			missed, first);
	/* Given back: writable again, without an intercept. */
	if (modify_ok(modify1(pc.vp, RWX, x, &w), 1, "RWX on the page", &w)) {
		write_expect(&w, "the page given back", x, 0x4444, false);
		c0 = icpts(pc.vp);
		for (u64 a = chunk; a < chunk + SIZE_2M; a += PAGE_SIZE)
			vt0_prot_store(a, a);
		check_icpts(&w, "the range after", pc.vp, c0, 0, NULL);
	}
out:
	modify_ok(modify1(pc.vp, RWX, x, &w), 1, "back to RWX", &w);
	quiet_check(&w, &q);
	report_result(name, !w.count, "page 0x%lx in [0x%lx, +2 MiB): %s", x, chunk, w.buf);
}

/* A full input page: 510 pages to R in one call, and back. */
static void check_510_pages(void)
{
	const char *name = "vsm.prot.510_pages";
	static const u32 samples[] = { 0, 1, 100, 255, 256, 257, 400, 508, 509 };
	u64 *g = gpn_list[pc.vp], c0;
	struct why w = { 0 };
	u32 bad = 0;
	struct quiet q;

	if (!pc.ready || !pc.enabled) {
		report_fail(name, "%s", pc.not_run);
		return;
	}
	quiet_take(&q);
	for (u32 i = 0; i < BIG_PAGES; i++) {
		u64 a = pc.big + (u64)i * PAGE_SIZE;
		*(volatile u64 *)a = a;
		g[i] = a >> 12;
	}
	if (!modify_ok(modify(pc.vp, R, g, BIG_PAGES, &w), BIG_PAGES, "510 pages to R", &w))
		goto out;
	/* Every page reads, no intercept. */
	c0 = icpts(pc.vp);
	policy(pc.vp, VTL1_PROT_SKIP, 0);
	for (u32 i = 0; i < BIG_PAGES; i++) {
		u64 a = pc.big + (u64)i * PAGE_SIZE;
		if (vt0_prot_load(a, SENTINEL) != a)
			bad++;
	}
	check_icpts(&w, "reads", pc.vp, c0, 0, NULL);
	if (bad)
		why_add(&w, "%u page(s) read wrong", bad);
	/* Sampled writes: each one intercept, none lands. */
	for (u32 i = 0; i < ARRAY_SIZE(samples); i++)
		write_expect(&w, "a write", pc.big + (u64)samples[i] * PAGE_SIZE, 0x5555 + i, true);
	for (u32 i = 0; i < BIG_PAGES; i++)
		g[i] = (pc.big >> 12) + i;
	if (!modify_ok(modify(pc.vp, RWX, g, BIG_PAGES, &w), BIG_PAGES, "510 pages to RWX", &w))
		goto out;
	/* Every page writable again. */
	c0 = icpts(pc.vp);
	bad = 0;
	for (u32 i = 0; i < BIG_PAGES; i++) {
		u64 a = pc.big + (u64)i * PAGE_SIZE;
		vt0_prot_store(a, ~a);
		if (*(volatile u64 *)a != ~a)
			bad++;
	}
	check_icpts(&w, "writes after", pc.vp, c0, 0, NULL);
	if (bad)
		why_add(&w, "%u write(s) after did not land", bad);
out:
	for (u32 i = 0; i < BIG_PAGES; i++)
		g[i] = (pc.big >> 12) + i;
	modify(pc.vp, RWX, g, BIG_PAGES, &w);
	quiet_check(&w, &q);
	report_result(name, !w.count, "%s", w.buf);
}

/* ---- storm ---- */

struct storm_write {
	u64 addr, val;
};

static void storm_agent_write(void *arg)
{
	const struct storm_write *s = arg;

	vt0_prot_store(s->addr, s->val);
}

/*
 * The storm goes through the pages two iterations at a time: pair m changes page m % 8
 * twice, to storm_seq[m % 7] and then to storm_seq[(m + 1) % 7], both times by the same
 * VP's VTL1 (which one changes every pair). So in some pairs (RW then R, RWX then NA) the
 * other VP's VTL0 has just written the page, with nothing since that would have made it
 * leave the guest: its TLB may still allow the write, and only the change's invalidation
 * on every CPU makes its second write intercept.
 */
static const u32 storm_seq[] = { RW, R, RWX, NA, RX, R, RW };

static void check_storm(void)
{
	const char *name = "vsm.prot.storm";
	u64 model[STORM_PAGES][2], expect[2] = { 0, 0 }, base[2], t0, t1;
	u32 vps[2] = { pc.vp, pc.other }, changes[2] = { 0, 0 }, n = pc.loops;
	struct storm_write sw1;
	struct why w = { 0 };
	struct quiet q;
	bool stop = false;
	u32 i;

	if (!two_vps_ready(name))
		return;
	quiet_take(&q);
	for (u32 p = 0; p < STORM_PAGES; p++) {
		u64 a = pc.storm + (u64)p * PAGE_SIZE;
		model[p][0] = ((volatile u64 *)a)[0] = 0;
		model[p][1] = ((volatile u64 *)a)[1] = 0;
	}
	for (u32 k = 0; k < 2; k++) {
		policy(vps[k], VTL1_PROT_SKIP, 0);
		base[k] = icpts(vps[k]);
	}
	t0 = cpu_rdtsc();
	for (i = 0; i < n && !stop; i++) {
		u32 m = i / 2, p = m % STORM_PAGES;
		u32 f = storm_seq[(m + (i & 1)) % ARRAY_SIZE(storm_seq)];
		u32 by = (m + m / STORM_PAGES) & 1; /* which VP's VTL1 changes it */
		u64 a = pc.storm + (u64)p * PAGE_SIZE;
		u64 v0 = (u64)(i + 1) << 8, v1 = v0 | 1, rax;

		gpn_list[vps[by]][0] = a >> 12;
		rax = modify(vps[by], f, gpn_list[vps[by]], 1, &w);
		if (!modify_ok(rax, 1, "a change", &w))
			break;
		changes[by]++;
		/* Both VPs write the page at once: VP0 its qword 0, VP1 its qword 1. */
		sw1.addr = a + 8;
		sw1.val = v1;
		if (!vt0_vsm_agent_run(storm_agent_write, &sw1, false)) {
			why_add(&w, "VP %u's agent did not take the write", pc.other);
			break;
		}
		vt0_prot_store(a, v0);
		if (!vt0_vsm_agent_wait()) {
			why_add(&w, "VP %u's write did not complete", pc.other);
			break;
		}
		bool forbid = !(f & W);
		for (u32 k = 0; k < 2; k++) {
			expect[k] += forbid;
			if (!forbid)
				model[p][k] = k ? v1 : v0;
		}
		/* Checked at once: a lost or extra intercept is a stale permission. */
		if (icpts(vps[0]) - base[0] != expect[0] || icpts(vps[1]) - base[1] != expect[1]) {
			why_add(&w,
				"iteration %u (page %u to 0x%x by VP %u): intercepts VP %u %lu, VP %u "
				"%lu, want %lu, %lu",
				i, p, f, vps[by], vps[0], icpts(vps[0]) - base[0], vps[1],
				icpts(vps[1]) - base[1], expect[0], expect[1]);
			break;
		}
		for (u32 k = 0; k < 2 && forbid; k++) {
			const struct vtl1_prot_rec *r =
				&rec(vps[k])->log[(icpts(vps[k]) - 1) % VTL1_PROT_LOG];
			if (get64(r->msg + 16 + 0x38) != a + 8 * k || r->msg[16 + 5] != ACC_WRITE) {
				why_add(&w,
					"iteration %u: VP %u's intercept at GPA 0x%lx access %u, "
					"want 0x%lx write",
					i, vps[k], get64(r->msg + 16 + 0x38), r->msg[16 + 5],
					a + 8 * k);
				stop = true;
			}
		}
	}
	t1 = cpu_rdtsc();
	/* Every page back to RWX, then the memory against the model. */
	for (u32 p = 0; p < STORM_PAGES; p++)
		gpn_list[pc.vp][p] = (pc.storm >> 12) + p;
	modify_ok(modify(pc.vp, RWX, gpn_list[pc.vp], STORM_PAGES, &w), STORM_PAGES,
		  "the pages back to RWX", &w);
	for (u32 p = 0; p < STORM_PAGES && !w.count; p++)
		for (u32 k = 0; k < 2; k++) {
			u64 got = ((volatile u64 *)(pc.storm + (u64)p * PAGE_SIZE))[k];
			if (got != model[p][k])
				why_add(&w,
					"page %u qword %u holds 0x%lx, want 0x%lx (the last "
					"allowed write)",
					p, k, got, model[p][k]);
		}
	quiet_check(&w, &q);
	u32 done = changes[0] + changes[1];
	report_info("vsm.prot.storm: %u single-page changes (%u by VP %u, %u by VP %u), %lu + %lu "
		    "intercepts, %lu TSC ticks each",
		    done, changes[0], vps[0], changes[1], vps[1], icpts(vps[0]) - base[0],
		    icpts(vps[1]) - base[1], done ? (t1 - t0) / done : 0);
	report_result(name, !w.count && n, "%s%s", w.buf, n ? "" : "0 iterations asked");
}

void vt0_vsm_check_prot(struct vsm_state *s)
{
	static const char *const names[] = {
		"vsm.prot.enable",    "vsm.prot.bad_inputs",
		"vsm.prot.na",	      "vsm.prot.r",
		"vsm.prot.rx",	      "vsm.prot.rw",
		"vsm.prot.rwx",	      "vsm.prot.interrupt_delivery",
		"vsm.prot.other_cpu", "vsm.prot.large_page",
		"vsm.prot.510_pages", "vsm.prot.storm",
	};

	__builtin_memset(&pc, 0, sizeof(pc));
	pc.s = s;
	pc.vp = s->vp;
	pc.other = vt0_vsm_agent_vp();
	pc.loops = s->ctx->opt.prot_loops;
	if (!setup(s)) {
		for (u32 i = 0; i < ARRAY_SIZE(names); i++)
			report_fail(names[i], "%s", pc.not_run);
		return;
	}
	check_before();
	check_enable();
	check_bad_inputs();
	check_access("vsm.prot.na", NA, false);
	check_access("vsm.prot.r", R, true);
	check_access("vsm.prot.rx", RX, false);
	check_access("vsm.prot.rw", RW, false);
	check_access("vsm.prot.rwx", RWX, false);
	check_interrupt_delivery();
	check_other_cpu();
	check_large_page();
	check_510_pages();
	check_storm();
}
