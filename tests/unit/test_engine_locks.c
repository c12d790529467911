// SPDX-License-Identifier: MIT
/*
 * The streaming lock consumer: every root rwsem acquisition reaches the
 * callback with its mode, tag, work, family, timestamp and cpu, the
 * callback's totals equal the report's, and the contention estimate counts
 * close acquisitions on one root by different pids/CPUs only.
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

struct sink {
	uint64_t w, r, work, by_tag[AVT_LT__MAX];
	uint64_t families_seen[8];
	uint64_t last_ts;
	int bad;
};

static void on_lock(const struct avt_lock_event *le, void *ctx)
{
	struct sink *s = ctx;

	if (le->mode == AVT_LOCK_WRITE)
		s->w++;
	else if (le->mode == AVT_LOCK_READ)
		s->r++;
	else
		s->bad++;
	if (le->tag >= AVT_LT__MAX || !le->family || le->family > 8)
		s->bad++;
	else
		s->by_tag[le->tag]++;
	if (le->ts < s->last_ts)
		s->bad++;
	s->last_ts = le->ts;
	s->work += le->work;
}

static struct avt_engine *run(const char *scheme, const char *const *lines, size_t n,
			      struct sink *s, uint64_t window)
{
	struct avt_engine_opts o = {
		.sz = sizeof(o), .check_invariants = 1, .on_lock = on_lock, .lock_ctx = s,
		.contention_window_ns = window,
	};
	struct avt_text_parser *tp = avt_text_parser__new();
	struct avt_engine *e = avt_engine__new(scheme, &o);
	struct avt_meta meta;
	struct avt_event ev;
	char why[256];

	assert_non_null(tp);
	assert_non_null(e);
	avt_meta__init(&meta);
	for (size_t i = 0; i < n; i++) {
		if (avt_text_parser__line(tp, lines[i], &ev, &meta, why, sizeof(why)) != 1)
			fail_msg("parse '%s': %s", lines[i], why);
		if (avt_engine__feed(e, &ev))
			fail_msg("feed '%s': %s", lines[i], avt_engine__error(e));
	}
	avt_engine__finish(e);
	avt_text_parser__free(tp);
	avt_meta__fini(&meta);
	return e;
}

static double metric(struct avt_engine *e, const char *name)
{
	double v = -1;

	assert_int_equal(avt_engine__metric(e, name, &v), 0);
	return v;
}

/* Example 2 with timestamps and CPUs: P on cpu 0, C on cpu 1 */
static const char *const ex2[] = {
	"@1000 c0 1 exec file=/bin/p comm=p",
	"@2000 c0 1 mmap addr=0x100000 len=0x4000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x100000",
	"@3000 c0 1 write 0x100000",
	"@4000 c0 1 fork child=2 flags=newmm",
	"@5000 c1 2 write 0x101000",
	"@6000 c1 2 rmap target=2 addr=0x100000 kind=point walk=1",
	"@100000 c0 1 munmap addr=0x101000 len=0x1000 = 0",
	"@200000 c2 3 exec file=/bin/q comm=q",
	"@200001 c2 3 mmap addr=0x500000 len=0x1000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x500000",
	"@200002 c2 3 write 0x500000",
};

static void test_lock_stream(void **state)
{
	const char *const schemes[] = { "eager", "eager-legacy" };

	(void)state;
	for (int k = 0; k < 2; k++) {
		struct sink s = { 0 };
		struct avt_engine *e = run(schemes[k], ex2, sizeof(ex2) / sizeof(ex2[0]), &s, 0);

		assert_int_equal(s.bad, 0);
		assert_int_equal(s.w, 9);		/* Example 2's 8 + the second family's PREPARE */
		assert_int_equal(s.r, 1);		/* the explicit walk */
		assert_true(metric(e, "lock.write") == (double)s.w);
		assert_true(metric(e, "lock.read") == (double)s.r);
		assert_true(metric(e, "lock.work") == (double)s.work);
		assert_int_equal(s.by_tag[AVT_LT_PREPARE], 2);
		assert_int_equal(s.by_tag[AVT_LT_CLONE_FORK], 1);
		assert_int_equal(s.by_tag[AVT_LT_FORK_OWN], 1);
		assert_int_equal(s.by_tag[AVT_LT_CLONE_SPLIT], 2);
		assert_int_equal(s.by_tag[AVT_LT_RANGE_SPLIT], 2);
		assert_int_equal(s.by_tag[AVT_LT_UNLINK], 1);
		assert_int_equal(s.by_tag[AVT_LT_RMAP], 1);
		assert_true(metric(e, "lock.families") == 2);
		assert_true(metric(e, "lock.family.max_write") == 8);
		/* window 10 us: the walk by pid 2 on cpu 1 at 6000 follows pid 1's
		 * fork locks at 4000 on cpu 0 -> 1; the munmap at 100000 is far
		 * from the walk -> 0; everything else same pid+cpu -> 0 */
		assert_true(metric(e, "lock.contended") == 1);
		avt_engine__free(e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
