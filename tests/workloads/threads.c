// SPDX-License-Identifier: MIT
/* Threads mapping, touching and unmapping concurrently, then a fork. */
#include <pthread.h>
#include "wl.h"

#define NT 4

static void *worker(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < 50; i++) {
		char *p = wl_map((size_t)(id + 1) * 4 * PG);

		wl_touch(p, (size_t)(id + 1) * 4 * PG);
		if (i % 3)
			munmap(p, (size_t)(id + 1) * 4 * PG);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[NT];
	char *shared;
	pid_t kid;

	wl_init();
	shared = wl_map(32 * PG);
	wl_touch(shared, 32 * PG);
	for (long i = 0; i < NT; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i))
			wl_die("pthread_create");
	for (int i = 0; i < NT; i++)
		pthread_join(t[i], NULL);
	kid = fork();
	if (kid < 0)
		wl_die("fork");
	if (kid == 0) {
		wl_touch(shared, 16 * PG);
		wl_wait();
		_exit(0);
	}
	usleep(100000);
	wl_finish(&kid, 1);
	return 0;
}
