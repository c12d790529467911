// SPDX-License-Identifier: MIT
/*
 * replay: engine-only throughput of one scheme, single-threaded.
 *
 * The trace is decoded in chunks of CHUNK events into memory; only the
 * avt_engine__feed() calls of each chunk are timed (thread CPU time, so a
 * loaded machine skews the figure less than wall time would), so the
 * engine figure excludes decode. The decode time of the same pass is
 * printed too, and the sum is what `avtrace replay` costs.
 *
 * With --page-ops, a second (untimed) pass counts the simulated page
 * operations: one per fault event, one per PTE copied into a fork child,
 * one per PTE zapped (munmap, exit, ...) or moved, read from the engine's
 * page tables around each event (engine/internal.h; the probes would skew
 * the timed pass, hence the separate pass).
 *
 * Usage: replay SCHEME FILE [--page-ops]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "avtrace/engine.h"
#include "avtrace/trace.h"
#include "engine/internal.h"

#define CHUNK 1024

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static struct avt_engine *engine_new(const char *scheme, struct avt_reader *r)
{
	char why[256] = "";
	struct avt_engine_opts o = {
		.sz = sizeof(o), .meta = avt_reader__meta(r),
		.errbuf = why, .errbuf_len = sizeof(why),
	};
	struct avt_engine *e = avt_engine__new(scheme, &o);

	if (!e)
		fprintf(stderr, "replay: scheme %s: %s\n", scheme, why[0] ? why : strerror(errno));
	return e;
}

static size_t mm_ptes(struct avt_engine *e, uint32_t pid)
{
	struct avt_proc *p = avt_proc__find(e, pid);

	return p && p->mm ? p->mm->ptes.n : 0;
}

/* page operations of one event, from the page tables around it */
static uint64_t feed_counting(struct avt_engine *e, const struct avt_event *ev, int *err)
{
	size_t before = mm_ptes(e, ev->pid), after;

	*err = avt_engine__feed(e, ev);
	switch (ev->type) {
	case AVT_EV_FAULT:
		return 1;
	case AVT_EV_FORK:
		return ev->u.fork.flags & AVT_FORK_NEWMM ? mm_ptes(e, ev->u.fork.child_pid) : 0;
	default:
		after = mm_ptes(e, ev->pid);
		return before > after ? before - after : after - before;
	}
}

int main(int argc, char **argv)
{
	static struct avt_event buf[CHUNK];
	double t_dec = 0, t_eng = 0, t0, t1;
	unsigned long long n = 0, page_ops = 0;
	int count_ops = argc > 3 && !strcmp(argv[3], "--page-ops");
	struct avt_engine *e, *ce = NULL;
	struct avt_reader *r;
	char why[256] = "";
	struct rusage ru;
	int err = 0, rd = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: replay SCHEME FILE [--page-ops]\n");
		return 2;
	}
	r = avt_reader__open(argv[2], why, sizeof(why));
	if (!r) {
		fprintf(stderr, "replay: %s: %s\n", argv[2], why);
		return 1;
	}
	e = engine_new(argv[1], r);
	if (!e)
		return 1;
	while (rd > 0 && !err) {
		size_t k = 0;

		t0 = cpu_now();
		while (k < CHUNK && (rd = avt_reader__next(r, &buf[k])) > 0)
			k++;
		t1 = cpu_now();
		t_dec += t1 - t0;
		for (size_t i = 0; i < k && !err; i++)
			err = avt_engine__feed(e, &buf[i]);
		t_eng += cpu_now() - t1;
		n += k;
	}
	if (rd < 0 || err) {
		fprintf(stderr, "replay: %s\n", err ? avt_engine__error(e) : "read error");
		return 1;
	}
	t0 = cpu_now();
	avt_engine__finish(e);
	t_eng += cpu_now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	avt_reader__close(r);

	if (count_ops) {
		r = avt_reader__open(argv[2], why, sizeof(why));
		ce = r ? engine_new(argv[1], r) : NULL;
		if (!ce)
			return 1;
		while (!err && avt_reader__next(r, &buf[0]) > 0)
			page_ops += feed_counting(ce, &buf[0], &err);
		avt_engine__free(ce);
		avt_reader__close(r);
	}

	printf("replay.%s.events %llu\n", argv[1], n);
	printf("replay.%s.decode_cpu_seconds %.3f\n", argv[1], t_dec);
	printf("replay.%s.engine_cpu_seconds %.3f\n", argv[1], t_eng);
	printf("replay.%s.engine_events_per_sec %.0f\n", argv[1], t_eng > 0 ? n / t_eng : 0.0);
	printf("replay.%s.events_per_sec %.0f\n", argv[1],
	       t_eng + t_dec > 0 ? n / (t_eng + t_dec) : 0.0);
	if (count_ops) {
		printf("replay.%s.page_ops %llu\n", argv[1], page_ops);
		printf("replay.%s.ns_per_page_op %.1f\n", argv[1],
		       page_ops ? t_eng * 1e9 / page_ops : 0.0);
	}
	printf("replay.%s.bench_peak_rss_kb %ld\n", argv[1], ru.ru_maxrss);
	avt_engine__free(e);
	return 0;
}
