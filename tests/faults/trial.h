/*
 * trial.h - what both allocation-failure tests share: run one operation
 * in a forked child (so every trial starts from the same library state
 * and the same allocation count), with a reader thread running
 * throughout, and compare the environment afterwards with a model.
 */
#ifndef FAULTS_TRIAL_H
#define FAULTS_TRIAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../fuzz/model.h"
#include "tap.h"

extern char **environ;

/* A name nobody changes during a trial: the reader must always find it. */
#define STABLE_NAME "FAULTS_STABLE"
#define STABLE_VALUE "kept"

/*
 * The reader: walks environ (every entry must be a readable string up to
 * a NULL), looks up the stable name (must never miss) and the name under
 * change (must show one of the allowed values, or nothing if allowed).
 */
struct reader {
	pthread_t thread;
	const char *name;       /* the name the operation changes, or NULL */
	const char *allowed[2]; /* values the reader may see for it */
	int absent_ok;          /* may it be unset? */
	atomic_long rounds;
	atomic_int stop;
	atomic_int bad;
	char why[160];
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	/* Relaxed (stop, rounds, bad): flags and counters, no data is handed
	 * over through them; the joining thread reads why after pthread_join. */
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		size_t n = 0;
		for (char **e = environ; e && *e; e++)
			n += strlen(*e);
		(void)n;
		const char *s = getenv(STABLE_NAME);
		if (!s || strcmp(s, STABLE_VALUE) != 0) {
			snprintf(r->why, sizeof r->why, "reader: %s is %s", STABLE_NAME, s ? s : "missing");
			atomic_store_explicit(&r->bad, 1, memory_order_relaxed);
			break;
		}
		if (r->name) {
			const char *v = getenv(r->name);
			int ok = v ? (r->allowed[0] && strcmp(v, r->allowed[0]) == 0) ||
					     (r->allowed[1] && strcmp(v, r->allowed[1]) == 0)
				   : r->absent_ok;
			if (!ok) {
				snprintf(r->why, sizeof r->why, "reader: %s is %s%s", r->name, v ? "=" : "",
					 v ? v : "missing");
				atomic_store_explicit(&r->bad, 1, memory_order_relaxed);
				break;
			}
		}
		atomic_fetch_add_explicit(&r->rounds, 1, memory_order_relaxed);
	}
	return NULL;
}

static void reader_start(struct reader *r)
{
	atomic_init(&r->rounds, 0);
	atomic_init(&r->stop, 0);
	atomic_init(&r->bad, 0);
	r->why[0] = '\0';
	if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
		printf("# cannot create the reader thread\n");
		_exit(3);
	}
	/* Let it be inside its loop before the operation starts. */
	while (atomic_load_explicit(&r->rounds, memory_order_relaxed) < 50 &&
	       !atomic_load_explicit(&r->bad, memory_order_relaxed))
		sched_yield();
}

/* Returns 0 if the reader saw nothing wrong. */
static int reader_stop(struct reader *r)
{
	long at_stop = atomic_load_explicit(&r->rounds, memory_order_relaxed);
	while (atomic_load_explicit(&r->rounds, memory_order_relaxed) < at_stop + 50 &&
	       !atomic_load_explicit(&r->bad, memory_order_relaxed))
		sched_yield();
	atomic_store_explicit(&r->stop, 1, memory_order_relaxed);
	pthread_join(r->thread, NULL);
	if (atomic_load_explicit(&r->bad, memory_order_relaxed)) {
		printf("# %s\n", r->why);
		return 1;
	}
	return 0;
}

/* The model of the environment as it is now: every entry a copy. */
static void capture(struct model *m)
{
	m->n = 0;
	for (char **e = environ; e && *e && m->n < MODEL_MAX; e++) {
		m->e[m->n].ext = NULL;
		snprintf(m->e[m->n].text, MODEL_TEXT, "%s", *e);
		m->n++;
	}
}

/* 0 if environ and getenv of NAMES agree with M. */
static int same_environment(const struct model *m, const char *const *names)
{
	char why[256];
	if (!model_matches(m, environ, why, sizeof why)) {
		printf("# environ: %s\n", why);
		return 1;
	}
	for (; *names; names++) {
		const char *v = getenv(*names);
		if (!model_accepts(m, *names, v)) {
			printf("# getenv(\"%s\") = %s\n", *names, v ? v : "NULL");
			return 1;
		}
	}
	return 0;
}

/* Run FN(ARG) in a child; its exit status (or 128 + signal). */
static int in_child(int (*fn)(void *), void *arg)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		printf("Bail out! fork failed\n");
		exit(255);
	}
	if (pid == 0) {
		/* A hung trial dies by SIGALRM and is reported. */
		alarm((unsigned)(20 * tap_time_scale()));
		int r = fn(arg);
		fflush(stdout);
		_exit(r);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return 255;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

#endif
