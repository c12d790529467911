/* SPDX-License-Identifier: MIT */
/*
 * Opaque ids for kernel pointers. BPF hands raw anon_vma/AVC addresses to
 * the driver; they are mixed with a per-recording random key (SipHash-2-4)
 * before anything is written, so a trace never discloses a kernel address
 * and ids from two recordings cannot be correlated. 0 stays 0 ("none").
 */
#ifndef AVT_RECORD_IDHASH_H
#define AVT_RECORD_IDHASH_H

#include <stdint.h>

struct idhash {
	uint64_t k0, k1;
};

/* Fill the key from getrandom(2). Returns 0 or a negative errno. */
int idhash__init(struct idhash *h);
/* Keyed id of a kernel pointer; never 0 for a non-NULL pointer. */
uint64_t idhash__id(const struct idhash *h, uint64_t ptr);

#endif
