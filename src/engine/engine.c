// SPDX-License-Identifier: MIT
/*
 * Engine front: construction, settings from metadata and `set` events,
 * event dispatch, counters and the streaming lock consumer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine/internal.h"

const char *const avt_engine_schemes[] = { "eager", "eager-legacy", "lazy", NULL };

const struct avt_scheme_ops *avt_scheme__find(const char *name)
{
	if (!strcmp(name, "eager"))
		return &avt_scheme_eager;
	if (!strcmp(name, "eager-legacy"))
		return &avt_scheme_eager_legacy;
	if (!strcmp(name, "lazy"))
		return &avt_scheme_lazy;
	return NULL;
}

static const char *const lock_tag_names[AVT_LT__MAX] = {
	[AVT_LT_PREPARE] = "prepare", [AVT_LT_CLONE_SPLIT] = "clone_split",
	[AVT_LT_CLONE_MERGE] = "clone_merge", [AVT_LT_CLONE_REMAP] = "clone_remap",
	[AVT_LT_CLONE_FORK] = "clone_fork", [AVT_LT_FORK_OWN] = "fork_own",
	[AVT_LT_RANGE_SPLIT] = "range_split", [AVT_LT_RANGE_MERGE] = "range_merge",
	[AVT_LT_UNLINK] = "unlink", [AVT_LT_MOVE_PTES] = "move_ptes",
	[AVT_LT_MOVE_PGT] = "move_pgt", [AVT_LT_STACK_GROW] = "stack_grow",
	[AVT_LT_UFFD_MOVE] = "uffd_move", [AVT_LT_RMAP] = "rmap", [AVT_LT_OTHER] = "other",
};

const char *avt_lock_tag__name(unsigned tag)
{
	return tag < AVT_LT__MAX ? lock_tag_names[tag] : NULL;
}

/* ---- settings ---- */
static void setting_apply(struct avt_engine *e, unsigned key, const char *val)
{
	const char *b;

	if (!val)
		return;
	switch (key) {
	case AVT_KEY_THP:
		b = strchr(val, '[');
		if (b)
			val = b + 1;
		if (!strncmp(val, "always", 6))
			e->set.thp = 2;
		else if (!strncmp(val, "madvise", 7))
			e->set.thp = 1;
		else
			e->set.thp = 0;
		break;
	case AVT_KEY_OVERCOMMIT:
		if (val[0] >= '0' && val[0] <= '2')
			e->set.overcommit = val[0] - '0';
		break;
	case AVT_KEY_MAX_MAP_COUNT: {
		char *end;
		unsigned long v = strtoul(val, &end, 10);

		if (end != val && v)
			e->set.max_map_count = (uint32_t)v;
		break;
	}
	case AVT_KEY_SOFT_DIRTY:
		e->set.soft_dirty = !strcmp(val, "yes") || !strcmp(val, "1") ||
				    !strcmp(val, "y") || !strcmp(val, "on");
		break;
	case AVT_KEY_RELEASE: {
		int maj = 0, min = 0;

		if (sscanf(val, "%d.%d", &maj, &min) == 2) {
			e->set.kernel_major = maj;
			e->set.kernel_minor = min;
		}
		break;
	}
	default:
		break;
	}
}

struct avt_engine *avt_engine__new(const char *scheme, const struct avt_engine_opts *opts)
{
	const struct avt_scheme_ops *ops = avt_scheme__find(scheme ? scheme : "");

	if (!ops) {
		errno = ENOENT;
		return NULL;
	}
	return avt_engine__new_ops(ops, opts);
}

struct avt_engine *avt_engine__new_ops(const struct avt_scheme_ops *ops,
				       const struct avt_engine_opts *opts)
{
	struct avt_engine *e;
	int err;

	if (!ops || !ops->init || !ops->is_faulted) {
		errno = ENOENT;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	e->scheme.ops = ops;
	e->scheme.eng = e;
	e->set.max_map_count = 65530;
	e->rng = 0x2545f491u;
	e->window_ns = 10000;
	avt_pool__init(&e->vma_pool, sizeof(struct avt_vma));
	avt_pool__init(&e->folio_pool, sizeof(struct avt_folio));
	avt_pool__init(&e->proc_pool, sizeof(struct avt_proc));
	avt_pool__init(&e->mm_pool, sizeof(struct avt_mm));
	avt_pool__init(&e->leaf_pool, sizeof(struct avt_pte_leaf));
	if (opts && opts->sz >= sizeof(*opts)) {
		if (opts->meta)
			for (size_t i = 0; i < opts->meta->n; i++)
				setting_apply(e, opts->meta->v[i].key, opts->meta->v[i].value);
		e->check_invariants = opts->check_invariants;
		e->on_lock = opts->on_lock;
		e->lock_ctx = opts->lock_ctx;
		if (opts->contention_window_ns)
			e->window_ns = opts->contention_window_ns;
	}
	err = ops->init(&e->scheme, opts && opts->sz >= sizeof(*opts) ? opts->scheme_params : NULL);
	if (err) {
		if (opts && opts->sz >= sizeof(*opts) && opts->errbuf && opts->errbuf_len)
			snprintf(opts->errbuf, opts->errbuf_len, "%s", e->err);
		free(e);
		errno = -err;
		return NULL;
	}
	return e;
}

void avt_engine__free(struct avt_engine *e)
{
	if (!e)
		return;
	avt_order__free(e);
	avt_proc__free_all(e);
	e->scheme.ops->fini(&e->scheme);
	avt_pool__fini(&e->vma_pool);
	avt_pool__fini(&e->folio_pool);
	avt_pool__fini(&e->proc_pool);
	avt_pool__fini(&e->mm_pool);
	avt_pool__fini(&e->leaf_pool);
	free(e->pid_hash);
	free(e->procs);
	free(e->scratch);
	avt_inv9__fini(e);
	avt_hist__fini(&e->st.census);
	free(e->kb_cp);
	free(e);
}

const char *avt_engine__scheme(const struct avt_engine *e)
{
	return e->scheme.ops->name;
}

const char *avt_engine__error(const struct avt_engine *e)
{
	return e->err;
}

uint64_t avt_engine__events(const struct avt_engine *e)
{
	return e->nr_events;
}

/* ---- counters (the hot ones are inline in internal.h) ---- */
void avt_engine__av_seeded(struct avt_engine *e)
{
	e->st.av_seeded++;
	e->st.av.live++;
	if (e->st.av.live > e->st.av.peak)
		e->st.av.peak = e->st.av.live;
	avt_engine__meta_peak(e);
}

void avt_engine__avc_seeded(struct avt_engine *e)
{
	e->st.avc_seeded++;
	e->st.avc.live++;
	if (e->st.avc.live > e->st.avc.peak)
		e->st.avc.peak = e->st.avc.live;
	avt_engine__meta_peak(e);
}

void avt_engine__lock_report(struct avt_engine *e, struct avt_lock_family *fam,
			     enum avt_lock_mode mode, enum avt_lock_tag tag, uint32_t work)
{
	const struct avt_event *ev = e->cur_ev;
	struct avt_lock_event le = {
		.mode = (uint8_t)mode, .tag = (uint8_t)tag, .work = work,
		.family = fam->id, .ts = ev ? ev->ts : 0,
		.cpu = ev ? ev->cpu : 0, .pid = ev ? ev->pid : 0,
	};

	e->on_lock(&le, e->lock_ctx);
}

/* ---- histograms ---- */
void avt_hist__add(struct avt_hist *h, uint64_t v)
{
	if (v >= h->n) {
		size_t nn = h->n ? h->n : 16;
		uint64_t *nv;

		while (nn <= v)
			nn *= 2;
		nv = realloc(h->v, nn * sizeof(*nv));
		if (!nv)
			return;
		memset(nv + h->n, 0, (nn - h->n) * sizeof(*nv));
		h->v = nv;
		h->n = nn;
	}
	h->v[v]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

void avt_hist__reset(struct avt_hist *h)
{
	if (h->v)
		memset(h->v, 0, h->n * sizeof(*h->v));
	h->count = h->sum = h->max = 0;
}

void avt_hist__fini(struct avt_hist *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}

uint64_t avt_hist__pct(const struct avt_hist *h, double pct)
{
	uint64_t need, acc = 0;

	if (!h->count)
		return 0;
	need = (uint64_t)((double)h->count * pct / 100.0 + 0.999999);
	if (!need)
		need = 1;
	for (size_t i = 0; i < h->n; i++) {
		acc += h->v[i];
		if (acc >= need)
			return i;
	}
	return h->max;
}

/* ---- dispatch ---- */
static struct avt_proc *event_proc(struct avt_engine *e, const struct avt_event *ev)
{
	struct avt_proc *p = avt_proc__find(e, ev->pid);

	if (!p || !p->mm) {
		e->st.unknown_pid++;
		return NULL;
	}
	p->st.events++;
	return p;
}

static int dispatch(struct avt_engine *e, const struct avt_event *ev)
{
	struct avt_proc *p;

	switch (ev->type) {
	case AVT_EV_FORK:
		p = avt_proc__find(e, ev->pid);
		if (!p) {
			e->st.unknown_pid++;
			return 0;
		}
		e->cur = p;
		{
			/* §6 fork cost proxy: whatever the fork allocated */
			uint64_t av = e->st.av.alloc, avc = e->st.avc.alloc;
			int err = avt_proc__fork(e, p, ev);

			e->st.fork_av_alloc += e->st.av.alloc - av;
			e->st.fork_avc_alloc += e->st.avc.alloc - avc;
			return err;
		}
	case AVT_EV_EXEC:
		p = avt_proc__find(e, ev->pid);
		e->cur = p;
		return avt_proc__exec(e, p, ev);
	case AVT_EV_EXIT:
		p = avt_proc__find(e, ev->pid);
		if (!p) {
			e->st.unknown_pid++;
			return 0;
		}
		e->cur = p;
		return avt_proc__exit(e, p, ev);
	case AVT_EV_SNAP_BEGIN:
	case AVT_EV_SNAP_VMA:
	case AVT_EV_SNAP_END:
		return avt_proc__snapshot(e, ev);
	case AVT_EV_SYSCALL:
		p = event_proc(e, ev);
		if (!p)
			return 0;
		e->cur = p;
		return avt_sys__replay(e, p, ev);
	case AVT_EV_FAULT:
		p = event_proc(e, ev);
		if (!p)
			return 0;
		e->cur = p;
		p->st.faults++;
		return avt_fault__handle(e, p->mm, ev->u.fault.addr,
					 ev->u.fault.flags & AVT_FAULT_WRITE,
					 ev->u.fault.flags & AVT_FAULT_KERNEL);
	case AVT_EV_RMAP:
		e->cur = avt_proc__find(e, ev->pid);
		return avt_rmap__event(e, ev);
	case AVT_EV_CHECKPOINT:
		avt_census__run(e);
		if (avt_report__kb_sample(e, ev->u.checkpoint.n))
			return -ENOMEM;
		if (e->state_cp_set && ev->u.checkpoint.n == e->state_cp && e->state_out)
			avt_state__write(e, e->state_out);
		return 0;
	case AVT_EV_SET:
		setting_apply(e, ev->u.set.key, ev->u.set.value);
		return 0;
	case AVT_EV_UNMODELLED:
		e->st.unmodelled++;
		if ((p = avt_proc__find(e, ev->pid)))
			p->taint |= AVT_TAINT_UNMODELLED;
		return 0;
	case AVT_EV_ALLOC: {
		const struct avt_ev_alloc *a = &ev->u.alloc;
		bool av = a->cache == AVT_CACHE_ANON_VMA;

		if (a->op == AVT_ALLOC)
			(*(av ? &e->st.truth_av_alloc : &e->st.truth_avc_alloc))++;
		/* every PREPARE allocates one AVC: a kernel PREPARE the
		 * engine did not run is a fault no event shows (gup writes:
		 * execve's argument copy, process_vm_writev, O_DIRECT) */
		if (a->op == AVT_ALLOC && !av && a->site == AVT_SITE_PREPARE &&
		    (p = avt_proc__find(e, ev->pid)))
			p->st.truth_prepares++;
		else if (a->op == AVT_FREE)
			(*(av ? &e->st.truth_av_free : &e->st.truth_avc_free))++;
		return 0;
	}
	case AVT_EV_STATS:
		if (ev->u.stats.kind == AVT_STATS_DROPS_CPU ||
		    ev->u.stats.kind == AVT_STATS_DROPS_TGID)
			e->st.trace_dropped += ev->u.stats.value;
		if (ev->u.stats.kind == AVT_STATS_DROPS_TGID && ev->u.stats.value &&
		    (p = avt_proc__find(e, ev->u.stats.key)))
			p->taint |= AVT_TAINT_DROPS;
		return 0;
	case AVT_EV_KSM:
		e->st.ksm_events++;	/* eager: the merged page's rmap item pin is not modelled */
		return 0;
	default:
		return 0;	/* alloc (kernel truth), ksm, stats, unknown */
	}
}

/* One event through the model (order.c may hold a fault back and replay
 * it later, around the fork it raced). */
static int dispatch_one(struct avt_engine *e, const struct avt_event *ev)
{
	int err;

	e->cur_ev = ev;
	e->cur = NULL;
	err = dispatch(e, ev);
	if (!err && e->scheme.ops->after_event)
		e->scheme.ops->after_event(&e->scheme, ev);
	return err;
}

int avt_engine__feed(struct avt_engine *e, const struct avt_event *ev)
{
	int err;

	e->nr_events++;
	/* fork windows: only once a clone_enter marker was seen */
	if (e->order || ev->type == AVT_EV_STATS)
		err = avt_order__feed(e, ev, dispatch_one);
	else
		err = dispatch_one(e, ev);
	e->cur_ev = NULL;
	e->cur = NULL;
	if (err) {
		snprintf(e->err, sizeof(e->err), "event %llu: %s",
			 (unsigned long long)e->nr_events, strerror(-err));
		return err;
	}
	if (e->check_invariants && !e->snap_active) {	/* a snapshot is one unit */
		err = avt_engine__check(e);
		if (err) {
			char why[200];

			snprintf(why, sizeof(why), "%.199s", e->err);
			snprintf(e->err, sizeof(e->err), "event %llu: %s",
				 (unsigned long long)e->nr_events, why);
		}
	}
	return err;
}

int avt_engine__check(struct avt_engine *e)
{
	return avt_invariants__check(e);
}

int avt_engine__finish(struct avt_engine *e)
{
	int err;

	if (e->finished)
		return 0;
	e->finished = true;
	err = avt_order__finish(e, dispatch_one);	/* faults still held back */
	e->cur_ev = NULL;
	e->cur = NULL;
	if (err) {
		snprintf(e->err, sizeof(e->err), "end of trace: %s", strerror(-err));
		return err;
	}
	avt_proc__snapshot_close(e);	/* a trace that ends inside a snapshot */
	avt_census__run(e);
	return 0;
}

int avt_engine__write_state(struct avt_engine *e, FILE *out)
{
	return avt_state__write(e, out);
}

void avt_engine__state_at_checkpoint(struct avt_engine *e, uint32_t n, FILE *out)
{
	e->state_cp = n;
	e->state_out = out;
	e->state_cp_set = true;
}

int avt_engine__report(struct avt_engine *e, FILE *out)
{
	return avt_report__write(e, out);
}

int avt_engine__metric(struct avt_engine *e, const char *name, double *val)
{
	return avt_report__metric(e, name, val);
}
