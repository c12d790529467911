// SPDX-License-Identifier: MIT
/*
 * Lost events, then a re-seed: ITER rounds of mmap, touch, mprotect,
 * munmap (argv[1], default 5000) overrun a small ring buffer; then it
 * says it is ready ($AVT_READY) and waits for SIGUSR1 (two checkpoints
 * are taken meanwhile: the second re-seeds it). Then it changes its layout
 * (a mapping written, split by mprotect, partly unmapped), says so
 * ($AVT_READY.2) and waits again (a third checkpoint judges it).
 */
#include "wl.h"

int main(int argc, char **argv)
{
	long iter = argc > 1 ? atol(argv[1]) : 5000;
	const char *f = getenv("AVT_READY");
	char *p;

	wl_init();
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
	if (f) {
		char path[4096];
		int fd;

		snprintf(path, sizeof(path), "%s.2", f);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
	}
	wl_wait();
	return 0;
}
