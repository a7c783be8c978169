// SPDX-License-Identifier: MIT
/* Shared helpers of the page-table tests (see test_pt_util.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lib/compiler.h"
#include "mm/phys.h"
#include "tests/unit/test_pt_util.h"

#define TPA_POISON_FREE 0xa5
#define TPA_POISON_ALLOC 0x5a

static u64 tpa_alloc_table(void *ctx)
{
	struct tpa *t = ctx;
	size_t i;

	if (t->budget == 0)
		return 0;
	for (i = 0; i < t->pages; i++) {
		size_t p = (t->next + i) % t->pages;

		if (t->used[p])
			continue;
		t->used[p] = 1;
		t->next = p + 1;
		t->live++;
		t->allocs++;
		if (t->budget > 0)
			t->budget--;
		/* Garbage: the engine must clear the tables it gets. */
		memset(t->mem + p * PAGE_SIZE, TPA_POISON_ALLOC, PAGE_SIZE);
		return t->base_pa + p * PAGE_SIZE;
	}
	fail_msg("test arena of %zu pages exhausted", t->pages);
	return 0;
}

static void tpa_free_table(void *ctx, u64 pa)
{
	struct tpa *t = ctx;
	size_t p = (pa - t->base_pa) / PAGE_SIZE;

	if (pa < t->base_pa || p >= t->pages || (pa & (PAGE_SIZE - 1)) || !t->used[p]) {
		t->errors++;
		return;
	}
	t->used[p] = 0;
	t->live--;
	t->frees++;
	/* Poison: a table used after it was freed reads as garbage and fails pt_check. */
	memset(t->mem + p * PAGE_SIZE, TPA_POISON_FREE, PAGE_SIZE);
}

void tpa_init(struct tpa *t, size_t pages)
{
	memset(t, 0, sizeof(*t));
	t->mem = aligned_alloc(PAGE_SIZE, pages * PAGE_SIZE);
	t->used = calloc(pages, 1);
	assert_non_null(t->mem);
	assert_non_null(t->used);
	memset(t->mem, TPA_POISON_FREE, pages * PAGE_SIZE);
	t->base_pa = TPA_BASE_PA;
	t->pages = pages;
	t->budget = -1;
	t->alloc.alloc_table = tpa_alloc_table;
	t->alloc.free_table = tpa_free_table;
	t->alloc.ctx = t;
	mm_set_phys_offset((s64)((u64)(uintptr_t)t->mem - t->base_pa));
}

void tpa_fini(struct tpa *t)
{
	free(t->mem);
	free(t->used);
	t->mem = NULL;
	t->used = NULL;
}

void tpa_set_budget(struct tpa *t, long n)
{
	t->budget = n;
}

struct pt_attr tpa_attr(u8 perm, u8 memtype, u8 flags)
{
	struct pt_attr a = { .perm = perm, .memtype = memtype, .flags = flags };

	return a;
}

bool tpa_attr_eq(const struct pt_attr *a, const struct pt_attr *b)
{
	return a->perm == b->perm && a->memtype == b->memtype && a->flags == b->flags;
}

u64 tpa_rand(u64 *state)
{
	u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

u64 tpa_rand_below(u64 *state, u64 n)
{
	return tpa_rand(state) % n;
}

u64 tpa_seed(const char *name)
{
	const char *env = getenv("PT_SEED");
	u64 seed = env ? strtoull(env, NULL, 0) : (u64)time(NULL) * 2654435761u ^ (u64)clock();

	if (!seed)
		seed = 1;
	printf("%s: seed %llu (rerun with PT_SEED=%llu)\n", name, (unsigned long long)seed,
	       (unsigned long long)seed);
	fflush(stdout);
	return seed;
}
