// SPDX-License-Identifier: MIT
/* Check 1: what CPUID shows a guest, on every CPU. */
#include <efi.h>
#include <efilib.h>

#include "lib/errno.h"
#include "lib/printf.h"
#include "tests/guests/report.h"
#include "tests/guests/vtl0test.h"

/* Firmware's own time limit for the blocking AP dispatch: generous, Bochs is slow. */
#define SAMPLE_TIMEOUT_US 20000000ull

/* Written by the APs (one slot each, claimed with an atomic add), read by the BSP afterwards. */
static struct {
	u32 next;
	struct vt0_cpu_sample rec[MP_MAX_CPUS];
} sample_run;

static inline __attribute__((always_inline)) void sample_this_cpu(struct vt0_cpu_sample *s)
{
	s->apic_id = cpu_apic_id();
	s->leaf1_ecx = cpu_cpuid(1, 0).ecx;
	s->hv = cpu_cpuid(CPUID_HV_VENDOR_LEAF, 0);
	s->vtlvid = cpu_cpuid(CPUID_VTLVISOR_ID_LEAF, 0);
	__atomic_store_n(&s->valid, 1, __ATOMIC_RELEASE);
}

/* AP procedure: CPUID and plain stores only, never a UEFI service. */
static void __attribute__((ms_abi)) sample_ap(void *arg)
{
	u32 i = __atomic_fetch_add(&sample_run.next, 1, __ATOMIC_ACQ_REL);

	if (i < MP_MAX_CPUS)
		sample_this_cpu(&sample_run.rec[i]);
}

int vt0_sample_all_cpus(struct vt0_ctx *ctx, struct vt0_cpu_sample out[MP_MAX_CPUS], char *why,
			size_t why_size)
{
	const struct mp_info *mp = &ctx->mp;
	EFI_STATUS st;
	int ret = 0;

	why[0] = '\0';
	for (u32 i = 0; i < MP_MAX_CPUS; i++)
		out[i].valid = 0;
	sample_run.next = 0;
	for (u32 i = 0; i < MP_MAX_CPUS; i++)
		sample_run.rec[i].valid = 0;

	sample_this_cpu(&out[mp->bsp]);
	if (mp_run_on_aps(mp, sample_ap, NULL, SAMPLE_TIMEOUT_US, &st)) {
		snprintf(why, why_size, "StartupAllAPs returned 0x%lx", (u64)st);
		ret = -EIO;
	}

	u32 n = MIN(__atomic_load_n(&sample_run.next, __ATOMIC_ACQUIRE), (u32)MP_MAX_CPUS);

	for (u32 i = 0; i < n; i++) {
		struct vt0_cpu_sample *s = &sample_run.rec[i];
		int idx;

		if (!__atomic_load_n(&s->valid, __ATOMIC_ACQUIRE))
			continue;
		idx = mp_index_of_apic_id(mp, s->apic_id);
		if (idx < 0 || (u32)idx == mp->bsp || out[idx].valid) {
			if (!ret)
				snprintf(why, why_size,
					 "an AP reported APIC ID %u, which matches no other AP",
					 s->apic_id);
			ret = -EINVAL;
			continue;
		}
		out[idx] = *s;
	}
	for (u32 i = 0; i < mp->count; i++) {
		if ((mp->cpus[i].status & MP_CPU_ENABLED) && !out[i].valid && !ret) {
			snprintf(why, why_size, "CPU %u (APIC ID %u) did not run the AP procedure",
				 i, mp->cpus[i].apic_id);
			ret = -EIO;
		}
	}
	return ret;
}

bool vt0_sig_is(const struct cpuid_regs *r, const char *sig)
{
	const u32 regs[3] = { r->ebx, r->ecx, r->edx };

	for (u32 i = 0; i < 12; i++)
		if ((char)(regs[i / 4] >> (8 * (i % 4))) != sig[i])
			return false;
	return true;
}

/* The 12 signature bytes, printable, for messages. buf holds 13 bytes. */
static const char *sig_str(const struct cpuid_regs *r, char *buf)
{
	const u32 regs[3] = { r->ebx, r->ecx, r->edx };

	for (u32 i = 0; i < 12; i++) {
		char c = (char)(regs[i / 4] >> (8 * (i % 4)));

		buf[i] = (c >= 0x20 && c < 0x7f) ? c : '.';
	}
	buf[12] = '\0';
	return buf;
}

/* A FAIL reason listing every disagreeing CPU, built up in place. */
struct fail_list {
	char buf[REPORT_LINE_MAX];
	int len;
	u32 count;
};

static void fail_add(struct fail_list *f, u32 cpu, const char *what)
{
	if (f->len < (int)sizeof(f->buf))
		f->len += snprintf(f->buf + f->len, sizeof(f->buf) - f->len, "%scpu %u: %s",
				   f->count ? "; " : "", cpu, what);
	f->count++;
}

static void check_hv_present(struct vt0_ctx *ctx, const struct vt0_cpu_sample *s)
{
	struct fail_list hvbit = { 0 }, vmx = { 0 }, vendor = { 0 }, vid = { 0 }, none = { 0 };
	char what[96], sig[13];

	for (u32 i = 0; i < ctx->mp.count; i++) {
		if (!s[i].valid)
			continue;
		if (ctx->opt.expect_no_hv) {
			/* Without vtlvisor, neither of its CPUID identities may show. */
			if (vt0_sig_is(&s[i].hv, VT0_HV_VENDOR_SIG)) {
				snprintf(what, sizeof(what), "0x40000000 says \"%s\"",
					 sig_str(&s[i].hv, sig));
				fail_add(&none, i, what);
			}
			if (vt0_sig_is(&s[i].vtlvid, VT0_VTLVISOR_SIG)) {
				snprintf(what, sizeof(what), "0x40000100 says \"%s\"",
					 sig_str(&s[i].vtlvid, sig));
				fail_add(&none, i, what);
			}
			continue;
		}
		if (!(s[i].leaf1_ecx & CPUID1_ECX_HYPERVISOR)) {
			snprintf(what, sizeof(what), "CPUID.1:ECX=0x%08x, bit 31 clear",
				 s[i].leaf1_ecx);
			fail_add(&hvbit, i, what);
		}
		if (s[i].leaf1_ecx & CPUID1_ECX_VMX) {
			snprintf(what, sizeof(what), "CPUID.1:ECX=0x%08x, bit 5 (VMX) set",
				 s[i].leaf1_ecx);
			fail_add(&vmx, i, what);
		}
		if (!vt0_sig_is(&s[i].hv, VT0_HV_VENDOR_SIG) ||
		    s[i].hv.eax < CPUID_HV_INTERFACE_LEAF) {
			snprintf(what, sizeof(what), "0x40000000 eax=0x%08x sig=\"%s\"",
				 s[i].hv.eax, sig_str(&s[i].hv, sig));
			fail_add(&vendor, i, what);
		}
		if (!vt0_sig_is(&s[i].vtlvid, VT0_VTLVISOR_SIG)) {
			snprintf(what, sizeof(what), "0x40000100 sig=\"%s\"",
				 sig_str(&s[i].vtlvid, sig));
			fail_add(&vid, i, what);
		}
	}
	if (ctx->opt.expect_no_hv) {
		report_result("cpuid.no_hypervisor", !none.count, "%s", none.buf);
		return;
	}
	report_result("cpuid.hypervisor_bit", !hvbit.count, "%s", hvbit.buf);
	report_result("cpuid.vmx_hidden", !vmx.count, "%s", vmx.buf);
	report_result("cpuid.hv_vendor", !vendor.count, "%s", vendor.buf);
	report_result("cpuid.vtlvisor_id", !vid.count, "%s", vid.buf);
}

void vt0_check_cpuid(struct vt0_ctx *ctx)
{
	static struct vt0_cpu_sample s[MP_MAX_CPUS];
	char why[REPORT_LINE_MAX - 32], sig1[13], sig2[13];
	int ret;

	ret = vt0_sample_all_cpus(ctx, s, why, sizeof(why));
	report_result("cpuid.all_cpus", ret == 0, "%s", why);
	for (u32 i = 0; i < ctx->mp.count; i++) {
		if (!s[i].valid) {
			report_info("cpu %u apic_id %u: no sample (%s)", i, ctx->mp.cpus[i].apic_id,
				    (ctx->mp.cpus[i].status & MP_CPU_ENABLED) ? "did not answer" :
										"disabled");
			continue;
		}
		report_info("cpu %u apic_id %u%s: leaf1.ecx=0x%08x 0x40000000: eax=0x%08x \"%s\" "
			    "0x40000100: \"%s\"",
			    i, s[i].apic_id, i == ctx->mp.bsp ? " (BSP)" : "", s[i].leaf1_ecx,
			    s[i].hv.eax, sig_str(&s[i].hv, sig1), sig_str(&s[i].vtlvid, sig2));
	}
	check_hv_present(ctx, s);
}
