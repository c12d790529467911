/* SPDX-License-Identifier: MIT */
/*
 * avtrace verify: replay a recorded trace with the scheme that models the
 * trace's kernel and compare, at every kernel snapshot in the trace, the
 * simulated state of that process with the kernel's own (VMA boundaries,
 * tracked flags, pgoff, file, anon_vma sharing through a kernel-id <->
 * engine-object bijection kept across the whole trace, root, parent,
 * num_children, num_active_vmas, AVC count), and the scheme's anon_vma /
 * AVC allocation and free counts with the trace's allocation-truth events
 * (per process, per checkpoint window). Facts that cannot be judged
 * (tainted, ambiguous, passive, snapshot-less, seeded, incomplete,
 * unexplained-prepare) are counted as classes of their own.
 * man/avtrace-replay.1 (--verify) documents the output.
 *
 * Usage: new(); prescan() every event (pass 1: drop records name the
 * tainted processes, which can be anywhere in the file); feed() every event
 * again (pass 2); finish(); report().
 *
 * Conventions (libbpf style): constructors return NULL and set errno;
 * other functions return 0 or a negative errno; destructors accept NULL.
 */
#ifndef AVTRACE_VERIFY_H
#define AVTRACE_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "avtrace/event.h"
#include "avtrace/trace.h"

struct avt_verify;

struct avt_verify_opts {
	size_t sz;			/* sizeof(struct avt_verify_opts) */
	const struct avt_meta *meta;	/* trace metadata (release, settings) */
	const char *mode;		/* scheme; NULL = the one modelling meta's release */
	unsigned max_shown;		/* mismatches printed in detail; 0 = 20 */
	char *errbuf;			/* why new() failed (one line) */
	size_t errbuf_len;
};

/*
 * The scheme that models a kernel release: "eager-legacy" for 6.16-6.19,
 * "eager" for >= 7.0, NULL for anything else (no scheme models it).
 */
const char *avt_verify__scheme_for(const char *release);

struct avt_verify *avt_verify__new(const struct avt_verify_opts *opts);
void avt_verify__free(struct avt_verify *v);
const char *avt_verify__scheme(const struct avt_verify *v);

/* Pass 1: every event of the trace, in order. */
void avt_verify__prescan(struct avt_verify *v, const struct avt_event *ev);
/* Pass 2: every event again; replays and compares. 0 or -errno (the
 * engine failed: avt_verify__error() says why). */
int avt_verify__feed(struct avt_verify *v, const struct avt_event *ev);
int avt_verify__finish(struct avt_verify *v);
const char *avt_verify__error(const struct avt_verify *v);

/* Percentages per fact class, the classes that are not judged, the first
 * mismatches in detail. */
int avt_verify__report(struct avt_verify *v, FILE *out);
/* Facts that disagree (0 = full agreement). */
uint64_t avt_verify__mismatches(const struct avt_verify *v);
/* Facts compared (matches + mismatches). */
uint64_t avt_verify__compared(const struct avt_verify *v);

/*
 * Print one recorded kernel snapshot group in the exact `replay --state`
 * format: helpers for `avtrace script --snapshot=N --state`. The caller
 * feeds every event; matching snapshot VMAs are collected and printed by
 * avt_snapshot_print__finish() sorted by (pid, start) with canonical ids.
 * sel_kind: AVT_SNAP_* (0 = checkpoint); sel_n: checkpoint number;
 * sel_pid: 0 = every process. When a process has several matching
 * snapshots (kinds other than checkpoint), its last one is printed.
 */
struct avt_snapshot_print;
struct avt_snapshot_print *avt_snapshot_print__new(uint32_t sel_kind, uint32_t sel_n,
						   uint32_t sel_pid);
int avt_snapshot_print__feed(struct avt_snapshot_print *sp, const struct avt_event *ev);
/* Returns the number of snapshots printed, or -errno. */
int avt_snapshot_print__finish(struct avt_snapshot_print *sp, FILE *out);
void avt_snapshot_print__free(struct avt_snapshot_print *sp);

#endif /* AVTRACE_VERIFY_H */
