/* SPDX-License-Identifier: MIT */
/*
 * The lazy anon_vma scheme (ANON_VMA_LAZY, lazy-semantics.md §4): state
 * shared by lazy.c (operations, upgrade), lazy_av.c (the anon_vma/AVC part
 * its EAGER and PARENT VMAs use), lazy_hazards.c (§5 detectors) and
 * lazy_opts.c (§4.1 options).
 *
 * Scheme words of a VMA (scheme.h):
 *   vma->sw     kind (bits 0-1) | ROOTSTRUCT (bit 2) | BASEBAD (bit 3) |
 *               struct lroot * (16-aligned):
 *                 LAZY   -> its root R;  PARENT -> its lazy_root (or none);
 *                 EAGER/NONE with ROOTSTRUCT -> the root whose struct this
 *                 VMA is (kept after an upgrade: R's base is computed from
 *                 this struct's current fields until it is removed).
 *               ROOTSTRUCT: this VMA is R's vm_area_struct.
 *               BASEBAD: V_BASE_MISMATCH is currently true for this VMA.
 *   vma->anon   EAGER: its anon_vma (struct av *); PARENT: parent_av
 *               (the fork parent's active AV, §4.2); else NULL.
 *   vma->chain  the anon_vma_chain list (EAGER and PARENT).
 * Folio mapping: a struct av * (eager handle), or struct lroot * | 1 (the
 * lazy tag), plus detector state bits 1-3 (see lazy_hazards.c).
 */
#ifndef AVT_ENGINE_LAZY_H
#define AVT_ENGINE_LAZY_H

#include <stdbool.h>
#include <stdint.h>
#include "engine/internal.h"
#include "engine/itree.h"
#include "engine/anon.h"

enum lkind { LK_NONE = 0, LK_LAZY = 1, LK_EAGER = 2, LK_PARENT = 3 };

#define SW_KIND_MASK	3u
#define SW_ROOTSTRUCT	4u
#define SW_BASEBAD	8u
#define SW_PTR_MASK	(~(uintptr_t)15)

#define FM_LAZY		1u	/* mapping is a root */
#define FM_MISS		2u	/* V_RMAP_MISS true for this folio */
#define FM_MULTI	4u	/* V_MULTI_MAP */
#define FM_KIND		8u	/* V_KIND_MISMATCH */
#define FM_BITS		15u

/* ---- options (§4.1) ---- */
enum { CHILD_PARENT = 0, CHILD_EAGER };
enum { SCOPE_VMA = 0, SCOPE_FAMILY };
enum { REWRITE_SCAN = 0, REWRITE_DURING_COPY };
enum { POLICY_UPGRADE = 0, POLICY_REINDEX };
enum { GROW_KEEP = 0, GROW_UPGRADE };

enum upg_trigger {
	TRIG_FORK = 0, TRIG_MREMAP, TRIG_UFFD_MOVE, TRIG_KSM, TRIG_GROW,
	TRIG_EXEC_STACK, TRIG_MERGE, TRIG__MAX,
};
extern const char *const lazy_trigger_names[TRIG__MAX];

#define SKIP_FORK	(1u << 0)
#define SKIP_MREMAP	(1u << 1)
#define SKIP_UFFD_MOVE	(1u << 2)

struct lazy_opts {
	bool enabled;			/* lazy_enabled */
	uint64_t max_bytes;		/* T; UINT64_MAX = infinity */
	int grow_policy;
	int child_mode;
	int scope;
	int rewrite;
	bool reuse_neighbour_root;
	bool merge_absorb;
	int mremap_policy;
	int uffd_policy;
	bool parent_upgrade_always;
	bool reuse_ancestor;
	uint64_t vma_extra_bytes;
	unsigned skip;			/* SKIP_* (test-only) */
	uint64_t test_leak_ref;		/* test-only: event number (1-based), 0 = off */
	bool test_full_scan;		/* test-only: detectors scan every mm after every event */
};

void lazy_opts__defaults(struct lazy_opts *o);
/* "key=value,key=value" (keys as in §4.1 or the CLI spelling without
 * --lazy-); returns 0 or -EINVAL with a one-line reason in why. */
int lazy_opts__parse(struct lazy_opts *o, const char *params, char *why, size_t len);
void lazy_opts__print(const struct lazy_opts *o, FILE *out, const char *pfx);

/* ---- anon_vma model for EAGER/PARENT VMAs (lazy_av.c) ---- */
/* struct av, struct avc: anon.h (eager.c's objects) */

/* ---- root VMA objects (§4.2) ---- */
struct lroot {
	struct avt_vma *vma;		/* the struct while it is in a tree */
	struct avt_mm *mm;
	uint64_t start, pgoff;		/* frozen when the struct is removed */
	int64_t refcount;		/* stored count (§4.2) */
	uint64_t id;			/* serial, for reports */
	uint64_t scan_folios;		/* mapped folios pointing here (last scan) */
	uint64_t scan_vrefs;		/* live VMAs referencing it (last scan) */
	uint32_t owner_pid;		/* mm is alive iff this process still has it */
	bool zombie, released, leak_state, queued, watched, scanned;
	uint32_t scan_epoch;		/* scan_* are this event's iff == (u32)ev_seen */
	struct avt_list all;
} __attribute__((aligned(16)));

struct lazy_first {			/* first occurrence of a hazard code */
	uint64_t count;
	uint64_t ev_index, ts, addr;
	uint32_t pid;
	char what[96];
};

enum lazy_code {
	LC_BASE_MISMATCH = 0, LC_RMAP_MISS, LC_MULTI_MAP, LC_DANGLING_ROOT,
	LC_KIND_MISMATCH, LC_ZOMBIE_LEAK, LC_RACE_VMA_CHANGE, LC_RACE_UPGRADE,
	LC_RACE_MM_EXIT, LC__MAX,
};
extern const char *const lazy_code_names[LC__MAX];

struct lazy_walk {			/* an open interval rmap walk (§5 RACE_*) */
	uint32_t id;
	struct lroot *root;		/* mapping read at begin (NULL: not lazy) */
	struct avt_mm *mm;
	uint64_t addr;
	uint32_t pid;
	bool vma_change, upgrade, mm_exit;
};

struct lazy_stats {
	uint64_t upgrades[TRIG__MAX];
	uint64_t upg_av, upg_avc, upg_rw_present, upg_rw_missed, upg_partial;
	uint64_t rewrites_upgrade, rewrites_reindex;
	/* §4.3 item 14: base pages of the folios rewritten (a large folio's
	 * mapping covers all its pages) */
	uint64_t rewrites_upgrade_pages, rewrites_reindex_pages, upg_rw_missed_pages;
	uint64_t reindex_cut;		/* reindex moves upgraded: a large folio was cut */
	uint64_t zombie_created, zombie_freed, zombie_live, zombie_peak;
	uint64_t roots_created, roots_released, roots_live, roots_peak;
	uint64_t lazy_entries, eager_entries;
	uint64_t mmap_trylock;
	uint64_t lock_w_upgrade;	/* upgrade root-lock writes (tagged other) */
	uint64_t merge_blocked_lazy_root, merge_blocked_mixed;
	uint64_t merge_allowed_parent;	/* PARENT+PARENT answered yes (eager refuses) */
	uint64_t over_threshold, dangling_hard, dangling_soft, stale_walks;
	uint64_t rmap_lazy_walks, rmap_vma_locks, rmap_maple_lookups, rmap_maple_nodes;
	uint64_t rmap_root_mismatch, rmap_misses, rmap_false_alias, rmap_lock_fallbacks;
	uint64_t rmap_domain_vmas_sum, rmap_domain_vmas_max;
	uint64_t rmap_domain_mms_sum, rmap_domain_mms_max;
	uint64_t rmap_eager_walks, rmap_reads;
	uint64_t interval_walks;
	uint64_t meta_peak;
	uint64_t lazy_vmas_peak, parent_vmas_peak;
	uint64_t scans, scan_ptes;
	uint64_t snap_lazy, snap_eager, rootstruct_conflicts;
	int64_t kind_live[4];		/* VMAs per kind (NONE counts down from 0) */
	int64_t kind_peak[4];
};

struct lazy {
	struct avt_engine *e;
	struct lazy_opts o;
	struct avt_pool av_pool, avc_pool, root_pool;
	struct avt_list avs, roots;
	uint64_t av_serial, root_serial, seq;
	struct lazy_stats st;
	struct lazy_first first[LC__MAX];
	/* per-event bookkeeping */
	uint64_t ev_seen;		/* events finished (after_event calls) */
	/* mremap reindex (§4.3 item 10): the LAZY source while copy_vma
	 * decides (is_faulted false, H5 sees a fresh root), then the VMA
	 * that holds the moved range until its folios are rewritten */
	struct avt_vma *reindex_src, *reindex_dst;
	/* pending during_copy rewrites of the current fork: old root -> AV */
	struct { struct lroot *old; struct av *av; } *pend;
	size_t npend, cappend;
	/* open interval walks */
	struct lazy_walk *walks;
	size_t nwalks, capwalks;
	/* merge refusals already counted in the current event (H5 counting) */
	struct { const struct avt_vma *n; int why; } *blk;
	size_t nblk, capblk;
	uint64_t blk_event;
	/* VMAs already counted over threshold */
	const struct avt_vma **over;
	size_t nover, capover;
	/* multi-mapped folio aggregation during a scan, in first-seen order;
	 * a folio finds its entry through f->agg (valid when agg[f->agg].f == f) */
	struct lazy_agg {
		struct avt_folio *f;
		unsigned bits;
		uint32_t seen;
		uint64_t addr;
		struct avt_mm *mm;	/* the mm of its first PTE seen (large folios) */
	} *agg;
	size_t aggcap, aggn;
	bool cross_mm;			/* a lazy folio was once mapped twice */
	/* lazy_merge_absorb: LAZY side -> the EAGER side's AV, this event */
	struct lazy_absorb { const struct avt_vma *lazy; struct av *av; uint64_t ev; } *abs;
	size_t nabs, capabs;
	/* the entry the latest merge question set, and its value before: a
	 * right-hand merge refused by the prev/next test takes it back */
	struct lazy_absorb *abs_last;
	struct av *abs_last_prev;
	/* snapshot rebuild: opaque ids -> AVs of the snapshot being read */
	struct lazy_snapmap { uint64_t id, serial; struct av *av; } *smap;
	size_t nsmap, capsmap, snap_mark;	/* [snap_mark, nsmap): this snapshot's */
	/* roots whose refcount reached 0 this event (released at its end) and
	 * roots to re-check after events (zombies; released roots that a
	 * struct or a folio still points to) */
	struct lroot **relq, **watch;
	size_t nrelq, caprelq, nwatch, capwatch;
	/* mms scanned after the current event: every PTE (scanned) or only
	 * a window of PTEs but every VMA (vscanned) */
	struct avt_mm *scanned[4], *vscanned;
	int nscanned;
	bool scanned_all;
	/* upgrade scope scratch */
	struct avt_vma **scope;
	size_t capscope;
};

#define LZ(s) ((struct lazy *)(s)->priv)

static inline unsigned vkind(const struct avt_vma *v)
{
	return (unsigned)(v->sw & SW_KIND_MASK);
}

static inline struct lroot *vroot(const struct avt_vma *v)
{
	return (struct lroot *)(v->sw & SW_PTR_MASK);
}

/* The root a LAZY or PARENT VMA references (NULL otherwise). */
static inline struct lroot *vref(const struct avt_vma *v)
{
	unsigned k = vkind(v);

	return (k == LK_LAZY || k == LK_PARENT) ? vroot(v) : NULL;
}

static inline void vset(struct avt_vma *v, unsigned kind, struct lroot *r)
{
	v->sw = (uintptr_t)r | (v->sw & (SW_ROOTSTRUCT | SW_BASEBAD)) | kind;
}

static inline uint64_t vma_base(const struct avt_vma *v)
{
	return v->start - (v->pgoff << PAGE_SHIFT);
}

static inline uint64_t root_start(const struct lroot *r)
{
	return r->vma ? r->vma->start : r->start;
}

static inline uint64_t root_base(const struct lroot *r)
{
	return r->vma ? vma_base(r->vma) : r->start - (r->pgoff << PAGE_SHIFT);
}

static inline bool fm_is_lazy(const void *m)
{
	return ((uintptr_t)m & FM_LAZY) != 0;
}

static inline void *fm_ptr(const void *m)
{
	return (void *)((uintptr_t)m & ~(uintptr_t)FM_BITS);
}

static inline void *fm_root(struct lroot *r)
{
	return (void *)((uintptr_t)r | FM_LAZY);
}

/* lazy_av.c */
struct av *lav__new_root(struct lazy *z);
void lav__link(struct lazy *z, struct avt_vma *v, struct av *a);
int lav__prepare(struct lazy *z, struct avt_vma *v, struct av *reuse);
int lav__clone(struct lazy *z, struct avt_vma *dst, struct avt_vma *src, int op, bool fork_reuse);
int lav__fork_eager(struct lazy *z, struct avt_vma *child, struct avt_vma *parent);
void lav__unlink(struct lazy *z, struct avt_vma *v);
void lav__range_begin(struct lazy *z, struct avt_vma *v, struct avt_vma *adj,
		      enum avt_range_tag tag);
void lav__range_end(struct lazy *z, struct avt_vma *v, struct avt_vma *adj);
void lav__lock(struct lazy *z, struct av *a, enum avt_lock_mode mode, enum avt_lock_tag tag,
	       uint32_t work);
void lav__walk(struct lazy *z, struct avt_folio *f, struct av *a, bool lock,
	       struct avt_rmap_result *res);
bool lav__fork_child(const struct avt_vma *v);
bool lav__in_chain(const struct avt_vma *v, const struct av *a);
struct av *lav__alloc_child(struct lazy *z, struct av *parent);
int lav__check(struct lazy *z, char *why, size_t len);
void lav__meta_update(struct lazy *z);
#define LAV_CLONE_FORK 0

/* lazy.c (used by the detectors; root_new by lazy_snap.c) */
void lazy__root_put(struct lazy *z, struct lroot *r);
struct lroot *lazy__root_new(struct lazy *z, struct avt_vma *v);

/* lazy_snap.c */
int lazy_snap__vma(struct lazy *z, struct avt_vma *v, const struct avt_ev_snap_vma *sv);
void lazy_snap__end(struct lazy *z);

/* lazy_hazards.c */
void lazy_hz__after_event(struct lazy *z, const struct avt_event *ev);
void lazy_hz__queue(struct lazy *z, struct lroot *r, bool watch);
bool lazy_hz__mm_alive(struct lazy *z, const struct lroot *r);
void lazy_hz__record(struct lazy *z, enum lazy_code c, uint64_t addr, const char *what);
void lazy_hz__walk_event(struct lazy *z, const struct avt_event *ev);
void lazy_hz__mark_vma_change(struct lazy *z, struct avt_mm *mm);
void lazy_hz__mark_upgrade(struct lazy *z, struct lroot *old);
void lazy_hz__mark_exit(struct lazy *z, struct avt_mm *mm);
void lazy_hz__lazy_walk(struct lazy *z, struct avt_folio *f, struct lroot *r, bool lock,
			struct avt_rmap_result *res);

/* lazy_report.c */
void lazy_report__write(struct lazy *z, FILE *out, const char *pfx);
int lazy_report__metric(struct lazy *z, const char *name, double *val);

#endif
