/*
 * envsafe-stress - run one concurrent environment workload for a while
 * and report what the readers saw.
 *
 *   envsafe-stress --mode MODE [--seconds S] [--threads N]
 *                  [--progress-fd FD] [--quiet]
 *   envsafe-stress --list
 *
 * Linked against the C library only: run it as-is to watch the C
 * library fail, or with LD_PRELOAD=libenvsafe.so to check the library.
 * The last line on stdout is always
 *   mode=M reads=N writes=N misses=N seconds=F
 * Exit status: 0 clean, 1 a reader missed a variable or saw a wrong
 * value (the run ends at the first one), 2 usage error.  A crash is left to kill the process: no signal
 * handler hides it.
 */
#define _GNU_SOURCE
#include "stress.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern const struct stress_mode stress_mode_growth, stress_mode_strerror,
	stress_mode_localtime, stress_mode_getaddrinfo, stress_mode_walkers,
	stress_mode_nomiss, stress_mode_putenv, stress_mode_clearenv;

const struct stress_mode *const stress_modes[] = {
	&stress_mode_growth, &stress_mode_strerror, &stress_mode_localtime,
	&stress_mode_getaddrinfo, &stress_mode_walkers, &stress_mode_nomiss,
	&stress_mode_putenv, &stress_mode_clearenv,
};
const size_t stress_mode_count = sizeof stress_modes / sizeof stress_modes[0];

#define MAX_READERS 256

struct worker {
	pthread_t thread;
	struct thread_arg arg;
	const struct stress_mode *mode;
	int is_writer;
};

static void *worker_main(void *p)
{
	struct worker *wk = p;
	struct tally t = { 0, 0, 0 };
	while (!stress_stopping()) {
		if (wk->is_writer)
			wk->mode->writer(&wk->arg, &t);
		else
			wk->mode->reader(&wk->arg, &t);
		tally_flush(&t);
	}
	return NULL;
}

static __attribute__((noreturn, format(printf, 1, 2))) void usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("envsafe-stress: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try --list; usage: envsafe-stress --mode MODE [--seconds S] [--threads N] [--progress-fd FD] [--quiet])\n", stderr);
	exit(2);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_seconds(double s)
{
	struct timespec ts;
	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void write_progress(int fd)
{
	unsigned long r, w, m;
	char line[80];
	int n;
	stress_totals(&r, &w, &m);
	n = snprintf(line, sizeof line, "progress %lu %lu\n", r, w);
	/* A parent that stopped listening is no reason to stop the run. */
	if (write(fd, line, (size_t)n) < 0)
		return;
}

/* Which implementation of the environment functions this run uses. */
static const char *provider(void)
{
	const char *(*version)(void);
	*(void **)&version = dlsym(RTLD_DEFAULT, "envsafe_version");
	return version ? "libenvsafe" : "libc";
}

static const struct stress_mode *find_mode(const char *name)
{
	for (size_t i = 0; i < stress_mode_count; i++)
		if (strcmp(stress_modes[i]->name, name) == 0)
			return stress_modes[i];
	return NULL;
}

static const char *option_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		usage_error("%s needs a value", argv[*i]);
	return argv[++*i];
}

int main(int argc, char **argv)
{
	const struct stress_mode *mode = NULL;
	double seconds = 2.0, start, elapsed;
	long readers = 2, progress_fd = -1;
	unsigned nthreads, i;
	struct worker *workers;
	unsigned long reads, writes, misses;

	for (int a = 1; a < argc; a++) {
		const char *opt = argv[a], *v;
		char *end;
		if (strcmp(opt, "--list") == 0) {
			for (size_t m = 0; m < stress_mode_count; m++)
				printf("%s\n", stress_modes[m]->name);
			return 0;
		} else if (strcmp(opt, "--quiet") == 0) {
			stress_quiet = 1;
		} else if (strcmp(opt, "--mode") == 0) {
			v = option_value(argc, argv, &a);
			mode = find_mode(v);
			if (mode == NULL)
				usage_error("unknown mode '%s'", v);
		} else if (strcmp(opt, "--seconds") == 0) {
			v = option_value(argc, argv, &a);
			errno = 0;
			seconds = strtod(v, &end);
			if (errno || end == v || *end || !(seconds > 0 && seconds <= 86400))
				usage_error("--seconds wants a number in (0, 86400], not '%s'", v);
		} else if (strcmp(opt, "--threads") == 0) {
			v = option_value(argc, argv, &a);
			errno = 0;
			readers = strtol(v, &end, 10);
			if (errno || end == v || *end || readers < 1 || readers > MAX_READERS)
				usage_error("--threads wants 1..%d, not '%s'", MAX_READERS, v);
		} else if (strcmp(opt, "--progress-fd") == 0) {
			v = option_value(argc, argv, &a);
			errno = 0;
			progress_fd = strtol(v, &end, 10);
			if (errno || end == v || *end || progress_fd < 0 || progress_fd > INT_MAX)
				usage_error("--progress-fd wants a file descriptor, not '%s'", v);
		} else {
			usage_error("unknown argument '%s'", opt);
		}
	}
	if (mode == NULL)
		usage_error("--mode is required");

	if (mode->setup() != 0) {
		fprintf(stderr, "envsafe-stress: setting up mode %s failed\n", mode->name);
		return 1;
	}
	if (!stress_quiet)
		fprintf(stderr, "envsafe-stress: mode=%s readers=%ld writers=%u seconds=%g provider=%s (%s)\n",
			mode->name, readers, mode->writers, seconds, provider(), mode->summary);

	nthreads = (unsigned)readers + mode->writers;
	workers = calloc(nthreads, sizeof *workers);
	if (workers == NULL) {
		fprintf(stderr, "envsafe-stress: out of memory\n");
		return 1;
	}
	start = now_seconds();
	for (i = 0; i < nthreads; i++) {
		struct worker *wk = &workers[i];
		int rc;
		wk->mode = mode;
		wk->is_writer = i < mode->writers;
		wk->arg.index = wk->is_writer ? i : i - mode->writers;
		wk->arg.seed = 0x9E3779B97F4A7C15ULL * (i + 1) ^ (uint64_t)getpid();
		rc = pthread_create(&wk->thread, NULL, worker_main, wk);
		if (rc != 0) {
			fprintf(stderr, "envsafe-stress: pthread_create: %s\n", strerror(rc));
			return 1;
		}
	}

	for (;;) {
		double left = seconds - (now_seconds() - start);
		if (left <= 0 || stress_stopping())
			break;
		sleep_seconds(left < 0.1 ? left : 0.1);
		if (progress_fd >= 0)
			write_progress((int)progress_fd);
	}
	stress_request_stop();
	for (i = 0; i < nthreads; i++)
		pthread_join(workers[i].thread, NULL);
	elapsed = now_seconds() - start;
	free(workers);

	stress_totals(&reads, &writes, &misses);
	if (progress_fd >= 0)
		write_progress((int)progress_fd);
	printf("mode=%s reads=%lu writes=%lu misses=%lu seconds=%.3f\n",
	       mode->name, reads, writes, misses, elapsed);
	fflush(stdout);
	return misses ? 1 : 0;
}
