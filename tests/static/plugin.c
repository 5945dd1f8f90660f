/*
 * The plugin of static_plugin.c: grows and shrinks the environment with
 * putenv and unsetenv only, so every write goes through whichever putenv
 * and unsetenv the dynamic linker bound it to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 2000

/* Churns for about SECONDS; returns the number of writes. */
long plugin_churn(double seconds);

long plugin_churn(double seconds)
{
	static char names[BATCH][32];
	struct timespec t0, now;
	long writes = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned round = 0;; round++) {
		/* putenv keeps the string itself: each round's strings live
		 * in their own allocation, which is never freed. */
		char *block = malloc((size_t)BATCH * 32);
		if (!block)
			return -1;
		for (unsigned i = 0; i < BATCH; i++) {
			char *s = block + (size_t)i * 32;
			snprintf(s, 32, "PLUGIN_%u_%u=x", round, i);
			snprintf(names[i], sizeof names[i], "PLUGIN_%u_%u", round, i);
			if (putenv(s) != 0)
				return -1;
			writes++;
		}
		for (unsigned i = 0; i < BATCH; i++) {
			unsetenv(names[i]);
			writes++;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9 > seconds)
			return writes;
	}
}
