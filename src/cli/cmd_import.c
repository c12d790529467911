// SPDX-License-Identifier: MIT
/*
 * avtrace import: turn a text trace (avtrace-text(5)) into a binary one
 * (man/avtrace-import.1).
 *
 * Two passes over the text: the first checks every line and collects the
 * `meta` lines (the binary header needs all of them before the first
 * event, but a text file may hold them anywhere); the second writes. The
 * output goes to a temporary name beside OUT and is renamed at the end,
 * so a syntax or write error never leaves a partial trace behind.
 */
#include <argp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "avtrace/text.h"
#include "avtrace/trace.h"
#include "cli.h"

static struct env {
	const char *input;
	const char *output;
} env;

static const char doc[] =
	"Turn a text trace into a binary trace.\n"
	"\n"
	"USAGE: avtrace import TEXT -o FILE\n"
	"\n"
	"TEXT is in the syntax `avtrace script` prints (avtrace-text(5)); `-`\n"
	"reads stdin. A syntax error stops the import with FILE:LINE: reason and\n"
	"exit status 1, leaving no output file. `-o -` writes the binary trace\n"
	"to stdout.\n"
	"\n"
	"EXAMPLES:\n"
	"  avtrace script run.avt > run.txt\n"
	"  avtrace import run.txt -o copy.avt\n"
	"  avtrace import tests/scenarios/lazy-clean.txt -o clean.avt\n";

static const struct argp_option opts[] = {
	{ "output", 'o', "FILE", 0, "Write the binary trace to FILE (required)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'o':
		env.output = arg;
		break;
	case ARGP_KEY_ARG:
		return avt_argp_file(key, arg, state, &env.input, "text");
	case ARGP_KEY_END:
		avt_argp_file(key, arg, state, &env.input, "text");
		if (!env.output)
			argp_error(state, "missing -o FILE");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* stdin cannot be read twice: keep a copy in an unlinked temporary file. */
static FILE *spool_stdin(void)
{
	char buf[65536];
	FILE *f = tmpfile();
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
		if (fwrite(buf, 1, n, f) != n) {
			fclose(f);
			return NULL;
		}
	}
	if (ferror(stdin) || fflush(f) || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	return f;
}

struct pass {
	FILE *in;
	struct avt_text_parser *p;
	char *line;
	size_t cap;
	int lineno;
};

/*
 * Next event of the text: 1 with *ev filled, 0 at the end, -1 after
 * reporting an error (FILE:LINE: reason).
 */
static int pass_next(struct pass *ps, struct avt_event *ev, struct avt_meta *meta)
{
	char why[256];
	ssize_t n;
	int ret;

	while ((n = getline(&ps->line, &ps->cap, ps->in)) >= 0) {
		ps->lineno++;
		while (n && (ps->line[n - 1] == '\n' || ps->line[n - 1] == '\r'))
			ps->line[--n] = '\0';
		for (ssize_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)ps->line[i];

			if (!c) {
				avt_err("%s:%d: NUL byte in line: not a text trace", env.input,
					ps->lineno);
				return -1;
			}
			if ((c < 0x20 && !strchr("\t\f\v", c)) || c == 0x7f) {
				avt_err("%s:%d: control byte 0x%02x in line: not a text trace",
					env.input, ps->lineno, c);
				return -1;
			}
		}
		why[0] = '\0';
		ret = avt_text_parser__line(ps->p, ps->line, ev, meta, why, sizeof(why));
		if (ret < 0) {
			avt_err("%s:%d: %s", env.input, ps->lineno, why[0] ? why : strerror(-ret));
			return -1;
		}
		if (ret > 0)
			return 1;
	}
	if (ferror(ps->in)) {
		avt_err("%s: read error after line %d", env.input, ps->lineno);
		return -1;
	}
	return 0;
}

static int pass_start(struct pass *ps)
{
	avt_text_parser__free(ps->p);
	ps->p = avt_text_parser__new();
	ps->lineno = 0;
	if (!ps->p) {
		avt_err("out of memory");
		return -1;
	}
	if (fseek(ps->in, 0, SEEK_SET)) {
		avt_err("%s: cannot rewind: %s", env.input, strerror(errno));
		return -1;
	}
	return 0;
}

int cmd_import(int argc, char **argv)
{
	const struct argp argp = { opts, parse_arg, "TEXT", doc, NULL, NULL, NULL };
	struct pass ps = { 0 };
	struct avt_meta meta;
	struct avt_writer *w = NULL;
	struct avt_event ev;
	char *tmp = NULL;
	int ret = AVT_EXIT_FAIL, fd = -1, r, err;
	bool to_stdout, direct = false;
	const char *out_name;
	struct stat sb;

	memset(&env, 0, sizeof(env));
	argv[0] = (char *)"avtrace import";	/* argp's name in usage and errors */
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return AVT_EXIT_USAGE;
	to_stdout = !strcmp(env.output, "-");
	out_name = to_stdout ? "stdout" : env.output;
	avt_meta__init(&meta);

	ps.in = strcmp(env.input, "-") ? fopen(env.input, "r") : spool_stdin();
	if (!ps.in) {
		avt_err("%s: cannot open: %s", env.input, strerror(errno));
		goto cleanup;
	}
	if (!fstat(fileno(ps.in), &sb) && S_ISDIR(sb.st_mode)) {
		avt_err("%s: is a directory, not a text trace", env.input);
		goto cleanup;
	}
	{
		/* a binary trace given by mistake: say so, not "NUL byte" */
		char magic[8];

		if (fread(magic, 1, sizeof(magic), ps.in) == sizeof(magic) &&
		    !memcmp(magic, "AVTRACE", 8)) {
			avt_err("%s: is a binary trace already (avtrace script turns it into text)",
				env.input);
			goto cleanup;
		}
	}

	/* pass 1: syntax and metadata */
	if (pass_start(&ps))
		goto cleanup;
	while ((r = pass_next(&ps, &ev, &meta)) == 1)
		;
	if (r < 0)
		goto cleanup;

	/* pass 2: write, to a temporary name unless stdout or OUT is not a
	 * regular file (a device, a FIFO: renaming over /dev/null would
	 * replace the device node with a file) */
	if (!to_stdout && !stat(env.output, &sb) && !S_ISREG(sb.st_mode)) {
		if (S_ISDIR(sb.st_mode)) {
			avt_err("%s: is a directory", env.output);
			goto cleanup;
		}
		fd = open(env.output, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			avt_err("cannot open %s: %s", env.output, strerror(errno));
			goto cleanup;
		}
		direct = true;
	} else if (to_stdout) {
		fd = STDOUT_FILENO;
	} else {
		if (asprintf(&tmp, "%s.XXXXXX", env.output) < 0) {
			tmp = NULL;
			avt_err("out of memory");
			goto cleanup;
		}
		fd = mkstemp(tmp);
		if (fd < 0) {
			avt_err("cannot create %s: %s", env.output, strerror(errno));
			free(tmp);
			tmp = NULL;
			goto cleanup;
		}
	}
	w = avt_writer__fdopen(fd, &meta, NULL);
	if (!w) {
		avt_err("%s: write error: %s", out_name, strerror(errno));
		goto cleanup;
	}
	if (pass_start(&ps))
		goto cleanup;
	while ((r = pass_next(&ps, &ev, NULL)) == 1) {
		err = avt_writer__write(w, &ev);
		if (err == -EINVAL || err == -E2BIG) {	/* this event cannot be encoded */
			avt_err("%s:%d: this event cannot be written to a trace (%s)", env.input,
				ps.lineno, err == -E2BIG ? "too large" : "invalid");
			goto cleanup;
		} else if (err) {			/* the output failed */
			avt_err("%s: write error: %s", out_name, strerror(-err));
			goto cleanup;
		}
	}
	if (r < 0)
		goto cleanup;
	err = avt_writer__close(w);
	w = NULL;
	if (err) {
		avt_err("%s: write error: %s", out_name, strerror(-err));
		goto cleanup;
	}
	if (direct) {
		if (close(fd)) {
			fd = -1;
			avt_err("%s: write error: %s", env.output, strerror(errno));
			goto cleanup;
		}
		fd = -1;
	} else if (!to_stdout) {
		/* mode stays mkstemp's 0600, the writer's default for traces */
		if (fsync(fd) || close(fd)) {
			avt_err("%s: write error: %s", tmp, strerror(errno));
			fd = -1;
			goto cleanup;
		}
		fd = -1;
		if (rename(tmp, env.output)) {
			avt_err("cannot create %s: %s", env.output, strerror(errno));
			goto cleanup;
		}
		free(tmp);
		tmp = NULL;
	}
	ret = AVT_EXIT_OK;
cleanup:
	if (w)
		avt_writer__close(w);
	if (fd >= 0 && fd != STDOUT_FILENO)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	if (ps.in)
		fclose(ps.in);
	free(ps.line);
	avt_text_parser__free(ps.p);
	avt_meta__fini(&meta);
	return ret;
}
