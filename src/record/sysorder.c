// SPDX-License-Identifier: MIT
/*
 * Writing each modelled call where it took effect, not where it returned.
 *
 * record.bpf.c emits a call's record at sys_exit. In a multi-threaded
 * process the thread can be preempted between releasing the mmap lock (the
 * change is made and visible) and sys_exit, while other threads map, fault
 * and unmap; written in ring order, replay would apply the call after
 * theirs. Example seen in tests/workloads/threads: thread A munmaps a range,
 * thread B's mmap gets part of it and faults it in, and A's munmap record
 * arrives after B's: the engine removed B's mapping, which the kernel kept,
 * and the exit frees differed (verify 99.1 %, one run in eight).
 *
 * So the BPF side leaves a marker (REC_SYS_PLACE) at every release of the
 * process's mmap lock inside a modelled call, and the call's record names
 * its last marker (rec_syscall.placed). Here a marker opens a hole in the
 * output: records after it wait in a queue until the call's record fills
 * the hole (with the marker's ts, so ts stays in stream order); a later
 * marker of the same thread moves the hole. A hole that cannot be filled
 * (the record was lost to a full ring, the thread died inside the call, the
 * recording stops) is dropped and the call, if it comes, is written where
 * it arrives, as before; so is any hole held longer than SYSORDER_MAX_NS
 * of stream time or behind SYSORDER_MAX_QUEUED records.
 *
 * With no hole open (every single-threaded process, most of the time)
 * records go straight to recorder__emit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "record/recorder_int.h"

#define SYSORDER_MAX_NS     (500ULL * 1000 * 1000)
#define SYSORDER_MAX_QUEUED 16384

enum { SLOT_EVENT, SLOT_HOLE, SLOT_VOID };

struct sysorder_slot {
	uint8_t state;
	struct avt_event ev;		/* SLOT_HOLE: pid, tid and ts of the marker */
};

static void sysorder__flush(struct recorder *r)
{
	struct sysorder *q = &r->sysorder;

	while (q->head < q->len && q->slots[q->head].state != SLOT_HOLE) {
		if (q->slots[q->head].state == SLOT_EVENT)
			recorder__emit(r, &q->slots[q->head].ev);
		q->head++;
	}
	if (q->head == q->len)
		q->head = q->len = 0;
}

static struct sysorder_slot *sysorder__hole_of(struct recorder *r, uint32_t tid)
{
	struct sysorder *q = &r->sysorder;

	for (size_t i = q->head; i < q->len; i++)
		if (q->slots[i].state == SLOT_HOLE && q->slots[i].ev.tid == tid)
			return &q->slots[i];
	return NULL;
}

static struct sysorder_slot *sysorder__append(struct recorder *r)
{
	struct sysorder *q = &r->sysorder;

	if (q->len == q->cap) {
		size_t nc;
		struct sysorder_slot *ns;

		/* reuse the flushed front before growing */
		if (q->head > 0) {
			memmove(q->slots, q->slots + q->head, (q->len - q->head) * sizeof(*q->slots));
			q->len -= q->head;
			q->head = 0;
			return &q->slots[q->len++];
		}
		nc = q->cap ? q->cap * 2 : 64;
		ns = realloc(q->slots, nc * sizeof(*ns));
		if (!ns)
			return NULL;
		q->slots = ns;
		q->cap = nc;
	}
	return &q->slots[q->len++];
}

/* Drop the oldest hole while the queue is too long or too old for it. */
static void sysorder__bound(struct recorder *r, uint64_t now_ts)
{
	struct sysorder *q = &r->sysorder;

	while (q->head < q->len && q->slots[q->head].state == SLOT_HOLE &&
	       (q->len - q->head > SYSORDER_MAX_QUEUED ||
		now_ts > q->slots[q->head].ev.ts + SYSORDER_MAX_NS)) {
		q->slots[q->head].state = SLOT_VOID;
		q->expired++;
		sysorder__flush(r);
	}
}

int sysorder__push(struct recorder *r, const struct avt_event *ev)
{
	struct sysorder *q = &r->sysorder;
	struct sysorder_slot *s;

	/* a passive candidate's snapshot is being captured (passive.c holds
	 * its records back by what is current): no reordering across that */
	if (q->head < q->len && r->capture_tgid)
		sysorder__finish(r);
	if (q->head == q->len)
		return recorder__emit(r, ev);
	s = sysorder__append(r);
	if (!s) {
		/* out of memory: give up the ordering, never an event */
		sysorder__finish(r);
		return recorder__emit(r, ev);
	}
	s->state = SLOT_EVENT;
	s->ev = *ev;
	sysorder__bound(r, ev->ts);
	return 0;
}

void sysorder__place(struct recorder *r, uint32_t pid, uint32_t tid, uint64_t ts)
{
	struct sysorder_slot *s = sysorder__hole_of(r, tid);

	if (s)
		s->state = SLOT_VOID;	/* a later release of the same call */
	s = sysorder__append(r);
	if (!s) {
		sysorder__finish(r);
		return;
	}
	memset(s, 0, sizeof(*s));
	s->state = SLOT_HOLE;
	s->ev.pid = pid;
	s->ev.tid = tid;
	s->ev.ts = ts;
	sysorder__flush(r);	/* a voided hole at the head */
	sysorder__bound(r, ts);
}

int sysorder__syscall(struct recorder *r, struct avt_event *ev, uint64_t placed)
{
	struct sysorder_slot *s = sysorder__hole_of(r, ev->tid);

	if (s && placed && s->ev.ts == placed) {
		struct sysorder *q = &r->sysorder;

		/* records of others already queued behind it: at sys_exit it
		 * would have been written after them */
		for (size_t i = (size_t)(s - q->slots) + 1; i < q->len; i++)
			if (q->slots[i].state == SLOT_EVENT) {
				q->moved++;
				break;
			}
		ev->ts = s->ev.ts;	/* when it took effect: ts stays in order */
		s->ev = *ev;
		s->state = SLOT_EVENT;
		q->placed++;
		sysorder__flush(r);
		return 0;
	}
	ev->u.sys.flags &= ~(AVT_SYSF_PLACED | AVT_SYSF_PLACED_READ);	/* at sys_exit */
	if (s) {			/* an older call's hole, its record lost */
		s->state = SLOT_VOID;
		sysorder__flush(r);
	}
	return sysorder__push(r, ev);
}

void sysorder__forget(struct recorder *r, uint32_t tid)
{
	struct sysorder_slot *s = sysorder__hole_of(r, tid);

	if (s) {
		s->state = SLOT_VOID;
		sysorder__flush(r);
	}
}

void sysorder__finish(struct recorder *r)
{
	struct sysorder *q = &r->sysorder;

	for (size_t i = q->head; i < q->len; i++)
		if (q->slots[i].state == SLOT_HOLE)
			q->slots[i].state = SLOT_VOID;
	sysorder__flush(r);
}

void sysorder__free(struct recorder *r)
{
	free(r->sysorder.slots);
	memset(&r->sysorder, 0, sizeof(r->sysorder));
}
