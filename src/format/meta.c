// SPDX-License-Identifier: MIT
/* struct avt_meta: an ordered list of (key, string) pairs, keys unique. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/trace.h"

void avt_meta__init(struct avt_meta *m)
{
	m->v = NULL;
	m->n = m->cap = 0;
}

void avt_meta__fini(struct avt_meta *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].value);
	free(m->v);
	avt_meta__init(m);
}

int avt_meta__set(struct avt_meta *m, uint16_t key, const char *value)
{
	char *copy;
	size_t i;

	if (!value)
		return -EINVAL;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	for (i = 0; i < m->n; i++) {
		if (m->v[i].key == key) {
			free(m->v[i].value);
			m->v[i].value = copy;
			return 0;
		}
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		struct avt_meta_entry *v = realloc(m->v, cap * sizeof(*v));

		if (!v) {
			free(copy);
			return -ENOMEM;
		}
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].key = key;
	m->v[m->n].value = copy;
	m->n++;
	return 0;
}

const char *avt_meta__get(const struct avt_meta *m, uint16_t key)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].key == key)
			return m->v[i].value;
	return NULL;
}
