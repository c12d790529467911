// SPDX-License-Identifier: MIT
/*
 * Address spaces: a treap keyed by vm_start for O(log n) lookup, plus an
 * address-ordered doubly linked list for O(1) prev/next (what the maple
 * tree iterator gives the kernel), and a per-mm page table (page number ->
 * folio) as an open-addressing hash.
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
	struct avt_vma *v = avt_pool__alloc(&e->vma_pool);

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
	mm->root = tinsert(mm->root, v);
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

/* ---- page table ---- */
#define pte_hash avt_ptes__hash	/* avt_ptes__get is inline in internal.h */

static int ptes_resize(struct avt_ptes *t, size_t nc)
{
	size_t i;
	uint64_t *nk = malloc(nc * sizeof(*nk));
	struct avt_folio **nv = malloc(nc * sizeof(*nv));

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -ENOMEM;
	}
	for (i = 0; i < nc; i++)
		nk[i] = PTE_EMPTY;
	for (i = 0; i < t->cap; i++) {
		size_t j;

		if (t->keys[i] == PTE_EMPTY)
			continue;
		for (j = pte_hash(t->keys[i], nc); nk[j] != PTE_EMPTY; j = (j + 1) & (nc - 1))
			;
		nk[j] = t->keys[i];
		nv[j] = t->vals[i];
	}
	free(t->keys);
	free(t->vals);
	t->keys = nk;
	t->vals = nv;
	t->cap = nc;
	return 0;
}

static int ptes_grow(struct avt_ptes *t)
{
	return ptes_resize(t, t->cap ? t->cap * 2 : 64);
}

int avt_ptes__reserve(struct avt_ptes *t, size_t n)
{
	size_t nc = t->cap ? t->cap : 64;

	while (n * 4 > nc * 3)
		nc *= 2;
	return nc > t->cap ? ptes_resize(t, nc) : 0;
}

int avt_ptes__grow(struct avt_ptes *t)
{
	return ptes_grow(t);
}

struct avt_folio *avt_ptes__del(struct avt_ptes *t, uint64_t pfn)
{
	size_t i, j, mask;
	struct avt_folio *f;

	if (!t->n)
		return NULL;
	mask = t->cap - 1;
	for (i = pte_hash(pfn, t->cap);; i = (i + 1) & mask) {
		if (t->keys[i] == PTE_EMPTY)
			return NULL;
		if (t->keys[i] == pfn)
			break;
	}
	f = t->vals[i];
	/* backward-shift deletion keeps probe sequences intact */
	j = i;
	for (;;) {
		size_t h;

		j = (j + 1) & mask;
		if (t->keys[j] == PTE_EMPTY)
			break;
		h = pte_hash(t->keys[j], t->cap);
		/* can the entry at j move to i? (i lies cyclically in [h, j)) */
		if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
			t->keys[i] = t->keys[j];
			t->vals[i] = t->vals[j];
			i = j;
		}
	}
	t->keys[i] = PTE_EMPTY;
	t->n--;
	return f;
}

static int scratch_push(struct avt_engine *e, size_t n, uint64_t v)
{
	if (n == e->scratch_cap) {
		size_t nc = e->scratch_cap ? e->scratch_cap * 2 : 256;
		uint64_t *ns = realloc(e->scratch, nc * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		e->scratch = ns;
		e->scratch_cap = nc;
	}
	e->scratch[n] = v;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

size_t avt_ptes__collect(struct avt_engine *e, struct avt_ptes *t, uint64_t lo, uint64_t hi)
{
	size_t n = 0;

	if (!t->n || hi <= lo)
		return 0;
	if (hi - lo <= t->cap) {
		for (uint64_t p = lo; p < hi; p++)
			if (avt_ptes__get(t, p) && !scratch_push(e, n, p))
				n++;
	} else {
		for (size_t i = 0; i < t->cap; i++) {
			uint64_t k = t->keys[i];

			if (k != PTE_EMPTY && k >= lo && k < hi && !scratch_push(e, n, k))
				n++;
		}
		if (n)		/* scratch may still be NULL (UBSan) */
			qsort(e->scratch, n, sizeof(uint64_t), cmp_u64);
	}
	return n;
}

void avt_ptes__fini(struct avt_ptes *t)
{
	free(t->keys);
	free(t->vals);
	memset(t, 0, sizeof(*t));
}
