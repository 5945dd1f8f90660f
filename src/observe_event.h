/*
 * observe_event.h - one mutation as the observers see it, and the two
 * observers.  The dispatcher (src/observe.c) gathers everything an
 * observer needs into a struct es_event and calls them; they call nothing
 * back, so the modules form a chain:
 *
 *   observe.c -> observe_trace.c, observe_strict.c -> observe_stack.c,
 *   observe_text.h, observe_record.h;  observe.c -> observe_options.c
 */
#ifndef ENVSAFE_OBSERVE_EVENT_H
#define ENVSAFE_OBSERVE_EVENT_H

#include <stddef.h>

#include "observe.h"
#include "observe_options.h"
#include "observe_stack.h"

/* Written once by es_options_load() before es_observe_enabled is set;
 * trace_fd may later drop to -1 (tracing stopped). */
extern struct es_options es_opt;

struct es_event {
	enum es_op op;
	const char *op_name;         /* the record's OP field */
	const char *name;            /* NAME_LEN bytes, or NULL */
	size_t name_len;
	const char *value;           /* or NULL */
	int threads;                 /* threads alive, -1 if unknown */
	const struct es_stack *stack;
};

/* observe_trace.c: write EV's record to es_opt.trace_fd. */
void es_trace_emit(const struct es_event *ev);

/* observe_strict.c: warn about, or abort on, EV, made while other
 * threads were alive. */
void es_strict_report(const struct es_event *ev);

#endif
