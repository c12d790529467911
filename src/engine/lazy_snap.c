// SPDX-License-Identifier: MIT
/*
 * Processes that existed before recording, rebuilt from snapshots under
 * the lazy scheme. The kernel's state is eager; its lazy counterpart is:
 *  - a VMA whose anon_vma was never shared (one AVC, its own root, one
 *    active VMA, no child anon_vma) would have been LAZY: it becomes LAZY,
 *    its own root (the snapshot has no folios, so nothing is rewritten);
 *  - any other faulted VMA keeps the kernel's anon_vma state as EAGER
 *    (objects "seeded", not allocated; ids as in eager.c's rebuild).
 * PARENT cannot be told from a snapshot (the kernel gave the child its own
 * anon_vma), so fork children recorded before the trace stay EAGER.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine/lazy.h"
#include "util/mem.h"

static struct av *snap_av(struct lazy *z, uint64_t id)
{
	struct av *a;

	if (!id)
		return NULL;
	/* ids are shared across snapshots (a child's chain names its
	 * parent's AVs); an id whose object died since is a new object */
	for (size_t i = z->nsmap; i-- > 0;)
		if (z->smap[i].id == id) {
			a = z->smap[i].av;
			if (a->magic == AV_MAGIC && a->serial == z->smap[i].serial)
				return a;
			break;
		}
	if (avt_mem__grow((void **)&z->smap, &z->capsmap, z->nsmap, sizeof(*z->smap), 64))
		return NULL;
	a = avt_pool__alloc(&z->av_pool);
	if (!a)
		return NULL;
	a->rc = 1;
	a->magic = AV_MAGIC;
	a->serial = ++z->av_serial;
	avt_list_add_tail(&a->all, &z->avs);
	avt_lock_family__init(z->e, &a->fam);
	avt_engine__av_seeded(z->e);
	z->smap[z->nsmap].id = id;
	z->smap[z->nsmap].av = a;
	z->smap[z->nsmap].serial = a->serial;
	z->nsmap++;
	return a;
}

static int seed_avc(struct lazy *z, struct avt_vma *v, struct av *a, bool head)
{
	struct avc *c;

	if (lav__in_chain(v, a))
		return 0;
	c = avt_pool__alloc(&z->avc_pool);
	if (!c)
		return -ENOMEM;
	avt_list_init(&c->same_vma);
	avt_engine__avc_seeded(z->e);
	c->vma = v;
	c->av = a;
	if (head)
		avt_list_add(&c->same_vma, &v->chain);
	else
		avt_list_add_tail(&c->same_vma, &v->chain);
	c->node.start = v->pgoff;
	c->node.last = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT) - 1;
	c->node.seq = ++z->seq;
	avt_itree__insert(&a->tree, &c->node);
	return 0;
}

int lazy_snap__vma(struct lazy *z, struct avt_vma *v, const struct avt_ev_snap_vma *sv)
{
	uint64_t root_id = sv->root ? sv->root : sv->av;
	struct av *x, *root;
	uint32_t n = sv->nr_avc_ids < AVT_SNAP_MAX_AVC ? sv->nr_avc_ids : AVT_SNAP_MAX_AVC;

	if (!sv->av)
		return 0;
	if (sv->nr_avcs <= 1 && root_id == sv->av && sv->num_active <= 1 &&
	    sv->num_children <= 1 && !(v->flags & VM_SHARED)) {
		struct lroot *r = lazy__root_new(z, v);

		if (!r)
			return -ENOMEM;
		v->sw = (uintptr_t)r | SW_ROOTSTRUCT | LK_LAZY;
		if (++z->st.kind_live[LK_LAZY] > z->st.kind_peak[LK_LAZY])
			z->st.kind_peak[LK_LAZY] = z->st.kind_live[LK_LAZY];
		z->st.snap_lazy++;
		return 0;
	}
	x = snap_av(z, sv->av);
	root = snap_av(z, root_id);
	if (!x || !root)
		return -ENOMEM;
	avt_av__snap_attach(v, x, root, !x->parent && sv->parent ? snap_av(z, sv->parent) : NULL);
	v->sw = LK_EAGER;
	if (++z->st.kind_live[LK_EAGER] > z->st.kind_peak[LK_EAGER])
		z->st.kind_peak[LK_EAGER] = z->st.kind_live[LK_EAGER];
	z->st.snap_eager++;
	if (sv->nr_avcs > n)
		z->e->st.snap_truncated++;
	/* listed chain (head first), then the VMA's own AV and its root */
	for (int i = (int)n - 1; i >= 0; i--) {
		struct av *y = snap_av(z, sv->avc_av[i]);

		if (!y || seed_avc(z, v, y, true))
			return -ENOMEM;
		if (!y->root)
			y->root = root;
	}
	if (seed_avc(z, v, x, false) || seed_avc(z, v, root, false))
		return -ENOMEM;
	return 0;
}

/* Links the snapshot did not state: roots, parents, counts, depths. */
void lazy_snap__end(struct lazy *z)
{
	for (size_t i = z->snap_mark; i < z->nsmap; i++)
		avt_av__snap_settle(z->smap[i].av);
	for (size_t i = z->snap_mark; i < z->nsmap; i++)
		avt_av__snap_depth(z->smap[i].av);
	z->snap_mark = z->nsmap;
}
