/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's one logging API.
 *
 * Each line is formatted once as "[L cpuN module] message\n" (L = E/W/I/D/T) into a stack
 * buffer of LOG_LINE_MAX bytes (longer lines end in "...\n"), then, under one global lock,
 * appended to a RAM ring (LOG_RING_SIZE bytes) and handed to the sink, so lines from
 * different CPUs never interleave.
 *
 * A .c file defines its module name before including this header and logs with pr_*():
 *
 *	#define LOG_MODULE "vmx"
 *	#include "lib/log.h"
 *	...
 *	pr_info("VMXON region at %#llx", pa);
 *
 * The sink and the emit callbacks run under the log lock: they must not log.
 */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include <stdarg.h>

#include "lib/compiler.h"
#include "lib/types.h"

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

#define LOG_LINE_MAX 256 /* bytes, including the newline and the NUL */
#define LOG_RING_SIZE (64 * 1024)
#define LOG_MAX_MODULES 32     /* per-module level overrides */
#define LOG_MODULE_NAME_MAX 24 /* bytes kept of a module name in the override table */

typedef void (*log_sink_t)(const char *s, size_t n);

/*
 * sink: where formatted lines go (the consoles); NULL keeps them only in the ring.
 * cpu_id: the current CPU number; NULL means always 0. May be called again later (e.g.
 * once per-CPU data exists). Lines logged before log_init reach the ring only.
 */
void log_init(log_sink_t sink, u32 (*cpu_id)(void));

void log_write(enum log_level lvl, const char *module, const char *fmt, ...) PRINTF_FMT(3, 4);
void log_vwrite(enum log_level lvl, const char *module, const char *fmt, va_list ap)
	PRINTF_FMT(3, 0);

/* The global level (default LOG_INFO): messages at or below it are kept. */
void log_set_level(enum log_level lvl);
/* A level for one module, overriding the global one; -ENOMEM when the table is full. */
int log_set_module_level(const char *module, enum log_level lvl);
/* The level in force for module (its override, else the global level). */
enum log_level log_get_level(const char *module);
/* Whether a message would be kept; cheap, done before any formatting. */
bool log_enabled(enum log_level lvl, const char *module);

/*
 * Copies the last max_lines complete lines of the ring, oldest first, NUL-terminated, into
 * buf (n > 0). If they do not all fit, the oldest are dropped. Returns the bytes copied
 * without the NUL.
 */
size_t log_ring_copy_tail(char *buf, size_t n, unsigned max_lines);
/* Emits everything in the ring, oldest complete line first, in one or two chunks. */
void log_ring_dump(void (*emit)(const char *s, size_t n));

/*
 * From now on, no log function takes the lock: a CPU that panics while another (or itself)
 * holds it must still get its last words out. Irreversible.
 */
void log_panic_mode(void);

#define pr_log_(lvl, fmt, ...)                                          \
	do {                                                            \
		if (log_enabled(lvl, LOG_MODULE))                       \
			log_write(lvl, LOG_MODULE, fmt, ##__VA_ARGS__); \
	} while (0)

#define pr_err(fmt, ...) pr_log_(LOG_ERR, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) pr_log_(LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) pr_log_(LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) pr_log_(LOG_DEBUG, fmt, ##__VA_ARGS__)
#define pr_trace(fmt, ...) pr_log_(LOG_TRACE, fmt, ##__VA_ARGS__)

#endif
