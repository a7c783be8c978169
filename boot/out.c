/* SPDX-License-Identifier: MIT */
#include <efi.h>
#include <efilib.h>
#include <stdarg.h>

#include "boot/out.h"
#include "drivers/uart16550.h"
#include "lib/printf.h"

static u16 boot_uart; /* 0 = no UART console */

void boot_out_init(u16 uart_port, u32 baud)
{
	boot_uart = uart_port && uart_init(uart_port, baud) == 0 ? uart_port : 0;
}

void boot_msg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	/* ConOut is also the firmware's serial console (COM1 under OVMF). */
	Print(L"%a", buf);
	if (boot_uart)
		uart_write(boot_uart, buf, (size_t)n);
}
