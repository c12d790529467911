// SPDX-License-Identifier: MIT
/*
 * avtrace script: print a trace (binary or text) in the text form, one
 * event per line, preceded by its `meta` lines (man/avtrace-script.1,
 * syntax in man/avtrace-text.5). The output parses back to the same trace
 * with `avtrace import`.
 */
#include <argp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/text.h"
#include "avtrace/trace.h"
#include "avtrace/verify.h"
#include "cli.h"

static struct env {
	const char *input;
	const char *output;	/* NULL = stdout */
	/* --snapshot=SEL --state [--pid=PID]: a kernel snapshot as --state */
	bool snapshot, state;
	uint32_t snap_kind, snap_n, snap_pid;
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
	"  avtrace import run.txt -o edited.avt\n"
	"\n"
	"--snapshot=N --state prints the kernel snapshots of checkpoint N (every\n"
	"process snapshotted after the Nth `checkpoint n=N` marker; n=0 is none) in\n"
	"the exact `avtrace replay --state` format, so that\n"
	"  diff -u <(avtrace script run.avt --snapshot=2 --state) \\\n"
	"          <(avtrace replay run.avt --state-at=checkpoint:2)\n"
	"shows kernel vs engine line by line. --snapshot=start|exec|exit selects the\n"
	"snapshots of that kind instead (each process's last one); --pid=PID keeps\n"
	"one process.\n";

static const struct argp_option opts[] = {
	{ "output", 'o', "OUT", 0, "Write the text to OUT instead of stdout", 0 },
	{ "snapshot", 's', "N|KIND", 0, "With --state: print kernel snapshot group N (checkpoint N) or KIND", 0 },
	{ "state", 'S', NULL, 0, "Print the selected snapshot in replay --state format", 0 },
	{ "pid", 'p', "PID", 0, "With --snapshot: only this process", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'o':
		env.output = arg;
		break;
	case 's': {
		static const char *const kinds[] = { "start", "exec", "exit" };
		char *end;
		unsigned long n;

		env.snapshot = true;
		for (unsigned i = 0; i < 3; i++)
			if (!strcmp(arg, kinds[i])) {
				env.snap_kind = AVT_SNAP_START + i;
				return 0;
			}
		if (!strncmp(arg, "checkpoint:", 11))
			arg += 11;
		n = strtoul(arg, &end, 10);
		if (end == arg || *end || n > UINT32_MAX) {
			argp_error(state, "--snapshot takes a checkpoint number or start|exec|exit, not '%s'",
				   arg);
			return EINVAL;
		}
		env.snap_kind = AVT_SNAP_CHECKPOINT;
		env.snap_n = (uint32_t)n;
		break;
	}
	case 'S':
		env.state = true;
		break;
	case 'p': {
		char *end;
		unsigned long n = strtoul(arg, &end, 10);

		if (end == arg || *end || !n || n > UINT32_MAX) {
			argp_error(state, "--pid takes a process id, not '%s'", arg);
			return EINVAL;
		}
		env.snap_pid = (uint32_t)n;
		break;
	}
	case ARGP_KEY_ARG:
		return avt_argp_file(key, arg, state, &env.input, "trace");
	case ARGP_KEY_END:
		avt_argp_file(key, arg, state, &env.input, "trace");
		if (env.snapshot != env.state)
			argp_error(state, "--snapshot and --state go together");
		if (env.snap_pid && !env.snapshot)
			argp_error(state, "--pid needs --snapshot");
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

/* --snapshot --state: the selected kernel snapshots in --state format */
static int print_snapshot(struct avt_reader *r, FILE *out)
{
	struct avt_snapshot_print *sp = avt_snapshot_print__new(env.snap_kind, env.snap_n,
								 env.snap_pid);
	struct avt_event ev;
	char why[600];
	int err, n, ret = AVT_EXIT_FAIL;

	if (!sp) {
		avt_err("out of memory");
		return AVT_EXIT_FAIL;
	}
	while ((err = avt_reader__next(r, &ev)) == 1) {
		err = avt_snapshot_print__feed(sp, &ev);
		if (err) {
			avt_err("%s: %s", env.input, strerror(-err));
			goto out;
		}
	}
	if (avt_trace_stopped(env.input, r, err, why, sizeof(why))) {
		avt_err("%s", why);
		goto out;
	}
	n = avt_snapshot_print__finish(sp, out);
	if (n < 0 || fflush(out) || ferror(out)) {
		avt_err("%s: write error: %s", out == stdout ? "stdout" : env.output, strerror(errno));
		goto out;
	}
	if (!n) {
		if (env.snap_kind == AVT_SNAP_CHECKPOINT)
			avt_err("%s: no complete snapshot for checkpoint %u%s", env.input, env.snap_n,
				env.snap_pid ? " of that pid" : "");
		else
			avt_err("%s: no complete snapshot of that kind%s", env.input,
				env.snap_pid ? " for that pid" : "");
		goto out;
	}
	ret = AVT_EXIT_OK;
out:
	avt_snapshot_print__free(sp);
	return ret;
}

int cmd_script(int argc, char **argv)
{
	const struct argp argp = { opts, parse_arg, "FILE", doc, NULL, NULL, NULL };
	const struct avt_read_status *st;
	struct avt_reader *r = NULL;
	FILE *out = stdout;
	size_t cap = 4096;
	char why[600], *line = NULL;
	struct avt_event ev;
	int ret = AVT_EXIT_FAIL, n, err;

	memset(&env, 0, sizeof(env));
	argv[0] = (char *)"avtrace script";	/* argp's name in usage and errors */
	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return AVT_EXIT_USAGE;

	r = avt_trace_open(env.input);
	if (!r)
		return AVT_EXIT_FAIL;
	if (env.output && strcmp(env.output, "-")) {
		out = fopen(env.output, "w");
		if (!out) {
			avt_err("cannot create %s: %s", env.output, strerror(errno));
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

	if (env.snapshot) {
		ret = print_snapshot(r, out);
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
		if (fwrite(line, 1, (size_t)n + 1, out) != (size_t)n + 1)
			break;	/* the output failed: said below, no need to read on */
	}
	if (fflush(out) || ferror(out)) {
		avt_err("%s: write error: %s", out == stdout ? "stdout" : env.output, strerror(errno));
		goto cleanup;
	}
	if (avt_trace_stopped(env.input, r, err, why, sizeof(why))) {
		avt_err("%s", why);
		goto cleanup;
	}
	st = avt_reader__status(r);
	if (st->unknown_records)
		avt_warn("%s: %llu record(s) of a type this version does not know, printed as `unknown`",
			 env.input, (unsigned long long)st->unknown_records);
	ret = AVT_EXIT_OK;
cleanup:
	if (out && out != stdout && fclose(out) && ret == AVT_EXIT_OK) {
		avt_err("%s: write error: %s", env.output, strerror(errno));
		ret = AVT_EXIT_FAIL;
	}
	free(line);
	avt_reader__close(r);
	return ret;
}
