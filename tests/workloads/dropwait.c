// SPDX-License-Identifier: MIT
/*
 * Lost events, then a re-seed: with KIDS (argv[2], default 0) children
 * forked first over a written region (one anon_vma family with them), ITER
 * rounds of mmap, touch, mprotect, munmap (argv[1], default 5000) overrun
 * a small ring buffer; then it says it is ready ($AVT_READY) and waits for
 * SIGUSR1 (two checkpoints are taken meanwhile: the second re-seeds it,
 * with its children). Then it changes its layout (a mapping written, split
 * by mprotect, partly unmapped; the shared region written again), says so
 * ($AVT_READY.2) and waits again (a third checkpoint judges it). The
 * children write the region, wait, and exit when it does.
 */
#include "wl.h"

#define KIDS_MAX 8

int main(int argc, char **argv)
{
	long iter = argc > 1 ? atol(argv[1]) : 5000;
	int nkids = argc > 2 ? atoi(argv[2]) : 0;
	pid_t kids[KIDS_MAX];
	char *p, *shared;

	wl_init();
	if (nkids < 0 || nkids > KIDS_MAX)
		nkids = KIDS_MAX;
	shared = wl_map(8 * PG);
	wl_touch(shared, 8 * PG);
	for (int i = 0; i < nkids; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			wl_die("fork");
		if (kids[i] == 0) {
			wl_touch(shared + (size_t)i * PG, PG);
			wl_wait();
			_exit(0);
		}
	}
	for (long i = 0; i < iter; i++) {
		p = wl_map(4 * PG);
		wl_touch(p, 4 * PG);
		if (mprotect(p, PG, PROT_READ))
			wl_die("mprotect");
		if (munmap(p, 4 * PG))
			wl_die("munmap");
	}
	wl_ready();
	wl_wait();
	p = wl_map(8 * PG);
	wl_touch(p, 8 * PG);
	if (mprotect(p + 2 * PG, PG, PROT_READ))
		wl_die("mprotect");
	if (munmap(p + 6 * PG, 2 * PG))
		wl_die("munmap");
	wl_touch(shared, 8 * PG);
	wl_ready_as(".2");
	wl_wait();
	for (int i = 0; i < nkids; i++) {	/* one exit snapshot at a time */
		kill(kids[i], SIGUSR1);
		waitpid(kids[i], NULL, 0);
		usleep(50000);
	}
	return 0;
}
