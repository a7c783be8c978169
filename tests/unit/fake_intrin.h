/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for arch/x86/intrin.h (included by it under VTLVISOR_HOST): the same
 * functions, acting on in-memory models a test can inspect and drive.
 *
 * The fake state is defined right here with weak linkage, so every translation unit that
 * includes the header shares one copy without a separate .c file. Tests reset what they use
 * at the start of each test case.
 *
 * Sections: port I/O, CPU hints. Add new fakes (MSRs, VMCS, ...) as new sections in the same
 * shape: state, reset helper, hook type if a test must model a device, the intrinsics.
 */
#ifndef TESTS_UNIT_FAKE_INTRIN_H
#define TESTS_UNIT_FAKE_INTRIN_H

#include "lib/types.h"

#define FAKE_WEAK __attribute__((weak))

/* ---- port I/O -------------------------------------------------------------------------- */

#define FAKE_NPORTS 65536

/*
 * A device model for one port. size is 1, 2 or 4 bytes. For a write, val is the value and
 * the return value is ignored; for a read, val is 0 and the return value is what the CPU
 * gets (truncated to size).
 */
typedef u32 (*fake_port_fn)(void *ctx, u16 port, unsigned size, bool is_write, u32 val);

struct fake_port_hook {
	fake_port_fn fn;
	void *ctx;
};

/* Ports without a hook behave as plain storage: a read returns the last value written. */
FAKE_WEAK u32 fake_ports[FAKE_NPORTS];
FAKE_WEAK struct fake_port_hook fake_port_hooks[FAKE_NPORTS];

static inline void fake_ports_reset(void)
{
	__builtin_memset(fake_ports, 0, sizeof(fake_ports));
	__builtin_memset(fake_port_hooks, 0, sizeof(fake_port_hooks));
}

/* Routes ports [first, first + count) to fn (NULL: back to plain storage). */
static inline void fake_port_set_hook(u16 first, unsigned count, fake_port_fn fn, void *ctx)
{
	unsigned i;

	for (i = 0; i < count && first + i < FAKE_NPORTS; i++) {
		fake_port_hooks[first + i].fn = fn;
		fake_port_hooks[first + i].ctx = ctx;
	}
}

static inline u32 fake_port_access(u16 port, unsigned size, bool is_write, u32 val)
{
	const struct fake_port_hook *h = &fake_port_hooks[port];
	u32 mask = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;

	if (h->fn)
		return h->fn(h->ctx, port, size, is_write, val & mask) & mask;
	if (is_write) {
		fake_ports[port] = val & mask;
		return 0;
	}
	return fake_ports[port] & mask;
}

static inline void outb(u16 port, u8 v) { fake_port_access(port, 1, true, v); }
static inline void outw(u16 port, u16 v) { fake_port_access(port, 2, true, v); }
static inline void outl(u16 port, u32 v) { fake_port_access(port, 4, true, v); }
static inline u8 inb(u16 port) { return (u8)fake_port_access(port, 1, false, 0); }
static inline u16 inw(u16 port) { return (u16)fake_port_access(port, 2, false, 0); }
static inline u32 inl(u16 port) { return fake_port_access(port, 4, false, 0); }

/* ---- CPU hints ------------------------------------------------------------------------- */

/* How often cpu_relax() ran (e.g. to check that a wait loop is bounded). Atomic. */
FAKE_WEAK u64 fake_cpu_relax_count;

static inline void cpu_relax(void)
{
	__atomic_fetch_add(&fake_cpu_relax_count, 1, __ATOMIC_RELAXED);
}

#endif
