// SPDX-License-Identifier: MIT
/*
 * Binary trace format v1: round trips, damage handling, hostile input.
 * Files go to $AVT_TMP (or a private temp dir). The text form is tested
 * in test_format_text.c, so these tests need only the binary path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "avtrace/event.h"
#include "avtrace/text.h"
#include "avtrace/trace.h"
#include "format/layout.h"
#include "format/reader_int.h"
#include "util/le.h"
#include "test_event_equal.h"
#include "test_tmpdir.h"

#define MAXEV 256

static unsigned path_seq;

static const char *tpath(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/fmt-%d-%u-%s", tmpdir, (int)getpid(), path_seq++, name);
	return buf;
}

/* ---- building events ---------------------------------------------------- */

static uint8_t unk_data[37];

static void fill_header(struct avt_event *ev, uint16_t type, unsigned i)
{
	memset(ev, 0xa5, sizeof(*ev));	/* garbage where fields are unset */
	ev->type = type;
	ev->cpu = (uint16_t)(0x100 + i);
	ev->pid = 0x10000000u + i;
	ev->tid = 0x20000000u + i;
	ev->ts = 0x3000000000000000ull + 1000ull * i;
}

/* One event of every type with every field set to a distinctive value, then
 * one syscall record per syscall id. Returns the count. */
static size_t make_events(struct avt_event *evs)
{
	size_t n = 0;
	struct avt_event *e;

	for (size_t i = 0; i < sizeof(unk_data); i++)
		unk_data[i] = (uint8_t)(0xc0 ^ (i * 7));

	e = &evs[n]; fill_header(e, AVT_EV_FORK, (unsigned)n++);
	e->u.fork = (struct avt_ev_fork){ .child_pid = 0x1101, .child_tid = 0x1102,
		.flags = AVT_FORK_NEWMM | AVT_FORK_VFORK, .clone_flags = 0x1103000000000004ull,
		.child_start = 0x1105000000000006ull, .comm = "forker-comm-15c" };

	e = &evs[n]; fill_header(e, AVT_EV_EXEC, (unsigned)n++);
	memset(&e->u.exec, 0, sizeof(e->u.exec));
	e->u.exec.old_tid = 0x2201;
	e->u.exec.start = 0x2202000000000003ull;
	strcpy(e->u.exec.comm, "exec-comm");
	/* the longest filename the format carries: 255 bytes */
	memset(e->u.exec.filename, 'f', AVT_PATH_LEN - 1);
	memcpy(e->u.exec.filename, "/usr/bin/", 9);
	e->u.exec.filename[AVT_PATH_LEN - 1] = '\0';

	e = &evs[n]; fill_header(e, AVT_EV_EXEC, (unsigned)n++);
	memset(&e->u.exec, 0, sizeof(e->u.exec));
	e->u.exec.old_tid = 0x2211;
	e->u.exec.start = 0x2212;
	strcpy(e->u.exec.comm, "");
	strcpy(e->u.exec.filename, "");

	e = &evs[n]; fill_header(e, AVT_EV_EXIT, (unsigned)n++);
	e->u.exit = (struct avt_ev_exit){ .code = -0x3301, .group_dead = 1 };

	e = &evs[n]; fill_header(e, AVT_EV_SNAP_BEGIN, (unsigned)n++);
	e->u.snap_begin = (struct avt_ev_snap_begin){ .kind = AVT_SNAP_CHECKPOINT,
		.checkpoint = 0x4401, .flags = AVT_SNAP_PASSIVE, .start = 0x4402000000000003ull,
		.comm = "snap-comm" };

	e = &evs[n]; fill_header(e, AVT_EV_SNAP_VMA, (unsigned)n++);
	e->u.snap_vma = (struct avt_ev_snap_vma){ .start = 0x7f0000001000ull,
		.end = 0x7f0000009000ull, .flags = 0x5503, .pgoff = 0x5504, .dev = 0x5505,
		.ino = 0x5506, .av = 0x5507, .root = 0x5508, .parent = 0x5509,
		.num_children = 0x550a, .num_active = 0x550b, .nr_avcs = 0x550c,
		.nr_avc_ids = AVT_SNAP_MAX_AVC };
	for (unsigned i = 0; i < AVT_SNAP_MAX_AVC; i++)
		e->u.snap_vma.avc_av[i] = 0x5510000000000000ull + i;

	e = &evs[n]; fill_header(e, AVT_EV_SNAP_VMA, (unsigned)n++);
	e->u.snap_vma = (struct avt_ev_snap_vma){ .start = 0x1000, .end = 0x2000,
		.nr_avcs = 99, .nr_avc_ids = 2, .avc_av = { 0xaa, 0xbb } };

	e = &evs[n]; fill_header(e, AVT_EV_SNAP_END, (unsigned)n++);
	e->u.snap_end = (struct avt_ev_snap_end){ .kind = AVT_SNAP_EXIT, .checkpoint = 0x6601,
		.status = AVT_SNAP_PARTIAL, .nr_vmas = 0x6602,
		.window_start = 0x6603000000000004ull, .window_end = 0x6605000000000006ull };

	e = &evs[n]; fill_header(e, AVT_EV_FAULT, (unsigned)n++);
	e->u.fault = (struct avt_ev_fault){ .addr = 0x7701000000000002ull,
		.ip = 0x7703000000000004ull, .flags = AVT_FAULT_WRITE | AVT_FAULT_KERNEL,
		.error_code = 0x7705 };

	e = &evs[n]; fill_header(e, AVT_EV_ALLOC, (unsigned)n++);
	e->u.alloc = (struct avt_ev_alloc){ .cache = AVT_CACHE_AVC, .op = AVT_FREE,
		.site = AVT_SITE_UNLINK, .id = 0x8801000000000002ull };

	e = &evs[n]; fill_header(e, AVT_EV_RMAP, (unsigned)n++);
	e->u.rmap = (struct avt_ev_rmap){ .target_pid = 0x9901, .kind = AVT_RMAP_END,
		.walk_id = 0x9902, .addr = 0x9903000000000004ull };

	e = &evs[n]; fill_header(e, AVT_EV_KSM, (unsigned)n++);
	e->u.ksm = (struct avt_ev_ksm){ .target_pid = 0xaa01, .addr = 0xaa02000000000003ull };

	e = &evs[n]; fill_header(e, AVT_EV_CHECKPOINT, (unsigned)n++);
	e->u.checkpoint = (struct avt_ev_checkpoint){ .n = 0xbb01 };

	e = &evs[n]; fill_header(e, AVT_EV_UNMODELLED, (unsigned)n++);
	e->u.unmodelled = (struct avt_ev_unmodelled){ .raw_nr = 0xcc01, .map_count_delta = -7,
		.seq_before = 0xcc02000000000003ull, .seq_after = 0xcc04000000000005ull };

	e = &evs[n]; fill_header(e, AVT_EV_STATS, (unsigned)n++);
	e->u.stats = (struct avt_ev_stats){ .kind = AVT_STATS_DROPS_TGID, .key = 0xdd01,
		.value = 0xdd02000000000003ull };

	e = &evs[n]; fill_header(e, AVT_EV_SET, (unsigned)n++);
	memset(&e->u.set, 0, sizeof(e->u.set));
	e->u.set.key = AVT_KEY_THP;
	memset(e->u.set.value, 'v', AVT_SET_LEN - 1);	/* longest value: 63 */

	e = &evs[n]; fill_header(e, AVT_EV_UNKNOWN, (unsigned)n++);
	e->u.unknown = (struct avt_ev_unknown){ .raw_type = 0x4242, .len = sizeof(unk_data),
		.data = unk_data };

	e = &evs[n]; fill_header(e, AVT_EV_UNKNOWN, (unsigned)n++);
	e->u.unknown = (struct avt_ev_unknown){ .raw_type = 0xffff, .len = 0, .data = NULL };

	for (unsigned sys = 1; sys < AVT_SYS__MAX; sys++) {
		e = &evs[n]; fill_header(e, AVT_EV_SYSCALL, (unsigned)n++);
		e->u.sys.sys = (uint16_t)sys;
		e->u.sys.flags = sys & 1 ? AVT_SYSF_FILE : 0;
		for (unsigned a = 0; a < 6; a++)
			e->u.sys.args[a] = 0xee00000000000000ull | (uint64_t)sys << 8 | a;
		e->u.sys.ret = sys % 3 ? -(int64_t)sys : (int64_t)0x7fee000000000000ull + sys;
		e->u.sys.dev = 0xee01000000000000ull + sys;
		e->u.sys.ino = 0xee02000000000000ull + sys;
	}
	return n;
}

/* Field-by-field comparison of every member of every union arm; a
 * difference shows both events in the text form. */
static void expect_same(const struct avt_event *a, const struct avt_event *b)
{
	char la[4096], lb[4096];

	if (event_equal(a, b))
		return;
	avt_text__format(a, la, sizeof(la));
	avt_text__format(b, lb, sizeof(lb));
	fail_msg("events differ:\n  %s\n  %s", la, lb);
}

/* ---- writing and reading whole files -------------------------------------- */

static void meta_basic(struct avt_meta *m)
{
	avt_meta__init(m);
	assert_int_equal(avt_meta__set(m, AVT_KEY_RELEASE, "6.18.44-test"), 0);
	assert_int_equal(avt_meta__set(m, AVT_KEY_THP, "madvise"), 0);
}

static void write_file(const char *path, const struct avt_meta *m, const struct avt_event *evs,
		       size_t n, size_t chunk_bytes, int no_footer)
{
	struct avt_writer_opts o = { .sz = sizeof(o), .chunk_bytes = chunk_bytes,
				     .no_footer = no_footer };
	struct avt_writer *w = avt_writer__open(path, m, &o);

	assert_non_null(w);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(avt_writer__write(w, &evs[i]), 0);
	assert_int_equal(avt_writer__events(w), n);
	assert_int_equal(avt_writer__close(w), 0);
}

/* Events read back; unknown bodies copied because the reader reuses them. */
struct readback {
	struct avt_event ev[MAXEV];
	uint8_t data[MAXEV][64];
	size_t n;
	struct avt_read_status st;
};

static int read_file(const char *path, struct readback *rb, char *why, size_t why_len)
{
	struct avt_reader *r = avt_reader__open(path, why, why_len);
	struct avt_event ev;
	int ret;

	rb->n = 0;
	if (!r)
		return -errno;
	while ((ret = avt_reader__next(r, &ev)) > 0) {
		assert_true(rb->n < MAXEV);
		rb->ev[rb->n] = ev;
		if (ev.type == AVT_EV_UNKNOWN && ev.u.unknown.len) {
			assert_true(ev.u.unknown.len <= sizeof(rb->data[0]));
			memcpy(rb->data[rb->n], ev.u.unknown.data, ev.u.unknown.len);
			rb->ev[rb->n].u.unknown.data = rb->data[rb->n];
		}
		rb->n++;
	}
	assert_true(ret == 0);
	rb->st = *avt_reader__status(r);
	assert_int_equal(rb->st.events, rb->n);
	avt_reader__close(r);
	return 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void spit(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

struct chunks {
	struct avt_chunk_info c[64];
	size_t n;
};

static void on_chunk(const struct avt_chunk_info *ci, void *ctx)
{
	struct chunks *cs = ctx;

	assert_true(cs->n < 64);
	assert_int_equal(ci->index, cs->n);
	cs->c[cs->n++] = *ci;
}

static void chunk_layout(const char *path, struct chunks *cs)
{
	char why[256];
	struct avt_reader *r = avt_reader__open(path, why, sizeof(why));
	struct avt_event ev;

	assert_non_null(r);
	cs->n = 0;
	avt_reader__on_chunk(r, on_chunk, cs);
	while (avt_reader__next(r, &ev) > 0)
		;
	assert_int_equal(avt_reader__status(r)->stop, AVT_STOP_NONE);
	avt_reader__close(r);
}

static uint64_t chunk_end(const struct avt_chunk_info *c)
{
	return c->offset + AVT_CK_SIZE_V1 + c->stored_len;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_roundtrip_every_type(void **state)
{
	static struct avt_event evs[MAXEV];
	static struct readback rb;
	size_t chunk_sizes[] = { 0, 300, 100000 };
	char path[600], why[256];
	struct avt_meta m;
	size_t n = make_events(evs);
	unsigned seen[AVT_EV__MAX_KNOWN] = { 0 };

	(void)state;
	meta_basic(&m);
	for (size_t i = 0; i < n; i++)
		if (evs[i].type < AVT_EV__MAX_KNOWN)
			seen[evs[i].type]++;
	for (unsigned t = 1; t < AVT_EV__MAX_KNOWN; t++)
		assert_true(seen[t] > 0);	/* every type is covered */

	for (size_t c = 0; c < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); c++) {
		tpath(path, sizeof(path), "rt.avt");
		write_file(path, &m, evs, n, chunk_sizes[c], 0);
		assert_int_equal(read_file(path, &rb, why, sizeof(why)), 0);
		assert_int_equal(rb.n, n);
		for (size_t i = 0; i < n; i++)
			expect_same(&evs[i], &rb.ev[i]);
		assert_int_equal(rb.st.stop, AVT_STOP_NONE);
		assert_int_equal(rb.st.unknown_records, 2);
		assert_true(rb.st.has_footer);
		assert_int_equal(rb.st.is_text, 0);
		if (chunk_sizes[c] == 300)
			assert_true(rb.st.chunks_ok > 5);
		unlink(path);
	}
	avt_meta__fini(&m);
}

/* Writing back what was read reproduces the file byte for byte: unknown
 * records keep their raw type and bytes. */
static void test_unknown_type_preserved(void **state)
{
	static struct avt_event evs[MAXEV];
	char p1[600], p2[600], why[256];
	struct avt_writer_opts o = { .sz = sizeof(o), .chunk_bytes = 500 };
	struct avt_reader *r;
	struct avt_writer *w;
	struct avt_event ev;
	struct avt_meta m;
	size_t n = make_events(evs), l1, l2, unknown = 0;
	uint8_t *b1, *b2;

	(void)state;
	meta_basic(&m);
	assert_int_equal(avt_meta__set(&m, 0x7777, "a future key"), 0);
	write_file(tpath(p1, sizeof(p1), "u1.avt"), &m, evs, n, 500, 0);
	avt_meta__fini(&m);

	r = avt_reader__open(p1, why, sizeof(why));
	assert_non_null(r);
	w = avt_writer__open(tpath(p2, sizeof(p2), "u2.avt"), avt_reader__meta(r), &o);
	assert_non_null(w);
	while (avt_reader__next(r, &ev) > 0) {
		if (ev.type == AVT_EV_UNKNOWN) {
			unknown++;
			assert_true(ev.u.unknown.raw_type == 0x4242 || ev.u.unknown.raw_type == 0xffff);
		}
		assert_int_equal(avt_writer__write(w, &ev), 0);
	}
	assert_int_equal(unknown, 2);
	assert_int_equal(avt_reader__status(r)->unknown_records, 2);
	assert_int_equal(avt_reader__status(r)->unknown_meta, 1);
	assert_int_equal(avt_writer__close(w), 0);
	avt_reader__close(r);

	b1 = slurp(p1, &l1);
	b2 = slurp(p2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	free(b1);
	free(b2);
	unlink(p1);
	unlink(p2);
}

static void test_writer_rejects_bad_events(void **state)
{
	char path[600];
	struct avt_meta m;
	struct avt_writer *w;
	struct avt_event ev;

	(void)state;
	meta_basic(&m);
	w = avt_writer__open(tpath(path, sizeof(path), "bad.avt"), &m, NULL);
	assert_non_null(w);
	fill_header(&ev, 0, 0);
	assert_int_equal(avt_writer__write(w, &ev), -EINVAL);	/* type 0 */
	fill_header(&ev, 200, 0);
	assert_int_equal(avt_writer__write(w, &ev), -EINVAL);
	fill_header(&ev, AVT_EV_SNAP_VMA, 0);
	ev.u.snap_vma.nr_avc_ids = AVT_SNAP_MAX_AVC + 1;
	assert_int_equal(avt_writer__write(w, &ev), -EINVAL);
	/* an "unknown" event claiming a known type would not read back */
	fill_header(&ev, AVT_EV_UNKNOWN, 0);
	ev.u.unknown = (struct avt_ev_unknown){ .raw_type = AVT_EV_FAULT, .len = 0 };
	assert_int_equal(avt_writer__write(w, &ev), -EINVAL);
	ev.u.unknown = (struct avt_ev_unknown){ .raw_type = 0x999, .len = AVT_REC_MAX_UNKNOWN + 1,
						.data = unk_data };
	assert_int_equal(avt_writer__write(w, &ev), -E2BIG);
	/* bad events are not sticky: a good one still goes in */
	fill_header(&ev, AVT_EV_CHECKPOINT, 0);
	ev.u.checkpoint.n = 1;
	assert_int_equal(avt_writer__write(w, &ev), 0);
	assert_int_equal(avt_writer__close(w), 0);
	avt_meta__fini(&m);
	unlink(path);
}

static void test_meta_roundtrip(void **state)
{
	char path[600], why[256], big[5000];
	struct avt_meta m;
	struct avt_reader *r;
	const struct avt_meta *rm;
	struct avt_event ev;

	(void)state;
	avt_meta__init(&m);
	for (unsigned k = 1; k < AVT_KEY__MAX; k++) {
		char v[64];

		snprintf(v, sizeof(v), "value of %s = %u \"quoted\" ü", avt_key__name(k), k * 31);
		assert_int_equal(avt_meta__set(&m, (uint16_t)k, v), 0);
	}
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(avt_meta__set(&m, AVT_KEY_CMDLINE, big), 0);	/* replaces */
	assert_int_equal(avt_meta__set(&m, 0x1234, "unknown key value"), 0);
	assert_int_equal(avt_meta__set(&m, 0xfffe, ""), 0);
	assert_int_equal(m.n, AVT_KEY__MAX - 1 + 2);

	write_file(tpath(path, sizeof(path), "meta.avt"), &m, NULL, 0, 0, 0);
	r = avt_reader__open(path, why, sizeof(why));
	assert_non_null(r);
	rm = avt_reader__meta(r);
	assert_int_equal(rm->n, m.n);
	for (size_t i = 0; i < m.n; i++) {	/* same order, same keys, same values */
		assert_int_equal(rm->v[i].key, m.v[i].key);
		assert_string_equal(rm->v[i].value, m.v[i].value);
	}
	assert_string_equal(avt_meta__get(rm, 0x1234), "unknown key value");
	assert_string_equal(avt_meta__get(rm, AVT_KEY_CMDLINE), big);
	assert_null(avt_meta__get(rm, 0x4321));
	assert_int_equal(avt_reader__status(r)->unknown_meta, 2);
	assert_int_equal(avt_reader__next(r, &ev), 0);	/* no events */
	assert_int_equal(avt_reader__status(r)->stop, AVT_STOP_NONE);
	assert_true(avt_reader__status(r)->has_footer);
	avt_reader__close(r);
	avt_meta__fini(&m);
	unlink(path);
}

static void test_probe_host(void **state)
{
	struct avt_meta m;
	struct utsname u;
	const char *v;
	char buf[32];

	(void)state;
	avt_meta__init(&m);
	assert_int_equal(avt_meta__probe_host(&m), 0);
	assert_int_equal(uname(&u), 0);
	assert_string_equal(avt_meta__get(&m, AVT_KEY_RELEASE), u.release);
	assert_string_equal(avt_meta__get(&m, AVT_KEY_ARCH), u.machine);
	assert_string_equal(avt_meta__get(&m, AVT_KEY_HOSTNAME), u.nodename);
	snprintf(buf, sizeof(buf), "%ld", sysconf(_SC_PAGESIZE));
	assert_string_equal(avt_meta__get(&m, AVT_KEY_PAGE_SIZE), buf);
	assert_true(atoi(avt_meta__get(&m, AVT_KEY_NR_CPUS)) >= 1);
	assert_string_equal(avt_meta__get(&m, AVT_KEY_CLOCK), "CLOCK_MONOTONIC");
	assert_non_null(strstr(avt_meta__get(&m, AVT_KEY_START_TIME), "Z monotonic="));
	v = avt_meta__get(&m, AVT_KEY_THP);
	assert_true(!strcmp(v, "always") || !strcmp(v, "madvise") || !strcmp(v, "never") ||
		    !strcmp(v, "absent"));
	assert_null(strchr(avt_meta__get(&m, AVT_KEY_THP_DEFRAG), '['));
	v = avt_meta__get(&m, AVT_KEY_SOFT_DIRTY);
	assert_true(!strcmp(v, "yes") || !strcmp(v, "no") || !strcmp(v, "unknown"));
	for (unsigned k = AVT_KEY_RELEASE; k < AVT_KEY__MAX; k++) {
		if (k == AVT_KEY_RECORDER || k == AVT_KEY_CMDLINE || k == AVT_KEY_PROBES ||
		    k == AVT_KEY_FILTERS)
			assert_null(avt_meta__get(&m, (uint16_t)k));	/* the recorder's */
		else
			assert_non_null(avt_meta__get(&m, (uint16_t)k));
	}
	if (!access("/sys/kernel/mm/transparent_hugepage/hugepages-2048kB", F_OK))
		assert_non_null(strstr(avt_meta__get(&m, AVT_KEY_MTHP), "2048kB:"));
	if (!access("/proc/sys/vm/max_map_count", R_OK)) {
		FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
		long mmc = -1;

		assert_int_equal(fscanf(f, "%ld", &mmc), 1);
		fclose(f);
		assert_int_equal(atol(avt_meta__get(&m, AVT_KEY_MAX_MAP_COUNT)), mmc);
	}
	avt_meta__fini(&m);
}

/* Cut a multi-chunk file at every byte offset. */
static void test_truncated_every_offset(void **state)
{
	static struct avt_event evs[MAXEV];
	static struct readback rb;
	char full[600], cut[600], why[256];
	struct chunks cs;
	struct avt_meta m;
	size_t n = make_events(evs), len, checked = 0;
	uint8_t *buf;

	(void)state;
	meta_basic(&m);
	write_file(tpath(full, sizeof(full), "full.avt"), &m, evs, n, 400, 0);
	avt_meta__fini(&m);
	chunk_layout(full, &cs);
	assert_true(cs.n >= 4);
	buf = slurp(full, &len);
	tpath(cut, sizeof(cut), "cut.avt");

	for (size_t c = 0; c < len; c++) {
		size_t k = 0, expect = 0;
		int err;

		spit(cut, buf, c);
		err = read_file(cut, &rb, why, sizeof(why));
		if (c == 0) {
			assert_int_equal(err, -EPROTO);
			assert_string_equal(why, "empty file: not an avtrace trace");
			continue;
		}
		if (c < cs.c[0].offset) {	/* inside the header or metadata */
			assert_int_equal(err, -EPROTO);
			assert_non_null(strstr(why, "truncated trace: file ends inside the"));
			continue;
		}
		assert_int_equal(err, 0);
		while (k < cs.n && chunk_end(&cs.c[k]) <= c)
			expect += cs.c[k++].nr_records;
		assert_int_equal(rb.n, expect);
		for (size_t i = 0; i < rb.n; i++)
			expect_same(&evs[i], &rb.ev[i]);
		assert_int_equal(rb.st.chunks_ok, k);
		assert_false(rb.st.has_footer);
		if (c == (k ? chunk_end(&cs.c[k - 1]) : cs.c[0].offset)) {
			/* cut on a chunk boundary: a clean, footerless file */
			assert_int_equal(rb.st.stop, AVT_STOP_NONE);
		} else if (k < cs.n) {
			char want[64];

			assert_int_equal(rb.st.stop, AVT_STOP_TRUNCATED);
			assert_int_equal(rb.st.chunk, k);
			assert_int_equal(rb.st.offset, cs.c[k].offset);
			snprintf(want, sizeof(want), "chunk %zu at offset %llu", k,
				 (unsigned long long)cs.c[k].offset);
			assert_non_null(strstr(rb.st.why, want));
			assert_non_null(strstr(rb.st.why, "file ends inside"));
		} else {
			/* in the footer: every event is there, the cut is still said */
			assert_int_equal(rb.st.stop, AVT_STOP_TRUNCATED);
			assert_int_equal(rb.st.chunk, cs.n);
			assert_non_null(strstr(rb.st.why, "index footer"));
		}
		checked++;
	}
	assert_true(checked > 1000);
	free(buf);
	unlink(full);
	unlink(cut);
}

/* Flip every byte of one chunk in turn: each flip is caught and named. */
static void test_flipped_byte(void **state)
{
	static struct avt_event evs[MAXEV];
	static struct readback rb;
	char full[600], bad[600], why[256], want[64];
	struct chunks cs;
	struct avt_meta m;
	size_t n = make_events(evs), len;
	const struct avt_chunk_info *c1;
	uint8_t *buf;

	(void)state;
	meta_basic(&m);
	write_file(tpath(full, sizeof(full), "flip.avt"), &m, evs, n, 400, 0);
	avt_meta__fini(&m);
	chunk_layout(full, &cs);
	assert_true(cs.n >= 3);
	c1 = &cs.c[1];
	buf = slurp(full, &len);
	tpath(bad, sizeof(bad), "flipped.avt");
	snprintf(want, sizeof(want), "chunk 1 at offset %llu", (unsigned long long)c1->offset);

	for (uint64_t off = c1->offset; off < chunk_end(c1); off++) {
		for (int x = 0; x < 2; x++) {
			uint8_t mask = x ? 0xff : 0x01;

			buf[off] ^= mask;
			spit(bad, buf, len);
			buf[off] ^= mask;
			assert_int_equal(read_file(bad, &rb, why, sizeof(why)), 0);
			assert_int_equal(rb.n, cs.c[0].nr_records);	/* chunk 0 only */
			assert_int_equal(rb.st.chunks_ok, 1);
			assert_int_equal(rb.st.chunk, 1);
			assert_int_equal(rb.st.offset, c1->offset);
			assert_non_null(strstr(rb.st.why, want));
			if (off >= c1->offset + 8)	/* past magic, codec, length */
				assert_int_equal(rb.st.stop, AVT_STOP_CRC);
			else
				assert_true(rb.st.stop == AVT_STOP_CRC ||
					    rb.st.stop == AVT_STOP_CORRUPT);
			if (off >= c1->offset + AVT_CK_SIZE_V1)
				assert_non_null(strstr(rb.st.why, "payload CRC mismatch"));
		}
	}

	/* the chunks beyond the damage are found and counted, not read */
	for (int where = 0; where < 2; where++) {
		uint64_t off = where ? c1->offset : c1->offset + AVT_CK_SIZE_V1 + 3;
		struct avt_reader_beyond bey;
		uint64_t later = 0;
		struct avt_reader *r;
		struct avt_event ev;

		buf[off] ^= 0x20;
		spit(bad, buf, len);
		buf[off] ^= 0x20;
		r = avt_reader__open(bad, why, sizeof(why));
		assert_non_null(r);
		assert_int_equal(avt_reader__scan_beyond(r, &bey), -EINVAL);	/* not yet stopped */
		while (avt_reader__next(r, &ev) > 0)
			;
		assert_int_equal(avt_reader__scan_beyond(r, &bey), 0);
		for (size_t k = 2; k < cs.n; k++)
			later += cs.c[k].nr_records;
		assert_int_equal(bey.chunks, cs.n - 2);
		assert_int_equal(bey.records, later);
		assert_int_equal(bey.first_offset, cs.c[2].offset);
		assert_int_equal(avt_reader__next(r, &ev), 0);
		avt_reader__close(r);
	}

	/* any flip in the file header or metadata makes open fail cleanly */
	for (uint64_t off = 0; off < cs.c[0].offset; off++) {
		buf[off] ^= 0x10;
		spit(bad, buf, len);
		buf[off] ^= 0x10;
		assert_true(read_file(bad, &rb, why, sizeof(why)) < 0);
		assert_true(why[0] != '\0');
	}
	/* and a flip in the footer is reported after all events */
	buf[len - 3] ^= 0x01;
	spit(bad, buf, len);
	assert_int_equal(read_file(bad, &rb, why, sizeof(why)), 0);
	assert_int_equal(rb.n, n);
	assert_int_equal(rb.st.stop, AVT_STOP_CORRUPT);
	assert_non_null(strstr(rb.st.why, "trailer"));
	buf[len - 3] ^= 0x01;

	/* a trailer whose CRC holds but whose record count is wrong */
	{
		uint8_t *tr = buf + len - AVT_TR_SIZE;

		put_le64(tr + AVT_TR_EVENTS, n + 1);
		put_le32(tr + AVT_TR_CRC, (uint32_t)crc32(0, tr, AVT_TR_CRC));
		spit(bad, buf, len);
		assert_int_equal(read_file(bad, &rb, why, sizeof(why)), 0);
		assert_int_equal(rb.n, n);
		assert_int_equal(rb.st.stop, AVT_STOP_CORRUPT);
		assert_non_null(strstr(rb.st.why, "trailer counts"));
	}
	free(buf);
	unlink(full);
	unlink(bad);
}

/* ---- hand-crafted files ------------------------------------------------------ */

struct craft {
	uint8_t b[8192];
	size_t len;
};

static void craft_header(struct craft *f, unsigned major, unsigned minor, uint32_t hlen)
{
	memset(f->b, 0, hlen);
	memcpy(f->b, AVT_FILE_MAGIC, 8);
	put_le16(f->b + AVT_FH_MAJOR, (uint16_t)major);
	put_le16(f->b + AVT_FH_MINOR, (uint16_t)minor);
	put_le32(f->b + AVT_FH_LEN, hlen);
	put_le32(f->b + AVT_FH_FLAGS, 0);
	put_le32(f->b + hlen - 4, (uint32_t)crc32(0, f->b, hlen - 4));
	f->len = hlen;
}

/* Metadata block from (key, value) pairs; count and lengths as given. */
static void craft_meta(struct craft *f, size_t nent, const uint16_t *keys,
		       const char *const *vals, const uint32_t *lens)
{
	uint8_t *md = f->b + f->len, *p = md + AVT_MD_HEAD;
	uint32_t crc;

	for (size_t i = 0; i < nent; i++) {
		uint32_t vl = (uint32_t)strlen(vals[i]);

		put_le16(p, keys[i]);
		put_le32(p + 2, lens ? lens[i] : vl);
		memcpy(p + 6, vals[i], vl);
		p += 6 + vl;
	}
	memcpy(md, AVT_MD_MAGIC, 4);
	put_le32(md + AVT_MD_LEN, (uint32_t)(p - md - AVT_MD_HEAD));
	put_le32(md + AVT_MD_COUNT, (uint32_t)nent);
	crc = (uint32_t)crc32(0, md, AVT_MD_CRC);
	crc = (uint32_t)crc32(crc, md + AVT_MD_HEAD, (uInt)(p - md - AVT_MD_HEAD));
	put_le32(md + AVT_MD_CRC, crc);
	f->len = (size_t)(p - f->b);
}

static size_t craft_rec(uint8_t *p, uint16_t type, uint32_t size, const void *body, size_t blen)
{
	put_le16(p + AVT_RH_TYPE, type);
	put_le16(p + AVT_RH_CPU, 3);
	put_le32(p + AVT_RH_SIZE, size);
	put_le32(p + AVT_RH_PID, 100);
	put_le32(p + AVT_RH_TID, 101);
	put_le64(p + AVT_RH_TS, 5000);
	memcpy(p + AVT_RH_SIZE_V1, body, blen);
	return AVT_RH_SIZE_V1 + blen;
}

/* A chunk with valid CRCs around whatever payload and sizes it is given. */
static void craft_chunk(struct craft *f, uint16_t codec, uint16_t hlen, const uint8_t *payload,
			uint32_t len, uint32_t raw_len, uint32_t nrec)
{
	uint8_t *h = f->b + f->len;

	memset(h, 0, hlen);
	memcpy(h, AVT_CK_MAGIC, 4);
	put_le16(h + AVT_CK_CODEC, codec);
	put_le16(h + AVT_CK_HLEN, hlen);
	put_le32(h + AVT_CK_RAW, raw_len);
	put_le32(h + AVT_CK_STORED, len);
	put_le32(h + AVT_CK_NREC, nrec);
	put_le64(h + AVT_CK_FIRST_TS, 5000);
	put_le64(h + AVT_CK_LAST_TS, 5000);
	put_le32(h + AVT_CK_PCRC, (uint32_t)crc32(0, payload, len));
	put_le32(h + hlen - 4, (uint32_t)crc32(0, h, hlen - 4u));
	memcpy(h + hlen, payload, len);
	f->len += hlen + len;
}

static void craft_plain(struct craft *f)
{
	static const uint16_t keys[] = { AVT_KEY_RELEASE };
	static const char *const vals[] = { "6.18.44" };

	craft_header(f, 1, 0, AVT_FH_SIZE_V1);
	craft_meta(f, 1, keys, vals, NULL);
}

/* Open a crafted file; returns the reader or NULL (errno, why). */
static struct avt_reader *open_crafted(const struct craft *f, char *path, size_t plen,
				       char *why, size_t why_len)
{
	tpath(path, plen, "craft.avt");
	spit(path, f->b, f->len);
	return avt_reader__open(path, why, why_len);
}

static void test_newer_minor_readable(void **state)
{
	static const uint16_t keys[] = { AVT_KEY_RELEASE, 0x0999 };
	static const char *const vals[] = { "7.1.0", "from the future" };
	static struct craft f;
	uint8_t payload[512], body[64];
	char path[600], why[256];
	struct avt_reader *r;
	struct avt_event ev;
	size_t pl = 0;

	(void)state;
	craft_header(&f, 1, 7, AVT_FH_SIZE_V1 + 8);	/* longer header */
	craft_meta(&f, 2, keys, vals, NULL);
	/* a fault whose body grew by 8 bytes in 1.7 */
	memset(body, 0, sizeof(body));
	put_le64(body, 0xdead0000);
	put_le64(body + 8, 0x401000);
	put_le32(body + 16, AVT_FAULT_WRITE);
	put_le32(body + 20, 6);
	memset(body + 24, 0xee, 8);
	pl += craft_rec(payload + pl, AVT_EV_FAULT, AVT_RH_SIZE_V1 + 32, body, 32);
	/* a record type added in 1.7 */
	pl += craft_rec(payload + pl, 0x0100, AVT_RH_SIZE_V1 + 5, "hello", 5);
	put_le32(body, 42);
	pl += craft_rec(payload + pl, AVT_EV_CHECKPOINT, AVT_RH_SIZE_V1 + 4, body, 4);
	craft_chunk(&f, AVT_CODEC_NONE, AVT_CK_SIZE_V1 + 8, payload, (uint32_t)pl,
		    (uint32_t)pl, 3);

	r = open_crafted(&f, path, sizeof(path), why, sizeof(why));
	assert_non_null(r);
	assert_string_equal(avt_meta__get(avt_reader__meta(r), 0x0999), "from the future");
	assert_int_equal(avt_reader__next(r, &ev), 1);
	assert_int_equal(ev.type, AVT_EV_FAULT);
	assert_true(ev.u.fault.addr == 0xdead0000 && ev.u.fault.ip == 0x401000);
	assert_int_equal(ev.u.fault.error_code, 6);
	assert_int_equal(ev.cpu, 3);
	assert_int_equal(ev.pid, 100);
	assert_int_equal(ev.tid, 101);
	assert_true(ev.ts == 5000);
	assert_int_equal(avt_reader__next(r, &ev), 1);
	assert_int_equal(ev.type, AVT_EV_UNKNOWN);
	assert_int_equal(ev.u.unknown.raw_type, 0x0100);
	assert_int_equal(ev.u.unknown.len, 5);
	assert_memory_equal(ev.u.unknown.data, "hello", 5);
	assert_int_equal(avt_reader__next(r, &ev), 1);
	assert_int_equal(ev.u.checkpoint.n, 42);
	assert_int_equal(avt_reader__next(r, &ev), 0);
	assert_int_equal(avt_reader__status(r)->stop, AVT_STOP_NONE);
	assert_int_equal(avt_reader__status(r)->unknown_records, 1);
	assert_int_equal(avt_reader__status(r)->unknown_meta, 1);
	avt_reader__close(r);
	unlink(path);
}

static void test_wrong_magic_and_future_major(void **state)
{
	static struct craft f;
	char path[600], why[256];
	static const char garbage[][17] = {
		"\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
		"\x1f\x8b\x08\x00\x00\x00\x00\x00",
		"AVTRACX\0\x01\0\0\0",
		"AVTRACE\xff\x01\0\0\0",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		memcpy(f.b, garbage[i], 16);
		f.len = 16;
		errno = 0;
		assert_null(open_crafted(&f, path, sizeof(path), why, sizeof(why)));
		assert_int_equal(errno, EPROTO);
		assert_string_equal(why, "not an avtrace file (bad magic)");
		errno = 0;
		assert_null(avt_reader__open(path, NULL, 0));	/* no reason wanted */
		assert_int_equal(errno, EPROTO);
		unlink(path);
	}

	craft_header(&f, 2, 3, AVT_FH_SIZE_V1 + 40);
	errno = 0;
	assert_null(open_crafted(&f, path, sizeof(path), why, sizeof(why)));
	assert_int_equal(errno, EPROTONOSUPPORT);
	assert_string_equal(why, "trace format 2.3 is newer than this avtrace (reads 1.x)");
	unlink(path);
	/* the major is judged before anything else that may have changed */
	f.len = 12;
	assert_null(open_crafted(&f, path, sizeof(path), why, sizeof(why)));
	assert_int_equal(errno, EPROTONOSUPPORT);
	unlink(path);

	craft_header(&f, 0, 9, AVT_FH_SIZE_V1);
	assert_null(open_crafted(&f, path, sizeof(path), why, sizeof(why)));
	assert_int_equal(errno, EPROTONOSUPPORT);
	unlink(path);

	assert_null(avt_reader__open("/nonexistent/trace.avt", why, sizeof(why)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(why, "No such file"));
	assert_null(avt_reader__open(tmpdir, why, sizeof(why)));
	assert_int_equal(errno, EISDIR);
}

static void test_empty_files(void **state)
{
	static struct craft f;
	char path[600], why[256];
	struct avt_reader *r;
	struct avt_event ev;
	struct avt_meta m;

	(void)state;
	f.len = 0;
	errno = 0;
	assert_null(open_crafted(&f, path, sizeof(path), why, sizeof(why)));
	assert_int_equal(errno, EPROTO);
	assert_string_equal(why, "empty file: not an avtrace trace");
	unlink(path);

	/* header and metadata only: a recorder killed before its first chunk */
	craft_plain(&f);
	r = open_crafted(&f, path, sizeof(path), why, sizeof(why));
	assert_non_null(r);
	assert_int_equal(avt_reader__next(r, &ev), 0);
	assert_int_equal(avt_reader__status(r)->stop, AVT_STOP_NONE);
	assert_int_equal(avt_reader__status(r)->events, 0);
	assert_false(avt_reader__status(r)->has_footer);
	avt_reader__close(r);
	unlink(path);

	/* no metadata at all, no events, closed properly */
	avt_meta__init(&m);
	write_file(tpath(path, sizeof(path), "empty.avt"), &m, NULL, 0, 0, 0);
	r = avt_reader__open(path, why, sizeof(why));
	assert_non_null(r);
	assert_int_equal(avt_reader__meta(r)->n, 0);
	assert_int_equal(avt_reader__next(r, &ev), 0);
	assert_int_equal(avt_reader__status(r)->stop, AVT_STOP_NONE);
	assert_true(avt_reader__status(r)->has_footer);
	avt_reader__close(r);
	unlink(path);
}

/* Read a crafted file to its end; returns events read and the stop. */
static size_t drain(const struct craft *f, enum avt_read_stop *stop, char *why_out)
{
	char path[600], why[256];
	struct avt_reader *r = open_crafted(f, path, sizeof(path), why, sizeof(why));
	struct avt_event ev;
	size_t n = 0;

	assert_non_null(r);
	while (avt_reader__next(r, &ev) > 0)
		n++;
	*stop = avt_reader__status(r)->stop;
	strcpy(why_out, avt_reader__status(r)->why);
	assert_int_equal(avt_reader__status(r)->events, n);
	avt_reader__close(r);
	unlink(path);
	return n;
}

/* A file whose one chunk holds one record (type, the size its header
 * claims, body): reading it gives no event and stops as corrupt, with a
 * reason that holds want (NULL: any reason). */
static void expect_corrupt_record(struct craft *f, uint16_t type, uint32_t size,
				  const uint8_t *body, size_t blen, const char *want)
{
	uint8_t payload[1024];
	enum avt_read_stop stop;
	char why[256];
	size_t pl;

	craft_plain(f);
	pl = craft_rec(payload, type, size, body, blen);
	craft_chunk(f, AVT_CODEC_NONE, AVT_CK_SIZE_V1, payload, (uint32_t)pl, (uint32_t)pl, 1);
	assert_int_equal(drain(f, &stop, why), 0);
	assert_int_equal(stop, AVT_STOP_CORRUPT);
	if (want)
		assert_non_null(strstr(why, want));
}

static void test_hostile_lengths(void **state)
{
	static struct craft f;
	uint8_t payload[1024], body[256];
	char why[256], path[600];
	enum avt_read_stop stop;
	size_t pl;

	(void)state;
	memset(body, 0, sizeof(body));

	/* record size 0xffffffff */
	expect_corrupt_record(&f, AVT_EV_CHECKPOINT, 0xffffffffu, body, 4, "chunk 0 at offset");
	/* record size smaller than a record header */
	expect_corrupt_record(&f, AVT_EV_CHECKPOINT, 5, body, 4, NULL);

	/* a good chunk, then a known type with a body too short for it: the
	 * whole second chunk is refused, none of its events are handed out */
	craft_plain(&f);
	pl = craft_rec(payload, AVT_EV_CHECKPOINT, AVT_RH_SIZE_V1 + 4, body, 4);
	craft_chunk(&f, AVT_CODEC_NONE, AVT_CK_SIZE_V1, payload, (uint32_t)pl, (uint32_t)pl, 1);
	pl = craft_rec(payload, AVT_EV_CHECKPOINT, AVT_RH_SIZE_V1 + 4, body, 4);
	pl += craft_rec(payload + pl, AVT_EV_SYSCALL, AVT_RH_SIZE_V1 + 10, body, 10);
	craft_chunk(&f, AVT_CODEC_NONE, AVT_CK_SIZE_V1, payload, (uint32_t)pl, (uint32_t)pl, 2);
	assert_int_equal(drain(&f, &stop, why), 1);
	assert_int_equal(stop, AVT_STOP_CORRUPT);
	assert_non_null(strstr(why, "chunk 1 at offset"));
	assert_non_null(strstr(why, "shorter than its type needs"));

	/* snap_vma claiming 0xffffffff AVC ids */
	put_le32(body + 84, 0xffffffffu);
	expect_corrupt_record(&f, AVT_EV_SNAP_VMA, AVT_RH_SIZE_V1 + 88, body, 88, "AVC ids");
	/* ... or 3 ids but room for 2 */
	put_le32(body + 84, 3);
	expect_corrupt_record(&f, AVT_EV_SNAP_VMA, AVT_RH_SIZE_V1 + 88 + 16, body, 88 + 16,
			      "AVC id list");
	memset(body, 0, sizeof(body));

	/* exec filename length 0xffff; set value length 0xffff */
	put_le16(body + 28, 0xffff);
	expect_corrupt_record(&f, AVT_EV_EXEC, AVT_RH_SIZE_V1 + 40, body, 40, "string length");
	memset(body, 0, sizeof(body));
	put_le16(body + 2, 0xffff);
	expect_corrupt_record(&f, AVT_EV_SET, AVT_RH_SIZE_V1 + 4, body, 4, "string length");
	memset(body, 0, sizeof(body));

	/* a longer exec filename (from a newer writer) is cut, not overflowed */
	craft_plain(&f);
	put_le16(body + 28, 300);
	{
		uint8_t big[400];

		memcpy(big, body, 30);
		memset(big + 30, 'p', 300);
		pl = craft_rec(payload, AVT_EV_EXEC, AVT_RH_SIZE_V1 + 330, big, 330);
	}
	craft_chunk(&f, AVT_CODEC_NONE, AVT_CK_SIZE_V1, payload, (uint32_t)pl, (uint32_t)pl, 1);
	{
		struct avt_reader *r = open_crafted(&f, path, sizeof(path), why, sizeof(why));
		struct avt_event ev;

		assert_non_null(r);
		assert_int_equal(avt_reader__next(r, &ev), 1);
		assert_int_equal(strlen(ev.u.exec.filename), AVT_PATH_LEN - 1);
		avt_reader__close(r);
		unlink(path);
	}

	/* record count in the header disagrees with the payload */
	craft_plain(&f);
	pl = craft_rec(payload, AVT_EV_CHECKPOINT, AVT_RH_SIZE_V1 + 4, body, 4);
	craft_chunk(&f, AVT_CODEC_NONE, AVT_CK_SIZE_V1, payload, (uint32_t)pl, (uint32_t)pl, 0);
	assert_int_equal(drain(&f, &stop, why), 0);
	assert_int_equal(stop, AVT_STOP_CORRUPT);

	/* chunk claims 4 GiB raw, or a huge stored length */
	craft_plain(&f);
	craft_chunk(&f, AVT_CODEC_ZLIB, AVT_CK_SIZE_V1, payload, (uint32_t)pl, 0xffffffffu, 1);
	assert_int_equal(drain(&f, &stop, why), 0);
	assert_int_equal(stop, AVT_STOP_CORRUPT);
	assert_non_null(strstr(why, "implausible sizes"));
	craft_plain(&f);
	craft_chunk(&f, AVT_CODEC_ZLIB, AVT_CK_SIZE_V1, payload, (uint32_t)pl, 64, 1);
	put_le32(f.b + f.len - pl - AVT_CK_SIZE_V1 + AVT_CK_STORED, 0x03000000u);
	{	/* re-seal the header CRC over the forged length */
		uint8_t *h = f.b + f.len - pl - AVT_CK_SIZE_V1;

		put_le32(h + AVT_CK_HCRC, (uint32_t)crc32(0, h, AVT_CK_HCRC));
	}
	assert_int_equal(drain(&f, &stop, why), 0);
	assert_int_equal(stop, AVT_STOP_TRUNCATED);

	/* CRC-valid garbage that is not a zlib stream */
	craft_plain(&f);
	memset(payload, 0x5a, 100);
	craft_chunk(&f, AVT_CODEC_ZLIB, AVT_CK_SIZE_V1, payload, 100, 200, 2);
	assert_int_equal(drain(&f, &stop, why), 0);
	assert_int_equal(stop, AVT_STOP_CORRUPT);
	assert_non_null(strstr(why, "does not inflate"));

	/* an unknown codec, and a chunk header length out of range */
	craft_plain(&f);
	craft_chunk(&f, 9, AVT_CK_SIZE_V1, payload, 24, 24, 1);
	assert_int_equal(drain(&f, &stop, why), 0);
	assert_int_equal(stop, AVT_STOP_CORRUPT);
	assert_non_null(strstr(why, "codec 9"));
	craft_plain(&f);
	craft_chunk(&f, 0, AVT_CK_SIZE_V1, payload, 0, 0, 0);
	put_le16(f.b + f.len - AVT_CK_SIZE_V1 + AVT_CK_HLEN, 0xfff0);
	memset(f.b + f.len, 0, 64);
	f.len += 64;
	assert_int_equal(drain(&f, &stop, why), 0);
	assert_int_equal(stop, AVT_STOP_CORRUPT);
	assert_non_null(strstr(why, "bad header length"));

	/* metadata: an entry longer than the block, a count beyond reason,
	 * a header length beyond reason */
	{
		static const uint16_t keys[] = { AVT_KEY_RELEASE };
		static const char *const vals[] = { "x" };
		static const uint32_t lens[] = { 0xfffffff0u };

		craft_header(&f, 1, 0, AVT_FH_SIZE_V1);
		craft_meta(&f, 1, keys, vals, lens);
		assert_null(open_crafted(&f, path, sizeof(path), why, sizeof(why)));
		assert_int_equal(errno, EPROTO);
		assert_non_null(strstr(why, "corrupt metadata block"));
		assert_null(avt_reader__open(path, NULL, 0));
		assert_int_equal(errno, EPROTO);
		unlink(path);

		craft_header(&f, 1, 0, AVT_FH_SIZE_V1);
		craft_meta(&f, 1, keys, vals, NULL);
		put_le32(f.b + AVT_FH_SIZE_V1 + AVT_MD_COUNT, 0xffffffffu);
		assert_null(open_crafted(&f, path, sizeof(path), why, sizeof(why)));
		assert_int_equal(errno, EPROTO);
		unlink(path);

		craft_header(&f, 1, 0, AVT_FH_SIZE_V1);
		put_le32(f.b + AVT_FH_LEN, 0xffffffffu);
		assert_null(open_crafted(&f, path, sizeof(path), why, sizeof(why)));
		assert_int_equal(errno, EPROTO);
		assert_non_null(strstr(why, "header length"));
		unlink(path);
	}
}

/* Random damage to a real file never crashes and never invents events. */
static void test_random_damage(void **state)
{
	static struct avt_event evs[MAXEV];
	char full[600], bad[600], why[256];
	struct avt_meta m;
	size_t n = make_events(evs), len;
	uint8_t *buf, *copy;
	unsigned seed = 12345;

	(void)state;
	meta_basic(&m);
	write_file(tpath(full, sizeof(full), "rnd.avt"), &m, evs, n, 300, 0);
	avt_meta__fini(&m);
	buf = slurp(full, &len);
	copy = malloc(len);
	assert_non_null(copy);
	tpath(bad, sizeof(bad), "rnd-bad.avt");
	for (int iter = 0; iter < 400; iter++) {
		struct avt_reader *r;
		struct avt_event ev;
		size_t got = 0, cut = len;

		memcpy(copy, buf, len);
		for (int k = 0; k < 1 + iter % 4; k++)
			copy[rand_r(&seed) % len] = (uint8_t)rand_r(&seed);
		if (iter % 3 == 0)
			cut = (size_t)rand_r(&seed) % len;
		spit(bad, copy, cut);
		r = avt_reader__open(bad, why, sizeof(why));
		if (!r)
			continue;
		while (avt_reader__next(r, &ev) > 0)
			got++;
		assert_true(got <= n);
		avt_reader__close(r);
	}
	free(copy);
	free(buf);
	unlink(full);
	unlink(bad);
}

/* ---- writer behaviour ----------------------------------------------------------- */

static void test_writer_mode(void **state)
{
	struct avt_writer_opts o = { .sz = sizeof(o), .mode = 0640 };
	char path[600];
	struct avt_writer *w;
	struct avt_meta m;
	struct stat st;
	mode_t old = umask(0);

	(void)state;
	meta_basic(&m);
	w = avt_writer__open(tpath(path, sizeof(path), "mode.avt"), &m, NULL);
	assert_non_null(w);
	assert_int_equal(avt_writer__close(w), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(chmod(path, 0644), 0);	/* an existing file is made private */
	w = avt_writer__open(path, &m, NULL);
	assert_non_null(w);
	assert_int_equal(avt_writer__close(w), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	unlink(path);
	w = avt_writer__open(path, &m, &o);
	assert_non_null(w);
	assert_int_equal(avt_writer__close(w), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	unlink(path);
	umask(old);

	errno = 0;
	assert_null(avt_writer__open("/nonexistent-dir/x.avt", &m, NULL));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(avt_writer__open("/dev/full", &m, NULL));
	assert_int_equal(errno, ENOSPC);
	avt_meta__fini(&m);
}

/*
 * A disk that fills up mid-chunk (simulated with RLIMIT_FSIZE in a child):
 * the writer returns the error, cuts the partial chunk off, and every
 * chunk written before stays readable.
 */
static void test_writer_full_disk(void **state)
{
	static struct avt_event evs[MAXEV];
	static struct readback rb;
	char path[600], why[256];
	struct chunks cs;
	struct stat st;
	size_t n = make_events(evs);
	int status;
	pid_t pid;

	(void)state;
	tpath(path, sizeof(path), "full-disk.avt");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct avt_writer_opts o = { .sz = sizeof(o), .chunk_bytes = 400 };
		struct rlimit rl = { .rlim_cur = 2000, .rlim_max = RLIM_INFINITY };
		struct avt_writer *w;
		struct avt_meta m;
		int err = 0;
		size_t i;

		signal(SIGXFSZ, SIG_IGN);
		meta_basic(&m);
		if (setrlimit(RLIMIT_FSIZE, &rl))
			_exit(10);
		w = avt_writer__open(path, &m, &o);
		if (!w)
			_exit(11);
		for (i = 0; i < 100 * n && !err; i++)
			err = avt_writer__write(w, &evs[i % n]);
		if (err != -EFBIG)
			_exit(12);
		/* sticky: later calls say the same */
		if (avt_writer__write(w, &evs[0]) != -EFBIG || avt_writer__flush(w) != -EFBIG)
			_exit(13);
		_exit(avt_writer__close(w) == -EFBIG ? 0 : 14);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 2000);
	assert_int_equal(read_file(path, &rb, why, sizeof(why)), 0);
	assert_int_equal(rb.st.stop, AVT_STOP_NONE);	/* ends on a chunk boundary */
	assert_true(rb.st.chunks_ok >= 2);
	assert_true(rb.n > 0);
	for (size_t i = 0; i < rb.n; i++)
		expect_same(&evs[i % n], &rb.ev[i]);
	chunk_layout(path, &cs);
	assert_int_equal((uint64_t)st.st_size, chunk_end(&cs.c[cs.n - 1]));
	unlink(path);
}

/* A recorder killed after a flush leaves every flushed event readable. */
static void test_killed_writer(void **state)
{
	static struct avt_event evs[MAXEV];
	static struct readback rb;
	char path[600], why[256];
	size_t n = make_events(evs), half = n / 2;
	int status;
	pid_t pid;

	(void)state;
	tpath(path, sizeof(path), "killed.avt");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct avt_writer *w;
		struct avt_meta m;

		meta_basic(&m);
		w = avt_writer__open(path, &m, NULL);
		if (!w)
			_exit(1);
		for (size_t i = 0; i < half; i++)
			if (avt_writer__write(w, &evs[i]))
				_exit(2);
		if (avt_writer__flush(w) || avt_writer__flush(w))	/* 2nd: nothing to seal */
			_exit(3);
		for (size_t i = half; i < n; i++)	/* buffered, never flushed */
			if (avt_writer__write(w, &evs[i]))
				_exit(4);
		raise(SIGKILL);
		_exit(5);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(read_file(path, &rb, why, sizeof(why)), 0);
	assert_int_equal(rb.n, half);
	for (size_t i = 0; i < half; i++)
		expect_same(&evs[i], &rb.ev[i]);
	assert_int_equal(rb.st.stop, AVT_STOP_NONE);
	assert_int_equal(rb.st.chunks_ok, 1);
	assert_false(rb.st.has_footer);
	unlink(path);
}

/* Writer on a pipe (fdopen), reader on the other end (no seeking). */
static void test_pipe(void **state)
{
	static struct avt_event evs[MAXEV];
	static struct readback rb;
	char path[64], why[256];
	struct avt_writer *w;
	struct avt_meta m;
	size_t n = make_events(evs);
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	meta_basic(&m);
	w = avt_writer__fdopen(fds[1], &m, NULL);
	assert_non_null(w);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(avt_writer__write(w, &evs[i]), 0);
	assert_int_equal(avt_writer__close(w), 0);
	assert_int_equal(fcntl(fds[1], F_GETFD), 0);	/* fdopen: not closed */
	close(fds[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	assert_int_equal(read_file(path, &rb, why, sizeof(why)), 0);
	assert_int_equal(rb.n, n);
	for (size_t i = 0; i < n; i++)
		expect_same(&evs[i], &rb.ev[i]);
	assert_true(rb.st.has_footer);
	close(fds[0]);
	avt_meta__fini(&m);
}

/* Large and incompressible records: codec "none" and oversized chunks. */
static void test_incompressible(void **state)
{
	static struct readback rb;
	static uint8_t noise[40];
	static struct avt_event evs[8];
	char path[600], why[256];
	struct avt_writer_opts o = { .sz = sizeof(o), .chunk_bytes = 64, .level = 9 };
	struct avt_writer *w;
	struct avt_meta m;
	unsigned seed = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)rand_r(&seed);
	for (int i = 0; i < 8; i++) {
		fill_header(&evs[i], AVT_EV_UNKNOWN, (unsigned)i);
		evs[i].u.unknown = (struct avt_ev_unknown){ .raw_type = (uint16_t)(0x300 + i),
			.len = sizeof(noise), .data = noise };
	}
	meta_basic(&m);
	w = avt_writer__open(tpath(path, sizeof(path), "noise.avt"), &m, &o);
	assert_non_null(w);
	for (int i = 0; i < 8; i++)
		assert_int_equal(avt_writer__write(w, &evs[i]), 0);
	assert_int_equal(avt_writer__close(w), 0);
	assert_int_equal(read_file(path, &rb, why, sizeof(why)), 0);
	assert_int_equal(rb.n, 8);
	assert_int_equal(rb.st.chunks_ok, 8);	/* each record > chunk_bytes */
	for (int i = 0; i < 8; i++)
		expect_same(&evs[i], &rb.ev[i]);
	o.level = 10;
	assert_null(avt_writer__open(path, &m, &o));
	assert_int_equal(errno, EINVAL);
	avt_meta__fini(&m);
	unlink(path);
}

static int setup(void **state)
{
	(void)state;
	return tmpdir__make("fmt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_type),
		cmocka_unit_test(test_unknown_type_preserved),
		cmocka_unit_test(test_writer_rejects_bad_events),
		cmocka_unit_test(test_meta_roundtrip),
		cmocka_unit_test(test_probe_host),
		cmocka_unit_test(test_truncated_every_offset),
		cmocka_unit_test(test_flipped_byte),
		cmocka_unit_test(test_newer_minor_readable),
		cmocka_unit_test(test_wrong_magic_and_future_major),
		cmocka_unit_test(test_empty_files),
		cmocka_unit_test(test_hostile_lengths),
		cmocka_unit_test(test_random_damage),
		cmocka_unit_test(test_writer_mode),
		cmocka_unit_test(test_writer_full_disk),
		cmocka_unit_test(test_killed_writer),
		cmocka_unit_test(test_pipe),
		cmocka_unit_test(test_incompressible),
	};

	return cmocka_run_group_tests(tests, setup, tmpdir__teardown);
}
