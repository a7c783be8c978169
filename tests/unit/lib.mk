# Host unit tests for lib/ (see the top Makefile's unit_rule).
UNIT_TESTS += test_mem_string test_printf test_bitmap test_log test_assert test_assert_ndebug

test_mem_string_SRCS := tests/unit/test_mem_string.c lib/mem.c lib/string.c

test_printf_SRCS := tests/unit/test_printf.c lib/printf.c

test_bitmap_SRCS := tests/unit/test_bitmap.c lib/bitmap.c

test_log_SRCS := tests/unit/test_log.c lib/log.c lib/printf.c lib/string.c lib/mem.c
test_log_CFLAGS := -pthread

# The same tests built twice: ASSERT live, then compiled out (NDEBUG). Also the spinlock.
test_assert_SRCS := tests/unit/test_assert.c lib/assert.c
test_assert_CFLAGS := -pthread
test_assert_ndebug_SRCS := tests/unit/test_assert.c lib/assert.c
test_assert_ndebug_CFLAGS := -pthread -DNDEBUG
