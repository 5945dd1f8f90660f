/*
 * observe_strict.c - ENVSAFE_STRICT: catch environment changes made while
 * other threads run.  libenvsafe makes them safe, but a program that
 * needs it is still racy on every other C library, so strict mode points
 * at the line to fix.  Messages never include values.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "observe_event.h"
#include "observe_text.h"

static void add_call_site(struct es_text *l, void *pc)
{
	Dl_info info;
	if (!pc) {
		es_text_str(l, "an unknown caller");
		return;
	}
	/* A return address points after the call; look up the call itself. */
	if (!dladdr((char *)pc - 1, &info) || !info.dli_fname) {
		es_text_str(l, "0x");
		es_text_uint(l, (uintptr_t)pc, 16);
		return;
	}
	if (info.dli_sname) {
		es_text_str(l, info.dli_sname);
		es_text_str(l, " (");
	} else {
		es_text_str(l, "(");
	}
	es_text_str(l, *info.dli_fname ? info.dli_fname : "main program");
	es_text_str(l, "+");
	es_text_str(l, "0x");
	es_text_uint(l, (uintptr_t)pc - (uintptr_t)info.dli_fbase, 16);
	es_text_str(l, ")");
}

void es_strict_report(const struct es_event *ev)
{
	void *const *frames = ev->stack->pc;
	int nframes = ev->stack->n, skip = ev->stack->skip;
	size_t name_len = ev->name_len;
	int aborting = es_opt.strict == ES_STRICT_ABORT;
	char buf[1024];
	/* One byte is kept back for the final newline. */
	struct es_text l = { .p = buf, .cap = sizeof buf - 1 };

	es_text_str(&l, "envsafe: strict: ");
	es_text_str(&l, ev->op_name);
	if (ev->name) {
		es_text_str(&l, "(");
		es_text_put(&l, ev->name, name_len > 128 ? 128 : name_len);
		es_text_str(&l, name_len > 128 ? "...)" : ")");
	}
	es_text_str(&l, " while ");
	es_text_uint(&l, (uintmax_t)ev->threads, 10);
	es_text_str(&l, " threads are alive, called from ");
	add_call_site(&l, skip < nframes ? frames[skip] : NULL);
	es_text_str(&l, aborting ? "; aborting\n" : "\n");
	if (l.p[l.len - 1] != '\n')
		l.p[l.len++] = '\n';
	es_write_all(STDERR_FILENO, l.p, l.len);

#if ES_HAVE_BACKTRACE
	/* backtrace_symbols_fd writes straight to the descriptor, no malloc. */
	if (skip < nframes)
		backtrace_symbols_fd((void *const *)frames + skip, nframes - skip, STDERR_FILENO);
#endif
	if (aborting)
		abort();
}
