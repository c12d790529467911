// SPDX-License-Identifier: MIT
/* avtrace diff: not implemented yet (see the issue tracker). */
#include "cli.h"

int cmd_diff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	avt_err("not implemented yet");
	return AVT_EXIT_FAIL;
}
