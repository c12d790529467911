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

	ring_buffer__consume(r->rb);
	linfo.task.pid = tgid;
	opts.link_info = &linfo;
	opts.link_info_len = sizeof(linfo);
	r->skel->bss->iter_kind = kind;
	r->skel->bss->iter_ckpt = ckpt;
	r->skel->bss->iter_active = 0;
	r->skel->bss->iter_tgid = 0;
	link = bpf_program__attach_iter(r->skel->progs.snap_iter, &opts);
	if (!link)
		return -errno;	/* ESRCH: the process is gone */
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
	ring_buffer__consume(r->rb);
	if (!err && r->skel->bss->iter_tgid != (__u32)tgid)
		err = -ESRCH;	/* no address space (exited, or a kernel thread) */
	return err;
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
