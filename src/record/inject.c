// SPDX-License-Identifier: MIT
/*
 * TEST ONLY: snapshot fault injection. A busy or failed snapshot cannot be
 * forced on this kernel (the iterators rarely fail), so the counting and
 * retrying of such snapshots would go untested. With
 *
 *   AVT_TEST_SNAP_FAIL=KIND:N[:STATUS][,KIND:N[:STATUS]...]
 *
 * (KIND start|exec|exit|checkpoint, N >= 1, STATUS failed (default) or
 * busy) the Nth snapshot of that kind, counted over the whole recording
 * in BPF, comes out with that status and no VMA: the BPF programs decide
 * it where they decide a real status (snap_task, snap_iter), so the rest
 * of the path -- the snap_end record, the per-tgid count, the retry, the
 * trace, replay --verify -- runs as for a real one. Not for production
 * use; tests/record/snapretry.sh is its user.
 *
 *   AVT_TEST_STALL_MS=N
 *
 * makes the consumer stop reading the ring buffer once the traced command
 * runs, until the kernel side has counted a lost event or N ms passed
 * (inject__stall). A small ring then overflows for real, whatever the
 * machine's load: without it, whether a storm of events outruns the
 * consumer depends on scheduling (tests/record/drops.sh's re-seed case saw
 * both). The drops, their counting and everything after are real.
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../bpf/record.h"
#include "record/recorder_int.h"
#include "record.skel.h"

static int parse_one(char *s, struct rec_snap_inject *in, char *why, size_t len)
{
	static const char *const kinds[] = {
		[AVT_SNAP_START] = "start", [AVT_SNAP_EXEC] = "exec",
		[AVT_SNAP_EXIT] = "exit", [AVT_SNAP_CHECKPOINT] = "checkpoint",
	};
	char *kind = strtok(s, ":"), *nth = strtok(NULL, ":"), *st = strtok(NULL, ":"), *end;
	unsigned long n;

	memset(in, 0, sizeof(*in));
	for (uint32_t k = AVT_SNAP_START; kind && k <= AVT_SNAP_CHECKPOINT; k++)
		if (!strcmp(kind, kinds[k]))
			in->kind = k;
	if (!in->kind) {
		snprintf(why, len, "bad kind '%s' (start, exec, exit or checkpoint)", kind ? kind : "");
		return -EINVAL;
	}
	errno = 0;
	n = nth ? strtoul(nth, &end, 10) : 0;
	if (!nth || !*nth || *end || errno || n < 1 || n > UINT32_MAX) {
		snprintf(why, len, "bad count '%s' (a number from 1)", nth ? nth : "");
		return -EINVAL;
	}
	in->nth = (uint32_t)n;
	if (!st || !strcmp(st, "failed"))
		in->status = AVT_SNAP_FAILED;
	else if (!strcmp(st, "busy"))
		in->status = AVT_SNAP_BUSY;
	else {
		snprintf(why, len, "bad status '%s' (failed or busy)", st);
		return -EINVAL;
	}
	if (strtok(NULL, ":")) {
		snprintf(why, len, "too many fields (KIND:N[:STATUS])");
		return -EINVAL;
	}
	return 0;
}

int inject__setup(struct recorder *r, char *why, size_t len)
{
	const char *env = getenv("AVT_TEST_SNAP_FAIL");
	struct rec_snap_inject v[REC_MAX_INJECT];
	char *copy, *item, *save = NULL, sub[160];
	uint32_t n = 0;
	int err = 0;

	if (!env || !*env)
		return 0;
	copy = strdup(env);
	if (!copy)
		return -ENOMEM;
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (n == REC_MAX_INJECT) {
			snprintf(sub, sizeof(sub), "more than %d entries", REC_MAX_INJECT);
			err = -E2BIG;
			break;
		}
		err = parse_one(item, &v[n], sub, sizeof(sub));
		if (err)
			break;
		n++;
	}
	free(copy);
	if (err) {
		snprintf(why, len, "AVT_TEST_SNAP_FAIL: %s", sub);
		return err;
	}
	for (uint32_t i = 0; i < n; i++)
		memcpy((void *)&r->skel->rodata->snap_inject[i], &v[i], sizeof(v[i]));
	r->skel->rodata->nr_snap_inject = n;
	return 0;
}

/* AVT_TEST_STALL_MS: see the top of the file. Polls the drop counters every
 * 5 ms; returns at the first counted drop, after N ms, or on a stop request. */
void inject__stall(struct recorder *r, volatile sig_atomic_t *exiting)
{
	const char *env = getenv("AVT_TEST_STALL_MS");
	long ms = env ? strtol(env, NULL, 10) : 0;
	struct timespec step = { 0, 5 * 1000 * 1000 };

	for (long waited = 0; ms > 0 && waited < ms && !*exiting; waited += 5) {
		if (stats__read(r) == 0 && r->drops > 0)
			return;
		nanosleep(&step, NULL);
	}
}
