// SPDX-License-Identifier: MIT
/*
 * Per-kind value codecs of the text form: how one field of struct
 * avt_event is spelled after `key=`, and read back. Each format/parse pair
 * is exact inverses, which is what makes binary -> text -> binary lossless.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "text/text_int.h"

static uint64_t load(const struct avt_event *ev, size_t off, size_t size)
{
	const char *p = (const char *)ev + off;

	switch (size) {
	case 1: { uint8_t v; memcpy(&v, p, 1); return v; }
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

static void store(struct avt_event *ev, size_t off, size_t size, uint64_t x)
{
	char *p = (char *)ev + off;

	switch (size) {
	case 1: { uint8_t v = (uint8_t)x; memcpy(p, &v, 1); break; }
	case 2: { uint16_t v = (uint16_t)x; memcpy(p, &v, 2); break; }
	case 4: { uint32_t v = (uint32_t)x; memcpy(p, &v, 4); break; }
	default: memcpy(p, &x, 8);
	}
}

uint64_t field_get(const struct avt_event *ev, const struct tfield *f)
{
	uint64_t v = load(ev, f->off, f->size);

	return f->mask ? v & f->mask : v;
}

void field_set(struct avt_event *ev, const struct tfield *f, uint64_t v)
{
	if (f->mask)
		v = (load(ev, f->off, f->size) & ~f->mask) | (v & f->mask);
	store(ev, f->off, f->size, v);
}

static int64_t sext(uint64_t v, size_t size)
{
	switch (size) {
	case 1: return (int8_t)v;
	case 2: return (int16_t)v;
	case 4: return (int32_t)v;
	default: return (int64_t)v;
	}
}

void field_format(struct tbuf *b, const struct avt_event *ev, const struct tfield *f)
{
	uint64_t v = field_get(ev, f);

	switch (f->kind) {
	case TK_HEX:
		tb_hex(b, v);
		break;
	case TK_DEC:
		tb_udec(b, v);
		break;
	case TK_SDEC:
		tb_sdec(b, sext(v, f->size));
		break;
	case TK_SINT:
		/* An int in a 64-bit register: -1 if sign-extended, else as is. */
		if (v <= INT32_MAX)
			tb_udec(b, v);
		else if ((int64_t)v < 0 && (int64_t)v >= INT32_MIN)
			tb_sdec(b, (int64_t)v);
		else
			tb_hex(b, v);
		break;
	case TK_ID:
		if (v)
			tb_hex(b, v);
		else
			tb_putc(b, '-');
		break;
	case TK_DEV:
		tb_udec(b, v >> 20);
		tb_putc(b, ':');
		tb_udec(b, v & 0xfffff);
		break;
	case TK_STR: {
		const char *s = (const char *)ev + f->off;

		tb_str(b, s, strnlen(s, f->size - 1));
		break;
	}
	case TK_PROT:
		prot_format(b, v);
		break;
	case TK_SYM:
		sym_format(b, f->tab, v);
		break;
	case TK_PIDTID:
		tb_udec(b, v);
		tb_putc(b, '/');
		tb_udec(b, load(ev, f->off + 4, 4));
		break;
	case TK_RANGE_HEX:
	case TK_RANGE_DEC: {
		uint64_t e = load(ev, f->off + 8, 8);

		if (f->kind == TK_RANGE_HEX) {
			tb_hex(b, v);
			tb_putc(b, '-');
			tb_hex(b, e);
		} else {
			tb_udec(b, v);
			tb_putc(b, '-');
			tb_udec(b, e);
		}
		break;
	}
	case TK_CHAIN: {
		const struct avt_ev_snap_vma *s = &ev->u.snap_vma;
		unsigned n = s->nr_avc_ids < AVT_SNAP_MAX_AVC ? s->nr_avc_ids : AVT_SNAP_MAX_AVC;

		if (!n)
			tb_putc(b, '-');
		for (unsigned i = 0; i < n; i++) {
			if (i)
				tb_putc(b, ',');
			tb_hex(b, s->avc_av[i]);
		}
		break;
	}
	}
}

static int bad_number(const char *s, int err, char *why, size_t len)
{
	char q[48];

	snprintf(why, len, "%s '%s'", err == -ERANGE ? "number out of range" : "malformed number",
		 tok_q(s, q, sizeof(q)));
	return -EINVAL;
}

static int num_u(const char *s, uint64_t *v, char *why, size_t len)
{
	int err = txt_parse_u64(s, v);

	return err ? bad_number(s, err, why, len) : 0;
}

/* Check that v fits size bytes (unsigned). */
static int fits(uint64_t v, size_t size, const char *s, char *why, size_t len)
{
	if (size < 8 && v >> (size * 8))
		return bad_number(s, -ERANGE, why, len);
	return 0;
}

/* "A<sep>B" with both halves numbers. */
static int pair(const char *s, char sep, uint64_t *a, uint64_t *b, bool b_opt,
		char *why, size_t len)
{
	const char *p = strchr(s, sep);
	char first[32];
	size_t n;
	int err;

	if (!p) {
		if (!b_opt) {
			char q[48];

			snprintf(why, len, "expected A%cB, got '%s'", sep, tok_q(s, q, sizeof(q)));
			return -EINVAL;
		}
		err = num_u(s, a, why, len);
		*b = *a;
		return err;
	}
	n = (size_t)(p - s);
	if (n >= sizeof(first))
		return bad_number(s, -EINVAL, why, len);
	memcpy(first, s, n);
	first[n] = '\0';
	err = num_u(first, a, why, len);
	return err ? err : num_u(p + 1, b, why, len);
}

static int parse_chain(struct avt_ev_snap_vma *s, const char *v, char *why, size_t len)
{
	unsigned n = 0;

	memset(s->avc_av, 0, sizeof(s->avc_av));
	s->nr_avc_ids = 0;
	if (!strcmp(v, "-"))
		return 0;
	for (;;) {
		const char *comma = strchr(v, ',');
		size_t l = comma ? (size_t)(comma - v) : strlen(v);
		char tmp[32];
		uint64_t id;
		int err;

		if (n == AVT_SNAP_MAX_AVC) {
			snprintf(why, len, "more than %d ids", AVT_SNAP_MAX_AVC);
			return -EINVAL;
		}
		if (l >= sizeof(tmp))
			l = sizeof(tmp) - 1;
		memcpy(tmp, v, l);
		tmp[l] = '\0';
		if (!strcmp(tmp, "-")) {
			id = 0;
		} else {
			err = num_u(tmp, &id, why, len);
			if (err)
				return err;
		}
		s->avc_av[n++] = id;
		if (!comma)
			break;
		v = comma + 1;
	}
	s->nr_avc_ids = n;
	return 0;
}

static int field_parse1(struct avt_event *ev, const struct tfield *f, const char *s,
			char *why, size_t len)
{
	uint64_t v, w;
	int64_t sv;
	int err;

	switch (f->kind) {
	case TK_ID:
		if (!strcmp(s, "-")) {
			field_set(ev, f, 0);
			return 0;
		}
		/* fall through */
	case TK_HEX:
	case TK_DEC:
		err = num_u(s, &v, why, len);
		if (!err)
			err = fits(v, f->size, s, why, len);
		if (!err)
			field_set(ev, f, v);
		return err;
	case TK_SDEC:
		err = txt_parse_s64(s, &sv);
		if (err)
			return bad_number(s, err, why, len);
		if (f->size == 4 && (sv < INT32_MIN || sv > INT32_MAX))
			return bad_number(s, -ERANGE, why, len);
		field_set(ev, f, (uint64_t)sv);
		return 0;
	case TK_SINT:
		err = txt_parse_s64(s, &sv);
		if (err == -ERANGE && *s != '-')	/* 0xffffffffffffffff */
			err = txt_parse_u64(s, &v);
		else
			v = (uint64_t)sv;
		if (err)
			return bad_number(s, err, why, len);
		field_set(ev, f, v);
		return 0;
	case TK_DEV:
		if (!strchr(s, ':')) {
			err = num_u(s, &v, why, len);
		} else {
			err = pair(s, ':', &v, &w, false, why, len);
			if (!err && (w > 0xfffff || v >> 44)) {
				char q[48];

				snprintf(why, len, "device number out of range '%s'", tok_q(s, q, sizeof(q)));
				err = -EINVAL;
			}
			v = v << 20 | w;
		}
		if (!err)
			field_set(ev, f, v);
		return err;
	case TK_STR: {
		size_t n = strlen(s);

		if (n > (size_t)f->size - 1) {
			snprintf(why, len, "string too long (%zu > %u bytes)", n, f->size - 1u);
			return -EINVAL;
		}
		memset((char *)ev + f->off, 0, f->size);
		memcpy((char *)ev + f->off, s, n);
		return 0;
	}
	case TK_PROT:
	case TK_SYM:
		err = f->kind == TK_PROT ? prot_parse(s, &v, why, len) :
					   sym_parse(f->tab, s, &v, why, len);
		if (err)
			return err;
		if ((f->mask && (v & ~f->mask)) || fits(v, f->size, s, why, len)) {
			char q[48];

			snprintf(why, len, "value out of range '%s'", tok_q(s, q, sizeof(q)));
			return -EINVAL;
		}
		field_set(ev, f, v);
		return 0;
	case TK_PIDTID:
		err = pair(s, '/', &v, &w, true, why, len);
		if (!err)
			err = fits(v, 4, s, why, len);
		if (!err)
			err = fits(w, 4, s, why, len);
		if (err)
			return err;
		store(ev, f->off, 4, v);
		store(ev, f->off + 4, 4, w);
		return 0;
	case TK_RANGE_HEX:
	case TK_RANGE_DEC:
		err = pair(s, '-', &v, &w, false, why, len);
		if (err)
			return err;
		store(ev, f->off, 8, v);
		store(ev, f->off + 8, 8, w);
		return 0;
	case TK_CHAIN:
		return parse_chain(&ev->u.snap_vma, s, why, len);
	}
	snprintf(why, len, "internal: bad field kind");
	return -EINVAL;
}

int field_parse(struct avt_event *ev, const struct tfield *f, const char *value,
		char *why, size_t why_len)
{
	char sub[160];
	int err;

	err = field_parse1(ev, f, value, sub, sizeof(sub));
	if (err)
		snprintf(why, why_len, "%s for key '%s'", sub, f->key);
	return err;
}
