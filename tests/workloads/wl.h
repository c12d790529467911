/* SPDX-License-Identifier: MIT */
/*
 * Shared by the recorder workloads (the C files next to this one). Each
 * performs a fixed sequence of address-space operations, then says it is
 * ready (creates the file named by $AVT_READY, if set) and waits for
 * SIGUSR1 (or 30 s) so the recorder can take a checkpoint while every
 * process of the workload is still alive. Then it exits cleanly.
 */
#ifndef AVT_WL_H
#define AVT_WL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096UL

static inline void wl_die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * Block SIGUSR1 early so a signal sent before wl_wait() is not lost. And
 * run once what follows the ready file (close, sigtimedwait): their first
 * faults on libc's code would otherwise come after the test was told the
 * process is quiet, racing its checkpoint snapshot (ambiguous).
 */
static inline void wl_init(void)
{
	struct timespec zero = { 0, 0 };
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	sigtimedwait(&s, NULL, &zero);
	close(-1);
}

static inline void *wl_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		wl_die("mmap");
	return p;
}

static inline void wl_touch(void *p, size_t len)
{
	for (size_t off = 0; off < len; off += PG)
		((volatile char *)p)[off] = (char)off;
}

/* Create $AVT_READY followed by suffix (e.g. ".2" for a second phase). */
static inline void wl_ready_as(const char *suffix)
{
	const char *f = getenv("AVT_READY");
	char path[4096];
	int fd;

	if (!f)
		return;
	snprintf(path, sizeof(path), "%s%s", f, suffix);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
}

static inline void wl_ready(void)
{
	wl_ready_as("");
}

/* Wait for SIGUSR1 (or 30 s): the checkpoint happens meanwhile. */
static inline void wl_wait(void)
{
	struct timespec to = { 30, 0 };
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigtimedwait(&s, NULL, &to);
}

/* Parent side: ready, wait, then wake and reap the children. */
static inline void wl_finish(pid_t *kids, int n)
{
	wl_ready();
	wl_wait();
	for (int i = 0; i < n; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGUSR1);
	for (int i = 0; i < n; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
}

#endif
