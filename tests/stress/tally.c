/*
 * tally.c - run-wide counters and the stop flag of envsafe-stress.
 */
#include "stress.h"

#include <stdio.h>

static unsigned long total_reads, total_writes, total_misses;
static int stop_requested;
static unsigned long miss_reports;
int stress_quiet;

void tally_flush(struct tally *t)
{
	/* Relaxed: the totals are statistics.  The final values are read
	 * after pthread_join, which orders every thread's last flush. */
	__atomic_fetch_add(&total_reads, t->reads, __ATOMIC_RELAXED);
	__atomic_fetch_add(&total_writes, t->writes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&total_misses, t->misses, __ATOMIC_RELAXED);
	t->reads = t->writes = t->misses = 0;
}

void stress_totals(unsigned long *reads, unsigned long *writes, unsigned long *misses)
{
	/* Relaxed: progress lines only need some recent value. */
	*reads = __atomic_load_n(&total_reads, __ATOMIC_RELAXED);
	*writes = __atomic_load_n(&total_writes, __ATOMIC_RELAXED);
	*misses = __atomic_load_n(&total_misses, __ATOMIC_RELAXED);
}

int stress_stopping(void)
{
	/* Relaxed: the flag publishes no data; threads only have to notice
	 * it eventually, and their results are collected by pthread_join. */
	return __atomic_load_n(&stop_requested, __ATOMIC_RELAXED);
}

void stress_request_stop(void)
{
	/* Relaxed: see stress_stopping. */
	__atomic_store_n(&stop_requested, 1, __ATOMIC_RELAXED);
}

void stress_report_miss(struct tally *t, const char *what, const char *detail)
{
	t->misses++;
	/* The run has failed: end it now, so that a crash the damage may
	 * cause later (on the stock C library) cannot hide the miss. */
	stress_request_stop();
	/* Relaxed: only limits how many lines are printed. */
	if (stress_quiet || __atomic_fetch_add(&miss_reports, 1, __ATOMIC_RELAXED) >= 5)
		return;
	fprintf(stderr, "envsafe-stress: %s: %.80s\n", what, detail ? detail : "(null)");
}
