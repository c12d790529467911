// SPDX-License-Identifier: MIT
/*
 * Text line -> event (man/avtrace-text.5). Accepts the canonical form
 * `avtrace script` prints and the short forms people write by hand.
 *
 * The line is copied once into a parser-owned buffer and tokenized in
 * place (quoted strings are unescaped where they stand), so a line costs
 * no allocation once the buffer has grown to the longest line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/text.h"
#include "format/layout.h"
#include "text/text_int.h"

#define MAX_TOKS 64

struct tok {
	char *key;	/* whole token when val is NULL */
	char *val;	/* after the first '=' outside quotes, or NULL */
	bool quoted;
};

struct avt_text_parser {
	char *buf;
	size_t cap;
	uint8_t *data;		/* body of the last `unknown` event */
	size_t data_cap;
	uint64_t prev_ts;
	struct tok toks[MAX_TOKS];
};

struct avt_text_parser *avt_text_parser__new(void)
{
	return calloc(1, sizeof(struct avt_text_parser));
}

void avt_text_parser__free(struct avt_text_parser *p)
{
	if (!p)
		return;
	free(p->buf);
	free(p->data);
	free(p);
}

/* Error with a printf-style reason; always returns -EINVAL. */
__attribute__((format(printf, 3, 4)))
static int fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Split the line into tokens in p->buf. Whitespace separates tokens, `#`
 * outside quotes starts a comment, "..." is a C string (\" \\ \n \t \r
 * \xHH) that may follow `key=`.
 */
static int tokenize(struct avt_text_parser *p, const char *line, int *ntok,
		    char *why, size_t why_len)
{
	size_t len = strlen(line), i = 0, o = 0;
	size_t offs[MAX_TOKS][2];
	char *b;
	int n = 0;

	if (len + 1 > p->cap) {
		size_t cap = p->cap ? p->cap : 256;
		char *nb;

		while (cap < len + 1)
			cap *= 2;
		nb = realloc(p->buf, cap);
		if (!nb)
			return fail(why, why_len, "out of memory");
		p->buf = nb;
		p->cap = cap;
	}
	b = p->buf;
	memcpy(b, line, len + 1);

	for (;;) {
		size_t start, eq = SIZE_MAX;
		bool quoted = false, comment = false;
		char stop;

		while (is_space(b[i]))
			i++;
		if (!b[i] || b[i] == '#')
			break;
		if (n == MAX_TOKS)
			return fail(why, why_len, "too many fields (more than %d)", MAX_TOKS);
		start = o;
		while (b[i] && !is_space(b[i]) && b[i] != '#') {
			char c = b[i];

			if (quoted)
				return fail(why, why_len, "unexpected '%c' after closing quote", c);
			if (c == '"') {
				quoted = true;
				i++;
				for (;;) {
					c = b[i++];
					if (!c)
						return fail(why, why_len, "unterminated quoted string");
					if (c == '"')
						break;
					if (c == '\\') {
						int hi, lo;

						c = b[i++];
						switch (c) {
						case '"': case '\\': break;
						case 'n': c = '\n'; break;
						case 't': c = '\t'; break;
						case 'r': c = '\r'; break;
						case 'x':
							hi = hexval(b[i]);
							lo = hi < 0 ? -1 : hexval(b[i + 1]);
							if (lo < 0)
								return fail(why, why_len, "bad \\x escape in quoted string (need two hex digits)");
							i += 2;
							c = (char)(hi << 4 | lo);
							if (!c)
								return fail(why, why_len, "NUL byte (\\x00) in quoted string");
							break;
						case '\0':
							return fail(why, why_len, "unterminated quoted string");
						default:
							return fail(why, why_len, "bad escape '\\%c' in quoted string", c);
						}
					}
					b[o++] = c;
				}
				continue;
			}
			if (c == '=' && eq == SIZE_MAX)
				eq = o;
			b[o++] = c;
			i++;
		}
		stop = b[i];
		if (stop == '#')
			comment = true;
		if (stop)
			i++;		/* o < i from here: the NUL below clobbers nothing unread */
		b[o++] = '\0';
		offs[n][0] = start;
		offs[n][1] = eq;
		p->toks[n].quoted = quoted;
		n++;
		if (comment)
			break;
	}
	for (int k = 0; k < n; k++) {
		p->toks[k].key = b + offs[k][0];
		p->toks[k].val = NULL;
		if (offs[k][1] != SIZE_MAX) {
			b[offs[k][1]] = '\0';
			p->toks[k].val = b + offs[k][1] + 1;
		}
	}
	*ntok = n;
	return 0;
}

static const char *q(const char *s, char *tmp, size_t len)
{
	return tok_q(s, tmp, len);
}

/* meta KEY=VALUE, or a setting key: name or number. */
static int parse_key(const char *s, const char *what, uint16_t *key, char *why, size_t why_len)
{
	char t[48];
	uint64_t v;
	int k;

	if (*s >= '0' && *s <= '9') {
		if (txt_parse_u64(s, &v) || v > UINT16_MAX || !v)
			return fail(why, why_len, "bad %s key '%s'", what, q(s, t, sizeof(t)));
		*key = (uint16_t)v;
		return 0;
	}
	k = avt_key__from_name(s);
	if (k < 0)
		return fail(why, why_len, "unknown %s key '%s'", what, q(s, t, sizeof(t)));
	*key = (uint16_t)k;
	return 0;
}

static int parse_meta(struct tok *t, int n, struct avt_meta *meta, char *why, size_t why_len)
{
	char tmp[48];

	if (n < 2)
		return fail(why, why_len, "meta line without KEY=VALUE");
	for (int i = 1; i < n; i++) {
		uint16_t key;
		int err;

		if (!t[i].val)
			return fail(why, why_len, "expected KEY=VALUE after meta, got '%s'",
				    q(t[i].key, tmp, sizeof(tmp)));
		err = parse_key(t[i].key, "metadata", &key, why, why_len);
		if (err)
			return err;
		if (meta && avt_meta__set(meta, key, t[i].val))
			return fail(why, why_len, "out of memory");
	}
	return 0;
}

static int parse_ret(const char *s, int64_t *ret, char *why, size_t why_len)
{
	char tmp[48];
	uint64_t u;
	int e;

	if (s[0] == '-' && s[1] == 'E') {
		e = errno_from_name(s + 1);
		if (e < 0)
			return fail(why, why_len, "unknown errno name '%s'", q(s, tmp, sizeof(tmp)));
		*ret = -e;
		return 0;
	}
	if (txt_parse_s64(s, ret) == 0)
		return 0;
	/* An address above INT64_MAX, as printed for mmap & co. */
	if (*s != '-' && txt_parse_u64(s, &u) == 0) {
		*ret = (int64_t)u;
		return 0;
	}
	return fail(why, why_len, "malformed return value '%s'", q(s, tmp, sizeof(tmp)));
}

static int parse_set(struct tok *t, int n, struct avt_event *ev, char *why, size_t why_len)
{
	char tmp[48];
	size_t len;
	int err;

	if (n != 1 || !t[0].val)
		return fail(why, why_len, "set takes exactly one KEY=VALUE");
	err = parse_key(t[0].key, "setting", &ev->u.set.key, why, why_len);
	if (err)
		return err;
	len = strlen(t[0].val);
	if (len >= AVT_SET_LEN)
		return fail(why, why_len, "value of '%s' too long (%zu > %d bytes)",
			    q(t[0].key, tmp, sizeof(tmp)), len, AVT_SET_LEN - 1);
	memcpy(ev->u.set.value, t[0].val, len);
	return 0;
}

static int parse_unknown(struct avt_text_parser *p, struct tok *t, int n, struct avt_event *ev,
			 char *why, size_t why_len)
{
	struct avt_ev_unknown *u = &ev->u.unknown;
	bool have_type = false, have_data = false;
	char tmp[48];

	for (int i = 0; i < n; i++) {
		const char *v = t[i].val;
		uint64_t x;

		if (!v)
			return fail(why, why_len, "expected KEY=VALUE, got '%s'", q(t[i].key, tmp, sizeof(tmp)));
		if (!strcmp(t[i].key, "type")) {
			if (have_type)
				return fail(why, why_len, "duplicate key 'type'");
			if (txt_parse_u64(v, &x) || x > UINT16_MAX)
				return fail(why, why_len, "malformed number '%s' for key 'type'", q(v, tmp, sizeof(tmp)));
			/* a known type is decoded by readers, never kept raw */
			if (x >= 1 && x < AVT_EV__MAX_KNOWN)
				return fail(why, why_len, "type %s is a known event type (write it as %s)",
					    q(v, tmp, sizeof(tmp)), avt_event_type__name((unsigned)x));
			u->raw_type = (uint16_t)x;
			have_type = true;
		} else if (!strcmp(t[i].key, "data")) {
			size_t len = strlen(v);

			if (have_data)
				return fail(why, why_len, "duplicate key 'data'");
			have_data = true;
			if (!strcmp(v, "-"))
				continue;
			if (len % 2)
				return fail(why, why_len, "odd number of hex digits for key 'data'");
			/* the binary form's bound, so that every text trace imports */
			if (len / 2 > AVT_REC_MAX_UNKNOWN)
				return fail(why, why_len, "data of %zu bytes is longer than %u for key 'data'",
					    len / 2, AVT_REC_MAX_UNKNOWN);
			if (len / 2 > p->data_cap) {
				uint8_t *nd = realloc(p->data, len / 2);

				if (!nd)
					return fail(why, why_len, "out of memory");
				p->data = nd;
				p->data_cap = len / 2;
			}
			for (size_t k = 0; k < len; k += 2) {
				int hi = hexval(v[k]), lo = hexval(v[k + 1]);

				if (hi < 0 || lo < 0)
					return fail(why, why_len, "bad hex digit in '%s' for key 'data'", q(v, tmp, sizeof(tmp)));
				p->data[k / 2] = (uint8_t)(hi << 4 | lo);
			}
			u->len = (uint32_t)(len / 2);
			u->data = p->data;
		} else {
			return fail(why, why_len, "unknown key '%s' for unknown", q(t[i].key, tmp, sizeof(tmp)));
		}
	}
	if (!have_type)
		return fail(why, why_len, "missing required key 'type' for unknown");
	return 0;
}

/* rawN / dev / ino / sflags / vmflags of a syscall line. 1 = handled, 0 = not such a key. */
static int parse_sys_extra(const struct tschema *s, const struct tok *t, struct avt_event *ev,
			   unsigned *seen, char *why, size_t why_len)
{
	struct avt_ev_syscall *sc = &ev->u.sys;
	const char *k = t->key, *v = t->val;
	char tmp[48];
	uint64_t x;
	unsigned bit;

	if (!strncmp(k, "raw", 3) && k[3] >= '0' && k[3] <= '5' && !k[4] &&
	    !(s->args_used & (1u << (k[3] - '0'))))
		bit = (unsigned)(k[3] - '0');
	else if (!strcmp(k, "dev"))
		bit = 6;
	else if (!strcmp(k, "ino"))
		bit = 7;
	else if (!strcmp(k, "sflags"))
		bit = 8;
	else if (!strcmp(k, "vmflags"))
		bit = 9;
	else
		return 0;
	if (*seen & (1u << bit))
		return fail(why, why_len, "duplicate key '%s'", k);
	*seen |= 1u << bit;
	if (bit == 6) {
		static const struct tfield dev = {
			.key = "dev", .kind = TK_DEV, .size = 8,
			.off = offsetof(struct avt_event, u.sys.dev),
		};

		return field_parse(ev, &dev, v, why, why_len) ? -EINVAL : 1;
	}
	if (txt_parse_u64(v, &x) || (bit == 8 && x > UINT16_MAX))
		return fail(why, why_len, "malformed number '%s' for key '%s'", q(v, tmp, sizeof(tmp)), k);
	if (bit < 6)
		sc->args[bit] = x;
	else if (bit == 7)
		sc->ino = x;
	else if (bit == 9)
		sc->vm_flags = x;
	else
		sc->flags = (uint16_t)x;
	return 1;
}

static void exec_default_comm(struct avt_event *ev)
{
	const char *f = ev->u.exec.filename, *slash = strrchr(f, '/');
	const char *base = slash ? slash + 1 : f;

	size_t n = strnlen(base, AVT_COMM_LEN - 1);

	/* The kernel's comm is the basename of the path, truncated. */
	memcpy(ev->u.exec.comm, base, n);
	ev->u.exec.comm[n] = '\0';
}

static int parse_fields(const struct tschema *s, struct tok *t, int n, struct avt_event *ev,
			uint32_t seen, char *why, size_t why_len)
{
	unsigned extra = 0, hint = 0;
	char tmp[48];
	int err;

	for (int i = 0; i < n; i++) {
		const struct tfield *f = NULL;
		unsigned j;

		if (!t[i].val) {
			for (j = 0; j < s->nfields; j++)
				if ((s->f[j].flags & TF_POS) && !(seen & (1u << j)))
					break;
			if (j == s->nfields)
				return fail(why, why_len, "expected KEY=VALUE, got '%s'",
					    q(t[i].key, tmp, sizeof(tmp)));
			f = &s->f[j];
			err = field_parse(ev, f, t[i].key, why, why_len);
			if (err)
				return err;
			seen |= 1u << j;
			hint = j + 1;
			continue;
		}
		/* keys usually come in canonical order: try the next one first */
		if (hint < s->nfields && !(s->f[hint].flags & TF_POS) &&
		    !strcmp(s->f[hint].key, t[i].key))
			j = hint;
		else
			for (j = 0; j < s->nfields; j++)
				if (!(s->f[j].flags & TF_POS) && !strcmp(s->f[j].key, t[i].key))
					break;
		hint = j + 1;
		if (j == s->nfields) {
			if (s->type == AVT_EV_SYSCALL) {
				err = parse_sys_extra(s, &t[i], ev, &extra, why, why_len);
				if (err < 0)
					return err;
				if (err)
					continue;
			}
			return fail(why, why_len, "unknown key '%s' for %s",
				    q(t[i].key, tmp, sizeof(tmp)), s->name);
		}
		if (seen & (1u << j))
			return fail(why, why_len, "duplicate key '%s'", s->f[j].key);
		err = field_parse(ev, &s->f[j], t[i].val, why, why_len);
		if (err)
			return err;
		seen |= 1u << j;
	}
	for (unsigned j = 0; j < s->nfields; j++) {
		const struct tfield *f = &s->f[j];

		if (seen & (1u << j))
			continue;
		if (f->flags & TF_REQ) {
			if (f->flags & TF_POS)
				return fail(why, why_len, "missing START-END for %s", s->name);
			return fail(why, why_len, "missing required key '%s' for %s", f->key, s->name);
		}
		if (f->def)
			field_set(ev, f, f->def);
		if (s->type == AVT_EV_EXEC && !strcmp(f->key, "comm"))
			exec_default_comm(ev);
	}
	if (s->type == AVT_EV_SYSCALL) {
		ev->u.sys.sys = s->sys ? s->sys : ev->u.sys.sys;
		if (!(extra & (1u << 8)))	/* no sflags: dev/ino imply a file */
			ev->u.sys.flags = (extra & (3u << 6)) ? AVT_SYSF_FILE : 0;
		if (extra & (1u << 9))	/* vmflags: the recorded VMA flags */
			ev->u.sys.flags |= AVT_SYSF_VMFLAGS;
		else
			ev->u.sys.vm_flags = 0;
	}
	return 0;
}

/* `read ADDR` / `write ADDR`: a user-mode fault; err as the CPU would set it. */
static int parse_short_fault(const struct tschema *s, bool write, struct tok *t, int n,
			     struct avt_event *ev, char *why, size_t why_len)
{
	uint32_t seen = 0;
	bool have_err;
	int err;

	if (n < 1 || t[0].val)
		return fail(why, why_len, "expected an address after '%s'", write ? "write" : "read");
	for (unsigned j = 0; j < s->nfields; j++) {
		if (!strcmp(s->f[j].key, "addr")) {
			err = field_parse(ev, &s->f[j], t[0].key, why, why_len);
			if (err)
				return err;
			seen |= 1u << j;
		} else if (!strcmp(s->f[j].key, "access")) {
			seen |= 1u << j;
		}
	}
	ev->u.fault.flags = write ? AVT_FAULT_WRITE : 0;
	err = parse_fields(s, t + 1, n - 1, ev, seen, why, why_len);
	if (err)
		return err;
	have_err = false;
	for (int i = 1; i < n; i++)
		if (t[i].val && !strcmp(t[i].key, "err"))
			have_err = true;
	if (!have_err)
		ev->u.fault.error_code = 0x4 | (write ? 0x2 : 0);	/* X86_PF_USER | X86_PF_WRITE */
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int parse_header(struct tok *t, int n, int *idx, struct avt_event *ev, bool *have_ts,
			char *why, size_t why_len)
{
	char tmp[48];
	uint64_t v;
	int i = 0;

	if (i < n && !t[i].val && t[i].key[0] == '@') {
		if (txt_parse_u64(t[i].key + 1, &v))
			return fail(why, why_len, "malformed timestamp '%s'", q(t[i].key, tmp, sizeof(tmp)));
		ev->ts = v;
		*have_ts = true;
		i++;
	}
	if (i < n && !t[i].val && t[i].key[0] == 'c' && all_digits(t[i].key + 1)) {
		if (txt_parse_u64(t[i].key + 1, &v) || v > UINT16_MAX)
			return fail(why, why_len, "cpu out of range '%s'", q(t[i].key, tmp, sizeof(tmp)));
		ev->cpu = (uint16_t)v;
		i++;
	}
	if (i < n && !t[i].val && t[i].key[0] >= '0' && t[i].key[0] <= '9') {
		char *slash = strchr(t[i].key, '/');
		uint64_t tid;

		if (slash)
			*slash = '\0';
		if (txt_parse_u64(t[i].key, &v) || v > UINT32_MAX)
			return fail(why, why_len, "malformed pid '%s'", q(t[i].key, tmp, sizeof(tmp)));
		tid = v;
		if (slash && (txt_parse_u64(slash + 1, &tid) || tid > UINT32_MAX))
			return fail(why, why_len, "malformed tid '%s'", q(slash + 1, tmp, sizeof(tmp)));
		ev->pid = (uint32_t)v;
		ev->tid = (uint32_t)tid;
		i++;
	}
	*idx = i;
	return 0;
}

int avt_text_parser__line(struct avt_text_parser *p, const char *line,
			  struct avt_event *ev, struct avt_meta *meta,
			  char *why, size_t why_len)
{
	const struct tschema *s;
	struct tok *t = p->toks;
	bool have_ts = false, have_ret = false;
	const char *name;
	char tmp[48];
	int64_t ret = 0;
	int n, i = 0, err;

	if (why && why_len)
		why[0] = '\0';
	err = tokenize(p, line, &n, why, why_len);
	if (err)
		return err;
	if (!n)
		return 0;
	if (!t[0].val && !strcmp(t[0].key, "meta"))
		return parse_meta(t, n, meta, why, why_len);

	memset(ev, 0, sizeof(*ev));
	err = parse_header(t, n, &i, ev, &have_ts, why, why_len);
	if (err)
		return err;
	if (i == n)
		return fail(why, why_len, "missing event name");
	if (t[i].val)
		return fail(why, why_len, "missing event name before '%s=...'", q(t[i].key, tmp, sizeof(tmp)));
	name = t[i++].key;

	/* `= RET` (or `=RET`) closes the line. */
	for (int k = i; k < n; k++) {
		if (!t[k].val || t[k].key[0] || t[k].quoted)
			continue;
		if (t[k].val[0]) {	/* glued: =RET */
			if (k != n - 1)
				return fail(why, why_len, "expected one return value after '='");
			err = parse_ret(t[k].val, &ret, why, why_len);
		} else {
			if (k != n - 2)
				return fail(why, why_len, "expected one return value after '='");
			if (t[k + 1].val)
				return fail(why, why_len, "malformed return value '%s=...'",
					    q(t[k + 1].key, tmp, sizeof(tmp)));
			err = parse_ret(t[k + 1].key, &ret, why, why_len);
		}
		if (err)
			return err;
		have_ret = true;
		n = k;
		break;
	}

	if (!strcmp(name, "set") || !strcmp(name, "unknown")) {
		bool set = name[0] == 's';

		if (have_ret)
			return fail(why, why_len, "%s has no return value", name);
		ev->type = set ? AVT_EV_SET : AVT_EV_UNKNOWN;
		err = set ? parse_set(t + i, n - i, ev, why, why_len) :
			    parse_unknown(p, t + i, n - i, ev, why, why_len);
	} else if (!strcmp(name, "read") || !strcmp(name, "write")) {
		s = schema_by_name("fault");
		if (have_ret)
			return fail(why, why_len, "%s has no return value", name);
		ev->type = AVT_EV_FAULT;
		err = parse_short_fault(s, name[0] == 'w', t + i, n - i, ev, why, why_len);
	} else {
		s = schema_by_name(name);
		if (!s)
			return fail(why, why_len, "unknown event '%s'", q(name, tmp, sizeof(tmp)));
		if (have_ret && s->ret == RET_NONE)
			return fail(why, why_len, "%s has no return value", s->name);
		ev->type = s->type;
		err = parse_fields(s, t + i, n - i, ev, 0, why, why_len);
		if (!err && s->type == AVT_EV_SYSCALL)
			ev->u.sys.ret = ret;
	}
	if (err)
		return err;
	if (!have_ts)
		ev->ts = p->prev_ts + 1;
	p->prev_ts = ev->ts;
	return 1;
}
