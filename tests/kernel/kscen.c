// SPDX-License-Identifier: MIT
/*
 * kscen: perform an avtrace text scenario on the running kernel.
 *
 *   kscen [--states DIR] [-q] SCENARIO      run it, print/write the layouts
 *   kscen --gen SEED [--steps N] [--gen-avoid LIST] [--states DIR] -o OUT
 *                                           generate a random scenario by
 *                                           running it live; OUT gets the
 *                                           events with the kernel's results
 *   kscen --compare KERNEL_STATE ENGINE_STATE
 *                                           compare two layouts (see below)
 *   kscen --meta                            print this host's settings as
 *                                           `meta` lines (for the engine)
 *
 * Every scenario pid becomes a real process ("worker"). A controller (this
 * program) sends one command at a time over a socket and waits for the
 * answer, so the order of operations is global and deterministic. The
 * first `exec` of a pid forks a fresh worker from the controller; `fork`
 * makes that worker really fork (the child gets a new socket by
 * SCM_RIGHTS); `exit` makes it _exit. Memory syscalls run in the owning
 * worker; `write ADDR` is a volatile byte store, `read ADDR` a load.
 *
 * Translation rules (the kernel is the oracle, the scenario is the script):
 *  - mmap without MAP_FIXED/MAP_FIXED_NOREPLACE but with an address gets
 *    MAP_FIXED_NOREPLACE, so the hint is taken exactly or the call fails.
 *  - mremap with MREMAP_MAYMOVE and no MREMAP_FIXED whose expected result
 *    differs from the old address gets MREMAP_FIXED to that result (the
 *    kernel would otherwise pick a random address outside the region).
 *  - brk: the real heap start differs from the scenario's. The first brk of
 *    a process tree must be a query (`brk addr=0x0 = BASE`); BASE is then
 *    the scenario's heap start and every brk address/result, and every
 *    address in [BASE - 1 MiB, BASE + 1 GiB), is translated linearly (real =
 *    real_start_brk + (scen - BASE)). A fresh worker first drops the heap it
 *    inherited from the controller (brk(start_brk)), so its heap starts
 *    empty like an exec'd process's. Heap VMAs are printed in scenario
 *    addresses (pgoff is not visible anyway, see below).
 *
 * Layout output (per state): one line per VMA of every live scenario
 * process lying in the scenario region [0x10000000000, 0x20000000000) or
 * in the translated heap, sorted by (pid, start):
 *   PID START-END flags=HEX pgoff=HEX|? dev=MAJ:MIN|? ino=N|?
 * flags are the kernel's VM_* bits rebuilt from smaps VmFlags. `?` marks a
 * value /proc does not show: the kernel prints offset 0 for anonymous VMAs
 * (their vm_pgoff is invisible), and shmem-backed shared anonymous mappings
 * have a kernel-chosen inode.
 *
 * Scenario comments understood here (the parser ignores them):
 *   # expect-maps: PID START-END PERMS [has=ac,dc] [not=ac]
 *   # expect-maps: none
 * Expected lines accumulate and are checked, as the exact set of VMAs in
 * the region, at the next `checkpoint` or at the end.
 *
 * --compare: both files hold state lines (the engine's have av=... fields,
 * which are dropped). Lines are filtered to the region, flags are masked to
 * the bits the engine contract names (KSCEN_FLAG_MASK overrides), `?`
 * fields match anything. Prints the differences; exit 3 when they differ.
 *
 * Exit: 0 ok, 3 a result or layout differed from the scenario, 1 could not
 * run, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "avtrace/event.h"
#include "avtrace/text.h"
#include "avtrace/trace.h"

#define PAGE		UINT64_C(0x1000)
#define REGION_LO	UINT64_C(0x10000000000)
#define REGION_HI	UINT64_C(0x20000000000)
#define REGION_PAD	UINT64_C(0x200000)	/* kept empty around it */
#define HEAP_WINDOW	UINT64_C(0x40000000)	/* real heap VMAs looked for here */
#define HEAP_PAD	UINT64_C(0x100000)	/* ... and this far below its start */
#define GEN_BASE	UINT64_C(0x10000000000)	/* random scenarios map here */
#define GEN_PAGES	256			/* 1 MiB: never a whole PMD */
#define GEN_BRK_BASE	UINT64_C(0x18000000000)
#define MAX_PROCS	256

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450
#endif
#ifndef SYS_mseal
#define SYS_mseal 462
#endif

/* kernel 6.18 VM_* bits (include/linux/mm.h) */
#define VM_READ		0x00000001ull
#define VM_WRITE	0x00000002ull
#define VM_EXEC		0x00000004ull
#define VM_SHARED	0x00000008ull
#define VM_MAYREAD	0x00000010ull
#define VM_MAYWRITE	0x00000020ull
#define VM_MAYEXEC	0x00000040ull
#define VM_MAYSHARE	0x00000080ull
#define VM_GROWSDOWN	0x00000100ull
#define VM_LOCKED	0x00002000ull
#define VM_SEQ_READ	0x00008000ull
#define VM_RAND_READ	0x00010000ull
#define VM_DONTCOPY	0x00020000ull
#define VM_DONTEXPAND	0x00040000ull
#define VM_LOCKONFAULT	0x00080000ull
#define VM_ACCOUNT	0x00100000ull
#define VM_NORESERVE	0x00200000ull
#define VM_WIPEONFORK	0x02000000ull
#define VM_DONTDUMP	0x04000000ull
#define VM_HUGEPAGE	0x20000000ull
#define VM_NOHUGEPAGE	0x40000000ull
#define VM_MERGEABLE	0x80000000ull

/* What --compare looks at: the flags the engine contract (issue 3) names,
 * plus the madvise hint/dump bits, which merges read just the same. */
#define CMP_MASK (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED | VM_MAYREAD | \
		  VM_MAYWRITE | VM_MAYEXEC | VM_MAYSHARE | VM_GROWSDOWN | \
		  VM_LOCKED | VM_LOCKONFAULT | VM_DONTCOPY | VM_WIPEONFORK | \
		  VM_ACCOUNT | VM_NORESERVE | VM_HUGEPAGE | VM_NOHUGEPAGE | \
		  VM_MERGEABLE | VM_SEQ_READ | VM_RAND_READ | VM_DONTDUMP)

/* smaps VmFlags mnemonics -> bit (fs/proc/task_mmu.c); low 32 bits only */
static const struct { char mn[3]; uint64_t bit; } vmflag_names[] = {
	{"rd", 1ull << 0}, {"wr", 1ull << 1}, {"ex", 1ull << 2}, {"sh", 1ull << 3},
	{"mr", 1ull << 4}, {"mw", 1ull << 5}, {"me", 1ull << 6}, {"ms", 1ull << 7},
	{"gd", 1ull << 8}, {"um", 1ull << 9}, {"pf", 1ull << 10}, {"uw", 1ull << 12},
	{"lo", 1ull << 13}, {"io", 1ull << 14}, {"sr", 1ull << 15}, {"rr", 1ull << 16},
	{"dc", 1ull << 17}, {"de", 1ull << 18}, {"lf", 1ull << 19}, {"ac", 1ull << 20},
	{"nr", 1ull << 21}, {"ht", 1ull << 22}, {"sf", 1ull << 23}, {"ar", 1ull << 24},
	{"wf", 1ull << 25}, {"dd", 1ull << 26}, {"sd", 1ull << 27}, {"mm", 1ull << 28},
	{"hg", 1ull << 29}, {"nh", 1ull << 30}, {"mg", 1ull << 31},
};

/* ------------------------------------------------------------------------ */
/* worker protocol */

enum op {
	OP_MMAP = 1, OP_MUNMAP, OP_MPROTECT, OP_PKEY_MPROTECT, OP_MADVISE,
	OP_MREMAP, OP_MLOCK, OP_MLOCK2, OP_MUNLOCK, OP_MLOCKALL, OP_MUNLOCKALL,
	OP_BRK, OP_MBIND, OP_HOME_NODE, OP_PRCTL, OP_MSEAL,
	OP_READ, OP_WRITE, OP_KWRITE, OP_KREAD, OP_FORK, OP_EXIT,
};

struct req {
	int op;
	uint64_t a[6];
};

struct rsp {
	int64_t ret;	/* syscall result or -errno; OP_FORK: child's real pid */
	int fault;	/* OP_READ/OP_WRITE: signal number taken, 0 if none */
};

#define WORKER_SOCK 3
#define WORKER_ZERO 4	/* /dev/zero, for kernel-mode stores */

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_sig;

static void fault_handler(int sig)
{
	fault_sig = sig;
	siglongjmp(fault_jmp, 1);
}

static int64_t sysret(long r)
{
	return r == -1 ? -(int64_t)errno : (int64_t)r;
}

/* The scenario's load or store. Not instrumented: under ASan the shadow of
 * the scenario region lies in ASan's protected gap. */
__attribute__((no_sanitize_address, noinline))
static void touch(uint64_t addr, bool write)
{
	volatile char *p = (volatile char *)(uintptr_t)addr;

	if (write)
		*p = 0x5a;
	else
		(void)*p;
}

/* Runs in a worker: no malloc (the inherited heap may be gone), no stdio. */
static int64_t worker_do(const struct req *q, struct rsp *s)
{
	const uint64_t *a = q->a;

	switch (q->op) {
	case OP_MMAP:
		return sysret(syscall(SYS_mmap, a[0], a[1], a[2], a[3], (long)(int)a[4], a[5]));
	case OP_MUNMAP:
		return sysret(syscall(SYS_munmap, a[0], a[1]));
	case OP_MPROTECT:
		return sysret(syscall(SYS_mprotect, a[0], a[1], a[2]));
	case OP_PKEY_MPROTECT:
		return sysret(syscall(SYS_pkey_mprotect, a[0], a[1], a[2], (long)(int)a[3]));
	case OP_MADVISE:
		return sysret(syscall(SYS_madvise, a[0], a[1], a[2]));
	case OP_MREMAP:
		return sysret(syscall(SYS_mremap, a[0], a[1], a[2], a[3], a[4]));
	case OP_MLOCK:
		return sysret(syscall(SYS_mlock, a[0], a[1]));
	case OP_MLOCK2:
		return sysret(syscall(SYS_mlock2, a[0], a[1], a[2]));
	case OP_MUNLOCK:
		return sysret(syscall(SYS_munlock, a[0], a[1]));
	case OP_MLOCKALL:
		return sysret(syscall(SYS_mlockall, a[0]));
	case OP_MUNLOCKALL:
		return sysret(syscall(SYS_munlockall));
	case OP_BRK:
		/* raw brk returns the (new or unchanged) break, never -1 */
		return syscall(SYS_brk, a[0]);
	case OP_MBIND: {
		unsigned long mask = a[3];
		return sysret(syscall(SYS_mbind, a[0], a[1], a[2], a[4] ? &mask : NULL,
				      a[4], a[5]));
	}
	case OP_HOME_NODE:
		return sysret(syscall(SYS_set_mempolicy_home_node, a[0], a[1], a[2], a[3]));
	case OP_PRCTL:
		return sysret(syscall(SYS_prctl, a[0], a[1], a[2], a[3], a[4]));
	case OP_MSEAL:
		return sysret(syscall(SYS_mseal, a[0], a[1], a[2]));
	case OP_READ:
	case OP_WRITE:
		fault_sig = 0;
		if (sigsetjmp(fault_jmp, 1) == 0)
			touch(a[0], q->op == OP_WRITE);
		s->fault = fault_sig;
		return fault_sig ? -EFAULT : 0;
	case OP_KWRITE:	/* kernel-mode store: read(2) from /dev/zero into it */
		return sysret(read(WORKER_ZERO, (void *)(uintptr_t)a[0], 1));
	case OP_KREAD:	/* kernel-mode load: write(2) it to /dev/zero */
		return sysret(write(WORKER_ZERO, (void *)(uintptr_t)a[0], 1));
	}
	return -ENOSYS;
}

static int recv_req(int sock, struct req *q, int *passed_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { q, sizeof(*q) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n;

	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*q))
		return -1;
	*passed_fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(passed_fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

static void send_rsp(int sock, const struct rsp *s)
{
	ssize_t n;

	do {
		n = send(sock, s, sizeof(*s), MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
}

static void worker_loop(void)
{
	struct req q;
	struct rsp s;
	int fd;

	for (;;) {
		if (recv_req(WORKER_SOCK, &q, &fd))
			_exit(0);	/* controller gone */
		memset(&s, 0, sizeof(s));
		if (q.op == OP_EXIT) {
			send_rsp(WORKER_SOCK, &s);
			_exit((int)q.a[0]);
		}
		if (q.op == OP_FORK) {
			pid_t pid = fork();

			if (pid == 0) {
				/* the child continues as a worker on the new socket */
				dup2(fd, WORKER_SOCK);
				syscall(SYS_close_range, WORKER_ZERO + 1, ~0u, 0);
				s.ret = getpid();
				send_rsp(WORKER_SOCK, &s);
				continue;
			}
			close(fd);
			s.ret = pid < 0 ? -errno : pid;
			send_rsp(WORKER_SOCK, &s);
			continue;
		}
		if (fd >= 0)
			close(fd);
		s.ret = worker_do(&q, &s);
		send_rsp(WORKER_SOCK, &s);
	}
}

/* ------------------------------------------------------------------------ */
/* controller */

struct proc {
	bool live;
	uint32_t spid;		/* scenario pid */
	pid_t rpid;		/* real pid */
	int sock, pidfd;
	bool brk_known;		/* brk base of this process tree established */
	uint64_t brk_scen;	/* scenario heap start */
};

struct vma {
	uint32_t spid;
	uint64_t start, end, flags, pgoff;
	bool pgoff_known, file_known;
	unsigned dev_major, dev_minor;
	uint64_t ino;
	char perms[5];
};

struct vmas {
	struct vma *v;
	size_t n, cap;
};

struct expect {
	uint32_t spid;
	uint64_t start, end, has, not;
	char perms[5];
};

static struct proc procs[MAX_PROCS];
static uint64_t real_start_brk;
static int zero_fd = -1;
static const char *scen_name = "-";
static unsigned long lineno;
static int mismatches;
static bool quiet;

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void kill_workers(void);

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kscen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	kill_workers();
	exit(1);
}

static void mismatch(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mismatch(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kscen: %s:%lu: ", scen_name, lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	mismatches++;
}

static struct proc *proc_find(uint32_t spid)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].live && procs[i].spid == spid)
			return &procs[i];
	return NULL;
}

static struct proc *proc_slot(void)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (!procs[i].live)
			return &procs[i];
	die("more than %d live scenario processes", MAX_PROCS);
}

static void kill_workers(void)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		if (!procs[i].live)
			continue;
		kill(procs[i].rpid, SIGKILL);
		close(procs[i].sock);
		close(procs[i].pidfd);
		procs[i].live = false;
	}
	/* reap them all (we are the subreaper of their orphans), so no zombie
	 * outlives us waiting for an init that may not reap promptly */
	for (;;) {
		pid_t r = waitpid(-1, NULL, __WALL);

		if (r < 0 && errno != EINTR)
			break;
	}
}

static int64_t call_fd(struct proc *p, int op, const uint64_t *args, int pass_fd,
		       int *fault)
{
	struct req q = { .op = op };
	struct rsp s;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &q, sizeof(q) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (args)
		memcpy(q.a, args, sizeof(q.a));
	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	if (sendmsg(p->sock, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(q))
		die("pid %u: worker %d does not take commands: %s", p->spid, p->rpid,
		    strerror(errno));
	do {
		n = recv(p->sock, &s, sizeof(s), 0);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(s))
		die("pid %u: worker %d died during a command (op %d)", p->spid, p->rpid, op);
	if (fault)
		*fault = s.fault;
	return s.ret;
}

static int64_t call(struct proc *p, int op, const uint64_t *args)
{
	return call_fd(p, op, args, -1, NULL);
}

static int pidfd_of(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		die("pidfd_open(%d): %s", pid, strerror(errno));
	return fd;
}

/* Wait until the worker is gone (its mm torn down). */
static void wait_gone(struct proc *p)
{
	struct pollfd pf = { .fd = p->pidfd, .events = POLLIN };

	while (poll(&pf, 1, 5000) < 0 && errno == EINTR)
		;
	if (!(pf.revents & POLLIN))
		die("pid %u: worker %d did not exit", p->spid, p->rpid);
	waitpid(p->rpid, NULL, WNOHANG);	/* ours if a direct child */
	while (waitpid(-1, NULL, WNOHANG) > 0)	/* reparented grandchildren */
		;
	close(p->sock);
	close(p->pidfd);
	p->live = false;
}

static void proc_exit(struct proc *p, int code)
{
	uint64_t a[6] = { (uint64_t)code };

	call(p, OP_EXIT, a);
	wait_gone(p);
}

/* A fresh process: forked from the controller, heap dropped. */
static void proc_spawn(uint32_t spid)
{
	struct proc *p = proc_slot();
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die("socketpair: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = fault_handler };

		dup2(sv[1], WORKER_SOCK);	/* dup2 clears CLOEXEC */
		dup2(zero_fd, WORKER_ZERO);
		syscall(SYS_close_range, WORKER_ZERO + 1, ~0u, 0);
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_NODEFER;
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		signal(SIGCHLD, SIG_IGN);	/* forked children reap themselves */
		signal(SIGPIPE, SIG_IGN);
		/* an exec'd process has no heap yet: drop the controller's */
		syscall(SYS_brk, real_start_brk);
		/* and nothing in or next to the region (a sanitizer build keeps
		 * a PROT_NONE shadow gap there; nothing uses it in a worker) */
		syscall(SYS_munmap, REGION_LO - REGION_PAD, REGION_HI - REGION_LO + 2 * REGION_PAD);
		worker_loop();
	}
	close(sv[1]);
	memset(p, 0, sizeof(*p));
	p->live = true;
	p->spid = spid;
	p->rpid = pid;
	p->sock = sv[0];
	p->pidfd = pidfd_of(pid);
	{
		/* handshake: the worker is ready once it answers a no-op brk query */
		uint64_t a[6] = { 0 };
		int64_t cur = call(p, OP_BRK, a);

		if ((uint64_t)cur != real_start_brk)
			die("worker could not drop its inherited heap (brk %#" PRIx64
			    ", start_brk %#" PRIx64 ")", (uint64_t)cur, real_start_brk);
	}
}

static void proc_fork(struct proc *parent, uint32_t child_spid)
{
	struct proc *c;
	int sv[2];
	int64_t r;
	struct rsp s;

	if (proc_find(child_spid))
		die("line %lu: fork child %u already exists", lineno, child_spid);
	c = proc_slot();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die("socketpair: %s", strerror(errno));
	r = call_fd(parent, OP_FORK, NULL, sv[1], NULL);
	close(sv[1]);
	if (r < 0)
		die("line %lu: fork in pid %u failed: %s", lineno, parent->spid,
		    strerror((int)-r));
	if (recv(sv[0], &s, sizeof(s), 0) != (ssize_t)sizeof(s))
		die("line %lu: forked child of pid %u did not report", lineno, parent->spid);
	memset(c, 0, sizeof(*c));
	c->live = true;
	c->spid = child_spid;
	c->rpid = (pid_t)r;
	c->sock = sv[0];
	c->pidfd = pidfd_of(c->rpid);
	c->brk_known = parent->brk_known;
	c->brk_scen = parent->brk_scen;
}

/* ------------------------------------------------------------------------ */
/* reading a process's layout */

static uint64_t vmflags_parse(const char *s)
{
	uint64_t f = 0;

	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!s[0] || !s[1])
			break;
		for (size_t i = 0; i < sizeof(vmflag_names) / sizeof(vmflag_names[0]); i++)
			if (s[0] == vmflag_names[i].mn[0] && s[1] == vmflag_names[i].mn[1])
				f |= vmflag_names[i].bit;
		s += 2;
	}
	return f;
}

static void vmas_push(struct vmas *vs, const struct vma *v)
{
	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? vs->cap * 2 : 64;
		vs->v = realloc(vs->v, vs->cap * sizeof(*vs->v));
		if (!vs->v)
			die("out of memory");
	}
	vs->v[vs->n++] = *v;
}

/* Append the region VMAs of one process (scenario addresses). */
static void proc_layout(const struct proc *p, struct vmas *out)
{
	char path[64], line[512];
	FILE *f;
	struct vma cur;
	bool have = false;
	uint64_t heap_delta = p->brk_known ? p->brk_scen - real_start_brk : 0;

	snprintf(path, sizeof(path), "/proc/%d/smaps", p->rpid);
	f = fopen(path, "re");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e, off;
		unsigned maj, min;
		unsigned long long ino;
		char perms[8];
		int pos = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &s, &e, perms, &off,
			   &maj, &min, &ino, &pos) >= 7) {
			bool in_region = s >= REGION_LO && e <= REGION_HI;
			bool in_heap = p->brk_known && s >= real_start_brk - HEAP_PAD &&
				       e <= real_start_brk + HEAP_WINDOW;
			char *name = line + pos;

			name[strcspn(name, "\n")] = 0;
			have = in_region || in_heap;
			if (!have)
				continue;
			memset(&cur, 0, sizeof(cur));
			cur.spid = p->spid;
			cur.start = in_heap ? s + heap_delta : s;
			cur.end = in_heap ? e + heap_delta : e;
			memcpy(cur.perms, perms, 4);
			if (ino == 0 && maj == 0 && min == 0) {
				/* anonymous: offset shown as 0, vm_pgoff invisible */
				cur.file_known = true;
			} else if (!strncmp(name, "/dev/zero", 9) || !strncmp(name, "/SYSV", 5)) {
				/* shmem behind a shared anonymous mapping */
				cur.pgoff = off / PAGE;
				cur.pgoff_known = true;
			} else {
				cur.pgoff = off / PAGE;
				cur.pgoff_known = true;
				cur.file_known = true;
				cur.dev_major = maj;
				cur.dev_minor = min;
				cur.ino = ino;
			}
			continue;
		}
		if (have && !strncmp(line, "VmFlags:", 8)) {
			cur.flags = vmflags_parse(line + 8);
			vmas_push(out, &cur);
			have = false;
		}
	}
	fclose(f);
}

static int vma_cmp(const void *a, const void *b)
{
	const struct vma *x = a, *y = b;

	if (x->spid != y->spid)
		return x->spid < y->spid ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static void layout_all(struct vmas *out)
{
	out->n = 0;
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].live)
			proc_layout(&procs[i], out);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), vma_cmp);
}

static void vma_print(FILE *f, const struct vma *v)
{
	fprintf(f, "%u %" PRIx64 "-%" PRIx64 " flags=%" PRIx64, v->spid, v->start, v->end,
		v->flags);
	if (v->pgoff_known)
		fprintf(f, " pgoff=%" PRIx64, v->pgoff);
	else
		fprintf(f, " pgoff=?");
	if (v->file_known)
		fprintf(f, " dev=%u:%u ino=%" PRIu64 "\n", v->dev_major, v->dev_minor, v->ino);
	else
		fprintf(f, " dev=? ino=?\n");
}

/* ------------------------------------------------------------------------ */
/* expectations */

static struct expect *expects;
static size_t n_expects, cap_expects;
static bool expect_pending;	/* an expect-maps block (maybe "none") is open */

static uint64_t mn_list(const char *s)
{
	uint64_t f = 0;
	char buf[256], *sp;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &sp); t; t = strtok_r(NULL, ",", &sp))
		f |= vmflags_parse(t);
	return f;
}

static void mn_print(FILE *f, const char *tag, uint64_t flags)
{
	const char *sep = tag;

	for (size_t i = 0; i < sizeof(vmflag_names) / sizeof(vmflag_names[0]); i++)
		if (flags & vmflag_names[i].bit) {
			fprintf(f, "%s%s", sep, vmflag_names[i].mn);
			sep = ",";
		}
}

static void expect_parse(const char *s)
{
	struct expect e = { 0 };
	unsigned long long a, b;
	char perms[8], rest[256] = "", *sp;
	int n;

	while (*s == ' ')
		s++;
	expect_pending = true;
	if (!strncmp(s, "none", 4))
		return;
	n = sscanf(s, "%u %llx-%llx %7s %255[^\n]", &e.spid, &a, &b, perms, rest);
	if (n < 4)
		die("%s:%lu: bad expect-maps line (want PID START-END PERMS [has=..] [not=..])",
		    scen_name, lineno);
	e.start = a;
	e.end = b;
	memcpy(e.perms, perms, 4);
	for (char *t = strtok_r(rest, " \t", &sp); t; t = strtok_r(NULL, " \t", &sp)) {
		if (!strncmp(t, "has=", 4))
			e.has |= mn_list(t + 4);
		else if (!strncmp(t, "not=", 4))
			e.not |= mn_list(t + 4);
		else if (*t != '#')
			die("%s:%lu: bad expect-maps field '%s'", scen_name, lineno, t);
	}
	if (n_expects == cap_expects) {
		cap_expects = cap_expects ? 2 * cap_expects : 16;
		expects = realloc(expects, cap_expects * sizeof(*expects));
		if (!expects)
			die("out of memory");
	}
	expects[n_expects++] = e;
}

static void expect_check(const struct vmas *vs, const char *where)
{
	bool bad = false;

	if (!expect_pending)
		return;
	if (vs->n != n_expects)
		bad = true;
	for (size_t i = 0; !bad && i < vs->n; i++) {
		const struct vma *v = &vs->v[i];
		const struct expect *e = &expects[i];

		if (v->spid != e->spid || v->start != e->start || v->end != e->end ||
		    memcmp(v->perms, e->perms, 4) || (v->flags & e->has) != e->has ||
		    (v->flags & e->not))
			bad = true;
	}
	if (bad) {
		mismatch("layout at %s differs from the expect-maps lines", where);
		fprintf(stderr, "  expected:\n");
		if (!n_expects)
			fprintf(stderr, "    none\n");
		for (size_t i = 0; i < n_expects; i++) {
			fprintf(stderr, "    %u %" PRIx64 "-%" PRIx64 " %.4s", expects[i].spid,
				expects[i].start, expects[i].end, expects[i].perms);
			mn_print(stderr, " has=", expects[i].has);
			mn_print(stderr, " not=", expects[i].not);
			fputc('\n', stderr);
		}
		fprintf(stderr, "  kernel:\n");
		for (size_t i = 0; i < vs->n; i++) {
			fprintf(stderr, "    %.4s ", vs->v[i].perms);
			vma_print(stderr, &vs->v[i]);
		}
	}
	n_expects = 0;
	expect_pending = false;
}

/* ------------------------------------------------------------------------ */
/* states */

static const char *states_dir;

static void state_emit(const char *name, const char *where)
{
	struct vmas vs = { 0 };
	FILE *f = stdout;
	char path[4096];

	layout_all(&vs);
	expect_check(&vs, where);
	if (states_dir) {
		snprintf(path, sizeof(path), "%s/%s", states_dir, name);
		f = fopen(path, "we");
		if (!f)
			die("%s: %s", path, strerror(errno));
	} else if (!quiet) {
		printf("# state %s\n", where);
	} else {
		free(vs.v);
		return;
	}
	for (size_t i = 0; i < vs.n; i++)
		vma_print(f, &vs.v[i]);
	if (f != stdout)
		fclose(f);
	free(vs.v);
}

/* ------------------------------------------------------------------------ */
/* executing one event */

static bool line_has_ret(const char *line)
{
	bool q = false;

	for (const char *s = line; *s; s++) {
		if (*s == '"' && (s == line || s[-1] != '\\'))
			q = !q;
		if (q)
			continue;
		if (*s == '#')
			return false;
		if (*s == '=' && s > line && (s[-1] == ' ' || s[-1] == '\t') &&
		    (s[1] == ' ' || s[1] == '\t'))
			return true;
	}
	return false;
}

static const char *sys_name(unsigned sys)
{
	const char *n = avt_sys__name(sys);

	return n ? n : "syscall";
}

static void check_ret(const char *what, bool has_ret, int64_t want, int64_t got, bool addr)
{
	if (!has_ret || want == got)
		return;
	if (addr && got >= 0 && want >= 0)
		mismatch("%s: scenario says = %#" PRIx64 ", kernel returned %#" PRIx64, what,
			 (uint64_t)want, (uint64_t)got);
	else if (addr && want >= 0)
		mismatch("%s: scenario says = %#" PRIx64 ", kernel returned %s", what,
			 (uint64_t)want, strerror((int)-got));
	else if (got < 0 && want < 0)
		mismatch("%s: scenario says = -%s, kernel returned -%s", what,
			 strerrorname_np((int)-want) ?: "?", strerrorname_np((int)-got) ?: "?");
	else
		mismatch("%s: scenario says = %" PRId64 ", kernel returned %" PRId64 "%s%s", what,
			 want, got, got < 0 ? " " : "", got < 0 ? strerrorname_np((int)-got) : "");
}

static struct proc *need_proc(uint32_t spid, const char *what)
{
	struct proc *p = proc_find(spid);

	if (!p)
		die("%s:%lu: %s for pid %u, which has no process (create it with exec or fork)",
		    scen_name, lineno, what, spid);
	return p;
}

/* Returns the result in scenario terms (brk translated back). */
/* Scenario heap addresses <-> real ones (see the brk rule above). */
static uint64_t to_real(const struct proc *p, uint64_t a)
{
	if (p->brk_known && a >= p->brk_scen - HEAP_PAD && a < p->brk_scen + HEAP_WINDOW)
		return a - p->brk_scen + real_start_brk;
	return a;
}

static int64_t to_scen(const struct proc *p, int64_t r)
{
	uint64_t a = (uint64_t)r;

	if (r >= 0 && p->brk_known && a >= real_start_brk - HEAP_PAD &&
	    a < real_start_brk + HEAP_WINDOW)
		return (int64_t)(a - real_start_brk + p->brk_scen);
	return r;
}

static int64_t do_syscall(const struct avt_event *ev, bool has_ret)
{
	const struct avt_ev_syscall *sc = &ev->u.sys;
	struct proc *p = need_proc(ev->pid, sys_name(sc->sys));
	uint64_t a[6];
	int64_t r;
	int op;
	bool addr_ret = false;

	memcpy(a, sc->args, sizeof(a));
	if (sc->sys != AVT_SYS_BRK && sc->sys != AVT_SYS_PROCESS_MADVISE &&
	    sc->sys != AVT_SYS_MLOCKALL && sc->sys != AVT_SYS_PRCTL)
		a[0] = to_real(p, a[0]);
	switch (sc->sys) {
	case AVT_SYS_MMAP:
		if ((int)a[4] != -1 && !(a[3] & MAP_ANONYMOUS))
			die("%s:%lu: file mappings are not supported by the kernel runner",
			    scen_name, lineno);
		a[4] = (uint64_t)-1;
		if (a[0] && !(a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
			a[3] |= MAP_FIXED_NOREPLACE;
		op = OP_MMAP;
		addr_ret = true;
		break;
	case AVT_SYS_MUNMAP: op = OP_MUNMAP; break;
	case AVT_SYS_MPROTECT: op = OP_MPROTECT; break;
	case AVT_SYS_PKEY_MPROTECT: op = OP_PKEY_MPROTECT; break;
	case AVT_SYS_MADVISE: op = OP_MADVISE; break;
	case AVT_SYS_MREMAP:
		if ((a[3] & MREMAP_MAYMOVE) && !(a[3] & MREMAP_FIXED) && has_ret &&
		    sc->ret >= 0 && (uint64_t)sc->ret != a[0]) {
			a[3] |= MREMAP_FIXED;
			a[4] = (uint64_t)sc->ret;
		}
		a[4] = to_real(p, a[4]);
		op = OP_MREMAP;
		addr_ret = true;
		break;
	case AVT_SYS_MLOCK: op = OP_MLOCK; break;
	case AVT_SYS_MLOCK2: op = OP_MLOCK2; break;
	case AVT_SYS_MUNLOCK: op = OP_MUNLOCK; break;
	case AVT_SYS_MLOCKALL: op = OP_MLOCKALL; break;
	case AVT_SYS_MUNLOCKALL: op = OP_MUNLOCKALL; break;
	case AVT_SYS_MBIND: op = OP_MBIND; break;
	case AVT_SYS_SET_MEMPOLICY_HOME_NODE: op = OP_HOME_NODE; break;
	case AVT_SYS_MSEAL: op = OP_MSEAL; break;
	case AVT_SYS_PRCTL:
		if (a[0] == PR_SET_VMA && a[4])
			die("%s:%lu: prctl(PR_SET_VMA) with a name pointer cannot be replayed",
			    scen_name, lineno);
		op = OP_PRCTL;
		break;
	case AVT_SYS_BRK: {
		uint64_t real;

		if (!p->brk_known) {
			if (a[0] != 0)
				die("%s:%lu: the first brk of pid %u must be a query "
				    "(brk addr=0x0 = BASE) so the heap can be translated",
				    scen_name, lineno, ev->pid);
			p->brk_known = true;
			p->brk_scen = has_ret ? (uint64_t)sc->ret : GEN_BRK_BASE;
		}
		real = a[0] ? a[0] - p->brk_scen + real_start_brk : 0;
		a[0] = real;
		r = call(p, OP_BRK, a);
		r = (int64_t)((uint64_t)r - real_start_brk + p->brk_scen);
		check_ret("brk", has_ret, sc->ret, r, true);
		return r;
	}
	case AVT_SYS_PROCESS_MADVISE: {
		/* a remote call: the controller issues it against the target */
		struct proc *t = need_proc((uint32_t)a[0], "process_madvise target");
		struct iovec iov = { (void *)(uintptr_t)to_real(t, a[1]), a[2] };

		r = sysret(syscall(SYS_process_madvise, t->pidfd, &iov, 1, (int)a[3], 0));
		if (r > 0 && r == (int64_t)a[2])
			r = (int64_t)a[2];
		check_ret("process_madvise", has_ret, sc->ret, r, false);
		return r;
	}
	default:
		die("%s:%lu: %s is not supported by the kernel runner", scen_name, lineno,
		    sys_name(sc->sys));
	}
	r = call(p, op, a);
	if (addr_ret)
		r = to_scen(p, r);
	check_ret(sys_name(sc->sys), has_ret, sc->ret, r, addr_ret);
	return r;
}

static void do_fault(const struct avt_event *ev)
{
	const struct avt_ev_fault *f = &ev->u.fault;
	struct proc *p = need_proc(ev->pid, "fault");
	uint64_t a[6] = { to_real(p, f->addr) };
	bool write = f->flags & AVT_FAULT_WRITE;
	int sig = 0;
	int op;

	if (f->flags & AVT_FAULT_INSTR)
		die("%s:%lu: exec faults are not supported by the kernel runner", scen_name,
		    lineno);
	if (f->flags & AVT_FAULT_KERNEL)
		op = write ? OP_KWRITE : OP_KREAD;
	else
		op = write ? OP_WRITE : OP_READ;
	int64_t r = call_fd(p, op, a, -1, &sig);
	if (sig)
		mismatch("%s %#" PRIx64 " in pid %u: the kernel delivered %s", write ? "write" : "read",
			 f->addr, ev->pid, strsignal(sig));
	else if (r < 0)
		mismatch("kernel-mode %s %#" PRIx64 " in pid %u: %s", write ? "write" : "read",
			 f->addr, ev->pid, strerror((int)-r));
}

static void do_event(const struct avt_event *ev, bool has_ret)
{
	struct proc *p;
	char name[64], where[64];

	switch (ev->type) {
	case AVT_EV_EXEC:
		p = proc_find(ev->pid);
		if (p)
			proc_exit(p, 0);	/* the old mm goes away */
		proc_spawn(ev->pid);
		break;
	case AVT_EV_FORK:
		if (ev->u.fork.flags & AVT_FORK_THREAD)
			break;	/* shares the mm: nothing happens to the layout */
		if (ev->u.fork.flags & AVT_FORK_VFORK)
			die("%s:%lu: vfork is not supported by the kernel runner", scen_name,
			    lineno);
		proc_fork(need_proc(ev->pid, "fork"), ev->u.fork.child_pid);
		break;
	case AVT_EV_EXIT:
		if (!ev->u.exit.group_dead)
			break;	/* a thread: the mm lives on */
		proc_exit(need_proc(ev->pid, "exit"), ev->u.exit.code);
		break;
	case AVT_EV_SYSCALL:
		do_syscall(ev, has_ret);
		break;
	case AVT_EV_FAULT:
		do_fault(ev);
		break;
	case AVT_EV_CHECKPOINT:
		snprintf(name, sizeof(name), "checkpoint-%u", ev->u.checkpoint.n);
		snprintf(where, sizeof(where), "checkpoint:%u", ev->u.checkpoint.n);
		state_emit(name, where);
		break;
	case AVT_EV_SNAP_BEGIN:
	case AVT_EV_SNAP_VMA:
	case AVT_EV_SNAP_END:
		die("%s:%lu: snapshots (pre-existing processes) are not supported by the kernel "
		    "runner", scen_name, lineno);
	default:
		/* kernel-truth and bookkeeping events: nothing to perform */
		break;
	}
}

static int run_file(const char *path)
{
	struct avt_text_parser *tp = avt_text_parser__new();
	struct avt_meta meta;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	if (!tp)
		die("cannot create the text parser");
	avt_meta__init(&meta);
	scen_name = path;
	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f)
		die("%s: %s", path, strerror(errno));
	lineno = 0;
	while (getline(&line, &cap, f) > 0) {
		struct avt_event ev;
		char why[256] = "";
		const char *s = line;
		int r;

		lineno++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!strncmp(s, "# expect-maps:", 14)) {
			expect_parse(s + 14);
			continue;
		}
		line[strcspn(line, "\n")] = 0;
		r = avt_text_parser__line(tp, line, &ev, &meta, why, sizeof(why));
		if (r < 0)
			die("%s:%lu: %s", path, lineno, why[0] ? why : strerror(-r));
		if (r == 0)
			continue;
		do_event(&ev, line_has_ret(line));
	}
	state_emit("end", "end");
	free(line);
	if (f != stdin)
		fclose(f);
	avt_text_parser__free(tp);
	avt_meta__fini(&meta);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* random scenarios, generated live: choices look at the real layout */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64: tiny and seedable */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rn(unsigned n)
{
	return n ? (unsigned)(rnd() % n) : 0;
}

static FILE *gen_out;
/* --gen-avoid: leave out features (to look past a known engine bug) */
static bool avoid_shared, avoid_mseal, avoid_span;

static const char *prot_str(uint64_t prot)
{
	static char s[4];

	s[0] = prot & PROT_READ ? 'r' : '-';
	s[1] = prot & PROT_WRITE ? 'w' : '-';
	s[2] = prot & PROT_EXEC ? 'x' : '-';
	s[3] = 0;
	return s;
}

static void mmap_flags_str(char *buf, size_t len, uint64_t fl)
{
	static const struct { uint64_t bit; const char *name; } t[] = {
		{ MAP_SHARED, "MAP_SHARED" }, { MAP_PRIVATE, "MAP_PRIVATE" },
		{ MAP_FIXED, "MAP_FIXED" }, { MAP_ANONYMOUS, "MAP_ANONYMOUS" },
		{ MAP_NORESERVE, "MAP_NORESERVE" }, { MAP_POPULATE, "MAP_POPULATE" },
		{ MAP_LOCKED, "MAP_LOCKED" }, { MAP_GROWSDOWN, "MAP_GROWSDOWN" },
		{ MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE" }, { MAP_DROPPABLE, "MAP_DROPPABLE" },
	};
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (fl & t[i].bit)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "|" : "", t[i].name);
}

static const struct { int adv; const char *name; } gen_advice[] = {
	{ MADV_DONTFORK, "MADV_DONTFORK" }, { MADV_DOFORK, "MADV_DOFORK" },
	{ MADV_WIPEONFORK, "MADV_WIPEONFORK" }, { MADV_KEEPONFORK, "MADV_KEEPONFORK" },
	{ MADV_DONTDUMP, "MADV_DONTDUMP" }, { MADV_DODUMP, "MADV_DODUMP" },
	{ MADV_RANDOM, "MADV_RANDOM" }, { MADV_SEQUENTIAL, "MADV_SEQUENTIAL" },
	{ MADV_NORMAL, "MADV_NORMAL" }, { MADV_DONTNEED, "MADV_DONTNEED" },
	{ MADV_HUGEPAGE, "MADV_HUGEPAGE" }, { MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE" },
	{ MADV_POPULATE_WRITE, "MADV_POPULATE_WRITE" }, { MADV_FREE, "MADV_FREE" },
	{ MADV_MERGEABLE, "MADV_MERGEABLE" }, { MADV_UNMERGEABLE, "MADV_UNMERGEABLE" },
};

/* Region VMAs of one process as the kernel has them right now. */
static void gen_layout(struct proc *p, struct vmas *vs)
{
	vs->n = 0;
	proc_layout(p, vs);
	if (vs->n)
		qsort(vs->v, vs->n, sizeof(*vs->v), vma_cmp);
}

static bool gen_range_free(const struct vmas *vs, uint64_t s, uint64_t e)
{
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i].start < e && s < vs->v[i].end)
			return false;
	return true;
}

/* a random page range inside the generator window */
static void gen_range(uint64_t *addr, uint64_t *len, unsigned max_pages)
{
	unsigned pages = 1 + rn(max_pages);
	unsigned first = rn(GEN_PAGES - pages + 1);

	*addr = GEN_BASE + first * PAGE;
	*len = pages * PAGE;
}

/* a random range overlapping an existing VMA (more interesting than blind) */
static void gen_range_near(const struct vmas *vs, uint64_t *addr, uint64_t *len)
{
	const struct vma *v;
	uint64_t s, e;

	if (!vs->n || rn(5) == 0) {
		gen_range(addr, len, 12);
		return;
	}
	v = &vs->v[rn((unsigned)vs->n)];
	s = v->start + (uint64_t)rn((unsigned)((v->end - v->start) / PAGE)) * PAGE;
	if (rn(3) == 0 && s > v->start)
		s -= PAGE * (1 + rn(2));
	e = s + PAGE * (1 + rn(8));
	if (rn(3) == 0)
		e = v->end;
	if (rn(3)) {	/* mostly inside one VMA: fewer -ENOMEM over holes */
		if (s < v->start)
			s = v->start;
		if (e > v->end)
			e = v->end;
	}
	*addr = s;
	*len = e - s;
}

static struct proc *gen_pick_proc(void)
{
	struct proc *live[MAX_PROCS];
	unsigned n = 0;

	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].live)
			live[n++] = &procs[i];
	return n ? live[rn(n)] : NULL;
}

static unsigned gen_nr_live(void)
{
	unsigned n = 0;

	for (int i = 0; i < MAX_PROCS; i++)
		n += procs[i].live;
	return n;
}

/* Perform one event given as text: the same path as a scenario file, so
 * what is generated is exactly what a later replay of the file will do. */
static void gen_emit(struct avt_text_parser *tp, struct avt_meta *meta, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void gen_emit(struct avt_text_parser *tp, struct avt_meta *meta, const char *fmt, ...)
{
	char line[512], why[256] = "";
	struct avt_event ev;
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	lineno++;
	r = avt_text_parser__line(tp, line, &ev, meta, why, sizeof(why));
	if (r < 0)
		die("generated line does not parse: %s: %s", line, why);
	if (r == 0)
		return;
	fprintf(gen_out, "%s", line);
	if (ev.type == AVT_EV_SYSCALL) {
		/* perform it, then write the kernel's result down */
		int64_t res = do_syscall(&ev, false);
		bool addr = ev.u.sys.sys == AVT_SYS_MMAP || ev.u.sys.sys == AVT_SYS_MREMAP ||
			    ev.u.sys.sys == AVT_SYS_BRK;

		if (addr && res >= 0)
			fprintf(gen_out, " = %#" PRIx64 "\n", (uint64_t)res);
		else if (res < 0)
			fprintf(gen_out, " = -%s\n", strerrorname_np((int)-res) ?: "EINVAL");
		else
			fprintf(gen_out, " = %" PRId64 "\n", res);
		return;
	}
	fputc('\n', gen_out);
	do_event(&ev, false);
}

/* The settings the engine must honour (THP mode, overcommit, release). */
static void print_host_meta(FILE *f)
{
	static const uint16_t keys[] = {
		AVT_KEY_RELEASE, AVT_KEY_ARCH, AVT_KEY_PAGE_SIZE, AVT_KEY_THP,
		AVT_KEY_THP_DEFRAG, AVT_KEY_THP_ZERO_PAGE, AVT_KEY_MTHP, AVT_KEY_OVERCOMMIT,
		AVT_KEY_MAX_MAP_COUNT, AVT_KEY_KSM, AVT_KEY_SOFT_DIRTY,
	};
	struct avt_meta m, sel;

	/* only what the engine's rules depend on: no host name, boot id, time */
	avt_meta__init(&m);
	avt_meta__init(&sel);
	if (avt_meta__probe_host(&m) == 0) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			const char *v = avt_meta__get(&m, keys[i]);

			if (v)
				avt_meta__set(&sel, keys[i], v);
		}
		avt_text__print_meta(f, &sel);
	}
	avt_meta__fini(&sel);
	avt_meta__fini(&m);
}

static int run_gen(uint64_t seed, unsigned steps)
{
	struct avt_text_parser *tp = avt_text_parser__new();
	struct avt_meta meta;
	struct vmas vs = { 0 };
	uint32_t next_pid = 101;
	unsigned ckpt = 0;

	if (!tp)
		die("cannot create the text parser");
	avt_meta__init(&meta);
	rng_state = seed * 0x2545f4914f6cdd1dull + 1;
	scen_name = "generated";
	fprintf(gen_out, "# random scenario, seed %" PRIu64 ", generated on the live kernel "
		"by kscen --gen (results are the kernel's)\n", seed);
	print_host_meta(gen_out);
	gen_emit(tp, &meta, "100 exec file=/bin/kscen comm=kscen");
	gen_emit(tp, &meta, "100 brk addr=0x0");
	for (unsigned step = 0; step < steps; step++) {
		struct proc *p = gen_pick_proc();
		uint64_t addr, len, a2, l2;
		unsigned pid, k = rn(100);
		char fl[128];

		if (!p) {
			gen_emit(tp, &meta, "%u exec file=/bin/kscen comm=kscen", next_pid++);
			gen_emit(tp, &meta, "%u brk addr=0x0", next_pid - 1);
			continue;
		}
		pid = p->spid;
		gen_layout(p, &vs);
		if (k < 18) {			/* mmap */
			uint64_t prot = (uint64_t[]){ 3, 3, 3, 1, 7, 0, 5 }[rn(7)];
			uint64_t flags = MAP_PRIVATE | MAP_ANONYMOUS;
			unsigned x = rn(100);

			gen_range(&addr, &len, 10);
			if (rn(3) == 0 && vs.n) {	/* right next to a VMA */
				const struct vma *v = &vs.v[rn((unsigned)vs.n)];
				addr = rn(2) ? v->end : v->start - len;
				if (addr < GEN_BASE || addr + len > GEN_BASE + GEN_PAGES * PAGE)
					gen_range(&addr, &len, 10);
			}
			if (rn(20) == 0 && p->brk_known) {	/* in the heap's way */
				uint64_t top = GEN_BRK_BASE;

				for (size_t i = 0; i < vs.n; i++)
					if (vs.v[i].end > top && vs.v[i].start >= GEN_BRK_BASE - HEAP_PAD)
						top = vs.v[i].end;
				addr = top + PAGE * rn(4);
			}
			if (x < 8)
				flags |= MAP_NORESERVE;
			else if (x < 12 && !avoid_shared)
				flags = MAP_SHARED | MAP_ANONYMOUS;
			else if (x < 15)
				flags |= MAP_POPULATE;
			else if (x < 17)
				flags |= MAP_LOCKED;
			else if (x < 19)
				flags |= MAP_GROWSDOWN;
			else if (x < 21)
				flags = MAP_DROPPABLE | MAP_ANONYMOUS;
			if (!gen_range_free(&vs, addr, addr + len) || rn(4) == 0)
				flags |= MAP_FIXED;
			else if (rn(2))	/* else a hint, which kscen pins the same way */
				flags |= MAP_FIXED_NOREPLACE;
			mmap_flags_str(fl, sizeof(fl), flags);
			gen_emit(tp, &meta, "%u mmap addr=%#" PRIx64 " len=%#" PRIx64
				 " prot=%s flags=%s fd=-1 off=0x0", pid, addr, len,
				 prot_str(prot), fl);
		} else if (k < 26) {		/* munmap */
			gen_range_near(&vs, &addr, &len);
			gen_emit(tp, &meta, "%u munmap addr=%#" PRIx64 " len=%#" PRIx64, pid, addr, len);
		} else if (k < 38) {		/* mprotect */
			uint64_t prot = (uint64_t[]){ 3, 1, 7, 0, 5, 3 }[rn(6)];
			gen_range_near(&vs, &addr, &len);
			gen_emit(tp, &meta, "%u mprotect addr=%#" PRIx64 " len=%#" PRIx64 " prot=%s",
				 pid, addr, len, prot_str(prot));
		} else if (k < 48) {		/* madvise */
			unsigned i = rn(sizeof(gen_advice) / sizeof(gen_advice[0]));
			gen_range_near(&vs, &addr, &len);
			gen_emit(tp, &meta, "%u madvise addr=%#" PRIx64 " len=%#" PRIx64 " advice=%s",
				 pid, addr, len, gen_advice[i].name);
		} else if (k < 55 && vs.n) {	/* mremap */
			const struct vma *v = &vs.v[rn((unsigned)vs.n)];
			unsigned vp = (unsigned)((v->end - v->start) / PAGE);
			unsigned off = rn(vp), np = 1 + rn(vp - off);
			unsigned kind = rn(6);

			addr = v->start + off * PAGE;
			len = np * PAGE;
			if (kind == 0) {	/* shrink in place */
				l2 = np > 1 ? (1 + rn(np - 1)) * PAGE : len;
				gen_emit(tp, &meta, "%u mremap addr=%#" PRIx64 " old_len=%#" PRIx64
					 " new_len=%#" PRIx64 " flags=0x0 new_addr=0x0",
					 pid, addr, len, l2);
			} else if (kind == 1) {	/* grow in place only */
				gen_emit(tp, &meta, "%u mremap addr=%#" PRIx64 " old_len=%#" PRIx64
					 " new_len=%#" PRIx64 " flags=0x0 new_addr=0x0",
					 pid, addr, len, len + PAGE * (1 + rn(4)));
			} else {		/* move, maybe DONTUNMAP or many VMAs */
				uint64_t dl;
				bool dontunmap = kind == 4;

				if (kind == 5 && avoid_span)
					kind = 2;
				if (kind == 5)	/* equal sizes may span VMAs (and holes) */
					len = v->end - addr + PAGE * (1 + rn(6));
				l2 = dontunmap || kind == 5 ? len : (rn(3) ? len : PAGE * (1 + rn(8)));
				gen_range(&a2, &dl, 1);
				if (rn(2) && vs.n) {	/* land next to something */
					const struct vma *w = &vs.v[rn((unsigned)vs.n)];
					a2 = rn(2) ? w->end : w->start - l2;
				}
				if (a2 < GEN_BASE || a2 + l2 > GEN_BASE + GEN_PAGES * PAGE)
					a2 = GEN_BASE + (uint64_t)rn(GEN_PAGES - 8) * PAGE;
				gen_emit(tp, &meta, "%u mremap addr=%#" PRIx64 " old_len=%#" PRIx64
					 " new_len=%#" PRIx64 " flags=MREMAP_MAYMOVE|MREMAP_FIXED%s"
					 " new_addr=%#" PRIx64, pid, addr, len, l2,
					 dontunmap ? "|MREMAP_DONTUNMAP" : "", a2);
			}
		} else if (k < 59) {		/* mlock / munlock */
			gen_range_near(&vs, &addr, &len);
			unsigned w = rn(3);
			if (w == 0)
				gen_emit(tp, &meta, "%u mlock addr=%#" PRIx64 " len=%#" PRIx64, pid, addr, len);
			else if (w == 1)
				gen_emit(tp, &meta, "%u mlock2 addr=%#" PRIx64 " len=%#" PRIx64
					 " flags=MLOCK_ONFAULT", pid, addr, len);
			else
				gen_emit(tp, &meta, "%u munlock addr=%#" PRIx64 " len=%#" PRIx64, pid, addr, len);
		} else if (k < 80 && vs.n) {	/* touch a page */
			const struct vma *cand[512];
			unsigned nc = 0;
			bool w = rn(4) != 0;

			for (size_t i = 0; i < vs.n && nc < 512; i++)
				/* private only: a shared anon VMA grown by mremap
				 * lies past its shmem file's end (SIGBUS) */
				if (vs.v[i].perms[w ? 1 : 0] == (w ? 'w' : 'r') &&
				    vs.v[i].perms[3] == 'p')
					cand[nc++] = &vs.v[i];
			if (!nc)
				continue;
			const struct vma *v = cand[rn(nc)];
			addr = v->start + (uint64_t)rn((unsigned)((v->end - v->start) / PAGE)) * PAGE;
			gen_emit(tp, &meta, "%u %s %#" PRIx64, pid, w ? "write" : "read", addr);
		} else if (k < 86) {		/* fork */
			if (gen_nr_live() >= 6)
				continue;
			gen_emit(tp, &meta, "%u fork child=%u", pid, next_pid);
			next_pid++;
		} else if (k < 89) {		/* exit */
			gen_emit(tp, &meta, "%u exit", pid);
		} else if (k < 95) {		/* brk */
			uint64_t cur = p->brk_known ? GEN_BRK_BASE : 0;
			struct vma *hv = NULL;

			for (size_t i = 0; i < vs.n; i++)
				if (vs.v[i].start >= GEN_BRK_BASE)
					hv = &vs.v[i];
			cur = hv ? hv->end : GEN_BRK_BASE;
			if (rn(3) == 0 && hv && hv->perms[1] == 'w') {	/* write into the heap */
				gen_emit(tp, &meta, "%u write %#" PRIx64, pid, hv->end - PAGE);
				continue;
			}
			if (rn(4) == 0 && cur > GEN_BRK_BASE)
				gen_emit(tp, &meta, "%u brk addr=%#" PRIx64, pid, cur - PAGE);
			else
				gen_emit(tp, &meta, "%u brk addr=%#" PRIx64, pid, cur + PAGE * (1 + rn(3)));
		} else if (k == 95) {		/* rarer: a new program, or mseal */
			if (rn(2) || avoid_mseal) {
				gen_emit(tp, &meta, "%u exec file=/bin/kscen comm=kscen", pid);
				gen_emit(tp, &meta, "%u brk addr=0x0", pid);
			} else {
				gen_range_near(&vs, &addr, &len);
				gen_emit(tp, &meta, "%u mseal addr=%#" PRIx64 " len=%#" PRIx64
					 " flags=0x0", pid, addr, len);
			}
		} else {			/* checkpoint */
			gen_emit(tp, &meta, "0 checkpoint n=%u", ++ckpt);
		}
	}
	state_emit("end", "end");
	free(vs.v);
	avt_text_parser__free(tp);
	avt_meta__fini(&meta);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* --compare */

struct sline {
	uint32_t pid;
	uint64_t start, end, flags, pgoff;
	bool pgoff_any, file_any;
	char dev[32], ino[32];
};

static size_t read_state(const char *path, struct sline **out)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	size_t n = 0, cap = 0;
	struct sline *v = NULL;
	unsigned long ln = 0;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		struct sline s = { 0 };
		unsigned long long a, b;
		char *t;

		ln++;
		if (line[0] == '#' || line[strspn(line, " \t\n")] == 0)
			continue;
		if (sscanf(line, "%u %llx-%llx", &s.pid, &a, &b) != 3)
			die("%s:%lu: not a state line", path, ln);
		s.start = a;
		s.end = b;
		if (!(t = strstr(line, " flags=")))
			die("%s:%lu: no flags=", path, ln);
		s.flags = strtoull(t + 7, NULL, 16);
		if (!(t = strstr(line, " pgoff=")))
			die("%s:%lu: no pgoff=", path, ln);
		if (t[7] == '?')
			s.pgoff_any = true;
		else
			s.pgoff = strtoull(t + 7, NULL, 16);
		if ((t = strstr(line, " dev=")))
			sscanf(t + 5, "%31s", s.dev);
		if ((t = strstr(line, " ino=")))
			sscanf(t + 5, "%31s", s.ino);
		if (!strcmp(s.dev, "?"))
			s.file_any = true;
		if (!(s.start >= REGION_LO && s.end <= REGION_HI))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die("out of memory");
		}
		v[n++] = s;
	}
	fclose(f);
	*out = v;
	return n;
}

static void sline_print(const char *tag, const struct sline *s, uint64_t mask)
{
	printf("%s %u %" PRIx64 "-%" PRIx64 " flags=%" PRIx64, tag, s->pid, s->start, s->end,
	       s->flags & mask);
	if (s->pgoff_any)
		printf(" pgoff=?");
	else
		printf(" pgoff=%" PRIx64, s->pgoff);
	printf(" dev=%s ino=%s\n", s->dev, s->ino);
}

static int run_compare(const char *kpath, const char *epath)
{
	struct sline *k, *e;
	size_t nk = read_state(kpath, &k), ne = read_state(epath, &e);
	uint64_t mask = CMP_MASK;
	const char *env = getenv("KSCEN_FLAG_MASK");
	size_t i = 0, j = 0;
	int diffs = 0;

	if (env)
		mask = strtoull(env, NULL, 0);
	/* both are sorted by (pid, start): merge-walk */
	while (i < nk || j < ne) {
		int c;

		if (i == nk)
			c = 1;
		else if (j == ne)
			c = -1;
		else if (k[i].pid != e[j].pid)
			c = k[i].pid < e[j].pid ? -1 : 1;
		else if (k[i].start != e[j].start)
			c = k[i].start < e[j].start ? -1 : 1;
		else
			c = 0;
		if (c < 0) {
			sline_print("kernel-only:", &k[i++], mask);
			diffs++;
			continue;
		}
		if (c > 0) {
			sline_print("engine-only:", &e[j++], mask);
			diffs++;
			continue;
		}
		bool same = k[i].end == e[j].end &&
			    (k[i].flags & mask) == (e[j].flags & mask) &&
			    (k[i].pgoff_any || e[j].pgoff_any || k[i].pgoff == e[j].pgoff) &&
			    (k[i].file_any || (!strcmp(k[i].dev, e[j].dev) &&
					       !strcmp(k[i].ino, e[j].ino)));
		if (!same) {
			sline_print("kernel:", &k[i], mask);
			sline_print("engine:", &e[j], mask);
			diffs++;
		}
		i++;
		j++;
	}
	free(k);
	free(e);
	return diffs ? 3 : 0;
}

/* ------------------------------------------------------------------------ */

static uint64_t read_start_brk(void)
{
	char buf[4096], *s;
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n;
	unsigned long long v = 0;

	if (!f)
		die("/proc/self/stat: %s", strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* fields after "(comm)": state is field 3; start_brk is field 47 */
	s = strrchr(buf, ')');
	if (!s)
		die("/proc/self/stat: unexpected format");
	s += 2;
	for (int field = 3; field < 47 && s; field++) {
		s = strchr(s, ' ');
		if (s)
			s++;
	}
	if (!s || sscanf(s, "%llu", &v) != 1 || !v)
		die("/proc/self/stat: no start_brk");
	return v;
}

/*
 * Scenario heap addresses translate to [start_brk - HEAP_PAD, start_brk +
 * HEAP_WINDOW), so that range must hold nothing but the heap. ASLR puts the
 * heap a random distance above the program's bss; when the bss is too close
 * (a few per cent of runs), run again under a new layout.
 */
static void ensure_heap_window(char **argv)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512], *n;
	bool clash = false;
	int tries;

	if (!f)
		die("/proc/self/maps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;

		if (sscanf(line, "%llx-%llx", &s, &e) == 2 && s < real_start_brk + HEAP_WINDOW &&
		    e > real_start_brk - HEAP_PAD && s < real_start_brk)
			clash = true;
	}
	fclose(f);
	if (!clash)
		return;
	n = getenv("KSCEN_REEXEC");
	tries = n ? atoi(n) : 0;
	if (tries >= 32)
		die("the heap start is always within %#" PRIx64 " of other mappings",
		    (uint64_t)HEAP_PAD);
	snprintf(line, sizeof(line), "%d", tries + 1);
	setenv("KSCEN_REEXEC", line, 1);
	execv("/proc/self/exe", argv);
	die("re-exec: %s", strerror(errno));
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kscen [--states DIR] [-q] SCENARIO\n"
		"       kscen --gen SEED [--steps N] [--gen-avoid shared,mseal,span] [--states DIR] -o OUT\n"
		"       kscen --compare KERNEL_STATE ENGINE_STATE\n"
		"       kscen --meta            (this host's settings as meta lines)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *gen_seed = NULL, *out = NULL, *scen = NULL;
	unsigned steps = 80;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--meta")) {
			print_host_meta(stdout);
			return 0;
		} else if (!strcmp(a, "--compare")) {
			if (i + 2 >= argc)
				usage();
			return run_compare(argv[i + 1], argv[i + 2]);
		} else if (!strcmp(a, "--states") && i + 1 < argc) {
			states_dir = argv[++i];
		} else if (!strcmp(a, "--gen") && i + 1 < argc) {
			gen_seed = argv[++i];
		} else if (!strcmp(a, "--steps") && i + 1 < argc) {
			steps = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(a, "--gen-avoid") && i + 1 < argc) {
			const char *l = argv[++i];

			avoid_shared = strstr(l, "shared");
			avoid_mseal = strstr(l, "mseal");
			avoid_span = strstr(l, "span");
		} else if (!strcmp(a, "-q")) {
			quiet = true;
		} else if (a[0] == '-' && a[1]) {
			usage();
		} else if (!scen) {
			scen = a;
		} else {
			usage();
		}
	}
	if (!!gen_seed == !!scen)
		usage();
	if (geteuid() != 0)
		fprintf(stderr, "kscen: warning: not root; mlock and process_madvise may fail\n");
	signal(SIGPIPE, SIG_IGN);
	/* orphaned workers (a parent exited first) are reparented to us */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	real_start_brk = read_start_brk();
	ensure_heap_window(argv);
	zero_fd = open("/dev/zero", O_RDWR | O_CLOEXEC);
	if (zero_fd < 0)
		die("/dev/zero: %s", strerror(errno));
	if (gen_seed) {
		if (!out)
			usage();
		gen_out = fopen(out, "we");
		if (!gen_out)
			die("%s: %s", out, strerror(errno));
		run_gen(strtoull(gen_seed, NULL, 0), steps);
		fclose(gen_out);
	} else {
		run_file(scen);
	}
	kill_workers();
	free(expects);
	return mismatches ? 3 : 0;
}
