// SPDX-License-Identifier: MIT
/*
 * Per-syscall algorithms (eager-semantics.md §6): mmap, munmap, mprotect,
 * madvise, mlock family, brk, mremap, mbind, anon names, shm, mseal,
 * userfaultfd. The recorded result is the truth for addresses; failed calls
 * get the kernel's partial effect where it has one, otherwise nothing.
 */
#include <errno.h>
#include "engine/internal.h"

#define OPS(e) ((e)->scheme.ops)
#define S(e) (&(e)->scheme)

/* Linux UAPI values (x86-64), spelled here so the engine needs no headers */
#define K_MAP_SHARED		0x01
#define K_MAP_PRIVATE		0x02
#define K_MAP_SHARED_VALIDATE	0x03
#define K_MAP_DROPPABLE		0x08
#define K_MAP_TYPE		0x0f
#define K_MAP_ANONYMOUS		0x20
#define K_MAP_GROWSDOWN		0x100
#define K_MAP_LOCKED		0x2000
#define K_MAP_NORESERVE		0x4000
#define K_MAP_POPULATE		0x8000
#define K_MAP_NONBLOCK		0x10000
#define K_MAP_STACK		0x20000
#define K_MAP_HUGETLB		0x40000
#define K_MREMAP_MAYMOVE	1
#define K_MREMAP_FIXED		2
#define K_MREMAP_DONTUNMAP	4
#define K_MLOCK_ONFAULT		1
#define K_MCL_CURRENT		1
#define K_MCL_FUTURE		2
#define K_MCL_ONFAULT		4
#define K_SHM_RDONLY		010000
#define K_PR_SET_VMA		0x53564d41
#define K_PR_SET_VMA_ANON_NAME	0
#define K_UFFD_MODE_MISSING	1
#define K_UFFD_MODE_WP		2
#define K_UFFD_MODE_MINOR	4

static inline uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

static void new_vma_fill(struct avt_vma *v, uint64_t s, uint64_t end, uint64_t pgoff,
			 const struct avt_vma_attrs *a, uint64_t file, uint64_t dev, uint64_t ino)
{
	v->start = s;
	v->end = end;
	v->pgoff = pgoff;
	v->flags = a->flags;
	v->policy = a->policy;
	v->anon_name = a->anon_name;
	v->uffd_ctx = a->uffd_ctx;
	v->file = file;
	v->dev = dev;
	v->ino = ino;
}

/* __mmap_region after the range was cleared: merge or a new VMA */
static struct avt_vma *map_range(struct avt_engine *e, struct avt_mm *mm, uint64_t s,
				 uint64_t end, uint64_t pgoff, const struct avt_vma_attrs *a,
				 uint64_t file, uint64_t dev, uint64_t ino)
{
	struct avt_merge_new m = {
		.start = s, .end = end, .pgoff = pgoff, .a = *a,
		.file = file, .dev = dev, .ino = ino,
		.prev = avt_mm__prev_of(mm, s), .next = avt_mm__find_ge(mm, s),
	};
	struct avt_vma *v = avt_vma__merge_new(e, mm, &m);

	if (v)
		return v;
	v = avt_vma__alloc(e, mm);
	if (!v)
		return NULL;
	new_vma_fill(v, s, end, pgoff, a, file, dev, ino);
	avt_mm__insert(e, mm, v);
	return v;
}

static uint64_t file_key(uint64_t dev, uint64_t ino)
{
	return (1ULL << 63) | ((dev * 0x100000001b3ULL) ^ ino);
}

static int sys_mmap(struct avt_engine *e, struct avt_mm *mm, const struct avt_ev_syscall *sc)
{
	uint64_t addr = (uint64_t)sc->ret, len = PAGE_ALIGN(sc->args[1]);
	uint64_t prot = sc->args[2], fl = sc->args[3], off = sc->args[5];
	int fd = (int)(int64_t)sc->args[4];
	uint64_t type = fl & K_MAP_TYPE, file = 0, dev = 0, ino = 0, pgoff;
	bool shared = type == K_MAP_SHARED || type == K_MAP_SHARED_VALIDATE;
	bool anon = fl & K_MAP_ANONYMOUS;
	struct avt_vma_attrs a = { 0 };
	struct avt_vma *v;
	bool locked;
	int err;

	if (sc->ret == -EPERM && (fl & 0x10) && len) {
		/* MAP_FIXED over a sealed VMA: vms_gather_munmap_vmas split
		 * the VMAs before it, then failed; the splits stay */
		avt_vma__munmap(e, mm, sc->args[0], sc->args[0] + len);
		return 0;
	}
	if (sc->ret < 0 || !len)
		return 0;
	/* mmap never returns 0 (mmap_min_addr): a result of 0 means none was
	 * written (a hand-written scenario line without `= RET`), so the hint
	 * is where the mapping goes */
	if (!addr)
		addr = sc->args[0] & ~(PAGE_SIZE - 1);
	if (!addr)
		return 0;
	a.flags = (prot & 7) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | mm->def_flags;
	if (fl & K_MAP_GROWSDOWN)
		a.flags |= VM_GROWSDOWN;
	if (fl & K_MAP_LOCKED)
		a.flags |= VM_LOCKED;
	if (fl & K_MAP_STACK)
		a.flags |= VM_NOHUGEPAGE;
	if (shared)
		a.flags |= VM_SHARED | VM_MAYSHARE;
	/* do_mmap: MAP_SHARED of a file not open for writing loses
	 * VM_MAYWRITE and VM_SHARED; a noexec mount drops VM_MAYEXEC */
	if (!anon && shared && (sc->flags & AVT_SYSF_FILE_RDONLY))
		a.flags &= ~(VM_MAYWRITE | VM_SHARED);
	if (!anon && (sc->flags & AVT_SYSF_FILE_NOEXEC))
		a.flags &= ~VM_MAYEXEC;
	if ((fl & K_MAP_NORESERVE) && e->set.overcommit != 2)
		a.flags |= VM_NORESERVE;
	if (type == K_MAP_DROPPABLE)
		a.flags |= VM_DROPPABLE | VM_NORESERVE | VM_WIPEONFORK | VM_DONTDUMP;
	if (fl & K_MAP_HUGETLB)
		a.flags |= VM_HUGETLB | VM_DONTEXPAND;
	/* accountable_mapping: private, writable, not NORESERVE, not hugetlb */
	if (!shared && (a.flags & (VM_NORESERVE | VM_WRITE | VM_HUGETLB)) == VM_WRITE)
		a.flags |= VM_ACCOUNT;
	if (anon && !shared && !(fl & K_MAP_HUGETLB)) {
		pgoff = addr >> PAGE_SHIFT;
	} else if (anon || (fl & K_MAP_HUGETLB)) {
		file = (1ULL << 62) | ++e->shm_serial;	/* shmem_zero_setup / hugetlbfs */
		if (anon && (sc->flags & AVT_SYSF_FILE)) {
			/* the recorder read the shmem inode the kernel made */
			dev = sc->dev;
			ino = sc->ino;
			file = file_key(dev, ino);
		}
		pgoff = anon ? 0 : off >> PAGE_SHIFT;
	} else {
		if (sc->flags & AVT_SYSF_FILE) {
			dev = sc->dev;
			ino = sc->ino;
			file = file_key(dev, ino);
		} else {
			file = (1ULL << 61) | (uint32_t)fd;
		}
		pgoff = off >> PAGE_SHIFT;
	}
	/* MAP_FIXED over existing mappings: gather, clear, unlink first */
	v = avt_mm__find_ge(mm, addr);
	if (v && v->start < addr + len) {
		err = avt_vma__munmap(e, mm, addr, addr + len);
		if (err)
			return err;
	}
	locked = a.flags & VM_LOCKED;	/* do_mmap's populate, before ->mmap */
	/*
	 * A non-regular file: its driver's ->mmap (mmap_file in
	 * __mmap_new_file_vma) set or cleared flags the engine cannot know
	 * (VM_IO, VM_PFNMAP, VM_MIXEDMAP, VM_DONTEXPAND, VM_DONTDUMP, no
	 * VM_MAYWRITE...); the recorder read them back. With VM_SPECIAL the
	 * VMA never merges (vma_merge_new_range) and __mmap_complete dropped
	 * VM_LOCKED; otherwise changed flags are merged again (retry_merge).
	 * VM_SOFTDIRTY is the engine's own (below).
	 */
	if (!anon && (sc->flags & AVT_SYSF_VMFLAGS))
		a.flags = sc->vm_flags & ~VM_SOFTDIRTY;
	v = map_range(e, mm, addr, addr + len, pgoff, &a, file, dev, ino);
	if (!v)
		return -ENOMEM;
	avt_inv9__touch(e, mm, addr, addr + len, AVT_INV9_NEW);
	if (e->set.soft_dirty)
		v->flags |= VM_SOFTDIRTY;
	if (locked || (fl & (K_MAP_POPULATE | K_MAP_NONBLOCK)) == K_MAP_POPULATE)
		avt_fault__populate(e, mm, addr, addr + len, false, false);
	return 0;
}

/* ---- mprotect ---- */
static int mprotect_fixup(struct avt_engine *e, struct avt_vma *v, struct avt_vma **prev,
			  uint64_t s, uint64_t end, uint64_t newflags, struct avt_vma **out)
{
	uint64_t old = v->flags;
	struct avt_vma_attrs a;
	int err;

	if (newflags == old) {
		*prev = *out = v;
		return 0;
	}
	if (newflags & VM_WRITE) {
		if (!(old & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE)))
			newflags |= VM_ACCOUNT;
	} else if ((old & VM_ACCOUNT) && !v->file && !avt_vma__faulted(e, v)) {
		newflags &= ~VM_ACCOUNT;
	}
	avt_vma__attrs(v, &a);
	a.flags = newflags;
	err = avt_vma__modify(e, *prev, v, s, end, &a, out);
	if (err)
		return err;
	avt_inv9__touch(e, (*out)->mm, s, end, AVT_INV9_EXISTING);
	*prev = *out;
	if ((old & VM_LOCKED) && (newflags & VM_WRITE) && !(old & VM_WRITE))
		avt_fault__populate(e, (*out)->mm, s, end, false, false);
	return 0;
}

static int sys_mprotect(struct avt_engine *e, struct avt_mm *mm, const struct avt_ev_syscall *sc,
			bool pkey)
{
	uint64_t start = sc->args[0], end = start + PAGE_ALIGN(sc->args[1]);
	uint64_t prot = sc->args[2] & 7, tmp, nstart;
	struct avt_vma *v, *prev, *r;
	bool stopped = false;
	int err;

	if (sc->ret < 0 && sc->ret != -ENOMEM && sc->ret != -EACCES && sc->ret != -EPERM)
		return 0;
	v = avt_mm__find_ge(mm, start);
	if (!v || v->start >= end || start < v->start)
		return 0;		/* -ENOMEM before any change */
	prev = start > v->start ? v : v->prev;
	nstart = start;
	tmp = v->start;
	while (v && v->start < end) {
		uint64_t nf;

		if (v->start != tmp || (v->flags & VM_SEALED)) {
			stopped = true;	/* hole (-ENOMEM) or sealed (-EPERM) */
			break;
		}
		nf = (v->flags & ~(VM_ACCESS_FLAGS | (pkey ? VM_PKEY_MASK : 0))) | prot;
		if (pkey)
			nf |= ((uint64_t)(sc->args[3] & 0xf)) << VM_PKEY_SHIFT;
		if ((nf & ~(nf >> 4)) & VM_ACCESS_FLAGS) {
			stopped = true;	/* -EACCES */
			break;
		}
		tmp = min64(v->end, end);
		err = mprotect_fixup(e, v, &prev, nstart, tmp, nf, &r);
		if (err)
			return err;
		tmp = r->end;
		nstart = tmp;
		v = r->next;
	}
	if (!stopped && tmp < end)
		stopped = true;
	if (stopped != (sc->ret < 0))
		e->st.ret_mismatch++;
	return 0;
}

/* ---- attribute walks (madvise_walk_vmas and friends) ---- */
typedef int (*attr_fn)(struct avt_engine *e, struct avt_vma *v, uint64_t arg,
		       struct avt_vma_attrs *a);

/* Apply fn to every mapped piece of [start, end); holes are skipped (the
 * call then fails with -ENOMEM after doing the rest). A fn error stops. */
static int walk_modify(struct avt_engine *e, struct avt_mm *mm, uint64_t start, uint64_t end,
		       attr_fn fn, uint64_t arg)
{
	struct avt_vma *v = avt_mm__find_ge(mm, start), *prev, *r;
	uint64_t cur = start;
	int err;

	if (!v)
		return 0;
	prev = start > v->start ? v : v->prev;
	while (v && v->start < end) {
		uint64_t a = max64(cur, v->start), b = min64(v->end, end);
		struct avt_vma_attrs na;

		avt_vma__attrs(v, &na);
		err = fn(e, v, arg, &na);
		if (err < 0)
			return 0;	/* this VMA refused: the walk stops */
		if (err == 0 && (na.flags != v->flags || na.policy != v->policy ||
				 na.anon_name != v->anon_name || na.uffd_ctx != v->uffd_ctx)) {
			err = avt_vma__modify(e, prev, v, a, b, &na, &r);
			if (err)
				return err;
			avt_inv9__touch(e, mm, a, b, AVT_INV9_EXISTING);
		} else {
			r = v;
		}
		prev = r;
		cur = max64(b, r->end);
		v = avt_mm__find_ge(mm, cur);
	}
	return 0;
}

/* mseal: discard-like advice on a sealed read-only private anonymous VMA
 * is refused (can_madvise_modify) */
static bool sealed_ro_anon(const struct avt_vma *v)
{
	return (v->flags & VM_SEALED) && !v->file && !(v->flags & (VM_SHARED | VM_WRITE));
}

static int madv_flags(struct avt_engine *e, struct avt_vma *v, uint64_t adv,
		      struct avt_vma_attrs *a)
{
	uint64_t f = a->flags;

	(void)e;
	if ((adv == 10 || adv == 18) && sealed_ro_anon(v))
		return -EPERM;
	switch (adv) {
	case 0: f &= ~(VM_SEQ_READ | VM_RAND_READ); break;
	case 1: f = (f & ~VM_SEQ_READ) | VM_RAND_READ; break;
	case 2: f = (f & ~VM_RAND_READ) | VM_SEQ_READ; break;
	case 10:
		if (f & VM_IO)
			return -EINVAL;
		f |= VM_DONTCOPY;
		break;
	case 11:
		if (f & VM_IO)
			return -EINVAL;
		f &= ~VM_DONTCOPY;
		break;
	case 12:
		if (!(f & (VM_MERGEABLE | VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO |
			   VM_DONTEXPAND | VM_HUGETLB | VM_MIXEDMAP | VM_DROPPABLE)))
			f |= VM_MERGEABLE;
		break;
	case 13: f &= ~VM_MERGEABLE; break;
	case 14: f = (f & ~VM_NOHUGEPAGE) | VM_HUGEPAGE; break;
	case 15: f = (f & ~VM_HUGEPAGE) | VM_NOHUGEPAGE; break;
	case 16: f |= VM_DONTDUMP; break;
	case 17:
		if (((f & VM_SPECIAL) && !(f & VM_HUGETLB)) || (f & VM_DROPPABLE))
			return -EINVAL;
		f &= ~VM_DONTDUMP;
		break;
	case 18:
		if (v->file || (f & VM_SHARED))
			return -EINVAL;
		f |= VM_WIPEONFORK;
		break;
	case 19:
		if (f & VM_DROPPABLE)
			return -EINVAL;
		f &= ~VM_WIPEONFORK;
		break;
	default:
		return 1;	/* no flag change */
	}
	a->flags = f;
	return 0;
}

static void madvise_mm(struct avt_engine *e, struct avt_mm *mm, uint64_t start, uint64_t len,
		       uint64_t adv, int64_t ret)
{
	uint64_t end = start + PAGE_ALIGN(len);
	struct avt_vma *v;

	/* -ENOMEM (holes), -EINVAL / -EPERM from a refusing VMA: the VMAs
	 * before it were changed; anything else failed up front */
	if (ret < 0 && ret != -ENOMEM && ret != -EINVAL && ret != -EPERM)
		return;
	if (start & (PAGE_SIZE - 1))
		return;
	switch (adv) {
	case 4: case 8: case 9: case 24: /* DONTNEED, FREE, REMOVE, DONTNEED_LOCKED */
		/* madvise_walk_vmas: VMA by VMA, holes skipped, a sealed
		 * read-only anon VMA stops it; FREE only marks (no zap) */
		for (v = avt_mm__find_ge(mm, start); v && v->start < end; v = v->next) {
			if (sealed_ro_anon(v))
				return;
			if (adv != 8)
				avt_folio__zap_range(e, mm, max64(start, v->start), min64(end, v->end));
		}
		return;
	case 22: case 23: {		/* POPULATE_READ / POPULATE_WRITE */
		/* madvise_populate: VMA by VMA from start; stops (-ENOMEM)
		 * at the first hole, (-EFAULT) at a VMA it cannot fault */
		uint64_t cur = start;

		while (cur < end) {
			v = avt_mm__find(mm, cur);
			if (!v || !(v->flags & (adv == 23 ? VM_WRITE : VM_ACCESS_FLAGS)))
				return;
			if (adv == 23) {
				if (avt_fault__populate(e, mm, cur, min64(end, v->end), true, true))
					return;
			} else if (!v->file && !(v->flags & VM_SHARED) && e->set.thp) {
				for (uint64_t a = cur; a < min64(end, v->end); a += PAGE_SIZE)
					avt_fault__gup(e, mm, a, false, AVT_PREP_POPULATE);
			}
			cur = v->end;
		}
		return;
	}
	case 102:			/* GUARD_INSTALL (6.13-6.18: any valid VMA) */
		for (v = avt_mm__find_ge(mm, start); v && v->start < end; v = v->next)
			if (!(v->flags & (VM_SPECIAL | VM_HUGETLB)))
				avt_vma__prepare(e, v, AVT_PREP_GUARD);
		avt_folio__zap_range(e, mm, start, end);
		return;
	default:
		walk_modify(e, mm, start, end, madv_flags, adv);
	}
}

/* ---- mlock ---- */
static int mlock_fixup(struct avt_engine *e, struct avt_vma *v, struct avt_vma **prev,
		       uint64_t s, uint64_t end, uint64_t newflags, struct avt_vma **out)
{
	struct avt_vma_attrs a;
	uint64_t old = v->flags;
	int err;

	if (newflags == old || (old & (VM_SPECIAL | VM_HUGETLB | VM_DROPPABLE))) {
		*prev = *out = v;
		return 0;
	}
	avt_vma__attrs(v, &a);
	a.flags = newflags;
	err = avt_vma__modify(e, *prev, v, s, end, &a, out);
	if (!err) {
		avt_inv9__touch(e, (*out)->mm, s, end, AVT_INV9_EXISTING);
		*prev = *out;
	}
	return err;
}

static int sys_mlock(struct avt_engine *e, struct avt_mm *mm, const struct avt_ev_syscall *sc,
		     uint64_t to_add, bool populate)
{
	uint64_t start = sc->args[0] & ~(PAGE_SIZE - 1);
	uint64_t end = start + PAGE_ALIGN(sc->args[1] + (sc->args[0] & (PAGE_SIZE - 1)));
	struct avt_vma *v = avt_mm__find(mm, start), *prev, *r;
	uint64_t tmp, nstart = start;
	bool hole = false;
	int err;

	if (sc->ret < 0 && sc->ret != -ENOMEM && sc->ret != -EPERM)
		return 0;
	if (!v || end <= start)
		return 0;
	prev = start > v->start ? v : v->prev;
	tmp = v->start;
	while (v && v->start < end) {
		if (v->start != tmp) {
			hole = true;
			break;
		}
		tmp = min64(v->end, end);
		err = mlock_fixup(e, v, &prev, nstart, tmp, (v->flags & ~VM_LOCKED_MASK) | to_add, &r);
		if (err)
			return err;
		tmp = r->end;
		nstart = tmp;
		v = r->next;
	}
	if (!hole && tmp < end)
		hole = true;
	/* then __mm_populate, which fails (-ENOMEM to the caller) at the
	 * first inaccessible VMA after populating the ones before it */
	if (!hole && populate && avt_fault__populate(e, mm, start, end, false, true))
		hole = true;
	if (hole != (sc->ret < 0))
		e->st.ret_mismatch++;
	return 0;
}

static int sys_mlockall(struct avt_engine *e, struct avt_mm *mm, uint64_t fl, bool un)
{
	uint64_t to_add = 0;
	struct avt_vma *v, *prev = NULL, *r;
	int err;

	mm->def_flags &= ~VM_LOCKED_MASK;
	if (!un) {
		if (fl & K_MCL_FUTURE)
			mm->def_flags |= VM_LOCKED | ((fl & K_MCL_ONFAULT) ? VM_LOCKONFAULT : 0);
		if (!(fl & K_MCL_CURRENT))
			return 0;
		to_add = VM_LOCKED | ((fl & K_MCL_ONFAULT) ? VM_LOCKONFAULT : 0);
	}
	for (v = mm->first; v; v = r->next) {
		err = mlock_fixup(e, v, &prev, v->start, v->end,
				  (v->flags & ~VM_LOCKED_MASK) | to_add, &r);
		if (err)
			return err;
	}
	if (!un)
		avt_fault__populate(e, mm, 0, UINT64_MAX, false, false);
	return 0;
}

/* ---- brk ---- */
static int do_brk_flags(struct avt_engine *e, struct avt_mm *mm, uint64_t addr, uint64_t len)
{
	struct avt_vma_attrs a = {
		.flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
			 VM_ACCOUNT | mm->def_flags,
	};
	struct avt_vma *p = avt_mm__prev_of(mm, addr), *v = NULL;

	if (p && p->end == addr && p->start >= mm->start_brk) {
		struct avt_merge_new m = {
			.start = addr, .end = addr + len, .pgoff = addr >> PAGE_SHIFT, .a = a,
			.prev = p, .next = p->next, .just_expand = true,
		};

		v = avt_vma__merge_new(e, mm, &m);
	}
	if (!v) {
		v = avt_vma__alloc(e, mm);
		if (!v)
			return -ENOMEM;
		new_vma_fill(v, addr, addr + len, addr >> PAGE_SHIFT, &a, 0, 0, 0);
		avt_mm__insert(e, mm, v);
	}
	avt_inv9__touch(e, mm, addr, addr + len, AVT_INV9_BRK);
	if (e->set.soft_dirty)
		v->flags |= VM_SOFTDIRTY;
	if (mm->def_flags & VM_LOCKED)
		avt_fault__populate(e, mm, addr, addr + len, false, false);
	return 0;
}

static int sys_brk(struct avt_engine *e, struct avt_mm *mm, const struct avt_ev_syscall *sc)
{
	uint64_t nb = (uint64_t)sc->ret, ob = mm->brk;

	if (sc->ret <= 0)
		return 0;
	if (!ob && sc->args[0] && sc->args[0] == nb) {
		/*
		 * A change from an unknown break (a process rebuilt from a
		 * snapshot, whose brk(0) query predates the trace): take the
		 * heap to be the private anonymous writable VMA that contains
		 * the new break (shrink) or ends below it with nothing in
		 * between (growth, as brk requires); else give up.
		 */
		struct avt_vma *h = avt_mm__find(mm, PAGE_ALIGN(nb) ? PAGE_ALIGN(nb) - 1 : 0);

		if (!h || h->end < PAGE_ALIGN(nb) - PAGE_SIZE)
			h = avt_mm__prev_of(mm, PAGE_ALIGN(nb));
		if (h && (h->next == NULL || h->next->start >= PAGE_ALIGN(nb)) && !h->file &&
		    (h->flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE) {
			mm->start_brk = h->start;
			ob = mm->brk = h->end;
		} else {
			mm->brk = mm->start_brk = nb;
			e->st.unmodelled++;
			return 0;
		}
	}
	if (!ob) {
		/* first brk seen: the answer is the current break */
		mm->brk = mm->start_brk = nb;
		return 0;
	}
	if (nb == ob)
		return 0;
	mm->brk = nb;
	if (nb < ob) {
		if (PAGE_ALIGN(nb) < PAGE_ALIGN(ob))
			return avt_vma__munmap(e, mm, PAGE_ALIGN(nb), PAGE_ALIGN(ob));
		return 0;
	}
	if (PAGE_ALIGN(nb) > PAGE_ALIGN(ob))
		return do_brk_flags(e, mm, PAGE_ALIGN(ob), PAGE_ALIGN(nb) - PAGE_ALIGN(ob));
	return 0;
}

/* ---- mremap ---- */
/* move_page_tables: lock events per extent, then the PTEs themselves */
static void move_page_tables(struct avt_engine *e, struct avt_vma *src, bool faulted,
			     bool need_rmap_locks, uint64_t old, uint64_t new, uint64_t len)
{
	for (uint64_t off = 0; off < len;) {
		uint64_t o = old + off, n = new + off;
		uint64_t ext = ((o + PMD_SIZE) & ~(PMD_SIZE - 1)) - o;
		uint64_t ext2 = ((n + PMD_SIZE) & ~(PMD_SIZE - 1)) - n;

		if (ext2 < ext)
			ext = ext2;
		if (ext > len - off)
			ext = len - off;
		if (faulted && avt_folio__any_in(e, src->mm, o, o + ext)) {
			if (ext == PMD_SIZE)
				OPS(e)->pt_move_lock(S(e), src, AVT_LT_MOVE_PGT);
			else if (need_rmap_locks)
				OPS(e)->pt_move_lock(S(e), src, AVT_LT_MOVE_PTES);
		}
		off += ext;
	}
	avt_folio__move_range(e, src->mm, old, new, len);
}

static int move_vma(struct avt_engine *e, struct avt_mm *mm, struct avt_vma *v, uint64_t old,
		    uint64_t old_len, uint64_t new_len, uint64_t new, bool dontunmap)
{
	bool faulted, need_rmap_locks;
	uint64_t pgoff, v_pgoff;
	struct avt_vma_attrs a;
	struct avt_vma *t, *ov;

	if (OPS(e)->before_mremap_move)
		OPS(e)->before_mremap_move(S(e), v);
	faulted = avt_vma__faulted(e, v);
	v_pgoff = v->pgoff;
	pgoff = v->pgoff + ((old - v->start) >> PAGE_SHIFT);
	if (!v->file && !faulted)
		pgoff = new >> PAGE_SHIFT;	/* copy_vma: unfaulted anon moves reset pgoff */
	avt_vma__attrs(v, &a);
	{
		struct avt_merge_new m = {
			.start = new, .end = new + new_len, .pgoff = pgoff, .a = a,
			.file = v->file, .dev = v->dev, .ino = v->ino,
			.prev = avt_mm__prev_of(mm, new), .next = avt_mm__find_ge(mm, new),
			.range_src = v, .copied_from = v,
		};

		t = avt_vma__merge_new(e, mm, &m);
	}
	if (t) {
		/* v may have been merged into t (unfaulted only): re-find it */
		v = avt_mm__find(mm, old);
		need_rmap_locks = t->pgoff <= (v ? v->pgoff : v_pgoff);
		if (v == t)
			need_rmap_locks = true;
	} else {
		t = avt_vma__alloc(e, mm);
		if (!t)
			return -ENOMEM;
		new_vma_fill(t, new, new + new_len, pgoff, &a, v->file, v->dev, v->ino);
		if (OPS(e)->clone(S(e), t, v, AVT_CLONE_REMAP)) {
			avt_vma__free(e, t);
			return -ENOMEM;
		}
		avt_mm__insert(e, mm, t);
		need_rmap_locks = false;
	}
	if (v)
		move_page_tables(e, v, faulted, need_rmap_locks, old, new, old_len);
	if (!dontunmap)
		return avt_vma__munmap(e, mm, old, old + old_len);
	ov = avt_mm__find(mm, old);
	if (!ov)
		return 0;
	ov->flags &= ~VM_LOCKED_MASK;
	if (ov != t && old == ov->start && old + old_len == ov->end)
		OPS(e)->unlink(S(e), ov, AVT_UNLINK_DONTUNMAP);
	return 0;
}

static int sys_mremap(struct avt_engine *e, struct avt_mm *mm, const struct avt_ev_syscall *sc)
{
	uint64_t old = sc->args[0], old_len = PAGE_ALIGN(sc->args[1]);
	uint64_t new_len = PAGE_ALIGN(sc->args[2]), fl = sc->args[3];
	uint64_t new = (uint64_t)sc->ret;
	bool dontunmap = fl & K_MREMAP_DONTUNMAP;
	struct avt_vma *v;
	int err;

	/* a multi-VMA move that reached a sealed VMA (-EPERM) keeps the moves
	 * done before it (new = the requested destination) */
	if (sc->ret == -EPERM && (fl & K_MREMAP_FIXED) && old_len == new_len) {
		new = sc->args[4];
	} else if (sc->ret == -EPERM && (fl & K_MREMAP_FIXED)) {
		/* mremap_to: the destination's munmap met a sealed VMA after
		 * splitting the ones before it (the source was not sealed) */
		v = avt_mm__find(mm, old);
		if (v && !(v->flags & VM_SEALED))
			avt_vma__munmap(e, mm, sc->args[4], sc->args[4] + new_len);
		return 0;
	} else if (sc->ret < 0) {
		return 0;
	}
	if (!old_len) {
		e->st.unmodelled++;	/* duplicate of a shared mapping */
		return 0;
	}
	v = avt_mm__find(mm, old);
	if (!v) {
		e->st.ret_mismatch++;
		return 0;
	}
	if (new == old && !(fl & (K_MREMAP_FIXED | K_MREMAP_DONTUNMAP))) {
		if (new_len < old_len)
			return avt_vma__munmap(e, mm, old + new_len, old + old_len);
		if (new_len > old_len) {
			/* expand_vma_in_place -> vma_merge_extend */
			struct avt_vma_attrs a;
			struct avt_merge_new m;

			avt_vma__attrs(v, &a);
			m = (struct avt_merge_new){
				.start = v->end, .end = v->end + (new_len - old_len),
				.pgoff = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT), .a = a,
				.file = v->file, .dev = v->dev, .ino = v->ino,
				.prev = v, .next = v->next, .range_src = v,
			};
			uint64_t gs = v->end, ge = v->end + (new_len - old_len);

			if (!avt_vma__merge_new(e, mm, &m))
				e->st.ret_mismatch++;
			else if (a.flags & VM_LOCKED)
				avt_fault__populate(e, mm, gs, ge, false, false);
		}
		return 0;
	}
	/* a move */
	if ((fl & K_MREMAP_FIXED) && old_len == new_len) {
		/*
		 * remap_move (6.17+): every VMA of [old, old+len) moves on its
		 * own (mremap_to per piece: munmap of that piece's destination,
		 * then move_vma); gaps in the source keep whatever the
		 * destination has there.
		 */
		uint64_t cur = old;

		while (cur < old + old_len) {
			uint64_t seg_end, dst;

			v = avt_mm__find_ge(mm, cur);
			if (!v || v->start >= old + old_len)
				break;
			if (v->flags & VM_SEALED)
				return -EPERM;
			if (v->start > cur)
				cur = v->start;
			seg_end = min64(v->end, old + old_len);
			dst = new + (cur - old);
			err = avt_vma__munmap(e, mm, dst, dst + (seg_end - cur));
			if (err)
				return err;
			v = avt_mm__find(mm, cur);
			if (!v)
				break;
			err = move_vma(e, mm, v, cur, seg_end - cur, seg_end - cur, dst, dontunmap);
			if (err)
				return err;
			cur = seg_end;
		}
		return 0;
	}
	if (fl & K_MREMAP_FIXED) {
		err = avt_vma__munmap(e, mm, new, new + new_len);
		if (err)
			return err;
	}
	if (old_len > new_len) {
		err = avt_vma__munmap(e, mm, old + new_len, old + old_len);
		if (err)
			return err;
		old_len = new_len;
	}
	v = avt_mm__find(mm, old);
	if (!v)
		return 0;
	{
		bool locked = v->flags & VM_LOCKED;

		err = move_vma(e, mm, v, old, old_len, new_len, new, dontunmap);
		/* do_mremap: a locked mapping that grew is populated past the
		 * old length (mm_populate: write faults if private writable) */
		if (!err && locked && new_len > old_len)
			avt_fault__populate(e, mm, new + old_len, new + new_len, false, false);
		return err;
	}
}

/* ---- other attribute changes ---- */
static int set_policy(struct avt_engine *e, struct avt_vma *v, uint64_t pol,
		      struct avt_vma_attrs *a)
{
	(void)e;
	(void)v;
	a->policy = pol;
	return 0;
}

static int set_home_node(struct avt_engine *e, struct avt_vma *v, uint64_t node,
			 struct avt_vma_attrs *a)
{
	(void)e;
	if (!v->policy)
		return 1;
	a->policy = (v->policy * 0x100000001b3ULL) ^ (node + 1);
	return 0;
}

static int set_name(struct avt_engine *e, struct avt_vma *v, uint64_t name,
		    struct avt_vma_attrs *a)
{
	(void)e;
	if (v->file)
		return -EBADF;
	a->anon_name = name;
	return 0;
}

static int set_seal(struct avt_engine *e, struct avt_vma *v, uint64_t x,
		    struct avt_vma_attrs *a)
{
	(void)e;
	(void)v;
	(void)x;
	a->flags |= VM_SEALED;
	return 0;
}

static int set_uffd(struct avt_engine *e, struct avt_vma *v, uint64_t mode,
		    struct avt_vma_attrs *a)
{
	(void)e;
	(void)v;
	a->flags &= ~VM_UFFD_FLAGS;
	if (mode & K_UFFD_MODE_MISSING)
		a->flags |= VM_UFFD_MISSING;
	if (mode & K_UFFD_MODE_WP)
		a->flags |= VM_UFFD_WP;
	if (mode & K_UFFD_MODE_MINOR)
		a->flags |= VM_UFFD_MINOR;
	a->uffd_ctx = mode ? 1 : 0;
	return 0;
}

static int uffd_fill(struct avt_engine *e, struct avt_mm *mm, uint64_t dst, uint64_t len,
		     bool zero)
{
	for (uint64_t a = dst; a < dst + len; a += PAGE_SIZE) {
		struct avt_vma *v = avt_mm__find(mm, a);
		int err;

		if (!v)
			break;
		err = avt_vma__prepare(e, v, AVT_PREP_UFFD);
		if (err)
			return err;
		if (!zero && !avt_ptes__get(&mm->ptes, a >> PAGE_SHIFT))
			avt_fault__gup(e, mm, a, true, AVT_PREP_UFFD);
	}
	return 0;
}

static int uffd_move(struct avt_engine *e, struct avt_mm *mm, uint64_t dst, uint64_t src,
		     uint64_t len)
{
	struct avt_vma *sv = avt_mm__find(mm, src), *dv = avt_mm__find(mm, dst);

	if (!sv || !dv)
		return 0;
	if (OPS(e)->before_uffd_move)
		OPS(e)->before_uffd_move(S(e), sv, dv);
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		struct avt_folio *f = avt_ptes__get(&mm->ptes, (src + off) >> PAGE_SHIFT);
		uint64_t idx;
		void *h;
		int err;

		dv = avt_mm__find(mm, dst + off);
		if (!dv)
			break;
		if (!f || f->mapcount != 1)
			continue;
		if (OPS(e)->uffd_move_lock)
			OPS(e)->uffd_move_lock(S(e), f);
		err = avt_vma__prepare(e, dv, AVT_PREP_UFFD);
		if (err)
			return err;
		idx = dv->pgoff + ((dst + off - dv->start) >> PAGE_SHIFT);
		avt_ptes__del(&mm->ptes, (src + off) >> PAGE_SHIFT);
		if (!OPS(e)->folio_uffd_move ||
		    OPS(e)->folio_uffd_move(S(e), avt_mm__find(mm, src + off), dv, f, idx)) {
			h = OPS(e)->folio_move(S(e), dv, f);
			f->mapping = h;
			f->index = idx;
			e->st.folio_rewrites++;
			e->st.folio_rewrites_uffd++;
		}
		f->exclusive = 1;
		avt_ptes__set(e, &mm->ptes, (dst + off) >> PAGE_SHIFT, f);
	}
	return 0;
}

static int sys_shmat(struct avt_engine *e, struct avt_mm *mm, const struct avt_ev_syscall *sc)
{
	uint64_t addr = (uint64_t)sc->ret, len = PAGE_ALIGN(sc->args[3]);
	struct avt_vma_attrs a = { 0 };
	struct avt_vma *v;

	if (sc->ret < 0 || !len)
		return 0;
	a.flags = VM_READ | VM_SHARED | VM_MAYSHARE | VM_MAYREAD | VM_MAYEXEC | mm->def_flags;
	if (!(sc->args[2] & K_SHM_RDONLY))
		a.flags |= VM_WRITE | VM_MAYWRITE;
	v = avt_mm__find_ge(mm, addr);
	if (v && v->start < addr + len && avt_vma__munmap(e, mm, addr, addr + len))
		return -ENOMEM;
	/* identity: the segment; dev/ino as the recorder read them, if it did */
	v = map_range(e, mm, addr, addr + len, 0, &a, (1ULL << 60) | sc->args[0],
		      sc->flags & AVT_SYSF_FILE ? sc->dev : 0,
		      sc->flags & AVT_SYSF_FILE ? sc->ino : 0);
	return v ? 0 : -ENOMEM;
}

static int sys_shmdt(struct avt_engine *e, struct avt_mm *mm, const struct avt_ev_syscall *sc)
{
	struct avt_vma *v = avt_mm__find(mm, sc->args[0]);
	uint64_t file, s, end;

	if (sc->ret < 0 || !v || !v->file)
		return 0;
	file = v->file;
	s = v->start;
	end = v->end;
	while (v->next && v->next->start == end && v->next->file == file) {
		v = v->next;
		end = v->end;
	}
	return avt_vma__munmap(e, mm, s, end);
}

/*
 * remap_file_pages (mm/mmap.c emulation since 4.0): on a shared file VMA,
 * an mmap(MAP_SHARED|MAP_FIXED) of the same file over [start, start+size)
 * at the new pgoff, with the VMA's protection; no anon effect.
 */
static int sys_remap_file_pages(struct avt_engine *e, struct avt_mm *mm,
				const struct avt_ev_syscall *sc)
{
	uint64_t start = sc->args[0] & ~(PAGE_SIZE - 1), size = PAGE_ALIGN(sc->args[1]);
	uint64_t pgoff = sc->args[3], file, dev, ino;
	struct avt_vma *v = avt_mm__find(mm, start);
	struct avt_vma_attrs a = { 0 };
	int err;

	if (sc->ret < 0 || !v || !(v->flags & VM_SHARED) || !size ||
	    start + size > v->end)
		return 0;
	if (pgoff == v->pgoff + ((start - v->start) >> PAGE_SHIFT))
		return 0;	/* already linear there */
	a.flags = (v->flags & (VM_ACCESS_FLAGS | VM_SHARED | VM_MAYSHARE | VM_MAYREAD |
			       VM_MAYWRITE | VM_MAYEXEC | VM_LOCKED)) | mm->def_flags;
	file = v->file;
	dev = v->dev;
	ino = v->ino;
	err = avt_vma__munmap(e, mm, start, start + size);
	if (err)
		return err;
	return map_range(e, mm, start, start + size, pgoff, &a, file, dev, ino) ? 0 : -ENOMEM;
}

static int sys_dispatch(struct avt_engine *e, struct avt_proc *p, const struct avt_event *ev)
{
	const struct avt_ev_syscall *sc = &ev->u.sys;
	struct avt_mm *mm = p->mm;
	uint64_t a0 = sc->args[0], a1 = sc->args[1];

	switch (sc->sys) {
	case AVT_SYS_MMAP:
		return sys_mmap(e, mm, sc);
	case AVT_SYS_MUNMAP:
		if (sc->ret < 0 && sc->ret != -EPERM)
			return 0;	/* -EPERM: sealed; the splits before it stay */
		return avt_vma__munmap(e, mm, a0, a0 + PAGE_ALIGN(a1));
	case AVT_SYS_MREMAP:
		return sys_mremap(e, mm, sc);
	case AVT_SYS_MPROTECT:
		return sys_mprotect(e, mm, sc, false);
	case AVT_SYS_PKEY_MPROTECT:
		return sys_mprotect(e, mm, sc, true);
	case AVT_SYS_BRK:
		return sys_brk(e, mm, sc);
	case AVT_SYS_MADVISE:
		madvise_mm(e, mm, a0, a1, sc->args[2], sc->ret);
		return 0;
	case AVT_SYS_PROCESS_MADVISE: {
		struct avt_proc *t = avt_proc__find(e, (uint32_t)a0);

		if (!t || !t->mm) {
			e->st.unknown_pid++;
			return 0;
		}
		madvise_mm(e, t->mm, a1, sc->args[2], sc->args[3], sc->ret < 0 ? sc->ret : 0);
		return 0;
	}
	case AVT_SYS_MLOCK:
		return sys_mlock(e, mm, sc, VM_LOCKED, true);
	case AVT_SYS_MLOCK2:
		return sys_mlock(e, mm, sc, VM_LOCKED |
				 ((sc->args[2] & K_MLOCK_ONFAULT) ? VM_LOCKONFAULT : 0), true);
	case AVT_SYS_MUNLOCK:
		return sys_mlock(e, mm, sc, 0, false);
	case AVT_SYS_MLOCKALL:
		if (sc->ret < 0)
			return 0;
		return sys_mlockall(e, mm, a0, false);
	case AVT_SYS_MUNLOCKALL:
		if (sc->ret < 0)
			return 0;
		return sys_mlockall(e, mm, 0, true);
	case AVT_SYS_MBIND: {
		uint64_t pol = sc->args[2] ? (((sc->args[2] << 32) ^ sc->args[3]) | 1) : 0;

		if (sc->ret < 0)
			return 0;
		return walk_modify(e, mm, a0, a0 + PAGE_ALIGN(a1), set_policy, pol);
	}
	case AVT_SYS_SET_MEMPOLICY_HOME_NODE:
		if (sc->ret < 0)
			return 0;
		return walk_modify(e, mm, a0, a0 + PAGE_ALIGN(a1), set_home_node, sc->args[2]);
	case AVT_SYS_PRCTL:
		if (a0 != K_PR_SET_VMA || a1 != K_PR_SET_VMA_ANON_NAME) {
			return 0;
		}
		if (sc->ret < 0 && sc->ret != -ENOMEM)
			return 0;
		return walk_modify(e, mm, sc->args[2], sc->args[2] + PAGE_ALIGN(sc->args[3]),
				   set_name, sc->args[4]);
	case AVT_SYS_SHMAT:
		return sys_shmat(e, mm, sc);
	case AVT_SYS_SHMDT:
		return sys_shmdt(e, mm, sc);
	case AVT_SYS_MSEAL:
		if (sc->ret < 0)
			return 0;
		return walk_modify(e, mm, a0, a0 + PAGE_ALIGN(a1), set_seal, 0);
	case AVT_SYS_UFFD_REGISTER:
		if (sc->ret < 0)
			return 0;
		return walk_modify(e, mm, a0, a0 + PAGE_ALIGN(a1), set_uffd, sc->args[2]);
	case AVT_SYS_UFFD_UNREGISTER:
		if (sc->ret < 0)
			return 0;
		return walk_modify(e, mm, a0, a0 + PAGE_ALIGN(a1), set_uffd, 0);
	/* UFFDIO_*: ret = bytes done when positive; 0 = the whole length */
	case AVT_SYS_UFFD_COPY:
		if (sc->ret < 0)
			return 0;
		return uffd_fill(e, mm, a0, PAGE_ALIGN(sc->ret ? (uint64_t)sc->ret : sc->args[2]),
				 false);
	case AVT_SYS_UFFD_ZEROPAGE:
		if (sc->ret < 0)
			return 0;
		return uffd_fill(e, mm, a0, PAGE_ALIGN(sc->ret ? (uint64_t)sc->ret : a1), true);
	case AVT_SYS_UFFD_MOVE:
		if (sc->ret < 0)
			return 0;
		return uffd_move(e, mm, a0, a1, PAGE_ALIGN(sc->ret ? (uint64_t)sc->ret : sc->args[2]));
	case AVT_SYS_REMAP_FILE_PAGES:
		return sys_remap_file_pages(e, mm, sc);
	default:
		e->st.unmodelled++;
		return 0;
	}
}

/* The largest user address of any x86-64 mm (5-level paging). */
#define USER_VA_END (1ULL << 57)

/* [start, start + PAGE_ALIGN(len)) is a range a kernel could accept: no
 * wrap, inside the user address space, start aligned when required. */
static bool range_ok(uint64_t start, uint64_t len, bool aligned)
{
	uint64_t alen = PAGE_ALIGN(len);

	if (aligned && (start & (PAGE_SIZE - 1)))
		return false;
	if (len && alen < len)
		return false;		/* PAGE_ALIGN wrapped */
	return start <= USER_VA_END && alen <= USER_VA_END - start;
}

/*
 * A "successful" call that the kernel rejects with -EINVAL (unaligned
 * start, a wrapping or out-of-range length) can only come from a damaged
 * or hand-edited trace: applying it would build impossible VMAs or
 * populate without end, so it is counted (syscalls.implausible) instead.
 */
static bool sys_plausible(const struct avt_ev_syscall *sc)
{
	const uint64_t *a = sc->args;

	if (sc->ret < 0)
		return true;
	switch (sc->sys) {
	case AVT_SYS_MMAP:	/* no result written: the hint is the address */
		return range_ok(sc->ret ? (uint64_t)sc->ret : a[0] & ~(PAGE_SIZE - 1), a[1], true);
	case AVT_SYS_MUNMAP: case AVT_SYS_MPROTECT: case AVT_SYS_PKEY_MPROTECT:
	case AVT_SYS_MADVISE: case AVT_SYS_MSEAL: case AVT_SYS_MBIND:
	case AVT_SYS_SET_MEMPOLICY_HOME_NODE:
		return range_ok(a[0], a[1], true);
	case AVT_SYS_MLOCK: case AVT_SYS_MLOCK2: case AVT_SYS_MUNLOCK:
	case AVT_SYS_UFFD_REGISTER: case AVT_SYS_UFFD_UNREGISTER: case AVT_SYS_UFFD_ZEROPAGE:
		return range_ok(a[0], a[1], false);
	case AVT_SYS_PROCESS_MADVISE:
		return range_ok(a[1], a[2], true);
	case AVT_SYS_MREMAP:
		return range_ok(a[0], a[1], true) && range_ok((uint64_t)sc->ret, a[2], true);
	case AVT_SYS_UFFD_COPY: case AVT_SYS_UFFD_MOVE:
		return range_ok(a[0], a[2], false) && range_ok(a[1], a[2], false);
	case AVT_SYS_BRK:
		return (uint64_t)sc->ret <= USER_VA_END;
	default:
		return true;
	}
}

int avt_sys__replay(struct avt_engine *e, struct avt_proc *p, const struct avt_event *ev)
{
	int err;

	if (ev->u.sys.ret < 0)
		e->st.failed_syscalls++;
	if (!sys_plausible(&ev->u.sys)) {
		e->st.implausible++;
		return 0;
	}
	err = sys_dispatch(e, p, ev);
	/* What the kernel would return to the caller (a sealed VMA, the
	 * map count limit, a fault during population) is the syscall's
	 * result, not an engine failure: it stops the operation where the
	 * kernel stops; count it if the trace says the call succeeded. */
	if (err == -EPERM || err == -ENOMEM || err == -EFAULT) {
		if (ev->u.sys.ret >= 0)
			e->st.ret_mismatch++;
		return 0;
	}
	return err;
}
