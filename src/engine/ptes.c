// SPDX-License-Identifier: MIT
/*
 * Per-mm page tables (page number -> folio), two levels: leaves of
 * AVT_LEAF_NR consecutive pages from the engine's leaf pool, reached through
 * an open-addressing hash of leaf pointers (linear probing, backward-shift
 * deletion, at most 3/4 full: a fork child sized for its parent's leaves
 * takes a third more before it grows). A copy, zap or scan of a range costs one
 * probe per leaf, not per page. The leaves are also kept in an array sorted
 * by key (appends and small tables stay sorted; otherwise it is re-sorted
 * when an iteration needs it), so iteration is in page order whatever the
 * table's history.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine/internal.h"

#define SLOTS_MIN 16
/* a leaf inserted or dropped in the middle of a table this large marks the
 * order stale (re-sorted on demand) instead of moving the array */
#define ORDER_MOVE_MAX 256

static int slots_resize(struct avt_ptes *t, size_t nc)
{
	struct avt_pte_leaf **ns = calloc(nc, sizeof(*ns));
	uint32_t shift = 64;

	if (!ns)
		return -ENOMEM;
	for (size_t c = nc; c > 1; c >>= 1)
		shift--;
	for (size_t i = 0; i < t->cap; i++) {
		struct avt_pte_leaf *l = t->slot[i];
		size_t j;

		if (!l)
			continue;
		for (j = (size_t)((l->key * 0x9e3779b97f4a7c15ULL) >> shift); ns[j];
		     j = (j + 1) & (nc - 1))
			;
		ns[j] = l;
	}
	free(t->slot);
	t->slot = ns;
	t->cap = nc;
	t->shift = shift;
	return 0;
}

static int order_reserve(struct avt_ptes *t, size_t n)
{
	size_t nc = t->order_cap ? t->order_cap : 16;
	struct avt_pte_leaf **no;

	if (n <= t->order_cap)
		return 0;
	while (nc < n)
		nc *= 2;
	no = realloc(t->order, nc * sizeof(*no));
	if (!no)
		return -ENOMEM;
	t->order = no;
	t->order_cap = nc;
	return 0;
}

int avt_ptes__reserve(struct avt_ptes *t, size_t nleaves)
{
	size_t nc = t->cap ? t->cap : SLOTS_MIN;

	while (nleaves * 4 > nc * 3)
		nc *= 2;
	if (nc > t->cap && slots_resize(t, nc))
		return -ENOMEM;
	return order_reserve(t, nleaves + nleaves / 2);
}

/* first index in order[] whose key is >= key (order_ok) */
static size_t order_lower(const struct avt_ptes *t, uint64_t key)
{
	size_t lo = 0, hi = t->nleaves;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->order[mid]->key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int cmp_leaf(const void *a, const void *b)
{
	uint64_t x = (*(struct avt_pte_leaf *const *)a)->key;
	uint64_t y = (*(struct avt_pte_leaf *const *)b)->key;

	return x < y ? -1 : x > y;
}

static void order_sort(struct avt_ptes *t)
{
	size_t n = 0;

	if (t->order_ok)
		return;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i])
			t->order[n++] = t->slot[i];
	if (n)
		qsort(t->order, n, sizeof(*t->order), cmp_leaf);
	t->order_ok = true;
}

struct avt_pte_leaf *avt_ptes__leaf_new(struct avt_engine *e, struct avt_ptes *t, uint64_t key)
{
	struct avt_pte_leaf *l;
	size_t i;

	if ((t->nleaves + 1) * 4 > t->cap * 3 &&
	    slots_resize(t, t->cap ? t->cap * 2 : SLOTS_MIN))
		return NULL;
	if (order_reserve(t, t->nleaves + 1))
		return NULL;
	l = avt_pool__alloc_sz(&e->leaf_pool, sizeof(*l));
	if (!l)
		return NULL;
	l->key = key;
	t->pool = &e->leaf_pool;
	for (i = avt_ptes__hash(t, key); t->slot[i]; i = (i + 1) & (t->cap - 1))
		;
	t->slot[i] = l;
	if (!t->nleaves || (t->order_ok && key > t->order[t->nleaves - 1]->key)) {
		/* an append: fork copies and ascending faults */
		t->order[t->nleaves] = l;
		t->order_ok = true;
	} else if (t->order_ok && t->nleaves <= ORDER_MOVE_MAX) {
		size_t at = order_lower(t, key);

		memmove(t->order + at + 1, t->order + at, (t->nleaves - at) * sizeof(*t->order));
		t->order[at] = l;
	} else {
		t->order_ok = false;
	}
	t->nleaves++;
	return l;
}

void avt_ptes__leaf_drop(struct avt_ptes *t, struct avt_pte_leaf *l)
{
	size_t i, j, mask = t->cap - 1;

	for (i = avt_ptes__hash(t, l->key); t->slot[i] != l; i = (i + 1) & mask)
		;
	/* backward-shift deletion keeps probe sequences intact */
	for (j = i;;) {
		size_t h;

		j = (j + 1) & mask;
		if (!t->slot[j])
			break;
		h = avt_ptes__hash(t, t->slot[j]->key);
		/* can the entry at j move to i? (i lies cyclically in [h, j)) */
		if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
			t->slot[i] = t->slot[j];
			i = j;
		}
	}
	t->slot[i] = NULL;
	if (t->order_ok) {
		size_t at = order_lower(t, l->key);

		if (at == t->nleaves - 1 || t->nleaves <= ORDER_MOVE_MAX)
			memmove(t->order + at, t->order + at + 1,
				(t->nleaves - at - 1) * sizeof(*t->order));
		else
			t->order_ok = false;
	}
	t->nleaves--;
	avt_pool__free(t->pool, l);
}

struct avt_folio *avt_ptes__del(struct avt_ptes *t, uint64_t pfn)
{
	struct avt_pte_leaf *l = avt_ptes__leaf(t, pfn >> AVT_LEAF_SHIFT);
	unsigned idx = pfn & (AVT_LEAF_NR - 1);

	if (!l || !l->f[idx])
		return NULL;
	return avt_ptes__clear(t, l, idx);
}

void avt_ptes__iter(struct avt_ptes *t, struct avt_pte_iter *it)
{
	order_sort(t);
	it->v = t->order;
	it->n = t->nleaves;
	it->i = 0;
	it->j = 0;
}

/* The leaves overlapping keys [klo, khi], ascending: one probe per key of
 * a short range, else the sorted order from its lower bound. The table
 * must not change during the walk. */
struct leaf_walk {
	const struct avt_ptes *t;
	uint64_t k, khi;
	size_t i;
	bool probe;
};

static void walk_init(struct leaf_walk *w, struct avt_ptes *t, uint64_t klo, uint64_t khi)
{
	w->t = t;
	w->i = 0;
	w->k = klo;
	w->khi = khi;
	w->probe = khi - klo < 2 * (uint64_t)t->nleaves;
	if (!w->probe) {
		order_sort(t);
		w->i = order_lower(t, klo);
	}
}

static struct avt_pte_leaf *walk_next(struct leaf_walk *w)
{
	struct avt_pte_leaf *l;

	if (!w->probe) {
		if (w->i < w->t->nleaves && w->t->order[w->i]->key <= w->khi)
			return w->t->order[w->i++];
		return NULL;
	}
	while (w->k <= w->khi) {	/* keys < 2^60: no wrap */
		l = avt_ptes__leaf(w->t, w->k++);
		if (l)
			return l;
	}
	return NULL;
}

void avt_ptes__range_sorted(struct avt_ptes *t, struct avt_pte_range *r)
{
	order_sort(t);
	r->probe = false;
	r->i = order_lower(t, r->k);
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

size_t avt_ptes__collect(struct avt_engine *e, struct avt_ptes *t, uint64_t lo, uint64_t hi)
{
	struct leaf_walk w;
	struct avt_pte_leaf *l;
	size_t n = 0;

	if (!t->n || hi <= lo)
		return 0;
	walk_init(&w, t, lo >> AVT_LEAF_SHIFT, (hi - 1) >> AVT_LEAF_SHIFT);
	while ((l = walk_next(&w))) {
		uint64_t base = l->key << AVT_LEAF_SHIFT;

		for (uint32_t m = l->mask & avt_ptes__range_mask(l->key, lo, hi); m; m &= m - 1)
			if (!scratch_push(e, n, base + (unsigned)__builtin_ctz(m)))
				n++;
	}
	return n;
}

size_t avt_ptes__leaf_keys(struct avt_engine *e, struct avt_ptes *t, uint64_t lo, uint64_t hi)
{
	struct leaf_walk w;
	struct avt_pte_leaf *l;
	size_t n = 0;

	if (!t->n || hi <= lo)
		return 0;
	walk_init(&w, t, lo >> AVT_LEAF_SHIFT, (hi - 1) >> AVT_LEAF_SHIFT);
	while ((l = walk_next(&w)))
		if (!scratch_push(e, n, l->key))
			n++;
	return n;
}

void avt_ptes__fini(struct avt_ptes *t)
{
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i])
			avt_pool__free(t->pool, t->slot[i]);
	free(t->slot);
	free(t->order);
	memset(t, 0, sizeof(*t));
}
