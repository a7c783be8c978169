// SPDX-License-Identifier: MIT
/*
 * vsnprintf/snprintf (see lib/printf.h for what is supported). The output is produced one
 * character at a time into a bounded buffer that keeps counting past its end, which gives
 * the C99 return value for free.
 */
#include "lib/printf.h"

#define FL_LEFT BIT(0)	/* '-' */
#define FL_ZERO BIT(1)	/* '0' */
#define FL_PLUS BIT(2)	/* '+' */
#define FL_SPACE BIT(3) /* ' ' */
#define FL_ALT BIT(4)	/* '#' */

/* Widths and precisions saturate here (and INT_MIN cannot be negated). */
#define PF_MAX_FIELD 100000000

enum pf_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

struct pf_out {
	char *buf;
	size_t cap; /* bytes of buf usable for characters (n - 1) */
	size_t pos; /* characters produced so far, written or not */
};

struct pf_spec {
	unsigned flags;
	int width;
	int prec; /* -1: none */
	enum pf_len len;
};

static void out_char(struct pf_out *o, char c)
{
	if (o->pos < o->cap)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_repeat(struct pf_out *o, char c, int count)
{
	while (count-- > 0)
		out_char(o, c);
}

static void out_mem(struct pf_out *o, const char *s, size_t len)
{
	while (len--)
		out_char(o, *s++);
}

static size_t pf_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

static void out_string(struct pf_out *o, const struct pf_spec *sp, const char *s)
{
	size_t len;
	int pad;

	if (!s)
		s = "(null)";
	len = pf_strnlen(s, sp->prec >= 0 ? (size_t)sp->prec : (size_t)-1);
	pad = (size_t)sp->width > len ? sp->width - (int)len : 0;
	if (!(sp->flags & FL_LEFT))
		out_repeat(o, ' ', pad);
	out_mem(o, s, len);
	if (sp->flags & FL_LEFT)
		out_repeat(o, ' ', pad);
}

/*
 * One integer conversion. v is the magnitude; neg says whether a '-' is due. The field is
 * [spaces][sign or 0x][zeros][digits][spaces], following C11 7.21.6.1.
 */
static void out_number(struct pf_out *o, const struct pf_spec *sp, char conv, u64 v, bool neg)
{
	static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
	const char *digits = conv == 'X' ? upper : lower;
	unsigned base = conv == 'o' ? 8 : (conv == 'x' || conv == 'X' || conv == 'p') ? 16 : 10;
	bool is_signed = conv == 'd' || conv == 'i';
	char tmp[24]; /* 22 octal digits for 2^64 - 1 */
	char prefix[2];
	int ndig = 0, nprefix = 0, zeros, pad, prec = sp->prec;

	while (v) {
		tmp[ndig++] = digits[v % base];
		v /= base;
	}
	/* A zero value with precision 0 has no digits; otherwise there is at least one. */
	if (ndig == 0 && prec != 0)
		tmp[ndig++] = '0';

	if (is_signed) {
		if (neg)
			prefix[nprefix++] = '-';
		else if (sp->flags & FL_PLUS)
			prefix[nprefix++] = '+';
		else if (sp->flags & FL_SPACE)
			prefix[nprefix++] = ' ';
	} else if (conv == 'p' ||
		   ((sp->flags & FL_ALT) && base == 16 && ndig && tmp[ndig - 1] != '0')) {
		prefix[nprefix++] = '0';
		prefix[nprefix++] = conv == 'X' ? 'X' : 'x';
	}

	zeros = prec > ndig ? prec - ndig : 0;
	/* '#' with o: precision grows so that the first digit is 0. */
	if ((sp->flags & FL_ALT) && base == 8 && zeros == 0 && (ndig == 0 || tmp[ndig - 1] != '0'))
		zeros = 1;
	/* '0' pads with zeros up to the width, unless '-' or a precision is given. */
	if ((sp->flags & FL_ZERO) && !(sp->flags & FL_LEFT) && prec < 0 &&
	    sp->width > nprefix + zeros + ndig)
		zeros = sp->width - nprefix - ndig;
	pad = sp->width - nprefix - zeros - ndig;

	if (!(sp->flags & FL_LEFT))
		out_repeat(o, ' ', pad);
	out_mem(o, prefix, (size_t)nprefix);
	out_repeat(o, '0', zeros);
	while (ndig)
		out_char(o, tmp[--ndig]);
	if (sp->flags & FL_LEFT)
		out_repeat(o, ' ', pad);
}

static s64 arg_signed(enum pf_len len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		return va_arg(*ap, long); /* the signed type matching size_t */
	case LEN_J:
		return va_arg(*ap, s64); /* intmax_t */
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

static u64 arg_unsigned(enum pf_len len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, u64); /* uintmax_t */
	case LEN_T:
		return (u64)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads a decimal field, saturating at a large value rather than overflowing. */
static int read_decimal(const char **p)
{
	int v = 0;

	while (is_digit(**p)) {
		if (v < PF_MAX_FIELD / 10)
			v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

static const char *parse_length(const char *p, enum pf_len *len)
{
	switch (*p) {
	case 'h':
		if (p[1] == 'h') {
			*len = LEN_HH;
			return p + 2;
		}
		*len = LEN_H;
		return p + 1;
	case 'l':
		if (p[1] == 'l') {
			*len = LEN_LL;
			return p + 2;
		}
		*len = LEN_L;
		return p + 1;
	case 'z':
		*len = LEN_Z;
		return p + 1;
	case 'j':
		*len = LEN_J;
		return p + 1;
	case 't':
		*len = LEN_T;
		return p + 1;
	default:
		*len = LEN_NONE;
		return p;
	}
}

/* Parses one conversion starting just after '%'; returns the character after it. */
static const char *do_conversion(struct pf_out *o, const char *start, va_list *ap)
{
	struct pf_spec sp = { .prec = -1 };
	const char *p = start;
	char conv;

	for (;; p++) {
		if (*p == '-')
			sp.flags |= FL_LEFT;
		else if (*p == '0')
			sp.flags |= FL_ZERO;
		else if (*p == '+')
			sp.flags |= FL_PLUS;
		else if (*p == ' ')
			sp.flags |= FL_SPACE;
		else if (*p == '#')
			sp.flags |= FL_ALT;
		else
			break;
	}
	if (*p == '*') {
		sp.width = va_arg(*ap, int);
		if (sp.width < 0) {
			/* C11 7.21.6.1p5: a negative width is a '-' flag and a positive width. */
			sp.flags |= FL_LEFT;
			sp.width = sp.width < -PF_MAX_FIELD ? PF_MAX_FIELD : -sp.width;
		}
		p++;
	} else {
		sp.width = read_decimal(&p);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			sp.prec = va_arg(*ap, int);
			if (sp.prec < 0) /* as if omitted */
				sp.prec = -1;
			p++;
		} else {
			sp.prec = read_decimal(&p);
		}
	}
	sp.width = MIN(sp.width, PF_MAX_FIELD);
	sp.prec = MIN(sp.prec, PF_MAX_FIELD);
	p = parse_length(p, &sp.len);
	conv = *p;

	switch (conv) {
	case 'd':
	case 'i': {
		s64 v = arg_signed(sp.len, ap);

		out_number(o, &sp, conv, v < 0 ? 0 - (u64)v : (u64)v, v < 0);
		break;
	}
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		out_number(o, &sp, conv, arg_unsigned(sp.len, ap), false);
		break;
	case 'p':
		out_number(o, &sp, conv, (u64)(uintptr_t)va_arg(*ap, void *), false);
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		if (!(sp.flags & FL_LEFT))
			out_repeat(o, ' ', sp.width - 1);
		out_char(o, c);
		if (sp.flags & FL_LEFT)
			out_repeat(o, ' ', sp.width - 1);
		break;
	}
	case 's':
		out_string(o, &sp, va_arg(*ap, const char *));
		break;
	case '%':
		out_char(o, '%');
		break;
	default:
		/* Unsupported or truncated: copy "%..." as written, consume no argument. */
		out_char(o, '%');
		out_mem(o, start, (size_t)(p - start));
		if (!conv)
			return p;
		out_char(o, conv);
		break;
	}
	return p + 1;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct pf_out o = { .buf = buf, .cap = n ? n - 1 : 0, .pos = 0 };
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = do_conversion(&o, fmt + 1, &aq);
	}
	va_end(aq);
	if (n)
		buf[o.pos < o.cap ? o.pos : o.cap] = '\0';
	return o.pos > 0x7fffffff ? 0x7fffffff : (int)o.pos;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return ret;
}
