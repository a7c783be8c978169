/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the page-table tests: an arena of fake physical pages that hands out
 * tables (tracking every page, poisoning freed ones, failing on demand), attribute helpers
 * and a tiny seeded RNG.
 */
#ifndef TESTS_UNIT_TEST_PT_UTIL_H
#define TESTS_UNIT_TEST_PT_UTIL_H

#include "lib/types.h"
#include "mm/pt.h"

/* Fake physical address of the arena's first page (any page-aligned non-zero value). */
#define TPA_BASE_PA 0x40000000000ULL

struct tpa {
	u8 *mem; /* backing store, pages * 4 KiB */
	u64 base_pa;
	size_t pages;
	u8 *used;      /* per page: 1 = handed out */
	size_t next;   /* round-robin search start: freed pages are reused late */
	size_t live;   /* pages handed out and not freed */
	size_t allocs; /* successful allocations */
	size_t frees;
	size_t errors; /* frees of pages not handed out */
	long budget;   /* allocations left before failing; < 0 = unlimited */
	struct pt_alloc alloc;
};

/* Sets up the arena and the phys offset (va = pa + off) so that the engine reaches it. */
void tpa_init(struct tpa *t, size_t pages);
void tpa_fini(struct tpa *t);
/* Allocation budget: n more allocations succeed, then every one fails (n < 0: unlimited). */
void tpa_set_budget(struct tpa *t, long n);

/* Attribute helpers. */
struct pt_attr tpa_attr(u8 perm, u8 memtype, u8 flags);
bool tpa_attr_eq(const struct pt_attr *a, const struct pt_attr *b);

/* xorshift64*: deterministic for a given seed. */
u64 tpa_rand(u64 *state);
/* Uniform in [0, n), n > 0. */
u64 tpa_rand_below(u64 *state, u64 n);
/* Seed from the environment (PT_SEED) or from the clock; printed. */
u64 tpa_seed(const char *name);

#endif
