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
 * Does the live list hold exactly what the library stored, all of it
 * vouched for by the index?  One relaxed load per slot: the values are
 * only XORed and added, never dereferenced, and any disagreement (a program store,
 * a putenv'd buffer, a writer racing with us) sends the caller to the
 * careful scan, which is correct on its own.
 */
__attribute__((noinline)) static int all_vouched(char **env, const struct es_view *v)
{
	if (es_load_relaxed(&es_unvouched_live))
		return 0;
	uintptr_t x0 = (uintptr_t)env, x1 = 0, s0 = (uintptr_t)env, s1 = 0;
	char **p = env, **top = v->slots + v->cap;
	/* Two lanes of each kind keep the loads independent of one another. */
	for (; top - p >= 2; p += 2) {
		uintptr_t a = (uintptr_t)es_load_relaxed(&p[0]);
		uintptr_t b = (uintptr_t)es_load_relaxed(&p[1]);
		x0 ^= a;
		s0 += a;
		x1 ^= b;
		s1 += b;
	}
	if (p < top) {
		uintptr_t a = (uintptr_t)es_load_relaxed(p);
		x0 ^= a;
		s0 += a;
	}
	return (x0 ^ x1) == es_load_relaxed(&v->digest_xor) && s0 + s1 == es_load_relaxed(&v->digest_sum);
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
			    es_load_relaxed(env) != NULL &&
			    (!es_load_relaxed(&e->borrowed) || es_names(s, name, len)))
				return s + len + 1;
			return walk(env, name, len);
		}
	}
	if (all_vouched(env, v))
		return NULL;
	return scan_unvouched(env, v, name, len);
}
