/* SPDX-License-Identifier: MIT */
/*
 * Are two decoded events the same, field by field? Written from
 * include/avtrace/event.h alone (not from the codecs' tables), so the unit
 * tests of the binary and text forms compare what a codec gives back with
 * what went in, independently of how the codec spells the fields.
 */
#ifndef TEST_EVENT_EQUAL_H
#define TEST_EVENT_EQUAL_H

#include <string.h>
#include "avtrace/event.h"

/* Field-identical, field by field (struct padding is not data). */
#define SAME(f) (a->f == b->f)
#define SAMEM(f) (!memcmp(a->f, b->f, sizeof(a->f)))
/* strings: up to the NUL (what follows it is not data) */
#define SAMES(f) (!strncmp(a->f, b->f, sizeof(a->f)))
static int event_equal(const struct avt_event *a, const struct avt_event *b)
{
	if (!SAME(type) || !SAME(cpu) || !SAME(pid) || !SAME(tid) || !SAME(ts))
		return 0;
	switch (a->type) {
	case AVT_EV_FORK:
		return SAME(u.fork.child_pid) && SAME(u.fork.child_tid) && SAME(u.fork.flags) &&
		       SAME(u.fork.clone_flags) && SAME(u.fork.child_start) && SAMES(u.fork.comm);
	case AVT_EV_EXEC:
		return SAME(u.exec.old_tid) && SAME(u.exec.start) && SAMES(u.exec.comm) &&
		       SAMES(u.exec.filename);
	case AVT_EV_EXIT:
		return SAME(u.exit.code) && SAME(u.exit.group_dead);
	case AVT_EV_SNAP_BEGIN:
		return SAME(u.snap_begin.kind) && SAME(u.snap_begin.checkpoint) &&
		       SAME(u.snap_begin.flags) && SAME(u.snap_begin.start) &&
		       SAMES(u.snap_begin.comm);
	case AVT_EV_SNAP_VMA:
		return SAME(u.snap_vma.start) && SAME(u.snap_vma.end) && SAME(u.snap_vma.flags) &&
		       SAME(u.snap_vma.pgoff) && SAME(u.snap_vma.dev) && SAME(u.snap_vma.ino) &&
		       SAME(u.snap_vma.av) && SAME(u.snap_vma.root) && SAME(u.snap_vma.parent) &&
		       SAME(u.snap_vma.num_children) && SAME(u.snap_vma.num_active) &&
		       SAME(u.snap_vma.nr_avcs) && SAME(u.snap_vma.nr_avc_ids) &&
		       a->u.snap_vma.nr_avc_ids <= AVT_SNAP_MAX_AVC &&
		       !memcmp(a->u.snap_vma.avc_av, b->u.snap_vma.avc_av,
			       a->u.snap_vma.nr_avc_ids * sizeof(a->u.snap_vma.avc_av[0]));
	case AVT_EV_SNAP_END:
		return SAME(u.snap_end.kind) && SAME(u.snap_end.checkpoint) &&
		       SAME(u.snap_end.status) && SAME(u.snap_end.nr_vmas) &&
		       SAME(u.snap_end.window_start) && SAME(u.snap_end.window_end);
	case AVT_EV_SYSCALL:
		return SAME(u.sys.sys) && SAME(u.sys.flags) && SAMEM(u.sys.args) &&
		       SAME(u.sys.ret) && SAME(u.sys.dev) && SAME(u.sys.ino);
	case AVT_EV_FAULT:
		return SAME(u.fault.addr) && SAME(u.fault.ip) && SAME(u.fault.flags) &&
		       SAME(u.fault.error_code);
	case AVT_EV_ALLOC:
		return SAME(u.alloc.cache) && SAME(u.alloc.op) && SAME(u.alloc.site) &&
		       SAME(u.alloc.id);
	case AVT_EV_RMAP:
		return SAME(u.rmap.target_pid) && SAME(u.rmap.kind) && SAME(u.rmap.walk_id) &&
		       SAME(u.rmap.addr);
	case AVT_EV_KSM:
		return SAME(u.ksm.target_pid) && SAME(u.ksm.addr);
	case AVT_EV_CHECKPOINT:
		return SAME(u.checkpoint.n);
	case AVT_EV_UNMODELLED:
		return SAME(u.unmodelled.raw_nr) && SAME(u.unmodelled.map_count_delta) &&
		       SAME(u.unmodelled.seq_before) && SAME(u.unmodelled.seq_after);
	case AVT_EV_STATS:
		return SAME(u.stats.kind) && SAME(u.stats.key) && SAME(u.stats.value);
	case AVT_EV_SET:
		return SAME(u.set.key) && SAMES(u.set.value);
	case AVT_EV_UNKNOWN:
		return SAME(u.unknown.raw_type) && SAME(u.unknown.len) &&
		       (!a->u.unknown.len ||
			!memcmp(a->u.unknown.data, b->u.unknown.data, a->u.unknown.len));
	}
	return 0;
}

#endif /* TEST_EVENT_EQUAL_H */
