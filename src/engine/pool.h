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

/* 16 zero bytes; objects are 16-aligned (obj_size is a multiple of 16,
 * blocks come from malloc) */
typedef long long avt_pool_v16 __attribute__((vector_size(16), may_alias));

/* Zero the sz bytes at o (sz a constant) with 16-byte stores: inline, and
 * not the `rep stos` gcc emits for a constant-size memset of this size,
 * whose start-up costs more than the stores on this machine. */
static inline __attribute__((always_inline)) void avt_pool__zero(void *o, size_t sz)
{
	avt_pool_v16 *v = o, z = { 0, 0 };
	size_t n = (sz + 15) / 16;

	/* straight-line, not a loop: gcc turns a zeroing loop back into
	 * memset (and that into `rep stos`); n is a constant, the ifs fold */
#define AVT_POOL_Z(i) if ((i) < n) v[i] = z
	AVT_POOL_Z(0); AVT_POOL_Z(1); AVT_POOL_Z(2); AVT_POOL_Z(3);
	AVT_POOL_Z(4); AVT_POOL_Z(5); AVT_POOL_Z(6); AVT_POOL_Z(7);
	AVT_POOL_Z(8); AVT_POOL_Z(9); AVT_POOL_Z(10); AVT_POOL_Z(11);
	AVT_POOL_Z(12); AVT_POOL_Z(13); AVT_POOL_Z(14); AVT_POOL_Z(15);
#undef AVT_POOL_Z
	if (n > 16)
		memset(v + 16, 0, (n - 16) * 16);
}

/* avt_pool__alloc for a pool of objects of sz bytes, sz a constant
 * (sizeof): the zeroing is a few inline stores, not a memset call. Up to
 * 15 bytes past sz (still the object's slot: obj_size is sz rounded up to
 * 16) are zeroed too. */
#define avt_pool__alloc_sz(p, sz) ({					\
	void *o_ = avt_pool__get(p);					\
									\
	if (o_)								\
		avt_pool__zero(o_, (sz));				\
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
