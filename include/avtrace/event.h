/* SPDX-License-Identifier: MIT */
/*
 * avtrace decoded events: the contract between the recorder, the trace
 * file (binary and text forms) and the replay engine.
 *
 * This header has no dependencies beyond <stdint.h>; the engine consumes
 * struct avt_event and nothing else. The on-disk encoding of each body is
 * documented in man/avtrace-format.5 and implemented in src/format/.
 *
 * Rules that keep the format lasting:
 *  - numbers given here are on-disk values: never renumber, only append;
 *  - every record carries a type and a length, so readers skip what they
 *    do not know (decoded as AVT_EV_UNKNOWN, raw bytes preserved);
 *  - kernel pointers never appear: ids are opaque (keyed hash or table).
 */
#ifndef AVTRACE_EVENT_H
#define AVTRACE_EVENT_H

#include <stdint.h>

#define AVT_COMM_LEN     16
#define AVT_PATH_LEN     256	/* exec filename, truncated by the recorder */
#define AVT_SNAP_MAX_AVC 8	/* AVC targets listed per snapshot VMA */
#define AVT_SET_LEN      256	/* value of a setting change (mthp lists are long) */

enum avt_event_type {
	AVT_EV_FORK        = 1,	/* fork/clone/vfork: pid/tid = parent */
	AVT_EV_EXEC        = 2,
	AVT_EV_EXIT        = 3,	/* a thread exits; group_dead = last one */
	AVT_EV_SNAP_BEGIN  = 4,	/* snapshot of one process: begin */
	AVT_EV_SNAP_VMA    = 5,	/*   one VMA of it */
	AVT_EV_SNAP_END    = 6,	/*   end, with status and time window */
	AVT_EV_SYSCALL     = 7,	/* a memory syscall with args and result */
	AVT_EV_FAULT       = 8,	/* page fault (user or kernel mode) */
	AVT_EV_ALLOC       = 9,	/* kernel truth: anon_vma/AVC alloc/free */
	AVT_EV_RMAP        = 10,	/* rmap walk of a folio: point/begin/end */
	AVT_EV_KSM         = 11,	/* KSM merged a page */
	AVT_EV_CHECKPOINT  = 12,	/* checkpoint marker N */
	AVT_EV_UNMODELLED  = 13,	/* VMA change no event explains */
	AVT_EV_STATS       = 14,	/* drop counters and other stats */
	AVT_EV_SET         = 15,	/* a setting changed (e.g. thp=always) */
	AVT_EV__MAX_KNOWN,
	AVT_EV_UNKNOWN     = 0xffff,	/* decoded only: a type this reader lacks */
};

/* Memory syscalls the format models. Values are on-disk ids (not x86 nrs). */
enum avt_sys {
	AVT_SYS_MMAP = 1,	/* addr len prot flags fd off; dev/ino if fd */
	AVT_SYS_MUNMAP,		/* addr len */
	AVT_SYS_MREMAP,		/* old_addr old_len new_len flags new_addr */
	AVT_SYS_MPROTECT,	/* addr len prot */
	AVT_SYS_PKEY_MPROTECT,	/* addr len prot pkey */
	AVT_SYS_BRK,		/* brk; ret = new break */
	AVT_SYS_MADVISE,	/* addr len advice */
	AVT_SYS_PROCESS_MADVISE,/* target_tgid addr len advice: one record per iovec */
	AVT_SYS_MLOCK,		/* addr len */
	AVT_SYS_MLOCK2,		/* addr len flags */
	AVT_SYS_MUNLOCK,	/* addr len */
	AVT_SYS_MLOCKALL,	/* flags */
	AVT_SYS_MUNLOCKALL,	/* - */
	AVT_SYS_MBIND,		/* addr len mode nodemask0 maxnode flags */
	AVT_SYS_SET_MEMPOLICY_HOME_NODE, /* addr len home_node flags */
	AVT_SYS_PRCTL,		/* option arg2 arg3 arg4 arg5 (PR_SET_VMA) */
	AVT_SYS_SHMAT,		/* shmid addr flags; ret = addr; args[3] = size */
	AVT_SYS_SHMDT,		/* addr */
	AVT_SYS_MSEAL,		/* addr len flags */
	AVT_SYS_REMAP_FILE_PAGES, /* addr size prot pgoff flags */
	AVT_SYS_UFFD_REGISTER,	/* start len mode */
	AVT_SYS_UFFD_UNREGISTER,/* start len */
	AVT_SYS_UFFD_COPY,	/* dst src len mode */
	AVT_SYS_UFFD_ZEROPAGE,	/* start len mode */
	AVT_SYS_UFFD_MOVE,	/* dst src len mode */
	AVT_SYS__MAX,
};

enum avt_fork_flags {
	AVT_FORK_THREAD = 1u << 0,	/* child shares the mm (CLONE_VM) */
	AVT_FORK_VFORK  = 1u << 1,	/* CLONE_VFORK */
	AVT_FORK_NEWMM  = 1u << 2,	/* child got its own mm (dup_mmap ran) */
};

enum avt_fault_flags {
	AVT_FAULT_WRITE  = 1u << 0,
	AVT_FAULT_KERNEL = 1u << 1,	/* taken in kernel mode (copy_to_user) */
	AVT_FAULT_INSTR  = 1u << 2,
};

enum avt_snap_kind {
	AVT_SNAP_START = 1, AVT_SNAP_EXEC = 2, AVT_SNAP_EXIT = 3,
	AVT_SNAP_CHECKPOINT = 4,
};
/* What happened while the snapshot was taken (man/avtrace-format.5). */
enum avt_snap_status {
	AVT_SNAP_COMPLETE = 0,		/* one consistent walk */
	AVT_SNAP_PARTIAL = 1,		/* VMA records lost (ring buffer full) */
	AVT_SNAP_FAILED = 2,		/* could not be taken (other errors) */
	AVT_SNAP_LOCK_DROPPED = 3,	/* the walk was not one lock hold and a
					 * writer changed the mm meanwhile */
	AVT_SNAP_BUSY = 4,		/* not taken: a lock it needed was busy */
	AVT_SNAP_AMBIGUOUS = 5,		/* consistent, but a modelled call of the
					 * process ran during it: its place in
					 * the stream is uncertain */
};
enum avt_snap_flags {
	AVT_SNAP_PASSIVE = 1u << 0,
	AVT_SNAP_PROCFS = 1u << 1,	/* read from /proc/PID/smaps: no anon_vma
					 * facts, pgoff of file VMAs only */
	AVT_SNAP_RETRY = 1u << 2,	/* a start/exec snapshot taken again, from
					 * user space, after a busy or failed one */
};

enum avt_alloc_cache { AVT_CACHE_ANON_VMA = 1, AVT_CACHE_AVC = 2 };
enum avt_alloc_op { AVT_ALLOC = 1, AVT_FREE = 2 };
/* Call-site classes, resolved by the recorder from kallsyms. */
enum avt_alloc_site {
	AVT_SITE_UNKNOWN = 0, AVT_SITE_PREPARE, AVT_SITE_CLONE, AVT_SITE_FORK,
	AVT_SITE_UNLINK, AVT_SITE_PUT, AVT_SITE_OTHER,
};

enum avt_rmap_kind { AVT_RMAP_POINT = 0, AVT_RMAP_BEGIN = 1, AVT_RMAP_END = 2 };

enum avt_stats_kind {
	AVT_STATS_DROPS_CPU = 1,	/* key = cpu, value = events lost */
	AVT_STATS_DROPS_TGID = 2,	/* key = tgid, value = events lost */
	AVT_STATS_EVENTS = 3,		/* key = event type, value = count */
	AVT_STATS_RING_HWM = 4,		/* key = 0, value = bytes */
	AVT_STATS_FAULTS_FILTERED = 5,	/* key = cpu, value = faults dropped by filter */
	AVT_STATS_SNAP_FAILED = 6,	/* key = tgid, value = failed snapshots */
	AVT_STATS_EXEC_FAULTS = 7,	/* key = cpu, value = kernel faults of a task
					 * inside execve on its new mm, dropped
					 * (the exec snapshot holds their result) */
	AVT_STATS_TEARDOWN = 8,		/* key = tgid; written by the recorder in
					 * stream order when exit_mmap finished
					 * tearing down the mm of a process whose
					 * group died: value 1 = in its own context
					 * (its frees are in the trace before this),
					 * 2 = in another one (the last reference
					 * was someone else's, e.g. the recorder's
					 * snapshot or a kworker: frees unrecorded) */
	AVT_STATS_CLONE_ENTER = 9,	/* key = tid, value = clone flags; written
					 * by the recorder in stream order at the
					 * entry of a clone that copies the mm
					 * (no CLONE_VM) by a process with other
					 * threads: their faults from here to the
					 * fork event of that tid may have been
					 * taken before or after dup_mmap's copy */
	AVT_STATS_SNAP_SKIPPED = 10,	/* key = tgid, value = exec/exit snapshots
					 * not taken (running total): the
					 * snapshot source cannot take them
					 * (procfs); written in stream order
					 * right after that exec/exit event */
};

/*
 * Settings keys. Used both as metadata tags (file header) and as the key
 * of AVT_EV_SET. Text names are in src/format/meta.c. Values are strings.
 */
enum avt_key {
	AVT_KEY_RELEASE = 1, AVT_KEY_ARCH, AVT_KEY_PAGE_SIZE, AVT_KEY_NR_CPUS,
	AVT_KEY_HOSTNAME, AVT_KEY_BOOT_ID, AVT_KEY_CLOCK, AVT_KEY_START_TIME,
	AVT_KEY_RECORDER, AVT_KEY_CMDLINE, AVT_KEY_PROBES, AVT_KEY_FILTERS,
	AVT_KEY_THP, AVT_KEY_THP_DEFRAG, AVT_KEY_THP_ZERO_PAGE, AVT_KEY_MTHP,
	AVT_KEY_OVERCOMMIT, AVT_KEY_MAX_MAP_COUNT, AVT_KEY_KSM, AVT_KEY_SOFT_DIRTY,
	AVT_KEY__MAX,
};

struct avt_ev_fork {
	uint32_t child_pid, child_tid;
	uint32_t flags;			/* enum avt_fork_flags */
	uint64_t clone_flags;
	uint64_t child_start;		/* child's start time: serial = (pid, start) */
	char comm[AVT_COMM_LEN];
};

struct avt_ev_exec {
	uint32_t old_tid;		/* tid that called execve */
	uint64_t start;			/* process start time (serial) */
	char comm[AVT_COMM_LEN];
	char filename[AVT_PATH_LEN];
};

struct avt_ev_exit {
	int32_t code;
	uint32_t group_dead;		/* 1: last thread, the mm goes away */
};

struct avt_ev_snap_begin {
	uint32_t kind, checkpoint, flags;	/* avt_snap_kind, N, avt_snap_flags */
	uint64_t start;				/* process serial */
	char comm[AVT_COMM_LEN];
};

struct avt_ev_snap_vma {
	uint64_t start, end, flags, pgoff;	/* flags: kernel 6.18 VM_* bits */
	uint64_t dev, ino;			/* dev = MKDEV-style (major<<20|minor) */
	uint64_t av, root, parent;		/* opaque ids, 0 = none */
	uint32_t num_children, num_active;
	uint32_t nr_avcs;			/* total AVCs on the VMA's chain */
	uint32_t nr_avc_ids;			/* <= AVT_SNAP_MAX_AVC listed */
	uint64_t avc_av[AVT_SNAP_MAX_AVC];	/* chain order, head first */
};

struct avt_ev_snap_end {
	uint32_t kind, checkpoint, status, nr_vmas;
	uint64_t window_start, window_end;	/* ns, same clock as ts */
};

struct avt_ev_syscall {
	uint16_t sys;			/* enum avt_sys */
	uint16_t flags;			/* bit 0: dev/ino valid */
	uint64_t args[6];
	int64_t ret;			/* result, negative errno on failure */
	uint64_t dev, ino;		/* file identity for fd-based mappings */
	uint64_t vm_flags;		/* AVT_SYSF_VMFLAGS: the new VMA's vm_flags */
};
#define AVT_SYSF_FILE 1u
/* mmap of an fd not open for writing: the kernel drops VM_SHARED and
 * VM_MAYWRITE from a MAP_SHARED mapping (do_mmap) */
#define AVT_SYSF_FILE_RDONLY 2u
/* mmap of a file on a noexec mount: the kernel drops VM_MAYEXEC */
#define AVT_SYSF_FILE_NOEXEC 4u
/* another modelled call or clone of the same process was inside the kernel
 * at some point during this one: events are written at syscall exit, so
 * their order in the trace may differ from the order of their changes */
#define AVT_SYSF_OVERLAP 8u
/* the recorder wrote this call where it released the mmap write lock (its
 * change was made under that hold), not at its exit: among calls of its
 * process it is in the order of their changes (src/record/sysorder.c) */
#define AVT_SYSF_PLACED 16u
/* ... where it last released the mmap lock, a read release (munmap and brk
 * downgrade their write hold and release that; calls that only read-lock) */
#define AVT_SYSF_PLACED_READ 32u
/* mmap of a file that is not a regular one (char device, anon inode: BPF
 * map, perf_event, io_uring...): its ->mmap handler may set or clear VMA
 * flags (VM_IO, VM_PFNMAP, VM_DONTEXPAND, VM_MIXEDMAP, VM_MAYWRITE...), so
 * the recorder read the new VMA's vm_flags back at sys_exit: vm_flags */
#define AVT_SYSF_VMFLAGS 64u

struct avt_ev_fault {
	uint64_t addr, ip;
	uint32_t flags;			/* enum avt_fault_flags */
	uint32_t error_code;		/* raw x86 error code */
};

struct avt_ev_alloc {
	uint8_t cache, op;		/* avt_alloc_cache, avt_alloc_op */
	uint16_t site;			/* avt_alloc_site */
	uint64_t id;			/* opaque object id */
};

struct avt_ev_rmap {
	uint32_t target_pid, kind;	/* avt_rmap_kind */
	uint32_t walk_id;		/* pairs begin and end */
	uint64_t addr;
};

struct avt_ev_ksm {
	uint32_t target_pid;
	uint64_t addr;
};

struct avt_ev_checkpoint { uint32_t n; };

struct avt_ev_unmodelled {
	uint32_t raw_nr;		/* raw syscall number */
	int32_t map_count_delta;
	uint64_t seq_before, seq_after;	/* mm write sequence */
};

struct avt_ev_stats {
	uint16_t kind;			/* enum avt_stats_kind */
	uint32_t key;
	uint64_t value;
};

struct avt_ev_set {
	uint16_t key;			/* enum avt_key */
	char value[AVT_SET_LEN];
};

struct avt_ev_unknown {
	uint16_t raw_type;
	uint32_t len;
	const uint8_t *data;		/* owned by the reader; valid until next read */
};

struct avt_event {
	uint16_t type;			/* enum avt_event_type */
	uint16_t cpu;
	uint32_t pid, tid;		/* tgid and thread id */
	uint64_t ts;			/* ns (CLOCK_MONOTONIC at record time) */
	union {
		struct avt_ev_fork fork;
		struct avt_ev_exec exec;
		struct avt_ev_exit exit;
		struct avt_ev_snap_begin snap_begin;
		struct avt_ev_snap_vma snap_vma;
		struct avt_ev_snap_end snap_end;
		struct avt_ev_syscall sys;
		struct avt_ev_fault fault;
		struct avt_ev_alloc alloc;
		struct avt_ev_rmap rmap;
		struct avt_ev_ksm ksm;
		struct avt_ev_checkpoint checkpoint;
		struct avt_ev_unmodelled unmodelled;
		struct avt_ev_stats stats;
		struct avt_ev_set set;
		struct avt_ev_unknown unknown;
	} u;
};

/* Names, for text form and reports. NULL when out of range. */
const char *avt_event_type__name(unsigned type);
const char *avt_sys__name(unsigned sys);
const char *avt_key__name(unsigned key);
int avt_key__from_name(const char *name);	/* -1 if unknown */

#endif /* AVTRACE_EVENT_H */
