/* SPDX-License-Identifier: MIT */
/* Small compiler helpers shared by every layer. */
#ifndef LIB_COMPILER_H
#define LIB_COMPILER_H

#include "lib/types.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n) (1ULL << (n))
/* Mask of bits hi..lo inclusive (hi >= lo, hi < 64). */
#define GENMASK(hi, lo) ((~0ULL >> (63 - (hi))) & (~0ULL << (lo)))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (a)-1, (a))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define PACKED __attribute__((packed))
#define ALIGNED(n) __attribute__((aligned(n)))
#define NORETURN __attribute__((noreturn))
#define UNUSED __attribute__((unused))
#define PRINTF_FMT(f, a) __attribute__((format(printf, f, a)))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096ULL
#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)

#endif
