// SPDX-License-Identifier: MIT
/*
 * The recorded VMA flags of an mmap of a non-regular file (AVT_SYSF_VMFLAGS,
 * syscall body u64 vm_flags at 76): binary size and round trip with and
 * without the flag, a truncated record refused, an older 76-byte body read
 * as no flags, a longer body from a newer writer read; the text form's
 * vmflags= key printed, parsed (setting the flag) and round-tripped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include "avtrace/text.h"
#include "format/layout.h"
#include "format/record.h"

static struct avt_event mmap_ev(uint16_t flags, uint64_t vm_flags)
{
	struct avt_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = AVT_EV_SYSCALL;
	ev.ts = 7;
	ev.pid = ev.tid = 42;
	ev.u.sys.sys = AVT_SYS_MMAP;
	ev.u.sys.flags = flags;
	ev.u.sys.args[1] = 0x9000;
	ev.u.sys.args[2] = 1;		/* PROT_READ */
	ev.u.sys.args[3] = 1;		/* MAP_SHARED */
	ev.u.sys.args[4] = 5;
	ev.u.sys.args[5] = 0x1000;
	ev.u.sys.ret = 0x7f0000000000;
	ev.u.sys.dev = 16;
	ev.u.sys.ino = 17;
	ev.u.sys.vm_flags = vm_flags;
	return ev;
}

static void binary_round_trip(void **state)
{
	struct avt_event ev = mmap_ev(AVT_SYSF_FILE | AVT_SYSF_VMFLAGS, 0x14040099), back;
	uint8_t buf[256];
	const char *why = NULL;
	long n = avt_record__size(&ev);

	(void)state;
	assert_int_equal(n, AVT_RH_SIZE_V1 + 84);
	assert_int_equal(avt_record__encode(&ev, buf), (size_t)n);
	memset(&back, 0xa5, sizeof(back));
	assert_int_equal(avt_record__decode(buf, (uint32_t)n, &back, &why), 0);
	assert_int_equal(back.u.sys.flags, AVT_SYSF_FILE | AVT_SYSF_VMFLAGS);
	assert_int_equal(back.u.sys.vm_flags, 0x14040099);
	assert_int_equal(back.u.sys.ino, 17);

	/* cut to 76 bytes while the flag says vm_flags follow: refused */
	assert_int_equal(avt_record__check(buf, AVT_RH_SIZE_V1 + 76, &why), -EPROTO);
	assert_non_null(why);
	assert_int_equal(avt_record__decode(buf, AVT_RH_SIZE_V1 + 76, &back, &why), -EPROTO);

	/* without the flag: 76 bytes, vm_flags not written, read as 0 */
	ev = mmap_ev(AVT_SYSF_FILE, 0xdead);
	n = avt_record__size(&ev);
	assert_int_equal(n, AVT_RH_SIZE_V1 + 76);
	avt_record__encode(&ev, buf);
	memset(&back, 0xa5, sizeof(back));
	assert_int_equal(avt_record__decode(buf, (uint32_t)n, &back, &why), 0);
	assert_int_equal(back.u.sys.vm_flags, 0);
}

static void newer_longer_body(void **state)
{
	struct avt_event ev = mmap_ev(AVT_SYSF_FILE | AVT_SYSF_VMFLAGS, 0x40644bb), back;
	uint8_t buf[256];
	const char *why = NULL;
	long n = avt_record__size(&ev);

	(void)state;
	avt_record__encode(&ev, buf);
	memset(buf + n, 0x5a, 16);	/* a newer writer appended 16 bytes */
	buf[4] = (uint8_t)(n + 16);	/* the header's u32 size, little-endian */
	assert_int_equal(avt_record__decode(buf, (uint32_t)n + 16, &back, &why), 0);
	assert_int_equal(back.u.sys.vm_flags, 0x40644bb);
}

static void text_round_trip(void **state)
{
	struct avt_event ev = mmap_ev(AVT_SYSF_FILE | AVT_SYSF_VMFLAGS, 0x14040099), back;
	struct avt_text_parser *p = avt_text_parser__new();
	struct avt_meta meta;
	char line[512], again[512], why[128];

	(void)state;
	assert_non_null(p);
	memset(&meta, 0, sizeof(meta));
	assert_true(avt_text__format(&ev, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, " vmflags=0x14040099"));
	assert_null(strstr(line, "sflags="));	/* implied by dev/ino + vmflags */
	assert_int_equal(avt_text_parser__line(p, line, &back, &meta, why, sizeof(why)), 1);
	assert_int_equal(back.u.sys.flags, AVT_SYSF_FILE | AVT_SYSF_VMFLAGS);
	assert_int_equal(back.u.sys.vm_flags, 0x14040099);
	assert_true(avt_text__format(&back, again, sizeof(again)) > 0);
	assert_string_equal(line, again);

	/* with another flag: sflags printed and kept, vmflags still */
	ev.u.sys.flags |= AVT_SYSF_PLACED;
	assert_true(avt_text__format(&ev, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, " sflags=0x51"));
	assert_int_equal(avt_text_parser__line(p, line, &back, &meta, why, sizeof(why)), 1);
	assert_int_equal(back.u.sys.flags, AVT_SYSF_FILE | AVT_SYSF_VMFLAGS | AVT_SYSF_PLACED);
	assert_int_equal(back.u.sys.vm_flags, 0x14040099);

	/* hand-written short form: vmflags sets the flag */
	assert_int_equal(avt_text_parser__line(p, "1 mmap addr=0x200000 len=0x1000 prot=rw- "
					       "flags=MAP_SHARED fd=4 off=0x0 dev=0:16 ino=17 "
					       "vmflags=0x140400bb = 0x200000",
					       &back, &meta, why, sizeof(why)), 1);
	assert_int_equal(back.u.sys.flags, AVT_SYSF_FILE | AVT_SYSF_VMFLAGS);
	assert_int_equal(back.u.sys.vm_flags, 0x140400bb);
	/* no vmflags: no flag, no flags */
	assert_int_equal(avt_text_parser__line(p, "1 mmap addr=0x200000 len=0x1000 prot=rw- "
					       "flags=MAP_SHARED fd=4 off=0x0 dev=0:16 ino=17 = 0x200000",
					       &back, &meta, why, sizeof(why)), 1);
	assert_int_equal(back.u.sys.flags, AVT_SYSF_FILE);
	assert_int_equal(back.u.sys.vm_flags, 0);
	/* a bad value is refused with a reason */
	assert_true(avt_text_parser__line(p, "1 mmap addr=0x0 len=0x1000 prot=rw- flags=MAP_SHARED "
					  "fd=4 off=0x0 vmflags=zz = 0x200000",
					  &back, &meta, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "vmflags"));
	avt_text_parser__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(binary_round_trip),
		cmocka_unit_test(newer_longer_body),
		cmocka_unit_test(text_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
