// SPDX-License-Identifier: MIT
/*
 * --state: the simulated state of every live process, sorted by (pid,
 * start), one VMA per line. Object ids are canonical within one state
 * (a1, a2, ... by first appearance), so two runs compare textually.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "engine/internal.h"

struct idmap {
	const void **keys;
	uint32_t *ids;
	size_t cap, n;
};

static uint32_t idmap_get(struct idmap *m, const void *k)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 64;
		const void **nk = calloc(nc, sizeof(*nk));
		uint32_t *ni = calloc(nc, sizeof(*ni));

		if (!nk || !ni) {
			free(nk);
			free(ni);
			return 0;
		}
		for (i = 0; i < m->cap; i++) {
			size_t j;

			if (!m->keys[i])
				continue;
			for (j = ((uintptr_t)m->keys[i] >> 4) * 0x9e3779b97f4a7c15ULL >> 40 & (nc - 1);
			     nk[j]; j = (j + 1) & (nc - 1))
				;
			nk[j] = m->keys[i];
			ni[j] = m->ids[i];
		}
		free(m->keys);
		free(m->ids);
		m->keys = nk;
		m->ids = ni;
		m->cap = nc;
	}
	for (i = ((uintptr_t)k >> 4) * 0x9e3779b97f4a7c15ULL >> 40 & (m->cap - 1); m->keys[i];
	     i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k)
			return m->ids[i];
	m->keys[i] = k;
	m->ids[i] = (uint32_t)++m->n;
	return m->ids[i];
}

static void put_id(FILE *out, const char *key, struct idmap *m, const void *p)
{
	if (!p)
		fprintf(out, " %s=-", key);
	else
		fprintf(out, " %s=a%u", key, idmap_get(m, p));
}

static int cmp_proc(const void *a, const void *b)
{
	const struct avt_proc *x = *(const struct avt_proc *const *)a;
	const struct avt_proc *y = *(const struct avt_proc *const *)b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int avt_state__write(struct avt_engine *e, FILE *out)
{
	struct avt_proc **live = NULL;
	struct idmap ids = { 0 };
	size_t n = 0;

	for (size_t i = 0; i < e->nr_procs; i++)
		if (e->procs[i]->live && e->procs[i]->mm)
			n++;
	if (n) {
		live = malloc(n * sizeof(*live));
		if (!live)
			return -ENOMEM;
	}
	n = 0;
	for (size_t i = 0; i < e->nr_procs; i++)
		if (e->procs[i]->live && e->procs[i]->mm)
			live[n++] = e->procs[i];
	if (n)
		qsort(live, n, sizeof(*live), cmp_proc);
	for (size_t i = 0; i < n; i++) {
		struct avt_vma *v;

		avt_for_each_vma(live[i]->mm, v) {
			struct avt_vma_state st;

			e->scheme.ops->vma_state(&e->scheme, v, &st);
			fprintf(out, "%u %" PRIx64 "-%" PRIx64 " flags=%" PRIx64 " pgoff=%" PRIx64
				" dev=%" PRIx64 ":%" PRIx64 " ino=%" PRIu64,
				live[i]->pid, v->start, v->end, v->flags, v->pgoff,
				v->dev >> 20, v->dev & 0xfffff, v->ino);
			put_id(out, "av", &ids, st.av);
			put_id(out, "root", &ids, st.root);
			put_id(out, "parent", &ids, st.parent);
			fprintf(out, " children=%u active=%u avcs=%u\n", st.children, st.active,
				st.avcs);
		}
	}
	free(live);
	free(ids.keys);
	free(ids.ids);
	return ferror(out) ? -EIO : 0;
}
