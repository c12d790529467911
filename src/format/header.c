// SPDX-License-Identifier: MIT
/*
 * File header (magic, version, length, flags, CRC) and the metadata block
 * (TLV entries with their own CRC). Written once, in one write(), when a
 * writer opens, so a trace is recognisable as soon as it exists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "avtrace/event.h"
#include "format/header.h"
#include "format/layout.h"
#include "util/le.h"

int avt_header__encode(const struct avt_meta *m, uint8_t **bufp, size_t *lenp)
{
	size_t ents = 0, len, i;
	uint8_t *buf, *p, *md;
	uint32_t crc;

	for (i = 0; i < m->n; i++) {
		size_t vl = strlen(m->v[i].value);

		if (vl > AVT_ME_MAX)
			return -E2BIG;
		ents += AVT_ME_HEAD + vl;
	}
	if (ents > AVT_MD_MAX)
		return -E2BIG;
	len = AVT_FH_SIZE_V1 + AVT_MD_HEAD + ents;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;

	memcpy(buf, AVT_FILE_MAGIC, AVT_FILE_MAGIC_LEN);
	put_le16(buf + AVT_FH_MAJOR, AVT_FORMAT_MAJOR);
	put_le16(buf + AVT_FH_MINOR, AVT_FORMAT_MINOR);
	put_le32(buf + AVT_FH_LEN, AVT_FH_SIZE_V1);
	put_le32(buf + AVT_FH_FLAGS, 0);
	put_le32(buf + AVT_FH_SIZE_V1 - 4, (uint32_t)crc32(0, buf, AVT_FH_SIZE_V1 - 4));

	md = buf + AVT_FH_SIZE_V1;
	memcpy(md, AVT_MD_MAGIC, 4);
	put_le32(md + AVT_MD_LEN, (uint32_t)ents);
	put_le32(md + AVT_MD_COUNT, (uint32_t)m->n);
	p = md + AVT_MD_HEAD;
	for (i = 0; i < m->n; i++) {
		size_t vl = strlen(m->v[i].value);

		put_le16(p, m->v[i].key);
		put_le32(p + 2, (uint32_t)vl);
		memcpy(p + AVT_ME_HEAD, m->v[i].value, vl);
		p += AVT_ME_HEAD + vl;
	}
	crc = (uint32_t)crc32(0, md, AVT_MD_CRC);
	crc = (uint32_t)crc32(crc, md + AVT_MD_HEAD, (uInt)ents);
	put_le32(md + AVT_MD_CRC, crc);

	*bufp = buf;
	*lenp = len;
	return 0;
}

int avt_meta__decode(struct avt_meta *m, const uint8_t *ents, size_t len,
		     uint32_t count, uint64_t *unknown, char *why, size_t why_len)
{
	size_t off = 0;
	char *val;
	int err;

	for (uint32_t i = 0; i < count; i++) {
		uint16_t key;
		uint32_t vl;

		if (len - off < AVT_ME_HEAD) {
			snprintf(why, why_len, "metadata entry %u runs past the block", i);
			return -EPROTO;
		}
		key = get_le16(ents + off);
		vl = get_le32(ents + off + 2);
		if (vl > len - off - AVT_ME_HEAD) {
			snprintf(why, why_len, "metadata entry %u (key %u) length %u runs past the block",
				 i, key, vl);
			return -EPROTO;
		}
		val = strndup((const char *)ents + off + AVT_ME_HEAD, vl);
		if (!val)
			return -ENOMEM;
		err = avt_meta__set(m, key, val);
		free(val);
		if (err)
			return err;
		if (!avt_key__name(key))
			(*unknown)++;
		off += AVT_ME_HEAD + vl;
	}
	if (off != len) {
		snprintf(why, why_len, "metadata block has %zu bytes after its %u entries",
			 len - off, count);
		return -EPROTO;
	}
	return 0;
}
