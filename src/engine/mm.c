// SPDX-License-Identifier: MIT
/*
 * Address spaces: a treap keyed by vm_start for O(log n) lookup, plus an
 * address-ordered doubly linked list for O(1) prev/next (what the maple
 * tree iterator gives the kernel). The page table is in ptes.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine/internal.h"

static uint32_t rng_next(struct avt_engine *e)
{
	uint32_t x = e->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return e->rng = x;
}

struct avt_mm *avt_mm__new(struct avt_engine *e)
{
	struct avt_mm *mm = avt_pool__alloc(&e->mm_pool);

	if (!mm)
		return NULL;
	mm->users = 1;
	mm->all_next = e->mms;
	if (e->mms)
		e->mms->all_prev = mm;
	e->mms = mm;
	return mm;
}

void avt_mm__free(struct avt_engine *e, struct avt_mm *mm)
{
	if (mm->all_prev)
		mm->all_prev->all_next = mm->all_next;
	else
		e->mms = mm->all_next;
	if (mm->all_next)
		mm->all_next->all_prev = mm->all_prev;
	avt_ptes__fini(&mm->ptes);
	avt_ptes__fini(&mm->pmds);
	avt_pool__free(&e->mm_pool, mm);
}

struct avt_vma *avt_vma__alloc(struct avt_engine *e, struct avt_mm *mm)
{
	struct avt_vma *v = avt_pool__alloc_sz(&e->vma_pool, sizeof(*v));

	if (!v)
		return NULL;
	v->mm = mm;
	avt_list_init(&v->chain);
	v->prio = rng_next(e);
	avt_count__alloc(&e->st.vma);
	if (e->scheme.ops->on_alloc)
		e->scheme.ops->on_alloc(&e->scheme, v);
	return v;
}

void avt_vma__free(struct avt_engine *e, struct avt_vma *v)
{
	if (e->scheme.ops->on_remove)
		e->scheme.ops->on_remove(&e->scheme, v);
	avt_count__free(&e->st.vma);
	avt_pool__free(&e->vma_pool, v);
}

/* ---- treap (split/merge by key) ---- */
static void tsplit(struct avt_vma *t, uint64_t key, struct avt_vma **l, struct avt_vma **r)
{
	/* l: start < key, r: start >= key */
	if (!t) {
		*l = *r = NULL;
	} else if (t->start < key) {
		tsplit(t->tr, key, &t->tr, r);
		*l = t;
	} else {
		tsplit(t->tl, key, l, &t->tl);
		*r = t;
	}
}

static struct avt_vma *tmerge(struct avt_vma *l, struct avt_vma *r)
{
	if (!l)
		return r;
	if (!r)
		return l;
	if (l->prio > r->prio) {
		l->tr = tmerge(l->tr, r);
		return l;
	}
	r->tl = tmerge(l, r->tl);
	return r;
}

static struct avt_vma *tinsert(struct avt_vma *t, struct avt_vma *n)
{
	if (!t)
		return n;
	if (n->prio > t->prio) {
		tsplit(t, n->start, &n->tl, &n->tr);
		return n;
	}
	if (n->start < t->start)
		t->tl = tinsert(t->tl, n);
	else
		t->tr = tinsert(t->tr, n);
	return t;
}

static struct avt_vma *terase(struct avt_vma *t, struct avt_vma *n)
{
	if (!t)
		return NULL;
	if (t == n)
		return tmerge(t->tl, t->tr);
	if (n->start < t->start)
		t->tl = terase(t->tl, n);
	else
		t->tr = terase(t->tr, n);
	return t;
}

/* last VMA with start <= addr */
static struct avt_vma *tfloor(struct avt_vma *t, uint64_t addr)
{
	struct avt_vma *best = NULL;

	while (t) {
		if (t->start <= addr) {
			best = t;
			t = t->tr;
		} else {
			t = t->tl;
		}
	}
	return best;
}

void avt_mm__insert(struct avt_engine *e, struct avt_mm *mm, struct avt_vma *v)
{
	/* appending (dup_mmap, ascending mmaps): the predecessor is the last */
	struct avt_vma *p = mm->last && mm->last->start <= v->start ? mm->last :
			    tfloor(mm->root, v->start);

	(void)e;
	v->tl = v->tr = NULL;
	if (p && p == mm->last && p->start < v->start) {
		/* an append (dup_mmap): what tinsert does, down the right
		 * spine without recursion; every key there is smaller */
		struct avt_vma **link = &mm->root;

		while (*link && (*link)->prio >= v->prio)
			link = &(*link)->tr;
		v->tl = *link;
		*link = v;
	} else {
		mm->root = tinsert(mm->root, v);
	}
	if (p) {
		v->prev = p;
		v->next = p->next;
		p->next = v;
	} else {
		v->prev = NULL;
		v->next = mm->first;
		mm->first = v;
	}
	if (v->next)
		v->next->prev = v;
	else
		mm->last = v;
	mm->map_count++;
}

void avt_mm__erase(struct avt_mm *mm, struct avt_vma *v)
{
	if (mm->vcache == v)
		mm->vcache = NULL;
	mm->root = terase(mm->root, v);
	if (v->prev)
		v->prev->next = v->next;
	else
		mm->first = v->next;
	if (v->next)
		v->next->prev = v->prev;
	else
		mm->last = v->prev;
	v->prev = v->next = NULL;
	v->tl = v->tr = NULL;
	mm->map_count--;
}

void avt_mm__rekey(struct avt_mm *mm, struct avt_vma *v, uint64_t new_start)
{
	/* The list order never changes (VMAs do not overlap); only the treap
	 * key does, so take it out and put it back. */
	mm->root = terase(mm->root, v);
	v->start = new_start;
	v->tl = v->tr = NULL;
	mm->root = tinsert(mm->root, v);
}

struct avt_vma *avt_mm__find(struct avt_mm *mm, uint64_t addr)
{
	struct avt_vma *v = mm->vcache;

	if (v && addr >= v->start && addr < v->end)
		return v;
	v = tfloor(mm->root, addr);
	if (v && addr < v->end) {
		mm->vcache = v;
		return v;
	}
	return NULL;
}

struct avt_vma *avt_mm__find_ge(struct avt_mm *mm, uint64_t addr)
{
	struct avt_vma *v = tfloor(mm->root, addr);

	if (v && addr < v->end)
		return v;
	return v ? v->next : mm->first;
}

struct avt_vma *avt_mm__prev_of(struct avt_mm *mm, uint64_t addr)
{
	struct avt_vma *v = tfloor(mm->root, addr);

	if (!v)
		return NULL;
	if (v->end <= addr)
		return v;
	return v->prev;
}
