// SPDX-License-Identifier: MIT
/*
 * avtrace replay --verify: two passes over the trace (the first finds the
 * processes that lost events, whose drop records may come last), then the
 * verifier's report (include/avtrace/verify.h, man/avtrace-replay.1).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "avtrace/engine.h"
#include "avtrace/trace.h"
#include "avtrace/verify.h"
#include "cli.h"

int replay_verify(const char *input, const char *mode, unsigned max_shown);

static struct avt_reader *open_trace(const char *input)
{
	return avt_trace_open(input);
}

/* --verify refuses a damaged trace: a verdict on part of it would read as
 * a verdict on all of it */
static int read_done(const char *input, struct avt_reader *r, int err)
{
	char why[600];

	if (avt_trace_stopped(input, r, err, why, sizeof(why))) {
		avt_err("%s", why);
		return -1;
	}
	return 0;
}

int replay_verify(const char *input, const char *mode, unsigned max_shown)
{
	struct avt_reader *r = NULL;
	struct avt_verify *v = NULL;
	struct avt_event ev;
	char why[512] = "";
	int ret = AVT_EXIT_FAIL, err;

	if (mode) {
		const char *const *s;

		for (s = avt_engine_schemes; *s && strcmp(*s, mode); s++)
			;
		if (!*s) {
			avt_err("unknown scheme '%s' for --verify-mode (known: eager, eager-legacy, lazy)",
				mode);
			return AVT_EXIT_USAGE;
		}
	}
	r = open_trace(input);
	if (!r)
		return AVT_EXIT_FAIL;
	{
		struct avt_verify_opts o = {
			.sz = sizeof(o), .meta = avt_reader__meta(r), .mode = mode,
			.max_shown = max_shown, .errbuf = why, .errbuf_len = sizeof(why),
		};

		v = avt_verify__new(&o);
	}
	if (!v) {
		avt_err("%s: %s", input, why[0] ? why : strerror(errno));
		goto cleanup;
	}
	while ((err = avt_reader__next(r, &ev)) == 1)
		avt_verify__prescan(v, &ev);
	if (read_done(input, r, err))
		goto cleanup;
	avt_reader__close(r);
	r = open_trace(input);
	if (!r)
		goto cleanup;
	while ((err = avt_reader__next(r, &ev)) == 1) {
		err = avt_verify__feed(v, &ev);
		if (err) {
			avt_err("%s: %s: %s", input, avt_verify__scheme(v), avt_verify__error(v));
			goto cleanup;
		}
	}
	if (read_done(input, r, err))
		goto cleanup;
	avt_verify__finish(v);
	if (avt_verify__report(v, stdout) || fflush(stdout)) {
		avt_err("stdout: write error: %s", strerror(errno));
		goto cleanup;
	}
	ret = avt_verify__mismatches(v) ? AVT_EXIT_MISMATCH : AVT_EXIT_OK;
cleanup:
	avt_verify__free(v);
	avt_reader__close(r);
	return ret;
}
