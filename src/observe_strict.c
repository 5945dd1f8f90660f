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

#include "observe_options.h"

#if __has_include(<execinfo.h>)
#include <execinfo.h>
#define ES_HAVE_BACKTRACE 1
#else
#define ES_HAVE_BACKTRACE 0
#endif

struct line {
	char buf[1024];
	size_t len;
};

static void add(struct line *l, const char *s, size_t n)
{
	if (n > sizeof l->buf - 1 - l->len)
		n = sizeof l->buf - 1 - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void add_str(struct line *l, const char *s)
{
	add(l, s, strlen(s));
}

static void add_uint(struct line *l, uintmax_t v, unsigned base)
{
	char digits[32];
	int i = (int)sizeof digits;
	do {
		digits[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (base == 16)
		add(l, "0x", 2);
	add(l, digits + i, sizeof digits - (size_t)i);
}

/* "function (module+0xoffset)" for PC, from the dynamic symbol table. */
static void add_call_site(struct line *l, void *pc)
{
	Dl_info info;
	if (!pc) {
		add_str(l, "an unknown caller");
		return;
	}
	/* A return address points after the call; look up the call itself. */
	if (!dladdr((char *)pc - 1, &info) || !info.dli_fname) {
		add_uint(l, (uintptr_t)pc, 16);
		return;
	}
	if (info.dli_sname) {
		add_str(l, info.dli_sname);
		add_str(l, " (");
	} else {
		add_str(l, "(");
	}
	add_str(l, *info.dli_fname ? info.dli_fname : "main program");
	add_str(l, "+");
	add_uint(l, (uintptr_t)pc - (uintptr_t)info.dli_fbase, 16);
	add_str(l, ")");
}

void es_strict_report(enum es_op op, const char *name, size_t name_len, int threads,
		      void *const *frames, int nframes, int skip)
{
	int aborting = es_opt.strict == ES_STRICT_ABORT;
	struct line l = { .len = 0 };

	add_str(&l, "envsafe: strict: ");
	add_str(&l, es_op_name(op));
	if (name) {
		add_str(&l, "(");
		add(&l, name, name_len > 128 ? 128 : name_len);
		add_str(&l, name_len > 128 ? "...)" : ")");
	}
	add_str(&l, " while ");
	add_uint(&l, (uintmax_t)threads, 10);
	add_str(&l, " threads are alive, called from ");
	add_call_site(&l, skip < nframes ? frames[skip] : NULL);
	add_str(&l, aborting ? "; aborting\n" : "\n");
	if (l.buf[l.len - 1] != '\n')
		l.buf[l.len++] = '\n';
	es_write_all(STDERR_FILENO, l.buf, l.len);

#if ES_HAVE_BACKTRACE
	/* backtrace_symbols_fd writes straight to the descriptor, no malloc. */
	if (skip < nframes)
		backtrace_symbols_fd((void *const *)frames + skip, nframes - skip, STDERR_FILENO);
#endif
	if (aborting)
		abort();
}
