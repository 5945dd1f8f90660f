/*
 * index.c - the name index: hash -> struct es_name.
 *
 * Readers probe it without a lock while one writer (lock held) inserts.
 * Two rules make that safe without any reader-side retry:
 *   - an entry is fully initialised before the release store that puts
 *     it in a table, and entries are never removed or moved in memory, so
 *     a reader either sees a complete entry or an empty cell;
 *   - a table is never modified after it is replaced, and never freed;
 *     growth builds a new table and publishes it with one release store.
 * A reader racing with an insert may miss the new name; that is the
 * insert not having happened yet.  It can never miss a name inserted
 * before its own call began, because insertion never displaces entries.
 */
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "hash.h"
#include "state.h"


#define ES_INDEX_MIN_CELLS 64

static void insert(struct es_index *t, uint64_t hash, struct es_name *e)
{
	size_t i = hash & t->mask;
	/* Relaxed: only writers store cells, and they hold the lock. */
	while (es_load_relaxed(&t->cells[i].entry))
		i = (i + 1) & t->mask;
	t->cells[i].hash = hash; /* published by the release below */
	/* Release: readers that find the entry see it and the cell's hash
	 * initialised. */
	es_store_release(&t->cells[i].entry, e);
	t->used++;
}

/* Make room for one more entry; the old table stays valid for readers. */
static int reserve_one(void)
{
	struct es_index *old = es_name_index;
	if (old && (old->used + 1) * 2 <= old->mask + 1)
		return 0;
	size_t cells = old ? (old->mask + 1) * 2 : ES_INDEX_MIN_CELLS;
	struct es_index *t = es_alloc(sizeof *t + cells * sizeof t->cells[0]);
	if (!t)
		return -1;
	memset(t, 0, sizeof *t + cells * sizeof t->cells[0]);
	t->mask = cells - 1;
	/* F1: readers may still be probing OLD, so it is never freed; the
	 * chain keeps a pointer to its start, which leak checkers look for. */
	t->replaced = old;
	if (old)
		for (size_t i = 0; i <= old->mask; i++)
			if (old->cells[i].entry)
				insert(t, old->cells[i].hash, old->cells[i].entry);
	/* Release: publishes the fully built table. */
	es_store_release(&es_name_index, t);
	return 0;
}

struct es_name *es_index_get(const char *name, size_t len)
{
	uint64_t hash = es_hash(name, len);
	struct es_name *e = es_index_find(hash, name, len);
	if (e)
		return e;
	if (reserve_one() < 0)
		return NULL;
	/* Sized to the name and packed with other kept objects (es_keep): a
	 * program may see many distinct names, and glibc spends about 64
	 * bytes on each.  The name gets a word of padding: lookup.h compares
	 * it a word at a time. */
	e = es_keep(offsetof(struct es_name, name) + len + 1 + 8);
	if (!e)
		return NULL;
	e->len = len;
	e->value = NULL;
	e->stable = NULL;
	e->slot = NULL;
	e->seen = 0;
	e->borrowed = 0;
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	insert(es_name_index, hash, e);
	return e;
}

void es_index_each(void (*f)(struct es_name *, void *), void *arg)
{
	struct es_index *t = es_name_index;
	if (!t)
		return;
	for (size_t i = 0; i <= t->mask; i++)
		if (t->cells[i].entry)
			f(t->cells[i].entry, arg);
}
