// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The smallest tp_btf program: `avtrace record --probe` loads it to tell
 * "this machine cannot load tracing BPF at all" (tests skip) from "avtrace's
 * own programs fail to load" (tests fail).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("tp_btf/sched_process_exit")
int BPF_PROG(probe_exit, struct task_struct *p, bool group_dead)
{
	return 0;
}
