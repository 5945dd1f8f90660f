/*
 * lookup.c - the reader: what getenv, secure_getenv and getenv_r share.
 *
 * No lock, no allocation, no retry loop, no thread-local state: only
 * acquire loads of memory that is never freed.  That is what makes it
 * async-signal-safe and usable before any constructor has run.
 *
 * Three paths, cheapest first:
 *   hit:  the index names an entry whose value is "NAME=..." and whose
 *         slot, inside the live list, still holds that very pointer;
 *   scan: the index says NAME is not set through the library; only slots
 *         whose content differs from the shadow (putenv'd buffers,
 *         program stores into environ[i]) can still hold NAME;
 *   walk: anything unexpected (environ assigned by the program, a writer
 *         moving the entry under us) - a plain walk of environ, which is
 *         complete on its own (docs/DESIGN.md, "walkers").
 */
#define _GNU_SOURCE
#include <string.h>

#include "hash.h"
#include "state.h"

/* The complete fallback: first entry naming NAME, in environ order. */
__attribute__((noinline, cold)) static const char *walk(char **env, const char *name, size_t len)
{
	/* Acquire on each slot: a walk must not read a later slot's older
	 * content after an earlier slot's newer content (see DESIGN.md,
	 * "no false miss for walkers"); it also makes the string's bytes
	 * visible before we compare them. */
	for (char *s; (s = es_load_acquire(env)) != NULL; env++)
		if (es_names(s, name, len))
			return s + len + 1;
	return NULL;
}

__attribute__((noinline, cold)) static const char *walk_environ(const char *name, size_t len)
{
	char **env = es_load_acquire(&environ); /* acquire: as in walk() */
	return env ? walk(env, name, len) : NULL;
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
	/* Acquire: pairs with the release that cleared it (set_slot). */
	if (es_load_acquire(&e->borrowed))
		return es_names(s, name, len);
	return es_load_relaxed(&e->value) == s || es_names(s, name, len);
}

/*
 * Does the live list hold exactly what the library stored, all of it
 * vouched for by the index?  One relaxed load per slot: the values are
 * only added, never dereferenced, and any disagreement (a program store,
 * a putenv'd buffer, a writer racing with us) sends the caller to the
 * careful scan, which is correct on its own.
 */
__attribute__((noinline)) static int all_vouched(char **env, const struct es_view *v)
{
	if (es_load_relaxed(&es_unvouched_live))
		return 0;
	uintptr_t a = (uintptr_t)env, b = 0, c = 0, d = 0;
	char **p = env, **top = v->slots + v->cap;
	/* Four accumulators keep the additions independent of one another. */
	for (; top - p >= 4; p += 4) {
		a += (uintptr_t)es_load_relaxed(&p[0]);
		b += (uintptr_t)es_load_relaxed(&p[1]);
		c += (uintptr_t)es_load_relaxed(&p[2]);
		d += (uintptr_t)es_load_relaxed(&p[3]);
	}
	for (; p < top; p++)
		a += (uintptr_t)es_load_relaxed(p);
	return a + b + c + d == es_load_relaxed(&v->digest);
}

/* Slots the index does not vouch for, from environ to the end of view V. */
__attribute__((noinline)) static const char *scan_unvouched(char **env, const struct es_view *v, const char *name, size_t len)
{
	for (size_t i = (size_t)(env - v->slots); i < v->cap; i++) {
		char *s = es_load_acquire(&v->slots[i]); /* acquire: as in walk() */
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

const char *es_lookup(const char *name)
{
	if (!name || !*name)
		return NULL;
	/* One pass finds both the length and any '=' (glibc matches such
	 * names textually, which only a walk reproduces). */
	const char *end = strchrnul(name, '=');
	if (*end)
		return walk_environ(name, strlen(name));
	size_t len = (size_t)(end - name);
	uint64_t hash = es_hash(name, len);

	/* Acquire (environ, then view): pairs with the writer's release of
	 * the view before environ, so a new environ comes with its view. */
	char **env = es_load_acquire(&environ);
	if (!env)
		return NULL;
	const struct es_view *v = es_load_acquire(&es_current_view);
	if (!v || env < v->slots || env > v->slots + v->cap)
		return walk(env, name, len);

	const struct es_name *e = es_index_find(hash, name, len);
	if (e) {
		/* Acquire: pairs with the release in set_slot; the string, the
		 * slot pointer and the borrowed flag stored before it are
		 * visible. */
		const char *s = es_load_acquire(&e->value);
		if (s) {
			char **slot = es_load_acquire(&e->slot); /* as above */
			/* A hit needs the slot inside the live list and still
			 * holding s.  A putenv'd buffer can be renamed by its owner,
			 * so it must still name NAME.  env[0] is checked too:
			 * "environ[0] = NULL" is a common way to empty it. */
			if (slot >= env && slot < v->slots + v->cap && es_load_acquire(slot) == s &&
			    es_load_relaxed(env) != NULL && still_names(e, s, name, len))
				return s + len + 1;
			return walk(env, name, len);
		}
	}
	if (all_vouched(env, v))
		return NULL;
	/* A saved environ put back by the program lies inside the view but is
	 * not the list the index describes: only a walk knows what it holds.
	 * Acquire: pairs with the release in publish_env. */
	if (env != es_load_acquire(&v->env))
		return walk(env, name, len);
	return scan_unvouched(env, v, name, len);
}
