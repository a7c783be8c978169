/* SPDX-License-Identifier: MIT */
/*
 * The page allocator over the hypervisor pool: every page the core ever allocates comes from
 * here (there is no other dynamic allocation). A bitmap, one bit per 4 KiB page (set = in
 * use), kept inside the pool right after the pages the loader used, or in a buffer the caller
 * provides. One spinlock per allocator; pages are zeroed outside it.
 *
 * Freeing a page that is not allocated, lies outside the pool or holds the bitmap is a bug:
 * the call changes nothing and counts a bad free (pmm_bad_frees) for now.
 */
#ifndef MM_PMM_H
#define MM_PMM_H

#include "lib/spinlock.h"
#include "lib/types.h"

struct pmm {
	u64 base;	   /* physical address of page 0 */
	size_t pages;	   /* pages managed */
	u64 *bitmap;	   /* bit i set = page i in use */
	size_t free;	   /* pages free */
	size_t hint;	   /* no free page below this index */
	size_t meta_first; /* pages [meta_first, meta_first + meta_pages) hold the bitmap */
	size_t meta_pages;
	size_t bad_frees; /* invalid pmm_free_pages calls so far */
	spinlock_t lock;  /* protects everything above */
};

/*
 * Manages [base_pa, base_pa + size) (base_pa page aligned; size rounded down to pages), of
 * which the first used_bytes (rounded up to pages) are already in use. The bitmap goes in
 * the pages right after them. -EINVAL for a bad range, -ENOMEM if the bitmap does not fit.
 */
int pmm_init(struct pmm *p, u64 base_pa, u64 size, u64 used_bytes);
/* Same, with the bitmap in the caller's buffer of bitmap_words u64 words (-EINVAL if short). */
int pmm_init_buf(struct pmm *p, u64 base_pa, u64 size, u64 used_bytes, u64 *bitmap,
		 size_t bitmap_words);

/*
 * n contiguous zeroed pages whose physical address is a multiple of align_pages pages (a
 * power of two; 0 or 1 = any). Returns the physical address, 0 when out of memory or for
 * bad arguments.
 */
u64 pmm_alloc_pages(struct pmm *p, size_t n, size_t align_pages);
u64 pmm_alloc_page(struct pmm *p);
/* Frees n pages at pa, all of them allocated (see above for bad frees). */
void pmm_free_pages(struct pmm *p, u64 pa, size_t n);

size_t pmm_free_count(const struct pmm *p);
size_t pmm_bad_frees(const struct pmm *p);

#endif
