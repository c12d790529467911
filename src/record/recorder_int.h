/* SPDX-License-Identifier: MIT */
/* State shared by the driver's files (not a public interface). */
#ifndef AVT_RECORD_RECORDER_INT_H
#define AVT_RECORD_RECORDER_INT_H

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
	pid_t *retry;			/* exec snapshots to take again, from user space */
	size_t nr_retry, cap_retry;
	uint64_t drops, filtered;	/* latest totals read from the maps */
};

/* convert.c: ring buffer callback (ctx = struct recorder). */
int recorder__on_record(void *ctx, void *data, size_t size);
/* A user-space event (checkpoint marker, stats): ts = now, never before last_ts. */
int recorder__write(struct recorder *r, struct avt_event *ev);
uint64_t recorder__now(void);

/* targets.c */
int targets__launch(struct recorder *r, char **argv);	/* fork, child waits */
int targets__release(struct recorder *r);		/* let the child exec */
int targets__add(struct recorder *r, pid_t tgid);
int targets__count(struct recorder *r);
int targets__list(struct recorder *r, pid_t **out);	/* malloc'd array */
int targets__cgroup_procs(const char *cgroup, pid_t **out);
int targets__all_procs(pid_t **out);

/* snapshot.c: a failed in-kernel snapshot (mmap lock busy): count it, and
 * for an exec snapshot queue a retry (run by snapshot__retry_pending). */
void snapshot__failed(struct recorder *r, pid_t tgid, uint32_t kind);
void snapshot__retry_pending(struct recorder *r);
/* snapshot.c: run iter/task_vma for one tgid, draining the ring after. */
int snapshot__take(struct recorder *r, pid_t tgid, uint32_t kind, uint32_t ckpt);
/* Checkpoint marker n, then a snapshot of every traced process. */
int snapshot__checkpoint(struct recorder *r);

/* stats.c: read drop/filter counters; write AVT_EV_STATS records. */
int stats__read(struct recorder *r);
int stats__write(struct recorder *r, bool final);

#endif
