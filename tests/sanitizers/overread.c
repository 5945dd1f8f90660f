/*
 * overread.c - a lookup must not read past the end of an environment
 * string that is shorter than the name looked up.
 *
 * The only entry, "A=1", ends right before an unmapped page, and environ
 * is the program's own array (so getenv walks it).  Looking up a 199-byte
 * name must compare at most up to the entry's terminating NUL: a
 * comparison of the full name length faults here, and is reported by
 * AddressSanitizer as an overflow wherever the string lives.
 *
 * Run with libenvsafe preloaded or linked.  Prints TAP.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"

extern char **environ;

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || mprotect(map + page, (size_t)page, PROT_NONE) != 0)
		tap_bail("cannot set up a guard page");
	static char *env[2];
	env[0] = memcpy(map + page - 4, "A=1", 4);
	environ = env;

	char name[200];
	memset(name, 'A', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	/* Reaching the next line at all is the test: the lookup did not fault. */
	tap_ok(getenv(name) == NULL, "a long name is not found, and its lookup stays inside \"A=1\"");
	const char *v = getenv("A");
	tap_ok(v && strcmp(v, "1") == 0, "the short entry itself is still found");
	return tap_done();
}
