// SPDX-License-Identifier: MIT
/*
 * Trace reader: detects the binary format (magic) or the text form, then
 * returns decoded events one at a time.
 *
 * Binary path, per chunk: read and CRC-check the header, read and CRC-check
 * the payload, inflate it into a reusable buffer, and walk the record
 * framing once, all BEFORE returning the chunk's first event. So a reader
 * only ever hands out events of whole, verified chunks: a truncated or
 * corrupt file yields exactly the events of the chunks before the damage,
 * and the status says which chunk, where and why.
 *
 * Reading stops at the first damaged chunk instead of resyncing to the next
 * chunk magic: a replay that silently skipped a chunk would run later
 * events against a state missing the earlier ones (an munmap, a fork) and
 * report wrong numbers as if they were right.
 *
 * Every length read from the file is bounded before it is used; decoding
 * never allocates per event (buffers grow to the largest chunk and stay).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "avtrace/trace.h"
#include "format/header.h"
#include "format/layout.h"
#include "format/reader_int.h"
#include "format/record.h"
#include "util/le.h"

struct avt_reader {
	FILE *f;
	struct avt_meta meta;
	struct avt_read_status st;
	struct avt_reader_format fmt;
	struct avt_text_src *text;
	uint64_t off;			/* offset of the next unread byte */
	uint64_t fsize;			/* regular files: size at open, else 0 */
	uint64_t next_chunk;		/* index of the next chunk to load */
	uint64_t chunk_off;		/* offset of the current chunk */
	int done;
	uint8_t *stored, *raw;		/* reused for every chunk */
	size_t stored_cap, raw_cap;
	const uint8_t *pos;		/* next record of the current chunk */
	uint32_t rec_left;
	void (*on_chunk)(const struct avt_chunk_info *ci, void *ctx);
	void *on_chunk_ctx;
	z_stream zs;			/* raw inflate, reset per chunk */
	int zs_ready;
};

static void set_why(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* Read up to len bytes; returns bytes read, -errno on an I/O error. */
static long read_full(struct avt_reader *r, void *buf, size_t len)
{
	size_t n = fread(buf, 1, len, r->f);

	if (n < len && ferror(r->f))
		return -(errno ? errno : EIO);
	r->off += n;
	return (long)n;
}

/* ---- open ------------------------------------------------------------------ */

/* The text form is printable; anything with NUL or other control bytes in
 * its first bytes is binary of some other kind. */
static int looks_like_text(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == 0 || p[i] == 0x7f ||
		    (p[i] < 0x20 && !strchr("\t\n\r\f\v", p[i])))
			return 0;
	return 1;
}

/* A regular file whose magic looked like text: is its first line (up to
 * 4 KiB) text too? Random or foreign binary data then says "bad magic"
 * instead of "line 1: NUL byte"; damage on a later line of a real text
 * trace keeps its line-numbered error. Pipes are judged by the magic. */
static int head_looks_like_text(struct avt_reader *r)
{
	uint8_t buf[4096], *nl;
	ssize_t n;

	if (!r->fsize)
		return 1;
	n = pread(fileno(r->f), buf, sizeof(buf), 0);
	if (n <= 0)
		return 1;
	nl = memchr(buf, '\n', (size_t)n);
	return looks_like_text(buf, nl ? (size_t)(nl - buf) : (size_t)n);
}

static int open_binary(struct avt_reader *r, char *why, size_t why_len)
{
	uint8_t h[AVT_FH_MAX], md[AVT_MD_HEAD], *ents = NULL;
	uint32_t hlen, mlen, count, crc;
	long n;
	int err;

	memcpy(h, AVT_FILE_MAGIC, AVT_FILE_MAGIC_LEN);
	n = read_full(r, h + 8, 8);
	if (n < 0)
		goto io;
	r->fmt.major = n >= 2 ? get_le16(h + AVT_FH_MAJOR) : 0;
	if (n >= 2 && r->fmt.major > AVT_FORMAT_MAJOR) {
		r->fmt.minor = n >= 4 ? get_le16(h + AVT_FH_MINOR) : 0;
		set_why(why, why_len, "trace format %u.%u is newer than this avtrace (reads %u.x)",
			r->fmt.major, r->fmt.minor, AVT_FORMAT_MAJOR);
		return -EPROTONOSUPPORT;
	}
	if (n < 8)
		goto trunc_hdr;
	r->fmt.minor = get_le16(h + AVT_FH_MINOR);
	if (r->fmt.major != AVT_FORMAT_MAJOR) {
		set_why(why, why_len, "trace format %u.%u is not supported (reads %u.x)",
			r->fmt.major, r->fmt.minor, AVT_FORMAT_MAJOR);
		return -EPROTONOSUPPORT;
	}
	hlen = get_le32(h + AVT_FH_LEN);
	if (hlen < AVT_FH_SIZE_V1 || hlen > AVT_FH_MAX) {
		set_why(why, why_len, "corrupt file header (header length %u)", hlen);
		return -EPROTO;
	}
	n = read_full(r, h + 16, hlen - 16);
	if (n < 0)
		goto io;
	if ((uint32_t)n < hlen - 16)
		goto trunc_hdr;
	if (crc32(0, h, hlen - 4) != get_le32(h + hlen - 4)) {
		set_why(why, why_len, "corrupt file header (CRC mismatch)");
		return -EPROTO;
	}
	r->fmt.header_len = hlen;
	r->fmt.flags = get_le32(h + AVT_FH_FLAGS);

	n = read_full(r, md, AVT_MD_HEAD);
	if (n < 0)
		goto io;
	if (n < AVT_MD_HEAD)
		goto trunc_md;
	if (memcmp(md, AVT_MD_MAGIC, 4)) {
		set_why(why, why_len, "corrupt metadata block (bad magic at offset %u)", hlen);
		return -EPROTO;
	}
	mlen = get_le32(md + AVT_MD_LEN);
	count = get_le32(md + AVT_MD_COUNT);
	if (mlen > AVT_MD_MAX || count > mlen / AVT_ME_HEAD) {
		set_why(why, why_len, "corrupt metadata block (length %u, %u entries)", mlen, count);
		return -EPROTO;
	}
	ents = malloc(mlen ? mlen : 1);
	if (!ents)
		return -ENOMEM;
	n = read_full(r, ents, mlen);
	if (n < 0) {
		free(ents);
		goto io;
	}
	if ((uint32_t)n < mlen) {
		free(ents);
		goto trunc_md;
	}
	crc = (uint32_t)crc32(0, md, AVT_MD_CRC);
	crc = (uint32_t)crc32(crc, ents, mlen);
	if (crc != get_le32(md + AVT_MD_CRC)) {
		free(ents);
		set_why(why, why_len, "corrupt metadata block (CRC mismatch)");
		return -EPROTO;
	}
	err = avt_meta__decode(&r->meta, ents, mlen, count, &r->st.unknown_meta, why, why_len);
	free(ents);
	if (err == -EPROTO) {
		char tmp[200];

		snprintf(tmp, sizeof(tmp), "%s", why ? why : "");
		set_why(why, why_len, "corrupt metadata block (%s)", tmp);
	}
	r->st.offset = r->off;
	return err;

io:
	set_why(why, why_len, "read error: %s", strerror((int)-n));
	return (int)n;
trunc_hdr:
	set_why(why, why_len, "truncated trace: file ends inside the file header (offset %llu)",
		(unsigned long long)r->off);
	return -EPROTO;
trunc_md:
	set_why(why, why_len, "truncated trace: file ends inside the metadata block (offset %llu)",
		(unsigned long long)r->off);
	return -EPROTO;
}

struct avt_reader *avt_reader__open(const char *path, char *why, size_t why_len)
{
	uint8_t magic[AVT_FILE_MAGIC_LEN];
	struct avt_reader *r;
	char scratch[256];
	struct stat st;
	long n;
	int err;

	if (!why || !why_len) {	/* the caller does not want the reason */
		why = scratch;
		why_len = sizeof(scratch);
	}
	set_why(why, why_len, "%s", "");
	if (!path) {
		set_why(why, why_len, "no trace file given");
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		err = -ENOMEM;
		set_why(why, why_len, "out of memory");
		goto fail;
	}
	avt_meta__init(&r->meta);
	r->f = fopen(path, "re");
	if (!r->f) {
		err = -errno;
		set_why(why, why_len, "cannot open: %s", strerror(-err));
		goto fail;
	}
	if (!fstat(fileno(r->f), &st)) {
		if (S_ISDIR(st.st_mode)) {
			err = -EISDIR;
			set_why(why, why_len, "is a directory, not a trace");
			goto fail;
		}
		if (S_ISREG(st.st_mode))
			r->fsize = (uint64_t)st.st_size;
	}
	n = read_full(r, magic, sizeof(magic));
	if (n < 0) {
		err = (int)n;
		set_why(why, why_len, "cannot read: %s", strerror(-err));
		goto fail;
	}
	if (n == 0) {
		err = -EPROTO;
		set_why(why, why_len, "empty file: not an avtrace trace");
		goto fail;
	}
	if (n == (long)sizeof(magic) && !memcmp(magic, AVT_FILE_MAGIC, sizeof(magic))) {
		err = open_binary(r, why, why_len);
		if (err)
			goto fail;
		return r;
	}
	if (n == (long)sizeof(magic) && !memcmp(magic, AVT_FILE_MAGIC, 7)) {
		err = -EPROTO;
		set_why(why, why_len, "not an avtrace file (bad magic)");
		goto fail;
	}
	if (n < (long)sizeof(magic) && !memcmp(magic, AVT_FILE_MAGIC, (size_t)n)) {
		err = -EPROTO;
		set_why(why, why_len, "truncated trace: file ends inside the magic (%ld bytes)", n);
		goto fail;
	}
	if (!looks_like_text(magic, (size_t)n) || !head_looks_like_text(r)) {
		err = -EPROTO;
		set_why(why, why_len, "not an avtrace file (bad magic)");
		goto fail;
	}
	r->st.is_text = 1;
	r->text = avt_text_src__open(r->f, magic, (size_t)n, &r->meta, &r->st, why, why_len);
	if (!r->text) {
		err = errno ? -errno : -EPROTO;
		goto fail;
	}
	return r;
fail:
	avt_reader__close(r);
	errno = -err;
	return NULL;
}

const struct avt_meta *avt_reader__meta(const struct avt_reader *r)
{
	return &r->meta;
}

const struct avt_read_status *avt_reader__status(const struct avt_reader *r)
{
	return &r->st;
}

void avt_reader__format(const struct avt_reader *r, struct avt_reader_format *fmt)
{
	*fmt = r->fmt;
}

void avt_reader__on_chunk(struct avt_reader *r,
			  void (*cb)(const struct avt_chunk_info *ci, void *ctx), void *ctx)
{
	r->on_chunk = cb;
	r->on_chunk_ctx = ctx;
}

void avt_reader__close(struct avt_reader *r)
{
	if (!r)
		return;
	avt_text_src__free(r->text);
	if (r->f)
		fclose(r->f);
	avt_meta__fini(&r->meta);
	if (r->zs_ready)
		inflateEnd(&r->zs);
	free(r->stored);
	free(r->raw);
	free(r);
}

/*
 * Inflate one zlib stream (as compress2() writes it) of len bytes into
 * out[raw_len]. The stream's own adler32 is not recomputed: the payload
 * CRC32 already covers every stored byte, and adler32 over the output
 * cost about a fifth of all decode time. So this inflates the raw deflate
 * data between the 2-byte zlib header and the 4-byte adler32 trailer.
 * Returns 0, or -1 when the stream is not exactly raw_len bytes of zlib.
 */
static int inflate_chunk(struct avt_reader *r, const uint8_t *in, uint32_t len,
			 uint8_t *out, uint32_t raw_len)
{
	if (len < 6 || (in[0] & 0x0f) != Z_DEFLATED || (in[0] >> 4) > 7 ||
	    (in[1] & 0x20) /* preset dictionary */ || ((in[0] << 8) | in[1]) % 31)
		return -1;
	if (!r->zs_ready) {
		memset(&r->zs, 0, sizeof(r->zs));
		if (inflateInit2(&r->zs, -15) != Z_OK)
			return -1;
		r->zs_ready = 1;
	} else if (inflateReset(&r->zs) != Z_OK) {
		return -1;
	}
	r->zs.next_in = (Bytef *)(uintptr_t)(in + 2);
	r->zs.avail_in = len - 2;
	r->zs.next_out = out;
	r->zs.avail_out = raw_len;
	if (inflate(&r->zs, Z_FINISH) != Z_STREAM_END || r->zs.total_out != raw_len ||
	    r->zs.avail_in != 4)
		return -1;
	return 0;
}

/* ---- chunks ------------------------------------------------------------------ */

/* End reading with a reason; the current chunk's index and offset say where. */
static int stop(struct avt_reader *r, enum avt_read_stop why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int stop(struct avt_reader *r, enum avt_read_stop why, const char *fmt, ...)
{
	va_list ap;

	r->done = 1;
	r->rec_left = 0;
	r->st.stop = why;
	r->st.chunk = r->next_chunk;
	r->st.offset = r->chunk_off;
	va_start(ap, fmt);
	vsnprintf(r->st.why, sizeof(r->st.why), fmt, ap);
	va_end(ap);
	return 0;
}

static int stop_io(struct avt_reader *r, long err)
{
	stop(r, AVT_STOP_IO, "read error at offset %llu: %s",
	     (unsigned long long)r->off, strerror((int)-err));
	return (int)err;
}

/* Read exactly len bytes of a chunk or of the footer: 0; 1 when the file
 * ends first (the caller says inside what); or a negative errno, stopped. */
static int read_exact(struct avt_reader *r, void *buf, size_t len)
{
	long n = read_full(r, buf, len);

	if (n < 0)
		return stop_io(r, n);
	return (size_t)n < len;
}

/* r->chunk_off is where the footer starts */
static int stop_in_footer(struct avt_reader *r)
{
	return stop(r, AVT_STOP_TRUNCATED,
		    "file ends inside the index footer at offset %llu (all %llu chunks read)",
		    (unsigned long long)r->chunk_off, (unsigned long long)r->next_chunk);
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *p;

	if (need <= *cap)
		return 0;
	p = realloc(*buf, need);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = need;
	return 0;
}

/* The optional footer: index block and trailer. Everything before it has
 * been read already, so damage here loses no events, but is still said. */
static int read_footer(struct avt_reader *r)
{
	uint8_t buf[4096], tr[AVT_TR_SIZE], extra;
	uint64_t left, ix_off = r->chunk_off;
	uint32_t count, crc;
	size_t want;
	int err;

	memcpy(buf, AVT_IX_MAGIC, 4);
	err = read_exact(r, buf + 4, 4);
	if (err)
		goto short_read;
	count = get_le32(buf + AVT_IX_COUNT);
	if (count != r->next_chunk)
		return stop(r, AVT_STOP_CORRUPT,
			    "index footer at offset %llu lists %u chunks, %llu were read",
			    (unsigned long long)ix_off, count, (unsigned long long)r->next_chunk);
	crc = (uint32_t)crc32(0, buf, AVT_IX_HEAD);
	for (left = (uint64_t)count * AVT_IX_ENTRY; left; left -= want) {
		want = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		err = read_exact(r, buf, want);
		if (err)
			goto short_read;
		crc = (uint32_t)crc32(crc, buf, (uInt)want);
	}
	err = read_exact(r, buf, 4);
	if (err)
		goto short_read;
	if (crc != get_le32(buf))
		return stop(r, AVT_STOP_CRC, "index footer at offset %llu: CRC mismatch",
			    (unsigned long long)ix_off);
	err = read_exact(r, tr, sizeof(tr));
	if (err)
		goto short_read;
	if (memcmp(tr + AVT_TR_MAGIC_OFF, AVT_TR_MAGIC, 8) ||
	    crc32(0, tr, AVT_TR_CRC) != get_le32(tr + AVT_TR_CRC) ||
	    get_le64(tr + AVT_TR_INDEX) != ix_off ||
	    get_le32(tr + AVT_TR_CHUNKS) != count)
		return stop(r, AVT_STOP_CORRUPT, "corrupt trailer at offset %llu",
			    (unsigned long long)(r->off - sizeof(tr)));
	r->fmt.footer_events = get_le64(tr + AVT_TR_EVENTS);
	r->fmt.footer_chunks = count;
	if (r->fmt.footer_events != r->st.events)
		return stop(r, AVT_STOP_CORRUPT, "trailer counts %llu records, %llu were read",
			    (unsigned long long)r->fmt.footer_events,
			    (unsigned long long)r->st.events);
	if (read_full(r, &extra, 1) == 1)
		return stop(r, AVT_STOP_CORRUPT, "unexpected data after the trailer at offset %llu",
			    (unsigned long long)(r->off - 1));
	r->st.has_footer = 1;
	r->done = 1;
	r->st.chunk = r->next_chunk;
	r->st.offset = ix_off;
	return 0;
short_read:
	return err < 0 ? err : stop_in_footer(r);
}

/* Check that the records exactly fill the payload, match the count and
 * have bodies their types can decode. */
static int check_records(const uint8_t *p, uint32_t len, uint32_t nrec, uint32_t *bad_at,
			 const char **why)
{
	uint32_t off = 0, n = 0;

	*why = "record framing broken";
	while (len - off >= AVT_RH_SIZE_V1) {
		uint32_t size = get_le32(p + off + AVT_RH_SIZE);

		if (size < AVT_RH_SIZE_V1 || size > len - off)
			break;
		if (avt_record__check(p + off, size, why))
			break;
		off += size;
		n++;
	}
	*bad_at = off;
	if (off == len && n != nrec)
		*why = "record count differs from the chunk header";
	return off == len && n == nrec ? 0 : -1;
}

/* Load, verify and inflate the next chunk. Returns 0 (check r->done and
 * r->rec_left) or a negative errno for I/O and memory errors. */
static int load_chunk(struct avt_reader *r)
{
	uint8_t h[AVT_CK_MAX_HLEN];
	uint32_t hlen, raw_len, stored_len, nrec, bad_at;
	unsigned long long ci = r->next_chunk;
	const char *why;
	uint16_t codec;
	int err = 0;
	long n;

	r->chunk_off = r->off;
	r->st.chunk = ci;
	r->st.offset = r->off;
	n = read_full(r, h, 4);
	if (n < 0)
		return stop_io(r, n);
	if (n == 0) {		/* clean end without footer */
		r->done = 1;
		return 0;
	}
	if (n < 4) {
		if (!memcmp(h, AVT_IX_MAGIC, (size_t)n) && memcmp(h, AVT_CK_MAGIC, (size_t)n))
			return stop_in_footer(r);
		if (!memcmp(h, AVT_IX_MAGIC, (size_t)n))
			return stop(r, AVT_STOP_TRUNCATED,
				    "file ends inside the header of chunk %llu at offset %llu"
				    " (or of the index footer)", ci, (unsigned long long)r->chunk_off);
		goto short_hdr;
	}
	if (!memcmp(h, AVT_IX_MAGIC, 4))
		return read_footer(r);
	if (memcmp(h, AVT_CK_MAGIC, 4))
		return stop(r, AVT_STOP_CORRUPT, "chunk %llu at offset %llu: bad chunk magic",
			    ci, (unsigned long long)r->chunk_off);
	err = read_exact(r, h + 4, 4);
	if (err)
		goto short_hdr;
	hlen = get_le16(h + AVT_CK_HLEN);
	if (hlen < AVT_CK_SIZE_V1 || hlen > AVT_CK_MAX_HLEN)
		return stop(r, AVT_STOP_CORRUPT, "chunk %llu at offset %llu: bad header length %u",
			    ci, (unsigned long long)r->chunk_off, hlen);
	err = read_exact(r, h + 8, hlen - 8);
	if (err)
		goto short_hdr;
	if (crc32(0, h, hlen - 4) != get_le32(h + hlen - 4))
		return stop(r, AVT_STOP_CRC, "chunk %llu at offset %llu: header CRC mismatch",
			    ci, (unsigned long long)r->chunk_off);

	codec = get_le16(h + AVT_CK_CODEC);
	raw_len = get_le32(h + AVT_CK_RAW);
	stored_len = get_le32(h + AVT_CK_STORED);
	nrec = get_le32(h + AVT_CK_NREC);
	if (codec != AVT_CODEC_ZLIB && codec != AVT_CODEC_NONE)
		return stop(r, AVT_STOP_CORRUPT,
			    "chunk %llu at offset %llu: codec %u is not supported by this avtrace",
			    ci, (unsigned long long)r->chunk_off, codec);
	if (raw_len > AVT_CK_MAX_RAW || stored_len > compressBound(AVT_CK_MAX_RAW) ||
	    nrec > raw_len / AVT_RH_SIZE_V1 ||
	    (codec == AVT_CODEC_NONE && stored_len != raw_len))
		return stop(r, AVT_STOP_CORRUPT,
			    "chunk %llu at offset %llu: implausible sizes (raw %u, stored %u, %u records)",
			    ci, (unsigned long long)r->chunk_off, raw_len, stored_len, nrec);

	/* a file that cannot hold the payload is cut: say so without first
	 * allocating what a damaged length asks for (a growing file, still
	 * being recorded, is simply read as far as it goes) */
	if (r->fsize && r->off + stored_len > r->fsize) {
		struct stat st;

		if (!fstat(fileno(r->f), &st) && (uint64_t)st.st_size > r->fsize)
			r->fsize = (uint64_t)st.st_size;
		if (r->off + stored_len > r->fsize)
			return stop(r, AVT_STOP_TRUNCATED,
				    "file ends inside chunk %llu at offset %llu (%llu of %u payload bytes)",
				    ci, (unsigned long long)r->chunk_off,
				    (unsigned long long)(r->fsize - r->off), stored_len);
	}
	err = grow(&r->stored, &r->stored_cap, stored_len ? stored_len : 1);
	if (err)
		return err;
	n = read_full(r, r->stored, stored_len);
	if (n < 0)
		return stop_io(r, n);
	if ((uint32_t)n < stored_len)
		return stop(r, AVT_STOP_TRUNCATED,
			    "file ends inside chunk %llu at offset %llu (%ld of %u payload bytes)",
			    ci, (unsigned long long)r->chunk_off, n, stored_len);
	if (crc32(0, r->stored, stored_len) != get_le32(h + AVT_CK_PCRC))
		return stop(r, AVT_STOP_CRC, "chunk %llu at offset %llu: payload CRC mismatch",
			    ci, (unsigned long long)r->chunk_off);

	if (codec == AVT_CODEC_NONE) {
		r->pos = r->stored;
	} else {
		err = grow(&r->raw, &r->raw_cap, raw_len ? raw_len : 1);
		if (err)
			return err;
		if (inflate_chunk(r, r->stored, stored_len, r->raw, raw_len))
			return stop(r, AVT_STOP_CORRUPT,
				    "chunk %llu at offset %llu: payload does not inflate to %u bytes",
				    ci, (unsigned long long)r->chunk_off, raw_len);
		r->pos = r->raw;
	}
	if (check_records(r->pos, raw_len, nrec, &bad_at, &why))
		return stop(r, AVT_STOP_CORRUPT, "chunk %llu at offset %llu: %s at payload byte %u",
			    ci, (unsigned long long)r->chunk_off, why, bad_at);

	r->rec_left = nrec;
	r->next_chunk++;
	r->st.chunks_ok++;
	if (r->on_chunk) {
		struct avt_chunk_info info = {
			.index = ci, .offset = r->chunk_off, .raw_len = raw_len,
			.stored_len = stored_len, .nr_records = nrec,
			.first_ts = get_le64(h + AVT_CK_FIRST_TS),
			.last_ts = get_le64(h + AVT_CK_LAST_TS),
		};
		r->on_chunk(&info, r->on_chunk_ctx);
	}
	return 0;

short_hdr:	/* err < 0: an I/O error, already stopped */
	if (err < 0)
		return err;
	return stop(r, AVT_STOP_TRUNCATED,
		    "file ends inside the header of chunk %llu at offset %llu",
		    ci, (unsigned long long)r->chunk_off);
}

int avt_reader__next(struct avt_reader *r, struct avt_event *ev)
{
	const char *why = NULL;
	uint32_t size;
	int err;

	if (!r || !ev)
		return -EINVAL;
	if (r->text)
		return avt_text_src__next(r->text, ev, &r->meta, &r->st);
	while (!r->rec_left) {
		if (r->done)
			return 0;
		err = load_chunk(r);
		if (err < 0)
			return err;
	}
	size = get_le32(r->pos + AVT_RH_SIZE);
	if (avt_record__decode(r->pos, size, ev, &why)) {
		/* framing was fine but a body is not: this chunk was not good */
		r->next_chunk--;
		r->st.chunks_ok--;
		stop(r, AVT_STOP_CORRUPT, "chunk %llu at offset %llu: record %llu: %s",
		     (unsigned long long)r->next_chunk, (unsigned long long)r->chunk_off,
		     (unsigned long long)r->st.events, why);
		return 0;
	}
	r->pos += size;
	r->rec_left--;
	r->st.events++;
	if (ev->type == AVT_EV_UNKNOWN)
		r->st.unknown_records++;
	return 1;
}

/* ---- what lies beyond a damaged chunk (avtrace info) ----------------------- */

/* A chunk at off whose header and payload CRCs hold; returns its length. */
static uint64_t intact_chunk_at(struct avt_reader *r, int fd, uint64_t off, uint32_t *nrec)
{
	uint8_t h[AVT_CK_MAX_HLEN];
	uint32_t hlen, stored;

	if (pread(fd, h, 8, (off_t)off) != 8 || memcmp(h, AVT_CK_MAGIC, 4))
		return 0;
	hlen = get_le16(h + AVT_CK_HLEN);
	if (hlen < AVT_CK_SIZE_V1 || hlen > AVT_CK_MAX_HLEN ||
	    pread(fd, h, hlen, (off_t)off) != (ssize_t)hlen ||
	    crc32(0, h, hlen - 4) != get_le32(h + hlen - 4))
		return 0;
	stored = get_le32(h + AVT_CK_STORED);
	if (off + hlen + stored > r->fsize || grow(&r->stored, &r->stored_cap, stored ? stored : 1) ||
	    pread(fd, r->stored, stored, (off_t)(off + hlen)) != (ssize_t)stored ||
	    crc32(0, r->stored, stored) != get_le32(h + AVT_CK_PCRC))
		return 0;
	*nrec = get_le32(h + AVT_CK_NREC);
	return hlen + (uint64_t)stored;
}

int avt_reader__scan_beyond(struct avt_reader *r, struct avt_reader_beyond *b)
{
	uint8_t win[64 << 10];
	uint64_t pos;
	int fd;

	memset(b, 0, sizeof(*b));
	if (!r || r->text || !r->fsize ||
	    (r->st.stop != AVT_STOP_CRC && r->st.stop != AVT_STOP_CORRUPT))
		return -EINVAL;
	fd = fileno(r->f);
	r->rec_left = 0;	/* the chunk buffers are reused below */
	for (pos = r->chunk_off + 1; pos + AVT_CK_SIZE_V1 <= r->fsize;) {
		ssize_t n = pread(fd, win, sizeof(win), (off_t)pos);
		const uint8_t *hit;
		uint64_t len;
		uint32_t nrec;

		if (n < 4)
			break;
		hit = memmem(win, (size_t)n, AVT_CK_MAGIC, 4);
		if (!hit) {
			pos += (uint64_t)n - 3;
			continue;
		}
		pos += (uint64_t)(hit - win);
		len = intact_chunk_at(r, fd, pos, &nrec);
		if (!len) {
			pos++;
			continue;
		}
		if (!b->chunks)
			b->first_offset = pos;
		b->chunks++;
		b->records += nrec;
		pos += len;
	}
	return 0;
}
