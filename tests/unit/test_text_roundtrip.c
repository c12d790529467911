// SPDX-License-Identifier: MIT
/*
 * Lossless round trips of the text form, on a trace holding every event
 * type, metadata with an unknown key, stats records and an unknown record
 * type:
 *   - in memory: format -> parse -> format is identical;
 *   - binary -> text -> binary -> text is identical, through avt_writer and
 *     avt_reader, and the events read back are field-identical;
 *   - the reader opens the text form too and yields the same events.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "avtrace/text.h"
#include "avtrace/trace.h"
#include "test_text_samples.h"
#include "test_tmpdir.h"

static struct avt_event samples[SAMPLES_MAX];
static int nsamples;

static void sample_meta(struct avt_meta *m)
{
	avt_meta__init(m);
	assert_int_equal(avt_meta__set(m, AVT_KEY_RELEASE, "6.18.44"), 0);
	assert_int_equal(avt_meta__set(m, AVT_KEY_ARCH, "x86_64"), 0);
	assert_int_equal(avt_meta__set(m, AVT_KEY_CMDLINE, "avtrace record -- sh -c \"a | b\""), 0);
	assert_int_equal(avt_meta__set(m, AVT_KEY_THP, "madvise"), 0);
	assert_int_equal(avt_meta__set(m, 0x3c, "from the future\twith a tab"), 0);
	assert_int_equal(avt_meta__set(m, AVT_KEY_HOSTNAME, ""), 0);
}

/* meta lines and one line per event, as `avtrace script` prints them. */
static char *text_of(const struct avt_meta *m, const struct avt_event *v, int n, size_t *len)
{
	char *text = NULL, line[4096];
	FILE *f = open_memstream(&text, len);

	assert_non_null(f);
	avt_text__print_meta(f, m);
	for (int i = 0; i < n; i++) {
		int l = avt_text__format(&v[i], line, sizeof(line));

		assert_true(l > 0 && (size_t)l < sizeof(line));
		fprintf(f, "%s\n", line);
	}
	fclose(f);
	return text;
}

/* Text of everything a reader yields. */
static char *text_of_reader(struct avt_reader *r, size_t *len)
{
	char *text = NULL, line[4096];
	FILE *f = open_memstream(&text, len);
	struct avt_event ev;
	int ret;

	assert_non_null(f);
	avt_text__print_meta(f, avt_reader__meta(r));
	while ((ret = avt_reader__next(r, &ev)) == 1) {
		int l = avt_text__format(&ev, line, sizeof(line));

		assert_true(l > 0 && (size_t)l < sizeof(line));
		fprintf(f, "%s\n", line);
	}
	assert_int_equal(ret, 0);
	assert_int_equal(avt_reader__status(r)->stop, AVT_STOP_NONE);
	fclose(f);
	return text;
}

/* Parse a whole text into meta and events (events copied, unknown bodies kept). */
struct parsed {
	struct avt_meta meta;
	struct avt_event ev[SAMPLES_MAX];
	uint8_t *bodies[SAMPLES_MAX];
	int n;
};

static void parse_text(const char *text, struct parsed *out)
{
	struct avt_text_parser *p = avt_text_parser__new();
	const char *s = text;
	int lineno = 0;

	assert_non_null(p);
	memset(out, 0, sizeof(*out));
	avt_meta__init(&out->meta);
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t l = nl ? (size_t)(nl - s) : strlen(s);
		char *line = strndup(s, l), why[256];
		struct avt_event ev;
		int ret;

		assert_non_null(line);
		lineno++;
		ret = avt_text_parser__line(p, line, &ev, &out->meta, why, sizeof(why));
		if (ret < 0)
			fail_msg("line %d: %s: %s", lineno, why, line);
		if (ret == 1) {
			assert_true(out->n < SAMPLES_MAX);
			if (ev.type == AVT_EV_UNKNOWN && ev.u.unknown.len) {
				uint8_t *copy = malloc(ev.u.unknown.len);

				assert_non_null(copy);
				memcpy(copy, ev.u.unknown.data, ev.u.unknown.len);
				ev.u.unknown.data = copy;
				out->bodies[out->n] = copy;
			}
			out->ev[out->n++] = ev;
		}
		free(line);
		s += l + (nl ? 1 : 0);
	}
	avt_text_parser__free(p);
}

static void parsed_free(struct parsed *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->bodies[i]);
	avt_meta__fini(&p->meta);
}

static void assert_events_equal(const struct avt_event *a, int na, const struct avt_event *b, int nb)
{
	assert_int_equal(na, nb);
	for (int i = 0; i < na; i++) {
		if (!event_equal(&a[i], &b[i])) {
			char la[4096], lb[4096];

			avt_text__format(&a[i], la, sizeof(la));
			avt_text__format(&b[i], lb, sizeof(lb));
			fail_msg("event %d differs:\n  %s\n  %s", i, la, lb);
		}
	}
}

static void write_binary(const char *path, const struct avt_meta *m, const struct avt_event *v, int n)
{
	struct avt_writer_opts opts = { .sz = sizeof(opts), .chunk_bytes = 512 };
	struct avt_writer *w = avt_writer__open(path, m, &opts);

	if (!w)
		fail_msg("avt_writer__open(%s): %s", path, strerror(errno));
	for (int i = 0; i < n; i++) {
		int err = avt_writer__write(w, &v[i]);

		if (err)
			fail_msg("avt_writer__write(event %d, type %d): %s", i, v[i].type, strerror(-err));
	}
	assert_int_equal(avt_writer__close(w), 0);
}

static struct avt_reader *open_reader(const char *path)
{
	char why[256] = "";
	struct avt_reader *r = avt_reader__open(path, why, sizeof(why));

	if (!r)
		fail_msg("avt_reader__open(%s): %s", path, why);
	return r;
}

/* format -> parse -> format, all in memory. */
static void test_text_memory_roundtrip(void **state)
{
	struct avt_meta m;
	struct parsed *p = calloc(1, sizeof(*p));
	size_t la, lb;
	char *a, *b;

	(void)state;
	assert_non_null(p);
	sample_meta(&m);
	a = text_of(&m, samples, nsamples, &la);
	parse_text(a, p);
	assert_events_equal(samples, nsamples, p->ev, p->n);
	assert_int_equal(p->meta.n, m.n);
	for (size_t i = 0; i < m.n; i++) {
		assert_int_equal(p->meta.v[i].key, m.v[i].key);
		assert_string_equal(p->meta.v[i].value, m.v[i].value);
	}
	b = text_of(&p->meta, p->ev, p->n, &lb);
	assert_string_equal(a, b);
	free(a);
	free(b);
	parsed_free(p);
	free(p);
	avt_meta__fini(&m);
}

/* binary -> text -> binary -> text, through the real writer and reader. */
static void test_binary_text_binary(void **state)
{
	char bin1[300], bin2[300];
	struct avt_meta m;
	struct avt_reader *r;
	struct parsed *p = calloc(1, sizeof(*p));
	struct avt_event ev[SAMPLES_MAX];
	size_t la, lb;
	char *a, *b;
	int n = 0, ret;

	(void)state;
	assert_non_null(p);
	snprintf(bin1, sizeof(bin1), "%s/one.avt", tmpdir);
	snprintf(bin2, sizeof(bin2), "%s/two.avt", tmpdir);
	sample_meta(&m);
	write_binary(bin1, &m, samples, nsamples);

	/* the binary form itself carries every field */
	r = open_reader(bin1);
	while (n < SAMPLES_MAX && (ret = avt_reader__next(r, &ev[n])) == 1) {
		if (!event_equal(&samples[n], &ev[n])) {
			char la2[4096], lb2[4096];

			avt_text__format(&samples[n], la2, sizeof(la2));
			avt_text__format(&ev[n], lb2, sizeof(lb2));
			fail_msg("binary changed event %d:\n  %s\n  %s", n, la2, lb2);
		}
		n++;
	}
	assert_int_equal(n, nsamples);
	avt_reader__close(r);

	r = open_reader(bin1);
	a = text_of_reader(r, &la);
	avt_reader__close(r);
	/* the unknown metadata key is printed as a number */
	assert_non_null(strstr(a, "meta 0x3c=\"from the future\\twith a tab\"\n"));
	assert_non_null(strstr(a, " unknown type=0x1234 data=0001abff7f\n"));
	assert_non_null(strstr(a, " stats kind=drops_tgid key=5 value=2000\n"));

	parse_text(a, p);
	write_binary(bin2, &p->meta, p->ev, p->n);
	r = open_reader(bin2);
	b = text_of_reader(r, &lb);
	avt_reader__close(r);
	assert_string_equal(a, b);

	unlink(bin1);
	unlink(bin2);
	free(a);
	free(b);
	parsed_free(p);
	free(p);
	avt_meta__fini(&m);
}

/* The reader's text backend yields the same events as the parser. */
static void test_reader_opens_text(void **state)
{
	char path[300];
	struct avt_meta m;
	struct avt_reader *r;
	size_t la, lb;
	char *a, *b;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/t.txt", tmpdir);
	sample_meta(&m);
	a = text_of(&m, samples, nsamples, &la);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(a, 1, la, f), la);
	assert_int_equal(fclose(f), 0);
	r = open_reader(path);
	assert_true(avt_reader__status(r)->is_text);
	b = text_of_reader(r, &lb);
	avt_reader__close(r);
	assert_string_equal(a, b);
	unlink(path);
	free(a);
	free(b);
	avt_meta__fini(&m);
}

static int setup(void **state)
{
	(void)state;
	nsamples = samples_fill(samples);
	return tmpdir__make("text-rt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_memory_roundtrip),
		cmocka_unit_test(test_binary_text_binary),
		cmocka_unit_test(test_reader_opens_text),
	};

	return cmocka_run_group_tests(tests, setup, tmpdir__teardown);
}
