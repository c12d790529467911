// SPDX-License-Identifier: MIT
/*
 * gen_forkheavy: a seeded generator for the named benchmark trace
 * "forkheavy" (a zygote-style fork server). It writes an avtrace binary
 * trace of N events:
 *
 *   zygote (pid 100) maps Z private anonymous VMAs and writes every page;
 *   then, round after round, it forks a worker that COWs some inherited
 *   pages, maps, writes, mprotects and unmaps its own VMAs, sometimes
 *   forks a grandchild, and exits before the next worker is forked,
 *   so live state stays bounded while the event count grows.
 *
 * Usage: gen_forkheavy OUT.avt [EVENTS] [SEED]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/trace.h"

#define PAGE 4096ull
#define Z 64		/* zygote VMAs */
#define ZPAGES 8	/* pages per zygote VMA */

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static struct avt_writer *w;
static uint64_t ts, nev;

static void emit(struct avt_event *ev, uint32_t pid)
{
	ev->ts = ++ts;
	ev->pid = ev->tid = pid;
	ev->cpu = pid & 1;
	if (avt_writer__write(w, ev)) {
		fprintf(stderr, "gen_forkheavy: write failed: %s\n", strerror(errno));
		exit(1);
	}
	nev++;
}

static void sys(uint32_t pid, uint16_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		uint64_t a3, int64_t ret)
{
	struct avt_event ev = { .type = AVT_EV_SYSCALL };

	ev.u.sys.sys = nr;
	ev.u.sys.args[0] = a0;
	ev.u.sys.args[1] = a1;
	ev.u.sys.args[2] = a2;
	ev.u.sys.args[3] = a3;
	if (nr == AVT_SYS_MMAP)
		ev.u.sys.args[4] = (uint64_t)-1;
	ev.u.sys.ret = ret;
	emit(&ev, pid);
}

static void mmap_anon(uint32_t pid, uint64_t addr, uint64_t len)
{
	/* PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE */
	sys(pid, AVT_SYS_MMAP, addr, len, 0x3, 0x100022, (int64_t)addr);
}

static void fault(uint32_t pid, uint64_t addr, int write)
{
	struct avt_event ev = { .type = AVT_EV_FAULT };

	ev.u.fault.addr = addr;
	ev.u.fault.flags = write ? AVT_FAULT_WRITE : 0;
	ev.u.fault.error_code = write ? 0x6 : 0x4;
	emit(&ev, pid);
}

static void fork_ev(uint32_t parent, uint32_t child)
{
	struct avt_event ev = { .type = AVT_EV_FORK };

	ev.u.fork.child_pid = ev.u.fork.child_tid = child;
	ev.u.fork.flags = AVT_FORK_NEWMM;
	ev.u.fork.clone_flags = 0x11;	/* SIGCHLD */
	ev.u.fork.child_start = ts;
	strcpy(ev.u.fork.comm, "worker");
	emit(&ev, parent);
}

static void exit_ev(uint32_t pid)
{
	struct avt_event ev = { .type = AVT_EV_EXIT };

	ev.u.exit.group_dead = 1;
	emit(&ev, pid);
}

/* One worker's life: everything happens between its fork and its exit. */
static void worker(uint32_t pid, uint32_t *next_pid, int depth)
{
	uint64_t base = 0x200000000ull + (uint64_t)(pid % 4096) * 0x10000000ull;
	int nv = 4 + rnd() % 8;

	for (int i = 0; i < 8; i++) {		/* COW some inherited pages */
		uint64_t v = rnd() % Z, p = rnd() % ZPAGES;
		fault(pid, 0x100000000ull + v * 0x100000ull + p * PAGE, 1);
	}
	for (int v = 0; v < nv; v++) {
		uint64_t a = base + (uint64_t)v * 0x100000ull, pages = 1 + rnd() % 16;

		mmap_anon(pid, a, pages * PAGE);
		for (uint64_t p = 0; p < pages; p++)
			fault(pid, a + p * PAGE, (p & 3) != 3);
		if (pages > 4 && rnd() % 2) {
			sys(pid, AVT_SYS_MPROTECT, a + PAGE, PAGE, 0x1, 0, 0);
			sys(pid, AVT_SYS_MPROTECT, a + PAGE, PAGE, 0x3, 0, 0);
		}
		if (rnd() % 3 == 0)
			sys(pid, AVT_SYS_MUNMAP, a, pages * PAGE, 0, 0, 0);
	}
	if (depth == 0 && rnd() % 4 == 0) {
		uint32_t g = (*next_pid)++;

		fork_ev(pid, g);
		worker(g, next_pid, 1);
	}
	exit_ev(pid);
}

int main(int argc, char **argv)
{
	uint64_t target = argc > 2 ? strtoull(argv[2], NULL, 0) : 5000000;
	struct avt_event ev = { .type = AVT_EV_EXEC };
	struct avt_meta meta;
	uint32_t next_pid = 1000;

	if (argc < 2) {
		fprintf(stderr, "usage: gen_forkheavy OUT.avt [EVENTS] [SEED]\n");
		return 2;
	}
	rng_state = argc > 3 ? strtoull(argv[3], NULL, 0) : 42;
	if (!rng_state)
		rng_state = 42;
	avt_meta__init(&meta);
	avt_meta__set(&meta, AVT_KEY_RELEASE, "6.18.44");
	avt_meta__set(&meta, AVT_KEY_ARCH, "x86_64");
	avt_meta__set(&meta, AVT_KEY_PAGE_SIZE, "4096");
	avt_meta__set(&meta, AVT_KEY_THP, "never");
	avt_meta__set(&meta, AVT_KEY_OVERCOMMIT, "0");
	avt_meta__set(&meta, AVT_KEY_RECORDER, "bench/gen_forkheavy");
	w = avt_writer__open(argv[1], &meta, NULL);
	if (!w) {
		fprintf(stderr, "gen_forkheavy: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	strcpy(ev.u.exec.comm, "zygote");
	strcpy(ev.u.exec.filename, "/system/bin/zygote");
	emit(&ev, 100);
	for (int v = 0; v < Z; v++) {
		uint64_t a = 0x100000000ull + (uint64_t)v * 0x100000ull;

		mmap_anon(100, a, ZPAGES * PAGE);
		for (int p = 0; p < ZPAGES; p++)
			fault(100, a + p * PAGE, 1);
	}
	while (nev < target) {
		uint32_t pid = next_pid++;

		fork_ev(100, pid);
		worker(pid, &next_pid, 0);
	}
	exit_ev(100);
	if (avt_writer__close(w)) {
		fprintf(stderr, "gen_forkheavy: close failed: %s\n", strerror(errno));
		return 1;
	}
	avt_meta__fini(&meta);
	fprintf(stderr, "gen_forkheavy: %llu events, %u processes\n",
		(unsigned long long)nev, next_pid - 1000 + 1);
	return 0;
}
