/* SPDX-License-Identifier: MIT */
/*
 * Scratch directory of a unit test program: a private directory under
 * $AVT_TMP (tests/run.sh makes one per run) or /tmp, made by the cmocka
 * group setup; the tests put their files in tmpdir.
 */
#ifndef AVT_TEST_TMPDIR_H
#define AVT_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[256];

static int tmpdir__make(const char *prefix)
{
	const char *base = getenv("AVT_TMP");

	snprintf(tmpdir, sizeof(tmpdir), "%s/%s.XXXXXX",
		 base && *base ? base : "/tmp", prefix);
	return mkdtemp(tmpdir) ? 0 : -1;
}

/* Group teardown: removes tmpdir when the tests left it empty. */
static int tmpdir__teardown(void **state)
{
	(void)state;
	rmdir(tmpdir);
	return 0;
}

#endif /* AVT_TEST_TMPDIR_H */
