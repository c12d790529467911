// SPDX-License-Identifier: MIT
/*
 * The /proc snapshot source: start, checkpoint and end snapshots read from
 * /proc/PID/smaps in user space, for kernels without the open-coded
 * task_vma iterator (bpf_iter_task_vma_new, Linux >= 6.7) or when forced
 * with --snapshot-source=procfs (tests).
 *
 * What such a snapshot holds: VMA boundaries, the VmFlags line (every flag
 * verify tracks has a mnemonic there), dev and inode, and the offset of
 * file VMAs (maps prints 0 for anonymous ones, whose vm_pgoff is then not
 * known: start >> PAGE_SHIFT is written, see read_smaps). No anon_vma
 * facts: snap_begin says so with AVT_SNAP_PROCFS, and verify reports those
 * facts as not captured.
 *
 * Reading /proc is never one lock hold: seq_file drops the mmap lock
 * between read() calls, and since 6.17 /proc/PID/maps is walked under
 * per-VMA locks. The traced-process map's counters of modelled operations
 * (ops, inflight, kept by the BPF side) are read before and after: the
 * process changed its address space meanwhile -> lock_dropped; a call of
 * it was inside the kernel all along -> ambiguous; else complete.
 *
 * Exec and exit snapshots cannot be taken from user space at their moment
 * (the new image before it runs, the mm just before exit_mm): they are
 * skipped, counted per tgid, and a `stats kind=snap_skipped` record follows
 * the exec/exit event so replay knows the exec'd process has no seed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../bpf/record.h"
#include "cli/cli.h"
#include "engine/vmflags.h"
#include "record/recorder_int.h"
#include "record.skel.h"

#define USER_LIMIT (1ULL << 56)	/* above 5-level user space: the gate VMA */

int procfs__choose(struct recorder *r, char *why, size_t len)
{
	char kwhy[256] = "";
	int has;

	r->procfs = false;
	if (r->o->snap_source == RECORD_SNAP_PROCFS) {
		r->procfs = true;
		avt_warn("--snapshot-source=procfs: snapshots read from /proc/PID/smaps: no "
			 "anon_vma facts, exec and exit snapshots skipped");
		return 0;
	}
	has = record__has_task_vma_kfunc(kwhy, sizeof(kwhy));
	if (has < 0) {
		snprintf(why, len, "%s", kwhy);
		return has;
	}
	if (has)
		return 0;
	if (r->o->snap_source == RECORD_SNAP_ITER) {
		snprintf(why, len, "%s: exec/exit snapshots need it "
			 "(--snapshot-source=procfs reads /proc/PID/smaps instead)", kwhy);
		return -ENOTSUP;
	}
	r->procfs = true;
	avt_warn("%s: snapshots read from /proc/PID/smaps instead (no anon_vma facts, "
		 "exec and exit snapshots skipped)", kwhy);
	return 0;
}

/* VmFlags mnemonics of fs/proc/task_mmu.c (show_smap_vma_flags), 6.18 */
static const struct { char m[3]; uint64_t bit; } mnem[] = {
	{ "rd", VM_READ }, { "wr", VM_WRITE }, { "ex", VM_EXEC }, { "sh", VM_SHARED },
	{ "mr", VM_MAYREAD }, { "mw", VM_MAYWRITE }, { "me", VM_MAYEXEC },
	{ "ms", VM_MAYSHARE }, { "gd", VM_GROWSDOWN }, { "pf", VM_PFNMAP },
	{ "lo", VM_LOCKED }, { "io", VM_IO }, { "sr", VM_SEQ_READ },
	{ "rr", VM_RAND_READ }, { "dc", VM_DONTCOPY }, { "de", VM_DONTEXPAND },
	{ "lf", VM_LOCKONFAULT }, { "ac", VM_ACCOUNT }, { "nr", VM_NORESERVE },
	{ "ht", VM_HUGETLB }, { "sf", VM_SYNC }, { "ar", VM_ARCH_1 },
	{ "wf", VM_WIPEONFORK }, { "dd", VM_DONTDUMP }, { "sd", VM_SOFTDIRTY },
	{ "mm", VM_MIXEDMAP }, { "hg", VM_HUGEPAGE }, { "nh", VM_NOHUGEPAGE },
	{ "mg", VM_MERGEABLE }, { "um", VM_UFFD_MISSING }, { "uw", VM_UFFD_WP },
	{ "ui", VM_UFFD_MINOR }, { "sl", VM_SEALED }, { "dp", VM_DROPPABLE },
};

static uint64_t vmflags_parse(const char *s)
{
	uint64_t f = 0;

	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!s[0] || !s[1])
			break;
		for (size_t i = 0; i < sizeof(mnem) / sizeof(mnem[0]); i++)
			if (s[0] == mnem[i].m[0] && s[1] == mnem[i].m[1])
				f |= mnem[i].bit;
		while (*s && *s != ' ' && *s != '\n')
			s++;
	}
	return f;
}

struct pvmas {
	struct avt_ev_snap_vma *v;
	size_t n, cap;
};

static struct avt_ev_snap_vma *pvmas_add(struct pvmas *pv)
{
	if (pv->n == pv->cap) {
		size_t nc = pv->cap ? pv->cap * 2 : 64;
		struct avt_ev_snap_vma *nv = realloc(pv->v, nc * sizeof(*nv));

		if (!nv)
			return NULL;
		pv->v = nv;
		pv->cap = nc;
	}
	memset(&pv->v[pv->n], 0, sizeof(pv->v[0]));
	return &pv->v[pv->n++];
}

/* Parse /proc/PID/smaps: header lines and VmFlags. 0 or -errno. */
static int read_smaps(pid_t tgid, struct pvmas *pv)
{
	struct avt_ev_snap_vma *cur = NULL;
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)tgid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	errno = 0;
	while (getline(&line, &cap, f) > 0) {
		unsigned long long start, end, off, ino;
		unsigned maj, min;
		char perms[8];
		int n = 0;

		if (!strncmp(line, "VmFlags:", 8)) {
			if (cur)
				cur->flags = vmflags_parse(line + 8);
			continue;
		}
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &start, &end, perms, &off,
			   &maj, &min, &ino, &n) != 7)
			continue;	/* Size:, Rss:, ... */
		cur = NULL;
		if (start >= USER_LIMIT)
			continue;	/* [vsyscall]: not a VMA of the mm */
		cur = pvmas_add(pv);
		if (!cur) {
			err = -ENOMEM;
			break;
		}
		cur->start = start;
		cur->end = end;
		/* until VmFlags is read: what the permissions say */
		cur->flags = (perms[0] == 'r' ? VM_READ : 0) | (perms[1] == 'w' ? VM_WRITE : 0) |
			     (perms[2] == 'x' ? VM_EXEC : 0) | (perms[3] == 's' ? VM_MAYSHARE : 0);
		cur->dev = (uint64_t)maj << 20 | min;
		cur->ino = ino;
		/*
		 * show_map_vma prints vm_pgoff only for file VMAs. For an
		 * anonymous one write start >> PAGE_SHIFT, what the kernel gives
		 * a fresh anonymous mapping and keeps through merges and splits
		 * (not after mremap moves it, nor for the stack): the engine
		 * seeded from it then merges a neighbour as the kernel does.
		 * Verify never judges it (class not_captured).
		 */
		cur->pgoff = maj || min || ino ? off >> 12 : start >> 12;
	}
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	free(line);
	fclose(f);
	return err;
}

static void read_comm(pid_t tgid, char comm[AVT_COMM_LEN])
{
	char path[64];
	FILE *f;

	memset(comm, 0, AVT_COMM_LEN);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)tgid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, AVT_COMM_LEN, f))
		comm[strcspn(comm, "\n")] = 0;
	fclose(f);
}

/* the BPF side's counters of the traced process: false if not traced */
static bool target_counters(struct recorder *r, pid_t tgid, struct rec_target *t)
{
	__u32 key = (__u32)tgid;

	return !bpf_map__lookup_elem(r->skel->maps.targets, &key, sizeof(key), t, sizeof(*t), 0);
}

int procfs__snapshot(struct recorder *r, pid_t tgid, uint32_t kind, uint32_t ckpt)
{
	struct avt_event ev = { .type = AVT_EV_SNAP_BEGIN };
	struct pvmas pv = { 0 };
	struct rec_target t0, t1;
	bool h0, h1;
	uint64_t w0, w1;
	uint32_t status = AVT_SNAP_COMPLETE;
	int err;

	ring_buffer__consume(r->rb);	/* what happened before is written before */
	h0 = target_counters(r, tgid, &t0);
	w0 = recorder__now();
	err = read_smaps(tgid, &pv);
	w1 = recorder__now();
	h1 = target_counters(r, tgid, &t1);
	if (!err && !pv.n)
		err = -ESRCH;	/* no address space (exited meanwhile) */
	if (err)
		goto out;
	if (h0 && h1 && t0.ops != t1.ops)
		status = AVT_SNAP_LOCK_DROPPED;
	else if (h0 && h1 && (t0.inflight || t1.inflight))
		status = AVT_SNAP_AMBIGUOUS;

	ev.pid = ev.tid = (uint32_t)tgid;
	ev.u.snap_begin.kind = kind;
	ev.u.snap_begin.checkpoint = ckpt;
	ev.u.snap_begin.flags = AVT_SNAP_PROCFS;
	ev.u.snap_begin.start = 0;	/* task->start_time is not in /proc */
	read_comm(tgid, ev.u.snap_begin.comm);
	err = recorder__write(r, &ev);
	for (size_t i = 0; !err && i < pv.n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = AVT_EV_SNAP_VMA;
		ev.pid = ev.tid = (uint32_t)tgid;
		ev.u.snap_vma = pv.v[i];
		err = recorder__write(r, &ev);
	}
	if (err)
		goto out;
	memset(&ev, 0, sizeof(ev));
	ev.type = AVT_EV_SNAP_END;
	ev.pid = ev.tid = (uint32_t)tgid;
	ev.u.snap_end.kind = kind;
	ev.u.snap_end.checkpoint = ckpt;
	ev.u.snap_end.status = status;
	ev.u.snap_end.nr_vmas = (uint32_t)pv.n;
	ev.u.snap_end.window_start = w0;
	ev.u.snap_end.window_end = w1;
	err = recorder__write(r, &ev);
out:
	free(pv.v);
	return err;
}

void procfs__skipped(struct recorder *r, pid_t tgid)
{
	struct avt_event ev = { .type = AVT_EV_STATS };
	uint64_t count = snap_fail__count(&r->skips, &r->nr_skips, &r->cap_skips, tgid);

	if (!count)
		return;
	r->skipped++;
	ev.u.stats.kind = AVT_STATS_SNAP_SKIPPED;
	ev.u.stats.key = (uint32_t)tgid;
	ev.u.stats.value = count;
	recorder__write(r, &ev);
}
