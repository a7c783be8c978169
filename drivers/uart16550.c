// SPDX-License-Identifier: MIT
/*
 * Polled 16550 driver. Register map and bits from the National Semiconductor PC16550D
 * datasheet ("Register Addresses" and "Line Status Register" tables).
 */
#include "drivers/uart16550.h"
#include "arch/x86/intrin.h"
#include "lib/errno.h"

/* Register offsets from the port base (DLAB = 0 unless noted). */
#define UART_RBR 0 /* receive buffer (read) */
#define UART_THR 0 /* transmit holding (write) */
#define UART_DLL 0 /* divisor latch low (DLAB = 1) */
#define UART_IER 1 /* interrupt enable */
#define UART_DLM 1 /* divisor latch high (DLAB = 1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_SCR 7 /* scratch */

#define LCR_8N1 0x03  /* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB 0x80 /* divisor latch access */
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_TRIGGER_14 0xC0
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define LSR_DR 0x01   /* a received byte is waiting */
#define LSR_THRE 0x20 /* the transmitter can take a byte */

#define UART_BASE_BAUD (UART_CLOCK_HZ / 16)
/* Polls of LSR before sending anyway: ~100 ms on real hardware, far above one character. */
#define UART_TX_SPINS 100000

int uart_init(u16 port, u32 baud)
{
	u32 divisor;

	if (baud == 0 || baud > UART_BASE_BAUD)
		return -EINVAL;
	divisor = UART_BASE_BAUD / baud;

	/* Nothing decodes the port if the scratch register does not hold what we write. */
	outb(port + UART_SCR, 0x55);
	if (inb(port + UART_SCR) != 0x55)
		return -ENOENT;
	outb(port + UART_SCR, 0xAA);
	if (inb(port + UART_SCR) != 0xAA)
		return -ENOENT;

	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, divisor & 0xFF);
	outb(port + UART_DLM, (divisor >> 8) & 0xFF);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX | FCR_TRIGGER_14);
	outb(port + UART_MCR, MCR_DTR | MCR_RTS);
	return 0;
}

void uart_putc(u16 port, char c)
{
	unsigned spins;

	for (spins = 0; spins < UART_TX_SPINS; spins++) {
		if (inb(port + UART_LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb(port + UART_THR, (u8)c);
}

void uart_write(u16 port, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(port, '\r');
		uart_putc(port, s[i]);
	}
}

int uart_getc(u16 port)
{
	if (!(inb(port + UART_LSR) & LSR_DR))
		return -1;
	return inb(port + UART_RBR);
}
