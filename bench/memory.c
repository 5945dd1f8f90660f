/*
 * memory.c - resident memory growth over many set/unset operations on a
 * fixed set of names and values.  An implementation that never frees
 * published strings must still not grow without bound when the program
 * keeps reusing the same names and values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BASE_VARS 70
#define CHURN_NAMES 16
#define CHURN_VALUES 4

/* A "Vm...:" line of /proc/self/status, in KiB. */
static long status_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		die("cannot open /proc/self/status");
	char line[256];
	long kib = -1;
	size_t len = strlen(field);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			kib = strtol(line + len + 1, NULL, 10);
	fclose(f);
	if (kib < 0)
		die("no %s in /proc/self/status", field);
	return kib;
}

int cmd_memory(int argc, char **argv)
{
	if (argc != 1)
		die("usage: memory OPS");
	uint64_t ops = strtoull(argv[0], NULL, 10), i = 0;
	char *names[CHURN_NAMES], *values[CHURN_VALUES];
	for (uint32_t j = 0; j < CHURN_NAMES; j++)
		names[j] = bench_name(ID_CHURN + j);
	for (uint32_t j = 0; j < CHURN_VALUES; j++)
		values[j] = bench_value(ID_CHURN + j);
	pin_self(0);
	env_grow(BASE_VARS);

	long before = status_kib("VmRSS");
	uint64_t t0 = now_ns();
	for (; i < ops / 10; i++)
		churn(i, names, CHURN_NAMES, values, CHURN_VALUES);
	long tenth = status_kib("VmRSS");
	for (; i < ops; i++)
		churn(i, names, CHURN_NAMES, values, CHURN_VALUES);
	uint64_t elapsed = now_ns() - t0;
	long after = status_kib("VmRSS");
	record("memory", "ops=%llu rss_before_kib=%ld rss_tenth_kib=%ld rss_after_kib=%ld growth_kib=%ld "
	       "hwm_kib=%ld ns_per_op=%.2f",
	       (unsigned long long)ops, before, tenth, after, after - before, status_kib("VmHWM"),
	       (double)elapsed / (double)(ops ? ops : 1));
	return 0;
}

/*
 * distinct OPS: setenv of OPS never-repeating values over 16 names, with
 * an unsetenv every 1000 operations.  Neither glibc nor envsafe can free
 * an old value (a reader may hold it), so both grow; this measures by how
 * much (peak RSS over the run).
 */
int cmd_distinct(int argc, char **argv)
{
	if (argc != 1)
		die("usage: distinct OPS");
	uint64_t ops = strtoull(argv[0], NULL, 10);
	char *names[CHURN_NAMES];
	for (uint32_t j = 0; j < CHURN_NAMES; j++)
		names[j] = bench_name(ID_CHURN + j);
	pin_self(0);
	env_grow(BASE_VARS);
	char value[32];
	long before = status_kib("VmHWM");
	for (uint64_t i = 0; i < ops; i++) {
		snprintf(value, sizeof value, "v%llu", (unsigned long long)i);
		if (setenv(names[i % CHURN_NAMES], value, 1) != 0)
			die("setenv failed");
		if (i % 1000 == 999)
			unsetenv(names[i % CHURN_NAMES]);
	}
	long peak = status_kib("VmHWM");
	record("distinct", "ops=%llu hwm_before_kib=%ld hwm_kib=%ld growth_kib=%ld", (unsigned long long)ops, before,
	       peak, peak - before);
	return 0;
}
