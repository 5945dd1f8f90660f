/*
 * observe_trace.c - tracing: one "ES1" record per mutation (the format is
 * src/observe_record.h) written to the inherited pipe named by
 * ENVSAFE_TRACE_FD, with a single write(2) of at most PIPE_BUF bytes so
 * that records from concurrent threads and processes never interleave.
 * Only `envsafe trace` is meant to read them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "observe_event.h"
#include "observe_record.h"
#include "observe_text.h"

_Static_assert(ES_RECORD_MAX <= PIPE_BUF, "a record is written atomically");

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

/* Is FD still the pipe the settings named?  A program may close it and
 * get the number back for a file of its own (a daemon that closes the
 * descriptors it inherited, then opens its database): records must never
 * land there.  One fstat per record; tracing is a debugging mode. */
static int still_the_pipe(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_dev == es_opt.trace_dev &&
	       st.st_ino == es_opt.trace_ino;
}

/* Relaxed: trace_fd only ever goes from the pipe to -1, and a thread that
 * still sees the pipe checks it again before writing. */
static void stop_tracing(void)
{
	__atomic_store_n(&es_opt.trace_fd, -1, __ATOMIC_RELAXED);
}

void es_trace_emit(const struct es_event *ev)
{
	const struct es_stack *st = ev->stack;
	const char *value = ev->value;
	char buf[ES_RECORD_MAX];
	struct es_text r = { buf, 0, sizeof buf - 1, 0 }; /* room kept for '\n' */
	struct timespec now;
	char comm[ES_RECORD_COMM_MAX + 1] = "";
	int flags = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	comm[ES_RECORD_COMM_MAX] = '\0';

	es_text_str(&r, ES_RECORD_MAGIC " ");
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
	es_text_uint(&r, (uintmax_t)(ev->threads < 0 ? 0 : ev->threads), 10); /* 0: unknown */
	es_text_put(&r, " ", 1);
	es_text_str(&r, ev->op_name);
	es_text_put(&r, " ", 1);

	/* Flags come before the fields they describe but are only known
	 * after them: reserve two hex digits and fill them in at the end. */
	size_t flags_at = r.len;
	es_text_put(&r, "00 ", 3);
	put_field(&r, comm, strlen(comm), sizeof comm);
	es_text_put(&r, " ", 1);
	if (put_field(&r, ev->name, ev->name_len, ES_RECORD_NAME_MAX))
		flags |= ES_REC_NAME_CUT;
	es_text_put(&r, " ", 1);
	if (!es_opt.trace_values && value) {
		flags |= ES_REC_REDACTED;
		value = NULL;
	}
	if (put_field(&r, value, value ? strlen(value) : 0, ES_RECORD_VALUE_MAX))
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

	/* Relaxed: see stop_tracing. */
	int fd = __atomic_load_n(&es_opt.trace_fd, __ATOMIC_RELAXED);
	if (fd < 0)
		return;
	if (!still_the_pipe(fd))
		/* The pipe is gone from this process for good. */
		stop_tracing();
	else if (write_record(fd, buf, r.len) == EPIPE)
		/* The tracer is gone; stop paying for records nobody reads. */
		stop_tracing();
}
