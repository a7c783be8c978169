// SPDX-License-Identifier: MIT
/* Report lines for the VTL0 test guests: COM1 always, ConOut while boot services exist. */
#include <efi.h>
#include <efilib.h>

#include "arch/x86/intrin.h"
#include "lib/printf.h"
#include "tests/guests/report.h"

#define COM1_BASE 0x3f8
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20
/* Roughly 10 ms at 115200 baud on any emulator; a missing UART must never hang us. */
#define UART_POLL_LIMIT 200000

/* Owned by the BSP; the guest's only writer of report lines. */
static bool report_conout = true;
static u32 report_passed;
static u32 report_failed;
static u32 report_skipped;

static void com1_putc(char c)
{
	for (u32 i = 0; i < UART_POLL_LIMIT; i++) {
		if (inb(COM1_BASE + UART_LSR) & UART_LSR_THRE)
			break;
		cpu_relax();
	}
	outb(COM1_BASE + UART_THR, (u8)c);
}

static void conout_write(const char *s)
{
	CHAR16 wbuf[REPORT_LINE_MAX + 4];
	size_t n = 0;

	while (*s && n < REPORT_LINE_MAX)
		wbuf[n++] = (CHAR16)(u8)*s++;
	wbuf[n++] = L'\r';
	wbuf[n++] = L'\n';
	wbuf[n] = 0;
	uefi_call_wrapper(ST->ConOut->OutputString, 2, ST->ConOut, wbuf);
}

static void emit_line(const char *line)
{
	if (report_conout && ST && ST->ConOut)
		conout_write(line);
	for (const char *p = line; *p; p++)
		com1_putc(*p);
	com1_putc('\r');
	com1_putc('\n');
}

void report_set_conout(bool on)
{
	report_conout = on;
}

void report_info(const char *fmt, ...)
{
	char line[REPORT_LINE_MAX];
	va_list ap;
	int n = snprintf(line, sizeof(line), "INFO ");

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	emit_line(line);
}

static void result_line(const char *name, bool ok, const char *fmt, va_list ap)
{
	char line[REPORT_LINE_MAX];
	int n;

	if (ok) {
		report_passed++;
		snprintf(line, sizeof(line), "TEST %s: PASS", name);
	} else {
		report_failed++;
		n = snprintf(line, sizeof(line), "TEST %s: FAIL ", name);
		if (n < (int)sizeof(line))
			vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	}
	emit_line(line);
}

void report_result(const char *name, bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result_line(name, ok, fmt, ap);
	va_end(ap);
}

void report_pass(const char *name)
{
	report_result(name, true, "%s", "");
}

void report_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result_line(name, false, fmt, ap);
	va_end(ap);
}

void report_skip(const char *name, const char *fmt, ...)
{
	char line[REPORT_LINE_MAX];
	va_list ap;
	int n;

	report_skipped++;
	n = snprintf(line, sizeof(line), "TEST %s: SKIP ", name);
	va_start(ap, fmt);
	if (n < (int)sizeof(line))
		vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	emit_line(line);
}

u32 report_summary(void)
{
	char line[REPORT_LINE_MAX];
	int n = snprintf(line, sizeof(line), "SUMMARY: %u passed, %u failed", report_passed,
			 report_failed);

	if (report_skipped && n < (int)sizeof(line))
		snprintf(line + n, sizeof(line) - n, ", %u skipped (not run)", report_skipped);
	emit_line(line);
	return report_failed;
}

void why_add(struct why *w, const char *fmt, ...)
{
	va_list ap;

	if (w->len + 2 < (int)sizeof(w->buf)) {
		if (w->count)
			w->len += snprintf(w->buf + w->len, sizeof(w->buf) - w->len, "; ");
		va_start(ap, fmt);
		w->len += vsnprintf(w->buf + w->len, sizeof(w->buf) - w->len, fmt, ap);
		va_end(ap);
	}
	w->count++;
}
