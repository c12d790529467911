// SPDX-License-Identifier: MIT
/*
 * The AVC interval tree (engine/itree.c) against a brute-force model:
 * random inserts (many equal starts, as fork clones make) and removes,
 * then after every step the in-order walk is the model sorted by (start,
 * insertion seq), every node's max_last is its subtree's largest last,
 * the heap order of priorities holds, and queries match a linear scan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "engine/itree.h"

#define N 400

struct chk {
	struct avt_inode *v[N];
	size_t n;
};

static void collect(struct avt_inode *n, void *ctx)
{
	struct chk *c = ctx;

	assert_true(c->n < N);
	c->v[c->n++] = n;
}

/* returns the subtree's max last; checks max_last and heap order */
static uint64_t check_node(const struct avt_inode *n)
{
	uint64_t m;

	if (!n)
		return 0;
	m = n->last;
	if (n->l) {
		uint64_t x = check_node(n->l);

		assert_true(n->l->prio <= n->prio);
		if (x > m)
			m = x;
	}
	if (n->r) {
		uint64_t x = check_node(n->r);

		assert_true(n->r->prio <= n->prio);
		if (x > m)
			m = x;
	}
	assert_int_equal(n->max_last, m);
	return m;
}

static int cmp_key(const void *a, const void *b)
{
	const struct avt_inode *x = *(struct avt_inode *const *)a;
	const struct avt_inode *y = *(struct avt_inode *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void check_all(struct avt_itree *t, struct avt_inode **in, size_t nin)
{
	struct avt_inode *sorted[N];
	struct chk c = { .n = 0 };

	memcpy(sorted, in, nin * sizeof(*in));
	qsort(sorted, nin, sizeof(*sorted), cmp_key);
	avt_itree__each(t, collect, &c);
	assert_int_equal(c.n, nin);
	assert_int_equal(t->n, nin);
	for (size_t i = 0; i < nin; i++)
		assert_ptr_equal(c.v[i], sorted[i]);
	check_node(t->root);
	for (int q = 0; q < 4; q++) {
		uint64_t lo = (uint64_t)(rand() % 40), hi = lo + (uint64_t)(rand() % 12);
		struct chk got = { .n = 0 };
		size_t k = 0;
		uint64_t cnt = avt_itree__query(t, lo, hi, collect, &got);

		assert_int_equal(cnt, got.n);
		for (size_t i = 0; i < nin; i++)
			if (sorted[i]->start <= hi && sorted[i]->last >= lo) {
				assert_true(k < got.n);
				assert_ptr_equal(got.v[k++], sorted[i]);
			}
		assert_int_equal(k, got.n);
	}
}

static void test_itree_random(void **state)
{
	static struct avt_inode nodes[N];
	struct avt_inode *in[N];

	(void)state;
	for (unsigned seed = 1; seed <= 30; seed++) {
		struct avt_itree t = { 0 };
		uint64_t seq = 0;
		size_t nin = 0, used = 0;

		srand(seed);
		for (int step = 0; step < 600; step++) {
			if (nin && (used == N || rand() % 3 == 0)) {
				size_t i = (size_t)rand() % nin;

				avt_itree__remove(&t, in[i]);
				in[i] = in[--nin];
			} else if (used < N) {
				struct avt_inode *n = &nodes[used++];

				/* few distinct starts: long runs of equal keys */
				n->start = (uint64_t)(rand() % (seed % 2 ? 4 : 40));
				n->last = n->start + (uint64_t)(rand() % 10);
				n->seq = ++seq;
				avt_itree__insert(&t, n);
				in[nin++] = n;
			}
			check_all(&t, in, nin);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_itree_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
