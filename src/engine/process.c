// SPDX-License-Identifier: MIT
/*
 * Processes: pid table, fork (dup_mmap, §6.7), CLONE_VM threads and vfork
 * (shared mm, no anon work), exit (exit_mmap at the last user, §6.8), exec
 * (a fresh, empty mm, §6.9) and address spaces rebuilt from snapshots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine/internal.h"

#define OPS(e) ((e)->scheme.ops)
#define S(e) (&(e)->scheme)

static size_t pid_bucket(struct avt_engine *e, uint32_t pid)
{
	return (pid * 2654435761u) & (e->pid_hash_cap - 1);
}

struct avt_proc *avt_proc__find(struct avt_engine *e, uint32_t pid)
{
	struct avt_proc *p = e->last_proc;

	if (p && p->pid == pid)
		return p;
	if (!e->pid_hash_cap)
		return NULL;
	for (p = e->pid_hash[pid_bucket(e, pid)]; p; p = p->hnext)
		if (p->pid == pid)
			return e->last_proc = p;
	return NULL;
}

static void pid_unhash(struct avt_engine *e, struct avt_proc *p)
{
	struct avt_proc **pp = &e->pid_hash[pid_bucket(e, p->pid)];

	if (e->last_proc == p)
		e->last_proc = NULL;
	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == p) {
			*pp = p->hnext;
			break;
		}
	p->hnext = NULL;
}

static struct avt_proc *proc_new(struct avt_engine *e, uint32_t pid, const char *comm,
				 uint64_t start)
{
	struct avt_proc *p, *old = avt_proc__find(e, pid);

	if (old) {			/* a stale entry for a reused pid */
		old->live = false;
		pid_unhash(e, old);
	}
	if (!e->pid_hash_cap) {
		e->pid_hash = calloc(4096, sizeof(*e->pid_hash));
		if (!e->pid_hash)
			return NULL;
		e->pid_hash_cap = 4096;
	}
	if (e->nr_procs == e->cap_procs) {
		size_t nc = e->cap_procs ? 2 * e->cap_procs : 64;
		struct avt_proc **np = realloc(e->procs, nc * sizeof(*np));

		if (!np)
			return NULL;
		e->procs = np;
		e->cap_procs = nc;
	}
	p = avt_pool__alloc(&e->proc_pool);
	if (!p)
		return NULL;
	p->pid = pid;
	p->start = start;
	p->live = true;
	if (comm)
		memcpy(p->comm, comm, AVT_COMM_LEN);
	p->comm[AVT_COMM_LEN - 1] = 0;
	p->hnext = e->pid_hash[pid_bucket(e, pid)];
	e->pid_hash[pid_bucket(e, pid)] = p;
	e->procs[e->nr_procs++] = p;
	return p;
}

/* exit_mmap: zap everything, unlink every VMA in order, free the structs */
static void mm_teardown(struct avt_engine *e, struct avt_mm *mm)
{
	struct avt_vma *v, *n;

	for (size_t i = 0; i < mm->ptes.cap; i++) {
		struct avt_pte_leaf *l = mm->ptes.slot[i];

		if (!l)
			continue;
		for (uint32_t m = l->mask; m; m &= m - 1)
			avt_folio__put(e, l->f[__builtin_ctz(m)]);
	}
	avt_ptes__fini(&mm->ptes);
	avt_ptes__fini(&mm->pmds);
	avt_for_each_vma(mm, v)
		OPS(e)->unlink(S(e), v, AVT_UNLINK_EXIT);
	mm->root = NULL;	/* every VMA goes: no treap rebalancing per erase */
	for (v = mm->first; v; v = n) {
		n = v->next;
		avt_mm__erase(mm, v);
		avt_vma__free(e, v);
	}
	avt_mm__free(e, mm);
}

void avt_mm__put(struct avt_engine *e, struct avt_mm *mm)
{
	if (mm && --mm->users == 0)
		mm_teardown(e, mm);
}

/* dup_mmap */
static int dup_mmap(struct avt_engine *e, struct avt_mm *old, struct avt_mm *mm)
{
	struct avt_vma *v;
	int err;

	if (OPS(e)->before_fork)
		OPS(e)->before_fork(S(e), old);
	mm->brk = old->brk;
	mm->start_brk = old->start_brk;
	mm->def_flags = old->def_flags & VM_NOHUGEPAGE;	/* VM_INIT_DEF_MASK */
	if (avt_ptes__reserve(&mm->ptes, old->ptes.nleaves))
		return -ENOMEM;
	avt_for_each_vma(old, v) {
		struct avt_vma *t;

		if (v->flags & VM_DONTCOPY)
			continue;
		t = avt_vma__alloc(e, mm);
		if (!t)
			return -ENOMEM;
		t->start = v->start;
		t->end = v->end;
		t->pgoff = v->pgoff;
		t->flags = v->flags & ~VM_LOCKED_MASK;
		t->file = v->file;
		t->dev = v->dev;
		t->ino = v->ino;
		t->policy = v->policy;
		t->anon_name = v->anon_name;
		t->uffd_ctx = 0;	/* dup_userfaultfd: no event ctx modelled */
		if (v->flags & VM_UFFD_FLAGS)
			t->flags &= ~VM_UFFD_FLAGS;
		avt_mm__insert(e, mm, t);
		if (v->flags & VM_WIPEONFORK)
			continue;	/* av NULL, no page-table copy */
		err = OPS(e)->fork_link(S(e), t, v);
		if (err)
			return err;
		if (avt_vma__faulted(e, v) || v->file)
			avt_folio__copy_range(e, mm, old, v->start, v->end);
	}
	return 0;
}

int avt_proc__fork(struct avt_engine *e, struct avt_proc *p, const struct avt_event *ev)
{
	const struct avt_ev_fork *f = &ev->u.fork;
	struct avt_proc *c;
	struct avt_mm *mm;

	if (f->child_pid == p->pid)
		return 0;		/* CLONE_THREAD: same process */
	c = proc_new(e, f->child_pid, f->comm[0] ? f->comm : p->comm, f->child_start);
	if (!c)
		return -ENOMEM;
	if (!p->mm)
		return 0;
	if (f->flags & (AVT_FORK_THREAD | AVT_FORK_VFORK) && !(f->flags & AVT_FORK_NEWMM)) {
		c->mm = p->mm;		/* CLONE_VM: shared mm, no anon work */
		p->mm->users++;
		return 0;
	}
	mm = avt_mm__new(e);
	if (!mm)
		return -ENOMEM;
	mm->owner_pid = c->pid;
	c->mm = mm;
	e->st.forks++;
	return dup_mmap(e, p->mm, mm);
}

int avt_proc__exit(struct avt_engine *e, struct avt_proc *p, const struct avt_event *ev)
{
	if (!ev->u.exit.group_dead)
		return 0;
	e->st.exits++;
	avt_mm__put(e, p->mm);
	p->mm = NULL;
	p->live = false;
	pid_unhash(e, p);
	return 0;
}

int avt_proc__exec(struct avt_engine *e, struct avt_proc *p, const struct avt_event *ev)
{
	struct avt_mm *mm;

	if (!p) {
		p = proc_new(e, ev->pid, ev->u.exec.comm, ev->u.exec.start);
		if (!p)
			return -ENOMEM;
	}
	if (ev->u.exec.comm[0]) {
		memcpy(p->comm, ev->u.exec.comm, AVT_COMM_LEN);
		p->comm[AVT_COMM_LEN - 1] = 0;
	}
	e->st.execs++;
	mm = avt_mm__new(e);
	if (!mm)
		return -ENOMEM;
	mm->owner_pid = p->pid;
	avt_mm__put(e, p->mm);
	p->mm = mm;
	return 0;
}

/* ---- snapshots ---- */
static uint64_t snap_file(struct avt_engine *e, const struct avt_ev_snap_vma *sv)
{
	if (sv->dev || sv->ino)
		return (1ULL << 63) | ((sv->dev * 0x100000001b3ULL) ^ sv->ino);
	if (sv->flags & VM_SHARED)
		return (1ULL << 62) | ++e->shm_serial;
	return 0;
}

/* The latest process with this pid exited, and it is the one (pid, start)
 * names: a snapshot of it may still follow its exit event. */
static bool proc_dead(struct avt_engine *e, uint32_t pid, uint64_t start)
{
	for (size_t i = e->nr_procs; i-- > 0;)
		if (e->procs[i]->pid == pid)
			return !e->procs[i]->live && start && e->procs[i]->start == start;
	return false;
}

/*
 * Snapshots are rebuilt per process: snapshots of different processes
 * interleave in a trace (two execs on two CPUs, an exit snapshot taken
 * while a checkpoint walks another process), so each process has its own
 * open rebuild and snap_vma events are matched by pid. The scheme's
 * snap_end completes whatever snap_vma left pending (it is idempotent).
 */
static void snapshot_end(struct avt_engine *e, struct avt_proc *p)
{
	if (!p->snap_open)
		return;
	p->snap_open = false;
	e->snap_open--;
	e->snap_active = e->snap_open > 0;
	if (OPS(e)->snap_end)
		OPS(e)->snap_end(S(e));
}

/* End every rebuild still open. A snapshot's snap_end can be missing (a
 * trace cut inside a snapshot, a damaged or hand-written one): the scheme
 * still completes what snap_end completes, at the end and at teardown. */
void avt_proc__snapshot_close(struct avt_engine *e)
{
	for (size_t i = 0; i < e->nr_procs && e->snap_open; i++)
		snapshot_end(e, e->procs[i]);
}

int avt_proc__snapshot(struct avt_engine *e, const struct avt_event *ev)
{
	struct avt_proc *p = avt_proc__find(e, ev->pid);

	switch (ev->type) {
	case AVT_EV_SNAP_BEGIN: {
		const struct avt_ev_snap_begin *sb = &ev->u.snap_begin;

		if (p)
			snapshot_end(e, p);	/* a new snapshot of the same process */
		if ((!p || !p->mm) && (sb->kind == AVT_SNAP_EXIT || proc_dead(e, ev->pid, sb->start))) {
			/* taken at sched_process_exit (or a checkpoint racing
			 * with it), written after the exit event: the process
			 * is gone, never rebuild it */
			e->st.snap_ignored++;
			return 0;
		}
		if (!p || !p->mm) {
			if (!p)
				p = proc_new(e, ev->pid, sb->comm, sb->start);
			if (!p)
				return -ENOMEM;
			p->mm = avt_mm__new(e);
			if (!p->mm)
				return -ENOMEM;
			p->mm->owner_pid = p->pid;
		} else if (!(sb->kind == AVT_SNAP_EXEC && !p->mm->first) &&
			   sb->kind != AVT_SNAP_START) {
			e->st.snap_ignored++;	/* a checkpoint/exit snapshot: verification only */
			return 0;
		} else if (p->mm->first) {
			e->st.snap_ignored++;	/* already has a simulated layout */
			return 0;
		}
		if (sb->comm[0]) {
			memcpy(p->comm, sb->comm, AVT_COMM_LEN);
			p->comm[AVT_COMM_LEN - 1] = 0;
		}
		p->passive = sb->flags & AVT_SNAP_PASSIVE;
		p->mm->passive = p->passive;
		p->snap_open = true;
		e->snap_open++;
		e->snap_active = true;
		return 0;
	}
	case AVT_EV_SNAP_VMA: {
		const struct avt_ev_snap_vma *sv = &ev->u.snap_vma;
		struct avt_vma *v, *o;

		if (!p || !p->snap_open)
			return 0;
		o = avt_mm__find_ge(p->mm, sv->start);
		if (sv->end <= sv->start || (o && o->start < sv->end)) {
			e->st.snap_ignored++;
			return 0;
		}
		v = avt_vma__alloc(e, p->mm);
		if (!v)
			return -ENOMEM;
		v->start = sv->start;
		v->end = sv->end;
		v->pgoff = sv->pgoff;
		v->flags = sv->flags;
		v->dev = sv->dev;
		v->ino = sv->ino;
		v->file = snap_file(e, sv);
		avt_mm__insert(e, p->mm, v);
		e->st.snap_vmas++;
		if (OPS(e)->snap_vma)
			return OPS(e)->snap_vma(S(e), v, sv);
		return 0;
	}
	case AVT_EV_SNAP_END:
		if (p)
			snapshot_end(e, p);
		return 0;
	}
	return 0;
}

void avt_proc__free_all(struct avt_engine *e)
{
	avt_proc__snapshot_close(e);
	for (size_t i = 0; i < e->nr_procs; i++) {
		struct avt_proc *p = e->procs[i];

		if (p->mm)
			avt_mm__put(e, p->mm);
		p->mm = NULL;
	}
}
