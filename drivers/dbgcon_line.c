// SPDX-License-Identifier: MIT
/*
 * The debug console's line discipline: break detection, line editing, history, escape
 * sequences, and the splitter/number parser the commands share. See drivers/dbgcon_line.h
 * for the byte-by-byte rules.
 */
#include "drivers/dbgcon_line.h"

#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/string.h"

#define CH_CTRL_C 0x03
#define CH_CTRL_D 0x04
#define CH_BEL 0x07
#define CH_BS 0x08
#define CH_LF 0x0a
#define CH_CR 0x0d
#define CH_CTRL_U 0x15
#define CH_ESC 0x1b
#define CH_DEL 0x7f

/* Escape-sequence states (struct dbgcon_line.esc). */
enum {
	ESC_NONE,
	ESC_SEEN, /* ESC */
	ESC_CSI,  /* ESC [, then parameter/intermediate bytes */
	ESC_SS3,  /* ESC O: one more byte */
};

static const char banner[] =
	"\r\nvtlvisor debug console: 'help' lists the commands, 'exit' leaves; guests keep running\r\n";
static const char closed_msg[] = "console closed; Ctrl-] Ctrl-] opens it again\r\n";
static const char too_long_msg[] = "\r\nerror: line too long (max 120 characters)\r\n";
static const char redraw[] = "\r\x1b[K";

STATIC_ASSERT(DBGCON_LINE_MAX == 120, "too_long_msg spells out the limit");
STATIC_ASSERT(DBGCON_LINE_MAX <= 255, "len is a u8");
STATIC_ASSERT(DBGCON_HISTORY <= 127, "hist_pos is an s8");
STATIC_ASSERT(sizeof(banner) - 1 + sizeof(DBGCON_PROMPT) - 1 <= DBGCON_OUT_MAX, "banner");
STATIC_ASSERT(sizeof(redraw) - 1 + sizeof(DBGCON_PROMPT) - 1 + DBGCON_LINE_MAX <= DBGCON_OUT_MAX,
	      "history redraw");
STATIC_ASSERT(sizeof(too_long_msg) - 1 + sizeof(DBGCON_PROMPT) - 1 <= DBGCON_OUT_MAX, "too long");
STATIC_ASSERT(2 + sizeof(closed_msg) - 1 <= DBGCON_OUT_MAX, "close");

static void put(struct dbgcon_line *l, const char *s, size_t n)
{
	if (n)
		l->out(s, n, l->ctx);
}

static void puts_lit(struct dbgcon_line *l, const char *s)
{
	put(l, s, strlen(s));
}

static void put_prompt(struct dbgcon_line *l)
{
	put(l, DBGCON_PROMPT, sizeof(DBGCON_PROMPT) - 1);
}

/* Forgets the line being edited (not the history). */
static void reset_line(struct dbgcon_line *l)
{
	l->len = 0;
	l->buf[0] = '\0';
	l->overflow = false;
	l->esc = ESC_NONE;
	l->hist_pos = -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

void dbgcon_line_init(struct dbgcon_line *l, dbgcon_out_fn out, void *ctx)
{
	memset(l, 0, sizeof(*l));
	l->out = out;
	l->ctx = ctx;
	reset_line(l);
}

bool dbgcon_line_is_open(const struct dbgcon_line *l)
{
	return l->open;
}

void dbgcon_line_prompt(struct dbgcon_line *l)
{
	if (!l->open)
		return;
	reset_line(l);
	put_prompt(l);
}

void dbgcon_line_close(struct dbgcon_line *l)
{
	if (!l->open)
		return;
	reset_line(l);
	l->open = false;
	l->breaks = 0;
	l->prev_eol = 0;
	puts_lit(l, closed_msg);
}

/* History entry i steps back from the newest (0 = newest); i < hist_count. */
static const char *hist_entry(const struct dbgcon_line *l, unsigned i)
{
	return l->hist[(l->hist_head + DBGCON_HISTORY - 1 - i) % DBGCON_HISTORY];
}

static void hist_add(struct dbgcon_line *l, const char *s)
{
	if (l->hist_count && !strcmp(hist_entry(l, 0), s))
		return;
	strlcpy(l->hist[l->hist_head], s, sizeof(l->hist[0]));
	l->hist_head = (u8)((l->hist_head + 1) % DBGCON_HISTORY);
	if (l->hist_count < DBGCON_HISTORY)
		l->hist_count++;
}

/* Shows history entry pos (-1: an empty line) as the line being edited. */
static void hist_show(struct dbgcon_line *l, int pos)
{
	l->hist_pos = (s8)pos;
	l->overflow = false;
	if (pos < 0) {
		l->len = 0;
		l->buf[0] = '\0';
	} else {
		l->len = (u8)strlcpy(l->buf, hist_entry(l, (unsigned)pos), sizeof(l->buf));
	}
	puts_lit(l, redraw);
	put_prompt(l);
	put(l, l->buf, l->len);
}

static void hist_older(struct dbgcon_line *l)
{
	if (l->hist_pos + 1 < l->hist_count)
		hist_show(l, l->hist_pos + 1);
}

static void hist_newer(struct dbgcon_line *l)
{
	if (l->hist_pos >= 0)
		hist_show(l, l->hist_pos - 1);
}

/* Enter: returns DBGCON_LINE with the trimmed line in l->cmd, or DBGCON_NONE. */
static enum dbgcon_event enter(struct dbgcon_line *l, const char **line)
{
	size_t start = 0, end = l->len;

	if (l->overflow) {
		puts_lit(l, too_long_msg);
		dbgcon_line_prompt(l);
		return DBGCON_NONE;
	}
	while (start < end && is_blank(l->buf[start]))
		start++;
	while (end > start && is_blank(l->buf[end - 1]))
		end--;
	puts_lit(l, "\r\n");
	if (start == end) {
		dbgcon_line_prompt(l);
		return DBGCON_NONE;
	}
	memcpy(l->cmd, l->buf + start, end - start);
	l->cmd[end - start] = '\0';
	hist_add(l, l->cmd);
	reset_line(l);
	*line = l->cmd;
	return DBGCON_LINE;
}

static void append(struct dbgcon_line *l, char c)
{
	if (l->len >= DBGCON_LINE_MAX) {
		if (!l->overflow)
			put(l, "\a", 1);
		l->overflow = true;
		return;
	}
	l->buf[l->len++] = c;
	l->buf[l->len] = '\0';
	put(l, &c, 1);
}

/*
 * Runs c through the escape-sequence state machine. Returns true if c was consumed by it,
 * false if c is to be handled as an ordinary byte (the sequence, if any, is then over).
 */
static bool escape(struct dbgcon_line *l, u8 c)
{
	switch (l->esc) {
	case ESC_SEEN:
		l->esc = ESC_NONE;
		if (c == '[') {
			l->esc = ESC_CSI;
			return true;
		}
		if (c == 'O') {
			l->esc = ESC_SS3;
			return true;
		}
		return false;
	case ESC_CSI:
		if (c >= 0x20 && c <= 0x3f) /* parameter and intermediate bytes */
			return true;
		l->esc = ESC_NONE;
		if (c < 0x40 || c > 0x7e) /* not a final byte: the sequence is broken */
			return false;
		break;
	case ESC_SS3:
		l->esc = ESC_NONE;
		if (c < 0x40 || c > 0x7e)
			return false;
		break;
	default:
		return false;
	}
	/* A final byte (CSI or SS3): only the arrow keys up and down mean anything. */
	if (c == 'A')
		hist_older(l);
	else if (c == 'B')
		hist_newer(l);
	return true;
}

static enum dbgcon_event feed_open(struct dbgcon_line *l, u8 c, const char **line)
{
	u8 prev_eol = l->prev_eol;

	if (c == DBGCON_BREAK)
		return DBGCON_NONE;
	l->prev_eol = 0;
	if (l->esc != ESC_NONE && escape(l, c))
		return DBGCON_NONE;

	switch (c) {
	case CH_CR:
	case CH_LF:
		if (prev_eol && prev_eol != c) /* the second half of CR LF or LF CR */
			return DBGCON_NONE;
		l->prev_eol = c;
		return enter(l, line);
	case CH_BS:
	case CH_DEL:
		if (l->len) {
			l->buf[--l->len] = '\0';
			puts_lit(l, "\b \b");
		}
		return DBGCON_NONE;
	case CH_CTRL_U:
		reset_line(l);
		puts_lit(l, redraw);
		put_prompt(l);
		return DBGCON_NONE;
	case CH_CTRL_C:
		reset_line(l);
		puts_lit(l, "^C\r\n");
		put_prompt(l);
		return DBGCON_NONE;
	case CH_CTRL_D:
		if (l->len || l->overflow)
			return DBGCON_NONE;
		puts_lit(l, "\r\n");
		dbgcon_line_close(l);
		return DBGCON_CLOSED;
	case CH_ESC:
		l->esc = ESC_SEEN;
		return DBGCON_NONE;
	default:
		if (c >= 0x20 && c <= 0x7e)
			append(l, (char)c);
		return DBGCON_NONE;
	}
}

enum dbgcon_event dbgcon_line_feed(struct dbgcon_line *l, u8 c, const char **line)
{
	const char *dummy;

	if (!line)
		line = &dummy;
	*line = NULL;
	if (l->open)
		return feed_open(l, c, line);

	if (c != DBGCON_BREAK) {
		l->breaks = 0;
		return DBGCON_NONE;
	}
	if (++l->breaks < 2)
		return DBGCON_NONE;
	l->breaks = 0;
	l->open = true;
	l->prev_eol = 0;
	reset_line(l);
	puts_lit(l, banner);
	put_prompt(l);
	return DBGCON_OPENED;
}

int dbgcon_split(char *line, char **argv, int max)
{
	int n = 0;

	while (*line) {
		while (is_blank(*line))
			*line++ = '\0';
		if (!*line)
			break;
		if (n >= max)
			return -1;
		argv[n++] = line;
		while (*line && !is_blank(*line))
			line++;
	}
	return n;
}

int dbgcon_parse_u64(const char *s, u64 *out, bool allow_size)
{
	if (!s)
		return -EINVAL;
	return allow_size ? str_to_size(s, out) : str_to_u64(s, out);
}
