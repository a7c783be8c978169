/* SPDX-License-Identifier: MIT */
/*
 * Formatted printing into a buffer, with C99 snprintf semantics: the return value is the
 * length the full output would have had; the buffer is always NUL-terminated when n > 0;
 * n == 0 writes nothing (buf may then be NULL).
 *
 * Conversions: d i u x X o c s p %. Flags: - 0 + space #. Width and precision, including *.
 * Length modifiers: hh h l ll z j t. %s with NULL prints "(null)"; %p prints 0x and lowercase
 * hex. No floating point and no %n: an unsupported conversion is copied to the output as
 * written (and consumes no argument).
 *
 * Compiled into the core and into the UEFI loader; needs nothing but itself.
 */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>

#include "lib/compiler.h"
#include "lib/libc_names.h"
#include "lib/types.h"

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap) PRINTF_FMT(3, 0);
int snprintf(char *buf, size_t n, const char *fmt, ...) PRINTF_FMT(3, 4);

#endif
