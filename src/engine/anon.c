// SPDX-License-Identifier: MIT
/*
 * Invariant checks over anon_vmas shared by the eager schemes and the lazy
 * scheme's EAGER/PARENT VMAs (eager-semantics.md §9); see anon.h.
 */
#include <errno.h>
#include <stdio.h>
#include "engine/anon.h"

struct av *avt_av__new(struct avt_engine *e, struct avt_pool *pool, struct avt_list *all,
		       uint64_t *serial)
{
	struct av *a = avt_pool__alloc_sz(pool, sizeof(*a));

	if (!a)
		return NULL;
	a->root = a->parent = a;
	a->rc = 1;
	a->magic = AV_MAGIC;
	a->serial = ++*serial;
	avt_list_add_tail(&a->all, all);
	avt_lock_family__init(e, &a->fam);
	avt_engine__av_alloc(e, false);
	return a;
}

void avt_av__free(struct avt_engine *e, struct avt_pool *pool, struct av *a, bool transient)
{
	avt_lock_family__fini(e, &a->fam);
	avt_list_del(&a->all);
	a->magic = 0;
	avt_engine__av_free(e, transient);
	avt_pool__free(pool, a);
}

void avt_av__put(struct avt_engine *e, struct avt_pool *pool, struct av *a, bool transient)
{
	struct av *root = a->root;

	if (--a->rc)
		return;
	avt_av__free(e, pool, a, transient);
	if (root != a && --root->rc == 0)
		avt_av__free(e, pool, root, false);
}

void avt_av__unlink_trees(struct avt_engine *e, struct avt_pool *avc_pool, struct avt_vma *v)
{
	struct avt_list *p, *t;

	avt_list_for_each_safe(p, t, &v->chain) {
		struct avc *c = avt_container_of(p, struct avc, same_vma);

		avt_avc__tree_remove(c);
		if (!c->av->tree.n) {
			c->av->parent->nc--;
			continue;	/* kept: put after unlock */
		}
		avt_list_del(&c->same_vma);
		avt_avc__free(e, avc_pool, c, false);
	}
}

void avt_av__unlink_put(struct avt_engine *e, struct avt_pool *av_pool,
			struct avt_pool *avc_pool, struct avt_vma *v)
{
	struct avt_list *p, *t;

	avt_list_for_each_safe(p, t, &v->chain) {
		struct avc *c = avt_container_of(p, struct avc, same_vma);

		avt_av__put(e, av_pool, c->av, false);
		avt_list_del(&c->same_vma);
		avt_avc__free(e, avc_pool, c, false);
	}
}

uint64_t avt_av__check_begin(struct avt_list *all)
{
	struct avt_list *p;
	uint64_t nav = 0;

	avt_list_for_each(p, all) {
		struct av *a = avt_container_of(p, struct av, all);

		a->chk_na = a->chk_tree = a->chk_nc = a->chk_rc = 0;
		nav++;
	}
	return nav;
}

int avt_av__check_end(struct avt_engine *e, struct avt_list *all, uint64_t avcs, uint64_t nav,
		      const char *pfx, char *why, size_t len)
{
	struct avt_list *p;

	/* a root counts itself as its own child while its tree holds AVCs */
	avt_list_for_each(p, all) {
		struct av *a = avt_container_of(p, struct av, all);

		if (a->parent != a)
			a->parent->chk_nc++;
		else if (a->tree.n)
			a->chk_nc++;
		if (a->root != a)
			a->root->chk_rc++;
	}
	avt_list_for_each(p, all) {
		struct av *a = avt_container_of(p, struct av, all);
		const char *bad = NULL;

		if (a->chk_na != a->na)
			bad = "I1: num_active_vmas";
		else if (a->chk_tree != a->tree.n)
			bad = "I3: tree size";
		else if (a->chk_nc != a->nc)
			bad = "I2: num_children";
		else if (!a->tree.n)
			bad = "I5: live anon_vma with empty tree";
		else if (a->root == a && a->rc != 1 + a->chk_rc)
			bad = "I5: root refcount";
		if (bad) {
			snprintf(why, len, "%s%s of anon_vma (family %llu) is wrong: na=%u/%u nc=%u/%u tree=%llu/%u rc=%u",
				 pfx, bad, (unsigned long long)a->root->fam.id, a->na, a->chk_na, a->nc,
				 a->chk_nc, (unsigned long long)a->tree.n, a->chk_tree, a->rc);
			return -EPROTO;
		}
	}
	if (avcs != e->st.avc.live || nav != e->st.av.live) {
		snprintf(why, len, "%sI8: live AVC %llu (chains %llu), live AV %llu (list %llu)", pfx,
			 (unsigned long long)e->st.avc.live, (unsigned long long)avcs,
			 (unsigned long long)e->st.av.live, (unsigned long long)nav);
		return -EPROTO;
	}
	return 0;
}

void avt_av__snap_settle(struct av *a)
{
	if (!a->root)
		a->root = a;
	if (!a->parent || (a->parent == a && a->root != a))
		a->parent = a->root;
	a->parent->nc++;
	if (a->root != a)
		a->root->rc++;
}

void avt_av__snap_depth(struct av *a)
{
	uint32_t d = 0;

	for (struct av *p = a; p->parent != p && d < 1000; p = p->parent)
		d++;
	a->depth = d;
}
