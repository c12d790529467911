// SPDX-License-Identifier: MIT
/*
 * mprotect split and merge, MAP_FIXED over faulted ranges, partial munmap,
 * then a fork so the split VMAs are cloned, and the child writes.
 */
#include "wl.h"

#define LEN (64 * PG)

int main(void)
{
	char *p, *q, c;
	int done[2];
	pid_t kid;

	wl_init();
	p = wl_map(LEN);
	wl_touch(p, LEN);
	/* split in three, then merge back */
	if (mprotect(p + 16 * PG, 16 * PG, PROT_READ))
		wl_die("mprotect");
	if (mprotect(p + 16 * PG, 16 * PG, PROT_READ | PROT_WRITE))
		wl_die("mprotect");
	/* split without merging back */
	if (mprotect(p + 40 * PG, 8 * PG, PROT_READ))
		wl_die("mprotect");
	/* MAP_FIXED over part of the faulted range: the old pages go away */
	q = mmap(p + 4 * PG, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	if (q == MAP_FAILED)
		wl_die("mmap fixed");
	wl_touch(q, 2 * PG);
	/* punch a hole */
	if (munmap(p + 56 * PG, 2 * PG))
		wl_die("munmap");
	/* an untouched neighbour gets faulted only after a split */
	q = wl_map(8 * PG);
	if (mprotect(q, 4 * PG, PROT_READ))
		wl_die("mprotect");
	wl_touch(q + 4 * PG, 4 * PG);
	/* the child says when its writes are done; only then is the parent
	 * ready (once it is, the test takes its checkpoint: a process still
	 * running -- faulting in the code of open() -- makes that snapshot
	 * ambiguous, formerly "partial", as CI saw once when the child said
	 * ready itself while the parent slept a fixed 100 ms) */
	if (pipe(done))
		wl_die("pipe");
	kid = fork();
	if (kid < 0)
		wl_die("fork");
	if (kid == 0) {
		wl_touch(p, 16 * PG);
		wl_touch(p + 48 * PG, 8 * PG);
		if (write(done[1], "d", 1) != 1)
			wl_die("write");
		wl_wait();
		_exit(0);
	}
	if (read(done[0], &c, 1) != 1)
		wl_die("read");
	wl_finish(&kid, 1);
	return 0;
}
