/* SPDX-License-Identifier: MIT */
/*
 * Bitmaps stored in arrays of u64 words: bit i is bit (i % 64) of word i / 64. Not atomic:
 * the owner of a bitmap serialises access (the page allocator holds its lock).
 *
 * Search functions take the bitmap's size in bits and return nbits when nothing is found.
 */
#ifndef LIB_BITMAP_H
#define LIB_BITMAP_H

#include "lib/types.h"

#define BITMAP_WORD_BITS 64
#define BITMAP_WORDS(nbits) (((nbits) + BITMAP_WORD_BITS - 1) / BITMAP_WORD_BITS)

/* Set bits in a word (the core links no libgcc, so no __builtin_popcountll). */
static inline u32 bits_count(u64 w)
{
	w = w - ((w >> 1) & 0x5555555555555555ULL);
	w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (u32)((w * 0x0101010101010101ULL) >> 56);
}

static inline void bitmap_set(u64 *map, u64 bit)
{
	map[bit / 64] |= 1ULL << (bit % 64);
}

static inline void bitmap_clear(u64 *map, u64 bit)
{
	map[bit / 64] &= ~(1ULL << (bit % 64));
}

static inline bool bitmap_test(const u64 *map, u64 bit)
{
	return (map[bit / 64] >> (bit % 64)) & 1;
}

/* Set or clear bits [start, start + count). */
void bitmap_set_range(u64 *map, u64 start, u64 count);
void bitmap_clear_range(u64 *map, u64 start, u64 count);

/* First clear (set) bit at index >= start and < nbits, or nbits. */
u64 bitmap_find_next_zero(const u64 *map, u64 nbits, u64 start);
u64 bitmap_find_next_set(const u64 *map, u64 nbits, u64 start);

/*
 * Lowest index i, a multiple of align (a power of two, or 0/1 for none), with bits
 * [i, i + count) all clear and i + count <= nbits; nbits if there is none (or count is 0).
 */
u64 bitmap_find_zero_run(const u64 *map, u64 nbits, u64 count, u64 align);

#endif
