// SPDX-License-Identifier: MIT
/* Interval treap keyed by (start, seq), augmented with max(last). */
#include <stddef.h>
#include "engine/itree.h"

static inline int key_lt(const struct avt_inode *a, const struct avt_inode *b)
{
	return a->start < b->start || (a->start == b->start && a->seq < b->seq);
}

static inline void upd(struct avt_inode *n)
{
	uint64_t m = n->last;

	if (n->l && n->l->max_last > m)
		m = n->l->max_last;
	if (n->r && n->r->max_last > m)
		m = n->r->max_last;
	n->max_last = m;
}

/* l: keys < k, r: keys >= k */
static void split(struct avt_inode *t, const struct avt_inode *k, struct avt_inode **l,
		  struct avt_inode **r)
{
	if (!t) {
		*l = *r = NULL;
		return;
	}
	if (key_lt(t, k)) {
		split(t->r, k, &t->r, r);
		*l = t;
	} else {
		split(t->l, k, l, &t->l);
		*r = t;
	}
	upd(t);
}

static struct avt_inode *merge(struct avt_inode *l, struct avt_inode *r)
{
	if (!l)
		return r;
	if (!r)
		return l;
	if (l->prio > r->prio) {
		l->r = merge(l->r, r);
		upd(l);
		return l;
	}
	r->l = merge(l, r->l);
	upd(r);
	return r;
}

static struct avt_inode *del(struct avt_inode *t, struct avt_inode *n)
{
	if (!t)
		return NULL;
	if (t == n)
		return merge(t->l, t->r);
	if (key_lt(n, t))
		t->l = del(t->l, n);
	else
		t->r = del(t->r, n);
	upd(t);
	return t;
}

/*
 * Insert walks down from the root without recursion, to where n's
 * priority puts it, and splits the subtree there (the tree the recursive
 * treap insert makes): every node passed gains n in its subtree, so its
 * max_last only needs raising to n's on the way down, no recount on the
 * way back up. (Removes are mostly of the root: the recursive delete is
 * as cheap as an iterative one there.)
 */
void avt_itree__insert(struct avt_itree *t, struct avt_inode *n)
{
	uint64_t h = n->seq * 0x9e3779b97f4a7c15ULL;
	struct avt_inode **link = &t->root, *c;

	n->l = n->r = NULL;
	n->prio = (uint32_t)(h >> 32);
	n->max_last = n->last;
	while ((c = *link) && n->prio <= c->prio) {
		if (n->last > c->max_last)
			c->max_last = n->last;
		link = key_lt(n, c) ? &c->l : &c->r;
	}
	if (c) {
		split(c, n, &n->l, &n->r);
		upd(n);
	}
	*link = n;
	t->n++;
}

void avt_itree__remove(struct avt_itree *t, struct avt_inode *n)
{
	t->root = del(t->root, n);
	n->l = n->r = NULL;
	t->n--;
}

static uint64_t query(struct avt_inode *n, uint64_t lo, uint64_t hi,
		      void (*cb)(struct avt_inode *, void *), void *ctx)
{
	uint64_t c = 0;

	if (!n || n->max_last < lo)
		return 0;
	c += query(n->l, lo, hi, cb, ctx);
	if (n->start > hi)
		return c;
	if (n->last >= lo) {
		c++;
		if (cb)
			cb(n, ctx);
	}
	return c + query(n->r, lo, hi, cb, ctx);
}

uint64_t avt_itree__query(const struct avt_itree *t, uint64_t lo, uint64_t hi,
			  void (*cb)(struct avt_inode *n, void *ctx), void *ctx)
{
	return query(t->root, lo, hi, cb, ctx);
}

static void each(struct avt_inode *n, void (*cb)(struct avt_inode *, void *), void *ctx)
{
	if (!n)
		return;
	each(n->l, cb, ctx);
	cb(n, ctx);
	each(n->r, cb, ctx);
}

void avt_itree__each(const struct avt_itree *t, void (*cb)(struct avt_inode *n, void *ctx),
		     void *ctx)
{
	each(t->root, cb, ctx);
}
