/* SPDX-License-Identifier: MIT */
/*
 * Engine internals shared by the VMA layer (mm.c, vma.c, syscalls.c,
 * fault.c, process.c), the report/state/invariant modules and the schemes.
 */
#ifndef AVT_ENGINE_INTERNAL_H
#define AVT_ENGINE_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "avtrace/engine.h"
#include "engine/list.h"
#include "engine/pool.h"
#include "engine/scheme.h"
#include "engine/vmflags.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096ULL
#define PMD_SIZE   (2ULL << 20)
#define PMD_SHIFT  21
#define HPAGE_NR   (PMD_SIZE >> PAGE_SHIFT)
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define AV_BYTES  104
#define AVC_BYTES 64
#define VMA_BYTES 192

struct avt_vma {
	uint64_t start, end;		/* bytes, [start, end) */
	uint64_t pgoff;			/* pages */
	uint64_t flags;			/* VM_* */
	uint64_t file;			/* file identity, 0 = none (anonymous) */
	uint64_t dev, ino;		/* printed identity of the file */
	uint64_t policy, anon_name, uffd_ctx;	/* merge-relevant attributes */
	struct avt_mm *mm;
	/* scheme words: the VMA layer never reads these */
	void *anon;
	struct avt_list chain;
	uintptr_t sw;
	/* VMA layer */
	struct avt_vma *prev, *next;	/* address order */
	struct avt_vma *tl, *tr;	/* treap by start */
	uint32_t prio;
	uint32_t census;
};

/* One anonymous folio: order 0, or a PMD-sized THP (nr = HPAGE_NR pages
 * from index, mapped by nr PTE slots; mapcount counts slots in all mms).
 * mapping belongs to the scheme. */
struct avt_folio {
	void *mapping;
	uint64_t index;
	uint32_t mapcount;
	uint8_t exclusive;
	uint16_t nr;			/* pages covered: 1 or HPAGE_NR */
	uint32_t census;		/* census epoch, to visit each once */
	uint32_t agg;			/* scheme scratch: lazy's aggregation slot */
};

/*
 * Page table of one mm: page number -> folio, two levels like the kernel's
 * page tables: leaves of AVT_LEAF_NR consecutive pages (fork copies, zaps
 * and scans work a leaf at a time, not a hash probe per PTE), found through
 * an open-addressing hash of leaf pointers keyed by pfn >> AVT_LEAF_SHIFT.
 * 16 pages per leaf: sparse layouts (a few pages per VMA) stay small, dense
 * ones take one probe per 16 pages. ptes.c; iteration is in page order.
 */
#define AVT_LEAF_SHIFT 4
#define AVT_LEAF_NR (1u << AVT_LEAF_SHIFT)
struct avt_pte_leaf {
	uint64_t key;			/* pfn >> AVT_LEAF_SHIFT */
	uint32_t mask;			/* present entries (f[j] != NULL) */
	struct avt_folio *f[AVT_LEAF_NR];
};

struct avt_ptes {
	struct avt_pte_leaf **slot;	/* cap slots, NULL = empty */
	size_t cap;			/* power of 2 (0 = nothing allocated) */
	uint32_t shift;			/* 64 - log2(cap) */
	bool order_ok;			/* order[] sorted and complete */
	size_t nleaves;
	size_t n;			/* present PTEs */
	struct avt_pool *pool;		/* where the leaves come from */
	struct avt_pte_leaf **order;	/* the leaves, by key when order_ok */
	size_t order_cap;
};

struct avt_mm {
	struct avt_vma *root;		/* treap */
	struct avt_vma *first, *last;
	struct avt_vma *vcache;		/* last VMA found (cleared on erase) */
	uint32_t map_count;
	uint32_t users;			/* processes sharing it (vfork/CLONE_VM) */
	uint64_t start_brk, brk;	/* brk == 0: unknown */
	uint64_t def_flags;		/* mlockall(MCL_FUTURE) */
	struct avt_ptes ptes;
	struct avt_ptes pmds;		/* PMD-mapped THPs: PMD block number -> folio */
	struct avt_mm *all_next, *all_prev;
	uint32_t owner_pid;
	bool passive;
};

struct avt_proc_stats {
	uint64_t av_alloc, avc_alloc, lock_w, lock_r, faults, events;
	uint64_t prepares;		/* PREPAREs the engine ran for it */
	uint64_t truth_prepares;	/* the kernel's PREPARE-site AVC allocs */
};

/* Why a process's results are not exact (issue 4: tainted in every report). */
enum avt_taint {
	AVT_TAINT_UNMODELLED = 1u << 0,	/* a VMA change no event explains */
	AVT_TAINT_DROPS = 1u << 1,	/* the recorder lost some of its events */
};

struct avt_proc {
	uint32_t pid;
	uint64_t start;
	char comm[AVT_COMM_LEN];
	struct avt_mm *mm;
	bool live, passive;
	bool snap_open;			/* being rebuilt from a snapshot */
	uint8_t taint;			/* enum avt_taint */
	struct avt_proc_stats st;
	struct avt_proc *hnext;		/* pid hash chain (live ones) */
};

struct avt_obj_count {
	uint64_t alloc, free, live, peak;
};

struct avt_hist {			/* growable histogram of small integers */
	uint64_t *v;
	size_t n;
	uint64_t count, sum, max;
};

/* Lock bookkeeping kept inside each family root by the scheme. */
struct avt_lock_family {
	uint64_t id;			/* family serial */
	uint64_t w, r;
	uint64_t last_ts;
	uint32_t last_cpu, last_pid;
	bool seen, last_write;
};

struct avt_stats {
	struct avt_obj_count av, avc, vma, folio;
	uint64_t av_transient, avc_transient;
	uint64_t av_seeded, avc_seeded;
	uint64_t meta_peak;
	uint64_t meta_scheme_live;	/* scheme-specific metadata bytes live (lazy:
					 * zombie roots, extra per-VMA bytes); in meta.end */
	uint64_t lock_w, lock_r;
	uint64_t lock_w_tag[AVT_LT__MAX], lock_r_tag[AVT_LT__MAX];
	uint64_t lock_work;
	uint64_t lock_contended;
	uint64_t family_max_w, family_max_r, families;
	uint64_t chain_max;		/* longest chain seen at any time */
	uint64_t folio_rewrites, folio_rewrites_move, folio_rewrites_uffd;
	uint64_t cow_copies, cow_reuses;
	uint64_t thp_alloc, thp_free, thp_pmd_splits, thp_cow_fallbacks;
	uint64_t prepares, prepare_reuses;
	uint64_t merges, merge_refused[AVT_MR__MAX], splits;
	uint64_t forks, fork_reuses, execs, exits;
	uint64_t rmap_walks, rmap_visits, rmap_visits_max, rmap_no_folio;
	uint64_t census_runs;
	struct avt_hist census;		/* AVCs visited per folio, last census */
	uint64_t census_folios_total, census_visits_total, census_false_alias;
	uint64_t unknown_pid, unmodelled, failed_syscalls, ret_mismatch;
	uint64_t implausible;		/* "successful" calls no kernel accepts: not applied */
	uint64_t faults_unmapped, faults_segv, faults_prepare, faults_thp_read;
	uint64_t snap_vmas, snap_truncated, snap_ignored;
	/* kernel truth carried by the trace (alloc events), for comparison */
	uint64_t truth_av_alloc, truth_av_free, truth_avc_alloc, truth_avc_free;
	uint64_t trace_dropped, ksm_events;
	/* §6 fork cost proxy: objects allocated while a fork event ran
	 * (incl. upgrades it triggered and K7's transient pair) */
	uint64_t fork_av_alloc, fork_avc_alloc;
	/* VMA structs allocated but in no mm (lazy's zombie roots): the
	 * active_kb.vm_area_struct figure counts them */
	uint64_t vma_zombie_live;
};

/* §6 "active KB at any checkpoint the trace marks": live objects at a
 * checkpoint event (report.c prints them per checkpoint number) */
struct avt_kb_sample {
	uint32_t n;
	uint64_t av, avc, vma;		/* vma: live + zombies */
};

struct avt_settings {
	int thp;			/* 0 never, 1 madvise, 2 always */
	int overcommit;			/* vm.overcommit_memory */
	bool soft_dirty;		/* CONFIG_MEM_SOFT_DIRTY: new VMAs get VM_SOFTDIRTY */
	uint32_t max_map_count;
	int kernel_major, kernel_minor;	/* from release */
};

/* Fork windows (order.c): faults of other threads racing a fork. */
struct avt_order;
struct avt_order_stats {
	uint64_t windows;		/* clone_enter markers */
	uint64_t concurrent;		/* of those, opened while another was open */
	uint64_t faults;		/* faults held inside a window */
	uint64_t before, after;		/* placed by the allocation truth */
	uint64_t undecided;		/* left in trace order */
	uint64_t undecided_effect;	/* of those, able to change an anon_vma or layout */
	uint64_t conflicts;		/* truth against a thread's program order */
	uint64_t unheld_prepares;	/* after the copy began, by a thread with no held fault */
};
struct avt_order_undecided {		/* one undecided fault with an effect */
	uint32_t pid, child;		/* child: of the fork it raced (0: none) */
	uint64_t addr;
};
typedef int (*avt_dispatch_fn)(struct avt_engine *e, const struct avt_event *ev);
int avt_order__feed(struct avt_engine *e, const struct avt_event *ev, avt_dispatch_fn dispatch);
int avt_order__finish(struct avt_engine *e, avt_dispatch_fn dispatch);
void avt_order__free(struct avt_engine *e);
void avt_order__stats(const struct avt_engine *e, struct avt_order_stats *st);
/* the undecided faults with an effect the last fed event released */
size_t avt_order__undecided(const struct avt_engine *e, const struct avt_order_undecided **u);

struct avt_engine {
	struct avt_scheme scheme;
	struct avt_settings set;
	struct avt_stats st;
	struct avt_pool vma_pool, folio_pool, proc_pool, mm_pool, leaf_pool;
	struct avt_proc **pid_hash;
	size_t pid_hash_cap;
	struct avt_proc **procs;	/* every process ever seen (per-process report) */
	size_t nr_procs, cap_procs;
	struct avt_mm *mms;		/* all live mms */
	uint64_t nr_events;
	const struct avt_event *cur_ev;
	struct avt_proc *cur;		/* process the current event is charged to */
	struct avt_proc *last_proc;	/* lookup cache (cleared when unhashed) */
	uint32_t census_epoch;
	uint64_t shm_serial;
	uint32_t rng;
	int check_invariants;
	avt_lock_cb on_lock;
	void *lock_ctx;
	uint64_t window_ns;
	char err[256];
	/* scratch for page-range walks */
	uint64_t *scratch;
	size_t scratch_cap;
	/* state-at-checkpoint */
	uint32_t state_cp;
	FILE *state_out;
	bool state_cp_set;
	/* snapshot being rebuilt */
	uint32_t snap_open;		/* processes being rebuilt now */
	bool snap_active;		/* snap_open > 0 */
	bool finished;
	/* invariant 9 (merge_check.c): ranges the current event changed */
	struct avt_inv9_touch *touch;
	size_t nr_touch, cap_touch;
	uint64_t touch_event;
	bool touch_lost;
	uint64_t inv9_judged;		/* borders judged */
	uint64_t inv9_honoured;		/* of those, equal attrs but anon refused */
	bool merge_query;		/* the scheme's merge questions are asked by a
					 * check, not by a merge: answer without side
					 * effects (scheme.h) */
	uint32_t test_skip_merge;	/* tests only: refuse the next N existing-range merges */
	struct avt_order *order;	/* fork windows (order.c), NULL until one opens */
	struct avt_kb_sample *kb_cp;	/* one per checkpoint number, in trace order */
	size_t nr_kb_cp, cap_kb_cp;
};

/* ---- stats helpers (schemes call these) ---- */
static inline void avt_count__alloc(struct avt_obj_count *c)
{
	c->alloc++;
	if (++c->live > c->peak)
		c->peak = c->live;
}

static inline void avt_count__free(struct avt_obj_count *c)
{
	c->free++;
	c->live--;
}

/* Inline (these and the lock below): a fork allocates an AV and two AVCs
 * and takes two root locks per VMA, exit frees and locks as many. */
static inline void avt_engine__meta_peak(struct avt_engine *e)
{
	uint64_t b = AV_BYTES * e->st.av.live + AVC_BYTES * e->st.avc.live;

	if (b > e->st.meta_peak)
		e->st.meta_peak = b;
}

static inline void avt_engine__av_alloc(struct avt_engine *e, bool transient)
{
	(void)transient;
	avt_count__alloc(&e->st.av);
	if (e->cur)
		e->cur->st.av_alloc++;
	avt_engine__meta_peak(e);
}

static inline void avt_engine__av_free(struct avt_engine *e, bool transient)
{
	avt_count__free(&e->st.av);
	if (transient)
		e->st.av_transient++;
}

static inline void avt_engine__avc_alloc(struct avt_engine *e, bool transient)
{
	(void)transient;
	avt_count__alloc(&e->st.avc);
	if (e->cur)
		e->cur->st.avc_alloc++;
	avt_engine__meta_peak(e);
}

static inline void avt_engine__avc_free(struct avt_engine *e, bool transient)
{
	avt_count__free(&e->st.avc);
	if (transient)
		e->st.avc_transient++;
}

void avt_engine__av_seeded(struct avt_engine *e);
void avt_engine__avc_seeded(struct avt_engine *e);

static inline void avt_engine__chain_len(struct avt_engine *e, uint64_t len)
{
	if (len > e->st.chain_max)
		e->st.chain_max = len;
}

/* the streaming consumer's record of one acquisition (engine.c) */
void avt_engine__lock_report(struct avt_engine *e, struct avt_lock_family *fam,
			     enum avt_lock_mode mode, enum avt_lock_tag tag, uint32_t work);

/* One root rwsem acquisition; fam lives in the family's root object. */
static inline void avt_engine__lock(struct avt_engine *e, struct avt_lock_family *fam,
				    enum avt_lock_mode mode, enum avt_lock_tag tag,
				    uint32_t work)
{
	const struct avt_event *ev = e->cur_ev;
	uint64_t ts = 0;
	uint32_t cpu = 0, pid = 0;
	bool write = mode == AVT_LOCK_WRITE;

	if (ev) {
		ts = ev->ts;
		cpu = ev->cpu;
		pid = ev->pid;
	}
	if (!fam->id)
		fam->id = ++e->st.families;
	if (write) {
		e->st.lock_w++;
		e->st.lock_w_tag[tag]++;
		if (++fam->w > e->st.family_max_w)
			e->st.family_max_w = fam->w;
		if (e->cur)
			e->cur->st.lock_w++;
	} else {
		e->st.lock_r++;
		e->st.lock_r_tag[tag]++;
		if (++fam->r > e->st.family_max_r)
			e->st.family_max_r = fam->r;
		if (e->cur)
			e->cur->st.lock_r++;
	}
	e->st.lock_work += work;
	/*
	 * Contention estimate: an acquisition that follows one on the same
	 * root by another process or CPU within the window (default 10 us),
	 * where at least one of the two is a write, could have waited.
	 */
	if (fam->seen && (fam->last_pid != pid || fam->last_cpu != cpu) &&
	    ts - fam->last_ts <= e->window_ns && ts >= fam->last_ts &&
	    (write || fam->last_write))
		e->st.lock_contended++;
	fam->seen = true;
	fam->last_write = write;
	fam->last_ts = ts;
	fam->last_cpu = cpu;
	fam->last_pid = pid;
	if (e->on_lock)
		avt_engine__lock_report(e, fam, mode, tag, work);
}
static inline void avt_lock_family__init(struct avt_engine *e, struct avt_lock_family *fam)
{
	(void)e;
	memset(fam, 0, sizeof(*fam));
}

static inline void avt_lock_family__fini(struct avt_engine *e, struct avt_lock_family *fam)
{
	(void)e;
	(void)fam;
}

void avt_hist__add(struct avt_hist *h, uint64_t v);
void avt_hist__reset(struct avt_hist *h);
void avt_hist__fini(struct avt_hist *h);
uint64_t avt_hist__pct(const struct avt_hist *h, double pct);

/* ---- mm.c: address space ---- */
struct avt_mm *avt_mm__new(struct avt_engine *e);
void avt_mm__free(struct avt_engine *e, struct avt_mm *mm);
struct avt_vma *avt_vma__alloc(struct avt_engine *e, struct avt_mm *mm);
void avt_vma__free(struct avt_engine *e, struct avt_vma *v);
void avt_mm__insert(struct avt_engine *e, struct avt_mm *mm, struct avt_vma *v);
void avt_mm__erase(struct avt_mm *mm, struct avt_vma *v);
/* Change v->start (the treap key) keeping the tree consistent. */
void avt_mm__rekey(struct avt_mm *mm, struct avt_vma *v, uint64_t new_start);
struct avt_vma *avt_mm__find(struct avt_mm *mm, uint64_t addr);	/* containing */
struct avt_vma *avt_mm__find_ge(struct avt_mm *mm, uint64_t addr);	/* first with end > addr */
struct avt_vma *avt_mm__prev_of(struct avt_mm *mm, uint64_t addr);	/* last with end <= addr */

/* ---- ptes.c: page tables ---- */
/* The slot where a leaf key's probe sequence starts (Fibonacci hashing). */
static inline size_t avt_ptes__hash(const struct avt_ptes *t, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> t->shift);
}

/* The leaf holding pages [key << AVT_LEAF_SHIFT, +AVT_LEAF_NR), or NULL. */
static inline struct avt_pte_leaf *avt_ptes__leaf(const struct avt_ptes *t, uint64_t key)
{
	struct avt_pte_leaf *l;
	size_t i, mask = t->cap - 1;

	if (!t->nleaves)
		return NULL;
	for (i = avt_ptes__hash(t, key);; i = (i + 1) & mask) {
		l = t->slot[i];
		if (!l || l->key == key)
			return l;
	}
}

/* Inline: the hottest engine call (faults, lazy scans). */
static inline struct avt_folio *avt_ptes__get(const struct avt_ptes *t, uint64_t pfn)
{
	struct avt_pte_leaf *l = avt_ptes__leaf(t, pfn >> AVT_LEAF_SHIFT);

	return l ? l->f[pfn & (AVT_LEAF_NR - 1)] : NULL;
}

/* The leaf for key, created empty if missing; NULL on ENOMEM. */
struct avt_pte_leaf *avt_ptes__leaf_new(struct avt_engine *e, struct avt_ptes *t, uint64_t key);
/* Drop an empty leaf (l->mask == 0) from t. */
void avt_ptes__leaf_drop(struct avt_ptes *t, struct avt_pte_leaf *l);

/* Map pfn to f (replacing). */
static inline int avt_ptes__set(struct avt_engine *e, struct avt_ptes *t, uint64_t pfn,
				struct avt_folio *f)
{
	struct avt_pte_leaf *l = avt_ptes__leaf(t, pfn >> AVT_LEAF_SHIFT);
	struct avt_folio **slot;

	if (!l && !(l = avt_ptes__leaf_new(e, t, pfn >> AVT_LEAF_SHIFT)))
		return -ENOMEM;
	slot = &l->f[pfn & (AVT_LEAF_NR - 1)];
	if (!*slot) {
		l->mask |= 1u << (pfn & (AVT_LEAF_NR - 1));
		t->n++;
	}
	*slot = f;
	return 0;
}

/* Clear entry idx of leaf l (present), dropping the leaf when it empties. */
static inline struct avt_folio *avt_ptes__clear(struct avt_ptes *t, struct avt_pte_leaf *l,
						unsigned idx)
{
	struct avt_folio *f = l->f[idx];

	l->f[idx] = NULL;
	t->n--;
	l->mask &= ~(1u << idx);
	if (!l->mask)
		avt_ptes__leaf_drop(t, l);
	return f;
}

struct avt_folio *avt_ptes__del(struct avt_ptes *t, uint64_t pfn);
/* Room for nleaves leaves without growing (fork: the parent's count). */
int avt_ptes__reserve(struct avt_ptes *t, size_t nleaves);
/* Page numbers of present PTEs in [lo, hi) pages, ascending, into
 * e->scratch; returns count. */
size_t avt_ptes__collect(struct avt_engine *e, struct avt_ptes *t, uint64_t lo, uint64_t hi);
/* Keys of the leaves overlapping pages [lo, hi), ascending, into
 * e->scratch; returns count (callers look each up: they may drop leaves). */
size_t avt_ptes__leaf_keys(struct avt_engine *e, struct avt_ptes *t, uint64_t lo, uint64_t hi);
void avt_ptes__fini(struct avt_ptes *t);

/* Bits of the entries of leaf key that lie in pages [lo, hi). */
static inline uint32_t avt_ptes__range_mask(uint64_t key, uint64_t lo, uint64_t hi)
{
	uint64_t base = key << AVT_LEAF_SHIFT;
	unsigned a = base < lo ? (unsigned)(lo - base) : 0;
	unsigned b = hi - base < AVT_LEAF_NR ? (unsigned)(hi - base) : AVT_LEAF_NR;

	return (uint32_t)((1ull << b) - (1ull << a));
}

/* Every present PTE in ascending page order; the table must not change
 * while an iteration runs:
 *	avt_ptes__iter(t, &it);
 *	while ((f = avt_ptes__next(&it, &pfn))) ... */
struct avt_pte_iter {
	struct avt_pte_leaf *const *v;
	size_t n, i;
	unsigned j;
};
void avt_ptes__iter(struct avt_ptes *t, struct avt_pte_iter *it);
static inline struct avt_folio *avt_ptes__next(struct avt_pte_iter *it, uint64_t *pfn)
{
	for (; it->i < it->n; it->i++, it->j = 0) {
		struct avt_pte_leaf *l = it->v[it->i];
		uint32_t m = l->mask >> it->j;

		if (m) {
			it->j += (unsigned)__builtin_ctz(m);
			*pfn = (l->key << AVT_LEAF_SHIFT) + it->j;
			return l->f[it->j++];
		}
	}
	return NULL;
}

/* The present PTEs of pages [lo, hi) in ascending order (what a get per
 * page finds, a leaf at a time); the table must not change meanwhile:
 *	avt_ptes__range(t, lo, hi, &r);
 *	while ((l = avt_ptes__range_leaf(&r, &m)))
 *		for (; m; m &= m - 1)
 *			... l->f[__builtin_ctz(m)] maps page
 *			    (l->key << AVT_LEAF_SHIFT) + __builtin_ctz(m) */
struct avt_pte_range {
	const struct avt_ptes *t;
	uint64_t lo, hi, k, khi;	/* probe: keys k..khi left */
	size_t i;			/* else: next index in t->order */
	bool probe;
};
/* a long range over few leaves: walk the sorted leaves instead of probing */
void avt_ptes__range_sorted(struct avt_ptes *t, struct avt_pte_range *r);
static inline void avt_ptes__range(struct avt_ptes *t, uint64_t lo, uint64_t hi,
				   struct avt_pte_range *r)
{
	r->t = t;
	r->lo = lo;
	r->hi = hi;
	r->probe = true;
	r->i = 0;
	if (!t->n || hi <= lo) {
		r->k = 1;	/* k > khi: nothing */
		r->khi = 0;
		return;
	}
	r->k = lo >> AVT_LEAF_SHIFT;
	r->khi = (hi - 1) >> AVT_LEAF_SHIFT;
	if (r->khi - r->k >= 2 * (uint64_t)t->nleaves)
		avt_ptes__range_sorted(t, r);
}
static inline const struct avt_pte_leaf *avt_ptes__range_leaf(struct avt_pte_range *r,
							      uint32_t *m)
{
	const struct avt_pte_leaf *l;

	for (;;) {
		if (r->probe) {
			if (r->k > r->khi)
				return NULL;
			l = avt_ptes__leaf(r->t, r->k++);
			if (!l)
				continue;
		} else {
			if (r->i >= r->t->nleaves || r->t->order[r->i]->key > r->khi)
				return NULL;
			l = r->t->order[r->i++];
		}
		*m = l->mask & avt_ptes__range_mask(l->key, r->lo, r->hi);
		if (*m)
			return l;
	}
}

/* ---- vma.c: merge/split (eager-semantics §4) ---- */
int avt_vma__split(struct avt_engine *e, struct avt_vma *v, uint64_t addr, int new_below,
		   struct avt_vma **out_new);
/* vma_modify: change attributes of [s, e) of v; apply() writes the new
 * attributes into a VMA; returns the VMA now covering exactly [s, e) in *out. */
struct avt_vma_attrs {
	uint64_t flags, policy, anon_name, uffd_ctx;
};
void avt_vma__attrs(const struct avt_vma *v, struct avt_vma_attrs *a);
int avt_vma__modify(struct avt_engine *e, struct avt_vma *prev, struct avt_vma *v,
		    uint64_t s, uint64_t end, const struct avt_vma_attrs *na,
		    struct avt_vma **out);
/* vma_merge_new_range; range_src = VMA whose anon state the range carries. */
struct avt_merge_new {
	uint64_t start, end, pgoff;
	struct avt_vma_attrs a;
	uint64_t file, dev, ino;
	struct avt_vma *prev, *next;
	struct avt_vma *range_src, *copied_from;
	bool just_expand;
};
struct avt_vma *avt_vma__merge_new(struct avt_engine *e, struct avt_mm *mm,
				   struct avt_merge_new *m);
/* do_vmi_align_munmap of [s, e): split edges, unlink, free; zaps folios. */
int avt_vma__munmap(struct avt_engine *e, struct avt_mm *mm, uint64_t s, uint64_t end);
void avt_vma__remove(struct avt_engine *e, struct avt_vma *v);	/* unlink+erase+free */
bool avt_vma__faulted(struct avt_engine *e, const struct avt_vma *v);
bool avt_vma__compatible(const struct avt_vma *a, const struct avt_vma *b);
/* anon_vma_prepare (fast path included). */
int avt_vma__prepare(struct avt_engine *e, struct avt_vma *v, enum avt_prepare_site site);

/* ---- fault.c: faults and folios (§5, §7) ---- */
int avt_fault__handle(struct avt_engine *e, struct avt_mm *mm, uint64_t addr, bool write,
		      bool kernel);
int avt_fault__gup(struct avt_engine *e, struct avt_mm *mm, uint64_t addr, bool write,
		   enum avt_prepare_site site);
int avt_fault__populate(struct avt_engine *e, struct avt_mm *mm, uint64_t s, uint64_t end,
			bool write_always, bool stop_on_error);
void avt_folio__zap_range(struct avt_engine *e, struct avt_mm *mm, uint64_t s, uint64_t end);
void avt_folio__free(struct avt_engine *e, struct avt_folio *f);
/* Drop one mapping; the folio goes with its last. Inline: exit and munmap
 * put the folio of every PTE, most of them still mapped elsewhere. */
static inline void avt_folio__put(struct avt_engine *e, struct avt_folio *f)
{
	if (!--f->mapcount)
		avt_folio__free(e, f);
}
/* __split_huge_pmd where a VMA boundary lands inside a PMD-mapped THP */
void avt_folio__pmd_split_at(struct avt_engine *e, struct avt_mm *mm, uint64_t addr);
void avt_folio__move_range(struct avt_engine *e, struct avt_mm *mm, uint64_t from,
			   uint64_t to, uint64_t len);
void avt_folio__copy_range(struct avt_engine *e, struct avt_mm *dst, struct avt_mm *src,
			   uint64_t s, uint64_t end);
bool avt_folio__any_in(struct avt_engine *e, struct avt_mm *mm, uint64_t s, uint64_t end);
void avt_census__run(struct avt_engine *e);
int avt_rmap__event(struct avt_engine *e, const struct avt_event *ev);

/* ---- syscalls.c ---- */
int avt_sys__replay(struct avt_engine *e, struct avt_proc *p, const struct avt_event *ev);

/* ---- process.c ---- */
struct avt_proc *avt_proc__find(struct avt_engine *e, uint32_t pid);
int avt_proc__fork(struct avt_engine *e, struct avt_proc *p, const struct avt_event *ev);
int avt_proc__exit(struct avt_engine *e, struct avt_proc *p, const struct avt_event *ev);
int avt_proc__exec(struct avt_engine *e, struct avt_proc *p, const struct avt_event *ev);
int avt_proc__snapshot(struct avt_engine *e, const struct avt_event *ev);
void avt_proc__snapshot_close(struct avt_engine *e);
void avt_mm__put(struct avt_engine *e, struct avt_mm *mm);
void avt_proc__free_all(struct avt_engine *e);

/* ---- state.c / invariants.c / report.c ---- */
int avt_state__write(struct avt_engine *e, FILE *out);
int avt_invariants__check(struct avt_engine *e);
/* invariant 9: record a range an operation changed (no-op unless
 * --check-invariants), check the merge decisions at its borders */
enum avt_inv9_kind {
	AVT_INV9_EXISTING = 1,	/* vma_modify (mprotect, madvise, mlock, mbind, ...) */
	AVT_INV9_NEW,		/* mmap */
	AVT_INV9_BRK,		/* brk growth: just_expand */
};
struct avt_inv9_touch {
	struct avt_mm *mm;
	uint64_t s, end;
	enum avt_inv9_kind kind;
};
void avt_inv9__touch(struct avt_engine *e, struct avt_mm *mm, uint64_t s, uint64_t end,
		     enum avt_inv9_kind kind);
int avt_inv9__check(struct avt_engine *e);
void avt_inv9__fini(struct avt_engine *e);
int avt_report__write(struct avt_engine *e, FILE *out);
/* a checkpoint's live objects (engine.c, at the checkpoint event) */
int avt_report__kb_sample(struct avt_engine *e, uint32_t n);
/* active_kb lines: at end (end = true) and per checkpoint; the metric
 * lookup of the same names (-ENOENT when name is not one) */
void avt_report__active_kb(struct avt_engine *e, FILE *out, const char *pfx, bool end);
int avt_report__active_kb_metric(struct avt_engine *e, const char *name, double *val);
int avt_report__metric(struct avt_engine *e, const char *name, double *val);

#define avt_for_each_vma(mm, v) for ((v) = (mm)->first; (v); (v) = (v)->next)

#endif
