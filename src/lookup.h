/*
 * lookup.h - getenv's hit path, inlined into each reader entry point
 * (getenv, secure_getenv, getenv_r) so that a hit makes no call at all.
 * Everything it does not settle goes to es_lookup_slow (lookup.c).
 * The same rules as lookup.c: no lock, no allocation, no retry, only
 * memory that is never freed.
 */
#ifndef ENVSAFE_LOOKUP_H
#define ENVSAFE_LOOKUP_H

#include <stdint.h>
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

#ifdef ES_EXACT_READS
static inline int es_is_entry_name(const char *name, const struct es_name *e, size_t len)
{
	(void)len;
	return strcmp(name, e->name) == 0;
}
#else
/*
 * es_is_entry_name below and name_length in lookup.c read NAME in whole
 * aligned words.  Each word they load holds at least one byte of the string, so they never touch a
 * page (or an aarch64 MTE granule) the string does not; the bytes around
 * the string that share its words are read but never change a result.
 * Sanitizer builds, which would report those bytes, use the str*
 * functions instead (ES_EXACT_READS).
 */
typedef uint64_t __attribute__((may_alias)) es_word;

/*
 * Is NAME (a C string) E's name, of LEN bytes?  Compares NAME's aligned words, including
 * its terminator, with the same bytes of E's NUL-terminated name, and
 * stops at the first word that differs.  A word is loaded only after the
 * previous one matched bytes of E's name that are not NUL, so NAME does
 * reach into it.  E's name is preceded by the entry's fields and followed
 * by padding, so the unaligned loads from it stay inside the entry.
 */
static inline int es_is_entry_name(const char *name, const struct es_name *e, size_t len)
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
	size_t left = skip + len + 1; /* bytes of this word onwards that count */
	uint64_t diff = (p[0] ^ es_load64(want)) & ~below[skip];

	for (size_t k = 1; left > 8; k++) {
		if (diff)
			return 0;
		left -= 8;
		diff = p[k] ^ es_load64(want + 8 * k);
	}
	return (diff & upto[left]) == 0;
}
#endif

#ifdef ES_EXACT_READS
static inline size_t es_name_length(const char *name)
{
	return strcspn(name, "=");
}
#else
#define ES_ONES 0x0101010101010101ull

/* Bytes of W that are zero flagged by their top bit.  The lowest flag is
 * exact; the borrow may add false flags only above it. */
static inline uint64_t zero_bytes(uint64_t w)
{
	return (w - ES_ONES) & ~w & (ES_ONES << 7);
}

/* Length of NAME up to its first '=' or its end (see es_is_entry_name
 * on reading whole words). */
static inline size_t es_name_length(const char *name)
{
	uintptr_t at = (uintptr_t)name;
	const es_word *p = (const es_word *)(at & ~(uintptr_t)7);
	/* The bytes before NAME become 0xff, neither NUL nor '='. */
	uint64_t w = *p | ((UINT64_C(1) << ((at & 7) * 8)) - 1), stop;

	while (!(stop = zero_bytes(w) | zero_bytes(w ^ (ES_ONES * '='))))
		w = *++p;
	return (size_t)((const char *)p - name) + (size_t)__builtin_ctzll(stop) / 8;
}

#endif

/*
 * Name pointer -> entry, filled by lookups that went through the index.
 * Programs look names up through the same few pointers (string literals,
 * long-lived buffers), so this saves hashing and probing; but a buffer's
 * contents can change, so an entry found here is used only after NAME is
 * compared with its name.  That makes every value a safe guess: entries
 * are never freed and never change name, and a stale or torn-looking
 * cache costs a slower lookup, never a wrong one.  Acquire and release
 * only so that an entry reached through it is seen initialised.
 *
 * Two ways per set, in one cache line: two names whose pointers share a
 * set both stay cached, so threads looking them up in turn do not keep
 * rewriting a line they all read.
 */
#define ES_HIT_CACHE_SET_BITS 8
#define ES_HIT_CACHE_WAYS 2
extern struct es_name *es_hit_cache[ES_HIT_CACHE_WAYS << ES_HIT_CACHE_SET_BITS];

static inline struct es_name **es_hit_cache_set(const char *name)
{
	return &es_hit_cache[ES_HIT_CACHE_WAYS * (((uintptr_t)name * ES_HASH_K0) >> (64 - ES_HIT_CACHE_SET_BITS))];
}

/*
 * The hit: E's value (E's name is LEN bytes), if it is immutable and still sits in its slot inside
 * the live list; NULL sends the caller through the index.
 *
 * Acquire on each load, in this order (docs/DESIGN.md §5.2): environ, then
 * the view (pairs with the writer's release of the view before environ),
 * then the entry's stable value and slot (pair with set_value and
 * publish_owner: the string and the slot pointer stored before them are
 * visible), then the slot itself (pairs with the release that stored the
 * string there).
 */
static inline const char *es_hit(const struct es_name *e, size_t len)
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
		return s + len + 1;
	return NULL;
}

/*
 * The hit through a hit-cache cell holding E (read with acquire, pairing
 * with the release in remember (lookup.c), which stored an entry it had
 * itself acquired from the index, so E's name and len are seen
 * initialised): E's value if NAME is E's name and the hit holds, else
 * NULL.
 */
static inline const char *es_cached_hit(const char *name, const struct es_name *e)
{
	if (!e)
		return NULL;
	size_t len = e->len; /* immutable: read once, before the acquire loads */
	/* Laid out as the straight path: a hit is the common case. */
	if (__builtin_expect(es_is_entry_name(name, e, len), 1))
		return es_hit(e, len);
	return NULL;
}

/*
 * The walks' test: if S is "NAME=value", a pointer to its value, else
 * NULL.  NAME is matched textually, as glibc does (a NAME containing '='
 * matches a string that starts with NAME and has '=' after it).  The
 * caller has seen S[0] == NAME[0], which is not NUL.  S is read only up
 * to its terminator: each byte is read after the one before it matched a
 * byte of NAME that is not NUL.
 */
static inline const char *es_walk_match(const char *s, const char *name)
{
	size_t i = 1;
	while (name[i] && s[i] == name[i])
		i++;
	return !name[i] && s[i] == '=' ? s + i + 1 : NULL;
}

/*
 * The walk: the value of the first entry of ENV (up to its NULL) naming
 * NAME, as glibc's getenv finds it, or NULL.  *COUNT gets the number of
 * entries read.
 *
 * Acquire on each slot: a walk must not read a later slot's older
 * content after an earlier slot's newer content (DESIGN §5.4), and the
 * string's bytes must be visible before they are compared (pairs with the
 * release that stored the slot).  Complete on its own: every fallback
 * ends here.
 */
static inline const char *es_walk(char **env, const char *name, size_t *count)
{
	const char first = name[0], *s, *value = NULL;
	char **p = env;
	/* Two entries a round: the loop's own cost is most of a miss. */
	for (;; p += 2) {
		if ((s = es_load_acquire(&p[0])) == NULL)
			break;
		if (s[0] == first && (value = es_walk_match(s, name)) != NULL)
			break;
		if ((s = es_load_acquire(&p[1])) == NULL) {
			p++;
			break;
		}
		if (s[0] == first && (value = es_walk_match(s, name)) != NULL) {
			p++;
			break;
		}
	}
	*count = (size_t)(p - env);
	return value;
}

/*
 * The sum of the slot pointers in [P, TOP): a hint (lookup.c, all_vouched;
 * inherited.c, the miss check), so the loads are relaxed or plain.
 */
#ifdef ES_EXACT_READS
static inline uintptr_t es_sum_slots(char **p, char **top)
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

static inline uintptr_t es_sum_slots(char **p, char **top)
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


/* inherited.c: NAME's value in ENV, an environ value loaded before the
 * caller saw that no writer has published a view yet (NAME is not
 * empty).  O(1) once lookups have paid for an index of ENV; a walk
 * before. */
const char *es_inherited_lookup(char **env, const char *name);
/* inherited.c: an environ array a miss found short (32 entries at most):
 * lookups in it before the first write just walk (es_lookup_slow).  Only
 * a hint, stored and loaded relaxed: a walk is right whatever the array
 * holds now.  Never NULL once set. */
extern char **es_inherited_short_env;

/* lookup.c: way 1 of the hit cache, then the index, or before the first
 * write es_inherited_lookup. */
const char *es_lookup_slow(const char *name);

/*
 * getenv, secure_getenv and getenv_r: the hit path inline, anything else
 * through the index.  Returns NAME's value or NULL.
 */
static inline const char *es_lookup(const char *name)
{
	if (!name)
		return NULL;
	const char *value = es_cached_hit(name, es_load_acquire(&es_hit_cache_set(name)[0]));
	if (__builtin_expect(value != NULL, 1))
		return value;
	return es_lookup_slow(name);
}

#endif
