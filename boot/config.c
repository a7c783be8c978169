/* SPDX-License-Identifier: MIT */
#include "boot/config.h"
#include "lib/printf.h"
#include "lib/string.h"

void boot_config_defaults(struct boot_config *c)
{
	c->console_port = 0x2f8;
	c->console_baud = 115200;
	c->log_level = 2; /* LOG_INFO */
	c->pool_size = 32ULL << 20;
	c->cpu_limit = 0;
	c->e9 = false;
	c->hv_off = 0;
	c->next[0] = 0;
#ifdef VTLV_COUNT_INSNS
	c->insn_trace = false;
#endif
}

static const struct {
	const char *name;
	u16 port;
} boot_ports[] = { { "com1", 0x3f8 },
		   { "com2", 0x2f8 },
		   { "com3", 0x3e8 },
		   { "com4", 0x2e8 },
		   { "none", 0 } };
static const char *const boot_levels[] = { "err", "warn", "info", "debug", "trace" };

static int apply(struct boot_config *c, const char *key, const char *val)
{
	u64 v;

	if (!strcmp(key, "console")) {
		for (size_t i = 0; i < sizeof(boot_ports) / sizeof(boot_ports[0]); i++) {
			if (!strcmp(val, boot_ports[i].name)) {
				c->console_port = boot_ports[i].port;
				return 0;
			}
		}
		if (str_to_u64(val, &v) || v == 0 || v > 0xfff8)
			return -1;
		c->console_port = (u16)v;
		return 0;
	}
	if (!strcmp(key, "baud")) {
		if (str_to_u64(val, &v) || v < 50 || v > 115200 || 115200 % v)
			return -1;
		c->console_baud = (u32)v;
		return 0;
	}
	if (!strcmp(key, "log")) {
		for (u32 i = 0; i < sizeof(boot_levels) / sizeof(boot_levels[0]); i++) {
			if (!strcmp(val, boot_levels[i])) {
				c->log_level = i;
				return 0;
			}
		}
		return -1;
	}
	if (!strcmp(key, "pool")) {
		/* At least 8 MiB (EPT, per-CPU state), at most 1 GiB, whole 2 MiB pages. */
		if (str_to_size(val, &v) || v < (8ULL << 20) || v > (1ULL << 30) ||
		    (v & (SZ_2M - 1)))
			return -1;
		c->pool_size = v;
		return 0;
	}
	if (!strcmp(key, "cpus")) {
		if (str_to_u64(val, &v) || v > 4096)
			return -1;
		c->cpu_limit = (u32)v;
		return 0;
	}
	if (!strcmp(key, "e9")) {
		if (strcmp(val, "0") && strcmp(val, "1"))
			return -1;
		c->e9 = val[0] == '1';
		return 0;
	}
	if (!strcmp(key, "hvoff")) {
		if (str_to_u64(val, &v))
			return -1;
		c->hv_off = v;
		return 0;
	}
#ifdef VTLV_COUNT_INSNS
	/* Only in the instruction-counting build (make COUNT_INSNS=1): unknown elsewhere. */
	if (!strcmp(key, "insn_trace")) {
		if (strcmp(val, "0") && strcmp(val, "1"))
			return -1;
		c->insn_trace = val[0] == '1';
		return 0;
	}
#endif
	if (!strcmp(key, "next")) {
		if (strlen(val) >= sizeof(c->next))
			return -1;
		strlcpy(c->next, val, sizeof(c->next));
		return 0;
	}
	return -2;
}

int boot_config_parse(struct boot_config *c, const char *text, char *err, size_t n)
{
	char word[BOOT_PATH_MAX + 16];
	size_t used = 0;
	int problems = 0;
	const char *p = text;

	if (n)
		err[0] = 0;
	while (*p) {
		size_t len = 0;
		bool too_long = false;

		if (*p == '#') { /* comment to end of line */
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			p++;
			continue;
		}
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
			if (len + 1 < sizeof(word))
				word[len++] = *p;
			else
				too_long = true;
			p++;
		}
		word[len] = 0;
		if (too_long) { /* an option or not: nothing that long is valid */
			problems++;
			if (used < n)
				used += (size_t)snprintf(err + used, n - used,
							 "over-long word '%.32s...'\n", word);
			continue;
		}
		char *eq = strchr(word, '=');
		if (!eq) /* the program name the shell passes first, or a bare word */
			continue;
		*eq = 0;
		int r = apply(c, word, eq + 1);
		if (r) {
			problems++;
			if (used < n)
				used += (size_t)snprintf(
					err + used, n - used, "%s '%s=%s'\n",
					r == -2 ? "unknown option" : "bad value for", word, eq + 1);
		}
	}
	return problems;
}
