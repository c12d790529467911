// SPDX-License-Identifier: MIT
/*
 * Repeated faults on the same pages with no call that changes the mapping:
 * a MAP_SHARED file mapping on a disk file system is written, then
 * fdatasync(2) writes it back and write-protects it again, so every round
 * takes one write fault per page (ROUNDS x PAGES, default 200 x 8). The
 * in-kernel fault filter drops all but the first round's; the model's
 * answer must not change. A private anonymous region is written alongside
 * (its faults are first touches, always kept). Then it waits.
 */
#include "wl.h"

#define PAGES 8

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	char path[] = "/var/tmp/avt-wl-refaultXXXXXX";
	char *sh, *anon;
	int fd;

	wl_init();
	fd = mkstemp(path);
	if (fd < 0)
		wl_die("mkstemp");
	unlink(path);
	if (ftruncate(fd, PAGES * PG))
		wl_die("ftruncate");
	sh = mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (sh == MAP_FAILED)
		wl_die("mmap shared");
	anon = wl_map(PAGES * PG);
	for (int r = 0; r < rounds; r++) {
		wl_touch(sh, PAGES * PG);
		if (fdatasync(fd))
			wl_die("fdatasync");
	}
	wl_touch(anon, PAGES * PG);
	wl_finish(NULL, 0);
	close(fd);
	return 0;
}
