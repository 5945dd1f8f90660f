/*
 * lookup.c - the reader: what getenv, secure_getenv and getenv_r share
 * beyond the inline hit path in lookup.h.
 *
 * No lock, no allocation, no retry loop, no thread-local state: only
 * acquire loads of memory that is never freed (and release stores of hints
 * into the hit cache).  That is what makes it async-signal-safe and usable
 * before any constructor has run.
 *
 * Paths, cheapest first:
 *   hit:  an entry, found through the hit cache or the index, whose
 *         immutable value still sits in its slot inside the live list;
 *   careful hit: the same for a putenv'd value, whose text is re-checked;
 *   miss: the slots add up to the digest: the index is the whole truth;
 *   scan: the index says NAME is not set through the library; only slots
 *         whose content differs from the shadow (putenv'd buffers,
 *         program stores into environ[i]) can still hold NAME;
 *   walk: anything unexpected (environ assigned by the program, a writer
 *         moving the entry under us) - a plain walk of environ, which is
 *         complete on its own (docs/DESIGN.md §5.4).
 */
#define _GNU_SOURCE
#include <string.h>

#include "lookup.h"

/* The complete fallback: first entry naming NAME, in environ order
 * (es_walk, lookup.h). */
__attribute__((noinline)) static const char *walk(char **env, const char *name)
{
	size_t count;
	return es_walk(env, name, &count);
}

__attribute__((noinline, cold)) static const char *walk_environ(const char *name)
{
	char **env = es_load_acquire(&environ); /* acquire: as in es_walk() */
	return env ? walk(env, name) : NULL;
}

/*
 * Is S, just loaded as E's value, still a string naming NAME?  Values set
 * through setenv are immutable; only a putenv'd buffer (borrowed) can have
 * been renamed by its owner.  The writer sets borrowed before storing a
 * borrowed value and clears it, with release, only after storing the next
 * value, so a reader that sees the flag clear re-reads the value: if it is
 * still S, S is not borrowed.
 */
static inline int still_names(const struct es_name *e, const char *s, const char *name, size_t len)
{
	/* Acquire: pairs with the release that cleared it (publish_owner). */
	if (es_load_acquire(&e->borrowed))
		return es_names(s, name, len);
	return es_load_relaxed(&e->value) == s || es_names(s, name, len);
}

/*
 * Does the live list hold exactly what the library stored, all of it
 * vouched for by the index?  One load per slot (es_sum_slots): the values
 * are only added, never dereferenced, and any disagreement (a program
 * store, a putenv'd buffer, a writer racing with us) sends the caller to
 * the careful scan, which is correct on its own.
 */
__attribute__((noinline)) static int all_vouched(char **env, const struct es_view *v)
{
	if (es_load_relaxed(&es_unvouched_live))
		return 0;
	return (uintptr_t)env + es_sum_slots(env, v->top) == es_load_relaxed(&v->digest);
}

/* Slots the index does not vouch for, from environ to the end of view V. */
__attribute__((noinline)) static const char *scan_unvouched(char **env, const struct es_view *v, const char *name, size_t len)
{
	for (size_t i = (size_t)(env - v->slots); i < v->cap; i++) {
		char *s = es_load_acquire(&v->slots[i]); /* acquire: as in es_walk() */
		if (!s)
			return NULL; /* the program truncated environ here */
		/* Relaxed: a stale shadow only sends us to read the string. */
		if (s == es_load_relaxed(&v->shadow[i]))
			continue;
		if (es_names(s, name, len))
			return s + len + 1;
	}
	return NULL;
}

/*
 * Everything the hit path does not settle: putenv'd values, misses, names
 * the index does not hold, and hits whose verification failed.  LEN is
 * NAME's length and NAME has no '='.  E is NAME's entry if it has one.
 * ENV and V were loaded by es_lookup_slow, environ then the view, each
 * with acquire (pairs with the writer's release of the view before
 * environ, so a new environ comes with its view); loading them before E's
 * fields is the order of any reader, however slow.
 */
__attribute__((noinline)) static const char *lookup_careful(const char *name, size_t len, const struct es_name *e,
							      char **env, const struct es_view *v)
{
	if (!env)
		return NULL;
	if (env < v->slots || env > v->top)
		return walk(env, name);

	if (e) {
		/* Acquire: pairs with the release in set_value; the string, the
		 * slot pointer and the borrowed flag stored before it are
		 * visible. */
		const char *s = es_load_acquire(&e->value);
		if (s) {
			char **slot = es_load_acquire(&e->slot); /* as above */
			/* As in es_hit(), and a putenv'd buffer can be renamed by its
			 * owner, so it must still name NAME. */
			if (slot >= env && slot < v->top && es_load_acquire(slot) == s &&
			    es_load_relaxed(env) != NULL && still_names(e, s, name, len))
				return s + len + 1;
			return walk(env, name);
		}
	}
	if (all_vouched(env, v))
		return NULL;
	/* A saved environ put back by the program lies inside the view but is
	 * not the list the index describes: only a walk knows what it holds.
	 * Acquire: pairs with the release in publish_env. */
	if (env != es_load_acquire(&v->env))
		return walk(env, name);
	return scan_unvouched(env, v, name, len);
}


/* See lookup.h.  Zero (no guesses) until lookups fill it.  In .data, not
 * .bss: every getenv reads it, and the first read of an untouched .bss
 * page is a page fault of its own (about 10 us in a KVM guest here, a
 * whole first getenv's worth), where a file-backed page is mapped with
 * its neighbours by the fault that loads the library. */
struct es_name *es_hit_cache[ES_HIT_CACHE_WAYS << ES_HIT_CACHE_SET_BITS] __attribute__((section(".data")));

/*
 * Put E (found through the index; may be NULL) in the hit cache set SET.
 * Stored only when in neither way (readers share these lines): E goes to
 * way 0 and way 0's entry to way 1, so of the names sharing a set the
 * two used last stay cached.  Release: a reader that loads an entry from
 * the cache sees it initialised, as we did through the index.
 */
static void remember(struct es_name **set, struct es_name *e)
{
	struct es_name *first = es_load_relaxed(&set[0]); /* relaxed: only compared and moved */
	if (e && first != e && es_load_relaxed(&set[1]) != e) {
		if (first)
			es_store_release(&set[1], first);
		es_store_release(&set[0], e);
	}
}

/*
 * NAME in the short list ENV: walked, since reading a few strings costs
 * less than hashing, probing and summing the slots, and the walk is
 * complete on its own (DESIGN §5.4).  A hit also teaches the hit cache
 * this name pointer, so that the next one makes no walk.
 */
/* NAME's entry, if it has one, goes to the hit cache; returns the value
 * the hit path would give for it (es_hit), or NULL. */
__attribute__((noinline, cold)) static const char *remember_name(const char *name)
{
	size_t len = es_name_length(name);
	if (name[len])
		return NULL;
	struct es_name *e = es_index_find(es_hash(name, len), name, len);
	if (!e)
		return NULL;
	remember(es_hit_cache_set(name), e);
	return es_hit(e, len);
}

/* NAME in ENV, a short environ array never adopted (DESIGN §5.7). */
__attribute__((noinline)) static const char *walk_short(const char *name, char **env)
{
	size_t count;
	return *name ? es_walk(env, name, &count) : NULL;
}

__attribute__((noinline)) static const char *lookup_short(const char *name, char **env)
{
	size_t count;
	if (!*name)
		return NULL;
	const char *value = es_walk(env, name, &count);
	/* A program's own array may hold a name twice.  The walk finds the
	 * first; the hit path, which the cache now sends the next lookup to,
	 * gives the indexed one.  Both are valid, but two lookups in a row
	 * must agree, so the indexed value wins when it verifies. */
	if (value) {
		const char *indexed = remember_name(name);
		if (indexed)
			return indexed;
	}
	return value;
}

/* Live lists of at most this many entries are walked (lookup_short). */
#define ES_SHORT_LIST 32

/* Way 1 of the hit cache, then the index.  ENV and V: see lookup_careful. */
__attribute__((noinline)) static const char *lookup_indexed(const char *name, char **env,
							      const struct es_view *v)
{
	struct es_name **set = es_hit_cache_set(name);
	const char *value = es_cached_hit(name, es_load_acquire(&set[1])); /* acquire: see es_cached_hit */
	if (value)
		return value;
	if (!*name)
		return NULL;
	size_t len = es_name_length(name);
	/* glibc matches a name containing '=' textually, which only a walk
	 * reproduces; the index never holds such a name. */
	if (name[len] == '=')
		return walk_environ(name);
	struct es_name *e = es_index_find(es_hash(name, len), name, len);
	if (e) {
		remember(set, e);
		value = es_hit(e, len);
		if (value)
			return value;
	}
	return lookup_careful(name, len, e, env, v);
}


/* See lookup.h: every lookup way 0 of the hit cache did not settle. */
const char *es_lookup_slow(const char *name)
{
	/* Acquire (environ, then view): as in lookup_careful. */
	char **env = es_load_acquire(&environ);
	const struct es_view *v = es_load_acquire(&es_current_view);
	/* No view yet (only the empty one has no capacity): no writer has
	 * adopted the environment, and ENV, loaded before the view, is not a
	 * buffer of ours (a writer publishes a view before the environ that
	 * points into it).  DESIGN §5.7. */
	if (v->cap == 0) {
		if (env == es_load_relaxed(&es_inherited_short_env)) /* relaxed: a hint */
			return walk_short(name, env);
		return es_inherited_lookup(env, name);
	}
	if (env >= v->slots && env <= v->top && v->top - env <= ES_SHORT_LIST)
		return lookup_short(name, env);
	return lookup_indexed(name, env, v);
}
