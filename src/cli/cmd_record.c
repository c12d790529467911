// SPDX-License-Identifier: MIT
/*
 * avtrace record: option parsing only; the recorder lives in src/record/
 * (driver) and bpf/record.bpf.c (the programs). Flags follow libbpf-tools
 * (opensnoop's -p/-c/-d/-v meanings).
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "record/recorder.h"

enum {
	OPT_CKPT = 0x100, OPT_NO_FAULT_FILTER, OPT_NO_ALLOC, OPT_PROBE, OPT_STATUS, OPT_NO_STATUS,
	OPT_KEEP_EXEC_FAULTS, OPT_SNAP_SOURCE,
};

static const char doc[] =
	"Capture the VMA operations of workloads with eBPF (needs root).\n"
	"\n"
	"USAGE: avtrace record [OPTION...] -- CMD [ARG...]\n"
	"       avtrace record [OPTION...] -p PID[,PID...] | -c CGROUP | -a\n"
	"\n"
	"EXAMPLES:\n"
	"  avtrace record -o make.avt -- make -j2   # launch and follow a command\n"
	"  avtrace record -p 1234 -d 30             # a running process, 30 seconds\n"
	"  avtrace record -a --checkpoint-every=10  # everything, snapshot every 10 s\n"
	"  kill -USR1 $(pidof avtrace)              # take a checkpoint now\n"
	"\vSee avtrace-record(8).";

static const struct argp_option options[] = {
	{ "output", 'o', "FILE", 0, "Trace file (default avtrace.avt, mode 0600)", 0 },
	{ "pid", 'p', "PID[,PID...]", 0, "Trace these processes and their descendants", 0 },
	{ "cgroup", 'c', "PATH", 0, "Trace the tasks of this cgroup (v2 directory)", 0 },
	{ "all", 'a', NULL, 0, "Trace every process (system-wide)", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS", 0 },
	{ "ring-size", 'b', "SIZE", 0, "Ring buffer size in bytes, K/M suffix (default 16M; "
	  "rounded up to a power of two)", 0 },
	{ "checkpoint-every", OPT_CKPT, "SECONDS", 0, "Take a checkpoint (snapshot of every "
	  "traced process) every SECONDS", 0 },
	{ "no-fault-filter", OPT_NO_FAULT_FILTER, NULL, 0, "Record every page fault (default: "
	  "repeated faults on a page are dropped in the kernel)", 0 },
	{ "no-alloc", OPT_NO_ALLOC, NULL, 0, "Do not record anon_vma/AVC allocations", 0 },
	{ "snapshot-source", OPT_SNAP_SOURCE, "SRC", 0, "Where snapshots come from: iter (BPF "
	  "task_vma iterators), procfs (/proc/PID/smaps: no anon_vma facts, no exec/exit "
	  "snapshots), auto (default: iter, procfs on kernels without the open-coded iterator)", 0 },
	{ "status", OPT_STATUS, NULL, 0, "Show the live status line even when not on a TTY", 0 },
	{ "no-status", OPT_NO_STATUS, NULL, 0, "Never show the live status line", 0 },
	{ "probe", OPT_PROBE, NULL, 0, "Only check that a trivial tp_btf program loads; exit 0 "
	  "if it does", 0 },
	{ "verbose", 'v', NULL, 0, "Show libbpf's log (verifier output on load errors)", 0 },
	/* for tests: record what older recorders did, to show what the fix changes */
	{ "keep-exec-faults", OPT_KEEP_EXEC_FAULTS, NULL, OPTION_HIDDEN,
	  "Keep kernel faults on the new image inside execve (written before the exec event)", 0 },
	{ 0 }
};

struct args {
	struct record_opts o;
	int probe;
	size_t pid_cap;
};

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	/* !(v > 0): NaN compares false both ways and would never expire */
	if (errno || end == s || *end || !(v > 0) || v > 1e7)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || s[0] == '-')
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end || v < 4096 || v > (1ULL << 30))
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_pids(struct args *a, const char *arg)
{
	/* strtok on a copy: argv is joined into the trace's cmdline later */
	char *s = strdup(arg), *save = NULL;
	int err = s ? 0 : -ENOMEM;

	for (char *tok = s ? strtok_r(s, ",", &save) : NULL; tok && !err;
	     tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long v;

		errno = 0;
		v = strtol(tok, &end, 10);
		if (errno || end == tok || *end || v <= 0 || v > (1 << 22)) {
			err = -EINVAL;
			break;
		}
		if (a->o.nr_pids == a->pid_cap) {
			size_t nc = a->pid_cap ? a->pid_cap * 2 : 8;
			pid_t *np = realloc(a->o.pids, nc * sizeof(*np));

			if (!np) {
				err = -ENOMEM;
				break;
			}
			a->o.pids = np;
			a->pid_cap = nc;
		}
		a->o.pids[a->o.nr_pids++] = (pid_t)v;
	}
	free(s);
	return err ?: (a->o.nr_pids ? 0 : -EINVAL);
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;

	switch (key) {
	case 'o':
		a->o.output = arg;
		break;
	case 'p':
		if (parse_pids(a, arg))
			argp_error(state, "bad pid list '%s' (expected PID[,PID...])", arg);
		break;
	case 'c':
		a->o.cgroup = arg;
		break;
	case 'a':
		a->o.all = true;
		break;
	case 'd':
		if (parse_seconds(arg, &a->o.duration))
			argp_error(state, "bad duration '%s' (expected seconds > 0)", arg);
		break;
	case 'b':
		if (parse_size(arg, &a->o.ring_size))
			argp_error(state, "bad ring size '%s' (expected 4K..1G, e.g. 64M)", arg);
		break;
	case OPT_CKPT:
		if (parse_seconds(arg, &a->o.checkpoint_every))
			argp_error(state, "bad checkpoint interval '%s' (expected seconds > 0)", arg);
		break;
	case OPT_NO_FAULT_FILTER:
		a->o.fault_filter = false;
		break;
	case OPT_NO_ALLOC:
		a->o.alloc = false;
		break;
	case OPT_STATUS:
		a->o.status = 1;
		break;
	case OPT_NO_STATUS:
		a->o.status = 0;
		break;
	case OPT_PROBE:
		a->probe = 1;
		break;
	case OPT_SNAP_SOURCE:
		if (!strcmp(arg, "auto"))
			a->o.snap_source = RECORD_SNAP_AUTO;
		else if (!strcmp(arg, "iter"))
			a->o.snap_source = RECORD_SNAP_ITER;
		else if (!strcmp(arg, "procfs"))
			a->o.snap_source = RECORD_SNAP_PROCFS;
		else
			argp_error(state, "bad snapshot source '%s' (expected auto, iter or procfs)", arg);
		break;
	case OPT_KEEP_EXEC_FAULTS:
		a->o.keep_exec_faults = true;
		break;
	case 'v':
		a->o.verbose = true;
		break;
	case ARGP_KEY_ARG:
		/* the command and everything after it belong to the command */
		a->o.cmd_argv = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (a->probe)
			break;
		if (!!a->o.cmd_argv + !!a->o.nr_pids + !!a->o.cgroup + a->o.all != 1)
			argp_error(state, "give exactly one target: -- CMD, -p PID, -c CGROUP or -a");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* An executable regular file? 0, else -errno as execve would say it. */
static int try_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || access(path, X_OK))
		return -EACCES;
	return 0;
}

/*
 * Find CMD the way execvp will, before anything is loaded or the output
 * truncated: a command that cannot start must not cost the previous trace.
 */
static int find_command(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];
	int err = -ENOENT;

	if (!*name)
		return -ENOENT;
	if (strchr(name, '/'))
		return try_exec(name);
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *p = path, *e; ; p = e + 1) {
		int len, ret;

		e = strchrnul(p, ':');
		len = (int)(e - p);
		if ((size_t)snprintf(buf, sizeof(buf), "%.*s%s%s", len, p, len ? "/" : "",
				     name) < sizeof(buf)) {
			ret = try_exec(buf);
			if (!ret)
				return 0;
			if (ret == -EACCES)
				err = ret;
		}
		if (!*e)
			break;
	}
	return err;
}

/* The command line for the trace's metadata; argv[0] is "avtrace record". */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = 0;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int cmd_record(int argc, char **argv)
{
	static const struct argp argp = { options, parse_arg, NULL, doc, NULL, NULL, NULL };
	struct args a = {
		.o = {
			.output = "avtrace.avt",
			.ring_size = 16 << 20,
			.fault_filter = true,
			.alloc = true,
			.status = -1,
		},
	};
	char why[512];
	int ret;

	/* argp names the program after argv[0] in its messages */
	argv[0] = "avtrace record";
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &a)) {
		free(a.o.pids);
		return AVT_EXIT_USAGE;
	}
	if (a.probe) {
		ret = record__probe(why, sizeof(why));
		free(a.o.pids);
		if (ret) {
			avt_err("%s", why);
			return AVT_EXIT_FAIL;
		}
		printf("ok: tp_btf programs load on this machine\n");
		return AVT_EXIT_OK;
	}
	if (a.o.cmd_argv) {
		ret = find_command(a.o.cmd_argv[0]);
		if (ret) {
			avt_err("cannot run %s: %s", a.o.cmd_argv[0], strerror(-ret));
			free(a.o.pids);
			return AVT_EXIT_FAIL;
		}
	}
	a.o.cmdline = join_args(argc, argv);
	ret = record__run(&a.o);
	free((char *)a.o.cmdline);
	free(a.o.pids);
	return ret;
}
