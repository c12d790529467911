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

/*
 * Size of the ring record of each event type converted below. A shorter
 * record (a BPF object out of step with this driver) is dropped whole:
 * never an event built from bytes past its end.
 */
static const size_t rec_size[AVT_EV__MAX_KNOWN] = {
	[AVT_EV_SYSCALL]    = sizeof(struct rec_syscall),
	[AVT_EV_FAULT]      = sizeof(struct rec_fault),
	[AVT_EV_FORK]       = sizeof(struct rec_fork),
	[AVT_EV_EXEC]       = sizeof(struct rec_exec),
	[AVT_EV_EXIT]       = sizeof(struct rec_exit),
	[AVT_EV_SNAP_BEGIN] = sizeof(struct rec_snap_begin),
	[AVT_EV_SNAP_VMA]   = sizeof(struct rec_snap_vma),
	[AVT_EV_SNAP_END]   = sizeof(struct rec_snap_end),
	[AVT_EV_ALLOC]      = sizeof(struct rec_alloc),
	[AVT_EV_UNMODELLED] = sizeof(struct rec_unmodelled),
	[AVT_EV_STATS]      = sizeof(struct rec_stats),
};

/* A fixed-size string of a record (comm, filename). BPF fills it with
 * *_str reads, terminated when they succeed; the event's copy is
 * terminated whatever came (a failed read, an older BPF object). */
static void take_str(char *dst, const char *src, size_t len)
{
	memcpy(dst, src, len);
	dst[len - 1] = 0;
}

/*
 * Most record fields reach the event body unchanged and under the same
 * name (bpf/record.h mirrors event.h): TAKE(body, field) copies one from
 * the case's record `rec` into ev.u.body. Whatever is not a TAKE is a
 * real conversion: kernel pointers hashed, kernel ips dropped, counts
 * clamped.
 */
#define TAKE(body, field) (ev.u.body.field = rec->field)
#define TAKE_STR(body, field) take_str(ev.u.body.field, rec->field, sizeof(ev.u.body.field))

int recorder__on_record(void *ctx, void *data, size_t size)
{
	struct recorder *r = ctx;
	const struct rec_hdr *h = data;
	struct avt_event ev;

	if (size < sizeof(*h))
		return 0;
	r->events++;
	if (h->type < AVT_EV__MAX_KNOWN && size < rec_size[h->type])
		return 0;
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
		const struct rec_syscall *rec = data;

		TAKE(sys, sys);
		TAKE(sys, flags);
		memcpy(ev.u.sys.args, rec->args, sizeof(rec->args));
		TAKE(sys, ret);
		TAKE(sys, dev);
		TAKE(sys, ino);
		TAKE(sys, vm_flags);
		sysorder__syscall(r, &ev, rec->placed);
		return 0;
	}
	case AVT_EV_FAULT: {
		const struct rec_fault *rec = data;

		TAKE(fault, addr);
		/* A kernel-mode fault's ip is a kernel text address: kernel
		 * pointers never reach a trace file, so keep only user ips. */
		ev.u.fault.ip = (rec->flags & AVT_FAULT_KERNEL) || rec->ip >= 0xffff800000000000ull ?
				0 : rec->ip;
		TAKE(fault, flags);
		TAKE(fault, error_code);
		break;
	}
	case AVT_EV_FORK: {
		const struct rec_fork *rec = data;

		TAKE(fork, child_pid);
		TAKE(fork, child_tid);
		TAKE(fork, flags);
		TAKE(fork, clone_flags);
		TAKE(fork, child_start);
		TAKE_STR(fork, comm);
		break;
	}
	case AVT_EV_EXEC: {
		const struct rec_exec *rec = data;

		TAKE(exec, old_tid);
		TAKE(exec, start);
		TAKE_STR(exec, comm);
		TAKE_STR(exec, filename);
		break;
	}
	case AVT_EV_EXIT: {
		const struct rec_exit *rec = data;

		TAKE(exit, code);
		TAKE(exit, group_dead);
		break;
	}
	case AVT_EV_SNAP_BEGIN: {
		const struct rec_snap_begin *rec = data;

		TAKE(snap_begin, kind);
		TAKE(snap_begin, checkpoint);
		TAKE(snap_begin, flags);
		if (r->retrying.tgid && r->retrying.tgid == (pid_t)h->pid)
			ev.u.snap_begin.flags |= AVT_SNAP_RETRY;
		TAKE(snap_begin, start);
		TAKE_STR(snap_begin, comm);
		break;
	}
	case AVT_EV_SNAP_VMA: {
		const struct rec_snap_vma *rec = data;

		TAKE(snap_vma, start);
		TAKE(snap_vma, end);
		TAKE(snap_vma, flags);
		TAKE(snap_vma, pgoff);
		TAKE(snap_vma, dev);
		TAKE(snap_vma, ino);
		ev.u.snap_vma.av = idhash__id(&r->ids, rec->av);
		ev.u.snap_vma.root = idhash__id(&r->ids, rec->root);
		ev.u.snap_vma.parent = idhash__id(&r->ids, rec->parent);
		TAKE(snap_vma, num_children);
		TAKE(snap_vma, num_active);
		TAKE(snap_vma, nr_avcs);
		ev.u.snap_vma.nr_avc_ids = rec->nr_avc_ids <= AVT_SNAP_MAX_AVC ?
					   rec->nr_avc_ids : AVT_SNAP_MAX_AVC;
		for (uint32_t i = 0; i < ev.u.snap_vma.nr_avc_ids; i++)
			ev.u.snap_vma.avc_av[i] = idhash__id(&r->ids, rec->avc_av[i]);
		break;
	}
	case AVT_EV_SNAP_END: {
		const struct rec_snap_end *rec = data;

		TAKE(snap_end, kind);
		TAKE(snap_end, checkpoint);
		TAKE(snap_end, status);
		TAKE(snap_end, nr_vmas);
		TAKE(snap_end, window_start);
		ev.u.snap_end.window_end = h->ts;
		if (rec->status == AVT_SNAP_FAILED || rec->status == AVT_SNAP_BUSY)
			snapshot__failed(r, h->pid, rec->kind);
		break;
	}
	case AVT_EV_ALLOC: {
		const struct rec_alloc *rec = data;

		TAKE(alloc, cache);
		TAKE(alloc, op);
		TAKE(alloc, site);
		ev.u.alloc.id = idhash__id(&r->ids, rec->ptr);
		break;
	}
	case AVT_EV_UNMODELLED: {
		const struct rec_unmodelled *rec = data;

		TAKE(unmodelled, raw_nr);
		TAKE(unmodelled, map_count_delta);
		TAKE(unmodelled, seq_before);
		TAKE(unmodelled, seq_after);
		break;
	}
	case AVT_EV_STATS: {
		const struct rec_stats *rec = data;

		TAKE(stats, kind);
		TAKE(stats, key);
		TAKE(stats, value);
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
