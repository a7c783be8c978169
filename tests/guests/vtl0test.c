// SPDX-License-Identifier: MIT
/*
 * vtl0test.efi: the VTL0 test guest. Run from the UEFI shell after vtlvisor.efi:
 *
 *   vtl0test.efi [cpuid] [hv] [vsm] [pool] [ap] [all] [noshutdown] [expect-no-hypervisor]
 *                [selftest-pool] [noconout] [x2apic] [busy SECONDS] [vsmloops N]
 *                [protloops N]
 *
 * With no check named (or with all), cpuid, hv, pool and ap run, in that order (ap exits
 * boot services; hv is skipped under expect-no-hypervisor). vsm runs only when named,
 * after hv: it enables VTL1 for good on every VP, after which INIT and SIPI to them are
 * dropped (TLFS) and ap could not restart them. vsmloops N: the VTL call/return round trips of vsm.stress
 * (default 10000); protloops N: the single-page protection changes of vsm.prot.storm
 * (default 5000). Then a SUMMARY line and power-off
 * (noshutdown: back to the shell, when boot services still exist). expect-no-hypervisor
 * inverts the hypervisor checks, for runs without vtlvisor; selftest-pool runs the pool
 * checks on a planted fake pool, to show they can fail. Report lines go to COM1 and to
 * ConOut; OVMF's ConOut also writes to COM1, so before ExitBootServices each line shows
 * twice on that port unless noconout is given.
 * busy SECONDS first keeps the BSP busy for that many emulated seconds (CPUID and memory
 * work, an INFO line every second; TEST busy.completed), e.g. to drive the hypervisor's
 * debug console while a guest runs.
 */
#include <efi.h>
#include <efilib.h>

#include "lib/compiler.h"
#include "lib/printf.h"
#include "tests/guests/report.h"
#include "tests/guests/vtl0test.h"

#define OPT_MAX 40
#define BUSY_MAX_SECS 3600
#define VSM_LOOPS_DEFAULT 10000
#define VSM_LOOPS_MAX 10000000
#define PROT_LOOPS_DEFAULT 5000

/* Owned by the BSP. */
static struct vt0_ctx vt0;

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Returns false for an unknown word. */
static bool apply_option(struct vt0_opts *o, const char *w, bool *named_check)
{
	if (streq(w, "cpuid"))
		o->run_cpuid = *named_check = true;
	else if (streq(w, "hv"))
		o->run_hv = *named_check = true;
	else if (streq(w, "vsm"))
		o->run_vsm = *named_check = true;
	else if (streq(w, "pool"))
		o->run_pool = *named_check = true;
	else if (streq(w, "ap"))
		o->run_ap = *named_check = true;
	else if (streq(w, "all"))
		o->run_cpuid = o->run_hv = o->run_pool = o->run_ap = *named_check = true;
	else if (streq(w, "noshutdown"))
		o->noshutdown = true;
	else if (streq(w, "expect-no-hypervisor"))
		o->expect_no_hv = true;
	else if (streq(w, "crash"))
		o->crash_report = true;
	else if (streq(w, "hvoff")) /* vtlvisor runs with hvoff=0xfff: expect no TLFS MSRs */
		o->hv_off = true;
	else if (streq(w, "selftest-pool"))
		o->selftest_pool = true;
	else if (streq(w, "noconout"))
		o->noconout = true;
	else if (streq(w, "x2apic"))
		o->x2apic = true;
	else if (streq(w, "busy"))
		o->busy_secs = 10; /* the number, if any, is the next word */
	else if (streq(w, "vsmloops") || streq(w, "protloops")) {
		/* the number is the next word */
	} else
		return false;
	return true;
}

/* A decimal number of 1..max, or 0. */
static u32 parse_secs(const char *w, u32 max)
{
	u32 v = 0;

	if (!*w)
		return 0;
	for (; *w; w++) {
		if (*w < '0' || *w > '9' || v > max)
			return 0;
		v = v * 10 + (u32)(*w - '0');
	}
	return v <= max ? v : 0;
}

/*
 * LoadedImage->LoadOptions: from the shell, the UCS-2 command line with the program's own
 * name first (skipped when it is not an option). Anything that is not printable text (a
 * boot option's binary data) is ignored.
 */
static void parse_options(struct vt0_ctx *ctx, char *unknown, size_t usize)
{
	EFI_LOADED_IMAGE *li = NULL;
	size_t ulen = 0;
	bool named_check = false, after_busy = false, after_loops = false, after_prot = false;
	const CHAR16 *s;
	UINTN n;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, ctx->image, &LoadedImageProtocol,
			       (void **)&li);
	if (!EFI_ERROR(st) && li && li->LoadOptions) {
		s = li->LoadOptions;
		n = li->LoadOptionsSize / sizeof(CHAR16);
		for (UINTN i = 0; i < n && s[i]; i++)
			if (s[i] < 0x20 && s[i] != L'\t')
				n = 0; /* not text */
		for (UINTN i = 0, word = 0; i < n && s[i];) {
			char w[OPT_MAX];
			u32 len = 0;

			while (i < n && (s[i] == L' ' || s[i] == L'\t'))
				i++;
			if (i >= n || !s[i])
				break;
			while (i < n && s[i] && s[i] != L' ' && s[i] != L'\t') {
				CHAR16 c = s[i++];

				if (c >= L'A' && c <= L'Z')
					c += L'a' - L'A';
				if (len + 1 < sizeof(w))
					w[len++] = c < 0x7f ? (char)c : '?';
			}
			w[len] = '\0';
			if (after_busy && parse_secs(w, BUSY_MAX_SECS)) {
				ctx->opt.busy_secs = parse_secs(w, BUSY_MAX_SECS);
				after_busy = false;
				word++;
				continue;
			}
			if (after_loops && parse_secs(w, VSM_LOOPS_MAX)) {
				ctx->opt.vsm_loops = parse_secs(w, VSM_LOOPS_MAX);
				after_loops = false;
				word++;
				continue;
			}
			if (after_prot && parse_secs(w, VSM_LOOPS_MAX)) {
				ctx->opt.prot_loops = parse_secs(w, VSM_LOOPS_MAX);
				after_prot = false;
				word++;
				continue;
			}
			after_busy = streq(w, "busy");
			after_loops = streq(w, "vsmloops");
			after_prot = streq(w, "protloops");
			if (!apply_option(&ctx->opt, w, &named_check) && word && ulen < usize)
				ulen += snprintf(unknown + ulen, usize - ulen, " %s", w);
			word++;
		}
	}
	unknown[MIN(ulen, usize - 1)] = '\0';
	if (!named_check)
		ctx->opt.run_cpuid = ctx->opt.run_hv = ctx->opt.run_pool = ctx->opt.run_ap = true;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct vt0_opts *o = &vt0.opt;
	char unknown[REPORT_LINE_MAX / 2];
	int ret;

	InitializeLib(image, systab);
	vt0.image = image;
	vt0.opt.vsm_loops = VSM_LOOPS_DEFAULT;
	vt0.opt.prot_loops = PROT_LOOPS_DEFAULT;
	parse_options(&vt0, unknown, sizeof(unknown));
	if (o->noconout)
		report_set_conout(false);
	if (unknown[0])
		report_info("ignoring unknown option(s):%s", unknown);
	if (o->busy_secs)
		report_info("vtl0test: busy for %u s first", o->busy_secs);
	report_info("vtl0test: checks:%s%s%s%s%s%s%s%s%s%s", o->run_cpuid ? " cpuid" : "",
		    o->run_hv ? " hv" : "", o->run_vsm ? " vsm" : "", o->run_pool ? " pool" : "",
		    o->run_ap ? " ap" : "", o->expect_no_hv ? " (expect-no-hypervisor)" : "",
		    o->selftest_pool ? " (selftest-pool)" : "",
		    o->noshutdown ? " (noshutdown)" : "", o->noconout ? " (noconout)" : "",
		    o->x2apic ? " (x2apic)" : "");

	ret = mp_init(&vt0.mp);
	if (ret)
		report_info("EFI MP services unusable (%d): the BSP alone is tested", ret);
	report_info("cpus: %u (%u enabled), BSP index %u, MP services %s", vt0.mp.count,
		    vt0.mp.enabled, vt0.mp.bsp, vt0.mp.proto ? "present" : "absent");
	if (o->busy_secs)
		vt0_busy(&vt0);
	if (o->run_cpuid)
		vt0_check_cpuid(&vt0);
	if (o->run_hv)
		vt0_check_hv(&vt0);
	if (o->run_vsm)
		vt0_check_vsm(&vt0);
	if (o->run_pool)
		vt0_check_pool(&vt0);
	if (o->run_ap)
		vt0_check_ap(&vt0);

	u32 failed = report_summary();

	if (o->noshutdown && !vt0.boot_services_gone)
		return failed ? EFI_ABORTED : EFI_SUCCESS;
	if (o->noshutdown)
		report_info("boot services are gone: powering off instead of returning");
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, EFI_SUCCESS, (UINTN)0, NULL);
	cpu_halt_forever();
	return EFI_ABORTED;
}
