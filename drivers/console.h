/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's console: its own UART (if one answers) and/or port 0xE9. This is the log
 * sink (lib/log.h); it takes no lock of its own, as the log serialises its lines.
 */
#ifndef DRIVERS_CONSOLE_H
#define DRIVERS_CONSOLE_H

#include "lib/types.h"

struct console_cfg {
	u16 uart_port; /* 0: no UART */
	u32 baud;
	bool use_e9;
};

/*
 * Sets up the outputs cfg asks for. Returns 0, or the uart_init() error if the UART was
 * asked for and could not be set up; port 0xE9 is enabled either way if requested.
 */
int console_init(const struct console_cfg *cfg);
/* Writes n bytes to every enabled output ("\n" becomes "\r\n" on the UART). */
void console_write(const char *s, size_t n);
/* A byte received on the console UART, or -1 (none, or no UART); never blocks. */
int console_getc(void);

#endif
