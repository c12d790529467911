// SPDX-License-Identifier: MIT
/*
 * Fork windows: faults of other threads racing a fork, placed by the
 * allocation truth.
 *
 * The recorder writes `stats kind=clone_enter key=TID` when a thread of a
 * multi-threaded process enters a clone that copies the address space; the
 * fork event follows when sched_process_fork fires, after dup_mmap copied
 * the mm. A fault another thread of that process took in between (its
 * event lies between the two in the trace) happened before or after the
 * copy: the trace's order does not say which. The copy's own allocations
 * (alloc site=clone|fork, from the forking thread) and a fault's
 * __anon_vma_prepare (site=prepare, from the faulting thread) do:
 *
 *  - dup_mmap runs with the parent's mmap lock held for writing from its
 *    first allocation to its last; a prepare runs under the mmap lock held
 *    for reading (vmf_anon_prepare retries a per-VMA-locked fault under it).
 *    So a fault's prepare precedes every allocation of the copy (the copy
 *    saw its anon_vma: before the fork) or follows them all (after).
 *  - A copy with no allocation at all saw no anon_vma that fault made: had
 *    the prepare come first, the VMA's copy would have cloned it (a VMA
 *    the copy skips, DONTCOPY/WIPEONFORK, gives the child no anon_vma
 *    either way).
 *  - A fault the engine expects to create an anon_vma whose prepare is not
 *    in the trace before the fork event came after the copy (it waited for
 *    the mmap lock).
 *  - A thread's faults happen in its program order: those before one that
 *    is known to precede the copy precede it too, those after one known to
 *    follow it follow it.
 *
 * Not covered: a fault written just before the clone_enter marker that
 * then waited for the copy's mmap lock is replayed before the fork although
 * it came after; prepares of a thread with no held fault after the copy
 * began are counted (unheld_prepares), as are prepares no fault event
 * explains (get_user_pages), which look the same.
 *
 * Faults are held back from the clone_enter marker to the fork event, then
 * replayed: the ones placed before, the fork, the ones placed after (each
 * group in trace order). What the rules leave open stays in trace order
 * (before the fork) and is counted undecided; an undecided fault whose
 * placement could change an anon_vma or the layout (no allocation truth in
 * the trace, stack growth) is handed to --verify, which does not judge the
 * VMAs near it (class fork_window). Undecided faults that only touch pages
 * of a VMA that already has an anon_vma change no fact --verify compares
 * (only which pages the child shares).
 *
 * Held-back faults are released early, in trace order and undecided, when
 * another operation of the process comes first (a syscall, exec or exit:
 * moving a fault past it could break what it relied on), or when a second
 * clone of the process opens a window while one is open. A window whose
 * forking thread shows up again without a fork event (the clone failed)
 * releases them as they were: nothing was copied.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine/internal.h"
#include "util/mem.h"

enum { PREP_NONE, PREP_FIRST, PREP_LATE };	/* prepare vs the copy's allocations */
enum { PL_OPEN, PL_BEFORE, PL_AFTER };
enum { EFF_NONE, EFF_ANON, EFF_LAYOUT };

struct held {
	struct avt_event ev;
	uint8_t prep, self, place, eff;
};

struct win {
	uint32_t pid, tid;		/* the process and its forking thread */
	uint64_t copy_allocs;		/* site=clone|fork allocations of that thread */
	struct held *h;
	size_t n, cap;
};

struct avt_order {
	struct win *w;
	size_t n, cap;
	struct avt_order_stats st;
	struct avt_order_undecided *u;	/* of the current event */
	size_t nu, capu;
	const struct avt_vma **made;	/* decision scratch: VMAs given an anon_vma */
	size_t nmade, capmade;
};

static struct avt_order *order_get(struct avt_engine *e)
{
	if (!e->order)
		e->order = calloc(1, sizeof(*e->order));
	return e->order;
}

void avt_order__free(struct avt_engine *e)
{
	struct avt_order *o = e->order;

	if (!o)
		return;
	for (size_t i = 0; i < o->n; i++)
		free(o->w[i].h);
	free(o->w);
	free(o->u);
	free(o->made);
	free(o);
	e->order = NULL;
}

void avt_order__stats(const struct avt_engine *e, struct avt_order_stats *st)
{
	if (e->order)
		*st = e->order->st;
	else
		memset(st, 0, sizeof(*st));
}

size_t avt_order__undecided(const struct avt_engine *e, const struct avt_order_undecided **u)
{
	*u = e->order ? e->order->u : NULL;
	return e->order ? e->order->nu : 0;
}

static struct win *win_find(struct avt_order *o, uint32_t pid)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->w[i].pid == pid)
			return &o->w[i];
	return NULL;
}

static void win_close(struct avt_order *o, struct win *w)
{
	free(w->h);
	*w = o->w[--o->n];
}

static int hold(struct win *w, const struct avt_event *ev)
{
	if (avt_mem__grow((void **)&w->h, &w->cap, w->n, sizeof(*w->h), 16))
		return -ENOMEM;
	memset(&w->h[w->n], 0, sizeof(w->h[w->n]));
	w->h[w->n++].ev = *ev;
	return 0;
}

static int undecided_add(struct avt_order *o, uint32_t pid, uint32_t child, uint64_t addr)
{
	if (avt_mem__grow((void **)&o->u, &o->capu, o->nu, sizeof(*o->u), 8))
		return -ENOMEM;
	o->u[o->nu++] = (struct avt_order_undecided){ .pid = pid, .child = child, .addr = addr };
	return 0;
}

/*
 * What placing this fault before or after the copy can change, given the
 * engine's state and the held faults before it (made: the VMAs those give
 * an anon_vma): an anon_vma (write, or a THP read, into a VMA without one),
 * the layout (no VMA: stack growth), or nothing --verify compares.
 */
static int effect(struct avt_engine *e, struct avt_order *o, const struct avt_event *ev)
{
	struct avt_proc *p = avt_proc__find(e, ev->pid);
	const struct avt_vma *v;

	if (!p || !p->mm)
		return EFF_NONE;
	v = avt_mm__find(p->mm, ev->u.fault.addr);
	if (!v)
		return EFF_LAYOUT;
	if (v->flags & (VM_SHARED | VM_IO | VM_PFNMAP))
		return EFF_NONE;
	if (avt_vma__faulted(e, v))
		return EFF_NONE;
	if (!(ev->u.fault.flags & AVT_FAULT_WRITE) && !e->set.thp)
		return EFF_NONE;
	for (size_t i = 0; i < o->nmade; i++)
		if (o->made[i] == v)
			return EFF_NONE;
	if (avt_mem__grow((void **)&o->made, &o->capmade, o->nmade, sizeof(*o->made), 16))
		return EFF_ANON;	/* only a later duplicate is misjudged */
	o->made[o->nmade++] = v;
	return EFF_ANON;
}

/* Release held faults in trace order, undecided (no fork, or an early end). */
static int release(struct avt_engine *e, struct avt_order *o, struct win *w, bool counted,
		   avt_dispatch_fn dispatch)
{
	int err = 0;

	for (size_t i = 0; i < w->n && !err; i++) {
		if (counted) {
			o->st.undecided++;
			if (effect(e, o, &w->h[i].ev) != EFF_NONE) {
				o->st.undecided_effect++;
				err = undecided_add(o, w->pid, 0, w->h[i].ev.u.fault.addr);
			}
		}
		if (!err)
			err = dispatch(e, &w->h[i].ev);
	}
	o->nmade = 0;
	w->n = 0;
	return err;
}

/* The fork event of a window: decide, then replay before / fork / after. */
static int place(struct avt_engine *e, struct avt_order *o, struct win *w,
		 const struct avt_event *fork, avt_dispatch_fn dispatch)
{
	size_t n = w->n;
	int err = 0;

	o->nmade = 0;
	for (size_t i = 0; i < n; i++) {
		struct held *h = &w->h[i];

		h->eff = (uint8_t)effect(e, o, &h->ev);
		if (h->prep == PREP_FIRST)
			h->self = w->copy_allocs ? PL_BEFORE : PL_AFTER;
		else if (h->prep == PREP_LATE)
			h->self = PL_AFTER;
		else if (h->eff == EFF_ANON && e->st.truth_av_alloc + e->st.truth_avc_alloc)
			h->self = PL_AFTER;	/* no prepare before the fork event */
		else
			h->self = PL_OPEN;
	}
	/* program order, per thread */
	for (size_t i = 0; i < n; i++) {
		uint32_t tid = w->h[i].ev.tid;
		size_t last_before = SIZE_MAX, first_after = SIZE_MAX;

		if (w->h[i].place)
			continue;	/* that thread is done */
		for (size_t j = i; j < n; j++) {
			if (w->h[j].ev.tid != tid)
				continue;
			if (w->h[j].self == PL_BEFORE)
				last_before = j;
			if (w->h[j].self == PL_AFTER && first_after == SIZE_MAX)
				first_after = j;
		}
		if (last_before != SIZE_MAX && first_after != SIZE_MAX && last_before > first_after) {
			o->st.conflicts++;	/* the truth contradicts program order */
			last_before = first_after = SIZE_MAX;
		}
		for (size_t j = i; j < n; j++) {
			struct held *h = &w->h[j];

			if (h->ev.tid != tid)
				continue;
			if (last_before != SIZE_MAX && j <= last_before)
				h->place = PL_BEFORE;
			else if (first_after != SIZE_MAX && j >= first_after)
				h->place = PL_AFTER;
			else
				h->place = 3;	/* undecided: trace order */
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct held *h = &w->h[i];

		if (h->place == PL_BEFORE) {
			o->st.before++;
		} else if (h->place == PL_AFTER) {
			o->st.after++;
		} else {
			o->st.undecided++;
			if (h->eff != EFF_NONE) {
				o->st.undecided_effect++;
				err = err ?: undecided_add(o, w->pid, fork->u.fork.child_pid,
							   h->ev.u.fault.addr);
			}
		}
	}
	o->nmade = 0;
	for (size_t i = 0; i < n && !err; i++)
		if (w->h[i].place != PL_AFTER)
			err = dispatch(e, &w->h[i].ev);
	if (!err)
		err = dispatch(e, fork);
	for (size_t i = 0; i < n && !err; i++)
		if (w->h[i].place == PL_AFTER)
			err = dispatch(e, &w->h[i].ev);
	w->n = 0;
	return err;
}

int avt_order__feed(struct avt_engine *e, const struct avt_event *ev, avt_dispatch_fn dispatch)
{
	struct avt_order *o = e->order;
	struct win *w;
	int err;

	if (o)
		o->nu = 0;
	if (ev->type == AVT_EV_STATS && ev->u.stats.kind == AVT_STATS_CLONE_ENTER) {
		o = order_get(e);
		if (!o)
			return -ENOMEM;
		o->st.windows++;
		w = win_find(o, ev->pid);
		if (w) {
			/* the same thread again: its clone failed, nothing was
			 * copied; another thread: two copies in flight */
			bool other = w->tid != (uint32_t)ev->u.stats.key;

			o->st.concurrent += other;
			if (!other)
				o->st.faults -= w->n;
			err = release(e, o, w, other, dispatch);
			if (err)
				return err;
		} else {
			if (avt_mem__grow((void **)&o->w, &o->cap, o->n, sizeof(*o->w), 4))
				return -ENOMEM;
			w = &o->w[o->n++];
			memset(w, 0, sizeof(*w));
			w->pid = ev->pid;
		}
		w->tid = (uint32_t)ev->u.stats.key;
		w->copy_allocs = 0;
		return dispatch(e, ev);
	}
	if (!o || !o->n || !(w = win_find(o, ev->pid)))
		return dispatch(e, ev);
	switch (ev->type) {
	case AVT_EV_FAULT:
		if (ev->tid != w->tid) {
			o->st.faults++;
			return hold(w, ev);
		}
		if (ev->u.fault.flags & AVT_FAULT_KERNEL)
			return dispatch(e, ev);	/* inside the clone itself */
		/* back in user space without a fork event: the clone failed */
		o->st.faults -= w->n;
		err = release(e, o, w, false, dispatch);
		win_close(o, w);
		return err ?: dispatch(e, ev);
	case AVT_EV_ALLOC:
		if (ev->u.alloc.op != AVT_ALLOC)
			break;
		if (ev->tid == w->tid) {
			if (ev->u.alloc.site == AVT_SITE_FORK || ev->u.alloc.site == AVT_SITE_CLONE)
				w->copy_allocs++;
		} else if (ev->u.alloc.site == AVT_SITE_PREPARE) {
			/* the thread's latest fault, if it is held: its prepare */
			size_t i = w->n;

			while (i-- > 0 && w->h[i].ev.tid != ev->tid)
				;
			if (i != SIZE_MAX && w->h[i].prep == PREP_NONE)
				w->h[i].prep = w->copy_allocs ? PREP_LATE : PREP_FIRST;
			/* none held, after the copy began: a fault written
			 * before the clone's entry that waited for the copy
			 * (replayed before the fork: wrong, not correctable),
			 * or a prepare without a fault event (gup) */
			if (i == SIZE_MAX && w->copy_allocs &&
			    (ev->u.alloc.cache == AVT_CACHE_AVC))
				o->st.unheld_prepares++;
		}
		break;
	case AVT_EV_FORK:
		if (ev->tid != w->tid)
			break;	/* a thread's creation by another thread */
		if (ev->u.fork.flags & AVT_FORK_NEWMM) {
			err = place(e, o, w, ev, dispatch);
		} else {	/* nothing was copied after all */
			o->st.faults -= w->n;
			err = release(e, o, w, false, dispatch) ?: dispatch(e, ev);
		}
		win_close(o, w);
		return err;
	case AVT_EV_SYSCALL: case AVT_EV_EXEC: case AVT_EV_EXIT: {
		/* an operation of the process comes first: release what is
		 * held (undecided: the truth may be still to come); the
		 * forking thread's own: its clone ended without a fork */
		bool forker = ev->tid == w->tid;

		if (forker)
			o->st.faults -= w->n;
		err = release(e, o, w, !forker, dispatch);
		if (forker || ev->type == AVT_EV_EXEC)
			win_close(o, w);
		return err ?: dispatch(e, ev);
	}
	default:
		break;
	}
	return dispatch(e, ev);
}

/* The end of the trace: what is still held goes in trace order. */
int avt_order__finish(struct avt_engine *e, avt_dispatch_fn dispatch)
{
	struct avt_order *o = e->order;
	int err = 0;

	if (!o)
		return 0;
	while (o->n && !err) {
		err = release(e, o, &o->w[0], true, dispatch);
		win_close(o, &o->w[0]);
	}
	return err;
}
