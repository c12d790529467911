// SPDX-License-Identifier: MIT
/*
 * decode: read a trace and count its events (decode-only throughput).
 * Timed in thread CPU time (a loaded machine skews wall time) and wall time.
 */
#include <stdio.h>
#include <time.h>
#include "avtrace/trace.h"

int main(int argc, char **argv)
{
	struct avt_event ev;
	struct timespec a, b, ca, cb;
	struct avt_reader *r;
	char why[256] = "";
	unsigned long long n = 0;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: decode FILE\n");
		return 2;
	}
	r = avt_reader__open(argv[1], why, sizeof(why));
	if (!r) {
		fprintf(stderr, "decode: %s: %s\n", argv[1], why);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ca);
	while ((err = avt_reader__next(r, &ev)) > 0)
		n++;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cb);
	clock_gettime(CLOCK_MONOTONIC, &b);
	avt_reader__close(r);
	if (err < 0) {
		fprintf(stderr, "decode: read error\n");
		return 1;
	}
	double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	double c = (cb.tv_sec - ca.tv_sec) + (cb.tv_nsec - ca.tv_nsec) / 1e9;
	printf("decode.events %llu\ndecode.cpu_seconds %.3f\ndecode.wall_seconds %.3f\n"
	       "decode.events_per_sec %.0f\n", n, c, s, c > 0 ? n / c : 0.0);
	return 0;
}
