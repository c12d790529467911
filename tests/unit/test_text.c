// SPDX-License-Identifier: MIT
/*
 * Text form: every event type formats and parses back field-identically,
 * the canonical spelling is what man/avtrace-text.5 says, short forms parse
 * to the expected events, and each class of syntax error gives its message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* 257 bytes: one more than a setting value can hold (AVT_SET_LEN - 1). */
#define X16 "0123456789abcdef"
#define LONG_SET_VALUE X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 "0"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "avtrace/text.h"
#include "test_text_samples.h"

static struct avt_text_parser *P;

static int setup(void **state)
{
	(void)state;
	P = avt_text_parser__new();
	return P ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	avt_text_parser__free(P);
	return 0;
}

static void fmt(const struct avt_event *ev, char *buf, size_t len)
{
	int n = avt_text__format(ev, buf, len);

	assert_true(n > 0);
	assert_true((size_t)n < len);
	assert_int_equal(strlen(buf), n);
}

/* Parse one line that must hold an event. */
static void parse_ok(const char *line, struct avt_event *ev)
{
	char why[256] = "";
	int r = avt_text_parser__line(P, line, ev, NULL, why, sizeof(why));

	if (r != 1)
		fail_msg("'%s' -> %d (%s)", line, r, why);
}

/* line must format canonically as want (after parsing). */
static void check_canon(const char *line, const char *want)
{
	struct avt_event ev;
	char buf[2048];

	parse_ok(line, &ev);
	fmt(&ev, buf, sizeof(buf));
	if (strcmp(buf, want))
		fail_msg("'%s'\n  got:  %s\n  want: %s", line, buf, want);
}

static void check_error(const char *line, const char *want)
{
	struct avt_event ev;
	char why[256] = "";
	int r = avt_text_parser__line(P, line, &ev, NULL, why, sizeof(why));

	if (r >= 0)
		fail_msg("'%s' parsed (%d), expected error '%s'", line, r, want);
	if (strcmp(why, want))
		fail_msg("'%s'\n  got:  %s\n  want: %s", line, why, want);
	assert_null(strchr(why, '\n'));
}

/* Every sample: format -> parse gives the same event, and the same text. */
static void test_every_event_round_trips(void **state)
{
	static struct avt_event v[SAMPLES_MAX];
	bool seen_type[AVT_EV__MAX_KNOWN] = { 0 }, seen_sys[AVT_SYS__MAX] = { 0 };
	int n = samples_fill(v);

	(void)state;
	for (int i = 0; i < n; i++) {
		char a[2048], b[2048];
		struct avt_event ev;

		fmt(&v[i], a, sizeof(a));
		parse_ok(a, &ev);
		if (!event_equal(&v[i], &ev))
			fail_msg("sample %d not field-identical after parse: %s", i, a);
		fmt(&ev, b, sizeof(b));
		assert_string_equal(a, b);
		if (v[i].type < AVT_EV__MAX_KNOWN)
			seen_type[v[i].type] = true;
		if (v[i].type == AVT_EV_SYSCALL && v[i].u.sys.sys < AVT_SYS__MAX)
			seen_sys[v[i].u.sys.sys] = true;
	}
	for (int t = 1; t < AVT_EV__MAX_KNOWN; t++)
		if (!seen_type[t])
			fail_msg("no sample of event type %d", t);
	for (int s = 1; s < AVT_SYS__MAX; s++)
		if (!seen_sys[s])
			fail_msg("no sample of syscall %d", s);
}

/* The spelling itself, one line per event kind (man/avtrace-text.5). */
static void test_canonical_spelling(void **state)
{
	static struct avt_event v[SAMPLES_MAX];
	static const struct { int idx; const char *text; } want[] = {
		{ 0, "@1000001000 c2 4001/5001 mmap addr=0x7f0000011000 len=0x7f0000012000 prot=---|0x7f0000013000 flags=MAP_NORESERVE|MAP_NONBLOCK|0x7f0000000000 fd=0x7f0000015000 off=0x7f0000016000 = -ENOMEM" },
		{ 1, "@1000002000 c3 4002/5002 munmap addr=0x7f0000021000 len=0x7f0000022000 raw2=0x7f0000023000 raw3=0x7f0000024000 raw4=0x7f0000025000 raw5=0x7f0000026000 = 2" },
	};
	char buf[2048];

	(void)state;
	samples_fill(v);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		fmt(&v[want[i].idx], buf, sizeof(buf));
		assert_string_equal(buf, want[i].text);
	}
	/* hand-made events, spelled as the brief's examples */
	check_canon("@5 c1 10/11 mmap addr=0x0 len=0x1000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x7f0000000000",
		    "@5 c1 10/11 mmap addr=0x0 len=0x1000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x7f0000000000");
	check_canon("@6 c1 10/11 mmap addr=0x0 len=0x1000 prot=r-x flags=MAP_PRIVATE fd=3 off=0x0 dev=8:1 ino=77 = 0x7f0000001000",
		    "@6 c1 10/11 mmap addr=0x0 len=0x1000 prot=r-x flags=MAP_PRIVATE fd=3 off=0x0 dev=8:1 ino=77 = 0x7f0000001000");
	check_canon("@7 c0 1/1 madvise addr=0x1000 len=0x2000 advice=MADV_DONTFORK = 0",
		    "@7 c0 1/1 madvise addr=0x1000 len=0x2000 advice=MADV_DONTFORK = 0");
	check_canon("@8 c0 1/1 mlockall flags=MCL_CURRENT|MCL_FUTURE = -EPERM",
		    "@8 c0 1/1 mlockall flags=MCL_CURRENT|MCL_FUTURE = -EPERM");
	check_canon("@9 c0 1/2 fork child=3/3 flags=newmm clone_flags=0x11 start=99 comm=sh",
		    "@9 c0 1/2 fork child=3/3 flags=newmm clone_flags=0x11 start=99 comm=sh");
	check_canon("@10 c0 3/3 snap_vma 0x1000-0x3000 flags=0x100073 pgoff=0x1 dev=0:0 ino=0 av=0x5 root=0x5 parent=- children=1 active=1 avcs=2 chain=0x5,0x6",
		    "@10 c0 3/3 snap_vma 0x1000-0x3000 flags=0x100073 pgoff=0x1 dev=0:0 ino=0 av=0x5 root=0x5 parent=- children=1 active=1 avcs=2 chain=0x5,0x6");
	check_canon("@11 c0 0/0 set thp=always", "@11 c0 0/0 set thp=always");
	check_canon("@12 c0 1/1 unknown type=0x1234 data=00ff", "@12 c0 1/1 unknown type=0x1234 data=00ff");
	check_canon("@13 c0 1/1 exec file=\"/a b\" comm=\"a\\\"b\" old_tid=1 start=2",
		    "@13 c0 1/1 exec file=\"/a b\" comm=\"a\\\"b\" old_tid=1 start=2");
}

static void test_short_forms(void **state)
{
	struct avt_event ev;

	(void)state;
	/* missing @TS counts on from the previous event; missing cCPU is 0 */
	check_canon("@100 c2 5/6 munmap addr=0x1000 len=0x1000 = 0",
		    "@100 c2 5/6 munmap addr=0x1000 len=0x1000 = 0");
	check_canon("5 munmap addr=0x1000 len=0x1000", "@101 c0 5/5 munmap addr=0x1000 len=0x1000 = 0");
	check_canon("5/7 munmap len=4096 addr=4096 = -EINVAL",
		    "@102 c0 5/7 munmap addr=0x1000 len=0x1000 = -EINVAL");
	check_canon("c3 5 brk addr=0x5000 =0x5000", "@103 c3 5/5 brk addr=0x5000 = 0x5000");
	check_canon("1 read 0x1000", "@104 c0 1/1 fault addr=0x1000 access=read mode=user ip=0x0 err=0x4");
	check_canon("1 write 0x2000", "@105 c0 1/1 fault addr=0x2000 access=write mode=user ip=0x0 err=0x6");
	check_canon("1 write 0x2000 ip=0x40 err=0x7",
		    "@106 c0 1/1 fault addr=0x2000 access=write mode=user ip=0x40 err=0x7");
	check_canon("1 exit", "@107 c0 1/1 exit code=0 group_dead=1");
	check_canon("1 exit code=3 group_dead=0", "@108 c0 1/1 exit code=3 group_dead=0");
	check_canon("1 exec file=/usr/bin/longer-than-fifteen",
		    "@109 c0 1/1 exec file=/usr/bin/longer-than-fifteen comm=longer-than-fif old_tid=0 start=0");
	check_canon("1 fork child=2 flags=newmm",
		    "@110 c0 1/1 fork child=2/2 flags=newmm clone_flags=0x0 start=0 comm=\"\"");
	check_canon("1 mprotect addr=0x1000 len=0x1000 prot=PROT_READ|PROT_WRITE",
		    "@111 c0 1/1 mprotect addr=0x1000 len=0x1000 prot=rw- = 0");
	check_canon("1 mprotect addr=0x1000 len=0x1000 prot=PROT_NONE",
		    "@112 c0 1/1 mprotect addr=0x1000 len=0x1000 prot=--- = 0");
	check_canon("1 mmap len=4096 prot=7 flags=0x22 = 0x10000",
		    "@113 c0 1/1 mmap addr=0x0 len=0x1000 prot=rwx flags=MAP_PRIVATE|MAP_ANONYMOUS fd=0 off=0x0 = 0x10000");
	check_canon("1 mmap len=0x1000 flags=MAP_PRIVATE|MAP_ANON fd=-1 = -EWOULDBLOCK",
		    "@114 c0 1/1 mmap addr=0x0 len=0x1000 prot=--- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = -EAGAIN");
	check_canon("set thp=never", "@115 c0 0/0 set thp=never");
	check_canon("1 snap_vma 0x1000-0x2000", "@116 c0 1/1 snap_vma 0x1000-0x2000 flags=0x0 pgoff=0x0 dev=0:0 ino=0 av=- root=- parent=- children=0 active=0 avcs=0 chain=-");
	check_canon("1 snap_end kind=start", "@117 c0 1/1 snap_end kind=start n=0 status=complete vmas=0 window=0-0");
	check_canon("1 alloc cache=avc op=alloc id=0x10", "@118 c0 1/1 alloc cache=avc op=alloc site=unknown id=0x10");
	check_canon("1 checkpoint n=4  # trailing comment", "@119 c0 1/1 checkpoint n=4");
	check_canon("@5 1 checkpoint n=1", "@5 c0 1/1 checkpoint n=1");
	check_canon("1 checkpoint n=2", "@6 c0 1/1 checkpoint n=2");
	check_canon("\t 1   ksm   target=1\taddr=0x1000  ", "@7 c0 1/1 ksm target=1 addr=0x1000");
	check_canon("1 prctl option=1398164801 arg2=0 arg5=0x10",
		    "@8 c0 1/1 prctl option=PR_SET_VMA arg2=0x0 arg3=0x0 arg4=0x0 arg5=0x10 = 0");
	check_canon("1 syscall nr=1 raw1=0x1000", "@9 c0 1/1 mmap addr=0x0 len=0x1000 prot=--- flags=0 fd=0 off=0x0 = 0x0");
	check_canon("1 snap_vma 0x1000-0x2000 dev=0x800003 chain=0x1,-",
		    "@10 c0 1/1 snap_vma 0x1000-0x2000 flags=0x0 pgoff=0x0 dev=8:3 ino=0 av=- root=- parent=- children=0 active=0 avcs=0 chain=0x1,0x0");

	/* field values, not just text */
	parse_ok("7 write 0xabc000", &ev);
	assert_int_equal(ev.type, AVT_EV_FAULT);
	assert_int_equal(ev.u.fault.addr, 0xabc000);
	assert_int_equal(ev.u.fault.flags, AVT_FAULT_WRITE);
	assert_int_equal(ev.pid, 7);
	assert_int_equal(ev.tid, 7);
	parse_ok("7 mmap addr=0 len=0x1000 fd=-1 dev=8:1", &ev);
	assert_int_equal(ev.u.sys.args[4], UINT64_MAX);
	assert_int_equal(ev.u.sys.flags, AVT_SYSF_FILE);
	assert_int_equal(ev.u.sys.dev, (8u << 20) | 1);
}

static void test_blank_and_comment_lines(void **state)
{
	struct avt_event ev;
	char why[64];

	(void)state;
	assert_int_equal(avt_text_parser__line(P, "", &ev, NULL, why, sizeof(why)), 0);
	assert_int_equal(avt_text_parser__line(P, "   \t ", &ev, NULL, why, sizeof(why)), 0);
	assert_int_equal(avt_text_parser__line(P, "# a comment", &ev, NULL, why, sizeof(why)), 0);
	assert_int_equal(avt_text_parser__line(P, "   # indented comment", &ev, NULL, why, sizeof(why)), 0);
}

static void test_meta_lines(void **state)
{
	struct avt_meta m;
	struct avt_event ev;
	char why[128], *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	avt_meta__init(&m);
	assert_int_equal(avt_text_parser__line(P, "meta release=6.18.44", &ev, &m, why, sizeof(why)), 0);
	assert_int_equal(avt_text_parser__line(P, "meta cmdline=\"make -j2 \\\"x\\\"\" thp=always", &ev, &m, why, sizeof(why)), 0);
	assert_int_equal(avt_text_parser__line(P, "meta 0x77=\"\\x01odd\"", &ev, &m, why, sizeof(why)), 0);
	assert_int_equal(avt_text_parser__line(P, "meta hostname=\"\"", &ev, &m, why, sizeof(why)), 0);
	assert_string_equal(avt_meta__get(&m, AVT_KEY_RELEASE), "6.18.44");
	assert_string_equal(avt_meta__get(&m, AVT_KEY_CMDLINE), "make -j2 \"x\"");
	assert_string_equal(avt_meta__get(&m, AVT_KEY_THP), "always");
	assert_string_equal(avt_meta__get(&m, 0x77), "\x01odd");
	assert_string_equal(avt_meta__get(&m, AVT_KEY_HOSTNAME), "");

	f = open_memstream(&text, &len);
	assert_non_null(f);
	avt_text__print_meta(f, &m);
	fclose(f);
	assert_string_equal(text, "meta release=6.18.44\n"
			    "meta cmdline=\"make -j2 \\\"x\\\"\"\n"
			    "meta thp=always\n"
			    "meta 0x77=\"\\x01odd\"\n"
			    "meta hostname=\"\"\n");
	free(text);
	avt_meta__fini(&m);
}

/* Each class of syntax error: one line, naming the bad token. */
static void test_syntax_errors(void **state)
{
	(void)state;
	check_error("1 mmapp len=0x1000", "unknown event 'mmapp'");
	check_error("1 munmap addr=0x1000 len=0x1000 colour=red", "unknown key 'colour' for munmap");
	check_error("1 munmap addr=0x1000 len=0x10z0", "malformed number '0x10z0' for key 'len'");
	check_error("1 munmap addr=0x1000 len=", "malformed number '' for key 'len'");
	check_error("1 munmap addr=0x1000", "missing required key 'len' for munmap");
	check_error("1 munmap addr=1 len=1 addr=2", "duplicate key 'addr'");
	check_error("1 munmap addr=1 len=1 0x55", "expected KEY=VALUE, got '0x55'");
	check_error("1 checkpoint n=99999999999", "number out of range '99999999999' for key 'n'");
	check_error("1 mmap len=1 flags=MAP_PRIVATE|MAP_BOGUS", "unknown mmap flag 'MAP_BOGUS' for key 'flags'");
	check_error("1 mmap len=1 prot=rwz", "unknown prot 'rwz' for key 'prot'");
	check_error("1 madvise addr=1 len=1 advice=MADV_SLEEP", "unknown madvise advice 'MADV_SLEEP' for key 'advice'");
	check_error("1 munmap addr=1 len=1 = -ENOTANERRNO", "unknown errno name '-ENOTANERRNO'");
	check_error("1 munmap addr=1 len=1 = 12abc", "malformed return value '12abc'");
	check_error("1 munmap addr=1 len=1 = 0 0", "expected one return value after '='");
	check_error("1 munmap addr=1 len=1 =0 0", "expected one return value after '='");
	check_error("1 munmap addr=1 len=1 =", "expected one return value after '='");
	check_error("1 checkpoint n=1 = 0", "checkpoint has no return value");
	check_error("1 exec file=\"/bin/x", "unterminated quoted string");
	check_error("1 exec file=\"/bin\\qx\"", "bad escape '\\q' in quoted string");
	check_error("1 exec file=\"/bin\\x4\"", "bad \\x escape in quoted string (need two hex digits)");
	check_error("1 exec file=\"a\"b", "unexpected 'b' after closing quote");
	check_error("1 exec comm=abcdefghijklmnopq file=/x", "string too long (17 > 15 bytes) for key 'comm'");
	check_error("1 snap_vma flags=0x1", "missing START-END for snap_vma");
	check_error("1 snap_vma 0x2000 flags=0x1", "expected A-B, got '0x2000' for key 'range'");
	check_error("1 snap_vma 1-2 chain=1,2,3,4,5,6,7,8,9", "more than 8 ids for key 'chain'");
	check_error("1 fault addr=1 access=read|sideways", "unknown fault access 'sideways' for key 'access'");
	check_error("1 fault addr=1 access=0x2", "value out of range '0x2' for key 'access'");
	check_error("1 alloc cache=slab op=alloc id=1", "unknown cache 'slab' for key 'cache'");
	check_error("@12x 1 checkpoint n=1", "malformed timestamp '@12x'");
	check_error("c99999 1 checkpoint n=1", "cpu out of range 'c99999'");
	check_error("1/2x checkpoint n=1", "malformed tid '2x'");
	check_error("@5 c1 7", "missing event name");
	check_error("7 addr=1", "missing event name before 'addr=...'");
	check_error("1 read", "expected an address after 'read'");
	check_error("1 read 0xzz", "malformed number '0xzz' for key 'addr'");
	check_error("set thp", "set takes exactly one KEY=VALUE");
	check_error("set colour=red", "unknown setting key 'colour'");
check_error("set thp=\"" LONG_SET_VALUE "\"",
		    "value of 'thp' too long (257 > 255 bytes)");
	check_error("unknown data=00", "missing required key 'type' for unknown");
	check_error("unknown type=0x7 data=00", "type 0x7 is a known event type (write it as syscall)");
	check_error("unknown type=0x10 data=0", "odd number of hex digits for key 'data'");
	check_error("unknown type=0x10 data=0g", "bad hex digit in '0g' for key 'data'");
	check_error("meta colour=red", "unknown metadata key 'colour'");
	check_error("meta release", "expected KEY=VALUE after meta, got 'release'");
	check_error("meta", "meta line without KEY=VALUE");
	check_error("1 mmap len=1 raw1=5", "unknown key 'raw1' for mmap");
	check_error("1 mmap len=1 dev=8:1048576", "device number out of range '8:1048576' for key 'dev'");
	check_error("1 exec file=\"a\\x00b\"", "NUL byte (\\x00) in quoted string");
	/* a long bad token is shortened, the message stays one line */
	check_error("1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		    "unknown event 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
}

/* The formatter behaves like snprintf: it reports the length it needs. */
static void test_format_truncates_like_snprintf(void **state)
{
	struct avt_event ev;
	char full[512], small[16];
	int n, m;

	(void)state;
	parse_ok("@1 c0 1/1 mmap addr=0x0 len=0x1000 prot=rw- flags=MAP_PRIVATE fd=-1 off=0x0 = 0x1000", &ev);
	n = avt_text__format(&ev, full, sizeof(full));
	memset(small, 'X', sizeof(small));
	m = avt_text__format(&ev, small, sizeof(small));
	assert_int_equal(n, m);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
	assert_int_equal(avt_text__format(&ev, NULL, 0), n);
	ev.type = 200;
	assert_true(avt_text__format(&ev, full, sizeof(full)) < 0);
}

/* Long lines (an `unknown` body of 100 KiB) parse, and the body survives. */
static void test_long_unknown_body(void **state)
{
	static uint8_t body[100000];
	struct avt_event ev, back;
	char *buf;
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 7 + 3);
	memset(&ev, 0, sizeof(ev));
	ev.type = AVT_EV_UNKNOWN;
	ev.u.unknown.raw_type = 0xbeef;
	ev.u.unknown.len = sizeof(body);
	ev.u.unknown.data = body;
	n = avt_text__format(&ev, NULL, 0);
	assert_true(n > (int)sizeof(body) * 2);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(avt_text__format(&ev, buf, (size_t)n + 1), n);
	parse_ok(buf, &back);
	assert_true(event_equal(&ev, &back));
	free(buf);
}

/*
 * Mutated lines (bytes flipped, replaced, cut) never crash the parser; it
 * either gives an event whose canonical text is a fixed point, or an error
 * with a one-line reason. Deterministic: a fixed seed.
 */
static void test_mutated_lines(void **state)
{
	static struct avt_event v[SAMPLES_MAX];
	static const char alphabet[] = " =\"#|-,:/@cx0123456789abcdefrw\\\t";
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int n = samples_fill(v), parsed = 0, errors = 0;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		char line[2048], a[4096], b[4096], why[256];
		struct avt_event ev, ev2;
		size_t len;
		int r, k;

		avt_text__format(&v[round % n], line, sizeof(line));
		len = strlen(line);
		for (k = 0; k < 1 + round % 4; k++) {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			size_t pos = seed % (len + 1);

			switch ((seed >> 32) % 4) {
			case 0:		/* replace a byte */
				if (pos < len)
					line[pos] = alphabet[(seed >> 40) % (sizeof(alphabet) - 1)];
				break;
			case 1:		/* cut the line */
				line[pos] = '\0';
				len = pos;
				break;
			case 2:		/* delete a byte */
				if (pos < len) {
					memmove(line + pos, line + pos + 1, len - pos);
					len--;
				}
				break;
			default:	/* insert a byte */
				if (len + 2 < sizeof(line)) {
					memmove(line + pos + 1, line + pos, len - pos + 1);
					line[pos] = alphabet[(seed >> 40) % (sizeof(alphabet) - 1)];
					len++;
				}
			}
		}
		why[0] = '\0';
		r = avt_text_parser__line(P, line, &ev, NULL, why, sizeof(why));
		if (r < 0) {
			errors++;
			if (!why[0] || strchr(why, '\n'))
				fail_msg("bad reason '%s' for '%s'", why, line);
			continue;
		}
		if (r == 0)
			continue;
		parsed++;
		fmt(&ev, a, sizeof(a));
		parse_ok(a, &ev2);
		fmt(&ev2, b, sizeof(b));
		if (strcmp(a, b))
			fail_msg("not a fixed point: '%s'\n  %s\n  %s", line, a, b);
	}
	/* the mutations hit both outcomes often */
	assert_true(parsed > 1000);
	assert_true(errors > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_event_round_trips),
		cmocka_unit_test(test_canonical_spelling),
		cmocka_unit_test(test_short_forms),
		cmocka_unit_test(test_blank_and_comment_lines),
		cmocka_unit_test(test_meta_lines),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_format_truncates_like_snprintf),
		cmocka_unit_test(test_long_unknown_body),
		cmocka_unit_test(test_mutated_lines),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
