// SPDX-License-Identifier: MIT
/*
 * Repeated faults on the same pages with no call that changes the mapping:
 * a MAP_SHARED file mapping on a disk file system ($AVT_REFAULT_FILE,
 * default /var/tmp/avt-wl-refault.dat: not tmpfs) is written, then
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
	const char *path = getenv("AVT_REFAULT_FILE");
	char *sh, *anon;
	int fd;

	wl_init();
	/* $AVT_HOLD: wait for SIGUSR1 before starting, so a recorder can
	 * attach with -p first (the fault-filter test wants two identical
	 * runs, without the recorder's own fork-before-exec in them) */
	if (getenv("AVT_HOLD"))
		wl_wait();
	/* a named file that outlives the run, so two recordings map the
	 * same inode (the fault-filter test compares their models) */
	if (!path)
		path = "/var/tmp/avt-wl-refault.dat";
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		wl_die("open");
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
	/* _exit: no exit-time work of a sanitizer runtime (LeakSanitizer
	 * clones a tracer sharing our mm), so two runs stay identical */
	_exit(0);
}
