// SPDX-License-Identifier: MIT
/*
 * Random sequences over THP-sized memory (thp=always or madvise): writes and
 * reads at random pages of a 3-block window, partial and whole munmap,
 * mprotect, MADV_DONTNEED/HUGEPAGE/NOHUGEPAGE, mremap moves by aligned and
 * unaligned distances, fork and exit. Both eager schemes replay every
 * sequence with invariants checked after every event (I7 with large folio
 * index ranges, I9 merge decisions); nothing may leak once every process
 * exited; the runs must allocate THPs, split PMDs and fall back from a
 * shared PMD to a page copy (printed).
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

#include "thp_gen.h"

static void run_seed(struct gen *g, uint64_t seed, int steps)
{
	struct avt_engine_opts o = { .sz = sizeof(o), .check_invariants = 1 };

	gen__init(g, seed, 2, false);
	g->e[0] = avt_engine__new("eager", &o);
	g->e[1] = avt_engine__new("eager-legacy", &o);
	assert_non_null(g->e[0]);
	assert_non_null(g->e[1]);
	gen__run(g, steps);
	for (int i = 0; i < 2; i++) {
		avt_engine__finish(g->e[i]);
		assert_true(metric(g->e[i], "folio.live") == 0);
		assert_true(metric(g->e[i], "folio.thp.live") == 0);
		assert_true(metric(g->e[i], "anon_vma.live") == 0);
		assert_true(metric(g->e[i], "anon_vma_chain.live") == 0);
		assert_true(metric(g->e[i], "vma.live") == 0);
	}
	/* the two eager schemes differ in anon_vma objects, not in folios */
	assert_true(metric(g->e[0], "folio.allocated") == metric(g->e[1], "folio.allocated"));
	gen__fini(g);
}

static void test_thp_random(void **state)
{
	int seeds = gen__seeds();
	struct gen g = { 0 };

	(void)state;
	for (int s = 1; s <= seeds; s++)
		run_seed(&g, (uint64_t)s, 600);
	printf("THP random: %llu THPs, %llu PMD splits, %llu shared-PMD COW fallbacks\n",
	       (unsigned long long)g.thp, (unsigned long long)g.splits,
	       (unsigned long long)g.fallbacks);
	assert_true(g.thp > 0 && g.splits > 0 && g.fallbacks > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thp_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
