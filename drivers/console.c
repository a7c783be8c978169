// SPDX-License-Identifier: MIT
/* Console fan-out to the UART and port 0xE9. */
#include "drivers/console.h"
#include "drivers/e9.h"
#include "drivers/uart16550.h"

/*
 * Set once by console_init on the boot CPU before any other CPU runs; read-only afterwards.
 */
static u16 console_uart; /* 0: none */
static bool console_e9;

int console_init(const struct console_cfg *cfg)
{
	int ret = 0;

	console_uart = 0;
	console_e9 = cfg->use_e9;
	if (cfg->uart_port) {
		ret = uart_init(cfg->uart_port, cfg->baud);
		if (!ret)
			console_uart = cfg->uart_port;
	}
	return ret;
}

void console_write(const char *s, size_t n)
{
	if (console_uart)
		uart_write(console_uart, s, n);
	if (console_e9)
		e9_write(s, n);
}

int console_getc(void)
{
	return console_uart ? uart_getc(console_uart) : -1;
}
