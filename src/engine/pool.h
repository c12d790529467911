/* SPDX-License-Identifier: MIT */
/*
 * Slab-like object pools: fixed-size objects carved from 64 KiB blocks and
 * recycled through a free list, so steady-state replay does no malloc.
 * Objects are zeroed on allocation.
 */
#ifndef AVT_ENGINE_POOL_H
#define AVT_ENGINE_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct avt_pool {
	size_t obj_size;
	void *free;		/* singly linked through the first word */
	void **blocks;
	size_t nr_blocks, cap_blocks;
	char *cur;		/* bump pointer in the newest block */
	size_t cur_left;	/* objects left there */
	uint64_t live;
};

void avt_pool__init(struct avt_pool *p, size_t obj_size);
void avt_pool__fini(struct avt_pool *p);
/* An object off the bump pointer (a new block when needed), not zeroed;
 * NULL on ENOMEM. */
void *avt_pool__carve(struct avt_pool *p);

/* An object, not zeroed; NULL on ENOMEM. */
static inline void *avt_pool__get(struct avt_pool *p)
{
	void *o = p->free;

	if (o)
		p->free = *(void **)o;
	else if (!(o = avt_pool__carve(p)))
		return NULL;
	p->live++;
	return o;
}

/* A zeroed object; NULL on ENOMEM. Inline: the engine allocates a VMA,
 * AVCs, an AV and a page-table leaf per VMA a fork copies. */
static inline void *avt_pool__alloc(struct avt_pool *p)
{
	void *o = avt_pool__get(p);

	if (o)
		memset(o, 0, p->obj_size);
	return o;
}

/* avt_pool__alloc for a pool of objects of sz bytes, sz a constant
 * (sizeof): the zeroing is a few inline stores, not a memset call. The
 * bytes past sz up to obj_size are padding nobody reads. */
#define avt_pool__alloc_sz(p, sz) ({					\
	void *o_ = avt_pool__get(p);					\
									\
	if (o_)								\
		memset(o_, 0, (sz));					\
	o_;								\
})

static inline void avt_pool__free(struct avt_pool *p, void *obj)
{
	if (!obj)
		return;
	*(void **)obj = p->free;
	p->free = obj;
	p->live--;
}

#endif
