// SPDX-License-Identifier: MIT
/*
 * Faults of one thread racing another thread's forks. Right before each
 * fork the main thread bumps a counter and waits for thread A, spinning on
 * it, to answer; A then writes the first page of a few fresh anonymous regions (each such write
 * creates the region's anon_vma) and a second page of one it wrote before
 * (no anon_vma work), a little apart, so some land before the clone's
 * entry, some inside the clone before dup_mmap takes the mmap lock, some
 * while it copies. Each child writes a few regions and exits at once. A
 * fault of A between the clone's entry and its fork event lands before or
 * after the copy: the trace's order alone cannot say which (replay places
 * it by the allocation-truth events). No syscall of A runs during the
 * forks: the regions are mapped up front, separated by PROT_NONE guards so
 * they stay separate VMAs and never share an anon_vma. Then it waits for
 * the checkpoint like the other workloads.
 */
#include <pthread.h>
#include "wl.h"

#define NREG   256	/* regions: 2 pages + a guard page each, after a guard */
#define REGPG  3
#define NFORK  24
#define PERFORK 4	/* fresh regions A writes per fork */
#define GAP_NS 30000	/* between two of A's faults */

static char *base;
static volatile int go, ack, stop;

/* busy wait (clock_gettime is the vDSO: no syscall of A during the forks) */
static void spin(long ns)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < ns);
}

static void *toucher(void *arg)
{
	int seen = 0, r = 0;

	(void)arg;
	while (!stop) {
		if (go == seen)
			continue;
		seen = go;
		ack = seen;	/* the main thread forks now */
		for (int k = 0; k < PERFORK && r < NREG; k++, r++) {
			base[(size_t)r * REGPG * PG] = (char)r;		/* creates */
			if (r)
				base[((size_t)(r - 1) * REGPG + 1) * PG] = 1;	/* does not */
			spin(GAP_NS);
		}
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
		struct timespec t0, t1;

		/* A is running and about to fault: fork (at most 1 s later) */
		go = i + 1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do
			clock_gettime(CLOCK_MONOTONIC, &t1);
		while (ack != go && t1.tv_sec - t0.tv_sec < 1);
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
