/*
 * observe.h - the boundary between the environment core and its observers
 * (tracing and strict mode).  The core calls es_observe() for every
 * mutation; observers decide, from the options read once at start-up,
 * whether to record it, warn about it or abort.
 *
 * The core never depends on what an observer does: with no ENVSAFE_*
 * option set (or in an AT_SECURE process) es_observing() is false and the
 * only cost is one relaxed load and a predictable branch.
 */
#ifndef ENVSAFE_OBSERVE_H
#define ENVSAFE_OBSERVE_H

#include <stddef.h>

enum es_op {
	ES_OP_SETENV,
	ES_OP_UNSETENV,
	ES_OP_PUTENV,
	ES_OP_CLEARENV,
	ES_OP_ENVIRON_REPLACED, /* the program assigned `environ` itself */
};

/* Set once by es_options_load(); nonzero when tracing or strict mode is on. */
extern int es_observe_enabled;

static inline int es_observing(void)
{
	/* Relaxed: the flag is written once during initialisation, before any
	 * thread the program creates can exist, or by the same thread. */
	return __atomic_load_n(&es_observe_enabled, __ATOMIC_RELAXED);
}

/*
 * es_options_load - read every ENVSAFE_* setting, once.  Safe to call
 * repeatedly and from any writer; ignores all settings under AT_SECURE
 * and in a copy that stands down (es_another_copy_owns).
 * Must not call setenv/unsetenv/putenv/clearenv.
 */
void es_options_load(void);

/*
 * es_another_copy_owns - nonzero when another copy of libenvsafe, loaded
 * from a different path, owns the environment (src/observe_copies.c);
 * this copy then stands down: no constructor work, no messages, no trace.
 */
int es_another_copy_owns(void);

/*
 * es_observe - report one mutation before it is applied.
 *
 * OP is the operation; NAME (NAME_LEN bytes, not necessarily
 * NUL-terminated) is the variable, or NULL for clearenv and
 * ES_OP_ENVIRON_REPLACED; VALUE is the new value or NULL.
 * Called without the writer lock held, from the thread that mutates.
 * May write to a trace fd, print to stderr, or abort().  Must not call
 * the environment writers and must preserve errno.
 */
void es_observe(enum es_op op, const char *name, size_t name_len, const char *value);

#endif
