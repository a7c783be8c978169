/* SPDX-License-Identifier: MIT */
/* Loader output: every line goes to the firmware console and the hypervisor's UART. */
#ifndef BOOT_OUT_H
#define BOOT_OUT_H

#include "lib/compiler.h"
#include "lib/types.h"

void boot_out_init(u16 uart_port, u32 baud);
void boot_msg(const char *fmt, ...) PRINTF_FMT(1, 2);

#endif
