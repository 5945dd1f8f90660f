/*
 * observe_options.c - the only parser of the ENVSAFE_* settings.
 *
 * The library reads them once, by a raw walk of environ, so that the
 * observers never depend on the environment they observe.  An AT_SECURE process
 * (setuid, setgid, file capabilities) ignores all of them: otherwise an
 * unprivileged caller could make a privileged program write to an
 * arbitrary inherited descriptor or abort at a time of its choosing.
 *
 *   ENVSAFE_STRICT=warn|abort|off   report mutations made while threads run
 *   ENVSAFE_STRICT_IGNORE_THREADS=N ... unless at most N other threads run
 *   ENVSAFE_TRACE_FD=N              write one trace record per mutation to
 *                                   the pipe N (see docs/TRACE.md)
 *   ENVSAFE_TRACE_PIPE=DEV:INO      ... if N is still this pipe
 *   ENVSAFE_TRACE_VALUES=0|1        include values in trace records
 *   ENVSAFE_TRACE_PID=P             only process P traces (across exec);
 *                                   processes it forks do not
 */
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "observe_options.h"

/* Strict decimal in [0, MAX] up to the end of S or at STOP: *V and the
 * end, or NULL. */
static const char *parse_decimal(const char *s, char stop, unsigned long long max,
				 unsigned long long *v)
{
	const char *start = s;
	*v = 0;
	for (; *s && *s != stop; s++) {
		if (*s < '0' || *s > '9')
			return NULL;
		unsigned d = (unsigned)(*s - '0');
		if (*v > (max - d) / 10)
			return NULL;
		*v = *v * 10 + d;
	}
	return s == start ? NULL : s;
}

/* A whole setting that is one decimal number in [0, MAX], or -1. */
static long decimal_setting(const char *s, long max)
{
	unsigned long long v;
	const char *end = parse_decimal(s, '\0', (unsigned long long)max, &v);
	return end && !*end ? (long)v : -1;
}

/* "DEV:INO" of ENVSAFE_TRACE_PIPE into OPT; nonzero if valid. */
static int pipe_identity(const char *s, struct es_options *opt)
{
	unsigned long long dev, ino;
	const char *colon = parse_decimal(s, ':', ~0ULL, &dev), *end;
	if (!colon || *colon != ':' || !(end = parse_decimal(colon + 1, '\0', ~0ULL, &ino)) || *end)
		return 0;
	opt->trace_dev = (dev_t)dev;
	opt->trace_ino = (ino_t)ino;
	return 1;
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

static void say_nothing(void *ctx, const char *setting, const char *value, const char *why)
{
	(void)ctx, (void)setting, (void)value, (void)why;
}

void es_options_parse(struct es_options *opt, char *const *envp, pid_t self, int secure,
		      es_options_complaint *complain, void *ctx)
{
	const char *strict = NULL, *ignore = NULL, *fd = NULL, *pipe = NULL, *values = NULL,
		   *pid = NULL;

	if (!complain)
		complain = say_nothing;

	opt->strict = ES_STRICT_OFF;
	opt->strict_ignore_threads = 0;
	opt->trace_fd = -1;
	opt->trace_dev = 0;
	opt->trace_ino = 0;
	opt->trace_values = 0;
	opt->trace_pid = 0;
	if (secure || !envp)
		return;
	for (char *const *p = envp; *p; p++) {
		const char *v;
		if ((v = setting_value(*p, "STRICT")))
			strict = v;
		else if ((v = setting_value(*p, "STRICT_IGNORE_THREADS")))
			ignore = v;
		else if ((v = setting_value(*p, "TRACE_FD")))
			fd = v;
		else if ((v = setting_value(*p, "TRACE_PIPE")))
			pipe = v;
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
			complain(ctx, "ENVSAFE_STRICT", strict, "expected warn, abort or off");
	}
	if (ignore) {
		long n = decimal_setting(ignore, ES_STRICT_IGNORE_MAX);
		if (n < 0)
			complain(ctx, "ENVSAFE_STRICT_IGNORE_THREADS", ignore,
				 "expected a number of threads (0 to 100000)");
		else
			opt->strict_ignore_threads = (int)n;
	}

	if (pid) {
		long p = decimal_setting(pid, INT_MAX);
		if (p <= 0)
			complain(ctx, "ENVSAFE_TRACE_PID", pid, "expected a process id");
		else
			opt->trace_pid = (pid_t)p;
	}
	/* A process that was not meant to be traced says nothing, not even
	 * about a descriptor it never inherited. */
	if (fd && (!opt->trace_pid || opt->trace_pid == self)) {
		long n = decimal_setting(fd, INT_MAX);
		struct es_options want = *opt;
		struct stat st;
		if (n < 0)
			complain(ctx, "ENVSAFE_TRACE_FD", fd, "expected a file descriptor number");
		else if (pipe && !pipe_identity(pipe, &want))
			complain(ctx, "ENVSAFE_TRACE_PIPE", pipe, "expected DEVICE:INODE");
		else if (fstat((int)n, &st) != 0)
			complain(ctx, "ENVSAFE_TRACE_FD", fd, "not an open file descriptor");
		else if (!S_ISFIFO(st.st_mode))
			/* Records are only atomic on a pipe, and writing them to
			 * whatever file reused the number would corrupt it. */
			complain(ctx, "ENVSAFE_TRACE_FD", fd, "not a pipe");
		else if (pipe && (st.st_dev != want.trace_dev || st.st_ino != want.trace_ino))
			/* The number was closed and reused for another pipe (a
			 * child that closes inherited descriptors, then pipes). */
			complain(ctx, "ENVSAFE_TRACE_FD", fd, "not the trace pipe named by ENVSAFE_TRACE_PIPE");
		else {
			opt->trace_fd = (int)n;
			opt->trace_dev = st.st_dev;
			opt->trace_ino = st.st_ino;
		}
	}
	if (values) {
		if (strcmp(values, "1") == 0)
			opt->trace_values = 1;
		else if (strcmp(values, "0") != 0)
			complain(ctx, "ENVSAFE_TRACE_VALUES", values, "expected 0 or 1");
	}
}
