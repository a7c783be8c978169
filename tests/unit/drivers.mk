# Host unit tests for drivers/ (see the top Makefile's unit_rule).
UNIT_TESTS += test_uart_console

test_uart_console_SRCS := tests/unit/test_uart_console.c drivers/uart16550.c drivers/e9.c \
	drivers/console.c
