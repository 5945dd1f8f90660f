/*
 * linked.c - R9: a program built with <envsafe.h> and linked with
 * -lenvsafe (linked) or with libenvsafe.a (linked_static, defines
 * ES_LINKED_STATIC), not preloaded, gets the library's environment
 * functions, and libc's own readers see what they write.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <envsafe.h>

#include "tap.h"

#ifdef ES_LINKED_STATIC
#define HOW "linked with libenvsafe.a"
#else
#define HOW "linked with -lenvsafe"
#endif

extern char **environ;

#define STR2(x) #x
#define STR(x) STR2(x)

/* Which object defines F, by the path the loader knows it under. */
static const char *object_of(void *f)
{
	Dl_info info;
	return dladdr(f, &info) && info.dli_fname ? info.dli_fname : "(unknown)";
}

int main(void)
{
	const char *expected = STR(ENVSAFE_VERSION_MAJOR) "." STR(ENVSAFE_VERSION_MINOR) "." STR(ENVSAFE_VERSION_PATCH);
	const char *program = object_of((void *)main);
	void *fns[] = { (void *)getenv, (void *)setenv, (void *)unsetenv, (void *)putenv,
			(void *)clearenv, (void *)secure_getenv };
	const char *names[] = { "getenv", "setenv", "unsetenv", "putenv", "clearenv", "secure_getenv" };
	char buf[32];

	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_ok(strcmp(envsafe_version(), expected) == 0, HOW ": envsafe_version() = %s matches the header (%s)",
	       envsafe_version(), expected);
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
		const char *where = object_of(fns[i]);
#ifdef ES_LINKED_STATIC
		tap_ok(strcmp(where, program) == 0, HOW ": %s is defined in the program (%s)", names[i], where);
#else
		(void)program;
		tap_ok(strstr(where, "libenvsafe.so") != NULL, HOW ": %s comes from %s", names[i], where);
#endif
	}

	tap_ok(setenv("ES_LINKED_NEW", "front", 1) == 0, HOW ": setenv of a new name succeeds");
	/* glibc appends new names; libenvsafe publishes them at the front. */
	tap_ok(environ && environ[0] && strcmp(environ[0], "ES_LINKED_NEW=front") == 0,
	       HOW ": the new name is at the front of environ, as only libenvsafe puts it (%s)",
	       environ && environ[0] ? environ[0] : "NULL");
	tap_ok(getenv("ES_LINKED_NEW") && strcmp(getenv("ES_LINKED_NEW"), "front") == 0, HOW ": getenv finds it");
	tap_ok(getenv_r("ES_LINKED_NEW", buf, sizeof buf) == 0 && strcmp(buf, "front") == 0, HOW ": getenv_r copies it");
	tap_ok(unsetenv("ES_LINKED_NEW") == 0 && getenv("ES_LINKED_NEW") == NULL, HOW ": unsetenv removes it");

	/* libc reads environ directly (tzset -> its internal getenv("TZ")). */
	tap_ok(setenv("TZ", "ESX3", 1) == 0, HOW ": setenv TZ");
	tzset();
	tap_ok(strcmp(tzname[0], "ESX") == 0, HOW ": libc's tzset sees the TZ set through libenvsafe (%s)", tzname[0]);
	return tap_done();
}
