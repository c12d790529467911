// SPDX-License-Identifier: MIT
/*
 * An exit racing a checkpoint. A child with 30000 VMAs (its exit snapshot,
 * taken by the dying task inside sched_process_exit, lasts tens of
 * milliseconds) exits, and at the same moment the parent asks the recorder
 * for a checkpoint (SIGUSR1 to its own parent: run it as `avtrace record
 * -- exitrace`), whose snapshot of the child then starts while the exit
 * snapshot is still being written. Five rounds. The two snapshots of the
 * child must never interleave in the stream (snap_vma records do not say
 * which snapshot they belong to). No ready/wait handshake.
 */
#include "wl.h"

#define ROUNDS 5
#define NVMA 30000

int main(void)
{
	pid_t recorder = getppid();

	for (int round = 0; round < ROUNDS; round++) {
		int go[2], ready[2];
		pid_t kid;
		char c;

		if (pipe(go) || pipe(ready))
			wl_die("pipe");
		kid = fork();
		if (kid < 0)
			wl_die("fork");
		if (kid == 0) {
			/* alternate protections: no two neighbours merge */
			for (int j = 0; j < NVMA; j++) {
				char *p = mmap(NULL, PG, PROT_READ | (j & 1 ? PROT_WRITE : 0),
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

				if (p == MAP_FAILED)
					_exit(1);
				(void)*(volatile char *)p;
			}
			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(1);
			_exit(0);
		}
		if (read(ready[0], &c, 1) != 1)
			wl_die("child setup");
		usleep(200 * 1000);	/* let the recorder drain the setup */
		if (write(go[1], "g", 1) != 1)
			wl_die("write");
		usleep(round * 2000);	/* a different moment each round */
		kill(recorder, SIGUSR1);
		waitpid(kid, NULL, 0);
		close(go[0]); close(go[1]); close(ready[0]); close(ready[1]);
	}
	return 0;
}
