/*
 * observe.c - the observers' dispatcher: reads the ENVSAFE_* settings once
 * (es_options_load) and, for every mutation the core reports
 * (es_observe), gathers what the observers need (thread count, stack)
 * and hands it to tracing (observe_trace.c) and strict mode
 * (observe_strict.c).  See src/observe_event.h for the module chain.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "observe_event.h"
#include "observe_record.h"
#include "observe_text.h"

extern char **environ;

int es_observe_enabled;
struct es_options es_opt = { .strict = ES_STRICT_OFF, .trace_fd = -1 };

_Static_assert(ES_OP_ENVIRON_REPLACED + 1 == ES_RECORD_NOPS, "one record name per operation");

static const char *op_name(enum es_op op)
{
	static const char *const names[] = ES_RECORD_OPS;
	return (unsigned)op < ES_RECORD_NOPS ? names[op] : "unknown";
}

/*
 * Threads alive in this process, or -1 if that cannot be known.  Field 20
 * of /proc/self/stat comes after nothing longer than the 16-byte command
 * name, so unlike the Threads: line of /proc/self/status it cannot be
 * pushed out of a fixed buffer (by a long Groups: line, say).
 */
static int thread_count(void)
{
	char buf[512];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n, got = 0;
	while (got < (ssize_t)sizeof buf - 1 &&
	       (n = read(fd, buf + got, sizeof buf - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got > 0 ? got : 0] = '\0';
	/* The name may hold spaces and parentheses: fields restart after the
	 * last ')', with field 3 (the state). */
	const char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	for (int field = 2; field < 20; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	long count = 0;
	for (p++; *p >= '0' && *p <= '9' && count <= 1 << 30; p++)
		count = count * 10 + (*p - '0');
	return *p == ' ' && count > 0 && count <= 1 << 30 ? (int)count : -1;
}

void es_options_load(void)
{
	/* 0 = not loaded, 1 = loading, 2 = loaded. */
	static int state;
	int expected = 0;

	/* Acquire on both paths: a caller that sees 2 must also see es_opt. */
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) == 2)
		return;
	if (!__atomic_compare_exchange_n(&state, &expected, 1, 0, __ATOMIC_ACQUIRE,
					 __ATOMIC_ACQUIRE)) {
		/* Another thread is reading the settings; it takes microseconds. */
		while (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != 2)
			;
		return;
	}

	int saved = errno;
	struct es_options opt;
	/* Silent: a process that did not ask for strict mode or tracing must
	 * not find a line on its stderr, which may be a socket or a log.
	 * `envsafe run` and `envsafe doctor` report invalid settings. */
	es_options_parse(&opt, environ, getpid(),
			 getauxval(AT_SECURE) != 0 || es_another_copy_owns(), NULL, NULL);
	/* The descriptor stays inheritable even when children are not
	 * followed: a program that execs without forking (a shell script,
	 * env(1), a version-manager shim) keeps the traced pid and must keep
	 * tracing.  Other processes see a different pid and stay silent. */
	es_opt = opt;
	if (opt.trace_fd >= 0 || opt.strict != ES_STRICT_OFF) {
		/* Load the unwinder while still single-threaded, so that later
		 * captures do not allocate. */
		es_stack_prepare();
		/* Relaxed: es_opt is published by the release store of state
		 * below, which every caller of es_options_load acquires before
		 * reaching es_observing(). */
		__atomic_store_n(&es_observe_enabled, 1, __ATOMIC_RELAXED);
	}
	/* Release: publishes es_opt and es_observe_enabled to the waiters. */
	__atomic_store_n(&state, 2, __ATOMIC_RELEASE);
	errno = saved;
}

void es_observe(enum es_op op, const char *name, size_t name_len, const char *value)
{
	int saved = errno;
	/* Relaxed: trace_fd only ever goes from a pipe to -1. */
	int tracing = __atomic_load_n(&es_opt.trace_fd, __ATOMIC_RELAXED) >= 0;
	/* A forked child of a process traced without --follow-children. */
	if (tracing && es_opt.trace_pid && es_opt.trace_pid != getpid())
		tracing = 0;
	if (!tracing && es_opt.strict == ES_STRICT_OFF) {
		errno = saved;
		return;
	}

	int threads = thread_count();
	/* An unknown count may be many: a CI gate must not pass because
	 * /proc could not be read. */
	int strict = es_opt.strict != ES_STRICT_OFF &&
		     (threads < 0 || threads > 1 + es_opt.strict_ignore_threads);
	if (!tracing && !strict) {
		errno = saved;
		return;
	}
	struct es_stack st;
	es_stack_capture(&st);
	struct es_event ev = { op, op_name(op), name, name_len, value, threads, &st };
	if (tracing)
		es_trace_emit(&ev);
	if (strict)
		es_strict_report(&ev);
	errno = saved;
}
