// SPDX-License-Identifier: MIT
/*
 * Checks run before loading: each failure becomes one line naming the
 * cause (privilege, BTF, a missing tracepoint or iterator), instead of a
 * libbpf error code from deep inside the load.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "record/recorder.h"
#include "probe.skel.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return !!(d[cap / 32].effective & (1u << (cap % 32)));
}

/* libbpf says ESRCH ("No such process") when no file it tried parsed as BTF */
static const char *btf_error(int err)
{
	return err == -ESRCH ? "not valid BTF" : strerror(-err);
}

static int check_privileges(char *why, size_t len)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &hdr, d))
		return 0;	/* cannot tell: let the load decide */
	if (has_cap(d, CAP_SYS_ADMIN) || (has_cap(d, CAP_BPF) && has_cap(d, CAP_PERFMON)))
		return 0;
	snprintf(why, len, "need root (or CAP_BPF and CAP_PERFMON) to load BPF programs; "
		 "run as root");
	return -EPERM;
}

static const char *const tracepoints[] = {
	"sys_enter", "sys_exit", "sched_process_fork", "sched_process_exec",
	"sched_process_exit", "sched_process_free", "exit_mmap", "page_fault_user",
	"page_fault_kernel", "mmap_lock_released", "kmem_cache_alloc", "kmem_cache_free",
};

int record__preflight(bool need_alloc_tps, char *why, size_t len)
{
	struct btf *btf;
	char name[64];
	int err;

	err = check_privileges(why, len);
	if (err)
		return err;
	if (access(VMLINUX_BTF, R_OK)) {
		snprintf(why, len, "kernel BTF not found (%s: %s); avtrace record needs a kernel "
			 "built with CONFIG_DEBUG_INFO_BTF=y", VMLINUX_BTF, strerror(errno));
		return -ENOENT;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		err = -errno;
		snprintf(why, len, "cannot read kernel BTF from %s: %s", VMLINUX_BTF, btf_error(err));
		return err;
	}
	for (size_t i = 0; i < sizeof(tracepoints) / sizeof(tracepoints[0]); i++) {
		if (!need_alloc_tps && !strncmp(tracepoints[i], "kmem_", 5))
			continue;
		snprintf(name, sizeof(name), "btf_trace_%s", tracepoints[i]);
		if (btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) < 0) {
			snprintf(why, len, "tracepoint %s is not available on this kernel%s",
				 tracepoints[i], !strncmp(tracepoints[i], "page_fault", 10) ?
				 " (x86-only exceptions tracepoint)" : "");
			err = -ENOENT;
			goto out;
		}
	}
	if (btf__find_by_name_kind(btf, "bpf_iter_task_vma", BTF_KIND_FUNC) < 0) {
		snprintf(why, len, "the task_vma BPF iterator is not available on this kernel "
			 "(needs Linux >= 5.12 with CONFIG_BPF_SYSCALL)");
		err = -ENOENT;
		goto out;
	}
	/* the open-coded iterator is checked by record__has_task_vma_kfunc:
	 * without it the recorder falls back to /proc (--snapshot-source) */
	err = 0;
out:
	btf__free(btf);
	return err;
}

int record__has_task_vma_kfunc(char *why, size_t len)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int ret;

	if (!btf) {
		ret = -errno;
		snprintf(why, len, "cannot read kernel BTF from %s: %s", VMLINUX_BTF, btf_error(ret));
		return ret;
	}
	ret = btf__find_by_name_kind(btf, "bpf_iter_task_vma_new", BTF_KIND_FUNC) >= 0;
	if (!ret)
		snprintf(why, len, "kernel too old for the open-coded task_vma iterator "
			 "(no bpf_iter_task_vma_new in its BTF; Linux >= 6.7)");
	btf__free(btf);
	return ret;
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int record__probe(char *why, size_t len)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	struct probe_bpf *skel;
	int err;

	err = check_privileges(why, len);
	if (err)
		goto out;
	if (access(VMLINUX_BTF, R_OK)) {
		snprintf(why, len, "kernel BTF not found (%s)", VMLINUX_BTF);
		err = -ENOENT;
		goto out;
	}
	skel = probe_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		snprintf(why, len, "a trivial tp_btf program does not load: %s", err == -ESRCH ?
			 "no valid kernel BTF (" VMLINUX_BTF ")" : strerror(-err));
		goto out;
	}
	err = probe_bpf__attach(skel);
	if (err)
		snprintf(why, len, "a trivial tp_btf program does not attach: %s", strerror(-err));
	probe_bpf__destroy(skel);
out:
	libbpf_set_print(old);
	return err;
}
