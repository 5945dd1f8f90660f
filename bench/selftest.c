/*
 * selftest.c - the environment functions behave as POSIX says under
 * whichever implementation answers.  The benchmarks only compare like
 * with like if the rwlock wrapper and libenvsafe are drop-in
 * replacements; `make check` runs this under each of them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int failures;

static void expect(int ok, const char *what)
{
	if (!ok) {
		failures++;
		fprintf(stderr, "envbench selftest: %s\n", what);
	}
}

static int value_is(const char *name, const char *want)
{
	const char *v = getenv(name);
	return want ? v && strcmp(v, want) == 0 : v == NULL;
}

int cmd_selftest(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static char put[] = "ENVBENCH_PUT=3";

	expect(setenv("ENVBENCH_A", "1", 1) == 0 && value_is("ENVBENCH_A", "1"), "setenv then getenv");
	expect(setenv("ENVBENCH_A", "2", 0) == 0 && value_is("ENVBENCH_A", "1"), "setenv without overwrite");
	expect(setenv("ENVBENCH_A", "2", 1) == 0 && value_is("ENVBENCH_A", "2"), "setenv overwrite");
	expect(unsetenv("ENVBENCH_A") == 0 && value_is("ENVBENCH_A", NULL), "unsetenv");
	errno = 0;
	expect(setenv("ENVBENCH=B", "x", 1) == -1 && errno == EINVAL, "setenv of a name with '=' fails with EINVAL");
	errno = 0;
	expect(setenv("", "x", 1) == -1 && errno == EINVAL, "setenv of an empty name fails with EINVAL");
	errno = 0;
	expect(unsetenv("") == -1 && errno == EINVAL, "unsetenv of an empty name fails with EINVAL");
	expect(putenv(put) == 0 && value_is("ENVBENCH_PUT", "3"), "putenv then getenv");
	expect(secure_getenv("ENVBENCH_PUT") && strcmp(secure_getenv("ENVBENCH_PUT"), "3") == 0, "secure_getenv");
	expect(clearenv() == 0 && value_is("ENVBENCH_PUT", NULL), "clearenv");
	expect(setenv("ENVBENCH_C", "4", 1) == 0 && value_is("ENVBENCH_C", "4"), "setenv after clearenv");
	record("selftest", "failures=%d", failures);
	return failures ? 1 : 0;
}
