// SPDX-License-Identifier: MIT
/* Range updates and searches over u64-word bitmaps, a word at a time. */
#include "lib/bitmap.h"

/* Mask of bits [lo, hi) within one word, 0 <= lo < hi <= 64. */
static u64 word_mask(unsigned lo, unsigned hi)
{
	u64 m = hi == 64 ? ~0ULL : (1ULL << hi) - 1;

	return m & (~0ULL << lo);
}

static void update_range(u64 *map, u64 start, u64 count, bool set)
{
	u64 end = start + count;

	while (start < end) {
		u64 w = start / 64;
		unsigned lo = start % 64;
		unsigned hi = end - w * 64 >= 64 ? 64 : (unsigned)(end - w * 64);
		u64 m = word_mask(lo, hi);

		if (set)
			map[w] |= m;
		else
			map[w] &= ~m;
		start = w * 64 + hi;
	}
}

void bitmap_set_range(u64 *map, u64 start, u64 count)
{
	update_range(map, start, count, true);
}

void bitmap_clear_range(u64 *map, u64 start, u64 count)
{
	update_range(map, start, count, false);
}

/* Shared search: invert = ~0 finds clear bits, 0 finds set bits. */
static u64 find_next(const u64 *map, u64 nbits, u64 start, u64 invert)
{
	u64 w, word;

	if (start >= nbits)
		return nbits;
	w = start / 64;
	word = (map[w] ^ invert) & (~0ULL << (start % 64));
	for (;;) {
		if (word) {
			u64 bit = w * 64 + (u64)__builtin_ctzll(word);

			return bit < nbits ? bit : nbits;
		}
		if (++w >= BITMAP_WORDS(nbits))
			return nbits;
		word = map[w] ^ invert;
	}
}

u64 bitmap_find_next_zero(const u64 *map, u64 nbits, u64 start)
{
	return find_next(map, nbits, start, ~0ULL);
}

u64 bitmap_find_next_set(const u64 *map, u64 nbits, u64 start)
{
	return find_next(map, nbits, start, 0);
}

u64 bitmap_find_zero_run(const u64 *map, u64 nbits, u64 count, u64 align)
{
	u64 i = 0;

	if (count == 0 || count > nbits)
		return nbits;
	if (align == 0)
		align = 1;
	for (;;) {
		u64 set;

		i = bitmap_find_next_zero(map, nbits, i);
		i = (i + align - 1) & ~(align - 1);
		/* Careful with overflow: i may be close to 2^64 only if nbits is. */
		if (i >= nbits || nbits - i < count)
			return nbits;
		set = bitmap_find_next_set(map, i + count, i);
		if (set == i + count)
			return i;
		i = set + 1;
	}
}
