/*
 * options.c - the only place where ENVSAFE_* settings are read.
 *
 * Settings are read once, by a raw walk of environ, so that the observers
 * never depend on the environment they observe.  An AT_SECURE process
 * (setuid, setgid, file capabilities) ignores all of them: otherwise an
 * unprivileged caller could make a privileged program write to an
 * arbitrary inherited descriptor or abort at a time of its choosing.
 *
 *   ENVSAFE_STRICT=warn|abort|off   report mutations made while threads run
 *   ENVSAFE_TRACE_FD=N              write one trace record per mutation to
 *                                   the pipe N (see docs/TRACE.md)
 *   ENVSAFE_TRACE_VALUES=0|1        include values in trace records
 *   ENVSAFE_TRACE_PID=P             only process P traces (across exec);
 *                                   processes it forks do not
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "observe_options.h"

extern char **environ;

int es_observe_enabled;
struct es_options es_opt = { ES_STRICT_OFF, -1, 0, 0 };

void es_write_all(int fd, const char *buf, size_t len)
{
	int saved = errno;
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf += n;
		len -= (size_t)n;
	}
	errno = saved;
}

static void complain(const char *setting, const char *value, const char *why)
{
	char line[512];
	size_t n = 0;
	const char *parts[] = { "envsafe: ignoring ", setting, "=", value, ": ", why, "\n" };
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
		size_t len = strlen(parts[i]);
		if (len > sizeof line - 1 - n)
			len = sizeof line - 1 - n;
		memcpy(line + n, parts[i], len);
		n += len;
	}
	if (line[n - 1] != '\n')
		line[n - 1] = '\n';
	es_write_all(STDERR_FILENO, line, n);
}

/* Strict decimal in [0, max]; -1 otherwise. */
static long parse_decimal(const char *s, long max)
{
	long v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* VALUE of "ENVSAFE_<suffix>=VALUE" if ENTRY is that setting, else NULL. */
static const char *setting_value(const char *entry, const char *suffix)
{
	static const char prefix[] = "ENVSAFE_";
	size_t plen = sizeof prefix - 1, slen = strlen(suffix);
	if (strncmp(entry, prefix, plen) != 0 || strncmp(entry + plen, suffix, slen) != 0 ||
	    entry[plen + slen] != '=')
		return NULL;
	return entry + plen + slen + 1;
}

void es_options_parse(struct es_options *opt, char *const *envp, pid_t self, int secure)
{
	const char *strict = NULL, *fd = NULL, *values = NULL, *pid = NULL;

	opt->strict = ES_STRICT_OFF;
	opt->trace_fd = -1;
	opt->trace_values = 0;
	opt->trace_pid = 0;
	if (secure || !envp)
		return;
	for (char *const *p = envp; *p; p++) {
		const char *v;
		if ((v = setting_value(*p, "STRICT")))
			strict = v;
		else if ((v = setting_value(*p, "TRACE_FD")))
			fd = v;
		else if ((v = setting_value(*p, "TRACE_VALUES")))
			values = v;
		else if ((v = setting_value(*p, "TRACE_PID")))
			pid = v;
	}

	if (strict) {
		if (strcmp(strict, "warn") == 0)
			opt->strict = ES_STRICT_WARN;
		else if (strcmp(strict, "abort") == 0)
			opt->strict = ES_STRICT_ABORT;
		else if (strcmp(strict, "off") != 0 && *strict)
			complain("ENVSAFE_STRICT", strict, "expected warn, abort or off");
	}

	if (pid) {
		long p = parse_decimal(pid, INT_MAX);
		if (p <= 0)
			complain("ENVSAFE_TRACE_PID", pid, "expected a process id");
		else
			opt->trace_pid = (pid_t)p;
	}
	/* A child that was not meant to be traced says nothing, not even about
	 * a descriptor it never inherited. */
	if (fd && (!opt->trace_pid || opt->trace_pid == self)) {
		long n = parse_decimal(fd, INT_MAX);
		struct stat st;
		if (n < 0)
			complain("ENVSAFE_TRACE_FD", fd, "expected a file descriptor number");
		else if (fstat((int)n, &st) != 0)
			complain("ENVSAFE_TRACE_FD", fd, "not an open file descriptor");
		else if (!S_ISFIFO(st.st_mode))
			/* Records are only atomic on a pipe, and writing them to
			 * whatever file reused the number would corrupt it. */
			complain("ENVSAFE_TRACE_FD", fd, "not a pipe");
		else
			opt->trace_fd = (int)n;
	}
	if (values) {
		if (strcmp(values, "1") == 0)
			opt->trace_values = 1;
		else if (strcmp(values, "0") != 0)
			complain("ENVSAFE_TRACE_VALUES", values, "expected 0 or 1");
	}
}

/* Warm-up done while still single-threaded, see es_options_load. */
void es_trace_prepare(void);

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
	es_options_parse(&opt, environ, getpid(), getauxval(AT_SECURE) != 0);
	/* The descriptor stays inheritable even when children are not
	 * followed: a program that execs without forking (a shell script,
	 * env(1), a version-manager shim) keeps the traced pid and must keep
	 * tracing.  Other processes see a different pid and stay silent. */
	es_opt = opt;
	if (opt.trace_fd >= 0 || opt.strict != ES_STRICT_OFF) {
		es_trace_prepare();
		/* Relaxed: es_opt is published by the release store of state
		 * below, which every caller of es_options_load acquires before
		 * reaching es_observing(). */
		__atomic_store_n(&es_observe_enabled, 1, __ATOMIC_RELAXED);
	}
	/* Release: publishes es_opt and es_observe_enabled to the waiters. */
	__atomic_store_n(&state, 2, __ATOMIC_RELEASE);
	errno = saved;
}

__attribute__((constructor)) static void es_options_at_load(void)
{
	es_options_load();
}
