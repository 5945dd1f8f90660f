/*
 * intern.c - one immutable copy of each "NAME=value" string ever set.
 *
 * This is what bounds memory: setting the same name to the same value a
 * million times costs one string.  Strings are published to readers and
 * never freed; the table that finds them is writer-private (lock held)
 * and is freed when it grows.
 */
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "hash.h"
#include "state.h"

struct interned {
	uint64_t hash;
	size_t len; /* strlen of str */
	const char *str;
};

static struct interned *cells;
static size_t mask, used;

static uint64_t pair_hash(const char *name, size_t name_len, const char *value, size_t value_len)
{
	return es_fold(es_hash(name, name_len) ^ ES_HASH_K1, es_hash(value, value_len) ^ ES_HASH_K2);
}

static int grow(void)
{
	size_t n = cells ? (mask + 1) * 2 : 64;
	struct interned *t = es_alloc(n * sizeof *t);
	if (!t)
		return -1;
	memset(t, 0, n * sizeof *t);
	for (size_t i = 0; cells && i <= mask; i++) {
		if (!cells[i].str)
			continue;
		size_t j = cells[i].hash & (n - 1);
		while (t[j].str)
			j = (j + 1) & (n - 1);
		t[j] = cells[i];
	}
	/* Freed last: see publish_view on forks from signal handlers. */
	struct interned *old = cells;
	cells = t;
	mask = n - 1;
	es_free(old);
	return 0;
}

/* The cell holding "NAME=VALUE", or the empty cell where it would go. */
static size_t find(uint64_t hash, const char *name, size_t name_len, const char *value, size_t value_len)
{
	size_t len = name_len + 1 + value_len, i;
	for (i = hash & mask; cells[i].str; i = (i + 1) & mask) {
		const char *s = cells[i].str;
		if (cells[i].hash == hash && cells[i].len == len && es_names(s, name, name_len) &&
		    memcmp(s + name_len + 1, value, value_len) == 0)
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
	return cells[find(pair_hash(s, name_len, value, value_len), s, name_len, value, value_len)].str == s;
}

const char *es_intern(const char *name, size_t name_len, const char *value, size_t value_len)
{
	size_t len = name_len + 1 + value_len;
	uint64_t hash = pair_hash(name, name_len, value, value_len);
	size_t i;

	if (!cells || (used + 1) * 2 > mask + 1) {
		if (grow() < 0)
			return NULL;
	}
	i = find(hash, name, name_len, value, value_len);
	if (cells[i].str)
		return cells[i].str;
	char *s = es_alloc(len + 1);
	if (!s)
		return NULL;
	memcpy(s, name, name_len);
	s[name_len] = '=';
	memcpy(s + name_len + 1, value, value_len);
	s[len] = '\0';
	cells[i] = (struct interned){ hash, len, s };
	used++;
	return s;
}
