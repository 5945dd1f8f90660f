/*
 * stable_pointers.c - R4: a pointer returned by getenv stays readable and
 * its bytes never change, whatever the program does to the environment
 * afterwards; an old value of environ stays a walkable, NULL-terminated
 * array of "NAME=value" strings.
 *
 * Millions of setenv/unsetenv/overwrites of the very names whose values
 * were saved, buffer growth (thousands of new names) and clearenv, with
 * pointers and environ values collected all along.  Run preloaded;
 * stable_pointers_valgrind is the same with fewer operations, for
 * tests/pointers/valgrind.t.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semantics/harness.h"

extern char **environ;

#ifndef OPS
#define OPS 2000000UL
#endif
#define HOT_NAMES 200
#define GROWTH_NAMES 1000
#define VALUES 64
#define MAX_SAVED 4000
#define MAX_ENVIRONS 64

struct saved {
	const char *ptr;
	char *copy;
	char name[24];
};

static struct saved saved[MAX_SAVED];
static size_t nsaved;
static char **old_environs[MAX_ENVIRONS];
static size_t nenvirons;

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void save_pointer(const char *name)
{
	const char *v = getenv(name);
	struct saved *s;

	if (!v || nsaved == MAX_SAVED)
		return;
	s = &saved[nsaved++];
	s->ptr = v;
	s->copy = strdup(v);
	snprintf(s->name, sizeof s->name, "%s", name);
	if (!s->copy)
		tap_bail("out of memory");
}

/* Every entry must look like "NAME=value"; returns the entry count or
 * -1 at the first malformed entry. */
static long walk(char **env)
{
	long n = 0;

	for (; *env; env++, n++) {
		const char *eq = strchr(*env, '=');
		if (!eq || eq == *env || n > 10000000)
			return -1;
	}
	return n;
}

int main(int argc, char **argv)
{
	char name[32], value[64];
	unsigned long sets = 0, unsets = 0, clears = 0, grows = 0, failures = 0;
	size_t bad = 0, i, bad_walks = 0;

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_ok(es_require_preload(argv), "preloaded: libenvsafe %s is loaded",
	       es_loaded_version() ? es_loaded_version() : "(none)");
	es_watchdog("stable pointers", 120);

	save_pointer("ES_BUILD_DIR"); /* inherited: lives in the initial stack block */
	for (i = 0; i < HOT_NAMES; i++) {
		snprintf(name, sizeof name, "ES_HOT%zu", i);
		snprintf(value, sizeof value, "initial-%zu", i);
		failures += setenv(name, value, 1) != 0;
		save_pointer(name);
	}
	old_environs[nenvirons++] = environ;

	for (unsigned long op = 0; op < OPS; op++) {
		uint64_t r = next_random();
		unsigned kind = r % 100;

		if (kind < 55) {
			snprintf(name, sizeof name, "ES_HOT%u", (unsigned)(r >> 8) % HOT_NAMES);
			snprintf(value, sizeof value, "value-%u-of-%s", (unsigned)(r >> 24) % VALUES, name);
			failures += setenv(name, value, (r >> 40) & 1) != 0;
			sets++;
		} else if (kind < 80) {
			snprintf(name, sizeof name, "ES_HOT%u", (unsigned)(r >> 8) % HOT_NAMES);
			failures += unsetenv(name) != 0;
			unsets++;
		} else {
			snprintf(name, sizeof name, "ES_GROW%u", (unsigned)(r >> 8) % GROWTH_NAMES);
			snprintf(value, sizeof value, "g%u", (unsigned)(r >> 24) % VALUES);
			failures += setenv(name, value, 1) != 0;
			grows++;
		}
		if (op % (OPS / 8) == OPS / 16) {
			failures += clearenv() != 0;
			clears++;
		}
		if ((r >> 48) % 1000 == 0) {
			snprintf(name, sizeof name, "ES_HOT%u", (unsigned)(r >> 8) % HOT_NAMES);
			save_pointer(name);
		}
		if (op % (OPS / (MAX_ENVIRONS - 2)) == 0 && nenvirons < MAX_ENVIRONS && environ)
			old_environs[nenvirons++] = environ;
	}

	tap_diag("%lu sets, %lu unsets, %lu new-name sets, %lu clearenv; %zu pointers and %zu environ values saved",
		 sets, unsets, grows, clears, nsaved, nenvirons);
	tap_ok(failures == 0, "every writer call succeeded (%lu failures)", failures);
	tap_ok(clears == 8 && nsaved > OPS / 4000, "the run included clearenv (%lu) and saved many pointers (%zu)", clears, nsaved);
	for (i = 0; i < nsaved; i++) {
		if (strcmp(saved[i].ptr, saved[i].copy) != 0) {
			if (bad++ < 5)
				tap_diag("pointer for %s changed: \"%s\" became \"%s\"", saved[i].name, saved[i].copy, saved[i].ptr);
		}
	}
	tap_ok(bad == 0, "all %zu saved getenv pointers still read their original bytes (%zu changed)", nsaved, bad);
	for (i = 0; i < nenvirons; i++) {
		long n = walk(old_environs[i]);
		if (n < 0)
			bad_walks++;
	}
	tap_ok(bad_walks == 0, "all %zu saved environ values walk to NULL through well-formed entries (%zu bad)",
	       nenvirons, bad_walks);
	tap_ok(walk(environ) >= 0, "the current environ is well formed");
	return tap_done();
}
