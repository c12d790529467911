// SPDX-License-Identifier: MIT
/*
 * Symbolic spellings of flag words and enums in the text form.
 *
 * Values are Linux's uapi numbers (x86_64) written out here rather than
 * taken from <sys/mman.h>: the text must mean the same on any build host,
 * and older libcs lack the newest names (MAP_DROPPABLE, MADV_GUARD_*).
 * Whatever has no name prints as a number, so every value round-trips.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "text/text_int.h"

#define BIT(n, v) { n, v, v }
#define TAB(w, arr, z, e) { w, arr, ARRAY_SIZE(arr), z, e }

/* MAP_TYPE (low nibble) is an enum inside the flag word; MAP_HUGE_* is a
 * 6-bit log2 size at bit 26, only the common sizes are named. */
static const struct sym mmap_flags[] = {
	{ "MAP_SHARED", 0xf, 0x1 }, { "MAP_PRIVATE", 0xf, 0x2 },
	{ "MAP_SHARED_VALIDATE", 0xf, 0x3 }, { "MAP_DROPPABLE", 0xf, 0x8 },
	BIT("MAP_FIXED", 0x10), BIT("MAP_ANONYMOUS", 0x20), BIT("MAP_32BIT", 0x40),
	BIT("MAP_GROWSDOWN", 0x100), BIT("MAP_DENYWRITE", 0x800),
	BIT("MAP_EXECUTABLE", 0x1000), BIT("MAP_LOCKED", 0x2000),
	BIT("MAP_NORESERVE", 0x4000), BIT("MAP_POPULATE", 0x8000),
	BIT("MAP_NONBLOCK", 0x10000), BIT("MAP_STACK", 0x20000),
	BIT("MAP_HUGETLB", 0x40000), BIT("MAP_SYNC", 0x80000),
	BIT("MAP_FIXED_NOREPLACE", 0x100000),
	{ "MAP_HUGE_64KB", 0x3full << 26, 16ull << 26 },
	{ "MAP_HUGE_2MB", 0x3full << 26, 21ull << 26 },
	{ "MAP_HUGE_1GB", 0x3full << 26, 30ull << 26 },
	/* Input-only alias: MAP_ANON. Listed last so output uses MAP_ANONYMOUS. */
	BIT("MAP_ANON", 0x20),
};

static const struct sym mremap_flags[] = {
	BIT("MREMAP_MAYMOVE", 1), BIT("MREMAP_FIXED", 2), BIT("MREMAP_DONTUNMAP", 4),
};

static const struct sym mlock2_flags[] = { BIT("MLOCK_ONFAULT", 1) };

static const struct sym mlockall_flags[] = {
	BIT("MCL_CURRENT", 1), BIT("MCL_FUTURE", 2), BIT("MCL_ONFAULT", 4),
};

#define E(n, v) { n, ~0ull, v }
static const struct sym madvise[] = {
	E("MADV_NORMAL", 0), E("MADV_RANDOM", 1), E("MADV_SEQUENTIAL", 2),
	E("MADV_WILLNEED", 3), E("MADV_DONTNEED", 4), E("MADV_FREE", 8),
	E("MADV_REMOVE", 9), E("MADV_DONTFORK", 10), E("MADV_DOFORK", 11),
	E("MADV_MERGEABLE", 12), E("MADV_UNMERGEABLE", 13), E("MADV_HUGEPAGE", 14),
	E("MADV_NOHUGEPAGE", 15), E("MADV_DONTDUMP", 16), E("MADV_DODUMP", 17),
	E("MADV_WIPEONFORK", 18), E("MADV_KEEPONFORK", 19), E("MADV_COLD", 20),
	E("MADV_PAGEOUT", 21), E("MADV_POPULATE_READ", 22),
	E("MADV_POPULATE_WRITE", 23), E("MADV_DONTNEED_LOCKED", 24),
	E("MADV_COLLAPSE", 25), E("MADV_HWPOISON", 100), E("MADV_SOFT_OFFLINE", 101),
	E("MADV_GUARD_INSTALL", 102), E("MADV_GUARD_REMOVE", 103),
};

static const struct sym prctl_option[] = { E("PR_SET_VMA", 0x53564d41) };

static const struct sym fork_flags[] = {
	BIT("thread", AVT_FORK_THREAD), BIT("vfork", AVT_FORK_VFORK),
	BIT("newmm", AVT_FORK_NEWMM),
};

static const struct sym fault_access[] = {
	BIT("write", AVT_FAULT_WRITE), BIT("exec", AVT_FAULT_INSTR),
};

static const struct sym fault_mode[] = {
	E("user", 0), E("kernel", AVT_FAULT_KERNEL),
};

static const struct sym snap_kind[] = {
	E("start", AVT_SNAP_START), E("exec", AVT_SNAP_EXEC),
	E("exit", AVT_SNAP_EXIT), E("checkpoint", AVT_SNAP_CHECKPOINT),
};

static const struct sym snap_status[] = {
	E("complete", AVT_SNAP_COMPLETE), E("partial", AVT_SNAP_PARTIAL),
	E("failed", AVT_SNAP_FAILED), E("lock_dropped", AVT_SNAP_LOCK_DROPPED),
	E("busy", AVT_SNAP_BUSY), E("ambiguous", AVT_SNAP_AMBIGUOUS),
};

static const struct sym snap_flags[] = {
	BIT("passive", AVT_SNAP_PASSIVE), BIT("procfs", AVT_SNAP_PROCFS),
	BIT("retry", AVT_SNAP_RETRY),
};

static const struct sym alloc_cache[] = {
	E("anon_vma", AVT_CACHE_ANON_VMA), E("avc", AVT_CACHE_AVC),
};

static const struct sym alloc_op[] = { E("alloc", AVT_ALLOC), E("free", AVT_FREE) };

static const struct sym alloc_site[] = {
	E("unknown", AVT_SITE_UNKNOWN), E("prepare", AVT_SITE_PREPARE),
	E("clone", AVT_SITE_CLONE), E("fork", AVT_SITE_FORK),
	E("unlink", AVT_SITE_UNLINK), E("put", AVT_SITE_PUT),
	E("other", AVT_SITE_OTHER),
};

static const struct sym rmap_kind[] = {
	E("point", AVT_RMAP_POINT), E("begin", AVT_RMAP_BEGIN), E("end", AVT_RMAP_END),
};

static const struct sym stats_kind[] = {
	E("drops_cpu", AVT_STATS_DROPS_CPU), E("drops_tgid", AVT_STATS_DROPS_TGID),
	E("events", AVT_STATS_EVENTS), E("ring_hwm", AVT_STATS_RING_HWM),
	E("faults_filtered", AVT_STATS_FAULTS_FILTERED),
	E("snap_failed", AVT_STATS_SNAP_FAILED), E("exec_faults", AVT_STATS_EXEC_FAULTS),
	E("teardown", AVT_STATS_TEARDOWN), E("clone_enter", AVT_STATS_CLONE_ENTER),
	E("snap_skipped", AVT_STATS_SNAP_SKIPPED),
};

/* PROT_READ/WRITE/EXEC are spelled as an rwx triplet; these only on input
 * and for the rare extra bits. */
static const struct sym prot_names[] = {
	BIT("PROT_READ", 1), BIT("PROT_WRITE", 2), BIT("PROT_EXEC", 4),
	BIT("PROT_SEM", 8), BIT("PROT_GROWSDOWN", 0x01000000),
	BIT("PROT_GROWSUP", 0x02000000), { "PROT_NONE", 0, 0 },
};

const struct symtab sym_prot = TAB("prot", prot_names, NULL, false);
const struct symtab sym_mmap_flags = TAB("mmap flag", mmap_flags, NULL, false);
const struct symtab sym_mremap_flags = TAB("mremap flag", mremap_flags, NULL, false);
const struct symtab sym_mlock2_flags = TAB("mlock2 flag", mlock2_flags, NULL, false);
const struct symtab sym_mlockall_flags = TAB("mlockall flag", mlockall_flags, NULL, false);
const struct symtab sym_madvise = TAB("madvise advice", madvise, NULL, true);
const struct symtab sym_prctl_option = TAB("prctl option", prctl_option, NULL, true);
const struct symtab sym_fork_flags = TAB("fork flag", fork_flags, NULL, false);
const struct symtab sym_fault_access = TAB("fault access", fault_access, "read", false);
const struct symtab sym_fault_mode = TAB("fault mode", fault_mode, NULL, true);
const struct symtab sym_snap_kind = TAB("snapshot kind", snap_kind, NULL, true);
const struct symtab sym_snap_status = TAB("snapshot status", snap_status, NULL, true);
const struct symtab sym_snap_flags = TAB("snapshot flag", snap_flags, NULL, false);
const struct symtab sym_alloc_cache = TAB("cache", alloc_cache, NULL, true);
const struct symtab sym_alloc_op = TAB("alloc op", alloc_op, NULL, true);
const struct symtab sym_alloc_site = TAB("alloc site", alloc_site, NULL, true);
const struct symtab sym_rmap_kind = TAB("rmap kind", rmap_kind, NULL, true);
const struct symtab sym_stats_kind = TAB("stats kind", stats_kind, NULL, true);

void sym_format(struct tbuf *b, const struct symtab *t, uint64_t v)
{
	uint64_t rem = v;
	bool any = false;

	if (t->is_enum) {
		for (unsigned i = 0; i < t->n; i++) {
			if (t->v[i].value == v) {
				tb_puts(b, t->v[i].name);
				return;
			}
		}
		tb_udec(b, v);
		return;
	}
	if (!v) {
		tb_puts(b, t->zero ? t->zero : "0");
		return;
	}
	for (unsigned i = 0; i < t->n; i++) {
		const struct sym *s = &t->v[i];

		if (!s->value || (rem & s->mask) != s->value)
			continue;
		if (any)
			tb_putc(b, '|');
		tb_puts(b, s->name);
		rem &= ~s->mask;
		any = true;
	}
	if (rem) {
		if (any)
			tb_putc(b, '|');
		tb_hex(b, rem);
	}
}

/* One |-separated part of a flag word, or an enum value. */
static int sym_one(const struct symtab *t, const char *s, size_t n, uint64_t *v,
		   char *why, size_t why_len)
{
	char tmp[64];

	if (t->zero && strlen(t->zero) == n && !memcmp(s, t->zero, n)) {
		*v = 0;
		return 0;
	}
	for (unsigned i = 0; i < t->n; i++) {
		if (strlen(t->v[i].name) == n && !memcmp(t->v[i].name, s, n)) {
			*v = t->v[i].value;
			return 0;
		}
	}
	if (n < sizeof(tmp)) {
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		if (*tmp >= '0' && *tmp <= '9') {
			if (txt_parse_u64(tmp, v) == 0)
				return 0;
			snprintf(why, why_len, "malformed number '%s'", tmp);
			return -EINVAL;
		}
	} else {
		n = sizeof(tmp) - 1;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
	}
	snprintf(why, why_len, "unknown %s '%s'", t->what, tmp);
	return -EINVAL;
}

/* prot's own three-letter form "rw-" (one token of a prot value) */
static int prot_rwx(const char *s, size_t n, uint64_t *v)
{
	if (n != 3 || (s[0] != 'r' && s[0] != '-') || (s[1] != 'w' && s[1] != '-') ||
	    (s[2] != 'x' && s[2] != '-'))
		return -1;
	*v = (s[0] == 'r' ? 1 : 0) | (s[1] == 'w' ? 2 : 0) | (s[2] == 'x' ? 4 : 0);
	return 0;
}

int sym_parse(const struct symtab *t, const char *s, uint64_t *v, char *why, size_t why_len)
{
	uint64_t acc = 0, x;
	int err;

	if (!*s) {
		snprintf(why, why_len, "empty %s", t->what);
		return -EINVAL;
	}
	if (t->is_enum)
		return sym_one(t, s, strlen(s), v, why, why_len);
	for (;;) {
		const char *bar = strchr(s, '|');
		size_t n = bar ? (size_t)(bar - s) : strlen(s);

		if (t != &sym_prot || prot_rwx(s, n, &x)) {
			err = sym_one(t, s, n, &x, why, why_len);
			if (err)
				return err;
		}
		acc |= x;
		if (!bar)
			break;
		s = bar + 1;
	}
	*v = acc;
	return 0;
}

void prot_format(struct tbuf *b, uint64_t v)
{
	char rwx[3] = {
		v & 1 ? 'r' : '-', v & 2 ? 'w' : '-', v & 4 ? 'x' : '-',
	};

	tb_putn(b, rwx, 3);
	v &= ~7ull;
	if (v) {
		tb_putc(b, '|');
		sym_format(b, &sym_prot, v);
	}
}

int prot_parse(const char *s, uint64_t *v, char *why, size_t why_len)
{
	return sym_parse(&sym_prot, s, v, why, why_len);
}
