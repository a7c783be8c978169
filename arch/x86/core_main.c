/* SPDX-License-Identifier: MIT */
/*
 * The core's entry on every CPU (DESIGN.md 1.4): the BSP first sets up what all CPUs share
 * (console, log, pool allocator, VMX controls, MSR bitmap, EPT), then each CPU captures its
 * live firmware state, enables VMX and launches that state as its VP's VTL0 guest. Nothing
 * here calls the firmware. Until the first VM entry succeeds every step can be undone, so a
 * CPU that cannot be virtualized goes back to the firmware with an error and boots on.
 */
#define LOG_MODULE "core"
#include "arch/x86/apic.h"
#include "arch/x86/core.h"
#include "arch/x86/dbgcon.h"
#include "arch/x86/ept.h"
#include "arch/x86/ept_format.h"
#include "arch/x86/exception.h"
#include "arch/x86/guest_state.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/msr_bitmap.h"
#include "arch/x86/vp_vtl_apic.h"
#include "arch/x86/mtrr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vp_vtl.h"
#include "arch/x86/vmexit.h"
#include "drivers/console.h"
#include "hyperv/hv.h"
#include "hyperv/intercept.h"
#include "hyperv/reftime.h"
#include "hyperv/stimer.h"
#include "hyperv/synic.h"
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/log.h"
#include "lib/string.h"
#include "mm/phys.h"
#include "mm/pool.h"

struct core core;
/* One per boot CPU, indexed like bootinfo.cpus; each owned by its CPU. */
static struct pcpu core_pcpus[BOOTINFO_MAX_CPUS];
static struct vcpu core_vcpus[BOOTINFO_MAX_CPUS];
struct mtrr_state core_mtrr; /* the BSP MTRRs at takeover; read-only afterwards */

u32 vcpu_count(void)
{
	return core.bi ? core.bi->cpu_count : 0;
}

struct vcpu *vcpu_get(u32 index)
{
	return &core_vcpus[index];
}

static u32 core_cpu_id(void)
{
	return this_cpu()->index;
}

/* The log goes to the console UART, except while the debug console is open there: then
 * only to the ring (the console's 'log' command shows it). Panic output always goes. */
static void core_log_sink(const char *s, size_t n)
{
	if (!dbgcon_is_open())
		console_write(s, n);
}

static void core_panic(const char *file, int line, const char *what)
{
	log_panic_mode();
	pr_err("PANIC on CPU %u: %s at %s:%d\n", this_cpu()->index, what, file, line);
	backtrace_print((u64)(uintptr_t)__builtin_frame_address(0));
	cpu_halt_forever();
}

static int core_global_init(struct bootinfo *bi)
{
	struct console_cfg con = { bi->config.console_port, bi->config.console_baud,
				   bi->config.e9_console != 0 };
	struct ept_stats st;
	char summary[320];
	u64 top;
	int r;

	console_init(&con);
	log_init(core_log_sink, core_cpu_id);
	log_set_level((enum log_level)MIN(bi->config.log_level, (u32)LOG_TRACE));
	lib_set_panic_handler(core_panic);
	dbgcon_init(bi->config.console_port);
	core.bi = bi;
	/* Every VP is described before any CPU enters a guest: ICR writes of a running guest
	 * may already name CPUs that are not virtualized yet (apic.c). */
	for (u32 i = 0; i < bi->cpu_count; i++) {
		core_vcpus[i].index = i;
		core_vcpus[i].apic_id = bi->cpus[i].apic_id;
		core_vcpus[i].sipi_vector = -1;
	}
	pr_info("vtlvisor core %u.%u: pool %#llx + %llu MiB (%llu KiB used by the loader), "
		"%u CPU(s)\n",
		0, 1, (unsigned long long)bi->pool_base, (unsigned long long)(bi->pool_size >> 20),
		(unsigned long long)(bi->pool_used >> 10), bi->cpu_count);
	r = pool_init(bi->pool_base, bi->pool_size, bi->pool_used);
	if (r) {
		pr_err("cannot set up the pool allocator (%d)\n", r);
		return r;
	}
	vmx_caps_read(&core.caps);
	vmx_caps_summary(&core.caps, summary, sizeof(summary));
	pr_info("VMX capabilities: %s\n", summary);
	if (vmx_caps_check(&core.caps, summary, sizeof(summary)) || vmcs_controls_init()) {
		pr_err("VMX: %s\n", summary);
		return -ENOTSUP;
	}
	pr_info("VMCS controls: pin %#x proc %#x proc2 %#x exit %#x entry %#x\n", core.pin,
		core.proc, core.proc2, core.exit, core.entry);
	idt_init();
	core.msr_bitmap_pa = msr_bitmap_create();
	core.msr_bitmap_vtl_pa =
		core.msr_bitmap_pa ? msr_bitmap_create_higher_vtl(core.msr_bitmap_pa) : 0;
	core.scratch_pa = pool_alloc_pages(1);
	if (!core.msr_bitmap_pa || !core.msr_bitmap_vtl_pa || !core.scratch_pa)
		return -ENOMEM;
	mtrr_read(&core_mtrr, core.caps.phys_addr_bits);
	/* With 1 GiB pages the whole physical address space costs a few pages of tables;
	 * without, map what the firmware described (DESIGN.md 4). */
	top = core.caps.ept_1g ? 1ULL << MIN(core.caps.phys_addr_bits, 48u) : bi->phys_top;
	core.ept_top = top;
	/* The xAPIC page is watched for SIPIs (ept_view_build); x2APIC's ICR is an MSR. */
	u64 apic_base = rdmsr(MSR_IA32_APIC_BASE);
	if (!(apic_base & APIC_BASE_X2APIC))
		apic_mmio_gpa = apic_base & GENMASK(51, 12);
	r = ept_view_build(0, &st);
	if (r) {
		pr_err("cannot build the EPT (%d): pool too small? try pool=64M\n", r);
		return r;
	}
	/* Partition reference time counts from here (TLFS, hyperv/reftime.c). */
	hv_reftime_init((u64)bi->tsc_khz * 1000, rdtsc());
	hv_frequencies_init((u64)bi->tsc_khz * 1000, (u64)bi->apic_timer_khz * 1000);
	vp_vtl_apic_init(bi->tsc_khz, bi->apic_timer_khz);
	hv_stimer_init(vmx_ctl_allowed(core.caps.pin, PIN_PREEMPT_TIMER));
	hv_synic_init();
	/* XMM fast hypercalls touch SSE registers in root operation: only where that cannot
	 * fault (SDM vol.1 13.1: #UD without CR4.OSFXSR or with CR0.EM, #NM with CR0.TS; the
	 * host CR0/CR4 are these, loaded at every exit). */
	hv_xmm_init((read_cr4() & CR4_OSFXSR) && !(read_cr0() & (CR0_EM | CR0_TS)));
	hv_set_privileges_off(bi->config.hv_off);   /* also computes the offer from the above */
	vcpu_vtl_hook = hv_vtl_serve_requests;	    /* VTL requests arch/x86 serves before entry */
	vcpu_vina_hook = hv_vina_notify;	    /* VINA: VTL0's interrupts seen from above */
	vcpu_gpa_intercept_hook = hv_gpa_intercept; /* VTL protections: secure intercepts */
	vcpu_reg_write_hook = hv_reg_write_intercept; /* secure register intercepts */
	if (bi->config.hv_off)
		pr_info("TLFS privileges switched off by hvoff=: %#llx; offered: %#llx\n",
			(unsigned long long)bi->config.hv_off, (unsigned long long)hv_privileges());
	if (!hv_reftime_available())
		pr_warn("TSC at %u kHz: too slow or unknown for the TLFS reference time; "
			"TIME_REF_COUNT and the reference TSC page are not offered\n",
			bi->tsc_khz);
	pr_info("EPT: identity map of %llu GiB: %llu x 1G, %llu x 2M, %llu x 4K leaves, %llu "
		"tables; pool -> scratch page %#llx\n",
		(unsigned long long)(top >> 30), (unsigned long long)st.pages_1g,
		(unsigned long long)st.pages_2m, (unsigned long long)st.pages_4k,
		(unsigned long long)core.ept[0].nr_tables, (unsigned long long)core.scratch_pa);
	/* SDM vol.3 29.4.3.1: drop any stale EPT-derived translations before first use. */
	return 0;
}

/* SDM vol.3 24.7-24.8: CR0/CR4 fixed bits, IA32_FEATURE_CONTROL, then VMXON. */
static int cpu_vmxon(struct pcpu *p)
{
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return -ENOTSUP;
	p->vmxon_pa = pool_alloc_pages(1);
	if (!p->vmxon_pa)
		return -ENOMEM;
	*(u32 *)phys_to_virt(p->vmxon_pa) = (u32)core.caps.basic & 0x7fffffff;
	write_cr0((read_cr0() | core.caps.cr0_fixed0) & core.caps.cr0_fixed1);
	write_cr4((read_cr4() | core.caps.cr4_fixed0 | CR4_VMXE) & core.caps.cr4_fixed1);
	if (vmxon(p->vmxon_pa)) {
		write_cr4(read_cr4() & ~CR4_VMXE);
		return -EIO;
	}
	invept(INVEPT_ALL, 0);
	return 0;
}

static bool bootinfo_ok(const struct bootinfo *bi, u32 cpu)
{
	return bi && bi->magic == BOOTINFO_MAGIC && bi->version == BOOTINFO_VERSION &&
	       bi->size == sizeof(*bi) && bi->cpu_count <= BOOTINFO_MAX_CPUS &&
	       cpu < bi->cpu_count && bi->bsp_index < bi->cpu_count;
}

/* Called by arch/x86/entry.S. Returns only if this CPU stays with the firmware. */
long core_cpu_entry(struct boot_cpu_args *args);
long core_cpu_entry(struct boot_cpu_args *args)
{
	struct bootinfo *bi = args->bootinfo;
	u32 idx = args->cpu_index;
	struct guest_state g;
	u64 fw_gs_base;
	int r;

	if (!bootinfo_ok(bi, idx))
		return -EINVAL; /* no console yet: the loader reports it */
	guest_state_capture(&g, args);
	fw_gs_base = g.seg[SEG_GS].base;

	struct pcpu *p = &core_pcpus[idx];
	struct vcpu *v = &core_vcpus[idx];
	p->self = p;
	p->index = idx;
	p->apic_id = bi->cpus[idx].apic_id;
	p->vcpu = v;
	wrmsr(MSR_IA32_GS_BASE, (u64)(uintptr_t)p); /* this_cpu() from here on */

	if (idx == bi->bsp_index) {
		r = core_global_init(bi);
		if (r) {
			pr_err("takeover aborted (%d): the firmware boots on without vtlvisor\n",
			       r);
			goto out_gs;
		}
		__atomic_store_n(&core.ready, true, __ATOMIC_RELEASE);
	} else if (!__atomic_load_n(&core.ready, __ATOMIC_ACQUIRE)) {
		r = -EBUSY;
		goto out_gs;
	}
	r = pcpu_init_tables(p);
	if (r)
		goto fail;
	r = cpu_vmxon(p);
	if (r) {
		pr_err("CPU %u: VMXON failed (%d)\n", idx, r);
		goto fail;
	}
	v->pcpu = p;
	v->vpid = (u16)(idx + 1); /* VPID 0 is the host's (SDM vol.3 29.1) */
	r = vmcs_create(v, &g);
	if (r) {
		pr_err("CPU %u: VMCS setup failed (%d)\n", idx, r);
		goto fail_vmxoff;
	}
	/*
	 * Every VP gets the preemption timer (synthetic timers) and exits at least every
	 * 10 ms: a kick whose NMI lands in root operation after the last look before VM entry
	 * is then served within 10 ms even if the guest never exits by itself (a halted AP).
	 * The boot CPU, where the console is polled, at least every DBGCON_TIMER_TICKS.
	 */
	u64 period = bi->tsc_khz ? (u64)bi->tsc_khz * 10 : DBGCON_TIMER_TICKS;
	if (idx == bi->bsp_index)
		period = MIN(period, DBGCON_TIMER_TICKS);
	if (!vmcs_preempt_timer_init(v, period) && idx == bi->bsp_index)
		pr_warn("no VMX-preemption timer: the debug console answers only when the boot "
			"CPU's guest exits\n");
	pr_info("CPU %u (APIC %u): VMX on; launching the firmware as VP %u at VTL0 "
		"(RIP %#llx, CR3 %#llx, %s mode)\n",
		idx, p->apic_id, idx, (unsigned long long)g.rip, (unsigned long long)g.cr3,
		(g.efer & EFER_LMA) ? "long" : "legacy");
	v->console = idx == bi->bsp_index;
	v->start_tsc = rdtsc();
	vp_private_msrs_init(v); /* the firmware's: the tracked MSRs start from there */
	r = vcpu_run_loop(v);	 /* returns only if the first entry fails */
	vmclear(v->vmcs_pa);
fail_vmxoff:
	vmxoff();
	write_cr4(read_cr4() & ~CR4_VMXE);
fail:
	pr_err("CPU %u (APIC %u) stays with the firmware, without the hypervisor (%d)\n", idx,
	       p->apic_id, r);
out_gs:
	wrmsr(MSR_IA32_GS_BASE, fw_gs_base);
	return r ? r : -EIO;
}
