// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * avtrace record: the in-kernel half of the collector.
 *
 * Everything here is tp_btf (or an iter/task_vma program run from user
 * space): fentry and kprobes do not load on the machines this is built for
 * (docs: /work/shared/design/platform.md). Records go to one ring buffer,
 * which keeps fork/exec/exit order across CPUs; a failed reserve is counted
 * per CPU and per tgid so the trace says what it lost.
 *
 * Filtering is done here, not in user space: a hash of traced tgids (fork
 * adds the child of a traced parent), or every task (-a), or a cgroup (-c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "record.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* ---- configuration, set by the driver before load ------------------------ */
const volatile bool trace_all = false;		/* -a */
const volatile bool filter_cg = false;		/* -c */
const volatile bool fault_filter = true;	/* drop repeated faults on a page */
const volatile bool record_alloc = true;	/* anon_vma / AVC allocation truth */
const volatile bool drop_exec_faults = true;	/* see execing */
const volatile __u32 self_tgid = 0;		/* never trace the recorder */
const volatile __u64 wakeup_bytes = 1 << 20;	/* wake the consumer past this fill */
/* exec/exit (and -a/-c first-event) snapshots with the open-coded task_vma
 * iterator; false: the driver reads /proc/PID/smaps instead and those
 * snapshots are not taken (the kfunc calls are then dead code) */
const volatile bool snap_kfunc = true;
/* TEST ONLY (env AVT_TEST_SNAP_FAIL, see struct rec_snap_inject): snapshots
 * made to fail or come out busy; snap_seen counts snapshots begun per kind
 * (not atomically: two snapshots of one kind at once may share a number) */
const volatile struct rec_snap_inject snap_inject[REC_MAX_INJECT] = {};
const volatile __u32 nr_snap_inject = 0;
__u32 snap_seen[8] = {};

/* Allocation call sites (function ranges from /proc/kallsyms), set before load. */
const volatile struct rec_site sites[REC_MAX_SITES] = {};
const volatile __u32 nr_sites = 0;

/* Emit events only between the driver's "all attached" and "stopping":
 * programs attach one by one, and a half-attached set would record, say,
 * allocations without the syscalls that explain them. */
__u32 enabled = 0;
/* iter/task_vma run parameters (bss: written by the driver before each run). */
__u32 iter_kind = 0, iter_ckpt = 0;
/* iter state: the driver runs one iterator at a time. */
__u32 iter_active = 0, iter_n = 0;
__u64 iter_t0 = 0;
__u32 iter_tgid = 0, iter_status = 0;
__u64 iter_seq0 = 0, iter_ops0 = 0;
__u64 exit_snaps_skipped = 0;	/* exit snapshots left to a checkpoint run */
/* set by the driver around each iter/task_vma run: the iterator may hold a
 * reference to that process's mm (get_task_mm, before our program runs) */
__u32 iter_req_tgid = 0;

/* ---- maps -------------------------------------------------------------- */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);		/* resized by -b */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);			/* tgid */
	__type(value, struct rec_target);
} targets SEC(".maps");

/* Syscall in flight, per thread: args at entry, completed at exit. */
struct pending {
	__u16 sys;		/* enum avt_sys, 0 = not modelled */
	__u16 flags;		/* AVT_SYSF_FILE */
	__u32 raw_nr;
	__u64 args[6];
	__u64 dev, ino;
	__u64 clone_flags;
	__u64 seq, ops;		/* unmodelled check */
	__s32 map_count;
	__u32 nr_iov;
	__u64 iov[REC_MAX_IOV][2];
	__u8 check;		/* compare map_count/seq at exit */
	__u8 counted;		/* counted in the target's inflight */
	__u8 overlap;		/* another counted call was in flight at entry */
	__u64 calls;		/* target's calls after our entry */
	__u64 placed;		/* ts of our REC_SYS_PLACE record */
	__u8 pinned;		/* placed at a write-lock release: final */
	__u64 vm_flags;		/* AVT_SYSF_VMFLAGS: read back at sys_exit */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);			/* tid */
	__type(value, struct pending);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pending);
} scratch SEC(".maps");

/* Fault filter: last generation a page was seen in, per process. */
struct fault_key {
	__u32 tgid, pad;
	__u64 page;
};
struct fault_val {
	__u32 gen;
	__u32 seen;		/* bit 0 read, bit 1 write */
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct fault_key);
	__type(value, struct fault_val);
} faults_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} drops_tgid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} filtered_cpu SEC(".maps");

/*
 * execve in flight, per thread: the mm at its entry. exec_mmap switches the
 * task to the new mm well before sched_process_exec; kernel-mode faults
 * taken after that (the ELF's bss cleared by padzero, create_elf_tables on
 * the new stack) belong to the new image, which the exec snapshot shows
 * whole. Written before the exec event they would be replayed on the old
 * mm -- for a vfork child, its parent's. They are dropped and counted.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);			/* tid */
	__type(value, __u64);			/* current->mm at execve entry */
} execing SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} exec_faults_cpu SEC(".maps");

/* mm of each traced process whose group died, until exit_mmap tears it down */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);			/* mm */
	__type(value, __u32);			/* tgid */
} exiting_mm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_map SEC(".maps");

/* ---- open-coded task_vma iterator (kernel >= 6.7) ----------------------- */
extern int bpf_iter_task_vma_new(struct bpf_iter_task_vma *it,
				 struct task_struct *task, __u64 addr) __weak __ksym;
extern struct vm_area_struct *bpf_iter_task_vma_next(struct bpf_iter_task_vma *it) __weak __ksym;
extern void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma *it) __weak __ksym;

/* ---- helpers ------------------------------------------------------------- */
static __always_inline void count_drop(__u32 tgid)
{
	__u32 zero = 0;
	__u64 *c, one = 1;

	c = bpf_map_lookup_elem(&drops_cpu, &zero);
	if (c)
		*c += 1;
	c = bpf_map_lookup_elem(&drops_tgid, &tgid);
	if (c)
		__sync_fetch_and_add(c, 1);
	else
		bpf_map_update_elem(&drops_tgid, &tgid, &one, BPF_NOEXIST);
}

static __always_inline void *reserve(__u64 size, __u32 tgid)
{
	void *p = bpf_ringbuf_reserve(&events, size, 0);

	if (!p)
		count_drop(tgid);
	return p;
}

/*
 * Wake the consumer only when the ring is filling up: a wakeup per record
 * costs a context switch per event; the driver polls every 100 ms anyway.
 */
__u64 ring_hwm = 0;	/* most bytes seen waiting in the ring (racy max: a hint) */

static __always_inline void submit(void *r)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	if (avail > ring_hwm)
		ring_hwm = avail;
	bpf_ringbuf_submit(r, avail >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline void fill_hdr(struct rec_hdr *h, __u16 type, __u32 tgid, __u32 tid)
{
	h->type = type;
	h->cpu = bpf_get_smp_processor_id();
	h->pid = tgid;
	h->tid = tid;
	h->ts = bpf_ktime_get_ns();
}

/*
 * The traced-process entry of tgid (the current task's), or NULL when it is
 * not traced. Under -a or -c a process not seen yet is added here, but only
 * where the caller can snapshot it right away (added != NULL; it sets
 * *added): a process met mid-life needs its address space as a base.
 * Fault and allocation handlers pass NULL: the process joins at its next
 * syscall.
 */
static __always_inline struct rec_target *target_of(__u32 tgid, bool *added)
{
	struct rec_target *t, zero = {};

	if (tgid == self_tgid)
		return NULL;
	t = bpf_map_lookup_elem(&targets, &tgid);
	if (t && t->exiting) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();

		if (BPF_CORE_READ(task, group_leader, start_time) == t->exit_start)
			return t;	/* its own teardown (exit_mmap's frees) */
		/* a new process with the pid of one still being torn down */
		if (!added)
			return NULL;
		bpf_map_delete_elem(&targets, &tgid);
		t = NULL;
	}
	if (t || !added)
		return t;
	if (trace_all || (filter_cg && bpf_current_task_under_cgroup(&cgroup_map, 0) == 1)) {
		*added = bpf_map_update_elem(&targets, &tgid, &zero, BPF_NOEXIST) == 0;
		return bpf_map_lookup_elem(&targets, &tgid);
	}
	return NULL;
}

static __always_inline void file_identity(struct file *file, __u64 *dev, __u64 *ino)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);

	*ino = BPF_CORE_READ(inode, i_ino);
	*dev = BPF_CORE_READ(inode, i_sb, s_dev);	/* kernel dev_t: major << 20 | minor */
}

/* File systems whose regular files' ->mmap set VMA flags (uapi magic.h) */
static __always_inline bool special_fs(unsigned long magic)
{
	return magic == 0x958458f6 /* HUGETLBFS_MAGIC */ ||
	       magic == 0x62656572 /* SYSFS_MAGIC */ ||
	       magic == 0x9fa0 /* PROC_SUPER_MAGIC */;
}

/* The struct file behind fd in the current task's table, or NULL. */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;
	unsigned int max;

	if (fd < 0)
		return NULL;
	max = BPF_CORE_READ(fdt, max_fds);
	if ((unsigned int)fd >= max)
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline __u64 mm_seq(struct mm_struct *mm)
{
	if (bpf_core_field_exists(mm->mm_lock_seq))
		return BPF_CORE_READ(mm, mm_lock_seq.sequence);
	return 0;
}

/* ---- snapshots ----------------------------------------------------------- */
struct avc_walk {
	__u64 head, pos;
	__u32 n;
	__u64 ids[AVT_SNAP_MAX_AVC];
};

/* One AVC of a VMA's chain per call; 1 stops the loop at the head. */
static long avc_step(__u32 i, void *ctx)
{
	struct avc_walk *w = ctx;
	struct anon_vma_chain *avc;
	struct list_head *pos = (struct list_head *)w->pos;
	__u64 av;

	if (!pos || w->pos == w->head)
		return 1;
	avc = (void *)((__u64)pos - bpf_core_field_offset(struct anon_vma_chain, same_vma));
	av = (__u64)BPF_CORE_READ(avc, anon_vma);
	/* index by i (unknown to the verifier), not a counter it would track
	 * exactly: the callback then verifies once instead of per value */
	if (i < AVT_SNAP_MAX_AVC)
		w->ids[i & (AVT_SNAP_MAX_AVC - 1)] = av;
	w->n = i + 1;
	w->pos = (__u64)BPF_CORE_READ(pos, next);
	return 0;
}

/* Emit one VMA. Returns 0, or -1 when the ring buffer was full. */
static __always_inline int emit_vma(struct vm_area_struct *vma, __u32 tgid, __u32 tid)
{
	struct rec_snap_vma *r;
	struct anon_vma *av;
	struct file *file;
	struct avc_walk w = {};
	struct list_head *first;
	__u32 n;

	r = reserve(sizeof(*r), tgid);
	if (!r)
		return -1;
	__builtin_memset(r, 0, sizeof(*r));
	fill_hdr(&r->h, AVT_EV_SNAP_VMA, tgid, tid);
	r->start = BPF_CORE_READ(vma, vm_start);
	r->end = BPF_CORE_READ(vma, vm_end);
	r->flags = BPF_CORE_READ(vma, vm_flags);
	r->pgoff = BPF_CORE_READ(vma, vm_pgoff);
	file = BPF_CORE_READ(vma, vm_file);
	if (file)
		file_identity(file, &r->dev, &r->ino);
	av = BPF_CORE_READ(vma, anon_vma);
	if (av) {
		r->av = (__u64)av;
		r->root = (__u64)BPF_CORE_READ(av, root);
		r->parent = (__u64)BPF_CORE_READ(av, parent);
		r->num_children = BPF_CORE_READ(av, num_children);
		r->num_active = BPF_CORE_READ(av, num_active_vmas);
	}
	/*
	 * Walk vma->anon_vma_chain (same_vma links), head first. The list
	 * head's address is taken from the first node's prev link, not from
	 * &vma->anon_vma_chain: the open-coded iterator may hand out a copy
	 * of the VMA, whose embedded head is not on the list. bpf_loop keeps
	 * the verifier's cost independent of the walk's bound.
	 */
	/* (locals: a struct field inside BPF_CORE_READ would be relocated) */
	first = BPF_CORE_READ(vma, anon_vma_chain.next);
	w.pos = (__u64)first;
	w.head = first ? (__u64)BPF_CORE_READ(first, prev) : 0;
	w.n = 0;
	bpf_loop(REC_MAX_AVC_WALK, avc_step, &w, 0);
	for (int i = 0; i < AVT_SNAP_MAX_AVC; i++)
		r->avc_av[i] = w.ids[i];
	n = w.n;
	r->nr_avcs = n;
	r->nr_avc_ids = n < AVT_SNAP_MAX_AVC ? n : AVT_SNAP_MAX_AVC;
	submit(r);
	return 0;
}

static __always_inline void emit_snap_begin(struct task_struct *task, __u32 kind, __u32 ckpt,
					    __u32 tgid, __u32 tid)
{
	struct rec_snap_begin *r = reserve(sizeof(*r), tgid);

	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	fill_hdr(&r->h, AVT_EV_SNAP_BEGIN, tgid, tid);
	r->kind = kind;
	r->checkpoint = ckpt;
	r->start = BPF_CORE_READ(task, group_leader, start_time);
	BPF_CORE_READ_STR_INTO(&r->comm, task, comm);
	submit(r);
}

static __always_inline void emit_snap_end(__u32 kind, __u32 ckpt, __u32 status, __u32 n,
					  __u64 t0, __u32 tgid, __u32 tid, __u16 type)
{
	struct rec_snap_end *r = reserve(sizeof(*r), tgid);

	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	fill_hdr(&r->h, type, tgid, tid);
	r->kind = kind;
	r->checkpoint = ckpt;
	r->status = status;
	r->nr_vmas = n;
	r->window_start = t0;
	if (status == AVT_SNAP_BUSY || status == AVT_SNAP_FAILED)
		bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);	/* retried at once */
	else
		submit(r);
}

/* TEST ONLY: the status injected for this snapshot of a kind, or 0 (none) */
static __always_inline __u32 snap_injected(__u32 kind)
{
	__u32 nth;

	if (!nr_snap_inject)
		return 0;
	nth = ++snap_seen[kind & 7];
	for (__u32 i = 0; i < REC_MAX_INJECT && i < nr_snap_inject; i++)
		if (snap_inject[i].kind == kind && snap_inject[i].nth == nth)
			return snap_inject[i].status;
	return 0;
}

/*
 * Snapshot a task's address space with the open-coded iterator.
 *
 * What the kernel does (kernel/bpf/task_iter.c): up to 6.18.32 and 7.0.9,
 * _new takes mmap_read_trylock (-EBUSY when a writer holds or waits for
 * the lock) and the walk runs under that one hold. From 6.18.33 / 7.0.10
 * (upstream bee9ef4a40a2 and 4cbee026db54, this machine's 6.18.44) no mmap
 * lock is taken: _new only trylocks task->alloc_lock to take an mm
 * reference (-EBUSY if contended, or if irqs are off), and each _next finds
 * the next VMA by an RCU walk and read-locks that one VMA
 * (lock_vma_under_rcu); a VMA it cannot lock -- write-locked by a writer
 * holding the mmap write lock, or being removed -- is silently skipped, and
 * the program gets a copy of the VMA taken under its lock. So a walk is one
 * consistent view only if no mmap writer ran during it: the mm's write
 * sequence (odd while write-locked) is even at the start and unchanged at
 * the end. Otherwise VMAs may be missing or from different moments:
 * lock_dropped. -EBUSY: busy (nothing taken; the driver retries a start or
 * exec snapshot from user space).
 */
static __always_inline void snap_task(struct task_struct *task, __u32 kind, __u32 tgid, __u32 tid)
{
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	__u32 n = 0, status = AVT_SNAP_COMPLETE;
	__u64 t0 = bpf_ktime_get_ns(), seq0;
	__u32 inj;
	int err;

	if (!snap_kfunc)
		return;		/* /proc source: the driver counts what is skipped */
	mm = BPF_CORE_READ(task, mm);
	seq0 = mm ? mm_seq(mm) : 0;
	emit_snap_begin(task, kind, 0, tgid, tid);
	err = bpf_iter_task_vma_new(&it, task, 0);
	inj = snap_injected(kind);	/* test only: as if _new had failed */
	if (inj)
		err = inj == AVT_SNAP_BUSY ? -16 : -12;
	if (err == -16 /* EBUSY */) {
		status = AVT_SNAP_BUSY;
	} else if (err) {
		status = AVT_SNAP_FAILED;	/* no mm, no memory */
	} else {
		while ((vma = bpf_iter_task_vma_next(&it))) {
			if (emit_vma(vma, tgid, tid))
				status = AVT_SNAP_PARTIAL;
			n++;
		}
		if (status == AVT_SNAP_COMPLETE && mm && ((seq0 & 1) || mm_seq(mm) != seq0))
			status = AVT_SNAP_LOCK_DROPPED;
	}
	bpf_iter_task_vma_destroy(&it);
	emit_snap_end(kind, 0, status, n, t0, tgid, tid, AVT_EV_SNAP_END);
}

/* Snapshots at start and at checkpoints: run from user space, one tgid per run. */
SEC("iter/task_vma")
int snap_iter(struct bpf_iter__task_vma *ctx)
{
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;
	struct rec_target *t;
	__u32 tgid;

	if (!task || !vma) {
		if (iter_active)
			emit_snap_end(iter_kind, iter_ckpt, iter_status, iter_n, iter_t0,
				      iter_tgid, iter_tgid, AVT_EV_SNAP_END);
		iter_active = 0;
		return 0;
	}
	tgid = task->tgid;
	t = bpf_map_lookup_elem(&targets, &tgid);
	if (!iter_active) {
		/*
		 * One snapshot of a process at a time in the stream (snap_vma
		 * records do not say which snapshot they belong to): a process
		 * already exiting takes its own exit snapshot, so skip it
		 * (the driver sees -ESRCH). Checked before this run becomes
		 * visible to sched_process_exit, which skips its snapshot
		 * while a run of its tgid is under way (and does not count the
		 * run's reference to the mm as another user): one of the two
		 * always snapshots, and they cannot interleave unless the exit
		 * path runs whole between the two instructions below.
		 */
		if (task->flags & 0x4 /* PF_EXITING */)
			return 0;
		iter_tgid = tgid;
		iter_active = 1;
		iter_n = 0;
		iter_status = snap_injected(iter_kind) ?: AVT_SNAP_COMPLETE;
		iter_t0 = bpf_ktime_get_ns();
		iter_seq0 = mm_seq(BPF_CORE_READ(vma, vm_mm));
		iter_ops0 = t ? t->ops : 0;
		emit_snap_begin(task, iter_kind, iter_ckpt, iter_tgid, iter_tgid);
		if (iter_status != AVT_SNAP_COMPLETE)
			return 0;	/* injected (test only): no VMA taken */
	} else if (iter_status == AVT_SNAP_FAILED || iter_status == AVT_SNAP_BUSY) {
		return 0;	/* injected (test only): no VMA taken */
	} else if (mm_seq(BPF_CORE_READ(vma, vm_mm)) != iter_seq0 &&
		   iter_status != AVT_SNAP_PARTIAL) {
		/*
		 * task_vma_seq_get_next holds mmap_read_lock across the walk
		 * but lets go of it when mmap_lock_is_contended() (a writer
		 * waits), relocks and finds its place again with find_vma:
		 * the writer changed the address space meanwhile, so the VMAs
		 * before and after are from different moments.
		 */
		iter_status = AVT_SNAP_LOCK_DROPPED;
	}
	/*
	 * A modelled call in flight (its event comes at sys_exit, possibly
	 * after this snapshot although its change is already in it) or one
	 * that started or ended meanwhile, or a recorded fault meanwhile: the
	 * snapshot's place in the stream is ambiguous.
	 */
	if (t && (t->inflight || t->ops != iter_ops0) && iter_status == AVT_SNAP_COMPLETE)
		iter_status = AVT_SNAP_AMBIGUOUS;
	if (emit_vma(vma, iter_tgid, iter_tgid))
		iter_status = AVT_SNAP_PARTIAL;	/* records lost: worst */
	iter_n++;
	return 0;
}

/* ---- syscalls ------------------------------------------------------------ */
#define USER_ADDR_LIMIT 0x0100000000000000ULL	/* above 5-level user space */
#define PR_SET_VMA_ 0x53564d41
#define UFFD_IOC(dir, nr, size) (((dir) << 30) | ((size) << 16) | (0xAA << 8) | (nr))
#define UFFDIO_REGISTER_   UFFD_IOC(3u, 0x00, 32)
#define UFFDIO_UNREGISTER_ UFFD_IOC(2u, 0x01, 16)
#define UFFDIO_COPY_       UFFD_IOC(3u, 0x03, 40)
#define UFFDIO_ZEROPAGE_   UFFD_IOC(3u, 0x04, 32)
#define UFFDIO_MOVE_       UFFD_IOC(3u, 0x05, 40)

/* x86_64 syscall numbers of the modelled calls -> enum avt_sys (0 = not modelled). */
static __always_inline __u16 sys_of(long nr, __u64 a0, __u64 a1)
{
	switch (nr) {
	case 9: return AVT_SYS_MMAP;
	case 10: return AVT_SYS_MPROTECT;
	case 11: return AVT_SYS_MUNMAP;
	case 12: return AVT_SYS_BRK;
	case 25: return AVT_SYS_MREMAP;
	case 28: return AVT_SYS_MADVISE;
	case 30: return AVT_SYS_SHMAT;
	case 67: return AVT_SYS_SHMDT;
	case 149: return AVT_SYS_MLOCK;
	case 150: return AVT_SYS_MUNLOCK;
	case 151: return AVT_SYS_MLOCKALL;
	case 152: return AVT_SYS_MUNLOCKALL;
	case 216: return AVT_SYS_REMAP_FILE_PAGES;
	case 237: return AVT_SYS_MBIND;
	case 325: return AVT_SYS_MLOCK2;
	case 329: return AVT_SYS_PKEY_MPROTECT;
	case 440: return AVT_SYS_PROCESS_MADVISE;
	case 450: return AVT_SYS_SET_MEMPOLICY_HOME_NODE;
	case 462: return AVT_SYS_MSEAL;
	case 157: return a0 == PR_SET_VMA_ ? AVT_SYS_PRCTL : 0;
	case 16:
		switch ((__u32)a1) {
		case UFFDIO_REGISTER_: return AVT_SYS_UFFD_REGISTER;
		case UFFDIO_UNREGISTER_: return AVT_SYS_UFFD_UNREGISTER;
		case UFFDIO_COPY_: return AVT_SYS_UFFD_COPY;
		case UFFDIO_ZEROPAGE_: return AVT_SYS_UFFD_ZEROPAGE;
		case UFFDIO_MOVE_: return AVT_SYS_UFFD_MOVE;
		}
		return 0;
	}
	return 0;
}

/* Arguments each modelled call takes (uffd/process_madvise: filled apart). */
static __always_inline int nr_args(__u16 sys)
{
	switch (sys) {
	case AVT_SYS_MMAP: case AVT_SYS_MBIND: return 6;
	case AVT_SYS_MREMAP: case AVT_SYS_PRCTL: case AVT_SYS_REMAP_FILE_PAGES: return 5;
	case AVT_SYS_PKEY_MPROTECT: case AVT_SYS_SET_MEMPOLICY_HOME_NODE: return 4;
	case AVT_SYS_MPROTECT: case AVT_SYS_MADVISE: case AVT_SYS_MLOCK2: case AVT_SYS_SHMAT:
	case AVT_SYS_MSEAL: return 3;
	case AVT_SYS_MUNMAP: case AVT_SYS_MLOCK: case AVT_SYS_MUNLOCK: return 2;
	case AVT_SYS_BRK: case AVT_SYS_MLOCKALL: case AVT_SYS_SHMDT: return 1;
	case AVT_SYS_PROCESS_MADVISE: return 4;
	default: return 0;
	}
}

/*
 * Does a completed call end the fault filter's generation? Only calls that
 * can drop or replace pages or mappings do: after them a fault on a page
 * seen before may install a new page or create an anon_vma. Calls that only
 * change protections, locking, policy or names (mprotect, mlock, mbind,
 * prctl, mseal, non-destructive madvise) never remove an anon_vma or a
 * page, so a fault they cause again on a known page decides nothing.
 */
static __always_inline bool sys_ends_generation(__u16 sys, __u64 advice)
{
	switch (sys) {
	case AVT_SYS_MMAP: case AVT_SYS_MUNMAP: case AVT_SYS_MREMAP: case AVT_SYS_BRK:
	case AVT_SYS_SHMAT: case AVT_SYS_SHMDT: case AVT_SYS_REMAP_FILE_PAGES:
	case AVT_SYS_UFFD_COPY: case AVT_SYS_UFFD_ZEROPAGE: case AVT_SYS_UFFD_MOVE:
		return true;
	case AVT_SYS_MADVISE: case AVT_SYS_PROCESS_MADVISE:
		/* MADV_DONTNEED, FREE, REMOVE, DONTNEED_LOCKED, and anything newer */
		return advice == 4 || advice == 8 || advice == 9 || advice >= 24;
	default:
		return false;
	}
}

/* Syscalls whose address-space effect is recorded by other events. */
static __always_inline bool sys_is_process_event(long nr)
{
	switch (nr) {
	case 56: case 57: case 58: case 435:	/* clone fork vfork clone3: fork event */
	case 59: case 322:			/* execve execveat: exec event + snapshot */
	case 60: case 231:			/* exit exit_group: exit event */
		return true;
	}
	return false;
}

#define CLONE_VM_    0x00000100ULL
#define CLONE_VFORK_ 0x00004000ULL
#define SIGCHLD_     17ULL

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid, zero = 0;
	struct task_struct *task;
	struct rec_target *t;
	struct pending *p;
	bool added = false;
	__u64 a[6];

	if (!enabled)
		return 0;
	t = target_of(tgid, &added);
	if (!t)
		return 0;
	if (added)
		snap_task(bpf_get_current_task_btf(), AVT_SNAP_START, tgid, tid);
	if (id == 59 || id == 322) {
		__u64 mm = (__u64)BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), mm);

		bpf_map_update_elem(&execing, &tid, &mm, BPF_ANY);
		return 0;	/* its effect is the exec event and snapshot */
	}
	if (id == 60 || id == 231)
		return 0;	/* never returns to this tid's exit */
	p = bpf_map_lookup_elem(&scratch, &zero);
	if (!p)
		return 0;
	__builtin_memset(p, 0, sizeof(*p));
	a[0] = BPF_CORE_READ(regs, di);
	a[1] = BPF_CORE_READ(regs, si);
	a[2] = BPF_CORE_READ(regs, dx);
	a[3] = BPF_CORE_READ(regs, r10);
	a[4] = BPF_CORE_READ(regs, r8);
	a[5] = BPF_CORE_READ(regs, r9);
	p->raw_nr = id;
	p->sys = sys_of(id, a[0], a[1]);
	for (int i = 0; i < 6; i++)
		p->args[i] = a[i];

	/* keep only the arguments the call has: the rest are stale registers */
	{
		int n = p->sys ? nr_args(p->sys) : 6;	/* unmodelled: kept for on_alloc */

		p->args[5] = n > 5 ? a[5] : 0;
		p->args[4] = n > 4 ? a[4] : 0;
		p->args[3] = n > 3 ? a[3] : 0;
		p->args[2] = n > 2 ? a[2] : 0;
		p->args[1] = n > 1 ? a[1] : 0;
		p->args[0] = n > 0 ? a[0] : 0;
	}

	switch (p->sys) {
	case 0:
		break;
	case AVT_SYS_MBIND:		/* the first word of the nodemask */
		p->args[3] = 0;
		if (a[3])
			bpf_probe_read_user(&p->args[3], 8, (void *)a[3]);
		break;
	case AVT_SYS_MMAP:
		p->args[4] = (__u64)(__s64)(int)a[4];	/* fd is an int */
		if (!(a[3] & 0x20 /* MAP_ANONYMOUS */) && (int)a[4] >= 0) {
			struct file *f = fd_file((int)a[4]);

			if (f) {
				struct vfsmount *mnt = BPF_CORE_READ(f, f_path.mnt);

				file_identity(f, &p->dev, &p->ino);
				p->flags |= AVT_SYSF_FILE;
				/* what do_mmap derives from the open file */
				if (!(BPF_CORE_READ(f, f_mode) & 0x2 /* FMODE_WRITE */))
					p->flags |= AVT_SYSF_FILE_RDONLY;
				if ((BPF_CORE_READ(mnt, mnt_flags) & 0x4 /* MNT_NOEXEC */) ||
				    (BPF_CORE_READ(mnt, mnt_sb, s_iflags) & 0x2 /* SB_I_NOEXEC */))
					p->flags |= AVT_SYSF_FILE_NOEXEC;
				/*
				 * Not a regular file (a char device, an anon
				 * inode: BPF map, perf_event, io_uring), or a
				 * regular one of a file system whose ->mmap
				 * sets flags (hugetlbfs: VM_HUGETLB |
				 * VM_DONTEXPAND; sysfs and proc: PCI resource
				 * and kernel memory files, VM_IO | VM_PFNMAP):
				 * do_mmap cannot tell; sys_exit reads them.
				 */
				if ((BPF_CORE_READ(f, f_inode, i_mode) & 0170000) != 0100000 /* S_IFREG */ ||
				    special_fs(BPF_CORE_READ(f, f_inode, i_sb, s_magic)))
					p->flags |= AVT_SYSF_VMFLAGS;
			}
		}
		break;
	case AVT_SYS_PROCESS_MADVISE: {
		/* pidfd -> target pid; iovecs from user memory. */
		__u32 nr = a[2] < REC_MAX_IOV ? a[2] : REC_MAX_IOV;
		struct file *f = fd_file((int)a[0]);
		struct pid *pid = NULL;

		/* pidfs keeps the struct pid in the inode; older kernels in the file */
		if (f) {
			pid = BPF_CORE_READ(f, f_inode, i_private);
			if (!pid)
				pid = BPF_CORE_READ(f, private_data);
		}
		p->args[0] = pid ? BPF_CORE_READ(pid, numbers[0].nr) : 0;
		if ((int)a[0] == -10000 || (int)a[0] == -20000)	/* PIDFD_SELF_* */
			p->args[0] = tgid;
		for (__u32 i = 0; i < REC_MAX_IOV; i++) {
			if (i >= nr)
				break;
			bpf_probe_read_user(&p->iov[i], 16, (void *)(a[1] + i * 16));
		}
		p->nr_iov = nr;
		break;
	}
	case AVT_SYS_UFFD_REGISTER:	/* {start, len}, mode (args cleared above) */
	case AVT_SYS_UFFD_ZEROPAGE:	/* {start, len}, mode */
		bpf_probe_read_user(&p->args[0], 24, (void *)a[2]);
		break;
	case AVT_SYS_UFFD_UNREGISTER:	/* {start, len} */
		bpf_probe_read_user(&p->args[0], 16, (void *)a[2]);
		break;
	case AVT_SYS_UFFD_COPY:		/* dst src len mode */
	case AVT_SYS_UFFD_MOVE:
		bpf_probe_read_user(&p->args[0], 32, (void *)a[2]);
		break;
	default:
		break;
	}

	if (p->sys || id == 56 || id == 57 || id == 58 || id == 435) {
		/* a modelled call or a clone may take the mmap write lock
		 * while another thread's unmodelled call is checked */
		p->counted = 1;
		/* (plain reads next to the atomics: clang 14 without -mcpu=v3
		 * cannot use fetch-and-add results; a race only adds overlaps) */
		p->overlap = t->inflight != 0;
		__sync_fetch_and_add(&t->inflight, 1);
		__sync_fetch_and_add(&t->calls, 1);
		p->calls = t->calls;
	}
	if (p->sys) {
		__sync_fetch_and_add(&t->ops, 1);
	} else if (id == 56) {
		p->clone_flags = a[0];
	} else if (id == 435) {
		bpf_probe_read_user(&p->clone_flags, 8, (void *)a[0]);
	} else if (id == 57) {
		p->clone_flags = SIGCHLD_;
	} else if (id == 58) {
		p->clone_flags = CLONE_VM_ | CLONE_VFORK_ | SIGCHLD_;
	} else if (!sys_is_process_event(id)) {
		struct mm_struct *mm;

		task = (struct task_struct *)bpf_get_current_task();
		mm = BPF_CORE_READ(task, mm);
		if (mm) {
			p->map_count = BPF_CORE_READ(mm, map_count);
			p->seq = mm_seq(mm);
			p->ops = t->ops;
			/* no check when the outcome would be ambiguous: another
			 * thread's modelled call in flight, or the write lock
			 * held right now (odd sequence) */
			p->check = t->inflight == 0 && !(p->seq & 1);
		}
	}
	/*
	 * A clone that copies the address space (dup_mmap) while other
	 * threads run: their faults from now until the fork event may have
	 * been taken before or after the copy (the fork tracepoint fires
	 * after it). Mark where the window opens, in stream order; replay
	 * places those faults by the allocation-truth events (order.c).
	 */
	if ((id == 56 || id == 57 || id == 435) && !(p->clone_flags & CLONE_VM_) &&
	    BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), signal, nr_threads) > 1) {
		struct rec_stats *r = reserve(sizeof(*r), tgid);

		if (r) {
			fill_hdr(&r->h, AVT_EV_STATS, tgid, tid);
			r->kind = AVT_STATS_CLONE_ENTER;
			r->pad = 0;
			r->key = tid;
			r->value = p->clone_flags;
			submit(r);
		}
	}
	bpf_map_update_elem(&pending, &tid, p, BPF_ANY);
	return 0;
}

struct vma_info_ctx {
	__u64 size, dev, ino, vm_flags;
};

/* Size and file identity of the VMA a call just created. */
static long vma_info_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct vma_info_ctx *c = data;
	struct file *f = vma->vm_file;

	c->size = vma->vm_end - vma->vm_start;
	c->vm_flags = vma->vm_flags;
	if (f)
		file_identity(f, &c->dev, &c->ino);
	return 0;
}

static __always_inline void emit_syscall(struct pending *p, __u64 a0, __u64 a1, __u64 a2,
					 long ret, __u32 tgid, __u32 tid)
{
	struct rec_syscall *r = reserve(sizeof(*r), tgid);

	if (!r)
		return;
	fill_hdr(&r->h, AVT_EV_SYSCALL, tgid, tid);
	r->sys = p->sys;
	r->flags = p->flags;
	r->raw_nr = p->raw_nr;
	r->args[0] = a0;
	r->args[1] = a1;
	r->args[2] = a2;
	r->args[3] = p->args[3];
	r->args[4] = p->args[4];
	r->args[5] = p->args[5];
	r->ret = ret;
	r->dev = p->dev;
	r->ino = p->ino;
	r->placed = p->placed;
	r->vm_flags = p->vm_flags;
	submit(r);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct rec_target *t;
	struct pending *p;

	if (!enabled)
		return 0;
	p = bpf_map_lookup_elem(&pending, &tid);
	if (!p) {
		bpf_map_delete_elem(&execing, &tid);	/* a failed execve */
		return 0;
	}
	t = bpf_map_lookup_elem(&targets, &tgid);
	if (!t)
		goto out;
	if (p->counted) {
		__sync_fetch_and_add(&t->inflight, -1);
		/* anyone else's entry or exit since ours: they overlapped */
		__sync_fetch_and_add(&t->calls, 1);
		if (t->calls != p->calls + 1)
			p->overlap = 1;
		if (p->overlap)
			p->flags |= AVT_SYSF_OVERLAP;
	}

	if (p->sys == AVT_SYS_PROCESS_MADVISE) {
		/* One record per iovec: target addr len advice. */
		for (__u32 i = 0; i < REC_MAX_IOV; i++) {
			if (i >= p->nr_iov)
				break;
			p->args[3] = p->args[3];	/* advice stays in args[3] */
			emit_syscall(p, p->args[0], p->iov[i][0], p->iov[i][1], ret, tgid, tid);
		}
		__sync_fetch_and_add(&t->ops, 1);
		if (sys_ends_generation(p->sys, p->args[3])) {
			struct rec_target *tt;
			__u32 target = p->args[0];

			t->fault_gen++;
			tt = bpf_map_lookup_elem(&targets, &target);
			if (tt)
				tt->fault_gen++;
		}
	} else if (p->sys) {
		/*
		 * shmat: the segment's size; shmat and shared anonymous mmap:
		 * the identity of the shmem file the kernel created for it,
		 * which snapshots show (read from the new VMA).
		 */
		if (ret >= 0 && ret < (long)USER_ADDR_LIMIT &&
		    (p->sys == AVT_SYS_SHMAT ||
		     (p->sys == AVT_SYS_MMAP && (p->args[3] & 0x21) == 0x21 /* SHARED|ANON */))) {
			struct vma_info_ctx c = {};

			bpf_find_vma(bpf_get_current_task_btf(), ret, vma_info_cb, &c, 0);
			if (p->sys == AVT_SYS_SHMAT)
				p->args[3] = c.size;
			if (c.ino) {
				p->dev = c.dev;
				p->ino = c.ino;
				p->flags |= AVT_SYSF_FILE;
			}
		}
		/*
		 * A non-regular file's mapping: the flags its driver's ->mmap
		 * left (mmap_file in __mmap_new_file_vma, after do_mmap
		 * computed them). The VMA holding the result: a VM_SPECIAL
		 * one never merges; any other was merged again with the
		 * driver's flags (retry_merge), and carries them. Its file
		 * identity too (the driver's may replace vm_file). Another
		 * thread may change it after the lock is released; a failed
		 * lookup (mmap_lock contended: -EBUSY) records none.
		 */
		if (p->flags & AVT_SYSF_VMFLAGS) {
			struct vma_info_ctx c = {};

			if (ret >= 0 && ret < (long)USER_ADDR_LIMIT &&
			    !bpf_find_vma(bpf_get_current_task_btf(), ret, vma_info_cb, &c, 0)) {
				p->vm_flags = c.vm_flags;
				/* ->mmap may replace the file: /dev/zero
				 * MAP_SHARED maps a new shmem file */
				if (c.ino) {
					p->dev = c.dev;
					p->ino = c.ino;
				}
			} else
				p->flags &= ~AVT_SYSF_VMFLAGS;
		}
		emit_syscall(p, p->args[0], p->args[1], p->args[2], ret, tgid, tid);
		__sync_fetch_and_add(&t->ops, 1);
		if (sys_ends_generation(p->sys, p->args[2]))
			t->fault_gen++;
	} else if (p->check) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct mm_struct *mm = task->mm;
		__s32 mc;
		__u64 seq;

		if (!mm || t->ops != p->ops || t->inflight)
			goto out;	/* another thread's modelled op may explain it */
		mc = BPF_CORE_READ(mm, map_count);
		seq = mm_seq(mm);
		if ((mc != p->map_count || seq != p->seq) && !(seq & 1)) {
			struct rec_unmodelled *r = reserve(sizeof(*r), tgid);

			if (r) {
				fill_hdr(&r->h, AVT_EV_UNMODELLED, tgid, tid);
				r->raw_nr = p->raw_nr;
				r->map_count_delta = mc - p->map_count;
				r->seq_before = p->seq;
				r->seq_after = seq;
				submit(r);
			}
			t->fault_gen++;
		}
	}
out:
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

/*
 * Where a modelled call takes effect, in stream order. Its record is written
 * at sys_exit, but the change to the address space was made under the mmap
 * lock, and between the lock's release and sys_exit the thread can be
 * preempted while other threads of the process map, fault and unmap: their
 * records then come first, and replay applies the calls out of order (seen:
 * a munmap replayed after another thread's mmap got the same range, removing
 * a mapping the kernel kept -- threads verified 99.1 % on exit frees). So
 * a release of the process's own mmap lock inside a modelled call leaves a
 * bare marker, and the driver writes the call there (src/record/sysorder.c).
 * Which release: the first of the write lock (the layout change is made;
 * mlock's or MAP_POPULATE's populating under the read lock afterwards, which
 * can block on userfaultfd, moves nothing), or else the last release at all
 * (munmap and brk downgrade to the read lock and release that; calls that
 * only read-lock). Calls made under a per-VMA lock only, or that fail before
 * locking, leave none and stay at sys_exit. process_madvise works on
 * another mm: skipped. (6.18's prototype: mm, write; older kernels had a memcg
 * path between them.)
 */
SEC("tp_btf/mmap_lock_released")
int BPF_PROG(mmap_lock_released, struct mm_struct *mm, bool write)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct pending *p;
	struct rec_hdr *r;

	if (!enabled)
		return 0;
	p = bpf_map_lookup_elem(&pending, &tid);
	if (!p || !p->sys || p->sys == AVT_SYS_PROCESS_MADVISE || p->pinned)
		return 0;
	if (bpf_get_current_task_btf()->mm != mm || !bpf_map_lookup_elem(&targets, &tgid))
		return 0;
	/* not counted as a drop when the ring is full: no event is lost, the
	 * call is then written at an earlier marker or at sys_exit */
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r)
		return 0;
	fill_hdr(r, REC_SYS_PLACE, tgid, tid);
	p->placed = r->ts;
	p->pinned = write;
	/* which release the call is written at; the driver clears both if it
	 * cannot write the call here */
	p->flags &= ~(AVT_SYSF_PLACED | AVT_SYSF_PLACED_READ);
	p->flags |= write ? AVT_SYSF_PLACED : AVT_SYSF_PLACED_READ;
	submit(r);
	return 0;
}

/* ---- process lifetime ---------------------------------------------------- */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ptid = parent->pid;
	__u32 ctgid = child->tgid, ctid = child->pid;
	struct rec_target *t, zero = {};
	struct pending *p;
	struct rec_fork *r;
	__u32 flags;

	if (!enabled)
		return 0;
	bool added = false;

	t = target_of(ptgid, &added);
	if (!t)
		return 0;
	if (added)	/* the parent, as it is after the copy */
		snap_task(bpf_get_current_task_btf(), AVT_SNAP_START, ptgid, ptid);
	r = reserve(sizeof(*r), ptgid);
	if (r) {
		fill_hdr(&r->h, AVT_EV_FORK, ptgid, ptid);
		r->child_pid = ctgid;
		r->child_tid = ctid;
		r->pad = 0;
		p = bpf_map_lookup_elem(&pending, &ptid);
		r->clone_flags = p ? p->clone_flags : 0;
		if (child->mm == parent->mm) {
			flags = AVT_FORK_THREAD;
			if (r->clone_flags & CLONE_VFORK_)
				flags |= AVT_FORK_VFORK;
		} else {
			flags = AVT_FORK_NEWMM;
		}
		r->flags = flags;
		r->child_start = child->start_time;
		BPF_CORE_READ_STR_INTO(&r->comm, child, comm);
		submit(r);
	}
	__sync_fetch_and_add(&t->ops, 1);
	t->fault_gen++;		/* write faults after fork may COW: keep them */
	/* (BPF_ANY: an entry left for a dead process's teardown under the
	 * same pid is replaced; the child cannot have run yet) */
	if (ctgid != ptgid)
		bpf_map_update_elem(&targets, &ctgid, &zero, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid, tid = p->pid;
	struct rec_target *t;
	struct rec_exec *r;

	if (!enabled)
		return 0;
	{
		__u32 old = old_pid;	/* the tid at entry: de_thread may change it */

		bpf_map_delete_elem(&execing, &old);
	}
	bool added = false;

	t = target_of(tgid, &added);	/* the exec snapshot below is its base */
	if (!t)
		return 0;
	r = reserve(sizeof(*r), tgid);
	if (r) {
		fill_hdr(&r->h, AVT_EV_EXEC, tgid, tid);
		r->old_tid = old_pid;
		r->pad = 0;
		r->start = BPF_CORE_READ(p, group_leader, start_time);
		BPF_CORE_READ_STR_INTO(&r->comm, p, comm);
		bpf_probe_read_kernel_str(&r->filename, sizeof(r->filename), BPF_CORE_READ(bprm, filename));
		submit(r);
	}
	__sync_fetch_and_add(&t->ops, 1);
	t->fault_gen++;
	snap_task(p, AVT_SNAP_EXEC, tgid, tid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p, bool group_dead)
{
	__u32 tgid = p->tgid, tid = p->pid;
	struct mm_struct *mm;
	struct rec_target *t;
	struct rec_exit *r;

	if (!enabled)
		return 0;
	t = bpf_map_lookup_elem(&targets, &tgid);
	{
		/* a thread that dies inside a counted call never reaches sys_exit */
		struct pending *pp = bpf_map_lookup_elem(&pending, &tid);

		if (pp && pp->counted && t)
			__sync_fetch_and_add(&t->inflight, -1);
	}
	bpf_map_delete_elem(&pending, &tid);
	bpf_map_delete_elem(&execing, &tid);	/* killed inside execve */
	if (!t)
		return 0;
	r = reserve(sizeof(*r), tgid);
	if (r) {
		fill_hdr(&r->h, AVT_EV_EXIT, tgid, tid);
		r->code = p->exit_code;
		r->group_dead = group_dead;
		submit(r);
	}
	mm = p->mm;
	/* The mm is still intact here; snapshot it once, when it goes away --
	 * unless a checkpoint run of this process is under way right now: it
	 * is the snapshot then (see snap_iter) */
	/* (a reference held by our own snapshot run does not count) */
	if (group_dead && mm && mm->mm_users.counter - (iter_req_tgid == tgid) <= 1) {
		if (iter_active && iter_tgid == tgid)
			__sync_fetch_and_add(&exit_snaps_skipped, 1);
		else
			snap_task(p, AVT_SNAP_EXIT, tgid, tid);
	}
	if (group_dead && mm) {
		__u64 key = (__u64)mm;

		bpf_map_update_elem(&exiting_mm, &key, &tgid, BPF_ANY);
	}
	if (group_dead) {
		/* keep tracing its mm's teardown: see struct rec_target */
		t->exit_start = BPF_CORE_READ(p, group_leader, start_time);
		t->exiting = 1;
	}
	return 0;
}

/*
 * The end of an address space's teardown (after free_pgtables unlinked
 * every anon_vma and remove_vma freed the VMAs). In the context of the
 * task that dropped the last user: the exiting process's own, normally.
 * An exec's teardown of the old mm also lands here, but that process is
 * not marked exiting.
 */
SEC("tp_btf/exit_mmap")
int BPF_PROG(exit_mmap, struct mm_struct *mm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, owner;
	__u64 key = (__u64)mm;
	__u32 *o = bpf_map_lookup_elem(&exiting_mm, &key);
	struct rec_target *t;

	if (!o)
		return 0;	/* not a dead process's mm (e.g. an exec's old one) */
	owner = *o;
	bpf_map_delete_elem(&exiting_mm, &key);
	/*
	 * The teardown is over: say so in stream order (the end of the
	 * uncertainty about the families it left), and whether it ran in
	 * another context: the last reference was someone else's (a CLONE_VM
	 * sharer, a reader of /proc/PID, a snapshot iterator's, dropped
	 * in a kworker), so its frees went unattributed. Our own synchronous
	 * snapshot run is the exception: on_alloc attributed them.
	 */
	{
		struct rec_stats *r = reserve(sizeof(*r), owner);

		if (r) {
			fill_hdr(&r->h, AVT_EV_STATS, 0, 0);
			r->kind = AVT_STATS_TEARDOWN;
			r->pad = 0;
			r->key = owner;
			r->value = tgid != owner && !(tgid == self_tgid && iter_tgid == owner) ? 2 : 1;
			submit(r);
		}
	}
	t = bpf_map_lookup_elem(&targets, &owner);
	if (t && t->exiting)
		bpf_map_delete_elem(&targets, &owner);
	return 0;
}

/* Fallback: the mm went away elsewhere (shared with another process, or
 * its last reference dropped by someone else): the leader's task_struct
 * is freed after the whole group was reaped. */
SEC("tp_btf/sched_process_free")
int BPF_PROG(sched_process_free, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct rec_target *t;

	if (p->pid != p->tgid)
		return 0;
	t = bpf_map_lookup_elem(&targets, &tgid);
	if (t && t->exiting && t->exit_start == p->start_time)
		bpf_map_delete_elem(&targets, &tgid);
	return 0;
}

/* ---- faults -------------------------------------------------------------- */

static __always_inline void on_fault(unsigned long address, struct pt_regs *regs,
				     unsigned long error_code, __u32 kflag)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	bool write = error_code & 2;
	struct rec_target *t;
	struct rec_fault *r;

	if (!enabled)
		return;
	t = target_of(tgid, NULL);
	if (!t)
		return;
	if (kflag && drop_exec_faults) {
		/* inside execve, already on the new mm: the new image's (see execing) */
		__u64 *mm0 = bpf_map_lookup_elem(&execing, &tid);

		if (mm0 && *mm0 != (__u64)BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), mm)) {
			__u32 zero = 0;
			__u64 *c = bpf_map_lookup_elem(&exec_faults_cpu, &zero);

			if (c)
				*c += 1;
			return;
		}
	}
	if (fault_filter) {
		/*
		 * Keep the first read and the first write of each page per
		 * generation; the generation moves on fork, exec, unmodelled
		 * changes and every call that can drop or replace pages
		 * (sys_ends_generation), so the faults that can create an
		 * anon_vma or COW after fork are always kept. What is dropped:
		 * faults on a page already read (or written) in this
		 * generation, e.g. write faults after writeback write-protects
		 * a shared file page, spurious faults of racing threads.
		 */
		struct fault_key k = { .tgid = tgid, .page = address >> 12 };
		struct fault_val *v, nv = { .gen = t->fault_gen, .seen = write ? 3 : 1 };
		__u32 need = write ? 2 : 1, zero = 0;

		v = bpf_map_lookup_elem(&faults_seen, &k);
		if (v && v->gen == nv.gen && (v->seen & need)) {
			__u64 *c = bpf_map_lookup_elem(&filtered_cpu, &zero);

			if (c)
				*c += 1;
			return;
		}
		if (v && v->gen == nv.gen)
			nv.seen |= v->seen;
		bpf_map_update_elem(&faults_seen, &k, &nv, BPF_ANY);
	}
	__sync_fetch_and_add(&t->ops, 1);	/* a snapshot running now is ambiguous */
	r = reserve(sizeof(*r), tgid);
	if (!r)
		return;
	fill_hdr(&r->h, AVT_EV_FAULT, tgid, tid);
	r->addr = address;
	r->ip = BPF_CORE_READ(regs, ip);
	r->error_code = error_code;
	r->flags = (write ? AVT_FAULT_WRITE : 0) | kflag |
		   ((error_code & 0x10) ? AVT_FAULT_INSTR : 0);
	submit(r);
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(page_fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	on_fault(address, regs, error_code, 0);
	return 0;
}

SEC("tp_btf/page_fault_kernel")
int BPF_PROG(page_fault_kernel, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	if (address >= USER_ADDR_LIMIT)
		return 0;
	on_fault(address, regs, error_code, AVT_FAULT_KERNEL);
	return 0;
}

/* ---- allocation truth ---------------------------------------------------- */
static __always_inline __u32 site_of(__u64 ip)
{
	for (int i = 0; i < REC_MAX_SITES; i++) {
		if (i >= nr_sites)
			break;
		if (ip >= sites[i].start && ip < sites[i].end)
			return sites[i].site;
	}
	return 0;
}

static __always_inline void on_alloc(__u64 call_site, const void *ptr, const struct kmem_cache *s,
				     __u8 op)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	__u32 site, owner, owner_tid;
	char name[12] = {};
	struct rec_alloc *r;
	struct pending *p;

	if (!record_alloc || !ptr || !enabled)
		return;
	site = site_of(call_site);
	if (!site)
		return;		/* not an rmap function: some other 64-byte object */
	owner = tgid;
	owner_tid = (__u32)pid_tgid;
	if (tgid == self_tgid) {
		/*
		 * Our own snapshot run held a reference to the mm of a process
		 * that exited meanwhile (the iterator's get_task_mm: its exit
		 * skipped the exit snapshot, mm_users > 1) and dropped the
		 * last one: exit_mmap runs here, and its frees are that
		 * process's teardown.
		 */
		struct rec_target *it = iter_tgid ? bpf_map_lookup_elem(&targets, &iter_tgid) : NULL;

		if (!it || !it->exiting)
			return;
		owner = owner_tid = iter_tgid;
		goto emit;
	}
	if (!target_of(tgid, NULL))
		return;
	/*
	 * Writes into another process through get_user_pages prepare the
	 * anon_vma of *that* process's VMA from our context: attribute the
	 * allocation to the target (process_vm_writev, ptrace POKETEXT/DATA).
	 */
	p = bpf_map_lookup_elem(&pending, &owner_tid);
	if (p && !p->sys && (p->raw_nr == 311 ||
			     (p->raw_nr == 101 && (p->args[0] == 4 || p->args[0] == 5)))) {
		owner = p->raw_nr == 311 ? p->args[0] : p->args[1];
		owner_tid = owner;
	}
emit:
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(s, name));
	r = reserve(sizeof(*r), tgid);
	if (!r)
		return;
	fill_hdr(&r->h, AVT_EV_ALLOC, owner, owner_tid);
	/* The anon_vma cache is unmerged and named so; the AVC one may be merged. */
	r->cache = (name[0] == 'a' && name[4] == '_' && name[5] == 'v' && name[7] == 'a' &&
		    name[8] == 0) ? AVT_CACHE_ANON_VMA : AVT_CACHE_AVC;
	r->op = op;
	r->site = site;
	r->pad = 0;
	r->ptr = (__u64)ptr;
	submit(r);
}

SEC("tp_btf/kmem_cache_alloc")
int BPF_PROG(kmem_cache_alloc, unsigned long call_site, const void *ptr, struct kmem_cache *s,
	     gfp_t gfp, int node)
{
	on_alloc(call_site, ptr, s, AVT_ALLOC);
	return 0;
}

SEC("tp_btf/kmem_cache_free")
int BPF_PROG(kmem_cache_free, unsigned long call_site, const void *ptr, const struct kmem_cache *s)
{
	on_alloc(call_site, ptr, s, AVT_FREE);
	return 0;
}
