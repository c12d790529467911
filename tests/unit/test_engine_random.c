// SPDX-License-Identifier: MIT
/*
 * Random sequences (seeded): mmap/MAP_FIXED, munmap, mprotect, madvise,
 * mlock, brk, mremap (move, DONTUNMAP, grow, shrink), faults, fork, exit.
 * Both eager schemes replay every sequence with invariants checked after
 * every event; nothing may leak once every process exited; and the run must
 * hit every rule issue 3 names (printed). Differential: eager and
 * eager-legacy agree on --state and live counts, and eager's allocations
 * exceed eager-legacy's by exactly its transient ones, up to the first fork
 * with two reuse candidates (where the two may pick different ancestors).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/engine.h"
#include "engine/internal.h"

#define P 0x1000ULL
#define WIN_LO 0x100
#define WIN_PAGES 0x60
#define MAXP 8

enum rule {
	R_FORK_REUSE, R_DUP_MERGE, R_FORK_CHILD_REFUSAL, R_SPLIT_BEFORE_FORK,
	R_FIXED_OVER_FAULTED, R_DONTUNMAP, R_WIPE_DONTCOPY, R_BRK_IN_CHILD, R__MAX,
};
static const char *const rule_names[R__MAX] = {
	"fork reuse", "DUP merge", "fork-child merge refusal", "split-before-fork",
	"MAP_FIXED over faulted range", "MREMAP_DONTUNMAP", "WIPEONFORK/DONTCOPY at fork",
	"brk in child",
};
static uint64_t hits[R__MAX];
static uint64_t inv9_judged, inv9_honoured;	/* invariant 9 exercised */

struct gproc {
	uint32_t pid;
	uint64_t brk;
	bool child;		/* created by fork with an inherited heap */
};

struct gen {
	uint64_t rng;
	struct gproc p[MAXP];
	int n;
	uint32_t next_pid;
	uint64_t ts;
	struct avt_engine *e[2];	/* [0] eager, [1] eager-legacy */
	bool diverged;
	uint64_t steps;
};

static uint64_t rnd(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

static uint64_t rr(struct gen *g, uint64_t n)
{
	return n ? rnd(g) % n : 0;
}

static struct avt_mm *mm_of(struct gen *g, uint32_t pid)
{
	struct avt_proc *p = avt_proc__find(g->e[1], pid);

	return p ? p->mm : NULL;
}

static char *state_of(struct avt_engine *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	avt_engine__write_state(e, m);
	fclose(m);
	return buf;
}

static double metric(struct avt_engine *e, const char *name)
{
	double v = -1;

	avt_engine__metric(e, name, &v);
	return v;
}

static void feed(struct gen *g, struct avt_event *ev)
{
	ev->ts = ++g->ts;
	ev->tid = ev->pid;
	for (int i = 0; i < 2; i++) {
		int rc = avt_engine__feed(g->e[i], ev);

		if (rc)
			fail_msg("%s, step %llu: %s", avt_engine__scheme(g->e[i]),
				 (unsigned long long)g->steps, avt_engine__error(g->e[i]));
	}
	if (metric(g->e[0], "fork.multi_candidates") > 0 ||
	    metric(g->e[1], "fork.multi_candidates") > 0)
		g->diverged = true;
	if (!g->diverged) {
		char *a = state_of(g->e[0]), *b = state_of(g->e[1]);

		if (strcmp(a, b))
			fail_msg("step %llu: eager and eager-legacy layouts differ\n%s---\n%s",
				 (unsigned long long)g->steps, a, b);
		free(a);
		free(b);
		assert_true(metric(g->e[0], "anon_vma.live") == metric(g->e[1], "anon_vma.live"));
		assert_true(metric(g->e[0], "anon_vma_chain.live") ==
			    metric(g->e[1], "anon_vma_chain.live"));
		assert_true(metric(g->e[0], "anon_vma.allocated") -
			    metric(g->e[0], "anon_vma.transient") ==
			    metric(g->e[1], "anon_vma.allocated"));
		assert_true(metric(g->e[0], "anon_vma_chain.allocated") -
			    metric(g->e[0], "anon_vma_chain.transient") ==
			    metric(g->e[1], "anon_vma_chain.allocated"));
	}
}

static void sys(struct gen *g, uint32_t pid, uint16_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		uint64_t a3, uint64_t a4, uint64_t a5, int64_t ret)
{
	struct avt_event ev = { .type = AVT_EV_SYSCALL, .pid = pid };

	ev.u.sys.sys = nr;
	ev.u.sys.args[0] = a0;
	ev.u.sys.args[1] = a1;
	ev.u.sys.args[2] = a2;
	ev.u.sys.args[3] = a3;
	ev.u.sys.args[4] = a4;
	ev.u.sys.args[5] = a5;
	ev.u.sys.ret = ret;
	feed(g, &ev);
}

static void exec_new(struct gen *g)
{
	struct avt_event ev = { .type = AVT_EV_EXEC };
	struct gproc *p = &g->p[g->n++];

	p->pid = g->next_pid++;
	p->brk = 0x1000000;
	p->child = false;
	ev.pid = p->pid;
	strcpy(ev.u.exec.comm, "r");
	feed(g, &ev);
	sys(g, p->pid, AVT_SYS_BRK, 0, 0, 0, 0, 0, 0, (int64_t)p->brk);
}

static bool range_free(struct avt_mm *mm, uint64_t s, uint64_t len)
{
	struct avt_vma *v = avt_mm__find_ge(mm, s);

	return !v || v->start >= s + len;
}

static struct avt_vma *pick_vma(struct gen *g, struct avt_mm *mm)
{
	struct avt_vma *v;
	int n = 0, k;

	avt_for_each_vma(mm, v)
		n++;
	if (!n)
		return NULL;
	k = (int)rr(g, (uint64_t)n);
	for (v = mm->first; k--; v = v->next)
		;
	return v;
}

static void step(struct gen *g)
{
	int pi = (int)rr(g, (uint64_t)g->n);
	struct gproc *gp = &g->p[pi];
	uint32_t pid = gp->pid;
	struct avt_mm *mm = mm_of(g, pid);
	uint64_t r = rr(g, 100);
	uint64_t s = (WIN_LO + rr(g, WIN_PAGES)) * P, len = (1 + rr(g, 8)) * P;
	struct avt_vma *v;

	g->steps++;
	if (r < 14) {			/* mmap (fixed address) */
		uint64_t fl = 0x22 | 0x10 | (rr(g, 6) == 0 ? 0x4000 : 0);

		for (v = avt_mm__find_ge(mm, s); v && v->start < s + len; v = v->next)
			if (v->anon)
				hits[R_FIXED_OVER_FAULTED]++;
		sys(g, pid, AVT_SYS_MMAP, s, len, rr(g, 5) ? 3 : 1, fl, (uint64_t)-1, 0, (int64_t)s);
	} else if (r < 40) {		/* faults */
		v = pick_vma(g, mm);
		if (v) {
			struct avt_event ev = { .type = AVT_EV_FAULT, .pid = pid };

			ev.u.fault.addr = v->start + rr(g, (v->end - v->start) / P) * P;
			ev.u.fault.flags = (v->flags & VM_WRITE) && rr(g, 4) ? AVT_FAULT_WRITE : 0;
			feed(g, &ev);
		}
	} else if (r < 48) {		/* munmap */
		sys(g, pid, AVT_SYS_MUNMAP, s, len, 0, 0, 0, 0, 0);
	} else if (r < 58) {		/* mprotect */
		static const uint64_t prots[] = { 1, 3, 3, 7 };

		sys(g, pid, AVT_SYS_MPROTECT, s, len, prots[rr(g, 4)], 0, 0, 0, 0);
	} else if (r < 66) {		/* madvise */
		static const uint64_t adv[] = { 10, 11, 18, 19, 14, 15, 4, 10, 18 };

		sys(g, pid, AVT_SYS_MADVISE, s, len, adv[rr(g, 9)], 0, 0, 0, 0);
	} else if (r < 70) {		/* mlock / munlock */
		sys(g, pid, rr(g, 2) ? AVT_SYS_MLOCK : AVT_SYS_MUNLOCK, s, len, 0, 0, 0, 0, 0);
	} else if (r < 76) {		/* brk */
		uint64_t nb = gp->brk + (rr(g, 3) ? (1 + rr(g, 3)) * P : 0);

		if (nb == gp->brk && gp->brk > 0x1000000)
			nb = gp->brk - P;
		if (nb > gp->brk && !range_free(mm, gp->brk, nb - gp->brk))
			nb = gp->brk;
		if (gp->child && nb > gp->brk)
			hits[R_BRK_IN_CHILD]++;
		gp->brk = nb;
		sys(g, pid, AVT_SYS_BRK, nb, 0, 0, 0, 0, 0, (int64_t)nb);
	} else if (r < 86) {		/* mremap */
		v = pick_vma(g, mm);
		if (!v || v->file || (v->flags & (VM_SHARED | VM_DONTEXPAND)))
			return;
		uint64_t pages = (v->end - v->start) / P;
		uint64_t off = rr(g, pages) * P, olen = v->end - v->start - off;
		uint64_t kind = rr(g, 4), dst = (0x300 + rr(g, 0x40)) * P;

		if (kind == 0) {	/* move to a fixed address */
			if (dst < v->end && dst + olen > v->start + off)
				return;
			sys(g, pid, AVT_SYS_MREMAP, v->start + off, olen, olen, 3, dst, 0, (int64_t)dst);
		} else if (kind == 1) {	/* DONTUNMAP to a free address */
			if (!range_free(mm, dst, olen))
				return;
			if (v->anon && !off)
				hits[R_DONTUNMAP]++;
			sys(g, pid, AVT_SYS_MREMAP, v->start + off, olen, olen, 5, 0, 0, (int64_t)dst);
		} else if (kind == 2) {	/* shrink in place */
			if (olen <= P)
				return;
			sys(g, pid, AVT_SYS_MREMAP, v->start + off, olen, olen - P, 0, 0, 0,
			    (int64_t)(v->start + off));
		} else {		/* grow in place if free, else move */
			if (range_free(mm, v->end, P))
				sys(g, pid, AVT_SYS_MREMAP, v->start + off, olen, olen + P, 1, 0, 0,
				    (int64_t)(v->start + off));
			else if (range_free(mm, dst, olen + P))
				sys(g, pid, AVT_SYS_MREMAP, v->start + off, olen, olen + P, 1, 0, 0,
				    (int64_t)dst);
		}
	} else if (r < 93) {		/* fork */
		struct avt_event ev = { .type = AVT_EV_FORK, .pid = pid };
		struct avt_vma *w;

		if (g->n == MAXP)
			return;
		avt_for_each_vma(mm, v) {
			if ((v->flags & (VM_WIPEONFORK | VM_DONTCOPY)) && v->anon)
				hits[R_WIPE_DONTCOPY]++;
			for (w = v->next; w && v->anon; w = w->next)
				if (w->anon == v->anon) {
					hits[R_SPLIT_BEFORE_FORK]++;
					break;
				}
		}
		ev.u.fork.child_pid = ev.u.fork.child_tid = g->next_pid;
		ev.u.fork.flags = AVT_FORK_NEWMM;
		strcpy(ev.u.fork.comm, "r");
		feed(g, &ev);
		g->p[g->n].pid = g->next_pid++;
		g->p[g->n].brk = gp->brk;
		g->p[g->n].child = gp->brk > 0x1000000;
		g->n++;
	} else if (r < 97) {		/* exit */
		struct avt_event ev = { .type = AVT_EV_EXIT, .pid = pid };

		ev.u.exit.group_dead = 1;
		feed(g, &ev);
		g->p[pi] = g->p[--g->n];
		if (!g->n)
			exec_new(g);
	} else {			/* checkpoint (census) */
		struct avt_event ev = { .type = AVT_EV_CHECKPOINT };

		ev.u.checkpoint.n = (uint32_t)g->steps;
		feed(g, &ev);
	}
}

static void run_seed(uint64_t seed, int steps)
{
	struct avt_engine_opts o = { .sz = sizeof(o), .check_invariants = 1 };
	struct gen g = { .rng = seed * 0x9e3779b97f4a7c15ULL + 1, .next_pid = 100 };

	g.e[0] = avt_engine__new("eager", &o);
	g.e[1] = avt_engine__new("eager-legacy", &o);
	assert_non_null(g.e[0]);
	assert_non_null(g.e[1]);
	exec_new(&g);
	for (int i = 0; i < steps; i++)
		step(&g);
	while (g.n) {			/* everyone exits: nothing may leak */
		struct avt_event ev = { .type = AVT_EV_EXIT, .pid = g.p[--g.n].pid };

		ev.u.exit.group_dead = 1;
		feed(&g, &ev);
	}
	for (int i = 0; i < 2; i++) {
		avt_engine__finish(g.e[i]);
		assert_true(metric(g.e[i], "anon_vma.live") == 0);
		assert_true(metric(g.e[i], "anon_vma_chain.live") == 0);
		assert_true(metric(g.e[i], "folio.live") == 0);
		assert_true(metric(g.e[i], "vma.live") == 0);
	}
	hits[R_FORK_REUSE] += (uint64_t)metric(g.e[1], "fork.reuse");
	hits[R_DUP_MERGE] += (uint64_t)metric(g.e[1], "lock.write.clone_merge");
	hits[R_FORK_CHILD_REFUSAL] += (uint64_t)(metric(g.e[1], "merge.refused.tgt_fork_child") +
						 metric(g.e[1], "merge.refused.src_fork_child") +
						 metric(g.e[1], "merge.refused.copied_fork_child"));
	for (int i = 0; i < 2; i++) {
		inv9_judged += g.e[i]->inv9_judged;
		inv9_honoured += g.e[i]->inv9_honoured;
	}
	avt_engine__free(g.e[0]);
	avt_engine__free(g.e[1]);
}

static void test_random(void **state)
{
	const char *env = getenv("AVT_RANDOM_SEEDS");
	int seeds = env ? atoi(env) : (getenv("AVT_SAN") ? 6 : 16);

	(void)state;
	memset(hits, 0, sizeof(hits));
	for (int s = 1; s <= seeds; s++)
		run_seed((uint64_t)s, 1500);
	for (int r = 0; r < R__MAX; r++)
		printf("rule hit: %-30s %llu\n", rule_names[r], (unsigned long long)hits[r]);
	for (int r = 0; r < R__MAX; r++)
		if (!hits[r])
			fail_msg("rule never hit: %s", rule_names[r]);
	printf("I9: %llu borders judged, %llu legitimate non-merges\n",
	       (unsigned long long)inv9_judged, (unsigned long long)inv9_honoured);
	assert_true(inv9_judged > 0 && inv9_honoured > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
