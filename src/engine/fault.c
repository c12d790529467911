// SPDX-License-Identifier: MIT
/*
 * Faults and folios (eager-semantics.md §5, §6.10, §7): which faults
 * PREPARE, anon folios created by faults, COW after fork, write-reuse with
 * folio_move_anon_rmap, frees on zap, PTE moves (mremap), PTE copies (fork),
 * the rmap census and explicit rmap walks.
 */
#include <errno.h>
#include "engine/internal.h"

#define OPS(e) ((e)->scheme.ops)
#define S(e) (&(e)->scheme)

static struct avt_folio *folio_new(struct avt_engine *e, struct avt_vma *v, uint64_t addr)
{
	struct avt_folio *f = avt_pool__alloc_sz(&e->folio_pool, sizeof(*f));

	if (!f)
		return NULL;
	f->mapping = OPS(e)->folio_handle(S(e), v);
	f->index = v->pgoff + ((addr - v->start) >> PAGE_SHIFT);
	f->mapcount = 1;
	f->exclusive = 1;
	f->nr = 1;
	avt_count__alloc(&e->st.folio);
	return f;
}

/* the last mapping went (avt_folio__put) */
void avt_folio__free(struct avt_engine *e, struct avt_folio *f)
{
	if (f->nr > 1)
		e->st.thp_free++;
	avt_count__free(&e->st.folio);
	avt_pool__free(&e->folio_pool, f);
}

/* THP enabled for this VMA (thp=always, or madvise with VM_HUGEPAGE; never
 * with VM_NOHUGEPAGE; private anonymous only) and the aligned PMD block
 * lies inside it: the PMD fault path (do_huge_pmd_anonymous_page). */
static bool thp_block_ok(struct avt_engine *e, struct avt_vma *v, uint64_t addr)
{
	uint64_t h = addr & ~(PMD_SIZE - 1);

	if (v->file || (v->flags & (VM_SHARED | VM_HUGETLB)))
		return false;
	if (e->set.thp == 0 || (v->flags & VM_NOHUGEPAGE))
		return false;
	if (e->set.thp == 1 && !(v->flags & VM_HUGEPAGE))
		return false;
	return h >= v->start && h + PMD_SIZE <= v->end;
}

/* do_huge_pmd_anonymous_page PREPAREs even for a read (then maps the huge
 * zero page). An unfaulted VMA has no anon folios, so the PMD holds no anon
 * page table of ours; a faulted one needs no PREPARE anyway. */
static bool thp_read_path(struct avt_engine *e, struct avt_vma *v, uint64_t addr)
{
	return thp_block_ok(e, v, addr);
}

/* A write in an eligible block whose PMD maps nothing of ours (no small
 * page present; a huge zero PMD counts as empty: do_huge_zero_wp_pmd, 6.13+,
 * replaces it by a THP): one folio of HPAGE_NR pages, PMD-mapped. */
static int thp_new(struct avt_engine *e, struct avt_mm *mm, struct avt_vma *v, uint64_t addr)
{
	uint64_t h = addr & ~(PMD_SIZE - 1);
	struct avt_folio *f = folio_new(e, v, h);
	int err = 0;

	if (!f)
		return -ENOMEM;
	f->nr = HPAGE_NR;
	f->mapcount = HPAGE_NR;
	e->st.thp_alloc++;
	for (uint64_t i = 0; i < HPAGE_NR && !err; i++)
		err = avt_ptes__set(e, &mm->ptes, (h >> PAGE_SHIFT) + i, f);
	return err ? err : avt_ptes__set(e, &mm->pmds, h >> PMD_SHIFT, f);
}

/* no page of the block mapped here (probes stop at the first hit) */
static bool block_empty(struct avt_mm *mm, uint64_t addr)
{
	uint64_t p = (addr & ~(PMD_SIZE - 1)) >> PAGE_SHIFT;

	if (!mm->ptes.n)
		return true;
	for (uint64_t i = 0; i < HPAGE_NR; i++)
		if (avt_ptes__get(&mm->ptes, p + i))
			return false;
	return true;
}

/* __split_huge_pmd: the THP stays one (large, PTE-mapped) folio */
static void pmd_split(struct avt_engine *e, struct avt_mm *mm, uint64_t block)
{
	if (avt_ptes__del(&mm->pmds, block))
		e->st.thp_pmd_splits++;
}

void avt_folio__pmd_split_at(struct avt_engine *e, struct avt_mm *mm, uint64_t addr)
{
	if (mm->pmds.n && (addr & (PMD_SIZE - 1)))
		pmd_split(e, mm, addr >> PMD_SHIFT);
}

/* wp_can_reuse_anon_folio for a large folio: every mapping of it is this
 * mm's (the PTE slots of the folio's range here account for all of them) */
static bool thp_reusable(struct avt_engine *e, struct avt_mm *mm, struct avt_vma *v,
			 uint64_t addr, struct avt_folio *f)
{
	uint64_t idx = v->pgoff + ((addr - v->start) >> PAGE_SHIFT);
	uint64_t base = (addr >> PAGE_SHIFT) - (idx - f->index), n = 0;

	(void)e;
	for (uint64_t p = base; p < base + f->nr; p++)
		if (avt_ptes__get(&mm->ptes, p) == f)
			n++;
	return n == f->mapcount;
}

#define STACK_RLIMIT_DEFAULT	(8ULL << 20)
#define STACK_GUARD_GAP		(256 * PAGE_SIZE)

/* expand_downwards: PREPARE the stack VMA, then grow it under the lock */
static struct avt_vma *stack_expand(struct avt_engine *e, struct avt_mm *mm, uint64_t addr)
{
	struct avt_vma *n = avt_mm__find_ge(mm, addr), *p;
	uint64_t s = addr & ~(PAGE_SIZE - 1);

	if (!n || !(n->flags & VM_GROWSDOWN) || addr >= n->start)
		return NULL;
	/* acct_stack_growth: the stack may not exceed RLIMIT_STACK (not in
	 * the trace; the default 8 MiB); expand_downwards: keep the
	 * stack_guard_gap (256 pages) above an accessible non-stack VMA.
	 * A fault beyond either is a SIGSEGV with no anon work. */
	if (n->end - s > STACK_RLIMIT_DEFAULT)
		return NULL;
	p = n->prev;
	if (p && p->end > s)
		return NULL;
	if (p && !(p->flags & VM_GROWSDOWN) && (p->flags & VM_ACCESS_FLAGS) &&
	    s - p->end < STACK_GUARD_GAP)
		return NULL;
	if (avt_vma__prepare(e, n, AVT_PREP_STACK))
		return NULL;
	OPS(e)->range_begin(S(e), n, NULL, AVT_RANGE_STACK);
	n->pgoff -= (n->start - s) >> PAGE_SHIFT;
	avt_mm__rekey(mm, n, s);
	OPS(e)->range_end(S(e), n, NULL, AVT_RANGE_STACK);
	return n;
}

static int fault(struct avt_engine *e, struct avt_mm *mm, uint64_t addr, bool write,
		 bool kernel, enum avt_prepare_site site)
{
	struct avt_vma *v = avt_mm__find(mm, addr);
	uint64_t pfn = addr >> PAGE_SHIFT;
	unsigned idx = pfn & (AVT_LEAF_NR - 1);
	struct avt_pte_leaf *l;
	struct avt_folio *f, *nf;
	int err;

	if (!v)
		v = stack_expand(e, mm, addr);
	if (!v) {
		e->st.faults_unmapped++;
		return 0;
	}
	if (v->flags & (VM_SHARED | VM_IO | VM_PFNMAP))
		return 0;		/* shared/special: never anon */
	/* access_error(): a user fault the VMA does not allow is a SIGSEGV;
	 * kernel-side population (GUP with FOLL_FORCE) may write anyway */
	if (!kernel && !(v->flags & (write ? VM_WRITE : VM_ACCESS_FLAGS))) {
		e->st.faults_segv++;
		return 0;
	}
	/* the leaf is kept for the store below: nothing on the way changes
	 * this page table (PREPARE and folio handles are scheme work) */
	l = avt_ptes__leaf(&mm->ptes, pfn >> AVT_LEAF_SHIFT);
	f = l ? l->f[idx] : NULL;
	if (!write) {
		if (!f && !avt_vma__faulted(e, v) && thp_read_path(e, v, addr)) {
			e->st.faults_thp_read++;
			return avt_vma__prepare(e, v, site);
		}
		return 0;		/* zero page or page cache: no anon work */
	}
	if (f) {
		void *h;

		if (f->nr > 1 && !f->exclusive &&
		    avt_ptes__get(&mm->pmds, addr >> PMD_SHIFT) == f && f->mapcount != f->nr) {
			/* do_huge_pmd_wp_page: shared and not reusable as a
			 * whole (refcount > 1): split the PMD, fall back to a
			 * PTE fault (do_wp_page) on this page. (refcount 1:
			 * folio_move_anon_rmap and reuse, as below.) */
			pmd_split(e, mm, addr >> PMD_SHIFT);
			e->st.thp_cow_fallbacks++;
		}
		if (f->exclusive)
			return 0;	/* wp_page_reuse */
		if (f->nr > 1 && avt_ptes__get(&mm->pmds, addr >> PMD_SHIFT) != f) {
			/* PTE-mapped large folio: __wp_can_reuse_large_anon_folio
			 * reuses when all its mappings are this mm's, without
			 * folio_move_anon_rmap (6.18) */
			if (!thp_reusable(e, mm, v, addr, f))
				goto copy;
			f->exclusive = 1;
			e->st.cow_reuses++;
			return 0;
		}
		if (f->nr > 1 || f->mapcount == 1) {
			/* wp_can_reuse_anon_folio -> folio_move_anon_rmap */
			h = OPS(e)->folio_move(S(e), v, f);
			if (h != f->mapping) {
				e->st.folio_rewrites++;
				e->st.folio_rewrites_move++;
			}
			f->mapping = h;
			f->exclusive = 1;
			e->st.cow_reuses++;
			return 0;
		}
copy:		/* wp_page_copy */
		err = avt_vma__prepare(e, v, site);
		if (err)
			return err;
		nf = folio_new(e, v, addr);
		if (!nf)
			return -ENOMEM;
		avt_folio__put(e, f);
		e->st.cow_copies++;
		l->f[idx] = nf;		/* f's slot */
		return 0;
	}
	err = avt_vma__prepare(e, v, site);
	if (err)
		return err;
	e->st.faults_prepare++;
	if (thp_block_ok(e, v, addr) && block_empty(mm, addr))
		return thp_new(e, mm, v, addr);
	nf = folio_new(e, v, addr);
	if (!nf)
		return -ENOMEM;
	if (!l)
		return avt_ptes__set(e, &mm->ptes, pfn, nf);
	l->f[idx] = nf;			/* was empty (f == NULL) */
	l->mask |= 1u << idx;
	mm->ptes.n++;
	return 0;
}

/* A fault event of the trace (user or kernel mode): the fault path. */
int avt_fault__handle(struct avt_engine *e, struct avt_mm *mm, uint64_t addr, bool write,
		      bool kernel)
{
	return fault(e, mm, addr, write, kernel, AVT_PREP_FAULT);
}

/* A fault the kernel makes on its own behalf under mmap_lock (GUP for
 * population, userfaultfd fills): may bypass VM access checks like
 * FOLL_FORCE; PREPARE is reported with the given site. */
int avt_fault__gup(struct avt_engine *e, struct avt_mm *mm, uint64_t addr, bool write,
		   enum avt_prepare_site site)
{
	return fault(e, mm, addr, write, true, site);
}

/*
 * __mm_populate / populate_vma_page_range: write faults on private
 * writable VMAs, read faults otherwise; VM_IO/VM_PFNMAP VMAs and holes are
 * skipped, VM_LOCKONFAULT ones too (mlock paths). An inaccessible
 * (PROT_NONE) VMA makes GUP fail: with stop_on_error (mlock, MADV_POPULATE_*)
 * population stops there and the caller fails (-EFAULT); mm_populate()
 * callers (mmap, mlockall, brk, mremap) ignore it and go on.
 */
#define POPULATE_MAX (1ULL << 42)	/* 4 TiB */

int avt_fault__populate(struct avt_engine *e, struct avt_mm *mm, uint64_t s, uint64_t end,
			bool write_always, bool stop_on_error)
{
	struct avt_vma *v = avt_mm__find_ge(mm, s);
	uint64_t bytes = 0;

	/* No machine populates more than POPULATE_MAX at once: a trace that
	 * says it did (damaged or hand-edited) would replay for hours, so
	 * such a population is counted as implausible and skipped. */
	for (struct avt_vma *w = v; w && w->start < end && bytes <= POPULATE_MAX; w = w->next)
		bytes += (w->end < end ? w->end : end) - (w->start > s ? w->start : s);
	if (bytes > POPULATE_MAX) {
		e->st.implausible++;
		return 0;
	}
	for (; v && v->start < end; v = v->next) {
		uint64_t a = v->start > s ? v->start : s;
		uint64_t b = v->end < end ? v->end : end;
		bool write;

		if (v->flags & (VM_IO | VM_PFNMAP))
			continue;
		if (!write_always && (v->flags & VM_LOCKONFAULT))
			continue;
		if (!(v->flags & VM_ACCESS_FLAGS)) {
			if (stop_on_error)
				return -EFAULT;
			continue;
		}
		write = write_always || (v->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
		if (!write && (v->file || e->set.thp == 0 || avt_vma__faulted(e, v)))
			continue;	/* read faults: zero page / page cache only */
		if (v->flags & VM_SHARED)
			continue;
		for (; a < b; a += PAGE_SIZE) {
			/* faults never change the layout here: stack growth
			 * needs an address below the VMA */
			int err = avt_fault__gup(e, mm, a, write, AVT_PREP_POPULATE);

			if (err)
				return err;
		}
	}
	return 0;
}

/* PMD-mapped THPs of [s, end): a whole block goes with its PMD
 * (zap_huge_pmd), a part splits the PMD first */
static void pmds_zap(struct avt_engine *e, struct avt_mm *mm, uint64_t s, uint64_t end)
{
	size_t n;

	if (!mm->pmds.n || end <= s)
		return;
	n = avt_ptes__collect(e, &mm->pmds, s >> PMD_SHIFT, ((end - 1) >> PMD_SHIFT) + 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t b = e->scratch[i];

		if (b << PMD_SHIFT >= s && (b + 1) << PMD_SHIFT <= end)
			avt_ptes__del(&mm->pmds, b);
		else
			pmd_split(e, mm, b);
	}
}

/* the entries of leaf key in pages [lo, hi): put their folios, clear them */
static inline void zap_leaf(struct avt_engine *e, struct avt_ptes *t, uint64_t key,
			    uint64_t lo, uint64_t hi)
{
	struct avt_pte_leaf *l = avt_ptes__leaf(t, key);
	uint32_t m;

	if (!l || !(m = l->mask & avt_ptes__range_mask(key, lo, hi)))
		return;
	l->mask &= ~m;
	for (; m; m &= m - 1) {
		unsigned j = (unsigned)__builtin_ctz(m);

		avt_folio__put(e, l->f[j]);
		l->f[j] = NULL;
		t->n--;
	}
	if (!l->mask)
		avt_ptes__leaf_drop(t, l);
}

void avt_folio__zap_range(struct avt_engine *e, struct avt_mm *mm, uint64_t s, uint64_t end)
{
	uint64_t lo = s >> PAGE_SHIFT, hi = end >> PAGE_SHIFT, klo, khi;
	size_t n;

	pmds_zap(e, mm, s, end);
	if (!mm->ptes.n || hi <= lo)
		return;
	/* a leaf at a time, in page order (the folio puts are in page order) */
	klo = lo >> AVT_LEAF_SHIFT;
	khi = (hi - 1) >> AVT_LEAF_SHIFT;
	if (khi - klo < 4) {
		for (uint64_t k = klo; k <= khi; k++)
			zap_leaf(e, &mm->ptes, k, lo, hi);
		return;
	}
	/* the keys first: emptied leaves are dropped */
	n = avt_ptes__leaf_keys(e, &mm->ptes, lo, hi);
	for (size_t i = 0; i < n; i++)
		zap_leaf(e, &mm->ptes, e->scratch[i], lo, hi);
}

void avt_folio__move_range(struct avt_engine *e, struct avt_mm *mm, uint64_t from,
			   uint64_t to, uint64_t len)
{
	size_t n;
	uint64_t shift_from = from >> PAGE_SHIFT, shift_to = to >> PAGE_SHIFT;

	/* move_page_tables: a whole PMD moves as one entry when source and
	 * destination are PMD-aligned alike; otherwise it is split first */
	if (mm->pmds.n && len) {
		n = avt_ptes__collect(e, &mm->pmds, from >> PMD_SHIFT,
				      ((from + len - 1) >> PMD_SHIFT) + 1);
		for (size_t i = 0; i < n; i++) {
			uint64_t b = e->scratch[i];
			struct avt_folio *f;

			if (b << PMD_SHIFT >= from && (b + 1) << PMD_SHIFT <= from + len &&
			    !((to - from) & (PMD_SIZE - 1))) {
				f = avt_ptes__del(&mm->pmds, b);
				/* a move down: to - from wraps; shift the sum */
				avt_ptes__set(e, &mm->pmds,
					      ((b << PMD_SHIFT) + (to - from)) >> PMD_SHIFT, f);
			} else {
				pmd_split(e, mm, b);
			}
		}
	}
	n = avt_ptes__collect(e, &mm->ptes, from >> PAGE_SHIFT, (from + len) >> PAGE_SHIFT);

	for (size_t i = 0; i < n; i++) {
		uint64_t p = e->scratch[i];
		struct avt_folio *f = avt_ptes__del(&mm->ptes, p);

		if (f)
			avt_ptes__set(e, &mm->ptes, p - shift_from + shift_to, f);
	}
}

static void pmds_copy(struct avt_engine *e, struct avt_mm *dst, struct avt_mm *src,
		      uint64_t s, uint64_t end);

/* copy_page_range: the child maps the parent's folios (now shared, not
 * exclusive), a leaf at a time (always inline: gcc otherwise makes it a
 * call per leaf) */
static inline __attribute__((always_inline)) void
copy_leaf(struct avt_engine *e, struct avt_ptes *dst, struct avt_ptes *src, uint64_t key,
	  uint64_t lo, uint64_t hi)
{
	struct avt_pte_leaf *l = avt_ptes__leaf(src, key), *d;
	uint32_t m, fresh;

	if (!l || !(m = l->mask & avt_ptes__range_mask(key, lo, hi)))
		return;
	/* dup_mmap copies in ascending order: the child's leaf is its last
	 * one (a neighbour VMA's pages share it) or, past the last, missing
	 * (no probe needed when the sorted order is complete) */
	if (dst->order_ok && dst->nleaves && dst->order[dst->nleaves - 1]->key == key)
		d = dst->order[dst->nleaves - 1];
	else if (dst->order_ok && (!dst->nleaves || dst->order[dst->nleaves - 1]->key < key))
		d = NULL;
	else
		d = avt_ptes__leaf(dst, key);
	if (!d && !(d = avt_ptes__leaf_new(e, dst, key)))
		return;
	/* the entries of m not yet present in d (a fork child's leaf: all,
	 * or all but those of a neighbour VMA's pages the leaf also holds),
	 * counted by SWAR popcount (no -mpopcnt: the builtin is a call) */
	fresh = m & ~d->mask;
	fresh = fresh - ((fresh >> 1) & 0x55555555u);
	fresh = (fresh & 0x33333333u) + ((fresh >> 2) & 0x33333333u);
	dst->n += (((fresh + (fresh >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24;
	d->mask |= m;
	for (; m; m &= m - 1) {
		unsigned j = (unsigned)__builtin_ctz(m);
		struct avt_folio *f = l->f[j];

		f->mapcount++;
		f->exclusive = 0;
		d->f[j] = f;
	}
}

void avt_folio__copy_range(struct avt_engine *e, struct avt_mm *dst, struct avt_mm *src,
			   uint64_t s, uint64_t end)
{
	uint64_t lo = s >> PAGE_SHIFT, hi = end >> PAGE_SHIFT, klo, khi;
	size_t n;

	pmds_copy(e, dst, src, s, end);
	if (!src->ptes.n || hi <= lo)
		return;
	klo = lo >> AVT_LEAF_SHIFT;
	khi = (hi - 1) >> AVT_LEAF_SHIFT;
	if (khi - klo < 4) {
		for (uint64_t k = klo; k <= khi; k++)
			copy_leaf(e, &dst->ptes, &src->ptes, k, lo, hi);
		return;
	}
	n = avt_ptes__leaf_keys(e, &src->ptes, lo, hi);
	for (size_t i = 0; i < n; i++)
		copy_leaf(e, &dst->ptes, &src->ptes, e->scratch[i], lo, hi);
}

/* copy_huge_pmd: the child maps the same THP by PMD (blocks lie inside the
 * VMA, so [s, end) holds whole blocks) */
static void pmds_copy(struct avt_engine *e, struct avt_mm *dst, struct avt_mm *src,
		      uint64_t s, uint64_t end)
{
	size_t n;

	if (!src->pmds.n || end <= s)
		return;
	n = avt_ptes__collect(e, &src->pmds, s >> PMD_SHIFT, end >> PMD_SHIFT);
	for (size_t i = 0; i < n; i++)
		avt_ptes__set(e, &dst->pmds, e->scratch[i],
			      avt_ptes__get(&src->pmds, e->scratch[i]));
}

bool avt_folio__any_in(struct avt_engine *e, struct avt_mm *mm, uint64_t s, uint64_t end)
{
	if (!mm->ptes.n)
		return false;
	return avt_ptes__collect(e, &mm->ptes, s >> PAGE_SHIFT, end >> PAGE_SHIFT) > 0;
}

/* §7.3 census: every mapped folio once, AVCs visited per folio (no lock,
 * no early stop): the cost an rmap walk of each would have now. */
void avt_census__run(struct avt_engine *e)
{
	struct avt_rmap_result r;

	uint64_t alias = 0;

	e->census_epoch++;
	avt_hist__reset(&e->st.census);
	for (struct avt_mm *mm = e->mms; mm; mm = mm->all_next) {
		struct avt_pte_iter it;
		struct avt_folio *f;
		uint64_t pfn;

		avt_ptes__iter(&mm->ptes, &it);
		while ((f = avt_ptes__next(&it, &pfn))) {
			if (f->census == e->census_epoch)
				continue;
			f->census = e->census_epoch;
			OPS(e)->rmap_walk(S(e), f, false, &r);
			avt_hist__add(&e->st.census, r.visited);
			if (r.mapping <= r.visited)
				alias += r.visited - r.mapping;
		}
	}
	e->st.census_false_alias = alias;
	e->st.census_runs++;
	e->st.census_folios_total += e->st.census.count;
	e->st.census_visits_total += e->st.census.sum;
}

/* Explicit rmap event: a walk of the folio mapped at (target, addr). */
int avt_rmap__event(struct avt_engine *e, const struct avt_event *ev)
{
	const struct avt_ev_rmap *rm = &ev->u.rmap;
	struct avt_proc *p = avt_proc__find(e, rm->target_pid ? rm->target_pid : ev->pid);
	struct avt_folio *f;
	struct avt_rmap_result r;

	if (rm->kind == AVT_RMAP_BEGIN)
		return 0;		/* an interval walk counts at its end */
	if (!p || !p->mm) {
		e->st.unknown_pid++;
		return 0;
	}
	f = avt_ptes__get(&p->mm->ptes, rm->addr >> PAGE_SHIFT);
	if (!f) {
		e->st.rmap_no_folio++;
		return 0;
	}
	OPS(e)->rmap_walk(S(e), f, true, &r);
	e->st.rmap_walks++;
	e->st.rmap_visits += r.visited;
	if (r.visited > e->st.rmap_visits_max)
		e->st.rmap_visits_max = r.visited;
	return 0;
}
