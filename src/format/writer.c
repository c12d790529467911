// SPDX-License-Identifier: MIT
/*
 * Trace writer. Records are encoded into a raw chunk buffer; a full chunk
 * (or avt_writer__flush) is compressed and written with ONE write() of
 * header + payload, so a recorder killed at any moment leaves every chunk
 * it sealed intact in the page cache and readable; at worst the file ends
 * inside an unsealed chunk, which readers report as a truncation.
 *
 * On a write error (ENOSPC, EFBIG, EIO...) the file is cut back to the end
 * of the last complete chunk when it is a regular file, the error sticks,
 * and every later call returns it: earlier chunks stay valid.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "avtrace/trace.h"
#include "format/header.h"
#include "format/layout.h"
#include "format/record.h"
#include "util/le.h"

#define DEF_CHUNK_BYTES	(256u << 10)

struct idx_ent {
	uint64_t off, first_ts;
};

struct avt_writer {
	int fd, own_fd;
	int err;		/* first error, sticky */
	int level, no_footer, can_truncate;
	off_t base;		/* file offset of the file header */
	uint64_t off;		/* bytes of the trace written so far */
	uint64_t events;
	size_t chunk_bytes;
	uint8_t *raw;		/* records of the open chunk */
	size_t raw_len, raw_cap;
	uint32_t nrec;
	uint64_t first_ts, last_ts;
	uint8_t *out;		/* chunk header + stored payload */
	size_t out_cap;
	struct idx_ent *idx;
	size_t nidx, idx_cap;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write len bytes at the end of the trace; on failure cut the partial
 * bytes off again so the file ends on a complete chunk. */
static int emit(struct avt_writer *w, const void *buf, size_t len)
{
	int err = write_all(w->fd, buf, len);

	if (err) {
		if (w->can_truncate && !ftruncate(w->fd, w->base + (off_t)w->off))
			(void)lseek(w->fd, w->base + (off_t)w->off, SEEK_SET);
		if (!w->err)
			w->err = err;
		return err;
	}
	w->off += len;
	return 0;
}

static void writer_free(struct avt_writer *w)
{
	if (w->own_fd && w->fd >= 0)
		close(w->fd);
	free(w->raw);
	free(w->out);
	free(w->idx);
	free(w);
}

static struct avt_writer *writer_new(int fd, int own_fd, const struct avt_meta *meta,
				     const struct avt_writer_opts *opts)
{
	struct avt_writer *w = calloc(1, sizeof(*w));
	struct stat st;
	uint8_t *hdr = NULL;
	size_t hlen;
	int err;

	if (!w) {
		err = -ENOMEM;
		goto fail;
	}
	w->fd = fd;
	w->own_fd = own_fd;
	w->level = 1;
	w->chunk_bytes = DEF_CHUNK_BYTES;
	if (opts && opts->sz >= offsetof(struct avt_writer_opts, level) + sizeof(opts->level)) {
		if (opts->level < 0 || opts->level > 9) {
			err = -EINVAL;
			goto fail;
		}
		if (opts->level)
			w->level = opts->level;
	}
	if (opts && opts->sz >= offsetof(struct avt_writer_opts, chunk_bytes) + sizeof(size_t) &&
	    opts->chunk_bytes) {
		if (opts->chunk_bytes > AVT_CK_MAX_RAW / 2) {
			err = -EINVAL;
			goto fail;
		}
		w->chunk_bytes = opts->chunk_bytes;
	}
	if (opts && opts->sz >= offsetof(struct avt_writer_opts, no_footer) + sizeof(int))
		w->no_footer = opts->no_footer;
	w->can_truncate = !fstat(fd, &st) && S_ISREG(st.st_mode);
	w->base = w->can_truncate ? lseek(fd, 0, SEEK_CUR) : 0;
	if (w->base < 0)
		w->base = 0;

	w->raw_cap = w->chunk_bytes + AVT_REC_MAX_KNOWN;
	w->raw = malloc(w->raw_cap);
	if (!w->raw) {
		err = -ENOMEM;
		goto fail;
	}
	err = avt_header__encode(meta, &hdr, &hlen);
	if (err)
		goto fail;
	err = emit(w, hdr, hlen);
	free(hdr);
	if (err)
		goto fail;
	return w;
fail:
	if (w) {
		w->own_fd = 0;	/* the caller closes what it opened */
		writer_free(w);
	}
	errno = -err;
	return NULL;
}

struct avt_writer *avt_writer__fdopen(int fd, const struct avt_meta *meta,
				      const struct avt_writer_opts *opts)
{
	if (fd < 0 || !meta) {
		errno = EINVAL;
		return NULL;
	}
	return writer_new(fd, 0, meta, opts);
}

struct avt_writer *avt_writer__open(const char *path, const struct avt_meta *meta,
				    const struct avt_writer_opts *opts)
{
	mode_t mode = 0600;
	struct avt_writer *w;
	struct stat st;
	int fd, err;

	if (!path || !meta) {
		errno = EINVAL;
		return NULL;
	}
	if (opts && opts->sz >= offsetof(struct avt_writer_opts, mode) + sizeof(int) && opts->mode)
		mode = (mode_t)opts->mode;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return NULL;
	/* an existing file keeps its old mode on O_TRUNC: traces hold address
	 * space layouts, so make the mode the one asked for */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (st.st_mode & 07777) != mode)
		(void)fchmod(fd, mode);
	w = writer_new(fd, 1, meta, opts);
	if (!w) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	return w;
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	size_t cap2 = *cap ? *cap : 4096;
	uint8_t *p;

	if (need <= *cap)
		return 0;
	while (cap2 < need)
		cap2 *= 2;
	p = realloc(*buf, cap2);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = cap2;
	return 0;
}

/* Compress the open chunk and write header + payload in one write(). */
static int seal(struct avt_writer *w)
{
	uLongf stored;
	uint16_t codec = AVT_CODEC_ZLIB;
	uint64_t at = w->off;
	uint8_t *h;
	int err;

	if (!w->nrec)
		return 0;
	err = grow(&w->out, &w->out_cap, AVT_CK_SIZE_V1 + compressBound(w->raw_len));
	if (err)
		goto fail;
	h = w->out;
	stored = compressBound(w->raw_len);
	if (compress2(h + AVT_CK_SIZE_V1, &stored, w->raw, w->raw_len, w->level) != Z_OK ||
	    stored >= w->raw_len) {
		/* incompressible (or zlib failed): store as is, still CRC'd */
		codec = AVT_CODEC_NONE;
		stored = w->raw_len;
		memcpy(h + AVT_CK_SIZE_V1, w->raw, w->raw_len);
	}
	memcpy(h, AVT_CK_MAGIC, 4);
	put_le16(h + AVT_CK_CODEC, codec);
	put_le16(h + AVT_CK_HLEN, AVT_CK_SIZE_V1);
	put_le32(h + AVT_CK_FLAGS, 0);
	put_le32(h + AVT_CK_RAW, (uint32_t)w->raw_len);
	put_le32(h + AVT_CK_STORED, (uint32_t)stored);
	put_le32(h + AVT_CK_NREC, w->nrec);
	put_le64(h + AVT_CK_FIRST_TS, w->first_ts);
	put_le64(h + AVT_CK_LAST_TS, w->last_ts);
	put_le32(h + AVT_CK_PCRC, (uint32_t)crc32(0, h + AVT_CK_SIZE_V1, (uInt)stored));
	put_le32(h + AVT_CK_HCRC, (uint32_t)crc32(0, h, AVT_CK_HCRC));

	if (w->nidx == w->idx_cap) {
		size_t cap = w->idx_cap ? 2 * w->idx_cap : 64;
		struct idx_ent *p = realloc(w->idx, cap * sizeof(*p));

		if (!p) {
			err = -ENOMEM;
			goto fail;
		}
		w->idx = p;
		w->idx_cap = cap;
	}
	err = emit(w, h, AVT_CK_SIZE_V1 + stored);
	if (err)
		return err;
	w->idx[w->nidx].off = at;
	w->idx[w->nidx].first_ts = w->first_ts;
	w->nidx++;
	w->raw_len = 0;
	w->nrec = 0;
	return 0;
fail:
	if (!w->err)
		w->err = err;
	return err;
}

int avt_writer__write(struct avt_writer *w, const struct avt_event *ev)
{
	long size;
	int err;

	if (!w || !ev)
		return -EINVAL;
	if (w->err)
		return w->err;
	size = avt_record__size(ev);
	if (size < 0)
		return (int)size;	/* a bad event is the caller's, not sticky */
	if (w->raw_len && w->raw_len + (size_t)size > w->chunk_bytes) {
		err = seal(w);
		if (err)
			return err;
	}
	if (w->raw_len + (size_t)size > w->raw_cap) {
		/* a single unknown record larger than a chunk */
		err = grow(&w->raw, &w->raw_cap, w->raw_len + (size_t)size);
		if (err)
			return err;
	}
	avt_record__encode(ev, w->raw + w->raw_len);
	w->raw_len += (size_t)size;
	if (!w->nrec)
		w->first_ts = ev->ts;
	w->last_ts = ev->ts;
	w->nrec++;
	w->events++;
	return 0;
}

int avt_writer__flush(struct avt_writer *w)
{
	if (!w)
		return -EINVAL;
	if (w->err)
		return w->err;
	return seal(w);
}

static int write_footer(struct avt_writer *w)
{
	size_t len = AVT_IX_HEAD + w->nidx * AVT_IX_ENTRY + 4 + AVT_TR_SIZE;
	uint8_t *buf = malloc(len), *p, *tr;
	uint64_t ix_off = w->off;
	int err;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, AVT_IX_MAGIC, 4);
	put_le32(buf + AVT_IX_COUNT, (uint32_t)w->nidx);
	p = buf + AVT_IX_HEAD;
	for (size_t i = 0; i < w->nidx; i++, p += AVT_IX_ENTRY) {
		put_le64(p, w->idx[i].off);
		put_le64(p + 8, w->idx[i].first_ts);
	}
	put_le32(p, (uint32_t)crc32(0, buf, (uInt)(p - buf)));
	tr = p + 4;
	put_le64(tr + AVT_TR_INDEX, ix_off);
	put_le64(tr + AVT_TR_EVENTS, w->events);
	put_le32(tr + AVT_TR_CHUNKS, (uint32_t)w->nidx);
	put_le32(tr + AVT_TR_CRC, (uint32_t)crc32(0, tr, AVT_TR_CRC));
	memcpy(tr + AVT_TR_MAGIC_OFF, AVT_TR_MAGIC, 8);
	err = emit(w, buf, len);
	free(buf);
	return err;
}

int avt_writer__close(struct avt_writer *w)
{
	int err;

	if (!w)
		return 0;
	if (!w->err)
		seal(w);
	if (!w->err && !w->no_footer) {
		err = write_footer(w);
		if (err && !w->err)
			w->err = err;
	}
	err = w->err;
	if (w->own_fd && w->fd >= 0) {
		if (close(w->fd) && !err)
			err = -errno;
		w->fd = -1;
	}
	writer_free(w);
	return err;
}

uint64_t avt_writer__events(const struct avt_writer *w)
{
	return w ? w->events : 0;
}
