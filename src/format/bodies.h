/* SPDX-License-Identifier: MIT */
/*
 * Record bodies of the binary format v1, field by field as in the layout
 * tables of man/avtrace-format.5: byte offset in the body, on-disk type,
 * member of the type's struct in union avt_event.u. src/format/record.c
 * expands each list into both the encoder and the decoder, so a layout is
 * spelled once.
 *
 *   F(offset, type, field)   little-endian number: u8 u16 u32 u64 s32 s64
 *   C(offset, field)         comm: u8[16], NUL padded, at most 15 chars
 *
 * The parts whose size varies are coded by hand in record.c: the exec
 * filename and the set value (u16 N, then N bytes, no NUL) and the
 * snap_vma AVC id list (u64[M] after the fixed fields).
 *
 * Bodies are packed. Never move a field: a newer minor version may only
 * append fields at the end of a body.
 */
#ifndef AVT_FORMAT_BODIES_H
#define AVT_FORMAT_BODIES_H

#define AVT_BODY_FORK(F, C)						\
	F( 0, u32, child_pid)	F( 4, u32, child_tid)	F( 8, u32, flags)	\
	F(12, u64, clone_flags)	F(20, u64, child_start)	C(28, comm)

/* then 28 u16 N, 30 u8[N] filename */
#define AVT_BODY_EXEC(F, C)						\
	F( 0, u32, old_tid)	F( 4, u64, start)	C(12, comm)

#define AVT_BODY_EXIT(F, C)						\
	F( 0, s32, code)	F( 4, u32, group_dead)

#define AVT_BODY_SNAP_BEGIN(F, C)					\
	F( 0, u32, kind)						\
	F( 4, u32, checkpoint)	F( 8, u32, flags)			\
	F(12, u64, start)	C(20, comm)

/* M = nr_avc_ids, then 88 u64[M] avc_av */
#define AVT_BODY_SNAP_VMA(F, C)						\
	F( 0, u64, start)	F( 8, u64, end)		F(16, u64, flags)	F(24, u64, pgoff) \
	F(32, u64, dev)		F(40, u64, ino)		F(48, u64, av)		F(56, u64, root) \
	F(64, u64, parent)	F(72, u32, num_children) F(76, u32, num_active) F(80, u32, nr_avcs) \
	F(84, u32, nr_avc_ids)

#define AVT_BODY_SNAP_END(F, C)						\
	F( 0, u32, kind)	F( 4, u32, checkpoint)	F( 8, u32, status)	\
	F(12, u32, nr_vmas)	F(16, u64, window_start) F(24, u64, window_end)

#define AVT_BODY_SYSCALL(F, C)						\
	F( 0, u16, sys)		F( 2, u16, flags)			\
	F( 4, u64, args[0])	F(12, u64, args[1])	F(20, u64, args[2])	\
	F(28, u64, args[3])	F(36, u64, args[4])	F(44, u64, args[5])	\
	F(52, s64, ret)							\
	F(60, u64, dev)		F(68, u64, ino)

#define AVT_BODY_FAULT(F, C)						\
	F( 0, u64, addr)	F( 8, u64, ip)		F(16, u32, flags)	\
	F(20, u32, error_code)

#define AVT_BODY_ALLOC(F, C)						\
	F( 0, u8, cache)	F( 1, u8, op)				\
	F( 2, u16, site)	F( 4, u64, id)

#define AVT_BODY_RMAP(F, C)						\
	F( 0, u32, target_pid)	F( 4, u32, kind)			\
	F( 8, u32, walk_id)	F(12, u64, addr)

#define AVT_BODY_KSM(F, C)						\
	F( 0, u32, target_pid)	F( 4, u64, addr)

#define AVT_BODY_CHECKPOINT(F, C)					\
	F( 0, u32, n)

#define AVT_BODY_UNMODELLED(F, C)					\
	F( 0, u32, raw_nr)	F( 4, s32, map_count_delta)		\
	F( 8, u64, seq_before)	F(16, u64, seq_after)

#define AVT_BODY_STATS(F, C)						\
	F( 0, u16, kind)	F( 2, u32, key)		F( 6, u64, value)

/* then 2 u16 N, 4 u8[N] value */
#define AVT_BODY_SET(F, C)						\
	F( 0, u16, key)

/*
 * Every known type: its number, its member of avt_event.u, its body bytes
 * (the minimum, for the bodies that vary) and its fixed fields.
 */
#define AVT_BODIES(X)							\
	X(AVT_EV_FORK,        fork,        44, AVT_BODY_FORK)		\
	X(AVT_EV_EXEC,        exec,        30, AVT_BODY_EXEC)		\
	X(AVT_EV_EXIT,        exit,         8, AVT_BODY_EXIT)		\
	X(AVT_EV_SNAP_BEGIN,  snap_begin,  36, AVT_BODY_SNAP_BEGIN)	\
	X(AVT_EV_SNAP_VMA,    snap_vma,    88, AVT_BODY_SNAP_VMA)	\
	X(AVT_EV_SNAP_END,    snap_end,    32, AVT_BODY_SNAP_END)	\
	X(AVT_EV_SYSCALL,     sys,         76, AVT_BODY_SYSCALL)	\
	X(AVT_EV_FAULT,       fault,       24, AVT_BODY_FAULT)		\
	X(AVT_EV_ALLOC,       alloc,       12, AVT_BODY_ALLOC)		\
	X(AVT_EV_RMAP,        rmap,        20, AVT_BODY_RMAP)		\
	X(AVT_EV_KSM,         ksm,         12, AVT_BODY_KSM)		\
	X(AVT_EV_CHECKPOINT,  checkpoint,   4, AVT_BODY_CHECKPOINT)	\
	X(AVT_EV_UNMODELLED,  unmodelled,  24, AVT_BODY_UNMODELLED)	\
	X(AVT_EV_STATS,       stats,       14, AVT_BODY_STATS)		\
	X(AVT_EV_SET,         set,          4, AVT_BODY_SET)

#endif /* AVT_FORMAT_BODIES_H */
