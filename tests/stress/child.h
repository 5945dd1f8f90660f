/*
 * child.h - run one test worker in a child process under a watchdog, for
 * the C concurrency tests.  The worker may crash, hang or fail; the
 * harness only ever learns which, and says so in TAP.
 */
#ifndef ENVSAFE_STRESS_CHILD_H
#define ENVSAFE_STRESS_CHILD_H

#define _GNU_SOURCE

/* How many runs on the stock C library may pass before its failure is
 * reported as a TODO: a race strikes by chance, and on glibc 2.41+ only
 * some of the failures it shows below 2.41 remain. */
#define STOCK_ATTEMPTS 3
#define STOCK_ATTEMPTS_TEXT "3"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stock.h"
#include "tap.h"

struct child_result {
	int hung;		/* killed by the watchdog */
	int status;		/* from waitpid, when not hung */
	double seconds;
	char output[4096];	/* the worker's stdout, truncated */
};

static double child_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * child_run - run ARGV[0] with ARGV, LD_PRELOAD set to PRELOAD, removed
 * when PRELOAD is "", or on the stock C library when PRELOAD is NULL
 * (tests/stock.h: exit 125 and a message on stderr when that is
 * impossible), for at most TIMEOUT seconds (times ES_TEST_TIME_SCALE).  Returns -1 if the
 * child could not be started.
 */
__attribute__((unused))
static int child_run(char *const argv[], const char *preload, double timeout,
		     struct child_result *r)
{
	int out[2];
	size_t used = 0;
	double start = child_now();
	pid_t pid;

	memset(r, 0, sizeof *r);
	if (pipe(out) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* The harness is single-threaded, so the child may use the
		 * environment functions before exec. */
		char why[1024];
		if (preload && *preload)
			setenv("LD_PRELOAD", preload, 1);
		else if (preload)
			unsetenv("LD_PRELOAD");
		else if (es_stock_prepare(why, sizeof why) != 0) {
			fprintf(stderr, "%s: %s\n", argv[0], why);
			_exit(125);
		}
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		struct timespec tick = { 0, 10 * 1000 * 1000 };
		ssize_t got;
		pid_t done;
		while ((got = read(out[0], r->output + used, sizeof r->output - 1 - used)) > 0)
			used += (size_t)got;
		done = waitpid(pid, &r->status, WNOHANG);
		if (done == pid)
			break;
		if (child_now() - start > timeout * tap_time_scale()) {
			kill(pid, SIGKILL);
			waitpid(pid, &r->status, 0);
			r->hung = 1;
			break;
		}
		nanosleep(&tick, NULL);
	}
	while (used < sizeof r->output - 1) {
		ssize_t got = read(out[0], r->output + used, sizeof r->output - 1 - used);
		if (got <= 0)
			break;
		used += (size_t)got;
	}
	r->output[used] = '\0';
	close(out[0]);
	r->seconds = child_now() - start;
	return 0;
}

__attribute__((unused))
static int child_exited_ok(const struct child_result *r)
{
	return !r->hung && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

static const char *child_signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SEGV";
	case SIGBUS: return "BUS";
	case SIGABRT: return "ABRT";
	case SIGALRM: return "ALRM";
	case SIGKILL: return "KILL";
	case SIGILL: return "ILL";
	case SIGFPE: return "FPE";
	case SIGTERM: return "TERM";
	case SIGPIPE: return "PIPE";
	default: return NULL;
	}
}

/* "exit 0", "exit 1", "killed by SIGSEGV", "hung". */
__attribute__((unused))
static const char *child_describe(const struct child_result *r, char *buf, size_t len)
{
	if (r->hung)
		snprintf(buf, len, "hung (killed by the watchdog after %.1fs)", r->seconds);
	else if (WIFSIGNALED(r->status))
		snprintf(buf, len, "killed by SIG%s (%d) after %.2fs",
			 child_signal_name(WTERMSIG(r->status)) ? child_signal_name(WTERMSIG(r->status)) : "?",
			 WTERMSIG(r->status), r->seconds);
	else
		snprintf(buf, len, "exit %d after %.2fs", WEXITSTATUS(r->status), r->seconds);
	return buf;
}

/* The last line of the worker's output, without its newline. */
__attribute__((unused))
static const char *child_last_line(struct child_result *r)
{
	size_t n = strlen(r->output);
	while (n > 0 && r->output[n - 1] == '\n')
		r->output[--n] = '\0';
	while (n > 0 && r->output[n - 1] != '\n')
		n--;
	return r->output + n;
}

#endif
