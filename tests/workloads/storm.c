// SPDX-License-Identifier: MIT
/*
 * Event storm for drop accounting and rate measurement: ITER rounds of
 * mmap, touch, mprotect, munmap (argv[1], default 20000), then exit.
 * No waiting: it is meant to overrun a small ring buffer.
 */
#include "wl.h"

int main(int argc, char **argv)
{
	long iter = argc > 1 ? atol(argv[1]) : 20000;

	for (long i = 0; i < iter; i++) {
		char *p = wl_map(4 * PG);

		wl_touch(p, 4 * PG);
		if (mprotect(p, PG, PROT_READ))
			wl_die("mprotect");
		if (munmap(p, 4 * PG))
			wl_die("munmap");
	}
	return 0;
}
