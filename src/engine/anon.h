/* SPDX-License-Identifier: MIT */
/*
 * The anon_vma and anon_vma_chain objects of the eager model
 * (eager-semantics.md §3), shared by the eager schemes (eager.c) and the
 * EAGER and PARENT VMAs of the lazy scheme (lazy_av.c: a lazy VMA that went
 * EAGER must behave exactly as eager), their lifetime and tree placement,
 * and the invariant checks over them that do not depend on the scheme (§9
 * I1, I2, I3 tree size, I5, I8).
 *
 * Aligned to 16: the lazy scheme keeps detector bits in the low bits of a
 * folio mapping that points to a struct av.
 */
#ifndef AVT_ENGINE_ANON_H
#define AVT_ENGINE_ANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "engine/internal.h"
#include "engine/itree.h"
#include "engine/pool.h"

struct av {
	struct av *root, *parent;
	uint32_t rc, nc, na, depth;	/* refcount, num_children, num_active_vmas */
	struct avt_itree tree;		/* T(X): the AVCs linking VMAs to X */
	struct avt_lock_family fam;	/* roots only */
	struct avt_list all;		/* every live AV (checks, reports) */
	uint64_t snap_id;		/* eager: opaque id when rebuilt from a snapshot */
	uint64_t serial;		/* never reused (--verify pairs by it; lazy:
					 * "earliest allocated") */
	uint32_t chk_na, chk_tree, chk_nc, chk_rc;	/* recounted by a check */
	uint32_t magic;
} __attribute__((aligned(16)));
#define AV_MAGIC 0x41564156u

struct avc {
	struct avt_inode node;		/* in T(av); key = vma pgoff range */
	struct avt_vma *vma;
	struct av *av;
	struct avt_list same_vma;	/* in chain(vma) */
	/* lazy: made by fork's clone of the parent's chain (or copied from
	 * such an AVC by a split, DUP or mremap clone): the VMA is a fork
	 * child even when its chain is a single AVC (lav__fork_child) */
	bool inherited;
} __attribute__((aligned(16)));

/*
 * Object lifetime, as both models need it: from the scheme's pools, counted
 * by the engine (allocations, frees, peaks; transient = K7 fork's own pair
 * freed again when an ancestor is reused). A new AV is its own root and
 * parent with one reference, on the list `all`, with the next serial.
 */
struct av *avt_av__new(struct avt_engine *e, struct avt_pool *pool, struct avt_list *all,
		       uint64_t *serial);
void avt_av__free(struct avt_engine *e, struct avt_pool *pool, struct av *a, bool transient);
/* put_anon_vma / __put_anon_vma: the last reference frees a, and a
 * non-root's last one drops its root's reference (the root goes last) */
void avt_av__put(struct avt_engine *e, struct avt_pool *pool, struct av *a, bool transient);
/* inline: one or two per VMA a fork copies, as many freed at exit */
static inline struct avc *avt_avc__new(struct avt_engine *e, struct avt_pool *pool)
{
	struct avc *c = avt_pool__alloc_sz(pool, sizeof(*c));

	if (!c)
		return NULL;
	avt_list_init(&c->same_vma);
	avt_engine__avc_alloc(e, false);
	return c;
}

static inline void avt_avc__free(struct avt_engine *e, struct avt_pool *pool, struct avc *c,
				 bool transient)
{
	avt_engine__avc_free(e, transient);
	avt_pool__free(pool, c);
}

/* y (new) becomes a child of parent in parent's family (anon_vma_fork's
 * own AV): the family root takes a reference, parent gains a child */
static inline void avt_av__set_parent(struct av *y, struct av *parent)
{
	y->root = parent->root;
	y->parent = parent;
	y->depth = parent->depth + 1;
	y->root->rc++;
	parent->nc++;
}

/*
 * A snapshot VMA v with anon_vma x: the links its listing states. x's
 * root, root's own (the first listing of a root), x's parent when x has
 * none yet (parent is NULL when the listing names none), v->anon.
 */
static inline void avt_av__snap_attach(struct avt_vma *v, struct av *x, struct av *root,
				       struct av *parent)
{
	if (!x->root)
		x->root = root;
	if (!root->root)
		root->root = root;
	if (!x->parent)
		x->parent = parent;
	v->anon = x;
	x->na++;
}

/*
 * At a snapshot's end, what it did not state, in two passes over the AVs
 * it made: avt_av__snap_settle on each (a root of its own when none was
 * named; the parent is the root when unnamed or named as itself; the
 * parent gains a child, the root a reference), then avt_av__snap_depth on
 * each (parent links up to the root, bounded: a listing may loop).
 */
void avt_av__snap_settle(struct av *a);
void avt_av__snap_depth(struct av *a);

/* c into T(c->av), keyed by its VMA's pgoff range; seq orders equal keys */
static inline void avt_avc__tree_insert(struct avc *c, uint64_t *seq)
{
	struct avt_vma *v = c->vma;

	c->node.start = v->pgoff;
	c->node.last = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT) - 1;
	c->node.seq = ++*seq;
	avt_itree__insert(&c->av->tree, &c->node);
}

static inline void avt_avc__tree_remove(struct avc *c)
{
	avt_itree__remove(&c->av->tree, &c->node);
}

static inline uint32_t avt_av__chain_len(const struct avt_vma *v)
{
	const struct avt_list *p;
	uint32_t n = 0;

	avt_list_for_each(p, &v->chain)
		n++;
	return n;
}

/* One new AVC c: v -> a at the head of chain(v), inserted into T(a) (seq
 * orders equal keys); the chain length is counted. The caller holds the
 * root lock. */
static inline void avt_avc__link(struct avt_engine *e, struct avc *c, struct avt_vma *v,
				 struct av *a, uint64_t *seq)
{
	c->vma = v;
	c->av = a;
	avt_list_add(&c->same_vma, &v->chain);
	avt_avc__tree_insert(c, seq);
	avt_engine__chain_len(e, avt_av__chain_len(v));
}

/*
 * unlink_anon_vmas in two steps around what the scheme does to v itself
 * (num_active_vmas, vma->anon): under the root lock, every AVC of v leaves
 * its tree and is freed unless its AV's tree became empty (that AV's
 * parent loses a child; the AVC stays in the chain); after it, every AV
 * left in the chain is put (the last reference frees it) and its AVC freed.
 */
void avt_av__unlink_trees(struct avt_engine *e, struct avt_pool *avc_pool, struct avt_vma *v);
void avt_av__unlink_put(struct avt_engine *e, struct avt_pool *av_pool,
			struct avt_pool *avc_pool, struct avt_vma *v);

/* The lock tags of anon_vma_clone by its caller and of vma_prepare by the
 * change it brackets (eager-semantics §8); op 0 = fork */
static inline enum avt_lock_tag avt_av__clone_tag(int op)
{
	switch (op) {
	case AVT_CLONE_SPLIT: return AVT_LT_CLONE_SPLIT;
	case AVT_CLONE_MERGE_UNFAULTED: return AVT_LT_CLONE_MERGE;
	case AVT_CLONE_REMAP: return AVT_LT_CLONE_REMAP;
	default: return AVT_LT_CLONE_FORK;
	}
}

static inline enum avt_lock_tag avt_av__range_tag(enum avt_range_tag t)
{
	switch (t) {
	case AVT_RANGE_SPLIT: return AVT_LT_RANGE_SPLIT;
	case AVT_RANGE_STACK: return AVT_LT_STACK_GROW;
	default: return AVT_LT_RANGE_MERGE;
	}
}

/*
 * The scheme-independent part of an invariant check over the AVs on the
 * list `all` (linked through struct av.all):
 *   avt_av__check_begin() clears every AV's recount (chk_*) and returns
 *   how many AVs the list holds; the caller then walks its VMAs, checking
 *   its own rules and counting chk_na (VMAs whose anon_vma it is) and
 *   chk_tree (AVCs of chains pointing to it) and the AVCs seen (avcs);
 *   avt_av__check_end() recounts num_children and the root refcounts from
 *   the parent and root links and compares every counter (I1, I2, I3 tree
 *   size, I5), then the live totals against the engine's (I8).
 * 0 or -EPROTO with the invariant named in why, prefixed by pfx.
 */
uint64_t avt_av__check_begin(struct avt_list *all);
int avt_av__check_end(struct avt_engine *e, struct avt_list *all, uint64_t avcs, uint64_t nav,
		      const char *pfx, char *why, size_t len);

#endif
