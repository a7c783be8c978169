// SPDX-License-Identifier: MIT
/*
 * The mirror's radix (mirror.h). Entries: bit 0 set = a pointer (a node, or at the 2 MiB
 * level a block) in the rest; clear = uniform, the value in bits 4:1. Levels as in the
 * SDM: 4 (the root, 512 GiB entries), 3 (1 GiB), 2 (2 MiB entries, pointing to blocks).
 */
#include "mm/mirror.h"

#include "lib/compiler.h"
#include "lib/errno.h"
#include "mm/phys.h"

#define ENTRIES 512u
#define BLOCKS_PER_PAGE (PAGE_SIZE / sizeof(struct mirror_block))
/* Block pages are chained through their unused tail, for mirror_destroy. */
#define BLOCK_PAGE_NEXT (BLOCKS_PER_PAGE * sizeof(struct mirror_block))
#define ADDR_BITS 48

static u64 level_size(unsigned level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

static u32 level_index(u64 gpa, unsigned level)
{
	return (u32)(gpa >> (12 + 9 * (level - 1))) & (ENTRIES - 1);
}

static u64 uniform(u8 val)
{
	return (u64)val << 1;
}

static bool is_ptr(u64 e)
{
	return e & 1;
}

static u8 value_of(u64 e)
{
	return (u8)((e >> 1) & 0xf);
}

static void *ptr_of(u64 e)
{
	return (void *)(uintptr_t)(e & ~1ULL);
}

static u64 *node_new(struct mirror *m, u64 fill)
{
	u64 pa = m->alloc->alloc_table(m->alloc->ctx);

	if (!pa)
		return NULL;
	u64 *n = phys_to_virt(pa);
	for (u32 i = 0; i < ENTRIES; i++)
		n[i] = fill;
	m->nodes++;
	return n;
}

static void node_free(struct mirror *m, u64 *n)
{
	m->alloc->free_table(m->alloc->ctx, virt_to_phys(n));
	m->nodes--;
}

static struct mirror_block *block_new(struct mirror *m, u64 gpa, u8 val)
{
	struct mirror_block *b = m->free_blocks;

	if (!b) {
		u64 pa = m->alloc->alloc_table(m->alloc->ctx);
		if (!pa)
			return NULL;
		u8 *page = phys_to_virt(pa);
		for (u32 i = 0; i < BLOCKS_PER_PAGE; i++) {
			struct mirror_block *f = (struct mirror_block *)(page + i * sizeof(*f));
			f->view_table = (u64 *)m->free_blocks;
			m->free_blocks = f;
		}
		/* The chain of block pages: the previous head's page, through the tail. */
		*(u64 *)(page + BLOCK_PAGE_NEXT) = m->block_pages ? m->block_pages : 0;
		m->block_pages = pa;
		m->block_page_count++;
		b = m->free_blocks;
	}
	m->free_blocks = (struct mirror_block *)b->view_table;
	for (u32 i = 0; i < MIRROR_PAGES / 2; i++)
		b->val[i] = (u8)(val | val << 4);
	for (u32 i = 0; i < MIRROR_VALUES; i++)
		b->count[i] = 0;
	b->count[val] = MIRROR_PAGES;
	b->view_table = NULL;
	b->gpa = gpa;
	b->user_mark = 0;
	m->blocks++;
	return b;
}

static void block_free(struct mirror *m, struct mirror_block *b)
{
	b->view_table = (u64 *)m->free_blocks;
	m->free_blocks = b;
	m->blocks--;
}

/* Frees what entry e at level points to, recursively. */
static void subtree_free(struct mirror *m, u64 e, unsigned level)
{
	if (!is_ptr(e))
		return;
	if (level == 2) {
		block_free(m, ptr_of(e));
		return;
	}
	u64 *n = ptr_of(e);
	for (u32 i = 0; i < ENTRIES; i++)
		subtree_free(m, n[i], level - 1);
	node_free(m, n);
}

int mirror_init(struct mirror *m, u64 top, u8 val, const struct pt_alloc *alloc)
{
	*m = (struct mirror){ 0 };
	if (!top || !IS_ALIGNED(top, 1ULL << MIRROR_BLOCK_SHIFT) || top > (1ULL << ADDR_BITS) ||
	    val >= MIRROR_VALUES)
		return -EINVAL;
	m->top = top;
	m->alloc = alloc;
	m->root = node_new(m, uniform(val));
	return m->root ? 0 : -ENOMEM;
}

void mirror_destroy(struct mirror *m)
{
	if (m->root) {
		for (u32 i = 0; i < ENTRIES; i++)
			subtree_free(m, m->root[i], 4);
		node_free(m, m->root);
	}
	for (u64 pa = m->block_pages; pa;) {
		u64 next = *(u64 *)((u8 *)phys_to_virt(pa) + BLOCK_PAGE_NEXT);
		m->alloc->free_table(m->alloc->ctx, pa);
		pa = next;
	}
	*m = (struct mirror){ 0 };
}

u8 mirror_get(const struct mirror *m, u64 gpa)
{
	u64 e = m->root[level_index(gpa, 4)];

	/* Down to the 2 MiB entry, or the uniform entry above it. */
	for (unsigned level = 3; level >= 2 && is_ptr(e); level--)
		e = ((const u64 *)ptr_of(e))[level_index(gpa, level)];
	if (is_ptr(e))
		return mirror_block_get(ptr_of(e), level_index(gpa, 1));
	return value_of(e);
}

struct mirror_block *mirror_block_find(const struct mirror *m, u64 gpa)
{
	u64 e = m->root[level_index(gpa, 4)];

	if (!is_ptr(e))
		return NULL;
	e = ((const u64 *)ptr_of(e))[level_index(gpa, 3)];
	if (!is_ptr(e))
		return NULL;
	e = ((const u64 *)ptr_of(e))[level_index(gpa, 2)];
	return is_ptr(e) ? ptr_of(e) : NULL;
}

struct mirror_block *mirror_block(struct mirror *m, u64 gpa)
{
	u64 *e4 = &m->root[level_index(gpa, 4)];
	u64 *n3 = is_ptr(*e4) ? ptr_of(*e4) : NULL;
	u64 *e3 = n3 ? &n3[level_index(gpa, 3)] : NULL;
	u64 *n2 = (e3 && is_ptr(*e3)) ? ptr_of(*e3) : NULL;
	u64 *e2 = n2 ? &n2[level_index(gpa, 2)] : NULL;

	if (e2 && is_ptr(*e2))
		return ptr_of(*e2);
	/* Everything new is made first and linked last, so a failure leaves the map as it
	 * was (canonical). The value comes from the lowest uniform entry on the path. */
	u8 val = value_of(e2 ? *e2 : e3 ? *e3 : *e4);
	u64 *new3 = n3 ? NULL : node_new(m, uniform(val));
	u64 *new2 = (n3 && n2) ? NULL : node_new(m, uniform(val));
	struct mirror_block *b = block_new(m, ALIGN_DOWN(gpa, 1ULL << MIRROR_BLOCK_SHIFT), val);

	if ((!n3 && !new3) || (!n2 && !new2) || !b) {
		if (new3)
			node_free(m, new3);
		if (new2)
			node_free(m, new2);
		if (b)
			block_free(m, b);
		return NULL;
	}
	if (new2)
		new2[level_index(gpa, 2)] = (u64)(uintptr_t)b | 1;
	else
		*e2 = (u64)(uintptr_t)b | 1;
	if (new3) {
		new3[level_index(gpa, 3)] = (u64)(uintptr_t)new2 | 1;
		*e4 = (u64)(uintptr_t)new3 | 1;
	} else if (new2) {
		*e3 = (u64)(uintptr_t)new2 | 1;
	}
	return b;
}

/* Is every entry of node n the uniform value v (the value of its first)? */
static bool node_uniform(const u64 *n, u64 *v)
{
	if (is_ptr(n[0]))
		return false;
	for (u32 i = 1; i < ENTRIES; i++)
		if (n[i] != n[0])
			return false;
	*v = n[0];
	return true;
}

u64 mirror_collapse(struct mirror *m, struct mirror_block *b)
{
	u64 gpa = b->gpa;
	u64 *e4 = &m->root[level_index(gpa, 4)];
	u64 *n3 = ptr_of(*e4);
	u64 *e3 = &n3[level_index(gpa, 3)];
	u64 *n2 = ptr_of(*e3);
	u64 *e2 = &n2[level_index(gpa, 2)];
	u8 val = mirror_block_get(b, 0);
	u64 v;

	*e2 = uniform(val);
	block_free(m, b);
	if (!node_uniform(n2, &v))
		return level_size(2);
	*e3 = v;
	node_free(m, n2);
	if (!node_uniform(n3, &v))
		return level_size(3);
	*e4 = v;
	node_free(m, n3);
	return level_size(4);
}

/* ---- fill ------------------------------------------------------------------------------ */

static int fill_node(struct mirror *m, u64 *n, unsigned level, u64 s, u64 e, u8 val);

/* Entry *slot at level (its range starting at base) gets [s, e) set to val. */
static int fill_entry(struct mirror *m, u64 *slot, unsigned level, u64 base, u64 s, u64 e, u8 val)
{
	u64 size = level_size(level);

	if (s == base && e == base + size) {
		subtree_free(m, *slot, level);
		*slot = uniform(val);
		return 0;
	}
	if (!is_ptr(*slot) && value_of(*slot) == val)
		return 0;
	if (level == 2) {
		struct mirror_block *b = is_ptr(*slot) ? ptr_of(*slot) : NULL;
		if (!b) {
			b = block_new(m, base, value_of(*slot));
			if (!b)
				return -ENOMEM;
			*slot = (u64)(uintptr_t)b | 1;
		}
		for (u64 a = s; a < e; a += PAGE_SIZE) {
			u32 i = level_index(a, 1);
			mirror_block_set(b, i, mirror_block_get(b, i), val);
		}
		if (mirror_block_uniform(b, val)) {
			block_free(m, b);
			*slot = uniform(val);
		}
		return 0;
	}
	u64 *child = is_ptr(*slot) ? ptr_of(*slot) : NULL;
	if (!child) {
		child = node_new(m, *slot);
		if (!child)
			return -ENOMEM;
		*slot = (u64)(uintptr_t)child | 1;
	}
	int r = fill_node(m, child, level - 1, s, e, val);
	u64 v;
	if (node_uniform(child, &v)) { /* canonical again, even after a failure */
		node_free(m, child);
		*slot = v;
	}
	return r;
}

static int fill_node(struct mirror *m, u64 *n, unsigned level, u64 s, u64 e, u8 val)
{
	u64 size = level_size(level);

	for (u64 cur = s; cur < e;) {
		u64 base = ALIGN_DOWN(cur, size), end = MIN(e, base + size);
		int r = fill_entry(m, &n[level_index(cur, level)], level, base, cur, end, val);
		if (r)
			return r;
		cur = end;
	}
	return 0;
}

int mirror_fill(struct mirror *m, u64 gpa, u64 size, u8 val)
{
	if (!IS_ALIGNED(gpa, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) || gpa > m->top ||
	    size > m->top - gpa || val >= MIRROR_VALUES)
		return -EINVAL;
	return size ? fill_node(m, m->root, 4, gpa, gpa + size, val) : 0;
}

/* ---- check ----------------------------------------------------------------------------- */

static int check_entry(const struct mirror *m, u64 e, unsigned level, u64 base, u64 *nodes,
		       u64 *blocks)
{
	if (!is_ptr(e))
		return value_of(e) < MIRROR_VALUES && !(e >> 5) ? 0 : -EINVAL;
	if (level == 2) {
		const struct mirror_block *b = ptr_of(e);
		u32 count[MIRROR_VALUES] = { 0 };
		(*blocks)++;
		if (b->gpa != base)
			return -EINVAL;
		for (u32 i = 0; i < MIRROR_PAGES; i++)
			count[mirror_block_get(b, i)]++;
		for (u32 v = 0; v < MIRROR_VALUES; v++)
			if (count[v] != b->count[v] || count[v] == MIRROR_PAGES)
				return -EINVAL; /* a wrong count, or a block that should be uniform */
		return 0;
	}
	const u64 *n = ptr_of(e);
	u64 v;
	(*nodes)++;
	if (node_uniform(n, &v))
		return -EINVAL; /* should have been merged */
	for (u32 i = 0; i < ENTRIES; i++) {
		int r = check_entry(m, n[i], level - 1, base + i * level_size(level - 1), nodes,
				    blocks);
		if (r)
			return r;
	}
	return 0;
}

int mirror_check(const struct mirror *m, u64 *nodes, u64 *blocks)
{
	*nodes = 1;
	*blocks = 0;
	for (u32 i = 0; i < ENTRIES; i++) {
		int r = check_entry(m, m->root[i], 4, i * level_size(4), nodes, blocks);
		if (r)
			return r;
	}
	return *nodes == m->nodes && *blocks == m->blocks ? 0 : -EINVAL;
}
