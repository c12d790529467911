// SPDX-License-Identifier: MIT
/*
 * Two checkpoints apart (tests/record/snapretry.sh): P maps and writes a
 * region and forks C, which writes half of it. P says it is ready
 * ($AVT_READY) and both wait for SIGUSR1 (checkpoint 1 meanwhile). On it
 * each writes the whole region (COW faults), maps a fresh region of its
 * own, writes it and makes its middle page read-only (a split); once both
 * are done P creates $AVT_READY.2 and both wait for a second SIGUSR1
 * (checkpoint 2 meanwhile), then exit, C first. Signals go to P only; it
 * passes them on to C.
 */
#include "wl.h"

#define LEN (16 * PG)

static char *region;

static void phase2(void)
{
	char *own = wl_map(4 * PG);

	wl_touch(region, LEN);
	wl_touch(own, 4 * PG);
	if (mprotect(own + PG, PG, PROT_READ))
		wl_die("mprotect");
}

int main(void)
{
	int ready[2], done[2];
	pid_t kid;
	char c;

	wl_init();
	if (pipe(ready) || pipe(done))
		wl_die("pipe");
	region = wl_map(LEN);
	wl_touch(region, LEN);
	kid = fork();
	if (kid < 0)
		wl_die("fork");
	if (kid == 0) {
		wl_touch(region, LEN / 2);
		if (write(ready[1], "c", 1) != 1)
			_exit(1);
		wl_wait();		/* checkpoint 1 */
		phase2();
		if (write(done[1], "d", 1) != 1)
			_exit(1);
		wl_wait();		/* checkpoint 2 */
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1)
		wl_die("read");
	wl_ready();
	wl_wait();			/* checkpoint 1 */
	kill(kid, SIGUSR1);
	phase2();
	if (read(done[0], &c, 1) != 1)
		wl_die("read");
	wl_ready_as(".2");
	wl_wait();			/* checkpoint 2 */
	kill(kid, SIGUSR1);
	waitpid(kid, NULL, 0);
	return 0;
}
