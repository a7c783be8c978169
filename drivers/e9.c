// SPDX-License-Identifier: MIT
/* Port 0xE9 debug output; harmless on machines that do not decode the port. */
#include "drivers/e9.h"
#include "arch/x86/intrin.h"

void e9_write(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		outb(E9_PORT, (u8)s[i]);
}
