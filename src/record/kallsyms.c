// SPDX-License-Identifier: MIT
/*
 * Resolve the rmap functions that allocate and free anon_vma and
 * anon_vma_chain objects to [start, end) ranges: start from /proc/kallsyms,
 * end = the next text symbol's address.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "record/kallsyms.h"

static const struct {
	const char *name;
	uint32_t site;
} site_funcs[] = {
	{ "__anon_vma_prepare", AVT_SITE_PREPARE },
	{ "anon_vma_clone",     AVT_SITE_CLONE },
	{ "anon_vma_fork",      AVT_SITE_FORK },
	{ "unlink_anon_vmas",   AVT_SITE_UNLINK },
	{ "__put_anon_vma",     AVT_SITE_PUT },
};
#define NR_FUNCS (sizeof(site_funcs) / sizeof(site_funcs[0]))

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int kallsyms__alloc_sites(struct rec_site *sites, size_t max)
{
	uint64_t *addrs = NULL, found[NR_FUNCS] = {};
	size_t n = 0, cap = 0, nr = 0;
	char line[512], name[256], type;
	unsigned long long addr;
	int err = 0, nonzero = 0;
	FILE *f;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (type != 't' && type != 'T')
			continue;
		if (addr)
			nonzero = 1;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			uint64_t *na = realloc(addrs, ncap * sizeof(*na));

			if (!na) {
				err = -ENOMEM;
				goto out;
			}
			addrs = na;
			cap = ncap;
		}
		addrs[n++] = addr;
		/* module symbols carry a [module] suffix; ours are in vmlinux */
		for (size_t i = 0; i < NR_FUNCS; i++)
			if (!found[i] && !strcmp(name, site_funcs[i].name))
				found[i] = addr;
	}
	if (!nonzero) {
		err = -EPERM;	/* kptr_restrict: all addresses read as 0 */
		goto out;
	}
	qsort(addrs, n, sizeof(*addrs), cmp_u64);
	for (size_t i = 0; i < NR_FUNCS && nr < max; i++) {
		size_t lo = 0, hi = n;

		if (!found[i])
			continue;
		/* first address greater than the function's start */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (addrs[mid] <= found[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		sites[nr].start = found[i];
		sites[nr].end = lo < n ? addrs[lo] : found[i] + 4096;
		sites[nr].site = site_funcs[i].site;
		sites[nr].pad = 0;
		nr++;
	}
	err = (int)nr;
out:
	free(addrs);
	fclose(f);
	return err;
}
