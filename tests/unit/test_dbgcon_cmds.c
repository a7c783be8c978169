// SPDX-License-Identifier: MIT
/*
 * The debug console's commands (arch/x86/dbgcon_cmds.c) against a fake struct dbgcon_ops:
 * five VPs (running, paused, parked, stopped, off) with distinctive register snapshots, a
 * VTL0 EPT built with the real page-table engine (mm/pt.c + arch/x86/ept_format.c) on the
 * malloc-backed arena of tests/unit/test_pt_util.c, exit and hypercall counters, a log ring
 * text, log levels, and recorded pause/NMI/reboot calls. ops->out collects into a buffer and
 * the tests assert exact output lines; a fuzz test feeds 100000 random lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/dbgcon.h"
#include "arch/x86/ept_format.h"
#include "drivers/dbgcon_line.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "tests/unit/test_pt_util.h"

#define NVP 5
#define ALL_LEAVES (PT_LEAF_4K | PT_LEAF_2M | PT_LEAF_1G)
#define CAP_BASE 0x10000000ULL /* 100 pages alternating R / RW: 100 runs */
#define CAP_PAGES 100

/* ---- the fake machine ------------------------------------------------------------------ */

struct pause_call {
	u32 vp;
	bool pause;
};

static struct fake {
	u32 vp_count;
	struct dbgcon_vp_info vp[NVP];
	int vp_info_ret[NVP];
	struct vcpu_snapshot snap[NVP];
	int regs_ret[NVP];
	u32 regs_calls, regs_vp, regs_vtl;
	u32 vtl_count;
	struct dbgcon_exit_stat exits[DBGCON_EXIT_REASONS];
	struct dbgcon_exit_stat hcalls[DBGCON_HCALL_CODES];
	u32 exit_stats_calls, hcall_stats_calls, reset_calls;
	const char *log;
	unsigned log_lines_asked;
	u32 log_tail_calls;
	int global_level;
	int level_ret; /* non-zero: log_level() set calls fail with it */
	u32 level_calls;
	char level_module[64];
	bool level_module_null;
	int level_set;
	int pause_ret[NVP];
	struct pause_call pauses[16];
	u32 npauses;
	int nmi_ret[NVP];
	u32 nmis[16];
	u32 nnmis;
	u32 reboot_calls;
	size_t out_at_reboot;
	/* output */
	char out[1 << 18];
	size_t out_len;
	bool out_overflow;
} f;

static struct tpa arena;
static struct pt ept;

static u32 fk_vp_count(void)
{
	return f.vp_count;
}

static int fk_vp_info(u32 vp, struct dbgcon_vp_info *o)
{
	assert_true(vp < f.vp_count);
	if (f.vp_info_ret[vp])
		return f.vp_info_ret[vp];
	*o = f.vp[vp];
	return 0;
}

static int fk_vp_regs(u32 vp, u32 vtl, struct vcpu_snapshot *o)
{
	assert_true(vp < f.vp_count);
	assert_true(vtl < f.vtl_count);
	f.regs_calls++;
	f.regs_vp = vp;
	f.regs_vtl = vtl;
	if (f.regs_ret[vp])
		return f.regs_ret[vp];
	*o = f.snap[vp];
	return 0;
}

static u32 fk_vtl_count(void)
{
	return f.vtl_count;
}

/* VTL0 is the real EPT; VTL1 (when enabled) maps nothing. */
static int fk_gpa_lookup(u32 vtl, u64 gpa, u64 *hpa, struct pt_attr *a, unsigned *level)
{
	assert_true(vtl < f.vtl_count);
	if (vtl)
		return -ENOENT;
	return pt_lookup(&ept, gpa, hpa, a, level);
}

static int fk_gpa_walk(u32 vtl, u64 start, u64 size, pt_walk_fn fn, void *ctx)
{
	assert_true(vtl < f.vtl_count);
	if (vtl)
		return 0;
	return pt_walk(&ept, start, size, fn, ctx);
}

static void fk_exit_stats(struct dbgcon_exit_stat *o, u32 n)
{
	assert_int_equal(n, DBGCON_EXIT_REASONS);
	f.exit_stats_calls++;
	memcpy(o, f.exits, sizeof(f.exits));
}

static const char *fk_exit_name(u32 reason)
{
	switch (reason) {
	case 10:
		return "CPUID";
	case 12:
		return "HLT";
	case 48:
		return "EPT violation";
	default:
		return "unknown";
	}
}

static void fk_hcall_stats(struct dbgcon_exit_stat *o, u32 n)
{
	assert_int_equal(n, DBGCON_HCALL_CODES);
	f.hcall_stats_calls++;
	memcpy(o, f.hcalls, sizeof(f.hcalls));
}

static void fk_stats_reset(void)
{
	f.reset_calls++;
}

/* Like log_ring_copy_tail: the last `lines` whole lines that fit in n - 1 bytes, NUL. */
static size_t fk_log_tail(char *buf, size_t n, unsigned lines)
{
	size_t len = f.log ? strlen(f.log) : 0, pos = len;
	unsigned got = 0;

	f.log_tail_calls++;
	f.log_lines_asked = lines;
	while (pos > 0 && got < lines) {
		size_t p = pos - 1;
		while (p > 0 && f.log[p - 1] != '\n')
			p--;
		if (len - p > n - 1)
			break;
		pos = p;
		got++;
	}
	memcpy(buf, f.log + pos, len - pos);
	buf[len - pos] = '\0';
	return len - pos;
}

static int fk_log_level(const char *module, int level)
{
	f.level_calls++;
	if (level < 0)
		return f.global_level;
	f.level_module_null = !module;
	snprintf(f.level_module, sizeof(f.level_module), "%s", module ? module : "");
	f.level_set = level;
	if (f.level_ret)
		return f.level_ret;
	if (!module)
		f.global_level = level;
	return 0;
}

static int fk_vp_pause(u32 vp, bool pause)
{
	assert_true(vp < f.vp_count);
	if (f.npauses < ARRAY_SIZE(f.pauses))
		f.pauses[f.npauses] = (struct pause_call){ vp, pause };
	f.npauses++;
	return f.pause_ret[vp];
}

static int fk_vp_nmi(u32 vp)
{
	assert_true(vp < f.vp_count);
	if (f.nnmis < ARRAY_SIZE(f.nmis))
		f.nmis[f.nnmis] = vp;
	f.nnmis++;
	return f.nmi_ret[vp];
}

static void fk_reboot(void)
{
	f.reboot_calls++;
	f.out_at_reboot = f.out_len;
}

static void fk_out(const char *s, size_t n)
{
	assert_non_null(s);
	if (n > sizeof(f.out) - 1 - f.out_len) {
		f.out_overflow = true;
		n = sizeof(f.out) - 1 - f.out_len;
	}
	memcpy(f.out + f.out_len, s, n);
	f.out_len += n;
	f.out[f.out_len] = '\0';
}

static const struct dbgcon_ops fake_ops = {
	.vp_count = fk_vp_count,
	.vp_info = fk_vp_info,
	.vp_regs = fk_vp_regs,
	.vtl_count = fk_vtl_count,
	.gpa_lookup = fk_gpa_lookup,
	.gpa_walk = fk_gpa_walk,
	.exit_stats = fk_exit_stats,
	.exit_name = fk_exit_name,
	.hcall_stats = fk_hcall_stats,
	.stats_reset = fk_stats_reset,
	.log_tail = fk_log_tail,
	.log_level = fk_log_level,
	.vp_pause = fk_vp_pause,
	.vp_nmi = fk_vp_nmi,
	.reboot = fk_reboot,
	.out = fk_out,
};

static const char *const states[NVP] = { "running", "paused", "parked", "stopped", "off" };

static void fill_snapshot(struct vcpu_snapshot *s, u32 vp)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < GPR_COUNT; i++)
		s->gpr[i] = 0x01a2a3a4a5a6a700ULL + i + ((u64)vp << 60);
	s->rip = 0xfffff80012345678ULL + vp;
	s->rsp = 0x00007ffe0000aaa0ULL;
	s->rflags = 0x246;
	s->cr0 = 0x80050033;
	s->cr0_shadow = 0x80050031;
	s->cr3 = 0x1ad000;
	s->cr4 = 0x3506f8;
	s->cr4_shadow = 0x3506f0;
	s->efer = 0xd01;
	s->pat = 0x0007040600070406ULL;
	s->dr7 = 0x400;
	for (int i = 0; i < SEG_COUNT; i++) {
		s->seg_sel[i] = (u16)(0x10 + 8 * i);
		s->seg_base[i] = 0xffff800000000000ULL + 0x100 * (u64)i;
		s->seg_limit[i] = 0xfffff000u + (u32)i;
		s->seg_ar[i] = 0xa090u + (u32)i;
	}
	s->gdtr_base = 0xfffff80000001000ULL;
	s->gdtr_limit = 0x7f;
	s->idtr_base = 0xfffff80000002000ULL;
	s->idtr_limit = 0xfff;
	s->activity = 1;
	s->interruptibility = 8;
	s->exit_reason = 0x80000030; /* EPT violation, with the VM-entry failure bit set */
	s->exit_qual = 0x181;
}

static const char log_text[] = "[I cpu0 boot] line 1\n"
			       "[E cpu1 ept] line 2\n"
			       "[W cpu0 mtrr] line 3\n"
			       "[D cpu2 vmx] line 4\n"
			       "[T cpu3 vmx] line 5\n"
			       "[I cpu0 boot] line 6\n"
			       "[I cpu0 boot] line 7\n"
			       "[W cpu1 apic] line 8\n"
			       "[I cpu0 boot] line 9\n"
			       "[I cpu0 boot] line 10\n"
			       "[I cpu0 boot] line 11\n"
			       "[E cpu2 exit] line 12\n"
			       "[I cpu0 boot] line 13\n"
			       "[D cpu0 boot] line 14\n"
			       "[I cpu0 boot] line 15\n"
			       "[I cpu0 boot] line 16\n"
			       "[W cpu3 hv] line 17\n"
			       "[I cpu0 boot] line 18\n"
			       "[I cpu0 boot] line 19\n"
			       "[I cpu0 boot] line 20\n"
			       "[I cpu0 boot] line 21\n"
			       "[I cpu0 boot] line 22\n"
			       "[I cpu0 boot] line 23\n"
			       "[W cpu0 log] line 24\n"
			       "[I cpu0 boot] line 25\n"
			       "[I cpu0 boot] line 26\n"
			       "[E cpu1 ept] line 27\n"
			       "[I cpu0 boot] line 28\n"
			       "[I cpu0 boot] line 29\n"
			       "[I cpu0 boot] line 30\n";

static void map(u64 gpa, u64 hpa, u64 size, u8 perm, u8 mt, u8 flags)
{
	struct pt_attr a = tpa_attr(perm, mt, flags);

	assert_int_equal(pt_map(&ept, gpa, hpa, size, &a), 0);
}

static int group_setup(void **state)
{
	tpa_init(&arena, 256);
	if (pt_init(&ept, &ept_format, ALL_LEAVES, &arena.alloc))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	pt_destroy(&ept);
	tpa_fini(&arena);
	return 0;
}

/* Resets the fake machine and rebuilds the EPT before each test. */
static int setup(void **state)
{
	memset(&f, 0, sizeof(f));
	f.vp_count = NVP;
	f.vtl_count = 1;
	for (u32 i = 0; i < NVP; i++) {
		f.vp[i] = (struct dbgcon_vp_info){ i, 2 * i, 0, states[i], 0 };
		fill_snapshot(&f.snap[i], i);
	}
	f.vp[0].exits = 12345;
	f.vp[2].exits = 7;
	f.vp[3].exits = 99999999999ULL;
	f.log = log_text;
	f.global_level = 2;

	pt_destroy(&ept);
	if (pt_init(&ept, &ept_format, ALL_LEAVES, &arena.alloc))
		return -1;
	map(0x0000, 0x100000, 0x2000, PT_RWX, PT_MT_WB, 0);
	map(0x2000, 0x102000, 0x1000, PT_R, PT_MT_WB, 0);
	map(0x3000, 0x103000, 0x1000, PT_RWX, PT_MT_UC, 0);
	/* 0x4000 unmapped */
	map(0x5000, 0x105000, 0x1000, PT_R | PT_W, PT_MT_WB, PT_F_IGNORE_PAT);
	map(0x6000, 0x106000, 0x1000, PT_R | PT_W, PT_MT_WC, 0);
	map(0x7000, 0x107000, 0x1000, PT_R | PT_W, PT_MT_WT, 0);
	map(0x8000, 0x108000, 0x1000, PT_R, PT_MT_WP, 0);
	map(0x9000, 0x109000, 0x1000, PT_R | PT_X | PT_XU, PT_MT_WB, 0);
	/* equal rights and type, HPAs not contiguous: still one run */
	map(0xa000, 0x500000, 0x1000, PT_RWX, PT_MT_WB, 0);
	map(0xb000, 0x900000, 0x1000, PT_RWX, PT_MT_WB, 0);
	/* 0xc000 unmapped: splits two runs of equal rights */
	map(0xd000, 0x10d000, 0x1000, PT_RWX, PT_MT_WB, 0);
	map(0x200000, 0x40000000, SZ_2M, PT_R | PT_W, PT_MT_WB, 0);
	map(0x40000000, 0x80000000, SZ_1G, PT_R | PT_X, PT_MT_WB, 0);
	for (u64 i = 0; i < CAP_PAGES; i++)
		map(CAP_BASE + i * PAGE_SIZE, CAP_BASE + i * PAGE_SIZE, PAGE_SIZE,
		    (i & 1) ? (PT_R | PT_W) : PT_R, PT_MT_WB, 0);
	return 0;
}

/* ---- output helpers -------------------------------------------------------------------- */

static char lines_buf[1 << 18];
static char *lines[8192];
static int nlines;

/* Splits the output into lines; every line must end with CR LF, no other CR or LF. */
static void split_output(void)
{
	char *p = lines_buf;

	assert_false(f.out_overflow);
	memcpy(lines_buf, f.out, f.out_len + 1);
	nlines = 0;
	while (*p) {
		char *e = strstr(p, "\r\n");
		if (!e)
			fail_msg("output does not end with CR LF: '%s'", p);
		*e = '\0';
		if (strchr(p, '\r') || strchr(p, '\n'))
			fail_msg("bare CR or LF in line '%s'", p);
		assert_true(nlines < (int)ARRAY_SIZE(lines));
		lines[nlines++] = p;
		p = e + 2;
	}
}

/* Runs one command line (a copy: dbgcon_run splits in place) on a fresh output buffer. */
static void run(const char *cmd)
{
	char line[512];

	assert_true(strlen(cmd) < sizeof(line));
	strcpy(line, cmd);
	f.out_len = 0;
	f.out[0] = '\0';
	dbgcon_run(&fake_ops, line);
	split_output();
}

#define assert_nlines(n)                                                                         \
	do {                                                                                     \
		if (nlines != (n))                                                               \
			fail_msg("%d lines, expected %d; output:\n%s", nlines, (int)(n), f.out); \
	} while (0)
#define assert_line(i, s) assert_string_equal(lines[i], (s))

/* The whole output is exactly one line. */
static void expect1(const char *cmd, const char *line)
{
	run(cmd);
	assert_nlines(1);
	assert_line(0, line);
}

/* ---- help, vps, unknown, split -------------------------------------------------------- */

static void test_help(void **state)
{
	static const char *const names[] = { "help",   "vps",	 "regs",   "gpa",      "prot",
					     "exits",  "hcalls", "log",	   "loglevel", "pause",
					     "resume", "nmi",	 "reboot", "exit" };

	run("help");
	assert_nlines(ARRAY_SIZE(names) + 1);
	assert_line(0, "  help                          this list");
	for (size_t n = 0; n < ARRAY_SIZE(names); n++) {
		int seen = 0;
		for (int i = 0; i < nlines; i++) {
			size_t l = strlen(names[n]);
			if (!strncmp(lines[i], "  ", 2) && !strncmp(lines[i] + 2, names[n], l) &&
			    lines[i][2 + l] == ' ')
				seen++;
		}
		if (seen != 1)
			fail_msg("command '%s' listed %d times", names[n], seen);
	}
	assert_non_null(strstr(lines[nlines - 1], "Ctrl-] Ctrl-]"));
	/* extra words are ignored */
	run("help me");
	assert_nlines(ARRAY_SIZE(names) + 1);
}

static void test_vps(void **state)
{
	run("vps");
	assert_nlines(6);
	assert_line(0, "VP  APIC  VTL   state    exits");
	assert_line(1, "0   0     VTL0  running  12345");
	assert_line(2, "1   2     VTL0  paused   0");
	assert_line(3, "2   4     VTL0  parked   7");
	assert_line(4, "3   6     VTL0  stopped  99999999999");
	assert_line(5, "4   8     VTL0  off      0");

	/* a VP whose info cannot be read is left out */
	f.vp_info_ret[2] = -ENOENT;
	f.vp[4].active_vtl = 1;
	run("vps");
	assert_nlines(5);
	assert_line(3, "3   6     VTL0  stopped  99999999999");
	assert_line(4, "4   8     VTL1  off      0");
}

static void test_unknown_and_words(void **state)
{
	expect1("frobnicate", "error: unknown command 'frobnicate' (try 'help')");
	expect1("HELP", "error: unknown command 'HELP' (try 'help')");
	/* the name is cut at 32 characters */
	expect1("abcdefghijklmnopqrstuvwxyz0123456789XYZ",
		"error: unknown command 'abcdefghijklmnopqrstuvwxyz012345' (try 'help')");
	expect1("a b c d e f g h i", "error: too many words (at most 8)");
	expect1("vps 1 2 3 4 5 6 7 8 9 10", "error: too many words (at most 8)");
	/* exactly 8 words reach the command */
	expect1("log 1 2 3 4 5 6 7", "error: usage: log [lines] [level]");
	/* blank lines and "exit" (the caller's business) print nothing */
	run("");
	assert_nlines(0);
	run("   \t  ");
	assert_nlines(0);
	run("exit");
	assert_nlines(0);
	/* tabs and repeated spaces separate words */
	run("\t vps \t");
	assert_nlines(6);
}

/* ---- regs ------------------------------------------------------------------------------ */

static const char *const regs_vp1[] = {
	"VP 1 VTL0  rip fffff80012345679  rsp 00007ffe0000aaa0  rflags 0000000000000246",
	"  rax 11a2a3a4a5a6a700  rcx 11a2a3a4a5a6a701  rdx 11a2a3a4a5a6a702  rbx 11a2a3a4a5a6a703",
	"  rsp 11a2a3a4a5a6a704  rbp 11a2a3a4a5a6a705  rsi 11a2a3a4a5a6a706  rdi 11a2a3a4a5a6a707",
	"  r8  11a2a3a4a5a6a708  r9  11a2a3a4a5a6a709  r10 11a2a3a4a5a6a70a  r11 11a2a3a4a5a6a70b",
	"  r12 11a2a3a4a5a6a70c  r13 11a2a3a4a5a6a70d  r14 11a2a3a4a5a6a70e  r15 11a2a3a4a5a6a70f",
	"  cr0 0000000080050033 (guest sees 80050031)  cr3 00000000001ad000",
	"  cr4 00000000003506f8 (guest sees 3506f0)  efer d01  pat 7040600070406  dr7 400",
	"  es   0010 base ffff800000000000 limit fffff000 ar 0a090",
	"  cs   0018 base ffff800000000100 limit fffff001 ar 0a091",
	"  ss   0020 base ffff800000000200 limit fffff002 ar 0a092",
	"  ds   0028 base ffff800000000300 limit fffff003 ar 0a093",
	"  fs   0030 base ffff800000000400 limit fffff004 ar 0a094",
	"  gs   0038 base ffff800000000500 limit fffff005 ar 0a095",
	"  ldtr 0040 base ffff800000000600 limit fffff006 ar 0a096",
	"  tr   0048 base ffff800000000700 limit fffff007 ar 0a097",
	"  gdtr fffff80000001000/7f  idtr fffff80000002000/fff  activity 1  interruptibility 8",
	"  last exit: reason 48 (EPT violation) qualification 181",
};

static void expect_regs_vp1(void)
{
	assert_nlines(ARRAY_SIZE(regs_vp1));
	for (size_t i = 0; i < ARRAY_SIZE(regs_vp1); i++)
		assert_line(i, regs_vp1[i]);
	assert_int_equal(f.regs_vp, 1);
	assert_int_equal(f.regs_vtl, 0);
}

static void test_regs_ok(void **state)
{
	run("regs 1");
	expect_regs_vp1();
	assert_int_equal(f.regs_calls, 1);
	run("regs 0x1 0");
	expect_regs_vp1();
	run("regs 01 0x0");
	expect_regs_vp1();
	/* another VP, another exit reason */
	f.snap[4].exit_reason = 10;
	f.snap[4].exit_qual = 0;
	run("regs 4");
	assert_nlines(ARRAY_SIZE(regs_vp1));
	assert_line(
		0,
		"VP 4 VTL0  rip fffff8001234567c  rsp 00007ffe0000aaa0  rflags 0000000000000246");
	assert_line(
		1,
		"  rax 41a2a3a4a5a6a700  rcx 41a2a3a4a5a6a701  rdx 41a2a3a4a5a6a702  rbx 41a2a3a4a5a6a703");
	assert_line(16, "  last exit: reason 10 (CPUID) qualification 0");
	assert_int_equal(f.regs_vp, 4);
}

static void test_regs_vtl(void **state)
{
	expect1("regs 1 1", "error: VTL '1' is not enabled (VTLs 0..0)");
	expect1("regs 1 x", "error: VTL 'x' is not enabled (VTLs 0..0)");
	expect1("regs 1 -1", "error: VTL '-1' is not enabled (VTLs 0..0)");
	assert_int_equal(f.regs_calls, 0);
	f.vtl_count = 2;
	run("regs 1 1");
	assert_nlines(ARRAY_SIZE(regs_vp1));
	assert_line(
		0,
		"VP 1 VTL1  rip fffff80012345679  rsp 00007ffe0000aaa0  rflags 0000000000000246");
	assert_int_equal(f.regs_vtl, 1);
	expect1("regs 1 2", "error: VTL '2' is not enabled (VTLs 0..1)");
}

static void test_regs_bad(void **state)
{
	expect1("regs 99", "error: no VP '99' (VPs are 0..4)");
	expect1("regs 5", "error: no VP '5' (VPs are 0..4)");
	expect1("regs -1", "error: no VP '-1' (VPs are 0..4)");
	expect1("regs abc", "error: no VP 'abc' (VPs are 0..4)");
	expect1("regs 0x", "error: no VP '0x' (VPs are 0..4)");
	expect1("regs 1K", "error: no VP '1K' (VPs are 0..4)");
	expect1("regs 99999999999999999999999",
		"error: no VP '99999999999999999999999' (VPs are 0..4)");
	expect1("regs 4294967297", "error: no VP '4294967297' (VPs are 0..4)");
	expect1("regs", "error: usage: regs <vp> [vtl]");
	expect1("regs 1 0 0", "error: usage: regs <vp> [vtl]");
	assert_int_equal(f.regs_calls, 0);

	f.regs_ret[2] = -EBUSY;
	f.regs_ret[3] = -ETIMEDOUT;
	f.regs_ret[4] = -ENOENT;
	expect1("regs 2",
		"error: VP 2 cannot report its registers now (parked or not virtualized)");
	expect1("regs 3", "error: VP 3 cannot report its registers now (no answer)");
	expect1("regs 4", "error: VP 4 cannot report its registers now (failed)");
	f.regs_ret[4] = -ESRCH;
	expect1("regs 4", "error: VP 4 does not run VTL0 now: only the running VTL's registers "
			  "can be read ('vps' shows which)");
	assert_int_equal(f.regs_calls, 4);
}

/* ---- gpa ------------------------------------------------------------------------------- */

static void expect_gpa(const char *cmd, const char *gpa_line, const char *view)
{
	run(cmd);
	assert_nlines(3);
	assert_line(0, gpa_line);
	assert_line(1, "  mirror: not yet (the per-VTL mirror map comes with VTL protections)");
	assert_line(2, view);
}

static void test_gpa(void **state)
{
	expect_gpa("gpa 0x1234", "GPA 0000000000001234",
		   "  VTL0 view: HPA 0000000000101234  4K page  WB  RWX-");
	expect_gpa("gpa 1K", "GPA 0000000000000400",
		   "  VTL0 view: HPA 0000000000100400  4K page  WB  RWX-");
	expect_gpa("gpa 8192", "GPA 0000000000002000",
		   "  VTL0 view: HPA 0000000000102000  4K page  WB  R---");
	expect_gpa("gpa 0x3fff", "GPA 0000000000003fff",
		   "  VTL0 view: HPA 0000000000103fff  4K page  UC  RWX-");
	expect_gpa("gpa 0x5008", "GPA 0000000000005008",
		   "  VTL0 view: HPA 0000000000105008  4K page  WB  RW--  ignore-PAT");
	expect_gpa("gpa 0x6000", "GPA 0000000000006000",
		   "  VTL0 view: HPA 0000000000106000  4K page  WC  RW--");
	expect_gpa("gpa 0x7000", "GPA 0000000000007000",
		   "  VTL0 view: HPA 0000000000107000  4K page  WT  RW--");
	expect_gpa("gpa 0x8000", "GPA 0000000000008000",
		   "  VTL0 view: HPA 0000000000108000  4K page  WP  R---");
	expect_gpa("gpa 0x9abc", "GPA 0000000000009abc",
		   "  VTL0 view: HPA 0000000000109abc  4K page  WB  R-XU");
	expect_gpa("gpa 2M", "GPA 0000000000200000",
		   "  VTL0 view: HPA 0000000040000000  2M page  WB  RW--");
	expect_gpa("gpa 0x3fffff", "GPA 00000000003fffff",
		   "  VTL0 view: HPA 00000000401fffff  2M page  WB  RW--");
	expect_gpa("gpa 1g", "GPA 0000000040000000",
		   "  VTL0 view: HPA 0000000080000000  1G page  WB  R-X-");
	expect_gpa("gpa 0x7fffffff", "GPA 000000007fffffff",
		   "  VTL0 view: HPA 00000000bfffffff  1G page  WB  R-X-");
	expect_gpa("gpa 0x4000", "GPA 0000000000004000",
		   "  VTL0 view: not mapped (an access stops the VP)");
	expect_gpa("gpa 0xfffffffffffff000", "GPA fffffffffffff000",
		   "  VTL0 view: not mapped (an access stops the VP)");

	/* every VTL with a view gets a line */
	f.vtl_count = 2;
	run("gpa 0x1000");
	assert_nlines(4);
	assert_line(2, "  VTL0 view: HPA 0000000000101000  4K page  WB  RWX-");
	assert_line(3, "  VTL1 view: not mapped (an access stops the VP)");
}

static void test_gpa_bad(void **state)
{
	expect1("gpa zz", "error: 'zz' is not an address (decimal, 0x hex, K/M/G)");
	expect1("gpa 0x", "error: '0x' is not an address (decimal, 0x hex, K/M/G)");
	expect1("gpa -4096", "error: '-4096' is not an address (decimal, 0x hex, K/M/G)");
	expect1("gpa 12T", "error: '12T' is not an address (decimal, 0x hex, K/M/G)");
	expect1("gpa 0x10000000000000000",
		"error: '0x10000000000000000' is not an address (decimal, 0x hex, K/M/G)");
	expect1("gpa 17179869184G",
		"error: '17179869184G' is not an address (decimal, 0x hex, K/M/G)");
	expect1("gpa", "error: usage: gpa <address>");
	expect1("gpa 1 2", "error: usage: gpa <address>");
}

/* ---- prot ------------------------------------------------------------------------------ */

static void test_prot_runs(void **state)
{
	run("prot 0 0xc000");
	assert_nlines(10);
	assert_line(0, "VTL0 view, 0000000000000000-000000000000bfff:");
	assert_line(1, "  0000000000000000-0000000000001fff  RWX-  WB");
	assert_line(2, "  0000000000002000-0000000000002fff  R---  WB");
	assert_line(3, "  0000000000003000-0000000000003fff  RWX-  UC");
	assert_line(4, "  0000000000005000-0000000000005fff  RW--  WB");
	assert_line(5, "  0000000000006000-0000000000006fff  RW--  WC");
	assert_line(6, "  0000000000007000-0000000000007fff  RW--  WT");
	assert_line(7, "  0000000000008000-0000000000008fff  R---  WP");
	assert_line(8, "  0000000000009000-0000000000009fff  R-XU  WB");
	assert_line(9, "  000000000000a000-000000000000bfff  RWX-  WB");

	/* a hole splits runs with equal rights */
	run("prot 0xa000 0xe000");
	assert_nlines(3);
	assert_line(1, "  000000000000a000-000000000000bfff  RWX-  WB");
	assert_line(2, "  000000000000d000-000000000000dfff  RWX-  WB");

	/* "+len", unaligned edges rounded out to pages */
	run("prot 0x2000 +8K");
	assert_nlines(3);
	assert_line(0, "VTL0 view, 0000000000002000-0000000000003fff:");
	assert_line(1, "  0000000000002000-0000000000002fff  R---  WB");
	assert_line(2, "  0000000000003000-0000000000003fff  RWX-  UC");
	run("prot 0x2800 0x3001");
	assert_nlines(3);
	assert_line(0, "VTL0 view, 0000000000002000-0000000000003fff:");
	run("prot 0x1800 +1");
	assert_nlines(2);
	assert_line(0, "VTL0 view, 0000000000001000-0000000000001fff:");
	assert_line(1, "  0000000000001000-0000000000001fff  RWX-  WB");

	/* large leaves, clipped to the range */
	run("prot 1G +1G");
	assert_nlines(2);
	assert_line(1, "  0000000040000000-000000007fffffff  R-X-  WB");
	run("prot 0x201000 +8K");
	assert_nlines(2);
	assert_line(1, "  0000000000201000-0000000000202fff  RW--  WB");
	run("prot 0x1ff000 0x401000");
	assert_nlines(2);
	assert_line(1, "  0000000000200000-00000000003fffff  RW--  WB");
}

static void test_prot_cap_and_empty(void **state)
{
	char want[128];

	run("prot 0x10000000 +400K");
	assert_nlines(1 + 64 + 1);
	assert_line(0, "VTL0 view, 0000000010000000-0000000010063fff:");
	for (int i = 0; i < 64; i++) {
		snprintf(want, sizeof(want), "  %016llx-%016llx  %s  WB",
			 (unsigned long long)(CAP_BASE + (u64)i * PAGE_SIZE),
			 (unsigned long long)(CAP_BASE + (u64)(i + 1) * PAGE_SIZE - 1),
			 (i & 1) ? "RW--" : "R---");
		assert_line(1 + i, want);
	}
	assert_line(65, "  ... 36 more runs");

	/* exactly 64 runs: no "more" line */
	run("prot 0x10000000 +256K");
	assert_nlines(1 + 64);

	run("prot 0x20000000 +1M");
	assert_nlines(2);
	assert_line(0, "VTL0 view, 0000000020000000-00000000200fffff:");
	assert_line(1, "  nothing mapped");

	f.vtl_count = 2;
	run("prot 0 +4K");
	assert_nlines(4);
	assert_line(0, "VTL0 view, 0000000000000000-0000000000000fff:");
	assert_line(1, "  0000000000000000-0000000000000fff  RWX-  WB");
	assert_line(2, "VTL1 view, 0000000000000000-0000000000000fff:");
	assert_line(3, "  nothing mapped");
}

static void test_prot_bad(void **state)
{
	const char *usage = "error: usage: prot <start> <end>   (or prot <start> +<length>)";

	expect1("prot 0x3000 0x3000", "error: empty or impossible range");
	expect1("prot 0x5000 0x3000", "error: empty or impossible range");
	expect1("prot 0 +0", "error: empty or impossible range");
	expect1("prot 0 0x1000000000001", "error: empty or impossible range");
	expect1("prot 0xfffffffffffff000 +0x2000", "error: empty or impossible range");
	expect1("prot 0x1000 +0xfffffffffffff001", "error: empty or impossible range");
	expect1("prot 0 0xffffffffffffffff", "error: empty or impossible range");
	expect1("prot xyz 0x1000", "error: 'xyz' is not an address (decimal, 0x hex, K/M/G)");
	expect1("prot 0 +abc", "error: 'abc' is not an address (decimal, 0x hex, K/M/G)");
	expect1("prot 0 +", "error: '' is not an address (decimal, 0x hex, K/M/G)");
	expect1("prot 0 ++4K", "error: '+4K' is not an address (decimal, 0x hex, K/M/G)");
	expect1("prot 0 -4K", "error: '-4K' is not an address (decimal, 0x hex, K/M/G)");
	expect1("prot", usage);
	expect1("prot 0", usage);
	expect1("prot 0 1 2", usage);
	/* the full 48-bit space is allowed */
	run("prot 0 0x1000000000000");
	assert_line(0, "VTL0 view, 0000000000000000-0000ffffffffffff:");
	assert_line(nlines - 1, "  ... 48 more runs");
}

/* ---- exits, hcalls --------------------------------------------------------------------- */

static void test_exits(void **state)
{
	f.exits[10] = (struct dbgcon_exit_stat){ 5, 5000 };
	f.exits[12] = (struct dbgcon_exit_stat){ 0, 77 }; /* no count: no row */
	f.exits[48] = (struct dbgcon_exit_stat){ 3, 10 };
	run("exits");
	assert_nlines(4);
	assert_line(0,
		    "code   exit reason (all VPs)               count           cycles        avg");
	assert_line(1,
		    "10     CPUID                                   5             5000       1000");
	assert_line(2,
		    "48     EPT violation                           3               10          3");
	assert_line(3, "total  8");
	assert_int_equal(f.exit_stats_calls, 1);

	memset(f.exits, 0, sizeof(f.exits));
	f.exits[79] = (struct dbgcon_exit_stat){ 18446744073709551615ULL, 18446744073709551615ULL };
	run("exits");
	assert_nlines(3);
	assert_line(
		1,
		"79     unknown                      18446744073709551615 18446744073709551615          1");
	assert_line(2, "total  18446744073709551615");

	memset(f.exits, 0, sizeof(f.exits));
	run("exits");
	assert_nlines(2);
	assert_line(1, "total  0");

	expect1("exits reset", "exit and hypercall counters reset");
	assert_int_equal(f.reset_calls, 1);
	assert_int_equal(f.exit_stats_calls, 3);
	expect1("exits foo", "error: usage: exits [reset]");
	expect1("exits reset now", "error: usage: exits [reset]");
	expect1("exits RESET", "error: usage: exits [reset]");
	assert_int_equal(f.reset_calls, 1);
	assert_int_equal(f.exit_stats_calls, 3);
}

static void test_hcalls(void **state)
{
	f.hcalls[0x12] = (struct dbgcon_exit_stat){ 2, 301 };
	f.hcalls[255] = (struct dbgcon_exit_stat){ 1, 9 };
	f.hcalls[3] = (struct dbgcon_exit_stat){ 0, 5 };
	run("hcalls");
	assert_nlines(4);
	assert_line(0,
		    "code   hypercall code (all VPs)            count           cycles        avg");
	assert_line(1,
		    "18                                             2              301        150");
	assert_line(2,
		    "255                                            1                9          9");
	assert_line(3, "total  3");
	assert_int_equal(f.hcall_stats_calls, 1);

	expect1("hcalls reset", "exit and hypercall counters reset");
	assert_int_equal(f.reset_calls, 1);
	expect1("hcalls x", "error: usage: hcalls [reset]");
	expect1("hcalls reset x", "error: usage: hcalls [reset]");
	assert_int_equal(f.reset_calls, 1);
	assert_int_equal(f.hcall_stats_calls, 1);
}

/* ---- log, loglevel --------------------------------------------------------------------- */

static void test_log(void **state)
{
	char want[64];

	run("log");
	assert_int_equal(f.log_lines_asked, 20);
	assert_nlines(20);
	assert_line(0, "[I cpu0 boot] line 11");
	assert_line(19, "[I cpu0 boot] line 30");

	run("log 5");
	assert_int_equal(f.log_lines_asked, 5);
	assert_nlines(5);
	for (int i = 0; i < 5; i++) {
		snprintf(want, sizeof(want), "line %d", 26 + i);
		assert_non_null(strstr(lines[i], want));
	}
	assert_line(0, "[I cpu0 boot] line 26");

	run("log 200");
	assert_nlines(30);
	run("log 0x1");
	assert_nlines(1);
	assert_line(0, "[I cpu0 boot] line 30");

	/* a level keeps lines at it or more severe */
	run("log warn");
	assert_nlines(7);
	assert_line(0, "[E cpu1 ept] line 2");
	assert_line(1, "[W cpu0 mtrr] line 3");
	assert_line(2, "[W cpu1 apic] line 8");
	assert_line(3, "[E cpu2 exit] line 12");
	assert_line(4, "[W cpu3 hv] line 17");
	assert_line(5, "[W cpu0 log] line 24");
	assert_line(6, "[E cpu1 ept] line 27");
	run("log err");
	assert_nlines(3);
	assert_line(2, "[E cpu1 ept] line 27");
	run("log debug");
	assert_nlines(29);
	run("log trace");
	assert_nlines(30);

	/* lines that are not "[L ...": shown only at trace */
	f.log = "[E cpu0 x] a\nplain text\n[Q cpu0 x] odd\n";
	run("log err");
	assert_nlines(1);
	assert_line(0, "[E cpu0 x] a");
	run("log trace");
	assert_nlines(3);
	run("log");
	assert_nlines(3);
	assert_line(1, "plain text");

	f.log = "";
	expect1("log", "(no log lines)");
	f.log = "[I cpu0 boot] hello\n";
	expect1("log warn", "(no log lines)");
	f.log = "[I cpu0 boot] no newline at the end";
	expect1("log", "[I cpu0 boot] no newline at the end");
}

static void test_log_bad(void **state)
{
	u32 calls;

	expect1("log 0", "error: '0' is neither a line count (1..200) nor a level (err..trace)");
	expect1("log 201",
		"error: '201' is neither a line count (1..200) nor a level (err..trace)");
	expect1("log abc",
		"error: 'abc' is neither a line count (1..200) nor a level (err..trace)");
	expect1("log -1", "error: '-1' is neither a line count (1..200) nor a level (err..trace)");
	expect1("log WARN",
		"error: 'WARN' is neither a line count (1..200) nor a level (err..trace)");
	expect1("log 5 abc",
		"error: 'abc' is neither a line count (1..200) nor a level (err..trace)");
	expect1("log 1 2 3", "error: usage: log [lines] [level]");
	calls = f.log_tail_calls;
	assert_int_equal(calls, 0);
}

/* "log <lines> <level>" and "log <level> <lines>": the last <lines> lines at that level. */
static void test_log_count_and_level(void **state)
{
	run("log warn 3");
	assert_nlines(3);
	assert_line(0, "[W cpu3 hv] line 17");
	assert_line(1, "[W cpu0 log] line 24");
	assert_line(2, "[E cpu1 ept] line 27");
	run("log 3 warn");
	assert_nlines(3);
	assert_line(0, "[W cpu3 hv] line 17");
	assert_line(2, "[E cpu1 ept] line 27");
}

static void test_loglevel(void **state)
{
	const char *usage = "error: usage: loglevel [module] err|warn|info|debug|trace";

	expect1("loglevel", "global log level: info");
	assert_int_equal(f.level_calls, 1);

	expect1("loglevel debug", "log level of all modules: debug");
	assert_true(f.level_module_null);
	assert_int_equal(f.level_set, 3);
	expect1("loglevel", "global log level: debug");

	expect1("loglevel ept trace", "log level of ept: trace");
	assert_false(f.level_module_null);
	assert_string_equal(f.level_module, "ept");
	assert_int_equal(f.level_set, 4);
	expect1("loglevel vmx err", "log level of vmx: err");
	assert_int_equal(f.level_set, 0);
	expect1("loglevel warn", "log level of all modules: warn");
	assert_int_equal(f.level_set, 1);

	f.level_calls = 0;
	expect1("loglevel loud", usage);
	expect1("loglevel ept loud", usage);
	expect1("loglevel ept", usage);
	expect1("loglevel a b c", usage);
	expect1("loglevel INFO", usage);
	assert_int_equal(f.level_calls, 0);

	f.level_ret = -ENOMEM;
	expect1("loglevel averyveryverylongmodulename info",
		"error: cannot set the level of 'averyveryverylongmodulename' (name too long or "
		"too many modules)");
	expect1("loglevel info",
		"error: cannot set the level of '(global)' (name too long or too many modules)");
	assert_int_equal(f.level_calls, 2);
}

/* ---- pause, resume, nmi, reboot -------------------------------------------------------- */

static void test_pause_resume(void **state)
{
	expect1("pause 1", "VP 1 paused");
	assert_int_equal(f.npauses, 1);
	assert_int_equal(f.pauses[0].vp, 1);
	assert_true(f.pauses[0].pause);
	expect1("resume 1", "VP 1 resumed");
	assert_int_equal(f.npauses, 2);
	assert_int_equal(f.pauses[1].vp, 1);
	assert_false(f.pauses[1].pause);

	f.npauses = 0;
	f.pause_ret[3] = -EBUSY;
	f.pause_ret[4] = -EIO;
	run("pause all");
	assert_nlines(5);
	assert_line(0, "VP 0 paused");
	assert_line(1, "VP 1 paused");
	assert_line(2, "VP 2 paused");
	assert_line(3, "error: VP 3 cannot be paused (not running)");
	assert_line(4, "error: VP 4 cannot be paused (failed)");
	assert_int_equal(f.npauses, 5);
	for (u32 i = 0; i < 5; i++) {
		assert_int_equal(f.pauses[i].vp, i);
		assert_true(f.pauses[i].pause);
	}
	run("resume all");
	assert_nlines(5);
	assert_line(0, "VP 0 resumed");
	assert_line(3, "error: VP 3 cannot be resumed (not running)");
	assert_int_equal(f.npauses, 10);
	assert_false(f.pauses[9].pause);
	expect1("pause 3", "error: VP 3 cannot be paused (not running)");

	f.npauses = 0;
	expect1("pause 5", "error: no VP '5' (VPs are 0..4)");
	expect1("resume x", "error: no VP 'x' (VPs are 0..4)");
	expect1("pause ALL", "error: no VP 'ALL' (VPs are 0..4)");
	expect1("pause", "error: usage: pause <vp|all>");
	expect1("resume", "error: usage: resume <vp|all>");
	expect1("pause 1 2", "error: usage: pause <vp|all>");
	assert_int_equal(f.npauses, 0);
}

static void test_nmi(void **state)
{
	expect1("nmi 0", "NMI queued for VP 0");
	assert_int_equal(f.nnmis, 1);
	assert_int_equal(f.nmis[0], 0);
	f.nmi_ret[2] = -EBUSY;
	expect1("nmi 2", "error: VP 2 is not running: no NMI sent");
	assert_int_equal(f.nnmis, 2);
	assert_int_equal(f.nmis[1], 2);
	expect1("nmi 7", "error: no VP '7' (VPs are 0..4)");
	expect1("nmi all", "error: no VP 'all' (VPs are 0..4)");
	expect1("nmi", "error: usage: nmi <vp>");
	expect1("nmi 1 2", "error: usage: nmi <vp>");
	assert_int_equal(f.nnmis, 2);
}

static void test_reboot(void **state)
{
	run("reboot");
	assert_int_equal(f.reboot_calls, 1);
	assert_nlines(2);
	assert_line(0, "rebooting the machine");
	assert_line(1, "error: the reset did not happen");
	/* the first line was out before the reset was tried */
	assert_int_equal(f.out_at_reboot, strlen("rebooting the machine\r\n"));
}

/* ---- fuzz ------------------------------------------------------------------------------ */

static const char *const fuzz_words[] = {
	"help",
	"vps",
	"regs",
	"gpa",
	"prot",
	"exits",
	"hcalls",
	"log",
	"loglevel",
	"pause",
	"resume",
	"nmi",
	"reboot",
	"exit",
	"all",
	"reset",
	"err",
	"warn",
	"info",
	"debug",
	"trace",
	"0",
	"1",
	"4",
	"5",
	"99",
	"-1",
	"0x",
	"0x1f",
	"2M",
	"1G",
	"4K",
	"+4K",
	"+1G",
	"+",
	"200",
	"201",
	"0xffffffffffffffff",
	"18446744073709551616",
	"1000000000000000000000",
	"+0x10000",
	"0x10000000",
	"281474976710656",
	"ept",
};

static void fuzz_check_output(const char *line)
{
	for (size_t i = 0; i < f.out_len; i++) {
		unsigned char c = (unsigned char)f.out[i];
		if (c == '\r') {
			if (i + 1 >= f.out_len || f.out[i + 1] != '\n')
				fail_msg("'%s': CR without LF at %zu", line, i);
			i++;
			continue;
		}
		if (c < 0x20 || c > 0x7e)
			fail_msg("'%s': byte 0x%02x at %zu", line, c, i);
	}
	if (f.out_len && (f.out_len < 2 || memcmp(f.out + f.out_len - 2, "\r\n", 2)))
		fail_msg("'%s': output does not end with CR LF", line);
	assert_false(f.out_overflow);
}

static void test_fuzz(void **state)
{
	u64 seed = tpa_seed("test_dbgcon_cmds fuzz");
	char line[DBGCON_LINE_MAX + 1], copy[DBGCON_LINE_MAX + 1];
	unsigned long ok = 0, errors = 0;

	for (u32 i = 0; i < NVP; i++) {
		f.regs_ret[i] = (int[]){ 0, 0, -EBUSY, -ETIMEDOUT, -ENOENT }[i];
		f.pause_ret[i] = i == 3 ? -EBUSY : 0;
		f.nmi_ret[i] = i >= 2 ? -EBUSY : 0;
	}
	f.exits[10] = (struct dbgcon_exit_stat){ 5, 5000 };
	f.hcalls[1] = (struct dbgcon_exit_stat){ 7, 70 };

	for (int iter = 0; iter < 100000; iter++) {
		size_t len = 0;
		unsigned words = (unsigned)tpa_rand_below(&seed, 11);

		for (unsigned w = 0; w < words && len < DBGCON_LINE_MAX; w++) {
			char word[64];
			u64 kind = tpa_rand_below(&seed, 10);
			if (w == 0 && kind < 7) {
				/* mostly a command first, so that the commands see the rest */
				snprintf(word, sizeof(word), "%s",
					 fuzz_words[tpa_rand_below(&seed, 14)]);
			} else if (kind < 5) {
				snprintf(word, sizeof(word), "%s",
					 fuzz_words[tpa_rand_below(&seed, ARRAY_SIZE(fuzz_words))]);
			} else if (kind < 7) {
				snprintf(word, sizeof(word), kind == 5 ? "%llu" : "0x%llx",
					 (unsigned long long)(tpa_rand(&seed) >>
							      tpa_rand_below(&seed, 64)));
				if (tpa_rand_below(&seed, 4) == 0) {
					size_t l = strlen(word);
					word[l] = "KMGkmgTx"[tpa_rand_below(&seed, 8)];
					word[l + 1] = '\0';
				}
			} else {
				/* printable garbage (what the line editor can deliver) */
				size_t l = 1 + tpa_rand_below(&seed, 40);
				for (size_t k = 0; k < l; k++)
					word[k] = (char)(0x21 +
							 tpa_rand_below(&seed, 0x7e - 0x21 + 1));
				word[l] = '\0';
			}
			for (size_t k = 0; word[k] && len < DBGCON_LINE_MAX; k++)
				line[len++] = word[k];
			if (len < DBGCON_LINE_MAX)
				line[len++] = tpa_rand_below(&seed, 8) ? ' ' : '\t';
		}
		line[len] = '\0';
		f.vtl_count = 1 + (u32)tpa_rand_below(&seed, 2);
		memcpy(copy, line, len + 1);
		f.out_len = 0;
		f.out[0] = '\0';
		dbgcon_run(&fake_ops, line);
		fuzz_check_output(copy);
		if (f.out_len && strncmp(f.out, "error:", 6))
			ok++;
		else if (f.out_len)
			errors++;
	}
	printf("fuzz: 100000 lines, %lu with normal output, %lu refused\n", ok, errors);
	/* the mix must reach the commands, not only the error paths */
	assert_true(ok > 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_help, setup),
		cmocka_unit_test_setup(test_vps, setup),
		cmocka_unit_test_setup(test_unknown_and_words, setup),
		cmocka_unit_test_setup(test_regs_ok, setup),
		cmocka_unit_test_setup(test_regs_vtl, setup),
		cmocka_unit_test_setup(test_regs_bad, setup),
		cmocka_unit_test_setup(test_gpa, setup),
		cmocka_unit_test_setup(test_gpa_bad, setup),
		cmocka_unit_test_setup(test_prot_runs, setup),
		cmocka_unit_test_setup(test_prot_cap_and_empty, setup),
		cmocka_unit_test_setup(test_prot_bad, setup),
		cmocka_unit_test_setup(test_exits, setup),
		cmocka_unit_test_setup(test_hcalls, setup),
		cmocka_unit_test_setup(test_log, setup),
		cmocka_unit_test_setup(test_log_bad, setup),
		cmocka_unit_test_setup(test_log_count_and_level, setup),
		cmocka_unit_test_setup(test_loglevel, setup),
		cmocka_unit_test_setup(test_pause_resume, setup),
		cmocka_unit_test_setup(test_nmi, setup),
		cmocka_unit_test_setup(test_reboot, setup),
		cmocka_unit_test_setup(test_fuzz, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
