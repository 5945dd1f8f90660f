/*
 * formula.c - the memory bound of README "Memory bound" and DESIGN 7,
 * checked against what the library really allocates.
 *
 * Workloads that only add: ever-new values over a few names (with an
 * occasional unsetenv), and ever-new names set then unset.  malloc's
 * bytes in use (mallinfo2) grow by at most
 *
 *   sum over distinct strings (length + 44) + (184 + name length) per
 *   distinct name + 88 bytes per slot of the largest live environment
 *   + 64 KiB (the kept block being filled)
 *
 * and, so that the formula stays a useful description and not a loose
 * ceiling, by at least a third of it.  The program itself allocates
 * nothing during the measurement.  Run preloaded.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semantics/harness.h"

static long malloc_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();
	return (long)(mi.uordblks + mi.hblkhd);
}

static long live_slots(void)
{
	long n = 0;
	while (environ[n])
		n++;
	return n;
}

/* Run one workload; BOUND gets the formula's total for it. */
static void check(const char *what, long measured, long bound)
{
	tap_ok(measured <= bound, "%s: malloc grew %ld bytes, formula allows %ld", what, measured, bound);
	tap_ok(measured * 3 >= bound, "%s: and the formula is not loose (measured %.0f%% of it)", what,
	       100.0 * (double)measured / (double)bound);
}

#define KEPT_BLOCK_SLACK (64L * 1024)
#define PER_STRING 44
#define PER_NAME 184
#define PER_SLOT 88

int main(int argc, char **argv)
{
	(void)argc;
	if (!es_require_preload(argv))
		tap_bail("run on libenvsafe: the bound is the library's");
	es_watchdog("formula", 300);
	char name[64], value[64];
	long start_slots = live_slots();

	/* Warm up: the first write adopts the environment. */
	setenv("FORMULA_WARM", "1", 1);

	/* Ever-new values over 16 names. */
	long before = malloc_bytes(), strings = 0, names_len = 0, peak_slots = live_slots();
	const long values = 200000;
	for (long i = 0; i < values; i++) {
		int len = snprintf(value, sizeof value, "value-%ld", i);
		snprintf(name, sizeof name, "FV_%ld", i % 16);
		if (setenv(name, value, 1) != 0)
			tap_bail("setenv failed");
		strings += (long)strlen(name) + 1 + len + PER_STRING;
		if (i < 16)
			names_len += (long)strlen(name) + PER_NAME;
		if (i % 1000 == 999)
			unsetenv(name);
		if (live_slots() > peak_slots)
			peak_slots = live_slots();
	}
	check("200k ever-new values over 16 names", malloc_bytes() - before,
	      strings + names_len + PER_SLOT * (peak_slots + start_slots) + KEPT_BLOCK_SLACK);

	/* Ever-new names, each set then unset. */
	before = malloc_bytes();
	strings = names_len = 0;
	const long names = 50000;
	for (long i = 0; i < names; i++) {
		int len = snprintf(name, sizeof name, "FORMULA_NAME_%ld", i);
		if (setenv(name, "1", 1) != 0 || unsetenv(name) != 0)
			tap_bail("setenv/unsetenv failed");
		strings += len + 2 + PER_STRING;
		names_len += len + PER_NAME;
	}
	check("50k ever-new names set and unset", malloc_bytes() - before,
	      strings + names_len + PER_SLOT * live_slots() + KEPT_BLOCK_SLACK);
	return tap_done();
}
