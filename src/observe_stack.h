/*
 * observe_stack.h - the raw call stack of a mutation, as (module, address
 * relative to the module's load bias) pairs.  Nothing is symbolized in
 * the observed process: `envsafe trace` does that afterwards from the
 * files on disk.
 */
#ifndef ENVSAFE_OBSERVE_STACK_H
#define ENVSAFE_OBSERVE_STACK_H

#include <stdint.h>

#include "observe_record.h"

/* glibc's backtrace(); musl has none, and its records carry no frames. */
#if __has_include(<execinfo.h>)
#include <execinfo.h>
#define ES_HAVE_BACKTRACE 1
#else
#define ES_HAVE_BACKTRACE 0
#endif

#define ES_STACK_MAX ES_RECORD_FRAMES_MAX

struct es_stack {
	int n;                        /* captured frames */
	int skip;                     /* leading frames inside libenvsafe.so */
	int lib_is_main;              /* libenvsafe is linked into the executable */
	int cut;                      /* the stack was deeper than ES_STACK_MAX */
	void *pc[ES_STACK_MAX + 1];   /* return addresses, innermost first, and
					 one spare to detect a deeper stack */
	const char *module[ES_STACK_MAX]; /* path, or NULL when unknown */
	uintptr_t offset[ES_STACK_MAX];   /* pc - load bias (the ELF vaddr) */
};

/* Capture the caller's stack and resolve each frame's module.  Takes the
 * dynamic loader's lock (dl_iterate_phdr) but allocates nothing once
 * es_stack_prepare has run. */
void es_stack_capture(struct es_stack *st);

/* Load the unwinder now, while the process is still single-threaded, so
 * that later captures do not allocate. */
void es_stack_prepare(void);

#endif
