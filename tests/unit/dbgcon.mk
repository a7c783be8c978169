# Host unit tests for the serial debug console (see the top Makefile's unit_rule).
UNIT_TESTS += test_dbgcon_line

test_dbgcon_line_SRCS := tests/unit/test_dbgcon_line.c drivers/dbgcon_line.c lib/string.c \
	lib/mem.c
