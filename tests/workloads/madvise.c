// SPDX-License-Identifier: MIT
/* MADV_DONTFORK / MADV_WIPEONFORK / MADV_DONTNEED around a fork. */
#include "wl.h"

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif

int main(void)
{
	char *a, *b, *c;
	pid_t kid;

	wl_init();
	a = wl_map(8 * PG);
	b = wl_map(8 * PG);
	c = wl_map(8 * PG);
	wl_touch(a, 8 * PG);
	wl_touch(b, 8 * PG);
	wl_touch(c, 8 * PG);
	if (madvise(a + 2 * PG, 2 * PG, MADV_DONTFORK))
		wl_die("madvise dontfork");
	if (madvise(b, 8 * PG, MADV_WIPEONFORK))
		wl_die("madvise wipeonfork");
	if (madvise(c, 4 * PG, MADV_DONTNEED))
		wl_die("madvise dontneed");
	kid = fork();
	if (kid < 0)
		wl_die("fork");
	if (kid == 0) {
		wl_touch(a, 2 * PG);
		wl_touch(b, 8 * PG);
		wl_touch(c, 8 * PG);
		wl_wait();
		_exit(0);
	}
	/* undo DONTFORK, then fork again */
	if (madvise(a + 2 * PG, 2 * PG, MADV_DOFORK))
		wl_die("madvise dofork");
	{
		pid_t kids[2] = { kid, fork() };

		if (kids[1] < 0)
			wl_die("fork");
		if (kids[1] == 0) {
			wl_touch(a, 8 * PG);
			wl_wait();
			_exit(0);
		}
		usleep(100000);
		wl_finish(kids, 2);
	}
	return 0;
}
