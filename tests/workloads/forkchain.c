// SPDX-License-Identifier: MIT
/*
 * Fork chain with anon_vma reuse: P maps and touches a region and forks A;
 * A writes half of it (COW) and forks B; B writes; A exits, so its
 * anon_vmas lose their last VMA; then B forks C, whose anon_vma_clone may
 * reuse one of them; C writes everything. P (a subreaper, so B comes back
 * to it), B and C wait for the checkpoint.
 */
#include <sys/prctl.h>
#include "wl.h"

#define LEN (16 * PG)

int main(void)
{
	int ab[2], go[2], done[2];
	pid_t a, b, c;
	char *p, x;

	wl_init();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (pipe(ab) || pipe(go) || pipe(done))
		wl_die("pipe");
	p = wl_map(LEN);
	wl_touch(p, LEN);
	a = fork();
	if (a < 0)
		wl_die("fork");
	if (a == 0) {
		wl_touch(p, LEN / 2);
		b = fork();
		if (b < 0)
			wl_die("fork");
		if (b == 0) {
			wl_touch(p + LEN / 4, LEN / 2);
			if (read(go[0], &x, 1) != 1)	/* A has exited */
				_exit(1);
			c = fork();
			if (c < 0)
				wl_die("fork");
			if (c == 0) {
				wl_touch(p, LEN);
				if (write(done[1], "c", 1) != 1)
					_exit(1);
				wl_wait();
				_exit(0);
			}
			wl_touch(p + LEN - PG, PG);
			if (write(done[1], "b", 1) != 1)
				_exit(1);
			wl_wait();
			kill(c, SIGUSR1);
			waitpid(c, NULL, 0);
			_exit(0);
		}
		if (write(ab[1], &b, sizeof(b)) != sizeof(b))
			_exit(1);
		_exit(0);
	}
	waitpid(a, NULL, 0);
	if (read(ab[0], &b, sizeof(b)) != sizeof(b))
		wl_die("read");
	if (write(go[1], "g", 1) != 1)
		wl_die("write");
	if (read(done[0], &x, 1) != 1 || read(done[0], &x, 1) != 1)
		wl_die("read");
	wl_touch(p, PG);
	wl_finish(&b, 1);
	return 0;
}
