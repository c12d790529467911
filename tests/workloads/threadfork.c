// SPDX-License-Identifier: MIT
/*
 * Faults of one thread racing another thread's forks. Thread A writes the
 * first page of fresh anonymous regions, one after another (each such write
 * creates the region's anon_vma), plus a second page of regions it already
 * touched (no anon_vma work), while the main thread forks again and again;
 * each child writes a few regions and exits at once. A fault of A taken
 * while a fork is inside the kernel lands before or after dup_mmap's copy:
 * the trace's order alone cannot say which (replay places it by the
 * allocation-truth events). No syscall of A runs during the forks: the
 * regions are mapped up front, separated by PROT_NONE guards so they stay
 * separate VMAs and never share an anon_vma. Then it waits for the
 * checkpoint like the other workloads.
 */
#include <pthread.h>
#include "wl.h"

#define NREG   256	/* regions: 2 pages + a guard page each, after a guard */
#define REGPG  3
#define NFORK  24
#define GAP_NS 150000	/* between two of A's faults: spread them over the forks */

static char *base;
static volatile int stop;

/* busy wait (clock_gettime is the vDSO: no syscall of A during the forks) */
static void spin(void)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < GAP_NS && !stop);
}

static void *toucher(void *arg)
{
	(void)arg;
	/* first pages (creating), then second pages (not), until the forks end */
	for (int pass = 0; !stop; pass++) {
		for (int r = 0; r < NREG && !stop; r++) {
			base[((size_t)r * REGPG + (pass & 1)) * PG] = (char)r;
			spin();
		}
		if (pass >= 1)
			break;
	}
	return NULL;
}

int main(void)
{
	pthread_t a;
	pid_t kid;

	wl_init();
	/* all guard first (a writable anonymous mmap would merge with a
	 * neighbour that has an anon_vma), then the regions made writable */
	base = mmap(NULL, (NREG * REGPG + 1) * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		wl_die("mmap");
	base += PG;
	for (int r = 0; r < NREG; r++)
		if (mprotect(base + (size_t)r * REGPG * PG, 2 * PG, PROT_READ | PROT_WRITE))
			wl_die("mprotect");
	if (pthread_create(&a, NULL, toucher, NULL))
		wl_die("pthread_create");
	for (int i = 0; i < NFORK; i++) {
		kid = fork();
		if (kid < 0)
			wl_die("fork");
		if (kid == 0) {
			/* COW what the parent had, create or fill the rest */
			for (int r = i; r < NREG; r += 37)
				base[(size_t)r * REGPG * PG + 1] = 1;
			_exit(0);
		}
		if (waitpid(kid, NULL, 0) < 0)
			wl_die("waitpid");
	}
	stop = 1;
	pthread_join(a, NULL);
	wl_finish(NULL, 0);
	return 0;
}
