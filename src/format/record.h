/* SPDX-License-Identifier: MIT */
/* Encode/decode one record (header + body) of the binary format v1. */
#ifndef AVT_FORMAT_RECORD_H
#define AVT_FORMAT_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "avtrace/event.h"

/*
 * Bytes ev takes on disk, or a negative errno when it cannot be encoded
 * (-EINVAL: bad type or field, -E2BIG: unknown body too large).
 */
long avt_record__size(const struct avt_event *ev);

/* Encode ev at buf, which has room for avt_record__size(ev) bytes.
 * Returns the bytes written. Call only after avt_record__size() > 0. */
size_t avt_record__encode(const struct avt_event *ev, uint8_t *buf);

/*
 * Decode the record at rec of exactly size bytes (framing already checked:
 * size >= AVT_RH_SIZE_V1). Unknown types decode as AVT_EV_UNKNOWN pointing
 * into rec. Returns 0, or -EPROTO with *why set to a static reason when the
 * body is too short or a count is out of range.
 */
int avt_record__decode(const uint8_t *rec, uint32_t size, struct avt_event *ev,
		       const char **why);

/* The checks avt_record__decode() makes, without decoding: lets a reader
 * verify a whole chunk before handing out its first event. */
int avt_record__check(const uint8_t *rec, uint32_t size, const char **why);

#endif /* AVT_FORMAT_RECORD_H */
