/*
 * stock_crash.c - the bug libenvsafe exists for, in its smallest form: one
 * thread adds variables (so the C library reallocates environ and frees
 * the old array) while others look up a name that is not set (so they
 * walk the whole array).
 *
 * Usage: stock_crash [SECONDS]   (default 2)
 * Exit 0 when every reader survived and never missed the variable nobody
 * touches; 1 on a miss.  On a C library with the bug the process usually
 * dies of SIGSEGV instead, which is what the callers look for: they run
 * it in a child with a watchdog.  Built against stock libc, it is also
 * run with libenvsafe (linked or preloaded), where it must exit 0.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define READERS 2
#define BATCH 20000

static atomic_int stop;
static atomic_long misses, lookups;

static void *reader(void *arg)
{
	(void)arg;
	/* Relaxed: the flag only ends the loop. */
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		const char *v = getenv("STOCK_CRASH_STABLE");
		if (!v || strcmp(v, "kept") != 0)
			atomic_fetch_add_explicit(&misses, 1, memory_order_relaxed);
		/* A name never set must stay absent (and using the result keeps
		 * glibc's warn_unused_result on getenv quiet under fortify). */
		if (getenv("STOCK_CRASH_ABSENT"))
			atomic_fetch_add_explicit(&misses, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&lookups, 1, memory_order_relaxed);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	pthread_t readers[READERS];
	char name[32];
	struct timespec t0, now;

	if (setenv("STOCK_CRASH_STABLE", "kept", 1) != 0)
		return 2;
	for (int i = 0; i < READERS; i++)
		if (pthread_create(&readers[i], NULL, reader, NULL) != 0)
			return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned round = 0;; round++) {
		/* New names each round, so the array keeps growing (and, once
		 * large, is moved by mremap and the old mapping vanishes). */
		for (unsigned i = 0; i < BATCH; i++) {
			snprintf(name, sizeof name, "STOCK_CRASH_%u_%u", round, i);
			setenv(name, "x", 1);
		}
		for (unsigned i = 0; i < BATCH; i++) {
			snprintf(name, sizeof name, "STOCK_CRASH_%u_%u", round, i);
			unsetenv(name);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9 > seconds)
			break;
	}
	atomic_store_explicit(&stop, 1, memory_order_relaxed);
	for (int i = 0; i < READERS; i++)
		pthread_join(readers[i], NULL);
	printf("survived: %ld lookups, %ld misses\n", atomic_load(&lookups), atomic_load(&misses));
	return atomic_load(&misses) ? 1 : 0;
}
