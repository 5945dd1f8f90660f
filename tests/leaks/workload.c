/*
 * workload.c - every kind of environment write, for the leak checkers
 * (leaks.t): setenv, overwrite, unsetenv, putenv, clearenv, a program's
 * own environ array, and growth to 10,000 variables, which replaces the
 * environment buffer and the name index several times.  Linked against
 * libc only; leaks.t runs it with the library preloaded, and with no
 * preload as the control.
 *
 *   workload [--leak]   --leak also drops a malloc'd block, so that
 *                       leaks.t can show each checker reports a leak.
 * Prints "provider=libenvsafe" or "provider=libc" on stdout; exits 0 when
 * every value read back was right.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROW_TO 10000

extern char **environ;

static int failures;

static void expect(const char *name, const char *want)
{
	const char *got = getenv(name);
	if (want ? !got || strcmp(got, want) != 0 : got != NULL) {
		fprintf(stderr, "getenv(%s) = %s, expected %s\n", name, got ? got : "NULL", want ? want : "NULL");
		failures++;
	}
}

/* A block no pointer reaches once this returns.  Not 4096 bytes: stdio's
 * buffer has that size, and a block right after it would be reached by
 * the buffer's end pointer. */
#define DROPPED_SIZE 40000
__attribute__((noinline)) static void drop_a_block(void)
{
	char *volatile block = malloc(DROPPED_SIZE);
	if (block)
		memset(block, 1, DROPPED_SIZE);
}

/* Overwrites the dead frames below the caller's, where a copy of the
 * dropped pointer may linger: the checkers scan the stack above the
 * stack pointer of their exit-time check, which may lie below them. */
__attribute__((noinline)) static void scrub_stack(void)
{
	volatile char scratch[64 * 1024];
	for (size_t i = 0; i < sizeof scratch; i++)
		scratch[i] = 0;
}

int main(int argc, char **argv)
{
	static char put_a[] = "LEAK_PUT=one";
	static char put_b[] = "LEAK_PUT=two";
	static char *own[] = { "LEAK_OWN=1", NULL };
	char name[32], value[32];

	printf("provider=%s\n", dlsym(RTLD_DEFAULT, "envsafe_version") ? "libenvsafe" : "libc");
	fflush(stdout); /* a leak report ends the process without flushing */

	setenv("LEAK_A", "1", 1);
	setenv("LEAK_A", "2", 1);
	setenv("LEAK_A", "3", 0);
	expect("LEAK_A", "2");
	unsetenv("LEAK_A");
	expect("LEAK_A", NULL);
	putenv(put_a);
	putenv(put_b);
	expect("LEAK_PUT", "two");
	clearenv();
	expect("LEAK_PUT", NULL);
	setenv("LEAK_B", "1", 1);

	/* The program's own array, then a write that adopts it. */
	environ = own;
	setenv("LEAK_C", "1", 1);
	expect("LEAK_OWN", "1");

	for (int i = 0; i < GROW_TO; i++) {
		snprintf(name, sizeof name, "LEAK_%d", i);
		snprintf(value, sizeof value, "v%d", i);
		setenv(name, value, 1);
	}
	for (int i = 0; i < GROW_TO; i += 2) {
		snprintf(name, sizeof name, "LEAK_%d", i);
		unsetenv(name);
	}
	expect("LEAK_1", "v1");
	expect("LEAK_2", NULL);
	expect("LEAK_9999", "v9999");

	if (argc > 1 && strcmp(argv[1], "--leak") == 0)
		drop_a_block(), scrub_stack();
	return failures != 0;
}
