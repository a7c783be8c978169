/* SPDX-License-Identifier: MIT */
/*
 * Machine-checkable reporting for the VTL0 test guests, kvm-unit-tests style:
 *   TEST <name>: PASS
 *   TEST <name>: FAIL <why, with the observed values>
 *   TEST <name>: SKIP <why it did not run> (neither passed nor failed)
 *   INFO <text>
 *   SUMMARY: <N> passed, <M> failed[, <K> skipped (not run)]
 * Every line goes to COM1 directly (polled, the firmware's UART settings untouched) and,
 * while boot services exist, to ConOut as well. After ExitBootServices the caller switches
 * ConOut off with report_set_conout(false) and only COM1 is written.
 */
#ifndef TESTS_GUESTS_REPORT_H
#define TESTS_GUESTS_REPORT_H

#include <stdarg.h>

#include "lib/compiler.h"
#include "lib/types.h"

#define REPORT_LINE_MAX 240

/* Formatting is lib/printf.c's snprintf/vsnprintf (linked into the guest as into the loader). */

void report_set_conout(bool on);
void report_info(const char *fmt, ...) PRINTF_FMT(1, 2);
/* One TEST line: PASS when ok, else FAIL followed by the formatted reason. */
void report_result(const char *name, bool ok, const char *fmt, ...) PRINTF_FMT(3, 4);
void report_pass(const char *name);
void report_fail(const char *name, const char *fmt, ...) PRINTF_FMT(2, 3);
/* A check that could not run here (e.g. a feature the hypervisor does not offer). */
void report_skip(const char *name, const char *fmt, ...) PRINTF_FMT(2, 3);
/* A FAIL reason built up in place: "a; b; c". */
struct why {
	char buf[REPORT_LINE_MAX - 48];
	int len;
	u32 count;
};
void why_add(struct why *w, const char *fmt, ...) PRINTF_FMT(2, 3);

/* Prints the SUMMARY line; returns the number of failed checks. */
u32 report_summary(void);

#endif
