// SPDX-License-Identifier: MIT
/* vfork + exec, fork + exec, and posix_spawn of short-lived programs. */
#include <spawn.h>
#include "wl.h"

extern char **environ;

int main(void)
{
	char *argv[] = { "true", NULL };
	char *p;
	pid_t pid;

	wl_init();
	p = wl_map(8 * PG);
	wl_touch(p, 8 * PG);
	pid = vfork();
	if (pid < 0)
		wl_die("vfork");
	if (pid == 0) {
		execv("/bin/true", argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	pid = fork();
	if (pid < 0)
		wl_die("fork");
	if (pid == 0) {
		wl_touch(p, 2 * PG);
		execv("/bin/true", argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) == 0)
		waitpid(pid, NULL, 0);
	wl_finish(NULL, 0);
	return 0;
}
