// SPDX-License-Identifier: MIT
/* Report lines for the VTL0 test guests: COM1 always, ConOut while boot services exist. */
#include <efi.h>
#include <efilib.h>

#include "arch/x86/intrin.h"
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

/* ---- a small vsnprintf: enough for hex dumps of registers and addresses ---- */

struct outbuf {
	char *buf;
	size_t size;
	size_t len;
};

static void out_c(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct outbuf *o, char c, int n)
{
	while (n-- > 0)
		out_c(o, c);
}

static void out_num(struct outbuf *o, u64 v, bool neg, unsigned int base, bool upper, int width,
		    bool zero, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int len = n + (neg ? 1 : 0);

	if (!left && !zero)
		out_pad(o, ' ', width - len);
	if (neg)
		out_c(o, '-');
	if (!left && zero)
		out_pad(o, '0', width - len);
	while (n)
		out_c(o, tmp[--n]);
	if (left)
		out_pad(o, ' ', width - len);
}

int report_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { .buf = buf, .size = size, .len = 0 };

	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			out_c(&o, *f);
			continue;
		}
		f++;
		bool zero = false, left = false;
		int width = 0, lng = 0;

		for (;; f++) {
			if (*f == '0')
				zero = true;
			else if (*f == '-')
				left = true;
			else
				break;
		}
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (*f++ - '0');
		while (*f == 'l' || *f == 'z') {
			lng++;
			f++;
		}
		switch (*f) {
		case 'd':
		case 'i': {
			s64 v = lng ? va_arg(ap, s64) : va_arg(ap, int);
			u64 mag = v < 0 ? 0 - (u64)v : (u64)v;

			out_num(&o, mag, v < 0, 10, false, width, zero, left);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			u64 v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned int);

			out_num(&o, v, false, *f == 'u' ? 10 : 16, *f == 'X', width, zero, left);
			break;
		}
		case 'p':
			out_c(&o, '0');
			out_c(&o, 'x');
			out_num(&o, (u64)(uintptr_t)va_arg(ap, void *), false, 16, false, width,
				zero, left);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;

			if (!s)
				s = "(null)";
			while (s[len])
				len++;
			if (!left)
				out_pad(&o, ' ', width - len);
			while (*s)
				out_c(&o, *s++);
			if (left)
				out_pad(&o, ' ', width - len);
			break;
		}
		case 'c':
			out_c(&o, (char)va_arg(ap, int));
			break;
		case '%':
			out_c(&o, '%');
			break;
		case '\0':
			f--;
			break;
		default:
			out_c(&o, '%');
			out_c(&o, *f);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int report_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = report_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* ---- report lines ---- */

void report_info(const char *fmt, ...)
{
	char line[REPORT_LINE_MAX];
	va_list ap;
	int n = report_snprintf(line, sizeof(line), "INFO ");

	va_start(ap, fmt);
	report_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	emit_line(line);
}

static void result_line(const char *name, bool ok, const char *fmt, va_list ap)
{
	char line[REPORT_LINE_MAX];
	int n;

	if (ok) {
		report_passed++;
		report_snprintf(line, sizeof(line), "TEST %s: PASS", name);
	} else {
		report_failed++;
		n = report_snprintf(line, sizeof(line), "TEST %s: FAIL ", name);
		if (n < (int)sizeof(line))
			report_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
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

u32 report_summary(void)
{
	char line[REPORT_LINE_MAX];

	report_snprintf(line, sizeof(line), "SUMMARY: %u passed, %u failed", report_passed,
			report_failed);
	emit_line(line);
	return report_failed;
}
