// SPDX-License-Identifier: MIT
/*
 * replay --verify: the engine against the kernel's own snapshots.
 *
 * Each snapshot in a trace (snap_begin / snap_vma... / snap_end) either
 * seeds the engine (start, exec and unknown processes: the engine rebuilds
 * them) or checks it (the engine already simulates that process: checkpoint
 * snapshots, exit snapshots, a start snapshot of a process the engine
 * already has). A check compares, VMA by VMA:
 *   vma       boundaries [start, end)   (a VMA on one side only is 1 mismatch)
 *   flags     vm_flags & VERIFY_FLAGS (the flags the engine models, below)
 *   pgoff     vm_pgoff
 *   file      dev and ino
 *   av        which VMAs share an anon_vma: a bijection kernel id <-> engine
 *             object (by its never-reused serial) kept across the whole
 *             trace; a pairing that conflicts with an earlier one is a
 *             mismatch (then re-paired, so one error is reported once).
 *             Kernel ids are unpaired when the trace shows the kernel
 *             allocating or freeing that object (slab reuse of addresses).
 *   root, parent  through the same bijection
 *   children, active, avcs   num_children, num_active_vmas, chain length
 *   chain     the AVCs the snapshot lists (<= 8, head first), entry by entry
 *             through the bijection: membership and order (K6 vs K7)
 * and, per process and per checkpoint window (a window closes after the
 * snapshots that follow a checkpoint marker, and at the end), the scheme's
 * anon_vma and AVC allocation and free counts against the trace's
 * allocation-truth events.
 *
 * The engine side of an exit snapshot is captured just before the exit
 * event is replayed (the kernel takes the snapshot at sched_process_exit,
 * before exit_mm; the recorder writes it after the exit event).
 *
 * Not judged, counted as classes of their own:
 *   tainted     a process that lost events (stats drops_tgid, for the whole
 *               trace), had an `unmodelled` event or one the engine could
 *               not model (until it execs), or was forked from a tainted
 *               one; plus the anon_vma facts of any VMA whose kernel root a
 *               tainted process also uses
 *   ambiguous   snapshots whose status says a modelled call of the
 *               process ran during the walk; the snapshotted process itself has events inside the
 *               snapshot (its state moved while the iterator ran), the
 *               snapshot was taken inside execve, overlaps another snapshot
 *               of the same process or was written after its exit; and
 *               num_children / num_active of the anon_vmas that another
 *               process (busy_add: the chains and own anon_vmas of its
 *               VMAs) may have changed inside the snapshot: one with
 *               events inside it, one forking (fork allocations seen,
 *               fork event not yet) or left by an exit whose teardown may
 *               still run (the kernel's exit_mmap): less than EXIT_TEARDOWN_NS
 *               before, or, in traces holding exit_mmap's frees, until
 *               those frees are all in the trace (at most
 *               EXIT_TEARDOWN_MAX_NS)
 *   passive     snapshots flagged passive
 *   seeded      snapshots the engine rebuilds a process from
 *   incomplete  snapshots whose status is partial (VMA records lost) or
 *               failed; busy ones (not taken: a lock was busy) are counted
 *               as snapshots, they hold no facts
 *   lock_dropped  snapshots whose walk was not one lock hold while a
 *               writer changed the mm: VMAs may be missing or from
 *               different moments, so none of their facts is judged
 *   not_captured  facts a /proc snapshot (flags procfs) cannot carry: the
 *               anon_vma facts of its VMAs and the pgoff of anonymous ones;
 *               and the allocation counts of processes seeded from one
 *               (their anon_vmas are unknown to the engine) and of their
 *               children, until they exec
 *   unexplained-prepare  the kernel VMA has an anon_vma that a process
 *               (itself, or the writer of process_vm_writev) allocated in
 *               __anon_vma_prepare and no recorded fault explains
 *               (get_user_pages: execve's argument copy, process_vm_writev,
 *               O_DIRECT); those alloc events likewise
 *   free-at-exit-unrecorded  frees the engine does at a process's exit
 *               when the trace holds no frees after that exit event, in
 *               traces of recorders that stopped tracing at the exit (no
 *               exit-frees=recorded in the filters metadata) or for
 *               processes whose mm was torn down in another context
 *               (stats teardown value 2, or exited inside a checkpoint
 *               snapshot of itself); newer traces
 *               hold exit_mmap's frees and they are compared (those still
 *               to come when a window closes count in the next window)
 *   partial_family  a process seeded with families reaching outside the
 *               trace (record -- CMD before CMD's exec), until it execs
 *   file_mode_unrecorded, shmem_inode  facts older traces cannot carry
 *   reseed_cut  the allocation counts of a group re-seed's members in the
 *               window it cut (see reseed_cut below); a member's counts in
 *               the class they would have been in (tainted...) otherwise
 *   snapshot-less  processes the engine simulated that no snapshot checked
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "avtrace/verify.h"
#include "engine/internal.h"
#include "engine/verify_map.h"

/*
 * Tracked flags: every VM_* bit the engine models and a merge, reuse or
 * fork rule reads (issue 3's list). Other bits (VM_PFNMAP, VM_IO,
 * VM_DONTEXPAND, VM_DONTDUMP, VM_SOFTDIRTY, VM_ARCH_1, VM_MIXEDMAP, pkeys,
 * VM_SEALED, uffd bits, ...) are masked out of the comparison.
 */
#define VERIFY_FLAGS (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED | VM_MAYREAD | VM_MAYWRITE | \
		      VM_MAYEXEC | VM_MAYSHARE | VM_GROWSDOWN | VM_LOCKED | VM_LOCKONFAULT | \
		      VM_DONTCOPY | VM_WIPEONFORK | VM_ACCOUNT | VM_NORESERVE | VM_HUGEPAGE | \
		      VM_NOHUGEPAGE | VM_MERGEABLE)

enum fact {
	F_VMA, F_FLAGS, F_PGOFF, F_FILE, F_AV, F_ROOT, F_PARENT, F_CHILDREN, F_ACTIVE,
	F_AVCS, F_CHAIN, F_ALLOC, F__N,
};
static const char *const fact_name[F__N] = {
	"vma", "flags", "pgoff", "file", "av", "root", "parent", "children", "active",
	"avcs", "chain", "alloc",
};

enum cls {
	C_TAINTED, C_AMBIGUOUS, C_PASSIVE, C_SEEDED, C_INCOMPLETE, C_UNEXPLAINED,
	C_EXITFREE, C_NOMODEL, C_PARTIAL, C_FMODE, C_SHMEM, C_LOCKDROP, C_NOTCAP, C_RSCUT, C__N,
};
static const char *const cls_name[C__N] = {
	"tainted", "ambiguous", "passive", "seeded", "incomplete", "unexplained_prepare",
	"free_at_exit_unrecorded", "unmodelled_process", "partial_family",
	"file_mode_unrecorded", "shmem_inode", "lock_dropped", "not_captured", "reseed_cut",
};

enum taint { T_NONE, T_DROPS, T_UNMODELLED, T_INHERITED, T_ENGINE, T_UNSEEDED };
static const char *const taint_name[] = {
	"", "drops", "unmodelled", "inherited",
	"engine-unmodelled",	/* the engine could not model one of its events
				 * (e.g. brk growing from a break it never saw) */
	"unseeded",		/* no complete snapshot of its image since it was
				 * seeded or exec'd (a busy, failed, lock_dropped
				 * or partial seed; an exec snapshot the /proc
				 * source skipped): until one re-seeds it */
};

enum { K_AV_ALLOC, K_AV_FREE, K_AVC_ALLOC, K_AVC_FREE, K__N };
static const char *const cnt_name[K__N] = {
	"anon_vma allocs", "anon_vma frees", "avc allocs", "avc frees",
};

/* One VMA as either side sees it; ids: kernel ids, or engine serials. */
struct cvma {
	uint64_t start, end, flags, pgoff, dev, ino;
	uint64_t av, root, parent;
	uint32_t nc, na, avcs;
	uint32_t nchain;			/* listed chain entries, head first */
	uint64_t chain[AVT_SNAP_MAX_AVC];
};

struct pinfo {
	uint32_t pid;
	char comm[AVT_COMM_LEN];
	uint8_t taint;
	bool compared, listed_tainted;
	bool exited, exit_frees_seen;
	bool teardown_done;		/* the recorder's teardown marker for
					 * its latest exit is in the trace */
	bool exit_elsewhere;		/* exited inside a checkpoint snapshot of
					 * itself: the iterator's reference to the
					 * mm was the last, the teardown ran in the
					 * recorder's (or a kworker's) context */
	uint64_t kx[2];			/* kernel anon_vma/AVC frees after the exit */
	uint64_t dead_start;			/* start serial of the process that exited */
	bool partial, partial_window;		/* seeded with a family reaching outside */
	bool nocap;			/* seeded from a /proc snapshot (or forked from
					 * such a process): its anon_vmas are unknown */
	uint64_t k[K__N], e[K__N], ex[2];	/* window counters */
	uint64_t kp[K__N];		/* of k: kernel allocs/frees since this process's
					 * last event, whose operation (a fork in
					 * progress...) has no event yet: they belong
					 * to the window of that event */
	bool fork_pending;		/* kp holds fork/clone-site allocations */
	uint64_t unexplained;
	uint64_t unexp_avc_free;	/* AVC frees still to discount: see kernel_alloc */
	struct ovr { uint64_t start, end; } *ov;	/* ranges of overlapped calls */
	size_t nov, capov;
	struct plc { uint64_t seq; uint32_t pid; int cls; struct avt_ev_syscall sc; } *pl;
	size_t npl;			/* placed overlapped calls not marked (yet) */
	uint64_t pl_lost;		/* latest seq dropped from pl: PL_MAX reached */
	uint64_t pl_unsure, pl_r;	/* seq of its latest U, R event (pl_class) */
	bool pl_off;			/* mlockall(MCL_FUTURE): every mmap populates */
	bool pl_uffd;			/* registered a userfaultfd range */
	uint64_t *fw;			/* pages of undecided fork-window faults */
	size_t nfw, capfw;
	bool fw_all;			/* too many: the whole address space */
	struct cvma *cap;			/* engine state captured at exit */
	size_t ncap, capcap;
	bool has_cap;
	/* re-seeding (see "re-seeding tainted processes") */
	struct cvma *rk;			/* the kernel snapshot it was rebuilt from */
	size_t nrk, caprk;
	bool rs_ambiguous;			/* that snapshot was not one clean view */
	bool drops_family;			/* T_INHERITED from a taint a group re-seed
						 * clears (a parent's lost events or
						 * unseeded image, a failed group re-seed) */
	uint32_t reseeds;			/* times a group re-seed cleared its taint */
	bool rs_cut;				/* a group re-seed threw window counts away */
	uint8_t rs_cut_cls;			/* the class they count in (reseed_cut) */
};

enum role { R_NONE, R_CHECK, R_SEED, R_PASSIVE, R_NOMODEL, R_LATE };
#define NR_PARKED 15
#define NR_EXITS 64
/* how long after its exit event a process's families are uncertain: the
 * longest teardown seen on this machine (PostgreSQL backends under
 * pgbench -C on 2 CPUs: a checkpoint 20 ms after a backend's exit event
 * still counted its anon_vmas in the postmaster's num_children) was about
 * 20 ms; twice that and more */
#define EXIT_TEARDOWN_NS (50ULL * 1000 * 1000)
/*
 * Traces that hold exit_mmap's frees (exit-frees=recorded) say when a
 * teardown is over instead: the recorder writes `stats kind=teardown
 * key=TGID` in stream order when exit_mmap finished (in whatever context
 * it ran); and once the kernel freed as many anon_vmas and AVCs after the
 * exit event as the engine did at it, unlink_anon_vmas has done every
 * num_children/num_active_vmas decrement (each precedes the free of its
 * AVC). A snapshot that begins after either is judged, however soon.
 * Until then the families are ambiguous -- but not forever: a teardown
 * held off by someone keeping the mm would hide real mismatches, so after
 * EXIT_TEARDOWN_MAX_NS they are judged again.
 */
#define EXIT_TEARDOWN_MAX_NS (1000ULL * 1000 * 1000)

struct avt_verify {
	struct avt_engine *e;
	const char *scheme;
	unsigned max_shown;
	char err[256];
	/* pass 1 */
	struct vmap drop_tgids;
	struct vmap exit_else;		/* tgids with stats teardown=2: their
					 * teardown ran in another context */
	bool global_taint, has_alloc;
	bool has_fmode;			/* the trace records files' open mode */
	bool exit_frees;		/* the recorder kept an exiting process traced
					 * until its mm was torn down (filters metadata
					 * exit-frees=recorded): exit_mmap's frees are
					 * in the trace */
	uint64_t scan_snaps;		/* snap_begin ordinal, pass 1 */
	struct vmap last_snap;		/* pid -> ordinal of its last snapshot, while
					 * only kernel faults/allocs followed it */
	struct vmap in_execve;		/* snapshot ordinals taken inside execve */
	uint64_t snaps_seen;		/* snap_begin ordinal, pass 2 */
	/* processes */
	struct pinfo **pi;		/* never move: callers keep pointers */
	size_t npi, cappi;
	struct vmap pidx;		/* pid -> index + 1 */
	/* bijection and kernel-side sets */
	struct vmap k2e, e2k;
	struct vmap prep;		/* kernel av id allocated at prepare -> pid */
	struct vmap troots;		/* kernel roots used by tainted processes */
	struct vmap ext;		/* kernel ids of families reaching outside the trace */
	struct vmap unexp;		/* kernel av ids found to be unexplained prepares */
	struct vmap konly;		/* of those, the ones the engine does not have
					 * (a checked VMA's; seeds give the engine theirs) */
	/* snapshot being read */
	struct snap {
		bool active, ambiguous;
		uint32_t nbegin, nend;	/* >1 begin: overlapping snapshots of one pid */
		uint32_t pid, kind, n, flags;
		uint64_t ev_idx, ts;
		enum role role;
		uint32_t rgroup;	/* a re-seeded group's index + 1 */
		struct cvma *k, *e;
		size_t nk, ne, capk, cape;
		/* anon_vmas whose num_children/num_active_vmas other
		 * processes may have moved while the kernel's iterator ran
		 * (see busy_add), by the engine's serial: busy_avs its
		 * num_children, busy_own its num_active_vmas; busy_roots
		 * whole families, where a chain is not known in full */
		struct vmap busy_roots, busy_avs, busy_own;
	} sn, parked[NR_PARKED];	/* sn: the snapshot being handled; parked:
					 * other processes' snapshots still open */
	/* recent exits: their families' num_children/num_active stay
	 * uncertain while the kernel's exit_mmap runs (the trace shows
	 * sched_process_exit, not the end of the teardown) */
	struct recent_exit {
		uint64_t ts;
		uint32_t pid;
		struct vmap roots;
		struct vmap avs, own, froots;	/* what its teardown may change
						 * (busy_add) */
		bool elsewhere;			/* torn down in another context */
		bool done;			/* the recorder's teardown marker seen */
		uint64_t want[2], got[2];	/* exit-frees traces: the engine's
						 * anon_vma/AVC frees at the exit,
						 * the kernel's after it */
	} exits[NR_EXITS];
	unsigned exit_next;
	/* windows */
	bool close_pending;
	uint32_t window_cp;
	/* results */
	uint64_t match[F__N], mism[F__N], cls[C__N];
	uint64_t snaps[R_LATE + 1], snaps_ambiguous, snaps_incomplete, snaps_tainted;
	uint64_t snaps_overlap, snaps_dropped;
	uint64_t snaps_lockdrop, snaps_busy, snaps_procfs;
	uint64_t ov_calls, ov_facts;	/* AVT_SYSF_OVERLAP calls, facts not judged */
	uint64_t ov_placed, ov_unsure;	/* of them placed (classes W, M, R), and
					 * placed ones marked all the same (pl_class) */
	struct vmap tid_seq;		/* tid -> nr_ev of its latest event from
					 * user space (a call entered after it) */
	uint64_t fw_faults, fw_facts;	/* undecided fork-window faults, facts not judged */
	uint64_t snaps_compared;
	uint64_t nr_ev;
	char **shown;
	size_t nshown;
	uint64_t snapless;
	char snapless_list[256];
	/* re-seeding tainted processes: planned in pass 1, done in pass 2 */
	struct vmap drop_val, drop_ts;	/* tgid -> its final drops_tgid value, and
					 * the ts of the stats record first showing it */
	struct vmap proots;		/* roots seen in passive snapshots */
	struct vmap seed_own;		/* kernel av ids of VMAs in seed and passive
					 * snapshots: objects the engine holds (by id) */
	struct vmap drop_cpu;		/* cpu + 1 -> its final drops_cpu value */
	struct rsnap {			/* a checkpoint or retry snapshot (not passive) */
		uint32_t pid, n, group;	/* n: checkpoint number, or RS_RETRY_N */
		uint64_t ts;
		bool ok;		/* complete, alone, with anon_vma ids */
		uint64_t *roots;
		size_t nroots, caproots;
	} *rs;
	size_t nrs, caprs, rs_seen;	/* rs_seen: pass 2's cursor */
	struct vmap rs_open;		/* pass 1: pid -> its open snapshot */
	struct rgroup {
		uint8_t state;		/* RG_* */
		uint32_t pending;	/* members whose snapshot is still to come */
	} *rg;
	size_t nrg;
	bool rs_planned;
	uint64_t reseeded, reseed_failed, snaps_reseeded;
};

const char *avt_verify__scheme_for(const char *release)
{
	int maj = 0, min = 0;

	if (!release || sscanf(release, "%d.%d", &maj, &min) != 2)
		return NULL;
	if (maj == 6 && min >= 16)
		return "eager-legacy";
	if (maj >= 7)
		return "eager";
	return NULL;
}

struct avt_verify *avt_verify__new(const struct avt_verify_opts *o)
{
	struct avt_verify *v;
	const char *scheme = o->mode;
	char serr[256] = "";

	if (!scheme) {
		const char *rel = o->meta ? avt_meta__get(o->meta, AVT_KEY_RELEASE) : NULL;

		scheme = avt_verify__scheme_for(rel);
		if (!scheme) {
			if (o->errbuf && o->errbuf_len)
				snprintf(o->errbuf, o->errbuf_len,
					 "cannot verify a trace of Linux %s: no scheme models it "
					 "(6.16-6.19: eager-legacy, >= 7.0: eager; --verify-mode= overrides)",
					 rel ? rel : "(release unknown)");
			errno = ENOTSUP;
			return NULL;
		}
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		errno = ENOMEM;
		return NULL;
	}
	{
		struct avt_engine_opts eo = {
			.sz = sizeof(eo), .meta = o->meta, .errbuf = serr, .errbuf_len = sizeof(serr),
		};

		v->e = avt_engine__new(scheme, &eo);
	}
	if (!v->e) {
		int err = errno;

		if (o->errbuf && o->errbuf_len)
			snprintf(o->errbuf, o->errbuf_len, "cannot start scheme %s: %s", scheme,
				 serr[0] ? serr : strerror(err));
		free(v);
		errno = err;
		return NULL;
	}
	v->scheme = avt_engine__scheme(v->e);
	{
		const char *f = o->meta ? avt_meta__get(o->meta, AVT_KEY_FILTERS) : NULL;

		v->exit_frees = f && strstr(f, "exit-frees=recorded");
	}
	v->max_shown = o->max_shown ? o->max_shown : 20;
	return v;
}

/* ---- calls that overlapped another call of their process ---- */
#define OV_PAGE 4096ULL
#define OV_MAX 256

/*
 * AVT_SYSF_OVERLAP: the recorder writes a call at its exit, so when two
 * calls (or a call and a clone) of one process were inside the kernel at
 * the same time, the trace's order of them may not be the order of their
 * changes. The VMAs around such a call's range (a page either side: merges
 * reach the neighbours) are not judged until the process is re-seeded
 * (exec): class ambiguous. Past OV_MAX ranges, one range spans them all.
 */
static void ov_add(struct pinfo *p, uint64_t start, uint64_t len)
{
	uint64_t s = start > OV_PAGE ? start - OV_PAGE : 0;
	uint64_t e = len ? start + len : start + OV_PAGE;

	e = e < start || e > UINT64_MAX - OV_PAGE ? UINT64_MAX : e + OV_PAGE;
	if (p->nov == OV_MAX) {
		for (size_t i = 1; i < p->nov; i++) {
			p->ov[0].start = p->ov[i].start < p->ov[0].start ? p->ov[i].start : p->ov[0].start;
			p->ov[0].end = p->ov[i].end > p->ov[0].end ? p->ov[i].end : p->ov[0].end;
		}
		p->nov = 1;
	}
	if (p->nov == p->capov) {
		size_t nc = p->capov ? p->capov * 2 : 8;
		struct ovr *nv = realloc(p->ov, nc * sizeof(*nv));

		if (!nv) {	/* no room: the whole address space then */
			if (p->capov) {
				p->ov[0] = (struct ovr){ 0, UINT64_MAX };
				p->nov = 1;
			}
			return;
		}
		p->ov = nv;
		p->capov = nc;
	}
	p->ov[p->nov++] = (struct ovr){ s, e };
}

static bool ov_hit(const struct pinfo *p, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < p->nov; i++)
		if (start < p->ov[i].end && p->ov[i].start < end)
			return true;
	return false;
}

/* a forked child starts with its parent's state, and so its uncertainty */
static void ov_copy(struct pinfo *to, const struct pinfo *from)
{
	to->nov = 0;
	if (!from->nov)
		return;
	if (to->capov < from->nov) {
		struct ovr *nv = realloc(to->ov, from->nov * sizeof(*nv));

		if (!nv) {
			ov_add(to, 0, UINT64_MAX);
			return;
		}
		to->ov = nv;
		to->capov = from->nov;
	}
	memcpy(to->ov, from->ov, from->nov * sizeof(*to->ov));
	to->nov = from->nov;
}

static struct pinfo *pinfo_get(struct avt_verify *v, uint32_t pid);

/*
 * Faults of another thread that raced a fork (order.c) and that the
 * allocation truth could not place before or after the copy, where the
 * placement could change an anon_vma or the layout: the VMAs around such
 * a page (a page either side), in the parent and in that fork's child, are
 * not judged until the process is re-seeded (exec): class ambiguous.
 */
#define FW_MAX 1024

static void fw_add(struct pinfo *p, uint64_t addr)
{
	if (p->fw_all)
		return;
	if (p->nfw == p->capfw) {
		size_t nc = p->capfw ? p->capfw * 2 : 8;
		uint64_t *nv = nc <= FW_MAX ? realloc(p->fw, nc * sizeof(*nv)) : NULL;

		if (!nv) {
			p->fw_all = true;
			return;
		}
		p->fw = nv;
		p->capfw = nc;
	}
	p->fw[p->nfw++] = addr & ~(OV_PAGE - 1);
}

static bool fw_hit(const struct pinfo *p, uint64_t start, uint64_t end)
{
	if (p->fw_all)
		return true;
	for (size_t i = 0; i < p->nfw; i++)
		if (start < p->fw[i] + 2 * OV_PAGE && p->fw[i] - OV_PAGE < end)
			return true;
	return false;
}

static void fw_copy(struct pinfo *to, const struct pinfo *from)
{
	to->nfw = 0;
	to->fw_all = from->fw_all;
	for (size_t i = 0; i < from->nfw; i++)
		fw_add(to, from->fw[i]);
}

static void fw_take(struct avt_verify *v)
{
	const struct avt_order_undecided *u;
	size_t n = avt_order__undecided(v->e, &u);

	for (size_t i = 0; i < n; i++) {
		struct pinfo *p = pinfo_get(v, u[i].pid);
		struct pinfo *c = u[i].child ? pinfo_get(v, u[i].child) : NULL;

		v->fw_faults++;
		if (p)
			fw_add(p, u[i].addr);
		if (c)
			fw_add(c, u[i].addr);
	}
}

/* the ranges an overlapped call may have changed */
static void ov_call(struct avt_verify *v, const struct avt_event *ev)
{
	const struct avt_ev_syscall *sc = &ev->u.sys;
	const uint64_t *a = sc->args;
	struct pinfo *p = pinfo_get(v, ev->pid);
	bool ok = sc->ret >= 0;

	if (!p)
		return;
	switch (sc->sys) {
	case AVT_SYS_MMAP:
		ov_add(p, ok ? (uint64_t)sc->ret : a[0], a[1]);
		break;
	case AVT_SYS_MREMAP:
		ov_add(p, a[0], a[1]);
		ov_add(p, ok ? (uint64_t)sc->ret : a[4], a[2]);
		if (a[4])
			ov_add(p, a[4], a[2]);
		break;
	case AVT_SYS_BRK: {
		uint64_t lo = a[0] < (uint64_t)sc->ret ? a[0] : (uint64_t)sc->ret;
		uint64_t hi = a[0] < (uint64_t)sc->ret ? (uint64_t)sc->ret : a[0];

		if (a[0])	/* brk(0) only asks */
			ov_add(p, lo, hi - lo);
		break;
	}
	case AVT_SYS_MLOCKALL: case AVT_SYS_MUNLOCKALL:
		ov_add(p, 0, UINT64_MAX);
		break;
	case AVT_SYS_SHMAT:
		ov_add(p, ok ? (uint64_t)sc->ret : a[1], a[3]);
		break;
	case AVT_SYS_SHMDT:	/* the segment's VMAs start there */
		ov_add(p, a[0], 0);
		break;
	case AVT_SYS_PROCESS_MADVISE: {
		struct pinfo *t = pinfo_get(v, (uint32_t)a[0]);

		if (t)
			ov_add(t, a[1], a[2]);
		break;
	}
	case AVT_SYS_PRCTL:	/* PR_SET_VMA: arg3 addr, arg4 len */
		ov_add(p, a[2], a[3]);
		break;
	case AVT_SYS_UFFD_COPY: case AVT_SYS_UFFD_MOVE:
		ov_add(p, a[0], a[2]);
		ov_add(p, a[1], a[2]);
		break;
	default:		/* addr len ... */
		ov_add(p, a[0], a[1]);
		break;
	}
}

/*
 * AVT_SYSF_PLACED / AVT_SYSF_PLACED_READ narrow the rule above: the
 * recorder wrote such a call where it released the mmap lock (the write
 * lock; else its last release, a read one), not at its exit. Each
 * overlapped call falls in one class (pl_class):
 *   W  at a write release, its change made in that hold and no work after
 *      it (mmap without MAP_POPULATE/MAP_LOCKED, mprotect, munmap, ...;
 *      not mlock*, mlockall, mremap, brk, which populate afterwards);
 *   M  munmap or brk at a read release: the one that ends their write hold
 *      downgraded (the change is made before the downgrade);
 *   R  madvise DONTNEED/FREE/DONTNEED_LOCKED at a read release: its zap in
 *      that one read hold (not in a process with userfaultfd ranges);
 *   U  anything else (written at its exit, or no change-ending release);
 * and a fork (its event follows dup_mmap's write release) counts as U.
 * Write holds never overlap, and nothing takes the write lock while M's
 * downgraded hold lasts, so W, M and R are in the trace in the order of
 * their changes among themselves, except an R inside M's read phase
 * (written before M, changed after it; R with R only zap: they commute).
 * A pair that can be out of order is out of order only if the one written
 * second changed first, so was written after the other's call entered,
 * i.e. after the previous event from user space of the other's thread
 * (tid_seq). So, for an overlapped call E written now, with its window
 * (tid_seq of its thread, now):
 *   U  marks every W, M, R written in its window (pl_flush), and itself;
 *   W  is marked if a U was written in its window (pl_unsure);
 *   R  likewise (pl_unsure);
 *   M  is marked if a U or an R was written in its window, and marks
 *      those R (pl_flush on R only).
 * Marked = its ranges ambiguous (ov_call), as every overlapped call was
 * before. Faults (written at entry) are not ordered by this rule, as
 * before it.
 */
#define PL_MAX 256
enum { PL_W, PL_M, PL_R, PL_U };

static int pl_class(const struct pinfo *p, const struct avt_ev_syscall *sc)
{
	if (p->pl_off)		/* mlockall(MCL_FUTURE): mmap and brk populate */
		return PL_U;
	if (sc->flags & AVT_SYSF_PLACED) {
		switch (sc->sys) {
		case AVT_SYS_MMAP:	/* mm_populate after the release */
			return sc->args[3] & (MAP_POPULATE | MAP_LOCKED) ? PL_U : PL_W;
		case AVT_SYS_MUNMAP: case AVT_SYS_MPROTECT: case AVT_SYS_PKEY_MPROTECT:
		case AVT_SYS_MADVISE: case AVT_SYS_MUNLOCK: case AVT_SYS_MUNLOCKALL:
		case AVT_SYS_MSEAL: case AVT_SYS_MBIND: case AVT_SYS_SET_MEMPOLICY_HOME_NODE:
		case AVT_SYS_UFFD_REGISTER: case AVT_SYS_UFFD_UNREGISTER: case AVT_SYS_PRCTL:
			return PL_W;
		default:	/* mlock, mlock2, mlockall, mremap, brk: __mm_populate
				 * (mlock2 ONFAULT too: a VMA unlocked meanwhile is
				 * populated), the rest */
			return PL_U;
		}
	}
	if (sc->flags & AVT_SYSF_PLACED_READ) {
		if (sc->sys == AVT_SYS_MUNMAP || sc->sys == AVT_SYS_BRK)
			return PL_M;
		/* (on a userfaultfd range, userfaultfd_remove drops the
		 * lock between VMAs: the zap spans holds) */
		if (sc->sys == AVT_SYS_MADVISE && !p->pl_uffd &&
		    (sc->args[2] == MADV_DONTNEED || sc->args[2] == MADV_FREE || sc->args[2] == 24))
			return PL_R;	/* (24: MADV_DONTNEED_LOCKED) */
	}
	return PL_U;
}

static uint64_t pl_since(struct avt_verify *v, const struct avt_event *ev)
{
	uint64_t since = 0;

	vmap__get(&v->tid_seq, ev->tid ? ev->tid : UINT32_MAX, &since);
	return since;
}

static void pl_mark(struct avt_verify *v, uint32_t pid, const struct avt_ev_syscall *sc)
{
	struct avt_event c = { .type = AVT_EV_SYSCALL, .pid = pid, .tid = pid };

	c.u.sys = *sc;
	v->ov_unsure++;
	ov_call(v, &c);
}

static void pl_add(struct avt_verify *v, struct pinfo *p, const struct avt_event *ev, int cls)
{
	if (!p->pl) {
		p->pl = malloc(PL_MAX * sizeof(*p->pl));
		if (!p->pl) {	/* no room: mark it as before */
			pl_mark(v, ev->pid, &ev->u.sys);
			return;
		}
	}
	if (p->npl == PL_MAX) {
		p->pl_lost = p->pl[0].seq;
		memmove(p->pl, p->pl + 1, (PL_MAX - 1) * sizeof(*p->pl));
		p->npl--;
	}
	p->pl[p->npl++] = (struct plc){ v->nr_ev, ev->pid, cls, ev->u.sys };
}

/* mark the calls of the classes in mask written since `since`; true if any */
static bool pl_flush(struct avt_verify *v, struct pinfo *p, uint64_t since, unsigned mask)
{
	bool any = false;
	size_t k = 0;

	if (since < p->pl_lost) {	/* one of them may be gone: all */
		ov_add(p, 0, UINT64_MAX);
		any = true;
	}
	for (size_t i = 0; i < p->npl; i++) {
		if (p->pl[i].seq <= since || !(mask & (1u << p->pl[i].cls))) {
			p->pl[k++] = p->pl[i];
			continue;
		}
		pl_mark(v, p->pl[i].pid, &p->pl[i].sc);
		any = true;
	}
	p->npl = k;
	return any;
}

/* an overlapped call, or (ev a fork) a clone that copied the mm */
static void pl_event(struct avt_verify *v, struct pinfo *p, const struct avt_event *ev)
{
	uint64_t since = pl_since(v, ev);
	int cls = ev->type == AVT_EV_SYSCALL ? pl_class(p, &ev->u.sys) : PL_U;

	switch (cls) {
	case PL_U:
		pl_flush(v, p, since, 1u << PL_W | 1u << PL_M | 1u << PL_R);
		p->pl_unsure = v->nr_ev;
		if (ev->type == AVT_EV_SYSCALL)
			ov_call(v, ev);
		return;
	case PL_M:
		if (pl_flush(v, p, since, 1u << PL_R) || p->pl_r > since || p->pl_unsure > since)
			break;
		v->ov_placed++;
		pl_add(v, p, ev, cls);
		return;
	case PL_R:
		p->pl_r = v->nr_ev;
		/* fall through */
	default:
		if (p->pl_unsure > since)
			break;
		v->ov_placed++;
		pl_add(v, p, ev, cls);
		return;
	}
	v->ov_placed++;	/* placed, marked all the same */
	pl_mark(v, ev->pid, &ev->u.sys);
}

static void pinfo_free_cap(struct pinfo *p)
{
	free(p->cap);
	p->cap = NULL;
	p->ncap = p->capcap = 0;
	p->has_cap = false;
}

void avt_verify__free(struct avt_verify *v)
{
	if (!v)
		return;
	avt_engine__free(v->e);
	for (size_t i = 0; i < v->npi; i++) {
		pinfo_free_cap(v->pi[i]);
		free(v->pi[i]->ov);
		free(v->pi[i]->pl);
		free(v->pi[i]->rk);
		free(v->pi[i]->fw);
		free(v->pi[i]);
	}
	free(v->pi);
	for (size_t i = 0; i < v->nshown; i++)
		free(v->shown[i]);
	free(v->shown);
	free(v->sn.k);
	free(v->sn.e);
	vmap__fini(&v->sn.busy_roots);
	vmap__fini(&v->sn.busy_avs);
	vmap__fini(&v->sn.busy_own);
	for (int i = 0; i < NR_PARKED; i++) {
		free(v->parked[i].k);
		free(v->parked[i].e);
		vmap__fini(&v->parked[i].busy_roots);
		vmap__fini(&v->parked[i].busy_avs);
		vmap__fini(&v->parked[i].busy_own);
	}
	for (size_t i = 0; i < v->nrs; i++)
		free(v->rs[i].roots);
	free(v->rs);
	free(v->rg);
	vmap__fini(&v->drop_val);
	vmap__fini(&v->tid_seq);
	vmap__fini(&v->drop_ts);
	vmap__fini(&v->proots);
	vmap__fini(&v->seed_own);
	vmap__fini(&v->drop_cpu);
	vmap__fini(&v->rs_open);
	vmap__fini(&v->drop_tgids);
	vmap__fini(&v->exit_else);
	vmap__fini(&v->last_snap);
	vmap__fini(&v->in_execve);
	vmap__fini(&v->pidx);
	vmap__fini(&v->k2e);
	vmap__fini(&v->e2k);
	vmap__fini(&v->prep);
	vmap__fini(&v->troots);
	vmap__fini(&v->ext);
	vmap__fini(&v->unexp);
	vmap__fini(&v->konly);
	for (int i = 0; i < NR_EXITS; i++) {
		vmap__fini(&v->exits[i].roots);
		vmap__fini(&v->exits[i].avs);
		vmap__fini(&v->exits[i].own);
		vmap__fini(&v->exits[i].froots);
	}
	free(v);
}

const char *avt_verify__scheme(const struct avt_verify *v)
{
	return v->scheme;
}

const char *avt_verify__error(const struct avt_verify *v)
{
	return v->err;
}

uint64_t avt_verify__mismatches(const struct avt_verify *v)
{
	uint64_t n = 0;

	for (int f = 0; f < F__N; f++)
		n += v->mism[f];
	return n;
}

uint64_t avt_verify__compared(const struct avt_verify *v)
{
	uint64_t n = 0;

	for (int f = 0; f < F__N; f++)
		n += v->mism[f] + v->match[f];
	return n;
}

static void reseed_prescan(struct avt_verify *v, const struct avt_event *ev);

/* ---- pass 1 ---- */
void avt_verify__prescan(struct avt_verify *v, const struct avt_event *ev)
{
	uint64_t ord;

	reseed_prescan(v, ev);

	/*
	 * A snapshot followed, for its process, by nothing but kernel-mode
	 * faults and allocations up to an exec event was taken inside execve:
	 * sched_process_exec fires at its end, after exec_mmap already
	 * installed the new mm, so the snapshot may show a half-built image.
	 */
	switch (ev->type) {
	case AVT_EV_SNAP_BEGIN:
		vmap__put(&v->last_snap, ev->pid ? ev->pid : UINT32_MAX, ++v->scan_snaps);
		break;
	case AVT_EV_SNAP_VMA: case AVT_EV_SNAP_END: case AVT_EV_ALLOC:
		break;
	case AVT_EV_FAULT:
		if (ev->u.fault.flags & AVT_FAULT_KERNEL)
			break;
		vmap__del(&v->last_snap, ev->pid ? ev->pid : UINT32_MAX);
		break;
	case AVT_EV_EXEC:
		if (vmap__get(&v->last_snap, ev->pid ? ev->pid : UINT32_MAX, &ord))
			vmap__put(&v->in_execve, ord, 1);
		/* fall through */
	default:
		vmap__del(&v->last_snap, ev->pid ? ev->pid : UINT32_MAX);
		break;
	}
	if (ev->type == AVT_EV_ALLOC)
		v->has_alloc = true;
	if (ev->type == AVT_EV_SYSCALL &&
	    (ev->u.sys.flags & (AVT_SYSF_FILE_RDONLY | AVT_SYSF_FILE_NOEXEC)))
		v->has_fmode = true;
	if (ev->type != AVT_EV_STATS || !ev->u.stats.value)
		return;
	if (ev->u.stats.kind == AVT_STATS_TEARDOWN && ev->u.stats.value == 2)
		vmap__put(&v->exit_else, ev->u.stats.key ? ev->u.stats.key : UINT32_MAX, 1);
	if (ev->u.stats.kind == AVT_STATS_DROPS_TGID) {
		vmap__put(&v->drop_tgids, ev->u.stats.key ? ev->u.stats.key : UINT32_MAX, 1);
	} else if (ev->u.stats.kind == AVT_STATS_DROPS_CPU && !v->drop_tgids.n) {
		v->global_taint = true;	/* drops with no tgid named: anything may be off */
	}
}

/* ---- processes ---- */
static struct pinfo *pinfo_get(struct avt_verify *v, uint32_t pid)
{
	uint64_t ix;
	struct pinfo *p;

	if (vmap__get(&v->pidx, pid ? pid : UINT32_MAX, &ix))
		return v->pi[ix - 1];
	if (v->npi == v->cappi) {
		size_t nc = v->cappi ? v->cappi * 2 : 64;
		struct pinfo **np = realloc(v->pi, nc * sizeof(*np));

		if (!np)
			return NULL;
		v->pi = np;
		v->cappi = nc;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (vmap__put(&v->pidx, pid ? pid : UINT32_MAX, v->npi + 1)) {
		free(p);
		return NULL;
	}
	v->pi[v->npi++] = p;
	p->pid = pid;
	if (v->global_taint || vmap__get(&v->drop_tgids, pid ? pid : UINT32_MAX, NULL))
		p->taint = T_DROPS;
	return p;
}

static void pinfo_comm(struct avt_verify *v, struct pinfo *p)
{
	struct avt_proc *ep = avt_proc__find(v->e, p->pid);

	if (ep && ep->comm[0])
		memcpy(p->comm, ep->comm, AVT_COMM_LEN);
	p->comm[AVT_COMM_LEN - 1] = 0;
}

/* ---- capturing the engine's view of one process ---- */
static int capture(struct avt_verify *v, uint32_t pid, struct cvma **out, size_t *n,
		   size_t *cap)
{
	struct avt_proc *p = avt_proc__find(v->e, pid);
	struct avt_vma *vma;
	size_t i = 0;

	*n = 0;
	if (!p || !p->mm)
		return 0;
	avt_for_each_vma(p->mm, vma) {
		struct avt_vma_state st;
		struct cvma *c;

		if (i == *cap) {
			size_t nc = *cap ? *cap * 2 : 64;
			struct cvma *nv = realloc(*out, nc * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			*out = nv;
			*cap = nc;
		}
		v->e->scheme.ops->vma_state(&v->e->scheme, vma, &st);
		c = &(*out)[i++];
		c->start = vma->start;
		c->end = vma->end;
		c->flags = vma->flags;
		c->pgoff = vma->pgoff;
		c->dev = vma->dev;
		c->ino = vma->ino;
		/* serials identify objects; a scheme without them falls back to
		 * pointers (valid within one snapshot only) */
		c->av = st.av ? (st.av_serial ? st.av_serial : (uintptr_t)st.av) : 0;
		c->root = st.root ? (st.root_serial ? st.root_serial : (uintptr_t)st.root) : 0;
		c->parent = st.parent ? (st.parent_serial ? st.parent_serial : (uintptr_t)st.parent) : 0;
		c->nc = st.children;
		c->na = st.active;
		c->avcs = st.avcs;
		c->nchain = st.nr_chain <= AVT_SNAP_MAX_AVC ? st.nr_chain : AVT_SNAP_MAX_AVC;
		memcpy(c->chain, st.chain_serial, c->nchain * sizeof(c->chain[0]));
	}
	*n = i;
	return 0;
}

/* ---- printing in --state format ---- */
struct canon {
	struct vmap m;
	uint64_t next;
};

static void canon_build(struct canon *c, const struct cvma *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const uint64_t ids[3] = { a[i].av, a[i].root, a[i].parent };

		for (int j = 0; j < 3; j++)
			if (ids[j] && !vmap__get(&c->m, ids[j], NULL))
				vmap__put(&c->m, ids[j], ++c->next);
	}
	/* ids seen only in chains come after, so state lines keep --state's ids */
	for (size_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < a[i].nchain; j++)
			if (a[i].chain[j] && !vmap__get(&c->m, a[i].chain[j], NULL))
				vmap__put(&c->m, a[i].chain[j], ++c->next);
}

/* " chain=a1,a2" in canonical ids */
static void chain_text(char *b, size_t len, const struct cvma *c, const struct canon *cn)
{
	size_t n = 0;

	n += snprintf(b, len, "chain=");
	for (uint32_t j = 0; j < c->nchain && n < len; j++) {
		uint64_t x = 0;

		vmap__get(&cn->m, c->chain[j], &x);
		n += snprintf(b + n, len - n, "%sa%" PRIu64, j ? "," : "", x);
	}
	if (!c->nchain && n < len)
		snprintf(b + n, len - n, "-");
}

static int put_id(char *b, size_t len, const char *key, const struct canon *c, uint64_t id)
{
	uint64_t x = 0;

	if (!id)
		return snprintf(b, len, " %s=-", key);
	vmap__get(&c->m, id, &x);
	return snprintf(b, len, " %s=a%" PRIu64, key, x);
}

/* One --state line (no newline) for a VMA, or "(none)". */
static void state_line(char *b, size_t len, uint32_t pid, const struct cvma *c,
		       const struct canon *cn)
{
	int n;

	if (!c) {
		snprintf(b, len, "(none)");
		return;
	}
	n = snprintf(b, len, "%u %" PRIx64 "-%" PRIx64 " flags=%" PRIx64 " pgoff=%" PRIx64
		     " dev=%" PRIx64 ":%" PRIx64 " ino=%" PRIu64, pid, c->start, c->end, c->flags,
		     c->pgoff, c->dev >> 20, c->dev & 0xfffff, c->ino);
	if (n < 0 || (size_t)n >= len)
		return;
	n += put_id(b + n, len - n, "av", cn, c->av);
	if ((size_t)n >= len)
		return;
	n += put_id(b + n, len - n, "root", cn, c->root);
	if ((size_t)n >= len)
		return;
	n += put_id(b + n, len - n, "parent", cn, c->parent);
	if ((size_t)n >= len)
		return;
	snprintf(b + n, len - n, " children=%u active=%u avcs=%u", c->nc, c->na, c->avcs);
}

static const char *kind_name(uint32_t k)
{
	switch (k) {
	case AVT_SNAP_START: return "start";
	case AVT_SNAP_EXEC: return "exec";
	case AVT_SNAP_EXIT: return "exit";
	case AVT_SNAP_CHECKPOINT: return "checkpoint";
	}
	return "?";
}

static void show(struct avt_verify *v, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	char **ns;

	if (v->nshown >= v->max_shown)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	ns = realloc(v->shown, (v->nshown + 1) * sizeof(*ns));
	if (!ns) {
		free(s);
		return;
	}
	v->shown = ns;
	v->shown[v->nshown++] = s;
}

struct cmpctx {
	struct avt_verify *v;
	struct pinfo *p;
	struct canon ck, ce;
	uint64_t nmism;
	bool procfs;		/* a /proc snapshot: no anon_vma facts */
};

static void mismatch(struct cmpctx *c, enum fact f, const struct cvma *k, const struct cvma *e,
		     const char *what)
{
	struct avt_verify *v = c->v;
	char kl[512], el[512];

	v->mism[f]++;
	c->nmism++;
	if (v->nshown >= v->max_shown)
		return;
	state_line(kl, sizeof(kl), v->sn.pid, k, &c->ck);
	state_line(el, sizeof(el), v->sn.pid, e, &c->ce);
	if (f == F_CHAIN && k && e) {
		size_t n = strlen(kl), m = strlen(el);

		kl[n++] = ' ';
		el[m++] = ' ';
		chain_text(kl + n, sizeof(kl) - n, k, &c->ck);
		chain_text(el + m, sizeof(el) - m, e, &c->ce);
	}
	show(v, "%s mismatch at event %" PRIu64 ", %s[%u] snapshot kind=%s n=%u @%" PRIu64 "%s%s\n"
	     "  kernel: %s\n  engine: %s\n", fact_name[f], v->sn.ev_idx, c->p->comm, v->sn.pid,
	     kind_name(v->sn.kind), v->sn.n, v->sn.ts, what ? ": " : "", what ? what : "", kl, el);
}

static void fact(struct cmpctx *c, enum fact f, bool ok, const struct cvma *k,
		 const struct cvma *e, const char *what)
{
	if (ok)
		c->v->match[f]++;
	else
		mismatch(c, f, k, e, what);
}

static void unpair(struct avt_verify *v, uint64_t kid)
{
	uint64_t s;

	if (vmap__get(&v->k2e, kid, &s)) {
		vmap__del(&v->e2k, s);
		vmap__del(&v->k2e, kid);
	}
}

/* The bijection: true if kid <-> ser is consistent with every earlier pair. */
static bool pair(struct avt_verify *v, uint64_t kid, uint64_t ser)
{
	uint64_t s0, k0;
	bool hk = vmap__get(&v->k2e, kid, &s0), he = vmap__get(&v->e2k, ser, &k0);

	if (hk && he && s0 == ser && k0 == kid)
		return true;
	if (!hk && !he) {
		vmap__put(&v->k2e, kid, ser);
		vmap__put(&v->e2k, ser, kid);
		return true;
	}
	/* conflict: report once, then pair afresh */
	if (hk)
		vmap__del(&v->e2k, s0);
	if (he)
		vmap__del(&v->k2e, k0);
	vmap__put(&v->k2e, kid, ser);
	vmap__put(&v->e2k, ser, kid);
	return false;
}

/* facts a kernel VMA carries (for the classes that are not judged) */
static uint64_t vma_facts(const struct cvma *k)
{
	return 4 + (k->av ? 6 : 1);
}

/* the kernel allocated this av in __anon_vma_prepare for this process and
 * the engine never did: an unexplained prepare; its allocs leave the window */
static bool unexplained(struct avt_verify *v, struct pinfo *p, uint64_t kid)
{
	struct pinfo *a;
	uint64_t pid;

	/* the allocating task may be another process (process_vm_writev) */
	if (vmap__get(&v->unexp, kid, NULL))
		return true;	/* seen before: counted then */
	if (!vmap__get(&v->prep, kid, &pid))
		return false;
	vmap__del(&v->prep, kid);
	vmap__put(&v->unexp, kid, 1);
	a = pinfo_get(v, (uint32_t)pid);
	if (!a)
		return false;
	if (a->k[K_AV_ALLOC])
		a->k[K_AV_ALLOC]--;
	if (a->k[K_AVC_ALLOC])
		a->k[K_AVC_ALLOC]--;
	p->unexplained++;	/* counted against the VMA's process */
	return true;
}

/*
 * do_mmap drops VM_SHARED and VM_MAYWRITE from a MAP_SHARED mapping of a
 * file not opened for writing (!FMODE_WRITE). Traces of older recorders do
 * not record the file's open mode (AVT_SYSF_FILE_RDONLY), so the engine
 * keeps them: in such a trace a flags difference of exactly those two bits
 * on such a file mapping is not the engine's.
 */
static bool fmode_only(const struct avt_verify *v, const struct cvma *k, const struct cvma *e)
{
	uint64_t d = (k->flags ^ e->flags) & VERIFY_FLAGS;

	return !v->has_fmode && d && (k->dev || k->ino) && (k->flags & VM_MAYSHARE) &&
	       !(d & ~(VM_SHARED | VM_MAYWRITE)) && !(k->flags & d);
}

static void compare_vma(struct cmpctx *c, const struct cvma *k, const struct cvma *e)
{
	struct avt_verify *v = c->v;
	bool ftaint = k->root && vmap__get(&v->troots, k->root, NULL);

	fact(c, F_VMA, true, k, e, NULL);
	if (fmode_only(v, k, e))
		v->cls[C_FMODE]++;
	else
		fact(c, F_FLAGS, (k->flags & VERIFY_FLAGS) == (e->flags & VERIFY_FLAGS), k, e, NULL);
	/* /proc prints vm_pgoff only for file VMAs; no anon_vma facts at all */
	if (c->procfs && !k->dev && !k->ino)
		v->cls[C_NOTCAP]++;
	else
		fact(c, F_PGOFF, k->pgoff == e->pgoff, k, e, NULL);
	/* MAP_SHARED|MAP_ANONYMOUS (and SysV shm) are shmem files inside the
	 * kernel (internal mount, major 0): their inode is nothing a trace
	 * can know; the engine calls them anonymous */
	if (!e->dev && !e->ino && (k->flags & VM_MAYSHARE) && k->dev >> 20 == 0 && k->ino)
		v->cls[C_SHMEM]++;
	else
		fact(c, F_FILE, k->dev == e->dev && k->ino == e->ino, k, e, NULL);
	if (c->procfs) {
		v->cls[C_NOTCAP] += e->av ? 6 : 1;
		return;
	}
	if (ftaint) {
		v->cls[C_TAINTED] += k->av ? 6 : 1;
		return;
	}
	if (k->root && vmap__get(&v->ext, k->root, NULL)) {
		v->cls[C_PARTIAL] += 6;
		return;
	}
	if (!k->av && !e->av) {
		fact(c, F_AV, true, k, e, NULL);
		return;
	}
	if (k->av && !e->av && unexplained(v, c->p, k->av)) {
		vmap__put(&v->konly, k->av, 1);
		v->cls[C_UNEXPLAINED] += 6;
		return;
	}
	if (!k->av || !e->av) {
		fact(c, F_AV, false, k, e, k->av ? "the kernel VMA has an anon_vma, the engine's has none"
						 : "the engine VMA has an anon_vma, the kernel's has none");
		return;
	}
	vmap__del(&v->prep, k->av);	/* the engine prepared it too */
	fact(c, F_AV, pair(v, k->av, e->av), k, e, "anon_vma pairs differently than before");
	fact(c, F_ROOT, pair(v, k->root ? k->root : k->av, e->root), k, e,
	     "root pairs differently than before");
	fact(c, F_PARENT, pair(v, k->parent ? k->parent : k->root ? k->root : k->av, e->parent),
	     k, e, "parent pairs differently than before");
	if (e->root && vmap__get(&v->sn.busy_roots, e->root, NULL)) {
		v->cls[C_AMBIGUOUS] += 2;
	} else {
		if (vmap__get(&v->sn.busy_avs, e->av, NULL))
			v->cls[C_AMBIGUOUS]++;
		else
			fact(c, F_CHILDREN, k->nc == e->nc, k, e, NULL);
		if (vmap__get(&v->sn.busy_own, e->av, NULL))
			v->cls[C_AMBIGUOUS]++;
		else
			fact(c, F_ACTIVE, k->na == e->na, k, e, NULL);
	}
	fact(c, F_AVCS, k->avcs == e->avcs, k, e, NULL);
	/* the listed chain (at most AVT_SNAP_MAX_AVC AVCs, head first), entry
	 * by entry through the bijection: membership and order */
	if (e->nchain || k->nchain) {
		bool ok = k->nchain == e->nchain;

		for (uint32_t j = 0; ok && j < k->nchain; j++)
			ok = k->chain[j] && pair(v, k->chain[j], e->chain[j]);
		fact(c, F_CHAIN, ok, k, e, "chain differs (listed AVCs, head first)");
	}
}

/* y continues x as one VMA could: adjacent, same flags and file, and for
 * a file the next page offset (anonymous pgoffs are not read from /proc) */
static bool procfs_adjacent(const struct cvma *x, const struct cvma *y)
{
	return x->end == y->start && !((x->flags ^ y->flags) & VERIFY_FLAGS) &&
	       x->dev == y->dev && x->ino == y->ino &&
	       (!(x->dev || x->ino) || y->pgoff == x->pgoff + ((x->end - x->start) >> 12));
}

/*
 * A process seeded from /proc snapshots has no anon_vmas in the engine
 * where the kernel has some, and whether two VMAs merge depends on them
 * (is_mergeable_anon_vma: a VMA with an anon_vma merges with one without
 * only if its AVC chain is singular, i.e. it was not forked). So where the
 * two sides cover the same range, starting at the same address, with runs
 * of adjacent VMAs that differ only in where they are cut, the difference
 * is a merge decision the trace cannot judge: those kernel VMAs' facts are
 * not_captured. Anything else (a range on one side only, other flags) is
 * still a mismatch.
 */
static bool procfs_merge_only(const struct cvma *k, size_t nk, size_t *i, const struct cvma *e,
			      size_t ne, size_t *j, uint64_t *notcap)
{
	size_t a = *i, b = *j;

	if (k[a].start != e[b].start || ((k[a].flags ^ e[b].flags) & VERIFY_FLAGS) ||
	    k[a].dev != e[b].dev || k[a].ino != e[b].ino)
		return false;
	while (k[a].end != e[b].end) {
		if (k[a].end < e[b].end) {
			if (a + 1 >= nk || !procfs_adjacent(&k[a], &k[a + 1]))
				return false;
			a++;
		} else {
			if (b + 1 >= ne || !procfs_adjacent(&e[b], &e[b + 1]))
				return false;
			b++;
		}
	}
	for (size_t x = *i; x <= a; x++)
		*notcap += vma_facts(&k[x]);
	*i = a + 1;
	*j = b + 1;
	return true;
}

static void compare(struct avt_verify *v, struct pinfo *p, const struct cvma *e, size_t ne)
{
	const struct cvma *k = v->sn.k;
	size_t nk = v->sn.nk, i = 0, j = 0;
	struct cmpctx c = { .v = v, .p = p, .procfs = v->sn.flags & AVT_SNAP_PROCFS };

	canon_build(&c.ck, k, nk);
	canon_build(&c.ce, e, ne);
	while (i < nk || j < ne) {
		/* near a fault whose place around a fork is uncertain */
		if ((p->nfw || p->fw_all) && i < nk && (j >= ne || k[i].start <= e[j].start) &&
		    fw_hit(p, k[i].start, k[i].end)) {
			v->cls[C_AMBIGUOUS] += vma_facts(&k[i]);
			v->fw_facts += vma_facts(&k[i]);
			if (j < ne && e[j].start == k[i].start)
				j++;
			i++;
			continue;
		}
		if ((p->nfw || p->fw_all) && j < ne && (i >= nk || e[j].start <= k[i].start) &&
		    fw_hit(p, e[j].start, e[j].end)) {
			v->cls[C_AMBIGUOUS]++;
			v->fw_facts++;
			if (i < nk && e[j].start == k[i].start)
				i++;
			j++;
			continue;
		}
		/* near a call whose order in the trace is uncertain */
		if (p->nov && i < nk && (j >= ne || k[i].start <= e[j].start) &&
		    ov_hit(p, k[i].start, k[i].end)) {
			v->cls[C_AMBIGUOUS] += vma_facts(&k[i]);
			v->ov_facts += vma_facts(&k[i]);
			if (j < ne && e[j].start == k[i].start)
				j++;
			i++;
			continue;
		}
		if (p->nov && j < ne && (i >= nk || e[j].start <= k[i].start) &&
		    ov_hit(p, e[j].start, e[j].end)) {
			v->cls[C_AMBIGUOUS]++;
			v->ov_facts++;
			if (i < nk && e[j].start == k[i].start)
				i++;
			j++;
			continue;
		}
		if (j >= ne || (i < nk && k[i].start < e[j].start)) {
			/* show the engine VMA overlapping it, if any */
			const struct cvma *o = j < ne && e[j].start < k[i].end ? &e[j] : NULL;

			mismatch(&c, F_VMA, &k[i], o, "boundaries differ");
			i++;
		} else if (i >= nk || e[j].start < k[i].start) {
			const struct cvma *o = i < nk && k[i].start < e[j].end ? &k[i] : NULL;

			mismatch(&c, F_VMA, o, &e[j], "boundaries differ");
			j++;
		} else if (k[i].end != e[j].end && c.procfs && p->nocap &&
			   procfs_merge_only(k, nk, &i, e, ne, &j, &v->cls[C_NOTCAP])) {
			continue;	/* a merge decided by anon_vma state /proc lacks */
		} else if (k[i].end != e[j].end) {
			mismatch(&c, F_VMA, &k[i], &e[j], "boundaries differ");
			i++;
			j++;
		} else {
			compare_vma(&c, &k[i], &e[j]);
			i++;
			j++;
		}
	}
	vmap__fini(&c.ck.m);
	vmap__fini(&c.ce.m);
}

static void taint_roots(struct avt_verify *v)
{
	for (size_t i = 0; i < v->sn.nk; i++)
		if (v->sn.k[i].root || v->sn.k[i].av)
			vmap__put(&v->troots, v->sn.k[i].root ? v->sn.k[i].root : v->sn.k[i].av, 1);
}

static uint64_t snap_facts(struct avt_verify *v)
{
	uint64_t n = 0;

	for (size_t i = 0; i < v->sn.nk; i++)
		n += vma_facts(&v->sn.k[i]);
	return n;
}

/*
 * A seed whose anon_vmas have a root or parent that no VMA of the seeded
 * process uses as its own: the family reaches into processes the trace does
 * not hold (e.g. `record -- CMD` snapshots CMD before its exec, when it
 * still shares every family with the recorder). The engine frees such
 * roots when the process drops them; the kernel keeps them for the outside
 * users. num_children of those objects and the process's allocation counts
 * (until it execs) are not judged: class partial_family. An anon_vma that
 * an earlier seed or passive snapshot showed as a VMA's own (a parent
 * seeded before its children: record -p adopts descendants parents first)
 * is in the trace: the engine holds that object by its kernel id.
 */
/* the anon_vmas of the snapshot being read are held by the engine by id */
static void seed_own_add(struct avt_verify *v)
{
	for (size_t i = 0; i < v->sn.nk; i++)
		if (v->sn.k[i].av)
			vmap__put(&v->seed_own, v->sn.k[i].av, 1);
}

static void seed_partial(struct avt_verify *v, struct pinfo *p)
{
	struct vmap own = { 0 };

	if (v->sn.rgroup)
		return;		/* a re-seeded group: reseed_validate, over the group */

	for (size_t i = 0; i < v->sn.nk; i++)
		if (v->sn.k[i].av)
			vmap__put(&own, v->sn.k[i].av, 1);
	for (size_t i = 0; i < v->sn.nk; i++) {
		const struct cvma *k = &v->sn.k[i];

		if (!k->av)
			continue;
		if ((!vmap__get(&own, k->root, NULL) && !vmap__get(&v->seed_own, k->root, NULL)) ||
		    (!vmap__get(&own, k->parent, NULL) && !vmap__get(&v->seed_own, k->parent, NULL))) {
			vmap__put(&v->ext, k->root, 1);
			p->partial = p->partial_window = true;
		}
	}
	vmap__fini(&own);
	seed_own_add(v);
}

/* ---- re-seeding tainted processes ----
 *
 * A tainted process (it lost events, was seeded from a snapshot that was
 * not complete or none, inherited one of those) is re-seeded by a later
 * checkpoint: its
 * simulated state is replaced by the kernel's snapshot, and its facts are
 * judged again from there on. anon_vma families cross processes, and one
 * member's snapshot cannot rebuild what it shares with the others (the
 * engine's objects of the family are held by their simulated VMAs too), so
 * the unit re-seeded is a group: the snapshots of one checkpoint linked,
 * transitively, by a common root. All of its members are torn down when
 * its first snapshot begins and rebuilt from their snapshots, objects
 * shared by kernel id, as the start snapshots of a family are. A group is
 * re-seeded when (planned in pass 1)
 *  - every member's snapshot is complete, carries anon_vma ids (not a
 *    /proc one) and is the only one of its process open meanwhile;
 *  - no passive snapshot holds one of its roots (an untraced process would
 *    hold part of the family the rebuild cannot see);
 *  - every member that lost events lost its last ones before its snapshot
 *    began: the stats record that first shows its final drops_tgid value
 *    is stamped before the snapshot's begin (a drop is counted when the
 *    ring refuses the record, before the stats record that reads it);
 *  - no drops were counted without a tgid (drops_cpu alone: anything may
 *    be off, nothing is re-seeded);
 * and (pass 2) a member is tainted when the group's first snapshot begins,
 * none of its snapshots is ambiguous (events of that process inside it).
 * Then the rebuild must reproduce every member's snapshot -- boundaries,
 * flags, which VMAs share an anon_vma, root, parent, num_children,
 * num_active_vmas, chain lengths and listed chains: a family member the
 * group does not hold (a process whose snapshot failed, or one not
 * traced) shows up there as a difference. If it does not, the members'
 * taints are cleared (verify.tainted.reseeded) and their later snapshots
 * and allocation windows are judged; if it does, every member stays
 * tainted (untainted ones become inherited).
 */
enum { RG_NO, RG_PLANNED, RG_SKIP, RG_RUNNING, RG_DONE, RG_FAILED };

#define RS_PASSIVE (1ULL << 62)		/* rs_open values: a passive snapshot, */
#define RS_OTHER (1ULL << 61)		/* a start, exec or exit one */
#define RS_RETRY_N UINT32_MAX		/* rsnap.n of a retry (flags retry) */

static uint64_t pkey(uint32_t pid)
{
	return pid ? pid : UINT32_MAX;
}

static void rs_add_root(struct rsnap *r, uint64_t root)
{
	for (size_t i = 0; i < r->nroots; i++)
		if (r->roots[i] == root)
			return;
	if (r->nroots == r->caproots) {
		size_t nc = r->caproots ? r->caproots * 2 : 8;
		uint64_t *nv = realloc(r->roots, nc * sizeof(*nv));

		if (!nv) {
			r->ok = false;	/* cannot know its families */
			return;
		}
		r->roots = nv;
		r->caproots = nc;
	}
	r->roots[r->nroots++] = root;
}

/* pass 1: drop values and when they were reached; checkpoint snapshots */
static void reseed_prescan(struct avt_verify *v, const struct avt_event *ev)
{
	uint64_t ix = 0;
	bool open = vmap__get(&v->rs_open, pkey(ev->pid), &ix);
	struct rsnap *r = open && !(ix & (RS_PASSIVE | RS_OTHER)) ? &v->rs[ix - 1] : NULL;

	switch (ev->type) {
	case AVT_EV_STATS:
		if (ev->u.stats.kind == AVT_STATS_DROPS_TGID) {
			uint64_t k = pkey(ev->u.stats.key), old = 0;

			if (!vmap__get(&v->drop_val, k, &old) || ev->u.stats.value > old) {
				vmap__put(&v->drop_val, k, ev->u.stats.value);
				vmap__put(&v->drop_ts, k, ev->ts);
			}
		} else if (ev->u.stats.kind == AVT_STATS_DROPS_CPU) {
			uint64_t old = 0;

			if (!vmap__get(&v->drop_cpu, ev->u.stats.key + 1ULL, &old) ||
			    ev->u.stats.value > old)
				vmap__put(&v->drop_cpu, ev->u.stats.key + 1ULL, ev->u.stats.value);
		}
		break;
	case AVT_EV_SNAP_BEGIN: {
		const struct avt_ev_snap_begin *sb = &ev->u.snap_begin;

		if (r)
			r->ok = false;	/* two open at once: neither is one view */
		if (sb->flags & AVT_SNAP_PASSIVE) {
			vmap__put(&v->rs_open, pkey(ev->pid), RS_PASSIVE);
			break;
		}
		if (sb->kind != AVT_SNAP_CHECKPOINT && !(sb->flags & AVT_SNAP_RETRY)) {
			vmap__put(&v->rs_open, pkey(ev->pid), RS_OTHER);
			break;
		}
		if (v->nrs == v->caprs) {
			size_t nc = v->caprs ? v->caprs * 2 : 64;
			struct rsnap *nv = realloc(v->rs, nc * sizeof(*nv));

			if (!nv) {
				vmap__del(&v->rs_open, pkey(ev->pid));
				v->rs_planned = true;	/* no plan: nothing re-seeded */
				break;
			}
			v->rs = nv;
			v->caprs = nc;
		}
		r = &v->rs[v->nrs++];
		memset(r, 0, sizeof(*r));
		r->pid = ev->pid;
		r->n = sb->kind == AVT_SNAP_CHECKPOINT ? sb->checkpoint : RS_RETRY_N;
		r->ts = ev->ts;
		/* any flag but passive (a /proc snapshot...): not ids to rebuild
		 * from; a retry (of a busy/failed start or exec snapshot) is one
		 * process re-seeding itself, taken outside any checkpoint */
		r->ok = !(sb->flags & ~AVT_SNAP_RETRY) && !open;
		vmap__put(&v->rs_open, pkey(ev->pid), v->nrs);
		break;
	}
	case AVT_EV_SNAP_VMA: {
		const struct avt_ev_snap_vma *sv = &ev->u.snap_vma;
		uint64_t root = sv->root ? sv->root : sv->av;

		if (!open || !sv->av)
			break;
		if (ix & RS_PASSIVE)
			vmap__put(&v->proots, root, 1);
		else if (r)
			rs_add_root(r, root);
		break;
	}
	case AVT_EV_SNAP_END:
		if (r && ev->u.snap_end.status != AVT_SNAP_COMPLETE)
			r->ok = false;
		vmap__del(&v->rs_open, pkey(ev->pid));
		break;
	default:
		break;
	}
}

static size_t uf_find(size_t *up, size_t i)
{
	while (up[i] != i) {
		up[i] = up[up[i]];
		i = up[i];
	}
	return i;
}

/* end of pass 1: group each checkpoint's snapshots by shared roots (a
 * retry snapshot is a group of its own) */
static void reseed_plan(struct avt_verify *v)
{
	struct vmap byroot = { 0 }, gid = { 0 };
	uint64_t cpu = 0, tgid = 0;
	size_t *up;

	v->rs_planned = true;
	/*
	 * Every drop is counted per CPU and per tgid (count_drop), and the
	 * recorder writes the per-CPU records first: "drops with no tgid
	 * named" is known only now, by the totals -- more drops than the
	 * per-tgid counts hold (a tgid whose counter could not be created).
	 */
	for (size_t i = 0; i < v->drop_cpu.cap; i++)
		if (v->drop_cpu.used[i] == 1)
			cpu += v->drop_cpu.vals[i];
	for (size_t i = 0; i < v->drop_val.cap; i++)
		if (v->drop_val.used[i] == 1)
			tgid += v->drop_val.vals[i];
	if (v->drop_cpu.n)
		v->global_taint = cpu > tgid;
	if (!v->nrs || !(up = malloc(v->nrs * sizeof(*up))))
		return;
	for (size_t i = 0; i < v->nrs; i++) {
		struct rsnap *r = &v->rs[i];

		up[i] = i;
		if (i && (r->n != v->rs[i - 1].n || r->n == RS_RETRY_N))
			vmap__fini(&byroot);	/* another checkpoint, or a retry: alone */
		for (size_t j = 0; j < r->nroots; j++) {
			uint64_t o;

			if (!vmap__get(&byroot, r->roots[j], &o))
				vmap__put(&byroot, r->roots[j], i + 1);
			else
				up[uf_find(up, i)] = uf_find(up, o - 1);
		}
	}
	vmap__fini(&byroot);
	v->rg = calloc(v->nrs, sizeof(*v->rg));
	if (!v->rg) {
		free(up);
		return;
	}
	for (size_t i = 0; i < v->nrs; i++) {
		size_t u = uf_find(up, i);
		uint64_t g;

		if (!vmap__get(&gid, u + 1, &g)) {
			g = v->nrg++;
			vmap__put(&gid, u + 1, g + 1);
			v->rg[g].state = v->global_taint ? RG_NO : RG_PLANNED;
		} else {
			g--;
		}
		v->rs[i].group = (uint32_t)g;
		v->rg[g].pending++;
	}
	for (size_t i = 0; i < v->nrs; i++) {
		struct rsnap *r = &v->rs[i];
		struct rgroup *g = &v->rg[r->group];
		uint64_t ts;

		if (!r->ok)
			g->state = RG_NO;
		if (vmap__get(&v->drop_ts, pkey(r->pid), &ts) && ts >= r->ts)
			g->state = RG_NO;	/* it lost events after this snapshot began */
		for (size_t j = 0; j < r->nroots; j++)
			if (vmap__get(&v->proots, r->roots[j], NULL))
				g->state = RG_NO;
	}
	vmap__fini(&gid);
	free(up);
}

/*
 * A group re-seed cuts its members' allocation window twice: at the
 * group's first snapshot (the counts so far belong to the state it throws
 * away) and at the member's own snapshot's end (from the first to there
 * the member had no simulated state; the rebuild's own allocations are
 * not the kernel's). Neither part can be judged: the kernel's counts up
 * to a cut hold allocations of operations whose events follow it (a
 * prepare precedes its fault event, a fork's copy its fork event), and
 * the engine's state of the member is gone before its own snapshot
 * begins. They are counted instead, as a window is (one per count kind),
 * once per member and window: in the class they would have been in then
 * (tainted, partial_family, not_captured), else in reseed_cut. A failed
 * re-seed keeps the second part (tainted from then on, window_close).
 */
static void reseed_cut(struct avt_verify *v, struct pinfo *p)
{
	for (int k = 0; k < K__N; k++)
		p->rs_cut |= v->has_alloc && (p->k[k] || p->e[k]);
	memset(p->k, 0, sizeof(p->k));
	memset(p->e, 0, sizeof(p->e));
	memset(p->kp, 0, sizeof(p->kp));
	p->fork_pending = false;
}

/* at a window's close: the counts re-seeds cut from it */
static void reseed_cut_count(struct avt_verify *v, struct pinfo *p)
{
	if (p->rs_cut)
		v->cls[p->rs_cut_cls] += K__N;
	p->rs_cut = false;
}

/* A member's simulated state goes: its snapshot rebuilds it (process.c
 * rebuilds a process that has no address space, whatever the kind). */
static void reseed_drop(struct avt_verify *v, uint32_t pid)
{
	struct avt_proc *ep = avt_proc__find(v->e, pid);
	struct pinfo *p = pinfo_get(v, pid);

	if (ep && ep->mm && ep->mm->users == 1) {
		avt_mm__put(v->e, ep->mm);
		ep->mm = NULL;
	}
	if (!p)
		return;
	/* its allocations so far belong to the state that was thrown away */
	if (!p->rs_cut)
		p->rs_cut_cls = p->taint ? C_TAINTED : p->partial_window ? C_PARTIAL :
				p->nocap ? C_NOTCAP : C_RSCUT;
	reseed_cut(v, p);
	p->nov = 0;
	p->nrk = 0;
	p->rs_ambiguous = false;
}

/*
 * The taints a group re-seed clears: lost events (once the last are
 * counted), an unseeded image, and taints inherited from them. Both are
 * a simulated state that went wrong once while every later change of the
 * process is in the trace: nothing goes on differing after the point the
 * snapshots replace it (an unseeded process's seed missed VMAs, or its
 * exec image was never seen; the kernel changes its address space only
 * through recorded calls and faults from then on). Any other taint keeps
 * the whole group as it is, until its own way out (exec...): an
 * unmodelled change may go on changing the address space where no event
 * says so (io_setup's ring is unmapped by exit_aio at exit, with no
 * syscall). A /proc snapshot never re-seeds (no anon_vma ids: pass 1
 * leaves its group unplanned).
 */
static bool reseedable(const struct pinfo *q)
{
	return q->taint == T_NONE || q->taint == T_DROPS || q->taint == T_UNSEEDED ||
	       (q->taint == T_INHERITED && q->drops_family);
}

/* pass 2, at a checkpoint snapshot's begin: the running group it belongs
 * to (index + 1), or 0 */
static uint32_t reseed_begin(struct avt_verify *v, const struct avt_event *ev)
{
	const struct avt_ev_snap_begin *sb = &ev->u.snap_begin;
	struct rsnap *r;
	struct rgroup *g;
	bool tainted = false;

	if ((sb->kind != AVT_SNAP_CHECKPOINT && !(sb->flags & AVT_SNAP_RETRY)) ||
	    (sb->flags & AVT_SNAP_PASSIVE))
		return 0;
	if (!v->rg || v->rs_seen >= v->nrs)
		return 0;
	r = &v->rs[v->rs_seen++];
	if (r->pid != ev->pid)
		return 0;	/* not the pass-1 sequence: never happens */
	g = &v->rg[r->group];
	if (g->state == RG_PLANNED && r->n == RS_RETRY_N) {
		struct avt_proc *ep = avt_proc__find(v->e, ev->pid);

		/* nothing simulated of it yet (a quiet process whose start
		 * snapshot was busy): the retry seeds it as a start one would */
		if (!(ep && ep->mm && ep->mm->first))
			g->state = RG_SKIP;
	}
	if (g->state == RG_PLANNED) {
		bool other = false;

		for (size_t i = 0; i < v->nrs; i++) {
			struct pinfo *q;

			if (v->rs[i].group != r->group || !(q = pinfo_get(v, v->rs[i].pid)))
				continue;
			tainted |= q->taint != T_NONE;
			other |= !reseedable(q);
		}
		g->state = tainted && !other ? RG_RUNNING : RG_SKIP;
		/* a skipped group stays as it is: its members go on being
		 * simulated (and judged, or tainted) as before */
		for (size_t i = 0; g->state == RG_RUNNING && i < v->nrs; i++) {
			const struct rsnap *m = &v->rs[i];

			if (m->group != r->group)
				continue;
			reseed_drop(v, m->pid);
			for (size_t j = 0; j < m->nroots; j++)
				vmap__del(&v->troots, m->roots[j]);
		}
	}
	return g->state == RG_RUNNING || g->state == RG_FAILED ? r->group + 1 : 0;
}

/* x <-> y in a bijection local to one check (two maps) */
static bool lpair(struct vmap *a, struct vmap *b, uint64_t x, uint64_t y)
{
	uint64_t o;

	if (!x || !y)
		return !x && !y;
	if (vmap__get(a, x, &o))
		return o == y && vmap__get(b, y, &o) && o == x;
	if (vmap__get(b, y, NULL))
		return false;
	return !vmap__put(a, x, y) && !vmap__put(b, y, x);
}

/* does the rebuilt process e[] show exactly the snapshot k[] it came from? */
static bool reseed_same(const struct cvma *k, size_t nk, const struct cvma *e, size_t ne,
			struct vmap *k2e, struct vmap *e2k)
{
	if (nk != ne)
		return false;
	for (size_t i = 0; i < nk; i++) {
		const struct cvma *a = &k[i], *b = &e[i];

		if (a->start != b->start || a->end != b->end ||
		    (a->flags & VERIFY_FLAGS) != (b->flags & VERIFY_FLAGS) || a->pgoff != b->pgoff)
			return false;
		if (!a->av != !b->av)
			return false;
		if (!a->av)
			continue;
		if (!lpair(k2e, e2k, a->av, b->av) || !lpair(k2e, e2k, a->root, b->root) ||
		    !lpair(k2e, e2k, a->parent, b->parent) || a->nc != b->nc || a->na != b->na ||
		    a->avcs != b->avcs || a->nchain != b->nchain)
			return false;
		for (uint32_t j = 0; j < a->nchain; j++)
			if (!lpair(k2e, e2k, a->chain[j], b->chain[j]))
				return false;
	}
	return true;
}

static void reseed_fail(struct avt_verify *v, uint32_t group)
{
	struct rgroup *g = &v->rg[group];

	if (g->state == RG_FAILED)
		return;
	g->state = RG_FAILED;
	v->reseed_failed++;
	for (size_t i = 0; i < v->nrs; i++) {
		const struct rsnap *m = &v->rs[i];
		struct pinfo *q;

		if (m->group != group)
			continue;
		for (size_t j = 0; j < m->nroots; j++)
			vmap__put(&v->troots, m->roots[j], 1);
		if ((q = pinfo_get(v, m->pid)) && !q->taint) {
			q->taint = T_INHERITED;
			q->drops_family = true;
		}
	}
}

/* every member rebuilt: check the rebuild, then clear the taints */
static void reseed_validate(struct avt_verify *v, uint32_t group)
{
	struct vmap k2e = { 0 }, e2k = { 0 }, own = { 0 };
	struct cvma *e = NULL;
	size_t ne = 0, cape = 0;
	bool ok = true;

	for (size_t i = 0; ok && i < v->nrs; i++) {
		struct pinfo *q;

		if (v->rs[i].group != group)
			continue;
		q = pinfo_get(v, v->rs[i].pid);
		ok = q && !q->rs_ambiguous && !capture(v, q->pid, &e, &ne, &cape) &&
		     reseed_same(q->rk, q->nrk, e, ne, &k2e, &e2k);
		for (size_t j = 0; ok && j < q->nrk; j++)
			if (q->rk[j].av)
				vmap__put(&own, q->rk[j].av, 1);
	}
	free(e);
	if (!ok) {
		reseed_fail(v, group);
		goto out;
	}
	v->rg[group].state = RG_DONE;
	/* the kernel ids now name the rebuilt objects */
	for (size_t i = 0; i < k2e.cap; i++)
		if (k2e.used[i] == 1) {
			unpair(v, k2e.keys[i]);
			pair(v, k2e.keys[i], k2e.vals[i]);
		}
	for (size_t i = 0; i < v->nrs; i++) {
		if (v->rs[i].group != group)
			continue;
		for (size_t j = 0; j < v->rs[i].nroots; j++) {
			vmap__del(&v->troots, v->rs[i].roots[j]);
			if (vmap__get(&own, v->rs[i].roots[j], NULL))
				vmap__del(&v->ext, v->rs[i].roots[j]);
		}
	}
	for (size_t i = 0; i < v->nrs; i++) {
		struct pinfo *q;

		if (v->rs[i].group != group || !(q = pinfo_get(v, v->rs[i].pid)))
			continue;
		q->partial = false;
		if (q->taint) {
			q->taint = T_NONE;
			q->reseeds++;
			v->reseeded++;
		}
		/* a family reaching past the group (an exited member's root):
		 * as seed_partial says for one process */
		for (size_t j = 0; j < q->nrk; j++) {
			const struct cvma *k = &q->rk[j];

			if (k->av && ((!vmap__get(&own, k->root, NULL) &&
				       !vmap__get(&v->seed_own, k->root, NULL)) ||
				      (!vmap__get(&own, k->parent, NULL) &&
				       !vmap__get(&v->seed_own, k->parent, NULL)))) {
				vmap__put(&v->ext, k->root, 1);
				q->partial = true;
			}
		}
		q->partial_window = q->partial;
	}
	for (size_t i = 0; i < own.cap; i++)
		if (own.used[i] == 1)
			vmap__put(&v->seed_own, own.keys[i], 1);
out:
	vmap__fini(&k2e);
	vmap__fini(&e2k);
	vmap__fini(&own);
}

/*
 * An anon_vma a re-seed snapshot brings in, prepared by a member of its
 * group: that member's counts went with the window the re-seed cut
 * (reseed_cut), whatever fault explained it -- not an unexplained prepare
 * (which would count its allocations a second time). One prepared by a
 * process outside the group (process_vm_writev) still is.
 */
static bool reseed_prep(struct avt_verify *v, uint64_t kid)
{
	uint64_t pid;

	if (!v->sn.rgroup || !vmap__get(&v->prep, kid, &pid))
		return false;
	for (size_t i = 0; i < v->nrs; i++)
		if (v->rs[i].group == v->sn.rgroup - 1 && v->rs[i].pid == pid) {
			vmap__del(&v->prep, kid);
			return true;
		}
	return false;
}

/* pass 2, at the end of a member's snapshot (before snapshot_done judges it) */
static void reseed_done(struct avt_verify *v, struct pinfo *p, const struct avt_event *ev)
{
	uint32_t group = v->sn.rgroup - 1;
	struct rgroup *g = &v->rg[group];

	v->snaps_reseeded++;
	if (g->state == RG_RUNNING) {
		if (v->sn.nbegin > 1 || ev->u.snap_end.status != AVT_SNAP_COMPLETE ||
		    v->sn.role != R_SEED) {
			reseed_fail(v, group);
		} else {
			if (p->caprk < v->sn.nk) {
				struct cvma *nv = realloc(p->rk, v->sn.nk * sizeof(*nv));

				if (!nv) {
					reseed_fail(v, group);
					goto out;
				}
				p->rk = nv;
				p->caprk = v->sn.nk;
			}
			memcpy(p->rk, v->sn.k, v->sn.nk * sizeof(*p->rk));
			p->nrk = v->sn.nk;
			p->rs_ambiguous = v->sn.ambiguous;
			/* allocations while its state was gone are in the snapshot */
			reseed_cut(v, p);
		}
	}
out:
	if (g->pending && --g->pending == 0 && g->state == RG_RUNNING)
		reseed_validate(v, group);
}

/* at snap_end */
static void snapshot_done(struct avt_verify *v, const struct avt_event *ev)
{
	struct pinfo *p = pinfo_get(v, v->sn.pid);

	if (!p) {
		v->sn.active = false;
		return;
	}
	if (v->sn.rgroup)
		reseed_done(v, p, ev);
	if (!p->comm[0])
		pinfo_comm(v, p);
	if (ev->u.snap_end.status != AVT_SNAP_BUSY)	/* busy: nothing was taken */
		v->snaps[v->sn.role]++;
	if (v->sn.nbegin > 1) {
		v->snaps_overlap += v->sn.nbegin;
		v->cls[C_AMBIGUOUS] += snap_facts(v);
		goto out;
	}
	if (v->sn.flags & AVT_SNAP_PROCFS)
		v->snaps_procfs++;
	if (ev->u.snap_end.status != AVT_SNAP_COMPLETE && ev->u.snap_end.status != AVT_SNAP_AMBIGUOUS) {
		/* the engine rebuilt the process from what the walk saw: not a
		 * base to judge it on until a complete snapshot re-seeds it */
		if (v->sn.role == R_SEED && v->sn.kind != AVT_SNAP_CHECKPOINT && p->taint != T_DROPS)
			p->taint = T_UNSEEDED;
		if (v->sn.role == R_SEED && p->taint)
			taint_roots(v);	/* the families it shares are as unsure */
		switch (ev->u.snap_end.status) {
		case AVT_SNAP_LOCK_DROPPED:
			v->snaps_lockdrop++;
			v->cls[C_LOCKDROP] += snap_facts(v);
			break;
		case AVT_SNAP_BUSY:
			v->snaps_busy++;
			v->cls[C_INCOMPLETE] += snap_facts(v);	/* none: nothing was taken */
			break;
		default:	/* partial, failed, and values this avtrace does not know */
			v->snaps_incomplete++;
			v->cls[C_INCOMPLETE] += snap_facts(v);
			break;
		}
		goto out;
	}
	if (ev->u.snap_end.status == AVT_SNAP_AMBIGUOUS)
		v->sn.ambiguous = true;	/* judged below, after the seed roles */
	/* anon_vmas a seed or passive snapshot brings in were allocated by a
	 * prepare no fault explains (execve's argument copy): out of the window */
	if (v->sn.role != R_CHECK) {
		for (size_t i = 0; i < v->sn.nk; i++)
			if (v->sn.k[i].av && !reseed_prep(v, v->sn.k[i].av) &&
			    unexplained(v, p, v->sn.k[i].av))
				v->cls[C_UNEXPLAINED] += 2;
	}
	switch (v->sn.role) {
	case R_SEED:
		v->cls[C_SEEDED] += snap_facts(v);
		/* re-seeded by a complete snapshot (a retry whose group rebuild
		 * differed leaves it tainted: reseed_fail) */
		if (p->taint == T_UNSEEDED && v->sn.kind != AVT_SNAP_CHECKPOINT &&
		    !(v->sn.rgroup && v->rg[v->sn.rgroup - 1].state == RG_FAILED))
			p->taint = T_NONE;
		p->nocap = v->sn.flags & AVT_SNAP_PROCFS;
		seed_partial(v, p);
		if (p->taint)
			taint_roots(v);
		goto out;
	case R_PASSIVE:
		v->cls[C_PASSIVE] += snap_facts(v);
		seed_own_add(v);
		goto out;
	case R_NOMODEL:
		v->cls[C_NOMODEL] += snap_facts(v);
		goto out;
	case R_LATE:
		v->snaps_ambiguous++;
		v->cls[C_AMBIGUOUS] += snap_facts(v);
		goto out;
	default:
		break;
	}
	if (p->taint) {
		v->snaps_tainted++;
		v->cls[C_TAINTED] += snap_facts(v);
		taint_roots(v);
		goto out;
	}
	if (v->sn.ambiguous) {
		v->snaps_ambiguous++;
		v->cls[C_AMBIGUOUS] += snap_facts(v);
		goto out;
	}
	p->compared = true;
	v->snaps_compared++;
	if (v->sn.kind == AVT_SNAP_EXIT && p->has_cap)
		compare(v, p, p->cap, p->ncap);
	else
		compare(v, p, v->sn.e, v->sn.ne);
out:
	if (v->sn.kind == AVT_SNAP_EXIT)
		pinfo_free_cap(p);
	v->sn.active = false;
}

/* the engine roots of pid's VMAs (a process active during a snapshot) */
static void busy_roots_add(struct avt_verify *v, struct vmap *roots, uint32_t pid)
{
	struct avt_proc *ep = avt_proc__find(v->e, pid);
	struct avt_vma *vma;

	if (!ep || !ep->mm)
		return;
	avt_for_each_vma(ep->mm, vma) {
		struct avt_vma_state st;

		v->e->scheme.ops->vma_state(&v->e->scheme, vma, &st);
		if (st.root)
			vmap__put(roots, st.root_serial ? st.root_serial : (uintptr_t)st.root, 1);
	}
}

/*
 * What an operation of process pid (another process than the one being
 * snapshotted) can do to num_children / num_active_vmas, called with the
 * engine's state before the operation and after it (and a fork's child
 * after it). The kernel changes those of an anon_vma X only
 *   num_active_vmas  when a VMA whose anon_vma is X gains or loses it
 *                    (prepare reusing a neighbour's, anon_vma_clone's
 *                    reuse at fork, merges, splits, unmap, exit);
 *   num_children     when a child of X is allocated (anon_vma_fork) or
 *                    loses its last AVC (unlink_anon_vmas), an AVC on a
 *                    chain that holds X too (chains hold every ancestor:
 *                    anon_vma_clone copies the parent VMA's chain, whose
 *                    anon_vma is the new child's parent);
 * so only the anon_vmas of that process's VMAs (own: num_active_vmas) and
 * those on their chains (avs: num_children), before the operation or
 * after it, by serial. A VMA whose chain the scheme does not
 * list in full (longer than AVT_SNAP_MAX_AVC, no serials), or any VMA of a
 * process the engine may not know in full (tainted), puts its whole
 * family (root) in roots instead: the old, coarser rule.
 */
static void busy_add(struct avt_verify *v, struct vmap *roots, struct vmap *avs, struct vmap *own,
		     uint32_t pid)
{
	struct avt_proc *ep = avt_proc__find(v->e, pid);
	const struct pinfo *p = NULL;
	struct avt_vma *vma;
	uint64_t ix;

	if (!ep || !ep->mm)
		return;
	if (vmap__get(&v->pidx, pid ? pid : UINT32_MAX, &ix))	/* (no new entry) */
		p = v->pi[ix - 1];
	avt_for_each_vma(ep->mm, vma) {
		struct avt_vma_state st;

		v->e->scheme.ops->vma_state(&v->e->scheme, vma, &st);
		if (!st.av)
			continue;
		if (!p || p->taint || !st.av_serial || !st.nr_chain || st.nr_chain != st.avcs) {
			if (st.root)
				vmap__put(roots, st.root_serial ? st.root_serial
								: (uintptr_t)st.root, 1);
			continue;
		}
		vmap__put(own, st.av_serial, 1);
		vmap__put(avs, st.av_serial, 1);
		for (uint32_t i = 0; i < st.nr_chain; i++)
			if (st.chain_serial[i])
				vmap__put(avs, st.chain_serial[i], 1);
	}
}

static void vmap__merge(struct vmap *dst, const struct vmap *src)
{
	for (size_t j = 0; j < src->cap; j++)
		if (src->used[j] == 1)
			vmap__put(dst, src->keys[j], 1);
}

/* make pid's open snapshot the current one (v->sn); false if it has none */
static bool snap_select(struct avt_verify *v, uint32_t pid)
{
	if (v->sn.active && v->sn.pid == pid)
		return true;
	for (int i = 0; i < NR_PARKED; i++)
		if (v->parked[i].active && v->parked[i].pid == pid) {
			struct snap t = v->sn;

			v->sn = v->parked[i];
			v->parked[i] = t;	/* the old current (maybe inactive) */
			return true;
		}
	return false;
}

/* move the current open snapshot aside; false if every slot is taken */
static bool snap_park(struct avt_verify *v)
{
	for (int i = 0; i < NR_PARKED; i++)
		if (!v->parked[i].active) {
			struct snap t = v->parked[i];

			v->parked[i] = v->sn;
			v->sn = t;	/* an inactive slot, buffers reused */
			return true;
		}
	return false;
}

static void snapshot_begin(struct avt_verify *v, const struct avt_event *ev)
{
	const struct avt_ev_snap_begin *sb = &ev->u.snap_begin;
	uint32_t rgroup = reseed_begin(v, ev);	/* may tear the process down first */
	struct avt_proc *ep = avt_proc__find(v->e, ev->pid);
	struct pinfo *p = pinfo_get(v, ev->pid);
	bool modelled = ep && ep->mm && ep->mm->first;

	bool in_execve = vmap__get(&v->in_execve, ++v->snaps_seen, NULL);

	if (snap_select(v, ev->pid)) {
		/* a second snapshot of this process opens before the first
		 * closes (an exit snapshot racing a checkpoint): its VMAs
		 * cannot be told apart, so neither is judged */
		v->sn.nbegin++;
		v->sn.ambiguous = true;
		return;
	}
	if (v->sn.active && !snap_park(v)) {
		v->snaps_dropped++;	/* too many open at once: not judged */
		v->sn.active = false;
	}
	v->sn.active = true;
	v->sn.nbegin = 1;
	v->sn.nend = 0;
	v->sn.ambiguous = in_execve;
	v->sn.pid = ev->pid;
	v->sn.kind = sb->kind;
	v->sn.n = sb->checkpoint;
	v->sn.flags = sb->flags;
	v->sn.ev_idx = v->nr_ev;
	v->sn.ts = ev->ts;
	v->sn.rgroup = rgroup;
	v->sn.nk = v->sn.ne = 0;
	vmap__fini(&v->sn.busy_roots);
	vmap__fini(&v->sn.busy_avs);
	vmap__fini(&v->sn.busy_own);
	/* a fork in progress (its allocations seen, its event not yet) has
	 * already raised num_children in the kernel (its child's anon_vmas
	 * are new or reused from the forking process's chains) */
	for (size_t i = 0; i < v->npi; i++)
		if (v->pi[i]->fork_pending)
			busy_add(v, &v->sn.busy_roots, &v->sn.busy_avs, &v->sn.busy_own,
				 v->pi[i]->pid);
	/* and a teardown that may still run */
	for (int i = 0; i < NR_EXITS; i++) {
		const struct recent_exit *x = &v->exits[i];

		if (!x->roots.n || ev->ts < x->ts)
			continue;
		if (v->exit_frees ? x->done || ev->ts - x->ts > EXIT_TEARDOWN_MAX_NS ||
				    (!x->elsewhere && x->got[0] >= x->want[0] &&
				     x->got[1] >= x->want[1]) :
				    ev->ts - x->ts > EXIT_TEARDOWN_NS)
			continue;
		if (x->pid == ev->pid && sb->kind == AVT_SNAP_EXIT)
			continue;	/* its own exit snapshot: taken before the teardown */
		vmap__merge(&v->sn.busy_roots, &x->froots);
		vmap__merge(&v->sn.busy_avs, &x->avs);
		vmap__merge(&v->sn.busy_own, &x->own);
	}
	if (p && sb->comm[0]) {
		memcpy(p->comm, sb->comm, AVT_COMM_LEN);
		p->comm[AVT_COMM_LEN - 1] = 0;
	}
	if (sb->flags & AVT_SNAP_PASSIVE)
		v->sn.role = R_PASSIVE;
	else if (sb->kind == AVT_SNAP_EXIT && p && p->has_cap)
		v->sn.role = R_CHECK;
	else if (modelled)
		v->sn.role = R_CHECK;
	else if (sb->kind == AVT_SNAP_EXIT)
		v->sn.role = R_NOMODEL;	/* the engine never knew this process */
	else if (p && p->dead_start && p->dead_start == sb->start)
		v->sn.role = R_LATE;	/* taken while it exited, written after */
	else
		v->sn.role = R_SEED;
	if (v->sn.role == R_CHECK && !(sb->kind == AVT_SNAP_EXIT && p && p->has_cap) &&
	    capture(v, ev->pid, &v->sn.e, &v->sn.ne, &v->sn.cape))
		v->sn.role = R_NONE;
}

static int snap_vma_add(struct avt_verify *v, const struct avt_event *ev)
{
	const struct avt_ev_snap_vma *s = &ev->u.snap_vma;
	struct cvma *c;

	if (v->sn.nk == v->sn.capk) {
		size_t nc = v->sn.capk ? v->sn.capk * 2 : 64;
		struct cvma *nv = realloc(v->sn.k, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->sn.k = nv;
		v->sn.capk = nc;
	}
	c = &v->sn.k[v->sn.nk++];
	c->start = s->start;
	c->end = s->end;
	c->flags = s->flags;
	c->pgoff = s->pgoff;
	c->dev = s->dev;
	c->ino = s->ino;
	c->av = s->av;
	c->root = s->av ? (s->root ? s->root : s->av) : 0;
	c->parent = s->av ? (s->parent ? s->parent : c->root) : 0;
	c->nc = s->num_children;
	c->na = s->num_active;
	c->avcs = s->nr_avcs;
	c->nchain = s->nr_avc_ids <= AVT_SNAP_MAX_AVC ? s->nr_avc_ids : AVT_SNAP_MAX_AVC;
	memcpy(c->chain, s->avc_av, c->nchain * sizeof(c->chain[0]));
	return 0;
}

/* ---- allocation windows ---- */
static void window_close(struct avt_verify *v, const char *label, bool last)
{
	for (size_t i = 0; i < v->npi; i++) {
		struct pinfo *p = v->pi[i];
		uint64_t e[K__N], carry[K__N] = { 0 }, carry_e[K__N] = { 0 };
		bool any = false;

		reseed_cut_count(v, p);

		/* a fork (or split) in progress: its fork/clone-site allocations
		 * precede its event, which falls into the next window */
		if (!last && p->fork_pending)
			for (int k = 0; k < K__N; k++) {
				carry[k] = p->kp[k];
				p->k[k] -= p->kp[k];
			}
		for (int k = 0; k < K__N; k++) {
			e[k] = p->e[k];
			any |= p->k[k] || p->e[k];
		}
		if (!any)
			goto reset;
		if (!v->has_alloc)
			goto reset;
		if (p->taint) {
			v->cls[C_TAINTED] += K__N;
			goto reset;
		}
		if (p->partial_window) {
			v->cls[C_PARTIAL] += K__N;
			goto reset;
		}
		if (p->nocap) {
			v->cls[C_NOTCAP] += K__N;
			goto reset;
		}
		if ((!v->exit_frees || vmap__get(&v->exit_else, p->pid ? p->pid : UINT32_MAX, NULL)) &&
		    p->exited && !p->exit_frees_seen && (p->ex[0] || p->ex[1])) {
			e[K_AV_FREE] -= p->ex[0];
			e[K_AVC_FREE] -= p->ex[1];
			v->cls[C_EXITFREE] += (p->ex[0] ? 1 : 0) + (p->ex[1] ? 1 : 0);
		} else if (p->exited && p->exit_elsewhere) {
			/* some of its frees ran in a teardown elsewhere (its own,
			 * or a family member's that held the last reference) */
			for (int j = 0; j < 2; j++) {
				int k = j ? K_AVC_FREE : K_AV_FREE;
				uint64_t miss = p->ex[j] > p->kx[j] ? p->ex[j] - p->kx[j] : 0;

				miss = miss < e[k] ? miss : e[k];
				e[k] -= miss;
				v->cls[C_EXITFREE] += miss ? 1 : 0;
			}
		}
		/* the trace has exit_mmap's frees, but not all of them yet:
		 * the teardown runs on after sched_process_exit, past this
		 * window's snapshots; the rest is expected in the next one */
		/* the recording ended before that teardown's marker: the
		 * frees it had not made yet are not in the trace (exit_mmap
		 * was still running when the recorder stopped) */
		if (v->exit_frees && last && p->exited && !p->teardown_done && !p->exit_elsewhere)
			for (int j = 0; j < 2; j++) {
				int k = j ? K_AVC_FREE : K_AV_FREE;
				uint64_t cut = p->ex[j] > p->kx[j] ? p->ex[j] - p->kx[j] : 0;

				cut = cut < e[k] ? cut : e[k];
				e[k] -= cut;
				v->cls[C_EXITFREE] += cut ? 1 : 0;
			}
		if (v->exit_frees && !last && p->exited && !p->exit_elsewhere)
			for (int j = 0; j < 2; j++) {
				int k = j ? K_AVC_FREE : K_AV_FREE;
				uint64_t late = p->ex[j] > p->kx[j] ? p->ex[j] - p->kx[j] : 0;

				late = late < e[k] ? late : e[k];
				e[k] -= late;
				carry_e[k] = late;
			}
		if (!p->comm[0])
			pinfo_comm(v, p);
		for (int k = 0; k < K__N; k++) {
			if (p->k[k] == e[k]) {
				v->match[F_ALLOC]++;
				continue;
			}
			v->mism[F_ALLOC]++;
			show(v, "alloc mismatch in the window ending at %s, %s[%u]: %s kernel %" PRIu64
			     " engine %" PRIu64 "\n", label, p->comm, p->pid, cnt_name[k], p->k[k], e[k]);
		}
reset:
		memcpy(p->k, carry, sizeof(p->k));
		memcpy(p->e, carry_e, sizeof(p->e));
		memset(p->ex, 0, sizeof(p->ex));
		memset(p->kx, 0, sizeof(p->kx));
		p->exited = p->exit_frees_seen = p->exit_elsewhere = false;
		p->partial_window = p->partial;
	}
}

static void kernel_alloc(struct avt_verify *v, const struct avt_event *ev)
{
	const struct avt_ev_alloc *a = &ev->u.alloc;
	struct pinfo *p = pinfo_get(v, ev->pid);
	bool av = a->cache == AVT_CACHE_ANON_VMA, alloc = a->op == AVT_ALLOC;
	bool unexp_free = false;

	if (av) {
		unpair(v, a->id);	/* a new object behind this id from now on */
		vmap__del(&v->troots, a->id);
		unexp_free = !alloc && vmap__get(&v->konly, a->id, NULL);
		vmap__del(&v->unexp, a->id);
		vmap__del(&v->konly, a->id);
		vmap__del(&v->ext, a->id);
		vmap__del(&v->seed_own, a->id);	/* another object from now on */
		if (alloc && a->site == AVT_SITE_PREPARE)
			vmap__put(&v->prep, a->id, ev->pid);
		else if (!alloc)
			vmap__del(&v->prep, a->id);
	}
	if (!p)
		return;
	/*
	 * The free of an anon_vma only the kernel had (an unexplained
	 * prepare in a VMA the engine already simulated, its allocations
	 * taken out of the counts), and of
	 * the one AVC its prepare linked (freed next to it, before or after):
	 * not the engine's to match either.
	 */
	if (unexp_free) {
		p->unexp_avc_free++;
		v->cls[C_UNEXPLAINED]++;
		return;
	}
	if (!alloc && !av && p->unexp_avc_free) {
		p->unexp_avc_free--;
		v->cls[C_UNEXPLAINED]++;
		return;
	}
	if (!alloc && p->exited) {
		p->exit_frees_seen = true;
		p->kx[av ? 0 : 1]++;
	}
	if (!alloc && v->exit_frees)	/* the teardown's progress */
		for (int i = 0; i < NR_EXITS; i++)
			if (v->exits[i].pid == ev->pid && v->exits[i].roots.n)
				v->exits[i].got[av ? 0 : 1]++;
	p->k[av ? (alloc ? K_AV_ALLOC : K_AV_FREE) : (alloc ? K_AVC_ALLOC : K_AVC_FREE)]++;
	/* from the first fork/clone-site allocation on, until the process's
	 * next event: an operation whose event follows (prepare allocations
	 * after a fault event belong to that fault; frees after an exit to
	 * that exit) */
	if (!p->exited && (a->site == AVT_SITE_FORK || a->site == AVT_SITE_CLONE))
		p->fork_pending = true;
	if (p->fork_pending)
		p->kp[av ? (alloc ? K_AV_ALLOC : K_AV_FREE) : (alloc ? K_AVC_ALLOC : K_AVC_FREE)]++;
}

/* ---- pass 2 ---- */
int avt_verify__feed(struct avt_verify *v, const struct avt_event *ev)
{
	struct avt_stats *st = &v->e->st;
	uint64_t b[K__N], unm = st->unmodelled, dts;
	struct pinfo *p = NULL;
	struct recent_exit *xnew = NULL;
	int err;

	v->nr_ev++;
	if (!v->rs_planned)
		reseed_plan(v);		/* pass 1 is over */
	/* a checkpoint's window ends after the snapshots that follow its
	 * marker: at the first other event (alloc events precede the
	 * operation they belong to, so they open the next window) */
	if (v->close_pending && !v->sn.active && ev->type != AVT_EV_SNAP_BEGIN &&
	    ev->type != AVT_EV_SNAP_VMA && ev->type != AVT_EV_SNAP_END &&
	    ev->type != AVT_EV_CHECKPOINT && ev->type != AVT_EV_STATS) {
		char label[32];

		snprintf(label, sizeof(label), "checkpoint %u", v->window_cp);
		window_close(v, label, false);
		v->close_pending = false;
	}
	switch (ev->type) {
	case AVT_EV_SNAP_BEGIN:
		snapshot_begin(v, ev);
		break;
	case AVT_EV_SNAP_VMA:
		if (snap_select(v, ev->pid) && v->sn.nbegin == 1 && snap_vma_add(v, ev))
			return -ENOMEM;
		break;
	case AVT_EV_ALLOC:
		kernel_alloc(v, ev);
		break;
	case AVT_EV_CHECKPOINT:
		v->close_pending = true;
		v->window_cp = ev->u.checkpoint.n;
		break;
	case AVT_EV_SYSCALL:
		p = pinfo_get(v, ev->pid);
		if (p && ev->u.sys.sys == AVT_SYS_MLOCKALL && (ev->u.sys.args[0] & MCL_FUTURE))
			p->pl_off = true;
		if (p && ev->u.sys.sys == AVT_SYS_UFFD_REGISTER)
			p->pl_uffd = true;
		if (ev->u.sys.flags & AVT_SYSF_OVERLAP) {
			v->ov_calls++;
			if (p)
				pl_event(v, p, ev);
			else
				ov_call(v, ev);
		}
		p = NULL;
		break;
	case AVT_EV_STATS:
		/* the recorder's marker: that teardown is over (the latest
		 * exit of the tgid) */
		/* the recorder could not snapshot this exec (/proc source): the
		 * engine's image of the process is empty, not the kernel's */
		if (ev->u.stats.kind == AVT_STATS_SNAP_SKIPPED) {
			struct avt_proc *ep = avt_proc__find(v->e, ev->u.stats.key);

			p = pinfo_get(v, ev->u.stats.key);
			if (p && ep && ep->live && p->taint != T_DROPS)
				p->taint = T_UNSEEDED;
		}
		if (ev->u.stats.kind == AVT_STATS_TEARDOWN) {
			struct recent_exit *last = NULL;

			for (int i = 0; i < NR_EXITS; i++)
				if (v->exits[i].roots.n && v->exits[i].pid == ev->u.stats.key &&
				    (!last || v->exits[i].ts > last->ts))
					last = &v->exits[i];
			if (last)
				last->done = true;
			if ((p = pinfo_get(v, ev->u.stats.key)))
				p->teardown_done = true;
			/* torn down elsewhere: its frees, and those of anon_vmas
			 * of its families whose last reference it held (an
			 * exited parent's root...), are not in the trace */
			for (int i = 0; last && ev->u.stats.value == 2 && i < NR_EXITS; i++) {
				struct recent_exit *y = &v->exits[i];
				bool shared = y == last;
				struct pinfo *q;

				for (size_t j = 0; !shared && j < y->roots.cap; j++)
					shared = y->roots.used[j] == 1 &&
						 vmap__get(&last->roots, y->roots.keys[j], NULL);
				if (shared && y->roots.n && (q = pinfo_get(v, y->pid)) && q->exited)
					q->exit_elsewhere = true;
			}
		}
		break;
	case AVT_EV_UNMODELLED:
		p = pinfo_get(v, ev->pid);
		if (p && !p->taint)
			p->taint = T_UNMODELLED;
		break;
	case AVT_EV_FORK:
		p = pinfo_get(v, ev->pid);
		if (p && ev->u.fork.child_pid != ev->pid) {
			uint8_t t = p->taint;
			struct pinfo *c;

			pl_event(v, p, ev);	/* before the child inherits */
			c = pinfo_get(v, ev->u.fork.child_pid);
			if (c) {
				pinfo_free_cap(c);
				c->dead_start = 0;
				c->compared = false;
				c->exited = false;
				memcpy(c->comm, ev->u.fork.comm[0] ? ev->u.fork.comm : p->comm,
				       AVT_COMM_LEN);
				if (c->taint != T_DROPS)
					c->taint = t ? T_INHERITED : T_NONE;
				c->drops_family = c->taint == T_INHERITED &&
						  (t == T_DROPS || t == T_UNSEEDED ||
						   (t == T_INHERITED && p->drops_family));
				c->partial = c->partial_window = p->partial;
				c->nocap = p->nocap;
				ov_copy(c, p);
				fw_copy(c, p);
				c->pl_uffd = p->pl_uffd;	/* (EVENT_FORK) */
			}
		}
		break;
	case AVT_EV_EXEC:
		p = pinfo_get(v, ev->pid);
		/* lost events that were all counted before the exec belong to
		 * the old image: the exec snapshot re-seeds it */
		if (p && p->taint == T_DROPS && !v->global_taint &&
		    vmap__get(&v->drop_ts, pkey(ev->pid), &dts) && dts < ev->ts) {
			p->taint = T_NONE;
			p->reseeds++;
			v->reseeded++;
		}
		if (p && (p->taint == T_UNMODELLED || p->taint == T_INHERITED || p->taint == T_ENGINE ||
			  p->taint == T_UNSEEDED))
			p->taint = T_NONE;	/* the exec snapshot re-seeds it */
		if (p)
			p->nocap = false;	/* (a skipped one says so right after) */
		if (p) {
			p->partial = false;	/* partial_window stays for this window */
			p->nov = 0;		/* a new image: the exec snapshot seeds it */
			p->npl = 0;
			p->pl_lost = 0;
			p->pl_unsure = p->pl_r = 0;
			p->pl_off = p->pl_uffd = false;
			p->nfw = 0;
			p->fw_all = false;
		}
		if (p)
			memcpy(p->comm, ev->u.exec.comm, AVT_COMM_LEN);
		break;
	case AVT_EV_EXIT:
		if (ev->u.exit.group_dead) {
			struct avt_proc *ep = avt_proc__find(v->e, ev->pid);

			p = pinfo_get(v, ev->pid);
			if (p && ep)
				p->dead_start = ep->start;
			for (int i = -1; p && i < NR_PARKED; i++) {
				const struct snap *sp = i < 0 ? &v->sn : &v->parked[i];

				if (sp->active && sp->pid == ev->pid && sp->kind != AVT_SNAP_EXIT)
					p->exit_elsewhere = true;
			}
			if (ep && ep->mm && ep->mm->users == 1) {
				struct recent_exit *x = &v->exits[v->exit_next++ % NR_EXITS];

				vmap__fini(&x->roots);
				vmap__fini(&x->avs);
				vmap__fini(&x->own);
				vmap__fini(&x->froots);
				x->ts = ev->ts;
				x->pid = ev->pid;
				x->elsewhere = p && p->exit_elsewhere;
				x->done = false;
				memset(x->want, 0, sizeof(x->want));
				memset(x->got, 0, sizeof(x->got));
				busy_roots_add(v, &x->roots, ev->pid);
				busy_add(v, &x->froots, &x->avs, &x->own, ev->pid);
				xnew = x;
			}
			if (p && ep && ep->mm && ep->mm->users == 1) {
				pinfo_free_cap(p);
				p->has_cap = !capture(v, ev->pid, &p->cap, &p->ncap, &p->capcap);
			}
		}
		break;
	default:
		break;
	}
	if (ev->type == AVT_EV_SYSCALL || ev->type == AVT_EV_FAULT || ev->type == AVT_EV_FORK ||
	    ev->type == AVT_EV_EXEC || ev->type == AVT_EV_EXIT) {
		for (int i = -1; i < NR_PARKED; i++) {
			struct snap *sp = i < 0 ? &v->sn : &v->parked[i];

			if (!sp->active)
				continue;
			if (ev->pid == sp->pid)
				sp->ambiguous = true;
			else	/* before the event (after it: below) */
				busy_add(v, &sp->busy_roots, &sp->busy_avs, &sp->busy_own,
					 ev->pid);
		}
	}
	/* where the thread's next call entered, at the earliest (pl_since):
	 * a fault in kernel mode can be taken inside that call */
	if (ev->type == AVT_EV_EXIT)
		vmap__del(&v->tid_seq, ev->tid ? ev->tid : UINT32_MAX);
	else if (ev->type == AVT_EV_SYSCALL || ev->type == AVT_EV_FORK || ev->type == AVT_EV_EXEC ||
		 (ev->type == AVT_EV_FAULT && !(ev->u.fault.flags & AVT_FAULT_KERNEL)))
		vmap__put(&v->tid_seq, ev->tid ? ev->tid : UINT32_MAX, v->nr_ev);

	if (ev->type == AVT_EV_SYSCALL || ev->type == AVT_EV_FAULT || ev->type == AVT_EV_FORK ||
	    ev->type == AVT_EV_EXEC || ev->type == AVT_EV_EXIT) {
		p = pinfo_get(v, ev->pid);
		if (p) {	/* the operation the pending allocations were for */
			memset(p->kp, 0, sizeof(p->kp));
			p->fork_pending = false;
		}
	}
	b[K_AV_ALLOC] = st->av.alloc;
	b[K_AV_FREE] = st->av.free;
	b[K_AVC_ALLOC] = st->avc.alloc;
	b[K_AVC_FREE] = st->avc.free;
	err = avt_engine__feed(v->e, ev);
	if (err) {
		snprintf(v->err, sizeof(v->err), "%s", avt_engine__error(v->e));
		return err;
	}
	fw_take(v);
	if (ev->type == AVT_EV_SYSCALL || ev->type == AVT_EV_FAULT || ev->type == AVT_EV_FORK ||
	    ev->type == AVT_EV_EXEC || ev->type == AVT_EV_EXIT) {
		for (int i = -1; i < NR_PARKED; i++) {
			struct snap *sp = i < 0 ? &v->sn : &v->parked[i];

			if (!sp->active || ev->pid == sp->pid)
				continue;
			/* after the event: what it made (a fork's child too) */
			busy_add(v, &sp->busy_roots, &sp->busy_avs, &sp->busy_own, ev->pid);
			if (ev->type == AVT_EV_FORK && ev->u.fork.child_pid != ev->pid &&
			    ev->u.fork.child_pid != sp->pid)
				busy_add(v, &sp->busy_roots, &sp->busy_avs, &sp->busy_own,
					 ev->u.fork.child_pid);
		}
	}
	if (st->av.alloc != b[K_AV_ALLOC] || st->av.free != b[K_AV_FREE] ||
	    st->avc.alloc != b[K_AVC_ALLOC] || st->avc.free != b[K_AVC_FREE]) {
		p = pinfo_get(v, ev->pid);
		if (p) {
			p->e[K_AV_ALLOC] += st->av.alloc - b[K_AV_ALLOC];
			p->e[K_AV_FREE] += st->av.free - b[K_AV_FREE];
			p->e[K_AVC_ALLOC] += st->avc.alloc - b[K_AVC_ALLOC];
			p->e[K_AVC_FREE] += st->avc.free - b[K_AVC_FREE];
			if (ev->type == AVT_EV_EXIT) {
				p->ex[0] += st->av.free - b[K_AV_FREE];
				p->ex[1] += st->avc.free - b[K_AVC_FREE];
			}
			if (xnew) {
				xnew->want[0] = st->av.free - b[K_AV_FREE];
				xnew->want[1] = st->avc.free - b[K_AVC_FREE];
			}
		}
	}
	if (ev->type == AVT_EV_EXIT && ev->u.exit.group_dead && (p = pinfo_get(v, ev->pid))) {
		p->exited = true;
		p->teardown_done = false;
	}
	if (st->unmodelled != unm && ev->type != AVT_EV_UNMODELLED &&
	    (p = pinfo_get(v, ev->pid)) && !p->taint)
		p->taint = T_ENGINE;
	if (ev->type == AVT_EV_SNAP_END && snap_select(v, ev->pid) &&
	    ++v->sn.nend == v->sn.nbegin)
		snapshot_done(v, ev);
	return 0;
}

int avt_verify__finish(struct avt_verify *v)
{
	struct avt_engine *e = v->e;
	size_t len = 0;

	window_close(v, "the end", true);
	avt_engine__finish(e);
	for (size_t i = 0; i < e->nr_procs; i++) {
		struct avt_proc *ep = e->procs[i];
		uint64_t ix;
		struct pinfo *p = vmap__get(&v->pidx, ep->pid ? ep->pid : UINT32_MAX, &ix) ?
				  v->pi[ix - 1] : NULL;

		if (!ep->st.events || ep->passive || (p && (p->compared || p->taint)))
			continue;
		v->snapless++;
		if (len < sizeof(v->snapless_list) - 40)
			len += snprintf(v->snapless_list + len, sizeof(v->snapless_list) - len,
					" %s[%u]", ep->comm, ep->pid);
	}
	return 0;
}

static void pct(FILE *out, const char *name, uint64_t m, uint64_t x)
{
	if (m + x)
		fprintf(out, "verify.match.%s %.2f %% (%" PRIu64 "/%" PRIu64 ")\n", name,
			100.0 * (double)m / (double)(m + x), m, m + x);
	else
		fprintf(out, "verify.match.%s - (0 compared)\n", name);
}

int avt_verify__report(struct avt_verify *v, FILE *out)
{
	uint64_t m = 0, x = 0, nt = 0;

	fprintf(out, "verify.scheme %s\n", v->scheme);
	fprintf(out, "verify.flags_mask %llx\n", (unsigned long long)VERIFY_FLAGS);
	fprintf(out, "verify.snapshots.compared %" PRIu64 "\n", v->snaps_compared);
	fprintf(out, "verify.snapshots.seeded %" PRIu64 "\n", v->snaps[R_SEED]);
	fprintf(out, "verify.snapshots.passive %" PRIu64 "\n", v->snaps[R_PASSIVE]);
	fprintf(out, "verify.snapshots.tainted %" PRIu64 "\n", v->snaps_tainted);
	fprintf(out, "verify.snapshots.ambiguous %" PRIu64 "\n", v->snaps_ambiguous);
	fprintf(out, "verify.snapshots.incomplete %" PRIu64 "\n", v->snaps_incomplete);
	fprintf(out, "verify.snapshots.unmodelled_process %" PRIu64 "\n", v->snaps[R_NOMODEL]);
	fprintf(out, "verify.snapshots.after_exit %" PRIu64 "\n", v->snaps[R_LATE]);
	fprintf(out, "verify.snapshots.overlapping %" PRIu64 "\n", v->snaps_overlap);
	fprintf(out, "verify.snapshots.lock_dropped %" PRIu64 "\n", v->snaps_lockdrop);
	fprintf(out, "verify.snapshots.busy %" PRIu64 "\n", v->snaps_busy);
	if (v->snaps_procfs)
		fprintf(out, "verify.snapshots.procfs %" PRIu64 " (no anon_vma facts: class "
			"not_captured)\n", v->snaps_procfs);
	if (v->snaps_dropped)
		fprintf(out, "verify.snapshots.too_many_open %" PRIu64 "\n", v->snaps_dropped);
	for (int f = 0; f < F__N; f++) {
		if (f == F_ALLOC && !v->has_alloc) {
			fprintf(out, "verify.match.alloc - (no allocation-truth events in the trace)\n");
			continue;
		}
		pct(out, fact_name[f], v->match[f], v->mism[f]);
		m += v->match[f];
		x += v->mism[f];
	}
	pct(out, "all", m, x);
	for (int c = 0; c < C__N; c++)
		fprintf(out, "verify.class.%s %" PRIu64 " facts\n", cls_name[c], v->cls[c]);
	fprintf(out, "verify.class.snapshotless %" PRIu64 " processes%s\n", v->snapless,
		v->snapless_list);
	fprintf(out, "verify.overlapped_calls %" PRIu64 " (%" PRIu64 " facts near them ambiguous)\n",
		v->ov_calls, v->ov_facts);
	fprintf(out, "verify.overlapped_placed %" PRIu64 " (%" PRIu64 " of them marked: out of order "
		"with a call or fork, maybe)\n", v->ov_placed, v->ov_unsure);
	{
		struct avt_order_stats os;

		avt_order__stats(v->e, &os);
		fprintf(out, "verify.fork_window_faults %" PRIu64 " (%" PRIu64
			" placed by the allocation truth, %" PRIu64 " undecided)\n",
			os.faults, os.before + os.after, os.undecided);
	}
	fprintf(out, "verify.fork_window_undecided %" PRIu64 " faults (%" PRIu64
		" facts near them ambiguous)\n", v->fw_faults, v->fw_facts);
	for (size_t i = 0; i < v->npi; i++) {
		const struct pinfo *p = v->pi[i];

		if (!p->taint)
			continue;
		if (nt++ < 20)
			fprintf(out, "verify.tainted %s[%u] %s\n", p->comm, p->pid,
				taint_name[p->taint]);
	}
	if (v->reseeded || v->reseed_failed || v->snaps_reseeded)
		fprintf(out, "verify.tainted.reseeded %" PRIu64 " (%" PRIu64 " snapshots; %" PRIu64
			" group(s) whose rebuild differed: still tainted)\n", v->reseeded,
			v->snaps_reseeded, v->reseed_failed);
	for (size_t i = 0, nr = 0; i < v->npi; i++)
		if (v->pi[i]->reseeds && nr++ < 20)
			fprintf(out, "verify.reseeded %s[%u] %u\n", v->pi[i]->comm, v->pi[i]->pid,
				v->pi[i]->reseeds);
	for (size_t i = 0; i < v->npi; i++)
		if (v->pi[i]->unexplained)
			fprintf(out, "verify.unexplained_prepare %s[%u] %" PRIu64 "\n", v->pi[i]->comm,
				v->pi[i]->pid, v->pi[i]->unexplained);
	fprintf(out, "verify.mismatches %" PRIu64 "\n", x);
	if (x) {
		fprintf(out, "# first %zu mismatch(es), kernel vs engine in --state format "
			"(ids canonical per snapshot side):\n", v->nshown);
		for (size_t i = 0; i < v->nshown; i++)
			fputs(v->shown[i], out);
	}
	if (x)
		fprintf(out, "verify: MISMATCH: %" PRIu64 " of %" PRIu64 " facts differ (%.2f %% match)\n",
			x, m + x, 100.0 * (double)m / (double)(m + x));
	else if (!m)
		fprintf(out, "verify: NOTHING COMPARED: no fact could be judged (see the classes above)\n");
	else
		fprintf(out, "verify: MATCH: %" PRIu64 " of %" PRIu64 " facts agree (100.00 %%)\n", m,
			m);
	return ferror(out) ? -EIO : 0;
}
