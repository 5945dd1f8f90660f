/*
 * lookup.c - single-thread getenv cost: hits on names spread over the
 * environment, misses, and the first- and last-set names.
 *
 * glibc appends new names and envsafe prepends them, so "first set" is at
 * the front of one's environ and at the back of the other's: both are
 * reported, together with the median over names spread evenly in set
 * order, which treats both layouts alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_CALLGRIND
#include <callgrind.h>
#endif

#include "bench.h"

#define SPREAD 16 /* names per hit or miss median */

/* Average ns per getenv(NAME) over ITERS calls. */
static double getenv_batch_ns(const char *name, unsigned iters)
{
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < iters; i++) {
		const char *v = getenv(name);
		BENCH_KEEP(v);
	}
	return (double)(now_ns() - t0) / iters;
}

/* Best of SAMPLES batches of at least ~50 us each: the least disturbed
 * sample is the closest to the call's own cost on a shared machine. */
static double getenv_cost(const char *name, int samples)
{
	unsigned iters = 1;
	while (getenv_batch_ns(name, iters) * iters < 50000 && iters < (1u << 24))
		iters *= 2;
	double best[32];
	if (samples > 32)
		samples = 32;
	for (int s = 0; s < samples; s++)
		best[s] = getenv_batch_ns(name, iters);
	return minimum(best, (size_t)samples);
}

/* The set-order indices of up to SPREAD names spread over N variables. */
static size_t spread_indices(size_t n, size_t *idx)
{
	size_t k = n < SPREAD ? n : SPREAD;
	for (size_t j = 0; j < k; j++)
		idx[j] = (2 * j + 1) * n / (2 * k);
	return k;
}

static const char *miss_name(size_t j)
{
	static char *names[SPREAD];
	if (!names[j])
		names[j] = bench_name(ID_MISS + (uint32_t)j);
	return names[j];
}

int cmd_lookup(int argc, char **argv)
{
	if (argc < 2)
		die("usage: lookup SAMPLES SIZE...");
	int samples = atoi(argv[0]);
	pin_self(0);
	for (int a = 1; a < argc; a++) {
		size_t n = strtoul(argv[a], NULL, 10), idx[SPREAD];
		env_grow(n);
		size_t k = spread_indices(n, idx);
		double costs[SPREAD];

		for (size_t j = 0; j < k; j++)
			costs[j] = getenv_cost(env_name(idx[j]), samples);
		record("lookup", "size=%zu case=hit ns=%.3f", n, median(costs, k));
		for (size_t j = 0; j < SPREAD; j++)
			costs[j] = getenv_cost(miss_name(j), samples);
		record("lookup", "size=%zu case=miss ns=%.3f", n, median(costs, SPREAD));
		record("lookup", "size=%zu case=first ns=%.3f", n, getenv_cost(env_name(0), samples));
		record("lookup", "size=%zu case=last ns=%.3f", n, getenv_cost(env_name(n - 1), samples));
	}
	return 0;
}

/*
 * prewrite SAMPLES SIZE: getenv before any write, in a process that
 * inherited SIZE variables at exec (the program re-executes itself with
 * them: envsafe's index of an inherited environment is built by its
 * first lookups, which must see that environment, not one made by
 * setenv).  Reports the mean of the very first 64 lookups (hits and misses
 * alternating), then hits and misses as cmd_lookup does.
 */
#define PREWRITE_FIRST 64

extern char **environ;

int cmd_prewrite(int argc, char **argv)
{
	if (argc < 2)
		die("usage: prewrite SAMPLES SIZE");
	size_t n = strtoul(argv[1], NULL, 10), idx[SPREAD];
	if (n < 1 || n > BENCH_MAX_VARS)
		die("prewrite: SIZE must be 1..%d", BENCH_MAX_VARS);
	if (argc < 3) {
		/* environ read directly: no lookup, no write before the exec. */
		size_t have = 0;
		while (environ[have])
			have++;
		char **envp = calloc(have + n + 1, sizeof *envp);
		if (!envp)
			die("out of memory");
		memcpy(envp, environ, have * sizeof *envp);
		for (size_t i = 0; i < n; i++) {
			const char *name = env_name(i), *value = env_value(i);
			char *s = malloc(strlen(name) + strlen(value) + 2);
			if (!s)
				die("out of memory");
			sprintf(s, "%s=%s", name, value);
			envp[have + i] = s;
		}
		char *args[] = { "envbench", "prewrite", argv[0], argv[1], "inherited", NULL };
		fflush(stdout);
		execve("/proc/self/exe", args, envp);
		die("execve /proc/self/exe: %s", strerror(errno));
	}
	int samples = atoi(argv[0]);
	size_t k = spread_indices(n, idx);
	const char *hits[SPREAD], *misses[SPREAD];
	for (size_t j = 0; j < SPREAD; j++) {
		hits[j] = env_name(idx[j % k]);
		misses[j] = miss_name(j);
	}
	pin_self(0);
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < PREWRITE_FIRST; i++) {
		const char *v = getenv(i & 1 ? misses[(i / 2) % SPREAD] : hits[(i / 2) % SPREAD]);
		BENCH_KEEP(v);
	}
	record("prewrite", "size=%zu case=first64 ns=%.3f", n, (double)(now_ns() - t0) / PREWRITE_FIRST);
	double costs[SPREAD];
	for (size_t j = 0; j < k; j++)
		costs[j] = getenv_cost(hits[j], samples);
	record("prewrite", "size=%zu case=hit ns=%.3f", n, median(costs, k));
	for (size_t j = 0; j < SPREAD; j++)
		costs[j] = getenv_cost(misses[j], samples);
	record("prewrite", "size=%zu case=miss ns=%.3f", n, median(costs, SPREAD));
	if (getenv(hits[0]) == NULL)
		die("prewrite: the inherited variables are missing");
	return 0;
}

#ifdef HAVE_CALLGRIND
#define ICOUNT_CALLS 1024

/* Each measured loop is bracketed by a zero and a labelled dump, so the
 * dump holds exactly ICOUNT_CALLS calls plus the loop itself. */
static void count_getenv(const char *label, size_t n, const char *const *names, size_t k)
{
	char what[64];
	snprintf(what, sizeof what, "envbench %s %zu", label, n);
	CALLGRIND_ZERO_STATS;
	for (unsigned i = 0; i < ICOUNT_CALLS; i++) {
		const char *v = getenv(names[i % k]);
		BENCH_KEEP(v);
	}
	CALLGRIND_DUMP_STATS_AT(what);
}

static void count_overwrite(size_t n, const char *const *names, const char *const (*values)[2], size_t k)
{
	char what[64];
	snprintf(what, sizeof what, "envbench overwrite %zu", n);
	CALLGRIND_ZERO_STATS;
	for (unsigned i = 0; i < ICOUNT_CALLS; i++)
		if (setenv(names[i % k], values[i % k][(i / k) & 1], 1) != 0)
			die("setenv failed");
	CALLGRIND_DUMP_STATS_AT(what);
}

int cmd_icount(int argc, char **argv)
{
	if (!RUNNING_ON_VALGRIND)
		die("icount must run under valgrind --tool=callgrind");
	for (int a = 0; a < argc; a++) {
		size_t n = strtoul(argv[a], NULL, 10), idx[SPREAD];
		env_grow(n);
		size_t k = spread_indices(n, idx);
		const char *hit[SPREAD], *miss[SPREAD], *one[1];
		const char *vals[SPREAD][2];
		for (size_t j = 0; j < k; j++) {
			hit[j] = env_name(idx[j]);
			vals[j][0] = env_value(idx[j]);
			vals[j][1] = bench_value(idx[j] + ID_ALT_VALUE);
		}
		for (size_t j = 0; j < SPREAD; j++)
			miss[j] = miss_name(j);
		count_getenv("hit", n, hit, k);
		count_getenv("miss", n, miss, SPREAD);
		one[0] = env_name(0);
		count_getenv("first", n, one, 1);
		one[0] = env_name(n - 1);
		count_getenv("last", n, one, 1);
		/* Both values are set once first, so every implementation is
		 * counted in its steady state (glibc and envsafe keep the
		 * strings they have seen). */
		for (size_t j = 0; j < k; j++)
			if (setenv(hit[j], vals[j][1], 1) != 0 || setenv(hit[j], vals[j][0], 1) != 0)
				die("setenv failed");
		count_overwrite(n, hit, (const char *const (*)[2])vals, k);
	}
	record("icount", "calls=%d", ICOUNT_CALLS);
	return 0;
}
#else
int cmd_icount(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	die("built without valgrind's callgrind.h (pkg-config valgrind)");
}
#endif
