// SPDX-License-Identifier: MIT
/* u64 -> u64 map for the verifier (see verify_map.h). */
#include <errno.h>
#include <stdlib.h>
#include "engine/verify_map.h"

static size_t slot0(uint64_t k, size_t cap)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

static long find(const struct vmap *m, uint64_t k)
{
	if (!m->cap)
		return -1;
	for (size_t i = slot0(k, m->cap), n = 0; n < m->cap; i = (i + 1) & (m->cap - 1), n++) {
		if (!m->used[i])
			return -1;
		if (m->used[i] == 1 && m->keys[i] == k)
			return (long)i;
	}
	return -1;
}

bool vmap__get(const struct vmap *m, uint64_t k, uint64_t *v)
{
	long i = find(m, k);

	if (i < 0)
		return false;
	if (v)
		*v = m->vals[i];
	return true;
}

static int grow(struct vmap *m)
{
	size_t nc = m->cap ? m->cap * 2 : 256;
	struct vmap o = *m;

	if (m->cap && (m->n + 1) * 4 <= m->cap)	/* mostly tombstones: same size */
		nc = m->cap;
	m->keys = calloc(nc, sizeof(*m->keys));
	m->vals = calloc(nc, sizeof(*m->vals));
	m->used = calloc(nc, 1);
	if (!m->keys || !m->vals || !m->used) {
		free(m->keys);
		free(m->vals);
		free(m->used);
		*m = o;
		return -ENOMEM;
	}
	m->cap = nc;
	m->n = m->dead = 0;
	for (size_t i = 0; i < o.cap; i++)
		if (o.used[i] == 1)
			vmap__put(m, o.keys[i], o.vals[i]);
	free(o.keys);
	free(o.vals);
	free(o.used);
	return 0;
}

int vmap__put(struct vmap *m, uint64_t k, uint64_t v)
{
	long f = find(m, k);
	size_t i;

	if (f >= 0) {
		m->vals[f] = v;
		return 0;
	}
	if ((m->n + m->dead + 1) * 2 > m->cap) {
		int err = grow(m);

		if (err)
			return err;
	}
	for (i = slot0(k, m->cap); m->used[i] == 1; i = (i + 1) & (m->cap - 1))
		;
	if (m->used[i] == 2)
		m->dead--;
	m->used[i] = 1;
	m->keys[i] = k;
	m->vals[i] = v;
	m->n++;
	return 0;
}

void vmap__del(struct vmap *m, uint64_t k)
{
	long i = find(m, k);

	if (i < 0)
		return;
	m->used[i] = 2;
	m->n--;
	m->dead++;
}

void vmap__fini(struct vmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	m->keys = m->vals = NULL;
	m->used = NULL;
	m->cap = m->n = m->dead = 0;
}
