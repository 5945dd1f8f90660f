/*
 * name_edges.c - getenv reads the caller's name in whole aligned words and
 * remembers which entry a name pointer last found.  Neither may change an
 * answer or fault:
 *   - every name length from 1 to 40 at every alignment, ending right
 *     before an unmapped page, is found (first and second lookup);
 *   - a buffer renamed in place, under the same pointer, is looked up by
 *     its new name: one byte changed anywhere, longer, shorter, emptied;
 *   - names that are prefixes of set names, or extend them, are misses;
 *   - names containing '=' match textually, as in glibc.
 * Run preloaded.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "semantics/harness.h"

#define MAX_LEN 40

static char *map, *guard;

/* The name of length LEN used throughout: distinct in every byte
 * position, so a comparison that skips a byte is caught. */
static void make_name(char *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (char)('A' + (i * 7 + len) % 26);
	out[len] = '\0';
}

static void make_value(char *out, size_t len)
{
	snprintf(out, 32, "value-%zu", len);
}

/* NAME copied so that its NUL is the last byte before the guard page and
 * its first byte has the given alignment modulo 16 (when it fits). */
static char *at_page_end(const char *name, size_t misalign)
{
	size_t n = strlen(name) + 1;
	char *p = guard - n;
	/* Moving the copy down would put bytes after the NUL, so the
	 * alignment comes from the length; extra misalignment is tested by
	 * placing the copy inside the page instead. */
	if (misalign) {
		p = (char *)(((uintptr_t)guard - 64) & ~(uintptr_t)15) + misalign;
		memset(p + n, 'Z', (size_t)(guard - p) - n); /* live bytes after the name */
	}
	memcpy(p, name, n);
	return p;
}

static int found(const char *name, const char *want)
{
	const char *v = getenv(name);
	if (!want)
		return v == NULL;
	return v && strcmp(v, want) == 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	tap_ok(es_require_preload(argv), "preloaded: libenvsafe %s is loaded", es_loaded_version());

	long page = sysconf(_SC_PAGESIZE);
	map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || mprotect(map + page, (size_t)page, PROT_NONE) != 0)
		tap_bail("cannot set up a guard page");
	guard = map + page;

	char name[MAX_LEN + 1], value[32];
	for (size_t len = 1; len <= MAX_LEN; len++) {
		make_name(name, len);
		make_value(value, len);
		if (setenv(name, value, 1) != 0)
			tap_bail("setenv %s failed", name);
	}

	int wrong = 0, cases = 0;
	for (size_t len = 1; len <= MAX_LEN; len++) {
		make_name(name, len);
		make_value(value, len);
		for (size_t misalign = 0; misalign < 16; misalign++) {
			char *p = at_page_end(name, misalign);
			/* Twice: the first goes through the index, the second finds
			 * the entry remembered for this pointer. */
			wrong += !found(p, value) + !found(p, value);
			cases += 2;
		}
	}
	tap_ok(wrong == 0, "%d lookups of names of length 1..%d at every alignment, ending at a guard page: %d wrong",
	       cases, MAX_LEN, wrong);

	/* Rename a buffer in place under the same pointer, one byte at a time. */
	wrong = cases = 0;
	for (size_t len = 1; len <= MAX_LEN; len++) {
		for (size_t misalign = 0; misalign < 16; misalign += 5) {
			make_name(name, len);
			make_value(value, len);
			char *p = at_page_end(name, misalign);
			wrong += !found(p, value);
			for (size_t i = 0; i < len; i++) {
				char keep = p[i];
				p[i] = (char)(keep == 'x' ? 'y' : 'x');
				wrong += !found(p, NULL);
				p[i] = keep;
				wrong += !found(p, value);
				cases += 2;
			}
		}
	}
	tap_ok(wrong == 0, "%d lookups after renaming a buffer in place by one byte: %d wrong", cases, wrong);

	/* One buffer cut down to ever shorter prefixes, then emptied.  Each
	 * prefix differs from the set name of its length in every byte. */
	wrong = cases = 0;
	{
		char *buf = map + 128 + 3;
		make_name(buf, MAX_LEN);
		for (size_t len = MAX_LEN; len >= 1; len--) {
			buf[len] = '\0';
			char same[MAX_LEN + 1], want[32];
			make_name(same, len); /* equal when len == MAX_LEN (mod 26) */
			make_value(want, len);
			wrong += !found(buf, strcmp(buf, same) == 0 ? want : NULL);
			cases++;
		}
		buf[0] = '\0';
		wrong += !found(buf, NULL);
		cases++;
	}
	tap_ok(wrong == 0, "%d lookups of one buffer cut down to prefixes and emptied: %d wrong", cases, wrong);

	/* Prefixes and extensions of set names are misses. */
	wrong = cases = 0;
	for (size_t len = 1; len <= MAX_LEN; len++) {
		char longer[MAX_LEN + 2];
		make_name(longer, len);
		longer[len] = '#';
		longer[len + 1] = '\0';
		if (!found(longer, NULL))
			wrong++, tap_diag("found %s", longer);
		make_name(name, len);
		name[len - 1] = '#';
		if (!found(name, NULL))
			wrong++, tap_diag("found %s", name);
		cases += 2;
	}
	tap_ok(wrong == 0, "%d lookups of a set name extended or with its last byte changed: %d wrong", cases, wrong);

	/* glibc compares a name with '=' textually: "AB=C" finds "AB=C=x". */
	if (setenv("EDGE_EQ", "left=right", 1) != 0)
		tap_bail("setenv EDGE_EQ failed");
	tap_ok(found("EDGE_EQ=left", "right") && found("EDGE_EQ=", NULL) && found("EDGE_EQ=lef", NULL),
	       "names containing '=' match the text before the value, as in glibc");
	tap_ok(found("", NULL) && found("=", NULL), "the empty name and \"=\" are not found");

	return tap_done();
}
