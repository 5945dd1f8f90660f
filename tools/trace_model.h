/*
 * trace_model.h - `envsafe trace` internals: the events read from the
 * traced processes, their symbolized stacks, and the output writers.
 *
 *   tools/trace_record.c     parses the "ES1" records the library writes
 *   tools/symbolize.c        frames -> function, file:line (libdwfl)
 *   tools/demangle.c         C++ and Rust (legacy and v0) demangling
 *   tools/trace_output.c     text and JSON Lines output, summary
 *   tools/cmd_trace.c        option parsing, running the command
 */
#ifndef ENVSAFE_TRACE_MODEL_H
#define ENVSAFE_TRACE_MODEL_H

#include <stdint.h>
#include <stdio.h>

#include "observe_record.h" /* the ES1 format, shared with the library */

/* Record flags, under the names the tool uses. */
enum {
	TRACE_REDACTED = ES_REC_REDACTED,
	TRACE_NAME_CUT = ES_REC_NAME_CUT,
	TRACE_VALUE_CUT = ES_REC_VALUE_CUT,
	TRACE_FRAMES_CUT = ES_REC_FRAMES_CUT,
	TRACE_LIB_IN_EXE = ES_REC_LIB_IN_EXE,
};

struct trace_frame {
	char *module;        /* absolute path, or NULL if unknown */
	uint64_t offset;     /* pc relative to the module's load bias */
	/* Filled in by trace_symbolize_event: */
	char *function;      /* demangled, or NULL */
	char *mangled;       /* the symbol as found, or NULL */
	char *file;          /* source file, or NULL */
	int line;            /* 0 if unknown */
};

struct trace_event {
	int64_t sec;
	long nsec;
	long pid, tid;
	int threads;         /* 0 if the process could not count them */
	char *op;            /* setenv, unsetenv, putenv, clearenv, environ-replaced */
	int flags;
	char *thread_name;
	char *name;          /* NULL for clearenv and environ-replaced */
	char *value;         /* NULL if redacted or the operation has none */
	int skip;            /* leading frames inside libenvsafe */
	int nframes;
	struct trace_frame *frames;
};

/* Parse one record: LEN bytes of LINE, without the newline, any bytes at
 * all.  Returns 0, or -1 (and EV empty) unless every field is within what
 * the library writes (src/observe_record.h). */
int trace_parse_record(const char *line, size_t len, struct trace_event *ev);
void trace_event_free(struct trace_event *ev);

/* Symbolize every frame of EV and settle ev->skip (for a statically
 * linked libenvsafe, by name).  Caches per module; trace_symbolize_end
 * releases the caches. */
void trace_symbolize_event(struct trace_event *ev);
void trace_symbolize_end(void);

/* Demangled form of SYM (C++, Rust legacy or Rust v0), or NULL if SYM is
 * not a mangled name.  The result is malloc'ed. */
char *trace_demangle(const char *sym);

/* The frame that called into libenvsafe, or NULL. */
const struct trace_frame *trace_call_site(const struct trace_event *ev);

enum trace_format { TRACE_TEXT, TRACE_JSON };

struct trace_output {
	FILE *out;
	enum trace_format format;
	int values;          /* values were asked for */
	long seq;
	/* Summary state (trace_output.c). */
	void *sites;
	size_t nsites, cap_sites;
	long events, unsafe_events;
	long malformed;      /* records rejected by trace_parse_record */
	int max_threads;
	long *pids;
	size_t npids, cap_pids;
};

void trace_output_event(struct trace_output *o, const struct trace_event *ev);
/* STATUS is what `envsafe trace` will exit with. */
void trace_output_summary(struct trace_output *o, int status);

#endif
