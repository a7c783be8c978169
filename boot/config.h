/* SPDX-License-Identifier: MIT */
/*
 * Loader configuration: key=value words, from vtlvisor.cfg next to the loader (one or more
 * per line, '#' starts a comment) and then from the load options (which win). Every key has
 * a default that works with no configuration at all. See docs/CONFIG.md.
 */
#ifndef BOOT_CONFIG_H
#define BOOT_CONFIG_H

#include "lib/types.h"

#define BOOT_PATH_MAX 128

struct boot_config {
	u16 console_port; /* console=com1|com2|com3|com4|0xNNN|none, default com2 */
	u32 console_baud; /* baud=N, default 115200 */
	u32 log_level;	  /* log=err|warn|info|debug|trace, default info */
	u64 pool_size;	  /* pool=SIZE (K/M/G), default 32M, 2 MiB granular */
	u32 cpu_limit;	  /* cpus=N, default 0 = all */
	bool e9;	  /* e9=0|1: copy the log to port 0xE9, default 0 */
	u64 hv_off; /* hvoff=MASK: TLFS privilege bits (EBX:EAX of CPUID 0x40000003) to switch off */
	char next[BOOT_PATH_MAX]; /* next=\path\to\image.efi: started after takeover */
#ifdef VTLV_COUNT_INSNS
	bool insn_trace; /* insn_trace=0|1: the counting build's traces (arch/x86/insn_count.h) */
#endif
};

void boot_config_defaults(struct boot_config *c);
/*
 * Applies every key=value word in text (ASCII, NUL-terminated). Unknown keys and bad values
 * are reported through err (one line each, at most n bytes in all) and otherwise ignored.
 * Returns the number of problems found.
 */
int boot_config_parse(struct boot_config *c, const char *text, char *err, size_t n);

#endif
