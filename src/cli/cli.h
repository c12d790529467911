/* SPDX-License-Identifier: MIT */
/* avtrace subcommands: each lives in src/cli/cmd_<name>.c. */
#ifndef AVT_CLI_H
#define AVT_CLI_H

#include <stddef.h>

/* Exit codes (documented in man/avtrace.1). */
enum {
	AVT_EXIT_OK = 0,
	AVT_EXIT_FAIL = 1,	/* could not run: bad input, I/O, privilege */
	AVT_EXIT_USAGE = 2,	/* bad option or argument */
	AVT_EXIT_MISMATCH = 3,	/* verification found a disagreement */
};

/* argv[0] is the subcommand name. */
int cmd_record(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_script(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_info(int argc, char **argv);

/* One-line error on stderr: "avtrace <cmd>: <message>". */
void avt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void avt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern const char *avt_cmd_name;

/* Trace files (trace_msg.c). avt_trace_msg: "PATH: why", or "PATH:N: reason"
 * for a text-form error "line N: reason"; returns buf. avt_trace_open:
 * avt_reader__open() that prints the one-line reason on failure.
 * avt_trace_stopped: after the last avt_reader__next() (its result in ret),
 * 0 if the whole trace was read, else -1 with the reason in buf. */
struct avt_reader;
struct argp_state;
/* argp: ARGP_KEY_ARG/ARGP_KEY_END of a command's one FILE operand ("one
 * WHAT file only", "missing WHAT FILE"); ARGP_ERR_UNKNOWN for other keys. */
int avt_argp_file(int key, char *arg, struct argp_state *state, const char **file,
		  const char *what);
/* argp: --mode=A,B,...: split into modes[] (at most max, pointing into buf,
 * a copy of arg of len bytes), *nr of them; EINVAL after a usage error:
 * too many, or none (the message none). */
int avt_argp_modes(struct argp_state *state, const char *arg, char *buf, size_t len,
		   char **modes, int max, int *nr, const char *none);
/* After parsing: each of the nr modes is a scheme of the engine and none is
 * listed twice; else one line ("unknown scheme 'X' (known)") and
 * AVT_EXIT_USAGE. */
int avt_modes_check(char *const *modes, int nr, const char *known);
const char *avt_trace_msg(const char *path, const char *why, char *buf, size_t len);
struct avt_reader *avt_trace_open(const char *path);
int avt_trace_stopped(const char *path, const struct avt_reader *r, int ret, char *buf,
		      size_t len);

#endif
