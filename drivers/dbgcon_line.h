/* SPDX-License-Identifier: MIT */
/*
 * The serial debug console's line discipline (DESIGN.md section 7): the break sequence that
 * opens it, a line editor with echo and history, and the word splitter and number parser
 * the commands use. Pure C over lib/ only: no ports, no locks, no globals. The caller feeds
 * the bytes its UART received and runs the command lines it gets back (arch/x86/dbgcon*.c).
 *
 * Closed: every byte is ignored, except that DBGCON_BREAK twice in a row (nothing between)
 * opens the console: the banner and the prompt are printed, the feed returns DBGCON_OPENED.
 *
 * Open:
 *   0x20-0x7e        appended and echoed, up to DBGCON_LINE_MAX; past that the byte is
 *                    dropped, a BEL is echoed (once per line) and Enter refuses the line
 *                    ("error: line too long ..."), even if it was shortened meanwhile.
 *   0x08, 0x7f       erase the last character ("\b \b"); nothing on an empty line.
 *   Ctrl-U (0x15)    erase the line: "\r\x1b[K" + prompt.
 *   Ctrl-C (0x03)    abandon the line: "^C\r\n" + prompt.
 *   CR, LF           Enter (CR LF and LF CR count once). A blank line echoes "\r\n" + prompt;
 *                    otherwise "\r\n" is echoed, the line is trimmed, remembered in the history
 *                    (unless equal to the newest entry) and returned with DBGCON_LINE.
 *   ESC [ A, ESC O A history: older; ESC [ B, ESC O B: newer, and past the newest an empty
 *                    line. Each step redraws "\r\x1b[K" + prompt + text; a step that cannot
 *                    move prints nothing. Editing a recalled line edits a copy.
 *   ESC [ ...        any other CSI sequence (parameter/intermediate bytes 0x20-0x3f, final
 *                    byte 0x40-0x7e) is swallowed whole, however long. A byte outside
 *                    0x20-0x7e inside it ends the sequence and is then handled normally (so
 *                    Enter always works). ESC O takes one more byte the same way.
 *   ESC x            a lone ESC is dropped; x (not '[' or 'O') is handled normally.
 *   Ctrl-D (0x04)    on an empty line: "\r\n" + the close message, DBGCON_CLOSED; otherwise
 *                    ignored.
 *   anything else    (other controls, DBGCON_BREAK, NUL, bytes >= 0x80) ignored.
 *
 * All output goes through the out() callback, at most DBGCON_OUT_MAX bytes per fed byte.
 * Not thread-safe: one owner feeds it (the CPU that polls the console UART).
 */
#ifndef DRIVERS_DBGCON_LINE_H
#define DRIVERS_DBGCON_LINE_H

#include "lib/types.h"

#define DBGCON_LINE_MAX 120 /* characters in one command line */
#define DBGCON_HISTORY 16   /* remembered commands */
#define DBGCON_ARGS_MAX 8
#define DBGCON_BREAK 0x1d /* Ctrl-]: pressed twice in a row opens the console */
#define DBGCON_PROMPT "vtl> "
/* Upper bound on the bytes one dbgcon_line_feed() call writes (the banner is the longest). */
#define DBGCON_OUT_MAX 256

typedef void (*dbgcon_out_fn)(const char *s, size_t n, void *ctx);

enum dbgcon_event {
	DBGCON_NONE,   /* nothing for the caller to do */
	DBGCON_OPENED, /* the break sequence was seen: banner and prompt are printed */
	DBGCON_LINE,   /* a command line is ready: *line points at it (NUL-terminated, trimmed) */
	DBGCON_CLOSED, /* Ctrl-D on an empty line (the caller may also call dbgcon_line_close) */
};

/* All state of one console; fields are private to drivers/dbgcon_line.c. */
struct dbgcon_line {
	dbgcon_out_fn out;
	void *ctx;
	bool open;
	u8 breaks;     /* closed: consecutive DBGCON_BREAK bytes seen */
	bool overflow; /* open: a byte of this line was dropped (BEL already sent) */
	u8 esc;	       /* escape-sequence state (enum in the .c file) */
	u8 prev_eol;   /* the CR or LF that ended the last line, to pair CR LF / LF CR */
	u8 len;	       /* characters in buf */
	char buf[DBGCON_LINE_MAX + 1]; /* the line being edited */
	char cmd[DBGCON_LINE_MAX + 1]; /* the last line returned with DBGCON_LINE */
	char hist[DBGCON_HISTORY][DBGCON_LINE_MAX + 1]; /* ring, newest at hist_head - 1 */
	u8 hist_head;					/* next slot to write */
	u8 hist_count;					/* valid entries, <= DBGCON_HISTORY */
	s8 hist_pos; /* entry shown (0 = newest), or -1 when not browsing */
};

/* Starts closed, with an empty history. out must not be NULL. */
void dbgcon_line_init(struct dbgcon_line *l, dbgcon_out_fn out, void *ctx);
bool dbgcon_line_is_open(const struct dbgcon_line *l);
/*
 * Feeds one received byte. On DBGCON_LINE, *line points at an internal buffer (trimmed,
 * NUL-terminated, at most DBGCON_LINE_MAX characters) that the caller may modify (e.g. with
 * dbgcon_split) and that stays valid until the next feed; otherwise *line is set to NULL.
 * line may be NULL if the caller does not want it.
 */
enum dbgcon_event dbgcon_line_feed(struct dbgcon_line *l, u8 c, const char **line);
/* After the caller ran a command: prints the prompt again and empties the line. No-op closed. */
void dbgcon_line_prompt(struct dbgcon_line *l);
/*
 * Leaves the console: prints "console closed; Ctrl-] Ctrl-] opens it again\r\n" and forgets
 * the line being edited (the history stays). No-op if already closed.
 */
void dbgcon_line_close(struct dbgcon_line *l);
/*
 * Splits line in place into words separated by spaces and tabs: argv[0..count-1] point into
 * line, each word NUL-terminated. Returns the count (0 for a blank line), or -1 if there were
 * more than max words (argv then holds the first max). Never writes argv[max] or beyond.
 */
int dbgcon_split(char *line, char **argv, int max);
/*
 * Parses a whole string as a number: decimal or "0x" hex (lib/string.h str_to_u64); with
 * allow_size, an optional final K, M or G (either case) multiplies by 2^10, 2^20, 2^30.
 * Returns 0 and stores *out, or -EINVAL (empty, junk, NULL) / -ERANGE (more than 64 bits);
 * *out is written only on success.
 */
int dbgcon_parse_u64(const char *s, u64 *out, bool allow_size);

#endif
