// SPDX-License-Identifier: MIT
/*
 * Invariants after every event (eager-semantics.md §9): the VMA layer's own
 * (ordered, non-overlapping layout, tree and list agree, map_count, object
 * counts) here; the scheme's (I1-I5, I7, I8) through ops->check.
 */
#include <errno.h>
#include <stdio.h>
#include "engine/internal.h"

static int fail(struct avt_engine *e, const char *what, uint32_t pid, uint64_t addr)
{
	snprintf(e->err, sizeof(e->err), "%s (pid %u, %#llx)", what, pid,
		 (unsigned long long)addr);
	return -EPROTO;
}

int avt_invariants__check(struct avt_engine *e)
{
	const struct avt_stats *st = &e->st;
	char why[200];
	int err;

	for (struct avt_mm *mm = e->mms; mm; mm = mm->all_next) {
		struct avt_vma *v, *pv = NULL;
		uint32_t n = 0;

		avt_for_each_vma(mm, v) {
			n++;
			if (v->start >= v->end || (v->start | v->end) & (PAGE_SIZE - 1))
				return fail(e, "I9: empty or unaligned VMA", mm->owner_pid, v->start);
			if (pv && pv->end > v->start)
				return fail(e, "I9: overlapping or unordered VMAs", mm->owner_pid, v->start);
			if (v->prev != pv)
				return fail(e, "I9: VMA list links broken", mm->owner_pid, v->start);
			if (avt_mm__find(mm, v->start) != v || avt_mm__find(mm, v->end - 1) != v)
				return fail(e, "I9: VMA tree lookup disagrees with the list",
					    mm->owner_pid, v->start);
			if (v->mm != mm)
				return fail(e, "I9: VMA in the wrong mm", mm->owner_pid, v->start);
			pv = v;
		}
		if (mm->last != pv)
			return fail(e, "I9: VMA list tail broken", mm->owner_pid, 0);
		/* THP: a PMD-mapped block lies inside one VMA and every page
		 * of it maps that (live, 512-page) folio */
		struct avt_pte_iter it;
		struct avt_folio *f;
		uint64_t b;

		avt_ptes__iter(&mm->pmds, &it);
		while ((f = avt_ptes__next(&it, &b))) {
			uint64_t h = b << PMD_SHIFT;

			v = avt_mm__find(mm, h);
			if (!v || v->end < h + PMD_SIZE || f->nr != HPAGE_NR)
				return fail(e, "I7: PMD-mapped THP outside one VMA", mm->owner_pid, h);
			for (uint64_t p = 0; p < HPAGE_NR; p++)
				if (avt_ptes__get(&mm->ptes, (h >> PAGE_SHIFT) + p) != f)
					return fail(e, "I7: PMD-mapped THP with a page not mapping it",
						    mm->owner_pid, h + (p << PAGE_SHIFT));
		}
		if (n != mm->map_count)
			return fail(e, "I9: map_count", mm->owner_pid, n);
	}
	err = avt_inv9__check(e);
	if (err)
		return err;
	if (st->av.live != st->av.alloc + st->av_seeded - st->av.free ||
	    st->avc.live != st->avc.alloc + st->avc_seeded - st->avc.free) {
		snprintf(e->err, sizeof(e->err), "I8: live != allocated - freed");
		return -EPROTO;
	}
	if (!e->scheme.ops->check)
		return 0;
	why[0] = 0;
	err = e->scheme.ops->check(&e->scheme, why, sizeof(why));
	if (err)
		snprintf(e->err, sizeof(e->err), "%s", why);
	return err;
}
