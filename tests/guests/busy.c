// SPDX-License-Identifier: MIT
/*
 * "busy SECONDS": keeps the BSP busy for SECONDS emulated seconds before the checks, so
 * that a person (or tools/console-drive.sh) can use the hypervisor's debug console while
 * a guest runs. Each iteration executes CPUID (a VM exit under vtlvisor) and reads and
 * writes a buffer; once per emulated second (by the TSC, calibrated with BS->Stall) it
 * reports "INFO busy: N iterations". At the end, TEST busy.completed passes when every
 * second made progress.
 */
#include <efi.h>
#include <efilib.h>

#include "lib/compiler.h"
#include "tests/guests/idt.h"
#include "tests/guests/report.h"
#include "tests/guests/vtl0test.h"

/*
 * While busy, NMIs are counted (IDT vector 2 points at busy_nmi_entry; the firmware's gate
 * is restored afterwards), so that the debug console's 'nmi' command can be seen arriving.
 */
static volatile u32 busy_nmis __attribute__((used));
void busy_nmi_entry(void);
__asm__(".text\n"
	"busy_nmi_entry:\n"
	"	lock incl busy_nmis(%rip)\n"
	"	iretq\n");

/* 64-bit interrupt gate (SDM vol.3 6.14.1): P, DPL 0, type 0xE, IST 0. */
static void busy_nmi_gate(u64 saved[2], bool install)
{
	struct vt0_dtr idtr = vt0_idtr_now();
	u16 cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	volatile u64 *gate = (volatile u64 *)(idtr.base + 2 * 16);
	if (install) {
		u64 h = (u64)busy_nmi_entry;
		saved[0] = gate[0];
		saved[1] = gate[1];
		gate[1] = h >> 32;
		gate[0] = (h & 0xffff) | ((u64)cs << 16) | (0x8eull << 40) |
			  (((h >> 16) & 0xffff) << 48);
	} else {
		gate[0] = saved[0];
		gate[1] = saved[1];
	}
}

#define BUSY_BUF_WORDS 8192 /* 64 KiB */
#define BUSY_STRIDE 67	    /* words; odd, so every word is touched over time */

/* One iteration: CPUID, then a read-modify-write walk over part of the buffer. */
static u64 busy_step(volatile u64 *buf, u64 i)
{
	struct cpuid_regs r = cpu_cpuid((u32)(i & 1), 0);
	u64 acc = r.eax ^ r.ebx ^ i;

	for (u32 k = 0; k < 64; k++) {
		u32 w = (u32)((i * 64 + k) * BUSY_STRIDE % BUSY_BUF_WORDS);

		acc += buf[w];
		buf[w] = acc ^ w;
	}
	return acc;
}

void vt0_busy(struct vt0_ctx *ctx)
{
	u32 secs = ctx->opt.busy_secs;
	u64 *buf = NULL, t0, t1, tsc_per_s, total = 0, min_per_s = ~0ull, acc = 0;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, BUSY_BUF_WORDS * sizeof(u64),
			       (void **)&buf);
	if (EFI_ERROR(st) || !buf) {
		report_fail("busy.completed", "AllocatePool(%u) returned 0x%lx",
			    (u32)(BUSY_BUF_WORDS * sizeof(u64)), (u64)st);
		return;
	}
	for (u32 w = 0; w < BUSY_BUF_WORDS; w++)
		buf[w] = w;

	t0 = cpu_rdtsc();
	uefi_call_wrapper(BS->Stall, 1, (UINTN)10000);
	t1 = cpu_rdtsc();
	tsc_per_s = MAX((t1 - t0) / 10, 1000ull) * 1000;
	report_info("busy: %u s, TSC %lu kHz (BS->Stall(10000) took %lu ticks)", secs,
		    tsc_per_s / 1000, t1 - t0);

	u64 saved_gate[2];
	busy_nmi_gate(saved_gate, true);
	for (u32 s = 1; s <= secs; s++) {
		u64 start = cpu_rdtsc(), n = 0;

		while (cpu_rdtsc() - start < tsc_per_s)
			acc += busy_step(buf, total + n++);
		total += n;
		min_per_s = MIN(min_per_s, n);
		report_info("busy: %lu iterations (second %u of %u), %u NMI(s) so far", n, s, secs,
			    busy_nmis);
	}
	busy_nmi_gate(saved_gate, false);
	report_info("busy: NMIs received: %u", busy_nmis);
	uefi_call_wrapper(BS->FreePool, 1, buf);
	if (!secs)
		min_per_s = 0;
	report_result("busy.completed", secs && min_per_s > 0,
		      "%lu iterations in %u s, %lu in the slowest second", total, secs, min_per_s);
	report_info("busy: %lu iterations in %u s, at least %lu per second (checksum 0x%lx)", total,
		    secs, min_per_s, acc);
}
