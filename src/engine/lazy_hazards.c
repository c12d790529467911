// SPDX-License-Identifier: MIT
/*
 * Hazard detectors of the lazy scheme (lazy-semantics.md §5), the lazy
 * rmap walk and its cost model (§4.5), and the end-of-operation work
 * (root releases, zombie frees, §4.2).
 *
 * Counting rule (§5): a record is made when a condition becomes true for
 * its object (folio, VMA, root, walk) and not again while it stays true.
 * The state "currently true" lives in the object: folio mapping bits
 * FM_MISS/FM_MULTI/FM_KIND, VMA bit SW_BASEBAD, root leak_state. Folios are
 * found through the page tables. After each event only what it can have
 * changed is scanned (a fault: its PTE; a ranged syscall: the VMAs in the
 * range and their neighbours, plus every VMA of the mm; fork, exec and
 * releases: whole mms; all mms once a lazy folio was mapped twice or with
 * a test-only option), which yields the records of a full check after
 * every operation (test_lazy_random compares the two).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "engine/lazy.h"

const char *const lazy_code_names[LC__MAX] = {
	"V_BASE_MISMATCH", "V_RMAP_MISS", "V_MULTI_MAP", "V_DANGLING_ROOT",
	"V_KIND_MISMATCH", "V_ZOMBIE_LEAK", "RACE_VMA_CHANGE", "RACE_UPGRADE",
	"RACE_MM_EXIT",
};

void lazy_hz__record(struct lazy *z, enum lazy_code c, uint64_t addr, const char *what)
{
	struct lazy_first *f = &z->first[c];
	const struct avt_event *ev = z->e->cur_ev;

	if (!f->count++) {
		f->ev_index = z->ev_seen;
		f->ts = ev ? ev->ts : 0;
		f->pid = ev ? ev->pid : 0;
		f->addr = addr;
		snprintf(f->what, sizeof(f->what), "%s", what);
	}
}

/* ---- §4.5 lazy walk ---- */
/* R's mm still exists: the process that created it still has it (O(1),
 * and an mm freed and reused at the same address is not mistaken). */
bool lazy_hz__mm_alive(struct lazy *z, const struct lroot *r)
{
	struct avt_proc *p = avt_proc__find(z->e, r->owner_pid);

	return p && p->mm == r->mm;
}
#define mm_alive lazy_hz__mm_alive

/* Steps 2-4: the PTEs the computed addresses lead to: [start, end) with
 * start = base(R) + index * PAGE_SIZE and end = start + nr * PAGE_SIZE (a
 * large folio: every page of it; after a PMD split or a VMA split it may
 * span several VMAs, all with root R). Returns the PTEs of f found there;
 * *k = VMAs visited (k'), *vmas = of those, VMAs that map f. */
static uint32_t lazy_find(struct lazy *z, struct avt_folio *f, struct lroot *r, uint32_t *k,
			  uint32_t *vmas, bool *root_mismatch)
{
	uint64_t start = root_base(r) + (f->index << PAGE_SHIFT);
	uint64_t end = start + ((uint64_t)(f->nr ? f->nr : 1) << PAGE_SHIFT);
	uint32_t found = 0;
	struct avt_vma *w;

	*k = *vmas = 0;
	*root_mismatch = false;
	if (r->released || !mm_alive(z, r))
		return 0;
	if (f->nr <= 1) {
		w = avt_mm__find(r->mm, start);
		if (!w)
			return 0;
		*k = 1;
		if (vref(w) != r) {
			*root_mismatch = true;
			return 0;
		}
		found = avt_ptes__get(&r->mm->ptes, start >> PAGE_SHIFT) == f;
		*vmas = found;
		return found;
	}
	for (w = avt_mm__find_ge(r->mm, start); w && w->start < end; w = w->next) {
		uint64_t lo = w->start > start ? w->start : start;
		uint64_t hi = w->end < end ? w->end : end;
		uint32_t here = 0;

		(*k)++;
		if (vref(w) != r) {
			*root_mismatch = true;
			continue;
		}
		for (uint64_t p = lo >> PAGE_SHIFT; p < hi >> PAGE_SHIFT; p++)
			here += avt_ptes__get(&r->mm->ptes, p) == f;
		found += here;
		*vmas += here ? 1 : 0;
	}
	return found;
}

void lazy_hz__lazy_walk(struct lazy *z, struct avt_folio *f, struct lroot *r, bool lock,
			struct avt_rmap_result *res)
{
	uint32_t k, vmas, found;
	bool mism;

	memset(res, 0, sizeof(*res));
	if (r->released) {
		/* step 1: stale handle; dangling if still mapped (counted at
		 * the release, §5 V_DANGLING_ROOT) */
		if (lock)
			z->st.stale_walks++;
		return;
	}
	found = lazy_find(z, f, r, &k, &vmas, &mism);
	res->mapping = vmas;
	res->visited = k;
	res->tree_size = mm_alive(z, r) ? r->mm->map_count : 0;
	if (!lock)
		return;
	z->st.rmap_lazy_walks++;
	if (mm_alive(z, r)) {
		uint32_t nr = r->mm->map_count, nodes = 1;

		while (nr > 16) {	/* max(1, ceil(log16(nr_vmas))) */
			nr = (nr + 15) / 16;
			nodes++;
		}
		z->st.rmap_maple_lookups++;
		z->st.rmap_maple_nodes += nodes;
	}
	z->st.rmap_vma_locks += k;
	z->st.rmap_root_mismatch += mism;
	z->st.rmap_false_alias += k - res->mapping;
	z->st.rmap_domain_vmas_sum += k;
	z->st.rmap_domain_mms_sum += k ? 1 : 0;
	if (k > z->st.rmap_domain_vmas_max)
		z->st.rmap_domain_vmas_max = k;
	if ((k ? 1u : 0u) > z->st.rmap_domain_mms_max)
		z->st.rmap_domain_mms_max = 1;
	if (f->mapcount > found)
		z->st.rmap_misses += f->mapcount - found;	/* PTEs not found */
}

/* ---- interval walks (RACE_*) ---- */
static struct avt_folio *event_folio(struct lazy *z, const struct avt_event *ev,
				     struct avt_mm **mmp)
{
	uint32_t pid = ev->u.rmap.target_pid ? ev->u.rmap.target_pid : ev->pid;
	struct avt_proc *p = avt_proc__find(z->e, pid);

	if (!p || !p->mm)
		return NULL;
	*mmp = p->mm;
	return avt_ptes__get(&p->mm->ptes, ev->u.rmap.addr >> PAGE_SHIFT);
}

void lazy_hz__walk_event(struct lazy *z, const struct avt_event *ev)
{
	const struct avt_ev_rmap *rm = &ev->u.rmap;

	if (rm->kind == AVT_RMAP_BEGIN) {
		struct avt_mm *mm = NULL;
		struct avt_folio *f = event_folio(z, ev, &mm);
		struct lazy_walk *w;

		z->st.interval_walks++;
		if (z->nwalks == z->capwalks) {
			size_t nc = z->capwalks ? z->capwalks * 2 : 8;
			void *nb = realloc(z->walks, nc * sizeof(*z->walks));

			if (!nb)
				return;
			z->walks = nb;
			z->capwalks = nc;
		}
		w = &z->walks[z->nwalks++];
		memset(w, 0, sizeof(*w));
		w->id = rm->walk_id;
		w->addr = rm->addr;
		w->pid = ev->pid;
		if (f && fm_is_lazy(f->mapping)) {
			w->root = fm_ptr(f->mapping);
			w->mm = w->root->mm;
		}
		return;
	}
	if (rm->kind != AVT_RMAP_END)
		return;
	for (size_t i = 0; i < z->nwalks; i++) {
		struct lazy_walk *w = &z->walks[i];

		if (w->id != rm->walk_id)
			continue;
		if (w->vma_change) {
			lazy_hz__record(z, LC_RACE_VMA_CHANGE, w->addr, "VMA change during a lazy walk");
			z->st.rmap_lock_fallbacks++;
		}
		if (w->upgrade)
			lazy_hz__record(z, LC_RACE_UPGRADE, w->addr, "upgrade of the walk's root");
		if (w->mm_exit)
			lazy_hz__record(z, LC_RACE_MM_EXIT, w->addr, "exit of the root's mm");
		z->walks[i] = z->walks[--z->nwalks];
		return;
	}
}

void lazy_hz__mark_vma_change(struct lazy *z, struct avt_mm *mm)
{
	for (size_t i = 0; i < z->nwalks; i++)
		if (z->walks[i].root && z->walks[i].mm == mm)
			z->walks[i].vma_change = true;
}

void lazy_hz__mark_upgrade(struct lazy *z, struct lroot *old)
{
	for (size_t i = 0; i < z->nwalks; i++)
		if (z->walks[i].root == old)
			z->walks[i].upgrade = true;
}

void lazy_hz__mark_exit(struct lazy *z, struct avt_mm *mm)
{
	for (size_t i = 0; i < z->nwalks; i++)
		if (z->walks[i].root && z->walks[i].mm == mm)
			z->walks[i].mm_exit = true;
}

static bool push(struct lroot ***arr, size_t *n, size_t *cap, struct lroot *r)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		void *nb = realloc(*arr, nc * sizeof(**arr));

		if (!nb)
			return false;
		*arr = nb;
		*cap = nc;
	}
	(*arr)[(*n)++] = r;
	return true;
}

/* relq: refcount reached 0; watch: zombies and released roots to drop */
void lazy_hz__queue(struct lazy *z, struct lroot *r, bool watch)
{
	if (watch) {
		if (!r->watched && push(&z->watch, &z->nwatch, &z->capwatch, r))
			r->watched = true;
	} else if (!r->queued && push(&z->relq, &z->nrelq, &z->caprelq, r)) {
		r->queued = true;
	}
}

/* ---- per-folio conditions ---- */
/* Conditions one PTE (of folio f, in VMA w) contributes. */
static unsigned pte_conds(struct avt_folio *f, const struct avt_vma *w)
{
	unsigned bits = 0;

	if (fm_is_lazy(f->mapping)) {
		struct lroot *r = fm_ptr(f->mapping);
		unsigned k = w ? vkind(w) : LK_NONE;

		if (k == LK_EAGER || k == LK_NONE || vref(w) != r)
			bits |= FM_KIND;	/* (a), (c) */
		/* more PTEs than pages: some page is mapped twice. A large
		 * folio's PTEs in one mm are its distinct pages (one mapping
		 * per mm, by a PMD or by its PTEs); PTEs in a second mm are
		 * found by the scan (scan_pte) */
		if (f->mapcount > (f->nr ? f->nr : 1u))
			bits |= FM_MULTI;
	} else if (w && vkind(w) == LK_LAZY) {
		bits |= FM_KIND;		/* (b) */
	}
	return bits;
}

static void folio_settle_work(struct lazy *z, struct avt_folio *f, unsigned now, bool complete,
			      uint64_t addr)
{
	unsigned old = (uintptr_t)f->mapping & (FM_MISS | FM_MULTI | FM_KIND);
	unsigned set = now & ~old;
	uintptr_t m = (uintptr_t)f->mapping;

	if (fm_is_lazy(f->mapping)) {
		struct lroot *r = fm_ptr(f->mapping);
		uint32_t k, vmas;
		bool mism;

		if (!r->released && lazy_find(z, f, r, &k, &vmas, &mism) < f->mapcount)
			set |= FM_MISS & ~old, now |= FM_MISS;
	}
	if (set & FM_MISS)
		lazy_hz__record(z, LC_RMAP_MISS, addr, "lazy folio's computed address misses a PTE");
	if (set & FM_MULTI)
		lazy_hz__record(z, LC_MULTI_MAP, addr, "lazy folio mapped more than once");
	if (set & FM_KIND)
		lazy_hz__record(z, LC_KIND_MISMATCH, addr, "folio type disagrees with its VMA");
	m |= now;
	if (complete)
		m &= ~(uintptr_t)(old & ~now);
	f->mapping = (void *)m;
}

/* The common case (an eager folio's conditions unchanged: no lazy walk,
 * nothing set or cleared) costs no call. */
static inline void folio_settle(struct lazy *z, struct avt_folio *f, unsigned now, bool complete,
				uint64_t addr)
{
	if (now == ((uintptr_t)f->mapping & (FM_MISS | FM_MULTI | FM_KIND)) &&
	    !fm_is_lazy(f->mapping))
		return;
	folio_settle_work(z, f, now, complete, addr);
}

/* aggregation of folios with mapcount > 1 within one scan: the folio
 * remembers its entry, so no lookup structure */
static struct lazy_agg *agg_slot(struct lazy *z, struct avt_folio *f)
{
	struct lazy_agg *a;

	if (f->agg < z->aggn && z->agg[f->agg].f == f)
		return &z->agg[f->agg];
	if (z->aggn == z->aggcap) {
		size_t nc = z->aggcap ? z->aggcap * 2 : 256;
		struct lazy_agg *na = realloc(z->agg, nc * sizeof(*na));

		if (!na)
			return NULL;
		z->agg = na;
		z->aggcap = nc;
	}
	f->agg = (uint32_t)z->aggn;
	a = &z->agg[z->aggn++];
	a->f = f;
	a->bits = 0;
	a->seen = 0;
	return a;
}

/* The per-event counts scan_folios/scan_vrefs are valid for the event
 * numbered scan_epoch only (the low 32 bits of ev_seen): the first count of
 * an event zeroes them, so no walk clears every watched root per event. */
static inline void root_count(struct lazy *z, struct lroot *r)
{
	if (r->scan_epoch != (uint32_t)z->ev_seen) {
		r->scan_epoch = (uint32_t)z->ev_seen;
		r->scan_folios = r->scan_vrefs = 0;
	}
}

static inline uint64_t root_folios(const struct lazy *z, const struct lroot *r)
{
	return r->scan_epoch == (uint32_t)z->ev_seen ? r->scan_folios : 0;
}

static inline uint64_t root_vrefs(const struct lazy *z, const struct lroot *r)
{
	return r->scan_epoch == (uint32_t)z->ev_seen ? r->scan_vrefs : 0;
}

static inline struct lroot *fm_ptr_root(const struct avt_folio *f)
{
	return fm_ptr(f->mapping);
}

/* upgrade_rewrite=during_copy: a folio left on the old root of an upgrade
 * of this event inside a VMA that went EAGER */
static bool pend_missed(struct lazy *z, struct lroot *r, const struct avt_vma *w)
{
	for (size_t j = 0; j < z->npend && w && vkind(w) == LK_EAGER; j++)
		if (z->pend[j].old == r)
			return true;
	return false;
}

static void scan_pte(struct lazy *z, struct avt_mm *mm, struct avt_folio *f, struct avt_vma *w,
		     uint64_t pfn)
{
	unsigned bits = pte_conds(f, w);
	bool lazy = fm_is_lazy(f->mapping);

	z->st.scan_ptes++;
	if (f->nr > 1) {
		/* a large folio: one folio for the counts below however many
		 * of its PTEs the scan meets; mapped in a second mm = V_MULTI_MAP */
		struct lazy_agg *a = agg_slot(z, f);

		if (!a)
			return;
		if (!a->seen) {
			a->addr = pfn << PAGE_SHIFT;
			a->mm = mm;
			if (lazy) {
				root_count(z, fm_ptr_root(f));
				fm_ptr_root(f)->scan_folios++;
				if (pend_missed(z, fm_ptr_root(f), w)) {
					z->st.upg_rw_missed++;
					z->st.upg_rw_missed_pages += f->nr;
				}
			}
		} else if (a->mm != mm && lazy) {
			bits |= FM_MULTI;
		}
		if (lazy && (bits & FM_MULTI))
			z->cross_mm = true;
		a->bits |= bits;
		a->seen++;
		return;
	}
	if (lazy) {
		struct lroot *r = fm_ptr(f->mapping);

		root_count(z, r);
		r->scan_folios++;
		if (pend_missed(z, r, w)) {
			z->st.upg_rw_missed++;
			z->st.upg_rw_missed_pages++;
		}
	}
	if (f->mapcount > 1) {
		struct lazy_agg *a = agg_slot(z, f);

		if (lazy)
			z->cross_mm = true;
		if (a) {
			if (!a->seen)
				a->addr = pfn << PAGE_SHIFT;
			a->bits |= bits;
			a->seen++;
		}
		return;
	}
	folio_settle(z, f, bits, true, pfn << PAGE_SHIFT);
}

/* Every PTE of mm once, in page order: VMA by VMA page by page when the
 * VMAs are dense enough, else through the page table with a VMA lookup. */
static void scan_mm(struct lazy *z, struct avt_mm *mm)
{
	struct avt_vma *w;
	uint64_t pages = 0, pfn;
	struct avt_pte_iter it;
	struct avt_folio *f;

	if (!mm->ptes.n)
		return;
	avt_for_each_vma(mm, w)
		pages += (w->end - w->start) >> PAGE_SHIFT;
	if (pages <= 4 * mm->ptes.n) {
		avt_for_each_vma(mm, w) {
			const struct avt_pte_leaf *l;
			struct avt_pte_range r;
			uint32_t m;

			avt_ptes__range(&mm->ptes, w->start >> PAGE_SHIFT, w->end >> PAGE_SHIFT, &r);
			while ((l = avt_ptes__range_leaf(&r, &m)))
				for (; m; m &= m - 1)
					scan_pte(z, mm, l->f[__builtin_ctz(m)], w,
						 (l->key << AVT_LEAF_SHIFT) + (unsigned)__builtin_ctz(m));
		}
		return;
	}
	w = NULL;
	avt_ptes__iter(&mm->ptes, &it);
	while ((f = avt_ptes__next(&it, &pfn))) {
		if (!w || (pfn << PAGE_SHIFT) < w->start || (pfn << PAGE_SHIFT) >= w->end)
			w = avt_mm__find(mm, pfn << PAGE_SHIFT);
		scan_pte(z, mm, f, w, pfn);
	}
}

/* The PTEs of large folio f in mm (a fault at addr mapped it): its pages
 * lie at the addresses of their linear indexes, [index, index + nr), in
 * the VMAs around addr (one mapping per mm; a folio mapped elsewhere as
 * well is settled as incomplete, never cleared). */
static void scan_large(struct lazy *z, struct avt_mm *mm, struct avt_folio *f, uint64_t addr)
{
	struct avt_vma *w = avt_mm__find(mm, addr);
	uint64_t pfn = addr >> PAGE_SHIFT, first, idx;

	if (!w)
		return;
	idx = w->pgoff + (pfn - (w->start >> PAGE_SHIFT));
	if (idx < f->index || idx - f->index >= f->nr) {
		scan_pte(z, mm, f, w, pfn);	/* not where its index says */
		return;
	}
	first = pfn - (idx - f->index);
	w = NULL;
	for (uint64_t p = first; p < first + f->nr; p++) {
		if (avt_ptes__get(&mm->ptes, p) != f)
			continue;
		if (!w || (p << PAGE_SHIFT) < w->start || (p << PAGE_SHIFT) >= w->end)
			w = avt_mm__find(mm, p << PAGE_SHIFT);
		scan_pte(z, mm, f, w, p);
	}
}

static void scan_vmas(struct lazy *z, struct avt_mm *mm)
{
	struct avt_vma *v;

	avt_for_each_vma(mm, v) {
		struct lroot *r = vref(v);
		bool bad;

		if (!r)
			continue;
		root_count(z, r);
		r->scan_vrefs++;
		bad = vma_base(v) != root_base(r);
		if (bad && !(v->sw & SW_BASEBAD))
			lazy_hz__record(z, LC_BASE_MISMATCH, v->start,
					"VMA base differs from its root's base");
		if (bad)
			v->sw |= SW_BASEBAD;
		else
			v->sw &= ~(uintptr_t)SW_BASEBAD;
	}
}

/* The test-only hook: one phantom reference on every zombie root (or, with
 * none, on the newest live root) after event N. */
static void test_leak(struct lazy *z)
{
	struct avt_list *p;
	struct lroot *newest = NULL;
	bool any = false;

	avt_list_for_each(p, &z->roots) {
		struct lroot *r = avt_container_of(p, struct lroot, all);

		if (r->released)
			continue;
		if (r->zombie) {
			r->refcount++;
			any = true;
		}
		newest = r;
	}
	if (!any && newest)
		newest->refcount++;
}

/* The span of the VMAs overlapping [lo, hi) and of their two neighbours,
 * [*a, *b) (empty: *a == *b). With large folios in the engine it is widened
 * by a PMD on each side: a large folio with a PTE in the span has every
 * PTE of its mm within nr pages of it (one mapping per mm, linear), and
 * its conditions depend on all of them (a straddling folio rewritten by
 * an upgrade of one VMA, §4.4 step 4). */
static void window_span(struct lazy *z, struct avt_mm *mm, uint64_t lo, uint64_t hi,
			uint64_t *a, uint64_t *b)
{
	struct avt_vma *w = avt_mm__find_ge(mm, lo);

	*a = *b = 0;
	if (!w)
		w = mm->last;
	else if (w->prev)
		w = w->prev;
	if (!w)
		return;
	*a = w->start;
	for (; w; w = w->next) {
		*b = w->end;
		if (w->start >= hi)
			break;		/* the neighbour after the range */
	}
	if (z->e->st.thp_alloc) {
		*a = *a > PMD_SIZE ? *a - PMD_SIZE : 0;
		*b = *b + PMD_SIZE > *b ? *b + PMD_SIZE : UINT64_MAX & ~(PAGE_SIZE - 1);
	}
}

/* every PTE of [a, b) once */
static void scan_span(struct lazy *z, struct avt_mm *mm, uint64_t a, uint64_t b)
{
	/* every PTE lies in a VMA (invariant I7): probe the VMAs overlapping
	 * [a, b), not the gaps between them; same PTEs, same order */
	for (struct avt_vma *w = avt_mm__find_ge(mm, a); w && w->start < b; w = w->next) {
		uint64_t lo = w->start > a ? w->start : a, hi = w->end < b ? w->end : b;
		const struct avt_pte_leaf *l;
		struct avt_pte_range r;
		uint32_t m;

		avt_ptes__range(&mm->ptes, lo >> PAGE_SHIFT, hi >> PAGE_SHIFT, &r);
		while ((l = avt_ptes__range_leaf(&r, &m)))
			for (; m; m &= m - 1)
				scan_pte(z, mm, l->f[__builtin_ctz(m)], w,
					 (l->key << AVT_LEAF_SHIFT) + (unsigned)__builtin_ctz(m));
	}
}

/* PTEs of the windows of up to two ranges, each PTE once */
static void scan_windows(struct lazy *z, struct avt_mm *mm, uint64_t rg[2][2], int nr)
{
	uint64_t s[2][2];

	for (int k = 0; k < nr; k++)
		window_span(z, mm, rg[k][0], rg[k][1], &s[k][0], &s[k][1]);
	if (nr == 2 && s[0][0] < s[1][1] && s[1][0] < s[0][1]) {
		s[0][0] = s[0][0] < s[1][0] ? s[0][0] : s[1][0];
		s[0][1] = s[0][1] > s[1][1] ? s[0][1] : s[1][1];
		nr = 1;
	}
	for (int k = 0; k < nr; k++)
		if (s[k][0] < s[k][1])
			scan_span(z, mm, s[k][0], s[k][1]);
}

/* The address ranges a syscall works on; 0 = unknown (scan the mm). */
static int sys_ranges(const struct avt_ev_syscall *sc, uint64_t r[2][2])
{
	const uint64_t *a = sc->args;

	switch (sc->sys) {
	case AVT_SYS_MMAP:
		if (sc->ret < 0)
			return -1;
		r[0][0] = (uint64_t)sc->ret;
		r[0][1] = (uint64_t)sc->ret + a[1];
		return 1;
	case AVT_SYS_MUNMAP: case AVT_SYS_MPROTECT: case AVT_SYS_PKEY_MPROTECT:
	case AVT_SYS_MADVISE: case AVT_SYS_MLOCK: case AVT_SYS_MLOCK2: case AVT_SYS_MUNLOCK:
	case AVT_SYS_MBIND: case AVT_SYS_SET_MEMPOLICY_HOME_NODE: case AVT_SYS_MSEAL:
	case AVT_SYS_REMAP_FILE_PAGES: case AVT_SYS_UFFD_REGISTER: case AVT_SYS_UFFD_UNREGISTER:
	case AVT_SYS_UFFD_ZEROPAGE:
		r[0][0] = a[0];
		r[0][1] = a[0] + a[1];
		return 1;
	case AVT_SYS_UFFD_COPY:
		r[0][0] = a[0];
		r[0][1] = a[0] + a[2];
		return 1;
	case AVT_SYS_UFFD_MOVE:
		r[0][0] = a[0];
		r[0][1] = a[0] + a[2];
		r[1][0] = a[1];
		r[1][1] = a[1] + a[2];
		return 2;
	case AVT_SYS_MREMAP:
		r[0][0] = a[0];
		r[0][1] = a[0] + (a[1] > a[2] ? a[1] : a[2]);
		if (sc->ret < 0 || (uint64_t)sc->ret == a[0])
			return 1;
		r[1][0] = (uint64_t)sc->ret;
		r[1][1] = (uint64_t)sc->ret + a[2];
		return 2;
	default:
		return 0;
	}
}

static void scan_one(struct lazy *z, struct avt_mm *mm)
{
	for (int i = 0; i < z->nscanned; i++)
		if (z->scanned[i] == mm)
			return;
	if (z->nscanned < 4)
		z->scanned[z->nscanned++] = mm;
	scan_vmas(z, mm);
	scan_mm(z, mm);
}

static bool root_scanned(struct lazy *z, const struct lroot *r)
{
	if (z->scanned_all)
		return true;
	for (int i = 0; i < z->nscanned; i++)
		if (z->scanned[i] == r->mm)
			return true;
	return false;
}

/* every PTE of r's mm was counted this event, or the mm is gone */
static bool watch_seen(struct lazy *z, const struct lroot *r)
{
	return root_scanned(z, r) || !mm_alive(z, r);
}

static void drop_root(struct lazy *z, struct lroot *r)
{
	avt_list_del(&r->all);
	avt_pool__free(&z->root_pool, r);
}

/*
 * End of one event: release the roots whose last reference went (§4.2),
 * re-evaluate the §5 conditions, check V_DANGLING_ROOT at each release,
 * free released zombies, check the remaining zombies (V_ZOMBIE_LEAK).
 *
 * Which page tables are scanned: a lazy folio is, unless a hazard already
 * happened, mapped once, in its root's mm; every change of its state
 * happens in an mm the event touches (its process, a fork child, a
 * process_madvise/KSM target). So the touched mms are scanned, and all
 * mms once a lazy folio was seen mapped twice (cross_mm), under the
 * test-only options, and after snapshots.
 */
void lazy_hz__after_event(struct lazy *z, const struct avt_event *ev)
{
	struct avt_engine *e = z->e;
	struct avt_proc *pr = avt_proc__find(e, ev->pid);
	size_t nrel, i, j;

	z->ev_seen++;
	if ((uint32_t)z->ev_seen == 0) {	/* epoch wrapped: no stale count may match */
		struct avt_list *p;

		avt_list_for_each(p, &z->roots) {
			struct lroot *r = avt_container_of(p, struct lroot, all);

			r->scan_epoch = 0;
			r->scan_folios = r->scan_vrefs = 0;
		}
	}
	if (z->o.vma_extra_bytes)
		lav__meta_update(z);	/* VMA counts change outside the scheme */
	if (z->o.test_leak_ref && z->o.test_leak_ref == z->ev_seen)
		test_leak(z);
	if (ev->type == AVT_EV_RMAP)
		lazy_hz__walk_event(z, ev);

	/* releases (§4.2): every root whose last reference went this event */
	nrel = 0;
	for (i = 0; i < z->nrelq; i++) {
		struct lroot *r = z->relq[i];

		r->queued = false;
		if (r->released || r->refcount > 0)
			continue;
		r->released = true;
		z->st.roots_released++;
		z->st.roots_live--;
		root_count(z, r);
		r->scan_folios = 0;
		z->relq[nrel++] = r;
	}
	z->nrelq = 0;

	/* scan */
	z->nscanned = 0;
	z->vscanned = NULL;
	z->scanned_all = z->cross_mm || z->o.skip || z->o.test_leak_ref || z->o.test_full_scan ||
			 ev->type == AVT_EV_SNAP_END;
	z->aggn = 0;
	if (z->scanned_all) {
		for (struct avt_mm *mm = e->mms; mm; mm = mm->all_next) {
			scan_vmas(z, mm);
			scan_mm(z, mm);
		}
		z->st.scans++;
	} else if (ev->type == AVT_EV_FAULT) {
		/* a fault changes one PTE and no root: check that folio only */
		struct avt_folio *f = pr && pr->mm ?
			avt_ptes__get(&pr->mm->ptes, ev->u.fault.addr >> PAGE_SHIFT) : NULL;

		if (f && f->nr > 1) {
			scan_large(z, pr->mm, f, ev->u.fault.addr);
		} else if (f) {
			struct avt_vma *w = avt_mm__find(pr->mm, ev->u.fault.addr);

			folio_settle(z, f, pte_conds(f, w), f->mapcount == 1,
				     ev->u.fault.addr & ~(PAGE_SIZE - 1));
			z->st.scan_ptes++;
		}
	} else if (ev->type == AVT_EV_SYSCALL ||
		   ev->type == AVT_EV_FORK || ev->type == AVT_EV_EXEC || ev->type == AVT_EV_KSM) {
		uint32_t other = 0;

		uint64_t rg[2][2];
		int nr = ev->type == AVT_EV_SYSCALL && z->o.scope == SCOPE_VMA &&
			 ev->u.sys.sys != AVT_SYS_PROCESS_MADVISE ?
			 sys_ranges(&ev->u.sys, rg) : 0;

		/* a root released now, or waiting to be dropped, needs every
		 * PTE of its mm counted (V_DANGLING_ROOT, and a root is only
		 * dropped when no folio points to it any more) */
		for (i = 0; i < nrel && nr > 0; i++)
			if (pr && z->relq[i]->mm == pr->mm)
				nr = 0;
		for (i = 0; i < z->nwatch && nr > 0; i++)
			if (pr && z->watch[i]->released && z->watch[i]->mm == pr->mm)
				nr = 0;
		if (pr && pr->mm && nr > 0) {
			/* a ranged syscall changes the VMAs it covers and their
			 * neighbours (merges); roots are re-counted over all VMAs */
			z->vscanned = pr->mm;
			scan_vmas(z, pr->mm);
			scan_windows(z, pr->mm, rg, nr);
		} else if (pr && pr->mm && nr == 0) {
			scan_one(z, pr->mm);
		}
		if (ev->type == AVT_EV_FORK)
			other = ev->u.fork.child_pid;
		else if (ev->type == AVT_EV_KSM)
			other = ev->u.ksm.target_pid;
		else if (ev->type == AVT_EV_SYSCALL && ev->u.sys.sys == AVT_SYS_PROCESS_MADVISE)
			other = (uint32_t)ev->u.sys.args[0];
		if (other) {
			struct avt_proc *op = avt_proc__find(e, other);

			if (op && op->mm)
				scan_one(z, op->mm);
		}
		z->st.scans++;
	}
	/* multi-mapped folios: settle once, clearing only with every PTE seen */
	for (i = 0; i < z->aggn; i++) {
		struct lazy_agg *a = &z->agg[i];

		folio_settle(z, a->f, a->bits, a->seen >= a->f->mapcount, a->addr);
	}

	/* newly released roots: V_DANGLING_ROOT, free a zombie */
	for (i = 0; i < nrel; i++) {
		struct lroot *r = z->relq[i];

		uint64_t nf = root_folios(z, r);

		if (nf && root_scanned(z, r)) {
			char what[96];

			snprintf(what, sizeof(what),
				 "root #%" PRIu64 " released with %" PRIu64 " mapped folios",
				 r->id, nf);
			lazy_hz__record(z, LC_DANGLING_ROOT, root_start(r), what);
			z->st.dangling_hard++;
		}
		if (r->zombie) {
			r->zombie = false;
			z->st.zombie_live--;
			z->st.zombie_freed++;
			lav__meta_update(z);
		}
		if (!r->vma && !nf && !r->watched)
			drop_root(z, r);
		else
			lazy_hz__queue(z, r, true);
	}
	/* zombies (V_ZOMBIE_LEAK) and released roots waiting to be dropped */
	for (i = j = 0; i < z->nwatch; i++) {
		struct lroot *r = z->watch[i];
		/* released first: most watched roots are released ones a VMA
		 * still points to, kept after one test; watch_seen()
		 * (a pid lookup) only where it decides */
		if (r->released) {
			if (!r->vma && !root_folios(z, r) && watch_seen(z, r)) {
				drop_root(z, r);
				continue;
			}
			z->watch[j++] = r;
			continue;
		}
		if (!r->zombie) {
			r->watched = false;	/* live again (refcount restored) */
			continue;
		}
		if (watch_seen(z, r) || r->mm == z->vscanned) {
			uint64_t nv = root_vrefs(z, r);
			bool leak = nv == 0 || (int64_t)nv != r->refcount;

			if (leak && !r->leak_state)
				lazy_hz__record(z, LC_ZOMBIE_LEAK, r->start,
						"zombie root's refcount disagrees with its users");
			r->leak_state = leak;
		}
		z->watch[j++] = r;
	}
	z->nwatch = j;
}
