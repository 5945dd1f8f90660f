/*
 * secure.c - secure_getenv as libenvsafe implements it, linked statically
 * from libenvsafe.a so that it still applies in a setuid process (the
 * dynamic loader ignores LD_PRELOAD paths there).
 *
 * Prints "key=value" facts for tests/semantics/at_secure.t to check:
 * whether the kernel marked the process AT_SECURE, whether our
 * secure_getenv is the one linked, and what getenv/secure_getenv return
 * for ES_SECRET.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <envsafe.h>

static const char *shown(const char *v)
{
	return v ? v : "(null)";
}

int main(void)
{
	Dl_info ours, program;
	const char *g, *s;

	printf("at_secure=%lu\n", getauxval(AT_SECURE));
	printf("ruid=%d euid=%d\n", (int)getuid(), (int)geteuid());
	printf("version=%s\n", envsafe_version());
	/* Our secure_getenv lives in the executable, not in libc. */
	if (dladdr((void *)secure_getenv, &ours) && dladdr((void *)main, &program))
		printf("secure_getenv_in_program=%d\n", strcmp(ours.dli_fname, program.dli_fname) == 0);
	else
		printf("secure_getenv_in_program=unknown\n");

	g = getenv("ES_SECRET");
	s = secure_getenv("ES_SECRET");
	printf("getenv=%s\n", shown(g));
	printf("secure_getenv=%s\n", shown(s));
	/* Writers still work, and secure_getenv keeps refusing. */
	if (setenv("ES_SECRET", "changed", 1) != 0)
		printf("setenv_failed=1\n");
	printf("getenv_after_setenv=%s\n", shown(getenv("ES_SECRET")));
	printf("secure_getenv_after_setenv=%s\n", shown(secure_getenv("ES_SECRET")));
	return 0;
}
