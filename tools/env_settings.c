/* ENVSAFE_* validation for the CLI, by the rules of src/options.c. */
#define _GNU_SOURCE
#include "env_settings.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Strict decimal in [0, INT_MAX], as the library accepts; -1 otherwise. */
static long decimal_or_minus_one(const char *s)
{
	long v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* Why descriptor FD of process PID (0: this one) cannot carry a trace,
 * or NULL when it can (or when another user's process hides it). */
static const char *trace_fd_problem(pid_t pid, long fd)
{
	struct stat st;
	int rc;
	if (pid == 0) {
		rc = fstat((int)fd, &st);
	} else {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/fd/%ld", (int)pid, fd);
		rc = stat(path, &st);
		if (rc != 0 && errno == EACCES)
			return NULL;
	}
	if (rc != 0)
		return "not an open file descriptor";
	if (!S_ISFIFO(st.st_mode))
		return "not a pipe";
	return NULL;
}

int es_settings_check(char *const *envp, pid_t pid, es_setting_problem_fn *report, void *ctx)
{
	static const char prefix[] = "ENVSAFE_";
	static const char *const known[] = { "STRICT", "TRACE_FD", "TRACE_VALUES", "TRACE_PID",
					     "STRESS" /* read by envsafe torture */ };
	const char *value[sizeof known / sizeof *known] = { 0 };
	int problems = 0;

	for (char *const *p = envp; p && *p; p++) {
		if (strncmp(*p, prefix, sizeof prefix - 1) != 0)
			continue;
		const char *name = *p + sizeof prefix - 1, *eq = strchr(name, '=');
		if (!eq)
			continue;
		size_t len = (size_t)(eq - name), k;
		for (k = 0; k < sizeof known / sizeof *known; k++)
			if (strlen(known[k]) == len && memcmp(known[k], name, len) == 0)
				break;
		if (k < sizeof known / sizeof *known) {
			value[k] = eq + 1;
			continue;
		}
		char unknown[128];
		snprintf(unknown, sizeof unknown, "%.*s", (int)(eq - *p), *p);
		report(unknown, eq + 1, "not a setting envsafe reads (a typo?)", ctx);
		problems++;
	}

	const char *strict = value[0], *fd = value[1], *values = value[2], *trace_pid = value[3];
	if (strict && *strict && strcmp(strict, "warn") != 0 && strcmp(strict, "abort") != 0 &&
	    strcmp(strict, "off") != 0) {
		report("ENVSAFE_STRICT", strict, "expected warn, abort or off", ctx);
		problems++;
	}
	long only_pid = 0;
	if (trace_pid) {
		only_pid = decimal_or_minus_one(trace_pid);
		if (only_pid <= 0) {
			report("ENVSAFE_TRACE_PID", trace_pid, "expected a process id", ctx);
			problems++;
			only_pid = 0;
		}
	}
	/* Like the library, a process that is not the one to trace never
	 * looks at the descriptor. */
	pid_t self = pid ? pid : getpid();
	if (fd && (only_pid == 0 || only_pid == self)) {
		long n = decimal_or_minus_one(fd);
		const char *why = n < 0 ? "expected a file descriptor number" : trace_fd_problem(pid, n);
		if (why) {
			report("ENVSAFE_TRACE_FD", fd, why, ctx);
			problems++;
		}
	}
	if (values && strcmp(values, "0") != 0 && strcmp(values, "1") != 0) {
		report("ENVSAFE_TRACE_VALUES", values, "expected 0 or 1", ctx);
		problems++;
	}
	return problems;
}
