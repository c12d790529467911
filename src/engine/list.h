/* SPDX-License-Identifier: MIT */
/* Kernel-style circular doubly linked list (list_add = insert at head). */
#ifndef AVT_ENGINE_LIST_H
#define AVT_ENGINE_LIST_H

#include <stddef.h>

struct avt_list {
	struct avt_list *next, *prev;
};

#define avt_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

static inline void avt_list_init(struct avt_list *h)
{
	h->next = h->prev = h;
}

static inline int avt_list_empty(const struct avt_list *h)
{
	return h->next == h;
}

static inline int avt_list_singular(const struct avt_list *h)
{
	return !avt_list_empty(h) && h->next == h->prev;
}

static inline void avt__list_insert(struct avt_list *n, struct avt_list *prev,
				    struct avt_list *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

/* list_add: insert right after the head. */
static inline void avt_list_add(struct avt_list *n, struct avt_list *h)
{
	avt__list_insert(n, h, h->next);
}

static inline void avt_list_add_tail(struct avt_list *n, struct avt_list *h)
{
	avt__list_insert(n, h->prev, h);
}

static inline void avt_list_del(struct avt_list *n)
{
	n->next->prev = n->prev;
	n->prev->next = n->next;
	n->next = n->prev = n;
}

#define avt_list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
#define avt_list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)
#define avt_list_for_each_reverse(pos, head) \
	for ((pos) = (head)->prev; (pos) != (head); (pos) = (pos)->prev)

#endif
