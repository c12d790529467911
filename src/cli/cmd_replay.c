// SPDX-License-Identifier: MIT
/*
 * avtrace replay: run a trace (binary or text) through one or more anon_vma
 * scheme models in a single pass and print their reports
 * (man/avtrace-replay.1).
 */
#include <argp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/engine.h"
#include "avtrace/trace.h"
#include "cli.h"

#define MAX_MODES 8

static struct env {
	const char *input;
	char *modes[MAX_MODES];
	int nr_modes;
	bool state;
	const char *state_path;		/* NULL or "-" = stdout */
	bool state_at;
	uint32_t state_cp;
	bool check;
	bool no_report;
	bool verify;			/* --verify: replay_verify.c */
	const char *verify_mode;
	unsigned verify_show;
	char lazy_params[1024];		/* --lazy-* / -O options, "k=v,k=v" */
} env;

static const char doc[] =
	"Run a trace through models of the kernel's anon_vma schemes and report.\n"
	"\n"
	"USAGE: avtrace replay FILE [--mode=SCHEME[,SCHEME...]] [--state[=PATH]]\n"
	"                           [--state-at=checkpoint:N] [--check-invariants]\n"
	"\n"
	"Schemes: eager (mainline 7.0, after the anon_vma cleanup series),\n"
	"eager-legacy (6.16-6.19 code, this machine's 6.18), lazy (the ANON_VMA_LAZY\n"
	"proposal, lazy-semantics.md; options below, man avtrace-lazy(7)). All listed schemes are\n"
	"replayed in one pass over the trace. The report is one `SCHEME.METRIC VALUE`\n"
	"line per metric.\n"
	"\n"
	"--state writes the simulated state of every live process at the end (or at\n"
	"checkpoint N with --state-at), one VMA per line:\n"
	"  PID START-END flags=HEX pgoff=HEX dev=MAJ:MIN ino=N av=ID root=ID\n"
	"  parent=ID children=N active=N avcs=N\n"
	"With --state and no PATH (or PATH -) the state goes to stdout instead of the\n"
	"report.\n"
	"\n"
	"--verify replays with the scheme modelling the trace's kernel (6.16-6.19:\n"
	"eager-legacy, >= 7.0: eager) and compares every kernel snapshot in the trace\n"
	"with the simulated state: match percentage per fact, the classes not judged\n"
	"(tainted, ambiguous, passive, seeded, ...) and the first mismatches, kernel\n"
	"line vs engine line in --state format. Exit 0 = full agreement, 3 = mismatch.\n"
	"\n"
	"EXAMPLES:\n"
	"  avtrace replay run.avt --mode=eager,eager-legacy\n"
	"  avtrace replay scenario.txt --mode=eager-legacy --state\n";

enum { OPT_MODE = 0x100, OPT_STATE, OPT_STATE_AT, OPT_CHECK, OPT_NO_REPORT, OPT_LAZY, OPT_LIST_MODES,
       OPT_VERIFY, OPT_VERIFY_MODE, OPT_VERIFY_SHOW };

/* replay_verify.c */
int replay_verify(const char *input, const char *mode, unsigned max_shown);

static const struct argp_option opts[] = {
	{ "mode", OPT_MODE, "SCHEMES", 0, "Comma-separated schemes (default eager-legacy)", 0 },
	{ "state", OPT_STATE, "PATH", OPTION_ARG_OPTIONAL, "Write the simulated state (default stdout)", 0 },
	{ "state-at", OPT_STATE_AT, "checkpoint:N", 0, "Write the state at checkpoint N instead of at the end", 0 },
	{ "check-invariants", OPT_CHECK, NULL, 0, "Assert the engine invariants after every event (slow)", 0 },
	{ "no-report", OPT_NO_REPORT, NULL, 0, "Do not print the report", 0 },
	{ "list-modes", OPT_LIST_MODES, NULL, 0, "Print the schemes this build has, one per line, and exit", 0 },
	{ "verify", OPT_VERIFY, NULL, 0, "Compare the replay with every kernel snapshot in the trace (exit 3 on a mismatch)", 0 },
	{ "verify-mode", OPT_VERIFY_MODE, "SCHEME", 0, "Scheme for --verify (default: the one modelling the trace's kernel)", 0 },
	{ "verify-show", OPT_VERIFY_SHOW, "N", 0, "Mismatches --verify prints in detail (default 20)", 0 },
	/* ---- lazy scheme options (owner: the lazy scheme, lazy_opts.c) ---- */
	{ NULL, 0, NULL, 0, "Lazy scheme options (lazy-semantics.md 4.1; defaults = the proposal):", 1 },
	{ "lazy-max-size", OPT_LAZY, "BYTES", 0, "T: largest VMA entering LAZY (K/M/G suffix; default inf)", 1 },
	{ "lazy-grow", OPT_LAZY, "keep|upgrade", 0, "LAZY VMA grown past T: keep (default) or upgrade", 1 },
	{ "lazy-child-mode", OPT_LAZY, "parent|eager", 0, "fork child of an EAGER VMA: PARENT (default) or own anon_vma", 1 },
	{ "lazy-upgrade-scope", OPT_LAZY, "vma|family", 0, "upgrade one VMA (default) or every VMA of its root", 1 },
	{ "lazy-rewrite", OPT_LAZY, "scan|during_copy", 0, "folios rewritten by an upgrade: all (scan, default) or those the operation visits", 1 },
	{ "lazy-reuse-neighbour-root", OPT_LAZY, "0|1", 0, "lazy entry adopts a compatible LAZY neighbour's root (default 0)", 1 },
	{ "lazy-merge-absorb", OPT_LAZY, "0|1", 0, "LAZY+EAGER merge upgrades the lazy side instead of refusing (default 0)", 1 },
	{ "lazy-mremap", OPT_LAZY, "upgrade|reindex", 0, "mremap move of a LAZY VMA (default upgrade)", 1 },
	{ "lazy-uffd-move", OPT_LAZY, "upgrade|reindex", 0, "UFFDIO_MOVE from a LAZY VMA (default upgrade)", 1 },
	{ "lazy-parent-upgrade-always", OPT_LAZY, "0|1", 0, "a PARENT VMA that forks is upgraded even without lazy folios (default 1)", 1 },
	{ "lazy-reuse-ancestor", OPT_LAZY, "0|1", 0, "PARENT upgrade reuses an idle ancestor anon_vma (default 1)", 1 },
	{ "lazy-vma-extra-bytes", OPT_LAZY, "N", 0, "extra bookkeeping bytes per VMA (default 0)", 1 },
	{ "lazy-enabled", OPT_LAZY, "0|1", 0, "0 makes the lazy scheme pure eager (default 1)", 1 },
	{ "lazy-skip-upgrade", OPT_LAZY, "fork+mremap+uffd_move", 0, "TEST ONLY: skip these upgrades to provoke the hazards", 1 },
	{ "lazy-test-leak-ref", OPT_LAZY, "N", 0, "TEST ONLY: after event N add a phantom root reference", 1 },
	{ "scheme-opt", 'O', "KEY=VALUE", 0, "any lazy option by its spec name, e.g. -O upgrade_scope=family", 1 },
	{},
};

/* --lazy-NAME=V and -O NAME=V append "NAME=V" to the lazy scheme's params */
static int lazy_param_add(struct argp_state *state, const char *name, const char *val)
{
	size_t n = strlen(env.lazy_params);
	int w = snprintf(env.lazy_params + n, sizeof(env.lazy_params) - n, "%s%s=%s",
			 n ? "," : "", name, val);

	if (w < 0 || (size_t)w >= sizeof(env.lazy_params) - n) {
		argp_error(state, "too many lazy options");
		return EINVAL;
	}
	return 0;
}

static char mode_buf[256];

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_MODE:
		return avt_argp_modes(state, arg, mode_buf, sizeof(mode_buf), env.modes, MAX_MODES,
				      &env.nr_modes, "--mode needs a scheme name");
	case OPT_STATE:
		env.state = true;
		env.state_path = arg;
		break;
	case OPT_STATE_AT: {
		char *end;
		unsigned long n;

		if (strncmp(arg, "checkpoint:", 11)) {
			argp_error(state, "--state-at takes checkpoint:N, not '%s'", arg);
			return EINVAL;
		}
		errno = 0;
		n = strtoul(arg + 11, &end, 10);
		if (end == arg + 11 || *end || arg[11] == '-' || errno || n > UINT32_MAX) {
			argp_error(state, "--state-at: bad checkpoint number '%s'", arg + 11);
			return EINVAL;
		}
		env.state = true;
		env.state_at = true;
		env.state_cp = (uint32_t)n;
		break;
	}
	case OPT_CHECK:
		env.check = true;
		break;
	case OPT_LIST_MODES:
		for (const char *const *s = avt_engine_schemes; *s; s++)
			printf("%s\n", *s);
		if (fflush(stdout) || ferror(stdout)) {
			avt_err("stdout: write error: %s", strerror(errno));
			exit(AVT_EXIT_FAIL);
		}
		exit(AVT_EXIT_OK);
	case OPT_NO_REPORT:
		env.no_report = true;
		break;
	case OPT_VERIFY:
		env.verify = true;
		break;
	case OPT_VERIFY_MODE:
		env.verify = true;
		env.verify_mode = arg;
		break;
	case OPT_VERIFY_SHOW: {
		char *end;
		unsigned long n = strtoul(arg, &end, 10);

		if (end == arg || *end || !n || n > 100000) {
			argp_error(state, "--verify-show takes a count 1..100000, not '%s'", arg);
			return EINVAL;
		}
		env.verify_show = (unsigned)n;
		break;
	}
	case OPT_LAZY:
		/* argv element is --lazy-NAME=VALUE or --lazy-NAME VALUE */
		{
			const char *opt = state->argv[state->next - 1];
			const char *name;
			size_t len;

			if (strncmp(opt, "--lazy-", 7))
				opt = state->argv[state->next - 2];
			name = opt + 7;
			len = strcspn(name, "=");
			char nb[64];

			snprintf(nb, sizeof(nb), "%.*s", (int)len, name);
			return lazy_param_add(state, nb, arg);
		}
	case 'O':
		if (!strchr(arg, '=')) {
			argp_error(state, "-O takes KEY=VALUE, not '%s'", arg);
			return EINVAL;
		}
		{
			char nb[64];
			size_t len = strcspn(arg, "=");

			snprintf(nb, sizeof(nb), "%.*s", (int)len, arg);
			return lazy_param_add(state, nb, arg + len + 1);
		}
	default:
		return avt_argp_file(key, arg, state, &env.input, "trace");
	}
	return 0;
}

static void warn_release(const struct avt_meta *m)
{
	const char *rel = avt_meta__get(m, AVT_KEY_RELEASE);
	int maj, min;

	if (!rel || sscanf(rel, "%d.%d", &maj, &min) != 2)
		return;
	if (maj < 6 || (maj == 6 && min < 16))
		avt_warn("trace recorded on Linux %s: no scheme models merge rules before 6.16", rel);
}

int cmd_replay(int argc, char **argv)
{
	const struct argp argp = { opts, parse_arg, "FILE", doc, NULL, NULL, NULL };
	struct avt_engine *eng[MAX_MODES] = { 0 };
	const struct avt_read_status *st;
	struct avt_reader *r = NULL;
	FILE *state_out = NULL;
	bool state_stdout, partial = false, cp_seen = false;
	char why[600];
	struct avt_event ev;
	int ret = AVT_EXIT_FAIL, err, i;

	memset(&env, 0, sizeof(env));
	argv[0] = (char *)"avtrace replay";
	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return AVT_EXIT_USAGE;
	if (env.verify) {
		if (env.state || env.nr_modes || env.check || env.lazy_params[0]) {
			avt_err("--verify picks its own scheme (--verify-mode=) and prints its own report: "
				"it does not combine with --mode, --state, --check-invariants or scheme options");
			return AVT_EXIT_USAGE;
		}
		return replay_verify(env.input, env.verify_mode, env.verify_show);
	}
	if (!env.nr_modes) {
		env.modes[0] = (char *)"eager-legacy";
		env.nr_modes = 1;
	}
	if (avt_modes_check(env.modes, env.nr_modes, "known: eager, eager-legacy, lazy"))
		return AVT_EXIT_USAGE;
	if (env.lazy_params[0]) {
		/* only the lazy scheme takes them: say so rather than ignore them */
		for (i = 0; i < env.nr_modes && strcmp(env.modes[i], "lazy"); i++)
			;
		if (i == env.nr_modes)
			avt_warn("lazy options ignored: --mode has no lazy scheme");
	}

	r = avt_trace_open(env.input);
	if (!r)
		return AVT_EXIT_FAIL;
	warn_release(avt_reader__meta(r));

	state_stdout = env.state && (!env.state_path || !strcmp(env.state_path, "-"));
	if (env.state) {
		if (state_stdout) {
			state_out = stdout;
		} else {
			state_out = fopen(env.state_path, "w");
			if (!state_out) {
				avt_err("cannot create %s: %s", env.state_path, strerror(errno));
				goto cleanup;
			}
		}
	}
	for (i = 0; i < env.nr_modes; i++) {
		char serr[256] = "";
		struct avt_engine_opts o = {
			.sz = sizeof(o),
			.meta = avt_reader__meta(r),
			.check_invariants = env.check,
			.scheme_params = strcmp(env.modes[i], "lazy") ? NULL : env.lazy_params,
			.errbuf = serr,
			.errbuf_len = sizeof(serr),
		};

		eng[i] = avt_engine__new(env.modes[i], &o);
		if (!eng[i]) {
			if (serr[0]) {
				avt_err("%s", serr);
				ret = AVT_EXIT_USAGE;
				goto cleanup;
			}
			avt_err("cannot start scheme %s: %s", env.modes[i], strerror(errno));
			goto cleanup;
		}
		if (env.state_at) {
			/* several schemes: only the first writes (one state per file) */
			if (i == 0)
				avt_engine__state_at_checkpoint(eng[i], env.state_cp, state_out);
		}
	}

	while ((err = avt_reader__next(r, &ev)) == 1) {
		if (ev.type == AVT_EV_CHECKPOINT && ev.u.checkpoint.n == env.state_cp)
			cp_seen = true;
		for (i = 0; i < env.nr_modes; i++) {
			err = avt_engine__feed(eng[i], &ev);
			if (err == -EPROTO) {
				avt_err("%s: %s: invariant failed: %s", env.input, env.modes[i],
					avt_engine__error(eng[i]));
				goto cleanup;
			} else if (err) {
				avt_err("%s: %s: %s", env.input, env.modes[i],
					avt_engine__error(eng[i]));
				goto cleanup;
			}
		}
	}
	/* A truncated or damaged binary trace: report the readable prefix
	 * (whole verified chunks) and say on one line where and why reading
	 * stopped; the exit status is 1. A text syntax error is refused. */
	if (avt_trace_stopped(env.input, r, err, why, sizeof(why))) {
		st = avt_reader__status(r);
		if (err < 0 || st->stop == AVT_STOP_TEXT_ERROR || st->stop == AVT_STOP_IO) {
			avt_err("%s", why);
			goto cleanup;
		}
		partial = true;
	}
	if (env.state_at && !cp_seen && !partial)
		avt_warn("%s: checkpoint %u is not in the trace: no state written", env.input,
			 env.state_cp);
	for (i = 0; i < env.nr_modes; i++)
		avt_engine__finish(eng[i]);
	{
		/* the numbers of tainted processes are not exact: say so once */
		double t = 0;

		if (!avt_engine__metric(eng[0], "tainted.processes", &t) && t > 0)
			avt_warn("%s: %.0f process%s tainted (unmodelled VMA changes or lost events): "
				 "their numbers are not exact (see the tainted.* lines)",
				 env.input, t, t == 1 ? " is" : "es are");
	}
	if (env.state && !env.state_at) {
		for (i = 0; i < env.nr_modes; i++) {
			if (env.nr_modes > 1)
				fprintf(state_out, "# scheme %s\n", env.modes[i]);
			if (avt_engine__write_state(eng[i], state_out)) {
				avt_err("writing the state: %s", strerror(errno));
				goto cleanup;
			}
		}
	}
	if (!env.no_report && !state_stdout)
		for (i = 0; i < env.nr_modes; i++)
			avt_engine__report(eng[i], stdout);
	if (fflush(stdout) || ferror(stdout)) {
		avt_err("stdout: write error: %s", strerror(errno));
		goto cleanup;
	}
	if (state_out && state_out != stdout) {
		errno = 0;
		err = fflush(state_out) || ferror(state_out) ? (errno ? errno : EIO) : 0;
		if (fclose(state_out) && !err)
			err = errno ? errno : EIO;
		state_out = NULL;
		if (err) {
			avt_err("%s: write error: %s", env.state_path, strerror(err));
			goto cleanup;
		}
	}
	if (partial) {
		avt_warn("%s; the report covers the %llu events before it", why,
			 (unsigned long long)avt_reader__status(r)->events);
		goto cleanup;
	}
	if (env.state_at && !cp_seen)
		goto cleanup;
	ret = AVT_EXIT_OK;
cleanup:
	if (state_out && state_out != stdout)
		fclose(state_out);
	for (i = 0; i < MAX_MODES; i++)
		avt_engine__free(eng[i]);
	avt_reader__close(r);
	return ret;
}
