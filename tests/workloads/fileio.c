// SPDX-License-Identifier: MIT
/*
 * File-backed private writes (COW of page-cache pages into anon pages),
 * read(2) into an untouched buffer (kernel-mode faults: copy_to_user), and
 * process_vm_writev into another process (get_user_pages: no fault
 * tracepoint fires; only the allocation-truth events show the anon_vma).
 */
#include <sys/uio.h>
#include "wl.h"

int main(void)
{
	char path[] = "/tmp/avt-wl-fileXXXXXX", buf[4 * 4096];
	char *f, *rd, *target;
	int fd, go[2];
	pid_t kid;

	wl_init();
	fd = mkstemp(path);
	if (fd < 0)
		wl_die("mkstemp");
	unlink(path);
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 4; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			wl_die("write");
	/* private file mapping: read a page, write two (COW) */
	f = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (f == MAP_FAILED)
		wl_die("mmap file");
	if (((volatile char *)f)[0] != 'x')
		wl_die("file content");
	f[PG] = 1;
	f[5 * PG] = 2;
	/* read(2) into an untouched anonymous buffer */
	rd = wl_map(4 * PG);
	if (pread(fd, rd, 4 * PG, 0) != (ssize_t)(4 * PG))
		wl_die("pread");
	/* a child with an untouched buffer that we write into from outside */
	target = wl_map(4 * PG);
	if (pipe(go))
		wl_die("pipe");
	kid = fork();
	if (kid < 0)
		wl_die("fork");
	if (kid == 0) {
		char *mine = wl_map(4 * PG);	/* left untouched: the parent writes it */

		if (write(go[1], &mine, sizeof(mine)) != sizeof(mine))
			_exit(1);
		wl_wait();
		_exit(0);
	}
	{
		char *remote;
		struct iovec l = { buf, 2 * PG }, rv;

		if (read(go[0], &remote, sizeof(remote)) != sizeof(remote))
			wl_die("read");
		rv.iov_base = remote;
		rv.iov_len = 2 * PG;
		if (process_vm_writev(kid, &l, 1, &rv, 1, 0) < 0)
			perror("workload: process_vm_writev");
	}
	(void)target;
	wl_finish(&kid, 1);
	close(fd);
	return 0;
}
