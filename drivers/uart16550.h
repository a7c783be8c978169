/* SPDX-License-Identifier: MIT */
/*
 * Polled 8250/16550 UART at an I/O port base (COM1 0x3F8, COM2 0x2F8, ...). No state is
 * kept: every call names the port. Used by the core console and by the UEFI loader.
 */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include "lib/types.h"

#define UART_COM1 0x3F8
#define UART_COM2 0x2F8
#define UART_CLOCK_HZ 1843200 /* the PC's 1.8432 MHz crystal: divisor = 115200 / baud */

/*
 * 8N1, FIFOs on and cleared, interrupts off, DTR/RTS up. -ENOENT if nothing answers at
 * port (scratch register test), -EINVAL if baud is 0 or above 115200.
 */
int uart_init(u16 port, u32 baud);
/* Waits (bounded) for the transmitter to take a byte, then sends c. */
void uart_putc(u16 port, char c);
/* Sends n bytes, "\n" going out as "\r\n". */
void uart_write(u16 port, const char *s, size_t n);
/* The next received byte, or -1 if there is none; never blocks. */
int uart_getc(u16 port);

#endif
