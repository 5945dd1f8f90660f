/*
 * canary.c - one deliberate bug per checker, so that a checked run which
 * reports nothing is known to have had a working checker.
 *
 * Usage: canary race|overflow|use-after-free|clean
 * Built with the flavour's flags; the callers expect the checker (not
 * this program) to fail the bad modes and to stay quiet on "clean".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unsynchronised;

static void *bump(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++)
		unsynchronised++; /* the data race ThreadSanitizer must see */
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "race") == 0) {
		pthread_t a, b;
		pthread_create(&a, NULL, bump, NULL);
		pthread_create(&b, NULL, bump, NULL);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		printf("%d\n", unsynchronised);
		return 0;
	}
	if (strcmp(mode, "overflow") == 0 || strcmp(mode, "use-after-free") == 0) {
		/* volatile: the compiler must not see through the bad access. */
		char *volatile p = malloc(8);
		if (!p)
			return 2;
		memset(p, 'x', 8);
		if (mode[0] == 'u')
			free(p);
		volatile char c = p[mode[0] == 'o' ? 8 : 0];
		printf("%d\n", c);
		return 0;
	}
	if (strcmp(mode, "clean") == 0)
		return 0;
	fprintf(stderr, "usage: canary race|overflow|use-after-free|clean\n");
	return 2;
}
