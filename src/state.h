/*
 * state.h - the library's data structures and the contracts between its
 * files.  docs/DESIGN.md explains the protocol; the comments here say who
 * may touch what.
 *
 * Three kinds of memory:
 *   published  - reachable by readers (environ, views, name entries, index
 *                tables, interned strings).  Never freed, never rewritten
 *                with anything but another valid value.
 *   writer     - touched only with the writer lock held (slot records,
 *                the intern table, counters).  Freed when replaced.
 *   snapshot   - owned by the caller of envsafe_snapshot_take.
 */
#ifndef ENVSAFE_STATE_H
#define ENVSAFE_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hash.h"

extern char **environ;

/*
 * One environment buffer as readers see it.  slots[0..cap] with
 * slots[cap] == NULL forever; the live entries are slots[start..cap-1]
 * where environ == &slots[start].
 *
 * shadow[i] is what the library last stored in slots[i] when that string
 * is immutable and named by the index; it is NULL when the slot holds a
 * string the index cannot vouch for (a putenv'd buffer, a duplicate
 * name).  A reader that finds slots[i] != shadow[i] must look at the
 * string itself: that is how writes the library never saw (a program
 * storing into environ[i]) stay visible to getenv.
 *
 * The digest lets a reader check all of that with one load per slot: it
 * is the sum (mod 2^64) of every live slot and of the environ value, as
 * the library last stored them.  A sum rather than an XOR: two program
 * strings as far apart as the two they replace cancel an XOR (the high
 * bits of nearby pointers cancel), but change the sum.  If a reader's sum
 * over its environ agrees and no unvouched slot is live, the index is the
 * whole truth.
 */
struct es_view {
	char guard[64];  /* keeps the heap neighbour's writes off this line */
	size_t cap;      /* cap, slots and shadow never change and every */
	char **slots;    /* getenv reads them; the gap keeps env and digest, */
	const char **shadow; /* which change on every write, off their line */
	char **top;      /* &slots[cap], the NULL ending every live list;
			  * kept so that a hit compares with one load */
	struct es_view *replaced; /* writers only: the view this one replaced,
				   * kept reachable (leak checkers) */
	char gap[64];
	char **env;          /* atomic: the environ value published with this view */
	uint64_t digest;     /* atomic: sum of the live slots and of environ */
};

/*
 * A variable name the library has seen.  Entries are published once and
 * never removed: an unset name keeps its entry with value == NULL, so a
 * fixed set of names costs a fixed amount of memory however often it is
 * set and unset.
 */
struct es_name {
	const char *value; /* atomic: the live "NAME=value" string, or NULL */
	const char *stable; /* atomic: value when the library interned it (so
			     * it can never change), else NULL */
	char **slot;       /* atomic: where value lives in the current view */
	unsigned char borrowed; /* atomic: value is a string the program may
				 * still edit (a putenv'd buffer, or one the
				 * program stored into environ), so readers
				 * re-check its name */
	unsigned seen;     /* writers only: last adoption pass that saw it */
	size_t len;        /* never changes; it comes last so that the word
			    * before name is immutable too.  (The name's hash
			    * is kept in the index cells, not here.) */
	char name[];       /* NUL-terminated copy of the name */
};

/*
 * Open-addressing table of name entries, linear probing, never shrunk.
 * Each cell carries its entry's hash, so a probe passing over other names
 * never touches their entries, whose values writers keep changing.
 */
struct es_index_cell {
	uint64_t hash;         /* written before entry, never changed */
	struct es_name *entry; /* atomic; NULL = empty */
};
struct es_index {
	size_t mask;
	size_t used;
	struct es_index *replaced; /* writers only: the table this one replaced,
				    * kept reachable (leak checkers) */
	struct es_index_cell cells[];
};

/* Writer-private record of a slot: what we stored and who owns it. */
struct es_slot_record {
	const char *str;       /* what the library last stored in the slot */
	struct es_name *owner; /* entry whose value this is, or NULL */
	unsigned char vouched; /* shadow[i] == str (immutable, indexed) */
	unsigned char borrowed; /* str is a putenv'd buffer, whoever owns it */
};

struct es_writer_state {
	struct es_view *view;           /* current view (also in es_view) */
	struct es_slot_record *records; /* records[i] for slots[i] */
	size_t start;                   /* environ == &view->slots[start] */
	char **published;               /* the environ value we last stored */
	size_t unvouched;               /* live slots with vouched == 0 */
	int adopted;                    /* view/records describe environ */
	unsigned epoch;                 /* adoption pass counter */
};

/* ---- published state (reader-visible) ---- */
/*
 * Every reader loads these; writers store them only when a buffer or table
 * grows or a putenv'd buffer comes or goes.  They get a cache line of
 * their own so that the writer lock, the writer state and the intern
 * table, which change on every write, never share it.
 */
struct es_published {
	struct es_view *view;   /* atomic: the current view */
	struct es_index *index; /* atomic: the current index table */
	size_t unvouched;       /* atomic: es_w.unvouched, for readers */
} __attribute__((aligned(64)));
extern struct es_published es_pub;
#define es_current_view (es_pub.view)
#define es_name_index (es_pub.index)
#define es_unvouched_live (es_pub.unvouched)

/* ---- writer state: only with the writer lock (es_lock) held ---- */
extern struct es_writer_state es_w;

/* check.c - with -DENVSAFE_DEBUG, abort() unless the writer state is
 * consistent (lock held, at the end of a writer operation); else nothing. */
void es_check_invariants(void);

/* lock.c */
void es_lock(void);
void es_unlock(void);

/* index.c - writers: find or create an entry (value NULL when created);
 * NULL with ENOMEM leaves the environment unchanged. */
struct es_name *es_index_get(const char *name, size_t len);
/* Call F on every entry. */
void es_index_each(void (*f)(struct es_name *, void *), void *arg);

/* intern.c - writers: the unique immutable "NAME=value" string. */
const char *es_intern(const char *name, size_t name_len, const char *value, size_t value_len);
/* Is S one of those strings (that very pointer)?  NAME_LEN: its name's. */
int es_is_interned(const char *s, size_t name_len);

/* lookup.h - readers: es_lookup(NAME), a pointer to its value or NULL. */
/* Does S name NAME (LEN bytes)?  True when S starts with "NAME=".  S is
 * read only up to its terminator: the '=' test comes after a comparison
 * that fails at S's NUL if S is shorter. */
static inline int es_names(const char *s, const char *name, size_t len)
{
	return strncmp(s, name, len) == 0 && s[len] == '=';
}

/* publish.c - the library's constructor: remember where the kernel put
 * the environment, before anything can change environ. */
void es_note_initial_environment(void);
/* Strings above this address were placed by the kernel at exec and are
 * trusted never to change (DESIGN §6);
 * UINTPTR_MAX until the constructor has noted it.  Readers and writers. */
uintptr_t es_trusted_above(void);

/* publish.c - writers (lock held).  Each returns 0, or -1 with errno
 * ENOMEM and nothing visible changed. */
int es_sync(int *replaced);
long es_find(const char *name, size_t len);
int es_add(struct es_name *owner, const char *str, int vouched);
void es_replace(size_t i, struct es_name *owner, const char *str, int vouched);
void es_remove(size_t i);
void es_clear(void);
int es_reserve_front(void);

/*
 * libc's headers declare the arguments of getenv, setenv, unsetenv and
 * putenv nonnull, which lets the compiler delete our NULL checks.  Passing
 * a pointer through an empty asm hides where it came from, so they stay.
 */
static inline const char *es_unknown(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

/* Name length of an environment string: bytes before '=' (or all of it). */
static inline size_t es_name_len(const char *s)
{
	const char *eq = strchr(s, '=');
	return eq ? (size_t)(eq - s) : strlen(s);
}

/* The library is built with -fvisibility=hidden; the public entry points
 * say so explicitly (src/envsafe.map lists the same names). */
#define ES_EXPORT __attribute__((visibility("default")))

/* Atomic accessors, so every shared access names its ordering. */
#define es_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define es_load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define es_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define es_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

/*
 * The entry for NAME (LEN bytes, hash HASH), or NULL.  Readers and writers.
 * See index.c for why a lock-free probe needs no retry.
 */
static inline struct es_name *es_index_find(uint64_t hash, const char *name, size_t len)
{
	/* Acquire: pairs with the release that published the table, so its
	 * cells are seen as initialised. */
	const struct es_index *t = es_load_acquire(&es_name_index);
	if (!t)
		return NULL;
	for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
		/* Acquire: pairs with the release that filled the cell, so the
		 * cell's hash and the entry's len and name are seen as
		 * initialised (none of them changes afterwards). */
		struct es_name *e = es_load_acquire(&t->cells[i].entry);
		if (!e)
			return NULL;
		if (t->cells[i].hash == hash && e->len == len && es_bytes_equal(e->name, name, len))
			return e;
	}
}

#endif
