// SPDX-License-Identifier: MIT
/* Growable arrays (util/mem.h). */
#include <errno.h>
#include <stdlib.h>
#include "util/mem.h"

int avt_mem__grow(void **data, size_t *cap, size_t n, size_t elem_sz, size_t first)
{
	size_t nc;
	void *nb;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : first;
	nb = realloc(*data, nc * elem_sz);
	if (!nb)
		return -ENOMEM;
	*data = nb;
	*cap = nc;
	return 0;
}
