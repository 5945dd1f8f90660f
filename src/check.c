/*
 * check.c - es_check_invariants: the writer state checked against itself
 * at the end of every writer operation, in builds made with
 * -DENVSAFE_DEBUG (the fuzz, fault-injection and sanitizer builds).  The
 * shipped library compiles it to nothing.
 *
 * What a broken invariant would otherwise show only as an end-to-end
 * divergence, much later, is reported here, at the operation that broke
 * it, with abort().
 */
#include <stdio.h>
#include <stdlib.h>

#include "state.h"

#ifdef ENVSAFE_DEBUG

static void broken(const char *what, size_t i)
{
	fprintf(stderr, "envsafe: invariant broken: %s (slot %zu)\n", what, i);
	abort();
}

struct index_walk {
	const struct es_view *v;
	size_t start;
};

/* An indexed name with a value is live in the slot its entry names. */
static void check_entry(struct es_name *e, void *arg)
{
	const struct index_walk *w = arg;
	const char *value = es_load_relaxed(&e->value);
	if (!value)
		return;
	char **slot = es_load_relaxed(&e->slot);
	if (slot < &w->v->slots[w->start] || slot >= w->v->top)
		broken("an entry with a value names a slot outside the live list", (size_t)(slot - w->v->slots));
	if (es_load_relaxed(slot) != value)
		broken("an entry's slot does not hold its value", (size_t)(slot - w->v->slots));
	const char *stable = es_load_relaxed(&e->stable);
	if (stable && stable != value)
		broken("an entry's stable value is not its value", (size_t)(slot - w->v->slots));
}

void es_check_invariants(void)
{
	if (!es_w.adopted)
		return;
	const struct es_view *v = es_w.view;
	size_t start = es_w.start;
	if (v != es_load_relaxed(&es_current_view))
		broken("the published view is not the writer's", 0);
	if (v->top != &v->slots[v->cap] || es_load_relaxed(&v->slots[v->cap]))
		broken("the slot array does not end with its NULL", v->cap);
	if (start > v->cap || es_w.published != &v->slots[start] || es_load_relaxed(&v->env) != es_w.published)
		broken("environ is not at the live list's start", start);

	if (es_w.unvouched != es_load_relaxed(&es_unvouched_live))
		broken("the published unvouched count is not the writer's", start);
	/* The rest reads every live slot, and the whole index: after every
	 * operation at first, then one operation in 16 (the index one in
	 * 256), so that the sanitizer builds keep their pace over the
	 * millions of operations some tests make under a watchdog. */
	static unsigned long calls;
	unsigned long call = calls++;
	if (call >= 65536 && call % 16)
		return;
	uintptr_t sum = (uintptr_t)&v->slots[start];
	size_t unvouched = 0;
	for (size_t i = start; i < v->cap; i++) {
		const struct es_slot_record *r = &es_w.records[i];
		const char *s = es_load_relaxed(&v->slots[i]);
		if (!s)
			broken("a NULL inside the live list", i);
		if (s != r->str)
			broken("a slot differs from its record", i);
		if (es_load_relaxed(&v->shadow[i]) != (r->vouched ? r->str : NULL))
			broken("a shadow differs from its record", i);
		sum += (uintptr_t)s;
		unvouched += !r->vouched;
		if (r->owner && es_load_relaxed(&r->owner->value) == r->str &&
		    es_load_relaxed(&r->owner->slot) != &v->slots[i])
			broken("an owner holding this value names another slot", i);
	}
	if (sum != es_load_relaxed(&v->digest))
		broken("the digest is not the sum of the live slots", start);
	if (unvouched != es_w.unvouched || unvouched != es_load_relaxed(&es_unvouched_live))
		broken("the unvouched counts disagree with the records", start);
	/* Every name ever seen, not only the live ones. */
	if (call < 4096 || call % 256 == 0) {
		struct index_walk w = { v, start };
		es_index_each(check_entry, &w);
	}
}

#else

void es_check_invariants(void)
{
}

#endif
