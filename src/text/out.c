// SPDX-License-Identifier: MIT
/*
 * Output cursor and number conversions of the text form. Hand-rolled
 * instead of snprintf: `avtrace script` formats millions of fields and the
 * conversions here are a few instructions each.
 */
#include <errno.h>
#include <string.h>
#include "text/text_int.h"

static const char hexdig[] = "0123456789abcdef";

void tb_putn(struct tbuf *b, const char *s, size_t n)
{
	if (b->pos < b->len) {
		size_t room = b->len - b->pos;

		memcpy(b->buf + b->pos, s, n < room ? n : room);
	}
	b->pos += n;
}

void tb_puts(struct tbuf *b, const char *s)
{
	tb_putn(b, s, strlen(s));
}

void tb_hex(struct tbuf *b, uint64_t v)
{
	char tmp[18];
	int i = sizeof(tmp);

	do {
		tmp[--i] = hexdig[v & 0xf];
		v >>= 4;
	} while (v);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	tb_putn(b, tmp + i, sizeof(tmp) - i);
}

void tb_udec(struct tbuf *b, uint64_t v)
{
	char tmp[20];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	tb_putn(b, tmp + i, sizeof(tmp) - i);
}

void tb_sdec(struct tbuf *b, int64_t v)
{
	if (v < 0) {
		tb_putc(b, '-');
		tb_udec(b, -(uint64_t)v);	/* well defined for INT64_MIN too */
	} else {
		tb_udec(b, (uint64_t)v);
	}
}

/* Characters a bare string may hold: printable, and none the tokenizer or
 * a reader's eye would take for syntax. */
static bool bare_ok(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '"' && c != '#' && c != '\\' &&
	       c != '\'' && c != '=';
}

void tb_str(struct tbuf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!bare_ok((unsigned char)s[i]))
			break;
	if (n && i == n) {
		tb_putn(b, s, n);
		return;
	}
	tb_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': tb_putn(b, "\\\"", 2); break;
		case '\\': tb_putn(b, "\\\\", 2); break;
		case '\n': tb_putn(b, "\\n", 2); break;
		case '\t': tb_putn(b, "\\t", 2); break;
		case '\r': tb_putn(b, "\\r", 2); break;
		default:
			if (c < ' ' || c >= 0x7f) {
				char e[4] = { '\\', 'x', hexdig[c >> 4], hexdig[c & 0xf] };

				tb_putn(b, e, 4);
			} else {
				tb_putc(b, (char)c);
			}
		}
	}
	tb_putc(b, '"');
}

void tb_finish(struct tbuf *b)
{
	if (!b->len)
		return;
	b->buf[b->pos < b->len ? b->pos : b->len - 1] = '\0';
}

int txt_parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		if (!*s)
			return -EINVAL;
		for (; *s; s++) {
			unsigned d;

			if (*s >= '0' && *s <= '9')
				d = *s - '0';
			else if (*s >= 'a' && *s <= 'f')
				d = *s - 'a' + 10;
			else if (*s >= 'A' && *s <= 'F')
				d = *s - 'A' + 10;
			else
				return -EINVAL;
			if (x >> 60)
				return -ERANGE;
			x = x << 4 | d;
		}
	} else {
		for (; *s; s++) {
			unsigned d;

			if (*s < '0' || *s > '9')
				return -EINVAL;
			d = *s - '0';
			if (x > (UINT64_MAX - d) / 10)
				return -ERANGE;
			x = x * 10 + d;
		}
	}
	*v = x;
	return 0;
}

int txt_parse_s64(const char *s, int64_t *v)
{
	bool neg = false;
	uint64_t x;
	int err;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	err = txt_parse_u64(s, &x);
	if (err)
		return err;
	if (neg) {
		if (x > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*v = (int64_t)(0 - x);
	} else {
		if (x > (uint64_t)INT64_MAX)
			return -ERANGE;
		*v = (int64_t)x;
	}
	return 0;
}

const char *tok_q(const char *s, char *tmp, size_t tmp_len)
{
	size_t n = strlen(s);

	if (n + 1 <= tmp_len)
		return s;
	if (tmp_len < 8)
		return "";
	memcpy(tmp, s, tmp_len - 4);
	memcpy(tmp + tmp_len - 4, "...", 4);
	return tmp;
}
