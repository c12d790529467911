/* SPDX-License-Identifier: MIT */
/*
 * The random THP sequence generator shared by test_engine_thp_random (both
 * eager schemes) and test_lazy_thp_random (lazy, plus rmap walks): writes
 * and reads at random pages of a 3-block window, partial and whole munmap,
 * mprotect, madvise, MAP_FIXED, mremap by aligned and unaligned distances,
 * fork, exit, thp mode changes. Each line is parsed as text and fed to the
 * first g->ne engines. AVT_THP_DUMP prints the sequence. Include after
 * <cmocka.h>.
 */
#ifndef AVT_TEST_THP_GEN_H
#define AVT_TEST_THP_GEN_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "avtrace/engine.h"
#include "avtrace/text.h"

#define BASE 0x40000000ULL
#define WIN  (3ULL << 21)	/* three PMD blocks */
#define PG   0x1000ULL
#define MAXP 6
#define THP_GEN_MAXE 3

struct gen {
	uint64_t rng;
	uint32_t pids[MAXP];
	int n;
	uint32_t next_pid;
	struct avt_engine *e[THP_GEN_MAXE];
	int ne;			/* engines fed */
	bool rmap_walks;	/* step() also issues rmap walks */
	struct avt_text_parser *tp;
	struct avt_meta meta;
	uint64_t thp, splits, fallbacks, walks, hazards;
	/* optional: called after every line was fed to every engine */
	void (*after)(struct gen *g, const char *line);
};

static uint64_t rnd(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

static void line(struct gen *g, const char *fmt, ...)
{
	char buf[300], why[256];
	struct avt_event ev;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (getenv("AVT_THP_DUMP"))	/* the sequence as a text trace, to replay */
		fprintf(stderr, "%s\n", buf);
	if (avt_text_parser__line(g->tp, buf, &ev, &g->meta, why, sizeof(why)) != 1)
		fail_msg("parse '%s': %s", buf, why);
	for (int i = 0; i < g->ne; i++)
		if (avt_engine__feed(g->e[i], &ev))
			fail_msg("%s: '%s': %s", avt_engine__scheme(g->e[i]), buf,
				 avt_engine__error(g->e[i]));
	if (g->after)
		g->after(g, buf);
}

static void new_proc(struct gen *g)
{
	uint32_t pid = g->next_pid++;

	line(g, "%u exec file=/bin/t comm=t", pid);
	line(g, "%u mmap addr=%#llx len=%#llx prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = %#llx",
	     pid, BASE, WIN, BASE);
	g->pids[g->n++] = pid;
}

/* a page-aligned sub-range of the window, often unaligned to a block */
static void range(struct gen *g, uint64_t *a, uint64_t *len)
{
	uint64_t pages = WIN / PG;
	uint64_t s = rnd(g) % pages, l = 1 + rnd(g) % (rnd(g) % 2 ? 8 : pages / 2);

	if (rnd(g) % 3 == 0)
		s &= ~511ULL;		/* block-aligned start */
	if (s + l > pages)
		l = pages - s;
	*a = BASE + s * PG;
	*len = l * PG;
}

static void step(struct gen *g)
{
	int pi = (int)(rnd(g) % (uint64_t)g->n), op = (int)(rnd(g) % 100);
	uint32_t pid = g->pids[pi];
	uint64_t a, len;

	range(g, &a, &len);
	if (op < 45) {
		line(g, "%u %s %#llx", pid, op < 38 ? "write" : "read", a);
	} else if (op < 52) {
		line(g, "%u mprotect addr=%#llx len=%#llx prot=%s = 0", pid, a, len,
		     rnd(g) % 2 ? "r--" : "rw-");
	} else if (op < 60) {
		static const char *const adv[] = { "MADV_DONTNEED", "MADV_HUGEPAGE",
						   "MADV_NOHUGEPAGE", "MADV_DONTNEED" };

		line(g, "%u madvise addr=%#llx len=%#llx advice=%s = 0", pid, a, len,
		     adv[rnd(g) % 4]);
	} else if (op < 65) {
		line(g, "%u munmap addr=%#llx len=%#llx = 0", pid, a, len);
	} else if (op < 70) {
		/* map the range again (MAP_FIXED) */
		line(g, "%u mmap addr=%#llx len=%#llx prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED fd=-1 off=0x0 = %#llx",
		     pid, a, len, a);
	} else if (op < 76) {
		/* move a range out and back: by a block multiple or not */
		uint64_t to = 0x80000000ULL + (rnd(g) % 2 ? 0 : 0x5000);

		line(g, "%u mremap addr=%#llx old_len=%#llx new_len=%#llx flags=MREMAP_MAYMOVE|MREMAP_FIXED new_addr=%#llx = %#llx",
		     pid, a, len, len, to, to);
		line(g, "%u mremap addr=%#llx old_len=%#llx new_len=%#llx flags=MREMAP_MAYMOVE|MREMAP_FIXED new_addr=%#llx = %#llx",
		     pid, to, len, len, a, a);
	} else if (op < 86) {
		if (g->n < MAXP) {
			uint32_t c = g->next_pid++;

			line(g, "%u fork child=%u flags=newmm", pid, c);
			g->pids[g->n++] = c;
		}
	} else if (op < 92) {
		line(g, "%u exit", pid);
		g->pids[pi] = g->pids[--g->n];
		if (!g->n)
			new_proc(g);
	} else if (op < (g->rmap_walks ? 93 : 95)) {
		line(g, "checkpoint n=1");
	} else if (g->rmap_walks && op < 97) {
		line(g, "%u rmap target=%u addr=%#llx kind=point walk=%llu", pid, pid, a,
		     (unsigned long long)++g->walks);
	} else {
		line(g, "0 set thp=%s", rnd(g) % 3 ? "always" : "madvise");
	}
}


static double metric(struct avt_engine *e, const char *name)
{
	double v = -1;

	assert_int_equal(avt_engine__metric(e, name, &v), 0);
	return v;
}

/* seeds to run: $AVT_RANDOM_SEEDS, else fewer under the sanitizers */
static int gen__seeds(void)
{
	const char *env = getenv("AVT_RANDOM_SEEDS");

	return env ? atoi(env) : (getenv("AVT_SAN") ? 4 : 12);
}

/* Start of a seed: the generator's state for seed, feeding ne engines
 * (the caller makes g->e[0..ne-1] next), a parser and its metadata. */
static void gen__init(struct gen *g, uint64_t seed, int ne, bool rmap_walks)
{
	g->rng = seed * 0x9e3779b97f4a7c15ULL + 7;
	g->n = 0;
	g->next_pid = 100;
	g->ne = ne;
	g->rmap_walks = rmap_walks;
	g->tp = avt_text_parser__new();
	avt_meta__init(&g->meta);
}

/* The sequence: thp=always, one process, steps random steps, then every
 * process exits. */
static void gen__run(struct gen *g, int steps)
{
	line(g, "0 set thp=always");
	new_proc(g);
	for (int i = 0; i < steps; i++)
		step(g);
	while (g->n)
		line(g, "%u exit", g->pids[--g->n]);
}

/* End of a seed: count engine 1's large folios, free what run_seed made. */
static void gen__fini(struct gen *g)
{
	g->thp += (uint64_t)metric(g->e[1], "folio.thp.allocated");
	g->splits += (uint64_t)metric(g->e[1], "folio.thp.pmd_splits");
	g->fallbacks += (uint64_t)metric(g->e[1], "folio.thp.cow_fallbacks");
	for (int i = 0; i < g->ne; i++)
		avt_engine__free(g->e[i]);
	avt_text_parser__free(g->tp);
	avt_meta__fini(&g->meta);
}

#endif
