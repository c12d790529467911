// SPDX-License-Identifier: MIT
/*
 * Mappings whose flags a driver's ->mmap sets or clears, which do_mmap
 * cannot tell from the arguments (the recorder reads them back, sys_exit):
 *   - a perf_event ring buffer of our own (software dummy event):
 *     perf_mmap adds VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP, so a fork
 *     does not copy it and mremap cannot grow it;
 *   - a BPF array map with BPF_F_MMAPABLE, mapped read-write and read-only:
 *     bpf_map_mmap drops VM_MAYEXEC (and VM_MAYWRITE when not writable),
 *     remap_vmalloc_range adds VM_DONTEXPAND | VM_DONTDUMP;
 *   - a BPF ring buffer map: the consumer page read-write, the producer
 *     pages read-only (VM_MIXEDMAP, no VM_MAYWRITE): the mapping another
 *     recorder's ring makes in a system-wide recording;
 *   - /dev/zero private (made anonymous, flags unchanged, faulted) and
 *     shared (a shmem file).
 * Then mlock over a special VMA (mlock_fixup leaves VM_SPECIAL alone),
 * mprotect of a special VMA (never merged), a failing mremap grow of the
 * perf buffer, and a fork: the child has no perf buffer. A piece that the
 * machine refuses (no perf events, no BPF) is skipped with a message.
 */
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include "wl.h"

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static void perf_ring(void)
{
	struct perf_event_attr pa = {
		.type = PERF_TYPE_SOFTWARE, .size = sizeof(pa),
		.config = PERF_COUNT_SW_DUMMY, .disabled = 1,
	};
	long fd = syscall(SYS_perf_event_open, &pa, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	void *p;

	if (fd < 0) {
		fprintf(stderr, "workload: perf_event_open unavailable (%s): skipped\n", strerror(errno));
		return;
	}
	/* 1 + 2^n pages */
	p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	if (p == MAP_FAILED)
		wl_die("mmap perf");
	/* VM_DONTEXPAND: growing in place or by moving fails (EFAULT) */
	if (mremap(p, 3 * PG, 5 * PG, MREMAP_MAYMOVE) != MAP_FAILED)
		fprintf(stderr, "workload: mremap grew a perf buffer?\n");
}

static void bpf_maps(void)
{
	union bpf_attr a;
	char *rw, *ro, *cons, *prod;
	int arr, rb;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1024;		/* 2 pages */
	a.map_flags = BPF_F_MMAPABLE;
	arr = (int)sys_bpf(BPF_MAP_CREATE, &a);
	if (arr < 0) {
		fprintf(stderr, "workload: bpf map unavailable (%s): skipped\n", strerror(errno));
		return;
	}
	rw = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, arr, 0);
	ro = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, arr, 0);
	if (rw == MAP_FAILED || ro == MAP_FAILED)
		wl_die("mmap bpf array");
	rw[0] = 1;
	/* mlock_fixup: a VM_SPECIAL VMA keeps its flags (no VM_LOCKED) */
	if (mlock(rw, 2 * PG))
		fprintf(stderr, "workload: mlock: %s\n", strerror(errno));
	/* mprotect of a special VMA: flags in place, never merged */
	if (mprotect(rw, PG, PROT_READ))
		wl_die("mprotect bpf array");

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_RINGBUF;
	a.max_entries = 4 * PG;
	rb = (int)sys_bpf(BPF_MAP_CREATE, &a);
	if (rb < 0) {
		fprintf(stderr, "workload: bpf ringbuf unavailable (%s): skipped\n", strerror(errno));
		return;
	}
	/* as libbpf's ring_buffer__add: consumer page rw, producer pages ro */
	cons = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, rb, 0);
	prod = mmap(NULL, PG + 2 * 4 * PG, PROT_READ, MAP_SHARED, rb, PG);
	if (cons == MAP_FAILED || prod == MAP_FAILED)
		wl_die("mmap bpf ringbuf");
}

static void dev_zero(void)
{
	int fd = open("/dev/zero", O_RDWR | O_CLOEXEC);
	char *priv, *shr;

	if (fd < 0)
		wl_die("open /dev/zero");
	priv = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	shr = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (priv == MAP_FAILED || shr == MAP_FAILED)
		wl_die("mmap /dev/zero");
	wl_touch(priv, 2 * PG);
	wl_touch(shr, PG);
	if (mprotect(priv + PG, PG, PROT_READ))
		wl_die("mprotect /dev/zero");
	close(fd);
}

int main(void)
{
	pid_t kid;

	wl_init();
	perf_ring();
	bpf_maps();
	dev_zero();
	kid = fork();
	if (kid < 0)
		wl_die("fork");
	if (kid == 0) {
		char *p = wl_map(2 * PG);

		wl_touch(p, 2 * PG);
		wl_wait();
		_exit(0);
	}
	wl_finish(&kid, 1);
	return 0;
}
