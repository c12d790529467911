/* SPDX-License-Identifier: MIT */
/*
 * The anon-rmap scheme interface: the ONE table through which the VMA layer
 * asks every question whose answer differs between schemes (eager, eager
 * legacy, lazy, test toys). The VMA layer never reads scheme state; it only
 * carries three opaque words per VMA (vma->anon, vma->chain, vma->sw) and
 * one per folio (folio->mapping), which belong to the scheme.
 *
 * Vocabulary (eager-semantics.md): "faulted" = the kernel's
 * vma->anon_vma != NULL test as the VMA layer uses it (mprotect VM_ACCOUNT,
 * copy_vma pgoff reset, merge predicates); a lazy scheme answers true for
 * LAZY/PARENT VMAs too (lazy-semantics §4.2).
 *
 * Call protocol (what the VMA layer guarantees):
 *  - A VMA is born with zeroed scheme words (vma_init), announced by
 *    on_alloc() (optional) right after the struct is counted and before it
 *    is filled or inserted, and dies after on_remove(). unlink() is called for every VMA leaving an mm, faulted
 *    or not (a no-op for unfaulted ones): munmap/MAP_FIXED/mremap source
 *    (all detached VMAs in address order, after their pages were zapped),
 *    removal by a merge (after the range update), exit/exec teardown (every
 *    VMA in address order, pages zapped first); and for a whole-VMA
 *    MREMAP_DONTUNMAP source that stays mapped (why = DONTUNMAP).
 *  - prepare(vma, reuse, site) runs only for a VMA that is not faulted; the
 *    VMA layer found `reuse` (find_mergeable_anon_vma: next first, then prev,
 *    anon_vma_compatible + reusable_neighbour). site says who asked: the
 *    fault path (FAULT: fault events, incl. the THP read path), population
 *    under mmap_lock (POPULATE: MAP_POPULATE, mlock, MADV_POPULATE_*,
 *    locked mprotect/mremap/brk growth), STACK, UFFD, GUARD.
 *  - The hooks before_fork (once per fork, before any fork_link),
 *    before_mremap_move (per moved piece, before copy_vma) and
 *    before_uffd_move (before any page moves) let a scheme change state
 *    first (e.g. upgrade); after_event runs once every event is complete.
 *  - clone(dst, src, op): dst is a fresh VMA (scheme words zero) that copies
 *    src's attributes (SPLIT: a piece of src; REMAP: the mremap copy), or for
 *    MERGE_UNFAULTED (DUP, mm/vma.c:dup_anon_vma) an existing unfaulted VMA
 *    that will absorb src's range. SPLIT and REMAP are called for every
 *    split/copy (as the kernel calls anon_vma_clone; no-op when src is
 *    unfaulted); MERGE_UNFAULTED only when src is faulted and dst is not.
 *  - range_begin(vma, adj, tag) / range_end(vma, adj, tag) bracket every
 *    change of an existing VMA's start/end/pgoff (vma_prepare/vma_complete):
 *    begin sees the old ranges, end the new ones. adj may be NULL.
 *  - fork_link(child, parent): per copied parent VMA that is faulted
 *    (dup_mmap -> anon_vma_fork); WIPEONFORK VMAs are never passed.
 *  - folio_handle(vma): the rmap handle ("mapping") a new anon folio of that
 *    VMA gets; the VMA is faulted (prepare() ran) when this is called.
 *    folio_move(vma, folio): folio_move_anon_rmap on write-reuse; the scheme
 *    returns the new handle (the engine counts a rewrite if it changed).
 *  - folio_uffd_move(src, dst, folio, new_index) (optional): per present
 *    folio UFFDIO_MOVE moves, after dst was prepared and the source PTE
 *    cleared, before the folio is rewritten. true (or no op): the engine
 *    gives the folio folio_move(dst)'s handle and new_index and counts one
 *    rewrite (folio.rewrites.uffd_move); false: mapping and index stay as
 *    they are, no rewrite is counted (the PTE still moves). src is the VMA
 *    that mapped the folio (NULL if none did).
 */
#ifndef AVT_ENGINE_SCHEME_H
#define AVT_ENGINE_SCHEME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "avtrace/engine.h"
#include "avtrace/event.h"

struct avt_engine;
struct avt_mm;
struct avt_vma;
struct avt_folio;
struct avt_scheme;

enum avt_clone_op {
	AVT_CLONE_SPLIT = 1,
	AVT_CLONE_MERGE_UNFAULTED,	/* DUP in a merge */
	AVT_CLONE_REMAP,		/* mremap copy_vma without a merge */
};

/* Why PREPARE ran (lazy distinguishes fault-path entries). */
enum avt_prepare_site {
	AVT_PREP_FAULT = 1,	/* user/kernel fault (do_anonymous_page, wp copy, cow, THP) */
	AVT_PREP_POPULATE,	/* MAP_POPULATE, mlock, MADV_POPULATE_WRITE, locked mprotect */
	AVT_PREP_STACK,		/* expand_downwards */
	AVT_PREP_UFFD,		/* UFFDIO_COPY/ZEROPAGE/MOVE destination */
	AVT_PREP_GUARD,		/* MADV_GUARD_INSTALL */
};

enum avt_range_tag {
	AVT_RANGE_SPLIT = 1,
	AVT_RANGE_MERGE,	/* merge commit / expand / vma_merge_extend */
	AVT_RANGE_SHRINK,
	AVT_RANGE_STACK,	/* expand_downwards */
};

enum avt_unlink_why {
	AVT_UNLINK_MUNMAP = 1,	/* munmap, MAP_FIXED, mremap source, brk shrink */
	AVT_UNLINK_MERGE,	/* removed by a merge */
	AVT_UNLINK_EXIT,	/* exit/exec teardown */
	AVT_UNLINK_DONTUNMAP,	/* mremap DONTUNMAP of a whole VMA */
};

/* Reason codes for a refused anon merge (anon_merge_allowed). */
enum avt_merge_refusal {
	AVT_MR_OK = 0,
	AVT_MR_SRC_FORK_CHILD,		/* case 1: range source is a fork child */
	AVT_MR_COPIED_FORK_CHILD,	/* case 1: mremap source is a fork child */
	AVT_MR_TGT_FORK_CHILD,		/* case 2: neighbour is a fork child */
	AVT_MR_DIFFERENT,		/* case 3: different anon state */
	AVT_MR_SCHEME,			/* scheme-specific (e.g. lazy H5) */
	AVT_MR__MAX,
};

/* Result of one rmap walk of one folio. */
struct avt_rmap_result {
	uint32_t visited;	/* AVCs/VMAs visited (all overlapping, no early stop) */
	uint32_t mapping;	/* of those, VMAs that really map the folio */
	uint32_t tree_size;	/* size of the index searched */
};

/* Per-VMA state for --state lines; ids are object pointers (canonicalised). */
struct avt_vma_state {
	const void *av, *root, *parent;	/* NULL = none */
	uint32_t children, active, avcs;
	/* per-object serials of av, root, parent (0 = the scheme has none):
	 * unlike the pointers they are never reused, so --verify can pair
	 * kernel ids with engine objects across a whole trace */
	uint64_t av_serial, root_serial, parent_serial;
	/* serials of the AVs of the first AVCs of the chain, head first
	 * (as a kernel snapshot lists them); nr_chain = how many (optional) */
	uint32_t nr_chain;
	uint64_t chain_serial[AVT_SNAP_MAX_AVC];
};

struct avt_scheme_ops {
	const char *name;

	/* lifetime: params may be NULL; priv is the scheme's instance */
	int (*init)(struct avt_scheme *s, const char *params);
	void (*fini)(struct avt_scheme *s);

	/* --- questions --- */
	bool (*is_faulted)(struct avt_scheme *s, const struct avt_vma *v);
	bool (*is_fork_child)(struct avt_scheme *s, const struct avt_vma *v);
	/* Can PREPARE of a neighbour reuse old's anon state (reusable_anon_vma,
	 * minus anon_vma_compatible which the VMA layer checked)? */
	bool (*reusable_neighbour)(struct avt_scheme *s, const struct avt_vma *old);
	/*
	 * is_mergeable_anon_vma: may the range carrying the anon state of
	 * range_src (NULL for a fresh range) merge with neighbour n?
	 * middle = the VMA being modified (existing-range merges) or NULL;
	 * copied_from = the mremap source or NULL. On refusal returns false and
	 * sets *why (enum avt_merge_refusal).
	 */
	bool (*anon_merge_allowed)(struct avt_scheme *s, const struct avt_vma *n,
				   const struct avt_vma *range_src,
				   const struct avt_vma *middle,
				   const struct avt_vma *copied_from, int *why);
	/* can_vma_merge_right's extra test: prev and next both faulted with
	 * different anon state -> they cannot both be merged.
	 * Both questions may also be asked by a check after the event
	 * (--check-invariants, invariant 9) with e->merge_query set: the
	 * answer must then be the same and have no side effect (no
	 * counters, no bookkeeping for a later commit). */
	bool (*anon_conflict)(struct avt_scheme *s, const struct avt_vma *prev,
			      const struct avt_vma *next);

	/* --- operations --- */
	/* anon_vma_prepare: v is not faulted; reuse = neighbour offering its
	 * anon state (find_mergeable_anon_vma result) or NULL. */
	int (*prepare)(struct avt_scheme *s, struct avt_vma *v, struct avt_vma *reuse,
		       enum avt_prepare_site site);
	int (*clone)(struct avt_scheme *s, struct avt_vma *dst, struct avt_vma *src,
		     enum avt_clone_op op);
	int (*fork_link)(struct avt_scheme *s, struct avt_vma *child, struct avt_vma *parent);
	void (*unlink)(struct avt_scheme *s, struct avt_vma *v, enum avt_unlink_why why);
	void (*range_begin)(struct avt_scheme *s, struct avt_vma *v, struct avt_vma *adj,
			    enum avt_range_tag tag);
	void (*range_end)(struct avt_scheme *s, struct avt_vma *v, struct avt_vma *adj,
			  enum avt_range_tag tag);
	/* notifications (optional): after a split completed; before a VMA
	 * struct is freed (after its unlink); after a VMA struct is allocated
	 * (per-VMA costs of a scheme enter its peaks at that moment) */
	void (*on_split)(struct avt_scheme *s, struct avt_vma *orig, struct avt_vma *nw);
	void (*on_remove)(struct avt_scheme *s, struct avt_vma *v);
	void (*on_alloc)(struct avt_scheme *s, struct avt_vma *v);

	/* --- folios --- */
	void *(*folio_handle)(struct avt_scheme *s, struct avt_vma *v);
	void *(*folio_move)(struct avt_scheme *s, struct avt_vma *v, struct avt_folio *f);
	/* Walk the rmap of f (explicit rmap event or census); lock=true: an
	 * acquisition is emitted (walks), false: census cost only. */
	void (*rmap_walk)(struct avt_scheme *s, struct avt_folio *f, bool lock,
			  struct avt_rmap_result *res);

	/* --- hooks before operations that move pages between mms/VMAs
	 * (optional; the lazy scheme upgrades here) --- */
	void (*before_fork)(struct avt_scheme *s, struct avt_mm *parent);
	void (*before_mremap_move)(struct avt_scheme *s, struct avt_vma *src);
	void (*before_uffd_move)(struct avt_scheme *s, struct avt_vma *src,
				 struct avt_vma *dst);
	/* lock taken by mremap's page-table moves of vma (take_rmap_locks /
	 * move_pgt_entry); tag is AVT_LT_MOVE_PTES or AVT_LT_MOVE_PGT */
	void (*pt_move_lock)(struct avt_scheme *s, struct avt_vma *vma, enum avt_lock_tag tag);
	/* lock taken by UFFDIO_MOVE of a present folio (optional) */
	void (*uffd_move_lock)(struct avt_scheme *s, struct avt_folio *f);
	/* (optional) may UFFDIO_MOVE rewrite f's mapping and index (see the
	 * call protocol above)? */
	bool (*folio_uffd_move)(struct avt_scheme *s, struct avt_vma *src, struct avt_vma *dst,
				struct avt_folio *f, uint64_t new_index);

	/* --- snapshots (optional): rebuild a VMA's links from opaque ids --- */
	int (*snap_vma)(struct avt_scheme *s, struct avt_vma *v,
			const struct avt_ev_snap_vma *sv);
	void (*snap_end)(struct avt_scheme *s);

	/* --- introspection --- */
	void (*vma_state)(struct avt_scheme *s, const struct avt_vma *v,
			  struct avt_vma_state *st);
	/* Scheme invariants over all VMAs (engine iterates); 0 or -EPROTO with
	 * the invariant named in why. */
	int (*check)(struct avt_scheme *s, char *why, size_t len);
	/* Extra report lines / metrics (optional); prefix is "SCHEME." */
	void (*report)(struct avt_scheme *s, FILE *out, const char *prefix);
	int (*metric)(struct avt_scheme *s, const char *name, double *val);

	/* (optional) called once after each replayed event, when all of its
	 * effects are done: end-of-operation work of a scheme (the lazy
	 * scheme releases roots and runs its hazard detectors here) */
	void (*after_event)(struct avt_scheme *s, const struct avt_event *ev);
};

struct avt_scheme {
	const struct avt_scheme_ops *ops;
	struct avt_engine *eng;
	void *priv;
};

/* An engine running a scheme given by its table (tests, out-of-tree schemes). */
struct avt_engine_opts;
struct avt_engine *avt_engine__new_ops(const struct avt_scheme_ops *ops,
				       const struct avt_engine_opts *opts);

/* Registry */
const struct avt_scheme_ops *avt_scheme__find(const char *name);
extern const struct avt_scheme_ops avt_scheme_eager;
extern const struct avt_scheme_ops avt_scheme_eager_legacy;
extern const struct avt_scheme_ops avt_scheme_lazy;	/* lazy.c */

#endif
