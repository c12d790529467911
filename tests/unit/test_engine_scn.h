/* SPDX-License-Identifier: MIT */
/*
 * Scenario runner shared by the engine tests. A scenario is a text-form
 * trace with structured comments (same convention as tests/scenarios/
 * lazy-README):
 *   # run NAME: --mode=SCHEME        one replay (NAME starts with the scheme)
 *   # expect NAME k=v k=v ...        report metric k of that run equals v
 *   # state NAME [checkpoint:N]      the --state lines of that run at the end
 *   # | PID START-END flags=...      (or right after checkpoint N), exactly;
 *                                    an empty block (no `# |` lines) = no VMAs
 * Every run replays with invariants checked after every event.
 */
#ifndef TEST_ENGINE_SCN_H
#define TEST_ENGINE_SCN_H

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/engine.h"
#include "avtrace/trace.h"

#define SCN_MAX 64

struct scn_expect {
	char run[32], key[96];
	double val;
	int line;
};

struct scn_state {
	char run[32];
	long cp;		/* -1 = at the end */
	char *text;		/* expected lines, each ending in \n */
	size_t len;
	int line;
};

struct scn {
	char runs[SCN_MAX][32], modes[SCN_MAX][32];
	int nr_runs;
	struct scn_expect ex[512];
	int nr_ex;
	struct scn_state st[SCN_MAX];
	int nr_st;
};

static void scn_free(struct scn *s)
{
	for (int i = 0; i < s->nr_st; i++)
		free(s->st[i].text);
}

static int scn_parse(const char *path, struct scn *s, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int ln = 0;
	struct scn_state *cur = NULL;

	memset(s, 0, sizeof(*s));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		ln++;
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "# | ", 4) && cur) {
			size_t l = strlen(line + 4);

			cur->text = realloc(cur->text, cur->len + l + 2);
			memcpy(cur->text + cur->len, line + 4, l);
			cur->len += l;
			cur->text[cur->len++] = '\n';
			cur->text[cur->len] = 0;
			continue;
		}
		cur = NULL;
		if (!strncmp(line, "# run ", 6)) {
			char name[32], args[256];

			if (sscanf(line + 6, "%31[^:]: %255[^\n]", name, args) != 2 ||
			    strncmp(args, "--mode=", 7) || s->nr_runs == SCN_MAX) {
				snprintf(err, errlen, "%s:%d: bad run line", path, ln);
				fclose(f);
				return -1;
			}
			snprintf(s->runs[s->nr_runs], 32, "%s", name);
			snprintf(s->modes[s->nr_runs], 32, "%.31s", args + 7);
			s->nr_runs++;
		} else if (!strncmp(line, "# expect ", 9)) {
			char *save = NULL, *tok, *name = strtok_r(line + 9, " ", &save);

			while (name && (tok = strtok_r(NULL, " ", &save))) {
				struct scn_expect *x = &s->ex[s->nr_ex];
				char *eq = strchr(tok, '=');

				if (!eq || s->nr_ex == 512) {
					snprintf(err, errlen, "%s:%d: bad expect '%s'", path, ln, tok);
					fclose(f);
					return -1;
				}
				*eq = 0;
				snprintf(x->run, sizeof(x->run), "%s", name);
				snprintf(x->key, sizeof(x->key), "%s", tok);
				x->val = strtod(eq + 1, NULL);
				x->line = ln;
				s->nr_ex++;
			}
		} else if (!strncmp(line, "# state ", 8) && s->nr_st < SCN_MAX) {
			char name[32], at[64] = "";
			struct scn_state *st = &s->st[s->nr_st++];

			if (sscanf(line + 8, "%31s %63s", name, at) < 1) {
				snprintf(err, errlen, "%s:%d: bad state line", path, ln);
				fclose(f);
				return -1;
			}
			snprintf(st->run, sizeof(st->run), "%s", name);
			st->cp = strncmp(at, "checkpoint:", 11) ? -1 : strtol(at + 11, NULL, 10);
			st->text = calloc(1, 1);
			st->line = ln;
			cur = st;
		}
	}
	fclose(f);
	return 0;
}

static int scn_check_state(struct avt_engine *e, const struct scn_state *st, const char *path,
			   char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int bad;

	if (!m)
		return -1;
	avt_engine__write_state(e, m);
	fclose(m);
	bad = strcmp(buf, st->text);
	if (bad)
		snprintf(err, errlen, "%s:%d: state of %s%s differs\n--- expected\n%s--- got\n%s",
			 path, st->line, st->run, st->cp >= 0 ? " at checkpoint" : "", st->text, buf);
	free(buf);
	return bad ? -1 : 0;
}

/* Replay every run of the scenario; 0 = all good, else err says why. */
static int scn_run(const char *path, char *err, size_t errlen)
{
	struct scn s;
	int ret = -1;

	if (scn_parse(path, &s, err, errlen))
		return -1;
	if (!s.nr_runs) {
		snprintf(err, errlen, "%s: no `# run` line", path);
		goto out;
	}
	for (int r = 0; r < s.nr_runs; r++) {
		char why[256] = "";
		struct avt_reader *rd = avt_reader__open(path, why, sizeof(why));
		struct avt_engine_opts o = { .sz = sizeof(o), .check_invariants = 1 };
		struct avt_engine *e;
		struct avt_event ev;
		int rc, n;

		if (!rd) {
			snprintf(err, errlen, "%s: %s", path, why);
			goto out;
		}
		o.meta = avt_reader__meta(rd);
		e = avt_engine__new(s.modes[r], &o);
		if (!e) {
			snprintf(err, errlen, "%s: scheme %s: %s", path, s.modes[r], strerror(errno));
			avt_reader__close(rd);
			goto out;
		}
		while ((rc = avt_reader__next(rd, &ev)) == 1) {
			n = avt_engine__feed(e, &ev);
			if (n) {
				snprintf(err, errlen, "%s: run %s: %s", path, s.runs[r],
					 avt_engine__error(e));
				break;
			}
			if (ev.type != AVT_EV_CHECKPOINT)
				continue;
			for (int i = 0; i < s.nr_st; i++)
				if (!strcmp(s.st[i].run, s.runs[r]) && s.st[i].cp == ev.u.checkpoint.n &&
				    scn_check_state(e, &s.st[i], path, err, errlen)) {
					n = -1;
					break;
				}
			if (n)
				break;
		}
		if (!n && (rc < 0 || avt_reader__status(rd)->stop != AVT_STOP_NONE)) {
			snprintf(err, errlen, "%s: read error: %s", path, avt_reader__status(rd)->why);
			n = -1;
		}
		if (!n) {
			avt_engine__finish(e);
			for (int i = 0; i < s.nr_ex && !n; i++) {
				double v;

				if (strcmp(s.ex[i].run, s.runs[r]))
					continue;
				if (avt_engine__metric(e, s.ex[i].key, &v)) {
					snprintf(err, errlen, "%s:%d: run %s: no metric %s", path,
						 s.ex[i].line, s.runs[r], s.ex[i].key);
					n = -1;
				} else if (fabs(v - s.ex[i].val) > 0.0015) {
					snprintf(err, errlen, "%s:%d: run %s: %s = %g, expected %g", path,
						 s.ex[i].line, s.runs[r], s.ex[i].key, v, s.ex[i].val);
					n = -1;
				}
			}
			for (int i = 0; i < s.nr_st && !n; i++)
				if (!strcmp(s.st[i].run, s.runs[r]) && s.st[i].cp < 0 &&
				    scn_check_state(e, &s.st[i], path, err, errlen))
					n = -1;
		}
		avt_engine__free(e);
		avt_reader__close(rd);
		if (n)
			goto out;
	}
	/* every expect/state must name a run */
	for (int i = 0; i < s.nr_ex; i++) {
		int k;

		for (k = 0; k < s.nr_runs && strcmp(s.runs[k], s.ex[i].run); k++)
			;
		if (k == s.nr_runs) {
			snprintf(err, errlen, "%s:%d: expect for unknown run %s", path, s.ex[i].line,
				 s.ex[i].run);
			goto out;
		}
	}
	ret = 0;
out:
	scn_free(&s);
	return ret;
}

#endif
