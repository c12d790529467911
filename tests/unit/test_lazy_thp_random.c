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

#define NE 3		/* lazy family scope, lazy default, lazy default with full scans */
#include "thp_gen.h"
#include "test_layout.h"

/* The family and vma scope runs keep the same VMA layout until H5 makes
 * them diverge (vma scope: split pieces of one root refuse to merge where
 * the family's shared anon_vma merges); from then on THP eligibility
 * (a PMD block inside one VMA) and so folio counts may differ. */
static bool layouts_diverged;
static unsigned seeds_diverged;

static void after_line(struct gen *g, const char *line)
{
	char *a, *b;

	(void)line;
	if (layouts_diverged)
		return;
	a = layout(g->e[0]);
	b = layout(g->e[1]);
	layouts_diverged = strcmp(a, b) != 0;
	free(a);
	free(b);
}

static void run_seed(struct gen *g, uint64_t seed, int steps)
{
	static const char *const par[NE] = { "upgrade_scope=family", NULL, "test-full-scan=1" };
	static const char *const codes[] = {
		"violations.V_BASE_MISMATCH", "violations.V_RMAP_MISS", "violations.V_MULTI_MAP",
		"violations.V_DANGLING_ROOT", "violations.V_KIND_MISMATCH", "violations.V_ZOMBIE_LEAK",
	};

	gen__init(g, seed, NE, true);
	g->after = after_line;
	layouts_diverged = false;
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
	gen__run(g, steps);
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
	seeds_diverged += layouts_diverged;
	if (!layouts_diverged &&
	    metric(g->e[0], "folio.allocated") != metric(g->e[1], "folio.allocated"))
		fail_msg("seed %llu: folio.allocated %g with upgrade_scope=family, %g with vma",
			 (unsigned long long)seed, metric(g->e[0], "folio.allocated"),
			 metric(g->e[1], "folio.allocated"));
	gen__fini(g);
}

static void test_lazy_thp_random(void **state)
{
	int seeds = gen__seeds();
	struct gen g = { 0 };

	(void)state;
	for (int s = getenv("AVT_RANDOM_SEED_FROM") ? atoi(getenv("AVT_RANDOM_SEED_FROM")) : 1;
	     s <= seeds; s++)
		run_seed(&g, (uint64_t)s, 600);
	printf("lazy THP random: %llu THPs, %llu PMD splits, %llu COW fallbacks, %llu walks; "
	       "scope vma: %llu hazard records (window == full scans); family: 0; "
	       "seeds whose family/vma layouts diverged (H5): %u\n",
	       (unsigned long long)g.thp, (unsigned long long)g.splits,
	       (unsigned long long)g.fallbacks, (unsigned long long)g.walks,
	       (unsigned long long)g.hazards, seeds_diverged);
	assert_true(g.thp > 0 && g.splits > 0 && g.fallbacks > 0 && g.walks > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lazy_thp_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
