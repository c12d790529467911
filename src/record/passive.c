// SPDX-License-Identifier: MIT
/*
 * Passive snapshots at start. With -p on one process of a forking server,
 * the target's anon_vmas belong to families (one root each) that its parent
 * and siblings share; without their VMAs the family's counts cannot be
 * checked. So after the targets' start snapshots (their root ids noted),
 * every other process is snapshotted with its events held back; if one of
 * its VMAs has a root of a target, the snapshot is written with
 * flags=passive, otherwise dropped. Passive processes are not traced.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "record/recorder_int.h"

void passive__note_root(struct recorder *r, uint64_t root)
{
	if (!root)
		return;
	for (size_t i = 0; i < r->nr_roots; i++)
		if (r->roots[i] == root)
			return;
	if (r->nr_roots == r->cap_roots) {
		size_t nc = r->cap_roots ? r->cap_roots * 2 : 64;
		uint64_t *nv = realloc(r->roots, nc * sizeof(*nv));

		if (!nv)
			return;
		r->roots = nv;
		r->cap_roots = nc;
	}
	r->roots[r->nr_roots++] = root;
}

int passive__hold(struct recorder *r, const struct avt_event *ev)
{
	if (ev->pid != (uint32_t)r->capture_tgid || ev->type < AVT_EV_SNAP_BEGIN ||
	    ev->type > AVT_EV_SNAP_END)
		return 0;
	if (r->nr_held == r->cap_held) {
		size_t nc = r->cap_held ? r->cap_held * 2 : 256;
		struct avt_event *nv = realloc(r->held, nc * sizeof(*nv));

		if (!nv)
			return 1;	/* dropped: the snapshot would be incomplete */
		r->held = nv;
		r->cap_held = nc;
	}
	r->held[r->nr_held++] = *ev;
	return 1;
}

static bool shares_root(struct recorder *r)
{
	for (size_t i = 0; i < r->nr_held; i++) {
		const struct avt_event *e = &r->held[i];

		if (e->type != AVT_EV_SNAP_VMA || !e->u.snap_vma.root)
			continue;
		for (size_t j = 0; j < r->nr_roots; j++)
			if (r->roots[j] == e->u.snap_vma.root)
				return true;
	}
	return false;
}

static bool is_target(const pid_t *t, int n, pid_t p)
{
	for (int i = 0; i < n; i++)
		if (t[i] == p)
			return true;
	return false;
}

int passive__snapshots(struct recorder *r, const pid_t *targets, int nr)
{
	pid_t *all = NULL;
	int n, written = 0;

	if (!r->nr_roots)
		return 0;
	n = targets__all_procs(&all);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (all[i] == getpid() || is_target(targets, nr, all[i]))
			continue;
		r->nr_held = 0;
		r->capture_tgid = all[i];
		snapshot__take(r, all[i], AVT_SNAP_START, 0);
		r->capture_tgid = 0;
		if (!r->nr_held || !shares_root(r))
			continue;
		for (size_t k = 0; k < r->nr_held; k++) {
			if (r->held[k].type == AVT_EV_SNAP_BEGIN)
				r->held[k].u.snap_begin.flags |= AVT_SNAP_PASSIVE;
			recorder__emit(r, &r->held[k]);
		}
		written++;
	}
	r->nr_held = 0;
	free(all);
	return written;
}

void passive__free(struct recorder *r)
{
	free(r->roots);
	free(r->held);
	r->roots = NULL;
	r->held = NULL;
}
