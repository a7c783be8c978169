// SPDX-License-Identifier: MIT
/* lib_panic and its replaceable handler. */
#include "lib/assert.h"

/*
 * Set once during early boot by the layer that owns panics (before other CPUs run), read by
 * any CPU that panics: a plain pointer with atomic accesses.
 */
static lib_panic_handler_t panic_handler;

void lib_set_panic_handler(lib_panic_handler_t fn)
{
	__atomic_store_n(&panic_handler, fn, __ATOMIC_RELEASE);
}

NORETURN void lib_panic(const char *file, int line, const char *what)
{
	lib_panic_handler_t fn = __atomic_load_n(&panic_handler, __ATOMIC_ACQUIRE);

	if (fn)
		fn(file, line, what);
	for (;;)
		__asm__ volatile("" ::: "memory");
}
