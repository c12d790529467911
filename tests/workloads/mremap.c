// SPDX-License-Identifier: MIT
/* mremap move / grow in place / grow with move / DONTUNMAP, and brk. */
#include "wl.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

int main(void)
{
	char *p, *q, *r, *hole, *brk0;
	pid_t kid;

	wl_init();
	/* reserve a window so grow-in-place has room, then unmap its tail */
	p = wl_map(32 * PG);
	wl_touch(p, 8 * PG);
	if (munmap(p + 8 * PG, 24 * PG))
		wl_die("munmap");
	q = mremap(p, 8 * PG, 16 * PG, 0);		/* grow in place */
	if (q == MAP_FAILED)
		wl_die("mremap grow");
	wl_touch(q + 8 * PG, 8 * PG);
	/* move to a fixed address */
	hole = wl_map(16 * PG);
	r = mremap(q, 16 * PG, 16 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	if (r == MAP_FAILED)
		wl_die("mremap fixed");
	/* grow where it cannot stay: a neighbour blocks it */
	p = wl_map(4 * PG);
	wl_touch(p, 4 * PG);
	q = mmap(p + 4 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	q = mremap(p, 4 * PG, 64 * PG, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		wl_die("mremap maymove");
	wl_touch(q + 4 * PG, 4 * PG);
	/* DONTUNMAP: the source stays mapped, empty */
	p = mremap(r, 8 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	if (p != MAP_FAILED) {
		wl_touch(r, 2 * PG);
		wl_touch(p, PG);
	}
	/* brk: grow, touch, shrink, grow again */
	brk0 = sbrk(0);
	if (sbrk(16 * PG) == (void *)-1)
		wl_die("sbrk");
	wl_touch(brk0, 16 * PG);
	if (sbrk(-8 * (long)PG) == (void *)-1)
		wl_die("sbrk");
	if (sbrk(4 * PG) == (void *)-1)
		wl_die("sbrk");
	kid = fork();
	if (kid < 0)
		wl_die("fork");
	if (kid == 0) {
		wl_touch(brk0, 8 * PG);
		wl_touch(r + 8 * PG, 8 * PG);
		wl_wait();
		_exit(0);
	}
	usleep(100000);
	wl_finish(&kid, 1);
	return 0;
}
