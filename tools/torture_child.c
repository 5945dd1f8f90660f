/* Runs one workload in a child and tells a crash from a hang from a
 * normal exit.  The child gets its own process group so that a hung
 * workload is killed together with anything it started. */
#define _GNU_SOURCE
#include "torture_child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	interrupted = sig;
}

void torture_catch_interrupts(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll must return so that the child can be killed. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

const char *torture_signal_name(int sig)
{
	static const struct { int sig; const char *name; } names[] = {
		{ SIGSEGV, "SIGSEGV" }, { SIGBUS, "SIGBUS" }, { SIGABRT, "SIGABRT" },
		{ SIGILL, "SIGILL" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
		{ SIGTERM, "SIGTERM" }, { SIGTRAP, "SIGTRAP" }, { SIGSYS, "SIGSYS" },
		{ SIGPIPE, "SIGPIPE" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
		{ SIGHUP, "SIGHUP" }, { SIGALRM, "SIGALRM" }, { SIGUSR1, "SIGUSR1" },
		{ SIGUSR2, "SIGUSR2" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
	};
	static char other[32];
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (names[i].sig == sig)
			return names[i].name;
	snprintf(other, sizeof other, "signal %d", sig);
	return other;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* LD_PRELOAD without any libenvsafe entry, or NULL if nothing is left. */
static char *preload_without_library(const char *list)
{
	if (!list)
		return NULL;
	char *out = malloc(strlen(list) + 1);
	if (!out)
		return NULL;
	size_t used = 0;
	while (*list) {
		list += strspn(list, " :");
		size_t len = strcspn(list, " :");
		if (!len)
			break;
		const char *slash = memrchr(list, '/', len);
		const char *base = slash ? slash + 1 : list;
		size_t base_len = len - (size_t)(base - list);
		if (!(base_len >= 10 && memcmp(base, "libenvsafe", 10) == 0)) {
			if (used)
				out[used++] = ':';
			memcpy(out + used, list, len);
			used += len;
		}
		list += len;
	}
	out[used] = '\0';
	if (!used) {
		free(out);
		return NULL;
	}
	return out;
}

extern char **environ;

static void drop_envsafe_settings(void)
{
	char name[256];
	int removed;
	do {
		removed = 0;
		for (char **e = environ; *e; e++) {
			size_t len = strcspn(*e, "=");
			if (strncmp(*e, "ENVSAFE_", 8) != 0 || len >= sizeof name)
				continue;
			memcpy(name, *e, len);
			name[len] = '\0';
			/* environ changes under us: start the walk again. */
			unsetenv(name);
			removed = 1;
			break;
		}
	} while (removed);
}

/* In the child: never returns. */
static void exec_workload(char **argv, int progress_slot, int progress_fd, int output_fd,
			  const char *preload)
{
	setpgid(0, 0);
	/* A crash is the expected outcome on stock libc; a core file per run
	 * would only cost time and disk. */
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);

	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0 && devnull != STDIN_FILENO) {
		dup2(devnull, STDIN_FILENO);
		close(devnull);
	}
	dup2(output_fd, STDOUT_FILENO);
	dup2(output_fd, STDERR_FILENO);
	/* F_DUPFD leaves close-on-exec clear, unlike the pipe's own fd. */
	int inherited = fcntl(progress_fd, F_DUPFD, 10);
	char fd_text[16];
	snprintf(fd_text, sizeof fd_text, "%d", inherited);
	argv[progress_slot] = fd_text;

	/* The runs measure the library as shipped: strict mode would abort
	 * the protected run on its first write, and tracing would log
	 * millions of them. */
	drop_envsafe_settings();
	if (preload) {
		if (es_prepend_preload(preload) != 0)
			_exit(127);
	} else {
		char *rest = preload_without_library(getenv("LD_PRELOAD"));
		if (rest)
			setenv("LD_PRELOAD", rest, 1);
		else
			unsetenv("LD_PRELOAD");
	}
	execv(argv[0], argv);
	es_error_errno("cannot run %s", argv[0]);
	_exit(127);
}

/* Line splitter for one pipe. */
struct line_reader {
	int fd;
	int open;
	size_t used;
	char buf[512];
};

/* Reads what is available, up to a bound so that a workload flooding its
 * output cannot keep the watchdog from looking at the clock; calls LINE
 * for each complete line.  Lines that overflow the buffer are cut, never
 * merged with the next one. */
static int read_lines(struct line_reader *r, void (*line)(void *ctx, char *text), void *ctx)
{
	for (int reads = 0; r->open; reads++) {
		if (reads == 64)
			return 1; /* more may be waiting */
		ssize_t n = read(r->fd, r->buf + r->used, sizeof r->buf - 1 - r->used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			r->open = 0;
			if (r->used) {
				r->buf[r->used] = '\0';
				line(ctx, r->buf);
				r->used = 0;
			}
			return 0;
		}
		r->used += (size_t)n;
		char *start = r->buf, *nl;
		while ((nl = memchr(start, '\n', r->used - (size_t)(start - r->buf)))) {
			*nl = '\0';
			line(ctx, start);
			start = nl + 1;
		}
		size_t rest = r->used - (size_t)(start - r->buf);
		memmove(r->buf, start, rest);
		r->used = rest;
		if (r->used == sizeof r->buf - 1) {
			r->buf[r->used] = '\0';
			line(ctx, r->buf);
			r->used = 0;
		}
	}
	return 0;
}

struct watch {
	struct torture_result *result;
	double last_change;
	int have_summary;
};

static void progress_line(void *ctx, char *text)
{
	struct watch *w = ctx;
	unsigned long long reads, writes;
	/* The summary line has the final counts; a progress line read after
	 * it was written before it. */
	if (w->have_summary || sscanf(text, "progress %llu %llu", &reads, &writes) != 2)
		return;
	if (reads != w->result->reads || writes != w->result->writes) {
		w->result->reads = reads;
		w->result->writes = writes;
		w->last_change = now_seconds();
	}
}

static void output_line(void *ctx, char *text)
{
	struct watch *w = ctx;
	unsigned long long reads, writes, misses;
	if (strncmp(text, "mode=", 5) == 0) {
		const char *r = strstr(text, " reads="), *wr = strstr(text, " writes="),
			   *m = strstr(text, " misses=");
		if (r && wr && m && sscanf(r, " reads=%llu", &reads) == 1 &&
		    sscanf(wr, " writes=%llu", &writes) == 1 && sscanf(m, " misses=%llu", &misses) == 1) {
			w->result->reads = reads;
			w->result->writes = writes;
			w->result->misses = misses;
			w->have_summary = 1;
			return;
		}
	}
	/* Keep the head of a long line: cutting it is intended, which
	 * memcpy says without snprintf's -Wformat-truncation on gcc 14+. */
	if (*text) {
		size_t n = strnlen(text, sizeof w->result->last_output - 1);
		memcpy(w->result->last_output, text, n);
		w->result->last_output[n] = '\0';
	}
}

static void classify(int status, int we_killed, struct torture_result *result)
{
	if (WIFSIGNALED(status)) {
		if (we_killed && WTERMSIG(status) == SIGKILL) {
			result->outcome = TORTURE_HUNG;
		} else {
			result->outcome = TORTURE_CRASHED;
			result->signal = WTERMSIG(status);
		}
	} else if (WIFEXITED(status)) {
		result->exit_status = WEXITSTATUS(status);
		if (result->exit_status == 0)
			result->outcome = TORTURE_SURVIVED;
		else if (result->exit_status == 1)
			result->outcome = TORTURE_MISSES;
		else
			result->outcome = TORTURE_FAILED;
	}
}

int torture_run_child(char **argv, int progress_slot, const char *preload,
		      double seconds, const struct torture_limits *limits,
		      struct torture_result *result)
{
	memset(result, 0, sizeof *result);
	result->outcome = TORTURE_FAILED;
	result->exit_status = -1;

	int progress_pipe[2], output_pipe[2];
	if (pipe2(progress_pipe, O_CLOEXEC) != 0)
		goto no_start;
	if (pipe2(output_pipe, O_CLOEXEC) != 0) {
		close(progress_pipe[0]);
		close(progress_pipe[1]);
		goto no_start;
	}
	fflush(NULL);
	double start = now_seconds();
	pid_t pid = fork();
	if (pid < 0) {
		close(progress_pipe[0]);
		close(progress_pipe[1]);
		close(output_pipe[0]);
		close(output_pipe[1]);
		goto no_start;
	}
	if (pid == 0)
		exec_workload(argv, progress_slot, progress_pipe[1], output_pipe[1], preload);
	/* Also set here: whichever of parent and child runs first, the group
	 * exists before we might signal it. */
	setpgid(pid, pid);
	close(progress_pipe[1]);
	close(output_pipe[1]);
	fcntl(progress_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(output_pipe[0], F_SETFL, O_NONBLOCK);

	struct line_reader progress = { .fd = progress_pipe[0], .open = 1 };
	struct line_reader output = { .fd = output_pipe[0], .open = 1 };
	struct watch watch = { .result = result, .last_change = start };
	int status = 0, we_killed = 0, reaped = 0;

	while (!reaped) {
		struct pollfd fds[2];
		nfds_t nfds = 0;
		if (progress.open)
			fds[nfds++] = (struct pollfd){ .fd = progress.fd, .events = POLLIN };
		if (output.open)
			fds[nfds++] = (struct pollfd){ .fd = output.fd, .events = POLLIN };
		/* The pipes hang up the moment the child dies, so the short
		 * timeout only matters for checking the clocks. */
		if (nfds)
			poll(fds, nfds, 50);
		else
			usleep(20000);
		read_lines(&progress, progress_line, &watch);
		read_lines(&output, output_line, &watch);

		pid_t done = waitpid(pid, &status, WNOHANG);
		if (done == pid) {
			reaped = 1;
			break;
		}
		double now = now_seconds();
		if (interrupted) {
			killpg(pid, SIGKILL);
			waitpid(pid, &status, 0);
			close(progress.fd);
			close(output.fd);
			return -1;
		}
		if (now - watch.last_change > limits->stall_seconds ||
		    now - start > seconds + limits->overrun_seconds) {
			killpg(pid, SIGKILL);
			we_killed = 1;
			waitpid(pid, &status, 0);
			reaped = 1;
		}
	}
	result->seconds = now_seconds() - start;
	/* Everything the child wrote is in the pipes now; the bound only
	 * matters if something it started keeps writing. */
	for (int rounds = 0; rounds < 1000 && read_lines(&progress, progress_line, &watch); rounds++)
		;
	for (int rounds = 0; rounds < 1000 && read_lines(&output, output_line, &watch); rounds++)
		;
	close(progress.fd);
	close(output.fd);
	classify(status, we_killed, result);
	if (result->outcome == TORTURE_MISSES && !watch.have_summary)
		result->outcome = TORTURE_FAILED;
	return 0;

no_start:
	es_error_errno("torture: cannot start the workload");
	return 0;
}
