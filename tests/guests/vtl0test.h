/* SPDX-License-Identifier: MIT */
/*
 * vtl0test: the VTL0 test guest. A UEFI application started from the UEFI shell after
 * vtlvisor.efi has virtualized every CPU; it checks what a guest can observe (CPUID on every
 * CPU, the hypervisor pool, AP restart after ExitBootServices) and reports through
 * tests/guests/report.h.
 */
#ifndef TESTS_GUESTS_VTL0TEST_H
#define TESTS_GUESTS_VTL0TEST_H

#include <efi.h>

#include "lib/types.h"
#include "tests/guests/cpu.h"
#include "tests/guests/idt.h"
#include "tests/guests/mp.h"

/* CPUID.01H:ECX (SDM Vol. 2A, CPUID, "Feature Information Returned in the ECX Register"). */
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_HYPERVISOR (1u << 31) /* reserved for hypervisor use: "running as a guest" */
#define CPUID_HV_VENDOR_LEAF 0x40000000u /* TLFS: max leaf + "Microsoft Hv" */
#define CPUID_HV_INTERFACE_LEAF 0x40000001u
#define CPUID_VTLVISOR_ID_LEAF 0x40000100u /* vtlvisor's own identity: "vtlvisor    " */
#define VT0_HV_VENDOR_SIG "Microsoft Hv"
#define VT0_VTLVISOR_SIG "vtlvisor    "

struct vt0_opts {
	bool run_cpuid;
	bool run_hv;
	bool run_vsm;
	bool run_pool;
	bool run_ap;
	bool noshutdown;
	bool crash_report;  /* "crash": report a (pretend) crash through the crash MSRs */
	bool hv_off;	    /* "hvoff": the TLFS features are switched off (vtlvisor hvoff=) */
	bool expect_no_hv;  /* "expect-no-hypervisor": firmware running without vtlvisor */
	bool selftest_pool; /* "selftest-pool": run the pool checks on a planted fake pool */
	bool noconout;	    /* "noconout": COM1 only, for firmware whose ConOut is COM1 too */
	bool x2apic;	    /* "x2apic": switch the BSP's APIC to x2APIC mode before restarts */
	u32 busy_secs;	    /* "busy SECONDS": keep the BSP busy this long before the checks */
	u32 vsm_loops;	    /* "vsmloops N": VTL call/return round trips of vsm.stress */
	u32 prot_loops;	    /* "protloops N": single-page changes of vsm.prot.storm */
};

struct vt0_ctx {
	EFI_HANDLE image;
	struct vt0_opts opt;
	struct mp_info mp;
	bool boot_services_gone; /* set once ExitBootServices has been called (even failed) */
};

/* What one CPU sees through CPUID. */
struct vt0_cpu_sample {
	u32 valid;
	u32 apic_id;
	u32 leaf1_ecx;
	struct cpuid_regs hv;	  /* leaf 0x40000000 */
	struct cpuid_regs vtlvid; /* leaf 0x40000100 */
};

/*
 * Samples CPUID on every enabled CPU (the APs through blocking StartupAllAPs), into
 * out[cpu index]. Returns 0, or -E* with the reason in why.
 */
int vt0_sample_all_cpus(struct vt0_ctx *ctx, struct vt0_cpu_sample out[MP_MAX_CPUS], char *why,
			size_t why_size);
/* True when EBX, ECX, EDX spell the 12-byte signature (the CPUID vendor-string order). */
bool vt0_sig_is(const struct cpuid_regs *r, const char *sig);

void vt0_check_cpuid(struct vt0_ctx *ctx);
/* The TLFS surface: CPUID identity, synthetic MSRs, the hypercall page (hv_check.c). */
void vt0_check_hv(struct vt0_ctx *ctx);

/*
 * Helpers of the hv group (hv_check.c) for the checks it runs: while it runs, a #GP on the
 * BSP is caught. vt0_try_rdmsr/wrmsr: false when the access raised #GP. vt0_hypercall:
 * one call through the hypercall page (RCX control, RDX input, R8 output), RAX back, or
 * 0xffffffff after a #GP.
 */
/* Takes over (install) or gives back the BSP's #GP vector for the vt0_try_* helpers. */
void vt0_gp_gate(struct vt0_idt_gate *saved, bool install);
bool vt0_try_rdmsr(u32 msr, u64 *val);
bool vt0_try_wrmsr(u32 msr, u64 val);
/* MOV to CR4, WRMSR, LIDT: false when they raised #GP; *at the instruction's address, *next
 * the next one's; vt0_gp_rip the last caught #GP's RIP. */
bool vt0_try_write_cr4(u64 val, u64 *at, u64 *next);
bool vt0_try_wrmsr_at(u32 msr, u64 val, u64 *at, u64 *next);
bool vt0_try_lidt(const struct vt0_dtr *d, u64 *at, u64 *next);
u64 vt0_gp_rip(void);
u64 vt0_hypercall(const volatile u8 *page, u64 control, u64 in, u64 out);
/* An XMM fast call: RDX, R8, then XMM0/XMM1 from x, stored back into x after the call. */
u64 vt0_xmm_hypercall(const volatile u8 *page, u64 control, u64 rdx, u64 r8, u8 x[2][16]);

/* Virtual Secure Mode (vsm_check.c): enables VTL1 for good; run it before ap. */
void vt0_check_vsm(struct vt0_ctx *ctx);
/* The SynIC and synthetic timers (synic_check.c), run by the hv group on every CPU. */
void vt0_check_synic(struct vt0_ctx *ctx);
void vt0_check_pool(struct vt0_ctx *ctx);
/* "busy SECONDS": CPUID + memory work on the BSP, reported every emulated second. */
void vt0_busy(struct vt0_ctx *ctx);
/* Calls ExitBootServices: run it last. */
void vt0_check_ap(struct vt0_ctx *ctx);

#endif
