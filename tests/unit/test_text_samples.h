/* SPDX-License-Identifier: MIT */
/*
 * Sample events for the text-form tests: one of every event type and every
 * syscall, each with every field set to a distinct non-zero value, plus a
 * few with odd values (unknown flag bits, unnamed errnos, strings that need
 * quoting) that the text must still carry exactly.
 */
#ifndef TEST_TEXT_SAMPLES_H
#define TEST_TEXT_SAMPLES_H

#include <string.h>
#include "avtrace/event.h"
#include "test_event_equal.h"

#define SAMPLES_MAX 96

static const uint8_t sample_unknown_data[] = { 0x00, 0x01, 0xab, 0xff, 0x7f };

static struct avt_event *sample_next(struct avt_event *v, int *n, uint16_t type)
{
	struct avt_event *ev = &v[(*n)++];

	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->ts = 1000000000ull + (uint64_t)*n * 1000;
	ev->cpu = (uint16_t)(*n % 7 + 1);
	ev->pid = 4000 + (uint32_t)*n;
	ev->tid = 5000 + (uint32_t)*n;
	return ev;
}

static void sample_sys(struct avt_event *v, int *n, uint16_t sys, int64_t ret)
{
	struct avt_event *ev = sample_next(v, n, AVT_EV_SYSCALL);

	ev->u.sys.sys = sys;
	for (int i = 0; i < 6; i++)
		ev->u.sys.args[i] = 0x7f0000001000ull + (uint64_t)sys * 0x10000 + (uint64_t)i * 0x1000;
	ev->u.sys.ret = ret;
}

/* Fill v (SAMPLES_MAX entries) and return how many. */
static int samples_fill(struct avt_event *v)
{
	struct avt_event *ev;
	int n = 0;

	/* every syscall, all six args set (unused ones print as argN=) */
	for (uint16_t s = 1; s < AVT_SYS__MAX; s++)
		sample_sys(v, &n, s, s % 2 ? -12 : (int64_t)s);
	/* mmap as the recorder writes it: realistic flags, a file, fd=-1 style */
	ev = &v[n];
	sample_sys(v, &n, AVT_SYS_MMAP, 0x7f1234560000);
	ev->u.sys.args[0] = 0;
	ev->u.sys.args[1] = 0x21000;
	ev->u.sys.args[2] = 5;
	ev->u.sys.args[3] = 0x2 | 0x10 | 0x100000 | 0x80000000u;	/* + an unknown bit */
	ev->u.sys.args[4] = 3;
	ev->u.sys.args[5] = 0x2000;
	ev->u.sys.flags = AVT_SYSF_FILE;
	ev->u.sys.dev = (8ull << 20) | 3;
	ev->u.sys.ino = 1234567;
	/* anonymous mmap, fd -1 sign-extended, prot with PROT_SEM and an unknown bit */
	ev = &v[n];
	sample_sys(v, &n, AVT_SYS_MMAP, -4000);	/* an errno with no name */
	memset(ev->u.sys.args, 0, sizeof(ev->u.sys.args));
	ev->u.sys.args[1] = 0x1000;
	ev->u.sys.args[2] = 3 | 8 | 0x100;
	ev->u.sys.args[3] = 0x22 | (21ull << 26);
	ev->u.sys.args[4] = (uint64_t)-1;
	/* fd as a zero-extended -1, dev/ino without the flag, odd syscall flags */
	ev = &v[n];
	sample_sys(v, &n, AVT_SYS_MMAP, (int64_t)0xffffffffff600000ull);
	ev->u.sys.args[4] = 0xffffffffu;
	ev->u.sys.dev = 1;
	ev->u.sys.flags = 0x80;
	/* madvise with a named and an unnamed advice; mlockall/mremap flags */
	ev = &v[n];
	sample_sys(v, &n, AVT_SYS_MADVISE, 0);
	ev->u.sys.args[2] = 102;	/* MADV_GUARD_INSTALL */
	ev = &v[n];
	sample_sys(v, &n, AVT_SYS_MADVISE, -22);
	ev->u.sys.args[2] = 77;
	ev = &v[n];
	sample_sys(v, &n, AVT_SYS_MLOCKALL, 0);
	memset(ev->u.sys.args, 0, sizeof(ev->u.sys.args));
	ev->u.sys.args[0] = 1 | 2 | 4;
	ev = &v[n];
	sample_sys(v, &n, AVT_SYS_MREMAP, 0x7f0000400000);
	ev->u.sys.args[3] = 1 | 4;
	ev = &v[n];
	sample_sys(v, &n, AVT_SYS_PRCTL, 0);
	ev->u.sys.args[0] = 0x53564d41;
	/* a syscall id this build has no name for */
	ev = &v[n];
	sample_sys(v, &n, 0x7777, 5);

	ev = sample_next(v, &n, AVT_EV_FORK);
	ev->u.fork = (struct avt_ev_fork){ .child_pid = 77, .child_tid = 78,
		.flags = AVT_FORK_THREAD | AVT_FORK_VFORK | AVT_FORK_NEWMM | 0x100,
		.clone_flags = 0x1200011, .child_start = 987654321 };
	strcpy(ev->u.fork.comm, "bash");
	ev = sample_next(v, &n, AVT_EV_FORK);
	ev->u.fork = (struct avt_ev_fork){ .child_pid = 79, .child_tid = 79, .flags = 0 };
	strcpy(ev->u.fork.comm, "a b\"c\\d\te#f=");

	ev = sample_next(v, &n, AVT_EV_EXEC);
	ev->u.exec = (struct avt_ev_exec){ .old_tid = 4444, .start = 123456789 };
	strcpy(ev->u.exec.comm, "x");	/* not the basename: must survive */
	strcpy(ev->u.exec.filename, "/usr/bin/with space/\xc3\xa9t\xc3\xa9");
	ev = sample_next(v, &n, AVT_EV_EXEC);
	ev->u.exec.old_tid = 1;
	strcpy(ev->u.exec.comm, "");	/* empty comm: must not become "true" */
	strcpy(ev->u.exec.filename, "/bin/true");
	ev = sample_next(v, &n, AVT_EV_EXEC);	/* longest filename and comm */
	memset(ev->u.exec.filename, 'f', AVT_PATH_LEN - 1);
	ev->u.exec.filename[0] = '/';
	memset(ev->u.exec.comm, 'c', AVT_COMM_LEN - 1);

	ev = sample_next(v, &n, AVT_EV_EXIT);
	ev->u.exit = (struct avt_ev_exit){ .code = -9, .group_dead = 0 };
	ev = sample_next(v, &n, AVT_EV_EXIT);
	ev->u.exit = (struct avt_ev_exit){ .code = 256, .group_dead = 1 };

	ev = sample_next(v, &n, AVT_EV_SNAP_BEGIN);
	ev->u.snap_begin = (struct avt_ev_snap_begin){ .kind = AVT_SNAP_CHECKPOINT,
		.checkpoint = 3, .flags = AVT_SNAP_PASSIVE, .start = 555 };
	strcpy(ev->u.snap_begin.comm, "cc1");
	ev = sample_next(v, &n, AVT_EV_SNAP_BEGIN);
	ev->u.snap_begin = (struct avt_ev_snap_begin){ .kind = 9, .checkpoint = 0, .flags = 6, .start = 1 };

	ev = sample_next(v, &n, AVT_EV_SNAP_VMA);
	ev->u.snap_vma = (struct avt_ev_snap_vma){ .start = 0x555500000000, .end = 0x555500021000,
		.flags = 0x8100073, .pgoff = 0x555500000, .dev = (259ull << 20) | 2, .ino = 42,
		.av = 0xa1, .root = 0xa0, .parent = 0xa0, .num_children = 2, .num_active = 3,
		.nr_avcs = 11, .nr_avc_ids = AVT_SNAP_MAX_AVC };
	for (int i = 0; i < AVT_SNAP_MAX_AVC; i++)
		ev->u.snap_vma.avc_av[i] = 0xa1 + (uint64_t)i;
	ev = sample_next(v, &n, AVT_EV_SNAP_VMA);
	ev->u.snap_vma = (struct avt_ev_snap_vma){ .start = 0x1000, .end = 0x2000, .flags = 0x73,
		.nr_avcs = 1, .nr_avc_ids = 1, .avc_av = { 0 } };
	ev = sample_next(v, &n, AVT_EV_SNAP_VMA);
	ev->u.snap_vma = (struct avt_ev_snap_vma){ .start = 0x3000, .end = 0x5000 };

	ev = sample_next(v, &n, AVT_EV_SNAP_END);
	ev->u.snap_end = (struct avt_ev_snap_end){ .kind = AVT_SNAP_EXEC, .checkpoint = 2,
		.status = AVT_SNAP_PARTIAL, .nr_vmas = 31, .window_start = 1000000001,
		.window_end = 1000000999 };
	ev = sample_next(v, &n, AVT_EV_SNAP_END);
	ev->u.snap_end = (struct avt_ev_snap_end){ .kind = AVT_SNAP_EXIT, .status = 7, .nr_vmas = 1 };

	ev = sample_next(v, &n, AVT_EV_FAULT);
	ev->u.fault = (struct avt_ev_fault){ .addr = 0x7ffd00001234, .ip = 0x401000,
		.flags = AVT_FAULT_WRITE | AVT_FAULT_KERNEL, .error_code = 0x7 };
	ev = sample_next(v, &n, AVT_EV_FAULT);
	ev->u.fault = (struct avt_ev_fault){ .addr = 0x1, .ip = 0x2,
		.flags = AVT_FAULT_INSTR | AVT_FAULT_WRITE | 0x40, .error_code = 0x15 };

	ev = sample_next(v, &n, AVT_EV_ALLOC);
	ev->u.alloc = (struct avt_ev_alloc){ .cache = AVT_CACHE_AVC, .op = AVT_FREE,
		.site = AVT_SITE_UNLINK, .id = 0xdeadbeef01 };
	ev = sample_next(v, &n, AVT_EV_ALLOC);
	ev->u.alloc = (struct avt_ev_alloc){ .cache = 9, .op = 3, .site = 99, .id = 1 };

	ev = sample_next(v, &n, AVT_EV_RMAP);
	ev->u.rmap = (struct avt_ev_rmap){ .target_pid = 4001, .kind = AVT_RMAP_END,
		.walk_id = 17, .addr = 0x7f0000003000 };
	ev = sample_next(v, &n, AVT_EV_KSM);
	ev->u.ksm = (struct avt_ev_ksm){ .target_pid = 4002, .addr = 0x7f0000005000 };
	ev = sample_next(v, &n, AVT_EV_CHECKPOINT);
	ev->u.checkpoint.n = 12;
	ev = sample_next(v, &n, AVT_EV_UNMODELLED);
	ev->u.unmodelled = (struct avt_ev_unmodelled){ .raw_nr = 449, .map_count_delta = -3,
		.seq_before = 100, .seq_after = 104 };

	for (uint16_t k = AVT_STATS_DROPS_CPU; k <= AVT_STATS_SNAP_FAILED + 1; k++) {
		ev = sample_next(v, &n, AVT_EV_STATS);
		ev->u.stats = (struct avt_ev_stats){ .kind = k, .key = 3u + k, .value = 1000u * k };
	}

	ev = sample_next(v, &n, AVT_EV_SET);
	ev->pid = 0;
	ev->tid = 0;
	ev->u.set.key = AVT_KEY_THP;
	strcpy(ev->u.set.value, "always");
	ev = sample_next(v, &n, AVT_EV_SET);
	ev->u.set.key = AVT_KEY_CMDLINE;
	strcpy(ev->u.set.value, "make -j2 \"all\"");
	ev = sample_next(v, &n, AVT_EV_SET);
	ev->u.set.key = 0x4242;	/* a key this build does not know */
	strcpy(ev->u.set.value, "");

	ev = sample_next(v, &n, AVT_EV_UNKNOWN);
	ev->u.unknown = (struct avt_ev_unknown){ .raw_type = 0x1234,
		.len = sizeof(sample_unknown_data), .data = sample_unknown_data };
	ev = sample_next(v, &n, AVT_EV_UNKNOWN);
	ev->u.unknown = (struct avt_ev_unknown){ .raw_type = 0x99 };
	return n;
}

#endif /* TEST_TEXT_SAMPLES_H */
