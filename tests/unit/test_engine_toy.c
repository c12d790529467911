// SPDX-License-Identifier: MIT
/*
 * A toy second scheme proves that the VMA layer uses only the ops table:
 * its anon state is a tagged integer (never a valid pointer, so any access
 * by the VMA layer would crash under ASan), it has its own merge rule (a
 * fork child may merge with a fresh range, which eager refuses), and every
 * call is counted. The layout must follow the toy's answers.
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
#include "avtrace/engine.h"
#include "avtrace/text.h"
#include "engine/internal.h"

struct toy {
	uint64_t next_token;
	int prepare, clone[4], fork_link, unlink, range_open, range_pairs, on_remove, walks;
	int bad;
};

#define TOY(s) ((struct toy *)(s)->priv)
#define TOKEN(n) ((void *)(uintptr_t)(((n) << 4) | 0xb))

static int toy_init(struct avt_scheme *s, const char *p)
{
	(void)p;
	s->priv = calloc(1, sizeof(struct toy));
	return s->priv ? 0 : -ENOMEM;
}

static void toy_fini(struct avt_scheme *s)
{
	free(s->priv);
}

static bool toy_faulted(struct avt_scheme *s, const struct avt_vma *v)
{
	(void)s;
	return v->anon != NULL;
}

static bool toy_fork_child(struct avt_scheme *s, const struct avt_vma *v)
{
	(void)s;
	return v && (v->sw & 1);
}

static bool toy_reusable(struct avt_scheme *s, const struct avt_vma *v)
{
	(void)s;
	(void)v;
	return false;
}

/* toy rule: equal tokens, or one side unfaulted -- fork children included */
static bool toy_merge_allowed(struct avt_scheme *s, const struct avt_vma *n,
			      const struct avt_vma *src, const struct avt_vma *middle,
			      const struct avt_vma *copied, int *why)
{
	void *a = n->anon, *b = src ? src->anon : NULL;

	(void)s;
	(void)middle;
	(void)copied;
	if (!a || !b || a == b)
		return true;
	*why = AVT_MR_SCHEME;
	return false;
}

static bool toy_conflict(struct avt_scheme *s, const struct avt_vma *p, const struct avt_vma *n)
{
	(void)s;
	return p->anon && n->anon && p->anon != n->anon;
}

static int toy_prepare(struct avt_scheme *s, struct avt_vma *v, struct avt_vma *reuse,
		       enum avt_prepare_site site)
{
	(void)site;
	if (reuse)
		TOY(s)->bad++;
	TOY(s)->prepare++;
	v->anon = TOKEN(++TOY(s)->next_token);
	return 0;
}

static int toy_clone(struct avt_scheme *s, struct avt_vma *dst, struct avt_vma *src,
		     enum avt_clone_op op)
{
	if (op < 1 || op > 3)
		TOY(s)->bad++;
	else
		TOY(s)->clone[op]++;
	dst->anon = src->anon;
	dst->sw = src->sw;
	return 0;
}

static int toy_fork_link(struct avt_scheme *s, struct avt_vma *c, struct avt_vma *p)
{
	TOY(s)->fork_link++;
	if (p->anon) {
		c->anon = TOKEN(++TOY(s)->next_token);
		c->sw = 1;
	}
	return 0;
}

static void toy_unlink(struct avt_scheme *s, struct avt_vma *v, enum avt_unlink_why why)
{
	(void)why;
	if (v->anon)
		TOY(s)->unlink++;
	v->anon = NULL;
	v->sw = 0;
}

static void toy_range_begin(struct avt_scheme *s, struct avt_vma *v, struct avt_vma *adj,
			    enum avt_range_tag tag)
{
	(void)v;
	(void)adj;
	(void)tag;
	if (TOY(s)->range_open++)
		TOY(s)->bad++;
}

static void toy_range_end(struct avt_scheme *s, struct avt_vma *v, struct avt_vma *adj,
			  enum avt_range_tag tag)
{
	(void)v;
	(void)adj;
	(void)tag;
	if (--TOY(s)->range_open)
		TOY(s)->bad++;
	TOY(s)->range_pairs++;
}

static void toy_on_remove(struct avt_scheme *s, struct avt_vma *v)
{
	if (v->anon)
		TOY(s)->bad++;	/* removed while still linked */
	TOY(s)->on_remove++;
}

static void *toy_handle(struct avt_scheme *s, struct avt_vma *v)
{
	(void)s;
	return v->anon;
}

static void *toy_move(struct avt_scheme *s, struct avt_vma *v, struct avt_folio *f)
{
	(void)s;
	(void)f;
	return v->anon;
}

static void toy_walk(struct avt_scheme *s, struct avt_folio *f, bool lock,
		     struct avt_rmap_result *r)
{
	(void)f;
	(void)lock;
	TOY(s)->walks++;
	memset(r, 0, sizeof(*r));
	r->visited = 1;
}

static void toy_pt_move_lock(struct avt_scheme *s, struct avt_vma *v, enum avt_lock_tag t)
{
	(void)s;
	(void)v;
	(void)t;
}

static void toy_state(struct avt_scheme *s, const struct avt_vma *v, struct avt_vma_state *st)
{
	(void)s;
	memset(st, 0, sizeof(*st));
	st->av = st->root = st->parent = v->anon;
	st->avcs = v->anon ? 1 : 0;
	st->children = (uint32_t)(v->sw & 1);
}

static const struct avt_scheme_ops toy_ops = {
	.name = "toy",
	.init = toy_init,
	.fini = toy_fini,
	.is_faulted = toy_faulted,
	.is_fork_child = toy_fork_child,
	.reusable_neighbour = toy_reusable,
	.anon_merge_allowed = toy_merge_allowed,
	.anon_conflict = toy_conflict,
	.prepare = toy_prepare,
	.clone = toy_clone,
	.fork_link = toy_fork_link,
	.unlink = toy_unlink,
	.range_begin = toy_range_begin,
	.range_end = toy_range_end,
	.on_remove = toy_on_remove,
	.folio_handle = toy_handle,
	.folio_move = toy_move,
	.rmap_walk = toy_walk,
	.pt_move_lock = toy_pt_move_lock,
	.vma_state = toy_state,
};

static const char *const script[] = {
	"1 exec file=/bin/t comm=t",
	"1 mmap addr=0x100000 len=0x8000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x100000",
	"1 write 0x100000",
	"1 write 0x103000",
	"1 mprotect addr=0x102000 len=0x2000 prot=r-- = 0",
	"1 mprotect addr=0x102000 len=0x2000 prot=rw- = 0",
	"1 fork child=2 flags=newmm",
	"2 mmap addr=0x108000 len=0x4000 prot=rw- flags=MAP_PRIVATE|MAP_ANONYMOUS fd=-1 off=0x0 = 0x108000",
	"2 write 0x100000",
	"2 mremap addr=0x100000 old_len=0xc000 new_len=0xc000 flags=MREMAP_MAYMOVE|MREMAP_FIXED new_addr=0x400000 = 0x400000",
	"1 munmap addr=0x104000 len=0x1000 = 0",
	"checkpoint n=1",
	"2 exit",
	"1 exit",
};

static void test_toy_scheme(void **state)
{
	struct avt_engine_opts o = { .sz = sizeof(o), .check_invariants = 1 };
	struct avt_text_parser *tp = avt_text_parser__new();
	struct avt_engine *e = avt_engine__new_ops(&toy_ops, &o);
	struct avt_meta meta;
	struct avt_event ev;
	char why[256], *buf = NULL;
	size_t len = 0;
	struct toy *t;
	FILE *m;

	(void)state;
	assert_non_null(tp);
	assert_non_null(e);
	avt_meta__init(&meta);
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		int rc = avt_text_parser__line(tp, script[i], &ev, &meta, why, sizeof(why));

		if (rc != 1)
			fail_msg("parse '%s': %s", script[i], why);
		if (!strcmp(script[i], "2 exit")) {
			/* layout before the exits, as the toy's rules make it */
			m = open_memstream(&buf, &len);
			avt_engine__write_state(e, m);
			fclose(m);
			assert_string_equal(buf,
				"1 100000-104000 flags=100073 pgoff=100 dev=0:0 ino=0 av=a1 root=a1 parent=a1 children=0 active=0 avcs=1\n"
				"1 105000-108000 flags=100073 pgoff=105 dev=0:0 ino=0 av=a1 root=a1 parent=a1 children=0 active=0 avcs=1\n"
				"2 400000-40c000 flags=100073 pgoff=100 dev=0:0 ino=0 av=a2 root=a2 parent=a2 children=1 active=0 avcs=1\n");
			free(buf);
			buf = NULL;
		}
		rc = avt_engine__feed(e, &ev);
		if (rc)
			fail_msg("feed '%s': %s", script[i], avt_engine__error(e));
	}
	t = e->scheme.priv;
	assert_int_equal(t->bad, 0);
	assert_int_equal(t->prepare, 1);		/* the child's write hit its fork token */
	assert_int_equal(t->clone[AVT_CLONE_SPLIT], 2 + 2);	/* mprotect x2, munmap middle x2 */
	assert_int_equal(t->clone[AVT_CLONE_REMAP], 1);
	assert_int_equal(t->fork_link, 1);
	assert_true(t->range_pairs >= 5);
	assert_true(t->walks >= 1);			/* census at the checkpoint */
	assert_int_equal(t->range_open, 0);
	avt_engine__finish(e);
	{
		double v;

		assert_int_equal(avt_engine__metric(e, "vma.live", &v), 0);
		assert_true(v == 0);
		assert_int_equal(avt_engine__metric(e, "merge.count", &v), 0);
		assert_true(v == 2);	/* parent restore + the child's fork-child merge */
	}
	avt_engine__free(e);
	avt_text_parser__free(tp);
	avt_meta__fini(&meta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toy_scheme),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
