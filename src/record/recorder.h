/* SPDX-License-Identifier: MIT */
/*
 * The recorder's driver (user-space half of `avtrace record`): loads
 * bpf/record.bpf.c, picks targets, consumes the ring buffer and writes
 * struct avt_event records with avt_writer. src/cli/cmd_record.c parses
 * options into struct record_opts and calls record__run().
 */
#ifndef AVT_RECORD_RECORDER_H
#define AVT_RECORD_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct record_opts {
	const char *output;		/* trace file, default "avtrace.avt" */
	char **cmd_argv;		/* -- CMD ARGS (NULL-terminated), or NULL */
	pid_t *pids;			/* -p */
	size_t nr_pids;
	const char *cgroup;		/* -c */
	bool all;			/* -a */
	double duration;		/* -d seconds, 0 = until stopped */
	double checkpoint_every;	/* seconds, 0 = never */
	uint64_t ring_size;		/* bytes, power of two */
	bool verbose;			/* -v: libbpf debug log */
	bool fault_filter;		/* default on */
	bool alloc;			/* allocation-truth events, default on */
	int status;			/* live status line: -1 auto (TTY), 0 off, 1 on */
	const char *cmdline;		/* the command line, for metadata */
	bool keep_exec_faults;		/* hidden, tests: do not drop the faults a
					 * task takes on its new mm inside execve */
	int snap_source;		/* enum record_snap_source */
};

/* --snapshot-source: where snapshots come from (procfs.c). */
enum record_snap_source {
	RECORD_SNAP_AUTO = 0,	/* iter if the kernel has the open-coded iterator */
	RECORD_SNAP_ITER,	/* BPF task_vma iterators (anon_vma truth) */
	RECORD_SNAP_PROCFS,	/* /proc/PID/smaps: no anon_vma facts, no exec/exit */
};

/* Run a recording. Returns an AVT_EXIT_* code (cli.h); prints its own errors. */
int record__run(const struct record_opts *o);

/*
 * Can this machine load a trivial tp_btf program? 0 if yes, else a negative
 * errno with a one-line reason in why. Used by `record --probe` and tests.
 */
int record__probe(char *why, size_t len);

/*
 * Checks before loading anything: privileges, kernel BTF, tracepoints, the
 * task_vma iterators. 0 or a negative errno with a one-line reason in why.
 */
int record__preflight(bool need_alloc_tps, char *why, size_t len);

/*
 * Does the kernel have the open-coded task_vma iterator (kfunc
 * bpf_iter_task_vma_new in its BTF, Linux >= 6.7)? 1 yes, 0 no (why says
 * so in one line), or a negative errno when BTF cannot be read.
 */
int record__has_task_vma_kfunc(char *why, size_t len);

#endif
