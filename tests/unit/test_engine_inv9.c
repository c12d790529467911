// SPDX-License-Identifier: MIT
/*
 * Invariant 9 (eager-semantics.md §9, src/engine/merge_check.c): every
 * VMA-changing operation made §4's merge decision at the borders of the
 * range it changed.
 *  - negative: a test-only hook (engine->test_skip_merge) makes the VMA
 *    layer skip one existing-range merge; --check-invariants must then fail
 *    naming I9, for mprotect and for madvise;
 *  - positive: every eager-* and lazy-* scenario, under each of its runs,
 *    passes with borders judged, and with legitimate non-merges (fork
 *    children, different anon_vmas) seen and honoured across the set.
 * (The random suites run with invariants on, so I9 is checked there too.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include "avtrace/text.h"
#include "engine/internal.h"
#include "test_engine_scn.h"

static const char *const restore[] = {
	"1 exec file=/bin/t comm=t",
	"1 mmap addr=0x100000 len=0x8000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x100000",
	"1 write 0x100000",
	/*   |****N1****|**V (r--)**|****N2****|   */
	"1 mprotect addr=0x102000 len=0x3000 prot=r-- = 0",
	/*   back to rw-: merges all three (the step the hook breaks) */
	"1 mprotect addr=0x102000 len=0x3000 prot=rw- = 0",
	"1 exit",
};

static const char *const madv[] = {
	"1 exec file=/bin/t comm=t",
	"1 mmap addr=0x100000 len=0x4000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x100000",
	"1 madvise addr=0x102000 len=0x2000 advice=MADV_DONTFORK = 0",
	/*   |----A----|--B (DONTCOPY)--|: DOFORK merges B back into A */
	"1 madvise addr=0x102000 len=0x2000 advice=MADV_DOFORK = 0",
	"1 exit",
};

/* Replay lines; skip = merges to skip before line skip_at; returns the
 * index of the line whose feed failed (its error in why), or -1. */
static int replay(const char *const *lines, size_t n, size_t skip_at, char *why, size_t len,
		  uint64_t *judged)
{
	struct avt_engine_opts o = { .sz = sizeof(o), .check_invariants = 1 };
	struct avt_text_parser *tp = avt_text_parser__new();
	struct avt_engine *e = avt_engine__new("eager-legacy", &o);
	struct avt_meta meta;
	struct avt_event ev;
	int bad = -1;

	assert_non_null(tp);
	assert_non_null(e);
	avt_meta__init(&meta);
	for (size_t i = 0; i < n && bad < 0; i++) {
		if (avt_text_parser__line(tp, lines[i], &ev, &meta, why, len) != 1)
			fail_msg("parse '%s': %s", lines[i], why);
		if (i == skip_at)
			e->test_skip_merge = 1;
		if (avt_engine__feed(e, &ev)) {
			snprintf(why, len, "%s", avt_engine__error(e));
			bad = (int)i;
		}
	}
	if (judged)
		*judged = e->inv9_judged;
	avt_engine__free(e);
	avt_text_parser__free(tp);
	avt_meta__fini(&meta);
	return bad;
}

static void check_negative(const char *const *lines, size_t n, size_t at)
{
	char why[300] = "";
	uint64_t judged = 0;

	/* untouched: passes, and borders were judged */
	assert_int_equal(replay(lines, n, SIZE_MAX, why, sizeof(why), &judged), -1);
	assert_true(judged > 0);
	/* one merge skipped: I9 fails on that very event */
	assert_int_equal(replay(lines, n, at, why, sizeof(why), NULL), (int)at);
	if (!strstr(why, "I9: merge not made"))
		fail_msg("unexpected error: %s", why);
}

static void test_negative_mprotect(void **state)
{
	(void)state;
	check_negative(restore, sizeof(restore) / sizeof(restore[0]), 4);
}

static void test_negative_madvise(void **state)
{
	(void)state;
	check_negative(madv, sizeof(madv) / sizeof(madv[0]), 3);
}

/* every scenario run passes I9, and the set exercises it */
static void test_scenarios(void **state)
{
	const char *dir = getenv("AVT_SCENARIOS");
	uint64_t judged = 0, honoured = 0;
	char pat[512];
	glob_t g;
	int runs = 0;

	(void)state;
	snprintf(pat, sizeof(pat), "%s/[el][az][gz]*-*.txt", dir ? dir : "tests/scenarios");
	assert_int_equal(glob(pat, 0, NULL, &g), 0);
	for (size_t f = 0; f < g.gl_pathc; f++) {
		struct scn s;
		char err[512];

		if (scn_parse(g.gl_pathv[f], &s, err, sizeof(err)))
			fail_msg("%s", err);
		for (int r = 0; r < s.nr_runs; r++) {
			char why[256] = "";
			struct avt_reader *rd = avt_reader__open(g.gl_pathv[f], why, sizeof(why));
			struct avt_engine_opts o = { .sz = sizeof(o), .check_invariants = 1 };
			struct avt_engine *e;
			struct avt_event ev;

			assert_non_null(rd);
			o.meta = avt_reader__meta(rd);
			/* lazy runs' scheme options are dropped: default lazy */
			s.modes[r][strcspn(s.modes[r], " ")] = 0;
			e = avt_engine__new(s.modes[r], &o);
			assert_non_null(e);
			/* other failures are the scenario suites' to report */
			while (avt_reader__next(rd, &ev) == 1 && !avt_engine__feed(e, &ev))
				;
			if (strstr(avt_engine__error(e), "I9: merge"))
				fail_msg("%s run %s: %s", g.gl_pathv[f], s.runs[r],
					 avt_engine__error(e));
			judged += e->inv9_judged;
			honoured += e->inv9_honoured;
			runs++;
			avt_engine__free(e);
			avt_reader__close(rd);
		}
		scn_free(&s);
	}
	globfree(&g);
	printf("I9 over %d scenario runs: %llu borders judged, %llu legitimate non-merges\n",
	       runs, (unsigned long long)judged, (unsigned long long)honoured);
	assert_true(runs > 40);
	assert_true(judged > 50);
	assert_true(honoured > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negative_mprotect),
		cmocka_unit_test(test_negative_madvise),
		cmocka_unit_test(test_scenarios),
	};

	(void)scn_run;		/* the shared runner's other half */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
