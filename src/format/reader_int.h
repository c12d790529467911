/* SPDX-License-Identifier: MIT */
/*
 * Reader internals shared by the binary reader (reader.c) and the text
 * backend (reader_text.c), plus reader queries not (yet) in the public
 * contract that `avtrace info` uses.
 */
#ifndef AVT_FORMAT_READER_INT_H
#define AVT_FORMAT_READER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "avtrace/trace.h"

/* ---- extensions to include/avtrace/trace.h (used by avtrace info) ------ */
struct avt_reader_format {
	unsigned major, minor;		/* 0.0 for the text form */
	uint32_t header_len, flags;	/* binary only */
	uint64_t footer_events;		/* from the trailer, when has_footer */
	uint32_t footer_chunks;
};
void avt_reader__format(const struct avt_reader *r, struct avt_reader_format *fmt);

/*
 * After reading stopped at a damaged chunk (CRC or corrupt) of a regular
 * binary file: scan the rest of the file for chunk magics and count the
 * chunks whose header and payload CRCs hold. Informational only (reading
 * never resumes past damage); afterwards avt_reader__next() returns 0.
 */
struct avt_reader_beyond {
	uint64_t chunks, records;	/* intact chunks found after the damage */
	uint64_t first_offset;		/* file offset of the first of them */
};
int avt_reader__scan_beyond(struct avt_reader *r, struct avt_reader_beyond *b);

/* ---- text backend (reader_text.c) --------------------------------------- */
struct avt_text_src;
/*
 * Read a text trace from f, whose first plen bytes (already consumed by
 * format detection) are prefix. Reads the leading `meta` lines into meta.
 * Returns NULL with errno set and a reason in why.
 */
struct avt_text_src *avt_text_src__open(FILE *f, const uint8_t *prefix, size_t plen,
					struct avt_meta *meta, struct avt_read_status *st,
					char *why, size_t why_len);
/* Same contract as avt_reader__next(). */
int avt_text_src__next(struct avt_text_src *t, struct avt_event *ev,
		       struct avt_meta *meta, struct avt_read_status *st);
void avt_text_src__free(struct avt_text_src *t);

#endif /* AVT_FORMAT_READER_INT_H */
