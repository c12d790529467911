// SPDX-License-Identifier: MIT
/*
 * vfork/posix_spawn/fork + exec of a program with a bss, repeated, with the
 * parent's untouched writable memory exactly where the children's new
 * images take their first kernel-mode faults.
 *
 * Inside execve the child switches to its new mm (exec_mmap) before
 * sched_process_exec fires; loading the ELF then writes the new image's
 * memory from the kernel (padzero of the bss page, ld.so's data, the new
 * stack). Recorded before the exec event, those faults would be replayed on
 * the child's old mm: for vfork and posix_spawn, the parent's. To make that
 * visible, the children exec without address randomization (personality
 * ADDR_NO_RANDOMIZE, inherited over clone), so their images land at fixed
 * addresses, and the parent (randomized itself) maps untouched anonymous
 * read-write memory over those addresses: a misattributed fault would give
 * the parent's VMA an anon_vma the kernel never made.
 *
 * `spawnbss child` is the exec'd program: it only exits.
 */
#include <spawn.h>
#include <sys/personality.h>
#include "wl.h"

extern char **environ;

static char bss[3 * 4096];		/* a bss that starts mid-page (after data) */
static volatile int data_word = 42;	/* .data: the file-backed part ends mid-page */

/* Fixed addresses of a non-randomized x86-64 exec: ELF_ET_DYN_BASE (the PIE),
 * just below mmap_base (ld.so, vdso) and below STACK_TOP (the stack). */
static const struct { unsigned long start, len; } cover[] = {
	{ 0x555555554000UL, 64UL << 20 },
	{ 0x7ffff7e00000UL, 2UL << 20 },
	{ 0x7ffffff00000UL, 0x7ffffffff000UL - 0x7ffffff00000UL },
};

static int cover_map(void)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(cover) / sizeof(cover[0]); i++) {
		void *p = mmap((void *)cover[i].start, cover[i].len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE,
			       -1, 0);

		if (p == MAP_FAILED)	/* our own (random) layout is there: rare */
			fprintf(stderr, "spawnbss: cannot cover %#lx: %s\n", cover[i].start,
				strerror(errno));
		else
			n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	char self[4096];
	char *cargv[] = { "spawnbss", "child", NULL };
	ssize_t len;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "child"))
		return bss[data_word] + bss[sizeof(bss) - 1];
	wl_init();
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		wl_die("readlink /proc/self/exe");
	self[len] = 0;
	if (cover_map() == 0)
		wl_die("cover");
	/* for the children only: takes effect at their exec */
	if (personality(ADDR_NO_RANDOMIZE | personality(0xffffffff)) < 0)
		wl_die("personality");
	for (int i = 0; i < 3; i++) {
		pid = vfork();
		if (pid < 0)
			wl_die("vfork");
		if (pid == 0) {
			execv(self, cargv);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
		if (posix_spawn(&pid, self, NULL, NULL, cargv, environ) == 0)
			waitpid(pid, NULL, 0);
		pid = fork();
		if (pid < 0)
			wl_die("fork");
		if (pid == 0) {
			execv(self, cargv);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	wl_finish(NULL, 0);
	return 0;
}
