// SPDX-License-Identifier: MIT
/*
 * Event -> canonical text line (man/avtrace-text.5):
 *   @TS cCPU PID/TID NAME key=value... [= RET]
 * Every field is printed, so the line parses back to the same event.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/text.h"
#include "text/text_int.h"

static const char hexdig[] = "0123456789abcdef";

static void put_key(struct tbuf *b, const char *key)
{
	tb_putc(b, ' ');
	tb_puts(b, key);
	tb_putc(b, '=');
}

static void put_ret(struct tbuf *b, int64_t ret, int kind)
{
	tb_puts(b, " = ");
	if (ret < 0 && ret >= -4095) {
		const char *e = errno_name((unsigned)-ret);

		if (e) {
			tb_putc(b, '-');
			tb_puts(b, e);
		} else {
			tb_sdec(b, ret);
		}
	} else if (kind == RET_HEX) {
		tb_hex(b, (uint64_t)ret);
	} else {
		tb_sdec(b, ret);
	}
}

/* Syscall keys beyond the named ones, printed only when they carry data. */
static void put_sys_extras(struct tbuf *b, const struct avt_event *ev, const struct tschema *s)
{
	const struct avt_ev_syscall *sc = &ev->u.sys;
	bool file = (sc->flags & AVT_SYSF_FILE) || sc->dev || sc->ino;

	for (int i = 0; i < 6; i++) {
		if ((s->args_used & (1u << i)) || !sc->args[i])
			continue;
		char key[5] = { 'r', 'a', 'w', (char)('0' + i), 0 };

		put_key(b, key);
		tb_hex(b, sc->args[i]);
	}
	if (file) {
		put_key(b, "dev");
		tb_udec(b, sc->dev >> 20);
		tb_putc(b, ':');
		tb_udec(b, sc->dev & 0xfffff);
		put_key(b, "ino");
		tb_udec(b, sc->ino);
	}
	if (sc->flags & AVT_SYSF_VMFLAGS) {
		put_key(b, "vmflags");
		tb_hex(b, sc->vm_flags);
	}
	/* The parser sets AVT_SYSF_FILE from dev/ino and AVT_SYSF_VMFLAGS from
	 * vmflags; say so when that is wrong. */
	if (sc->flags != ((file ? AVT_SYSF_FILE : 0) | (sc->flags & AVT_SYSF_VMFLAGS))) {
		put_key(b, "sflags");
		tb_hex(b, sc->flags);
	}
}

static void put_key_name(struct tbuf *b, unsigned key)
{
	const char *name = avt_key__name(key);

	if (name)
		tb_puts(b, name);
	else
		tb_hex(b, key);
}

int avt_text__format(const struct avt_event *ev, char *buf, size_t len)
{
	struct tbuf b = { .buf = buf, .len = len };
	const struct tschema *s = NULL;

	if (ev->type != AVT_EV_SET && ev->type != AVT_EV_UNKNOWN) {
		s = schema_for_event(ev);
		if (!s)
			return -EINVAL;
	}

	tb_putc(&b, '@');
	tb_udec(&b, ev->ts);
	tb_puts(&b, " c");
	tb_udec(&b, ev->cpu);
	tb_putc(&b, ' ');
	tb_udec(&b, ev->pid);
	tb_putc(&b, '/');
	tb_udec(&b, ev->tid);
	tb_putc(&b, ' ');

	if (ev->type == AVT_EV_SET) {
		tb_puts(&b, "set ");
		put_key_name(&b, ev->u.set.key);
		tb_putc(&b, '=');
		tb_str(&b, ev->u.set.value, strnlen(ev->u.set.value, AVT_SET_LEN - 1));
	} else if (ev->type == AVT_EV_UNKNOWN) {
		const struct avt_ev_unknown *u = &ev->u.unknown;

		tb_puts(&b, "unknown type=");
		tb_hex(&b, u->raw_type);
		tb_puts(&b, " data=");
		if (!u->len || !u->data)
			tb_putc(&b, '-');
		for (uint32_t i = 0; u->data && i < u->len; i++) {
			char h[2] = { hexdig[u->data[i] >> 4], hexdig[u->data[i] & 0xf] };

			tb_putn(&b, h, 2);
		}
	} else {
		tb_puts(&b, s->name);
		for (unsigned i = 0; i < s->nfields; i++) {
			const struct tfield *f = &s->f[i];

			if (f->flags & TF_POS)
				tb_putc(&b, ' ');
			else
				put_key(&b, f->key);
			field_format(&b, ev, f);
		}
		if (s->type == AVT_EV_SYSCALL) {
			put_sys_extras(&b, ev, s);
			put_ret(&b, ev->u.sys.ret, s->ret);
		}
	}
	tb_finish(&b);
	return b.pos > INT32_MAX ? -EOVERFLOW : (int)b.pos;
}

void avt_text__print_meta(FILE *out, const struct avt_meta *m)
{
	char stack[512];

	for (size_t i = 0; i < m->n; i++) {
		const char *v = m->v[i].value ? m->v[i].value : "";
		struct tbuf b = { .buf = stack, .len = sizeof(stack) };
		char *heap = NULL;

		for (;;) {
			tb_puts(&b, "meta ");
			put_key_name(&b, m->v[i].key);
			tb_putc(&b, '=');
			tb_str(&b, v, strlen(v));
			tb_putc(&b, '\n');
			if (b.pos < b.len || heap)
				break;
			heap = malloc(b.pos + 1);
			if (!heap)
				break;
			b = (struct tbuf){ .buf = heap, .len = b.pos + 1 };
		}
		tb_finish(&b);
		fputs(b.buf, out);
		free(heap);
	}
}
