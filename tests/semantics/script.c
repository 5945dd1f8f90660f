/*
 * script.c - a fixed script of environment operations whose observable
 * results are printed one per line, so that the same binary run on stock
 * glibc and with libenvsafe preloaded must print the same text
 * (tests/semantics/differential.t compares them).
 *
 * environ is printed sorted: libenvsafe adds new names at the front while
 * glibc appends, and that difference is by design.
 *
 * `script --probe` prints which implementation is active, so the
 * comparison cannot pass because both runs used the same one.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* libc declares these arguments nonnull; a volatile pointer keeps the
 * compiler from reasoning about the NULLs we pass on purpose. */
static const char *volatile null_name;

static const char *errno_name(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case ENOENT: return "ENOENT";
	default: return "other";
	}
}

static void show_rc(const char *what, int rc, int err)
{
	printf("%s -> %d %s\n", what, rc, rc == 0 ? "-" : errno_name(err));
}

#define RUN(call) do { errno = 0; int rc_ = (call); show_rc(#call, rc_, errno); } while (0)

static void show_get(const char *name)
{
	const char *v = getenv(name);
	printf("getenv(\"%s\") = %s%s%s\n", name, v ? "\"" : "", v ? v : "NULL", v ? "\"" : "");
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void show_environ(const char *label)
{
	size_t n = 0, i;
	char **copy;

	if (!environ || !environ[0]) {
		printf("environ[%s]: empty\n", label);
		return;
	}
	while (environ[n])
		n++;
	copy = malloc(n * sizeof *copy);
	if (!copy) {
		printf("out of memory\n");
		exit(1);
	}
	memcpy(copy, environ, n * sizeof *copy);
	qsort(copy, n, sizeof *copy, by_string);
	printf("environ[%s]: %zu entries\n", label, n);
	for (i = 0; i < n; i++)
		printf("  %s\n", copy[i]);
	free(copy);
}

static void invalid_names(void)
{
	RUN(setenv(null_name, "v", 1));
	RUN(setenv("", "v", 1));
	RUN(setenv("A=B", "v", 1));
	RUN(unsetenv(null_name));
	RUN(unsetenv(""));
	RUN(unsetenv("A=B"));
	show_get("A");
	show_get("A=B");
}

static void set_and_overwrite(void)
{
	const char *first;

	RUN(setenv("S1", "first", 1));
	first = getenv("S1");
	RUN(setenv("S1", "second", 0));
	show_get("S1");
	RUN(setenv("S1", "third", 1));
	show_get("S1");
	printf("pointer saved before overwrite still reads \"%s\"\n", first);
	RUN(setenv("EQ", "a=b", 1));
	show_get("EQ");
	RUN(setenv("EMPTY", "", 1));
	show_get("EMPTY");
	RUN(unsetenv("ABSENT_X"));
	show_environ("after set");
}

static char *dup_env[] = { "DUP=1", "KEEP=k", "DUP=2", "OTHER=o", "DUP=3", NULL };

static void duplicates(void)
{
	environ = dup_env;
	show_get("DUP");
	show_environ("with duplicates");
	RUN(unsetenv("DUP"));
	show_get("DUP");
	show_get("KEEP");
	show_environ("duplicates removed");
	/* Not printed: glibc's unsetenv compacts the program's own array in
	 * place, libenvsafe leaves it alone; only environ is observable. */
}

static char pbuf[] = "PBUF=one";
static char nameless[] = "S1";

static void putenv_aliasing(void)
{
	RUN(setenv("S1", "again", 1));
	RUN(putenv(nameless));
	show_get("S1");
	RUN(putenv(pbuf));
	show_get("PBUF");
	memcpy(pbuf + 5, "two", 3);
	show_get("PBUF");
	pbuf[0] = 'Q';
	show_get("PBUF");
	show_get("QBUF");
	show_environ("after renaming a putenv buffer");
	RUN(setenv("QBUF", "replaced", 1));
	show_get("QBUF");
	printf("putenv buffer after setenv: %s\n", pbuf);
	show_environ("after replacing the putenv entry");
}

static void clearing(void)
{
	RUN(clearenv());
	show_environ("after clearenv");
	show_get("KEEP");
	RUN(setenv("AFTER", "clear", 1));
	show_get("AFTER");
	show_environ("setenv after clearenv");
}

static char *own_env[] = { "OWN1=a", "OWN2=b", "OWN3=c", NULL };

static void own_environ(void)
{
	environ = own_env;
	show_get("OWN1");
	show_get("AFTER");
	RUN(setenv("OWN4", "d", 1));
	show_get("OWN2");
	show_get("OWN4");
	RUN(unsetenv("OWN1"));
	RUN(setenv("OWN3", "C", 1));
	show_environ("own environ adopted");
	printf("own array afterwards: %s %s %s %s\n", own_env[0], own_env[1], own_env[2],
	       own_env[3] ? own_env[3] : "NULL");
	{
		const char *s = secure_getenv("OWN2"), *g = getenv("OWN2");
		printf("secure_getenv(\"OWN2\") %s getenv\n",
		       s && g && strcmp(s, g) == 0 ? "equals" : "differs from");
		printf("secure_getenv(\"NOPE\") = %s\n", secure_getenv("NOPE") ? "set" : "NULL");
	}
}

static char aeq[] = "A=B=c";

static void odd_lookups(void)
{
	RUN(putenv(aeq));
	show_get("");
	show_get("A");
	show_get("A=B");
	show_get("A=");
	show_get("=");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "--probe") == 0) {
		const char *(*version)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "envsafe_version");
		printf("%s\n", version ? version() : "stock");
		return 0;
	}
	/* The preloaded run carries LD_PRELOAD; remove it so both runs start
	 * from the same environment. */
	RUN(unsetenv("LD_PRELOAD"));
	show_environ("initial");
	show_get("INIT1");
	invalid_names();
	set_and_overwrite();
	duplicates();
	putenv_aliasing();
	clearing();
	own_environ();
	odd_lookups();
	printf("end\n");
	return 0;
}
