/*
 * bounded.c - R5: setting and unsetting a fixed set of names to a fixed
 * set of values costs bounded memory, however many operations are done.
 *
 * 100 names x 10 values, millions of setenv/unsetenv/putenv-free
 * operations.  Resident set size (/proc/self/statm) and malloc usage
 * (mallinfo2) are measured after a warm-up and at the end; growth must
 * stay under 1 MiB.  The same workload on stock glibc is measured in a
 * child and only reported.  Run preloaded.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "semantics/harness.h"

#define NAMES 100
#define VALUES 10
#define WARMUP_OPS 300000UL
#define OPS 1500000UL
#define BOUND (1024L * 1024L)

static char names[NAMES][16];
static char values[VALUES][40];

static long rss_bytes(void)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
		tap_bail("cannot read /proc/self/statm");
	fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

/* mallinfo2 is glibc 2.33+; before it mallinfo's int fields suffice for
 * the few megabytes this test allocates. */
static long malloc_bytes(void)
{
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33)
	struct mallinfo2 mi = mallinfo2();
#else
	struct mallinfo mi = mallinfo();
#endif
	return (long)mi.uordblks + (long)mi.hblkhd;
}

static unsigned long failures;

static void churn(unsigned long ops, uint64_t *rng)
{
	for (unsigned long i = 0; i < ops; i++) {
		uint64_t r = *rng;
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		*rng = r;
		const char *name = names[(r >> 8) % NAMES];
		if (r % 4 == 0)
			failures += unsetenv(name) != 0;
		else
			failures += setenv(name, values[(r >> 24) % VALUES], 1) != 0;
	}
}

/* Prints "rss_growth malloc_growth failures" for the run it is in. */
static void measure(long *rss_growth, long *malloc_growth)
{
	uint64_t rng = 0x2545f4914f6cdd1dULL;
	long rss0, heap0;

	churn(WARMUP_OPS, &rng);
	rss0 = rss_bytes();
	heap0 = malloc_bytes();
	churn(OPS, &rng);
	*rss_growth = rss_bytes() - rss0;
	*malloc_growth = malloc_bytes() - heap0;
}

int main(int argc, char **argv)
{
	long rss_growth, malloc_growth, stock_rss = 0, stock_malloc = 0;
	unsigned long stock_failures = 0;
	char self[4096], cmd[4200];
	ssize_t n;
	FILE *p;
	int stock;

	for (int i = 0; i < NAMES; i++)
		snprintf(names[i], sizeof names[i], "ES_MEM%d", i);
	for (int i = 0; i < VALUES; i++)
		snprintf(values[i], sizeof values[i], "value-%d-%.*s", i, i * 2, "xxxxxxxxxxxxxxxxxxxxxxxx");

	if (argc > 1 && strcmp(argv[1], "--measure") == 0) {
		measure(&rss_growth, &malloc_growth);
		printf("%ld %ld %lu\n", rss_growth, malloc_growth, failures);
		return 0;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	stock = !es_require_preload(argv);
	tap_ok(!stock, "preloaded: libenvsafe %s is loaded", es_loaded_version() ? es_loaded_version() : "(none)");
	es_watchdog("bounded memory", 120);

	measure(&rss_growth, &malloc_growth);
	tap_diag("libenvsafe: %lu ops after %lu warm-up: RSS grew %ld bytes, malloc'd bytes grew %ld", OPS,
		 WARMUP_OPS, rss_growth, malloc_growth);
	tap_ok(failures == 0, "every setenv/unsetenv succeeded (%lu failures)", failures);
	tap_ok(rss_growth < BOUND, "RSS growth after warm-up stays under %ld bytes (%ld)", BOUND, rss_growth);
	tap_ok(malloc_growth < BOUND, "malloc growth after warm-up stays under %ld bytes (%ld)", BOUND, malloc_growth);

	/* The same workload on stock glibc, for comparison only. */
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		tap_bail("readlink: %s", strerror(errno));
	self[n] = '\0';
	snprintf(cmd, sizeof cmd, "env -u LD_PRELOAD ES_STOCK=1 '%s' --measure", self);
	p = popen(cmd, "r");
	if (!p || fscanf(p, "%ld %ld %lu", &stock_rss, &stock_malloc, &stock_failures) != 3)
		tap_bail("could not measure stock glibc with: %s", cmd);
	tap_ok(pclose(p) == 0 && stock_failures == 0, "the stock glibc comparison run completed");
	tap_diag("stock glibc: RSS grew %ld bytes, malloc'd bytes grew %ld (glibc reuses identical setenv strings)",
		 stock_rss, stock_malloc);
	return tap_done();
}
