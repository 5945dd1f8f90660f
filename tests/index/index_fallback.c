/*
 * index_fallback.c - R6: getenv stays right when the program changes the
 * environment behind the library's back (assigning environ, storing into
 * environ[i], editing a putenv'd buffer), immediately and after further
 * setenv calls; and the index finds every one of 10000 variables while
 * misses return NULL.  Run preloaded.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semantics/harness.h"

extern char **environ;

static int is(const char *name, const char *want)
{
	const char *v = getenv(name);
	if (!want)
		return v == NULL;
	return v && strcmp(v, want) == 0;
}

static int count_named(const char *name)
{
	size_t len = strlen(name);
	int n = 0;
	for (char **e = environ; e && *e; e++)
		n += strncmp(*e, name, len) == 0 && (*e)[len] == '=';
	return n;
}

static long slot_of(const char *name)
{
	size_t len = strlen(name);
	for (long i = 0; environ[i]; i++)
		if (strncmp(environ[i], name, len) == 0 && environ[i][len] == '=')
			return i;
	return -1;
}

static char *static_env[] = { "IX_S1=static-one", "IX_S2=static-two", NULL };

static void assigned_environ(void)
{
	static char **heap; /* static: reachable until exit, as a program's environ would be */

	setenv("IX_BEFORE", "set-before-assignment", 1);
	tap_ok(is("IX_BEFORE", "set-before-assignment"), "indexed variable found before environ is assigned");
	environ = static_env;
	tap_ok(is("IX_S1", "static-one") && is("IX_S2", "static-two"), "static environ array: its entries are found");
	tap_ok(is("IX_BEFORE", NULL), "static environ array: a variable of the old environment is gone");
	setenv("IX_S3", "added", 1);
	tap_ok(is("IX_S1", "static-one") && is("IX_S2", "static-two") && is("IX_S3", "added") && is("IX_BEFORE", NULL),
	       "static environ array: still right after setenv adopts it");
	tap_ok(count_named("IX_S1") == 1 && count_named("IX_S3") == 1, "static environ array: environ lists each name once");

	heap = malloc(4 * sizeof *heap);
	if (!heap)
		tap_bail("out of memory");
	heap[0] = strdup("IX_H1=heap-one");
	heap[1] = strdup("IX_H2=heap-two");
	heap[2] = strdup("IX_S1=shadowed");
	heap[3] = NULL;
	environ = heap;
	tap_ok(is("IX_H1", "heap-one") && is("IX_H2", "heap-two") && is("IX_S1", "shadowed"),
	       "heap environ array: its entries are found");
	tap_ok(is("IX_S2", NULL) && is("IX_S3", NULL), "heap environ array: variables of the static array are gone");
	setenv("IX_H3", "added", 1);
	unsetenv("IX_H2");
	tap_ok(is("IX_H1", "heap-one") && is("IX_H2", NULL) && is("IX_H3", "added") && is("IX_S1", "shadowed"),
	       "heap environ array: still right after setenv/unsetenv adopt it");
}

static void stored_into_environ(void)
{
	long i;

	setenv("IX_R", "indexed", 1);
	setenv("IX_Q", "to-be-replaced", 1);
	setenv("IX_PAD", "p", 1);
	i = slot_of("IX_R");
	if (i < 0)
		tap_bail("IX_R not in environ");
	environ[i] = "IX_R=direct";
	tap_ok(is("IX_R", "direct"), "environ[i] overwritten with the same name: getenv sees it at once");
	setenv("IX_OTHER", "x", 1);
	setenv("IX_PAD", "q", 1);
	tap_ok(is("IX_R", "direct"), "environ[i] overwritten with the same name: still seen after other setenv calls");
	setenv("IX_R", "after", 1);
	tap_ok(is("IX_R", "after") && count_named("IX_R") == 1, "setenv of that name replaces it (one entry left)");

	i = slot_of("IX_Q");
	if (i < 0)
		tap_bail("IX_Q not in environ");
	environ[i] = "IX_NEW=fresh";
	tap_ok(is("IX_Q", NULL), "environ[i] overwritten with a new name: the old name is gone at once");
	tap_ok(is("IX_NEW", "fresh"), "environ[i] overwritten with a new name: the new name is found at once");
	setenv("IX_OTHER2", "y", 1);
	unsetenv("IX_OTHER");
	tap_ok(is("IX_Q", NULL) && is("IX_NEW", "fresh"), "environ[i] with a new name: still right after other writes");
	setenv("IX_NEW", "set", 1);
	setenv("IX_Q", "back", 1);
	tap_ok(is("IX_NEW", "set") && count_named("IX_NEW") == 1 && is("IX_Q", "back") && count_named("IX_Q") == 1,
	       "setenv of both names afterwards: one entry each, right values");
}

/* A string the program stored into environ is the program's to edit, or
 * to free and reuse for another variable at the same address; the library
 * adopts it at its next write but must keep reading it. */
static char program_buf[] = "IX_PROG=one";

static void edited_program_string(void)
{
	setenv("IX_HOLDER", "h", 1);
	long i = slot_of("IX_HOLDER");
	if (i < 0)
		tap_bail("IX_HOLDER not in environ");
	environ[i] = program_buf;
	setenv("IX_ADOPT", "1", 1); /* adopts program_buf */
	tap_ok(is("IX_PROG", "one") && is("IX_HOLDER", NULL), "program-stored string: found after the library adopts it");
	memcpy(program_buf + 8, "two", 3);
	tap_ok(is("IX_PROG", "two"), "program-stored string: a value edited in place is seen at once");
	memcpy(program_buf, "IX_GORP", 7);
	tap_ok(is("IX_PROG", NULL) && is("IX_GORP", "two"),
	       "program-stored string: renamed in place (as if freed and reused), seen under its new name at once");
	setenv("IX_ADOPT", "2", 1);
	tap_ok(is("IX_PROG", NULL) && is("IX_GORP", "two"), "program-stored string: still right after a further write");
	unsetenv("IX_GORP");
	tap_ok(is("IX_GORP", NULL) && count_named("IX_GORP") == 0, "program-stored string: unsetenv of its new name removes it");
}

static char pbuf[] = "IX_P=aaaa";

static void edited_putenv_buffer(void)
{
	putenv(pbuf);
	tap_ok(is("IX_P", "aaaa"), "putenv buffer: found");
	memcpy(pbuf + 5, "bbbb", 4);
	tap_ok(is("IX_P", "bbbb"), "putenv buffer: a value edited in place is seen at once");
	setenv("IX_AFTER_P", "1", 1);
	tap_ok(is("IX_P", "bbbb"), "putenv buffer: edited value still seen after setenv");
	memcpy(pbuf, "IX_Z", 4);
	tap_ok(is("IX_P", NULL) && is("IX_Z", "bbbb"), "putenv buffer: a renamed variable is seen under its new name at once");
	setenv("IX_AFTER_P", "2", 1);
	unsetenv("IX_AFTER_P");
	tap_ok(is("IX_P", NULL) && is("IX_Z", "bbbb"), "putenv buffer: renamed variable still right after further writes");
	setenv("IX_P", "reborn", 1);
	tap_ok(is("IX_P", "reborn") && is("IX_Z", "bbbb") && count_named("IX_P") == 1,
	       "putenv buffer: setenv of the old name adds a separate variable");
	unsetenv("IX_Z");
	tap_ok(is("IX_Z", NULL) && strcmp(pbuf, "IX_Z=bbbb") == 0, "putenv buffer: unsetenv removes it and leaves the buffer alone");
}

#define LARGE 10000

static void large_environment(void)
{
	char name[32], value[32];
	int missing = 0, wrong_miss = 0, failures = 0, entries = 0;

	for (int i = 0; i < LARGE; i++) {
		snprintf(name, sizeof name, "IX_BIG_%d", i);
		snprintf(value, sizeof value, "v%d", i * 7);
		failures += setenv(name, value, 1) != 0;
	}
	tap_ok(failures == 0, "large: %d setenv calls succeeded", LARGE);
	for (int i = 0; i < LARGE; i++) {
		snprintf(name, sizeof name, "IX_BIG_%d", i);
		snprintf(value, sizeof value, "v%d", i * 7);
		missing += !is(name, value);
		snprintf(name, sizeof name, "IX_BIG_%d", LARGE + i);
		wrong_miss += getenv(name) != NULL;
		snprintf(name, sizeof name, "IX_BIG_%dx", i);
		wrong_miss += getenv(name) != NULL;
	}
	tap_ok(missing == 0, "large: all %d variables found with their values (%d wrong)", LARGE, missing);
	tap_ok(wrong_miss == 0, "large: %d absent names return NULL (%d did not)", 2 * LARGE, wrong_miss);
	for (char **e = environ; *e; e++)
		entries += strncmp(*e, "IX_BIG_", 7) == 0;
	tap_ok(entries == LARGE, "large: environ lists %d of them (%d)", LARGE, entries);
	for (int i = 0; i < LARGE; i += 2) {
		snprintf(name, sizeof name, "IX_BIG_%d", i);
		failures += unsetenv(name) != 0;
	}
	missing = 0;
	for (int i = 0; i < LARGE; i++) {
		snprintf(name, sizeof name, "IX_BIG_%d", i);
		snprintf(value, sizeof value, "v%d", i * 7);
		missing += !is(name, i % 2 ? value : NULL);
	}
	tap_ok(failures == 0 && missing == 0, "large: after unsetting every other one, each lookup is right (%d wrong)", missing);
}

int main(int argc, char **argv)
{
	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_ok(es_require_preload(argv), "preloaded: libenvsafe %s is loaded",
	       es_loaded_version() ? es_loaded_version() : "(none)");
	es_watchdog("index fallback", 60);
	assigned_environ();
	stored_into_environ();
	edited_putenv_buffer();
	edited_program_string();
	large_environment();
	return tap_done();
}
