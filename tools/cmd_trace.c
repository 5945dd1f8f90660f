/*
 * envsafe trace - run a command with libenvsafe preloaded and log every
 * environment mutation it makes, with the call stack that made it.
 *
 * The library writes raw records to an inherited pipe (see src/observe_trace.c);
 * this side stores them while the command runs and symbolizes them once
 * it has finished, so the traced program is slowed down as little as
 * possible.  docs/TRACE.md describes the design and the output formats.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "trace_model.h"

static void trace_help(void)
{
	printf("Usage: envsafe trace [-o FILE] [--format=text|json] [--values]\n"
	       "                     [--follow-children] [--] CMD [ARGS...]\n"
	       "       envsafe trace --demangle SYMBOL...\n"
	       "\n"
	       "Runs CMD with libenvsafe.so preloaded and logs every setenv, unsetenv,\n"
	       "putenv and clearenv it makes (and every assignment to environ the\n"
	       "library notices): time, process, thread, how many threads were alive,\n"
	       "the variable, and the symbolized call stack.  Changes made while more\n"
	       "than one thread was alive are marked UNSAFE.  A summary ranks the call\n"
	       "sites.\n"
	       "\n"
	       "Options:\n"
	       "  -o, --output=FILE   write the trace to FILE (created mode 0600; an\n"
	       "                      existing regular file you own with no other\n"
	       "                      hard link is truncated; a symbolic link, a\n"
	       "                      hard-linked file, a FIFO or a device is\n"
	       "                      refused), '-' for stdout; default: stderr\n"
	       "  --format=FORMAT     text (default) or json (JSON Lines)\n"
	       "  --values            include values (default: redacted)\n"
	       "  --follow-children   also trace programs CMD starts and processes it\n"
	       "                      forks; the trace then ends when all of them have\n"
	       "                      exited\n"
	       "  --demangle          print the demangled form of each SYMBOL (C++,\n"
	       "                      Rust legacy and v0) and exit\n"
	       "  --help              show this help\n"
	       "\n"
	       "ENVSAFE_STRICT in the environment (see 'envsafe run --strict') is\n"
	       "passed on to CMD.\n"
	       "\n"
	       "Exit status: that of CMD (128+N if it was killed by signal N); 126 if\n"
	       "CMD cannot be executed, 127 if it is not found, 2 on a usage error,\n"
	       "125 if the trace itself fails.\n");
}

/* The records as they arrived, each without its newline, any bytes. */
struct lines {
	struct line {
		char *p;
		size_t len;
	} *v;
	size_t n, cap;
	long overlong;       /* lines too long to be records, dropped */
};

static int keep_line(struct lines *l, const char *s, size_t len)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct line *grown = realloc(l->v, cap * sizeof *grown);
		if (!grown)
			return -1;
		l->v = grown;
		l->cap = cap;
	}
	if (!(l->v[l->n].p = malloc(len ? len : 1)))
		return -1;
	memcpy(l->v[l->n].p, s, len);
	l->v[l->n++].len = len;
	return 0;
}

/* Why an existing output file ST is refused, or NULL if it may be used. */
static const char *unfit_output(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return "is a symbolic link";
	if (!S_ISREG(st->st_mode))
		return "is not a regular file";
	if (st->st_uid != geteuid())
		return "is not owned by you";
	/* Another name for a file elsewhere (a link in a world-writable
	 * directory to a file of root's) must not be truncated through. */
	if (st->st_nlink > 1)
		return "has other hard links";
	return NULL;
}

/*
 * The output file: created 0600 without following a symbolic link.  An
 * existing file is only reused if it is a regular file owned by us with
 * no other hard link (the user named it, so truncating it is what they
 * asked for); then its mode is tightened to 0600 too, since a trace may
 * hold values.  Nothing else is opened, let alone truncated: the type is
 * checked with lstat before the open and with fstat after it, and the
 * open itself cannot block (a FIFO), follow a link or take a terminal.
 */
static FILE *open_output(const char *path)
{
	if (strcmp(path, "-") == 0)
		return stdout;
	struct stat before, st;
	const char *why;
	int existed = lstat(path, &before) == 0;
	if (existed && (why = unfit_output(&before))) {
		es_error("trace: refusing to write to %s: it %s", path, why);
		return NULL;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == ELOOP)
			es_error("trace: refusing to write to %s: it is a symbolic link", path);
		else if (errno == ENXIO)
			es_error("trace: refusing to write to %s: it is not a regular file", path);
		else
			es_error_errno("trace: %s", path);
		return NULL;
	}
	why = fstat(fd, &st) != 0 ? "cannot be examined" : unfit_output(&st);
	if (!why && existed && (st.st_dev != before.st_dev || st.st_ino != before.st_ino))
		why = "was replaced while being opened";
	if (why) {
		es_error("trace: refusing to write to %s: it %s", path, why);
		close(fd);
		return NULL;
	}
	if (ftruncate(fd, 0) != 0 || fchmod(fd, 0600) != 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
		es_error_errno("trace: %s", path);
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		es_error_errno("trace: %s", path);
		close(fd);
	}
	return f;
}

/* In the child: set up the environment the library reads, then exec. */
static void exec_traced(char **command, int trace_fd, int follow, int values,
			const char *library)
{
	char number[64];
	int flags = fcntl(trace_fd, F_GETFD);
	if (flags < 0 || fcntl(trace_fd, F_SETFD, flags & ~FD_CLOEXEC) != 0)
		goto fail;
	snprintf(number, sizeof number, "%d", trace_fd);
	if (setenv("ENVSAFE_TRACE_FD", number, 1) != 0)
		goto fail;
	/* The pipe's identity: a descendant that closed the descriptor and
	 * got its number back for another pipe must not write there. */
	struct stat st;
	if (fstat(trace_fd, &st) != 0)
		goto fail;
	snprintf(number, sizeof number, "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	if (setenv("ENVSAFE_TRACE_PIPE", number, 1) != 0)
		goto fail;
	/* Without --follow-children only this process (CMD after exec keeps
	 * our pid) records; the library checks the pid. */
	snprintf(number, sizeof number, "%ld", (long)getpid());
	if (follow ? unsetenv("ENVSAFE_TRACE_PID") : setenv("ENVSAFE_TRACE_PID", number, 1))
		goto fail;
	if (setenv("ENVSAFE_TRACE_VALUES", values ? "1" : "0", 1) != 0)
		goto fail;
	if (es_prepend_preload(library) != 0)
		_exit(125);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	_exit(es_exec_command(command));
fail:
	es_error_errno("trace: preparing the environment");
	_exit(125);
}

/*
 * Split what arrived into lines.  A record is at most ES_RECORD_MAX bytes
 * with its newline; anything longer is not one, so it is dropped (and
 * counted) up to the next newline instead of being cut into pieces that
 * could each pass for a record.  Returns the bytes kept for later, or
 * (size_t)-1 when out of memory.
 */
static size_t split_lines(char *buf, size_t have, int *dropping, struct lines *records)
{
	char *start = buf, *nl;
	while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
		if (*dropping)
			*dropping = 0;
		else if (keep_line(records, start, (size_t)(nl - start)) != 0)
			return (size_t)-1;
		start = nl + 1;
	}
	have -= (size_t)(start - buf);
	memmove(buf, start, have);
	if (have >= ES_RECORD_MAX) {
		if (!*dropping)
			records->overlong++;
		*dropping = 1;
		have = 0;
	}
	return have;
}

/* Read records until the pipe closes (and CMD has exited).  Without
 * --follow-children, forked children that outlive CMD may still hold the
 * pipe; they never write to it, so the trace ends with CMD. */
static int collect(int rfd, pid_t child, int follow, struct lines *records, int *status)
{
	char buf[65536];
	size_t have = 0;
	int child_done = 0, eof = 0, dropping = 0;

	while (!eof) {
		struct pollfd p = { rfd, POLLIN, 0 };
		int timeout = child_done ? (follow ? -1 : 0) : 100;
		int r = poll(&p, 1, timeout);
		if (r < 0 && errno != EINTR) {
			es_error_errno("trace: poll");
			return -1;
		}
		if (r > 0) {
			ssize_t n = read(rfd, buf + have, sizeof buf - have);
			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				es_error_errno("trace: read");
				return -1;
			}
			if (n == 0)
				eof = 1;
			if (n > 0 && (have = split_lines(buf, have + (size_t)n, &dropping, records)) == (size_t)-1) {
				es_error("trace: out of memory");
				return -1;
			}
		} else if (r == 0 && child_done && !follow) {
			break;
		}
		if (!child_done) {
			pid_t w = waitpid(child, status, WNOHANG);
			if (w == child)
				child_done = 1;
		}
	}
	/* A last line without its newline was cut short: not a record. */
	if (have && !dropping)
		records->overlong++;
	if (!child_done && waitpid(child, status, 0) != child) {
		es_error_errno("trace: waitpid");
		return -1;
	}
	return 0;
}

static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125;
}

static int demangle_only(int argc, char **argv, int first)
{
	for (int i = first; i < argc; i++) {
		char *d = trace_demangle(argv[i]);
		printf("%s\n", d ? d : argv[i]);
		free(d);
	}
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	const char *output = NULL;
	enum trace_format format = TRACE_TEXT;
	int values = 0, follow = 0, i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-')
			break;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			trace_help();
			return 0;
		} else if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) {
			if (++i == argc) {
				es_error("trace: %s needs a file name", arg);
				return 2;
			}
			output = argv[i];
		} else if (strncmp(arg, "--output=", 9) == 0) {
			output = arg + 9;
		} else if (strcmp(arg, "--format=text") == 0) {
			format = TRACE_TEXT;
		} else if (strcmp(arg, "--format=json") == 0) {
			format = TRACE_JSON;
		} else if (strncmp(arg, "--format", 8) == 0) {
			es_error("trace: --format must be text or json");
			return 2;
		} else if (strcmp(arg, "--values") == 0) {
			values = 1;
		} else if (strcmp(arg, "--follow-children") == 0) {
			follow = 1;
		} else if (strcmp(arg, "--demangle") == 0) {
			return demangle_only(argc, argv, i + 1);
		} else {
			es_error("trace: unknown option '%s' (try 'envsafe trace --help')", arg);
			return 2;
		}
	}
	if (i >= argc) {
		es_error("trace: missing command (usage: envsafe trace [OPTIONS] -- CMD [ARGS...])");
		return 2;
	}
	if (output && !*output) {
		es_error("trace: -o needs a file name");
		return 2;
	}
	if (es_secure_mode()) {
		/* The library ignores ENVSAFE_* here anyway; say so instead of
		 * producing an empty trace. */
		es_error("trace: refused in a setuid/setgid process");
		return 2;
	}

	const char *library = es_find_library();
	if (!library)
		return 125;
	FILE *out = output ? open_output(output) : stderr;
	if (!out)
		return 125;

	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		es_error_errno("trace: pipe");
		return 125;
	}
	/* Like system(3): a Ctrl-C is for the traced command; we stay to
	 * write what it did. */
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old_int, old_quit;
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		es_error_errno("trace: fork");
		return 125;
	}
	if (child == 0) {
		close(fds[0]);
		exec_traced(argv + i, fds[1], follow, values, library);
	}
	close(fds[1]);

	struct lines records = { 0 };
	int status = 0;
	int failed = collect(fds[0], child, follow, &records, &status) != 0;
	close(fds[0]);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	int result = failed ? 125 : exit_status(status);

	struct trace_output o = { .out = out, .format = format, .values = values };
	o.malformed = records.overlong;
	for (size_t k = 0; k < records.n; k++) {
		struct trace_event ev;
		if (trace_parse_record(records.v[k].p, records.v[k].len, &ev) != 0) {
			o.malformed++;
		} else {
			trace_symbolize_event(&ev);
			trace_output_event(&o, &ev);
			trace_event_free(&ev);
		}
		free(records.v[k].p);
	}
	free(records.v);
	long malformed = o.malformed;
	trace_output_summary(&o, result);
	trace_symbolize_end();
	if (malformed)
		es_error("trace: ignored %ld malformed record%s (written to the trace pipe by "
			 "something other than libenvsafe)", malformed, malformed == 1 ? "" : "s");
	if (out != stderr && out != stdout && fclose(out) != 0) {
		es_error_errno("trace: %s", output);
		if (!result)
			result = 125;
	} else if (out == stdout || out == stderr) {
		fflush(out);
	}
	return result;
}
