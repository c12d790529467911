/* SPDX-License-Identifier: MIT */
/*
 * A small u64 -> u64 hash map with deletion (open addressing, tombstones),
 * for the verifier's id bijection, pid table and id sets. Key 0 is not
 * allowed (callers never need it: ids and pids of interest are non-zero).
 */
#ifndef AVT_ENGINE_VERIFY_MAP_H
#define AVT_ENGINE_VERIFY_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmap {
	uint64_t *keys, *vals;
	uint8_t *used;		/* 0 empty, 1 live, 2 deleted */
	size_t cap, n, dead;
};

bool vmap__get(const struct vmap *m, uint64_t k, uint64_t *v);
int vmap__put(struct vmap *m, uint64_t k, uint64_t v);
void vmap__del(struct vmap *m, uint64_t k);
void vmap__fini(struct vmap *m);

#endif
