/* SPDX-License-Identifier: MIT */
/* The Bochs/QEMU "port 0xE9 hack": every byte written to the port goes to the host's console. */
#ifndef DRIVERS_E9_H
#define DRIVERS_E9_H

#include "lib/types.h"

#define E9_PORT 0xE9

/* Sends n bytes as they are (no "\r\n" translation). */
void e9_write(const char *s, size_t n);

#endif
