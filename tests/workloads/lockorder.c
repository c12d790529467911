// SPDX-License-Identifier: MIT
/*
 * A modelled call whose sys_exit comes long after its change to the address
 * space, while another thread changes the same range: the recorder must
 * write the call where it took effect (its mmap write-lock release), not at
 * sys_exit (src/record/sysorder.c).
 *
 * Thread A mlocks R (8 pages, registered with userfaultfd, missing mode):
 * mlock sets VM_LOCKED under the write lock, releases it, then populates R
 * and blocks in the first fault until the handler resolves it. Meanwhile
 * thread B munlocks the second half of R (a split: the kernel ends with
 * R[0,4) locked and R[4,8) not). Only after B's munlock returned does the
 * handler fill R with UFFDIO_COPY (one per VMA), which wakes A. So, deterministically,
 * A's sys_exit comes after B's: written at sys_exit, replay would munlock
 * an unlocked VMA first, then lock all of R -- one locked VMA, not two.
 * (mlock and munlock by syscall(2): ASan's interceptors make them no-ops.)
 * Prints "lockorder: userfaultfd unavailable" and does the rest without A
 * and the handler if userfaultfd cannot be used.
 */
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>
#include "wl.h"

#define N 8

static char *R, *src;
static int uffd = -1;
static int go_b[2], b_done[2];		/* pipes: handler -> B, B -> handler */

static void *locker(void *arg)
{
	(void)arg;
	if (syscall(SYS_mlock, R, N * PG))
		wl_die("mlock");
	return NULL;
}

static void *unlocker(void *arg)
{
	char c;

	(void)arg;
	if (read(go_b[0], &c, 1) != 1)
		wl_die("read go");
	if (syscall(SYS_munlock, R + N / 2 * PG, N / 2 * PG))
		wl_die("munlock");
	if (write(b_done[1], "d", 1) != 1)
		wl_die("write done");
	return NULL;
}

static void *handler(void *arg)
{
	struct uffd_msg msg;
	struct uffdio_copy cp;
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	char c;

	(void)arg;
	/* A is populating R now: its write lock is released */
	if (poll(&pfd, 1, 10000) != 1 || read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		wl_die("uffd read");
	if (msg.event != UFFD_EVENT_PAGEFAULT)
		wl_die("uffd event");
	if (write(go_b[1], "g", 1) != 1 || read(b_done[0], &c, 1) != 1)
		wl_die("pipe");
	/* one copy per VMA: B's munlock split R, and a copy stays in one */
	for (int half = 0; half < 2; half++) {
		memset(&cp, 0, sizeof(cp));
		cp.dst = (uintptr_t)(R + half * N / 2 * PG);
		cp.src = (uintptr_t)(src + half * N / 2 * PG);
		cp.len = N / 2 * PG;
		if (ioctl(uffd, UFFDIO_COPY, &cp) || cp.copy != (int64_t)(N / 2 * PG))
			wl_die("UFFDIO_COPY");
	}
	return NULL;
}

int main(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	pthread_t a, b, h;
	bool have_uffd;

	wl_init();
	if (pipe(go_b) || pipe(b_done))
		wl_die("pipe");
	src = wl_map(N * PG);
	wl_touch(src, N * PG);
	R = wl_map(N * PG);
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	have_uffd = uffd >= 0 && !ioctl(uffd, UFFDIO_API, &api);
	if (have_uffd) {
		memset(&reg, 0, sizeof(reg));
		reg.range.start = (uintptr_t)R;
		reg.range.len = N * PG;
		reg.mode = UFFDIO_REGISTER_MODE_MISSING;
		have_uffd = !ioctl(uffd, UFFDIO_REGISTER, &reg);
	}
	if (!have_uffd) {
		printf("lockorder: userfaultfd unavailable\n");
		fflush(stdout);
		if (syscall(SYS_mlock, R, N * PG))
			wl_die("mlock");
		if (write(go_b[1], "g", 1) != 1)
			wl_die("write go");
		if (pthread_create(&b, NULL, unlocker, NULL))
			wl_die("pthread_create");
		pthread_join(b, NULL);
	} else {
		if (pthread_create(&h, NULL, handler, NULL) ||
		    pthread_create(&b, NULL, unlocker, NULL) ||
		    pthread_create(&a, NULL, locker, NULL))
			wl_die("pthread_create");
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		pthread_join(h, NULL);
	}
	wl_finish(NULL, 0);
	return 0;
}
