// SPDX-License-Identifier: MIT
/*
 * The one FILE operand most commands take (replay, script, info, import):
 * the same two usage errors everywhere. And --mode=A,B,... of replay and
 * diff.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "avtrace/engine.h"
#include "cli.h"

int avt_argp_file(int key, char *arg, struct argp_state *state, const char **file,
		  const char *what)
{
	switch (key) {
	case ARGP_KEY_ARG:
		if (*file) {
			argp_error(state, "one %s file only (extra '%s')", what, arg);
			return EINVAL;
		}
		*file = arg;
		return 0;
	case ARGP_KEY_END:
		if (!*file)
			argp_error(state, "missing %s FILE", what);
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

int avt_argp_modes(struct argp_state *state, const char *arg, char *buf, size_t len,
		   char **modes, int max, int *nr, const char *none)
{
	char *tok, *save = NULL;

	snprintf(buf, len, "%s", arg);
	*nr = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*nr == max) {
			argp_error(state, "at most %d schemes", max);
			return EINVAL;
		}
		modes[(*nr)++] = tok;
	}
	if (!*nr) {
		argp_error(state, "%s", none);
		return EINVAL;
	}
	return 0;
}

int avt_modes_check(char *const *modes, int nr, const char *known)
{
	for (int i = 0; i < nr; i++) {
		const char *const *s;

		for (s = avt_engine_schemes; *s && strcmp(*s, modes[i]); s++)
			;
		if (!*s) {
			avt_err("unknown scheme '%s' (%s)", modes[i], known);
			return AVT_EXIT_USAGE;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(modes[j], modes[i])) {
				avt_err("scheme '%s' is listed twice in --mode", modes[i]);
				return AVT_EXIT_USAGE;
			}
	}
	return 0;
}
