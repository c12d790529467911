// SPDX-License-Identifier: MIT
/*
 * avt_reader on the text form (src/format/reader_text.c): detection, the
 * metadata read at open, line-numbered errors, and unseekable input.
 * The syntax itself is tested by the text suites (test_text*.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "avtrace/event.h"
#include "avtrace/trace.h"
#include "test_tmpdir.h"


static const char good[] =
	"# a hand-written scenario\n"
	"meta release=6.18.44\n"
	"meta thp=madvise\n"
	"meta 0x99=\"a future key\"\n"
	"\n"
	"@100 c1 10/11 mmap addr=0x1000 len=0x2000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x1000\r\n"
	"10 write 0x1000\n"
	"meta overcommit=1\n"
	"10 unknown type=0x4242 data=0102ff\n"
	"10 exit";	/* no final newline */

static const char *write_tmp(char *path, size_t len, const char *name, const char *text)
{
	FILE *f;

	snprintf(path, len, "%s/fmt-text-%d-%s", tmpdir, (int)getpid(), name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void check_good(struct avt_reader *r)
{
	const struct avt_meta *m = avt_reader__meta(r);
	const struct avt_read_status *st = avt_reader__status(r);
	struct avt_event ev;

	/* the leading meta lines are there before the first event */
	assert_string_equal(avt_meta__get(m, AVT_KEY_RELEASE), "6.18.44");
	assert_string_equal(avt_meta__get(m, AVT_KEY_THP), "madvise");
	assert_string_equal(avt_meta__get(m, 0x99), "a future key");
	assert_null(avt_meta__get(m, AVT_KEY_OVERCOMMIT));
	assert_true(st->is_text);
	assert_int_equal(st->unknown_meta, 1);

	assert_int_equal(avt_reader__next(r, &ev), 1);
	assert_int_equal(ev.type, AVT_EV_SYSCALL);
	assert_int_equal(ev.u.sys.sys, AVT_SYS_MMAP);
	assert_true(ev.ts == 100 && ev.cpu == 1 && ev.pid == 10 && ev.tid == 11);
	assert_true(ev.u.sys.args[0] == 0x1000 && ev.u.sys.args[1] == 0x2000);
	assert_int_equal(avt_reader__next(r, &ev), 1);
	assert_int_equal(ev.type, AVT_EV_FAULT);
	assert_true(ev.u.fault.addr == 0x1000);
	assert_int_equal(avt_reader__next(r, &ev), 1);
	assert_int_equal(ev.type, AVT_EV_UNKNOWN);
	assert_int_equal(ev.u.unknown.raw_type, 0x4242);
	assert_int_equal(ev.u.unknown.len, 3);
	assert_memory_equal(ev.u.unknown.data, "\x01\x02\xff", 3);
	/* a meta line between events lands in the metadata too */
	assert_string_equal(avt_meta__get(m, AVT_KEY_OVERCOMMIT), "1");
	assert_int_equal(avt_reader__next(r, &ev), 1);
	assert_int_equal(ev.type, AVT_EV_EXIT);
	assert_int_equal(avt_reader__next(r, &ev), 0);
	assert_int_equal(st->stop, AVT_STOP_NONE);
	assert_int_equal(st->events, 4);
	assert_int_equal(st->unknown_records, 1);
}

static void test_text_file(void **state)
{
	char path[600], why[256];
	struct avt_reader *r;

	(void)state;
	r = avt_reader__open(write_tmp(path, sizeof(path), "good.txt", good), why, sizeof(why));
	assert_non_null(r);
	check_good(r);
	avt_reader__close(r);
	unlink(path);
}

/* Through a pipe: detection consumed bytes that cannot be seeked back. */
static void test_text_pipe(void **state)
{
	char path[64], why[256];
	struct avt_reader *r;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], good, strlen(good)), (ssize_t)strlen(good));
	close(fds[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	r = avt_reader__open(path, why, sizeof(why));
	assert_non_null(r);
	check_good(r);
	avt_reader__close(r);
	close(fds[0]);

	/* a pipe whose whole content is shorter than the sniffed prefix */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "10 exit", 7), 7);
	close(fds[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	r = avt_reader__open(path, why, sizeof(why));
	assert_non_null(r);
	{
		struct avt_event ev;

		assert_int_equal(avt_reader__next(r, &ev), 1);
		assert_int_equal(ev.type, AVT_EV_EXIT);
		assert_int_equal(ev.pid, 10);
		assert_int_equal(avt_reader__next(r, &ev), 0);
	}
	avt_reader__close(r);
	close(fds[0]);
}

static void test_text_errors(void **state)
{
	char path[600], why[256];
	struct avt_reader *r;
	struct avt_event ev;
	const struct avt_read_status *st;

	(void)state;
	/* an error before the first event: open fails, naming the line */
	errno = 0;
	r = avt_reader__open(write_tmp(path, sizeof(path), "bad1.txt",
				       "meta release=1\n\n10 frobnicate addr=0x1\n"), why, sizeof(why));
	assert_null(r);
	assert_int_equal(errno, EPROTO);
	assert_true(!strncmp(why, "line 3: ", 8));
	unlink(path);

	/* an error later: the events before it, then a stop with the line */
	r = avt_reader__open(write_tmp(path, sizeof(path), "bad2.txt",
				       "10 exit\n11 exit\n12 mmap addr=zz\n13 exit\n"), why, sizeof(why));
	assert_non_null(r);
	assert_int_equal(avt_reader__next(r, &ev), 1);
	assert_int_equal(avt_reader__next(r, &ev), 1);
	assert_int_equal(avt_reader__next(r, &ev), 0);
	assert_int_equal(avt_reader__next(r, &ev), 0);	/* stays stopped */
	st = avt_reader__status(r);
	assert_int_equal(st->stop, AVT_STOP_TEXT_ERROR);
	assert_int_equal(st->text_line, 3);
	assert_true(!strncmp(st->why, "line 3: ", 8));
	assert_int_equal(st->events, 2);
	avt_reader__close(r);
	unlink(path);

	/* a NUL byte after the sniffed prefix */
	{
		FILE *f;

		snprintf(path, sizeof(path), "%s/fmt-text-%d-nul.txt", tmpdir, (int)getpid());
		f = fopen(path, "w");
		assert_non_null(f);
		fwrite("10 exit\n11 e\0it\n", 1, 16, f);
		fclose(f);
		r = avt_reader__open(path, why, sizeof(why));
		assert_non_null(r);
		assert_int_equal(avt_reader__next(r, &ev), 1);
		assert_int_equal(avt_reader__next(r, &ev), 0);
		assert_int_equal(avt_reader__status(r)->stop, AVT_STOP_TEXT_ERROR);
		assert_int_equal(avt_reader__status(r)->text_line, 2);
		avt_reader__close(r);
		unlink(path);
	}

	/* comments and blank lines only: a valid, empty trace */
	r = avt_reader__open(write_tmp(path, sizeof(path), "empty.txt", "# nothing\n\n"),
			     why, sizeof(why));
	assert_non_null(r);
	assert_int_equal(avt_reader__next(r, &ev), 0);
	assert_int_equal(avt_reader__status(r)->stop, AVT_STOP_NONE);
	avt_reader__close(r);
	unlink(path);
}

static int setup(void **state)
{
	(void)state;
	return tmpdir__make("fmt-text");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_file),
		cmocka_unit_test(test_text_pipe),
		cmocka_unit_test(test_text_errors),
	};

	return cmocka_run_group_tests(tests, setup, tmpdir__teardown);
}
