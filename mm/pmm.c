// SPDX-License-Identifier: MIT
/* Bitmap page allocator over the hypervisor pool (see pmm.h). */
#include "mm/pmm.h"

#include "lib/bitmap.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "mm/phys.h"

int pmm_init_buf(struct pmm *p, u64 base_pa, u64 size, u64 used_bytes, u64 *bitmap,
		 size_t bitmap_words)
{
	u64 pages = size / PAGE_SIZE;
	u64 used = ALIGN_UP(used_bytes, PAGE_SIZE) / PAGE_SIZE;
	size_t i;

	if (!IS_ALIGNED(base_pa, PAGE_SIZE) || !pages || base_pa + pages * PAGE_SIZE < base_pa ||
	    used > pages || !bitmap || bitmap_words < BITMAP_WORDS(pages))
		return -EINVAL;
	spin_lock_init(&p->lock);
	p->base = base_pa;
	p->pages = pages;
	p->bitmap = bitmap;
	for (i = 0; i < BITMAP_WORDS(pages); i++)
		bitmap[i] = 0;
	bitmap_set_range(bitmap, 0, used);
	p->free = pages - used;
	p->hint = used;
	p->meta_first = 0;
	p->meta_pages = 0;
	p->bad_frees = 0;
	return 0;
}

int pmm_init(struct pmm *p, u64 base_pa, u64 size, u64 used_bytes)
{
	u64 pages = size / PAGE_SIZE;
	u64 used = ALIGN_UP(used_bytes, PAGE_SIZE) / PAGE_SIZE;
	u64 words = BITMAP_WORDS(pages);
	u64 meta = ALIGN_UP(words * sizeof(u64), PAGE_SIZE) / PAGE_SIZE;
	int ret;

	if (!IS_ALIGNED(base_pa, PAGE_SIZE) || !pages || used > pages)
		return -EINVAL;
	if (meta > pages - used)
		return -ENOMEM;
	ret = pmm_init_buf(p, base_pa, size, used_bytes, phys_to_virt(base_pa + used * PAGE_SIZE),
			   words);
	if (ret)
		return ret;
	bitmap_set_range(p->bitmap, used, meta);
	p->free -= meta;
	p->hint = used + meta;
	p->meta_first = used;
	p->meta_pages = meta;
	return 0;
}

/*
 * Lowest page index i >= p->hint with pages [i, i + n) free and base + i pages a multiple of
 * align pages; p->pages if none.
 */
static size_t pmm_find(const struct pmm *p, size_t n, size_t align)
{
	u64 first = p->base / PAGE_SIZE;
	size_t i = p->hint;

	for (;;) {
		size_t set;

		i = bitmap_find_next_zero(p->bitmap, p->pages, i);
		i = ALIGN_UP(first + i, (u64)align) - first;
		if (i >= p->pages || p->pages - i < n)
			return p->pages;
		set = bitmap_find_next_set(p->bitmap, i + n, i);
		if (set == i + n)
			return i;
		i = set + 1;
	}
}

/* Plain stores: the compiler may turn this into a memset call, which lib/mem.c provides. */
static void pmm_zero(u64 pa, size_t n)
{
	u64 *w = phys_to_virt(pa);
	size_t i;

	for (i = 0; i < n * (PAGE_SIZE / sizeof(u64)); i++)
		w[i] = 0;
}

u64 pmm_alloc_pages(struct pmm *p, size_t n, size_t align_pages)
{
	size_t i;

	if (!align_pages)
		align_pages = 1;
	if (!n || (align_pages & (align_pages - 1)))
		return 0;
	spin_lock(&p->lock);
	if (n > p->free) {
		spin_unlock(&p->lock);
		return 0;
	}
	i = pmm_find(p, n, align_pages);
	if (i >= p->pages) {
		spin_unlock(&p->lock);
		return 0;
	}
	bitmap_set_range(p->bitmap, i, n);
	p->free -= n;
	if (i == p->hint)
		p->hint = i + n;
	spin_unlock(&p->lock);
	pmm_zero(p->base + i * PAGE_SIZE, n);
	return p->base + i * PAGE_SIZE;
}

u64 pmm_alloc_page(struct pmm *p)
{
	return pmm_alloc_pages(p, 1, 1);
}

void pmm_free_pages(struct pmm *p, u64 pa, size_t n)
{
	size_t i;

	spin_lock(&p->lock);
	if (!n || !IS_ALIGNED(pa, PAGE_SIZE) || pa < p->base ||
	    (pa - p->base) / PAGE_SIZE >= p->pages || n > p->pages - (pa - p->base) / PAGE_SIZE)
		goto bad;
	i = (pa - p->base) / PAGE_SIZE;
	/* Every page allocated, none of them holding the bitmap. */
	if (bitmap_find_next_zero(p->bitmap, i + n, i) != i + n)
		goto bad;
	if (p->meta_pages && i < p->meta_first + p->meta_pages && p->meta_first < i + n)
		goto bad;
	bitmap_clear_range(p->bitmap, i, n);
	p->free += n;
	if (i < p->hint)
		p->hint = i;
	spin_unlock(&p->lock);
	return;
bad:
	p->bad_frees++;
	spin_unlock(&p->lock);
}

size_t pmm_free_count(const struct pmm *p)
{
	return __atomic_load_n(&p->free, __ATOMIC_RELAXED);
}

size_t pmm_bad_frees(const struct pmm *p)
{
	return __atomic_load_n(&p->bad_frees, __ATOMIC_RELAXED);
}
