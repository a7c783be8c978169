/* SPDX-License-Identifier: MIT */
/* The core's own symbol table (tools/gen-ksyms.sh, second link pass), for crash reports. */
#ifndef ARCH_X86_KSYMS_H
#define ARCH_X86_KSYMS_H

#include "lib/types.h"

/* The function containing addr and the offset into it, or NULL if none does. */
const char *ksym_lookup(u64 addr, u64 *offset);

#endif
