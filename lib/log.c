// SPDX-License-Identifier: MIT
/* Line formatting, level filtering, the RAM ring and the sink (see lib/log.h). */
#include "lib/log.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define LOG_TRUNC_MARK "..."

struct log_override {
	char name[LOG_MODULE_NAME_MAX];
	u32 level; /* atomic: read without the lock */
};

/*
 * All the state below belongs to this file and is written under log_lock (or without it
 * once log_panicking is set). The level fields are also read without the lock by
 * log_enabled(), hence the atomic accesses: overrides are only ever appended, each entry
 * complete before log_noverrides is raised with release ordering.
 */
static spinlock_t log_lock = SPINLOCK_INIT;
static bool log_panicking;
static log_sink_t log_sink;
static u32 (*log_cpu_id)(void);
static char log_ring[LOG_RING_SIZE];
static u64 log_ring_head; /* bytes ever appended; the ring holds the last LOG_RING_SIZE */
static u32 log_global_level = LOG_INFO;
static u32 log_max_level = LOG_INFO; /* max of global and overrides: the fast reject */
static struct log_override log_overrides[LOG_MAX_MODULES];
static u32 log_noverrides;

static const char log_level_chars[] = "EWIDT";

static bool log_lock_take(void)
{
	if (__atomic_load_n(&log_panicking, __ATOMIC_ACQUIRE))
		return false;
	spin_lock(&log_lock);
	return true;
}

static void log_lock_drop(bool taken)
{
	if (taken)
		spin_unlock(&log_lock);
}

static u32 log_clamp(enum log_level lvl)
{
	return (u32)lvl > LOG_TRACE ? LOG_TRACE : (u32)lvl;
}

void log_init(log_sink_t sink, u32 (*cpu_id)(void))
{
	bool taken = log_lock_take();

	log_sink = sink;
	__atomic_store_n(&log_cpu_id, cpu_id, __ATOMIC_RELAXED);
	log_lock_drop(taken);
}

void log_panic_mode(void)
{
	__atomic_store_n(&log_panicking, true, __ATOMIC_RELEASE);
}

/* ---- levels ---------------------------------------------------------------------------- */

static struct log_override *log_find_override(const char *module)
{
	u32 n = __atomic_load_n(&log_noverrides, __ATOMIC_ACQUIRE);
	u32 i;

	if (!module)
		return NULL;
	for (i = 0; i < n; i++) {
		if (!strcmp(log_overrides[i].name, module))
			return &log_overrides[i];
	}
	return NULL;
}

/* Called with the lock held. */
static void log_update_max(void)
{
	u32 max = __atomic_load_n(&log_global_level, __ATOMIC_RELAXED);
	u32 i;

	for (i = 0; i < log_noverrides; i++)
		max = MAX(max, __atomic_load_n(&log_overrides[i].level, __ATOMIC_RELAXED));
	__atomic_store_n(&log_max_level, max, __ATOMIC_RELAXED);
}

void log_set_level(enum log_level lvl)
{
	bool taken = log_lock_take();

	__atomic_store_n(&log_global_level, log_clamp(lvl), __ATOMIC_RELAXED);
	log_update_max();
	log_lock_drop(taken);
}

int log_set_module_level(const char *module, enum log_level lvl)
{
	struct log_override *o;
	bool taken;
	int ret = 0;

	if (!module || !*module || strnlen(module, LOG_MODULE_NAME_MAX) >= LOG_MODULE_NAME_MAX)
		return -EINVAL;
	taken = log_lock_take();
	o = log_find_override(module);
	if (!o) {
		if (log_noverrides == LOG_MAX_MODULES) {
			ret = -ENOMEM;
			goto out;
		}
		o = &log_overrides[log_noverrides];
		strlcpy(o->name, module, sizeof(o->name));
		__atomic_store_n(&o->level, log_clamp(lvl), __ATOMIC_RELAXED);
		__atomic_store_n(&log_noverrides, log_noverrides + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&o->level, log_clamp(lvl), __ATOMIC_RELAXED);
	log_update_max();
out:
	log_lock_drop(taken);
	return ret;
}

enum log_level log_get_level(const char *module)
{
	const struct log_override *o = log_find_override(module);

	if (o)
		return (enum log_level)__atomic_load_n(&o->level, __ATOMIC_RELAXED);
	return (enum log_level)__atomic_load_n(&log_global_level, __ATOMIC_RELAXED);
}

bool log_enabled(enum log_level lvl, const char *module)
{
	if ((u32)lvl > __atomic_load_n(&log_max_level, __ATOMIC_RELAXED))
		return false;
	return (u32)lvl <= (u32)log_get_level(module);
}

/* ---- the ring -------------------------------------------------------------------------- */

static char ring_at(u64 pos)
{
	return log_ring[pos % LOG_RING_SIZE];
}

static void ring_append(const char *s, size_t n)
{
	size_t off = log_ring_head % LOG_RING_SIZE;
	size_t first = MIN(n, LOG_RING_SIZE - off);

	memcpy(&log_ring[off], s, first);
	memcpy(log_ring, s + first, n - first);
	log_ring_head += n;
}

/*
 * Position of the oldest complete line. Once the ring has wrapped, its oldest bytes are the
 * tail of a partly overwritten line: skip up to the first newline.
 */
static u64 ring_first_line(void)
{
	u64 pos;

	if (log_ring_head <= LOG_RING_SIZE)
		return 0;
	for (pos = log_ring_head - LOG_RING_SIZE; pos < log_ring_head; pos++) {
		if (ring_at(pos) == '\n')
			return pos + 1;
	}
	return log_ring_head;
}

static void ring_copy_out(char *buf, u64 from, u64 to)
{
	size_t off = from % LOG_RING_SIZE, len = to - from;
	size_t first = MIN(len, LOG_RING_SIZE - off);

	memcpy(buf, &log_ring[off], first);
	memcpy(buf + first, log_ring, len - first);
}

size_t log_ring_copy_tail(char *buf, size_t n, unsigned max_lines)
{
	u64 start, end, pos;
	unsigned lines = 0;
	bool taken;

	if (!n)
		return 0;
	taken = log_lock_take();
	start = ring_first_line();
	end = log_ring_head;
	pos = end;
	/* Walk back one line at a time while it fits; pos is always at a line start. */
	while (pos > start && lines < max_lines) {
		u64 p = pos - 1;

		while (p > start && ring_at(p - 1) != '\n')
			p--;
		if (end - p > n - 1)
			break;
		pos = p;
		lines++;
	}
	ring_copy_out(buf, pos, end);
	buf[end - pos] = '\0';
	log_lock_drop(taken);
	return end - pos;
}

void log_ring_dump(void (*emit)(const char *s, size_t n))
{
	bool taken = log_lock_take();
	u64 start = ring_first_line(), end = log_ring_head;
	size_t off = start % LOG_RING_SIZE, len = end - start;
	size_t first = MIN(len, LOG_RING_SIZE - off);

	if (first)
		emit(&log_ring[off], first);
	if (len > first)
		emit(log_ring, len - first);
	log_lock_drop(taken);
}

/* ---- writing --------------------------------------------------------------------------- */

/* Formats one line into line[LOG_LINE_MAX]; returns its length (newline included). */
static size_t log_format(char *line, enum log_level lvl, const char *module, const char *fmt,
			 va_list ap)
{
	u32 (*cpu_id)(void) = __atomic_load_n(&log_cpu_id, __ATOMIC_RELAXED);
	size_t len, max = LOG_LINE_MAX - 1; /* characters, newline included */
	int r;

	r = snprintf(line, LOG_LINE_MAX, "[%c cpu%u %s] ", log_level_chars[log_clamp(lvl)],
		     cpu_id ? cpu_id() : 0, module ? module : "-");
	len = MIN((size_t)r, max);
	r = vsnprintf(line + len, LOG_LINE_MAX - len, fmt, ap);
	len += (size_t)r;
	if (len <= max && len && line[len - 1] == '\n')
		return len;
	if (len + 1 <= max) {
		line[len++] = '\n';
		line[len] = '\0';
		return len;
	}
	/* Too long: keep what fits before the marker and the newline. */
	len = max - (sizeof(LOG_TRUNC_MARK) - 1) - 1;
	memcpy(line + len, LOG_TRUNC_MARK, sizeof(LOG_TRUNC_MARK) - 1);
	len += sizeof(LOG_TRUNC_MARK) - 1;
	line[len++] = '\n';
	line[len] = '\0';
	return len;
}

void log_vwrite(enum log_level lvl, const char *module, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len;
	bool taken;

	if (!log_enabled(lvl, module))
		return;
	len = log_format(line, lvl, module, fmt, ap);
	taken = log_lock_take();
	ring_append(line, len);
	if (log_sink)
		log_sink(line, len);
	log_lock_drop(taken);
}

void log_write(enum log_level lvl, const char *module, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(lvl, module, fmt, ap);
	va_end(ap);
}
