/* SPDX-License-Identifier: MIT */
/*
 * Internals of the text form (man/avtrace-text.5).
 *
 * One table (schema.c) describes, for every event name, which key maps to
 * which field of struct avt_event and how its value is spelled. The
 * formatter (format.c) and the parser (parse.c) both walk that table, so
 * the two directions cannot drift apart; field.c holds the per-kind codecs
 * and symbols.c the flag/enum/errno names.
 */
#ifndef AVT_TEXT_INT_H
#define AVT_TEXT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "avtrace/event.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- output cursor: snprintf-like, counts past the end ----------------- */
struct tbuf {
	char *buf;
	size_t len;	/* capacity of buf including the NUL */
	size_t pos;	/* chars produced so far (may exceed len) */
};

static inline void tb_putc(struct tbuf *b, char c)
{
	if (b->pos < b->len)
		b->buf[b->pos] = c;
	b->pos++;
}

void tb_putn(struct tbuf *b, const char *s, size_t n);
void tb_puts(struct tbuf *b, const char *s);
void tb_hex(struct tbuf *b, uint64_t v);		/* 0x1f */
void tb_udec(struct tbuf *b, uint64_t v);
void tb_sdec(struct tbuf *b, int64_t v);
/* A string value: bare when it cannot be misread, else "quoted C string". */
void tb_str(struct tbuf *b, const char *s, size_t n);
/* NUL-terminate at min(pos, len - 1). */
void tb_finish(struct tbuf *b);

/* ---- numbers ------------------------------------------------------------ */
/* Decimal, or hex with 0x. 0 or -EINVAL (malformed) / -ERANGE. */
int txt_parse_u64(const char *s, uint64_t *v);
/* Optional leading '-' or '+', then as above; range of int64. */
int txt_parse_s64(const char *s, int64_t *v);

/* ---- symbols ------------------------------------------------------------ */
struct sym {
	const char *name;
	uint64_t mask, value;	/* a name matches when (v & mask) == value */
};

struct symtab {
	const char *what;	/* for messages: "mmap flag" */
	const struct sym *v;
	unsigned n;
	const char *zero;	/* name printed for 0 (flags), NULL = "0" */
	bool is_enum;		/* exact values, decimal fallback */
};

extern const struct symtab sym_prot, sym_mmap_flags, sym_mremap_flags,
	sym_mlock2_flags, sym_mlockall_flags, sym_madvise, sym_prctl_option,
	sym_fork_flags, sym_fault_access, sym_fault_mode, sym_snap_kind,
	sym_snap_status, sym_snap_flags, sym_alloc_cache, sym_alloc_op,
	sym_alloc_site, sym_rmap_kind, sym_stats_kind;

/* Flags: names joined by |, leftover bits as |0x..; enums: name or decimal. */
void sym_format(struct tbuf *b, const struct symtab *t, uint64_t v);
/* Parse a value written with sym_format (numbers accepted anywhere).
 * On error writes a reason to why. */
int sym_parse(const struct symtab *t, const char *s, uint64_t *v, char *why, size_t why_len);
/* prot: "rw-" (+ |PROT_SEM...) on output; rwx triplets, PROT_* or numbers in. */
void prot_format(struct tbuf *b, uint64_t v);
int prot_parse(const char *s, uint64_t *v, char *why, size_t why_len);

/* errno names: NULL when unknown. */
const char *errno_name(unsigned e);
int errno_from_name(const char *name);	/* -1 when unknown */

/* ---- schema --------------------------------------------------------------- */
enum tkind {
	TK_HEX,		/* 0x1f */
	TK_DEC,		/* unsigned decimal */
	TK_SDEC,	/* signed decimal (int32/int64 storage) */
	TK_SINT,	/* C int passed in a u64 register: -1, 3, or 0x.. if odd */
	TK_ID,		/* opaque id: hex, '-' for 0 */
	TK_DEV,		/* MAJ:MIN of major<<20|minor */
	TK_STR,		/* char[size] */
	TK_PROT,
	TK_SYM,		/* flags or enum, through tab */
	TK_PIDTID,	/* two u32: PID/TID */
	TK_RANGE_HEX,	/* two u64: 0xSTART-0xEND */
	TK_RANGE_DEC,	/* two u64: A-B */
	TK_CHAIN,	/* snap_vma avc_av[] + nr_avc_ids */
};

enum {
	TF_REQ = 1,	/* error when absent */
	TF_POS = 2,	/* positional: first token without '=' */
};

struct tfield {
	const char *key;
	uint8_t kind;
	uint16_t size;		/* bytes of storage at off */
	uint8_t flags;
	uint16_t off;		/* offsetof(struct avt_event, ...) */
	uint64_t mask;		/* bits of the storage this key owns, 0 = all */
	uint64_t def;		/* value when absent */
	const struct symtab *tab;
};

enum { RET_NONE, RET_DEC, RET_HEX };

#define TS_MAX_FIELDS 12

struct tschema {
	const char *name;
	uint16_t type;		/* enum avt_event_type */
	uint16_t sys;		/* enum avt_sys when type == SYSCALL */
	uint8_t ret;		/* RET_* */
	uint8_t nfields;
	uint8_t args_used;	/* syscalls: bit i = args[i] has a key */
	struct tfield f[TS_MAX_FIELDS];
};

/* Schema for an event, NULL if it has none (set, unknown, odd syscalls). */
const struct tschema *schema_for_event(const struct avt_event *ev);
/* Schema by event name, NULL if unknown. */
const struct tschema *schema_by_name(const char *name);
const struct tschema *schema_generic_syscall(void);

/* Field codecs (field.c). */
uint64_t field_get(const struct avt_event *ev, const struct tfield *f);
void field_set(struct avt_event *ev, const struct tfield *f, uint64_t v);
void field_format(struct tbuf *b, const struct avt_event *ev, const struct tfield *f);
/* value is the unescaped text after '='. */
int field_parse(struct avt_event *ev, const struct tfield *f, const char *value,
		char *why, size_t why_len);

/* Message helper: quote a token for an error message, shortened. */
const char *tok_q(const char *s, char *tmp, size_t tmp_len);

#endif /* AVT_TEXT_INT_H */
