/* SPDX-License-Identifier: MIT */
/*
 * Guest crash MSRs (TLFS "Partition Crash Enlightenment", reference 2.1-2.3): CRASH_P0-P4
 * hold five values a crashing guest leaves for the hypervisor, CRASH_CTL tells it to report
 * them. Advertised by CPUID 0x40000003 EDX bit 10. vtlvisor prints the report on its
 * console (the person debugging a machine reads it there) and lets the guest go on, as KVM
 * does; the guest decides whether it stops or reboots.
 */
#define LOG_MODULE "hv"
#include "arch/x86/vcpu.h"
#include "hyperv/guest_access.h"
#include "hyperv/hv.h"
#include "lib/log.h"
#include "lib/spinlock.h"

/* One set per partition: the TLFS does not say, KVM and QEMU keep one per VM. */
static spinlock_t hv_crash_lock = SPINLOCK_INIT;
static u64 hv_crash_p[HV_CRASH_PARAMS];

void hv_crash_reset(void)
{
	spin_lock(&hv_crash_lock);
	__builtin_memset(hv_crash_p, 0, sizeof(hv_crash_p));
	spin_unlock(&hv_crash_lock);
}

int hv_crash_msr_read(u32 msr, u64 *val)
{
	if (msr == HV_MSR_CRASH_CTL) {
		*val = HV_CRASH_CTL_SUPPORTED; /* a read tells what a write may ask for */
		return 0;
	}
	if (msr < HV_MSR_CRASH_P0 || msr >= HV_MSR_CRASH_P0 + HV_CRASH_PARAMS)
		return -1;
	*val = __atomic_load_n(&hv_crash_p[msr - HV_MSR_CRASH_P0], __ATOMIC_RELAXED);
	return 0;
}

/* The guest's message: printable ASCII kept, a line per '\n' or HV_CRASH_LINE bytes. */
#define HV_CRASH_LINE 96
#define HV_CRASH_MAX_LINES 64

static void hv_crash_print_message(struct vcpu *v, u64 gpa, u64 len)
{
	const char *msg;
	char line[HV_CRASH_LINE + 1];
	u32 n = 0, lines = 0;

	/* Linux puts it in a page of its own (kmsg_dump into hv_panic_page). */
	if (len > 4096 - (gpa & 0xfff))
		len = 4096 - (gpa & 0xfff);
	msg = len ? hv_guest_block(v, gpa, (u32)len, false) : NULL;
	if (!msg) {
		pr_err("VP %u: crash message at GPA %#llx (%llu bytes) is not ordinary memory of "
		       "the partition, 8-byte aligned: not printed\n",
		       v->index, (unsigned long long)gpa, (unsigned long long)len);
		return;
	}
	for (u64 i = 0; i <= len && lines < HV_CRASH_MAX_LINES; i++) {
		char c = i < len ? msg[i] : 0; /* the end, or a NUL, ends the message */
		bool end = !c || c == '\n';

		if (end || n == HV_CRASH_LINE) {
			line[n] = 0;
			if (n)
				pr_err("VP %u: crash message: %s\n", v->index, line);
			n = 0;
			lines++;
		}
		if (!c)
			break;
		if (c != '\n')
			line[n++] = (c >= 0x20 && c < 0x7f) ? c : '.';
	}
	if (lines == HV_CRASH_MAX_LINES)
		pr_err("VP %u: crash message: (cut after %u lines)\n", v->index, lines);
}

int hv_crash_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	u64 p[HV_CRASH_PARAMS];

	if (msr != HV_MSR_CRASH_CTL) {
		if (msr < HV_MSR_CRASH_P0 || msr >= HV_MSR_CRASH_P0 + HV_CRASH_PARAMS)
			return -1;
		__atomic_store_n(&hv_crash_p[msr - HV_MSR_CRASH_P0], val, __ATOMIC_RELAXED);
		return 0;
	}
	if (val & ~HV_CRASH_CTL_WRITABLE)
		return -1; /* bits nobody defined: #GP, fail closed */
	if (!(val & HV_CRASH_CTL_NOTIFY))
		return 0;
	spin_lock(&hv_crash_lock); /* one report at a time, its values taken together */
	for (u32 i = 0; i < HV_CRASH_PARAMS; i++)
		p[i] = hv_crash_p[i];
	pr_err("VP %u reports a guest crash: P0 %#llx P1 %#llx P2 %#llx P3 %#llx P4 %#llx\n",
	       v->index, (unsigned long long)p[0], (unsigned long long)p[1],
	       (unsigned long long)p[2], (unsigned long long)p[3], (unsigned long long)p[4]);
	if (val & HV_CRASH_CTL_MESSAGE)
		hv_crash_print_message(v, p[3], p[4]);
	spin_unlock(&hv_crash_lock);
	return 0;
}
