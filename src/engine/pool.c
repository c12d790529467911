// SPDX-License-Identifier: MIT
/* Slab-like pools for VMAs, folios and scheme objects. */
#include <stdlib.h>
#include <string.h>
#include "engine/pool.h"

#define POOL_BLOCK_BYTES (64 * 1024)

void avt_pool__init(struct avt_pool *p, size_t obj_size)
{
	memset(p, 0, sizeof(*p));
	if (obj_size < sizeof(void *))
		obj_size = sizeof(void *);
	p->obj_size = (obj_size + 15) & ~(size_t)15;
}

void avt_pool__fini(struct avt_pool *p)
{
	for (size_t i = 0; i < p->nr_blocks; i++)
		free(p->blocks[i]);
	free(p->blocks);
	memset(p, 0, sizeof(*p));
}

void *avt_pool__carve(struct avt_pool *p)
{
	void *o;

	if (!p->cur_left) {
		size_t n = POOL_BLOCK_BYTES / p->obj_size;
		char *b;

		if (n < 16)
			n = 16;
		if (p->nr_blocks == p->cap_blocks) {
			size_t nc = p->cap_blocks ? 2 * p->cap_blocks : 16;
			void **nb = realloc(p->blocks, nc * sizeof(*nb));

			if (!nb)
				return NULL;
			p->blocks = nb;
			p->cap_blocks = nc;
		}
		b = malloc(n * p->obj_size);
		if (!b)
			return NULL;
		p->blocks[p->nr_blocks++] = b;
		p->cur = b;
		p->cur_left = n;
	}
	o = p->cur;
	p->cur += p->obj_size;
	p->cur_left--;
	return o;
}
