// SPDX-License-Identifier: MIT
/* SipHash-2-4 of one 64-bit word under a per-recording key. */
#include <errno.h>
#include <sys/random.h>
#include "record/idhash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void sipround(uint64_t *v0, uint64_t *v1, uint64_t *v2, uint64_t *v3)
{
	*v0 += *v1; *v1 = ROTL(*v1, 13); *v1 ^= *v0; *v0 = ROTL(*v0, 32);
	*v2 += *v3; *v3 = ROTL(*v3, 16); *v3 ^= *v2;
	*v0 += *v3; *v3 = ROTL(*v3, 21); *v3 ^= *v0;
	*v2 += *v1; *v1 = ROTL(*v1, 17); *v1 ^= *v2; *v2 = ROTL(*v2, 32);
}

int idhash__init(struct idhash *h)
{
	uint64_t k[2];

	if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k))
		return -errno ? -errno : -EIO;
	h->k0 = k[0];
	h->k1 = k[1];
	return 0;
}

uint64_t idhash__id(const struct idhash *h, uint64_t m)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ h->k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ h->k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ h->k0;
	uint64_t v3 = 0x7465646279746573ULL ^ h->k1;
	uint64_t b = 8ULL << 56, r;

	if (!m)
		return 0;
	v3 ^= m;
	sipround(&v0, &v1, &v2, &v3);
	sipround(&v0, &v1, &v2, &v3);
	v0 ^= m;
	v3 ^= b;
	sipround(&v0, &v1, &v2, &v3);
	sipround(&v0, &v1, &v2, &v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sipround(&v0, &v1, &v2, &v3);
	r = v0 ^ v1 ^ v2 ^ v3;
	return r ? r : 1;	/* 0 means "none" in the format */
}
