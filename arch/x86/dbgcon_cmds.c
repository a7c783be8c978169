/* SPDX-License-Identifier: MIT */
/* The debug console's commands: parsing, checking and formatting (docs/CONSOLE.md). */
#include <stdarg.h>

#include "arch/x86/dbgcon.h"
#include "drivers/dbgcon_line.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

static const struct dbgcon_ops *ops;

static void out(const char *fmt, ...) PRINTF_FMT(1, 2);
static void out(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		ops->out(buf, MIN((size_t)n, sizeof(buf) - 1));
}

static const char *const level_names[] = { "err", "warn", "info", "debug", "trace" };

static int parse_level(const char *s)
{
	for (int i = 0; i < (int)ARRAY_SIZE(level_names); i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}

static int parse_vp(const char *s, u32 *vp)
{
	u64 v;

	if (dbgcon_parse_u64(s, &v, false) || v >= ops->vp_count()) {
		out("error: no VP '%s' (VPs are 0..%u)\r\n", s, ops->vp_count() - 1);
		return -1;
	}
	*vp = (u32)v;
	return 0;
}

static int parse_addr(const char *s, u64 *a)
{
	if (dbgcon_parse_u64(s, a, true)) {
		out("error: '%s' is not an address (decimal, 0x hex, K/M/G)\r\n", s);
		return -1;
	}
	return 0;
}

static const char *memtype_name(u8 t)
{
	switch (t) {
	case PT_MT_UC:
		return "UC";
	case PT_MT_WC:
		return "WC";
	case PT_MT_WT:
		return "WT";
	case PT_MT_WP:
		return "WP";
	case PT_MT_WB:
		return "WB";
	default:
		return "??";
	}
}

static void perm_str(u8 p, char s[5])
{
	s[0] = (p & PT_R) ? 'R' : '-';
	s[1] = (p & PT_W) ? 'W' : '-';
	s[2] = (p & PT_X) ? 'X' : '-';
	s[3] = (p & PT_XU) ? 'U' : '-';
	s[4] = 0;
}

static const char *size_name(unsigned level)
{
	return level == 3 ? "1G" : level == 2 ? "2M" : "4K";
}

static void cmd_help(int argc, char **argv);

static void cmd_vps(int argc, char **argv)
{
	out("VP  APIC  VTL   state    exits\r\n");
	for (u32 i = 0; i < ops->vp_count(); i++) {
		struct dbgcon_vp_info vi;
		if (ops->vp_info(i, &vi))
			continue;
		out("%-3u %-5u VTL%u  %-8s %llu\r\n", vi.index, vi.apic_id, vi.active_vtl, vi.state,
		    (unsigned long long)vi.exits);
	}
}

static void cmd_regs(int argc, char **argv)
{
	static const char *const seg[SEG_COUNT] = {
		"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"
	};
	static const char *const gpr[GPR_COUNT] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp",
						    "rsi", "rdi", "r8",	 "r9",	"r10", "r11",
						    "r12", "r13", "r14", "r15" };
	struct vcpu_snapshot s;
	u32 vp, vtl = 0;
	u64 v;

	if (argc < 2 || argc > 3) {
		out("error: usage: regs <vp> [vtl]\r\n");
		return;
	}
	if (parse_vp(argv[1], &vp))
		return;
	if (argc == 3 && (dbgcon_parse_u64(argv[2], &v, false) || v >= ops->vtl_count())) {
		out("error: VTL '%s' is not enabled (VTLs 0..%u)\r\n", argv[2],
		    ops->vtl_count() - 1);
		return;
	}
	vtl = argc == 3 ? (u32)v : 0;
	int r = ops->vp_regs(vp, vtl, &s);
	if (r) {
		if (r == -ESRCH) {
			out("error: VP %u does not run VTL%u now: only the running VTL's registers "
			    "can be read ('vps' shows which)\r\n",
			    vp, vtl);
			return;
		}
		out("error: VP %u cannot report its registers now (%s)\r\n", vp,
		    r == -EBUSY	    ? "parked or not virtualized" :
		    r == -ETIMEDOUT ? "no answer" :
				      "failed");
		return;
	}
	out("VP %u VTL%u  rip %016llx  rsp %016llx  rflags %016llx\r\n", vp, vtl,
	    (unsigned long long)s.rip, (unsigned long long)s.rsp, (unsigned long long)s.rflags);
	for (int i = 0; i < GPR_COUNT; i += 4)
		out("  %-3s %016llx  %-3s %016llx  %-3s %016llx  %-3s %016llx\r\n", gpr[i],
		    (unsigned long long)s.gpr[i], gpr[i + 1], (unsigned long long)s.gpr[i + 1],
		    gpr[i + 2], (unsigned long long)s.gpr[i + 2], gpr[i + 3],
		    (unsigned long long)s.gpr[i + 3]);
	out("  cr0 %016llx (guest sees %llx)  cr3 %016llx\r\n", (unsigned long long)s.cr0,
	    (unsigned long long)s.cr0_shadow, (unsigned long long)s.cr3);
	out("  cr4 %016llx (guest sees %llx)  efer %llx  pat %llx  dr7 %llx\r\n",
	    (unsigned long long)s.cr4, (unsigned long long)s.cr4_shadow, (unsigned long long)s.efer,
	    (unsigned long long)s.pat, (unsigned long long)s.dr7);
	for (int i = 0; i < SEG_COUNT; i++)
		out("  %-4s %04x base %016llx limit %08x ar %05x\r\n", seg[i], s.seg_sel[i],
		    (unsigned long long)s.seg_base[i], s.seg_limit[i], s.seg_ar[i]);
	out("  gdtr %016llx/%x  idtr %016llx/%x  activity %u  interruptibility %x\r\n",
	    (unsigned long long)s.gdtr_base, s.gdtr_limit, (unsigned long long)s.idtr_base,
	    s.idtr_limit, s.activity, s.interruptibility);
	out("  last exit: reason %llu (%s) qualification %llx\r\n",
	    (unsigned long long)(s.exit_reason & 0xffff), ops->exit_name(s.exit_reason & 0xffff),
	    (unsigned long long)s.exit_qual);
}

static void cmd_gpa(int argc, char **argv)
{
	u64 gpa, hpa;
	struct pt_attr a;
	unsigned level;
	char p[5];

	if (argc != 2) {
		out("error: usage: gpa <address>\r\n");
		return;
	}
	if (parse_addr(argv[1], &gpa))
		return;
	out("GPA %016llx\r\n", (unsigned long long)gpa);
	out("  mirror: not yet (the per-VTL mirror map comes with VTL protections)\r\n");
	for (u32 vtl = 0; vtl < ops->vtl_count(); vtl++) {
		if (ops->gpa_lookup(vtl, gpa, &hpa, &a, &level)) {
			out("  VTL%u view: not mapped (an access stops the VP)\r\n", vtl);
			continue;
		}
		perm_str(a.perm, p);
		out("  VTL%u view: HPA %016llx  %s page  %s  %s%s%s\r\n", vtl,
		    (unsigned long long)hpa, size_name(level), memtype_name(a.memtype), p,
		    (a.flags & PT_F_IGNORE_PAT) ? "  ignore-PAT" : "",
		    (a.flags & PT_F_PINNED) ? "  pinned" : "");
	}
}

struct prot_run {
	u64 start, end, hpa_start;
	struct pt_attr a;
	unsigned lines;
	bool open;
};

static void prot_flush(struct prot_run *r)
{
	char p[5];

	if (!r->open)
		return;
	perm_str(r->a.perm, p);
	if (r->lines++ < 64)
		out("  %016llx-%016llx  %s  %s\r\n", (unsigned long long)r->start,
		    (unsigned long long)(r->end - 1), p, memtype_name(r->a.memtype));
	r->open = false;
}

static int prot_leaf(void *ctx, u64 va, u64 pa, u64 size, const struct pt_attr *a)
{
	struct prot_run *r = ctx;

	if (r->open && r->end == va && r->a.perm == a->perm && r->a.memtype == a->memtype) {
		r->end = va + size;
		return 0;
	}
	prot_flush(r);
	*r = (struct prot_run){ va, va + size, pa, *a, r->lines, true };
	return 0;
}

static void cmd_prot(int argc, char **argv)
{
	u64 start, end;

	if (argc != 3) {
		out("error: usage: prot <start> <end>   (or prot <start> +<length>)\r\n");
		return;
	}
	if (parse_addr(argv[1], &start))
		return;
	if (argv[2][0] == '+') {
		u64 len;
		if (parse_addr(argv[2] + 1, &len))
			return;
		end = start + len;
	} else if (parse_addr(argv[2], &end)) {
		return;
	}
	start &= ~(PAGE_SIZE - 1);
	end = (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (end <= start || end > (1ULL << 48)) {
		out("error: empty or impossible range\r\n");
		return;
	}
	for (u32 vtl = 0; vtl < ops->vtl_count(); vtl++) {
		struct prot_run r = { 0 };
		out("VTL%u view, %016llx-%016llx:\r\n", vtl, (unsigned long long)start,
		    (unsigned long long)(end - 1));
		ops->gpa_walk(vtl, start, end - start, prot_leaf, &r);
		prot_flush(&r);
		if (r.lines > 64)
			out("  ... %u more runs\r\n", r.lines - 64);
		if (!r.lines)
			out("  nothing mapped\r\n");
	}
}

static void print_stats(const char *what, const struct dbgcon_exit_stat *st, u32 n, bool names)
{
	u64 total = 0;

	out("%-6s %-28s %12s %16s %10s\r\n", "code", what, "count", "cycles", "avg");
	for (u32 i = 0; i < n; i++) {
		if (!st[i].count)
			continue;
		total += st[i].count;
		out("%-6u %-28s %12llu %16llu %10llu\r\n", i, names ? ops->exit_name(i) : "",
		    (unsigned long long)st[i].count, (unsigned long long)st[i].cycles,
		    (unsigned long long)(st[i].cycles / st[i].count));
	}
	out("total  %llu\r\n", (unsigned long long)total);
}

static void cmd_exits(int argc, char **argv)
{
	static struct dbgcon_exit_stat st[DBGCON_EXIT_REASONS];

	if (argc == 2 && !strcmp(argv[1], "reset")) {
		ops->stats_reset();
		out("exit and hypercall counters reset\r\n");
		return;
	}
	if (argc != 1) {
		out("error: usage: exits [reset]\r\n");
		return;
	}
	ops->exit_stats(st, DBGCON_EXIT_REASONS);
	print_stats("exit reason (all VPs)", st, DBGCON_EXIT_REASONS, true);
}

static void cmd_hcalls(int argc, char **argv)
{
	static struct dbgcon_exit_stat st[DBGCON_HCALL_CODES];

	if (argc == 2 && !strcmp(argv[1], "reset")) {
		ops->stats_reset();
		out("exit and hypercall counters reset\r\n");
		return;
	}
	if (argc != 1) {
		out("error: usage: hcalls [reset]\r\n");
		return;
	}
	ops->hcall_stats(st, DBGCON_HCALL_CODES);
	print_stats("hypercall code (all VPs)", st, DBGCON_HCALL_CODES, false);
}

/* Level of a log line "[L cpuN module] ...": E W I D T; anything else counts as trace. */
static int line_level(const char *s, size_t n)
{
	static const char letters[] = "EWIDT";

	for (int i = 0; n > 2 && s[0] == '[' && letters[i]; i++)
		if (s[1] == letters[i])
			return i;
	return 4;
}

static void cmd_log(int argc, char **argv)
{
	static char buf[8192];
	u64 lines = 0; /* default: the last 20 lines, or with a level every match (200 max) */
	int min = -1;

	if (argc > 3) {
		out("error: usage: log [lines] [level]\r\n");
		return;
	}
	for (int i = 1; i < argc; i++) {
		int l = parse_level(argv[i]);
		if (l >= 0) {
			min = l;
			continue;
		}
		if (dbgcon_parse_u64(argv[i], &lines, false) || lines == 0 || lines > 200) {
			out("error: '%s' is neither a line count (1..200) nor a level (err..trace)\r\n",
			    argv[i]);
			return;
		}
	}
	if (!lines)
		lines = min >= 0 ? 200 : 20;
	/* With a level, look further back and keep the last 'lines' lines that match. */
	size_t n = ops->log_tail(buf, sizeof(buf), min >= 0 ? 200 : (unsigned)lines);
	size_t starts[200];
	unsigned count = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && buf[j] != '\n')
			j++;
		if ((min < 0 || line_level(buf + i, j - i) <= min) && count < ARRAY_SIZE(starts))
			starts[count++] = i;
		i = j + 1;
	}
	unsigned first = count > lines ? count - (unsigned)lines : 0;
	for (unsigned k = first; k < count; k++) {
		size_t i = starts[k], j = i;
		while (j < n && buf[j] != '\n')
			j++;
		ops->out(buf + i, j - i);
		ops->out("\r\n", 2);
	}
	if (!count)
		out("(no log lines)\r\n");
}

static void cmd_loglevel(int argc, char **argv)
{
	const char *mod = argc == 3 ? argv[1] : NULL;
	int lvl;

	if (argc == 1) {
		int cur = ops->log_level(NULL, -1);
		out("global log level: %s\r\n",
		    cur >= 0 && cur < (int)ARRAY_SIZE(level_names) ? level_names[cur] : "?");
		return;
	}
	if (argc > 3 || (lvl = parse_level(argv[argc - 1])) < 0) {
		out("error: usage: loglevel [module] err|warn|info|debug|trace\r\n");
		return;
	}
	if (ops->log_level(mod, lvl) < 0) {
		out("error: cannot set the level of '%s' (name too long or too many modules)\r\n",
		    mod ? mod : "(global)");
		return;
	}
	out("log level of %s: %s\r\n", mod ? mod : "all modules", level_names[lvl]);
}

static void cmd_pause_resume(int argc, char **argv)
{
	bool pause = !strcmp(argv[0], "pause");
	u32 vp, first = 0, last;

	if (argc != 2) {
		out("error: usage: %s <vp|all>\r\n", argv[0]);
		return;
	}
	if (!strcmp(argv[1], "all")) {
		last = ops->vp_count() - 1;
	} else {
		if (parse_vp(argv[1], &vp))
			return;
		first = last = vp;
	}
	for (vp = first; vp <= last; vp++) {
		int r = ops->vp_pause(vp, pause);
		if (r)
			out("error: VP %u cannot be %s (%s)\r\n", vp, pause ? "paused" : "resumed",
			    r == -EBUSY ? "not running" : "failed");
		else
			out("VP %u %s\r\n", vp, pause ? "paused" : "resumed");
	}
}

static void cmd_nmi(int argc, char **argv)
{
	u32 vp;

	if (argc != 2) {
		out("error: usage: nmi <vp>\r\n");
		return;
	}
	if (parse_vp(argv[1], &vp))
		return;
	if (ops->vp_nmi(vp))
		out("error: VP %u is not running: no NMI sent\r\n", vp);
	else
		out("NMI queued for VP %u\r\n", vp);
}

static void cmd_reboot(int argc, char **argv)
{
	out("rebooting the machine\r\n");
	ops->reboot();
	out("error: the reset did not happen\r\n");
}

struct dbgcon_cmd {
	const char *name, *args, *help;
	void (*fn)(int argc, char **argv);
};

static const struct dbgcon_cmd cmds[] = {
	{ "help", "", "this list", cmd_help },
	{ "vps", "", "VPs: APIC ID, active VTL, run state, exits", cmd_vps },
	{ "regs", "<vp> [vtl]", "a VP's registers at a VTL (from its VMCS)", cmd_regs },
	{ "gpa", "<address>", "a GPA through every VTL's view: HPA, type, page size, access",
	  cmd_gpa },
	{ "prot", "<start> <end|+len>", "access rights over a GPA range, summarized", cmd_prot },
	{ "exits", "[reset]", "VM exits by reason with cycle totals", cmd_exits },
	{ "hcalls", "[reset]", "hypercalls by code with cycle totals", cmd_hcalls },
	{ "log", "[lines] [level]", "the tail of the log ring", cmd_log },
	{ "loglevel", "[module] <level>", "the live log level (err warn info debug trace)",
	  cmd_loglevel },
	{ "pause", "<vp|all>", "stop running a VP's guest (it waits in the hypervisor)",
	  cmd_pause_resume },
	{ "resume", "<vp|all>", "let a paused VP run again", cmd_pause_resume },
	{ "nmi", "<vp>", "inject an NMI into a VP", cmd_nmi },
	{ "reboot", "", "reset the machine", cmd_reboot },
	{ "exit", "", "leave the console (guests keep running)", NULL },
};

static void cmd_help(int argc, char **argv)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		out("  %-8s %-20s %s\r\n", cmds[i].name, cmds[i].args, cmds[i].help);
	out("  Ctrl-] Ctrl-] opens the console; up/down recall commands; numbers: 123, 0x1f, 2M\r\n");
}

void dbgcon_run(const struct dbgcon_ops *o, char *line)
{
	char *argv[DBGCON_ARGS_MAX];
	int argc;

	ops = o;
	if (!ops->vp_count() || !ops->vtl_count()) { /* nothing to inspect: cannot happen */
		out("error: no VPs yet\r\n");
		return;
	}
	argc = dbgcon_split(line, argv, DBGCON_ARGS_MAX);
	if (argc < 0) {
		out("error: too many words (at most %d)\r\n", DBGCON_ARGS_MAX);
		return;
	}
	if (argc == 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[0], cmds[i].name))
			continue;
		if (cmds[i].fn)
			cmds[i].fn(argc, argv);
		return;
	}
	out("error: unknown command '%.32s' (try 'help')\r\n", argv[0]);
}
