// SPDX-License-Identifier: MIT
/*
 * The report: stable `SCHEME.METRIC VALUE` lines, one metric per line, in a
 * fixed order (lazy-semantics.md §6 names for the eager side). The same
 * collector answers avt_engine__metric(), so a JSON writer can map the
 * lines one to one later.
 *
 * Definitions:
 *  anon_vma.* / anon_vma_chain.*  allocated, freed (incl. transient), live
 *        (at end), peak (max over every intermediate state, including
 *        K7's transient fork pair), bytes (live x 104 / 64), transient
 *        (K7 fork-reuse allocations freed at once), seeded (rebuilt from
 *        snapshots, not allocations).
 *  meta.end / meta.peak  104*AV_live + 64*AVC_live bytes (+ a scheme's own
 *        metadata: lazy's zombie roots, 192 B each), at end / max.
 *  chain_length.*  |chain(V)| over faulted VMAs at end (mean, max, one
 *        `chain_length.N count` line per length); max_ever over time.
 *  rmap.census.*  AVCs visited per mapped anon folio at the last census
 *        (end of trace); runs = checkpoints + end; false_alias = visits of
 *        VMAs that do not map the folio (summed over the census).
 *  lock.*  anon_vma root rwsem acquisitions (W/R), per tag; families =
 *        roots ever locked; family.max_* = most acquisitions on one root;
 *  fork.{anon_vma,anon_vma_chain}.allocated, fork.cost  §6 fork cost
 *        proxy: objects allocated while fork events ran (K7's transient
 *        pair and lazy's fork upgrades included).
 *  active_kb.*  (printed by each scheme's report: its zombies count as
 *        vm_area_structs) live x size / 1024 at end and per checkpoint N
 *        as active_kb.checkpoint.N.TYPE.
 *  truth.*  the kernel's own anon_vma/AVC alloc/free events carried by the
 *        trace (recorded with the alloc probes), to compare with the model.
 *  ordering.*  fork windows (order.c): faults of other threads between a
 *        clone's entry and its fork event, placed before or after the copy
 *        by the allocation truth, or left in trace order (undecided;
 *        with_effect: could change an anon_vma or the layout).
 *  process.*  count (every process seen), active (any anon work), then the
 *        16 most active processes as `process.COMM[PID].METRIC`, pid order.
 *        contended = acquisitions following one on the same root by another
 *        pid or CPU within the window (10 us), an upper-bound estimate.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "engine/internal.h"

typedef void (*emit_fn)(void *ctx, const char *name, double v, bool integer);

static void count4(emit_fn emit, void *ctx, const char *pfx, const struct avt_obj_count *c)
{
	char n[96];

	snprintf(n, sizeof(n), "%s.allocated", pfx);
	emit(ctx, n, (double)c->alloc, true);
	snprintf(n, sizeof(n), "%s.freed", pfx);
	emit(ctx, n, (double)c->free, true);
	snprintf(n, sizeof(n), "%s.live", pfx);
	emit(ctx, n, (double)c->live, true);
	snprintf(n, sizeof(n), "%s.peak", pfx);
	emit(ctx, n, (double)c->peak, true);
}

static const char *const refusal_names[AVT_MR__MAX] = {
	[AVT_MR_SRC_FORK_CHILD] = "src_fork_child",
	[AVT_MR_COPIED_FORK_CHILD] = "copied_fork_child",
	[AVT_MR_TGT_FORK_CHILD] = "tgt_fork_child",
	[AVT_MR_DIFFERENT] = "different",
	[AVT_MR_SCHEME] = "scheme",
};

#define REPORT_PROCS 16

static uint64_t proc_score(const struct avt_proc *p)
{
	return p->st.av_alloc + p->st.avc_alloc + p->st.lock_w + p->st.lock_r;
}

static int cmp_score(const void *a, const void *b)
{
	uint64_t x = proc_score(*(const struct avt_proc *const *)a);
	uint64_t y = proc_score(*(const struct avt_proc *const *)b);

	return x > y ? -1 : x < y;
}

static int cmp_pid(const void *a, const void *b)
{
	uint32_t x = (*(const struct avt_proc *const *)a)->pid;
	uint32_t y = (*(const struct avt_proc *const *)b)->pid;

	return x < y ? -1 : x > y;
}

/* per_process: 0 = global metrics; REPORT_PROCS = the most active processes;
 * SIZE_MAX = every process (metric lookups) */
/*
 * Processes whose numbers are not exact: tainted ones (an `unmodelled`
 * event, or events the recorder lost: stats drops_tgid) and kernel
 * PREPAREs that no recorded event explains (the trace's PREPARE-site AVC
 * allocations beyond the PREPAREs the engine ran: faults through
 * get_user_pages, which fire no tracepoint). Counted overall and listed
 * per process, up to REPORT_PROCS of each.
 */
static void taint_lines(struct avt_engine *e, emit_fn emit, void *ctx)
{
	uint64_t tainted = 0, unm = 0, drops = 0, unexp = 0, unexp_procs = 0;
	size_t listed_t = 0, listed_u = 0;
	char n[128];

	for (size_t i = 0; i < e->nr_procs; i++) {
		const struct avt_proc *p = e->procs[i];

		tainted += !!p->taint;
		unm += !!(p->taint & AVT_TAINT_UNMODELLED);
		drops += !!(p->taint & AVT_TAINT_DROPS);
		if (p->st.truth_prepares > p->st.prepares) {
			unexp += p->st.truth_prepares - p->st.prepares;
			unexp_procs++;
		}
	}
	emit(ctx, "tainted.processes", (double)tainted, true);
	emit(ctx, "tainted.unmodelled", (double)unm, true);
	emit(ctx, "tainted.drops", (double)drops, true);
	emit(ctx, "prepare.unexplained", (double)unexp, true);
	emit(ctx, "prepare.unexplained.processes", (double)unexp_procs, true);
	for (size_t i = 0; i < e->nr_procs; i++) {
		const struct avt_proc *p = e->procs[i];
		const char *comm = p->comm[0] ? p->comm : "?";

		if (p->taint && listed_t++ < REPORT_PROCS) {
			/* value: 1 = unmodelled change, 2 = lost events, 3 = both */
			snprintf(n, sizeof(n), "tainted.%s[%u]", comm, p->pid);
			emit(ctx, n, (double)p->taint, true);
		}
		if (p->st.truth_prepares > p->st.prepares && listed_u++ < REPORT_PROCS) {
			snprintf(n, sizeof(n), "prepare.unexplained.%s[%u]", comm, p->pid);
			emit(ctx, n, (double)(p->st.truth_prepares - p->st.prepares), true);
		}
	}
}

static void collect(struct avt_engine *e, emit_fn emit, void *ctx, size_t all_procs)
{
	bool per_process = all_procs > 0;
	const struct avt_stats *st = &e->st;
	struct avt_hist chains = { 0 };
	char n[128];

	if (per_process)
		goto processes;

	count4(emit, ctx, "anon_vma", &st->av);
	emit(ctx, "anon_vma.bytes", (double)(st->av.live * AV_BYTES), true);
	emit(ctx, "anon_vma.transient", (double)st->av_transient, true);
	emit(ctx, "anon_vma.seeded", (double)st->av_seeded, true);
	count4(emit, ctx, "anon_vma_chain", &st->avc);
	emit(ctx, "anon_vma_chain.bytes", (double)(st->avc.live * AVC_BYTES), true);
	emit(ctx, "anon_vma_chain.transient", (double)st->avc_transient, true);
	emit(ctx, "anon_vma_chain.seeded", (double)st->avc_seeded, true);
	emit(ctx, "meta.end", (double)(st->av.live * AV_BYTES + st->avc.live * AVC_BYTES +
				       st->meta_scheme_live), true);
	emit(ctx, "meta.peak", (double)st->meta_peak, true);
	count4(emit, ctx, "vma", &st->vma);
	count4(emit, ctx, "folio", &st->folio);
	/* PMD-sized anonymous THPs (one folio of HPAGE_NR pages each; never
	 * split into small folios: see man avtrace-replay, THP) */
	emit(ctx, "folio.thp.allocated", (double)st->thp_alloc, true);
	emit(ctx, "folio.thp.freed", (double)st->thp_free, true);
	emit(ctx, "folio.thp.live", (double)(st->thp_alloc - st->thp_free), true);
	emit(ctx, "folio.thp.pmd_splits", (double)st->thp_pmd_splits, true);
	emit(ctx, "folio.thp.cow_fallbacks", (double)st->thp_cow_fallbacks, true);

	/* chain length distribution over faulted VMAs at end */
	for (struct avt_mm *mm = e->mms; mm; mm = mm->all_next) {
		struct avt_vma *v;

		avt_for_each_vma(mm, v) {
			struct avt_vma_state vs;

			e->scheme.ops->vma_state(&e->scheme, v, &vs);
			if (vs.av)
				avt_hist__add(&chains, vs.avcs);
		}
	}
	emit(ctx, "chain_length.vmas", (double)chains.count, true);
	emit(ctx, "chain_length.mean", chains.count ? (double)chains.sum / chains.count : 0, false);
	emit(ctx, "chain_length.max", (double)chains.max, true);
	emit(ctx, "chain_length.max_ever", (double)st->chain_max, true);
	for (size_t i = 0; i < chains.n; i++)
		if (chains.v[i]) {
			snprintf(n, sizeof(n), "chain_length.%zu", i);
			emit(ctx, n, (double)chains.v[i], true);
		}
	avt_hist__fini(&chains);

	emit(ctx, "folio.rewrites", (double)st->folio_rewrites, true);
	emit(ctx, "folio.rewrites.move_anon_rmap", (double)st->folio_rewrites_move, true);
	emit(ctx, "folio.rewrites.uffd_move", (double)st->folio_rewrites_uffd, true);
	emit(ctx, "folio.cow_copies", (double)st->cow_copies, true);
	emit(ctx, "folio.cow_reuses", (double)st->cow_reuses, true);

	emit(ctx, "rmap.census.runs", (double)st->census_runs, true);
	emit(ctx, "rmap.census.folios", (double)st->census.count, true);
	emit(ctx, "rmap.census.visits.mean",
	     st->census.count ? (double)st->census.sum / st->census.count : 0, false);
	emit(ctx, "rmap.census.visits.p99", (double)avt_hist__pct(&st->census, 99), true);
	emit(ctx, "rmap.census.visits.max", (double)st->census.max, true);
	emit(ctx, "rmap.census.false_alias", (double)st->census_false_alias, true);
	emit(ctx, "rmap.census.folios_total", (double)st->census_folios_total, true);
	emit(ctx, "rmap.census.visits_total", (double)st->census_visits_total, true);
	emit(ctx, "rmap.walks", (double)st->rmap_walks, true);
	emit(ctx, "rmap.visits", (double)st->rmap_visits, true);
	emit(ctx, "rmap.visits.max", (double)st->rmap_visits_max, true);
	emit(ctx, "rmap.no_folio", (double)st->rmap_no_folio, true);

	emit(ctx, "lock.write", (double)st->lock_w, true);
	emit(ctx, "lock.read", (double)st->lock_r, true);
	for (unsigned t = 0; t < AVT_LT__MAX; t++) {
		snprintf(n, sizeof(n), "lock.write.%s", avt_lock_tag__name(t));
		emit(ctx, n, (double)st->lock_w_tag[t], true);
	}
	emit(ctx, "lock.read.rmap", (double)st->lock_r_tag[AVT_LT_RMAP], true);
	emit(ctx, "lock.work", (double)st->lock_work, true);
	emit(ctx, "lock.families", (double)st->families, true);
	emit(ctx, "lock.family.max_write", (double)st->family_max_w, true);
	emit(ctx, "lock.family.max_read", (double)st->family_max_r, true);
	emit(ctx, "lock.contended", (double)st->lock_contended, true);

	emit(ctx, "merge.count", (double)st->merges, true);
	for (unsigned r = 1; r < AVT_MR__MAX; r++) {
		snprintf(n, sizeof(n), "merge.refused.%s", refusal_names[r]);
		emit(ctx, n, (double)st->merge_refused[r], true);
	}
	emit(ctx, "split.count", (double)st->splits, true);
	emit(ctx, "prepare.count", (double)st->prepares, true);
	emit(ctx, "prepare.reuse", (double)st->prepare_reuses, true);
	emit(ctx, "fork.count", (double)st->forks, true);
	emit(ctx, "fork.reuse", (double)st->fork_reuses, true);
	emit(ctx, "fork.anon_vma.allocated", (double)st->fork_av_alloc, true);
	emit(ctx, "fork.anon_vma_chain.allocated", (double)st->fork_avc_alloc, true);
	emit(ctx, "fork.cost", (double)(st->fork_av_alloc + st->fork_avc_alloc), true);
	emit(ctx, "exec.count", (double)st->execs, true);
	emit(ctx, "exit.count", (double)st->exits, true);
	emit(ctx, "events.total", (double)e->nr_events, true);
	emit(ctx, "events.unknown_pid", (double)st->unknown_pid, true);
	emit(ctx, "events.unmodelled", (double)st->unmodelled, true);
	emit(ctx, "syscalls.failed", (double)st->failed_syscalls, true);
	emit(ctx, "syscalls.ret_mismatch", (double)st->ret_mismatch, true);
	emit(ctx, "syscalls.implausible", (double)st->implausible, true);
	emit(ctx, "faults.unmapped", (double)st->faults_unmapped, true);
	emit(ctx, "faults.access_error", (double)st->faults_segv, true);
	emit(ctx, "faults.thp_read_prepare", (double)st->faults_thp_read, true);
	emit(ctx, "snapshot.vmas", (double)st->snap_vmas, true);
	emit(ctx, "snapshot.truncated_chains", (double)st->snap_truncated, true);
	emit(ctx, "snapshot.ignored", (double)st->snap_ignored, true);
	emit(ctx, "truth.anon_vma.allocated", (double)st->truth_av_alloc, true);
	emit(ctx, "truth.anon_vma.freed", (double)st->truth_av_free, true);
	emit(ctx, "truth.anon_vma_chain.allocated", (double)st->truth_avc_alloc, true);
	emit(ctx, "truth.anon_vma_chain.freed", (double)st->truth_avc_free, true);
	emit(ctx, "trace.dropped_events", (double)st->trace_dropped, true);
	emit(ctx, "ksm.events", (double)st->ksm_events, true);
	{
		struct avt_order_stats os;

		avt_order__stats(e, &os);
		emit(ctx, "ordering.fork_windows", (double)os.windows, true);
		emit(ctx, "ordering.concurrent_clones", (double)os.concurrent, true);
		emit(ctx, "ordering.faults_in_fork_window", (double)os.faults, true);
		emit(ctx, "ordering.placed_by_truth", (double)(os.before + os.after), true);
		emit(ctx, "ordering.placed_by_truth.before_fork", (double)os.before, true);
		emit(ctx, "ordering.placed_by_truth.after_fork", (double)os.after, true);
		emit(ctx, "ordering.undecided", (double)os.undecided, true);
		emit(ctx, "ordering.undecided.with_effect", (double)os.undecided_effect, true);
		emit(ctx, "ordering.conflicts", (double)os.conflicts, true);
		emit(ctx, "ordering.unheld_prepares", (double)os.unheld_prepares, true);
	}
	taint_lines(e, emit, ctx);
	return;
processes:
	{
		/* the REPORT_PROCS most active processes (by anon objects
		 * allocated + lock acquisitions), printed in pid order */
		const struct avt_proc **top = NULL;
		size_t nt = 0, active = 0;

		for (size_t i = 0; i < e->nr_procs; i++)
			active += proc_score(e->procs[i]) > 0;
		emit(ctx, "process.count", (double)e->nr_procs, true);
		emit(ctx, "process.active", (double)active, true);
		if (active)
			top = malloc(active * sizeof(*top));
		if (!top)
			return;
		for (size_t i = 0; i < e->nr_procs; i++)
			if (proc_score(e->procs[i]) > 0)
				top[nt++] = e->procs[i];
		qsort(top, nt, sizeof(*top), cmp_score);
		if (nt > all_procs)
			nt = all_procs;
		qsort(top, nt, sizeof(*top), cmp_pid);
		for (size_t i = 0; i < nt; i++) {
			const struct avt_proc *p = top[i];
			char base[64];

			snprintf(base, sizeof(base), "process.%s[%u]", p->comm[0] ? p->comm : "?", p->pid);
			snprintf(n, sizeof(n), "%s.anon_vma.allocated", base);
			emit(ctx, n, (double)p->st.av_alloc, true);
			snprintf(n, sizeof(n), "%s.anon_vma_chain.allocated", base);
			emit(ctx, n, (double)p->st.avc_alloc, true);
			snprintf(n, sizeof(n), "%s.lock.write", base);
			emit(ctx, n, (double)p->st.lock_w, true);
			snprintf(n, sizeof(n), "%s.lock.read", base);
			emit(ctx, n, (double)p->st.lock_r, true);
			snprintf(n, sizeof(n), "%s.faults", base);
			emit(ctx, n, (double)p->st.faults, true);
		}
		free(top);
	}
}

/* ---- active KB (§6): live x object size / 1024 per object type, at the
 * end and at every checkpoint the trace marks; vm_area_struct counts live
 * VMAs plus zombies (both are allocated slab objects) ---- */
int avt_report__kb_sample(struct avt_engine *e, uint32_t n)
{
	struct avt_kb_sample *k = NULL;

	/* a checkpoint number seen again: its latest state */
	for (size_t i = 0; i < e->nr_kb_cp; i++)
		if (e->kb_cp[i].n == n)
			k = &e->kb_cp[i];
	if (!k) {
		if (e->nr_kb_cp == e->cap_kb_cp) {
			size_t cap = e->cap_kb_cp ? 2 * e->cap_kb_cp : 8;
			struct avt_kb_sample *nk = realloc(e->kb_cp, cap * sizeof(*nk));

			if (!nk)
				return -ENOMEM;
			e->kb_cp = nk;
			e->cap_kb_cp = cap;
		}
		k = &e->kb_cp[e->nr_kb_cp++];
	}
	k->n = n;
	k->av = e->st.av.live;
	k->avc = e->st.avc.live;
	k->vma = e->st.vma.live + e->st.vma_zombie_live;
	return 0;
}

static void kb_lines(FILE *out, const char *pfx, const char *at, uint64_t av, uint64_t avc,
		     uint64_t vma)
{
	fprintf(out, "%sactive_kb.%sanon_vma %.2f\n", pfx, at, av * AV_BYTES / 1024.0);
	fprintf(out, "%sactive_kb.%sanon_vma_chain %.2f\n", pfx, at, avc * AVC_BYTES / 1024.0);
	fprintf(out, "%sactive_kb.%svm_area_struct %.2f\n", pfx, at, vma * VMA_BYTES / 1024.0);
}

void avt_report__active_kb(struct avt_engine *e, FILE *out, const char *pfx, bool end)
{
	char at[32];

	if (end)
		kb_lines(out, pfx, "", e->st.av.live, e->st.avc.live,
			 e->st.vma.live + e->st.vma_zombie_live);
	for (size_t i = 0; i < e->nr_kb_cp; i++) {
		const struct avt_kb_sample *k = &e->kb_cp[i];

		snprintf(at, sizeof(at), "checkpoint.%u.", k->n);
		kb_lines(out, pfx, at, k->av, k->avc, k->vma);
	}
}

int avt_report__active_kb_metric(struct avt_engine *e, const char *name, double *val)
{
	static const char *const types[] = { "anon_vma", "anon_vma_chain", "vm_area_struct" };
	static const uint64_t size[] = { AV_BYTES, AVC_BYTES, VMA_BYTES };
	uint64_t live[3] = { e->st.av.live, e->st.avc.live,
			     e->st.vma.live + e->st.vma_zombie_live };
	const char *t;

	if (strncmp(name, "active_kb.", 10))
		return -ENOENT;
	t = name + 10;
	if (!strncmp(t, "checkpoint.", 11)) {
		char *dot;
		unsigned long n = strtoul(t + 11, &dot, 10);
		const struct avt_kb_sample *k = NULL;

		if (dot == t + 11 || *dot != '.')
			return -ENOENT;
		for (size_t i = 0; i < e->nr_kb_cp; i++)
			if (e->kb_cp[i].n == n)
				k = &e->kb_cp[i];
		if (!k)
			return -ENOENT;
		live[0] = k->av;
		live[1] = k->avc;
		live[2] = k->vma;
		t = dot + 1;
	}
	for (int i = 0; i < 3; i++)
		if (!strcmp(t, types[i])) {
			char b[48];

			/* the printed value (2 decimals), as a reader sees it */
			snprintf(b, sizeof(b), "%.2f", live[i] * size[i] / 1024.0);
			*val = strtod(b, NULL);
			return 0;
		}
	return -ENOENT;
}

struct print_ctx {
	FILE *out;
	const char *scheme;
};

static void emit_print(void *ctx, const char *name, double v, bool integer)
{
	struct print_ctx *c = ctx;

	if (integer)
		fprintf(c->out, "%s.%s %.0f\n", c->scheme, name, v);
	else
		fprintf(c->out, "%s.%s %.3f\n", c->scheme, name, v);
}

int avt_report__write(struct avt_engine *e, FILE *out)
{
	struct print_ctx c = { .out = out, .scheme = e->scheme.ops->name };
	char pfx[64];

	collect(e, emit_print, &c, 0);
	snprintf(pfx, sizeof(pfx), "%s.", e->scheme.ops->name);
	if (e->scheme.ops->report)
		e->scheme.ops->report(&e->scheme, out, pfx);
	/* per-process lines last: their number depends on the trace */
	collect(e, emit_print, &c, REPORT_PROCS);
	return ferror(out) ? -EIO : 0;
}

struct find_ctx {
	const char *name;
	double v;
	bool found;
};

static void emit_find(void *ctx, const char *name, double v, bool integer)
{
	struct find_ctx *c = ctx;

	(void)integer;
	if (!c->found && !strcmp(c->name, name)) {
		c->v = v;
		c->found = true;
	}
}

int avt_report__metric(struct avt_engine *e, const char *name, double *val)
{
	struct find_ctx c = { .name = name };

	collect(e, emit_find, &c, 0);
	if (!c.found)
		collect(e, emit_find, &c, SIZE_MAX);
	if (c.found) {
		*val = c.v;
		return 0;
	}
	if (e->scheme.ops->metric)
		return e->scheme.ops->metric(&e->scheme, c.name, val);
	return -ENOENT;
}
