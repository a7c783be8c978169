// SPDX-License-Identifier: MIT
/*
 * The synthetic MSRs of hyperv/msr.c (TLFS, reference 2.1-2.2) through the RDMSR/WRMSR
 * exits: GUEST_OS_ID, HYPERCALL (enable only with a guest OS ID, the overlay moved on the
 * EPT, RsvdP bits kept, lock, GPAs outside the partition refused) and VP_INDEX (read-only).
 * The EPT changes are recorded by tests/unit/fake_vmx.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/apic.h"
#include "arch/x86/core.h"
#include "arch/x86/msr.h"
#include "arch/x86/intrin.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "hyperv/hv.h"
#include "hyperv/reftime.h"
#include "lib/log.h"
#include "mm/phys.h"
#include "mm/pool.h"
#include "tests/unit/fake_vmx.h"

extern u64 fake_overlay_gpa[8], fake_overlay_hpa[8];
extern u32 fake_noverlays;

static struct vcpu vp;
static struct pcpu pc;
static u8 pool_mem[64 * 4096] __attribute__((aligned(4096)));

#define POOL_PA FAKE_POOL_PA
#define RAM_PAGE 0x00200000ULL
#define RAM_PAGE2 0x00300000ULL
#define MMIO_PAGE FAKE_MMIO_PAGE
#define GP_INFO 0x80000b0dULL
#define LINUX_OS_ID 0x8100000000060100ULL

static int setup(void **state)
{
	fake_vcpu_setup(&vp, &pc);
	hv_set_privileges_off(0); /* as at takeover: computes what is offered */
	vp.index = 2;
	assert_int_equal(fake_partition_memory(pool_mem, sizeof(pool_mem)), 0);
	hv_partition_reset(&vp);
	fake_noverlays = 0;
	return 0;
}

static void wr(u32 msr, u64 val)
{
	assert_int_equal(fake_wrmsr_exit(&vp, msr, val), EXIT_RESUME);
}

static u64 rd(u32 msr)
{
	u64 v;

	assert_int_equal(fake_rdmsr_exit(&vp, msr, &v), EXIT_RESUME);
	return v;
}

static bool gp(void)
{
	return fake_gp_injected();
}

static void test_guest_os_id(void **state)
{
	assert_int_equal(rd(HV_MSR_GUEST_OS_ID), 0);
	wr(HV_MSR_GUEST_OS_ID, LINUX_OS_ID);
	assert_false(gp());
	assert_int_equal(rd(HV_MSR_GUEST_OS_ID), LINUX_OS_ID);
}

static void test_vp_index_read_only(void **state)
{
	assert_int_equal(rd(HV_MSR_VP_INDEX), 2);
	assert_false(gp());
	wr(HV_MSR_VP_INDEX, 5);
	assert_true(gp());
	assert_int_equal(rd(HV_MSR_VP_INDEX), 2);
}

static void test_hypercall_needs_guest_os_id(void **state)
{
	wr(HV_MSR_HYPERCALL, RAM_PAGE | HV_HYPERCALL_ENABLE);
	assert_false(gp());
	assert_int_equal(rd(HV_MSR_HYPERCALL), RAM_PAGE); /* enable stays 0 */
	assert_int_equal(fake_noverlays, 0);
}

static void test_hypercall_page_overlay(void **state)
{
	wr(HV_MSR_GUEST_OS_ID, LINUX_OS_ID);
	wr(HV_MSR_HYPERCALL, RAM_PAGE | HV_HYPERCALL_ENABLE);
	assert_false(gp());
	assert_int_equal(rd(HV_MSR_HYPERCALL), RAM_PAGE | HV_HYPERCALL_ENABLE);
	assert_int_equal(fake_noverlays, 1);
	assert_int_equal(fake_overlay_gpa[0], RAM_PAGE);
	/* The overlay's contents: VMCALL; RET (TLFS hypercall page, Intel). */
	const u8 *stub = phys_to_virt(fake_overlay_hpa[0]);
	assert_int_equal(stub[0], 0x0f);
	assert_int_equal(stub[1], 0x01);
	assert_int_equal(stub[2], 0xc1);
	assert_int_equal(stub[3], 0xc3);
	/* Moved: the old page gets its memory back. */
	wr(HV_MSR_HYPERCALL, RAM_PAGE2 | HV_HYPERCALL_ENABLE);
	assert_int_equal(fake_noverlays, 1);
	assert_int_equal(fake_overlay_gpa[0], RAM_PAGE2);
	/* Disabled. */
	wr(HV_MSR_HYPERCALL, RAM_PAGE2);
	assert_int_equal(fake_noverlays, 0);
	assert_int_equal(rd(HV_MSR_HYPERCALL), RAM_PAGE2);
}

static void test_hypercall_rsvdp_bits_kept(void **state)
{
	wr(HV_MSR_GUEST_OS_ID, LINUX_OS_ID);
	wr(HV_MSR_HYPERCALL, RAM_PAGE | 0xff0 | HV_HYPERCALL_ENABLE);
	assert_false(gp());
	/* Bits 11:2 are RsvdP: they keep their old value (0). */
	assert_int_equal(rd(HV_MSR_HYPERCALL), RAM_PAGE | HV_HYPERCALL_ENABLE);
}

static void test_hypercall_outside_partition(void **state)
{
	static const u64 bad[] = { MMIO_PAGE, POOL_PA, POOL_PA + 0x3000, 1ULL << 40,
				   0x7ffffffffffff000ULL };

	wr(HV_MSR_GUEST_OS_ID, LINUX_OS_ID);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wr(HV_MSR_HYPERCALL, bad[i] | HV_HYPERCALL_ENABLE);
		assert_true(gp());
		assert_int_equal(rd(HV_MSR_HYPERCALL), 0);
		assert_int_equal(fake_noverlays, 0);
	}
	/* Disabled, any page number is just stored. */
	wr(HV_MSR_HYPERCALL, MMIO_PAGE);
	assert_false(gp());
}

static void test_zero_guest_os_id_disables(void **state)
{
	wr(HV_MSR_GUEST_OS_ID, LINUX_OS_ID);
	wr(HV_MSR_HYPERCALL, RAM_PAGE | HV_HYPERCALL_ENABLE);
	wr(HV_MSR_GUEST_OS_ID, 0);
	assert_false(gp());
	assert_int_equal(rd(HV_MSR_HYPERCALL), RAM_PAGE);
	assert_int_equal(fake_noverlays, 0);
}

static void test_hypercall_lock(void **state)
{
	wr(HV_MSR_GUEST_OS_ID, LINUX_OS_ID);
	wr(HV_MSR_HYPERCALL, RAM_PAGE | HV_HYPERCALL_ENABLE | HV_HYPERCALL_LOCKED);
	assert_false(gp());
	assert_int_equal(rd(HV_MSR_HYPERCALL),
			 RAM_PAGE | HV_HYPERCALL_ENABLE | HV_HYPERCALL_LOCKED);
	/* Locked: read-only until reset. */
	wr(HV_MSR_HYPERCALL, RAM_PAGE2 | HV_HYPERCALL_ENABLE);
	assert_true(gp());
	assert_int_equal(fake_overlay_gpa[0], RAM_PAGE);
	/* A partition reset unlocks and removes the page. */
	hv_partition_reset(&vp);
	assert_int_equal(rd(HV_MSR_HYPERCALL), 0);
	assert_int_equal(fake_noverlays, 0);
}

static void test_reference_time_absent_without_tsc_rate(void **state)
{
	hv_reftime_init(0, 0); /* the loader could not measure the TSC */
	hv_privileges_refresh();
	rd(HV_MSR_TIME_REF_COUNT);
	assert_true(gp());
	rd(HV_MSR_REFERENCE_TSC);
	assert_true(gp());
	wr(HV_MSR_REFERENCE_TSC, RAM_PAGE | HV_REFTSC_ENABLE);
	assert_true(gp());
	assert_int_equal(fake_noverlays, 0);
}

static void test_reset_msr(void **state)
{
	fake_platform_resets = 0;
	wr(HV_MSR_GUEST_OS_ID, LINUX_OS_ID);
	assert_int_equal(rd(HV_MSR_RESET), 0);
	assert_false(gp());
	wr(HV_MSR_RESET, 0); /* no reset asked */
	assert_false(gp());
	wr(HV_MSR_RESET, 2); /* 63:1 RsvdZ */
	assert_true(gp());
	assert_int_equal(fake_platform_resets, 0);
	wr(HV_MSR_RESET, 1);
	assert_false(gp()); /* the fake machine did not reset: the guest runs on */
	assert_int_equal(fake_platform_resets, 1);
	assert_int_equal(rd(HV_MSR_GUEST_OS_ID), 0); /* the partition's state went first */
	hv_set_privileges_off(HV_PRIV_ACCESS_RESET_REG);
	wr(HV_MSR_RESET, 1);
	assert_true(gp());
	assert_int_equal(fake_platform_resets, 1);
	hv_set_privileges_off(0);
}

static void test_frequency_msrs(void **state)
{
	u32 r[4];

	/* Not offered unless both rates are known. */
	hv_frequencies_init(2000000000ULL, 0);
	hv_privileges_refresh();
	rd(HV_MSR_TSC_FREQUENCY);
	assert_true(gp());
	assert_true(hv_cpuid(0x40000003, 0, r));
	assert_int_equal(r[0] & HV_PRIV_ACCESS_FREQUENCY_MSRS, 0);
	assert_int_equal(r[3] & HV_FEATURE_FREQUENCY_MSRS, 0);

	hv_frequencies_init(2000000000ULL, 1000000000ULL);
	hv_privileges_refresh();
	assert_true(hv_cpuid(0x40000003, 0, r));
	assert_int_equal(r[0] & HV_PRIV_ACCESS_FREQUENCY_MSRS, HV_PRIV_ACCESS_FREQUENCY_MSRS);
	assert_int_equal(r[3] & HV_FEATURE_FREQUENCY_MSRS, HV_FEATURE_FREQUENCY_MSRS);
	assert_int_equal(rd(HV_MSR_TSC_FREQUENCY), 2000000000ULL);
	assert_false(gp());
	assert_int_equal(rd(HV_MSR_APIC_FREQUENCY), 1000000000ULL);
	assert_false(gp());
	wr(HV_MSR_TSC_FREQUENCY, 1); /* read-only */
	assert_true(gp());
	wr(HV_MSR_APIC_FREQUENCY, 1);
	assert_true(gp());

	/* Switched off with hvoff=: absent from CPUID EAX and EDX, the MSRs #GP. */
	hv_set_privileges_off(HV_PRIV_ACCESS_FREQUENCY_MSRS);
	assert_true(hv_cpuid(0x40000003, 0, r));
	assert_int_equal(r[3] & HV_FEATURE_FREQUENCY_MSRS, 0);
	rd(HV_MSR_APIC_FREQUENCY);
	assert_true(gp());
	hv_set_privileges_off(0);
	hv_frequencies_init(0, 0);
	hv_privileges_refresh();
}

static void test_time_ref_count(void **state)
{
	const u64 hz = 2000000000ULL;

	fake_tsc = 1000000;
	fake_tsc_step = 0;
	hv_reftime_init(hz, 1000000);
	hv_privileges_refresh();
	fake_tsc = 1000000 + 3 * hz; /* three seconds later */
	u64 t = rd(HV_MSR_TIME_REF_COUNT);
	assert_false(gp());
	assert_true(t >= 30000000 - 1 && t <= 30000000 + 1);
	wr(HV_MSR_TIME_REF_COUNT, 0); /* read-only */
	assert_true(gp());
}

static void test_reference_tsc_page(void **state)
{
	hv_reftime_init(2000000000ULL, 0);
	hv_privileges_refresh();
	wr(HV_MSR_REFERENCE_TSC, RAM_PAGE2 | 0xffe | HV_REFTSC_ENABLE);
	assert_false(gp());
	/* Bits 11:1 RsvdP: kept at their old value (0). */
	assert_int_equal(rd(HV_MSR_REFERENCE_TSC), RAM_PAGE2 | HV_REFTSC_ENABLE);
	assert_int_equal(fake_noverlays, 1);
	assert_int_equal(fake_overlay_gpa[0], RAM_PAGE2);
	const struct hv_ref_tsc_page *pg = phys_to_virt(fake_overlay_hpa[0]);
	assert_int_equal(pg->tsc_sequence, 1);
	assert_int_equal(pg->tsc_scale, hv_ref_scale(2000000000ULL));
	/* Outside the partition's memory: #GP, nothing mapped. */
	wr(HV_MSR_REFERENCE_TSC, MMIO_PAGE | HV_REFTSC_ENABLE);
	assert_true(gp());
	assert_int_equal(fake_overlay_gpa[0], RAM_PAGE2);
	wr(HV_MSR_REFERENCE_TSC, 0);
	assert_false(gp());
	assert_int_equal(fake_noverlays, 0);
}

/* VP_RUNTIME: 100 ns units since the VP started, minus the time it was parked; read-only;
 * absent (#GP) without the reference time. */
static void test_vp_runtime(void **state)
{
	hv_reftime_init(0, 0);
	hv_privileges_refresh();
	rd(HV_MSR_VP_RUNTIME);
	assert_true(gp());		   /* no TSC rate yet in this setup */
	hv_reftime_init(1000000000ULL, 0); /* 100 ticks per unit */
	hv_privileges_refresh();
	vp.start_tsc = 5000;
	vp.idle_tsc = 20000;
	fake_tsc = 5000 + 20000 + 100 * 777;
	fake_tsc_step = 1;
	u64 t = rd(HV_MSR_VP_RUNTIME);
	assert_false(gp());
	assert_true(t == 776 || t == 777); /* the scale rounds down */
	wr(HV_MSR_VP_RUNTIME, 0);
	assert_true(gp());
}

/* hvoff=: a switched-off feature is exactly like an absent one: #GP, and not in CPUID. */
static void test_features_switched_off(void **state)
{
	u32 r[4];

	hv_reftime_init(2000000000ULL, 0);
	hv_set_privileges_off(HV_PRIV_ACCESS_VP_INDEX | HV_PRIV_ACCESS_PARTITION_REFERENCE_TSC);
	assert_true(hv_cpuid(0x40000003, 0, r));
	assert_int_equal(r[0], HV_PRIV_ACCESS_HYPERCALL_MSRS | HV_PRIV_ACCESS_INTR_CTRL_REGS |
				       HV_PRIV_ACCESS_RESET_REG | HV_PRIV_ACCESS_SYNIC_REGS |
				       HV_PRIV_ACCESS_GUEST_IDLE |
				       HV_PRIV_ACCESS_PARTITION_REFERENCE_COUNTER |
				       HV_PRIV_ACCESS_VP_RUNTIME);
	rd(HV_MSR_VP_INDEX);
	assert_true(gp());
	rd(HV_MSR_REFERENCE_TSC);
	assert_true(gp());
	wr(HV_MSR_REFERENCE_TSC, RAM_PAGE | HV_REFTSC_ENABLE);
	assert_true(gp());
	assert_int_equal(fake_noverlays, 0);
	rd(HV_MSR_TIME_REF_COUNT); /* still on */
	assert_false(gp());
	hv_set_privileges_off(HV_PRIV_ACCESS_HYPERCALL_MSRS);
	wr(HV_MSR_GUEST_OS_ID, LINUX_OS_ID);
	assert_true(gp());
	rd(HV_MSR_HYPERCALL);
	assert_true(gp());
	hv_set_privileges_off(0);
	assert_int_equal(rd(HV_MSR_VP_INDEX), 2);
}

/* The APIC access MSRs on an x2APIC-mode local APIC (the fake's MSR table). */
static void test_apic_msrs(void **state)
{
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00000ULL | APIC_BASE_X2APIC | APIC_BASE_ENABLE);
	fake_msr_set(0x80b, 0x77);
	fake_msr_set(0x808, 0);
	fake_msr_set(MSR_X2APIC_ICR, 0);
	wr(HV_MSR_EOI, 0xdeadbeef00000000ULL); /* upper half ignored */
	assert_false(gp());
	assert_int_equal(fake_msr_get(0x80b), 0);
	rd(HV_MSR_EOI); /* write-only */
	assert_true(gp());
	wr(HV_MSR_TPR, 0x20);
	assert_false(gp());
	assert_int_equal(fake_msr_get(0x808), 0x20);
	assert_int_equal(rd(HV_MSR_TPR), 0x20);
	wr(HV_MSR_TPR, 0x100); /* 63:8 RsvdZ */
	assert_true(gp());
	assert_int_equal(fake_msr_get(0x808), 0x20);
	/* ICR: a fixed IPI goes to the real ICR as written. */
	wr(HV_MSR_ICR, (3ULL << 32) | 0x4041);
	assert_false(gp());
	assert_int_equal(fake_msr_get(MSR_X2APIC_ICR), (3ULL << 32) | 0x4041);
	assert_int_equal(rd(HV_MSR_ICR), (3ULL << 32) | 0x4041);
	/* Reserved bits the CPU refuses: its #GP goes to the guest, not the hypervisor. */
	fake_msr_set_faulting(MSR_X2APIC_ICR);
	wr(HV_MSR_ICR, (3ULL << 32) | 0x4041 | (1u << 13));
	assert_true(gp());
}

static void test_apic_msrs_apic_disabled(void **state)
{
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00000ULL); /* bit 11 clear: no APIC registers */
	wr(HV_MSR_EOI, 0);
	assert_true(gp());
	wr(HV_MSR_TPR, 0x20);
	assert_true(gp());
	rd(HV_MSR_TPR);
	assert_true(gp());
	wr(HV_MSR_ICR, (3ULL << 32) | 0x4041);
	assert_true(gp());
	rd(HV_MSR_ICR);
	assert_true(gp());
}

/* The console lines the hypervisor logged (lib/log.c's sink). */
static char logged[8192];
static size_t logged_len;

static void capture(const char *s, size_t n)
{
	if (logged_len + n < sizeof(logged)) {
		memcpy(logged + logged_len, s, n);
		logged_len += n;
		logged[logged_len] = 0;
	}
}

static u32 cpu0(void)
{
	return 0;
}

extern u8 fake_guest_mem[2 * 4096];

static void test_crash_msrs(void **state)
{
	static const char msg[] = "Kernel panic - not syncing: test\nsecond\tline\n";

	logged_len = 0;
	logged[0] = 0;
	log_init(capture, cpu0);
	assert_int_equal(rd(HV_MSR_CRASH_CTL), HV_CRASH_CTL_NOTIFY | HV_CRASH_CTL_MESSAGE);
	for (u32 i = 0; i < 5; i++) {
		wr(HV_MSR_CRASH_P0 + i, 0x1000 * (i + 1));
		assert_false(gp());
		assert_int_equal(rd(HV_MSR_CRASH_P0 + i), 0x1000 * (i + 1));
	}
	/* Writing the control without CrashNotify reports nothing; an undefined bit #GPs. */
	wr(HV_MSR_CRASH_CTL, 0);
	assert_false(gp());
	wr(HV_MSR_CRASH_CTL, HV_CRASH_CTL_NOTIFY | 1);
	assert_true(gp());
	assert_int_equal(logged_len, 0);
	wr(HV_MSR_CRASH_CTL, HV_CRASH_CTL_NOTIFY);
	assert_false(gp());
	assert_non_null(strstr(logged, "VP 2 reports a guest crash: P0 0x1000 P1 0x2000 P2 "
				       "0x3000 P3 0x4000 P4 0x5000"));
	assert_null(strstr(logged, "crash message"));

	/* With a message: P3 = GPA, P4 = length; non-printable bytes become '.'. */
	memcpy(fake_guest_mem, msg, sizeof(msg) - 1);
	wr(HV_MSR_CRASH_P0 + 3, FAKE_GUEST_GPA);
	wr(HV_MSR_CRASH_P0 + 4, sizeof(msg) - 1);
	wr(HV_MSR_CRASH_CTL, HV_CRASH_CTL_NOTIFY | HV_CRASH_CTL_MESSAGE);
	assert_false(gp());
	assert_non_null(strstr(logged, "VP 2: crash message: Kernel panic - not syncing: test\n"));
	assert_non_null(strstr(logged, "VP 2: crash message: second.line\n"));

	/* A message outside ordinary memory is refused, loudly, and the VP goes on. */
	wr(HV_MSR_CRASH_P0 + 3, MMIO_PAGE);
	wr(HV_MSR_CRASH_CTL, HV_CRASH_CTL_NOTIFY | HV_CRASH_CTL_MESSAGE);
	assert_false(gp());
	assert_non_null(strstr(logged, "is not ordinary memory"));
	log_init(NULL, cpu0);

	/* A partition reset clears the parameters. */
	hv_partition_reset(&vp);
	assert_int_equal(rd(HV_MSR_CRASH_P0), 0);
}

static void test_vp_assist_page(void **state)
{
	assert_int_equal(rd(HV_MSR_VP_ASSIST_PAGE), 0);
	wr(HV_MSR_VP_ASSIST_PAGE, RAM_PAGE | 0xffe | HV_VP_ASSIST_ENABLE);
	assert_false(gp());
	assert_int_equal(rd(HV_MSR_VP_ASSIST_PAGE), RAM_PAGE | HV_VP_ASSIST_ENABLE);
	wr(HV_MSR_VP_ASSIST_PAGE, MMIO_PAGE | HV_VP_ASSIST_ENABLE);
	assert_true(gp());
	assert_int_equal(rd(HV_MSR_VP_ASSIST_PAGE), RAM_PAGE | HV_VP_ASSIST_ENABLE);
	wr(HV_MSR_VP_ASSIST_PAGE, 0);
	assert_int_equal(rd(HV_MSR_VP_ASSIST_PAGE), 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_guest_os_id),
		T(test_vp_index_read_only),
		T(test_hypercall_needs_guest_os_id),
		T(test_hypercall_page_overlay),
		T(test_hypercall_rsvdp_bits_kept),
		T(test_hypercall_outside_partition),
		T(test_zero_guest_os_id_disables),
		T(test_hypercall_lock),
		T(test_reference_time_absent_without_tsc_rate),
		T(test_time_ref_count),
		T(test_frequency_msrs),
		T(test_reset_msr),
		T(test_reference_tsc_page),
		T(test_features_switched_off),
		T(test_vp_runtime),
		T(test_apic_msrs),
		T(test_apic_msrs_apic_disabled),
		T(test_vp_assist_page),
		T(test_crash_msrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
