// SPDX-License-Identifier: MIT
/*
 * Record bodies of the binary format v1, byte by byte as documented in
 * man/avtrace-format.5. The fixed fields of each body are the tables of
 * format/bodies.h, which the encoder and the decoder below both expand;
 * what varies in size is coded here. Bodies are packed (no padding).
 * A newer minor version may append fields to a body: decoders read the
 * prefix they know and ignore the rest, which is why every length check
 * is ">=".
 *
 * Strings: comm is a fixed 16-byte field (at most 15 chars, NUL padded);
 * exec filename and set value are a u16 length then the bytes, no NUL.
 */
#include <errno.h>
#include <string.h>
#include "avtrace/event.h"
#include "format/bodies.h"
#include "format/layout.h"
#include "format/record.h"
#include "util/le.h"

/* On-disk types of the layout tables in format/bodies.h */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

static inline void put_u8(uint8_t *p, u8 v) { *p = v; }
static inline void put_u16(uint8_t *p, u16 v) { put_le16(p, v); }
static inline void put_u32(uint8_t *p, u32 v) { put_le32(p, v); }
static inline void put_u64(uint8_t *p, u64 v) { put_le64(p, v); }
static inline void put_s32(uint8_t *p, s32 v) { put_le32(p, (u32)v); }
static inline void put_s64(uint8_t *p, s64 v) { put_le64(p, (u64)v); }
static inline u8 get_u8(const uint8_t *p) { return *p; }
static inline u16 get_u16(const uint8_t *p) { return get_le16(p); }
static inline u32 get_u32(const uint8_t *p) { return get_le32(p); }
static inline u64 get_u64(const uint8_t *p) { return get_le64(p); }
static inline s32 get_s32(const uint8_t *p) { return (s32)get_le32(p); }
static inline s64 get_s64(const uint8_t *p) { return (s64)get_le64(p); }

/* Body bytes of each known type (the minimum, for the bodies that vary). */
static const uint8_t body_min[AVT_EV__MAX_KNOWN] = {
#define BODY_MIN(type, member, bytes, layout) [type] = bytes,
	AVT_BODIES(BODY_MIN)
#undef BODY_MIN
};

/* The variable parts of bodies (man/avtrace-format.5). */
enum {
	EXEC_FILENAME = 28,	/* u16 N, u8[N] filename */
	SNAP_VMA_NR_IDS = 84,	/* u32 M (nr_avc_ids, also in the table) */
	SNAP_VMA_AVC_IDS = 88,	/* u64[M] avc_av */
	SET_VALUE = 2,		/* u16 N, u8[N] value */
	SYSCALL_VM_FLAGS = 76,	/* u64 vm_flags, only with AVT_SYSF_VMFLAGS */
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
		body = body_min[AVT_EV_EXEC] +
		       (long)bounded_len(ev->u.exec.filename, AVT_PATH_LEN);
		break;
	case AVT_EV_SNAP_VMA:
		if (ev->u.snap_vma.nr_avc_ids > AVT_SNAP_MAX_AVC)
			return -EINVAL;
		body = body_min[AVT_EV_SNAP_VMA] + 8L * ev->u.snap_vma.nr_avc_ids;
		break;
	case AVT_EV_SET:
		body = body_min[AVT_EV_SET] +
		       (long)bounded_len(ev->u.set.value, AVT_SET_LEN);
		break;
	case AVT_EV_SYSCALL:
		body = body_min[AVT_EV_SYSCALL] +
		       (ev->u.sys.flags & AVT_SYSF_VMFLAGS ? 8 : 0);
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

static inline void get_comm(const uint8_t *p, char *comm)
{
	memcpy(comm, p, AVT_COMM_LEN);
	comm[AVT_COMM_LEN - 1] = '\0';
}

static inline size_t put_str16(uint8_t *p, const char *s, size_t max)
{
	size_t n = bounded_len(s, max);

	put_le16(p, (uint16_t)n);
	memcpy(p + 2, s, n);
	return 2 + n;
}

/* Copy the u16-length-prefixed string at p (checked by tail_check()) into
 * dst[max], truncating to max-1 bytes (a newer writer may allow longer
 * strings). */
static inline void get_str16(const uint8_t *p, char *dst, size_t max)
{
	size_t n = get_le16(p), keep;

	keep = n < max - 1 ? n : max - 1;
	memcpy(dst, p + 2, keep);
	dst[keep] = '\0';
}

/*
 * The parts of a body whose size varies, after its fixed fields. Only the
 * types of HAS_TAIL() have one: the generated cases below test HAS_TAIL()
 * of their constant type, so the others pay nothing for them.
 */
#define HAS_TAIL(t) ((t) == AVT_EV_EXEC || (t) == AVT_EV_SNAP_VMA || (t) == AVT_EV_SET || \
		     (t) == AVT_EV_SYSCALL)

static inline int body_short(uint16_t type, uint32_t blen, const char **why)
{
	if (blen >= body_min[type])
		return 0;
	*why = "record body shorter than its type needs";
	return 1;
}

/* Returns the body bytes of ev, its fixed part taking fixed bytes. */
static size_t put_tail(const struct avt_event *ev, uint8_t *b, size_t fixed)
{
	unsigned i;

	switch (ev->type) {
	case AVT_EV_EXEC:
		return EXEC_FILENAME + put_str16(b + EXEC_FILENAME,
						 ev->u.exec.filename, AVT_PATH_LEN);
	case AVT_EV_SNAP_VMA:
		for (i = 0; i < ev->u.snap_vma.nr_avc_ids; i++)
			put_le64(b + SNAP_VMA_AVC_IDS + 8 * i, ev->u.snap_vma.avc_av[i]);
		return fixed + 8 * i;
	case AVT_EV_SET:
		return SET_VALUE + put_str16(b + SET_VALUE, ev->u.set.value,
					     AVT_SET_LEN);
	case AVT_EV_SYSCALL:
		if (!(ev->u.sys.flags & AVT_SYSF_VMFLAGS))
			return fixed;
		put_le64(b + SYSCALL_VM_FLAGS, ev->u.sys.vm_flags);
		return SYSCALL_VM_FLAGS + 8;
	}
	return fixed;
}

/* A body of blen >= body_min[type] bytes: do its strings and its AVC id
 * list fit in it? (A newer writer's longer body is fine.) */
static int tail_check(uint16_t type, const uint8_t *b, uint32_t blen,
		      const char **why)
{
	uint32_t n;

	switch (type) {
	case AVT_EV_EXEC:
		if (2u + get_le16(b + EXEC_FILENAME) > blen - EXEC_FILENAME)
			goto short_str;
		break;
	case AVT_EV_SET:
		if (2u + get_le16(b + SET_VALUE) > blen - SET_VALUE)
			goto short_str;
		break;
	case AVT_EV_SNAP_VMA:
		n = get_le32(b + SNAP_VMA_NR_IDS);
		if (n > AVT_SNAP_MAX_AVC) {
			*why = "snap_vma lists more AVC ids than the format allows";
			return -EPROTO;
		}
		if (blen < SNAP_VMA_AVC_IDS + 8 * n) {
			*why = "snap_vma body shorter than its AVC id list";
			return -EPROTO;
		}
		break;
	case AVT_EV_SYSCALL:
		if ((get_le16(b + 2) & AVT_SYSF_VMFLAGS) && blen < SYSCALL_VM_FLAGS + 8) {
			*why = "syscall record says vm_flags but is too short for them";
			return -EPROTO;
		}
		break;
	}
	return 0;
short_str:
	*why = "string length runs past the end of its record";
	return -EPROTO;
}

static int get_tail(struct avt_event *ev, const uint8_t *b, uint32_t blen,
		    const char **why)
{
	unsigned i;
	int err;

	err = tail_check(ev->type, b, blen, why);
	if (err)
		return err;
	switch (ev->type) {
	case AVT_EV_EXEC:
		get_str16(b + EXEC_FILENAME, ev->u.exec.filename, AVT_PATH_LEN);
		break;
	case AVT_EV_SNAP_VMA:
		for (i = 0; i < ev->u.snap_vma.nr_avc_ids; i++)
			ev->u.snap_vma.avc_av[i] = get_le64(b + SNAP_VMA_AVC_IDS + 8 * i);
		for (; i < AVT_SNAP_MAX_AVC; i++)
			ev->u.snap_vma.avc_av[i] = 0;
		break;
	case AVT_EV_SET:
		get_str16(b + SET_VALUE, ev->u.set.value, AVT_SET_LEN);
		break;
	case AVT_EV_SYSCALL:
		ev->u.sys.vm_flags = ev->u.sys.flags & AVT_SYSF_VMFLAGS ?
				     get_le64(b + SYSCALL_VM_FLAGS) : 0;
		break;
	}
	return 0;
}

/*
 * Expanded for each line of a layout in format/bodies.h, inside a case
 * generated from AVT_BODIES: e points to the type's struct in the event,
 * b to the body, body is the type's body bytes. The assert holds each
 * line to the width of the struct member it names and to its body.
 */
#define PUT_FIELD(off, disk, field)					\
	_Static_assert(sizeof(e->field) == sizeof(disk) &&		\
		       (off) + sizeof(disk) <= body,			\
		       #field " does not fit its on-disk field");	\
	put_##disk(b + (off), e->field);
#define PUT_COMM(off, field)	put_comm(b + (off), e->field);
#define GET_FIELD(off, disk, field)	e->field = get_##disk(b + (off));
#define GET_COMM(off, field)	get_comm(b + (off), e->field);

size_t avt_record__encode(const struct avt_event *ev, uint8_t *buf)
{
	uint8_t *b = buf + AVT_RH_SIZE_V1;
	uint16_t type = ev->type;
	size_t size;

	switch (ev->type) {
#define ENCODE(t, member, bytes, layout)				\
	case t: {							\
		const __typeof__(ev->u.member) *e = &ev->u.member;	\
		enum { body = bytes };					\
									\
		layout(PUT_FIELD, PUT_COMM)				\
		size = HAS_TAIL(t) ? put_tail(ev, b, body) : body;	\
		break;							\
	}
	AVT_BODIES(ENCODE)
#undef ENCODE
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

	if (!is_known(type))
		return 0;
	if (body_short(type, blen, why))
		return -EPROTO;
	return HAS_TAIL(type) ? tail_check(type, b, blen, why) : 0;
}

int avt_record__decode(const uint8_t *rec, uint32_t size, struct avt_event *ev,
		       const char **why)
{
	const uint8_t *b = rec + AVT_RH_SIZE_V1;
	uint32_t blen = size - AVT_RH_SIZE_V1;
	uint16_t type = get_le16(rec + AVT_RH_TYPE);

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
	if (body_short(type, blen, why))
		return -EPROTO;
	ev->type = type;

	switch (type) {
#define DECODE(t, member, bytes, layout)				\
	case t: {							\
		__typeof__(ev->u.member) *e = &ev->u.member;		\
									\
		layout(GET_FIELD, GET_COMM)				\
		return HAS_TAIL(t) ? get_tail(ev, b, blen, why) : 0;	\
	}
	AVT_BODIES(DECODE)
#undef DECODE
	}
	return 0;
}
