// SPDX-License-Identifier: MIT
/*
 * Snapshots run from user space (at start, checkpoints and the end): the
 * iter/task_vma program is attached to one process at a time and read to
 * the end; it writes snap_begin / snap_vma... / snap_end into the same ring
 * buffer as every other event, so a snapshot lands in stream order. The
 * ring is drained before and after each process so a large snapshot does
 * not overflow it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../bpf/record.h"
#include "record/recorder_int.h"
#include "record.skel.h"

int snapshot__take(struct recorder *r, pid_t tgid, uint32_t kind, uint32_t ckpt)
{
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info linfo = {};
	struct bpf_link *link;
	char buf[256];
	int fd, err = 0;
	ssize_t n;

	if (r->procfs)
		return procfs__snapshot(r, tgid, kind, ckpt);
	ring_buffer__consume(r->rb);
	linfo.task.pid = tgid;
	opts.link_info = &linfo;
	opts.link_info_len = sizeof(linfo);
	r->skel->bss->iter_kind = kind;
	r->skel->bss->iter_ckpt = ckpt;
	r->skel->bss->iter_active = 0;
	r->skel->bss->iter_tgid = 0;
	r->skel->bss->iter_req_tgid = tgid;
	link = bpf_program__attach_iter(r->skel->progs.snap_iter, &opts);
	if (!link) {
		err = -errno;	/* ESRCH: the process is gone */
		r->skel->bss->iter_req_tgid = 0;
		goto count;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = -errno;
	close(fd);
out:
	bpf_link__destroy(link);
	r->skel->bss->iter_req_tgid = 0;
	ring_buffer__consume(r->rb);
	if (!err && r->skel->bss->iter_tgid != (__u32)tgid)
		err = -ESRCH;	/* no address space (exited, or a kernel thread) */
count:
	/* the iterator could not run (no snap_end says so): counted, and a
	 * start one retried, as a failed snapshot */
	if (err && err != -ESRCH)
		snapshot__failed(r, tgid, kind);
	return err;
}

#define SNAP_MAX_RETRIES 3	/* a start/exec snapshot is taken at most 1 + 3 times */

static int push_retry(struct recorder *r, pid_t tgid, uint32_t kind, uint32_t tries)
{
	if (r->nr_retry == r->cap_retry) {
		size_t nc = r->cap_retry ? r->cap_retry * 2 : 16;
		struct snap_retry *nv = realloc(r->retry, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		r->retry = nv;
		r->cap_retry = nc;
	}
	r->retry[r->nr_retry++] = (struct snap_retry){ .tgid = tgid, .kind = kind, .tries = tries };
	return 0;
}

uint64_t snap_fail__count(struct snap_fail **v, size_t *n, size_t *cap, pid_t tgid)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*v)[i].tgid == tgid)
			break;
	if (i == *n) {
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			struct snap_fail *nv = realloc(*v, nc * sizeof(*nv));

			if (!nv)
				return 0;
			*v = nv;
			*cap = nc;
		}
		(*v)[(*n)++] = (struct snap_fail){ .tgid = tgid };
	}
	return ++(*v)[i].count;
}

void snapshot__failed(struct recorder *r, pid_t tgid, uint32_t kind)
{
	if (!snap_fail__count(&r->fails, &r->nr_fails, &r->cap_fails, tgid))
		return;
	/* an exit snapshot cannot be taken again: the mm is gone; a
	 * checkpoint one is taken again by the next checkpoint */
	if (kind != AVT_SNAP_EXEC && kind != AVT_SNAP_START)
		return;
	if (r->retrying.tgid != tgid)
		push_retry(r, tgid, kind, 0);
	else if (r->retrying.tries < SNAP_MAX_RETRIES)	/* a retry failed too */
		push_retry(r, tgid, kind, r->retrying.tries);
}

/*
 * Retry failed exec/start snapshots now, from user space: the retry lands later
 * in the stream (its window says so) and re-seeds the process from there.
 * Only those queued before this call: one that fails again waits for the
 * next call (the next poll), not a loop here.
 */
void snapshot__retry_pending(struct recorder *r)
{
	size_t n = r->nr_retry;

	while (n--) {
		struct snap_retry q = r->retry[0];

		memmove(r->retry, r->retry + 1, --r->nr_retry * sizeof(*r->retry));
		/* what came before is not the retry (flags retry, convert.c) */
		ring_buffer__consume(r->rb);
		r->retrying = q;
		r->retrying.tries++;
		snapshot__take(r, q.tgid, q.kind, 0);
		r->retrying.tgid = 0;
	}
}

int snapshot__checkpoint(struct recorder *r)
{
	struct avt_event ev = { .type = AVT_EV_CHECKPOINT };
	pid_t *tg = NULL;
	int n, err;

	ring_buffer__consume(r->rb);
	ev.pid = ev.tid = 0;
	ev.u.checkpoint.n = ++r->checkpoints;
	err = recorder__write(r, &ev);
	if (err)
		return err;
	n = targets__list(r, &tg);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (tg[i] == getpid())
			continue;
		if (snapshot__take(r, tg[i], AVT_SNAP_CHECKPOINT, r->checkpoints) == -ESRCH)
			continue;	/* exited meanwhile: its exit snapshot stands */
	}
	free(tg);
	return stats__write(r, false);
}
