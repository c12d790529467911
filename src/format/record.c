// SPDX-License-Identifier: MIT
/*
 * Record bodies of the binary format v1, byte by byte as documented in
 * man/avtrace-format.5. Bodies are packed (no padding). A newer minor
 * version may append fields to a body: decoders read the prefix they know
 * and ignore the rest, which is why every length check is ">=".
 *
 * Strings: comm is a fixed 16-byte field (at most 15 chars, NUL padded);
 * exec filename and set value are a u16 length then the bytes, no NUL.
 */
#include <errno.h>
#include <string.h>
#include "avtrace/event.h"
#include "format/layout.h"
#include "format/record.h"
#include "util/le.h"

/* Fixed body sizes (minimum for variable bodies). */
enum {
	B_FORK = 44, B_EXEC = 30, B_EXIT = 8, B_SNAP_BEGIN = 36,
	B_SNAP_VMA = 88, B_SNAP_END = 32, B_SYSCALL = 76, B_FAULT = 24,
	B_ALLOC = 12, B_RMAP = 20, B_KSM = 12, B_CHECKPOINT = 4,
	B_UNMODELLED = 24, B_STATS = 14, B_SET = 4,
};

static const uint8_t body_min[AVT_EV__MAX_KNOWN] = {
	[AVT_EV_FORK] = B_FORK, [AVT_EV_EXEC] = B_EXEC, [AVT_EV_EXIT] = B_EXIT,
	[AVT_EV_SNAP_BEGIN] = B_SNAP_BEGIN, [AVT_EV_SNAP_VMA] = B_SNAP_VMA,
	[AVT_EV_SNAP_END] = B_SNAP_END, [AVT_EV_SYSCALL] = B_SYSCALL,
	[AVT_EV_FAULT] = B_FAULT, [AVT_EV_ALLOC] = B_ALLOC, [AVT_EV_RMAP] = B_RMAP,
	[AVT_EV_KSM] = B_KSM, [AVT_EV_CHECKPOINT] = B_CHECKPOINT,
	[AVT_EV_UNMODELLED] = B_UNMODELLED, [AVT_EV_STATS] = B_STATS,
	[AVT_EV_SET] = B_SET,
};

static inline int is_known(unsigned type)
{
	return type >= 1 && type < AVT_EV__MAX_KNOWN;
}

static inline size_t bounded_len(const char *s, size_t max)
{
	return strnlen(s, max - 1);
}

long avt_record__size(const struct avt_event *ev)
{
	long body;

	switch (ev->type) {
	case AVT_EV_EXEC:
		body = B_EXEC + (long)bounded_len(ev->u.exec.filename, AVT_PATH_LEN);
		break;
	case AVT_EV_SNAP_VMA:
		if (ev->u.snap_vma.nr_avc_ids > AVT_SNAP_MAX_AVC)
			return -EINVAL;
		body = B_SNAP_VMA + 8L * ev->u.snap_vma.nr_avc_ids;
		break;
	case AVT_EV_SET:
		body = B_SET + (long)bounded_len(ev->u.set.value, AVT_SET_LEN);
		break;
	case AVT_EV_UNKNOWN:
		/* a known raw type would be decoded, not preserved: refuse */
		if (is_known(ev->u.unknown.raw_type))
			return -EINVAL;
		if (ev->u.unknown.len > AVT_REC_MAX_UNKNOWN)
			return -E2BIG;
		if (ev->u.unknown.len && !ev->u.unknown.data)
			return -EINVAL;
		body = ev->u.unknown.len;
		break;
	default:
		if (!is_known(ev->type))
			return -EINVAL;
		body = body_min[ev->type];
	}
	return AVT_RH_SIZE_V1 + body;
}

static inline void put_comm(uint8_t *p, const char *comm)
{
	size_t n = bounded_len(comm, AVT_COMM_LEN);

	memcpy(p, comm, n);
	memset(p + n, 0, AVT_COMM_LEN - n);
}

static inline size_t put_str16(uint8_t *p, const char *s, size_t max)
{
	size_t n = bounded_len(s, max);

	put_le16(p, (uint16_t)n);
	memcpy(p + 2, s, n);
	return 2 + n;
}

size_t avt_record__encode(const struct avt_event *ev, uint8_t *buf)
{
	uint8_t *b = buf + AVT_RH_SIZE_V1;
	uint16_t type = ev->type;
	size_t size;
	unsigned i;

	switch (ev->type) {
	case AVT_EV_FORK: {
		const struct avt_ev_fork *e = &ev->u.fork;

		put_le32(b + 0, e->child_pid);
		put_le32(b + 4, e->child_tid);
		put_le32(b + 8, e->flags);
		put_le64(b + 12, e->clone_flags);
		put_le64(b + 20, e->child_start);
		put_comm(b + 28, e->comm);
		size = B_FORK;
		break;
	}
	case AVT_EV_EXEC: {
		const struct avt_ev_exec *e = &ev->u.exec;

		put_le32(b + 0, e->old_tid);
		put_le64(b + 4, e->start);
		put_comm(b + 12, e->comm);
		size = 28 + put_str16(b + 28, e->filename, AVT_PATH_LEN);
		break;
	}
	case AVT_EV_EXIT:
		put_le32(b + 0, (uint32_t)ev->u.exit.code);
		put_le32(b + 4, ev->u.exit.group_dead);
		size = B_EXIT;
		break;
	case AVT_EV_SNAP_BEGIN: {
		const struct avt_ev_snap_begin *e = &ev->u.snap_begin;

		put_le32(b + 0, e->kind);
		put_le32(b + 4, e->checkpoint);
		put_le32(b + 8, e->flags);
		put_le64(b + 12, e->start);
		put_comm(b + 20, e->comm);
		size = B_SNAP_BEGIN;
		break;
	}
	case AVT_EV_SNAP_VMA: {
		const struct avt_ev_snap_vma *e = &ev->u.snap_vma;

		put_le64(b + 0, e->start);
		put_le64(b + 8, e->end);
		put_le64(b + 16, e->flags);
		put_le64(b + 24, e->pgoff);
		put_le64(b + 32, e->dev);
		put_le64(b + 40, e->ino);
		put_le64(b + 48, e->av);
		put_le64(b + 56, e->root);
		put_le64(b + 64, e->parent);
		put_le32(b + 72, e->num_children);
		put_le32(b + 76, e->num_active);
		put_le32(b + 80, e->nr_avcs);
		put_le32(b + 84, e->nr_avc_ids);
		for (i = 0; i < e->nr_avc_ids; i++)
			put_le64(b + 88 + 8 * i, e->avc_av[i]);
		size = B_SNAP_VMA + 8 * e->nr_avc_ids;
		break;
	}
	case AVT_EV_SNAP_END: {
		const struct avt_ev_snap_end *e = &ev->u.snap_end;

		put_le32(b + 0, e->kind);
		put_le32(b + 4, e->checkpoint);
		put_le32(b + 8, e->status);
		put_le32(b + 12, e->nr_vmas);
		put_le64(b + 16, e->window_start);
		put_le64(b + 24, e->window_end);
		size = B_SNAP_END;
		break;
	}
	case AVT_EV_SYSCALL: {
		const struct avt_ev_syscall *e = &ev->u.sys;

		put_le16(b + 0, e->sys);
		put_le16(b + 2, e->flags);
		for (i = 0; i < 6; i++)
			put_le64(b + 4 + 8 * i, e->args[i]);
		put_le64(b + 52, (uint64_t)e->ret);
		put_le64(b + 60, e->dev);
		put_le64(b + 68, e->ino);
		size = B_SYSCALL;
		break;
	}
	case AVT_EV_FAULT:
		put_le64(b + 0, ev->u.fault.addr);
		put_le64(b + 8, ev->u.fault.ip);
		put_le32(b + 16, ev->u.fault.flags);
		put_le32(b + 20, ev->u.fault.error_code);
		size = B_FAULT;
		break;
	case AVT_EV_ALLOC:
		b[0] = ev->u.alloc.cache;
		b[1] = ev->u.alloc.op;
		put_le16(b + 2, ev->u.alloc.site);
		put_le64(b + 4, ev->u.alloc.id);
		size = B_ALLOC;
		break;
	case AVT_EV_RMAP:
		put_le32(b + 0, ev->u.rmap.target_pid);
		put_le32(b + 4, ev->u.rmap.kind);
		put_le32(b + 8, ev->u.rmap.walk_id);
		put_le64(b + 12, ev->u.rmap.addr);
		size = B_RMAP;
		break;
	case AVT_EV_KSM:
		put_le32(b + 0, ev->u.ksm.target_pid);
		put_le64(b + 4, ev->u.ksm.addr);
		size = B_KSM;
		break;
	case AVT_EV_CHECKPOINT:
		put_le32(b + 0, ev->u.checkpoint.n);
		size = B_CHECKPOINT;
		break;
	case AVT_EV_UNMODELLED:
		put_le32(b + 0, ev->u.unmodelled.raw_nr);
		put_le32(b + 4, (uint32_t)ev->u.unmodelled.map_count_delta);
		put_le64(b + 8, ev->u.unmodelled.seq_before);
		put_le64(b + 16, ev->u.unmodelled.seq_after);
		size = B_UNMODELLED;
		break;
	case AVT_EV_STATS:
		put_le16(b + 0, ev->u.stats.kind);
		put_le32(b + 2, ev->u.stats.key);
		put_le64(b + 6, ev->u.stats.value);
		size = B_STATS;
		break;
	case AVT_EV_SET:
		put_le16(b + 0, ev->u.set.key);
		size = 2 + put_str16(b + 2, ev->u.set.value, AVT_SET_LEN);
		break;
	case AVT_EV_UNKNOWN:
	default:
		type = ev->u.unknown.raw_type;
		size = ev->u.unknown.len;
		if (size)
			memcpy(b, ev->u.unknown.data, size);
		break;
	}
	size += AVT_RH_SIZE_V1;
	put_le16(buf + AVT_RH_TYPE, type);
	put_le16(buf + AVT_RH_CPU, ev->cpu);
	put_le32(buf + AVT_RH_SIZE, (uint32_t)size);
	put_le32(buf + AVT_RH_PID, ev->pid);
	put_le32(buf + AVT_RH_TID, ev->tid);
	put_le64(buf + AVT_RH_TS, ev->ts);
	return size;
}

int avt_record__check(const uint8_t *rec, uint32_t size, const char **why)
{
	const uint8_t *b = rec + AVT_RH_SIZE_V1;
	uint32_t blen = size - AVT_RH_SIZE_V1;
	uint16_t type = get_le16(rec + AVT_RH_TYPE);
	uint32_t n;

	if (!is_known(type))
		return 0;
	if (blen < body_min[type]) {
		*why = "record body shorter than its type needs";
		return -EPROTO;
	}
	switch (type) {
	case AVT_EV_EXEC:
		if (2u + get_le16(b + 28) > blen - 28)
			goto short_str;
		break;
	case AVT_EV_SET:
		if (2u + get_le16(b + 2) > blen - 2)
			goto short_str;
		break;
	case AVT_EV_SNAP_VMA:
		n = get_le32(b + 84);
		if (n > AVT_SNAP_MAX_AVC) {
			*why = "snap_vma lists more AVC ids than the format allows";
			return -EPROTO;
		}
		if (blen < B_SNAP_VMA + 8 * n) {
			*why = "snap_vma body shorter than its AVC id list";
			return -EPROTO;
		}
		break;
	}
	return 0;
short_str:
	*why = "string length runs past the end of its record";
	return -EPROTO;
}

/* Copy a u16-length-prefixed string into dst[max], truncating to max-1
 * bytes (a newer writer may allow longer strings). */
static inline int get_str16(const uint8_t *p, size_t avail, char *dst, size_t max)
{
	size_t n = get_le16(p), keep;

	if (2 + n > avail)
		return -1;
	keep = n < max - 1 ? n : max - 1;
	memcpy(dst, p + 2, keep);
	dst[keep] = '\0';
	return 0;
}

static inline void get_comm(const uint8_t *p, char *comm)
{
	memcpy(comm, p, AVT_COMM_LEN);
	comm[AVT_COMM_LEN - 1] = '\0';
}

int avt_record__decode(const uint8_t *rec, uint32_t size, struct avt_event *ev,
		       const char **why)
{
	const uint8_t *b = rec + AVT_RH_SIZE_V1;
	uint32_t blen = size - AVT_RH_SIZE_V1;
	uint16_t type = get_le16(rec + AVT_RH_TYPE);
	unsigned i;

	ev->cpu = get_le16(rec + AVT_RH_CPU);
	ev->pid = get_le32(rec + AVT_RH_PID);
	ev->tid = get_le32(rec + AVT_RH_TID);
	ev->ts = get_le64(rec + AVT_RH_TS);

	if (!is_known(type)) {
		ev->type = AVT_EV_UNKNOWN;
		ev->u.unknown.raw_type = type;
		ev->u.unknown.len = blen;
		ev->u.unknown.data = b;
		return 0;
	}
	if (blen < body_min[type]) {
		*why = "record body shorter than its type needs";
		return -EPROTO;
	}
	ev->type = type;

	switch (type) {
	case AVT_EV_FORK: {
		struct avt_ev_fork *e = &ev->u.fork;

		e->child_pid = get_le32(b + 0);
		e->child_tid = get_le32(b + 4);
		e->flags = get_le32(b + 8);
		e->clone_flags = get_le64(b + 12);
		e->child_start = get_le64(b + 20);
		get_comm(b + 28, e->comm);
		break;
	}
	case AVT_EV_EXEC: {
		struct avt_ev_exec *e = &ev->u.exec;

		e->old_tid = get_le32(b + 0);
		e->start = get_le64(b + 4);
		get_comm(b + 12, e->comm);
		if (get_str16(b + 28, blen - 28, e->filename, AVT_PATH_LEN))
			goto short_str;
		break;
	}
	case AVT_EV_EXIT:
		ev->u.exit.code = (int32_t)get_le32(b + 0);
		ev->u.exit.group_dead = get_le32(b + 4);
		break;
	case AVT_EV_SNAP_BEGIN: {
		struct avt_ev_snap_begin *e = &ev->u.snap_begin;

		e->kind = get_le32(b + 0);
		e->checkpoint = get_le32(b + 4);
		e->flags = get_le32(b + 8);
		e->start = get_le64(b + 12);
		get_comm(b + 20, e->comm);
		break;
	}
	case AVT_EV_SNAP_VMA: {
		struct avt_ev_snap_vma *e = &ev->u.snap_vma;

		e->start = get_le64(b + 0);
		e->end = get_le64(b + 8);
		e->flags = get_le64(b + 16);
		e->pgoff = get_le64(b + 24);
		e->dev = get_le64(b + 32);
		e->ino = get_le64(b + 40);
		e->av = get_le64(b + 48);
		e->root = get_le64(b + 56);
		e->parent = get_le64(b + 64);
		e->num_children = get_le32(b + 72);
		e->num_active = get_le32(b + 76);
		e->nr_avcs = get_le32(b + 80);
		e->nr_avc_ids = get_le32(b + 84);
		if (e->nr_avc_ids > AVT_SNAP_MAX_AVC) {
			*why = "snap_vma lists more AVC ids than the format allows";
			return -EPROTO;
		}
		if (blen < B_SNAP_VMA + 8 * e->nr_avc_ids) {
			*why = "snap_vma body shorter than its AVC id list";
			return -EPROTO;
		}
		for (i = 0; i < e->nr_avc_ids; i++)
			e->avc_av[i] = get_le64(b + 88 + 8 * i);
		for (; i < AVT_SNAP_MAX_AVC; i++)
			e->avc_av[i] = 0;
		break;
	}
	case AVT_EV_SNAP_END: {
		struct avt_ev_snap_end *e = &ev->u.snap_end;

		e->kind = get_le32(b + 0);
		e->checkpoint = get_le32(b + 4);
		e->status = get_le32(b + 8);
		e->nr_vmas = get_le32(b + 12);
		e->window_start = get_le64(b + 16);
		e->window_end = get_le64(b + 24);
		break;
	}
	case AVT_EV_SYSCALL: {
		struct avt_ev_syscall *e = &ev->u.sys;

		e->sys = get_le16(b + 0);
		e->flags = get_le16(b + 2);
		for (i = 0; i < 6; i++)
			e->args[i] = get_le64(b + 4 + 8 * i);
		e->ret = (int64_t)get_le64(b + 52);
		e->dev = get_le64(b + 60);
		e->ino = get_le64(b + 68);
		break;
	}
	case AVT_EV_FAULT:
		ev->u.fault.addr = get_le64(b + 0);
		ev->u.fault.ip = get_le64(b + 8);
		ev->u.fault.flags = get_le32(b + 16);
		ev->u.fault.error_code = get_le32(b + 20);
		break;
	case AVT_EV_ALLOC:
		ev->u.alloc.cache = b[0];
		ev->u.alloc.op = b[1];
		ev->u.alloc.site = get_le16(b + 2);
		ev->u.alloc.id = get_le64(b + 4);
		break;
	case AVT_EV_RMAP:
		ev->u.rmap.target_pid = get_le32(b + 0);
		ev->u.rmap.kind = get_le32(b + 4);
		ev->u.rmap.walk_id = get_le32(b + 8);
		ev->u.rmap.addr = get_le64(b + 12);
		break;
	case AVT_EV_KSM:
		ev->u.ksm.target_pid = get_le32(b + 0);
		ev->u.ksm.addr = get_le64(b + 4);
		break;
	case AVT_EV_CHECKPOINT:
		ev->u.checkpoint.n = get_le32(b + 0);
		break;
	case AVT_EV_UNMODELLED:
		ev->u.unmodelled.raw_nr = get_le32(b + 0);
		ev->u.unmodelled.map_count_delta = (int32_t)get_le32(b + 4);
		ev->u.unmodelled.seq_before = get_le64(b + 8);
		ev->u.unmodelled.seq_after = get_le64(b + 16);
		break;
	case AVT_EV_STATS:
		ev->u.stats.kind = get_le16(b + 0);
		ev->u.stats.key = get_le32(b + 2);
		ev->u.stats.value = get_le64(b + 6);
		break;
	case AVT_EV_SET:
		ev->u.set.key = get_le16(b + 0);
		if (get_str16(b + 2, blen - 2, ev->u.set.value, AVT_SET_LEN))
			goto short_str;
		break;
	}
	return 0;

short_str:
	*why = "string length runs past the end of its record";
	return -EPROTO;
}
