/*
 * vars.c - the variables envsafe-stress stores, and how a reader decides
 * that what it found is legal.  Every string is built once, before any
 * thread starts, so the set of distinct strings stays bounded: the
 * library interns what it publishes and never frees it.
 */
#include "stress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static char churn_names[CHURN_WRITERS_MAX][CHURN_PER_WRITER][24];
static char churn_values[CHURN_WRITERS_MAX][CHURN_PER_WRITER][2][24];

void churn_init(void)
{
	for (unsigned w = 0; w < CHURN_WRITERS_MAX; w++)
		for (unsigned i = 0; i < CHURN_PER_WRITER; i++) {
			snprintf(churn_names[w][i], sizeof churn_names[w][i], "ESS_%u_%u", w, i);
			snprintf(churn_values[w][i][0], sizeof churn_values[w][i][0], "%u_%u", w, i);
			snprintf(churn_values[w][i][1], sizeof churn_values[w][i][1], "%u_%u_alt", w, i);
		}
}

const char *churn_name(unsigned w, unsigned i)
{
	return churn_names[w][i];
}

const char *churn_value(unsigned w, unsigned i, int alt)
{
	return churn_values[w][i][alt != 0];
}

int churn_value_ok(unsigned w, unsigned i, const char *value)
{
	return strcmp(value, churn_values[w][i][0]) == 0 ||
	       strcmp(value, churn_values[w][i][1]) == 0;
}

static char sentinel_names[SENTINELS][24];
static char sentinel_values[SENTINELS][40];

int sentinels_set(void)
{
	for (unsigned k = 0; k < SENTINELS; k++) {
		snprintf(sentinel_names[k], sizeof sentinel_names[k], "ESS_SENTINEL_%u", k);
		snprintf(sentinel_values[k], sizeof sentinel_values[k], "sentinel-%u-untouched", k);
		if (setenv(sentinel_names[k], sentinel_values[k], 1) != 0)
			return -1;
	}
	return 0;
}

const char *sentinel_name(unsigned k)
{
	return sentinel_names[k];
}

const char *sentinel_value(unsigned k)
{
	return sentinel_values[k];
}

/* A "NAME=value" string: a non-empty name without control characters,
 * then '='.  A pointer into freed or recycled memory almost never looks
 * like that, which is how a walk over a stale array is caught. */
int entry_well_formed(const char *entry)
{
	const char *p = entry;
	if (p == NULL || *p == '=' || *p == '\0')
		return 0;
	for (size_t n = 0; n < 65536; n++, p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '=')
			return 1;
		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 0;
}

static int parse_uint(const char **pp, unsigned *out)
{
	const char *p = *pp;
	unsigned v = 0;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (unsigned)(*p++ - '0');
	*pp = p;
	*out = v;
	return 1;
}

int entry_sentinel(const char *entry)
{
	static const char prefix[] = "ESS_SENTINEL_";
	const char *p = entry + sizeof prefix - 1;
	unsigned k;
	if (strncmp(entry, prefix, sizeof prefix - 1) != 0)
		return -1;
	if (!parse_uint(&p, &k) || *p != '=' || k >= SENTINELS)
		return -1;
	return (int)k;
}

int entry_value_ok(const char *entry)
{
	const char *p = entry + 4;
	unsigned w, i;
	int k = entry_sentinel(entry);
	if (k >= 0)
		return strcmp(strchr(entry, '=') + 1, sentinel_values[k]) == 0;
	if (strncmp(entry, "ESS_", 4) != 0)
		return 1;
	if (!parse_uint(&p, &w) || *p++ != '_' || !parse_uint(&p, &i) || *p != '=')
		return 1;	/* some other ESS_ name: not ours to judge */
	if (w >= CHURN_WRITERS_MAX || i >= CHURN_PER_WRITER)
		return 1;
	return churn_value_ok(w, i, p + 1);
}

char **env_load(void)
{
	/* Acquire: pairs with the writer's release store of `environ`, so the
	 * slots it points to are at least as new as the pointer. */
	return __atomic_load_n(&environ, __ATOMIC_ACQUIRE);
}

const char *env_slot(char **ep, size_t i)
{
	/* Acquire: pairs with the release store that put the string in the
	 * slot, so its bytes are visible before we read them. */
	return __atomic_load_n(&ep[i], __ATOMIC_ACQUIRE);
}
