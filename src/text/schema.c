// SPDX-License-Identifier: MIT
/*
 * The text form's key table: for every event name, its keys in canonical
 * order, the field each key fills, and how the value is spelled. Both the
 * formatter and the parser walk this table (man/avtrace-text.5 lists it).
 */
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include "text/text_int.h"

/* Field initialisers in designated form, to stay readable. */
#define FLD(k, kd, o, s, fl, m, d, t) \
	{ .key = (k), .kind = (kd), .size = (s), .flags = (fl), .off = (o), .mask = (m), .def = (d), .tab = (t) }
#define FE(k, kd, m, fl)	FLD(k, kd, offsetof(struct avt_event, u.m), sizeof(((struct avt_event *)0)->u.m), fl, 0, 0, NULL)
#define FES(k, m, fl, t)	FLD(k, TK_SYM, offsetof(struct avt_event, u.m), sizeof(((struct avt_event *)0)->u.m), fl, 0, 0, t)
#define FA(k, kd, i, fl)	FLD(k, kd, offsetof(struct avt_event, u.sys.args[i]), 8, fl, 0, 0, NULL)
#define FAS(k, i, fl, t)	FLD(k, TK_SYM, offsetof(struct avt_event, u.sys.args[i]), 8, fl, 0, 0, t)

#define R TF_REQ

#define SYS(nm, s, r, ...) \
	{ .name = nm, .type = AVT_EV_SYSCALL, .sys = s, .ret = r, \
	  .f = { __VA_ARGS__ } }
#define EVT(nm, t, ...) \
	{ .name = nm, .type = t, .ret = RET_NONE, .f = { __VA_ARGS__ } }

/* Not const: nfields and args_used are filled on first use. */
static struct tschema schemas[] = {
	SYS("mmap", AVT_SYS_MMAP, RET_HEX,
	    FA("addr", TK_HEX, 0, 0), FA("len", TK_HEX, 1, R), FA("prot", TK_PROT, 2, 0),
	    FAS("flags", 3, 0, &sym_mmap_flags), FA("fd", TK_SINT, 4, 0),
	    FA("off", TK_HEX, 5, 0)),
	SYS("munmap", AVT_SYS_MUNMAP, RET_DEC,
	    FA("addr", TK_HEX, 0, R), FA("len", TK_HEX, 1, R)),
	SYS("mremap", AVT_SYS_MREMAP, RET_HEX,
	    FA("addr", TK_HEX, 0, R), FA("old_len", TK_HEX, 1, R),
	    FA("new_len", TK_HEX, 2, R), FAS("flags", 3, 0, &sym_mremap_flags),
	    FA("new_addr", TK_HEX, 4, 0)),
	SYS("mprotect", AVT_SYS_MPROTECT, RET_DEC,
	    FA("addr", TK_HEX, 0, R), FA("len", TK_HEX, 1, R), FA("prot", TK_PROT, 2, 0)),
	SYS("pkey_mprotect", AVT_SYS_PKEY_MPROTECT, RET_DEC,
	    FA("addr", TK_HEX, 0, R), FA("len", TK_HEX, 1, R), FA("prot", TK_PROT, 2, 0),
	    FA("pkey", TK_SINT, 3, 0)),
	SYS("brk", AVT_SYS_BRK, RET_HEX, FA("addr", TK_HEX, 0, 0)),
	SYS("madvise", AVT_SYS_MADVISE, RET_DEC,
	    FA("addr", TK_HEX, 0, R), FA("len", TK_HEX, 1, R),
	    FAS("advice", 2, 0, &sym_madvise)),
	SYS("process_madvise", AVT_SYS_PROCESS_MADVISE, RET_DEC,
	    FA("target", TK_DEC, 0, R), FA("addr", TK_HEX, 1, R), FA("len", TK_HEX, 2, R),
	    FAS("advice", 3, 0, &sym_madvise)),
	SYS("mlock", AVT_SYS_MLOCK, RET_DEC,
	    FA("addr", TK_HEX, 0, R), FA("len", TK_HEX, 1, R)),
	SYS("mlock2", AVT_SYS_MLOCK2, RET_DEC,
	    FA("addr", TK_HEX, 0, R), FA("len", TK_HEX, 1, R),
	    FAS("flags", 2, 0, &sym_mlock2_flags)),
	SYS("munlock", AVT_SYS_MUNLOCK, RET_DEC,
	    FA("addr", TK_HEX, 0, R), FA("len", TK_HEX, 1, R)),
	SYS("mlockall", AVT_SYS_MLOCKALL, RET_DEC, FAS("flags", 0, 0, &sym_mlockall_flags)),
	SYS("munlockall", AVT_SYS_MUNLOCKALL, RET_DEC),
	SYS("mbind", AVT_SYS_MBIND, RET_DEC,
	    FA("addr", TK_HEX, 0, R), FA("len", TK_HEX, 1, R), FA("mode", TK_DEC, 2, 0),
	    FA("nodemask", TK_HEX, 3, 0), FA("maxnode", TK_DEC, 4, 0),
	    FA("flags", TK_HEX, 5, 0)),
	SYS("set_mempolicy_home_node", AVT_SYS_SET_MEMPOLICY_HOME_NODE, RET_DEC,
	    FA("addr", TK_HEX, 0, R), FA("len", TK_HEX, 1, R), FA("node", TK_DEC, 2, 0),
	    FA("flags", TK_HEX, 3, 0)),
	SYS("prctl", AVT_SYS_PRCTL, RET_DEC,
	    FAS("option", 0, 0, &sym_prctl_option), FA("arg2", TK_HEX, 1, 0),
	    FA("arg3", TK_HEX, 2, 0), FA("arg4", TK_HEX, 3, 0), FA("arg5", TK_HEX, 4, 0)),
	SYS("shmat", AVT_SYS_SHMAT, RET_HEX,
	    FA("shmid", TK_SINT, 0, 0), FA("addr", TK_HEX, 1, 0), FA("flags", TK_HEX, 2, 0),
	    FA("size", TK_HEX, 3, 0)),
	SYS("shmdt", AVT_SYS_SHMDT, RET_DEC, FA("addr", TK_HEX, 0, R)),
	SYS("mseal", AVT_SYS_MSEAL, RET_DEC,
	    FA("addr", TK_HEX, 0, R), FA("len", TK_HEX, 1, R), FA("flags", TK_HEX, 2, 0)),
	SYS("remap_file_pages", AVT_SYS_REMAP_FILE_PAGES, RET_DEC,
	    FA("addr", TK_HEX, 0, R), FA("size", TK_HEX, 1, R), FA("prot", TK_PROT, 2, 0),
	    FA("pgoff", TK_HEX, 3, 0), FAS("flags", 4, 0, &sym_mmap_flags)),
	SYS("uffd_register", AVT_SYS_UFFD_REGISTER, RET_DEC,
	    FA("start", TK_HEX, 0, R), FA("len", TK_HEX, 1, R), FA("mode", TK_HEX, 2, 0)),
	SYS("uffd_unregister", AVT_SYS_UFFD_UNREGISTER, RET_DEC,
	    FA("start", TK_HEX, 0, R), FA("len", TK_HEX, 1, R)),
	SYS("uffd_copy", AVT_SYS_UFFD_COPY, RET_DEC,
	    FA("dst", TK_HEX, 0, R), FA("src", TK_HEX, 1, R), FA("len", TK_HEX, 2, R),
	    FA("mode", TK_HEX, 3, 0)),
	SYS("uffd_zeropage", AVT_SYS_UFFD_ZEROPAGE, RET_DEC,
	    FA("start", TK_HEX, 0, R), FA("len", TK_HEX, 1, R), FA("mode", TK_HEX, 2, 0)),
	SYS("uffd_move", AVT_SYS_UFFD_MOVE, RET_DEC,
	    FA("dst", TK_HEX, 0, R), FA("src", TK_HEX, 1, R), FA("len", TK_HEX, 2, R),
	    FA("mode", TK_HEX, 3, 0)),

	EVT("fork", AVT_EV_FORK,
	    FE("child", TK_PIDTID, fork.child_pid, R), FES("flags", fork.flags, 0, &sym_fork_flags),
	    FE("clone_flags", TK_HEX, fork.clone_flags, 0), FE("start", TK_DEC, fork.child_start, 0),
	    FE("comm", TK_STR, fork.comm, 0)),
	EVT("exec", AVT_EV_EXEC,
	    FE("file", TK_STR, exec.filename, R), FE("comm", TK_STR, exec.comm, 0),
	    FE("old_tid", TK_DEC, exec.old_tid, 0), FE("start", TK_DEC, exec.start, 0)),
	EVT("exit", AVT_EV_EXIT,
	    FE("code", TK_SDEC, exit.code, 0),
	    FLD("group_dead", TK_DEC, offsetof(struct avt_event, u.exit.group_dead), 4, 0, 0, 1, NULL)),
	EVT("snap_begin", AVT_EV_SNAP_BEGIN,
	    FES("kind", snap_begin.kind, R, &sym_snap_kind), FE("n", TK_DEC, snap_begin.checkpoint, 0),
	    FES("flags", snap_begin.flags, 0, &sym_snap_flags), FE("start", TK_DEC, snap_begin.start, 0),
	    FE("comm", TK_STR, snap_begin.comm, 0)),
	EVT("snap_vma", AVT_EV_SNAP_VMA,
	    FE("range", TK_RANGE_HEX, snap_vma.start, R | TF_POS),
	    FE("flags", TK_HEX, snap_vma.flags, 0), FE("pgoff", TK_HEX, snap_vma.pgoff, 0),
	    FE("dev", TK_DEV, snap_vma.dev, 0), FE("ino", TK_DEC, snap_vma.ino, 0),
	    FE("av", TK_ID, snap_vma.av, 0), FE("root", TK_ID, snap_vma.root, 0),
	    FE("parent", TK_ID, snap_vma.parent, 0),
	    FE("children", TK_DEC, snap_vma.num_children, 0),
	    FE("active", TK_DEC, snap_vma.num_active, 0), FE("avcs", TK_DEC, snap_vma.nr_avcs, 0),
	    FE("chain", TK_CHAIN, snap_vma.avc_av, 0)),
	EVT("snap_end", AVT_EV_SNAP_END,
	    FES("kind", snap_end.kind, R, &sym_snap_kind), FE("n", TK_DEC, snap_end.checkpoint, 0),
	    FES("status", snap_end.status, 0, &sym_snap_status),
	    FE("vmas", TK_DEC, snap_end.nr_vmas, 0), FE("window", TK_RANGE_DEC, snap_end.window_start, 0)),
	EVT("fault", AVT_EV_FAULT,
	    FE("addr", TK_HEX, fault.addr, R),
	    FLD("access", TK_SYM, offsetof(struct avt_event, u.fault.flags), 4, 0,
		~(uint64_t)AVT_FAULT_KERNEL & 0xffffffffu, 0, &sym_fault_access),
	    FLD("mode", TK_SYM, offsetof(struct avt_event, u.fault.flags), 4, 0,
		AVT_FAULT_KERNEL, 0, &sym_fault_mode),
	    FE("ip", TK_HEX, fault.ip, 0), FE("err", TK_HEX, fault.error_code, 0)),
	EVT("alloc", AVT_EV_ALLOC,
	    FES("cache", alloc.cache, R, &sym_alloc_cache), FES("op", alloc.op, R, &sym_alloc_op),
	    FES("site", alloc.site, 0, &sym_alloc_site), FE("id", TK_HEX, alloc.id, R)),
	EVT("rmap", AVT_EV_RMAP,
	    FE("target", TK_DEC, rmap.target_pid, R), FE("addr", TK_HEX, rmap.addr, R),
	    FES("kind", rmap.kind, 0, &sym_rmap_kind), FE("walk", TK_DEC, rmap.walk_id, 0)),
	EVT("ksm", AVT_EV_KSM,
	    FE("target", TK_DEC, ksm.target_pid, R), FE("addr", TK_HEX, ksm.addr, R)),
	EVT("checkpoint", AVT_EV_CHECKPOINT, FE("n", TK_DEC, checkpoint.n, R)),
	EVT("unmodelled", AVT_EV_UNMODELLED,
	    FE("nr", TK_DEC, unmodelled.raw_nr, 0), FE("delta", TK_SDEC, unmodelled.map_count_delta, 0),
	    FE("seq", TK_RANGE_DEC, unmodelled.seq_before, 0)),
	EVT("stats", AVT_EV_STATS,
	    FES("kind", stats.kind, R, &sym_stats_kind), FE("key", TK_DEC, stats.key, 0),
	    FE("value", TK_DEC, stats.value, 0)),
	/* A memory syscall this table has no name for: raw args (raw0..raw5). */
	SYS("syscall", 0, RET_DEC, FE("nr", TK_DEC, sys.sys, R)),
};

/* Names -> schema: open addressing, a power of two well above the count. */
#define NAME_SLOTS 128
static const struct tschema *by_name[NAME_SLOTS];
static const struct tschema *by_sys[AVT_SYS__MAX];
static const struct tschema *by_type[AVT_EV__MAX_KNOWN];
static const struct tschema *generic_sys;

static unsigned name_hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void schema_build(void)
{
	_Static_assert(ARRAY_SIZE(schemas) < NAME_SLOTS / 2, "grow NAME_SLOTS");
	for (size_t i = 0; i < ARRAY_SIZE(schemas); i++) {
		struct tschema *s = &schemas[i];
		unsigned n = 0;

		while (n < TS_MAX_FIELDS && s->f[n].key)
			n++;
		s->nfields = (uint8_t)n;
		s->args_used = 0;
		for (unsigned j = 0; j < n; j++) {
			size_t a0 = offsetof(struct avt_event, u.sys.args[0]);

			if (s->type == AVT_EV_SYSCALL && s->sys && s->f[j].off >= a0 &&
			    s->f[j].off < a0 + 6 * 8)
				s->args_used |= 1u << ((s->f[j].off - a0) / 8);
		}
		for (unsigned h = name_hash(s->name);; h++) {
			if (!by_name[h % NAME_SLOTS]) {
				by_name[h % NAME_SLOTS] = s;
				break;
			}
		}
		if (s->type == AVT_EV_SYSCALL && !s->sys)
			generic_sys = s;
		else if (s->type == AVT_EV_SYSCALL)
			by_sys[s->sys] = s;
		else
			by_type[s->type] = s;
	}
}

static void schema_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, schema_build);
}

const struct tschema *schema_for_event(const struct avt_event *ev)
{
	schema_init();
	if (ev->type == AVT_EV_SYSCALL)
		return ev->u.sys.sys < AVT_SYS__MAX && by_sys[ev->u.sys.sys] ?
			by_sys[ev->u.sys.sys] : generic_sys;
	return ev->type < AVT_EV__MAX_KNOWN ? by_type[ev->type] : NULL;
}

const struct tschema *schema_by_name(const char *name)
{
	schema_init();
	for (unsigned h = name_hash(name);; h++) {
		const struct tschema *s = by_name[h % NAME_SLOTS];

		if (!s || !strcmp(s->name, name))
			return s;
	}
}

const struct tschema *schema_generic_syscall(void)
{
	schema_init();
	return generic_sys;
}
