// SPDX-License-Identifier: MIT
/*
 * The lazy anon_vma scheme (ANON_VMA_LAZY proposal), read next to
 * lazy-semantics.md §4. A faulted VMA that was never shared keeps no
 * anon_vma and no AVC: it is LAZY and its folios point (tagged) at a root
 * VMA R, the vm_area_struct of the VMA that first faulted. Whatever could
 * map a lazy folio somewhere other than base(R) + index * PAGE_SIZE in R's
 * mm (fork, mremap move, UFFDIO_MOVE, KSM) first upgrades the VMA to a real
 * anon_vma (§4.4). Fork children of EAGER VMAs are PARENT: they keep the
 * inherited chain but get no anon_vma of their own; their own folios are
 * lazy, rooted at the child VMA (its lazy_root).
 *
 * Layout of the scheme words and folio mapping: lazy.h. The anon_vma part
 * of EAGER/PARENT VMAs: lazy_av.c. Detectors (§5) and the lazy rmap walk
 * (§4.5): lazy_hazards.c. Options (§4.1): lazy_opts.c. Snapshots:
 * lazy_snap.c. Report lines (§6): lazy_report.c.
 *
 * Root lifetime (§4.2): refcount = live VMAs referencing R; a reference is
 * dropped at unlink; when R's own struct is removed while refcount > 0 it
 * becomes a zombie; a root whose refcount reached 0 is released at the end
 * of the operation (after_event), which is also where V_DANGLING_ROOT is
 * checked, and a zombie is freed then.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine/lazy.h"
#include "util/mem.h"

/* ---- roots ---- */
struct lroot *lazy__root_new(struct lazy *z, struct avt_vma *v)
{
	struct lroot *r = avt_pool__alloc(&z->root_pool);

	if (!r)
		return NULL;
	r->vma = v;
	r->mm = v->mm;
	r->refcount = 1;
	r->id = ++z->root_serial;
	r->owner_pid = v->mm->owner_pid;
	avt_list_add_tail(&r->all, &z->roots);
	v->sw |= SW_ROOTSTRUCT;
	z->st.roots_created++;
	if (++z->st.roots_live > z->st.roots_peak)
		z->st.roots_peak = z->st.roots_live;
	return r;
}

/* The root whose vm_area_struct v is (kept in the pointer bits of an
 * EAGER/NONE VMA too, see lazy.h). */
static struct lroot *struct_root(const struct avt_vma *v)
{
	return (v->sw & SW_ROOTSTRUCT) ? vroot(v) : NULL;
}

void lazy__root_put(struct lazy *z, struct lroot *r)
{
	if (!r)
		return;
	if (--r->refcount <= 0)
		lazy_hz__queue(z, r, false);	/* released at the end of the operation */
}

/* Kind change keeping the ROOTSTRUCT identity: a root's struct stays its
 * struct whatever the VMA's own kind becomes. */
static void kind_count(struct lazy *z, unsigned from, unsigned to)
{
	if (from == to)
		return;
	z->st.kind_live[from]--;
	if (++z->st.kind_live[to] > z->st.kind_peak[to])
		z->st.kind_peak[to] = z->st.kind_live[to];
}

static void set_kind(struct lazy *z, struct avt_vma *v, unsigned kind, struct lroot *ref)
{
	struct lroot *own = struct_root(v);

	kind_count(z, vkind(v), kind);
	if (own && ref && ref != own) {
		/* a struct that is root R would reference another root (a
		 * DONTUNMAP-emptied root struct that a merge DUP then fills):
		 * one word cannot hold both. The VMA takes its new root (its
		 * folios use it; the caller counted the reference) and R keeps
		 * its base frozen at this struct's fields (merges and splits
		 * keep a base). A released R loses nothing (as in own_root);
		 * a still referenced one will not become a zombie when this
		 * struct goes: counted (anomalies.rootstruct_conflicts). Was:
		 * the VMA kept R, a released root in seed 599 of
		 * test_lazy_random, and R's refcount missed the reference. */
		if (!own->released)
			z->st.rootstruct_conflicts++;
		own->start = v->start;
		own->pgoff = v->pgoff;
		own->vma = NULL;
		v->sw &= ~(uintptr_t)SW_ROOTSTRUCT;
		own = NULL;
	}
	vset(v, kind, ref ? ref : own);
}

/* ---- questions (§4.2: LAZY and PARENT count as faulted) ---- */
static bool lz_is_faulted(struct avt_scheme *s, const struct avt_vma *v)
{
	if (LZ(s)->reindex_src == v)
		return false;	/* mremap reindex: copy_vma resets pgoff (§4.3 item 10) */
	return vkind(v) != LK_NONE;
}

static bool lz_is_fork_child(struct avt_scheme *s, const struct avt_vma *v)
{
	(void)s;
	if (!v)
		return false;
	if (vkind(v) == LK_PARENT)
		return true;	/* eager would have a chain of two or more */
	return vkind(v) == LK_EAGER && lav__fork_child(v);
}

/* Only an EAGER neighbour offers its anon_vma to an eager PREPARE. */
static bool lz_reusable(struct avt_scheme *s, const struct avt_vma *old)
{
	(void)s;
	return vkind(old) == LK_EAGER && !lav__fork_child(old);
}

/* ---- H5 merge rules ---- */
enum { H5_OK = 0, H5_EAGER_RULES, H5_FORK_CHILD, H5_LAZY_ROOT, H5_MIXED, H5_CHAIN, H5_ABSORB };

static bool same_chain_set(const struct avt_vma *a, const struct avt_vma *b)
{
	const struct avt_list *p;

	if (avt_av__chain_len(a) != avt_av__chain_len(b))
		return false;
	avt_list_for_each(p, &a->chain)
		if (!lav__in_chain(b, avt_container_of(p, struct avc, same_vma)->av))
			return false;
	return true;
}

/* Decide the pair (n, src): n a neighbour, src the VMA whose anon state the
 * range carries (NULL: a fresh range). Kinds other than the eager ones. */
static int h5_pair(struct lazy *z, const struct avt_vma *n, const struct avt_vma *src)
{
	unsigned kn = vkind(n), ks = src ? vkind(src) : LK_NONE;
	unsigned lo = kn < ks ? kn : ks, hi = kn < ks ? ks : kn;
	/* an mremap reindex copy is LAZY with a fresh root of its own (§4.3
	 * item 10): it shares no root with any neighbour, not even with its
	 * own source when that is the neighbour */
	bool fresh = src && src == z->reindex_src;

	if ((kn == LK_NONE || kn == LK_EAGER) && (ks == LK_NONE || ks == LK_EAGER))
		return H5_EAGER_RULES;
	if (lo == LK_NONE && hi == LK_LAZY)
		return H5_OK;
	if (lo == LK_NONE && hi == LK_PARENT)
		return H5_FORK_CHILD;
	if (kn == LK_LAZY && ks == LK_LAZY)
		return !fresh && vroot(n) == vroot(src) ? H5_OK : H5_LAZY_ROOT;
	if (lo == LK_LAZY && hi == LK_EAGER) {
		const struct avt_vma *eg = kn == LK_EAGER ? n : src;

		if (z->o.merge_absorb && !lav__fork_child(eg))
			return H5_ABSORB;
		return H5_MIXED;
	}
	if (kn == LK_PARENT && ks == LK_PARENT) {
		struct lroot *a = vroot(n), *b = vroot(src);

		if (!same_chain_set(n, src))
			return H5_CHAIN;
		if (a && b && a != b)
			return H5_LAZY_ROOT;
		return H5_OK;
	}
	return H5_MIXED;	/* LAZY + PARENT, EAGER + PARENT */
}

/* merge_blocked_*: one per neighbour per VMA operation (event) and reason;
 * why H5_OK: a PARENT+PARENT merge H5 allows (merge_allowed.parent_parent),
 * counted the same way */
static void count_blocked(struct lazy *z, const struct avt_vma *n, int why)
{
	uint64_t ev = z->e->nr_events;

	if (z->blk_event != ev) {
		z->blk_event = ev;
		z->nblk = 0;
	}
	for (size_t i = 0; i < z->nblk; i++)
		if (z->blk[i].n == n && z->blk[i].why == why)
			return;
	if (avt_mem__grow((void **)&z->blk, &z->capblk, z->nblk, sizeof(*z->blk), 8))
		return;
	z->blk[z->nblk].n = n;
	z->blk[z->nblk].why = why;
	z->nblk++;
	if (why == H5_OK)
		z->st.merge_allowed_parent++;
	else if (why == H5_LAZY_ROOT)
		z->st.merge_blocked_lazy_root++;
	else
		z->st.merge_blocked_mixed++;
}

/* lazy_merge_absorb: the LAZY side is upgraded into the EAGER side's AV
 * when the merge commits (range_begin for a surviving VMA, unlink for a
 * removed one); an entry is valid for the current event only. */
static struct lazy_absorb *absorb_find(struct lazy *z, const struct avt_vma *v);

static bool lz_merge_allowed(struct avt_scheme *s, const struct avt_vma *n,
			     const struct avt_vma *range_src, const struct avt_vma *middle,
			     const struct avt_vma *copied_from, int *why)
{
	struct lazy *z = LZ(s);
	int d = h5_pair(z, n, range_src);
	bool query = z->e->merge_query;	/* a check asks: no side effect */

	if (!query)
		z->abs_last = NULL;
	switch (d) {
	case H5_OK:
		/* H5: lazy merges two PARENT VMAs that eager keeps apart (each
		 * eager fork child has its own anon_vma): a layout divergence
		 * the report counts */
		if (!query && vkind(n) == LK_PARENT && range_src && vkind(range_src) == LK_PARENT)
			count_blocked(z, n, H5_OK);
		return true;
	case H5_EAGER_RULES: {
		/* is_mergeable_anon_vma, 6.16+ form, over EAGER anon_vmas */
		void *tgt = vkind(n) == LK_EAGER ? n->anon : NULL;
		void *src = range_src && vkind(range_src) == LK_EAGER ? range_src->anon : NULL;

		if (!tgt && src) {
			if (lz_is_fork_child(s, middle)) {
				*why = AVT_MR_SRC_FORK_CHILD;
				return false;
			}
			if (lz_is_fork_child(s, copied_from)) {
				*why = AVT_MR_COPIED_FORK_CHILD;
				return false;
			}
			return true;
		}
		if (tgt && !src) {
			if (lz_is_fork_child(s, n)) {
				*why = AVT_MR_TGT_FORK_CHILD;
				return false;
			}
			return true;
		}
		if (tgt != src) {
			*why = AVT_MR_DIFFERENT;
			return false;
		}
		return true;
	}
	case H5_FORK_CHILD:
		*why = vkind(n) == LK_PARENT ? AVT_MR_TGT_FORK_CHILD : AVT_MR_SRC_FORK_CHILD;
		return false;
	case H5_CHAIN:
		*why = AVT_MR_DIFFERENT;
		return false;
	case H5_ABSORB: {
		const struct avt_vma *lz = vkind(n) == LK_LAZY ? n : range_src;
		const struct avt_vma *eg = lz == n ? range_src : n;
		struct lazy_absorb *a;

		/* only existing VMAs can be absorbed (not an mremap copy) */
		if (!middle && lz == range_src) {
			if (!query)
				count_blocked(z, n, H5_MIXED);
			*why = AVT_MR_SCHEME;
			return false;
		}
		if (query)
			return true;
		a = absorb_find(z, lz);
		if (a) {
			z->abs_last = a;
			z->abs_last_prev = a->av;
			a->av = eg->anon;
		}
		return a != NULL;
	}
	default:
		if (!query)
			count_blocked(z, n, d);
		*why = AVT_MR_SCHEME;
		return false;
	}
}

/* can_vma_merge_right's prev/next test: they must pass H5 against each
 * other too (in a three-way merge). With lazy_merge_absorb a LAZY/EAGER
 * pair passes: the LAZY one is upgraded into the EAGER one's anon_vma at
 * the commit, like every LAZY struct of the merge (§4.4 trigger merge,
 * H5), and the merge is then eager's. */
static bool conflict(struct lazy *z, const struct avt_vma *p, const struct avt_vma *n)
{
	int d;

	if (vkind(p) == LK_NONE || vkind(n) == LK_NONE)
		return false;
	d = h5_pair(z, n, p);
	switch (d) {
	case H5_OK:
		return false;
	case H5_EAGER_RULES:
		return p->anon != n->anon;
	case H5_LAZY_ROOT:
	case H5_MIXED:
		if (!z->e->merge_query)
			count_blocked(z, n, d);
		return true;
	case H5_ABSORB: {
		const struct avt_vma *lz = vkind(n) == LK_LAZY ? n : p;
		const struct avt_vma *eg = lz == n ? p : n;
		struct lazy_absorb *a;

		if (z->e->merge_query)
			return false;
		a = absorb_find(z, lz);

		if (!a)
			return true;
		a->av = eg->anon;
		return false;
	}
	default:
		return true;
	}
}

static bool lz_conflict(struct avt_scheme *s, const struct avt_vma *p, const struct avt_vma *n)
{
	struct lazy *z = LZ(s);
	struct lazy_absorb *last = z->abs_last;
	bool refused = conflict(z, p, n);

	if (z->e->merge_query)
		return refused;		/* a check asks: no side effect */

	/* the right-hand merge is off: an absorb its pair test set (for the
	 * middle VMA) must not outlive it when only the left merge commits */
	if (refused && last)
		last->av = z->abs_last_prev;
	z->abs_last = NULL;
	return refused;
}

static struct lazy_absorb *absorb_find(struct lazy *z, const struct avt_vma *v)
{
	uint64_t ev = z->e->nr_events;
	struct lazy_absorb *free_slot = NULL;

	for (size_t i = 0; i < z->nabs; i++) {
		if (z->abs[i].ev != ev)
			free_slot = &z->abs[i];
		else if (z->abs[i].lazy == v)
			return &z->abs[i];
	}
	if (!free_slot) {
		if (avt_mem__grow((void **)&z->abs, &z->capabs, z->nabs, sizeof(*z->abs), 4))
			return NULL;
		free_slot = &z->abs[z->nabs++];
	}
	free_slot->lazy = v;
	free_slot->ev = ev;
	free_slot->av = NULL;
	return free_slot;
}

/* ---- §4.4 upgrade ---- */
static size_t scope_collect(struct lazy *z, struct avt_vma *v, struct lroot *old,
			    struct avt_vma ***out)
{
	size_t n = 0;
	bool found = false;

	if (!z->capscope) {
		z->scope = malloc(16 * sizeof(*z->scope));
		if (!z->scope)
			return 0;
		z->capscope = 16;
	}
	*out = z->scope;
	if (z->o.scope == SCOPE_VMA || !old) {
		z->scope[0] = v;
		return 1;
	}
	for (struct avt_mm *mm = z->e->mms; mm; mm = mm->all_next) {
		struct avt_vma *w;

		avt_for_each_vma(mm, w) {
			if (vkind(w) != vkind(v) || vref(w) != old)
				continue;
			if (n == z->capscope) {
				size_t nc = z->capscope * 2;
				void *nb = realloc(z->scope, nc * sizeof(*z->scope));

				if (!nb)
					break;
				z->scope = nb;
				z->capscope = nc;
			}
			z->scope[n++] = w;
			found |= w == v;
		}
	}
	/* a merge's removed struct (lazy_merge_absorb upgrades it at its
	 * unlink) is already out of its mm's tree: v is in scope anyway */
	if (!found) {
		if (n == z->capscope) {
			void *nb = realloc(z->scope, (n + 1) * sizeof(*z->scope));

			if (!nb)
				return 0;	/* the caller fails with -ENOMEM */
			z->scope = nb;
			z->capscope = n + 1;
		}
		z->scope[n++] = v;
	}
	*out = z->scope;
	return n;
}

/* Rewrite the folios of [s, e) in w's mm whose mapping is the old root. */
static uint64_t rewrite_range(struct lazy *z, struct avt_vma *w, uint64_t s, uint64_t e,
			      struct lroot *old, struct av *a)
{
	struct avt_engine *en = z->e;
	size_t n;
	uint64_t rw = 0;

	if (s < w->start)
		s = w->start;
	if (e > w->end)
		e = w->end;
	if (s >= e)
		return 0;
	n = avt_ptes__collect(en, &w->mm->ptes, s >> PAGE_SHIFT, e >> PAGE_SHIFT);
	for (size_t i = 0; i < n; i++) {
		struct avt_folio *f = avt_ptes__get(&w->mm->ptes, en->scratch[i]);

		if (f && fm_is_lazy(f->mapping) && fm_ptr(f->mapping) == old) {
			f->mapping = a;
			rw++;
			z->st.rewrites_upgrade_pages += f->nr;	/* §4.3 item 14 */
		}
	}
	z->st.rewrites_upgrade += rw;
	z->st.upg_rw_present += rw;
	en->st.folio_rewrites += rw;
	return rw;
}

static void pend_add(struct lazy *z, struct lroot *old, struct av *a)
{
	if (avt_mem__grow((void **)&z->pend, &z->cappend, z->npend, sizeof(*z->pend), 4))
		return;
	z->pend[z->npend].old = old;
	z->pend[z->npend].av = a;
	z->npend++;
}

/* PARENT V: earliest-allocated AV of its chain with num_children < 2 and
 * no active VMA (upgrade_reuse_ancestor). */
static struct av *reusable_ancestor(const struct avt_vma *v)
{
	const struct avt_list *p;
	struct av *best = NULL;

	avt_list_for_each(p, &v->chain) {
		struct av *a = avt_container_of(p, struct avc, same_vma)->av;

		if (a->nc < 2 && a->na == 0 && (!best || a->serial < best->serial))
			best = a;
	}
	return best;
}

static int upgrade(struct lazy *z, struct avt_vma *v, enum upg_trigger trig, struct av *forced)
{
	const struct avt_event *ev = z->e->cur_ev;
	struct lroot *old = vref(v);
	struct avt_vma **scope;
	size_t n = scope_collect(z, v, old, &scope);
	struct av *a = forced;
	bool fresh = false;
	bool during_copy = z->o.rewrite == REWRITE_DURING_COPY &&
			   (trig == TRIG_FORK || trig == TRIG_MREMAP || trig == TRIG_UFFD_MOVE);

	if (!n)
		return -ENOMEM;
	if (!a && vkind(v) == LK_LAZY) {
		a = lav__new_root(z);
		fresh = true;
	} else if (!a) {
		struct av *pav = v->anon;

		if (z->o.reuse_ancestor)
			a = reusable_ancestor(v);
		if (!a) {
			a = lav__alloc_child(z, pav);
			fresh = true;
		}
	}
	if (!a)
		return -ENOMEM;
	z->st.upgrades[trig]++;
	if (fresh)
		z->st.upg_av++;
	lav__lock(z, a, AVT_LOCK_WRITE, AVT_LT_OTHER, (uint32_t)n);
	z->st.lock_w_upgrade++;
	for (size_t i = 0; i < n; i++) {
		struct avt_vma *w = scope[i];

		if (!(vkind(w) == LK_PARENT && lav__in_chain(w, a))) {
			lav__link(z, w, a);
			z->st.upg_avc++;
		}
		w->anon = a;
		a->na++;
		set_kind(z, w, LK_EAGER, NULL);
		lazy__root_put(z, old);
	}
	lav__meta_update(z);
	if (old && old->refcount > 0)
		z->st.upg_partial++;	/* the family now spans LAZY and EAGER states */
	if (old) {
		lazy_hz__mark_upgrade(z, old);
		for (size_t i = 0; i < n; i++) {
			struct avt_vma *w = scope[i];

			if (!during_copy) {
				rewrite_range(z, w, w->start, w->end, old, a);
			} else if (trig == TRIG_FORK) {
				/* fork's PTE copy visits w now if w is the VMA
				 * being copied; the rest when (if) it is copied */
				if (w == v)
					rewrite_range(z, w, w->start, w->end, old, a);
			} else if (ev && ev->type == AVT_EV_SYSCALL && trig == TRIG_MREMAP) {
				rewrite_range(z, w, ev->u.sys.args[0],
					      ev->u.sys.args[0] + ev->u.sys.args[1], old, a);
			} else if (ev && ev->type == AVT_EV_SYSCALL && trig == TRIG_UFFD_MOVE) {
				rewrite_range(z, w, ev->u.sys.args[1],
					      ev->u.sys.args[1] + ev->u.sys.args[2], old, a);
			}
		}
		if (during_copy)
			pend_add(z, old, a);	/* the rest are copied later or missed */
	}
	return 0;
}

/* ---- operations ---- */
/* v (not LAZY/PARENT) becomes its own root: a new one, or, for a root
 * struct faulted again, the root it still is (refcount++) */
static struct lroot *own_root(struct lazy *z, struct avt_vma *v)
{
	struct lroot *r = struct_root(v);

	if (r && !r->released) {
		r->refcount++;
		return r;
	}
	if (r) {		/* its old, released root keeps the frozen base */
		r->start = v->start;
		r->pgoff = v->pgoff;
		r->vma = NULL;
		v->sw &= SW_KIND_MASK | SW_BASEBAD;	/* forget the stash */
	}
	return lazy__root_new(z, v);
}

static int lz_prepare(struct avt_scheme *s, struct avt_vma *v, struct avt_vma *reuse,
		      enum avt_prepare_site site)
{
	struct lazy *z = LZ(s);
	uint64_t size = v->end - v->start;

	if (z->o.enabled && size <= z->o.max_bytes && !(v->flags & VM_SHARED)) {
		/* §4.3 item 2: the lazy entry; no AV, no AVC, no lock, no trylock */
		struct lroot *r = NULL;

		if (z->o.reuse_neighbour_root) {
			struct avt_vma *nx = v->next, *pv = v->prev;

			if (nx && nx->start == v->end && vkind(nx) == LK_LAZY &&
			    avt_vma__compatible(v, nx))
				r = vroot(nx);
			else if (pv && vkind(pv) == LK_LAZY && avt_vma__compatible(pv, v))
				r = vroot(pv);
		}
		if (r)
			r->refcount++;	/* a LAZY neighbour's root is never released */
		else
			r = own_root(z, v);
		if (!r)
			return -ENOMEM;
		set_kind(z, v, LK_LAZY, r);
		z->st.lazy_entries++;
		return 0;
	}
	/* eager PREPARE (§3.2 first anon fault) */
	if (site == AVT_PREP_FAULT)
		z->st.mmap_trylock++;
	z->st.eager_entries++;
	if (lav__prepare(z, v, reuse ? reuse->anon : NULL))
		return -ENOMEM;
	set_kind(z, v, LK_EAGER, NULL);
	return 0;
}

/* Split pieces, DUP and mremap copies take over the source's state. */
static int lz_clone(struct avt_scheme *s, struct avt_vma *dst, struct avt_vma *src,
		    enum avt_clone_op op)
{
	struct lazy *z = LZ(s);
	struct lroot *r = vref(src);
	int err;

	if (src == z->reindex_src && op == AVT_CLONE_REMAP) {
		/* reindex: the copy starts NONE; its own root and the folio
		 * rewrite come once its PTEs are moved (reindex_finish) */
		z->reindex_dst = dst;
		z->reindex_src = NULL;
		return 0;
	}
	switch (vkind(src)) {
	case LK_LAZY:
		r->refcount++;
		set_kind(z, dst, LK_LAZY, r);
		return 0;
	case LK_PARENT:
		dst->anon = src->anon;
		err = lav__clone(z, dst, src, op, false);
		if (r)
			r->refcount++;
		set_kind(z, dst, LK_PARENT, r);
		return err;
	case LK_EAGER:
		dst->anon = src->anon;
		err = lav__clone(z, dst, src, op, false);
		((struct av *)dst->anon)->na++;
		set_kind(z, dst, LK_EAGER, NULL);
		return err;
	default:
		return 0;
	}
}

/* Per copied parent VMA (§4.3 item 8). */
static int lz_fork_link(struct avt_scheme *s, struct avt_vma *child, struct avt_vma *parent)
{
	struct lazy *z = LZ(s);
	unsigned k = vkind(parent);
	struct lroot *r = vref(parent);
	int err;

	if (k == LK_NONE)
		return 0;
	if (z->o.skip & SKIP_FORK) {
		/* test-only: no upgrade; the child copies kind, root and chain */
		if (r)
			r->refcount++;
		if (k != LK_LAZY) {
			child->anon = parent->anon;
			err = lav__clone(z, child, parent, LAV_CLONE_FORK, false);
			if (err)
				return err;
			if (k == LK_EAGER)
				((struct av *)child->anon)->na++;
		}
		set_kind(z, child, k, r);
		return 0;
	}
	if (k == LK_LAZY || (k == LK_PARENT && (r || z->o.parent_upgrade_always))) {
		err = upgrade(z, parent, TRIG_FORK, NULL);
		if (err)
			return err;
		k = LK_EAGER;
	} else if (k == LK_PARENT) {
		child->anon = parent->anon;	/* P's parent_av */
		err = lav__clone(z, child, parent, LAV_CLONE_FORK, false);
		set_kind(z, child, LK_PARENT, NULL);
		return err;
	}
	/* parent EAGER: a family upgrade earlier in this fork may have left
	 * this VMA's folios for its PTE copy (upgrade_rewrite = during_copy) */
	for (size_t i = 0; i < z->npend; i++)
		rewrite_range(z, parent, parent->start, parent->end, z->pend[i].old,
			      z->pend[i].av);
	if (z->o.child_mode == CHILD_PARENT) {
		child->anon = parent->anon;	/* parent_av = P.av */
		err = lav__clone(z, child, parent, LAV_CLONE_FORK, false);
		set_kind(z, child, LK_PARENT, NULL);
		return err;
	}
	err = lav__fork_eager(z, child, parent);
	set_kind(z, child, LK_EAGER, NULL);
	return err;
}

static void lz_unlink(struct avt_scheme *s, struct avt_vma *v, enum avt_unlink_why why)
{
	struct lazy *z = LZ(s);
	unsigned k = vkind(v);
	struct lroot *r;

	if (why == AVT_UNLINK_EXIT)
		lazy_hz__mark_exit(z, v->mm);
	else
		lazy_hz__mark_vma_change(z, v->mm);
	if (why == AVT_UNLINK_MERGE && k == LK_LAZY && z->o.merge_absorb) {
		struct lazy_absorb *a = absorb_find(z, v);

		if (a && a->av) {
			upgrade(z, v, TRIG_MERGE, a->av);
			k = LK_EAGER;
		}
	}
	r = vref(v);
	if (why == AVT_UNLINK_MERGE && r && k == LK_PARENT) {
		/* the surviving PARENT keeps whichever lazy_root was set (H5) */
		struct avt_vma *sv = avt_mm__find(v->mm, v->start);

		if (sv && sv != v && vkind(sv) == LK_PARENT && !vroot(sv)) {
			r->refcount++;
			set_kind(z, sv, LK_PARENT, r);
		}
	}
	if (k == LK_EAGER || k == LK_PARENT)
		lav__unlink(z, v);
	lazy__root_put(z, r);
	v->anon = NULL;
	set_kind(z, v, LK_NONE, NULL);
}

static void lz_range_begin(struct avt_scheme *s, struct avt_vma *v, struct avt_vma *adj,
			   enum avt_range_tag tag)
{
	struct lazy *z = LZ(s);

	lazy_hz__mark_vma_change(z, v->mm);
	if (tag == AVT_RANGE_MERGE && z->reindex_src) {
		/* reindex: copy_vma merged the range into v (H5 let only a NONE
		 * neighbour take it); v holds it after the move */
		z->reindex_dst = v;
		z->reindex_src = NULL;
	}
	if (tag == AVT_RANGE_MERGE && adj && vkind(v) == LK_PARENT && vkind(adj) == LK_PARENT &&
	    !vroot(v) != !vroot(adj)) {
		/* a merge that moves a boundary between two PARENT VMAs (one
		 * grows over part of the other, no struct removed): H5 allows
		 * it with at most one lazy_root set; the folios of the range
		 * that changes hands use that root, so the VMA without one
		 * takes it (refcount++), as a removed struct's survivor does
		 * in lz_unlink */
		struct avt_vma *to = vroot(v) ? adj : v;
		struct lroot *r = vroot(to == v ? adj : v);

		r->refcount++;
		set_kind(z, to, LK_PARENT, r);
	}
	if (tag == AVT_RANGE_MERGE && z->o.merge_absorb) {
		struct avt_vma *c[2] = { v, adj };

		for (int i = 0; i < 2; i++) {
			struct lazy_absorb *a;

			if (!c[i] || vkind(c[i]) != LK_LAZY)
				continue;
			a = absorb_find(z, c[i]);
			if (a && a->av)
				upgrade(z, c[i], TRIG_MERGE, a->av);
		}
	}
	lav__range_begin(z, v, adj, tag);
}

static void lz_range_end(struct avt_scheme *s, struct avt_vma *v, struct avt_vma *adj,
			 enum avt_range_tag tag)
{
	(void)tag;
	lav__range_end(LZ(s), v, adj);
}

/* The struct is being freed: a root whose struct this is becomes a zombie
 * if VMAs still reference it (§4.2, H2). */
static void lz_on_remove(struct avt_scheme *s, struct avt_vma *v)
{
	struct lazy *z = LZ(s);
	struct lroot *r = struct_root(v);

	for (size_t i = 0; i < z->nover; i++)
		if (z->over[i] == v)
			z->over[i] = z->over[--z->nover];
	if (z->reindex_src == v)
		z->reindex_src = NULL;
	if (z->reindex_dst == v)
		z->reindex_dst = NULL;
	kind_count(z, vkind(v), LK_NONE);	/* normally already NONE (unlinked) */
	v->sw &= ~(uintptr_t)SW_KIND_MASK;
	if (!r)
		return;
	r->start = v->start;
	r->pgoff = v->pgoff;
	r->vma = NULL;
	v->sw = 0;
	if (!r->released && r->refcount > 0) {
		r->zombie = true;
		z->st.zombie_created++;
		if (++z->st.zombie_live > z->st.zombie_peak)
			z->st.zombie_peak = z->st.zombie_live;
		lav__meta_update(z);
		lazy_hz__queue(z, r, true);
	} else if (r->released) {
		lazy_hz__queue(z, r, true);	/* may be dropped now */
	}
}

/* A new VMA struct: with lazy_vma_extra_bytes its bytes count in the meta
 * peak from this moment (§6: peaks over every intermediate state, e.g. an
 * mremap copy next to its source). */
static void lz_on_alloc(struct avt_scheme *s, struct avt_vma *v)
{
	struct lazy *z = LZ(s);

	(void)v;
	if (z->o.vma_extra_bytes)
		lav__meta_update(z);
}

/* ---- folios ---- */
static void *lz_folio_handle(struct avt_scheme *s, struct avt_vma *v)
{
	struct lazy *z = LZ(s);
	struct lroot *r;

	switch (vkind(v)) {
	case LK_LAZY:
		return fm_root(vroot(v));
	case LK_PARENT:
		r = vroot(v);
		if (!r) {		/* the first own folio: lazy_root = V */
			r = lazy__root_new(z, v);
			if (!r)
				return NULL;
			set_kind(z, v, LK_PARENT, r);
		}
		return fm_root(r);
	case LK_EAGER:
		return v->anon;
	default:
		return NULL;
	}
}

/* folio_move_anon_rmap on write-reuse (§4.3 item 9) */
static void *lz_folio_move(struct avt_scheme *s, struct avt_vma *v, struct avt_folio *f)
{
	void *h = lz_folio_handle(s, v);

	if (fm_ptr(h) == fm_ptr(f->mapping) && fm_is_lazy(h) == fm_is_lazy(f->mapping))
		return f->mapping;	/* unchanged (keep detector state) */
	return h;
}

static void lz_rmap_walk(struct avt_scheme *s, struct avt_folio *f, bool lock,
			 struct avt_rmap_result *res)
{
	struct lazy *z = LZ(s);

	if (fm_is_lazy(f->mapping))
		lazy_hz__lazy_walk(z, f, fm_ptr(f->mapping), lock, res);
	else
		lav__walk(z, f, fm_ptr(f->mapping), lock, res);
}

/* ---- moves ---- */
static void reindex_finish(struct lazy *z);

/*
 * Would a reindex of the part of src this mremap moves cut a large folio?
 * A folio has one mapping and one index (§4.3 item 14), so a reindexed
 * folio must move whole: if a lazy large folio has PTEs in the moved part
 * and elsewhere (the rest of src, or a neighbour it straddles), no index
 * fits both, and the move is upgraded instead (item 10: what reindex
 * cannot handle is upgraded). A lazy folio is mapped in one mm only, so
 * its mapcount is its PTEs there.
 */
static bool reindex_cuts_folio(struct lazy *z, const struct avt_vma *src)
{
	const struct avt_event *ev = z->e->cur_ev;
	struct { struct avt_folio *f; uint32_t n; } *seen = NULL;
	size_t n, nseen = 0, cap = 0;
	uint64_t lo = src->start, hi = src->end;
	bool cut = false;

	if (ev && ev->type == AVT_EV_SYSCALL && ev->u.sys.sys == AVT_SYS_MREMAP) {
		uint64_t o = ev->u.sys.args[0], e = o + PAGE_ALIGN(ev->u.sys.args[1]);

		lo = o > lo ? o : lo;
		hi = e < hi ? e : hi;
	}
	if (lo >= hi)
		return false;
	n = avt_ptes__collect(z->e, &src->mm->ptes, lo >> PAGE_SHIFT, hi >> PAGE_SHIFT);
	for (size_t i = 0; i < n && !cut; i++) {
		struct avt_folio *f = avt_ptes__get(&src->mm->ptes, z->e->scratch[i]);
		size_t j;

		if (!f || f->nr <= 1 || !fm_is_lazy(f->mapping))
			continue;
		for (j = 0; j < nseen && seen[j].f != f; j++)
			;
		if (j == nseen) {
			if (nseen == cap) {
				void *nb = realloc(seen, (cap ? cap * 2 : 8) * sizeof(*seen));

				if (!nb) {
					cut = true;	/* cannot tell: do the safe thing */
					break;
				}
				seen = nb;
				cap = cap ? cap * 2 : 8;
			}
			seen[nseen].f = f;
			seen[nseen++].n = 0;
		}
		seen[j].n++;
	}
	for (size_t j = 0; j < nseen && !cut; j++)
		cut = seen[j].n < seen[j].f->mapcount;
	free(seen);
	return cut;
}

static void lz_before_mremap_move(struct avt_scheme *s, struct avt_vma *src)
{
	struct lazy *z = LZ(s);
	unsigned k = vkind(src);

	reindex_finish(z);	/* the previous piece of a multi-VMA move */
	z->reindex_src = NULL;
	if (!(k == LK_LAZY || (k == LK_PARENT && vroot(src))))
		return;
	if (z->o.skip & SKIP_MREMAP)
		return;		/* test-only: M keeps vm_pgoff, copies the root */
	if (z->o.mremap_policy == POLICY_REINDEX && k == LK_LAZY && !src->file) {
		if (!reindex_cuts_folio(z, src)) {
			z->reindex_src = src;	/* until copy_vma made the copy */
			return;
		}
		z->st.reindex_cut++;
	}
	upgrade(z, src, TRIG_MREMAP, NULL);
}

static void lz_before_uffd_move(struct avt_scheme *s, struct avt_vma *src, struct avt_vma *dst)
{
	struct lazy *z = LZ(s);
	unsigned k = vkind(src);

	(void)dst;
	if (!(k == LK_LAZY || (k == LK_PARENT && vroot(src))))
		return;
	if ((z->o.skip & SKIP_UFFD_MOVE) || z->o.uffd_policy == POLICY_REINDEX)
		return;
	upgrade(z, src, TRIG_UFFD_MOVE, NULL);
}

/* mremap's page-table move locks: as eager for EAGER and PARENT VMAs (the
 * family root), never for LAZY ones (§3.3). */
static void lz_pt_move_lock(struct avt_scheme *s, struct avt_vma *v, enum avt_lock_tag tag)
{
	if ((vkind(v) == LK_EAGER || vkind(v) == LK_PARENT) && v->anon)
		lav__lock(LZ(s), v->anon, AVT_LOCK_WRITE, tag, 0);
}

/* UFFDIO_MOVE of a present folio: W on its AV's root; a lazy source folio
 * takes no anon_vma lock (§4.3 item 11). */
static void lz_uffd_move_lock(struct avt_scheme *s, struct avt_folio *f)
{
	if (f->mapping && !fm_is_lazy(f->mapping))
		lav__lock(LZ(s), fm_ptr(f->mapping), AVT_LOCK_WRITE, AVT_LT_UFFD_MOVE, 0);
}

/* A skipped uffd_move (test-only skip_upgrade, §4.1) leaves a moved lazy
 * folio's mapping and index as they were, so that V_RMAP_MISS and
 * V_KIND_MISMATCH (§5) can see it. A folio whose mapping is an anon_vma
 * is moved as eager moves it (the skip is of the lazy handling only);
 * otherwise the folio gets D's handle (§4.3 item 11). */
static bool lz_folio_uffd_move(struct avt_scheme *s, struct avt_vma *src, struct avt_vma *dst,
			       struct avt_folio *f, uint64_t new_index)
{
	(void)src;
	(void)dst;
	(void)new_index;
	return !((LZ(s)->o.skip & SKIP_UFFD_MOVE) && fm_is_lazy(f->mapping));
}

/* ---- end of an event: releases, grow policy, reindex, detectors ---- */
static void grow_check(struct lazy *z, struct avt_mm *mm)
{
	struct avt_vma *v;

	if (z->o.max_bytes == UINT64_MAX || !mm)
		return;
	avt_for_each_vma(mm, v) {
		bool counted = false;

		if (vkind(v) != LK_LAZY || v->end - v->start <= z->o.max_bytes)
			continue;
		if (z->o.grow_policy == GROW_UPGRADE) {
			upgrade(z, v, TRIG_GROW, NULL);
			continue;
		}
		for (size_t i = 0; i < z->nover; i++)
			counted |= z->over[i] == v;
		if (counted)
			continue;
		if (avt_mem__grow((void **)&z->over, &z->capover, z->nover, sizeof(*z->over), 16))
			return;
		z->over[z->nover++] = v;
		z->st.over_threshold++;
	}
}

/* mremap reindex (§4.3 item 10), once a moved piece's PTEs are moved (at
 * the next piece's move or at the end of the event): the VMA holding it
 * (the copy, vm_pgoff = new_start >> 12 because copy_vma saw an unfaulted
 * source, or a NONE neighbour it merged into) becomes its own root, and
 * every moved folio gets that root and its new index. */
/* base(R) in pages (modulo 2^64, like the byte form) */
static uint64_t root_base_pfn(const struct lroot *r)
{
	return r->vma ? (r->vma->start >> PAGE_SHIFT) - r->vma->pgoff
		      : (r->start >> PAGE_SHIFT) - r->pgoff;
}

/* The distance in pages every page of the current mremap moved
 * (UINT64_MAX: not an mremap event) */
static uint64_t reindex_shift(struct lazy *z)
{
	const struct avt_event *ev = z->e->cur_ev;
	const struct avt_ev_syscall *sc;
	uint64_t nw;

	if (!ev || ev->type != AVT_EV_SYSCALL || ev->u.sys.sys != AVT_SYS_MREMAP)
		return UINT64_MAX;
	sc = &ev->u.sys;
	nw = sc->ret < 0 ? sc->args[4] : (uint64_t)sc->ret;	/* -EPERM: partial move */
	return (nw >> PAGE_SHIFT) - (sc->args[0] >> PAGE_SHIFT);
}

static void reindex_finish(struct lazy *z)
{
	struct avt_vma *m = z->reindex_dst;
	struct avt_mm *mm;
	uint64_t shift;
	size_t n;
	void *h;

	z->reindex_dst = NULL;
	if (!m)
		return;
	if (vkind(m) == LK_NONE) {
		struct lroot *r = own_root(z, m);

		if (!r)
			return;
		set_kind(z, m, LK_LAZY, r);
	}
	h = lz_folio_handle(&z->e->scheme, m);
	if (!h)
		return;
	mm = m->mm;
	shift = reindex_shift(z);
	n = avt_ptes__collect(z->e, &mm->ptes, m->start >> PAGE_SHIFT, m->end >> PAGE_SHIFT);
	for (size_t i = 0; i < n; i++) {
		uint64_t pfn = z->e->scratch[i];
		struct avt_folio *f = avt_ptes__get(&mm->ptes, pfn);
		uint64_t pg = 0;	/* the page of f this PTE maps */

		if (!f || !fm_is_lazy(f->mapping))
			continue;
		if (f->nr > 1) {
			/* a large folio: rewritten once (at its first PTE met),
			 * with the new index of its first page; which page a PTE
			 * maps is read from the old lazy address (pfn - shift) */
			struct lroot *old = fm_ptr(f->mapping);

			if (old == fm_ptr(h))
				continue;
			pg = pfn - shift - root_base_pfn(old) - f->index;
			if (shift == UINT64_MAX || pg >= f->nr)
				pg = 0;		/* not where its index said: per PTE */
		}
		f->mapping = h;
		f->index = m->pgoff + (pfn - pg - (m->start >> PAGE_SHIFT));
		z->st.rewrites_reindex++;
		z->st.rewrites_reindex_pages += f->nr;
		z->e->st.folio_rewrites++;
	}
}

/* KSM merged a page (§4.3 item 12, H10): KSM needs an anon_vma and the
 * lazy tag reuses KSM's mapping bit, so a lazy folio's VMA is upgraded
 * first. The engine does not model KSM pages; the upgrade is the cost. */
static void ksm_event(struct lazy *z, const struct avt_event *ev)
{
	uint32_t pid = ev->u.ksm.target_pid ? ev->u.ksm.target_pid : ev->pid;
	struct avt_proc *p = avt_proc__find(z->e, pid);
	struct avt_folio *f;
	struct avt_vma *v;

	if (!p || !p->mm)
		return;
	v = avt_mm__find(p->mm, ev->u.ksm.addr);
	f = avt_ptes__get(&p->mm->ptes, ev->u.ksm.addr >> PAGE_SHIFT);
	if (v && f && fm_is_lazy(f->mapping) && vref(v))
		upgrade(z, v, TRIG_KSM, NULL);
}

static void lz_after_event(struct avt_scheme *s, const struct avt_event *ev)
{
	struct lazy *z = LZ(s);
	struct avt_proc *p = avt_proc__find(z->e, ev->pid);

	if (ev->type == AVT_EV_KSM)
		ksm_event(z, ev);

	reindex_finish(z);
	z->reindex_src = NULL;
	if (p && p->mm && (ev->type == AVT_EV_SYSCALL || ev->type == AVT_EV_FAULT))
		grow_check(z, p->mm);
	lazy_hz__after_event(z, ev);	/* counts the folios during_copy missed */
	z->npend = 0;
}

/* ---- introspection ---- */
static void lz_vma_state(struct avt_scheme *s, const struct avt_vma *v, struct avt_vma_state *st)
{
	struct av *x = v->anon;

	(void)s;
	memset(st, 0, sizeof(*st));
	if (!x || vkind(v) == LK_LAZY || vkind(v) == LK_NONE)
		return;
	if (vkind(v) == LK_EAGER) {
		st->av = x;
		st->children = x->nc;
		st->active = x->na;
	}
	st->root = x->root;
	st->parent = vkind(v) == LK_EAGER ? x->parent : x;
	st->avcs = avt_av__chain_len(v);
}

static int lz_check(struct avt_scheme *s, char *why, size_t len)
{
	struct lazy *z = LZ(s);
	struct avt_list *p;
	int err;

	if (z->e->snap_active)
		return 0;	/* counts are completed at snap_end */
	err = lav__check(z, why, len);
	if (err)
		return err;
	int64_t kinds[4] = { 0 };

	avt_list_for_each(p, &z->roots)
		avt_container_of(p, struct lroot, all)->scan_vrefs = 0;
	for (struct avt_mm *mm = z->e->mms; mm; mm = mm->all_next) {
		struct avt_vma *v;

		avt_for_each_vma(mm, v) {
			struct lroot *r = vref(v);

			kinds[vkind(v)]++;
			if (vkind(v) == LK_LAZY && !r) {
				snprintf(why, len, "lazy: LAZY VMA %#llx without a root",
					 (unsigned long long)v->start);
				return -EPROTO;
			}
			if (r && r->released) {
				snprintf(why, len, "lazy: VMA %#llx references released root #%llu",
					 (unsigned long long)v->start, (unsigned long long)r->id);
				return -EPROTO;
			}
			if (r)
				r->scan_vrefs++;
		}
	}
	for (int k = LK_LAZY; k <= LK_PARENT; k++)
		if (kinds[k] != z->st.kind_live[k]) {
			snprintf(why, len, "lazy: %lld VMAs of kind %d, counter says %lld",
				 (long long)kinds[k], k, (long long)z->st.kind_live[k]);
			return -EPROTO;
		}
	avt_list_for_each(p, &z->roots) {
		struct lroot *r = avt_container_of(p, struct lroot, all);

		if (!r->released && (int64_t)r->scan_vrefs != r->refcount) {
			snprintf(why, len, "lazy: root #%llu refcount %lld, %llu VMAs reference it",
				 (unsigned long long)r->id, (long long)r->refcount,
				 (unsigned long long)r->scan_vrefs);
			return -EPROTO;
		}
	}
	return 0;
}

/* ---- lifetime ---- */
static int lz_init(struct avt_scheme *s, const char *params)
{
	struct lazy *z = calloc(1, sizeof(*z));
	char why[160] = "";
	int err;

	if (!z)
		return -ENOMEM;
	z->e = s->eng;
	lazy_opts__defaults(&z->o);
	err = lazy_opts__parse(&z->o, params, why, sizeof(why));
	if (err) {
		if (z->e)
			snprintf(z->e->err, sizeof(z->e->err), "%s", why);
		free(z);
		return err;
	}
	avt_pool__init(&z->av_pool, sizeof(struct av));
	avt_pool__init(&z->avc_pool, sizeof(struct avc));
	avt_pool__init(&z->root_pool, sizeof(struct lroot));
	avt_list_init(&z->avs);
	avt_list_init(&z->roots);
	z->blk_event = UINT64_MAX;
	s->priv = z;
	return 0;
}

static void lz_fini(struct avt_scheme *s)
{
	struct lazy *z = LZ(s);

	if (!z)
		return;
	avt_pool__fini(&z->av_pool);
	avt_pool__fini(&z->avc_pool);
	avt_pool__fini(&z->root_pool);
	free(z->pend);
	free(z->walks);
	free(z->blk);
	free(z->over);
	free(z->agg);
	free(z->abs);
	free(z->smap);
	free(z->relq);
	free(z->watch);
	free(z->scope);
	free(z);
	s->priv = NULL;
}

static int lz_snap_vma(struct avt_scheme *s, struct avt_vma *v, const struct avt_ev_snap_vma *sv)
{
	return lazy_snap__vma(LZ(s), v, sv);
}

static void lz_snap_end(struct avt_scheme *s)
{
	lazy_snap__end(LZ(s));
}

static void lz_report(struct avt_scheme *s, FILE *out, const char *pfx)
{
	lazy_report__write(LZ(s), out, pfx);
}

static int lz_metric(struct avt_scheme *s, const char *name, double *val)
{
	return lazy_report__metric(LZ(s), name, val);
}

const struct avt_scheme_ops avt_scheme_lazy = {
	.name = "lazy",
	.init = lz_init,
	.fini = lz_fini,
	.is_faulted = lz_is_faulted,
	.is_fork_child = lz_is_fork_child,
	.reusable_neighbour = lz_reusable,
	.anon_merge_allowed = lz_merge_allowed,
	.anon_conflict = lz_conflict,
	.prepare = lz_prepare,
	.clone = lz_clone,
	.fork_link = lz_fork_link,
	.unlink = lz_unlink,
	.range_begin = lz_range_begin,
	.range_end = lz_range_end,
	.on_remove = lz_on_remove,
	.on_alloc = lz_on_alloc,
	.folio_handle = lz_folio_handle,
	.folio_move = lz_folio_move,
	.rmap_walk = lz_rmap_walk,
	.before_mremap_move = lz_before_mremap_move,
	.before_uffd_move = lz_before_uffd_move,
	.pt_move_lock = lz_pt_move_lock,
	.uffd_move_lock = lz_uffd_move_lock,
	.folio_uffd_move = lz_folio_uffd_move,
	.snap_vma = lz_snap_vma,
	.snap_end = lz_snap_end,
	.vma_state = lz_vma_state,
	.check = lz_check,
	.report = lz_report,
	.metric = lz_metric,
	.after_event = lz_after_event,
};
