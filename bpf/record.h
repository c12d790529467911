/* SPDX-License-Identifier: MIT */
/*
 * Records passed from record.bpf.c to the user-space driver through the
 * ring buffer. They mirror struct avt_event but carry raw kernel pointers
 * (anon_vma, AVC objects): the driver turns those into keyed-hash ids
 * before anything is written, so no kernel address reaches a trace file.
 *
 * Shared by BPF (vmlinux.h types) and user space (<stdint.h>), so only
 * fixed-width types are used here. Event type numbers are those of
 * enum avt_event_type (include/avtrace/event.h).
 */
#ifndef AVT_BPF_RECORD_H
#define AVT_BPF_RECORD_H

#ifdef __VMLINUX_H__
/*
 * BPF side: <stdint.h> drags in glibc's 32-bit stubs under -target bpf.
 * event.h only needs the fixed-width names, so provide them from the
 * kernel's __u types and keep clang's stdint.h out.
 */
#define __CLANG_STDINT_H
typedef __u8 uint8_t;
typedef __u16 uint16_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
typedef __s32 int32_t;
typedef __s64 int64_t;
#else
#include <stdint.h>
#endif
#include "avtrace/event.h"

#define REC_MAX_AVC_WALK 65536	/* AVCs counted per VMA (bpf_loop bound) */
#define REC_MAX_IOV      4	/* process_madvise iovecs recorded */
#define REC_MAX_SITES    8	/* allocation call-site ranges */

/* Record types only the driver sees (never written as such). */
enum rec_type {
	REC_SNAP_END_ITER = 0x100,	/* end of an iter/task_vma run */
	REC_SYS_PLACE = 0x101,		/* a modelled call released the mmap lock
					 * (a bare rec_hdr): where its effect lies
					 * in stream order; see sysorder.c */
};

struct rec_hdr {
	uint16_t type;		/* enum avt_event_type or enum rec_type */
	uint16_t cpu;
	uint32_t pid, tid;
	uint64_t ts;		/* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
};

struct rec_syscall {
	struct rec_hdr h;
	uint16_t sys, flags;	/* enum avt_sys, AVT_SYSF_FILE */
	uint32_t raw_nr;
	uint64_t args[6];
	int64_t ret;
	uint64_t dev, ino;
	uint64_t placed;	/* ts of this call's last REC_SYS_PLACE, 0 = none */
	uint64_t vm_flags;	/* AVT_SYSF_VMFLAGS: the new VMA's vm_flags */
};

struct rec_fault {
	struct rec_hdr h;
	uint64_t addr, ip;
	uint32_t flags, error_code;
};

struct rec_fork {
	struct rec_hdr h;
	uint32_t child_pid, child_tid, flags, pad;
	uint64_t clone_flags, child_start;
	char comm[AVT_COMM_LEN];
};

struct rec_exec {
	struct rec_hdr h;
	uint32_t old_tid, pad;
	uint64_t start;
	char comm[AVT_COMM_LEN];
	char filename[AVT_PATH_LEN];
};

struct rec_exit {
	struct rec_hdr h;
	int32_t code;
	uint32_t group_dead;
};

struct rec_snap_begin {
	struct rec_hdr h;
	uint32_t kind, checkpoint, flags, pad;
	uint64_t start;
	char comm[AVT_COMM_LEN];
};

struct rec_snap_vma {
	struct rec_hdr h;
	uint64_t start, end, flags, pgoff, dev, ino;
	uint64_t av, root, parent;	/* raw kernel pointers: hashed by the driver */
	uint32_t num_children, num_active;
	uint32_t nr_avcs, nr_avc_ids;
	uint64_t avc_av[AVT_SNAP_MAX_AVC];
};

struct rec_snap_end {
	struct rec_hdr h;
	uint32_t kind, checkpoint, status, nr_vmas;
	uint64_t window_start;		/* window_end = h.ts */
};

struct rec_alloc {
	struct rec_hdr h;
	uint8_t cache, op;
	uint16_t site;
	uint32_t pad;
	uint64_t ptr;			/* raw kernel pointer: hashed by the driver */
};

struct rec_unmodelled {
	struct rec_hdr h;
	uint32_t raw_nr;
	int32_t map_count_delta;
	uint64_t seq_before, seq_after;
};

struct rec_stats {		/* a stats record written from BPF, in stream order */
	struct rec_hdr h;
	uint16_t kind, pad;
	uint32_t key;
	uint64_t value;
};

/* Value of the traced-tgid map. */
struct rec_target {
	uint64_t ops;		/* modelled mm operations seen (unmodelled check) */
	uint32_t fault_gen;	/* bumped when earlier faults stop deciding anything */
	uint32_t inflight;	/* modelled calls and clones now inside the kernel */
	uint64_t calls;		/* entries and exits of those (overlap detection) */
	/*
	 * The thread group died (sched_process_exit, group_dead) but its mm
	 * may not be torn down yet: exit_mm runs after that tracepoint, and
	 * exit_mmap's anon_vma/AVC frees come in the dying task's context.
	 * The entry stays, marked, until exit_mmap (or, failing that,
	 * sched_process_free of the group leader); exit_start tells the
	 * dying process from a new one that got its pid meanwhile.
	 */
	uint32_t exiting, pad;
	uint64_t exit_start;	/* group leader's start_time */
};

/* Allocation call-site range, resolved from /proc/kallsyms. */
struct rec_site {
	uint64_t start, end;
	uint32_t site;		/* enum avt_alloc_site */
	uint32_t pad;
};

/*
 * TEST ONLY: snapshot fault injection (env AVT_TEST_SNAP_FAIL, parsed by
 * src/record/inject.c). The nth snapshot of a kind (1-based, counted in
 * BPF over the whole recording, every process) comes out with status
 * failed or busy, decided where the status is, so everything after it
 * (counting, retry, the trace, verify) runs as for a real one.
 */
#define REC_MAX_INJECT 8
struct rec_snap_inject {
	uint32_t kind;		/* enum avt_snap_kind */
	uint32_t nth;		/* 1 = the first snapshot of that kind */
	uint32_t status;	/* AVT_SNAP_FAILED or AVT_SNAP_BUSY */
	uint32_t pad;
};

#endif /* AVT_BPF_RECORD_H */
