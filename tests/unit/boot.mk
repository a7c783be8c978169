# Host unit tests for boot/ (see the top Makefile's unit_rule): the parts of the UEFI
# loader that are plain C.
UNIT_TESTS += test_config

test_config_SRCS := tests/unit/test_config.c boot/config.c lib/string.c lib/printf.c
