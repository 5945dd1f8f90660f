/*
 * intern.c - one immutable copy of each "NAME=value" string ever set.
 *
 * This is what bounds memory: setting the same name to the same value a
 * million times costs one string.  Strings are published to readers and
 * never freed; the table that finds them is writer-private (lock held)
 * and is freed when it grows.
 *
 * A program that sets ever-new values keeps every one of them, as glibc
 * does (its setenv keeps each string in a search tree, 32 bytes a node on
 * top of the string's own malloc block).  So each string must cost no
 * more than that:
 *   - strings are packed into large blocks (es_keep), each string after
 *     a 4-byte copy of its hash, instead of one malloc block each (no
 *     per-string malloc header or rounding);
 *   - the table holds only string pointers, up to 3/4 full, and compares
 *     the hash stored before a string before reading the string.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "hash.h"
#include "state.h"

/* ---- the table: writer-private, freed when replaced ---- */

static const char **cells; /* each a string from es_keep, or NULL */
static size_t mask, used;

static uint64_t pair_hash(const char *name, size_t name_len, const char *value, size_t value_len)
{
	return es_fold(es_hash(name, name_len) ^ ES_HASH_K1, es_hash(value, value_len) ^ ES_HASH_K2);
}

/* The hash stored before interned string S (its low 32 bits). */
static uint32_t stored_hash(const char *s)
{
	uint32_t h;
	memcpy(&h, s - sizeof h, sizeof h);
	return h;
}

static int grow(void)
{
	size_t n = cells ? (mask + 1) * 2 : 64;
	const char **t = es_alloc(n * sizeof *t);
	if (!t)
		return -1;
	memset(t, 0, n * sizeof *t);
	for (size_t i = 0; cells && i <= mask; i++) {
		if (!cells[i])
			continue;
		size_t j = stored_hash(cells[i]) & (n - 1);
		while (t[j])
			j = (j + 1) & (n - 1);
		t[j] = cells[i];
	}
	/* Freed last: see publish_view on forks from signal handlers. */
	const char **old = cells;
	cells = t;
	mask = n - 1;
	es_free(old);
	return 0;
}

/* The cell holding "NAME=VALUE", or the empty cell where it would go.
 * Only strings whose stored hash matches are read. */
static size_t find(uint32_t hash, const char *name, size_t name_len, const char *value, size_t value_len)
{
	size_t i;
	for (i = hash & mask; cells[i]; i = (i + 1) & mask) {
		const char *s = cells[i];
		if (stored_hash(s) == hash && es_names(s, name, name_len) &&
		    strncmp(s + name_len + 1, value, value_len) == 0 && s[name_len + 1 + value_len] == '\0')
			break;
	}
	return i;
}

int es_is_interned(const char *s, size_t name_len)
{
	if (!cells || s[name_len] != '=')
		return 0;
	const char *value = s + name_len + 1;
	size_t value_len = strlen(value);
	uint32_t hash = (uint32_t)pair_hash(s, name_len, value, value_len);
	return cells[find(hash, s, name_len, value, value_len)] == s;
}

const char *es_intern(const char *name, size_t name_len, const char *value, size_t value_len)
{
	size_t len = name_len + 1 + value_len;
	uint32_t hash = (uint32_t)pair_hash(name, name_len, value, value_len);

	/* Up to 3/4 full: linear probing stays short, and the table costs
	 * 11 to 21 bytes a string (32 while it grows, old and new table). */
	if (!cells || (used + 1) * 4 > (mask + 1) * 3) {
		if (grow() < 0)
			return NULL;
	}
	size_t i = find(hash, name, name_len, value, value_len);
	if (cells[i])
		return cells[i];
	char *record = es_keep(sizeof hash + len + 1);
	if (!record)
		return NULL;
	memcpy(record, &hash, sizeof hash);
	char *s = record + sizeof hash;
	memcpy(s, name, name_len);
	s[name_len] = '=';
	memcpy(s + name_len + 1, value, value_len);
	s[len] = '\0';
	cells[i] = s;
	used++;
	return s;
}
