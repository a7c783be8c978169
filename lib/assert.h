/* SPDX-License-Identifier: MIT */
/*
 * Two assertion levels (DESIGN.md section 9):
 *   ASSERT(cond)  debug builds only; compiled out when NDEBUG is defined.
 *   BUG_ON(cond)  always checked: for anything that would break isolation if it were false.
 * Both end in lib_panic(), which hands over to the handler a higher layer registered (lib
 * cannot call upward). The default handler spins forever.
 */
#ifndef LIB_ASSERT_H
#define LIB_ASSERT_H

#include "lib/compiler.h"

typedef void (*lib_panic_handler_t)(const char *file, int line, const char *what);

NORETURN void lib_panic(const char *file, int line, const char *what);
/* fn == NULL restores the default (spin forever). If fn returns, lib_panic spins. */
void lib_set_panic_handler(lib_panic_handler_t fn);

#define BUG_ON(cond)                                                        \
	do {                                                                \
		if (unlikely(cond))                                         \
			lib_panic(__FILE__, __LINE__, "BUG_ON(" #cond ")"); \
	} while (0)

#ifdef NDEBUG
/* Still type-checks cond, never evaluates it. */
#define ASSERT(cond) ((void)sizeof(!(cond)))
#else
#define ASSERT(cond)                                                        \
	do {                                                                \
		if (unlikely(!(cond)))                                      \
			lib_panic(__FILE__, __LINE__, "ASSERT(" #cond ")"); \
	} while (0)
#endif

#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)

#endif
