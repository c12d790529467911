// SPDX-License-Identifier: MIT
/*
 * Loss and volume accounting. A failed ring buffer reserve is counted in
 * BPF per CPU and per tgid; faults dropped by the in-kernel filter per CPU.
 * These are written as cumulative AVT_EV_STATS records (every checkpoint,
 * every 10 s and at the end), so replay can mark what lost events; the
 * per-type event counts of the recorder are written once, at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../bpf/record.h"
#include "record/recorder_int.h"
#include "record.skel.h"

static int percpu_sum(struct bpf_map *map, uint64_t *per, int ncpu, uint64_t *total)
{
	__u32 zero = 0;
	int err;

	err = bpf_map__lookup_elem(map, &zero, sizeof(zero), per, sizeof(uint64_t) * ncpu, 0);
	if (err)
		return err;
	*total = 0;
	for (int i = 0; i < ncpu; i++)
		*total += per[i];
	return 0;
}

int stats__read(struct recorder *r)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *per;
	int err;

	if (ncpu <= 0)
		return ncpu;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	err = percpu_sum(r->skel->maps.drops_cpu, per, ncpu, &r->drops);
	err = err ?: percpu_sum(r->skel->maps.filtered_cpu, per, ncpu, &r->filtered);
	free(per);
	return err;
}

static int put(struct recorder *r, uint16_t kind, uint32_t key, uint64_t value)
{
	struct avt_event ev = { .type = AVT_EV_STATS };

	ev.u.stats.kind = kind;
	ev.u.stats.key = key;
	ev.u.stats.value = value;
	return recorder__write(r, &ev);
}

static int write_percpu(struct recorder *r, struct bpf_map *map, uint16_t kind, int ncpu)
{
	uint64_t *per = calloc(ncpu, sizeof(*per)), total;
	int err;

	if (!per)
		return -ENOMEM;
	err = percpu_sum(map, per, ncpu, &total);
	for (int i = 0; !err && i < ncpu; i++)
		if (per[i])
			err = put(r, kind, i, per[i]);
	free(per);
	return err;
}

int stats__write(struct recorder *r, bool final)
{
	int ncpu = libbpf_num_possible_cpus(), fd, err;
	__u32 key, next;
	void *prev = NULL;
	uint64_t v;

	if (ncpu <= 0)
		return ncpu;
	err = write_percpu(r, r->skel->maps.drops_cpu, AVT_STATS_DROPS_CPU, ncpu);
	err = err ?: write_percpu(r, r->skel->maps.filtered_cpu, AVT_STATS_FAULTS_FILTERED, ncpu);
	err = err ?: write_percpu(r, r->skel->maps.exec_faults_cpu, AVT_STATS_EXEC_FAULTS, ncpu);
	fd = bpf_map__fd(r->skel->maps.drops_tgid);
	while (!err && !bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &v) && v)
			err = put(r, AVT_STATS_DROPS_TGID, next, v);
		key = next;
		prev = &key;
	}
	if (!err)
		err = put(r, AVT_STATS_RING_HWM, 0, r->skel->bss->ring_hwm);
	for (int t = 1; final && !err && t < AVT_EV__MAX_KNOWN; t++)
		if (r->by_type[t])
			err = put(r, AVT_STATS_EVENTS, t, r->by_type[t]);
	for (size_t i = 0; !err && i < r->nr_fails; i++)
		err = put(r, AVT_STATS_SNAP_FAILED, r->fails[i].tgid, r->fails[i].count);
	return err ?: stats__read(r);
}
