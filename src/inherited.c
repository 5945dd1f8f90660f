/*
 * inherited.c - getenv before the first write: the environment the
 * process inherited, looked up by readers alone.
 *
 * Until a writer adopts the environment (publish.c), the library owns no
 * copy of it and getenv must read environ itself.  A process that never
 * writes its environment - most of them - would then walk environ on
 * every call, as libc does.  Instead, once its lookups have walked
 * enough entries, a reader builds a hash index of the environ array it
 * is reading, in memory it maps itself, and publishes it with one
 * compare-and-swap; later lookups through it cost O(1) for a hit and one
 * pass over the slot pointers (never the strings) for a miss.
 *
 * The index describes one environ array as the builder read it and is
 * never modified after publication.  A lookup uses it only after checking
 * that environ is still that array, and answers a hit from the string the
 * slot holds now, whose name it compares; a miss, only after the slots
 * still add up to what the builder read.  Anything else - the program assigned environ,
 * stored into environ[i], emptied it - sends the lookup to a walk, which
 * is complete on its own.  docs/DESIGN.md §5.7 gives the argument in
 * full.
 *
 * Everything here is async-signal-safe and works before any constructor:
 * no lock, no malloc, no thread-local state, no waiting.  A build is
 * private until its compare-and-swap: a signal handler or another thread
 * racing it builds its own, the loser unmaps its copy, and a build
 * abandoned by fork (its thread does not exist in the child) is memory
 * the child never looks at.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "lookup.h"

/* 8 bytes, so that the index costs few fresh pages: a page fault is the
 * largest part of a build (about 12 us each in a KVM guest here). */
struct inherited_cell {
	uint32_t hash;   /* low bits of es_hash of the name */
	uint32_t slot;   /* 1 + its index in env; 0: empty */
};

struct es_inherited {
	char **env;         /* the environ array this index describes */
	size_t n;           /* its entries; env[n] was NULL */
	uintptr_t digest;   /* env plus the sum of env[0..n-1], as read */
	size_t mask;        /* cells - 1 */
	size_t bytes;       /* mapped size */
	struct inherited_cell cells[];
};

/* The published index, or NULL.  Replaced (by compare-and-swap) only when
 * environ has moved to another array; a replaced index stays mapped, since
 * a reader may still be using it. */
static struct es_inherited *published;
/* Entries walked since the last build (a heuristic: updated with relaxed
 * load and store, so concurrent lookups may lose each other's counts). */
static unsigned long walked;
/* See lookup.h. */
char **es_inherited_short_env;
/* Builds started, bounding what a program that keeps assigning environ
 * can make us map (each build is cheaper than the walks that paid for it). */
static unsigned builds;

/* A build pays for itself once lookups have walked this many entries:
 * its fresh pages cost about 12 us each (a page fault in a KVM guest),
 * about what walking this many entries costs. */
#define ES_INHERITED_WORK 16384
/* A lookup costs this much beyond the entries it walks. */
#define ES_INHERITED_CALL 16
#define ES_INHERITED_MAX_BUILDS 8
/* Environments of at most this many entries are walked even when indexed:
 * a walk costs less than hashing the name and summing the slots. */
#define ES_SHORT_INHERITED 32

/* The cell for the name of S (LEN bytes, HASH) in T, or its empty cell. */
static struct inherited_cell *cell_for(struct es_inherited *t, char **env, uint32_t hash, const char *s, size_t len)
{
	for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		struct inherited_cell *c = &t->cells[i];
		if (!c->slot)
			return c;
		if (c->hash == hash) {
			const char *other = es_load_relaxed(&env[c->slot - 1]);
			if (strncmp(other, s, len) == 0 && other[len] == '=')
				return c;
		}
	}
}

/*
 * Map and fill an index of ENV, then publish it in place of EXPECTED.
 * Gives up (leaving lookups to walk) if the mapping fails or another
 * build published first.  errno is preserved: getenv must not change it.
 */
__attribute__((noinline, cold)) static void build(char **env, struct es_inherited *expected)
{
	size_t n = 0;
	while (es_load_relaxed(&env[n]))
		n++;
	if (n >= UINT32_MAX / 4)
		return;
	size_t cells = 16;
	while (cells < 2 * n)
		cells *= 2;
	size_t bytes = sizeof(struct es_inherited) + cells * sizeof(struct inherited_cell);
	int saved = errno;
	/* MAP_POPULATE: the pages are written at once, so fault them in with
	 * the mapping rather than one trap each. */
	struct es_inherited *t = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
				      -1, 0);
	if (t == MAP_FAILED) {
		errno = saved;
		return;
	}
	t->env = env;
	t->n = n;
	t->mask = cells - 1;
	t->bytes = bytes;
	uintptr_t digest = (uintptr_t)env;
	for (size_t i = 0; i < n; i++) {
		/* One read per slot: the cell and the digest describe this same
		 * value (a hit reads the slot again, as it is then). */
		const char *s = es_load_relaxed(&env[i]);
		digest += (uintptr_t)s;
		if (!s) /* the program truncated the list while we read it */
			break;
		const char *eq = strchr(s, '=');
		if (!eq)
			continue; /* getenv never matches a string without '=' */
		size_t len = (size_t)(eq - s);
		uint32_t hash = (uint32_t)es_hash(s, len);
		struct inherited_cell *c = cell_for(t, env, hash, s, len);
		if (c->slot)
			continue; /* a later duplicate: getenv returns the first */
		*c = (struct inherited_cell){ hash, (uint32_t)i + 1 };
	}
	t->digest = digest;
	/* Release: a reader that acquires T sees it filled.  Relaxed on
	 * failure: the value is not used. */
	if (!__atomic_compare_exchange_n(&published, &expected, t, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		munmap(t, bytes); /* never published: no reader can hold it */
	errno = saved;
}

/* Count a walk of COUNT entries; build an index of ENV once walks have
 * cost more than a build.  OLD is the index in place (NULL or stale). */
static void account(char **env, size_t count, const char *value, struct es_inherited *old)
{
	if (!value && count <= ES_SHORT_INHERITED) {
		/* A short environment: walks are cheaper than any index.
		 * Relaxed: a hint, see es_inherited_short_env in lookup.h. */
		es_store_relaxed(&es_inherited_short_env, env);
		return;
	}
	/* Relaxed: a heuristic counter (see walked). */
	unsigned long w = es_load_relaxed(&walked) + count + ES_INHERITED_CALL;
	if (w < ES_INHERITED_WORK) {
		es_store_relaxed(&walked, w);
		return;
	}
	es_store_relaxed(&walked, 0);
	/* Relaxed: only bounds the number of builds. */
	if (es_load_relaxed(&builds) < ES_INHERITED_MAX_BUILDS &&
	    __atomic_fetch_add(&builds, 1, __ATOMIC_RELAXED) < ES_INHERITED_MAX_BUILDS)
		build(env, old);
}

/* The lookup without an index of ENV (T is the published one, if any). */
__attribute__((noinline)) static const char *walk_and_account(char **env, const char *name, struct es_inherited *t)
{
	size_t count;
	const char *value = es_walk(env, name, &count);
	account(env, count, value, t);
	return value;
}

/*
 * NAME (LEN bytes, no '=') through T, the index of ENV: its value, or
 * NULL for a miss, or MAYBE when T cannot settle it (a slot changed since
 * the build, a string was edited) and only a walk can.
 */
static const char maybe[1];
#define MAYBE maybe

__attribute__((noinline)) static const char *through_index(const struct es_inherited *t, char **env, const char *name,
							     size_t len)
{
	uint32_t hash = (uint32_t)es_hash(name, len);
	const struct inherited_cell *c = &t->cells[hash & t->mask];
	for (;; c = c == &t->cells[t->mask] ? t->cells : c + 1) {
		if (!c->slot) {
			/* Not indexed: a miss if every slot still holds what the
			 * index was built from, and the list still ends there. */
			if (!es_load_relaxed(&env[t->n]) &&
			    es_sum_slots(env, env + t->n) + (uintptr_t)env == t->digest)
				return NULL;
			return MAYBE;
		}
		if (c->hash != hash)
			continue;
		/* The cell names a slot, not a string: whatever the slot holds
		 * now (the program may have stored into environ[i]) is read and
		 * its name compared, so a changed slot is never trusted; one
		 * that no longer names NAME is passed over, and if NAME is not
		 * found the miss check above sees that the slots changed. */
		const char *s = es_load_relaxed(&env[c->slot - 1]);
		if (s && es_names(s, name, len)) {
			/* environ[0] = NULL empties the list. */
			if (es_load_relaxed(&env[0]))
				return s + len + 1;
			return NULL;
		}
	}
}

/* See lookup.h.  No writer has stored into ENV (see its caller). */
const char *es_inherited_lookup(char **env, const char *name)
{
	if (!env || !*name)
		return NULL;
	size_t count;
	if (env == es_load_relaxed(&es_inherited_short_env)) /* relaxed: a hint */
		return es_walk(env, name, &count);
	/* Acquire: pairs with the release in build(): the cells are seen
	 * filled. */
	const struct es_inherited *t = es_load_acquire(&published);
	if (t && t->env == env) {
		/* A short environment is walked: that costs less than hashing
		 * NAME and summing the slots.  So is a NAME containing '=',
		 * which glibc matches textually. */
		if (t->n <= ES_SHORT_INHERITED)
			return es_walk(env, name, &count);
		size_t len = es_name_length(name);
		if (name[len])
			return es_walk(env, name, &count);
		const char *value = through_index(t, env, name, len);
		if (value != MAYBE)
			return value;
	}
	return walk_and_account(env, name, (struct es_inherited *)t);
}
