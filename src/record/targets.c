// SPDX-License-Identifier: MIT
/*
 * Who is traced: the traced-tgid map in BPF (fork adds children of traced
 * parents), filled here from -p, a launched command, or the processes
 * already in a cgroup or on the system (for their start snapshots).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../bpf/record.h"
#include "record/recorder_int.h"
#include "record.skel.h"

/*
 * Fork the command now, but let it exec only after its pid is in the map
 * (targets__release), so nothing it does is missed. Exec failures come
 * back through a close-on-exec pipe.
 */
int targets__launch(struct recorder *r, char **argv)
{
	int go[2], errp[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(errp, O_CLOEXEC)) {
		int err = -errno;

		close(go[0]);
		close(go[1]);
		return err;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(go[0]); close(go[1]); close(errp[0]); close(errp[1]);
		return err;
	}
	if (pid == 0) {
		char c;
		int e;

		close(go[1]);
		close(errp[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGUSR1, SIG_DFL);
		/* a recorder stopped by SIGKILL sends no SIGTERM: have the
		 * kernel send it (the go pipe covers a death before this) */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (read(go[0], &c, 1) != 1)
			_exit(127);	/* the recorder went away */
		execvp(argv[0], argv);
		e = errno;
		if (write(errp[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(errp[1]);
	r->child = pid;
	r->child_go_fd = go[1];
	r->child_err_fd = errp[0];
	return 0;
}

/*
 * Wait (up to 1 s) until the forked command sleeps in its read of the go
 * pipe: its start snapshot is only one consistent view once it stopped
 * touching memory.
 */
int targets__wait_parked(struct recorder *r)
{
	char path[64], buf[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", r->child);
	for (int i = 0; i < 1000; i++) {
		f = fopen(path, "re");
		if (!f)
			return -errno;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && p[1] == ' ' && p[2] == 'S')
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

int targets__release(struct recorder *r)
{
	int e = 0;
	ssize_t n;

	if (write(r->child_go_fd, "g", 1) != 1)
		return -errno;
	close(r->child_go_fd);
	r->child_go_fd = -1;
	n = read(r->child_err_fd, &e, sizeof(e));	/* EOF = exec succeeded */
	close(r->child_err_fd);
	r->child_err_fd = -1;
	if (n == sizeof(e))
		return -e;
	return 0;
}

/* 1: added, 0: already traced (e.g. added by the fork tracepoint), < 0: error */
int targets__add(struct recorder *r, pid_t tgid)
{
	struct rec_target t = {};
	__u32 key = tgid;

	if (bpf_map__update_elem(r->skel->maps.targets, &key, sizeof(key), &t, sizeof(t), BPF_NOEXIST))
		return errno == EEXIST ? 0 : -errno;
	return 1;
}

/*
 * One -p target: refuse what cannot be traced (in one line, in why) before
 * anything is loaded. A zombie (or a process dying right now, before it is
 * in the map) passed its exit tracepoint: nothing would ever end its
 * recording; a kernel thread has no address space.
 */
int targets__check(pid_t pid, char *why, size_t len)
{
	char path[64], buf[1024], *p, state = 0;
	unsigned long flags = 0;
	long threads = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	p = f && fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	if (f)
		fclose(f);
	/* ") S ppid pgrp session tty tpgid flags ... num_threads" (proc(5)) */
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %ld", &state, &flags, &threads) != 3) {
		snprintf(why, len, "no such process: %d", pid);
		return -ESRCH;
	}
	if (flags & 0x00200000) {	/* PF_KTHREAD */
		snprintf(why, len, "process %d is a kernel thread (no address space to trace)", pid);
		return -EINVAL;
	}
	/* a zombie leader with live threads is a live process */
	if ((state == 'Z' || state == 'X') && threads <= 1) {
		snprintf(why, len, "process %d has already exited (zombie)", pid);
		return -ESRCH;
	}
	return 0;
}

int targets__list(struct recorder *r, pid_t **out)
{
	int fd = bpf_map__fd(r->skel->maps.targets);
	size_t n = 0, cap = 64, nstale = 0;
	pid_t *v = malloc(cap * sizeof(*v)), stale[16];
	__u32 key, next;
	void *prev = NULL;

	if (!v)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct rec_target t;

		key = next;
		prev = &key;
		/* a dead process whose mm teardown is still being recorded */
		if (!bpf_map_lookup_elem(fd, &next, &t) && t.exiting)
			continue;
		/* gone without an exit the tracepoint saw (it died before it
		 * was added): drop it after the walk, or -p never ends */
		if (kill((pid_t)next, 0) && errno == ESRCH) {
			if (nstale < sizeof(stale) / sizeof(stale[0]))
				stale[nstale++] = (pid_t)next;
			continue;
		}
		if (n == cap) {
			pid_t *nv = realloc(v, 2 * cap * sizeof(*v));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap *= 2;
		}
		v[n++] = next;
	}
	for (size_t i = 0; i < nstale; i++) {
		key = (__u32)stale[i];
		bpf_map_delete_elem(fd, &key);
	}
	*out = v;
	return (int)n;
}

/* Entries in the map, dead processes still being torn down included. */
int targets__count_all(struct recorder *r)
{
	int fd = bpf_map__fd(r->skel->maps.targets), n = 0;
	__u32 key, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		n++;
		key = next;
		prev = &key;
	}
	return n;
}

int targets__count(struct recorder *r)
{
	pid_t *v = NULL;
	int n = targets__list(r, &v);

	free(v);
	return n;
}

static int push(pid_t **v, size_t *n, size_t *cap, pid_t p)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		pid_t *nv = realloc(*v, nc * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = p;
	return 0;
}

/*
 * The members of a cgroup v2 directory and of every cgroup below it: the
 * BPF filter (bpf_current_task_under_cgroup) traces the whole subtree, so
 * all of them get start snapshots.
 */
static int cgroup_walk(const char *cgroup, pid_t **v, size_t *n, size_t *cap, int depth)
{
	char path[4096];
	struct dirent *de;
	long p;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	f = fopen(path, "re");
	if (!f)
		return depth ? 0 : -errno;	/* a sub-cgroup removed meanwhile */
	while (fscanf(f, "%ld", &p) == 1) {
		if (push(v, n, cap, (pid_t)p)) {
			fclose(f);
			return -ENOMEM;
		}
	}
	fclose(f);
	if (depth >= 32 || !(d = opendir(cgroup)))
		return 0;
	while ((de = readdir(d))) {
		int err;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", cgroup, de->d_name) >= sizeof(path))
			continue;
		err = cgroup_walk(path, v, n, cap, depth + 1);
		if (err) {
			closedir(d);
			return err;
		}
	}
	closedir(d);
	return 0;
}

int targets__cgroup_procs(const char *cgroup, pid_t **out)
{
	size_t n = 0, cap = 0;
	pid_t *v = NULL;
	int err = cgroup_walk(cgroup, &v, &n, &cap, 0);

	if (err) {
		free(v);
		return err;
	}
	*out = v;
	return (int)n;
}

int targets__all_procs(pid_t **out)
{
	size_t n = 0, cap = 0;
	pid_t *v = NULL;
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (push(&v, &n, &cap, (pid_t)atol(de->d_name))) {
			free(v);
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	*out = v;
	return (int)n;
}

/* The parent's tgid (PPid) of a process, from /proc/PID/stat; -1 if gone. */
static pid_t ppid_of(pid_t pid)
{
	char path[64], buf[512], *p;
	long ppid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	/* ") S PPID ...": comm may hold spaces and parentheses, the last ')' ends it */
	if (!p || sscanf(p + 1, " %*c %ld", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

static bool in_set(const pid_t *v, size_t n, pid_t p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

/*
 * Descendants that already existed when recording started (the fork
 * tracepoint only follows forks from now on). Scan /proc for processes
 * whose parent is in the set, add each to the map, and scan again until a
 * scan finds nothing new. A child forked meanwhile is never lost: its
 * parent is either in the map already (the fork tracepoint adds it) or
 * gets added in this scan, and then the next scan finds the child (it
 * existed before its parent was added). *v (n entries: the targets,
 * already in the map) grows by every descendant found, parents before
 * children, for their start snapshots -- those the fork tracepoint added
 * meanwhile too: their parent may have forked them before its own start
 * snapshot, when replay could not follow the fork (a snapshot of a
 * process replay already has is checked, not seeded). Returns how many
 * this scan added to the map. Children reparented away (their parent
 * exited) are not descendants.
 */
int targets__adopt_descendants(struct recorder *r, pid_t **v, size_t *n)
{
	size_t set_n = *n, set_cap = *n, out_cap = *n;
	pid_t *set = malloc((set_cap ? set_cap : 1) * sizeof(*set));
	int adopted = 0, err = 0;
	bool more = true;

	if (!set)
		return -ENOMEM;
	if (*n)	/* memcpy from NULL is undefined even for 0 bytes */
		memcpy(set, *v, *n * sizeof(*set));
	while (more && !err) {
		pid_t *all = NULL;
		int na = targets__all_procs(&all);

		if (na < 0) {
			err = na;
			break;
		}
		more = false;
		for (int i = 0; i < na && !err; i++) {
			pid_t pp;
			int ret;

			if (all[i] == getpid() || in_set(set, set_n, all[i]))
				continue;
			pp = ppid_of(all[i]);
			if (pp <= 0 || !in_set(set, set_n, pp))
				continue;
			ret = targets__add(r, all[i]);
			if (ret < 0)
				continue;	/* map full: the tracepoint would not add it either */
			err = push(&set, &set_n, &set_cap, all[i]);
			err = err ?: push(v, n, &out_cap, all[i]);
			more = true;
			adopted += ret == 1 && !err;
		}
		free(all);
	}
	free(set);
	return err ? err : adopted;
}
