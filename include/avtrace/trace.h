/* SPDX-License-Identifier: MIT */
/*
 * Trace files: metadata, writer and reader. The reader opens the binary
 * format (man/avtrace-format.5) and the text form (avtrace-script) alike,
 * so replay accepts either. No libbpf here; the binary form needs zlib.
 *
 * Conventions (libbpf style): constructors return NULL and set errno;
 * other functions return 0 or a negative errno; destructors accept NULL.
 */
#ifndef AVTRACE_TRACE_H
#define AVTRACE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "avtrace/event.h"

#define AVT_FORMAT_MAJOR 1
#define AVT_FORMAT_MINOR 0

/* ---- metadata: an ordered list of (key, string value) ---------------- */
struct avt_meta_entry {
	uint16_t key;		/* enum avt_key, or an unknown tag (kept) */
	char *value;		/* NUL-terminated, owned */
};

struct avt_meta {
	struct avt_meta_entry *v;
	size_t n, cap;
};

void avt_meta__init(struct avt_meta *m);
void avt_meta__fini(struct avt_meta *m);
/* Replace the value of key, or append it. */
int avt_meta__set(struct avt_meta *m, uint16_t key, const char *value);
/* NULL when absent. */
const char *avt_meta__get(const struct avt_meta *m, uint16_t key);
/* Fill the host facts the engine depends on from this machine (/proc, /sys). */
int avt_meta__probe_host(struct avt_meta *m);

/* ---- writer ----------------------------------------------------------- */
struct avt_writer_opts {
	size_t sz;		/* sizeof(struct avt_writer_opts) */
	int level;		/* zlib level, 0 = default (1) */
	size_t chunk_bytes;	/* raw bytes per chunk, 0 = default (256 KiB) */
	int mode;		/* file mode, 0 = 0600 */
	int no_footer;		/* tests: omit the index footer */
};

struct avt_writer;
struct avt_writer *avt_writer__open(const char *path, const struct avt_meta *meta,
				    const struct avt_writer_opts *opts);
/* Open on an existing fd (e.g. stdout); the writer does not close it. */
struct avt_writer *avt_writer__fdopen(int fd, const struct avt_meta *meta,
				      const struct avt_writer_opts *opts);
int avt_writer__write(struct avt_writer *w, const struct avt_event *ev);
/* Seal the current chunk and write it out (called on checkpoints/signals). */
int avt_writer__flush(struct avt_writer *w);
/* Flush, write the footer, close. Returns the first error seen, if any. */
int avt_writer__close(struct avt_writer *w);
uint64_t avt_writer__events(const struct avt_writer *w);

/* ---- reader ----------------------------------------------------------- */
enum avt_read_stop {
	AVT_STOP_NONE = 0,	/* still reading, or clean end */
	AVT_STOP_TRUNCATED,	/* file ends inside a chunk */
	AVT_STOP_CRC,		/* a chunk failed its CRC */
	AVT_STOP_CORRUPT,	/* bad chunk header / decompression error */
	AVT_STOP_TEXT_ERROR,	/* text form: syntax error */
	AVT_STOP_IO,
};

struct avt_read_status {
	enum avt_read_stop stop;
	uint64_t chunk;			/* chunk index where it stopped (0-based) */
	uint64_t offset;		/* file offset of that chunk */
	uint64_t chunks_ok;		/* chunks read completely */
	uint64_t events;		/* events returned so far */
	uint64_t unknown_records;	/* skipped records of unknown type */
	uint64_t unknown_meta;		/* metadata entries of unknown key */
	int text_line;			/* text form: line of the error */
	char why[256];			/* one line, human readable */
	int is_text;
	int has_footer;
};

struct avt_reader;
/* errno: ENOENT, EACCES, EPROTO (bad magic), EPROTONOSUPPORT (future major).
 * *why (optional) gets a one-line reason on failure. */
struct avt_reader *avt_reader__open(const char *path, char *why, size_t why_len);
const struct avt_meta *avt_reader__meta(const struct avt_reader *r);
/* 1 = an event, 0 = end (check status for a premature stop), <0 = error. */
int avt_reader__next(struct avt_reader *r, struct avt_event *ev);
const struct avt_read_status *avt_reader__status(const struct avt_reader *r);
void avt_reader__close(struct avt_reader *r);

/* ---- chunk walk, for `avtrace info` ------------------------------------ */
struct avt_chunk_info {
	uint64_t index, offset;
	uint32_t raw_len, stored_len, nr_records;
	uint64_t first_ts, last_ts;
};
/* Called for each chunk as the reader passes it (binary files only). */
void avt_reader__on_chunk(struct avt_reader *r,
			  void (*cb)(const struct avt_chunk_info *ci, void *ctx), void *ctx);

#endif /* AVTRACE_TRACE_H */
