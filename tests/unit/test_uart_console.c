// SPDX-License-Identifier: MIT
/*
 * drivers/uart16550.c, drivers/e9.c and drivers/console.c against fake devices on the port
 * hooks of tests/unit/fake_intrin.h: a 16550 model (registers, DLAB, LSR.THRE/DR, a receive
 * queue) and a port 0xE9 recorder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/intrin.h"
#include "drivers/console.h"
#include "drivers/e9.h"
#include "drivers/uart16550.h"
#include "lib/errno.h"

/* ---- a 16550 model --------------------------------------------------------------------- */

#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

struct fake_uart {
	u16 base;
	u8 ier, lcr, mcr, fcr, scr, dll, dlm;
	bool thre_stuck; /* a wedged transmitter: THRE never sets */
	char tx[4096];
	size_t ntx;
	u8 rx[64];
	size_t rx_head, rx_tail;
	unsigned lsr_reads;
};

static u32 uart_model(void *ctx, u16 port, unsigned size, bool is_write, u32 val)
{
	struct fake_uart *u = ctx;
	bool dlab = u->lcr & 0x80;

	assert_int_equal(size, 1);
	switch (port - u->base) {
	case 0:
		if (is_write) {
			if (dlab)
				u->dll = (u8)val;
			else if (u->ntx < sizeof(u->tx))
				u->tx[u->ntx++] = (char)val;
			return 0;
		}
		if (dlab)
			return u->dll;
		return u->rx_head != u->rx_tail ? u->rx[u->rx_head++ % sizeof(u->rx)] : 0;
	case 1:
		if (is_write) {
			if (dlab)
				u->dlm = (u8)val;
			else
				u->ier = (u8)val;
			return 0;
		}
		return dlab ? u->dlm : u->ier;
	case 2:
		if (is_write)
			u->fcr = (u8)val;
		return is_write ? 0 : 0xC1; /* IIR: FIFOs enabled, no interrupt pending */
	case 3:
		if (is_write)
			u->lcr = (u8)val;
		return u->lcr;
	case 4:
		if (is_write)
			u->mcr = (u8)val;
		return u->mcr;
	case 5:
		if (is_write)
			return 0;
		u->lsr_reads++;
		return (u->thre_stuck ? 0 : LSR_THRE | LSR_TEMT) |
		       (u->rx_head != u->rx_tail ? LSR_DR : 0);
	case 6:
		return 0;
	default:
		if (is_write)
			u->scr = (u8)val;
		return u->scr;
	}
}

static void uart_attach(struct fake_uart *u, u16 base)
{
	memset(u, 0, sizeof(*u));
	u->base = base;
	fake_port_set_hook(base, 8, uart_model, u);
}

static void uart_feed(struct fake_uart *u, const char *s)
{
	while (*s)
		u->rx[u->rx_tail++ % sizeof(u->rx)] = (u8)*s++;
}

/* Nothing decodes the port: reads float high, writes vanish. */
static u32 absent_model(void *ctx, u16 port, unsigned size, bool is_write, u32 val)
{
	return 0xFFFFFFFF;
}

/* Port 0xE9 recorder. */
static char e9_out[4096];
static size_t e9_len;

static u32 e9_model(void *ctx, u16 port, unsigned size, bool is_write, u32 val)
{
	assert_true(is_write);
	assert_int_equal(size, 1);
	if (e9_len < sizeof(e9_out))
		e9_out[e9_len++] = (char)val;
	return 0;
}

static int reset(void **state)
{
	fake_ports_reset();
	fake_port_set_hook(E9_PORT, 1, e9_model, NULL);
	e9_len = 0;
	return 0;
}

/* ---- uart ------------------------------------------------------------------------------ */

static void test_uart_init(void **state)
{
	static const struct {
		u32 baud;
		u16 divisor;
	} rates[] = { { 115200, 1 }, { 57600, 2 }, { 38400, 3 },
		      { 9600, 12 },  { 300, 384 }, { 50, 2304 } };
	struct fake_uart u;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rates); i++) {
		uart_attach(&u, UART_COM1);
		u.ier = 0x0F;
		assert_int_equal(uart_init(UART_COM1, rates[i].baud), 0);
		assert_int_equal(u.dll | u.dlm << 8, rates[i].divisor);
		assert_int_equal(u.lcr, 0x03);	      /* 8N1, DLAB off again */
		assert_int_equal(u.ier, 0);	      /* interrupts off */
		assert_true(u.fcr & 0x01);	      /* FIFOs on */
		assert_int_equal(u.fcr & 0x06, 0x06); /* and cleared */
		assert_int_equal(u.mcr & 0x03, 0x03); /* DTR, RTS */
		assert_int_equal(u.ntx, 0);	      /* nothing sent */
	}
	assert_int_equal(uart_init(UART_COM1, 0), -EINVAL);
	assert_int_equal(uart_init(UART_COM1, 230400), -EINVAL);
}

static void test_uart_absent(void **state)
{
	fake_port_set_hook(UART_COM2, 8, absent_model, NULL);
	assert_int_equal(uart_init(UART_COM2, 115200), -ENOENT);
}

/* A port that keeps only some bits (a different device) fails the second pattern. */
static u32 stuck_bits_model(void *ctx, u16 port, unsigned size, bool is_write, u32 val)
{
	static u8 latch;

	if (is_write)
		latch = (u8)val;
	return latch & 0x55;
}

static void test_uart_partial_scratch(void **state)
{
	fake_port_set_hook(UART_COM2, 8, stuck_bits_model, NULL);
	assert_int_equal(uart_init(UART_COM2, 115200), -ENOENT);
}

static void test_uart_write(void **state)
{
	struct fake_uart u;

	uart_attach(&u, UART_COM2);
	assert_int_equal(uart_init(UART_COM2, 115200), 0);
	uart_write(UART_COM2, "ab\ncd\n\n", 7);
	uart_putc(UART_COM2, '\n');	  /* putc sends exactly one byte */
	uart_write(UART_COM2, "xyz", 2);  /* exactly n bytes */
	uart_write(UART_COM2, "q\0r", 3); /* NULs included */
	assert_int_equal(u.ntx, 16);
	assert_memory_equal(u.tx, "ab\r\ncd\r\n\r\n\nxyq\0r", 16);
	assert_true(u.lsr_reads >= 16); /* each byte waited for THRE */
}

static void test_uart_stuck_transmitter(void **state)
{
	struct fake_uart u;
	u64 relax_before = fake_cpu_relax_count;

	uart_attach(&u, UART_COM1);
	assert_int_equal(uart_init(UART_COM1, 115200), 0);
	u.thre_stuck = true;
	uart_putc(UART_COM1, 'z'); /* returns, after a bounded wait */
	assert_int_equal(u.ntx, 1);
	assert_true(u.lsr_reads > 100);
	assert_true(fake_cpu_relax_count - relax_before > 100);
	assert_true(u.lsr_reads < 10000000);
}

static void test_uart_getc(void **state)
{
	struct fake_uart u;

	uart_attach(&u, UART_COM1);
	assert_int_equal(uart_init(UART_COM1, 115200), 0);
	assert_int_equal(uart_getc(UART_COM1), -1);
	uart_feed(&u, "hi\xff");
	assert_int_equal(uart_getc(UART_COM1), 'h');
	assert_int_equal(uart_getc(UART_COM1), 'i');
	assert_int_equal(uart_getc(UART_COM1), 0xff); /* bytes are unsigned */
	assert_int_equal(uart_getc(UART_COM1), -1);
	assert_int_equal(uart_getc(UART_COM1), -1);
}

/* ---- e9 and the console ---------------------------------------------------------------- */

static void test_e9(void **state)
{
	e9_write("a\nb", 3);
	assert_int_equal(e9_len, 3);
	assert_memory_equal(e9_out, "a\nb", 3); /* no translation */
}

static void test_console_both(void **state)
{
	const struct console_cfg cfg = { .uart_port = UART_COM2, .baud = 115200, .use_e9 = true };
	struct fake_uart u;

	uart_attach(&u, UART_COM2);
	assert_int_equal(console_init(&cfg), 0);
	console_write("log\n", 4);
	assert_int_equal(u.ntx, 5);
	assert_memory_equal(u.tx, "log\r\n", 5);
	assert_int_equal(e9_len, 4);
	assert_memory_equal(e9_out, "log\n", 4);
	uart_feed(&u, "k");
	assert_int_equal(console_getc(), 'k');
	assert_int_equal(console_getc(), -1);
}

static void test_console_uart_only(void **state)
{
	const struct console_cfg cfg = { .uart_port = UART_COM1, .baud = 9600, .use_e9 = false };
	struct fake_uart u;

	uart_attach(&u, UART_COM1);
	assert_int_equal(console_init(&cfg), 0);
	assert_int_equal(u.dll, 12);
	console_write("x", 1);
	assert_int_equal(u.ntx, 1);
	assert_int_equal(e9_len, 0);
}

static void test_console_missing_uart(void **state)
{
	const struct console_cfg cfg = { .uart_port = UART_COM2, .baud = 115200, .use_e9 = true };
	const struct console_cfg none = { .uart_port = 0, .baud = 0, .use_e9 = false };
	u32 writes_before;

	fake_port_set_hook(UART_COM2, 8, absent_model, NULL);
	/* The error is reported, and 0xE9 still works. */
	assert_int_equal(console_init(&cfg), -ENOENT);
	console_write("still here", 10);
	assert_int_equal(e9_len, 10);
	assert_int_equal(console_getc(), -1);

	/* Nothing enabled: writes touch no port. */
	assert_int_equal(console_init(&none), 0);
	fake_ports_reset();
	writes_before = fake_ports[UART_COM2];
	console_write("gone", 4);
	assert_int_equal(fake_ports[UART_COM2], writes_before);
	assert_int_equal(fake_ports[E9_PORT], 0);
	assert_int_equal(console_getc(), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_uart_init, reset),
		cmocka_unit_test_setup(test_uart_absent, reset),
		cmocka_unit_test_setup(test_uart_partial_scratch, reset),
		cmocka_unit_test_setup(test_uart_write, reset),
		cmocka_unit_test_setup(test_uart_stuck_transmitter, reset),
		cmocka_unit_test_setup(test_uart_getc, reset),
		cmocka_unit_test_setup(test_e9, reset),
		cmocka_unit_test_setup(test_console_both, reset),
		cmocka_unit_test_setup(test_console_uart_only, reset),
		cmocka_unit_test_setup(test_console_missing_uart, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
