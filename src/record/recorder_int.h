/* SPDX-License-Identifier: MIT */
/* State shared by the driver's files (not a public interface). */
#ifndef AVT_RECORD_RECORDER_INT_H
#define AVT_RECORD_RECORDER_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "avtrace/event.h"
#include "avtrace/trace.h"
#include "record/idhash.h"
#include "record/recorder.h"

struct record_bpf;
struct ring_buffer;

struct snap_fail {
	pid_t tgid;
	uint64_t count;
};
/* snapshot.c: one more for tgid in the per-tgid counts v[0..*n) (grown as
 * needed): its new count, or 0 (nothing counted) when v cannot grow */
uint64_t snap_fail__count(struct snap_fail **v, size_t *n, size_t *cap, pid_t tgid);

struct sysorder_slot;

/* sysorder.c: records held back behind a call's place (see there) */
struct sysorder {
	struct sysorder_slot *slots;
	size_t head, len, cap;
	uint64_t placed, expired;	/* calls written at their place; holes given up */
	uint64_t moved;			/* of those placed: ahead of records already in */
};

struct snap_retry {
	pid_t tgid;
	uint32_t kind;
	uint32_t tries;		/* retries already taken */
};

struct recorder {
	const struct record_opts *o;
	struct record_bpf *skel;
	struct ring_buffer *rb;
	struct avt_writer *w;
	struct idhash ids;
	int cg_fd;
	pid_t child;			/* -- CMD: the launched command */
	int child_go_fd;		/* write end: lets the child exec */
	int child_err_fd;		/* read end: exec errno from the child */
	int write_err;			/* first avt_writer error */
	uint64_t last_ts;		/* newest ts written (user events follow it) */
	uint32_t checkpoints;		/* checkpoint markers written */
	uint64_t events;		/* records consumed from the ring */
	uint64_t by_type[AVT_EV__MAX_KNOWN];
	struct snap_fail *fails;	/* per tgid: failed snapshots */
	size_t nr_fails, cap_fails;
	struct snap_retry *retry;	/* snapshots to take again, from user space */
	size_t nr_retry, cap_retry;
	struct snap_retry retrying;	/* the one being retried (tgid 0: none) */
	/* passive.c: anon_vma roots of the targets, and a candidate's
	 * snapshot held back until we know it shares one of them */
	bool collect_roots;
	uint64_t *roots;
	size_t nr_roots, cap_roots;
	pid_t capture_tgid;		/* 0 = not capturing */
	struct avt_event *held;
	size_t nr_held, cap_held;
	uint64_t drops, filtered;	/* latest totals read from the maps */
	bool procfs;			/* snapshots from /proc/PID/smaps (procfs.c) */
	struct snap_fail *skips;	/* per tgid: exec/exit snapshots not taken */
	size_t nr_skips, cap_skips;
	uint64_t skipped;		/* their total */
	struct sysorder sysorder;
};

/* convert.c: ring buffer callback (ctx = struct recorder). */
int recorder__on_record(void *ctx, void *data, size_t size);
/* Write one event (counted; held back while a passive candidate is snapshotted). */
int recorder__emit(struct recorder *r, const struct avt_event *ev);
/* A user-space event (checkpoint marker, stats): ts = now, never before last_ts. */
int recorder__write(struct recorder *r, struct avt_event *ev);
uint64_t recorder__now(void);

/*
 * sysorder.c: every record goes out through sysorder__push (in place of
 * recorder__emit); a modelled call's record through sysorder__syscall,
 * which writes it at its REC_SYS_PLACE marker (sysorder__place).
 */
int sysorder__push(struct recorder *r, const struct avt_event *ev);
void sysorder__place(struct recorder *r, uint32_t pid, uint32_t tid, uint64_t ts);
int sysorder__syscall(struct recorder *r, struct avt_event *ev, uint64_t placed);
void sysorder__forget(struct recorder *r, uint32_t tid);	/* the thread died */
void sysorder__finish(struct recorder *r);	/* give up every hole, write all */
void sysorder__free(struct recorder *r);

/* targets.c */
int targets__check(pid_t pid, char *why, size_t len);	/* a -p pid can be traced */
int targets__launch(struct recorder *r, char **argv);	/* fork, child waits */
int targets__wait_parked(struct recorder *r);	/* child asleep before exec */
int targets__release(struct recorder *r);		/* let the child exec */
int targets__add(struct recorder *r, pid_t tgid);	/* 1 added, 0 already there */
/* add the existing descendants of the n targets in *v to the map and to *v */
int targets__adopt_descendants(struct recorder *r, pid_t **v, size_t *n);
int targets__count(struct recorder *r);		/* live processes */
int targets__count_all(struct recorder *r);	/* and dead ones being torn down */
int targets__list(struct recorder *r, pid_t **out);	/* malloc'd array */
int targets__cgroup_procs(const char *cgroup, pid_t **out);
int targets__all_procs(pid_t **out);

/* snapshot.c: a failed or busy snapshot: count it, and for an exec or
 * start snapshot queue a retry (snapshot__retry_pending; a retry that fails
 * too is queued again, up to SNAP_MAX_RETRIES). A checkpoint snapshot is
 * retried by the next checkpoint, an exit one cannot be. */
void snapshot__failed(struct recorder *r, pid_t tgid, uint32_t kind);
void snapshot__retry_pending(struct recorder *r);
/* snapshot.c: run iter/task_vma for one tgid, draining the ring after. */
int snapshot__take(struct recorder *r, pid_t tgid, uint32_t kind, uint32_t ckpt);
/* Checkpoint marker n, then a snapshot of every traced process. */
int snapshot__checkpoint(struct recorder *r);

/*
 * procfs.c: the /proc snapshot source (--snapshot-source, or a kernel
 * without the open-coded iterator). choose() sets r->procfs, warning in
 * one line why; fails (why) when iter is forced and missing.
 */
int procfs__choose(struct recorder *r, char *why, size_t len);
/* snap_begin (flags procfs) / snap_vma... / snap_end from /proc/PID/smaps */
int procfs__snapshot(struct recorder *r, pid_t tgid, uint32_t kind, uint32_t ckpt);
/* an exec or exit of a target whose snapshot this source cannot take:
 * counted, and a stats snap_skipped record written right after the event */
void procfs__skipped(struct recorder *r, pid_t tgid);

/*
 * passive.c: snapshot, as passive, every untraced process whose VMAs share
 * an anon_vma root with a target (e.g. the siblings and parent of one
 * backend of a forking server), so the family's state is seeded.
 */
void passive__note_root(struct recorder *r, uint64_t root);
/* Returns 1 when ev was held back (a candidate's snapshot), else 0. */
int passive__hold(struct recorder *r, const struct avt_event *ev);
int passive__snapshots(struct recorder *r, const pid_t *targets, int nr);
void passive__free(struct recorder *r);

/* inject.c, TEST ONLY: AVT_TEST_SNAP_FAIL into the BPF object (opened,
 * not loaded): 0, or -EINVAL with why when the variable is malformed */
int inject__setup(struct recorder *r, char *why, size_t len);
/* AVT_TEST_STALL_MS: hold the consumer until a drop is counted (tests) */
void inject__stall(struct recorder *r, volatile sig_atomic_t *exiting);

/* stats.c: read drop/filter counters; write AVT_EV_STATS records. */
int stats__read(struct recorder *r);
int stats__write(struct recorder *r, bool final);

#endif
