// SPDX-License-Identifier: MIT
/*
 * memset, memcpy, memmove, memcmp for the core. The compiler emits calls to these on its own
 * (struct copies and zeroing), so they keep the standard names. Only the core links this
 * file: the UEFI loader gets memset/memcpy from gnu-efi's libefi.a.
 *
 * memcpy is REP MOVS (below). Otherwise bulk work is done a u64 at a time when both pointers
 * share their alignment; everything else goes byte by byte. GCC would otherwise recognise
 * these loops as "a memset" and replace them with a call to memset, i.e. with infinite
 * recursion: NO_LIBCALL forbids that.
 */
#include "lib/string.h"

#if defined(__GNUC__) && !defined(__clang__)
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LIBCALL
#endif

/* A u64 that may alias any other type (the buffers hold anything). */
typedef u64 __attribute__((may_alias)) mem_word_t;

#define WORD sizeof(u64)
#define WORD_MASK (WORD - 1)

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	u64 pattern = 0x0101010101010101ULL * (u8)c;

	while (n && ((uintptr_t)d & WORD_MASK)) {
		*d++ = (u8)c;
		n--;
	}
	for (; n >= WORD; n -= WORD, d += WORD)
		*(mem_word_t *)d = pattern;
	while (n--)
		*d++ = (u8)c;
	return dst;
}

/* Forward copy; safe for overlapping buffers when dst < src. */
NO_LIBCALL static void copy_forward(u8 *d, const u8 *s, size_t n)
{
	if ((((uintptr_t)d ^ (uintptr_t)s) & WORD_MASK) == 0) {
		while (n && ((uintptr_t)d & WORD_MASK)) {
			*d++ = *s++;
			n--;
		}
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(mem_word_t *)d = *(const mem_word_t *)s;
	}
	while (n--)
		*d++ = *s++;
}

/* Backward copy; safe for overlapping buffers when dst > src. */
NO_LIBCALL static void copy_backward(u8 *d, const u8 *s, size_t n)
{
	d += n;
	s += n;
	if ((((uintptr_t)d ^ (uintptr_t)s) & WORD_MASK) == 0) {
		while (n && ((uintptr_t)d & WORD_MASK)) {
			*--d = *--s;
			n--;
		}
		for (; n >= WORD; n -= WORD) {
			d -= WORD;
			s -= WORD;
			*(mem_word_t *)d = *(const mem_word_t *)s;
		}
	}
	while (n--)
		*--d = *--s;
}

/*
 * x86-64: REP MOVSQ for the quadwords, REP MOVSB for the rest (SDM vol.2 MOVS, REP; DF is
 * clear in the core, as the ABI wants and as every VM exit leaves RFLAGS). Fast-string
 * microcode makes this the quickest copy for any size on current CPUs, and the fewest
 * instructions (docs/PERFORMANCE.md counts one per iteration in Bochs).
 */
NO_LIBCALL void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;
	size_t q = n >> 3, b = n & 7;

	__asm__ volatile("rep movsq\n\tmov %%rax, %%rcx\n\trep movsb"
			 : "+D"(d), "+S"(src), "+c"(q)
			 : "a"(b)
			 : "memory");
	(void)d;
	return dst;
}

NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d == s || n == 0)
		return dst;
	/* A forward copy is safe unless dst starts inside [src, src + n). */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		copy_forward(d, s, n);
	else
		copy_backward(d, s, n);
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
	}
	return 0;
}
