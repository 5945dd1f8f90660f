/*
 * observe_options.h - the ENVSAFE_* settings as read once by
 * es_options_load() (src/options.c), shared by the observers in
 * src/trace.c and src/observe_strict.c.  Nothing else reads ENVSAFE_*.
 */
#ifndef ENVSAFE_OBSERVE_OPTIONS_H
#define ENVSAFE_OBSERVE_OPTIONS_H

#include <stddef.h>
#include <sys/types.h>

#include "observe.h"

enum es_strict_mode { ES_STRICT_OFF, ES_STRICT_WARN, ES_STRICT_ABORT };

struct es_options {
	enum es_strict_mode strict;
	int trace_fd;        /* -1 when not tracing */
	int trace_values;    /* ENVSAFE_TRACE_VALUES=1 */
	pid_t trace_pid;     /* only this process emits; 0 = every process */
};

/* Written once by es_options_load() before es_observe_enabled is set. */
extern struct es_options es_opt;

/*
 * es_options_parse - fill OPT from the NULL-terminated "NAME=value" array
 * ENVP as a process whose pid is SELF would.  SECURE nonzero means
 * AT_SECURE: every ENVSAFE_* setting is then ignored.  Complaints about
 * invalid values go to stderr, one line each.  Exposed (hidden
 * visibility) so es_options_load has one pure core to test.
 */
void es_options_parse(struct es_options *opt, char *const *envp, pid_t self, int secure);

/* Thread count from /proc/self/status, or 0 if it cannot be read. */
int es_thread_count(void);

/* Strict mode: warn about, or abort on, a mutation made while THREADS
 * (> 1) threads are alive.  FRAMES/NFRAMES is the raw stack, SKIP the
 * number of leading frames that belong to libenvsafe itself. */
void es_strict_report(enum es_op op, const char *name, size_t name_len, int threads,
		      void *const *frames, int nframes, int skip);

/* Library-internal helpers to write without stdio (which may lock or
 * allocate).  es_write_all retries on EINTR and partial writes. */
void es_write_all(int fd, const char *buf, size_t len);
const char *es_op_name(enum es_op op);

#endif
