/* SPDX-License-Identifier: MIT */
/*
 * Ticket spinlock: CPUs acquire in arrival order. __atomic builtins only, so the same code
 * runs in the core and in host tests. Not recursive; it does not mask interrupts, so a lock
 * also taken from an interrupt or NMI handler needs the caller to mask them.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

/* lib/ includes nothing from above it: the PAUSE hint comes from the compiler. */
#include "lib/types.h"

typedef struct {
	u32 next;  /* next ticket to hand out */
	u32 owner; /* ticket now allowed in; written only by the holder */
} spinlock_t;

#define SPINLOCK_INIT                 \
	{                             \
		.next = 0, .owner = 0 \
	}

static inline void spin_lock_init(spinlock_t *l)
{
	__atomic_store_n(&l->next, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELEASE);
}

static inline void spin_lock(spinlock_t *l)
{
	u32 ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		__builtin_ia32_pause();
}

static inline void spin_unlock(spinlock_t *l)
{
	u32 owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);

	__atomic_store_n(&l->owner, owner + 1, __ATOMIC_RELEASE);
}

/*
 * owner only grows and never passes next, so if next still equals the owner value read
 * first, the lock is free and the ticket taken is the one being served.
 */
static inline bool spin_trylock(spinlock_t *l)
{
	u32 owner = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE);
	u32 expected = owner;

	return __atomic_compare_exchange_n(&l->next, &expected, owner + 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

#endif
