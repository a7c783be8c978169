// SPDX-License-Identifier: MIT
/*
 * The SynIC and the synthetic timers (hyperv/synic.c, hyperv/stimer.c, arch/x86/
 * intr_inject.c) through the exits a guest causes: the MSRs' defaults, reserved bits and
 * #GPs, the message and event-flag pages as overlays, HvCallPostMessage (slot, queue,
 * EOM, every refusal), HvCallSignalEvent, AutoEOI injection, and each timer mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/apic.h"
#include "arch/x86/core.h"
#include "arch/x86/intr_inject.h"
#include "arch/x86/intrin.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "hyperv/hv.h"
#include "hyperv/reftime.h"
#include "hyperv/stimer.h"
#include "hyperv/synic.h"
#include "mm/phys.h"
#include "mm/pool.h"
#include "tests/unit/fake_vmx.h"

extern u64 fake_overlay_gpa[8], fake_overlay_hpa[8];
extern u32 fake_noverlays;
extern u8 fake_guest_mem[2 * 4096];

static struct vcpu vp, vp1;
static struct pcpu pc;
static u8 pool_mem[64 * 4096] __attribute__((aligned(4096)));

#define POOL_PA FAKE_POOL_PA
#define SIM_GPA 0x00200000ULL
#define SIEF_GPA 0x00201000ULL
#define MMIO_PAGE FAKE_MMIO_PAGE
#define GP_INFO 0x80000b0dULL
#define FAST (1ULL << 16)
#define TSC_HZ 1000000000ULL /* 100 TSC ticks per 100 ns */
#define CONN(vp, sint) (HV_SYNIC_CONN_BASE + 16 * (vp) + (sint))

static int setup(void **state)
{
	fake_vcpu_setup(&vp, &pc);
	vp.index = 0;
	vp.apic_id = 0;
	vp.preempt_period = 0xffffffff; /* as vmcs_preempt_timer_init leaves it */
	vp1 = vp;
	vp1.index = 1;
	vp1.apic_id = 6;
	fake_vcpus[1] = &vp1;
	fake_nvcpus = 2;
	assert_int_equal(fake_partition_memory(pool_mem, sizeof(pool_mem)), 0);
	hv_reftime_init(TSC_HZ, 0);
	hv_stimer_init(true);
	hv_xmm_init(true);
	hv_set_privileges_off(0);
	hv_partition_reset(&vp);
	fake_noverlays = 0;
	memset(fake_guest_mem, 0, sizeof(fake_guest_mem));
	fake_msr_set(MSR_IA32_APIC_BASE, 0xfee00000ULL | APIC_BASE_X2APIC | APIC_BASE_ENABLE);
	fake_msr_set(MSR_X2APIC_ICR, 0);
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

/* The host address of the overlay at gpa (asserts there is one). */
static void *overlay(u64 gpa)
{
	for (u32 i = 0; i < fake_noverlays; i++)
		if (fake_overlay_gpa[i] == gpa)
			return phys_to_virt(fake_overlay_hpa[i]);
	fail_msg("no overlay at %#llx", (unsigned long long)gpa);
	return NULL;
}

static struct hv_message *slot(u32 sint)
{
	return (struct hv_message *)overlay(SIM_GPA) + sint;
}

/* HvCallPostMessage from vp1 (memory form, input at the start of the fake guest page). */
static u64 post(u32 conn, u32 type, u32 size, u8 fill)
{
	u8 *in = fake_guest_mem;

	memset(in, 0, 256);
	memcpy(in, &conn, 4);
	memcpy(in + 8, &type, 4);
	memcpy(in + 12, &size, 4);
	memset(in + 16, fill, 240);
	vp1.regs.gpr[RCX] = HVCALL_POST_MESSAGE;
	vp1.regs.gpr[RDX] = FAKE_GUEST_GPA;
	vp1.regs.gpr[R8] = 0;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	assert_int_equal(vmexit_dispatch(&vp1, EXIT_VMCALL), EXIT_RESUME);
	return vp1.regs.gpr[RAX];
}

/* HvCallSignalEvent from vp1, fast: RDX = connection | flag << 32. */
static u64 signal(u32 conn, u64 flag_and_rsvd)
{
	vp1.regs.gpr[RCX] = HVCALL_SIGNAL_EVENT | FAST;
	vp1.regs.gpr[RDX] = conn | (flag_and_rsvd << 32);
	vp1.regs.gpr[R8] = 0;
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_EXIT_INSTR_LEN, 3);
	assert_int_equal(vmexit_dispatch(&vp1, EXIT_VMCALL), EXIT_RESUME);
	return vp1.regs.gpr[RAX];
}

static u64 last_ipi(void)
{
	u64 icr = fake_msr_get(MSR_X2APIC_ICR);

	fake_msr_set(MSR_X2APIC_ICR, 0);
	return icr;
}

#define IPI(apic, vec) (((u64)(apic) << 32) | (vec) | ICR_LEVEL_ASSERT)

/* VP 0's SynIC on: SIMP and SIEFP at their pages, SINT2 vector 0x40. */
static void synic_on(void)
{
	wr(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	wr(HV_MSR_SIMP, SIM_GPA | HV_SYNIC_PAGE_ENABLE);
	wr(HV_MSR_SIEFP, SIEF_GPA | HV_SYNIC_PAGE_ENABLE);
	wr(HV_MSR_SINT0 + 2, 0x40);
	assert_false(gp());
}

static void test_msr_defaults_and_gp(void **state)
{
	assert_int_equal(rd(HV_MSR_SCONTROL), 0);
	assert_int_equal(rd(HV_MSR_SVERSION), 1);
	assert_int_equal(rd(HV_MSR_SIMP), 0);
	assert_int_equal(rd(HV_MSR_SIEFP), 0);
	assert_int_equal(rd(HV_MSR_EOM), 0);
	for (u32 i = 0; i < 16; i++)
		assert_int_equal(rd(HV_MSR_SINT0 + i), HV_SINT_MASKED);
	wr(HV_MSR_SVERSION, 1); /* read-only */
	assert_true(gp());
	wr(HV_MSR_SINT0 + 3, 0x0f); /* an unmasked vector below 16 */
	assert_true(gp());
	assert_int_equal(rd(HV_MSR_SINT0 + 3), HV_SINT_MASKED);
	wr(HV_MSR_SINT0 + 3, HV_SINT_MASKED | 5); /* masked: any vector */
	assert_false(gp());
	/* RsvdP: 15:8 and 63:19 keep their old value (0 here), whatever is written. */
	wr(HV_MSR_SINT0 + 3, 0xffffffffffff0f31ULL & ~HV_SINT_MASKED);
	assert_int_equal(rd(HV_MSR_SINT0 + 3), 0x31 | HV_SINT_AUTO_EOI | HV_SINT_POLLING);
	wr(HV_MSR_SCONTROL, ~0ULL);
	assert_int_equal(rd(HV_MSR_SCONTROL), 1);
	/* 0x85-0x8f are not SynIC registers. */
	rd(0x40000085);
	assert_true(gp());
}

static void test_pages_are_overlays(void **state)
{
	wr(HV_MSR_SIMP, MMIO_PAGE | HV_SYNIC_PAGE_ENABLE); /* not memory */
	assert_true(gp());
	wr(HV_MSR_SIMP, SIM_GPA | 0xffe | HV_SYNIC_PAGE_ENABLE); /* RsvdP bits dropped */
	assert_false(gp());
	assert_int_equal(rd(HV_MSR_SIMP), SIM_GPA | HV_SYNIC_PAGE_ENABLE);
	assert_int_equal(fake_noverlays, 1);
	memset(overlay(SIM_GPA), 0xaa, 4096);
	/* The event page may not share the message page's GPA. */
	wr(HV_MSR_SIEFP, SIM_GPA | HV_SYNIC_PAGE_ENABLE);
	assert_true(gp());
	assert_int_equal(rd(HV_MSR_SIEFP), 0);
	/* Off and on again: a cleared page (TLFS). */
	wr(HV_MSR_SIMP, SIM_GPA);
	assert_int_equal(fake_noverlays, 0);
	wr(HV_MSR_SIMP, SIM_GPA | HV_SYNIC_PAGE_ENABLE);
	assert_int_equal(((u8 *)overlay(SIM_GPA))[100], 0);
}

static void test_post_message(void **state)
{
	/* Nothing enabled yet: no receiver. */
	assert_int_equal(post(CONN(0, 2), 7, 16, 0x11), HV_STATUS_INVALID_SYNIC_STATE);
	synic_on();
	last_ipi();
	/* Refusals: connection, type 0 or with the MSB, size, reserved word. */
	assert_int_equal(post(4, 7, 16, 0x11), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(post(CONN(2, 0), 7, 16, 0x11), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(post(CONN(0, 2), 0, 16, 0x11), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(post(CONN(0, 2), 0x80000010, 16, 0x11), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(post(CONN(0, 2), 7, 241, 0x11), HV_STATUS_INVALID_PARAMETER);
	fake_guest_mem[4] = 1;
	vp1.regs.gpr[RCX] = HVCALL_POST_MESSAGE;
	assert_int_equal(vmexit_dispatch(&vp1, EXIT_VMCALL), EXIT_RESUME);
	assert_int_equal(vp1.regs.gpr[RAX], HV_STATUS_INVALID_PARAMETER);
	/* 256 bytes never fit the register form, not even with XMM0-XMM5. */
	vp1.regs.gpr[RCX] = HVCALL_POST_MESSAGE | FAST;
	assert_int_equal(vmexit_dispatch(&vp1, EXIT_VMCALL), EXIT_RESUME);
	assert_int_equal(vp1.regs.gpr[RAX], HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(last_ipi(), 0);
	assert_int_equal(slot(2)->type, 0);

	/* Delivered into SINT2's slot, with SINT2's vector at VP 0's APIC. */
	assert_int_equal(post(CONN(0, 2), 7, 16, 0x11), HV_STATUS_SUCCESS);
	assert_int_equal(slot(2)->type, 7);
	assert_int_equal(slot(2)->payload_size, 16);
	assert_int_equal(slot(2)->payload[15], 0x11);
	assert_int_equal(slot(2)->payload[16], 0); /* only the payload's bytes */
	assert_int_equal(slot(2)->flags, 0);
	assert_int_equal(last_ipi(), IPI(0, 0x40));
	/* The slot is busy: queued, the slot says "pending", no interrupt yet. */
	assert_int_equal(post(CONN(0, 2), 8, 4, 0x22), HV_STATUS_SUCCESS);
	assert_int_equal(slot(2)->type, 7);
	assert_int_equal(slot(2)->flags, HV_MESSAGE_FLAG_PENDING);
	assert_int_equal(last_ipi(), 0);
	/* 16 queued at most. */
	for (int i = 0; i < 15; i++)
		assert_int_equal(post(CONN(0, 2), 9 + i, 4, 0x33), HV_STATUS_SUCCESS);
	assert_int_equal(post(CONN(0, 2), 99, 4, 0x33), HV_STATUS_INSUFFICIENT_BUFFERS);
	/* The guest frees the slot and writes EOM: the next one, in order, and an interrupt. */
	slot(2)->type = 0;
	wr(HV_MSR_EOM, 0);
	assert_int_equal(slot(2)->type, 8);
	assert_int_equal(slot(2)->payload[0], 0x22);
	assert_int_equal(last_ipi(), IPI(0, 0x40));
	/* A masked SINT still gets its message, without an interrupt. */
	wr(HV_MSR_SINT0 + 5, HV_SINT_MASKED | 0x41);
	assert_int_equal(post(CONN(0, 5), 7, 0, 0), HV_STATUS_SUCCESS);
	assert_int_equal(slot(5)->type, 7);
	assert_int_equal(last_ipi(), 0);
	/* Switched off (hvoff=): ACCESS_DENIED before anything else. */
	hv_set_privileges_off(HV_PRIV_POST_MESSAGES);
	assert_int_equal(post(4, 0, 999, 0), HV_STATUS_ACCESS_DENIED);
}

static void test_signal_event(void **state)
{
	assert_int_equal(signal(CONN(0, 2), 3), HV_STATUS_INVALID_SYNIC_STATE);
	synic_on();
	last_ipi();
	assert_int_equal(signal(CONN(0, 2), 3), HV_STATUS_SUCCESS);
	const u8 *flags = overlay(SIEF_GPA);
	assert_int_equal(flags[2 * 256], 1u << 3);
	assert_int_equal(last_ipi(), IPI(0, 0x40));
	/* Already set: no new interrupt. */
	assert_int_equal(signal(CONN(0, 2), 3), HV_STATUS_SUCCESS);
	assert_int_equal(last_ipi(), 0);
	assert_int_equal(signal(CONN(0, 2), 2047), HV_STATUS_SUCCESS);
	assert_int_equal(flags[2 * 256 + 255], 0x80);
	assert_int_equal(last_ipi(), IPI(0, 0x40));
	assert_int_equal(signal(CONN(0, 2), 2048), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(signal(CONN(0, 2), 3 | (1u << 16)), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(signal(CONN(5, 2), 3), HV_STATUS_INVALID_CONNECTION_ID);
	/* A masked SINT refuses; a polled one takes the flag without an interrupt. */
	assert_int_equal(signal(CONN(0, 4), 1), HV_STATUS_INVALID_SYNIC_STATE);
	wr(HV_MSR_SINT0 + 4, HV_SINT_MASKED | HV_SINT_POLLING | 0x50);
	assert_int_equal(signal(CONN(0, 4), 1), HV_STATUS_SUCCESS);
	assert_int_equal(flags[4 * 256], 2);
	assert_int_equal(last_ipi(), 0);
}

static void test_auto_eoi_is_injected(void **state)
{
	synic_on();
	wr(HV_MSR_SINT0 + 2, 0x40 | HV_SINT_AUTO_EOI);
	last_ipi();
	assert_int_equal(post(CONN(0, 2), 7, 0, 0), HV_STATUS_SUCCESS);
	assert_int_equal(last_ipi(), 0); /* not through the APIC */
	assert_int_equal(vp.work.irq_posted, 1);
	/* IF = 0: wait for the interrupt window. */
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED);
	fake_vmcs_set(VMCS_PROC_CTLS, 0);
	vcpu_inject_pending(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), 0);
	assert_int_equal(fake_vmcs_get(VMCS_PROC_CTLS), PROC_INTR_WINDOW);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_INTR_WINDOW), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_PROC_CTLS), 0);
	/* IF = 1 in HLT: injected as an external interrupt, and the guest wakes. */
	fake_vmcs_set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_IF);
	fake_vmcs_set(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
	vcpu_inject_pending(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), INTR_INFO_VALID | 0x40);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_ACTIVITY_STATE), ACTIVITY_ACTIVE);
	assert_int_equal(vp.work.irq_posted, 0);
	/* Two at once: the higher first, then a window for the other. */
	vcpu_post_interrupt(&vp, 0x31);
	vcpu_post_interrupt(&vp, 0x90);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	vcpu_inject_pending(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), INTR_INFO_VALID | 0x90);
	assert_int_equal(fake_vmcs_get(VMCS_PROC_CTLS), PROC_INTR_WINDOW);
	fake_vmcs_set(VMCS_ENTRY_INTR_INFO, 0);
	vcpu_inject_pending(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_ENTRY_INTR_INFO), INTR_INFO_VALID | 0x31);
	assert_int_equal(vp.work.irq_posted, 0);
}

/* Runs VP 0's "before entry" timer work at TSC tsc (the reference time is tsc / 100). */
static void enter_at(u64 tsc)
{
	fake_tsc = tsc;
	fake_tsc_step = 0;
	if (vp.timer_deadline)
		hv_stimer_before_entry(&vp);
}

#define STIMER_CONFIG(n) (HV_MSR_STIMER0_CONFIG + 2 * (n))
#define STIMER_COUNT(n) (HV_MSR_STIMER0_CONFIG + 2 * (n) + 1)
#define DIRECT(vec) (HV_STIMER_DIRECT | ((u64)(vec) << HV_STIMER_VECTOR_SHIFT))

static void test_stimer_msrs(void **state)
{
	u32 r[4];

	assert_true(hv_cpuid(0x40000003, 0, r));
	assert_true(r[0] & HV_PRIV_ACCESS_SYNTHETIC_TIMER_REGS);
	assert_true(r[3] & HV_FEATURE_STIMER_DIRECT);
	assert_int_equal(rd(STIMER_CONFIG(3)), 0);
	wr(STIMER_CONFIG(0), 1ULL << 13); /* RsvdZ */
	assert_true(gp());
	wr(STIMER_CONFIG(0), 1ULL << 20);
	assert_true(gp());
	wr(STIMER_CONFIG(0), HV_STIMER_ENABLE | DIRECT(0x0f)); /* not an interrupt vector */
	assert_true(gp());
	/* Message mode with SINT 0: disabled at once (TLFS). */
	wr(STIMER_CONFIG(1), HV_STIMER_ENABLE);
	assert_false(gp());
	assert_int_equal(rd(STIMER_CONFIG(1)), 0);
	/* AutoEnable: a non-zero count enables; count 0 disables. */
	wr(STIMER_CONFIG(2), HV_STIMER_AUTO_ENABLE | DIRECT(0xed));
	wr(STIMER_COUNT(2), 5000);
	assert_int_equal(rd(STIMER_CONFIG(2)), HV_STIMER_AUTO_ENABLE | DIRECT(0xed) | 1);
	assert_int_equal(rd(STIMER_COUNT(2)), 5000);
	assert_true(vp.timer_deadline != 0);
	wr(STIMER_COUNT(2), 0);
	assert_int_equal(rd(STIMER_CONFIG(2)) & HV_STIMER_ENABLE, 0);
	assert_int_equal(vp.timer_deadline, 0);
	/* A period so long that now + period wraps: it never expires (no storm of exits). */
	wr(STIMER_CONFIG(2), HV_STIMER_PERIODIC | DIRECT(0xed));
	wr(STIMER_COUNT(2), ~0ULL - 5);
	wr(STIMER_CONFIG(2), HV_STIMER_ENABLE | HV_STIMER_PERIODIC | DIRECT(0xed));
	assert_true(vp.timer_deadline > fake_tsc);
	fake_msr_set(MSR_X2APIC_ICR, 0);
	enter_at(fake_tsc + 1000000);
	assert_int_equal(fake_msr_get(MSR_X2APIC_ICR), 0);
	wr(STIMER_CONFIG(2), 0);
	/* Switched off: #GP; without the SynIC, timers go too. */
	hv_set_privileges_off(HV_PRIV_ACCESS_SYNIC_REGS);
	assert_true(hv_cpuid(0x40000003, 0, r));
	assert_false(r[0] & HV_PRIV_ACCESS_SYNTHETIC_TIMER_REGS);
	assert_false(r[3] & HV_FEATURE_STIMER_DIRECT);
	rd(STIMER_CONFIG(0));
	assert_true(gp());
	/* No preemption timer: not offered. */
	hv_set_privileges_off(0);
	hv_stimer_init(false);
	hv_privileges_refresh();
	assert_true(hv_cpuid(0x40000003, 0, r));
	assert_false(r[0] & HV_PRIV_ACCESS_SYNTHETIC_TIMER_REGS);
}

static void test_stimer_direct_one_shot(void **state)
{
	fake_tsc = 100000;	   /* reference time 1000 */
	wr(STIMER_COUNT(0), 3000); /* absolute: due at reference 3000 = TSC 300000 */
	wr(STIMER_CONFIG(0), HV_STIMER_ENABLE | DIRECT(0xed));
	/* Due at TSC 300000, never earlier: the reference time rounds down, the TSC up. */
	u64 deadline = vp.timer_deadline;
	assert_true(deadline >= 300000 && deadline <= 300000 + 200);
	last_ipi();
	enter_at(200000); /* early: the preemption timer is set for the rest */
	assert_int_equal(last_ipi(), 0);
	assert_int_equal(fake_vmcs_get(VMCS_PREEMPT_TIMER_VALUE), deadline - 200000 + 1);
	enter_at(deadline); /* due: a fixed interrupt at the VP's own APIC */
	assert_int_equal(last_ipi(), IPI(0, 0xed));
	assert_int_equal(rd(STIMER_CONFIG(0)) & HV_STIMER_ENABLE, 0); /* one-shot: off */
	assert_int_equal(vp.timer_deadline, 0);
	/* In the past when enabled: expires at the next entry. */
	wr(STIMER_CONFIG(0), HV_STIMER_ENABLE | DIRECT(0xee));
	enter_at(fake_tsc);
	assert_int_equal(last_ipi(), IPI(0, 0xee));
}

static void test_stimer_periodic_message(void **state)
{
	synic_on();
	last_ipi();
	fake_tsc = 0;
	wr(STIMER_CONFIG(1), HV_STIMER_PERIODIC | (2ULL << HV_STIMER_SINT_SHIFT));
	wr(STIMER_COUNT(1), 1000); /* period 1000 (100 us) */
	wr(STIMER_CONFIG(1), HV_STIMER_ENABLE | HV_STIMER_PERIODIC | (2ULL << 16));
	u64 start = hv_mul64_hi(fake_tsc - 1, hv_ref_scale(TSC_HZ)); /* when it was enabled */
	enter_at(100 * (start + 1000) + 200);
	struct hv_message *m = slot(2);
	assert_int_equal(m->type, HVMSG_TIMER_EXPIRED);
	assert_int_equal(m->payload_size, 24);
	struct hv_timer_message_payload p;
	memcpy(&p, m->payload, sizeof(p));
	assert_int_equal(p.timer_index, 1);
	assert_int_equal(p.expiration_time, start + 1000);
	assert_true(p.delivery_time >= p.expiration_time);
	assert_int_equal(last_ipi(), IPI(0, 0x40));
	assert_int_equal(rd(STIMER_CONFIG(1)) & HV_STIMER_ENABLE, 1); /* periodic: stays on */
	/* Next period while the slot is still full: pending; EOM delivers it. */
	enter_at(100 * (start + 2000) + 200);
	assert_int_equal(m->flags, HV_MESSAGE_FLAG_PENDING);
	assert_int_equal(last_ipi(), 0);
	m->type = 0;
	wr(HV_MSR_EOM, 0);
	assert_int_equal(m->type, HVMSG_TIMER_EXPIRED);
	memcpy(&p, m->payload, sizeof(p));
	assert_int_equal(p.expiration_time, start + 2000);
	assert_int_equal(last_ipi(), IPI(0, 0x40));
	/* Far behind: missed periods are skipped, the next expiry is in the future. */
	m->type = 0;
	enter_at(100 * (start + 10500));
	assert_true(vp.timer_deadline > fake_tsc);
	/* Disabled: no deadline, the preemption timer back to its period. */
	wr(STIMER_CONFIG(1), 0);
	assert_int_equal(vp.timer_deadline, 0);
}

/* GUEST_IDLE: the read returns 0 with the VP halted and external-interrupt exiting on;
 * the interrupt's exit (or an injected interrupt) ends it; the MSR is read-only. */
static void test_guest_idle(void **state)
{
	fake_vmcs_set(VMCS_PIN_CTLS, PIN_NMI_EXITING);
	fake_vmcs_set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED); /* IF = 0: it still wakes */
	assert_int_equal(rd(HV_MSR_GUEST_IDLE), 0);
	assert_false(gp());
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_RIP), FAKE_GUEST_RIP + 2);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_ACTIVITY_STATE), ACTIVITY_HLT);
	assert_int_equal(fake_vmcs_get(VMCS_PIN_CTLS), PIN_NMI_EXITING | PIN_EXTINT_EXITING);
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EXTERNAL_INTR), EXIT_RESUME);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_ACTIVITY_STATE), ACTIVITY_ACTIVE);
	assert_int_equal(fake_vmcs_get(VMCS_PIN_CTLS), PIN_NMI_EXITING);
	/* Not idle: an external-interrupt exit is unexpected. */
	assert_int_equal(vmexit_dispatch(&vp, EXIT_EXTERNAL_INTR), EXIT_STOP);
	/* An AutoEOI SINT posted while idle ends it too. */
	rd(HV_MSR_GUEST_IDLE);
	vcpu_post_interrupt(&vp, 0x44);
	vcpu_inject_pending(&vp);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_ACTIVITY_STATE), ACTIVITY_ACTIVE);
	assert_int_equal(fake_vmcs_get(VMCS_PIN_CTLS), PIN_NMI_EXITING);
	assert_int_equal(fake_vmcs_get(VMCS_PROC_CTLS) & PROC_INTR_WINDOW, PROC_INTR_WINDOW);
	wr(HV_MSR_GUEST_IDLE, 0);
	assert_true(gp());
}

/* Bochs does not wake a halted guest with IF = 0 for an interrupt: while idle, each entry
 * looks at the APIC and ends the idle state when an interrupt would be delivered (its
 * priority class above the PPR's); until then the VP exits every 100 us to look again. */
static void test_guest_idle_poll(void **state)
{
	fake_msr_set(0x80a, 0x00); /* PPR */
	for (u32 i = 0; i < 8; i++)
		fake_msr_set(0x820 + i, 0); /* IRR */
	rd(HV_MSR_GUEST_IDLE);
	fake_vmcs_set(VMCS_PREEMPT_TIMER_VALUE, 0);
	vcpu_inject_pending(&vp); /* nothing pending: still idle, back in 100 us */
	assert_true(vp.work.guest_idle);
	assert_int_equal(fake_vmcs_get(VMCS_PREEMPT_TIMER_VALUE), 100000 + 1);
	fake_msr_set(0x826, 1u << 2); /* vector 0xc2 */
	fake_msr_set(0x80a, 0xd0);    /* ... below the PPR: not deliverable */
	vcpu_inject_pending(&vp);
	assert_true(vp.work.guest_idle);
	fake_msr_set(0x80a, 0xb0);
	vcpu_inject_pending(&vp);
	assert_false(vp.work.guest_idle);
	assert_int_equal(fake_vmcs_get(VMCS_GUEST_ACTIVITY_STATE), ACTIVITY_ACTIVE);
	/* ... and the preemption timer is back to the VP's usual period, not 100 us. */
	assert_int_equal(fake_vmcs_get(VMCS_PREEMPT_TIMER_VALUE), vp.preempt_period);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_msr_defaults_and_gp),
		T(test_pages_are_overlays),
		T(test_post_message),
		T(test_signal_event),
		T(test_auto_eoi_is_injected),
		T(test_stimer_msrs),
		T(test_stimer_direct_one_shot),
		T(test_stimer_periodic_message),
		T(test_guest_idle),
		T(test_guest_idle_poll),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
