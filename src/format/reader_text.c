// SPDX-License-Identifier: MIT
/*
 * Text backend of avt_reader: feeds the text form line by line to the
 * avt_text_parser (include/avtrace/text.h, implemented in src/text/).
 *
 * The leading `meta` lines are read at open, so avt_reader__meta() is
 * complete before the first event, exactly as for a binary trace; the
 * first event line met there is kept and returned by the first next().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/event.h"
#include "avtrace/text.h"
#include "avtrace/trace.h"
#include "format/reader_int.h"

struct avt_text_src {
	FILE *f;		/* not owned, unless wrapped */
	FILE *wrap;		/* prefix + f, for unseekable inputs */
	struct avt_text_parser *p;
	char *line;
	size_t line_cap;
	int lineno;
	int have_pending;	/* pending holds the first event */
	struct avt_event pending;
	int done;
	/* the prefix that format detection consumed from an unseekable input */
	uint8_t prefix[16];
	size_t plen, ppos;
};

/* fopencookie reader: the consumed prefix first, then the rest of f. */
static ssize_t wrap_read(void *cookie, char *buf, size_t size)
{
	struct avt_text_src *t = cookie;

	if (t->ppos < t->plen) {
		size_t n = t->plen - t->ppos;

		if (n > size)
			n = size;
		memcpy(buf, t->prefix + t->ppos, n);
		t->ppos += n;
		return (ssize_t)n;
	}
	return (ssize_t)fread(buf, 1, size, t->f);
}

static int src_line(struct avt_text_src *t, struct avt_event *ev, struct avt_meta *meta,
		    struct avt_read_status *st)
{
	char why[200];
	ssize_t n;
	int ret;

	for (;;) {
		n = getline(&t->line, &t->line_cap, t->wrap ? t->wrap : t->f);
		if (n < 0) {
			t->done = 1;
			if (ferror(t->wrap ? t->wrap : t->f)) {
				st->stop = AVT_STOP_IO;
				snprintf(st->why, sizeof(st->why), "read error after line %d",
					 t->lineno);
				return -EIO;
			}
			return 0;
		}
		t->lineno++;
		while (n && (t->line[n - 1] == '\n' || t->line[n - 1] == '\r'))
			t->line[--n] = '\0';
		if ((size_t)n != strlen(t->line)) {
			ret = -EPROTO;
			snprintf(why, sizeof(why), "NUL byte in a text trace");
		} else {
			why[0] = '\0';
			ret = avt_text_parser__line(t->p, t->line, ev, meta, why, sizeof(why));
		}
		if (ret < 0) {
			t->done = 1;
			st->stop = AVT_STOP_TEXT_ERROR;
			st->text_line = t->lineno;
			snprintf(st->why, sizeof(st->why), "line %d: %s", t->lineno,
				 why[0] ? why : strerror(-ret));
			return 0;
		}
		if (ret > 0)
			return 1;
	}
}

static void count_unknown_meta(const struct avt_meta *meta, struct avt_read_status *st)
{
	st->unknown_meta = 0;
	for (size_t i = 0; i < meta->n; i++)
		if (!avt_key__name(meta->v[i].key))
			st->unknown_meta++;
}

struct avt_text_src *avt_text_src__open(FILE *f, const uint8_t *prefix, size_t plen,
					struct avt_meta *meta, struct avt_read_status *st,
					char *why, size_t why_len)
{
	struct avt_text_src *t = calloc(1, sizeof(*t));
	int ret, err;

	if (!t) {
		snprintf(why, why_len, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	t->f = f;
	if (fseek(f, 0, SEEK_SET)) {
		/* a pipe: replay the bytes format detection consumed */
		if (plen > sizeof(t->prefix)) {
			err = EINVAL;
			goto fail_why;
		}
		memcpy(t->prefix, prefix, plen);
		t->plen = plen;
		t->wrap = fopencookie(t, "r", (cookie_io_functions_t){ .read = wrap_read });
		if (!t->wrap) {
			err = errno;
			goto fail_why;
		}
	}
	t->p = avt_text_parser__new();
	if (!t->p) {
		err = errno ? errno : ENOMEM;
		goto fail_why;
	}
	ret = src_line(t, &t->pending, meta, st);
	count_unknown_meta(meta, st);
	if (ret < 0) {
		err = -ret;
		goto fail_why;
	}
	if (st->stop == AVT_STOP_TEXT_ERROR) {
		/* an error before the first event: the file is not usable */
		snprintf(why, why_len, "%s", st->why);
		err = EPROTO;
		goto fail;
	}
	t->have_pending = ret;
	return t;

fail_why:
	snprintf(why, why_len, "cannot read text trace: %s", strerror(err));
fail:
	avt_text_src__free(t);
	errno = err;
	return NULL;
}

int avt_text_src__next(struct avt_text_src *t, struct avt_event *ev,
		       struct avt_meta *meta, struct avt_read_status *st)
{
	int ret;

	if (t->have_pending) {
		t->have_pending = 0;
		*ev = t->pending;
		ret = 1;
	} else if (t->done) {
		return 0;
	} else {
		size_t nmeta = meta->n;

		ret = src_line(t, ev, meta, st);
		if (meta->n != nmeta)	/* only a new key can change the count */
			count_unknown_meta(meta, st);
	}
	if (ret == 1) {
		st->events++;
		if (ev->type == AVT_EV_UNKNOWN)
			st->unknown_records++;
	}
	return ret;
}

void avt_text_src__free(struct avt_text_src *t)
{
	if (!t)
		return;
	if (t->p)
		avt_text_parser__free(t->p);
	if (t->wrap)
		fclose(t->wrap);
	free(t->line);
	free(t);
}
