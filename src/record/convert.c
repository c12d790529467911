// SPDX-License-Identifier: MIT
/*
 * Ring buffer records (bpf/record.h) -> struct avt_event. Kernel pointers
 * are replaced by keyed-hash ids here, the only place they are seen.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "../../bpf/record.h"
#include "record/recorder_int.h"

uint64_t recorder__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int recorder__emit(struct recorder *r, const struct avt_event *ev)
{
	int err;

	if (r->capture_tgid && passive__hold(r, ev))
		return 0;
	if (r->collect_roots && ev->type == AVT_EV_SNAP_VMA)
		passive__note_root(r, ev->u.snap_vma.root);

	if (ev->type < AVT_EV__MAX_KNOWN)
		r->by_type[ev->type]++;
	if (ev->ts > r->last_ts)
		r->last_ts = ev->ts;
	err = avt_writer__write(r->w, ev);
	if (err && !r->write_err)
		r->write_err = err;
	return err;
}

int recorder__write(struct recorder *r, struct avt_event *ev)
{
	uint64_t now = recorder__now();

	ev->ts = now > r->last_ts ? now : r->last_ts;
	return sysorder__push(r, ev);
}

#define NEED(type) do { if (size < sizeof(type)) return 0; } while (0)

int recorder__on_record(void *ctx, void *data, size_t size)
{
	struct recorder *r = ctx;
	const struct rec_hdr *h = data;
	struct avt_event ev;

	if (size < sizeof(*h))
		return 0;
	r->events++;
	memset(&ev, 0, sizeof(ev));
	ev.type = h->type;
	ev.cpu = h->cpu;
	ev.pid = h->pid;
	ev.tid = h->tid;
	ev.ts = h->ts;

	switch (h->type) {
	case REC_SYS_PLACE:	/* where h->tid's call in flight took effect */
		sysorder__place(r, h->pid, h->tid, h->ts);
		return 0;
	case AVT_EV_SYSCALL: {
		const struct rec_syscall *s = data;

		NEED(*s);
		ev.u.sys.sys = s->sys;
		ev.u.sys.flags = s->flags;
		memcpy(ev.u.sys.args, s->args, sizeof(s->args));
		ev.u.sys.ret = s->ret;
		ev.u.sys.dev = s->dev;
		ev.u.sys.ino = s->ino;
		sysorder__syscall(r, &ev, s->placed);
		return 0;
	}
	case AVT_EV_FAULT: {
		const struct rec_fault *f = data;

		NEED(*f);
		ev.u.fault.addr = f->addr;
		/* A kernel-mode fault's ip is a kernel text address: kernel
		 * pointers never reach a trace file, so keep only user ips. */
		ev.u.fault.ip = (f->flags & AVT_FAULT_KERNEL) || f->ip >= 0xffff800000000000ull ? 0 : f->ip;
		ev.u.fault.flags = f->flags;
		ev.u.fault.error_code = f->error_code;
		break;
	}
	case AVT_EV_FORK: {
		const struct rec_fork *f = data;

		NEED(*f);
		ev.u.fork.child_pid = f->child_pid;
		ev.u.fork.child_tid = f->child_tid;
		ev.u.fork.flags = f->flags;
		ev.u.fork.clone_flags = f->clone_flags;
		ev.u.fork.child_start = f->child_start;
		memcpy(ev.u.fork.comm, f->comm, AVT_COMM_LEN);
		ev.u.fork.comm[AVT_COMM_LEN - 1] = 0;
		break;
	}
	case AVT_EV_EXEC: {
		const struct rec_exec *e = data;

		NEED(*e);
		ev.u.exec.old_tid = e->old_tid;
		ev.u.exec.start = e->start;
		memcpy(ev.u.exec.comm, e->comm, AVT_COMM_LEN);
		ev.u.exec.comm[AVT_COMM_LEN - 1] = 0;
		memcpy(ev.u.exec.filename, e->filename, AVT_PATH_LEN);
		ev.u.exec.filename[AVT_PATH_LEN - 1] = 0;
		break;
	}
	case AVT_EV_EXIT: {
		const struct rec_exit *e = data;

		NEED(*e);
		ev.u.exit.code = e->code;
		ev.u.exit.group_dead = e->group_dead;
		break;
	}
	case AVT_EV_SNAP_BEGIN: {
		const struct rec_snap_begin *b = data;

		NEED(*b);
		ev.u.snap_begin.kind = b->kind;
		ev.u.snap_begin.checkpoint = b->checkpoint;
		ev.u.snap_begin.flags = b->flags;
		ev.u.snap_begin.start = b->start;
		memcpy(ev.u.snap_begin.comm, b->comm, AVT_COMM_LEN);
		ev.u.snap_begin.comm[AVT_COMM_LEN - 1] = 0;
		break;
	}
	case AVT_EV_SNAP_VMA: {
		const struct rec_snap_vma *v = data;

		NEED(*v);
		ev.u.snap_vma.start = v->start;
		ev.u.snap_vma.end = v->end;
		ev.u.snap_vma.flags = v->flags;
		ev.u.snap_vma.pgoff = v->pgoff;
		ev.u.snap_vma.dev = v->dev;
		ev.u.snap_vma.ino = v->ino;
		ev.u.snap_vma.av = idhash__id(&r->ids, v->av);
		ev.u.snap_vma.root = idhash__id(&r->ids, v->root);
		ev.u.snap_vma.parent = idhash__id(&r->ids, v->parent);
		ev.u.snap_vma.num_children = v->num_children;
		ev.u.snap_vma.num_active = v->num_active;
		ev.u.snap_vma.nr_avcs = v->nr_avcs;
		ev.u.snap_vma.nr_avc_ids = v->nr_avc_ids <= AVT_SNAP_MAX_AVC ?
					   v->nr_avc_ids : AVT_SNAP_MAX_AVC;
		for (uint32_t i = 0; i < ev.u.snap_vma.nr_avc_ids; i++)
			ev.u.snap_vma.avc_av[i] = idhash__id(&r->ids, v->avc_av[i]);
		break;
	}
	case AVT_EV_SNAP_END: {
		const struct rec_snap_end *e = data;

		NEED(*e);
		ev.u.snap_end.kind = e->kind;
		ev.u.snap_end.checkpoint = e->checkpoint;
		ev.u.snap_end.status = e->status;
		ev.u.snap_end.nr_vmas = e->nr_vmas;
		ev.u.snap_end.window_start = e->window_start;
		ev.u.snap_end.window_end = h->ts;
		if (e->status == AVT_SNAP_FAILED || e->status == AVT_SNAP_BUSY)
			snapshot__failed(r, h->pid, e->kind);
		break;
	}
	case AVT_EV_ALLOC: {
		const struct rec_alloc *a = data;

		NEED(*a);
		ev.u.alloc.cache = a->cache;
		ev.u.alloc.op = a->op;
		ev.u.alloc.site = a->site;
		ev.u.alloc.id = idhash__id(&r->ids, a->ptr);
		break;
	}
	case AVT_EV_UNMODELLED: {
		const struct rec_unmodelled *u = data;

		NEED(*u);
		ev.u.unmodelled.raw_nr = u->raw_nr;
		ev.u.unmodelled.map_count_delta = u->map_count_delta;
		ev.u.unmodelled.seq_before = u->seq_before;
		ev.u.unmodelled.seq_after = u->seq_after;
		break;
	}
	case AVT_EV_STATS: {
		const struct rec_stats *st = data;

		NEED(*st);
		ev.u.stats.kind = st->kind;
		ev.u.stats.key = st->key;
		ev.u.stats.value = st->value;
		break;
	}
	default:
		return 0;	/* not ours: never write what we cannot vouch for */
	}
	/* a write error is remembered and reported once; keep draining */
	sysorder__push(r, &ev);
	/* a thread that died inside a call never reaches sys_exit */
	if (h->type == AVT_EV_EXIT)
		sysorder__forget(r, h->tid);
	/* the /proc source takes no exec or exit snapshot: say so right after */
	if (r->procfs && (h->type == AVT_EV_EXEC || (h->type == AVT_EV_EXIT && ev.u.exit.group_dead)))
		procfs__skipped(r, (pid_t)h->pid);
	return 0;
}
