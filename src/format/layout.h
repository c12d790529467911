/* SPDX-License-Identifier: MIT */
/*
 * On-disk layout of the binary trace format v1 (man/avtrace-format.5).
 * All integers little-endian, no padding, no alignment assumed.
 *
 *   file header  | metadata block | chunk* | [index block, trailer]
 *
 * Offsets below are byte offsets inside each structure. Never change a
 * value here without bumping AVT_FORMAT_MAJOR; appending fields is a minor
 * change and every length field exists so old readers can skip them.
 */
#ifndef AVT_FORMAT_LAYOUT_H
#define AVT_FORMAT_LAYOUT_H

#include <stdint.h>

/* ---- file header: 24 bytes in v1.0 ---------------------------------- */
#define AVT_FILE_MAGIC		"AVTRACE\0"
#define AVT_FILE_MAGIC_LEN	8
#define AVT_FH_MAJOR		8	/* u16 */
#define AVT_FH_MINOR		10	/* u16 */
#define AVT_FH_LEN		12	/* u32 total header bytes, CRC included */
#define AVT_FH_FLAGS		16	/* u32, 0 in v1.0; unknown bits ignored */
#define AVT_FH_SIZE_V1		24	/* the CRC is always the last 4 bytes */
#define AVT_FH_MAX		4096	/* readers refuse longer headers */

/* ---- metadata block: 16-byte head, then entries ---------------------- */
#define AVT_MD_MAGIC		"AVMD"
#define AVT_MD_LEN		4	/* u32 bytes of entries after the head */
#define AVT_MD_COUNT		8	/* u32 number of entries */
#define AVT_MD_CRC		12	/* u32 crc32(head[0..12) ++ entries) */
#define AVT_MD_HEAD		16
#define AVT_MD_MAX		(16u << 20)
/* entry: u16 key, u32 len, len bytes of UTF-8 without NUL */
#define AVT_ME_HEAD		6
#define AVT_ME_MAX		(1u << 20)

/* ---- chunk: 48-byte header, then stored_len payload bytes ------------ */
#define AVT_CK_MAGIC		"AVCK"
#define AVT_CK_CODEC		4	/* u16 enum avt_codec */
#define AVT_CK_HLEN		6	/* u16 header length (48 in v1.0) */
#define AVT_CK_FLAGS		8	/* u32, 0 */
#define AVT_CK_RAW		12	/* u32 raw (decoded) payload bytes */
#define AVT_CK_STORED		16	/* u32 payload bytes in the file */
#define AVT_CK_NREC		20	/* u32 records in the payload */
#define AVT_CK_FIRST_TS		24	/* u64 ts of the first record */
#define AVT_CK_LAST_TS		32	/* u64 ts of the last record */
#define AVT_CK_PCRC		40	/* u32 crc32 of the stored payload */
#define AVT_CK_HCRC		44	/* u32 crc32 of header[0..hlen-4) */
#define AVT_CK_SIZE_V1		48
#define AVT_CK_MAX_HLEN		1024
#define AVT_CK_MAX_RAW		(64u << 20)	/* bound for hostile lengths */

enum avt_codec {
	AVT_CODEC_NONE = 0,	/* payload stored as is */
	AVT_CODEC_ZLIB = 1,	/* one zlib stream (compress2) */
};

/* ---- record: 24-byte header, then the type's body --------------------- */
#define AVT_RH_TYPE		0	/* u16 */
#define AVT_RH_CPU		2	/* u16 */
#define AVT_RH_SIZE		4	/* u32 whole record incl. this header */
#define AVT_RH_PID		8	/* u32 */
#define AVT_RH_TID		12	/* u32 */
#define AVT_RH_TS		16	/* u64 */
#define AVT_RH_SIZE_V1		24
/* largest known-type record: exec with a 255-byte filename */
#define AVT_REC_MAX_KNOWN	512
/* largest body an AVT_EV_UNKNOWN event may carry */
#define AVT_REC_MAX_UNKNOWN	(1u << 20)

/* ---- optional footer: index block then a 32-byte trailer at EOF ------ */
#define AVT_IX_MAGIC		"AVIX"
#define AVT_IX_COUNT		4	/* u32 entries */
#define AVT_IX_HEAD		8
#define AVT_IX_ENTRY		16	/* u64 chunk offset, u64 first ts */
/* then u32 crc32(block without this field) */

#define AVT_TR_INDEX		0	/* u64 file offset of the index block */
#define AVT_TR_EVENTS		8	/* u64 records written */
#define AVT_TR_CHUNKS		16	/* u32 chunks written */
#define AVT_TR_CRC		20	/* u32 crc32(trailer[0..20)) */
#define AVT_TR_MAGIC_OFF	24
#define AVT_TR_MAGIC		"AVTRAILR"
#define AVT_TR_SIZE		32

#endif /* AVT_FORMAT_LAYOUT_H */
