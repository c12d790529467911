/* SPDX-License-Identifier: MIT */
/*
 * Interval multiset for an anon_vma's AVCs (the kernel's rb_root_cached
 * interval tree): a treap ordered by (start pgoff, insertion seq) with the
 * subtree maximum of `last` for overlap queries. Equal starts iterate in
 * insertion order, as the kernel's tree does (ties go right on insert).
 */
#ifndef AVT_ENGINE_ITREE_H
#define AVT_ENGINE_ITREE_H

#include <stdint.h>

struct avt_inode {
	struct avt_inode *l, *r;
	uint64_t start, last, seq, max_last;
	uint32_t prio;
};

struct avt_itree {
	struct avt_inode *root;
	uint64_t n;
};

void avt_itree__insert(struct avt_itree *t, struct avt_inode *n);
void avt_itree__remove(struct avt_itree *t, struct avt_inode *n);
/* Call cb for each node overlapping [lo, hi] in ascending order; returns count. */
uint64_t avt_itree__query(const struct avt_itree *t, uint64_t lo, uint64_t hi,
			  void (*cb)(struct avt_inode *n, void *ctx), void *ctx);
/* In-order iteration (for invariant checks). */
void avt_itree__each(const struct avt_itree *t, void (*cb)(struct avt_inode *n, void *ctx),
		     void *ctx);

#endif
