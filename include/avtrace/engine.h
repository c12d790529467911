/* SPDX-License-Identifier: MIT */
/*
 * avtrace replay engine: simulates every traced process's address space
 * (VMA layer) and one anon_vma scheme, fed with decoded events.
 *
 * The engine depends on libc only. One engine instance runs one scheme;
 * to compare schemes, feed the same events to several instances.
 *
 * Conventions (libbpf style): constructors return NULL and set errno;
 * other functions return 0 or a negative errno; destructors accept NULL.
 */
#ifndef AVTRACE_ENGINE_H
#define AVTRACE_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "avtrace/event.h"
#include "avtrace/trace.h"

struct avt_engine;

/* One acquisition of an anon_vma root rwsem (eager-semantics §8). */
enum avt_lock_mode { AVT_LOCK_WRITE = 1, AVT_LOCK_READ = 2 };

enum avt_lock_tag {
	AVT_LT_PREPARE = 0,
	AVT_LT_CLONE_SPLIT,
	AVT_LT_CLONE_MERGE,	/* CLONE(MERGE_UNFAULTED), i.e. DUP */
	AVT_LT_CLONE_REMAP,
	AVT_LT_CLONE_FORK,
	AVT_LT_FORK_OWN,
	AVT_LT_RANGE_SPLIT,
	AVT_LT_RANGE_MERGE,	/* merge / expand / shrink commit */
	AVT_LT_UNLINK,
	AVT_LT_MOVE_PTES,
	AVT_LT_MOVE_PGT,
	AVT_LT_STACK_GROW,
	AVT_LT_UFFD_MOVE,
	AVT_LT_RMAP,		/* read: an rmap walk */
	AVT_LT_OTHER,		/* scheme-specific (e.g. lazy upgrade) */
	AVT_LT__MAX,
};
const char *avt_lock_tag__name(unsigned tag);

struct avt_lock_event {
	uint8_t mode;		/* enum avt_lock_mode */
	uint8_t tag;		/* enum avt_lock_tag */
	uint32_t work;		/* interval-tree inserts/removes (or visits) under it */
	uint64_t family;	/* family id: serial of the root (1-based) */
	uint64_t ts;		/* of the event being replayed */
	uint32_t cpu, pid;
};

typedef void (*avt_lock_cb)(const struct avt_lock_event *le, void *ctx);

struct avt_engine_opts {
	size_t sz;			/* sizeof(struct avt_engine_opts) */
	const struct avt_meta *meta;	/* trace metadata (settings, release) */
	int check_invariants;		/* assert eager-semantics §9 after each event */
	avt_lock_cb on_lock;		/* optional streaming consumer of lock events */
	void *lock_ctx;
	uint64_t contention_window_ns;	/* 0 = default 10000 (10 us) */
	/* scheme options, "key=value,key=value" (the lazy scheme's §4.1
	 * options; NULL = defaults), and where to put why the scheme refused
	 * them when avt_engine__new fails with EINVAL */
	const char *scheme_params;
	char *errbuf;
	size_t errbuf_len;
};

/* Names of the built-in schemes, NULL-terminated (for usage messages). */
extern const char *const avt_engine_schemes[];

struct avt_engine *avt_engine__new(const char *scheme, const struct avt_engine_opts *opts);
void avt_engine__free(struct avt_engine *e);
const char *avt_engine__scheme(const struct avt_engine *e);

/*
 * Replay one event. Returns 0, or -EPROTO when an invariant failed (only with
 * check_invariants; avt_engine__error() then names the invariant and event
 * index), or another negative errno for an internal error. Unknown pids,
 * unmodelled syscalls and the like are counted, never fatal.
 */
int avt_engine__feed(struct avt_engine *e, const struct avt_event *ev);
/* End of trace: final rmap census. Call once, before report(). */
int avt_engine__finish(struct avt_engine *e);
const char *avt_engine__error(const struct avt_engine *e);
uint64_t avt_engine__events(const struct avt_engine *e);

/* Check every invariant now; 0 or -EPROTO (reason in avt_engine__error). */
int avt_engine__check(struct avt_engine *e);

/*
 * Simulated state of every live process, sorted by (pid, start), one VMA per
 * line: PID START-END flags=HEX pgoff=HEX dev=MAJ:MIN ino=N av=ID root=ID
 * parent=ID children=N active=N avcs=N
 */
int avt_engine__write_state(struct avt_engine *e, FILE *out);
/* Arrange for the state to be written to out when checkpoint n is replayed. */
void avt_engine__state_at_checkpoint(struct avt_engine *e, uint32_t n, FILE *out);

/* The report: stable "SCHEME.METRIC VALUE" lines. */
int avt_engine__report(struct avt_engine *e, FILE *out);
/*
 * One metric by name (without the scheme prefix), e.g. "anon_vma.allocated".
 * Returns 0 and sets *val, or -ENOENT. Used by tests and by `diff`.
 */
int avt_engine__metric(struct avt_engine *e, const char *name, double *val);

#endif /* AVTRACE_ENGINE_H */
