// SPDX-License-Identifier: MIT
/*
 * avtrace diff: put schemes or runs side by side (man/avtrace-diff.1).
 *
 *   avtrace diff FILE --mode=a,b[,c...]   one trace, several schemes (one pass)
 *   avtrace diff A B [--mode=s]           two traces, one scheme
 *
 * The first column is the baseline. Rows are the engine's report metrics
 * (the same names `replay` prints, without the scheme prefix); by default
 * only metrics that differ are shown, sorted by |delta %| like perf diff's
 * delta-abs, with n/a for a zero baseline.
 */
#include <argp.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/engine.h"
#include "avtrace/trace.h"
#include "cli.h"

#define MAX_COLS 8

enum fmt { FMT_TEXT, FMT_JSON, FMT_CSV };
enum sort { SORT_DELTA, SORT_ABS, SORT_NAME };

static struct env {
	const char *inputs[2];
	int nr_inputs;
	char *modes[MAX_COLS];
	int nr_modes;
	char modes_buf[256];
	enum fmt fmt;
	enum sort sort;
	bool all;
	const char *pattern;
	char lazy_params[1024];
} env;

/* One column: a (trace, scheme) pair and its report as name -> value. */
struct metric {
	char *name;
	double v[MAX_COLS];
	bool have[MAX_COLS];
};

struct table {
	struct metric *m;
	size_t n, cap;
	char *col[MAX_COLS];
	int nr_cols;
};

static const char doc[] =
	"Compare anon_vma schemes on one trace, or one scheme on two traces.\n"
	"\n"
	"USAGE: avtrace diff FILE --mode=BASE,NEW[,NEW...]\n"
	"       avtrace diff BASE_FILE NEW_FILE [--mode=SCHEME]\n"
	"\n"
	"Columns: baseline, then each other column with its delta and delta %.\n"
	"Rows: the report metrics of avtrace replay (without the scheme prefix).\n"
	"Only differing metrics are shown unless --all; sorted by |delta %|\n"
	"(a zero baseline sorts first and prints n/a).\n"
	"\n"
	"EXAMPLES:\n"
	"  avtrace diff run.avt --mode=eager-legacy,eager,lazy\n"
	"  avtrace diff before.avt after.avt --mode=eager-legacy --metrics='lock.*'\n"
	"  avtrace diff run.avt --mode=eager,lazy --format=json\n";

enum { OPT_MODE = 0x100, OPT_FORMAT, OPT_SORT, OPT_ALL, OPT_METRICS, OPT_LAZY };

static const struct argp_option opts[] = {
	{ "mode", OPT_MODE, "SCHEMES", 0, "Comma-separated schemes; the first is the baseline "
	  "(default eager-legacy,lazy for one file, eager-legacy for two)", 0 },
	{ "format", OPT_FORMAT, "FMT", 0, "text (default), json or csv", 0 },
	{ "sort", OPT_SORT, "KEY", 0, "delta (|delta %|, default), abs (|delta|) or name", 0 },
	{ "all", OPT_ALL, NULL, 0, "Show unchanged metrics too", 0 },
	{ "metrics", OPT_METRICS, "GLOB", 0, "Only metrics matching GLOB (fnmatch), e.g. 'lock.*'", 0 },
	{ "lazy-param", OPT_LAZY, "KEY=VALUE", 0, "Pass a lazy scheme option (as replay -O)", 0 },
	{ 0 },
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_MODE:
		return avt_argp_modes(state, arg, env.modes_buf, sizeof(env.modes_buf), env.modes,
				      MAX_COLS, &env.nr_modes, "--mode needs at least one scheme");
	case OPT_FORMAT:
		if (!strcmp(arg, "text"))
			env.fmt = FMT_TEXT;
		else if (!strcmp(arg, "json"))
			env.fmt = FMT_JSON;
		else if (!strcmp(arg, "csv"))
			env.fmt = FMT_CSV;
		else {
			argp_error(state, "unknown format '%s' (text, json, csv)", arg);
			return EINVAL;
		}
		break;
	case OPT_SORT:
		if (!strcmp(arg, "delta"))
			env.sort = SORT_DELTA;
		else if (!strcmp(arg, "abs"))
			env.sort = SORT_ABS;
		else if (!strcmp(arg, "name"))
			env.sort = SORT_NAME;
		else {
			argp_error(state, "unknown sort key '%s' (delta, abs, name)", arg);
			return EINVAL;
		}
		break;
	case OPT_ALL:
		env.all = true;
		break;
	case OPT_METRICS:
		env.pattern = arg;
		break;
	case OPT_LAZY:
		if (!strchr(arg, '=')) {
			argp_error(state, "--lazy-param takes KEY=VALUE, not '%s'", arg);
			return EINVAL;
		}
		if (strlen(env.lazy_params) + strlen(arg) + 2 > sizeof(env.lazy_params)) {
			argp_error(state, "too many lazy options");
			return EINVAL;
		}
		if (env.lazy_params[0])
			strcat(env.lazy_params, ",");
		strcat(env.lazy_params, arg);
		break;
	case ARGP_KEY_ARG:
		if (env.nr_inputs == 2) {
			argp_error(state, "at most two trace files");
			return EINVAL;
		}
		env.inputs[env.nr_inputs++] = arg;
		break;
	case ARGP_KEY_END:
		if (!env.nr_inputs)
			argp_error(state, "missing trace FILE");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static struct metric *table__get(struct table *t, const char *name)
{
	for (size_t i = t->n; i-- > 0;)	/* reports come in the same order: check recent first */
		if (!strcmp(t->m[i].name, name))
			return &t->m[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		struct metric *m = realloc(t->m, cap * sizeof(*m));

		if (!m)
			return NULL;
		t->m = m;
		t->cap = cap;
	}
	memset(&t->m[t->n], 0, sizeof(t->m[0]));
	t->m[t->n].name = strdup(name);
	if (!t->m[t->n].name)
		return NULL;
	return &t->m[t->n++];
}

static void table__free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->m[i].name);
	free(t->m);
	for (int c = 0; c < t->nr_cols; c++)
		free(t->col[c]);
}

/* Parse "SCHEME.METRIC VALUE" lines of one engine's report into column c. */
static int table__add_report(struct table *t, int c, struct avt_engine *e)
{
	const char *scheme = avt_engine__scheme(e);
	size_t slen = strlen(scheme), len = 0;
	char *buf = NULL, *line, *save = NULL;
	FILE *f = open_memstream(&buf, &len);
	int err = 0;

	if (!f)
		return -errno;
	avt_engine__report(e, f);
	if (fclose(f))
		return -errno;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' '), *end;
		struct metric *m;
		double v;

		if (!sp || strncmp(line, scheme, slen) || line[slen] != '.')
			continue;
		*sp = '\0';
		v = strtod(sp + 1, &end);
		if (end == sp + 1 || *end)
			continue;	/* not a number: not comparable */
		if (env.pattern && fnmatch(env.pattern, line + slen + 1, 0))
			continue;
		m = table__get(t, line + slen + 1);
		if (!m) {
			err = -ENOMEM;
			break;
		}
		m->v[c] = v;
		m->have[c] = true;
	}
	free(buf);
	return err;
}

/* Replay one trace under n schemes in one pass; reports go to columns col0.. */
static int run_trace(struct table *t, const char *path, char **modes, int n, int col0)
{
	struct avt_engine *eng[MAX_COLS] = { 0 };
	const struct avt_read_status *st;
	struct avt_reader *r;
	struct avt_event ev;
	char why[600];
	int err, i, ret = -1, partial = 0;

	r = avt_trace_open(path);
	if (!r)
		return -1;
	for (i = 0; i < n; i++) {
		char serr[256] = "";
		struct avt_engine_opts o = {
			.sz = sizeof(o),
			.meta = avt_reader__meta(r),
			.scheme_params = strcmp(modes[i], "lazy") ? NULL : env.lazy_params,
			.errbuf = serr,
			.errbuf_len = sizeof(serr),
		};

		eng[i] = avt_engine__new(modes[i], &o);
		if (!eng[i]) {
			avt_err("cannot start scheme %s: %s", modes[i], serr[0] ? serr : strerror(errno));
			if (serr[0])
				ret = -2;	/* a bad --lazy-param: usage, as replay's */
			goto out;
		}
	}
	while ((err = avt_reader__next(r, &ev)) == 1)
		for (i = 0; i < n; i++)
			if (avt_engine__feed(eng[i], &ev)) {
				avt_err("%s: %s: %s", path, modes[i], avt_engine__error(eng[i]));
				goto out;
			}
	/* a damaged trace: compare what was read (everything before the
	 * damage, in whole chunks), say where it stopped, exit 1 */
	if (avt_trace_stopped(path, r, err, why, sizeof(why))) {
		st = avt_reader__status(r);
		if (st->stop == AVT_STOP_TEXT_ERROR) {	/* a broken scenario: refuse */
			avt_err("%s", why);
			goto out;
		}
		avt_warn("%s; the columns of this trace cover the %llu events before it", why,
			 (unsigned long long)st->events);
		partial = 1;
	}
	for (i = 0; i < n; i++) {
		char name[512];

		avt_engine__finish(eng[i]);
		if (table__add_report(t, col0 + i, eng[i])) {
			avt_err("out of memory");
			goto out;
		}
		if (env.nr_inputs == 2)
			snprintf(name, sizeof(name), "%s:%s", path, modes[i]);
		else
			snprintf(name, sizeof(name), "%s", modes[i]);
		t->col[col0 + i] = strdup(name);
		if (!t->col[col0 + i]) {
			avt_err("out of memory");
			goto out;
		}
	}
	ret = partial;
out:
	for (i = 0; i < n; i++)
		avt_engine__free(eng[i]);
	avt_reader__close(r);
	return ret;
}

static double delta_pct(const struct metric *m, int c)
{
	if (m->v[0] == 0)
		return m->v[c] == 0 ? 0 : INFINITY;
	return 100.0 * (m->v[c] - m->v[0]) / fabs(m->v[0]);
}

static bool changed(const struct metric *m, int ncols)
{
	for (int c = 1; c < ncols; c++)
		if (m->have[c] != m->have[0] || m->v[c] != m->v[0])
			return true;
	return false;
}

/* Largest change over the non-baseline columns, for sorting. */
static double sort_key(const struct metric *m, int ncols)
{
	double k = 0;

	for (int c = 1; c < ncols; c++) {
		if (!m->have[0] || !m->have[c])
			continue;	/* one-sided metrics sort after real changes */
		double d = env.sort == SORT_ABS ? fabs(m->v[c] - m->v[0]) : fabs(delta_pct(m, c));

		if (d > k)
			k = d;
	}
	return k;
}

static int g_ncols;
static int cmp_metric(const void *a, const void *b)
{
	const struct metric *x = a, *y = b;

	if (env.sort != SORT_NAME) {
		double kx = sort_key(x, g_ncols), ky = sort_key(y, g_ncols);

		if (kx != ky)
			return kx < ky ? 1 : -1;
	}
	return strcmp(x->name, y->name);
}

static void fmt_num(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
	else if (fabs(v) < 1e15 && v == (double)(long long)v)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%.3f", v);
}

static void fmt_delta(char *d, size_t dl, char *p, size_t pl, const struct metric *m, int c)
{
	double pct = delta_pct(m, c);
	char n[64];

	if (!m->have[0] || !m->have[c]) {	/* only one side has it */
		snprintf(d, dl, "-");
		snprintf(p, pl, "-");
		return;
	}
	fmt_num(n, sizeof(n), m->v[c] - m->v[0]);
	snprintf(d, dl, "%s%s", m->v[c] - m->v[0] >= 0 ? "+" : "", n);
	if (isinf(pct))
		snprintf(p, pl, "n/a");
	else
		snprintf(p, pl, "%+.1f%%", pct);
}

static void print_text(const struct table *t, const struct metric **rows, size_t n)
{
	int w = 6;
	char a[64], d[80], p[32];

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(rows[i]->name) > w)
			w = strlen(rows[i]->name);
	printf("%-*s %14s", w, "metric", t->col[0]);
	for (int c = 1; c < t->nr_cols; c++)
		printf(" %14s %12s %9s", t->col[c], "delta", "delta%");
	putchar('\n');
	for (size_t i = 0; i < n; i++) {
		fmt_num(a, sizeof(a), rows[i]->v[0]);
		printf("%-*s %14s", w, rows[i]->name, rows[i]->have[0] ? a : "-");
		for (int c = 1; c < t->nr_cols; c++) {
			fmt_num(a, sizeof(a), rows[i]->v[c]);
			fmt_delta(d, sizeof(d), p, sizeof(p), rows[i], c);
			printf(" %14s %12s %9s", rows[i]->have[c] ? a : "-", d, p);
		}
		putchar('\n');
	}
	if (!n)
		printf("(no %smetrics%s)\n", env.all ? "" : "differing ",
		       env.pattern ? " match the pattern" : "");
}

static void print_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json(const struct table *t, const struct metric **rows, size_t n)
{
	char a[64];

	printf("{\"schema\":\"avtrace-diff/1\",\"columns\":[");
	for (int c = 0; c < t->nr_cols; c++) {
		if (c)
			putchar(',');
		print_json_str(t->col[c]);
	}
	printf("],\"metrics\":[");
	for (size_t i = 0; i < n; i++) {
		printf("%s\n{\"name\":", i ? "," : "");
		print_json_str(rows[i]->name);
		printf(",\"values\":[");
		for (int c = 0; c < t->nr_cols; c++) {
			fmt_num(a, sizeof(a), rows[i]->v[c]);
			printf("%s%s", c ? "," : "",
			       rows[i]->have[c] && isfinite(rows[i]->v[c]) ? a : "null");
		}
		printf("],\"delta_pct\":[");
		for (int c = 1; c < t->nr_cols; c++) {
			double pct = delta_pct(rows[i], c);

			if (!isfinite(pct) || !rows[i]->have[0] || !rows[i]->have[c])
				printf("%snull", c > 1 ? "," : "");
			else
				printf("%s%.3f", c > 1 ? "," : "", pct);
		}
		printf("]}");
	}
	printf("\n]}\n");
}

static void print_csv(const struct table *t, const struct metric **rows, size_t n)
{
	char a[64], d[80], p[32];

	printf("metric,%s", t->col[0]);
	for (int c = 1; c < t->nr_cols; c++)
		printf(",%s,delta,delta_pct", t->col[c]);
	putchar('\n');
	for (size_t i = 0; i < n; i++) {
		fmt_num(a, sizeof(a), rows[i]->v[0]);
		printf("%s,%s", rows[i]->name, rows[i]->have[0] ? a : "");
		for (int c = 1; c < t->nr_cols; c++) {
			fmt_num(a, sizeof(a), rows[i]->v[c]);
			fmt_delta(d, sizeof(d), p, sizeof(p), rows[i], c);
			printf(",%s,%s,%s", rows[i]->have[c] ? a : "", d, strcmp(p, "n/a") ? p : "");
		}
		putchar('\n');
	}
}

int cmd_diff(int argc, char **argv)
{
	const struct argp argp = { opts, parse_arg, "FILE [FILE2]", doc, NULL, NULL, NULL };
	static char *def_two[] = { (char *)"eager-legacy", (char *)"lazy" };
	static char *def_one[] = { (char *)"eager-legacy" };
	const struct metric **rows = NULL;
	struct table t = { 0 };
	size_t n = 0;
	int ret = AVT_EXIT_FAIL, partial;

	memset(&env, 0, sizeof(env));
	argv[0] = (char *)"avtrace diff";
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return AVT_EXIT_USAGE;
	if (!env.nr_modes) {
		memcpy(env.modes, env.nr_inputs == 2 ? def_one : def_two,
		       (env.nr_inputs == 2 ? 1 : 2) * sizeof(char *));
		env.nr_modes = env.nr_inputs == 2 ? 1 : 2;
	}
	if (avt_modes_check(env.modes, env.nr_modes, "see avtrace replay --list-modes"))
		return AVT_EXIT_USAGE;
	if (env.lazy_params[0]) {
		int i;

		for (i = 0; i < env.nr_modes && strcmp(env.modes[i], "lazy"); i++)
			;
		if (i == env.nr_modes)
			avt_warn("lazy options ignored: --mode has no lazy scheme");
	}
	if (env.nr_inputs == 2 && env.nr_modes != 1) {
		avt_err("two traces are compared under one scheme (got %d in --mode)", env.nr_modes);
		return AVT_EXIT_USAGE;
	}
	if (env.nr_inputs == 1 && env.nr_modes < 2) {
		avt_err("one trace needs at least two schemes to compare (--mode=a,b)");
		return AVT_EXIT_USAGE;
	}

	if (env.nr_inputs == 1) {
		t.nr_cols = env.nr_modes;
		partial = run_trace(&t, env.inputs[0], env.modes, env.nr_modes, 0);
		if (partial < 0) {
			ret = partial == -2 ? AVT_EXIT_USAGE : ret;
			goto out;
		}
	} else {
		int p2;

		t.nr_cols = 2;
		partial = run_trace(&t, env.inputs[0], env.modes, 1, 0);
		if (partial < 0) {
			ret = partial == -2 ? AVT_EXIT_USAGE : ret;
			goto out;
		}
		p2 = run_trace(&t, env.inputs[1], env.modes, 1, 1);
		if (p2 < 0)
			goto out;
		partial |= p2;
	}

	rows = calloc(t.n ? t.n : 1, sizeof(*rows));
	if (!rows) {
		avt_err("out of memory");
		goto out;
	}
	for (size_t i = 0; i < t.n; i++)
		if (env.all || changed(&t.m[i], t.nr_cols))
			rows[n++] = &t.m[i];
	{
		/* sort a copy of the selected rows */
		struct metric *tmp = malloc((n ? n : 1) * sizeof(*tmp));

		if (!tmp) {
			avt_err("out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			tmp[i] = *rows[i];
		g_ncols = t.nr_cols;
		qsort(tmp, n, sizeof(*tmp), cmp_metric);
		for (size_t i = 0; i < n; i++)
			rows[i] = &tmp[i];
		if (env.fmt == FMT_JSON)
			print_json(&t, rows, n);
		else if (env.fmt == FMT_CSV)
			print_csv(&t, rows, n);
		else
			print_text(&t, rows, n);
		free(tmp);
	}
	if (fflush(stdout) || ferror(stdout)) {
		avt_err("stdout: write error: %s", strerror(errno));
		goto out;
	}
	ret = partial ? AVT_EXIT_FAIL : AVT_EXIT_OK;
out:
	free(rows);
	table__free(&t);
	return ret;
}
