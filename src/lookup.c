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

/*
 * Sanitizers report reads of bytes a function was not given, and races on
 * plain loads, even where the result cannot depend on them.  Their builds,
 * and targets the word-at-a-time code does not cover, read exactly what
 * they must, with atomics and the str* functions (ES_EXACT_READS).
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ES_EXACT_READS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define ES_EXACT_READS 1
#endif
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__ || UINTPTR_MAX != UINT64_MAX
#define ES_EXACT_READS 1
#endif


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
 * vouched for by the index?  One load per slot: the values are only
 * added, never dereferenced, and any disagreement (a program store, a
 * putenv'd buffer, a writer racing with us) sends the caller to the
 * careful scan, which is correct on its own.
 */
#ifdef ES_EXACT_READS
static uintptr_t sum_slots(char **p, char **top)
{
	uintptr_t a = 0, b = 0;
	for (; top - p >= 2; p += 2) {
		a += (uintptr_t)es_load_relaxed(&p[0]); /* relaxed: a hint, see above */
		b += (uintptr_t)es_load_relaxed(&p[1]);
	}
	return p < top ? a + b + (uintptr_t)es_load_relaxed(p) : a + b;
}
#else
/*
 * Two slots per 16-byte aligned load.  This is the library's one plain
 * read of memory a writer may be storing to, on purpose: every slot is an
 * aligned 8-byte word inside the load, which x86_64 and aarch64 read
 * whole, so each lane holds some value the slot really had, and the sum is
 * only a hint (above).  Relaxed atomics would cost a load and an add per
 * slot; this is most of what a miss costs.
 */
typedef uintptr_t es_slot_pair __attribute__((vector_size(16)));

static uintptr_t sum_slots(char **p, char **top)
{
	uintptr_t sum = 0;
	if (((uintptr_t)p & 15) && p < top)
		sum += (uintptr_t)es_load_relaxed(p++); /* relaxed: a hint, see above */
	es_slot_pair a = {0, 0}, b = {0, 0}, c = {0, 0}, d = {0, 0};
	for (char **end = p + ((top - p) & ~(ptrdiff_t)7); p < end; p += 8) {
		a += *(const es_slot_pair *)(void *)p;
		b += *(const es_slot_pair *)(void *)(p + 2);
		c += *(const es_slot_pair *)(void *)(p + 4);
		d += *(const es_slot_pair *)(void *)(p + 6);
	}
	a += b + c + d;
	sum += a[0] + a[1];
	for (; p < top; p++)
		sum += (uintptr_t)es_load_relaxed(p); /* relaxed: as above */
	return sum;
}
#endif

__attribute__((noinline)) static int all_vouched(char **env, const struct es_view *v)
{
	if (es_load_relaxed(&es_unvouched_live))
		return 0;
	return (uintptr_t)env + sum_slots(env, v->top) == es_load_relaxed(&v->digest);
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

/*
 * Everything the hit path does not settle: putenv'd values, misses, names
 * the index does not hold, and hits whose verification failed.  LEN is
 * NAME's length and NAME has no '='.  E is NAME's entry if it has one.
 */
__attribute__((noinline)) static const char *lookup_careful(const char *name, size_t len, const struct es_name *e)
{
	/* Acquire (environ, then view): pairs with the writer's release of
	 * the view before environ, so a new environ comes with its view. */
	char **env = es_load_acquire(&environ);
	if (!env)
		return NULL;
	const struct es_view *v = es_load_acquire(&es_current_view);
	if (env < v->slots || env > v->top)
		return walk(env, name, len);

	if (e) {
		/* Acquire: pairs with the release in set_value; the string, the
		 * slot pointer and the borrowed flag stored before it are
		 * visible. */
		const char *s = es_load_acquire(&e->value);
		if (s) {
			char **slot = es_load_acquire(&e->slot); /* as above */
			/* As in hit(), and a putenv'd buffer can be renamed by its
			 * owner, so it must still name NAME. */
			if (slot >= env && slot < v->top && es_load_acquire(slot) == s &&
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

/*
 * The hit: E's value, if it is immutable and still sits in its slot inside
 * the live list; NULL sends the caller to lookup_careful.
 *
 * Acquire on each load, in this order (docs/DESIGN.md, 5.2): environ, then
 * the view (pairs with the writer's release of the view before environ),
 * then the entry's stable value and slot (pair with set_value and
 * set_slot: the string and the slot pointer stored before them are
 * visible), then the slot itself (pairs with the release that stored the
 * string there).
 */
static inline const char *hit(const struct es_name *e)
{
	char **env = es_load_acquire(&environ);
	const struct es_view *v = es_load_acquire(&es_current_view);
	const char *s = es_load_acquire(&e->stable);
	char **slot = es_load_acquire(&e->slot);
	/* environ must be inside the view and the slot inside its live list,
	 * and still hold s: anything else (the program assigned environ or
	 * stored into the slot, a writer moved the entry) is for the careful
	 * path.  env[0] is checked too: "environ[0] = NULL" is a common way
	 * to empty it.  s was stored as "NAME=..." and is immutable, so its
	 * name needs no comparison. */
	if (s && env >= v->slots && slot >= env && slot < v->top && es_load_acquire(slot) == s &&
	    es_load_relaxed(env) != NULL)
		return s + e->len + 1;
	return NULL;
}

#ifdef ES_EXACT_READS
static inline size_t name_length(const char *name)
{
	return strcspn(name, "=");
}

static inline int is_entry_name(const char *name, const struct es_name *e)
{
	return strcmp(name, e->name) == 0;
}
#else
/*
 * The two functions below read NAME in whole aligned words.  Each word
 * they load holds at least one byte of the string, so they never touch a
 * page (or an aarch64 MTE granule) the string does not; the bytes around
 * the string that share its words are read but never change a result.
 * Sanitizer builds, which would report those bytes, use the str*
 * functions instead (ES_EXACT_READS).
 */
typedef uint64_t __attribute__((may_alias)) es_word;
#define ES_ONES 0x0101010101010101ull

/* Bytes of W that are zero flagged by their top bit.  The lowest flag is
 * exact; the borrow may add false flags only above it. */
static inline uint64_t zero_bytes(uint64_t w)
{
	return (w - ES_ONES) & ~w & (ES_ONES << 7);
}

/* Length of NAME up to its first '=' or its end. */
static inline size_t name_length(const char *name)
{
	uintptr_t at = (uintptr_t)name;
	const es_word *p = (const es_word *)(at & ~(uintptr_t)7);
	/* The bytes before NAME become 0xff, neither NUL nor '='. */
	uint64_t w = *p | ((UINT64_C(1) << ((at & 7) * 8)) - 1), stop;

	while (!(stop = zero_bytes(w) | zero_bytes(w ^ (ES_ONES * '='))))
		w = *++p;
	return (size_t)((const char *)p - name) + (size_t)__builtin_ctzll(stop) / 8;
}

/*
 * Is NAME (a C string) E's name?  Compares NAME's aligned words, including
 * its terminator, with the same bytes of E's NUL-terminated name, and
 * stops at the first word that differs.  A word is loaded only after the
 * previous one matched bytes of E's name that are not NUL, so NAME does
 * reach into it.  E's name is preceded by the entry's fields and followed
 * by padding, so the unaligned loads from it stay inside the entry.
 */
static inline int is_entry_name(const char *name, const struct es_name *e)
{
	/* below[k]: the k bytes before NAME in its first word; upto[k]: the
	 * k bytes of the last word that still belong to NAME. */
	static const uint64_t below[8] = {
		0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff,
	};
	static const uint64_t upto[9] = {
		0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff,
		0xffffffffffffffff,
	};
	uintptr_t at = (uintptr_t)name;
	size_t skip = at & 7;
	const es_word *p = (const es_word *)(at - skip);
	const char *want = e->name - skip;
	size_t left = skip + e->len + 1; /* bytes of this word onwards that count */
	uint64_t diff = (*p ^ es_load64(want)) & ~below[skip];

	while (left > 8) {
		if (diff)
			return 0;
		left -= 8;
		want += 8;
		diff = *++p ^ es_load64(want);
	}
	return (diff & upto[left]) == 0;
}
#endif

/*
 * Name pointer -> entry, filled by lookups that went through the index.
 * Programs look names up through the same few pointers (string literals,
 * long-lived buffers), so this saves hashing and probing; but a buffer's
 * contents can change, so an entry found here is used only after NAME is
 * compared with its name.  That makes every value a safe guess: entries
 * are never freed and never change name, and a stale or torn-looking
 * cache costs a slower lookup, never a wrong one.  Relaxed loads and
 * stores for the same reason.
 */
#define ES_HIT_CACHE_BITS 8
static struct es_name *hit_cache[1u << ES_HIT_CACHE_BITS];

static inline struct es_name **hit_cache_slot(const char *name)
{
	return &hit_cache[((uintptr_t)name * ES_HASH_K0) >> (64 - ES_HIT_CACHE_BITS)];
}

/* Through the index: every lookup the hit cache did not settle. */
__attribute__((noinline)) static const char *lookup_indexed(const char *name)
{
	if (!*name)
		return NULL;
	size_t len = name_length(name);
	/* glibc matches a name containing '=' textually, which only a walk
	 * reproduces; the index never holds such a name. */
	if (name[len] == '=')
		return walk_environ(name, strlen(name));
	struct es_name *e = es_index_find(es_hash(name, len), name, len);
	if (e) {
		struct es_name **cached = hit_cache_slot(name);
		/* Stored only when it changes: readers share these lines. */
		if (es_load_relaxed(cached) != e)
			es_store_relaxed(cached, e);
		const char *value = hit(e);
		if (value)
			return value;
	}
	return lookup_careful(name, len, e);
}

const char *es_lookup(const char *name)
{
	if (!name)
		return NULL;
	const struct es_name *e = es_load_relaxed(hit_cache_slot(name));
	if (e && is_entry_name(name, e)) {
		const char *value = hit(e);
		if (value)
			return value;
	}
	return lookup_indexed(name);
}
