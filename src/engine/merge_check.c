// SPDX-License-Identifier: MIT
/*
 * Invariant 9 (eager-semantics.md §9): each VMA-changing operation made the
 * merge decision of §4 for the VMAs it touched. Maximal merging is NOT
 * asserted: munmap remnants, fork children, DONTUNMAP leftovers,
 * split-before-fork pieces and VMAs with different anon state may sit next
 * to each other with equal flags.
 *
 * Written apart from vma.c's merge path on purpose: the syscall layer
 * records the ranges an operation changed (mmap, brk, and every vma_modify
 * of mprotect/madvise/mlock/mbind/anon-name/uffd/mseal), and after the event
 * a small predicate over the final layout asks, for each border of a
 * changed range that is still a VMA border, whether §4.1 says the two VMAs
 * there could have merged (is_mergeable_vma, no VM_SPECIAL, pgoff
 * continuity, the scheme's anon_merge_allowed with the changed VMA as the
 * range). If so, the operation skipped a merge it had to make.
 *
 * Legitimate non-merges it honours: borders the operation did not create
 * (only borders at the changed range's own edges are judged, so munmap,
 * fork, mremap/DONTUNMAP leftovers are never judged), refusals of the
 * scheme's anon predicate (fork children, different anon_vmas), brk's
 * just_expand (no merge with the next VMA; the previous one only when it is
 * the brk VMA, i.e. starts at or above start_brk). Not modelled by the
 * engine and so not judged either: vm_ops->close hooks. Known blind spot:
 * can_vma_merge_right's prev/next anon conflict is not re-evaluated; when
 * it stops a right merge, the left one happened and the remaining border
 * has different anon state anyway (case 3).
 */
#include <errno.h>
#include <stdlib.h>
#include "engine/internal.h"

#define OPS(e) ((e)->scheme.ops)
#define S(e) (&(e)->scheme)

void avt_inv9__touch(struct avt_engine *e, struct avt_mm *mm, uint64_t s, uint64_t end,
		     enum avt_inv9_kind kind)
{
	struct avt_inv9_touch *t;

	if (!e->check_invariants || end <= s)
		return;
	if (e->touch_event != e->nr_events) {	/* first change of this event */
		e->touch_event = e->nr_events;
		e->nr_touch = 0;
	}
	if (e->nr_touch == e->cap_touch) {
		size_t nc = e->cap_touch ? 2 * e->cap_touch : 16;

		t = realloc(e->touch, nc * sizeof(*t));
		if (!t) {
			e->touch_lost = true;	/* said in the check, not fatal */
			return;
		}
		e->touch = t;
		e->cap_touch = nc;
	}
	e->touch[e->nr_touch++] = (struct avt_inv9_touch){
		.mm = mm, .s = s, .end = end, .kind = kind,
	};
}

static uint64_t pages(const struct avt_vma *v)
{
	return (v->end - v->start) >> PAGE_SHIFT;
}

/* §4.1 for the border a|b; r is the changed VMA (a or b), n the other */
static bool would_merge(struct avt_engine *e, const struct avt_vma *a, const struct avt_vma *b,
			const struct avt_vma *r, enum avt_inv9_kind kind)
{
	const struct avt_vma *n = r == a ? b : a;
	int why = 0;
	bool ok;

	if (a->end != b->start)
		return false;
	e->inv9_judged++;
	if ((a->flags | b->flags) & VM_SPECIAL)
		return false;
	if ((a->flags ^ b->flags) & ~VM_IGNORE_MERGE)
		return false;
	if (a->policy != b->policy || a->file != b->file || a->uffd_ctx != b->uffd_ctx ||
	    a->anon_name != b->anon_name)
		return false;
	if (a->pgoff + pages(a) != b->pgoff)
		return false;
	/* a new range (mmap/brk) has no middle; an existing one is its own;
	 * a question only: the scheme must not count or prepare anything */
	e->merge_query = true;
	ok = OPS(e)->anon_merge_allowed(S(e), n, r, kind == AVT_INV9_EXISTING ? r : NULL,
					NULL, &why);
	e->merge_query = false;
	if (ok)
		return true;
	e->inv9_honoured++;		/* fork child, different anon_vmas, ... */
	return false;
}

static int missed(struct avt_engine *e, const struct avt_mm *mm, const struct avt_vma *a,
		  const char *side)
{
	snprintf(e->err, sizeof(e->err),
		 "I9: merge not made at the %s border %#llx of a changed range (pid %u)",
		 side, (unsigned long long)a->end, mm->owner_pid);
	return -EPROTO;
}

int avt_inv9__check(struct avt_engine *e)
{
	size_t n = e->touch_event == e->nr_events ? e->nr_touch : 0;

	e->nr_touch = 0;
	if (e->touch_lost) {
		e->touch_lost = false;
		snprintf(e->err, sizeof(e->err), "I9: out of memory recording changed ranges");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct avt_inv9_touch *t = &e->touch[i];
		struct avt_vma *v = avt_mm__find(t->mm, t->s), *w;

		if (!v)
			continue;	/* gone again within the event */
		/* left border: only if the range still starts a VMA there */
		if (v->start == t->s && v->prev) {
			bool judge = t->kind != AVT_INV9_BRK ||
				     v->prev->start >= t->mm->start_brk;

			if (judge && would_merge(e, v->prev, v, v, t->kind))
				return missed(e, t->mm, v->prev, "left");
		}
		if (t->kind == AVT_INV9_BRK)
			continue;	/* just_expand: never merges with next */
		/* VMAs inside the range (a later step of the same operation
		 * may have split it) and its right border */
		for (w = v; w && w->end < t->end; w = w->next)
			if (w->next && would_merge(e, w, w->next, w, t->kind))
				return missed(e, t->mm, w, "inner");
		if (w && w->end == t->end && w->next && would_merge(e, w, w->next, w, t->kind))
			return missed(e, t->mm, w, "right");
	}
	return 0;
}

void avt_inv9__fini(struct avt_engine *e)
{
	free(e->touch);
	e->touch = NULL;
	e->nr_touch = e->cap_touch = 0;
}
