/* SPDX-License-Identifier: MIT */
/*
 * Freestanding memory and string functions with the standard names and semantics, plus the
 * number parsers used by the config parser and the debug console.
 *
 * mem* live in lib/mem.c (the core only: the UEFI loader gets memset/memcpy from gnu-efi);
 * str* and the parsers live in lib/string.c (core and loader).
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include "lib/libc_names.h"
#include "lib/types.h"

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copies at most size - 1 bytes, always NUL-terminates when size > 0; returns strlen(src). */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

/*
 * Parses a whole string as an unsigned 64-bit number: decimal, or hex after "0x"/"0X".
 * No sign, no whitespace, no trailing characters. Returns 0 and stores the value, -EINVAL on
 * malformed input (empty, junk, "0x" alone), -ERANGE if it does not fit in 64 bits. *out is
 * written only on success.
 */
int str_to_u64(const char *s, u64 *out);
/*
 * Like str_to_u64, with an optional final K, M or G (either case) multiplying by 2^10, 2^20
 * or 2^30: "16M", "0x10k", "1G". -ERANGE if the product overflows.
 */
int str_to_size(const char *s, u64 *out);

#endif
