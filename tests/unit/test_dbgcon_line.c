// SPDX-License-Identifier: MIT
/*
 * drivers/dbgcon_line.c: the debug console's line editor, byte by byte, with every byte of
 * its output captured through the out() callback and compared exactly; plus the splitter,
 * the number parser, and a seeded fuzz run (DBGCON_SEED=n in the environment replays one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "drivers/dbgcon_line.h"
#include "lib/errno.h"

#define BANNER \
	"\r\nvtlvisor debug console: 'help' lists the commands, 'exit' leaves; guests keep running\r\n"
#define CLOSE_MSG "console closed; Ctrl-] Ctrl-] opens it again\r\n"
#define TOO_LONG "\r\nerror: line too long (max 120 characters)\r\n"
#define REDRAW "\r\x1b[K" DBGCON_PROMPT
#define UP "\x1b[A"
#define DOWN "\x1b[B"

/* ---- output capture ---------------------------------------------------------------------- */

struct cap {
	char buf[1 << 16];
	size_t n;     /* bytes in buf since the last cap_take */
	size_t calls; /* out() calls since the last cap_take */
};

static void cap_out(const char *s, size_t n, void *ctx)
{
	struct cap *c = ctx;

	assert_non_null(s);
	assert_true(n > 0);
	assert_true(n <= sizeof(c->buf) - c->n);
	memcpy(c->buf + c->n, s, n);
	c->n += n;
	c->calls++;
}

static void cap_clear(struct cap *c)
{
	c->n = 0;
	c->calls = 0;
}

/* Asserts that exactly want (len bytes) was printed since the last check, then forgets it. */
static void cap_check_n(struct cap *c, const char *want, size_t len)
{
	if (c->n != len || memcmp(c->buf, want, len)) {
		print_error("output: \"%.*s\" (%zu bytes)\nwanted: \"%.*s\" (%zu bytes)\n",
			    (int)c->n, c->buf, c->n, (int)len, want, len);
		fail();
	}
	cap_clear(c);
}

#define cap_check(c, lit) cap_check_n((c), (lit), sizeof(lit) - 1)

struct fixture {
	struct dbgcon_line l;
	struct cap cap;
};

static int setup_closed(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	dbgcon_line_init(&f->l, cap_out, &f->cap);
	*state = f;
	return 0;
}

static int setup_open(void **state)
{
	struct fixture *f;

	if (setup_closed(state))
		return -1;
	f = *state;
	dbgcon_line_feed(&f->l, DBGCON_BREAK, NULL);
	if (dbgcon_line_feed(&f->l, DBGCON_BREAK, NULL) != DBGCON_OPENED)
		return -1;
	cap_clear(&f->cap);
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/*
 * Feeds n bytes; every event but the last must be DBGCON_NONE. Returns the last event and
 * stores the line it gave (NULL unless DBGCON_LINE).
 */
static enum dbgcon_event feed_n(struct fixture *f, const char *s, size_t n, const char **line)
{
	enum dbgcon_event ev = DBGCON_NONE;
	const char *ln = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			assert_int_equal(ev, DBGCON_NONE);
		ln = (const char *)0x1; /* must be overwritten */
		ev = dbgcon_line_feed(&f->l, (unsigned char)s[i], &ln);
		if (ev == DBGCON_LINE)
			assert_non_null(ln);
		else
			assert_null(ln);
	}
	if (line)
		*line = ln;
	return ev;
}

static enum dbgcon_event feed(struct fixture *f, const char *s, const char **line)
{
	return feed_n(f, s, strlen(s), line);
}

/* Feeds s, which must end a line that comes back as want; the caller then reprompts. */
static void run_line(struct fixture *f, const char *s, const char *want)
{
	const char *line;

	assert_int_equal(feed(f, s, &line), DBGCON_LINE);
	assert_string_equal(line, want);
	dbgcon_line_prompt(&f->l);
	cap_clear(&f->cap);
}

/* ---- opening and closing ------------------------------------------------------------------ */

static void test_open_banner(void **state)
{
	struct fixture *f = *state;
	unsigned c;

	assert_false(dbgcon_line_is_open(&f->l));
	for (c = 0; c < 256; c++)
		if (c != DBGCON_BREAK)
			assert_int_equal(dbgcon_line_feed(&f->l, (u8)c, NULL), DBGCON_NONE);
	assert_int_equal(feed(f, "help\r\n\x03\x04", NULL), DBGCON_NONE);
	assert_false(dbgcon_line_is_open(&f->l));
	cap_check(&f->cap, "");

	assert_int_equal(dbgcon_line_feed(&f->l, DBGCON_BREAK, NULL), DBGCON_NONE);
	cap_check(&f->cap, "");
	assert_false(dbgcon_line_is_open(&f->l));
	assert_int_equal(dbgcon_line_feed(&f->l, DBGCON_BREAK, NULL), DBGCON_OPENED);
	assert_true(dbgcon_line_is_open(&f->l));
	cap_check(&f->cap, BANNER DBGCON_PROMPT);

	/* Open, the break byte does nothing. */
	assert_int_equal(feed(f, "\x1d\x1d\x1d", NULL), DBGCON_NONE);
	cap_check(&f->cap, "");
	run_line(f, "\x1dhe\x1dlp\x1d\r", "help");
}

static void test_break_reset(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(feed(f,
			      "\x1d"
			      "a"
			      "\x1d",
			      NULL),
			 DBGCON_NONE);
	assert_false(dbgcon_line_is_open(&f->l));
	assert_int_equal(feed_n(f, "b\x1d\0\x1d", 4, NULL), DBGCON_NONE);
	assert_false(dbgcon_line_is_open(&f->l));
	assert_int_equal(feed(f, "\xff\x1d\xff\x1d\x1b\x1d\r", NULL), DBGCON_NONE);
	assert_false(dbgcon_line_is_open(&f->l));
	cap_check(&f->cap, "");
	/* The last byte was not a break: one more break is only the first of a pair. */
	assert_int_equal(feed(f, "\x1d", NULL), DBGCON_NONE);
	assert_int_equal(feed(f, "\x1d", NULL), DBGCON_OPENED);
	cap_check(&f->cap, BANNER DBGCON_PROMPT);
	/* Three in a row: opened at the second, the third is ignored. */
	dbgcon_line_close(&f->l);
	cap_clear(&f->cap);
	assert_int_equal(feed(f, "x\x1d\x1d", NULL), DBGCON_OPENED);
	assert_int_equal(feed(f, "\x1d", NULL), DBGCON_NONE);
	cap_check(&f->cap, BANNER DBGCON_PROMPT);
}

static void test_ctrl_d(void **state)
{
	struct fixture *f = *state;

	/* With text: ignored. */
	assert_int_equal(feed(f, "ab\x04", NULL), DBGCON_NONE);
	assert_true(dbgcon_line_is_open(&f->l));
	cap_check(&f->cap, "ab");
	run_line(f, "c\x04\r", "abc");
	/* On an empty line: closes. */
	assert_int_equal(feed(f, "\x04", NULL), DBGCON_CLOSED);
	assert_false(dbgcon_line_is_open(&f->l));
	cap_check(&f->cap, "\r\n" CLOSE_MSG);
	/* Closed: nothing typed is seen, Ctrl-D does nothing more. */
	assert_int_equal(feed(f, "help\r\x04", NULL), DBGCON_NONE);
	cap_check(&f->cap, "");
	/* A line emptied by backspace counts as empty. */
	assert_int_equal(feed(f, "\x1d\x1d", NULL), DBGCON_OPENED);
	cap_clear(&f->cap);
	assert_int_equal(feed(f, "x\b\x04", NULL), DBGCON_CLOSED);
	cap_check(&f->cap, "x\b \b\r\n" CLOSE_MSG);
}

static void test_close_reopen(void **state)
{
	struct fixture *f = *state;

	run_line(f, "vp 0\r", "vp 0");
	assert_int_equal(feed(f, "half", NULL), DBGCON_NONE);
	cap_clear(&f->cap);
	dbgcon_line_close(&f->l);
	assert_false(dbgcon_line_is_open(&f->l));
	cap_check(&f->cap, CLOSE_MSG);
	/* Closing or prompting a closed console prints nothing. */
	dbgcon_line_close(&f->l);
	dbgcon_line_prompt(&f->l);
	cap_check(&f->cap, "");

	assert_int_equal(feed(f, "\x1d\x1d", NULL), DBGCON_OPENED);
	cap_check(&f->cap, BANNER DBGCON_PROMPT);
	/* The half-typed line is gone, the history is kept. */
	assert_int_equal(feed(f, "\r", NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT);
	assert_int_equal(feed(f, UP, NULL), DBGCON_NONE);
	cap_check(&f->cap, REDRAW "vp 0");
	run_line(f, "\r", "vp 0");
}

/* ---- editing ------------------------------------------------------------------------------ */

static void test_typing_echo(void **state)
{
	struct fixture *f = *state;
	const char *line;

	assert_int_equal(feed(f, "help", NULL), DBGCON_NONE);
	cap_check(&f->cap, "help");
	assert_int_equal(feed(f, "\r", &line), DBGCON_LINE);
	assert_string_equal(line, "help");
	cap_check(&f->cap, "\r\n");
	dbgcon_line_prompt(&f->l);
	cap_check(&f->cap, DBGCON_PROMPT);
	/* The line was emptied: the next one starts afresh. */
	run_line(f, "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./ Z\r",
		 "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./ Z");
	/* Without a prompt call, the line is empty too, and line may be NULL. */
	assert_int_equal(feed(f, "a\r", NULL), DBGCON_LINE);
	assert_int_equal(dbgcon_line_feed(&f->l, '\n', NULL), DBGCON_NONE); /* after CR */
	assert_int_equal(dbgcon_line_feed(&f->l, 'b', NULL), DBGCON_NONE);
	assert_int_equal(dbgcon_line_feed(&f->l, '\n', &line), DBGCON_LINE);
	assert_string_equal(line, "b");
	cap_check(&f->cap, "a\r\nb\r\n");
}

static void test_backspace(void **state)
{
	struct fixture *f = *state;

	/* At the start of the line: nothing. */
	assert_int_equal(feed(f, "\b\x7f\b", NULL), DBGCON_NONE);
	cap_check(&f->cap, "");
	/* In the middle of typing, both codes. */
	assert_int_equal(feed(f, "abc\b\x7f", NULL), DBGCON_NONE);
	cap_check(&f->cap, "abc\b \b\b \b");
	assert_int_equal(feed(f, "xy\b", NULL), DBGCON_NONE);
	cap_check(&f->cap, "xy\b \b");
	run_line(f, "z\r", "axz");
	/* Erase everything, then some more. */
	assert_int_equal(feed(f, "ab\b\b\b\b", NULL), DBGCON_NONE);
	cap_check(&f->cap, "ab\b \b\b \b");
	assert_int_equal(feed(f, "\r", NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT);
}

static void test_ctrl_u(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(feed(f, "abc\x15", NULL), DBGCON_NONE);
	cap_check(&f->cap, "abc" REDRAW);
	run_line(f, "d\r", "d");
	/* On an empty line it redraws too. */
	assert_int_equal(feed(f, "\x15", NULL), DBGCON_NONE);
	cap_check(&f->cap, REDRAW);
	assert_int_equal(feed(f, "\r", NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT);
}

static void test_ctrl_c(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(feed(f, "abc\x03", NULL), DBGCON_NONE);
	cap_check(&f->cap, "abc^C\r\n" DBGCON_PROMPT);
	assert_int_equal(feed(f, "\r", NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT);
	assert_int_equal(feed(f, "\x03", NULL), DBGCON_NONE);
	cap_check(&f->cap, "^C\r\n" DBGCON_PROMPT);
	assert_true(dbgcon_line_is_open(&f->l));
	run_line(f, "x\r", "x");
}

static void test_enter_variants(void **state)
{
	struct fixture *f = *state;

	run_line(f, "cr\r", "cr");
	run_line(f, "lf\n", "lf");
	/* CR LF: one Enter; the LF prints nothing. */
	run_line(f, "a\r", "a");
	assert_int_equal(feed(f, "\n", NULL), DBGCON_NONE);
	cap_check(&f->cap, "");
	run_line(f, "b\n", "b");
	assert_int_equal(feed(f, "\r", NULL), DBGCON_NONE);
	cap_check(&f->cap, "");
	/* Lines in a row, CR LF and LF CR. */
	run_line(f, "c\r", "c");
	run_line(f, "\nd\r", "d");
	run_line(f, "\ne\n", "e");
	run_line(f, "\rf\n", "f");
	/* CR CR and LF LF are two Enters; CR LF CR is two as well. */
	/* (The NULs keep the first CR or LF from pairing with the one before.) */
	assert_int_equal(feed_n(f, "\0\r\r", 3, NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT "\r\n" DBGCON_PROMPT);
	assert_int_equal(feed_n(f, "\0\n\n", 3, NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT "\r\n" DBGCON_PROMPT);
	assert_int_equal(feed_n(f, "\0\r\n\r", 4, NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT "\r\n" DBGCON_PROMPT);
	/* A byte between the CR and the LF makes the LF an Enter of its own. */
	run_line(f, "g\r", "g");
	run_line(f, "h\n", "h");
	run_line(f, "i\r", "i");
	assert_int_equal(feed_n(f, "\0\n", 2, NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT);
}

static void test_trim_blank(void **state)
{
	struct fixture *f = *state;

	run_line(f, "  \t show  vp\t1 \t \r", "show  vp1"); /* tab is ignored, not typed */
	run_line(f, "   gpa  0x1000   \r", "gpa  0x1000");
	assert_int_equal(feed(f, "    \r", NULL), DBGCON_NONE);
	cap_check(&f->cap, "    \r\n" DBGCON_PROMPT);
	assert_int_equal(feed(f, "\r", NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT);
	assert_int_equal(feed(f, "\t\t\n", NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT);
	/* Blank lines are not remembered. */
	assert_int_equal(feed(f, UP, NULL), DBGCON_NONE);
	cap_check(&f->cap, REDRAW "gpa  0x1000");
}

static void test_overflow(void **state)
{
	struct fixture *f = *state;
	char text[200], want[200];
	const char *line;

	memset(text, 'a', sizeof(text));
	for (int i = 0; i < DBGCON_LINE_MAX; i++)
		text[i] = (char)('0' + i % 10);
	/* Exactly 120: accepted. */
	assert_int_equal(feed_n(f, text, DBGCON_LINE_MAX, NULL), DBGCON_NONE);
	cap_check_n(&f->cap, text, DBGCON_LINE_MAX);
	assert_int_equal(feed(f, "\r", &line), DBGCON_LINE);
	assert_int_equal(strlen(line), DBGCON_LINE_MAX);
	assert_memory_equal(line, text, DBGCON_LINE_MAX);
	cap_check(&f->cap, "\r\n");
	dbgcon_line_prompt(&f->l);
	cap_clear(&f->cap);

	/* 121: the last byte is dropped with one BEL, Enter refuses. */
	assert_int_equal(feed_n(f, "X", 1, NULL), DBGCON_NONE);
	cap_check(&f->cap, "X");
	assert_int_equal(feed_n(f, text, DBGCON_LINE_MAX, NULL), DBGCON_NONE);
	memcpy(want, text, DBGCON_LINE_MAX - 1);
	want[DBGCON_LINE_MAX - 1] = '\a';
	cap_check_n(&f->cap, want, DBGCON_LINE_MAX);
	/* More bytes: dropped, no more BELs. */
	assert_int_equal(feed(f, "zzzzzzzzzz", NULL), DBGCON_NONE);
	cap_check(&f->cap, "");
	assert_int_equal(feed(f, "\r", NULL), DBGCON_NONE);
	cap_check(&f->cap, TOO_LONG DBGCON_PROMPT);

	/* The next line is fine; the refused one is not in the history. */
	run_line(f, "help\r", "help");
	assert_int_equal(feed(f, UP UP, NULL), DBGCON_NONE);
	memcpy(want, REDRAW "help" REDRAW, sizeof(REDRAW "help" REDRAW) - 1);
	memcpy(want + sizeof(REDRAW "help" REDRAW) - 1, text, DBGCON_LINE_MAX);
	cap_check_n(&f->cap, want, sizeof(REDRAW "help" REDRAW) - 1 + DBGCON_LINE_MAX);
	assert_int_equal(feed(f, "\x03", NULL), DBGCON_NONE);
	cap_clear(&f->cap);

	/* Overflowed then shortened: still refused. Ctrl-D does not close it either. */
	assert_int_equal(feed_n(f, text, 125, NULL), DBGCON_NONE);
	assert_int_equal(feed(f, "\b\b\b\x04\r", NULL), DBGCON_NONE);
	assert_true(dbgcon_line_is_open(&f->l));
	assert_int_equal(f->cap.n >= sizeof(TOO_LONG DBGCON_PROMPT) - 1, 1);
	assert_memory_equal(f->cap.buf + f->cap.n - (sizeof(TOO_LONG DBGCON_PROMPT) - 1),
			    TOO_LONG DBGCON_PROMPT, sizeof(TOO_LONG DBGCON_PROMPT) - 1);
	cap_clear(&f->cap);
	/* Overflowed then abandoned with Ctrl-C or Ctrl-U: the next line is fine. */
	assert_int_equal(feed_n(f, text, 130, NULL), DBGCON_NONE);
	assert_int_equal(feed(f, "\x15", NULL), DBGCON_NONE);
	run_line(f, "ok\r", "ok");
	assert_int_equal(feed_n(f, text, 130, NULL), DBGCON_NONE);
	assert_int_equal(feed(f, "\x03", NULL), DBGCON_NONE);
	run_line(f, "ok2\r", "ok2");
}

/* ---- history ------------------------------------------------------------------------------ */

static void test_history_walk(void **state)
{
	struct fixture *f = *state;

	/* No history: the arrows print nothing. */
	assert_int_equal(feed(f, UP DOWN, NULL), DBGCON_NONE);
	cap_check(&f->cap, "");

	run_line(f, "one\r", "one");
	run_line(f, "two\r", "two");
	run_line(f, "three\r", "three");

	assert_int_equal(feed(f, UP, NULL), DBGCON_NONE);
	cap_check(&f->cap, REDRAW "three");
	assert_int_equal(feed(f, UP, NULL), DBGCON_NONE);
	cap_check(&f->cap, REDRAW "two");
	assert_int_equal(feed(f, "\x1bOA", NULL), DBGCON_NONE); /* application cursor mode */
	cap_check(&f->cap, REDRAW "one");
	assert_int_equal(feed(f, UP, NULL), DBGCON_NONE); /* the oldest: stays */
	cap_check(&f->cap, "");
	assert_int_equal(feed(f, DOWN, NULL), DBGCON_NONE);
	cap_check(&f->cap, REDRAW "two");
	assert_int_equal(feed(f, "\x1bOB", NULL), DBGCON_NONE);
	cap_check(&f->cap, REDRAW "three");
	assert_int_equal(feed(f, DOWN, NULL), DBGCON_NONE); /* past the newest: empty */
	cap_check(&f->cap, REDRAW);
	assert_int_equal(feed(f, DOWN, NULL), DBGCON_NONE);
	cap_check(&f->cap, "");
	assert_int_equal(feed(f, "\r", NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT);

	/* Recall and run; recall, edit (a copy) and run. */
	assert_int_equal(feed(f, UP UP, NULL), DBGCON_NONE);
	cap_clear(&f->cap);
	run_line(f, "\r", "two");
	assert_int_equal(feed(f, UP UP, NULL), DBGCON_NONE);
	cap_check(&f->cap, REDRAW "two" REDRAW "three");
	assert_int_equal(feed(f, "\bX", NULL), DBGCON_NONE);
	cap_check(&f->cap, "\b \bX");
	run_line(f, "\r", "threX");
	assert_int_equal(feed(f, UP UP UP UP, NULL), DBGCON_NONE);
	cap_check(&f->cap, REDRAW "threX" REDRAW "two" REDRAW "three" REDRAW "two");

	/* Typed text is replaced by a recalled line; Ctrl-C ends the walk. */
	assert_int_equal(feed(f,
			      "\x03"
			      "abc" UP,
			      NULL),
			 DBGCON_NONE);
	cap_check(&f->cap, "^C\r\n" DBGCON_PROMPT "abc" REDRAW "threX");
	assert_int_equal(feed(f, "\x15" UP, NULL), DBGCON_NONE);
	cap_check(&f->cap, REDRAW REDRAW "threX");
	run_line(f, "\r", "threX");
}

static void test_history_limit_dup(void **state)
{
	struct fixture *f = *state;
	char cmd[32], want[64];
	int i;

	for (i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "cmd%d\r", i);
		snprintf(want, sizeof(want), "cmd%d", i);
		run_line(f, cmd, want);
	}
	for (i = 19; i >= 20 - DBGCON_HISTORY; i--) {
		assert_int_equal(feed(f, UP, NULL), DBGCON_NONE);
		snprintf(want, sizeof(want), REDRAW "cmd%d", i);
		cap_check_n(&f->cap, want, strlen(want));
	}
	assert_int_equal(feed(f, UP, NULL), DBGCON_NONE); /* cmd3 was forgotten */
	cap_check(&f->cap, "");
	for (i = 21 - DBGCON_HISTORY; i < 20; i++) {
		assert_int_equal(feed(f, DOWN, NULL), DBGCON_NONE);
		snprintf(want, sizeof(want), REDRAW "cmd%d", i);
		cap_check_n(&f->cap, want, strlen(want));
	}
	assert_int_equal(feed(f, DOWN "\x15", NULL), DBGCON_NONE);
	cap_clear(&f->cap);

	/* Duplicates of the newest entry (after trimming) are not stored again. */
	for (i = 0; i < DBGCON_HISTORY; i++)
		run_line(f, "a\r", "a");
	run_line(f, " a \r", "a");
	run_line(f, "b\r", "b");
	run_line(f, "a\r", "a");
	assert_int_equal(feed(f, UP UP UP UP, NULL), DBGCON_NONE);
	cap_check(&f->cap, REDRAW "a" REDRAW "b" REDRAW "a" REDRAW "cmd19");
}

/* ---- escape sequences and noise ----------------------------------------------------------- */

static void test_escapes_swallowed(void **state)
{
	struct fixture *f = *state;

	run_line(f, "hist\r", "hist");
	/* Arrows left/right, Delete, Home/End, Ctrl-arrow, F1, F5, bracketed paste, a long one. */
	assert_int_equal(feed(f, "o\x1b[C\x1b[D\x1b[3~\x1b[H\x1b[F\x1b[1;5C\x1bOP\x1b[15~k", NULL),
			 DBGCON_NONE);
	assert_int_equal(feed(f, "\x1b[200~\x1b[201~\x1b[?25l\x1b[ q", NULL), DBGCON_NONE);
	assert_int_equal(feed(f,
			      "\x1b[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20;21;22;"
			      "23;24;25;26;27;28;29;30;31;32;33;34;35;36;37;38;39;40;41;42;43;"
			      "44;45;46;47;48;49;50;51;52;53;54;55;56;57;58;59;60;61;62;63;64;"
			      "65;66;67;68;69;70;71;72;73;74;75;76;77;78;79;80;81;82;83;84;85;"
			      "86;87;88;89;90;91;92;93;94;95;96;97;98;99;100;101;102;103;104;"
			      "105;106;107;108;109;110;111;112;113;114;115;116;117;118;119;120;"
			      "121;122;123;124;125;126;127;128;129;130;131;132;133;134;135;136;"
			      "137;138;139;140;141;142;143;144;145;146;147;148;149;150m",
			      NULL),
			 DBGCON_NONE);
	cap_check(&f->cap, "ok");
	run_line(f, "\r", "ok");

	/* Unterminated, then Enter: the sequence ends, the Enter counts. */
	assert_int_equal(feed(f, "\x1b[12;", NULL), DBGCON_NONE);
	assert_int_equal(feed(f, "\r", NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT);
	run_line(f, "x\x1b[1;3\r", "x");
	/* Unterminated, then text: the first letter is its final byte, the rest is typed. */
	run_line(f,
		 "\x1b[12"
		 "xhelp\r",
		 "help");
	/* Unterminated, then a control or a high byte: sequence over, the byte handled. */
	run_line(f,
		 "ab\x1b[5\x7f"
		 "c\r",
		 "ac");
	run_line(f,
		 "d\x1b[5\x80"
		 "e\r",
		 "de");
	/* ESC O then CR: the same. */
	assert_int_equal(feed(f, "\x1bO\r", NULL), DBGCON_NONE);
	cap_check(&f->cap, "\r\n" DBGCON_PROMPT);
}

static void test_lone_escape(void **state)
{
	struct fixture *f = *state;

	/* A lone ESC is dropped, the next byte handled normally. */
	assert_int_equal(feed(f,
			      "\x1bq\x1b"
			      "1",
			      NULL),
			 DBGCON_NONE);
	cap_check(&f->cap, "q1");
	assert_int_equal(feed(f, "\x1b\b", NULL), DBGCON_NONE);
	cap_check(&f->cap, "\b \b");
	run_line(f, "\x1b\r", "q");
	/* ESC ESC [ A: the first ESC is dropped, the rest is the arrow. */
	assert_int_equal(feed(f, "\x1b\x1b[A", NULL), DBGCON_NONE);
	cap_check(&f->cap, REDRAW "q");
	/* ESC O + final byte: swallowed; ESC O + printable non-final: typed. */
	assert_int_equal(feed(f, "\x1bOx\x1bO1", NULL), DBGCON_NONE);
	cap_check(&f->cap, "1");
	run_line(f, "\r", "q1");
	/* ESC then Ctrl-D on an empty line: closes. */
	assert_int_equal(feed(f, "\x1b\x04", NULL), DBGCON_CLOSED);
}

static void test_ignored_bytes(void **state)
{
	struct fixture *f = *state;
	unsigned c;

	assert_int_equal(feed(f, "ab", NULL), DBGCON_NONE);
	cap_clear(&f->cap);
	for (c = 0; c < 256; c++) {
		if ((c >= 0x20 && c <= 0x7e) || c == 0x03 || c == 0x04 || c == 0x08 || c == 0x0a ||
		    c == 0x0d || c == 0x15 || c == 0x1b || c == 0x7f)
			continue;
		assert_int_equal(dbgcon_line_feed(&f->l, (u8)c, NULL), DBGCON_NONE);
	}
	cap_check(&f->cap, "");
	assert_true(dbgcon_line_is_open(&f->l));
	run_line(f, "c\r", "abc");
	/* Ctrl-D with text is ignored: nothing printed. */
	assert_int_equal(feed(f, "z\x04", NULL), DBGCON_NONE);
	cap_check(&f->cap, "z");
}

/* ---- fuzz --------------------------------------------------------------------------------- */

static unsigned long long rng_state;

static unsigned rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * 2685821657736338717ULL) >> 32);
}

static unsigned long long fuzz_seed(void)
{
	const char *env = getenv("DBGCON_SEED");
	unsigned long long seed;

	seed = env ? strtoull(env, NULL, 0) : (unsigned long long)time(NULL) * 2654435761ULL;
	if (!seed)
		seed = 1;
	printf("dbgcon fuzz seed: %llu (DBGCON_SEED=%llu replays it)\n", seed, seed);
	fflush(stdout);
	return seed;
}

/* A noisy byte: half uniformly random, half from the bytes the editor reacts to. */
static u8 noise_byte(bool allow_ctrl_d)
{
	static const char interesting[] = "\x1b\x1b\x1b[[[OABAB~;0123\r\n\b\x7f\x15\x03\x04\x1d"
					  " \tabcxyz";
	u8 c;

	do {
		if (rnd() & 1)
			c = (u8)rnd();
		else
			c = (u8)interesting[rnd() % (sizeof(interesting) - 1)];
	} while (!allow_ctrl_d && c == 0x04);
	return c;
}

/* Feeds one byte and checks the invariants; returns the event. */
static enum dbgcon_event fuzz_feed(struct fixture *f, u8 c, const char **line)
{
	enum dbgcon_event ev;
	const char *ln;
	size_t len, i;

	cap_clear(&f->cap);
	ev = dbgcon_line_feed(&f->l, c, &ln);
	assert_true(f->cap.n <= DBGCON_OUT_MAX);
	assert_true(f->l.len <= DBGCON_LINE_MAX);
	assert_int_equal(strlen(f->l.buf), f->l.len);
	assert_true(ev >= DBGCON_NONE && ev <= DBGCON_CLOSED);
	if (ev == DBGCON_LINE) {
		assert_non_null(ln);
		len = strlen(ln);
		assert_true(len >= 1 && len <= DBGCON_LINE_MAX);
		assert_true(ln[0] != ' ' && ln[len - 1] != ' ');
		for (i = 0; i < len; i++)
			assert_true(ln[i] >= 0x20 && ln[i] <= 0x7e);
	} else {
		assert_null(ln);
	}
	if (ev == DBGCON_CLOSED)
		assert_false(dbgcon_line_is_open(&f->l));
	if (ev == DBGCON_OPENED || ev == DBGCON_LINE)
		assert_true(dbgcon_line_is_open(&f->l));
	if (line)
		*line = ln;
	return ev;
}

static void test_fuzz_random(void **state)
{
	struct fixture *f = *state;
	unsigned long i, lines = 0, opens = 0, closes = 0;
	enum dbgcon_event ev;
	char *argv[DBGCON_ARGS_MAX];
	char copy[DBGCON_LINE_MAX + 1];
	const char *line;
	u64 v;

	rng_state = fuzz_seed();
	for (i = 0; i < 1000000; i++) {
		ev = fuzz_feed(f, noise_byte(true), &line);
		switch (ev) {
		case DBGCON_LINE:
			lines++;
			/* What a caller does with it. */
			strcpy(copy, line);
			if (dbgcon_split(copy, argv, DBGCON_ARGS_MAX) > 0)
				(void)dbgcon_parse_u64(argv[0], &v, rnd() & 1);
			if (rnd() % 4)
				dbgcon_line_prompt(&f->l);
			else if (rnd() % 8 == 0)
				dbgcon_line_close(&f->l);
			break;
		case DBGCON_OPENED:
			opens++;
			break;
		case DBGCON_CLOSED:
			closes++;
			break;
		default:
			break;
		}
		if (!dbgcon_line_is_open(&f->l) && rnd() % 16 == 0) {
			if (fuzz_feed(f, DBGCON_BREAK, NULL) == DBGCON_OPENED)
				opens++;
			if (!dbgcon_line_is_open(&f->l)) {
				assert_int_equal(fuzz_feed(f, DBGCON_BREAK, NULL), DBGCON_OPENED);
				opens++;
			}
		}
	}
	printf("dbgcon fuzz: %lu lines, %lu opens, %lu closes\n", lines, opens, closes);
	assert_true(lines > 0 && opens > 0 && closes > 0);
}

/* Whatever noise came before, "\r" then "help\r" gets "help" through. */
static void test_fuzz_recovers(void **state)
{
	struct fixture *f = *state;
	const char *line = NULL;
	unsigned round, n, i;

	rng_state = fuzz_seed() ^ 0x9e3779b97f4a7c15ULL;
	for (round = 0; round < 2000; round++) {
		fuzz_feed(f, DBGCON_BREAK, NULL);
		fuzz_feed(f, DBGCON_BREAK, NULL);
		assert_true(dbgcon_line_is_open(&f->l));
		n = rnd() % 600;
		for (i = 0; i < n; i++) {
			if (fuzz_feed(f, noise_byte(false), NULL) == DBGCON_LINE && rnd() % 2)
				dbgcon_line_prompt(&f->l);
			assert_true(dbgcon_line_is_open(&f->l));
		}
		fuzz_feed(f, '\r', NULL);
		for (i = 0; i < 5; i++)
			assert_int_equal(fuzz_feed(f, (u8) "help\r"[i], &line),
					 i < 4 ? DBGCON_NONE : DBGCON_LINE);
		assert_string_equal(line, "help");
		dbgcon_line_prompt(&f->l);
		if (rnd() % 4 == 0)
			dbgcon_line_close(&f->l);
	}
}

/* ---- dbgcon_split ------------------------------------------------------------------------- */

static void test_split(void **state)
{
	char *argv[DBGCON_ARGS_MAX + 1];
	char buf[128];
	int i;

	strcpy(buf, "gpa 0x1000 view");
	assert_int_equal(dbgcon_split(buf, argv, DBGCON_ARGS_MAX), 3);
	assert_string_equal(argv[0], "gpa");
	assert_string_equal(argv[1], "0x1000");
	assert_string_equal(argv[2], "view");

	strcpy(buf, " \t a\t\tbb   c \t");
	assert_int_equal(dbgcon_split(buf, argv, DBGCON_ARGS_MAX), 3);
	assert_string_equal(argv[0], "a");
	assert_string_equal(argv[1], "bb");
	assert_string_equal(argv[2], "c");
	assert_ptr_equal(argv[0], buf + 3);

	strcpy(buf, "");
	assert_int_equal(dbgcon_split(buf, argv, DBGCON_ARGS_MAX), 0);
	strcpy(buf, " \t  ");
	assert_int_equal(dbgcon_split(buf, argv, DBGCON_ARGS_MAX), 0);
	strcpy(buf, "one");
	assert_int_equal(dbgcon_split(buf, argv, 1), 1);
	assert_string_equal(argv[0], "one");

	/* Exactly max words, then one more; argv[max] is never written. */
	strcpy(buf, "1 2 3 4 5 6 7 8");
	argv[DBGCON_ARGS_MAX] = (char *)0x1234;
	assert_int_equal(dbgcon_split(buf, argv, DBGCON_ARGS_MAX), DBGCON_ARGS_MAX);
	for (i = 0; i < DBGCON_ARGS_MAX; i++) {
		assert_int_equal(argv[i][0], '1' + i);
		assert_int_equal(argv[i][1], '\0');
	}
	assert_ptr_equal(argv[DBGCON_ARGS_MAX], (char *)0x1234);
	strcpy(buf, "1 2 3 4 5 6 7 8   ");
	assert_int_equal(dbgcon_split(buf, argv, DBGCON_ARGS_MAX), DBGCON_ARGS_MAX);
	strcpy(buf, "1 2 3 4 5 6 7 8 9");
	assert_int_equal(dbgcon_split(buf, argv, DBGCON_ARGS_MAX), -1);
	assert_ptr_equal(argv[DBGCON_ARGS_MAX], (char *)0x1234);
	strcpy(buf, "a b");
	assert_int_equal(dbgcon_split(buf, argv, 1), -1);
	strcpy(buf, "a");
	assert_int_equal(dbgcon_split(buf, argv, 0), -1);
	strcpy(buf, "  ");
	assert_int_equal(dbgcon_split(buf, argv, 0), 0);
}

/* ---- dbgcon_parse_u64 --------------------------------------------------------------------- */

static void expect_u64(const char *s, bool size, u64 want)
{
	u64 v = 0xdeadbeef;

	if (dbgcon_parse_u64(s, &v, size) != 0) {
		print_error("\"%s\" (size %d) did not parse\n", s, size);
		fail();
	}
	assert_int_equal(v, want);
}

static void expect_err(const char *s, bool size, int err)
{
	u64 v = 0xdeadbeef;

	assert_int_equal(dbgcon_parse_u64(s, &v, size), err);
	assert_int_equal(v, 0xdeadbeef);
}

static void test_parse_u64(void **state)
{
	int size;

	for (size = 0; size < 2; size++) {
		expect_u64("0", size, 0);
		expect_u64("007", size, 7);
		expect_u64("123456789", size, 123456789);
		expect_u64("18446744073709551615", size, ~0ULL);
		expect_u64("0x0", size, 0);
		expect_u64("0x10", size, 16);
		expect_u64("0XfF", size, 255);
		expect_u64("0xFFFFFFFFFFFFFFFF", size, ~0ULL);
		expect_u64("0x00000000000000000001", size, 1);
		expect_err("18446744073709551616", size, -ERANGE);
		expect_err("99999999999999999999999", size, -ERANGE);
		expect_err("0x10000000000000000", size, -ERANGE);
		expect_err("", size, -EINVAL);
		expect_err("0x", size, -EINVAL);
		expect_err("x10", size, -EINVAL);
		expect_err("-1", size, -EINVAL);
		expect_err("+1", size, -EINVAL);
		expect_err(" 1", size, -EINVAL);
		expect_err("1 ", size, -EINVAL);
		expect_err("12abc", size, -EINVAL);
		expect_err("0x12g4", size, -EINVAL);
		expect_err("1.5", size, -EINVAL);
		expect_err("16T", size, -EINVAL);
		expect_err("K", size, -EINVAL);
		expect_err("0xK", size, -EINVAL);
		expect_err("1KK", size, -EINVAL);
		expect_err(NULL, size, -EINVAL);
	}
	/* Suffixes only with allow_size. */
	expect_u64("4k", true, 4096);
	expect_u64("4K", true, 4096);
	expect_u64("16M", true, 16ULL << 20);
	expect_u64("16m", true, 16ULL << 20);
	expect_u64("1G", true, 1ULL << 30);
	expect_u64("3g", true, 3ULL << 30);
	expect_u64("0x10K", true, 16384);
	expect_u64("0K", true, 0);
	expect_u64("17179869183G", true, 17179869183ULL << 30);
	expect_err("17179869184G", true, -ERANGE);
	expect_u64("0xFFFFFFFFFFFM", true, 0xFFFFFFFFFFFULL << 20);
	expect_err("0x100000000000M", true, -ERANGE);
	expect_err("4K", false, -EINVAL);
	expect_err("16M", false, -EINVAL);
	expect_err("1G", false, -EINVAL);
	expect_err("1 K", true, -EINVAL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_open, teardown)
#define TC(fn) cmocka_unit_test_setup_teardown(fn, setup_closed, teardown)
	const struct CMUnitTest tests[] = {
		TC(test_open_banner),
		TC(test_break_reset),
		T(test_ctrl_d),
		T(test_close_reopen),
		T(test_typing_echo),
		T(test_backspace),
		T(test_ctrl_u),
		T(test_ctrl_c),
		T(test_enter_variants),
		T(test_trim_blank),
		T(test_overflow),
		T(test_history_walk),
		T(test_history_limit_dup),
		T(test_escapes_swallowed),
		T(test_lone_escape),
		T(test_ignored_bytes),
		TC(test_fuzz_random),
		TC(test_fuzz_recovers),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_parse_u64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
