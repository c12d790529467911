// SPDX-License-Identifier: MIT
/*
 * Every worked example of eager-semantics.md §10 (and the §12 claims they
 * cover) as a hand-written text scenario in tests/scenarios/eager-*.txt,
 * replayed under eager and eager-legacy with invariants checked after every
 * event, asserting the exact counts, lock counts and --state layouts the
 * spec gives. One cmocka test per scenario file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include "test_engine_scn.h"

static void run_one(void **state)
{
	const char *path = *state;
	char err[8192] = "";
	int rc = scn_run(path, err, sizeof(err));

	if (rc)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
}

int main(void)
{
	const char *dir = getenv("AVT_SCENARIOS");
	char pat[512];
	glob_t g;
	struct CMUnitTest *tests;
	int rc;

	snprintf(pat, sizeof(pat), "%s/eager-*.txt", dir ? dir : "tests/scenarios");
	if (glob(pat, 0, NULL, &g) || !g.gl_pathc) {
		fprintf(stderr, "no scenarios match %s\n", pat);
		return 1;
	}
	tests = calloc(g.gl_pathc, sizeof(*tests));
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *base = strrchr(g.gl_pathv[i], '/');

		tests[i].name = base ? base + 1 : g.gl_pathv[i];
		tests[i].test_func = run_one;
		tests[i].initial_state = g.gl_pathv[i];
	}
	rc = _cmocka_run_group_tests("eager_examples", tests, g.gl_pathc, NULL, NULL);
	free(tests);
	globfree(&g);
	return rc;
}
