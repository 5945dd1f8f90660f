/*
 * trace_app - the traced program of the trace and strict tests.
 *
 *   trace_app threads   4 threads; worker 0 calls the plugin's setenv while
 *                       the other three are alive (they wait on a barrier)
 *   trace_app single    one setenv, no other thread
 *   trace_app ops       one of each mutation, single-threaded, including
 *                       an assignment to environ
 *   trace_app family    single-threaded setenv, then a forked child's setenv,
 *                       then an exec'd child (`trace_app single`)
 *   trace_app after     like threads, then prints "continued" on stdout
 *   trace_app long      a 300-byte name and a 2000-byte value, set from 60
 *                       nested calls (every record limit at once)
 *   trace_app storm     4 threads, 250 setenvs each, all at the same time
 *
 * Exit status 0 when every call succeeded.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int plugin_configure(void);

extern char **environ;

static pthread_barrier_t all_started, configured;
static int failures;

static void *worker(void *arg)
{
	long id = (long)arg;
	pthread_barrier_wait(&all_started);
	if (id == 0 && plugin_configure() != 0)
		failures++;
	pthread_barrier_wait(&configured);
	return NULL;
}

static int run_threads(void)
{
	pthread_t t[4];
	pthread_barrier_init(&all_started, NULL, 4);
	pthread_barrier_init(&configured, NULL, 4);
	for (long i = 0; i < 4; i++) {
		if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
			return 1;
		char name[16];
		snprintf(name, sizeof name, "worker-%ld", i);
		pthread_setname_np(t[i], name);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return failures;
}

static int run_ops(void)
{
	static char put[] = "TRACE_PUT=1";
	static char *replacement[] = { (char *)"TRACE_REPLACED=1", NULL };
	int bad = 0;
	bad |= setenv("TRACE_SET", "v", 1);
	bad |= putenv(put);
	bad |= unsetenv("TRACE_SET");
	bad |= clearenv();
	environ = replacement;
	bad |= setenv("TRACE_AFTER_REPLACE", "v", 1);
	return bad != 0;
}

/* Recursion the compiler cannot flatten, so each level is a frame. */
__attribute__((noinline)) static int nested(int depth, const char *name, const char *value)
{
	if (depth == 0)
		return setenv(name, value, 1);
	int r = nested(depth - 1, name, value);
	__asm__ volatile("" ::: "memory");
	return r;
}

static int run_long(void)
{
	char name[301], value[2001];
	memset(name, 'N', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	memset(value, 'v', sizeof value - 1);
	value[sizeof value - 1] = '\0';
	return nested(60, name, value) != 0;
}

static void *storm_worker(void *arg)
{
	char name[32];
	snprintf(name, sizeof name, "STORM_%ld", (long)arg);
	pthread_barrier_wait(&all_started);
	for (int i = 0; i < 250; i++)
		if (setenv(name, i & 1 ? "odd" : "even", 1) != 0)
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED); /* a count, nothing to order */
	return NULL;
}

static int run_storm(void)
{
	pthread_t t[4];
	pthread_barrier_init(&all_started, NULL, 4);
	for (long i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, storm_worker, (void *)i) != 0)
			return 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return failures != 0;
}

static int run_family(const char *self)
{
	if (setenv("TRACE_PARENT", "p", 1) != 0)
		return 1;
	fflush(NULL);
	pid_t child = fork();
	if (child == 0)
		_exit(setenv("TRACE_FORKED", "f", 1) != 0);
	int status;
	if (child < 0 || waitpid(child, &status, 0) != child || status != 0)
		return 1;
	child = fork();
	if (child == 0) {
		execl(self, self, "single", (char *)NULL);
		_exit(127);
	}
	if (child < 0 || waitpid(child, &status, 0) != child || status != 0)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "threads";
	if (strcmp(mode, "threads") == 0)
		return run_threads();
	if (strcmp(mode, "after") == 0) {
		int r = run_threads();
		printf("continued\n");
		return r;
	}
	if (strcmp(mode, "single") == 0)
		return setenv("TRACE_SINGLE", "s", 1) != 0;
	if (strcmp(mode, "ops") == 0)
		return run_ops();
	if (strcmp(mode, "long") == 0)
		return run_long();
	if (strcmp(mode, "storm") == 0)
		return run_storm();
	if (strcmp(mode, "family") == 0)
		return run_family(argv[0]);
	fprintf(stderr, "trace_app: unknown mode %s\n", mode);
	return 2;
}
