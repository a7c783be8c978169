// SPDX-License-Identifier: MIT
/* Host stand-ins for core symbols a unit test cannot link (see fake_vmx.h). */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/core.h"
#include "arch/x86/exception.h"
#include "arch/x86/ept.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vp_vtl.h"
#include "hyperv/hv.h"
#include "vtl/vtl.h"
#include "lib/errno.h"
#include "mm/phys.h"
#include "mm/pool.h"
#include "tests/unit/fake_vmx.h"

#define FAKE_DEF __attribute__((weak))

/* ---- data the core defines elsewhere ----------------------------------------------------- */

FAKE_DEF struct core core;
FAKE_DEF u64 host_idt[512];
FAKE_DEF const u8 vmx_exit_stub[16];

/* ---- fault-safe MSR access (exception_stubs.S): -EFAULT where the CPU would #GP ---------- */

FAKE_DEF int msr_read_safe(u32 msr, u64 *val)
{
	u64 v = 0;

	if (fake_msr_access(msr, false, &v))
		return -EFAULT;
	*val = v;
	return 0;
}

FAKE_DEF int msr_write_safe(u32 msr, u64 val)
{
	return fake_msr_access(msr, true, &val) ? -EFAULT : 0;
}

/* ---- halting ------------------------------------------------------------------------------ */

jmp_buf fake_halt_jmp;
bool fake_halt_armed;
u32 fake_halt_count;

void fake_halt_arm(void)
{
	fake_halt_armed = true;
}

NORETURN static void fake_halt_jump(int code, const char *what)
{
	if (!fake_halt_armed) {
		fprintf(stderr, "fake_vmx: unexpected %s\n", what);
		abort();
	}
	fake_halt_armed = false;
	longjmp(fake_halt_jmp, code);
}

FAKE_DEF void cpu_halt_forever(void)
{
	fake_halt_count++;
	fake_halt_jump(1, "cpu_halt_forever()");
}

/* ---- vmx_run (vmx_run.S) ------------------------------------------------------------------ */

struct fake_vmx_step fake_vmx_script[FAKE_VMX_MAX_STEPS];
u32 fake_vmx_nsteps;
u32 fake_vmx_runs;
int fake_vmx_launched[FAKE_VMX_MAX_STEPS];

void fake_vmx_script_reset(void)
{
	memset(fake_vmx_script, 0, sizeof(fake_vmx_script));
	memset(fake_vmx_launched, 0, sizeof(fake_vmx_launched));
	fake_vmx_nsteps = 0;
	fake_vmx_runs = 0;
	fake_halt_armed = false;
	fake_halt_count = 0;
}

void fake_vmx_script_add(int ret, u32 reason, u64 qual, u32 len,
			 void (*guest)(struct vcpu_regs *regs))
{
	if (fake_vmx_nsteps >= FAKE_VMX_MAX_STEPS) {
		fprintf(stderr, "fake_vmx: script longer than %d steps\n", FAKE_VMX_MAX_STEPS);
		abort();
	}
	fake_vmx_script[fake_vmx_nsteps++] = (struct fake_vmx_step){
		.ret = ret, .reason = reason, .qual = qual, .len = len, .guest = guest
	};
}

/* Like vmx_run.S: each step is one VM entry; after an exit vcpu_exit() runs and the next
 * step is the VMRESUME that follows when it returns 0. */
FAKE_DEF int vmx_run(struct vcpu_regs *regs, int launched)
{
	for (;;) {
		const struct fake_vmx_step *s;

		if (fake_vmx_runs >= fake_vmx_nsteps)
			fake_halt_jump(2, "vmx_run() past the end of the script");
		fake_vmx_launched[fake_vmx_runs] = launched;
		s = &fake_vmx_script[fake_vmx_runs++];
		if (s->ret)
			return s->ret;
		/* SDM vol.3 28.2: what a VM exit records in the exit-information fields. */
		fake_vmcs_set(VMCS_EXIT_REASON, s->reason);
		fake_vmcs_set(VMCS_EXIT_QUALIFICATION, s->qual);
		fake_vmcs_set(VMCS_EXIT_INSTR_LEN, s->len);
		if (s->guest)
			s->guest(regs);
		int r = vcpu_exit((struct vcpu *)regs); /* regs is the vcpu's first member */
		if (r == VCPU_ENTER_LAUNCH) {
			launched = 0; /* the next step is a VMLAUNCH */
			continue;
		}
		if (r)
			return r;
		launched = 1;
	}
}

/* ---- parking (exception_stubs.S) and the VP table (core_main.c) ---------------------------- */

void (*fake_park_fn)(volatile s32 *vector);
u32 fake_park_count;
struct vcpu *fake_vcpus[FAKE_MAX_VCPUS];
u32 fake_nvcpus;

FAKE_DEF void vcpu_park_wait(volatile s32 *vector)
{
	fake_park_count++;
	if (fake_park_fn)
		fake_park_fn(vector);
	if (*vector < 0)
		fake_halt_jump(3, "vcpu_park_wait() that would never wake");
}

u32 fake_nmi_unblock_count;

FAKE_DEF void cpu_unblock_nmi(void)
{
	fake_nmi_unblock_count++;
}

FAKE_DEF u32 vcpu_count(void)
{
	return fake_nvcpus;
}

FAKE_DEF struct vcpu *vcpu_get(u32 index)
{
	return index < fake_nvcpus ? fake_vcpus[index] : NULL;
}

/* ---- a VP in a known state ---------------------------------------------------------------- */

/* Pages of VTL0's view with other permissions than RWX (reset by fake_vcpu_setup). */
static struct {
	u64 page;
	u8 perm;
} fake_view_limits[4];
static u32 fake_nview_limits;

void fake_view_limit(u64 gpa, u8 perm)
{
	for (u32 i = 0; i < fake_nview_limits; i++)
		if (fake_view_limits[i].page == (gpa & ~0xfffULL)) {
			fake_view_limits[i].perm = perm;
			return;
		}
	if (fake_nview_limits >= 4)
		abort();
	fake_view_limits[fake_nview_limits].page = gpa & ~0xfffULL;
	fake_view_limits[fake_nview_limits++].perm = perm;
}

void fake_vcpu_setup(struct vcpu *v, struct pcpu *p)
{
	fake_intrin_reset();
	fake_vmx_script_reset();
	fake_park_fn = NULL;
	fake_park_count = 0;
	fake_nmi_unblock_count = 0;
	memset(fake_vcpus, 0, sizeof(fake_vcpus));
	memset(&core, 0, sizeof(core));
	fake_nview_limits = 0;
	core.caps.cr0_fixed0 = FAKE_CR0_FIXED0;
	core.caps.cr0_fixed1 = FAKE_CR0_FIXED1;
	core.caps.cr4_fixed0 = FAKE_CR4_FIXED0;
	core.caps.cr4_fixed1 = FAKE_CR4_FIXED1;
	core.caps.ept_vpid = EPTCAP_INVVPID | EPTCAP_INVVPID_SINGLE | EPTCAP_INVVPID_ALL;
	core.caps.invvpid = true;
	core.caps.phys_addr_bits = 39;
	core.entry = ENTRY_LOAD_DEBUG | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER;
	core.ept[0].root_pa = 0x100000; /* VTL0's view (pt_lookup above: the identity) */

	memset(p, 0, sizeof(*p));
	memset(v, 0, sizeof(*v));
	p->self = p;
	p->vcpu = v;
	v->pcpu = p;
	v->vpid = FAKE_VPID;
	v->vmcs_pa = FAKE_VMCS_PA;
	v->launched = true;
	v->state = VCPU_RUNNING;
	v->entry_ctls = core.entry | ENTRY_IA32E_GUEST;
	v->sipi_vector = -1;
	static struct vp_private_msrs msrs; /* the running VTL's private MSRs (vp_vtl.h) */
	memset(&msrs, 0, sizeof(msrs));
	v->msrs = &msrs;
	/* The owned CR bits as vmcs_create() sets them. */
	v->cr0_mask = CR0_PE | CR0_PG | CR0_NE | (FAKE_CR0_FIXED0 & 0xffffffffULL) |
		      (~FAKE_CR0_FIXED1 & 0xffffffffULL);
	v->cr4_mask = CR4_VMXE | CR4_PAE | (FAKE_CR4_FIXED0 & 0xffffffffULL) |
		      (~FAKE_CR4_FIXED1 & 0xffffffffULL);
	fake_vcpus[0] = v;
	fake_nvcpus = 1;

	fake_vmcs_set(VMCS_VPID, v->vpid);
	fake_vmcs_set(VMCS_ENTRY_CTLS, v->entry_ctls);
	fake_vmcs_set(VMCS_GUEST_CR0, (FAKE_GUEST_CR0 | FAKE_CR0_FIXED0) & FAKE_CR0_FIXED1);
	fake_vmcs_set(VMCS_CR0_SHADOW, FAKE_GUEST_CR0);
	fake_vmcs_set(VMCS_GUEST_CR3, FAKE_GUEST_CR3);
	fake_vmcs_set(VMCS_GUEST_CR4, FAKE_GUEST_CR4 | FAKE_CR4_FIXED0);
	fake_vmcs_set(VMCS_CR4_SHADOW, FAKE_GUEST_CR4);
	fake_vmcs_set(VMCS_GUEST_EFER, FAKE_GUEST_EFER);
	fake_vmcs_set(VMCS_GUEST_CS_AR, FAKE_GUEST_CS_AR_64);
	fake_vmcs_set(VMCS_GUEST_SS_AR, FAKE_GUEST_SS_AR);
	fake_vmcs_set(VMCS_GUEST_RIP, FAKE_GUEST_RIP);
	fake_vmcs_set(VMCS_GUEST_RSP, FAKE_GUEST_RSP);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_IF);
	fake_vmcs_set(VMCS_LINK_POINTER, ~0ULL);
	memset(fake_vmcs_writes, 0, sizeof(fake_vmcs_writes));
}

/* ---- debug console and report hooks (arch/x86/dbgcon.c, exception.c) -------------------- */

u32 fake_dbgcon_polls;

FAKE_DEF u64 dbgcon_next_poll;
FAKE_DEF bool dbgcon_timing;

FAKE_DEF bool dbgcon_cpu(const struct vcpu *v)
{
	return false; /* the console lives elsewhere in these tests */
}

FAKE_DEF void dbgcon_poll(struct vcpu *v, bool force)
{
	fake_dbgcon_polls++;
}

FAKE_DEF bool dbgcon_is_open(void)
{
	return false;
}

FAKE_DEF void cpu_wait_nonzero(volatile u8 *word)
{
	if (!*word)
		fake_halt_jump(4, "cpu_wait_nonzero() that would never wake");
}

FAKE_DEF void backtrace_print(u64 rbp)
{
}

FAKE_DEF void log_dump_tail(unsigned lines)
{
}

/* ---- EPT changes (arch/x86/ept_change.c): recorded, not applied -------------------------- */

u64 fake_overlay_gpa[8], fake_overlay_hpa[8];
u32 fake_noverlays, fake_ept_syncs;

FAKE_DEF void ept_sync_before_entry(struct vcpu *v)
{
	fake_ept_syncs++;
}

/* Every view maps every GPA to itself, RWX write-back (mm/pt.c is not linked here), but
 * for fake_view_limit's pages in VTL0's. */
FAKE_DEF int pt_lookup(const struct pt *pt, u64 va, u64 *pa, struct pt_attr *a, unsigned *level)
{
	*pa = va;
	*a = (struct pt_attr){ PT_RWX, PT_MT_WB, 0 };
	for (u32 i = 0; pt == &core.ept[0] && i < fake_nview_limits; i++)
		if (fake_view_limits[i].page == (va & ~0xfffULL))
			a->perm = fake_view_limits[i].perm;
	if (level)
		*level = 1;
	return 0;
}

/* A view "built": a root address and an EPTP, no tables (fake_view_build_fail: -ENOMEM). */
int fake_view_build_fail;
FAKE_DEF int ept_view_build(u32 vtl, struct ept_stats *st)
{
	if (fake_view_build_fail)
		return -ENOMEM;
	*st = (struct ept_stats){ 0 };
	core.ept[vtl].root_pa = 0x100000 * (vtl + 1);
	core.eptp[vtl] = core.ept[vtl].root_pa | 0x5e;
	return 0;
}

/* Overlays are recorded as GPA page | VTL, as ept_change.c keeps them. */
FAKE_DEF bool ept_is_overlay(u32 vtl, u64 gpa)
{
	for (u32 i = 0; i < fake_noverlays; i++)
		if (fake_overlay_gpa[i] == ((gpa & ~0xfffULL) | vtl))
			return true;
	return false;
}

FAKE_DEF int ept_set_overlay(struct vcpu *self, u32 vtl, u64 gpa, u64 hpa, u8 perm)
{
	if (fake_noverlays == 8)
		return -ENOMEM;
	fake_overlay_gpa[fake_noverlays] = (gpa & ~0xfffULL) | vtl;
	fake_overlay_hpa[fake_noverlays++] = hpa;
	return 0;
}

FAKE_DEF int ept_clear_overlay(struct vcpu *self, u32 vtl, u64 gpa)
{
	for (u32 i = 0; i < fake_noverlays; i++) {
		if (fake_overlay_gpa[i] == ((gpa & ~0xfffULL) | vtl)) {
			fake_overlay_gpa[i] = fake_overlay_gpa[--fake_noverlays];
			fake_overlay_hpa[i] = fake_overlay_hpa[fake_noverlays];
		}
	}
	return 0;
}

extern u32 fake_noverlays;
extern u8 fake_guest_mem[2 * 4096];

void fake_two_vps_setup(struct vcpu *vp, struct vcpu *vp1, struct pcpu *pc, u8 *mem,
			size_t ram_bytes, size_t mem_bytes)
{
	fake_vcpu_setup(vp, pc);
	if (fake_partition_memory(mem + ram_bytes, mem_bytes - ram_bytes))
		abort();
	memset(mem, 0, ram_bytes);
	fake_noverlays = 0;
	fake_vmcs_multi = true;
	hv_set_privileges_off(0);
	vtl_reset();
	memset(vp_msrs, 0, sizeof(vp_msrs));
	vp->msrs = vp_vtl_msrs(vp, 0);
	*vp1 = *vp;
	vp1->index = 1;
	vp1->msrs = vp_vtl_msrs(vp1, 0);
	fake_vcpus[0] = vp;
	fake_vcpus[1] = vp1;
	fake_nvcpus = 2;
	memset(fake_guest_mem, 0, sizeof(fake_guest_mem));
	fake_vmcs_set(VMCS_PIN_CTLS, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	fake_vmcs_set(VMCS_HOST_RSP, 0x5000);
	core.caps.pin =
		(u64)(PIN_EXTINT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS | PIN_PREEMPT_TIMER)
		<< 32;
	core.caps.basic = 0x12;
	core.caps.exit = (u64)EXIT_ACK_INTR << 32; /* allowed-1 */
	core.caps.proc = (u64)(PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING) << 32;
	/* The private MSRs a switch saves and loads, and the host state a VMCS gets. */
	static const u32 msrs[] = {
		MSR_IA32_KERNEL_GS_BASE, MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR,
		MSR_IA32_FMASK,		 MSR_IA32_EFER, MSR_IA32_PAT
	};
	for (size_t i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		fake_msr_set(msrs[i], 0);
}

/* ---- VTL protections (arch/x86/ept_change.c): recorded; the engine has test_ept_prot ---- */

struct fake_prot fake_prot;

FAKE_DEF int ept_prot_enable(struct vcpu *self, u8 val)
{
	if (fake_prot.on)
		return -EEXIST;
	fake_prot.on = true;
	fake_prot.default_val = val;
	return 0;
}

FAKE_DEF bool ept_prot_enabled(void)
{
	return fake_prot.on;
}

FAKE_DEF int ept_prot_modify(struct vcpu *self, const u64 *gpn, u32 n, u8 val, u32 *done)
{
	u32 stop = fake_prot.stop_at < n ? fake_prot.stop_at : n;

	fake_prot.calls++;
	fake_prot.val = val;
	fake_prot.n = n;
	for (u32 i = 0; i < n && i < 512; i++)
		fake_prot.gpn[i] = gpn[i];
	*done = stop;
	return stop < n ? fake_prot.stop_err : 0;
}

FAKE_DEF int ept_prot_fault(u64 gpa, u64 qual, u8 *memtype)
{
	*memtype = 6;
	return fake_prot.fault;
}

FAKE_DEF void ept_flush_local(u32 vtl)
{
	fake_prot.local_flushes++;
}

/* ---- guest memory for hypercall input/output (hyperv/guest_access.c) --------------------- */

u8 fake_guest_mem[2 * 4096] __attribute__((aligned(4096)));

/* GPAs FAKE_GUEST_GPA.. (two pages) are ordinary memory; everything else is not. VTL0's
 * view may refuse the access (fake_view_limit). */
FAKE_DEF void *hv_guest_block(struct vcpu *v, u64 gpa, u32 len, bool write)
{
	struct pt_attr a;
	u64 pa;

	if (!len || (gpa & 7) || (gpa & 0xfff) + len > 0x1000 || gpa < FAKE_GUEST_GPA ||
	    gpa + len > FAKE_GUEST_GPA + sizeof(fake_guest_mem))
		return NULL;
	pt_lookup(&core.ept[v->active_vtl], gpa, &pa, &a, NULL);
	if (!(a.perm & PT_R) || (write && !(a.perm & PT_W)))
		return NULL;
	return fake_guest_mem + (gpa - FAKE_GUEST_GPA);
}

u32 fake_platform_resets;

FAKE_DEF void platform_reset(void)
{
	fake_platform_resets++;
}

u32 fake_fixed_ipis, fake_fixed_last_apic, fake_fixed_last_vector;

FAKE_DEF void apic_send_fixed(u32 apic_id, u8 vector)
{
	fake_fixed_ipis++;
	fake_fixed_last_apic = apic_id;
	fake_fixed_last_vector = vector;
}

u64 fake_tlb_flush_mask;
u32 fake_tlb_flushes;

FAKE_DEF void vcpu_flush_tlbs(struct vcpu *self, u64 mask)
{
	fake_tlb_flushes++;
	fake_tlb_flush_mask = mask;
}

/* ---- MSR exits as a guest causes them ------------------------------------------------------ */

int fake_wrmsr_exit(struct vcpu *v, u32 msr, u64 val)
{
	v->in_guest = 0; /* as vmx_run.S's exit stub */
	v->regs.gpr[RCX] = msr;
	v->regs.gpr[RAX] = (u32)val;
	v->regs.gpr[RDX] = val >> 32;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 2);
	return vmexit_dispatch(v, EXIT_WRMSR);
}

int fake_rdmsr_exit(struct vcpu *v, u32 msr, u64 *val)
{
	v->in_guest = 0; /* as vmx_run.S's exit stub */
	v->regs.gpr[RCX] = msr;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 2);
	int r = vmexit_dispatch(v, EXIT_RDMSR);
	*val = (v->regs.gpr[RDX] << 32) | (u32)v->regs.gpr[RAX];
	return r;
}

bool fake_gp_injected(void)
{
	/* Valid, hardware exception, error code delivered, vector 13 (SDM vol.3 25.8.3). */
	return fake_vmcs_get(VMCS_ENTRY_INTR_INFO) == 0x80000b0dULL;
}

static struct bootinfo fake_bi;

int fake_partition_memory(u8 *pool_mem, u64 pool_size)
{
	memset(&fake_bi, 0, sizeof(fake_bi));
	fake_bi.mem_count = 3;
	fake_bi.mem[0] = (struct bootinfo_mem){ 0, FAKE_POOL_PA, BOOTINFO_MEM_RAM, 7 };
	fake_bi.mem[1] = (struct bootinfo_mem){ FAKE_POOL_PA, pool_size, BOOTINFO_MEM_POOL, 0 };
	fake_bi.mem[2] = (struct bootinfo_mem){ FAKE_MMIO_PAGE, 0x1000, BOOTINFO_MEM_MMIO, 11 };
	core.bi = &fake_bi;
	core.caps.phys_addr_bits = 40;
	mm_set_phys_offset((s64)((u64)(uintptr_t)pool_mem - FAKE_POOL_PA));
	return pool_init(FAKE_POOL_PA, pool_size, 0);
}
