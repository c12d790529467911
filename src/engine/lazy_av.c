// SPDX-License-Identifier: MIT
/*
 * The anon_vma side of the lazy scheme: what its EAGER and PARENT VMAs do
 * (lazy-semantics.md §4.2, §3.2-3.3 = eager-semantics.md §3, K7 code).
 * It uses eager.c's objects (struct av, struct avc, anon.h) and mirrors
 * its counts (it must: a lazy VMA that went EAGER behaves exactly as
 * eager), plus what PARENT needs and eager lacks:
 * a chain with no own anon_vma (vma->anon holds parent_av and is not
 * counted in num_active_vmas), and the ancestor reuse of an upgrade.
 */
#include <errno.h>
#include <string.h>
#include "engine/lazy.h"

static struct av *lav_alloc(struct lazy *z)
{
	struct av *a = avt_av__new(z->e, &z->av_pool, &z->avs, &z->av_serial);

	if (a)
		lav__meta_update(z);
	return a;
}

static struct avc *lavc_alloc(struct lazy *z)
{
	struct avc *c = avt_avc__new(z->e, &z->avc_pool);

	if (c)
		lav__meta_update(z);
	return c;
}

static void lavc_free(struct lazy *z, struct avc *c, bool transient)
{
	avt_avc__free(z->e, &z->avc_pool, c, transient);
}

/* meta_bytes (§6): 104 AV + 64 AVC + 192 zombie + extra per VMA/zombie;
 * the peak is taken after every single allocation, free and zombie change. */
void lav__meta_update(struct lazy *z)
{
	struct avt_engine *e = z->e;
	uint64_t extra = VMA_BYTES * z->st.zombie_live +
			 z->o.vma_extra_bytes * (e->st.vma.live + z->st.zombie_live);
	uint64_t m = AV_BYTES * e->st.av.live + AVC_BYTES * e->st.avc.live + extra;

	e->st.meta_scheme_live = extra;	/* the engine's meta.end includes it */
	e->st.vma_zombie_live = z->st.zombie_live;	/* active_kb at checkpoints */

	if (m > z->st.meta_peak)
		z->st.meta_peak = m;
	if (m > e->st.meta_peak)
		e->st.meta_peak = m;
}

static void tree_insert(struct lazy *z, struct avc *c)
{
	avt_avc__tree_insert(c, &z->seq);
}


/*
 * vma_is_fork_child for an EAGER VMA: the kernel's !list_is_singular(chain)
 * is eager's answer because an eager fork child always has its own AV next
 * to the inherited ones (or reuses an idle ancestor while inheriting two or
 * more). A PARENT VMA upgraded with upgrade_reuse_ancestor (§4.4 step 2)
 * can end with a single inherited AVC, where the same VMA under eager has
 * a chain of two or more; it stays a fork child, as the PARENT VMA it was
 * (§4.2: the fork-child and neighbour-reuse tests must keep the two
 * schemes' layouts identical except where H5 says otherwise).
 */
bool lav__fork_child(const struct avt_vma *v)
{
	if (avt_list_empty(&v->chain))
		return false;
	return !avt_list_singular(&v->chain) ||
	       avt_container_of(v->chain.next, struct avc, same_vma)->inherited;
}

bool lav__in_chain(const struct avt_vma *v, const struct av *a)
{
	const struct avt_list *p;

	avt_list_for_each(p, &v->chain)
		if (avt_container_of(p, struct avc, same_vma)->av == a)
			return true;
	return false;
}

static struct av *chain_root(const struct avt_vma *v)
{
	if (avt_list_empty(&v->chain))
		return NULL;
	return avt_container_of(v->chain.next, struct avc, same_vma)->av->root;
}

void lav__lock(struct lazy *z, struct av *a, enum avt_lock_mode mode, enum avt_lock_tag tag,
	       uint32_t work)
{
	avt_engine__lock(z->e, &a->root->fam, mode, tag, work);
}

static void put_av(struct lazy *z, struct av *a, bool transient)
{
	avt_av__put(z->e, &z->av_pool, a, transient);
}

struct av *lav__new_root(struct lazy *z)
{
	struct av *a = lav_alloc(z);

	if (a)
		a->nc = 1;		/* self-parent link of a new root */
	return a;
}

/* A new non-root AV under parent (anon_vma_fork's own AV, or an upgrade of
 * a PARENT VMA without a reusable ancestor). */
struct av *lav__alloc_child(struct lazy *z, struct av *parent)
{
	struct av *y = lav_alloc(z);

	if (y)
		avt_av__set_parent(y, parent);
	return y;
}

/* One AVC v -> a at the head of chain(v), inserted into T(a). The caller
 * holds (and has counted) the root lock. */
void lav__link(struct lazy *z, struct avt_vma *v, struct av *a)
{
	struct avc *c = lavc_alloc(z);

	if (c)
		avt_avc__link(z->e, c, v, a, &z->seq);
}

/* __anon_vma_prepare (§3.1) for a VMA that goes EAGER at its first fault:
 * AVC first, then the neighbour's AV (reuse) or a new root. */
int lav__prepare(struct lazy *z, struct avt_vma *v, struct av *reuse)
{
	struct avc *c = lavc_alloc(z);
	struct av *x = reuse;

	if (!c)
		return -ENOMEM;
	if (!x) {
		x = lav__new_root(z);
		if (!x) {
			lavc_free(z, c, false);
			return -ENOMEM;
		}
	}
	lav__lock(z, x, AVT_LOCK_WRITE, AVT_LT_PREPARE, 1);
	v->anon = x;
	x->na++;
	avt_avc__link(z->e, c, v, x, &z->seq);
	return 0;
}

/*
 * anon_vma_clone, K7 (eager-semantics §3.2): every AVC allocated first and
 * added at the head (reversed order), then one root lock for the inserts.
 * fork_reuse: dst->anon is NULL and may take an ancestor (maybe_reuse).
 * Otherwise dst->anon is set by the caller (vm_area_dup / dup_anon_vma).
 */
int lav__clone(struct lazy *z, struct avt_vma *dst, struct avt_vma *src, int op, bool fork_reuse)
{
	struct av *root = chain_root(src);
	struct avt_list *p;
	uint32_t n = 0;

	if (!root)
		return 0;
	avt_list_for_each(p, &src->chain) {
		struct avc *sc = avt_container_of(p, struct avc, same_vma);
		struct avc *c = lavc_alloc(z);

		if (!c)
			return -ENOMEM;
		c->vma = dst;
		c->av = sc->av;
		c->inherited = op == LAV_CLONE_FORK || sc->inherited;
		avt_list_add(&c->same_vma, &dst->chain);
		n++;
	}
	lav__lock(z, root, AVT_LOCK_WRITE, avt_av__clone_tag(op), n);
	avt_list_for_each_reverse(p, &dst->chain) {
		struct avc *c = avt_container_of(p, struct avc, same_vma);

		tree_insert(z, c);
		if (fork_reuse && !dst->anon && c->av->na == 0 && c->av->nc <= 1) {
			dst->anon = c->av;
			c->av->na++;
		}
	}
	avt_engine__chain_len(z->e, avt_av__chain_len(dst));
	return 0;
}

/* anon_vma_fork, K7 (§3.3): own AV+AVC first, clone with reuse, free the
 * pair again (transient) when an ancestor was reused. Used by
 * lazy_child_mode=eager. */
int lav__fork_eager(struct lazy *z, struct avt_vma *child, struct avt_vma *parent)
{
	struct av *pav = parent->anon, *y;
	struct avc *a;
	int err;

	child->anon = NULL;
	y = lav_alloc(z);
	a = lavc_alloc(z);
	if (!y || !a)
		return -ENOMEM;
	err = lav__clone(z, child, parent, LAV_CLONE_FORK, true);
	if (err)
		return err;
	if (child->anon) {
		z->e->st.fork_reuses++;
		lavc_free(z, a, true);
		put_av(z, y, true);
		return 0;
	}
	y->na = 1;
	avt_av__set_parent(y, pav);
	child->anon = y;
	a->vma = child;
	a->av = y;
	avt_list_add(&a->same_vma, &child->chain);
	lav__lock(z, y, AVT_LOCK_WRITE, AVT_LT_FORK_OWN, 1);
	tree_insert(z, a);
	avt_engine__chain_len(z->e, avt_av__chain_len(child));
	return 0;
}

/* unlink_anon_vmas (§3.4). An EAGER VMA drops its num_active_vmas; a PARENT
 * VMA (vma->anon = parent_av) never held one. */
void lav__unlink(struct lazy *z, struct avt_vma *v)
{
	struct av *root = chain_root(v);

	if (!root)
		return;
	lav__lock(z, root, AVT_LOCK_WRITE, AVT_LT_UNLINK, avt_av__chain_len(v));
	avt_av__unlink_trees(z->e, &z->avc_pool, v);
	if (vkind(v) == LK_EAGER && v->anon)
		((struct av *)v->anon)->na--;	/* a PARENT VMA never held one */
	v->anon = NULL;
	avt_av__unlink_put(z->e, &z->av_pool, &z->avc_pool, v);
}

/* vma_prepare / vma_complete (§3.6): only VMAs with a chain (EAGER,
 * PARENT) are in interval trees; LAZY and NONE take no anon lock. */
void lav__range_begin(struct lazy *z, struct avt_vma *v, struct avt_vma *adj,
		      enum avt_range_tag tag)
{
	struct av *root = chain_root(v);
	struct avt_list *p;

	if (!root && adj)
		root = chain_root(adj);
	if (!root)
		return;
	lav__lock(z, root, AVT_LOCK_WRITE, avt_av__range_tag(tag),
		  2 * (avt_av__chain_len(v) + (adj ? avt_av__chain_len(adj) : 0)));
	avt_list_for_each(p, &v->chain)
		avt_avc__tree_remove(avt_container_of(p, struct avc, same_vma));
	if (adj)
		avt_list_for_each(p, &adj->chain)
			avt_avc__tree_remove(avt_container_of(p, struct avc, same_vma));
}

void lav__range_end(struct lazy *z, struct avt_vma *v, struct avt_vma *adj)
{
	struct avt_list *p;

	avt_list_for_each(p, &v->chain)
		tree_insert(z, avt_container_of(p, struct avc, same_vma));
	if (adj)
		avt_list_for_each(p, &adj->chain)
			tree_insert(z, avt_container_of(p, struct avc, same_vma));
}

/* ---- eager rmap walk (rmap_walk_anon) with the §4.5 eager costs ---- */
struct walk_ctx {
	struct avt_folio *f;
	uint32_t mapping;	/* VMAs mapping f */
	uint32_t ptes;		/* PTEs of f found (a large folio: several per VMA) */
};

/* The pages of f inside v: [index, index + nr) at v's linear addresses */
static void walk_cb(struct avt_inode *n, void *ctx)
{
	struct walk_ctx *w = ctx;
	struct avc *c = (struct avc *)n;
	struct avt_vma *v = c->vma;
	uint64_t vlo = v->pgoff, vhi = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT);
	uint64_t lo = w->f->index > vlo ? w->f->index : vlo;
	uint64_t hi = w->f->index + w->f->nr, here = 0;

	if (w->f->nr <= 1)
		hi = w->f->index + 1;
	if (hi > vhi)
		hi = vhi;
	for (uint64_t i = lo; i < hi; i++) {
		uint64_t addr = v->start + ((i - v->pgoff) << PAGE_SHIFT);

		here += avt_ptes__get(&v->mm->ptes, addr >> PAGE_SHIFT) == w->f;
	}
	w->ptes += (uint32_t)here;
	w->mapping += here ? 1 : 0;
}

struct dom_ctx {
	struct avt_mm *mms[64];
	uint32_t nmms, vmas;
	bool overflow;
};

static void dom_cb(struct avt_inode *n, void *ctx)
{
	struct dom_ctx *d = ctx;
	struct avt_mm *mm = ((struct avc *)n)->vma->mm;

	d->vmas++;
	for (uint32_t i = 0; i < d->nmms; i++)
		if (d->mms[i] == mm)
			return;
	if (d->nmms < 64)
		d->mms[d->nmms++] = mm;
	else
		d->overflow = true;
}

void lav__walk(struct lazy *z, struct avt_folio *f, struct av *a, bool lock,
	       struct avt_rmap_result *res)
{
	struct walk_ctx w = { .f = f };

	memset(res, 0, sizeof(*res));
	if (!a || a->magic != AV_MAGIC)
		return;
	/* a large folio: every VMA overlapping [index, index + nr - 1] */
	res->visited = (uint32_t)avt_itree__query(&a->tree, f->index,
						  f->index + (f->nr > 1 ? f->nr - 1 : 0), walk_cb, &w);
	res->mapping = w.mapping;
	res->tree_size = (uint32_t)a->tree.n;
	if (!lock)
		return;
	lav__lock(z, a, AVT_LOCK_READ, AVT_LT_RMAP, res->visited);
	/* lock-sharing domain: every VMA whose chain contains the locked root */
	{
		struct dom_ctx d = { .nmms = 0 };

		avt_itree__each(&a->root->tree, dom_cb, &d);
		z->st.rmap_domain_vmas_sum += d.vmas;
		z->st.rmap_domain_mms_sum += d.nmms;
		if (d.vmas > z->st.rmap_domain_vmas_max)
			z->st.rmap_domain_vmas_max = d.vmas;
		if (d.nmms > z->st.rmap_domain_mms_max)
			z->st.rmap_domain_mms_max = d.nmms;
	}
	z->st.rmap_eager_walks++;
	z->st.rmap_reads++;
	z->st.rmap_false_alias += res->visited - res->mapping;
	if (f->mapcount > w.ptes)
		z->st.rmap_misses += f->mapcount - w.ptes;	/* PTEs not found */
}

/* eager-semantics §9 invariants 1-5, 8 over the lazy scheme's AVs: the
 * per-VMA rules here (kinds), the per-AV counters and I8 in anon.c */
int lav__check(struct lazy *z, char *why, size_t len)
{
	struct avt_engine *e = z->e;
	struct avt_list *p;
	uint64_t avcs = 0, nav = avt_av__check_begin(&z->avs);
	for (struct avt_mm *mm = e->mms; mm; mm = mm->all_next) {
		struct avt_vma *v;

		avt_for_each_vma(mm, v) {
			unsigned k = vkind(v);
			struct av *x = v->anon;

			if (k == LK_NONE || k == LK_LAZY) {
				if (!avt_list_empty(&v->chain) || v->anon) {
					snprintf(why, len, "lazy: %s VMA %#llx has anon_vma state",
						 k == LK_NONE ? "NONE" : "LAZY",
						 (unsigned long long)v->start);
					return -EPROTO;
				}
				continue;
			}
			if (!x || x->magic != AV_MAGIC || avt_list_empty(&v->chain)) {
				snprintf(why, len, "lazy: %s VMA %#llx without a live anon_vma/chain",
					 k == LK_EAGER ? "EAGER" : "PARENT",
					 (unsigned long long)v->start);
				return -EPROTO;
			}
			if (k == LK_EAGER)
				x->chk_na++;
			if (!lav__in_chain(v, x)) {
				snprintf(why, len, "lazy I4: chain of VMA %#llx lacks its %s",
					 (unsigned long long)v->start,
					 k == LK_EAGER ? "anon_vma" : "parent_av");
				return -EPROTO;
			}
			avt_list_for_each(p, &v->chain) {
				struct avc *c = avt_container_of(p, struct avc, same_vma);
				uint64_t last = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT) - 1;

				avcs++;
				if (c->vma != v || c->av->magic != AV_MAGIC ||
				    c->node.start != v->pgoff || c->node.last != last ||
				    c->av->root != x->root) {
					snprintf(why, len, "lazy I3/I4: bad AVC on VMA %#llx",
						 (unsigned long long)v->start);
					return -EPROTO;
				}
				c->av->chk_tree++;
			}
		}
	}
	return avt_av__check_end(e, &z->avs, avcs, nav, "lazy ", why, len);
}
