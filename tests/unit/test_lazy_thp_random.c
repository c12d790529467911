// SPDX-License-Identifier: MIT
/*
 * The lazy scheme over large folios (engine THP): the random THP sequences
 * of test_engine_thp_random (writes/reads in a 3-block window, partial and
 * whole munmap, mprotect, madvise, MAP_FIXED, mremap by aligned and
 * unaligned distances, fork, exit, thp mode changes) plus rmap walks,
 * replayed by lazy with invariants after every event:
 *  - upgrade_scope=family: no V_* record and no rmap miss at all (an
 *    upgrade takes every VMA of the root, so no large folio is left
 *    straddling a LAZY and an EAGER VMA; the lazy walk covers a large
 *    folio's whole range);
 *  - the default (scope vma): the detectors' window scans give the records
 *    of full scans (test-full-scan), whatever §4.4's straddle hazard makes;
 *  - nothing leaks once every process exited.
 * AVT_THP_DUMP prints the sequence.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/engine.h"
#include "avtrace/text.h"

#define BASE 0x40000000ULL
#define WIN  (3ULL << 21)	/* three PMD blocks */
#define PG   0x1000ULL
#define MAXP 6
#define NE   3		/* lazy family scope, lazy default, lazy default with full scans */

struct gen {
	uint64_t rng;
	uint32_t pids[MAXP];
	int n;
	uint32_t next_pid;
	struct avt_engine *e[NE];
	struct avt_text_parser *tp;
	struct avt_meta meta;
	uint64_t thp, splits, fallbacks, walks, hazards;
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
	for (int i = 0; i < NE; i++)
		if (avt_engine__feed(g->e[i], &ev))
			fail_msg("%s: '%s': %s", avt_engine__scheme(g->e[i]), buf,
				 avt_engine__error(g->e[i]));
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
	} else if (op < 93) {
		line(g, "checkpoint n=1");
	} else if (op < 97) {
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

static void run_seed(struct gen *g, uint64_t seed, int steps)
{
	static const char *const par[NE] = { "upgrade_scope=family", NULL, "test-full-scan=1" };
	static const char *const codes[] = {
		"violations.V_BASE_MISMATCH", "violations.V_RMAP_MISS", "violations.V_MULTI_MAP",
		"violations.V_DANGLING_ROOT", "violations.V_KIND_MISMATCH", "violations.V_ZOMBIE_LEAK",
	};

	g->rng = seed * 0x9e3779b97f4a7c15ULL + 7;
	g->n = 0;
	g->next_pid = 100;
	g->tp = avt_text_parser__new();
	avt_meta__init(&g->meta);
	for (int i = 0; i < NE; i++) {
		char err[256] = "";
		struct avt_engine_opts o = {
			.sz = sizeof(o), .check_invariants = i != 2, .scheme_params = par[i],
			.errbuf = err, .errbuf_len = sizeof(err),
		};

		g->e[i] = avt_engine__new("lazy", &o);
		if (!g->e[i])
			fail_msg("lazy %s: %s", par[i] ? par[i] : "", err);
	}
	line(g, "0 set thp=always");
	new_proc(g);
	for (int i = 0; i < steps; i++)
		step(g);
	while (g->n)
		line(g, "%u exit", g->pids[--g->n]);
	for (int i = 0; i < NE; i++) {
		avt_engine__finish(g->e[i]);
		assert_true(metric(g->e[i], "folio.live") == 0);
		assert_true(metric(g->e[i], "folio.thp.live") == 0);
		assert_true(metric(g->e[i], "anon_vma.live") == 0);
		assert_true(metric(g->e[i], "anon_vma_chain.live") == 0);
		assert_true(metric(g->e[i], "vma.live") == 0);
		assert_true(metric(g->e[i], "zombie.live") == 0);
	}
	for (size_t c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
		double fam = metric(g->e[0], codes[c]), win = metric(g->e[1], codes[c]),
		       full = metric(g->e[2], codes[c]);

		if (fam != 0)
			fail_msg("seed %llu: %s = %g with upgrade_scope=family",
				 (unsigned long long)seed, codes[c], fam);
		if (win != full)
			fail_msg("seed %llu: %s %g with window scans, %g with full scans",
				 (unsigned long long)seed, codes[c], win, full);
		g->hazards += (uint64_t)win;
	}
	assert_true(metric(g->e[0], "rmap.misses") == 0);
	assert_true(metric(g->e[0], "folio.allocated") == metric(g->e[1], "folio.allocated"));
	g->thp += (uint64_t)metric(g->e[1], "folio.thp.allocated");
	g->splits += (uint64_t)metric(g->e[1], "folio.thp.pmd_splits");
	g->fallbacks += (uint64_t)metric(g->e[1], "folio.thp.cow_fallbacks");
	for (int i = 0; i < NE; i++)
		avt_engine__free(g->e[i]);
	avt_text_parser__free(g->tp);
	avt_meta__fini(&g->meta);
}

static void test_lazy_thp_random(void **state)
{
	const char *env = getenv("AVT_RANDOM_SEEDS");
	int seeds = env ? atoi(env) : (getenv("AVT_SAN") ? 4 : 12);
	struct gen g = { 0 };

	(void)state;
	for (int s = 1; s <= seeds; s++)
		run_seed(&g, (uint64_t)s, 600);
	printf("lazy THP random: %llu THPs, %llu PMD splits, %llu COW fallbacks, %llu walks; "
	       "scope vma: %llu hazard records (window == full scans); family: 0\n",
	       (unsigned long long)g.thp, (unsigned long long)g.splits,
	       (unsigned long long)g.fallbacks, (unsigned long long)g.walks,
	       (unsigned long long)g.hazards);
	assert_true(g.thp > 0 && g.splits > 0 && g.fallbacks > 0 && g.walks > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lazy_thp_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
