/*
 * observe_options.h - the ENVSAFE_* settings and their one parser.
 *
 * src/observe_options.c is pure (libc only, no library state), so that
 * the library reads the settings with it once at load (es_options_load,
 * src/observe.c) and the envsafe command can check them with the very
 * same code before it runs a program.  Nothing else reads ENVSAFE_*.
 */
#ifndef ENVSAFE_OBSERVE_OPTIONS_H
#define ENVSAFE_OBSERVE_OPTIONS_H

#include <stddef.h>
#include <sys/types.h>

enum es_strict_mode { ES_STRICT_OFF, ES_STRICT_WARN, ES_STRICT_ABORT };

/* ENVSAFE_STRICT_IGNORE_THREADS is at most this. */
#define ES_STRICT_IGNORE_MAX 100000

struct es_options {
	enum es_strict_mode strict;
	int strict_ignore_threads; /* other threads strict mode accepts */
	int trace_fd;        /* -1 when not tracing */
	dev_t trace_dev;     /* the pipe trace_fd was when the settings were read */
	ino_t trace_ino;
	int trace_values;    /* ENVSAFE_TRACE_VALUES=1 */
	pid_t trace_pid;     /* only this process emits; 0 = every process */
};

/* Told about each setting that is present but invalid, and ignored.
 * SETTING is the variable's name, VALUE its value, WHY a short phrase. */
typedef void es_options_complaint(void *ctx, const char *setting, const char *value,
				  const char *why);

/*
 * es_options_parse - fill OPT from the NULL-terminated "NAME=value" array
 * ENVP as a process whose pid is SELF would.  SECURE nonzero means
 * AT_SECURE: every ENVSAFE_* setting is then ignored.  Each invalid
 * setting is left at its default and, if COMPLAIN is not NULL, reported
 * through it (with CTX).  Allocates nothing and writes nowhere.
 */
void es_options_parse(struct es_options *opt, char *const *envp, pid_t self, int secure,
		      es_options_complaint *complain, void *ctx);

#endif
