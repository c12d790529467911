// SPDX-License-Identifier: MIT
/*
 * avtrace info: what a trace holds, read in one pass: header, metadata,
 * events per type (and per syscall), chunks, time span, drops from stats
 * records, unknown records, and where and why reading stopped.
 *
 * Stats values are running totals (man/avtrace-format.5): for each
 * (kind, key) the last record wins, and totals are sums over keys.
 */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/event.h"
#include "avtrace/trace.h"
#include "format/reader_int.h"
#include "cli.h"

#define TOP_TGIDS 10

static struct env {
	const char *input;
	int chunks;		/* --chunks: one line per chunk */
} env;

static const char doc[] =
	"Print what a trace holds: format version, metadata, events per type,\n"
	"chunks, time span, drops and whether it is complete.\n"
	"\n"
	"USAGE: avtrace info [--chunks] FILE\n"
	"\n"
	"FILE is a binary trace or a text trace. The whole file is read once.\n"
	"The last line says whether it is complete, or where and why reading\n"
	"stopped (truncated, CRC error, corrupt chunk). Drops come from the\n"
	"stats records the recorder writes: events lost per CPU and per tgid.\n"
	"\n"
	"Exit status: 0 for a complete trace; 1 if the file is missing, is not\n"
	"a trace, or is truncated or corrupt (everything readable is printed\n"
	"first and the reason goes to stderr); 2 for usage errors.\n"
	"\n"
	"EXAMPLES:\n"
	"  avtrace info run.avt\n"
	"  avtrace info --chunks run.avt     # where each chunk is\n"
	"  avtrace info scenario.txt\n";

static const struct argp_option opts[] = {
	{ "chunks", 'c', NULL, 0, "Also list every chunk: index, offset, sizes, records, "
	  "first and last timestamp", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'c':
		env.chunks = 1;
		break;
	default:
		return avt_argp_file(key, arg, state, &env.input, "trace");
	}
	return 0;
}

/* (kind, key) -> last value, open addressing; grows at half full. */
struct kv {
	uint64_t k, v;
	int used;
};

struct kvmap {
	struct kv *t;
	size_t n, cap;
};

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static int kv_put(struct kvmap *m, uint64_t k, uint64_t v)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct kvmap g = { .cap = m->cap ? 2 * m->cap : 64 };

		g.t = calloc(g.cap, sizeof(*g.t));
		if (!g.t)
			return -ENOMEM;
		for (i = 0; i < m->cap; i++)
			if (m->t[i].used)
				kv_put(&g, m->t[i].k, m->t[i].v);
		free(m->t);
		*m = g;
	}
	for (i = hash64(k) & (m->cap - 1); m->t[i].used; i = (i + 1) & (m->cap - 1)) {
		if (m->t[i].k == k) {
			m->t[i].v = v;
			return 0;
		}
	}
	m->t[i] = (struct kv){ .k = k, .v = v, .used = 1 };
	m->n++;
	return 0;
}

struct info {
	uint64_t per_type[AVT_EV__MAX_KNOWN];
	uint64_t per_sys[AVT_SYS__MAX + 1];	/* [AVT_SYS__MAX]: out of range */
	uint64_t events, first_ts, last_ts;
	uint64_t chunks, raw, stored;
	struct kvmap stats;			/* key = kind << 32 | key */
	struct avt_chunk_info *list;		/* --chunks */
	size_t list_n, list_cap;
	uint64_t snap_status[8];		/* snap_end per status; [7]: others */
	uint64_t snap_procfs;			/* snap_begin flagged procfs */
	uint64_t snap_retry;			/* snap_begin flagged retry */
};

static void print_chunk_list(const struct info *in)
{
	printf("  chunk       offset        raw     stored  records             first_ts"
	       "              last_ts\n");
	for (size_t i = 0; i < in->list_n; i++) {
		const struct avt_chunk_info *c = &in->list[i];

		printf("  %5" PRIu64 " %12" PRIu64 " %10u %10u %8u %20" PRIu64 " %20" PRIu64 "\n",
		       c->index, c->offset, c->raw_len, c->stored_len, c->nr_records,
		       c->first_ts, c->last_ts);
	}
	if (in->list_n < in->chunks)
		printf("  (%" PRIu64 " more: out of memory)\n", in->chunks - in->list_n);
}

static void on_chunk(const struct avt_chunk_info *ci, void *ctx)
{
	struct info *in = ctx;

	if (env.chunks && in->list_n == in->list_cap) {
		size_t cap = in->list_cap ? 2 * in->list_cap : 64;
		struct avt_chunk_info *l = realloc(in->list, cap * sizeof(*l));

		if (l) {
			in->list = l;
			in->list_cap = cap;
		}
	}
	if (env.chunks && in->list_n < in->list_cap)
		in->list[in->list_n++] = *ci;
	in->chunks++;
	in->raw += ci->raw_len;
	in->stored += ci->stored_len;
}

static void print_value(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			fputs("\\\\", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void print_meta(const struct avt_meta *m)
{
	printf("metadata   %zu entries\n", m->n);
	for (size_t i = 0; i < m->n; i++) {
		const char *name = avt_key__name(m->v[i].key);

		if (name)
			printf("  %-14s ", name);
		else
			printf("  0x%04x         ", m->v[i].key);
		print_value(m->v[i].value);
		printf(name ? "\n" : "   (unknown key)\n");
	}
}

static void print_events(const struct info *in, const struct avt_read_status *st)
{
	printf("events     %" PRIu64 "\n", in->events);
	for (unsigned t = 1; t < AVT_EV__MAX_KNOWN; t++) {
		if (!in->per_type[t])
			continue;
		printf("  %-14s %" PRIu64 "\n", avt_event_type__name(t), in->per_type[t]);
		if (t != AVT_EV_SYSCALL)
			continue;
		for (unsigned s = 1; s <= AVT_SYS__MAX; s++)
			if (in->per_sys[s])
				printf("    %-24s %" PRIu64 "\n",
				       s < AVT_SYS__MAX ? avt_sys__name(s) : "(unknown id)",
				       in->per_sys[s]);
	}
	if (st->unknown_records)
		printf("  %-14s %" PRIu64 "   (records of a type this avtrace does not know)\n",
		       "unknown", st->unknown_records);
}

static void print_bytes(const char *label, uint64_t b)
{
	if (b >= 10ull << 20)
		printf("%s %.1f MiB", label, (double)b / (1 << 20));
	else if (b >= 10ull << 10)
		printf("%s %.1f KiB", label, (double)b / (1 << 10));
	else
		printf("%s %" PRIu64 " B", label, b);
}

static int cmp_desc(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? 1 : -1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* Entries of one stats kind, largest value first; returns the count. */
static size_t stats_of(const struct kvmap *m, unsigned kind, struct kv **out, uint64_t *total)
{
	size_t n = 0;

	*total = 0;
	*out = malloc((m->n ? m->n : 1) * sizeof(**out));
	if (!*out)
		return 0;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->t[i].used || m->t[i].k >> 32 != kind || !m->t[i].v)
			continue;
		(*out)[n] = m->t[i];
		(*out)[n].k &= 0xffffffffu;
		*total += m->t[i].v;
		n++;
	}
	qsort(*out, n, sizeof(**out), cmp_desc);
	return n;
}

/* "snapshots  N: A complete, B lock_dropped, ..." by snap_end status */
static void print_snapshots(const struct info *in)
{
	static const char *const name[8] = {
		"complete", "partial", "failed", "lock_dropped", "busy", "ambiguous", "status 6",
		"of unknown status",
	};
	uint64_t n = 0;
	const char *sep = ": ";

	for (int i = 0; i < 8; i++)
		n += in->snap_status[i];
	if (!n)
		return;
	printf("snapshots  %" PRIu64, n);
	for (int i = 0; i < 8; i++) {
		if (!in->snap_status[i])
			continue;
		printf("%s%" PRIu64 " %s", sep, in->snap_status[i], name[i]);
		sep = ", ";
	}
	if (in->snap_procfs)
		printf(" (%" PRIu64 " read from /proc)", in->snap_procfs);
	putchar('\n');
}

static void print_drops(const struct info *in)
{
	uint64_t cpu_total, tgid_total, t;
	struct kv *cpu, *tgid, *x;
	size_t ncpu, ntgid, nx;

	ncpu = stats_of(&in->stats, AVT_STATS_DROPS_CPU, &cpu, &cpu_total);
	ntgid = stats_of(&in->stats, AVT_STATS_DROPS_TGID, &tgid, &tgid_total);
	if (!ncpu && !ntgid) {
		printf("drops      none recorded\n");
	} else {
		printf("drops      %" PRIu64 " events lost\n", cpu_total > tgid_total ? cpu_total : tgid_total);
		if (ncpu) {
			printf("  per cpu  ");
			for (size_t i = 0; i < ncpu; i++)
				printf("%sc%" PRIu64 "=%" PRIu64, i ? " " : "", cpu[i].k, cpu[i].v);
			printf("  (total %" PRIu64 ")\n", cpu_total);
		}
		if (ntgid) {
			printf("  per tgid ");
			for (size_t i = 0; i < ntgid && i < TOP_TGIDS; i++)
				printf("%s%" PRIu64 "=%" PRIu64, i ? " " : "", tgid[i].k, tgid[i].v);
			if (ntgid > TOP_TGIDS)
				printf(" ... (%zu tgids)", ntgid);
			printf("  (total %" PRIu64 ")\n", tgid_total);
		}
	}
	free(cpu);
	free(tgid);

	nx = stats_of(&in->stats, AVT_STATS_FAULTS_FILTERED, &x, &t);
	if (nx)
		printf("filtered   %" PRIu64 " faults dropped by the in-kernel filter\n", t);
	free(x);
	nx = stats_of(&in->stats, AVT_STATS_EXEC_FAULTS, &x, &t);
	if (nx)
		printf("exec       %" PRIu64 " kernel faults on the new image inside execve dropped\n", t);
	free(x);
	nx = stats_of(&in->stats, AVT_STATS_TEARDOWN, &x, &t);
	if (nx) {
		size_t away = 0;

		for (size_t i = 0; i < nx; i++)
			away += x[i].v == 2;
		printf("teardowns  %zu recorded, %zu of them in another context (frees not in the trace)\n",
		       nx, away);
	}
	free(x);
	print_snapshots(in);
	nx = stats_of(&in->stats, AVT_STATS_SNAP_FAILED, &x, &t);
	if (nx)
		printf("snapshots  %" PRIu64 " failed or busy (%zu tgids), %" PRIu64 " start/exec "
		       "ones taken again\n", t, nx, in->snap_retry);
	free(x);
	nx = stats_of(&in->stats, AVT_STATS_SNAP_SKIPPED, &x, &t);
	if (nx)
		printf("snapshots  %" PRIu64 " exec/exit ones skipped by the /proc source "
		       "(%zu tgids)\n", t, nx);
	free(x);
	nx = stats_of(&in->stats, AVT_STATS_RING_HWM, &x, &t);
	if (nx)
		printf("ring       high-water mark %" PRIu64 " bytes\n", x[0].v);
	free(x);
}

static const char *stop_name(enum avt_read_stop s)
{
	switch (s) {
	case AVT_STOP_NONE: return "complete";
	case AVT_STOP_TRUNCATED: return "TRUNCATED";
	case AVT_STOP_CRC: return "CRC ERROR";
	case AVT_STOP_CORRUPT: return "CORRUPT";
	case AVT_STOP_TEXT_ERROR: return "SYNTAX ERROR";
	case AVT_STOP_IO: return "READ ERROR";
	}
	return "?";
}

int cmd_info(int argc, char **argv)
{
	const struct argp argp = { opts, parse_arg, "FILE", doc, NULL, NULL, NULL };
	const struct avt_read_status *st;
	struct avt_reader_format fmt;
	struct avt_reader *r;
	struct avt_event ev;
	struct info *in;
	char why[600];
	int ret, rc = AVT_EXIT_FAIL;

	memset(&env, 0, sizeof(env));
	argv[0] = (char *)"avtrace info";	/* argp's name in usage and errors */
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return AVT_EXIT_USAGE;
	r = avt_trace_open(env.input);
	if (!r)
		return AVT_EXIT_FAIL;
	in = calloc(1, sizeof(*in));
	if (!in) {
		avt_err("out of memory");
		goto out;
	}
	in->first_ts = UINT64_MAX;
	avt_reader__on_chunk(r, on_chunk, in);
	while ((ret = avt_reader__next(r, &ev)) > 0) {
		in->events++;
		if (ev.ts < in->first_ts)
			in->first_ts = ev.ts;
		if (ev.ts > in->last_ts)
			in->last_ts = ev.ts;
		if (ev.type < AVT_EV__MAX_KNOWN)
			in->per_type[ev.type]++;
		if (ev.type == AVT_EV_SYSCALL)
			in->per_sys[ev.u.sys.sys < AVT_SYS__MAX ? ev.u.sys.sys : AVT_SYS__MAX]++;
		if (ev.type == AVT_EV_SNAP_END)
			in->snap_status[ev.u.snap_end.status < 7 ? ev.u.snap_end.status : 7]++;
		if (ev.type == AVT_EV_SNAP_BEGIN && (ev.u.snap_begin.flags & AVT_SNAP_PROCFS))
			in->snap_procfs++;
		if (ev.type == AVT_EV_SNAP_BEGIN && (ev.u.snap_begin.flags & AVT_SNAP_RETRY))
			in->snap_retry++;
		if (ev.type == AVT_EV_STATS &&
		    kv_put(&in->stats, (uint64_t)ev.u.stats.kind << 32 | ev.u.stats.key,
			   ev.u.stats.value)) {
			avt_err("out of memory");
			goto out;
		}
	}
	st = avt_reader__status(r);
	avt_reader__format(r, &fmt);

	printf("file       %s\n", env.input);
	if (st->is_text)
		printf("format     avtrace text form\n");
	else
		printf("format     avtrace binary %u.%u (header %u bytes, flags 0x%x)\n",
		       fmt.major, fmt.minor, fmt.header_len, fmt.flags);
	print_meta(avt_reader__meta(r));
	if (st->unknown_meta)
		printf("  (%" PRIu64 " metadata entries have keys this avtrace does not know)\n",
		       st->unknown_meta);
	print_events(in, st);
	if (!st->is_text) {
		printf("chunks     %" PRIu64, in->chunks);
		print_bytes(", raw", in->raw);
		print_bytes(", stored", in->stored);
		if (in->stored)
			printf(", ratio %.2f", (double)in->raw / (double)in->stored);
		printf(", index footer %s\n", st->has_footer ? "yes" :
		       st->stop != AVT_STOP_NONE ? "not reached" :
		       "no (the writer did not close the file)");
		if (env.chunks)
			print_chunk_list(in);
	}
	if (in->events)
		printf("time span  %" PRIu64 " .. %" PRIu64 " ns (%.6f s)\n", in->first_ts,
		       in->last_ts, (double)(in->last_ts - in->first_ts) / 1e9);
	else
		printf("time span  no events\n");
	print_drops(in);
	printf("unknown    %" PRIu64 " records skipped\n", st->unknown_records);

	if (ret < 0 && st->stop == AVT_STOP_NONE) {
		printf("status     READ ERROR: %s\n", strerror(-ret));
	} else if (st->stop == AVT_STOP_NONE) {
		printf("status     complete\n");
		rc = AVT_EXIT_OK;
	} else {
		struct avt_reader_beyond bey;

		printf("status     %s: %s; %" PRIu64 " events before it are intact\n",
		       stop_name(st->stop), st->why, st->events);
		/* reading never resumes past damage; say what it leaves out */
		if (!avt_reader__scan_beyond(r, &bey))
			printf("beyond     %" PRIu64 " later chunks (%" PRIu64 " events) from offset %"
			       PRIu64 " look intact; they are not read\n",
			       bey.chunks, bey.records, bey.first_offset);
	}
	/* the report first: a reader of stdout sees it even when stderr says
	 * the trace is damaged; a report that did not reach stdout is an error */
	if (fflush(stdout) || ferror(stdout)) {
		avt_err("stdout: write error: %s", strerror(errno));
		rc = AVT_EXIT_FAIL;
	} else if (avt_trace_stopped(env.input, r, ret, why, sizeof(why))) {
		avt_err("%s", why);
	}
out:
	if (in) {
		free(in->stats.t);
		free(in->list);
	}
	free(in);
	avt_reader__close(r);
	return rc;
}
