/*
 * tap.h - a minimal Test Anything Protocol producer for the C tests.
 *
 * Every check prints "ok N - what" or "not ok N - what"; tap_done() prints
 * the plan and returns the exit status prove expects.  There is no skip:
 * a test that cannot run says so with tap_bail().
 */
#ifndef ENVSAFE_TAP_H
#define ENVSAFE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count, tap_failed, tap_last_failed;

/*
 * A failing check is also written to stderr, with the diagnostics that
 * follow it, so that prove shows the reason without -v.  A "# TODO" check
 * that fails is expected to (TAP): it does not fail the program.
 */
__attribute__((format(printf, 2, 3), unused))
static int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	char what[2048];
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	printf("%sok %d - %s\n", cond ? "" : "not ", ++tap_count, what);
	fflush(stdout);
	tap_last_failed = !cond && !strstr(what, "# TODO");
	if (tap_last_failed) {
		tap_failed++;
		fprintf(stderr, "not ok %d - %s\n", tap_count, what);
	}
	return cond;
}

/* A known failure that does not fail the program: "not ok N - WHAT # TODO
 * REASON".  prove reports it, and a later pass as "TODO passed". */
__attribute__((unused))
static void tap_todo(const char *what, const char *reason)
{
	printf("not ok %d - %s # TODO %s\n", ++tap_count, what, reason);
	fflush(stdout);
}

__attribute__((format(printf, 1, 2), unused))
static void tap_diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (tap_last_failed) {
		fprintf(stderr, "# ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
}

/*
 * The one factor that stretches every deadline of the tests (watchdogs,
 * "at most N seconds" waits): ES_TEST_TIME_SCALE, default 1.  Nothing in
 * the tests needs to finish in a given time; deadlines only turn a hang
 * into a failure, and a loaded machine may need them longer.
 */
__attribute__((unused))
static double tap_time_scale(void)
{
	const char *s = getenv("ES_TEST_TIME_SCALE");
	double f = s ? atof(s) : 1.0;
	return f >= 1.0 ? f : 1.0;
}

__attribute__((format(printf, 1, 2), noreturn, unused))
static void tap_bail(const char *fmt, ...)
{
	va_list ap;
	char why[2048];
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	printf("Bail out! %s\n", why);
	fflush(stdout);
	fprintf(stderr, "Bail out! %s\n", why);
	exit(255);
}

__attribute__((unused))
static int tap_done(void)
{
	printf("1..%d\n", tap_count);
	fflush(stdout);
	if (tap_failed)
		fprintf(stderr, "%d of %d checks failed (see \"not ok\" above)\n", tap_failed, tap_count);
	return tap_failed ? 1 : 0;
}

#endif
