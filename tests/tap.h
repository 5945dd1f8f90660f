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

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3), unused))
static int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
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
}

__attribute__((format(printf, 1, 2), noreturn, unused))
static void tap_bail(const char *fmt, ...)
{
	va_list ap;
	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(255);
}

__attribute__((unused))
static int tap_done(void)
{
	printf("1..%d\n", tap_count);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
