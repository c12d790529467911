// SPDX-License-Identifier: MIT
/*
 * The less common modelled calls, each once: shmat/shmdt, mlock/munlock,
 * mlock2, mlockall/munlockall, pkey_mprotect, prctl(PR_SET_VMA) naming,
 * mseal, remap_file_pages, process_madvise (on ourselves, via a pidfd),
 * userfaultfd register/copy/zeropage/unregister, and one call the format
 * does not model but that maps memory: io_setup(2) (an AIO ring), which
 * must show up as `unmodelled`. Then it waits.
 */
#include <linux/aio_abi.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include "wl.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

static void uffd_ops(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {};
	struct uffdio_copy cp = {};
	struct uffdio_zeropage zp = {};
	struct uffdio_range range;
	char *area, *src;
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		fprintf(stderr, "workload: userfaultfd unavailable (%s): skipped\n", strerror(errno));
		return;
	}
	if (ioctl(fd, UFFDIO_API, &api))
		wl_die("UFFDIO_API");
	area = wl_map(4 * PG);
	src = wl_map(PG);
	wl_touch(src, PG);
	reg.range.start = (unsigned long)area;
	reg.range.len = 4 * PG;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		wl_die("UFFDIO_REGISTER");
	cp.dst = (unsigned long)area;
	cp.src = (unsigned long)src;
	cp.len = PG;
	if (ioctl(fd, UFFDIO_COPY, &cp))
		wl_die("UFFDIO_COPY");
	zp.range.start = (unsigned long)area + PG;
	zp.range.len = PG;
	if (ioctl(fd, UFFDIO_ZEROPAGE, &zp))
		wl_die("UFFDIO_ZEROPAGE");
	range.start = (unsigned long)area;
	range.len = 4 * PG;
	if (ioctl(fd, UFFDIO_UNREGISTER, &range))
		wl_die("UFFDIO_UNREGISTER");
	close(fd);
}

int main(void)
{
	char *p, *q, *f;
	int shmid, pidfd, fd;
	aio_context_t ctx = 0;
	struct iovec iov;

	wl_init();
	/* System V shared memory */
	shmid = shmget(IPC_PRIVATE, 4 * PG, IPC_CREAT | 0600);
	if (shmid < 0)
		wl_die("shmget");
	q = shmat(shmid, NULL, 0);
	if (q == (void *)-1)
		wl_die("shmat");
	wl_touch(q, 4 * PG);
	shmdt(q);
	shmctl(shmid, IPC_RMID, NULL);
	/* locking */
	p = wl_map(16 * PG);
	if (mlock(p, 4 * PG))
		perror("workload: mlock");
	munlock(p, 4 * PG);
	syscall(SYS_mlock2, p + 4 * PG, 4 * PG, 1 /* MLOCK_ONFAULT */);
	munlock(p + 4 * PG, 4 * PG);
	/* protection keys (fails cleanly without pku: still a call) */
	syscall(SYS_pkey_mprotect, p + 8 * PG, 2 * PG, PROT_READ, 0);
	/* anonymous VMA names */
	prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, p + 12 * PG, 2 * PG, "avt-misc");
	/* sealing (6.10+) */
	syscall(462 /* mseal */, p + 14 * PG, 2 * PG, 0);
	/* process_madvise on ourselves */
	pidfd = syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd >= 0) {
		wl_touch(p, 4 * PG);
		iov.iov_base = p;
		iov.iov_len = 4 * PG;
		syscall(SYS_process_madvise, pidfd, &iov, 1, MADV_COLD, 0);
		close(pidfd);
	}
	/* remap_file_pages on a shared file mapping */
	fd = open("/var/tmp", O_TMPFILE | O_RDWR, 0600);
	if (fd >= 0 && !ftruncate(fd, 4 * PG)) {
		f = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (f != MAP_FAILED) {
			remap_file_pages(f, PG, 0, 2, 0);
			wl_touch(f, 4 * PG);
		}
		close(fd);
	}
	/* raw syscalls: sanitizer runtimes turn the libc wrappers into no-ops */
#ifdef __SANITIZE_ADDRESS__
	/* populating ASan's shadow would take minutes */
	syscall(SYS_mlockall, MCL_CURRENT | 4 /* MCL_ONFAULT */);
#else
	syscall(SYS_mlockall, MCL_CURRENT);
#endif
	syscall(SYS_munlockall);
	uffd_ops();
	/* not modelled, but it maps the AVIO ring into us */
	if (syscall(SYS_io_setup, 8, &ctx))
		perror("workload: io_setup");
	wl_finish(NULL, 0);
	if (ctx)
		syscall(SYS_io_destroy, ctx);
	return 0;
}
