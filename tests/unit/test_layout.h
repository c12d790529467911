/* SPDX-License-Identifier: MIT */
/*
 * The VMA layout of an engine: "PID START-END flags=..." of every VMA, the
 * lines of --state cut before " pgoff=" (the scheme's anon_vma part), so two
 * schemes' layouts compare as strings. Shared by test_lazy_random and
 * test_lazy_thp_random. Include after <cmocka.h>; the caller frees.
 */
#ifndef AVT_TEST_LAYOUT_H
#define AVT_TEST_LAYOUT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/engine.h"

static char *layout(struct avt_engine *e)
{
	char *buf = NULL, *out, *line, *save = NULL;
	size_t len = 0, n = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_int_equal(avt_engine__write_state(e, m), 0);
	fclose(m);
	out = calloc(1, len + 1);
	assert_non_null(out);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *pg = strstr(line, " pgoff=");

		if (pg)
			*pg = 0;	/* keep "PID START-END flags=..." */
		n += sprintf(out + n, "%s\n", line);
	}
	free(buf);
	return out;
}

#endif
