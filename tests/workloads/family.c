// SPDX-License-Identifier: MIT
/*
 * A process family that exists before the recorder starts (record -p on
 * the parent must adopt it): P maps and writes a region, forks A and B, A
 * forks G; each child writes part of the region. Then P says it is ready
 * ($AVT_READY) and everyone waits for SIGUSR1 (the recorder starts
 * meanwhile). On it, each process writes the whole region (COW faults)
 * and a fresh mapping of its own, P says so ($AVT_READY.2 once all four
 * are done) and everyone waits for a second SIGUSR1 (a checkpoint is
 * taken meanwhile), then exits, children first. Signals go to P only;
 * each process passes them on to its children.
 */
#include "wl.h"

#define LEN (16 * PG)

static char *region;
static int done_w;

static void phase2(pid_t kid)
{
	char *own;

	wl_wait();			/* the recorder is running */
	if (kid > 0)
		kill(kid, SIGUSR1);
	wl_touch(region, LEN);
	own = wl_map(4 * PG);
	wl_touch(own, 4 * PG);
	if (write(done_w, "d", 1) != 1)
		_exit(1);
	wl_wait();			/* the checkpoint is taken */
}

int main(void)
{
	int ready[2], done[2];
	pid_t kids[2], g;
	char c;

	wl_init();
	if (pipe(ready) || pipe(done))
		wl_die("pipe");
	done_w = done[1];
	region = wl_map(LEN);
	wl_touch(region, LEN);
	kids[0] = fork();
	if (kids[0] < 0)
		wl_die("fork");
	if (kids[0] == 0) {			/* A */
		wl_touch(region, LEN / 2);
		g = fork();
		if (g < 0)
			wl_die("fork");
		if (g == 0) {			/* G */
			wl_touch(region + LEN / 4, LEN / 4);
			if (write(ready[1], "g", 1) != 1)
				_exit(1);
			phase2(0);
			_exit(0);
		}
		if (write(ready[1], "a", 1) != 1)
			_exit(1);
		phase2(g);
		kill(g, SIGUSR1);
		waitpid(g, NULL, 0);
		_exit(0);
	}
	kids[1] = fork();
	if (kids[1] < 0)
		wl_die("fork");
	if (kids[1] == 0) {			/* B */
		wl_touch(region + LEN / 2, LEN / 2);
		if (write(ready[1], "b", 1) != 1)
			_exit(1);
		phase2(0);
		_exit(0);
	}
	for (int i = 0; i < 3; i++)
		if (read(ready[0], &c, 1) != 1)
			wl_die("read");
	wl_ready();
	wl_wait();				/* the recorder is running */
	for (int i = 0; i < 2; i++)
		kill(kids[i], SIGUSR1);
	wl_touch(region, LEN);
	{
		char *own = wl_map(4 * PG);

		wl_touch(own, 4 * PG);
		for (int i = 0; i < 3; i++)
			if (read(done[0], &c, 1) != 1)
				wl_die("read");
		wl_ready_as(".2");
	}
	wl_finish(kids, 2);
	return 0;
}
