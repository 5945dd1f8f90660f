/*
 * trace.c - the observer called by the core before every mutation.
 *
 * Tracing writes one text record per mutation to the inherited pipe named
 * by ENVSAFE_TRACE_FD, with a single write(2) of at most PIPE_BUF bytes so
 * that records from concurrent threads and processes never interleave.
 * The record format is "ES1" and is documented in docs/TRACE.md; only
 * `envsafe trace` is meant to read it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "observe_options.h"
#include "observe_text.h"
#include "observe_stack.h"

#define ES_NAME_MAX 256   /* longer names are cut in records */
#define ES_VALUE_MAX 1024 /* so are longer values */

enum {
	ES_REC_REDACTED = 1,        /* values were not asked for */
	ES_REC_NAME_CUT = 2,
	ES_REC_VALUE_CUT = 4,
	ES_REC_FRAMES_CUT = 8,
	ES_REC_LIB_IN_EXE = 16,     /* libenvsafe is linked into the executable */
};

const char *es_op_name(enum es_op op)
{
	switch (op) {
	case ES_OP_SETENV: return "setenv";
	case ES_OP_UNSETENV: return "unsetenv";
	case ES_OP_PUTENV: return "putenv";
	case ES_OP_CLEARENV: return "clearenv";
	case ES_OP_ENVIRON_REPLACED: return "environ-replaced";
	}
	return "unknown";
}

int es_thread_count(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n, got = 0;
	while (got < (ssize_t)sizeof buf - 1 &&
	       (n = read(fd, buf + got, sizeof buf - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got > 0 ? got : 0] = '\0';
	const char *t = strstr(buf, "\nThreads:");
	if (!t)
		return 0;
	t += sizeof "\nThreads:" - 1;
	while (*t == ' ' || *t == '\t')
		t++;
	int count = 0;
	for (; *t >= '0' && *t <= '9'; t++)
		count = count * 10 + (*t - '0');
	return count;
}

/* A string field: "-" when absent, otherwise "=" and the bytes with
 * controls, space, '%' and DEL written as %XX so that a record stays one
 * line of space-separated fields.  At most LIMIT source bytes; returns
 * nonzero if the string was cut. */
static int put_field(struct es_text *r, const char *s, size_t n, size_t limit)
{
	int cut = 0;
	if (!s) {
		es_text_put(r, "-", 1);
		return 0;
	}
	if (n > limit) {
		n = limit;
		cut = 1;
	}
	es_text_put(r, "=", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == '%' || c == 0x7f) {
			char esc[3] = { '%', "0123456789ABCDEF"[c >> 4], "0123456789ABCDEF"[c & 15] };
			es_text_put(r, esc, 3);
		} else {
			es_text_put(r, (const char *)&c, 1);
		}
	}
	return cut;
}

/* Write to the pipe without letting a vanished reader kill the program
 * with SIGPIPE: block it around the write and consume it if we raised it. */
static int write_record(int fd, const char *buf, size_t len)
{
	sigset_t pipe_only, old;
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
	sigset_t pending;
	sigpending(&pending);
	int was_pending = sigismember(&pending, SIGPIPE);
	ssize_t n;
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	int err = n < 0 ? errno : 0;
	if (err == EPIPE && !was_pending) {
		static const struct timespec no_wait = { 0, 0 };
		sigtimedwait(&pipe_only, NULL, &no_wait);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

static void emit_trace(enum es_op op, const char *name, size_t name_len, const char *value,
		       int threads, const struct es_stack *st)
{
	char buf[PIPE_BUF];
	struct es_text r = { buf, 0, sizeof buf - 1, 0 }; /* room kept for '\n' */
	struct timespec now;
	char comm[17] = "";
	int flags = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	comm[16] = '\0';

	es_text_str(&r, "ES1 ");
	es_text_uint(&r, (uintmax_t)now.tv_sec, 10);
	es_text_put(&r, ".", 1);
	char ns[10];
	long v = now.tv_nsec;
	for (int i = 8; i >= 0; i--, v /= 10)
		ns[i] = (char)('0' + v % 10);
	es_text_put(&r, ns, 9);
	es_text_put(&r, " ", 1);
	es_text_uint(&r, (uintmax_t)getpid(), 10);
	es_text_put(&r, " ", 1);
	es_text_uint(&r, (uintmax_t)syscall(SYS_gettid), 10);
	es_text_put(&r, " ", 1);
	es_text_uint(&r, (uintmax_t)threads, 10);
	es_text_put(&r, " ", 1);
	es_text_str(&r, es_op_name(op));
	es_text_put(&r, " ", 1);

	/* Flags come before the fields they describe but are only known
	 * after them: reserve two hex digits and fill them in at the end. */
	size_t flags_at = r.len;
	es_text_put(&r, "00 ", 3);
	put_field(&r, comm, strlen(comm), sizeof comm);
	es_text_put(&r, " ", 1);
	if (put_field(&r, name, name_len, ES_NAME_MAX))
		flags |= ES_REC_NAME_CUT;
	es_text_put(&r, " ", 1);
	if (!es_opt.trace_values && value) {
		flags |= ES_REC_REDACTED;
		value = NULL;
	}
	if (put_field(&r, value, value ? strlen(value) : 0, ES_VALUE_MAX))
		flags |= ES_REC_VALUE_CUT;
	if (st->lib_is_main)
		flags |= ES_REC_LIB_IN_EXE;
	if (st->cut)
		flags |= ES_REC_FRAMES_CUT;
	es_text_put(&r, " ", 1);
	es_text_uint(&r, (uintmax_t)st->skip, 10);

	/* Frames: " MODULE OFFSET" pairs; "^" repeats the previous module.
	 * A frame is only kept if it fits whole. */
	const char *prev = NULL;
	for (int i = 0; i < st->n; i++) {
		size_t before = r.len;
		es_text_put(&r, " ", 1);
		if (st->module[i] && st->module[i] == prev)
			es_text_put(&r, "^", 1);
		else
			put_field(&r, st->module[i], st->module[i] ? strlen(st->module[i]) : 0, PATH_MAX);
		es_text_put(&r, " ", 1);
		es_text_uint(&r, (uintmax_t)st->offset[i], 16);
		if (r.full) {
			r.len = before;
			flags |= ES_REC_FRAMES_CUT;
			break;
		}
		prev = st->module[i];
	}
	buf[flags_at] = "0123456789abcdef"[(flags >> 4) & 15];
	buf[flags_at + 1] = "0123456789abcdef"[flags & 15];
	buf[r.len++] = '\n';

	if (write_record(es_opt.trace_fd, buf, r.len) == EPIPE)
		/* The tracer is gone; stop paying for records nobody reads.
		 * Relaxed: a thread that still writes once more only gets
		 * another EPIPE. */
		__atomic_store_n(&es_opt.trace_fd, -1, __ATOMIC_RELAXED);
}

void es_trace_prepare(void)
{
	es_stack_prepare();
}

void es_observe(enum es_op op, const char *name, size_t name_len, const char *value)
{
	int saved = errno;
	/* Relaxed: trace_fd only ever goes from a pipe to -1. */
	int tracing = __atomic_load_n(&es_opt.trace_fd, __ATOMIC_RELAXED) >= 0;
	/* A forked child of a process traced without --follow-children. */
	if (tracing && es_opt.trace_pid && es_opt.trace_pid != getpid())
		tracing = 0;
	if (!tracing && es_opt.strict == ES_STRICT_OFF) {
		errno = saved;
		return;
	}

	int threads = es_thread_count();
	if (!tracing && threads <= 1) {
		errno = saved;
		return;
	}
	struct es_stack st;
	es_stack_capture(&st);
	if (tracing)
		emit_trace(op, name, name_len, value, threads, &st);
	if (es_opt.strict != ES_STRICT_OFF && threads > 1)
		es_strict_report(op, name, name_len, threads, st.pc, st.n, st.skip);
	errno = saved;
}
