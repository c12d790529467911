// SPDX-License-Identifier: MIT
/*
 * avtrace record, the driver: check the machine, load and attach the
 * programs of bpf/record.bpf.c, pick targets, take start snapshots, then
 * consume the ring buffer until told to stop (signal, -d, the command
 * exits, every -p target is gone), taking checkpoints on SIGUSR1 and
 * --checkpoint-every. On the way out: a final checkpoint while still
 * attached, detach, drain, stats, close the file.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpf/libbpf_version.h>
#include "../../bpf/record.h"
#include "cli/cli.h"
#include "record/kallsyms.h"
#include "record/recorder_int.h"
#include "record.skel.h"

static volatile sig_atomic_t exiting, want_checkpoint;
static bool verbose;

static void on_stop(int sig)
{
	(void)sig;
	exiting = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	want_checkpoint = 1;
}

/* caught, not ignored (SIG_IGN would outlive exec in the command): a
 * write past RLIMIT_FSIZE then fails with EFBIG, a write error like ENOSPC */
static void on_xfsz(int sig)
{
	(void)sig;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	if (!verbose)
		return 0;	/* failures are reported as one line by the caller */
	return vfprintf(stderr, fmt, ap);
}

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = 4096;

	while (p < v && p < (1ULL << 31))
		p <<= 1;
	return p;
}

static void join_cmdline(const struct record_opts *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s", o->cmdline ? o->cmdline : "avtrace record");
}

static int fill_meta(const struct record_opts *o, struct avt_meta *m, int nr_sites)
{
	char buf[4096];
	size_t off = 0;
	int err;

	err = avt_meta__probe_host(m);
	if (err)
		return err;
	snprintf(buf, sizeof(buf), "avtrace %s record (tp_btf, libbpf %d.%d)", AVT_VERSION,
		 LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION);
	err = avt_meta__set(m, AVT_KEY_RECORDER, buf);
	join_cmdline(o, buf, sizeof(buf));
	err = err ?: avt_meta__set(m, AVT_KEY_CMDLINE, buf);
	err = err ?: avt_meta__set(m, AVT_KEY_PROBES,
				   o->alloc && nr_sites > 0 ?
				   "tp_btf:sys_enter,sys_exit,sched_process_fork,sched_process_exec,"
				   "sched_process_exit,sched_process_free,exit_mmap,page_fault_user,"
				   "page_fault_kernel,mmap_lock_released,kmem_cache_alloc,"
				   "kmem_cache_free;iter:task_vma" :
				   "tp_btf:sys_enter,sys_exit,sched_process_fork,sched_process_exec,"
				   "sched_process_exit,sched_process_free,exit_mmap,page_fault_user,"
				   "page_fault_kernel,mmap_lock_released;iter:task_vma");
	if (o->all)
		off += snprintf(buf + off, sizeof(buf) - off, "target=all");
	else if (o->cgroup)
		off += snprintf(buf + off, sizeof(buf) - off, "target=cgroup:%s", o->cgroup);
	else if (o->nr_pids) {
		off += snprintf(buf + off, sizeof(buf) - off, "target=pid:");
		for (size_t i = 0; i < o->nr_pids && off < sizeof(buf) - 16; i++)
			off += snprintf(buf + off, sizeof(buf) - off, "%s%d", i ? "," : "", o->pids[i]);
	} else
		off += snprintf(buf + off, sizeof(buf) - off, "target=command");
	if (off < sizeof(buf))
		snprintf(buf + off, sizeof(buf) - off,
			 " descendants=followed fault-filter=%s exec-faults=%s alloc=%s%s",
			 o->fault_filter ? "first-touch" : "off",
			 o->keep_exec_faults ? "kept" : "dropped",
			 o->alloc && nr_sites > 0 ? "on" : "off",
			 o->alloc && nr_sites > 0 ? " exit-frees=recorded" : "");
	err = err ?: avt_meta__set(m, AVT_KEY_FILTERS, buf);
	return err;
}

static void status_line(struct recorder *r, double elapsed, uint64_t rate, bool final)
{
	int procs = targets__count(r);

	fprintf(stderr, "%savtrace record: %.0fs  %llu events (%llu/s)  %llu dropped  "
		"%llu faults filtered  %d processes%s",
		final ? "" : "\r", elapsed, (unsigned long long)r->events,
		(unsigned long long)rate, (unsigned long long)r->drops,
		(unsigned long long)r->filtered, procs < 0 ? 0 : procs, final ? "\n" : "  ");
}

static int start_snapshots(struct recorder *r)
{
	const struct record_opts *o = r->o;
	pid_t *v = NULL;
	int n = 0, adopted = 0;

	if (o->all)
		n = targets__all_procs(&v);
	else if (o->cgroup)
		n = targets__cgroup_procs(o->cgroup, &v);
	else if (o->nr_pids) {
		v = malloc(o->nr_pids * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, o->pids, o->nr_pids * sizeof(*v));
		n = (int)o->nr_pids;
	}
	if (n < 0)
		return n;
	r->collect_roots = !o->all;
	for (int i = 0; i < n; i++) {
		if (v[i] == getpid())
			continue;
		/* -a: the BPF side adds each process on its first event; add it
		 * here too so the snapshot's owner is known to be traced */
		targets__add(r, v[i]);
		snapshot__take(r, v[i], AVT_SNAP_START, 0);	/* -ESRCH: exited meanwhile */
		snapshot__retry_pending(r);	/* a busy one, before its descendants */
	}
	/* then the descendants that existed before we started (every target is
	 * in the map first, so none forked meanwhile is missed): snapshotted
	 * at start like the targets */
	if (!o->all) {
		size_t nn = (size_t)n;

		adopted = targets__adopt_descendants(r, &v, &nn);
		if (adopted < 0)
			avt_warn("cannot find the targets' descendants: %s", strerror(-adopted));
		for (size_t i = (size_t)n; i < nn; i++) {
			snapshot__take(r, v[i], AVT_SNAP_START, 0);
			snapshot__retry_pending(r);
		}
		n = (int)nn;
		if (adopted > 0 && o->verbose)
			fprintf(stderr, "avtrace record: %d existing descendant(s) of the targets "
				"followed and snapshotted\n", adopted);
	}
	r->collect_roots = false;
	/* -a traces everything: nothing is left to be passive */
	if (!o->all && n > 0) {
		int p = passive__snapshots(r, v, n);

		if (p > 0 && o->verbose)
			fprintf(stderr, "avtrace record: %d passive snapshot(s) of processes sharing "
				"anon_vma families with the targets\n", p);
	}
	free(v);
	return 0;
}

static double now_s(void)
{
	return recorder__now() / 1e9;
}

int record__run(const struct record_opts *o)
{
	struct recorder rec = { .o = o, .cg_fd = -1, .child = -1, .child_go_fd = -1,
				.child_err_fd = -1 };
	struct recorder *r = &rec;
	struct rec_site sites[REC_MAX_SITES] = {};
	struct avt_writer_opts wopts = { .sz = sizeof(wopts), .mode = 0600 };
	struct avt_meta meta;
	char why[512];
	int nr_sites = 0, err, ret = AVT_EXIT_FAIL, tty;
	double t_start, t_last_status, t_last_ckpt, t_last_stats, t_gone = 0;
	uint64_t ev_last = 0, written = 0;
	int cmd_status = 0;
	struct statfs cg_fs;

	verbose = o->verbose;
	avt_meta__init(&meta);
	/* first: a signal during the (slow) load must not kill us */
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGHUP, on_stop);
	signal(SIGUSR1, on_usr1);
	signal(SIGXFSZ, on_xfsz);
	libbpf_set_print(libbpf_print);

	err = record__preflight(o->alloc, why, sizeof(why));
	if (err) {
		avt_err("%s", why);
		goto cleanup;
	}
	err = procfs__choose(r, why, sizeof(why));	/* prints its own warning */
	if (err) {
		avt_err("%s", why);
		goto cleanup;
	}
	if (o->alloc) {
		nr_sites = kallsyms__alloc_sites(sites, REC_MAX_SITES);
		if (nr_sites <= 0)
			avt_warn("allocation events off: cannot resolve the rmap functions in "
				 "/proc/kallsyms (%s)", nr_sites < 0 ? strerror(-nr_sites) :
				 "not found");
	}
	if (o->cgroup) {
		r->cg_fd = open(o->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (r->cg_fd < 0) {
			avt_err("cannot open cgroup %s: %s", o->cgroup, strerror(errno));
			goto cleanup;
		}
		if (!fstatfs(r->cg_fd, &cg_fs) && cg_fs.f_type != 0x63677270) {	/* CGROUP2_SUPER_MAGIC */
			avt_err("cannot use cgroup %s: not a cgroup v2 directory", o->cgroup);
			goto cleanup;
		}
	}
	for (size_t i = 0; i < o->nr_pids; i++) {
		if (targets__check(o->pids[i], why, sizeof(why))) {
			avt_err("%s", why);
			goto cleanup;
		}
	}
	if (idhash__init(&r->ids)) {
		avt_err("cannot get random bytes for the id key: %s", strerror(errno));
		goto cleanup;
	}

	r->skel = record_bpf__open();
	if (!r->skel) {
		avt_err("cannot open the BPF object: %s", strerror(errno));
		goto cleanup;
	}
	r->skel->rodata->trace_all = o->all;
	r->skel->rodata->filter_cg = o->cgroup != NULL;
	r->skel->rodata->fault_filter = o->fault_filter;
	r->skel->rodata->drop_exec_faults = !o->keep_exec_faults;
	r->skel->rodata->record_alloc = o->alloc && nr_sites > 0;
	r->skel->rodata->self_tgid = getpid();
	r->skel->rodata->snap_kfunc = !r->procfs;
	if (inject__setup(r, why, sizeof(why))) {	/* test only */
		avt_err("%s", why);
		goto cleanup;
	}
	for (int i = 0; i < nr_sites; i++)
		memcpy((void *)&r->skel->rodata->sites[i], &sites[i], sizeof(sites[i]));
	r->skel->rodata->nr_sites = nr_sites > 0 ? nr_sites : 0;
	bpf_map__set_max_entries(r->skel->maps.events, (__u32)pow2_at_least(o->ring_size));
	/* wake up at a quarter full: 100 ms polls drain the rest */
	r->skel->rodata->wakeup_bytes = pow2_at_least(o->ring_size) / 4;
	if (!(o->alloc && nr_sites > 0)) {
		bpf_program__set_autoload(r->skel->progs.kmem_cache_alloc, false);
		bpf_program__set_autoload(r->skel->progs.kmem_cache_free, false);
	}
	err = record_bpf__load(r->skel);
	if (err) {
		avt_err("cannot load the BPF programs: %s%s", strerror(-err),
			o->verbose ? "" : " (run with -v for the verifier log)");
		goto cleanup;
	}
	if (r->cg_fd >= 0) {
		__u32 zero = 0;

		if (bpf_map__update_elem(r->skel->maps.cgroup_map, &zero, sizeof(zero), &r->cg_fd,
					 sizeof(r->cg_fd), BPF_ANY)) {
			avt_err("cannot use cgroup %s: %s (cgroup v2 directory expected)",
				o->cgroup, strerror(errno));
			goto cleanup;
		}
	}

	fill_meta(o, &meta, nr_sites);
	if (r->procfs) {	/* replay: snapshots without anon_vma facts */
		const char *f = avt_meta__get(&meta, AVT_KEY_FILTERS);

		snprintf(why, sizeof(why), "%s snapshots=procfs", f ? f : "");
		avt_meta__set(&meta, AVT_KEY_FILTERS, why);
	}
	r->w = avt_writer__open(o->output, &meta, &wopts);
	if (!r->w) {
		avt_err("cannot create %s: %s", o->output, strerror(errno));
		goto cleanup;
	}
	r->rb = ring_buffer__new(bpf_map__fd(r->skel->maps.events), recorder__on_record, r, NULL);
	if (!r->rb) {
		avt_err("cannot set up the ring buffer: %s", strerror(errno));
		goto cleanup;
	}

	if (o->cmd_argv) {
		err = targets__launch(r, o->cmd_argv);
		if (err) {
			avt_err("cannot start %s: %s", o->cmd_argv[0], strerror(-err));
			goto cleanup;
		}
		targets__add(r, r->child);
	}
	for (size_t i = 0; i < o->nr_pids; i++)
		targets__add(r, o->pids[i]);

	err = record_bpf__attach(r->skel);
	if (err) {
		avt_err("cannot attach the BPF programs: %s", strerror(-err));
		goto cleanup;
	}
	r->skel->bss->enabled = 1;	/* every program is in place */

	if (r->child > 0) {
		/* the child is a copy of us, parked before exec: snapshot it so
		 * the few calls it makes before exec have a base */
		targets__wait_parked(r);
		snapshot__take(r, r->child, AVT_SNAP_START, 0);
		err = targets__release(r);
		if (err) {
			avt_err("cannot run %s: %s", o->cmd_argv[0], strerror(-err));
			waitpid(r->child, NULL, 0);
			r->child = -1;
			goto cleanup;
		}
	}
	start_snapshots(r);

	tty = o->status < 0 ? isatty(STDERR_FILENO) && !o->verbose : o->status;
	t_start = t_last_status = t_last_ckpt = t_last_stats = now_s();
	inject__stall(r, &exiting);	/* test only: AVT_TEST_STALL_MS */
	while (!exiting) {
		double t;

		err = ring_buffer__poll(r->rb, 100);
		if (err < 0 && err != -EINTR) {
			avt_err("ring buffer: %s", strerror(-err));
			break;
		}
		/* records submitted without a wakeup (ring under wakeup_bytes)
		 * wake no poll: drain them now, or a busy exec snapshot would
		 * be seen, and retried, only at the next checkpoint or the end */
		ring_buffer__consume(r->rb);
		if (r->write_err)	/* disk full, I/O error: nothing more can be kept */
			break;
		snapshot__retry_pending(r);
		t = now_s();
		if (want_checkpoint || (o->checkpoint_every > 0 &&
					t - t_last_ckpt >= o->checkpoint_every)) {
			want_checkpoint = 0;
			t_last_ckpt = t;
			snapshot__checkpoint(r);
			t_last_stats = t;
		}
		if (t - t_last_stats >= 10) {
			stats__write(r, false);
			t_last_stats = t;
		}
		if (tty && t - t_last_status >= 1) {
			stats__read(r);
			status_line(r, t - t_start, (uint64_t)((r->events - ev_last) / (t - t_last_status)),
				    false);
			ev_last = r->events;
			t_last_status = t;
		}
		if (o->duration > 0 && t - t_start >= o->duration)
			break;
		if (r->child > 0) {
			int st;

			if (waitpid(r->child, &st, WNOHANG) == r->child) {
				r->child = -1;
				cmd_status = st;
				break;
			}
		}
		/* every -p target and its descendants exited: stop once their
		 * teardowns (exit_mmap's frees) are in, or a second later */
		if (o->nr_pids && targets__count(r) == 0) {
			if (t_gone == 0)
				t_gone = t;
			if (targets__count_all(r) == 0 || t - t_gone >= 1.0)
				break;
		}
	}

	/* final snapshot of what is still alive, while still attached */
	ring_buffer__consume(r->rb);
	snapshot__retry_pending(r);
	if (targets__count(r) > 0)
		snapshot__checkpoint(r);
	/* stop every program at once, then detach one by one */
	r->skel->bss->enabled = 0;
	record_bpf__detach(r->skel);
	ring_buffer__consume(r->rb);
	sysorder__finish(r);	/* calls whose sys_exit never came: at their place */
	stats__write(r, true);
	if (tty)
		fputc('\n', stderr);
	written = avt_writer__events(r->w);
	err = avt_writer__close(r->w);
	r->w = NULL;
	if (err || r->write_err) {
		avt_err("writing %s failed: %s", o->output, strerror(-(err ? err : r->write_err)));
		goto cleanup;
	}
	fprintf(stderr, "avtrace record: %llu events written to %s (%llu dropped, "
		"%llu faults filtered in kernel, %u checkpoints)\n",
		(unsigned long long)written, o->output, (unsigned long long)r->drops,
		(unsigned long long)r->filtered, r->checkpoints);
	if (o->verbose && r->skel->bss->exit_snaps_skipped)
		fprintf(stderr, "avtrace record: %llu exit snapshot(s) left to the checkpoint "
			"snapshot running at that moment\n",
			(unsigned long long)r->skel->bss->exit_snaps_skipped);
	if (o->verbose)
		fprintf(stderr, "avtrace record: %llu call(s) written where they released the mmap "
			"lock (%llu of them ahead of records that came before their sys_exit), "
			"%llu left at sys_exit (held too long)\n",
			(unsigned long long)r->sysorder.placed, (unsigned long long)r->sysorder.moved,
			(unsigned long long)r->sysorder.expired);
	if (r->procfs && r->skipped)
		fprintf(stderr, "avtrace record: %llu exec/exit snapshot(s) skipped (/proc source; "
			"counted per tgid as stats snap_skipped)\n", (unsigned long long)r->skipped);
	if (WIFEXITED(cmd_status) && WEXITSTATUS(cmd_status))
		fprintf(stderr, "avtrace record: %s exited with status %d\n", o->cmd_argv[0],
			WEXITSTATUS(cmd_status));
	else if (WIFSIGNALED(cmd_status))
		fprintf(stderr, "avtrace record: %s was killed by signal %d\n", o->cmd_argv[0],
			WTERMSIG(cmd_status));
	if (r->drops)
		avt_warn("%llu events lost: the ring buffer was full; raise --ring-size",
			 (unsigned long long)r->drops);
	ret = AVT_EXIT_OK;
cleanup:
	if (r->w)
		avt_writer__close(r->w);
	if (r->child > 0) {
		/* we are stopping early: the command must not outlive its recorder */
		if (r->child_go_fd >= 0)
			close(r->child_go_fd);
		kill(r->child, SIGTERM);
		waitpid(r->child, NULL, 0);
	}
	if (r->child_err_fd >= 0)
		close(r->child_err_fd);
	ring_buffer__free(r->rb);
	sysorder__free(r);
	record_bpf__destroy(r->skel);
	free(r->fails);
	free(r->skips);
	free(r->retry);
	passive__free(r);
	if (r->cg_fd >= 0)
		close(r->cg_fd);
	avt_meta__fini(&meta);
	return ret;
}
