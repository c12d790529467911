// SPDX-License-Identifier: MIT
/*
 * One wording for "what is wrong with this trace file", shared by every
 * command that reads traces (replay, diff, script, info, replay --verify).
 *
 * The reader's reasons never name the file (the caller knows it); a text
 * syntax error comes as "line N: reason" and is printed FILE:N: reason,
 * the form compilers and editors understand (and `avtrace import` uses).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "avtrace/trace.h"
#include "cli.h"

const char *avt_trace_msg(const char *path, const char *why, char *buf, size_t len)
{
	int line, off = 0;

	if (!why || !why[0])
		why = "unknown error";
	if (sscanf(why, "line %d: %n", &line, &off) == 1 && off > 0)
		snprintf(buf, len, "%s:%d: %s", path, line, why + off);
	else
		snprintf(buf, len, "%s: %s", path, why);
	return buf;
}

struct avt_reader *avt_trace_open(const char *path)
{
	char why[256] = "", msg[512];
	struct avt_reader *r = avt_reader__open(path, why, sizeof(why));

	if (!r) {
		if (!why[0])
			snprintf(why, sizeof(why), "%s", strerror(errno));
		avt_err("%s", avt_trace_msg(path, why, msg, sizeof(msg)));
	}
	return r;
}

int avt_trace_stopped(const char *path, const struct avt_reader *r, int ret, char *buf,
		      size_t len)
{
	const struct avt_read_status *st = avt_reader__status(r);
	char why[300];

	if (ret >= 0 && st->stop == AVT_STOP_NONE)
		return 0;
	if (st->why[0])
		snprintf(why, sizeof(why), "%s", st->why);
	else
		snprintf(why, sizeof(why), "read error: %s", strerror(ret < 0 ? -ret : EIO));
	avt_trace_msg(path, why, buf, len);
	return -1;
}
