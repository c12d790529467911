// SPDX-License-Identifier: MIT
/*
 * The one FILE operand most commands take (replay, script, info, import):
 * the same two usage errors everywhere.
 */
#include <argp.h>
#include <errno.h>
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
