# Host unit tests for the debug console's commands (arch/x86/dbgcon_cmds.c) against a fake
# struct dbgcon_ops; the VTL0 view is a real EPT (mm/pt.c + arch/x86/ept_format.c) on the
# malloc-backed table arena of tests/unit/test_pt_util.c. See the top Makefile's unit_rule.
UNIT_TESTS += test_dbgcon_cmds

test_dbgcon_cmds_SRCS := tests/unit/test_dbgcon_cmds.c arch/x86/dbgcon_cmds.c \
	drivers/dbgcon_line.c tests/unit/test_pt_util.c mm/pt.c mm/phys.c arch/x86/ept_format.c \
	lib/string.c lib/printf.c lib/mem.c
