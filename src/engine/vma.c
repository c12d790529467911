// SPDX-License-Identifier: MIT
/*
 * The VMA layer's merge and split rules (eager-semantics.md §4, mm/vma.c of
 * 6.18): split, vma_modify (merge-existing or split), merge-new-range,
 * expand, munmap. Every anon question goes through the scheme ops table.
 */
#include <errno.h>
#include <string.h>
#include "engine/internal.h"

#define OPS(e) ((e)->scheme.ops)
#define S(e) (&(e)->scheme)

static inline uint64_t vma_pages(const struct avt_vma *v)
{
	return (v->end - v->start) >> PAGE_SHIFT;
}

bool avt_vma__faulted(struct avt_engine *e, const struct avt_vma *v)
{
	return v && OPS(e)->is_faulted(S(e), v);
}

void avt_vma__attrs(const struct avt_vma *v, struct avt_vma_attrs *a)
{
	a->flags = v->flags;
	a->policy = v->policy;
	a->anon_name = v->anon_name;
	a->uffd_ctx = v->uffd_ctx;
}

static void apply_attrs(struct avt_vma *v, const struct avt_vma_attrs *a)
{
	v->flags = a->flags;
	v->policy = a->policy;
	v->anon_name = a->anon_name;
	v->uffd_ctx = a->uffd_ctx;
}

/* anon_vma_compatible (mm/rmap.c) */
bool avt_vma__compatible(const struct avt_vma *a, const struct avt_vma *b)
{
	return a->end == b->start && a->policy == b->policy && a->file == b->file &&
	       !((a->flags ^ b->flags) & ~(VM_ACCESS_FLAGS | VM_IGNORE_MERGE)) &&
	       b->pgoff == a->pgoff + ((b->start - a->start) >> PAGE_SHIFT);
}

/* find_mergeable_anon_vma + anon_vma_prepare */
int avt_vma__prepare(struct avt_engine *e, struct avt_vma *v, enum avt_prepare_site site)
{
	struct avt_vma *reuse = NULL, *n = v->next, *p = v->prev;

	if (OPS(e)->is_faulted(S(e), v))
		return 0;
	if (n && n->start == v->end && avt_vma__compatible(v, n) &&
	    OPS(e)->reusable_neighbour(S(e), n))
		reuse = n;
	else if (p && avt_vma__compatible(p, v) && OPS(e)->reusable_neighbour(S(e), p))
		reuse = p;
	e->st.prepares++;
	if (e->cur)
		e->cur->st.prepares++;
	if (reuse)
		e->st.prepare_reuses++;
	return OPS(e)->prepare(S(e), v, reuse, site);
}

/* ---- merge state (struct vma_merge_struct) ---- */
struct vmg {
	struct avt_mm *mm;
	uint64_t start, end, pgoff;
	struct avt_vma_attrs a;
	uint64_t file;
	struct avt_vma *prev, *middle, *next, *target;
	struct avt_vma *range_src, *copied_from;
	bool just_expand;
	bool remove_middle, remove_next, adjust_middle_start, adjust_next_start;
};

static bool is_mergeable_vma(const struct vmg *g, const struct avt_vma *n)
{
	return n->policy == g->a.policy && !((n->flags ^ g->a.flags) & ~VM_IGNORE_MERGE) &&
	       n->file == g->file && n->uffd_ctx == g->a.uffd_ctx &&
	       n->anon_name == g->a.anon_name;
}

static bool is_mergeable_anon(struct avt_engine *e, struct vmg *g, const struct avt_vma *n,
			      bool count)
{
	int why = AVT_MR_OK;
	bool ok = OPS(e)->anon_merge_allowed(S(e), n, g->range_src, g->middle,
					     g->copied_from, &why);

	if (!ok && count && why > 0 && why < AVT_MR__MAX)
		e->st.merge_refused[why]++;
	return ok;
}

/* can_vma_merge_before: the range goes in front of next */
static bool can_merge_before(struct avt_engine *e, struct vmg *g)
{
	uint64_t pglen = (g->end - g->start) >> PAGE_SHIFT;

	if (!is_mergeable_vma(g, g->next) || g->next->pgoff != g->pgoff + pglen)
		return false;
	return is_mergeable_anon(e, g, g->next, true);
}

/* can_vma_merge_after: the range goes behind prev */
static bool can_merge_after(struct avt_engine *e, struct vmg *g)
{
	if (!is_mergeable_vma(g, g->prev) || g->prev->pgoff + vma_pages(g->prev) != g->pgoff)
		return false;
	return is_mergeable_anon(e, g, g->prev, true);
}

static bool can_merge_left(struct avt_engine *e, struct vmg *g)
{
	return g->prev && g->prev->end == g->start && can_merge_after(e, g);
}

static bool can_merge_right(struct avt_engine *e, struct vmg *g, bool can_left)
{
	if (!g->next || g->end != g->next->start || !can_merge_before(e, g))
		return false;
	if (!can_left)
		return true;
	return !OPS(e)->anon_conflict(S(e), g->prev, g->next);
}

/* dup_anon_vma: dst unfaulted, src faulted -> dst takes src's anon state */
static int dup_anon(struct avt_engine *e, struct avt_vma *dst, struct avt_vma *src)
{
	if (OPS(e)->is_faulted(S(e), src) && !OPS(e)->is_faulted(S(e), dst))
		return OPS(e)->clone(S(e), dst, src, AVT_CLONE_MERGE_UNFAULTED);
	return 0;
}

static void set_range(struct avt_mm *mm, struct avt_vma *v, uint64_t s, uint64_t end,
		      uint64_t pgoff)
{
	if (v->start != s)
		avt_mm__rekey(mm, v, s);
	v->end = end;
	v->pgoff = pgoff;
}

/* commit_merge + vma_complete's removals */
static void commit_merge(struct avt_engine *e, struct vmg *g)
{
	struct avt_vma *vma, *adj = NULL, *rm[2];
	int nr_rm = 0;

	vma = g->adjust_next_start ? g->middle : g->target;
	if (g->adjust_middle_start)
		adj = g->middle;
	else if (g->adjust_next_start)
		adj = g->next;
	if (g->remove_middle)
		rm[nr_rm++] = g->middle;
	if (g->remove_next)
		rm[nr_rm++] = g->next;

	if (adj)		/* vma_adjust_trans_huge at the moved boundary */
		avt_folio__pmd_split_at(e, g->mm, g->end);
	OPS(e)->range_begin(S(e), vma, adj, AVT_RANGE_MERGE);
	for (int i = 0; i < nr_rm; i++)
		avt_mm__erase(g->mm, rm[i]);
	if (g->adjust_next_start) {
		/* middle shrinks first so that next can move down into its room */
		set_range(g->mm, vma, g->start, g->end, g->pgoff);
		set_range(g->mm, adj, g->end, adj->end,
			  adj->pgoff - ((adj->start - g->end) >> PAGE_SHIFT));
	} else if (g->adjust_middle_start) {
		set_range(g->mm, adj, g->end, adj->end,
			  adj->pgoff + ((g->end - adj->start) >> PAGE_SHIFT));
		set_range(g->mm, vma, g->start, g->end, g->pgoff);
	} else {
		set_range(g->mm, vma, g->start, g->end, g->pgoff);
	}
	OPS(e)->range_end(S(e), vma, adj, AVT_RANGE_MERGE);
	for (int i = 0; i < nr_rm; i++) {
		OPS(e)->unlink(S(e), rm[i], AVT_UNLINK_MERGE);
		avt_vma__free(e, rm[i]);
	}
	e->st.merges++;
}

/* vma_expand */
static int vma_expand(struct avt_engine *e, struct vmg *g)
{
	struct avt_vma *target = g->target, *next = g->next;
	bool remove_next = next && target != next && g->end == next->end;
	int err = 0;

	if (remove_next)
		err = dup_anon(e, target, next);
	if (!err && g->copied_from)
		err = dup_anon(e, target, g->copied_from);
	if (err)
		return err;
	g->remove_next = remove_next;
	commit_merge(e, g);
	return 0;
}

/* vma_merge_new_range */
static struct avt_vma *merge_new_range(struct avt_engine *e, struct vmg *g)
{
	bool l, r;

	if ((g->a.flags & VM_SPECIAL) || (!g->prev && !g->next))
		return NULL;
	l = can_merge_left(e, g);
	r = !g->just_expand && can_merge_right(e, g, l);
	if (r) {
		g->end = g->next->end;
		g->target = g->next;
	}
	if (l) {
		g->start = g->prev->start;
		g->target = g->prev;
		g->pgoff = g->prev->pgoff;
	}
	if (g->target && !vma_expand(e, g))
		return g->target;
	return NULL;
}

struct avt_vma *avt_vma__merge_new(struct avt_engine *e, struct avt_mm *mm,
				   struct avt_merge_new *m)
{
	struct vmg g = {
		.mm = mm, .start = m->start, .end = m->end, .pgoff = m->pgoff,
		.a = m->a, .file = m->file, .prev = m->prev, .next = m->next,
		.range_src = m->range_src, .copied_from = m->copied_from,
		.just_expand = m->just_expand,
	};

	return merge_new_range(e, &g);
}

/* vma_merge_existing_range */
static struct avt_vma *merge_existing_range(struct avt_engine *e, struct vmg *g)
{
	struct avt_vma *middle = g->middle, *prev = g->prev, *next = NULL;
	uint64_t start = g->start, end = g->end;
	bool left_side = start == middle->start, right_side = end == middle->end;
	bool merge_left, merge_right = false, merge_both;
	int err;

	if ((g->a.flags & VM_SPECIAL) || (!left_side && !right_side))
		return NULL;
	merge_left = left_side && can_merge_left(e, g);
	if (right_side) {
		next = g->next = middle->next;
		merge_right = can_merge_right(e, g, merge_left);
	}
	if (!merge_left && !merge_right)
		return NULL;
	if (e->test_skip_merge) {	/* tests: prove invariant 9 can fail */
		e->test_skip_merge--;
		return NULL;
	}
	merge_both = merge_left && merge_right;
	g->remove_middle = left_side && right_side;
	g->remove_next = merge_both;
	if (merge_right)
		g->target = next;
	if (merge_left)
		g->target = prev;

	if (merge_both) {
		g->start = prev->start;
		g->end = next->end;
		g->pgoff = prev->pgoff;
		err = dup_anon(e, prev, OPS(e)->is_faulted(S(e), next) ? next : middle);
	} else if (merge_left) {
		g->start = prev->start;
		g->pgoff = prev->pgoff;
		if (!g->remove_middle)
			g->adjust_middle_start = true;
		err = dup_anon(e, prev, middle);
	} else {
		uint64_t pglen = (g->end - g->start) >> PAGE_SHIFT;

		if (g->remove_middle) {
			g->end = next->end;
			g->pgoff = next->pgoff - pglen;
		} else {
			g->adjust_next_start = true;
			g->start = middle->start;
			g->end = start;
			g->pgoff = middle->pgoff;
		}
		err = dup_anon(e, next, middle);
	}
	if (err)
		return NULL;
	commit_merge(e, g);
	return g->target;
}

int avt_vma__split(struct avt_engine *e, struct avt_vma *v, uint64_t addr, int new_below,
		   struct avt_vma **out_new)
{
	struct avt_vma *n = avt_vma__alloc(e, v->mm);
	int err;

	if (!n)
		return -ENOMEM;
	n->start = v->start;
	n->end = v->end;
	n->pgoff = v->pgoff;
	n->flags = v->flags;
	n->file = v->file;
	n->dev = v->dev;
	n->ino = v->ino;
	n->policy = v->policy;
	n->anon_name = v->anon_name;
	n->uffd_ctx = v->uffd_ctx;
	if (new_below) {
		n->end = addr;
	} else {
		n->start = addr;
		n->pgoff += (addr - v->start) >> PAGE_SHIFT;
	}
	err = OPS(e)->clone(S(e), n, v, AVT_CLONE_SPLIT);
	if (err) {
		avt_vma__free(e, n);
		return err;
	}
	avt_folio__pmd_split_at(e, v->mm, addr);	/* vma_adjust_trans_huge */
	OPS(e)->range_begin(S(e), v, NULL, AVT_RANGE_SPLIT);
	if (new_below) {
		uint64_t pg = v->pgoff + ((addr - n->start) >> PAGE_SHIFT);

		avt_mm__rekey(v->mm, v, addr);
		v->pgoff = pg;
	} else {
		v->end = addr;
	}
	avt_mm__insert(e, v->mm, n);
	OPS(e)->range_end(S(e), v, NULL, AVT_RANGE_SPLIT);
	if (OPS(e)->on_split)
		OPS(e)->on_split(S(e), v, n);
	e->st.splits++;
	if (out_new)
		*out_new = n;
	return 0;
}

static int split_vma(struct avt_engine *e, struct avt_vma *v, uint64_t addr, int new_below)
{
	if (v->mm->map_count >= e->set.max_map_count)
		return -ENOMEM;
	return avt_vma__split(e, v, addr, new_below, NULL);
}

int avt_vma__modify(struct avt_engine *e, struct avt_vma *prev, struct avt_vma *v,
		    uint64_t s, uint64_t end, const struct avt_vma_attrs *na,
		    struct avt_vma **out)
{
	struct vmg g = {
		.mm = v->mm, .start = s, .end = end,
		.pgoff = v->pgoff + ((s - v->start) >> PAGE_SHIFT),
		.a = *na, .file = v->file, .prev = prev, .middle = v, .range_src = v,
	};
	struct avt_vma *merged;
	int err;

	merged = merge_existing_range(e, &g);
	if (merged) {
		apply_attrs(merged, na);
		*out = merged;
		return 0;
	}
	if (v->start < s) {
		err = split_vma(e, v, s, 1);
		if (err)
			return err;
	}
	if (v->end > end) {
		err = split_vma(e, v, end, 0);
		if (err)
			return err;
	}
	apply_attrs(v, na);
	*out = v;
	return 0;
}

void avt_vma__remove(struct avt_engine *e, struct avt_vma *v)
{
	avt_mm__erase(v->mm, v);
	OPS(e)->unlink(S(e), v, AVT_UNLINK_MUNMAP);
	avt_vma__free(e, v);
}

/* do_vmi_align_munmap: gather (split edges), detach, zap, unlink, free */
int avt_vma__munmap(struct avt_engine *e, struct avt_mm *mm, uint64_t s, uint64_t end)
{
	struct avt_vma *v = avt_mm__find_ge(mm, s), *first, *last, *it, *nx;
	int err;

	/* an empty or wrapping range (a length of 0 that a damaged or
	 * hand-written trace says succeeded) unmaps nothing; without this the
	 * split at s left nothing to gather and the detach ran off the list */
	if (end <= s)
		return 0;
	if (!v || v->start >= end)
		return 0;
	if (s > v->start) {
		if (end < v->end && mm->map_count >= e->set.max_map_count)
			return -ENOMEM;
		if (v->flags & VM_SEALED)
			return -EPERM;
		err = avt_vma__split(e, v, s, 1, NULL);
		if (err)
			return err;
	}
	first = v;
	last = NULL;
	for (it = v; it && it->start < end; it = it->next) {
		/* a sealed VMA stops the gather; splits done so far stay */
		if (it->flags & VM_SEALED)
			return -EPERM;
		if (it->end > end) {
			err = avt_vma__split(e, it, end, 0, NULL);
			if (err)
				return err;
		}
		last = it;
	}
	/* detach [first, last]; the detached list is threaded through ->tr */
	struct avt_vma *det = NULL, **tail = &det;

	for (it = first;; it = nx) {
		bool stop = it == last;

		nx = it->next;
		avt_mm__erase(mm, it);
		*tail = it;
		tail = &it->tr;
		if (stop)
			break;
	}
	/* unmap_region: zap pages, then free_pgtables unlinks every detached
	 * VMA in address order; then remove_vma frees the structs */
	avt_folio__zap_range(e, mm, s, end);
	for (it = det; it; it = it->tr)
		OPS(e)->unlink(S(e), it, AVT_UNLINK_MUNMAP);
	for (it = det; it; it = nx) {
		nx = it->tr;
		avt_vma__free(e, it);
	}
	return 0;
}
