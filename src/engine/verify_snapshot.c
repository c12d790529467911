// SPDX-License-Identifier: MIT
/*
 * `avtrace script --snapshot=N --state`: a recorded kernel snapshot group
 * printed exactly like `avtrace replay --state` (state.c): processes sorted
 * by pid, VMAs by start, ids canonical (a1, a2, ... by first appearance over
 * av, root, parent of each line in order), `-` for none, a root's parent
 * is itself (the kernel's own anon_vma->parent of a root).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/verify.h"
#include "engine/verify_map.h"

struct sp_vma {
	uint32_t pid;
	uint64_t start, end, flags, pgoff, dev, ino, av, root, parent;
	uint32_t nc, na, avcs;
	uint64_t seq;
};

struct avt_snapshot_print {
	uint32_t kind, n, pid;
	struct sp_vma *v;
	size_t nv, cap;
	uint64_t seq;
	/* snapshot being read */
	bool in;
	uint32_t cur_pid;
	size_t cur_first;		/* its first VMA in v[] */
	struct vmap done;		/* pid -> 1: already has a printed snapshot */
	int printed;
};

struct avt_snapshot_print *avt_snapshot_print__new(uint32_t sel_kind, uint32_t sel_n,
						   uint32_t sel_pid)
{
	struct avt_snapshot_print *sp = calloc(1, sizeof(*sp));

	if (!sp) {
		errno = ENOMEM;
		return NULL;
	}
	sp->kind = sel_kind ? sel_kind : AVT_SNAP_CHECKPOINT;
	sp->n = sel_n;
	sp->pid = sel_pid;
	return sp;
}

void avt_snapshot_print__free(struct avt_snapshot_print *sp)
{
	if (!sp)
		return;
	free(sp->v);
	vmap__fini(&sp->done);
	free(sp);
}

/* a later snapshot of the same process replaces the earlier one */
static void drop_pid(struct avt_snapshot_print *sp, uint32_t pid, size_t upto)
{
	size_t j = 0;

	for (size_t i = 0; i < sp->nv; i++)
		if (i >= upto || sp->v[i].pid != pid)
			sp->v[j++] = sp->v[i];
	sp->nv = j;
}

int avt_snapshot_print__feed(struct avt_snapshot_print *sp, const struct avt_event *ev)
{
	switch (ev->type) {
	case AVT_EV_SNAP_BEGIN: {
		const struct avt_ev_snap_begin *b = &ev->u.snap_begin;

		sp->in = b->kind == sp->kind &&
			 (sp->kind != AVT_SNAP_CHECKPOINT || b->checkpoint == sp->n) &&
			 (!sp->pid || ev->pid == sp->pid);
		sp->cur_pid = ev->pid;
		sp->cur_first = sp->nv;
		return 0;
	}
	case AVT_EV_SNAP_VMA: {
		const struct avt_ev_snap_vma *s = &ev->u.snap_vma;
		struct sp_vma *x;

		if (!sp->in || ev->pid != sp->cur_pid)
			return 0;
		if (sp->nv == sp->cap) {
			size_t nc = sp->cap ? sp->cap * 2 : 256;
			struct sp_vma *nv = realloc(sp->v, nc * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			sp->v = nv;
			sp->cap = nc;
		}
		x = &sp->v[sp->nv++];
		x->pid = ev->pid;
		x->start = s->start;
		x->end = s->end;
		x->flags = s->flags;
		x->pgoff = s->pgoff;
		x->dev = s->dev;
		x->ino = s->ino;
		x->av = s->av;
		x->root = s->av ? (s->root ? s->root : s->av) : 0;
		x->parent = s->av ? (s->parent ? s->parent : x->root) : 0;
		x->nc = s->num_children;
		x->na = s->num_active;
		x->avcs = s->nr_avcs;
		x->seq = ++sp->seq;
		return 0;
	}
	case AVT_EV_SNAP_END:
		if (!sp->in || ev->pid != sp->cur_pid)
			return 0;
		sp->in = false;
		if (ev->u.snap_end.status != AVT_SNAP_COMPLETE) {
			sp->nv = sp->cur_first;	/* partial or failed: not a state */
			return 0;
		}
		drop_pid(sp, ev->pid, sp->cur_first);
		if (!vmap__get(&sp->done, ev->pid, NULL)) {
			vmap__put(&sp->done, ev->pid, 1);
			sp->printed++;
		}
		return 0;
	}
	return 0;
}

static int cmp_vma(const void *a, const void *b)
{
	const struct sp_vma *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void put_id(FILE *out, const char *key, struct vmap *ids, uint64_t *next, uint64_t id)
{
	uint64_t x;

	if (!id) {
		fprintf(out, " %s=-", key);
		return;
	}
	if (!vmap__get(ids, id, &x)) {
		x = ++*next;
		vmap__put(ids, id, x);
	}
	fprintf(out, " %s=a%" PRIu64, key, x);
}

int avt_snapshot_print__finish(struct avt_snapshot_print *sp, FILE *out)
{
	struct vmap ids = { 0 };
	uint64_t next = 0;

	if (sp->in)		/* the trace ended inside a snapshot: not complete */
		sp->nv = sp->cur_first;
	if (sp->nv)
		qsort(sp->v, sp->nv, sizeof(*sp->v), cmp_vma);
	for (size_t i = 0; i < sp->nv; i++) {
		const struct sp_vma *x = &sp->v[i];

		fprintf(out, "%u %" PRIx64 "-%" PRIx64 " flags=%" PRIx64 " pgoff=%" PRIx64
			" dev=%" PRIx64 ":%" PRIx64 " ino=%" PRIu64, x->pid, x->start, x->end,
			x->flags, x->pgoff, x->dev >> 20, x->dev & 0xfffff, x->ino);
		put_id(out, "av", &ids, &next, x->av);
		put_id(out, "root", &ids, &next, x->root);
		put_id(out, "parent", &ids, &next, x->parent);
		fprintf(out, " children=%u active=%u avcs=%u\n", x->nc, x->na, x->avcs);
	}
	vmap__fini(&ids);
	return ferror(out) ? -EIO : sp->printed;
}
