/* SPDX-License-Identifier: MIT */
/*
 * Growable arrays: the engine keeps many "n used of cap" arrays that
 * double when full. One place for the doubling, so every such array grows
 * the same way and fails the same way (nothing changed on -ENOMEM).
 */
#ifndef AVT_UTIL_MEM_H
#define AVT_UTIL_MEM_H

#include <stddef.h>

/*
 * Room for element n of *data, an array of *cap elements of elem_sz bytes:
 * when n == *cap the array doubles (first elements when empty). Returns 0,
 * or -ENOMEM with *data and *cap unchanged. Call as
 * avt_mem__grow((void **)&arr, &cap, n, sizeof(*arr), 8).
 */
int avt_mem__grow(void **data, size_t *cap, size_t n, size_t elem_sz, size_t first);

#endif
