// SPDX-License-Identifier: MIT
/*
 * avtrace script: print a trace (binary or text) in the text form, one
 * event per line, preceded by its `meta` lines (man/avtrace-script.1,
 * syntax in man/avtrace-text.5). The output parses back to the same trace
 * with `avtrace import`.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/text.h"
#include "avtrace/trace.h"
#include "cli.h"

static struct env {
	const char *input;
	const char *output;	/* NULL = stdout */
} env;

static const char doc[] =
	"Print a trace as text, one event per line.\n"
	"\n"
	"USAGE: avtrace script FILE [-o OUT]\n"
	"\n"
	"FILE is a binary trace or a text trace. The output starts with the\n"
	"trace's `meta` lines, then one canonical line per event:\n"
	"  @TS cCPU PID/TID NAME key=value... [= RET]\n"
	"(syntax: avtrace-text(5)). It parses back with `avtrace import`.\n"
	"If the trace is truncated or corrupt, everything readable is printed,\n"
	"the reason goes to stderr and the exit status is 1.\n"
	"\n"
	"EXAMPLES:\n"
	"  avtrace script run.avt | less\n"
	"  avtrace script run.avt -o run.txt      # edit, then:\n"
	"  avtrace import run.txt -o edited.avt\n";

static const struct argp_option opts[] = {
	{ "output", 'o', "OUT", 0, "Write the text to OUT instead of stdout", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'o':
		env.output = arg;
		break;
	case ARGP_KEY_ARG:
		if (env.input) {
			argp_error(state, "one trace file only (extra '%s')", arg);
			return EINVAL;
		}
		env.input = arg;
		break;
	case ARGP_KEY_END:
		if (!env.input)
			argp_error(state, "missing trace FILE");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Format ev into *buf, growing it for long lines (big `unknown` bodies). */
static int format_line(const struct avt_event *ev, char **buf, size_t *cap)
{
	int n = avt_text__format(ev, *buf, *cap);

	if (n >= 0 && (size_t)n >= *cap) {
		char *nb = realloc(*buf, (size_t)n + 1);

		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = (size_t)n + 1;
		n = avt_text__format(ev, *buf, *cap);
	}
	return n;
}

int cmd_script(int argc, char **argv)
{
	const struct argp argp = { opts, parse_arg, "FILE", doc, NULL, NULL, NULL };
	const struct avt_read_status *st;
	struct avt_reader *r = NULL;
	FILE *out = stdout;
	size_t cap = 4096;
	char why[256] = "", *line = NULL;
	struct avt_event ev;
	int ret = AVT_EXIT_FAIL, n, err;

	memset(&env, 0, sizeof(env));
	argv[0] = (char *)"avtrace script";	/* argp's name in usage and errors */
	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return AVT_EXIT_USAGE;

	r = avt_reader__open(env.input, why, sizeof(why));
	if (!r) {
		if (!why[0])
			snprintf(why, sizeof(why), "%s", strerror(errno));
		if (strstr(why, env.input))	/* the reason already names the file */
			avt_err("%s", why);
		else
			avt_err("%s: %s", env.input, why);
		return AVT_EXIT_FAIL;
	}
	if (env.output && strcmp(env.output, "-")) {
		out = fopen(env.output, "w");
		if (!out) {
			avt_err("%s: %s", env.output, strerror(errno));
			out = NULL;
			goto cleanup;
		}
	}
	setvbuf(out, NULL, _IOFBF, 1 << 16);	/* script output is bulk */
	line = malloc(cap);
	if (!line) {
		avt_err("out of memory");
		goto cleanup;
	}

	avt_text__print_meta(out, avt_reader__meta(r));
	while ((err = avt_reader__next(r, &ev)) == 1) {
		n = format_line(&ev, &line, &cap);
		if (n < 0) {
			avt_err("%s: event %llu: cannot format (type %u): %s", env.input,
				(unsigned long long)avt_reader__status(r)->events, ev.type,
				strerror(-n));
			goto cleanup;
		}
		line[n] = '\n';
		fwrite(line, 1, (size_t)n + 1, out);
	}
	if (fflush(out) || ferror(out)) {
		avt_err("%s: write error: %s", env.output ? env.output : "stdout", strerror(errno));
		goto cleanup;
	}
	st = avt_reader__status(r);
	if (err < 0 || st->stop != AVT_STOP_NONE) {
		avt_err("%s: %s", env.input, st->why[0] ? st->why : strerror(err < 0 ? -err : EIO));
		goto cleanup;
	}
	if (st->unknown_records)
		avt_warn("%s: %llu record(s) of a type this version does not know, printed as `unknown`",
			 env.input, (unsigned long long)st->unknown_records);
	ret = AVT_EXIT_OK;
cleanup:
	if (out && out != stdout && fclose(out) && ret == AVT_EXIT_OK) {
		avt_err("%s: %s", env.output, strerror(errno));
		ret = AVT_EXIT_FAIL;
	}
	free(line);
	avt_reader__close(r);
	return ret;
}
