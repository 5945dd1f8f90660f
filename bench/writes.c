/*
 * writes.c - single-thread setenv (new name, overwrite) and unsetenv cost.
 *
 * New names are fresh in every round, so each setenv really adds a
 * variable (and each implementation pays for remembering a name it has
 * never seen); the round then unsets them again, keeping the environment
 * within BATCH variables of its base size.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BATCH 32
#define OVERWRITE_NAMES 8

static double overwrite_batch_ns(const char *name, const char *const *vals, unsigned iters)
{
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < iters; i++)
		if (setenv(name, vals[i & 1], 1) != 0)
			die("setenv: %s", strerror(errno));
	return (double)(now_ns() - t0) / iters;
}

/* Best of SAMPLES batches of at least ~50 us, alternating two values so
 * that every call changes the variable. */
static double overwrite_cost(const char *name, const char *const *vals, int samples)
{
	unsigned iters = 2;
	while (overwrite_batch_ns(name, vals, iters) * iters < 50000 && iters < (1u << 22))
		iters *= 2;
	double best[32];
	if (samples > 32)
		samples = 32;
	for (int s = 0; s < samples; s++)
		best[s] = overwrite_batch_ns(name, vals, iters);
	return minimum(best, (size_t)samples);
}

static void measure_at(size_t base, size_t rounds, int samples, uint32_t first_fresh)
{
	env_grow(base);
	char **fresh = malloc(rounds * BATCH * sizeof *fresh);
	char **fresh_values = malloc(rounds * BATCH * sizeof *fresh_values);
	double *set_ns = malloc(rounds * sizeof *set_ns), *unset_ns = malloc(rounds * sizeof *unset_ns);
	if (!fresh || !fresh_values || !set_ns || !unset_ns)
		die("out of memory");
	for (size_t i = 0; i < rounds * BATCH; i++) {
		fresh[i] = bench_name(first_fresh + (uint32_t)i);
		fresh_values[i] = bench_value(first_fresh + (uint32_t)i);
	}
	for (size_t r = 0; r < rounds; r++) {
		char **names = fresh + r * BATCH, **values = fresh_values + r * BATCH;
		uint64_t t0 = now_ns();
		for (size_t k = 0; k < BATCH; k++)
			if (setenv(names[k], values[k], 1) != 0)
				die("setenv: %s", strerror(errno));
		uint64_t t1 = now_ns();
		for (size_t k = 0; k < BATCH; k++)
			if (unsetenv(names[k]) != 0)
				die("unsetenv: %s", strerror(errno));
		uint64_t t2 = now_ns();
		set_ns[r] = (double)(t1 - t0) / BATCH;
		unset_ns[r] = (double)(t2 - t1) / BATCH;
	}
	record("write", "size=%zu case=set_new ns=%.3f", base, median(set_ns, rounds));
	record("write", "size=%zu case=unset ns=%.3f", base, median(unset_ns, rounds));

	double costs[OVERWRITE_NAMES];
	for (size_t j = 0; j < OVERWRITE_NAMES; j++) {
		size_t i = (2 * j + 1) * base / (2 * OVERWRITE_NAMES);
		const char *vals[2] = {env_value(i), bench_value((uint32_t)i + ID_ALT_VALUE)};
		/* Each implementation keeps the strings it has seen; counting
		 * starts once both values are known to it. */
		overwrite_batch_ns(env_name(i), vals, 2);
		costs[j] = overwrite_cost(env_name(i), vals, samples);
	}
	record("write", "size=%zu case=overwrite ns=%.3f", base, median(costs, OVERWRITE_NAMES));
	free(set_ns);
	free(unset_ns);
}

int cmd_write(int argc, char **argv)
{
	if (argc < 3)
		die("usage: write SAMPLES ROUNDS BASE...");
	int samples = atoi(argv[0]);
	size_t rounds = strtoul(argv[1], NULL, 10);
	if (rounds == 0)
		die("need at least one round");
	pin_self(0);
	for (int a = 2; a < argc; a++) {
		size_t base = strtoul(argv[a], NULL, 10);
		if (base < OVERWRITE_NAMES)
			die("write needs at least %d variables", OVERWRITE_NAMES);
		/* Fresh names stay fresh across sizes. */
		measure_at(base, rounds, samples, ID_FRESH + (uint32_t)((a - 2) * rounds * BATCH));
	}
	return 0;
}
