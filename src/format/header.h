/* SPDX-License-Identifier: MIT */
/* File header and metadata block of the binary format v1. */
#ifndef AVT_FORMAT_HEADER_H
#define AVT_FORMAT_HEADER_H

#include <stddef.h>
#include <stdint.h>
#include "avtrace/trace.h"

/* File header + metadata block in one malloc'd buffer (*buf, *len). */
int avt_header__encode(const struct avt_meta *m, uint8_t **buf, size_t *len);

/*
 * Decode count metadata entries from ents[0..len) into m, appending.
 * Unknown keys are kept and counted in *unknown. Returns 0 or -EPROTO with
 * a reason in why.
 */
int avt_meta__decode(struct avt_meta *m, const uint8_t *ents, size_t len,
		     uint32_t count, uint64_t *unknown, char *why, size_t why_len);

#endif /* AVT_FORMAT_HEADER_H */
