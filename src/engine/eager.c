// SPDX-License-Identifier: MIT
/*
 * The eager anon_vma schemes, read next to eager-semantics.md §3:
 *   eager-legacy  K6: mm/rmap.c of 6.16-6.19 (this machine's 6.18)
 *   eager         K7: after "mm: clean up anon_vma implementation" (v7.0):
 *                 clone allocates all AVCs before locking and reverses the
 *                 chain order; fork allocates its own AV+AVC first and frees
 *                 them again when it reuses an ancestor (transient).
 * State: vma->anon = struct av * (vma->anon_vma), vma->chain = the
 * anon_vma_chain list (struct avc.same_vma, list_add = at head).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine/internal.h"
#include "engine/itree.h"
#include "engine/anon.h"	/* struct av, struct avc (shared with lazy_av.c) */

struct eager {
	bool k7;
	struct avt_engine *e;
	struct avt_pool av_pool, avc_pool;
	uint64_t seq;
	struct avt_list all;
	/* snapshot id -> av (open addressing) */
	uint64_t *ids;
	struct av **idav;
	size_t idcap, idn;
	struct av **snap_new;
	size_t nnew, capnew;
	uint64_t fork_multi;	/* forks where >= 2 ancestors were reusable */
	uint64_t serial;	/* last struct av serial handed out */
	/* §6 lines under lazy's names: fault-path PREPAREs (§3.3
	 * mmap_read_trylock), per explicit walk VMAs visited that do not map
	 * the folio and PTEs mapping it that the walk did not reach */
	uint64_t mmap_trylock, rmap_false_alias, rmap_misses;
};

#define EG(s) ((struct eager *)(s)->priv)
#define VAV(v) ((struct av *)(v)->anon)

/* ---- objects ---- */
static struct av *av_alloc(struct eager *g)
{
	return avt_av__new(g->e, &g->av_pool, &g->all, &g->serial);
}

static struct avc *avc_alloc(struct eager *g)
{
	return avt_avc__new(g->e, &g->avc_pool);
}

static void avc_free(struct eager *g, struct avc *c, bool transient)
{
	avt_avc__free(g->e, &g->avc_pool, c, transient);
}

static void tree_insert(struct eager *g, struct avc *c)
{
	avt_avc__tree_insert(c, &g->seq);
}

static void lock_w(struct eager *g, struct av *a, enum avt_lock_tag tag, uint32_t work)
{
	avt_engine__lock(g->e, &a->root->fam, AVT_LOCK_WRITE, tag, work);
}

/* put_anon_vma / __put_anon_vma */
static void put_av(struct eager *g, struct av *a, bool transient)
{
	avt_av__put(g->e, &g->av_pool, a, transient);
}

/* ---- questions ---- */
static bool eg_is_faulted(struct avt_scheme *s, const struct avt_vma *v)
{
	(void)s;
	return v->anon != NULL;
}

static bool eg_is_fork_child(struct avt_scheme *s, const struct avt_vma *v)
{
	(void)s;
	return v && v->anon && !avt_list_singular(&v->chain);
}

static bool eg_reusable(struct avt_scheme *s, const struct avt_vma *old)
{
	(void)s;
	return old->anon && avt_list_singular(&old->chain);
}

/* is_mergeable_anon_vma, 6.16+ form (§4.1) */
static bool eg_merge_allowed(struct avt_scheme *s, const struct avt_vma *n,
			     const struct avt_vma *range_src, const struct avt_vma *middle,
			     const struct avt_vma *copied_from, int *why)
{
	void *tgt = n->anon, *src = range_src ? range_src->anon : NULL;

	if (!tgt && src) {		/* case 1: a DUP will happen */
		if (eg_is_fork_child(s, middle)) {
			*why = AVT_MR_SRC_FORK_CHILD;
			return false;
		}
		if (eg_is_fork_child(s, copied_from)) {
			*why = AVT_MR_COPIED_FORK_CHILD;
			return false;
		}
		return true;
	}
	if (tgt && !src) {		/* case 2: use the neighbour's */
		if (eg_is_fork_child(s, n)) {
			*why = AVT_MR_TGT_FORK_CHILD;
			return false;
		}
		return true;
	}
	if (tgt != src) {		/* case 3 */
		*why = AVT_MR_DIFFERENT;
		return false;
	}
	return true;
}

static bool eg_conflict(struct avt_scheme *s, const struct avt_vma *p, const struct avt_vma *n)
{
	(void)s;
	return p->anon && n->anon && p->anon != n->anon;
}

/* ---- §3.1 PREPARE ---- */
static int eg_prepare(struct avt_scheme *s, struct avt_vma *v, struct avt_vma *reuse,
		      enum avt_prepare_site site)
{
	struct eager *g = EG(s);
	struct avc *c = avc_alloc(g);	/* allocated first, before any lock */
	struct av *x;

	if (!c)
		return -ENOMEM;
	if (site == AVT_PREP_FAULT)	/* __vmf_anon_prepare (§3.3) */
		g->mmap_trylock++;
	x = reuse ? VAV(reuse) : NULL;
	if (!x) {
		x = av_alloc(g);
		if (!x) {
			avc_free(g, c, false);
			return -ENOMEM;
		}
		x->nc = 1;		/* self-parent link of a new root */
	}
	lock_w(g, x, AVT_LT_PREPARE, 1);
	v->anon = x;
	x->na++;
	avt_avc__link(g->e, c, v, x, &g->seq);
	return 0;
}

/* ---- §3.2 CLONE ---- */
static void maybe_reuse(struct avt_vma *dst, struct av *x)
{
	if (!dst->anon && x->na == 0 && x->nc <= 1) {
		dst->anon = x;
		x->na++;
	}
}

#define CLONE_FORK 0

/* op CLONE_FORK: dst->anon is NULL and may get a reused ancestor */
static int clone_chain(struct eager *g, struct avt_vma *dst, struct avt_vma *src, int op)
{
	struct avt_list *p;
	uint32_t n = 0;
	struct av *root;

	if (!src->anon)
		return 0;
	root = VAV(src)->root;
	if (op != CLONE_FORK)
		dst->anon = src->anon;	/* vm_area_dup / dup_anon_vma */
	if (g->k7) {
		/* 1: allocate every AVC unlocked, each at the head: reversed */
		avt_list_for_each(p, &src->chain) {
			struct avc *sc = avt_container_of(p, struct avc, same_vma);
			struct avc *c = avc_alloc(g);

			if (!c)
				return -ENOMEM;
			c->vma = dst;
			c->av = sc->av;
			avt_list_add(&c->same_vma, &dst->chain);
			n++;
		}
		/* 2-3: one lock; tree inserts tail->head = src order */
		lock_w(g, root, avt_av__clone_tag(op), n);
		avt_list_for_each_reverse(p, &dst->chain) {
			struct avc *c = avt_container_of(p, struct avc, same_vma);

			tree_insert(g, c);
			if (op == CLONE_FORK)
				maybe_reuse(dst, c->av);
		}
		if (op != CLONE_FORK)
			VAV(dst)->na++;
	} else {
		/* K6: oldest first, each linked at the head: order kept */
		uint32_t total = avt_av__chain_len(src);

		lock_w(g, root, avt_av__clone_tag(op), total);
		avt_list_for_each_reverse(p, &src->chain) {
			struct avc *sc = avt_container_of(p, struct avc, same_vma);
			struct avc *c = avc_alloc(g);
			struct av *x = sc->av;

			if (!c)
				return -ENOMEM;
			c->vma = dst;
			c->av = x;
			avt_list_add(&c->same_vma, &dst->chain);
			tree_insert(g, c);
			if (op == CLONE_FORK && !dst->anon && x->nc < 2 && x->na == 0)
				dst->anon = x;
		}
		if (dst->anon)
			VAV(dst)->na++;
	}
	avt_engine__chain_len(g->e, avt_av__chain_len(dst));
	return 0;
}

static int eg_clone(struct avt_scheme *s, struct avt_vma *dst, struct avt_vma *src,
		    enum avt_clone_op op)
{
	return clone_chain(EG(s), dst, src, op);
}

/* ---- §3.3 FORK_LINK (anon_vma_fork) ---- */
static void link_own(struct eager *g, struct avt_vma *child, struct avt_vma *parent,
		     struct av *y, struct avc *a)
{
	struct av *pav = VAV(parent);

	y->na = 1;
	avt_av__set_parent(y, pav);
	child->anon = y;
	a->vma = child;
	a->av = y;
	avt_list_add(&a->same_vma, &child->chain);
	lock_w(g, y, AVT_LT_FORK_OWN, 1);
	tree_insert(g, a);
	avt_engine__chain_len(g->e, avt_av__chain_len(child));
}

static int eg_fork_link(struct avt_scheme *s, struct avt_vma *child, struct avt_vma *parent)
{
	struct eager *g = EG(s);
	struct av *y;
	struct avc *a;
	int err;

	if (!parent->anon)
		return 0;
	child->anon = NULL;
	{
		/* K6 and K7 may pick different ancestors when several qualify */
		struct avt_list *p;
		int cand = 0;

		avt_list_for_each(p, &parent->chain) {
			struct av *x = avt_container_of(p, struct avc, same_vma)->av;

			cand += x->na == 0 && x->nc <= 1;
		}
		if (cand >= 2)
			g->fork_multi++;
	}
	if (g->k7) {
		y = av_alloc(g);
		a = avc_alloc(g);
		if (!y || !a)
			return -ENOMEM;
		err = clone_chain(g, child, parent, CLONE_FORK);
		if (err)
			return err;
		if (child->anon) {	/* reused: the own pair was transient */
			g->e->st.fork_reuses++;
			avc_free(g, a, true);
			put_av(g, y, true);
			return 0;
		}
	} else {
		err = clone_chain(g, child, parent, CLONE_FORK);
		if (err)
			return err;
		if (child->anon) {
			g->e->st.fork_reuses++;
			return 0;
		}
		y = av_alloc(g);
		a = avc_alloc(g);
		if (!y || !a)
			return -ENOMEM;
	}
	link_own(g, child, parent, y, a);
	return 0;
}

/* ---- §3.4 UNLINK ---- */
static void eg_unlink(struct avt_scheme *s, struct avt_vma *v, enum avt_unlink_why why)
{
	struct eager *g = EG(s);

	(void)why;
	if (!v->anon)
		return;
	lock_w(g, VAV(v), AVT_LT_UNLINK, avt_av__chain_len(v));
	avt_av__unlink_trees(g->e, &g->avc_pool, v);
	VAV(v)->na--;
	v->anon = NULL;
	avt_av__unlink_put(g->e, &g->av_pool, &g->avc_pool, v);
}

/* ---- §3.6 RANGE_UPDATE (vma_prepare / vma_complete) ---- */
static void chain_tree_remove(struct avt_vma *v)
{
	struct avt_list *p;

	avt_list_for_each(p, &v->chain)
		avt_avc__tree_remove(avt_container_of(p, struct avc, same_vma));
}

static void chain_tree_insert(struct eager *g, struct avt_vma *v)
{
	struct avt_list *p;

	avt_list_for_each(p, &v->chain)
		tree_insert(g, avt_container_of(p, struct avc, same_vma));
}

static void eg_range_begin(struct avt_scheme *s, struct avt_vma *v, struct avt_vma *adj,
			   enum avt_range_tag tag)
{
	struct av *x = v->anon ? VAV(v) : (adj ? VAV(adj) : NULL);

	if (!x)
		return;
	lock_w(EG(s), x, avt_av__range_tag(tag), 2 * (avt_av__chain_len(v) + (adj ? avt_av__chain_len(adj) : 0)));
	chain_tree_remove(v);
	if (adj)
		chain_tree_remove(adj);
}

static void eg_range_end(struct avt_scheme *s, struct avt_vma *v, struct avt_vma *adj,
			 enum avt_range_tag tag)
{
	(void)tag;
	if (!v->anon && !(adj && adj->anon))
		return;
	chain_tree_insert(EG(s), v);
	if (adj)
		chain_tree_insert(EG(s), adj);
}

/* ---- folios ---- */
static void *eg_folio_handle(struct avt_scheme *s, struct avt_vma *v)
{
	(void)s;
	return v->anon;
}

static void *eg_folio_move(struct avt_scheme *s, struct avt_vma *v, struct avt_folio *f)
{
	(void)s;
	(void)f;
	return v->anon;
}

struct walk_ctx {
	struct avt_folio *f;
	uint32_t mapping;
};

static void walk_cb(struct avt_inode *n, void *ctx)
{
	struct walk_ctx *w = ctx;
	struct avc *c = (struct avc *)n;
	struct avt_vma *v = c->vma;
	uint64_t addr = v->start + ((w->f->index - v->pgoff) << PAGE_SHIFT);

	if (addr >= v->start && addr < v->end &&
	    avt_ptes__get(&v->mm->ptes, addr >> PAGE_SHIFT) == w->f)
		w->mapping++;
}

/* An explicit walk's §6 figures, as the lazy scheme counts them: a VMA
 * maps f when one of f's pages in it is mapped by f (a large folio:
 * several), a miss is a PTE mapping f that no visited VMA holds. Only for
 * explicit walks, never the census. */
struct pte_ctx {
	struct avt_folio *f;
	uint32_t mapping, ptes;
};

static void pte_cb(struct avt_inode *n, void *ctx)
{
	struct pte_ctx *w = ctx;
	struct avt_vma *v = ((struct avc *)n)->vma;
	uint64_t vlo = v->pgoff, vhi = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT);
	uint64_t lo = w->f->index > vlo ? w->f->index : vlo;
	uint64_t hi = w->f->index + (w->f->nr > 1 ? w->f->nr : 1), here = 0;

	if (hi > vhi)
		hi = vhi;
	for (uint64_t i = lo; i < hi; i++)
		here += avt_ptes__get(&v->mm->ptes, (v->start >> PAGE_SHIFT) + (i - v->pgoff)) ==
			w->f;
	w->ptes += (uint32_t)here;
	w->mapping += here ? 1 : 0;
}

static void walk_ptes(struct eager *g, struct avt_folio *f, struct av *x)
{
	struct pte_ctx w = { .f = f };
	uint64_t last = f->index + (f->nr > 1 ? f->nr - 1 : 0);
	uint64_t k = avt_itree__query(&x->tree, f->index, last, pte_cb, &w);

	g->rmap_false_alias += k - w.mapping;
	if (f->mapcount > w.ptes)
		g->rmap_misses += f->mapcount - w.ptes;
}

/* rmap_walk_anon: T(F.mapping), not its root's tree */
static void eg_rmap_walk(struct avt_scheme *s, struct avt_folio *f, bool lock,
			 struct avt_rmap_result *res)
{
	struct av *x = f->mapping;
	struct walk_ctx w = { .f = f };

	memset(res, 0, sizeof(*res));
	if (!x || x->magic != AV_MAGIC)
		return;
	/* a large folio: every VMA overlapping [index, index + nr - 1] */
	res->visited = (uint32_t)avt_itree__query(&x->tree, f->index, f->index + f->nr - 1,
						  walk_cb, &w);
	res->mapping = w.mapping;
	res->tree_size = (uint32_t)x->tree.n;
	if (!lock)
		return;
	avt_engine__lock(EG(s)->e, &x->root->fam, AVT_LOCK_READ, AVT_LT_RMAP,
			 res->visited);
	walk_ptes(EG(s), f, x);
}

static void eg_pt_move_lock(struct avt_scheme *s, struct avt_vma *v, enum avt_lock_tag tag)
{
	if (v->anon)
		lock_w(EG(s), VAV(v), tag, 0);
}

static void eg_uffd_move_lock(struct avt_scheme *s, struct avt_folio *f)
{
	struct av *x = f->mapping;

	if (x && x->magic == AV_MAGIC)
		lock_w(EG(s), x, AVT_LT_UFFD_MOVE, 0);
}

/* ---- snapshots: opaque ids -> objects ---- */
static struct av **id_slot(struct eager *g, uint64_t id)
{
	size_t i, mask;

	if ((g->idn + 1) * 2 > g->idcap) {
		size_t nc = g->idcap ? g->idcap * 2 : 256;
		uint64_t *ni = calloc(nc, sizeof(*ni));
		struct av **na = calloc(nc, sizeof(*na));

		if (!ni || !na) {
			free(ni);
			free(na);
			return NULL;
		}
		for (i = 0; i < g->idcap; i++) {
			size_t j;

			if (!g->ids[i])
				continue;
			for (j = (g->ids[i] * 0x9e3779b97f4a7c15ULL) >> 40 & (nc - 1); ni[j];
			     j = (j + 1) & (nc - 1))
				;
			ni[j] = g->ids[i];
			na[j] = g->idav[i];
		}
		free(g->ids);
		free(g->idav);
		g->ids = ni;
		g->idav = na;
		g->idcap = nc;
	}
	mask = g->idcap - 1;
	for (i = (id * 0x9e3779b97f4a7c15ULL) >> 40 & mask; g->ids[i]; i = (i + 1) & mask)
		if (g->ids[i] == id)
			return &g->idav[i];
	g->ids[i] = id;
	g->idav[i] = NULL;
	g->idn++;
	return &g->idav[i];
}

static struct av *snap_av(struct eager *g, uint64_t id)
{
	struct av **slot;
	struct av *a;

	if (!id)
		return NULL;
	slot = id_slot(g, id);
	if (!slot)
		return NULL;
	a = *slot;
	/* an id whose object died since is a new object (ids may be reused) */
	if (a && a->magic == AV_MAGIC && a->snap_id == id)
		return a;
	a = avt_pool__alloc(&g->av_pool);
	if (!a)
		return NULL;
	a->root = NULL;
	a->parent = NULL;
	a->rc = 1;
	a->magic = AV_MAGIC;
	a->serial = ++g->serial;
	a->snap_id = id;
	avt_list_add_tail(&a->all, &g->all);
	avt_lock_family__init(g->e, &a->fam);
	avt_engine__av_seeded(g->e);
	*slot = a;
	if (g->nnew == g->capnew) {
		size_t nc = g->capnew ? g->capnew * 2 : 64;
		struct av **nn = realloc(g->snap_new, nc * sizeof(*nn));

		if (nn) {
			g->snap_new = nn;
			g->capnew = nc;
		}
	}
	if (g->nnew < g->capnew)
		g->snap_new[g->nnew++] = a;
	return a;
}

static int eg_snap_vma(struct avt_scheme *s, struct avt_vma *v, const struct avt_ev_snap_vma *sv)
{
	struct eager *g = EG(s);
	struct av *x, *root;
	uint32_t n = sv->nr_avc_ids;

	if (!sv->av)
		return 0;
	x = snap_av(g, sv->av);
	root = snap_av(g, sv->root ? sv->root : sv->av);
	if (!x || !root)
		return -ENOMEM;
	avt_av__snap_attach(v, x, root, !x->parent && sv->parent ? snap_av(g, sv->parent) : NULL);
	if (n > AVT_SNAP_MAX_AVC)
		n = AVT_SNAP_MAX_AVC;
	if (sv->nr_avcs > n)
		g->e->st.snap_truncated++;
	/* list_add from the tail of the listing back to the head keeps order */
	for (int i = (int)n - 1; i >= -2; i--) {
		uint64_t id = i >= 0 ? sv->avc_av[i] : (i == -1 ? sv->av : (sv->root ? sv->root : sv->av));
		struct av *y = snap_av(g, id);
		struct avt_list *p;
		bool have = false;
		struct avc *c;

		if (!y)
			return -ENOMEM;
		avt_list_for_each(p, &v->chain)
			if (avt_container_of(p, struct avc, same_vma)->av == y)
				have = true;
		if (have)
			continue;
		if (!y->root)
			y->root = root;
		c = avt_pool__alloc(&g->avc_pool);
		if (!c)
			return -ENOMEM;
		avt_list_init(&c->same_vma);
		avt_engine__avc_seeded(g->e);
		c->vma = v;
		c->av = y;
		if (i >= 0)
			avt_list_add(&c->same_vma, &v->chain);
		else
			avt_list_add_tail(&c->same_vma, &v->chain);
		tree_insert(g, c);
	}
	return 0;
}

static void eg_snap_end(struct avt_scheme *s)
{
	struct eager *g = EG(s);

	for (size_t i = 0; i < g->nnew; i++)
		avt_av__snap_settle(g->snap_new[i]);
	for (size_t i = 0; i < g->nnew; i++)
		avt_av__snap_depth(g->snap_new[i]);
	g->nnew = 0;
}

/* ---- introspection ---- */
static void eg_vma_state(struct avt_scheme *s, const struct avt_vma *v, struct avt_vma_state *st)
{
	struct av *x = v->anon;

	(void)s;
	memset(st, 0, sizeof(*st));
	if (!x)
		return;
	st->av = x;
	st->root = x->root;
	st->parent = x->parent;
	st->children = x->nc;
	st->av_serial = x->serial;
	st->root_serial = x->root ? x->root->serial : 0;
	st->parent_serial = x->parent ? x->parent->serial : 0;
	{
		const struct avt_list *p;

		avt_list_for_each(p, &v->chain) {
			if (st->nr_chain == AVT_SNAP_MAX_AVC)
				break;
			st->chain_serial[st->nr_chain++] =
				avt_container_of(p, struct avc, same_vma)->av->serial;
		}
	}
	st->active = x->na;
	st->avcs = avt_av__chain_len(v);
}

static int eg_check(struct avt_scheme *s, char *why, size_t len)
{
	struct eager *g = EG(s);
	struct avt_engine *e = g->e;
	struct avt_list *p;
	uint64_t avcs = 0, nav = avt_av__check_begin(&g->all);
	int err;

	for (struct avt_mm *mm = e->mms; mm; mm = mm->all_next) {
		struct avt_vma *v;

		avt_for_each_vma(mm, v) {
			struct av *x = v->anon;
			bool has_av = false, has_root = false;

			if (!x) {
				if (!avt_list_empty(&v->chain)) {
					snprintf(why, len, "I4: unfaulted VMA %#llx has AVCs",
						 (unsigned long long)v->start);
					return -EPROTO;
				}
				continue;
			}
			if (x->magic != AV_MAGIC) {
				snprintf(why, len, "I5: VMA %#llx points at a freed anon_vma",
					 (unsigned long long)v->start);
				return -EPROTO;
			}
			x->chk_na++;
			avt_list_for_each(p, &v->chain) {
				struct avc *c = avt_container_of(p, struct avc, same_vma);
				uint64_t last = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT) - 1;
				struct avt_list *q;

				avcs++;
				if (c->vma != v || c->av->magic != AV_MAGIC) {
					snprintf(why, len, "I3: AVC of VMA %#llx is stale",
						 (unsigned long long)v->start);
					return -EPROTO;
				}
				if (c->node.start != v->pgoff || c->node.last != last) {
					snprintf(why, len, "I3: AVC key of VMA %#llx is [%#llx,%#llx], VMA pgoff range [%#llx,%#llx]",
						 (unsigned long long)v->start,
						 (unsigned long long)c->node.start,
						 (unsigned long long)c->node.last,
						 (unsigned long long)v->pgoff, (unsigned long long)last);
					return -EPROTO;
				}
				if (c->av->root != x->root) {
					snprintf(why, len, "I4: chain of VMA %#llx mixes roots",
						 (unsigned long long)v->start);
					return -EPROTO;
				}
				for (q = p->next; q != &v->chain; q = q->next)
					if (avt_container_of(q, struct avc, same_vma)->av == c->av) {
						snprintf(why, len, "I4: anon_vma twice in chain of VMA %#llx",
							 (unsigned long long)v->start);
						return -EPROTO;
					}
				c->av->chk_tree++;
				has_av |= c->av == x;
				has_root |= c->av == x->root;
			}
			if (!has_av || !has_root) {
				snprintf(why, len, "I4: chain of VMA %#llx lacks its %s",
					 (unsigned long long)v->start, has_av ? "root" : "anon_vma");
				return -EPROTO;
			}
		}
	}
	err = avt_av__check_end(e, &g->all, avcs, nav, "", why, len);
	if (err)
		return err;
	/* I6: VMAs of one mm with the same av link the same set of AVs
	 * (compared by size and two order-independent sums of the set) */
	for (struct avt_mm *mm = e->mms; mm; mm = mm->all_next) {
		struct avt_vma *v, *w;

		avt_for_each_vma(mm, v) {
			uint64_t xs = 0, sum = 0, n = 0;

			if (!v->anon)
				continue;
			avt_list_for_each(p, &v->chain) {
				uintptr_t a = (uintptr_t)avt_container_of(p, struct avc, same_vma)->av;

				xs ^= a * 0x9e3779b97f4a7c15ULL;
				sum += a;
				n++;
			}
			v->sw = (uintptr_t)(xs ^ (sum << 1) ^ n);
		}
		avt_for_each_vma(mm, v) {
			int k = 0;

			if (!v->anon)
				continue;
			/* the nearest other VMA with the same av within 64
			 * (splits sit close; a full check is quadratic) */
			for (w = v->next; w && w->anon != v->anon && k < 64; w = w->next, k++)
				;
			if (w && w->anon == v->anon && w->sw != v->sw) {
				snprintf(why, len, "I6: VMAs %#llx and %#llx share an anon_vma but not their chains' AVs",
					 (unsigned long long)v->start, (unsigned long long)w->start);
				return -EPROTO;
			}
		}
	}
	/* I7: each mapped folio's AV is alive and links the mapping VMA */
	for (struct avt_mm *mm = e->mms; mm; mm = mm->all_next) {
		struct avt_pte_iter it;
		struct avt_folio *f;
		uint64_t pfn;

		avt_ptes__iter(&mm->ptes, &it);
		while ((f = avt_ptes__next(&it, &pfn))) {
			struct avt_vma *v;
			struct av *x;
			bool found = false;
			uint64_t idx;

			x = f->mapping;
			v = avt_mm__find(mm, pfn << PAGE_SHIFT);
			if (!v || !x || x->magic != AV_MAGIC) {
				snprintf(why, len, "I7: folio at %#llx %s",
					 (unsigned long long)(pfn << PAGE_SHIFT),
					 v ? "has a dead anon_vma" : "is outside every VMA");
				return -EPROTO;
			}
			avt_list_for_each(p, &v->chain)
				if (avt_container_of(p, struct avc, same_vma)->av == x)
					found = true;
			idx = v->pgoff + (((pfn << PAGE_SHIFT) - v->start) >> PAGE_SHIFT);
			if (!found || idx < f->index || idx >= f->index + f->nr) {
				snprintf(why, len, "I7: folio at %#llx not reachable by rmap (%s)",
					 (unsigned long long)(pfn << PAGE_SHIFT),
					 found ? "index" : "anon_vma not in chain");
				return -EPROTO;
			}
		}
	}
	return 0;
}

/* Per fork family (root) at the end: how many live, the largest by
 * anon_vmas and by AVCs (sum of its trees). */
static void family_sizes(struct eager *g, FILE *out, const char *pfx, const char *want,
			 double *val)
{
	struct avt_list *p;
	uint64_t fams = 0, max_av = 0, max_avc = 0;

	avt_list_for_each(p, &g->all) {
		struct av *a = avt_container_of(p, struct av, all);

		a->root->chk_na = a->root->chk_tree = 0;
	}
	avt_list_for_each(p, &g->all) {
		struct av *a = avt_container_of(p, struct av, all);

		a->root->chk_na++;
		a->root->chk_tree += (uint32_t)a->tree.n;
	}
	avt_list_for_each(p, &g->all) {
		struct av *a = avt_container_of(p, struct av, all);

		if (a->root != a)
			continue;
		fams++;
		if (a->chk_na > max_av)
			max_av = a->chk_na;
		if (a->chk_tree > max_avc)
			max_avc = a->chk_tree;
	}
	if (out) {
		fprintf(out, "%sfamily.live %llu\n", pfx, (unsigned long long)fams);
		fprintf(out, "%sfamily.anon_vmas.max %llu\n", pfx, (unsigned long long)max_av);
		fprintf(out, "%sfamily.avcs.max %llu\n", pfx, (unsigned long long)max_avc);
	}
	if (want && val) {
		if (!strcmp(want, "family.live"))
			*val = (double)fams;
		else if (!strcmp(want, "family.anon_vmas.max"))
			*val = (double)max_av;
		else if (!strcmp(want, "family.avcs.max"))
			*val = (double)max_avc;
	}
}

static void eg_report(struct avt_scheme *s, FILE *out, const char *pfx)
{
	struct eager *g = EG(s);
	struct avt_list *p;
	uint64_t depth_max = 0, nc_max = 0, avcs_max = 0, avcs_sum = 0, n = 0;
	uint64_t depth_sum = 0;

	avt_list_for_each(p, &g->all) {
		struct av *a = avt_container_of(p, struct av, all);

		n++;
		if (a->depth > depth_max)
			depth_max = a->depth;
		depth_sum += a->depth;
		if (a->nc > nc_max)
			nc_max = a->nc;
		if (a->tree.n > avcs_max)
			avcs_max = a->tree.n;
		avcs_sum += a->tree.n;
	}
	fprintf(out, "%sanon_vma.depth.max %llu\n", pfx, (unsigned long long)depth_max);
	fprintf(out, "%sanon_vma.depth.mean %.3f\n", pfx, n ? (double)depth_sum / n : 0.0);
	fprintf(out, "%sanon_vma.num_children.max %llu\n", pfx, (unsigned long long)nc_max);
	fprintf(out, "%sanon_vma.avcs.max %llu\n", pfx, (unsigned long long)avcs_max);
	fprintf(out, "%sanon_vma.avcs.mean %.3f\n", pfx, n ? (double)avcs_sum / n : 0.0);
	fprintf(out, "%sfork.multi_candidates %llu\n", pfx, (unsigned long long)g->fork_multi);
	family_sizes(g, out, pfx, NULL, NULL);
	fprintf(out, "%smmap_read_trylock %llu\n", pfx, (unsigned long long)g->mmap_trylock);
	fprintf(out, "%srmap.false_alias %llu\n", pfx, (unsigned long long)g->rmap_false_alias);
	fprintf(out, "%srmap.misses %llu\n", pfx, (unsigned long long)g->rmap_misses);
	avt_report__active_kb(g->e, out, pfx, true);
}

static int eg_metric(struct avt_scheme *s, const char *name, double *val)
{
	struct eager *g = EG(s);
	struct avt_list *p;
	uint64_t depth_max = 0, nc_max = 0, avcs_max = 0;

	avt_list_for_each(p, &g->all) {
		struct av *a = avt_container_of(p, struct av, all);

		if (a->depth > depth_max)
			depth_max = a->depth;
		if (a->nc > nc_max)
			nc_max = a->nc;
		if (a->tree.n > avcs_max)
			avcs_max = a->tree.n;
	}
	if (!strcmp(name, "anon_vma.depth.max"))
		*val = (double)depth_max;
	else if (!strcmp(name, "anon_vma.num_children.max"))
		*val = (double)nc_max;
	else if (!strcmp(name, "anon_vma.avcs.max"))
		*val = (double)avcs_max;
	else if (!strcmp(name, "fork.multi_candidates"))
		*val = (double)g->fork_multi;
	else if (!strcmp(name, "mmap_read_trylock"))
		*val = (double)g->mmap_trylock;
	else if (!strcmp(name, "rmap.false_alias"))
		*val = (double)g->rmap_false_alias;
	else if (!strcmp(name, "rmap.misses"))
		*val = (double)g->rmap_misses;
	else if (!strncmp(name, "active_kb.", 10))
		return avt_report__active_kb_metric(g->e, name, val);
	else if (!strncmp(name, "family.", 7)) {
		*val = -1;
		family_sizes(g, NULL, NULL, name, val);
		if (*val < 0)
			return -ENOENT;
	} else
		return -ENOENT;
	return 0;
}

/* ---- lifetime ---- */
static int eg_init_common(struct avt_scheme *s, bool k7)
{
	struct eager *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	g->k7 = k7;
	g->e = s->eng;
	avt_pool__init(&g->av_pool, sizeof(struct av));
	avt_pool__init(&g->avc_pool, sizeof(struct avc));
	avt_list_init(&g->all);
	s->priv = g;
	return 0;
}

static int eg_init_k7(struct avt_scheme *s, const char *params)
{
	(void)params;
	return eg_init_common(s, true);
}

static int eg_init_k6(struct avt_scheme *s, const char *params)
{
	(void)params;
	return eg_init_common(s, false);
}

static void eg_fini(struct avt_scheme *s)
{
	struct eager *g = EG(s);

	if (!g)
		return;
	avt_pool__fini(&g->av_pool);
	avt_pool__fini(&g->avc_pool);
	free(g->ids);
	free(g->idav);
	free(g->snap_new);
	free(g);
	s->priv = NULL;
}

#define EAGER_OPS(NAME, INIT) {						\
	.name = NAME,							\
	.init = INIT,							\
	.fini = eg_fini,						\
	.is_faulted = eg_is_faulted,					\
	.is_fork_child = eg_is_fork_child,				\
	.reusable_neighbour = eg_reusable,				\
	.anon_merge_allowed = eg_merge_allowed,				\
	.anon_conflict = eg_conflict,					\
	.prepare = eg_prepare,						\
	.clone = eg_clone,						\
	.fork_link = eg_fork_link,					\
	.unlink = eg_unlink,						\
	.range_begin = eg_range_begin,					\
	.range_end = eg_range_end,					\
	.folio_handle = eg_folio_handle,				\
	.folio_move = eg_folio_move,					\
	.rmap_walk = eg_rmap_walk,					\
	.pt_move_lock = eg_pt_move_lock,				\
	.uffd_move_lock = eg_uffd_move_lock,				\
	.snap_vma = eg_snap_vma,					\
	.snap_end = eg_snap_end,					\
	.vma_state = eg_vma_state,					\
	.check = eg_check,						\
	.report = eg_report,						\
	.metric = eg_metric,						\
}

const struct avt_scheme_ops avt_scheme_eager = EAGER_OPS("eager", eg_init_k7);
const struct avt_scheme_ops avt_scheme_eager_legacy = EAGER_OPS("eager-legacy", eg_init_k6);
