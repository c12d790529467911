// SPDX-License-Identifier: MIT
/*
 * avt_meta__probe_host(): the facts about this machine a replay needs to
 * interpret a trace (kernel, clock, and the settings the engine's rules
 * depend on). Each probe that cannot read its source stores "unknown" (or
 * "absent" for a feature whose sysfs directory does not exist) so a trace
 * always says what was known at record time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "avtrace/trace.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

/* First line of a small file, trailing whitespace stripped. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	return 0;
}

/* "always [madvise] never" -> "madvise"; a value without brackets is kept. */
static void selected_word(char *buf)
{
	char *l = strchr(buf, '['), *r;

	if (!l || !(r = strchr(l, ']')))
		return;
	*r = '\0';
	memmove(buf, l + 1, (size_t)(r - l));
}

static int set_file(struct avt_meta *m, uint16_t key, const char *path,
		    int bracketed, const char *missing)
{
	char buf[256];

	if (read_line(path, buf, sizeof(buf)))
		return avt_meta__set(m, key, missing);
	if (bracketed)
		selected_word(buf);
	return avt_meta__set(m, key, buf);
}

static int cmp_kb(const void *a, const void *b)
{
	unsigned long x = strtoul(*(char *const *)a + strlen("hugepages-"), NULL, 10);
	unsigned long y = strtoul(*(char *const *)b + strlen("hugepages-"), NULL, 10);

	return x < y ? -1 : x > y;
}

/* mTHP: "16kB:never,32kB:inherit,..." over hugepages-*kB/enabled, by size. */
static int probe_mthp(struct avt_meta *m)
{
	char *names[64], path[512], word[128], *out = NULL;
	size_t n = 0, len = 0;
	struct dirent *de;
	DIR *d = opendir(THP_DIR);
	int err = 0;

	if (!d)
		return avt_meta__set(m, AVT_KEY_MTHP, "absent");
	while ((de = readdir(d)) && n < sizeof(names) / sizeof(names[0])) {
		if (strncmp(de->d_name, "hugepages-", 10))
			continue;
		if (!(names[n] = strdup(de->d_name))) {
			err = -ENOMEM;
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(names[0]), cmp_kb);
	out = calloc(1, n * 160 + 1);
	if (!out) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int rerr;

		snprintf(path, sizeof(path), THP_DIR "/%s/enabled", names[i]);
		rerr = read_line(path, word, sizeof(word));
		if (rerr == -ENOENT)
			continue;	/* a shmem-only size (e.g. 8kB): no anon mTHP */
		if (rerr)
			snprintf(word, sizeof(word), "unknown");
		selected_word(word);
		len += (size_t)sprintf(out + len, "%s%s:%.100s", len ? "," : "",
				       names[i] + 10, word);
	}
	err = avt_meta__set(m, AVT_KEY_MTHP, len ? out : "none");
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(out);
	closedir(d);
	return err;
}

/* CONFIG_MEM_SOFT_DIRTY from /proc/config.gz; -1 when undecided. */
static int soft_dirty_config(void)
{
	gzFile gz = gzopen("/proc/config.gz", "rb");
	char line[256];
	int res = -1;

	if (!gz)
		return -1;
	while (gzgets(gz, line, sizeof(line))) {
		if (!strncmp(line, "CONFIG_MEM_SOFT_DIRTY=y", 23)) {
			res = 1;
			break;
		}
		if (!strncmp(line, "# CONFIG_MEM_SOFT_DIRTY is not set", 34)) {
			res = 0;
			break;
		}
	}
	gzclose(gz);
	return res;
}

/*
 * Without the config, use pagemap semantics: a freshly faulted anonymous
 * page of a new VMA reports bit 55 (soft-dirty) only when the kernel has
 * CONFIG_MEM_SOFT_DIRTY (VM_SOFTDIRTY is 0 and pte_soft_dirty() is false
 * otherwise). Flags are visible without privilege; only PFNs are hidden.
 */
static int soft_dirty_pagemap(void)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t ent = 0;
	int fd, res = -1;
	char *p;

	p = mmap(NULL, (size_t)psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	*(volatile char *)p = 1;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		off_t off = (off_t)((uintptr_t)p / (uintptr_t)psz * sizeof(ent));

		if (pread(fd, &ent, sizeof(ent), off) == (ssize_t)sizeof(ent) &&
		    (ent >> 63) & 1)	/* present: the answer is meaningful */
			res = (int)((ent >> 55) & 1);
		close(fd);
	}
	munmap(p, (size_t)psz);
	return res;
}

static int probe_soft_dirty(struct avt_meta *m)
{
	int res = soft_dirty_config();

	if (res < 0)
		res = soft_dirty_pagemap();
	return avt_meta__set(m, AVT_KEY_SOFT_DIRTY, res < 0 ? "unknown" : res ? "yes" : "no");
}

static int set_num(struct avt_meta *m, uint16_t key, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	return avt_meta__set(m, key, buf);
}

/* "2026-11-22T00:46:50.123456789Z monotonic=12345678901": a clock pair so
 * trace timestamps (CLOCK_MONOTONIC) can be placed in wall time. */
static int probe_start(struct avt_meta *m)
{
	struct timespec rt, mono;
	char buf[128], date[64];
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	gmtime_r(&rt.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, sizeof(buf), "%s.%09ldZ monotonic=%llu", date, rt.tv_nsec,
		 (unsigned long long)mono.tv_sec * 1000000000ull + (unsigned long long)mono.tv_nsec);
	return avt_meta__set(m, AVT_KEY_START_TIME, buf);
}

int avt_meta__probe_host(struct avt_meta *m)
{
	struct utsname u;
	int err = 0;

	if (uname(&u))
		return -errno;
	err = err ?: avt_meta__set(m, AVT_KEY_RELEASE, u.release);
	err = err ?: avt_meta__set(m, AVT_KEY_ARCH, u.machine);
	err = err ?: set_num(m, AVT_KEY_PAGE_SIZE, sysconf(_SC_PAGESIZE));
	err = err ?: set_num(m, AVT_KEY_NR_CPUS, sysconf(_SC_NPROCESSORS_CONF));
	err = err ?: avt_meta__set(m, AVT_KEY_HOSTNAME, u.nodename);
	err = err ?: set_file(m, AVT_KEY_BOOT_ID, "/proc/sys/kernel/random/boot_id", 0, "unknown");
	err = err ?: avt_meta__set(m, AVT_KEY_CLOCK, "CLOCK_MONOTONIC");
	err = err ?: probe_start(m);
	err = err ?: set_file(m, AVT_KEY_THP, THP_DIR "/enabled", 1, "absent");
	err = err ?: set_file(m, AVT_KEY_THP_DEFRAG, THP_DIR "/defrag", 1, "absent");
	err = err ?: set_file(m, AVT_KEY_THP_ZERO_PAGE, THP_DIR "/use_zero_page", 0, "absent");
	err = err ?: probe_mthp(m);
	err = err ?: set_file(m, AVT_KEY_OVERCOMMIT, "/proc/sys/vm/overcommit_memory", 0, "unknown");
	err = err ?: set_file(m, AVT_KEY_MAX_MAP_COUNT, "/proc/sys/vm/max_map_count", 0, "unknown");
	err = err ?: set_file(m, AVT_KEY_KSM, "/sys/kernel/mm/ksm/run", 0, "absent");
	err = err ?: probe_soft_dirty(m);
	return err;
}
