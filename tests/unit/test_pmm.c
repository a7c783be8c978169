// SPDX-License-Identifier: MIT
/*
 * mm/pmm.c over a malloc'd "pool": initialisation and where the bitmap goes, allocation
 * (first fit, alignment in physical addresses, zeroing), exhaustion, fragmentation, bad
 * frees, and a random alloc/free run against a model of which page belongs to whom.
 */
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
#include "lib/errno.h"
#include "mm/phys.h"
#include "mm/pmm.h"

/* The fake pool lives at this physical address, 2 MiB aligned like the real one. */
#define POOL_PA 0x10000000ULL
#define POOL_MAX_PAGES 4096

static u8 *pool_mem;

/* A pool of `pages` pages filled with 0xcc (so zeroing shows), reached through phys_to_virt. */
static void pool_setup(u64 base_pa, size_t pages)
{
	free(pool_mem);
	pool_mem = aligned_alloc(PAGE_SIZE, (pages + 1) * PAGE_SIZE);
	assert_non_null(pool_mem);
	memset(pool_mem, 0xcc, (pages + 1) * PAGE_SIZE);
	mm_set_phys_offset((s64)((u64)(uintptr_t)pool_mem - base_pa));
}

static int teardown(void **state)
{
	free(pool_mem);
	pool_mem = NULL;
	return 0;
}

static bool page_is(u64 pa, size_t n, u8 v)
{
	const u8 *p = phys_to_virt(pa);

	for (size_t i = 0; i < n * PAGE_SIZE; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void test_init_layout(void **state)
{
	struct pmm p;

	pool_setup(POOL_PA, 1024);
	/* 3 pages + 1 byte used by the loader = 4 pages; the 128-byte bitmap takes page 4. */
	assert_int_equal(pmm_init(&p, POOL_PA, 1024 * PAGE_SIZE, 3 * PAGE_SIZE + 1), 0);
	assert_int_equal(pmm_free_count(&p), 1024 - 5);
	assert_ptr_equal(p.bitmap, phys_to_virt(POOL_PA + 4 * PAGE_SIZE));
	assert_int_equal(pmm_alloc_page(&p), POOL_PA + 5 * PAGE_SIZE);
	assert_int_equal(pmm_free_count(&p), 1024 - 6);
	/* The bitmap's page and the loader's are not free. */
	pmm_free_pages(&p, POOL_PA + 4 * PAGE_SIZE, 1);
	assert_int_equal(pmm_bad_frees(&p), 1);
	assert_int_equal(pmm_free_count(&p), 1024 - 6);

	/* A partial last page is not managed; a bigger pool needs a bigger bitmap. */
	pool_setup(POOL_PA, 4096);
	assert_int_equal(pmm_init(&p, POOL_PA, 4096 * PAGE_SIZE + 100, 0), 0);
	assert_int_equal(pmm_free_count(&p), 4096 - 1);
	assert_int_equal(pmm_alloc_page(&p), POOL_PA + PAGE_SIZE);

	/* Errors. */
	assert_int_equal(pmm_init(&p, POOL_PA + 8, 16 * PAGE_SIZE, 0), -EINVAL);
	assert_int_equal(pmm_init(&p, POOL_PA, 100, 0), -EINVAL);
	assert_int_equal(pmm_init(&p, POOL_PA, 16 * PAGE_SIZE, 17 * PAGE_SIZE), -EINVAL);
	assert_int_equal(pmm_init(&p, POOL_PA, 16 * PAGE_SIZE, 16 * PAGE_SIZE), -ENOMEM);
	assert_int_equal(pmm_init(&p, POOL_PA, 16 * PAGE_SIZE, 15 * PAGE_SIZE), 0);
	assert_int_equal(pmm_free_count(&p), 0);
	assert_int_equal(pmm_alloc_page(&p), 0);
}

static void test_init_buf(void **state)
{
	u64 bits[2], small[1];
	struct pmm p;

	pool_setup(POOL_PA, 100);
	assert_int_equal(pmm_init_buf(&p, POOL_PA, 100 * PAGE_SIZE, 0, small, 1), -EINVAL);
	assert_int_equal(pmm_init_buf(&p, POOL_PA, 100 * PAGE_SIZE, 0, bits, 2), 0);
	assert_int_equal(pmm_free_count(&p), 100);
	for (u64 i = 0; i < 100; i++)
		assert_int_equal(pmm_alloc_page(&p), POOL_PA + i * PAGE_SIZE);
	assert_int_equal(pmm_alloc_page(&p), 0);
	assert_int_equal(bits[0], ~0ULL);
	assert_int_equal(bits[1], (1ULL << 36) - 1);
	pmm_free_pages(&p, POOL_PA, 100);
	assert_int_equal(pmm_free_count(&p), 100);
	assert_int_equal(pmm_bad_frees(&p), 0);
}

static void test_zeroed(void **state)
{
	struct pmm p;
	u64 a, b;

	pool_setup(POOL_PA, 64);
	assert_int_equal(pmm_init(&p, POOL_PA, 64 * PAGE_SIZE, PAGE_SIZE), 0);
	a = pmm_alloc_pages(&p, 3, 1);
	assert_int_not_equal(a, 0);
	assert_true(page_is(a, 3, 0));
	/* Pages around it were left alone. */
	assert_true(page_is(a + 3 * PAGE_SIZE, 1, 0xcc));
	memset(phys_to_virt(a), 0x77, 3 * PAGE_SIZE);
	pmm_free_pages(&p, a, 3);
	b = pmm_alloc_pages(&p, 3, 1);
	assert_int_equal(b, a);
	assert_true(page_is(b, 3, 0));
}

static void test_alignment(void **state)
{
	struct pmm p;
	u64 pa;

	/* Alignment is of the physical address, even when the pool base is not aligned. */
	pool_setup(POOL_PA + 3 * PAGE_SIZE, 2048);
	assert_int_equal(pmm_init(&p, POOL_PA + 3 * PAGE_SIZE, 2048 * PAGE_SIZE, 0), 0);
	pa = pmm_alloc_pages(&p, 1, 1);
	assert_int_equal(pa, POOL_PA + 4 * PAGE_SIZE);
	pa = pmm_alloc_pages(&p, 2, 4);
	assert_int_equal(pa, POOL_PA + 8 * PAGE_SIZE);
	pa = pmm_alloc_pages(&p, 3, 512);
	assert_int_equal(pa, POOL_PA + SZ_2M);
	/* The hole below stays usable. */
	pa = pmm_alloc_pages(&p, 3, 0);
	assert_int_equal(pa, POOL_PA + 5 * PAGE_SIZE);
	pa = pmm_alloc_pages(&p, 16, 16);
	assert_int_equal(pa, POOL_PA + 16 * PAGE_SIZE);
	/* 8 MiB aligned: the last page but two; 16 MiB: nothing inside the pool. */
	assert_int_equal(pmm_alloc_pages(&p, 1, 2048), POOL_PA + 8 * SZ_1G / 1024);
	assert_int_equal(pmm_alloc_pages(&p, 1, 4096), 0);
	/* Bad arguments. */
	assert_int_equal(pmm_alloc_pages(&p, 0, 1), 0);
	assert_int_equal(pmm_alloc_pages(&p, 1, 3), 0);
	assert_int_equal(pmm_alloc_pages(&p, 4096, 1), 0);
}

static void test_exhaustion_and_fragmentation(void **state)
{
	const size_t pages = 256;
	u64 got[256];
	size_t n = 0, start_free;
	struct pmm p;
	u64 pa;

	pool_setup(POOL_PA, pages);
	assert_int_equal(pmm_init(&p, POOL_PA, pages * PAGE_SIZE, 0), 0);
	start_free = pmm_free_count(&p);
	while ((pa = pmm_alloc_page(&p)) != 0) {
		assert_true(n < pages);
		for (size_t i = 0; i < n; i++)
			assert_int_not_equal(got[i], pa);
		got[n++] = pa;
	}
	assert_int_equal(n, start_free);
	assert_int_equal(pmm_free_count(&p), 0);
	/* Free every other page: plenty free, nothing contiguous. */
	for (size_t i = 0; i < n; i += 2)
		pmm_free_pages(&p, got[i], 1);
	assert_int_equal(pmm_free_count(&p), (n + 1) / 2);
	assert_int_equal(pmm_alloc_pages(&p, 2, 1), 0);
	assert_int_equal(pmm_free_count(&p), (n + 1) / 2);
	pa = pmm_alloc_page(&p);
	assert_int_equal(pa, got[0]);
	/* Give back a neighbour: now two in a row exist. */
	pmm_free_pages(&p, got[5], 1);
	assert_int_equal(pmm_alloc_pages(&p, 2, 1), got[4]);
	assert_int_equal(pmm_bad_frees(&p), 0);
}

static void test_bad_frees(void **state)
{
	struct pmm p;
	u64 a;
	size_t free_before;

	pool_setup(POOL_PA, 64);
	assert_int_equal(pmm_init(&p, POOL_PA, 64 * PAGE_SIZE, 0), 0);
	a = pmm_alloc_pages(&p, 4, 1);
	free_before = pmm_free_count(&p);

	pmm_free_pages(&p, a + 4 * PAGE_SIZE, 1);	 /* never allocated */
	pmm_free_pages(&p, a, 5);			 /* runs past the allocation */
	pmm_free_pages(&p, a + 1, 1);			 /* unaligned */
	pmm_free_pages(&p, POOL_PA - PAGE_SIZE, 1);	 /* below the pool */
	pmm_free_pages(&p, POOL_PA + 64 * PAGE_SIZE, 1); /* above */
	pmm_free_pages(&p, POOL_PA + 63 * PAGE_SIZE, 2); /* straddles the end */
	pmm_free_pages(&p, a, 0);
	pmm_free_pages(&p, ~0ULL & ~(PAGE_SIZE - 1), 1);
	assert_int_equal(pmm_bad_frees(&p), 8);
	assert_int_equal(pmm_free_count(&p), free_before);

	pmm_free_pages(&p, a + PAGE_SIZE, 2);
	assert_int_equal(pmm_free_count(&p), free_before + 2);
	pmm_free_pages(&p, a + 2 * PAGE_SIZE, 1); /* double free */
	assert_int_equal(pmm_bad_frees(&p), 9);
	pmm_free_pages(&p, a, 4); /* partly free already */
	assert_int_equal(pmm_bad_frees(&p), 10);
	pmm_free_pages(&p, a, 1);
	pmm_free_pages(&p, a + 3 * PAGE_SIZE, 1);
	assert_int_equal(pmm_free_count(&p), free_before + 4);
	assert_int_equal(pmm_bad_frees(&p), 10);
}

/* Random alloc/free against an owner-per-page model. */
static void test_random(void **state)
{
	enum { PAGES = 1024, SLOTS = 64 };
	struct slot {
		u64 pa;
		size_t n;
	} slots[SLOTS] = { { 0, 0 } };
	static int owner[PAGES];
	const char *env = getenv("PT_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 0) : (unsigned)time(NULL);
	size_t model_free;
	struct pmm p;

	printf("test_pmm random: seed %u (rerun with PT_SEED=%u)\n", seed, seed);
	srand(seed);
	pool_setup(POOL_PA, PAGES);
	assert_int_equal(pmm_init(&p, POOL_PA, PAGES * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	model_free = pmm_free_count(&p);
	for (size_t i = 0; i < PAGES; i++)
		owner[i] = -1;
	for (int step = 0; step < 20000; step++) {
		int s = rand() % SLOTS;

		if (slots[s].pa) {
			u64 first = (slots[s].pa - POOL_PA) / PAGE_SIZE;

			for (size_t i = 0; i < slots[s].n; i++) {
				assert_int_equal(owner[first + i], s);
				owner[first + i] = -1;
			}
			/* Dirty it so that the next owner's zeroing is checked. */
			memset(phys_to_virt(slots[s].pa), s, slots[s].n * PAGE_SIZE);
			pmm_free_pages(&p, slots[s].pa, slots[s].n);
			model_free += slots[s].n;
			slots[s].pa = 0;
		} else {
			size_t n = 1 + (rand() % 4 == 0 ? rand() % 40 : 0);
			size_t align = 1u << (rand() % 6);
			u64 pa = pmm_alloc_pages(&p, n, align);

			if (!pa)
				continue;
			assert_true(pa >= POOL_PA &&
				    pa + n * PAGE_SIZE <= POOL_PA + PAGES * PAGE_SIZE);
			assert_int_equal(pa % (align * PAGE_SIZE), 0);
			assert_true(page_is(pa, n, 0));
			for (size_t i = 0; i < n; i++) {
				assert_int_equal(owner[(pa - POOL_PA) / PAGE_SIZE + i], -1);
				owner[(pa - POOL_PA) / PAGE_SIZE + i] = s;
			}
			slots[s].pa = pa;
			slots[s].n = n;
			model_free -= n;
		}
		assert_int_equal(pmm_free_count(&p), model_free);
	}
	assert_int_equal(pmm_bad_frees(&p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_init_layout, teardown),
		cmocka_unit_test_teardown(test_init_buf, teardown),
		cmocka_unit_test_teardown(test_zeroed, teardown),
		cmocka_unit_test_teardown(test_alignment, teardown),
		cmocka_unit_test_teardown(test_exhaustion_and_fragmentation, teardown),
		cmocka_unit_test_teardown(test_bad_frees, teardown),
		cmocka_unit_test_teardown(test_random, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
