/*
 * race.c - every kind of reader the library promises to keep safe, racing
 * every kind of writer, for a short time.
 *
 * It is built against each checked flavour of the library (ThreadSanitizer,
 * AddressSanitizer, valgrind, aarch64 under qemu, musl static and
 * preloaded), so that the flavour's checker watches the publication
 * protocol under load.  On its own it asserts what the header promises:
 * a variable nobody changes is never missed (by getenv, getenv_r, a walk
 * of environ, a signal handler, a forked child), and nothing read through
 * environ is ever malformed.
 *
 * Usage: race [SECONDS]   (default 1, fractions allowed).  Prints TAP.
 *
 * The environ walkers here load with acquire, as the library's own walker
 * does: a plain loop is also safe on the supported architectures (see
 * envsafe.h), but ThreadSanitizer would rightly call it a data race.
 */
#define _GNU_SOURCE
#include <envsafe.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

extern char **environ;

#define STABLE_NAME "ES_RACE_STABLE"
#define STABLE_VALUE "steady"
#define CHURN_NAMES 16
#define GROW_NAMES 300
#define READERS 2
#define WRITERS 2

/* putenv strings stay ours and are never edited: the race this test is
 * about is the library's, not the program's. */
static char putenv_strings[CHURN_NAMES][32];

/* Phase flags and counters.  Relaxed everywhere: the counters are only
 * summed after every thread is joined (join orders them), and the flags
 * only decide when a loop ends. */
static atomic_int phase_over;
static atomic_int clearing; /* phase B: the stable variable may vanish */
static atomic_long reads, misses, malformed, walks, walk_misses;
static atomic_long snapshots, snapshot_bad, writes, libc_reads;
static atomic_long signals_handled, signal_misses;
static atomic_long forks, fork_failures, replacements;

static int churn_value_ok(const char *v)
{
	/* setenv stores "v0".."v7"; putenv strings hold "p". */
	return (v[0] == 'v' && v[1] >= '0' && v[1] <= '7' && v[2] == '\0') ||
	       (v[0] == 'p' && v[1] == '\0');
}

static int stable_expected(void)
{
	return !atomic_load_explicit(&clearing, memory_order_relaxed);
}

static void count(atomic_long *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* A walk of environ as any program may do it. */
static void walk_environ(void)
{
	/* Acquire on environ and on every slot: the string's bytes must be
	 * visible before we read them (the library stores with release). */
	char **env = __atomic_load_n(&environ, __ATOMIC_ACQUIRE);
	int found = 0;

	for (char *s; (s = __atomic_load_n(env, __ATOMIC_ACQUIRE)) != NULL; env++) {
		const char *eq = strchr(s, '=');
		if (!eq || eq == s)
			count(&malformed);
		else if (strncmp(s, STABLE_NAME "=", sizeof STABLE_NAME) == 0)
			found |= strcmp(eq + 1, STABLE_VALUE) == 0 ? 1 : 2;
		else if (strncmp(s, "ES_RACE_", 8) == 0 && s[8] >= '0' && s[8] <= '9' &&
			 !churn_value_ok(eq + 1))
			count(&malformed);
	}
	count(&walks);
	if (found & 2)
		count(&malformed);
	if (!(found & 1) && stable_expected())
		count(&walk_misses);
}

static void check_snapshot(void)
{
	envsafe_snapshot *snap = envsafe_snapshot_take();
	if (!snap) {
		count(&snapshot_bad);
		return;
	}
	size_t n = 0;
	for (char *const *p = envsafe_snapshot_envp(snap); *p; p++)
		n++;
	const char *v = envsafe_snapshot_get(snap, STABLE_NAME);
	if (n != envsafe_snapshot_count(snap) ||
	    (stable_expected() && (!v || strcmp(v, STABLE_VALUE) != 0)))
		count(&snapshot_bad);
	envsafe_snapshot_release(snap);
	count(&snapshots);
}

static void *reader(void *arg)
{
	char buf[64];
	unsigned long i = 0;
	(void)arg;

	while (!atomic_load_explicit(&phase_over, memory_order_relaxed)) {
		const char *v = getenv(STABLE_NAME);
		if ((!v || strcmp(v, STABLE_VALUE) != 0) && stable_expected())
			count(&misses);
		if (getenv_r(STABLE_NAME, buf, sizeof buf) != 0) {
			if (stable_expected())
				count(&misses);
		} else if (strcmp(buf, STABLE_VALUE) != 0) {
			count(&malformed);
		}
		if ((v = secure_getenv(STABLE_NAME)) == NULL && stable_expected())
			count(&misses);

		char name[16];
		snprintf(name, sizeof name, "ES_RACE_%lu", i % CHURN_NAMES);
		v = getenv(name);
		if (v && !churn_value_ok(v))
			count(&malformed);
		atomic_fetch_add_explicit(&reads, 4, memory_order_relaxed);

		if (i % 16 == 0)
			walk_environ();
		/* Not in phase B: envsafe_snapshot_take loads environ relaxed and
		 * trusts the program to order its own environ assignment before
		 * the call, which phase B's replacing thread deliberately does not
		 * do for these readers. */
		if (i % 256 == 0 && stable_expected())
			check_snapshot();
		i++;
	}
	return NULL;
}

/* Setting, overwriting, unsetting and putenv-ing a small pool of names
 * (so writers contend for the same entries), plus a burst of new names
 * that makes the library grow its buffer while readers walk the old one. */
static void *churn_writer(void *arg)
{
	unsigned long seed = (unsigned long)(size_t)arg * 7919 + 1;
	char name[24], value[4];

	for (unsigned long i = 0; !atomic_load_explicit(&phase_over, memory_order_relaxed); i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		unsigned k = (unsigned)(seed >> 33) % CHURN_NAMES;
		snprintf(name, sizeof name, "ES_RACE_%u", k);
		switch ((seed >> 40) % 4) {
		case 0:
		case 1:
			snprintf(value, sizeof value, "v%u", (unsigned)(seed >> 50) % 8);
			if (setenv(name, value, (int)((seed >> 45) & 1)) != 0)
				tap_bail("setenv %s: %s", name, strerror(errno));
			break;
		case 2:
			if (unsetenv(name) != 0)
				tap_bail("unsetenv %s: %s", name, strerror(errno));
			break;
		default:
			if (putenv(putenv_strings[k]) != 0)
				tap_bail("putenv %s: %s", putenv_strings[k], strerror(errno));
			break;
		}
		count(&writes);
		if (arg == NULL && i % 1024 == 0) {
			for (unsigned g = 0; g < GROW_NAMES; g++) {
				snprintf(name, sizeof name, "ES_RACE_G%u", g);
				if (setenv(name, "v1", 1) != 0)
					tap_bail("setenv %s: %s", name, strerror(errno));
			}
			for (unsigned g = 0; g < GROW_NAMES; g++) {
				snprintf(name, sizeof name, "ES_RACE_G%u", g);
				unsetenv(name);
			}
			atomic_fetch_add_explicit(&writes, 2 * GROW_NAMES, memory_order_relaxed);
		}
	}
	return NULL;
}

/* Phase B: the program empties and rebuilds the environment and assigns
 * environ itself, which the library must notice and adopt.  One thread
 * does all of this and the library's writes, so the program's own stores
 * to environ are ordered before the writes that observe them. */
static void *replacing_writer(void *arg)
{
	(void)arg;
	for (unsigned long i = 0; !atomic_load_explicit(&phase_over, memory_order_relaxed); i++) {
		if (i % 8 == 0) {
			clearenv();
			setenv(STABLE_NAME, STABLE_VALUE, 1);
		}
		if (i % 8 == 4 && atomic_load_explicit(&replacements, memory_order_relaxed) < 64) {
			/* Leaked on purpose: readers may hold it, and no one can
			 * tell when they are done. */
			char **env = environ;
			size_t n = 0;
			while (env[n])
				n++;
			char **copy = malloc((n + 2) * sizeof *copy);
			if (!copy)
				tap_bail("out of memory");
			memcpy(copy, env, n * sizeof *copy);
			copy[n] = "ES_RACE_0=v0";
			copy[n + 1] = NULL;
			/* Release: readers that load this environ see the copy. */
			__atomic_store_n(&environ, copy, __ATOMIC_RELEASE);
			count(&replacements);
		}
		char name[16];
		snprintf(name, sizeof name, "ES_RACE_%lu", i % CHURN_NAMES);
		setenv(name, "v3", 1);
		if (i % 3 == 0)
			unsetenv(name);
		count(&writes);
	}
	return NULL;
}

/* The C library's own readers: strerror reads LANGUAGE under a non-C
 * LC_MESSAGES, localtime reads TZ.  They do not go through our getenv. */
static void *libc_reader(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&phase_over, memory_order_relaxed)) {
		char buf[64];
		time_t now = time(NULL);
		struct tm tm;
		tzset();
		if (!localtime_r(&now, &tm) || !strftime(buf, sizeof buf, "%F %T", &tm))
			count(&malformed);
		if (strlen(strerror(EINVAL)) == 0)
			count(&malformed);
		count(&libc_reads);
	}
	return NULL;
}

static void on_signal(int sig)
{
	int saved = errno;
	char buf[64];
	(void)sig;
	const char *v = getenv(STABLE_NAME);
	if (!v || strcmp(v, STABLE_VALUE) != 0 || getenv_r(STABLE_NAME, buf, sizeof buf) != 0)
		count(&signal_misses);
	count(&signals_handled);
	errno = saved;
}

struct targets {
	pthread_t readers[READERS];
};

static void *signaller(void *arg)
{
	struct targets *t = arg;
	struct timespec gap = { 0, 2000000 };
	for (unsigned i = 0; !atomic_load_explicit(&phase_over, memory_order_relaxed); i++) {
		pthread_kill(t->readers[i % READERS], SIGUSR1);
		nanosleep(&gap, NULL);
	}
	return NULL;
}

/* AddressSanitizer in clang 14 does not hold its allocator's locks
 * across fork, so a child of a threaded process can block forever in
 * malloc; under it the child only makes writes that allocate nothing. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHILD_MAY_ALLOCATE 0
#endif
#endif
#if !defined(CHILD_MAY_ALLOCATE) && defined(__SANITIZE_ADDRESS__)
#define CHILD_MAY_ALLOCATE 0
#endif
#ifndef CHILD_MAY_ALLOCATE
#define CHILD_MAY_ALLOCATE 1
#endif

/* fork while writers hold or want the lock: the child must be able to
 * read and write the environment.  ES_RACE_CHILD=1 is set before the
 * threads start, so setting it to the same value and unsetting it need
 * no allocation. */
static void *forker(void *arg)
{
	struct timespec gap = { 0, 10000000 };
	(void)arg;
	while (!atomic_load_explicit(&phase_over, memory_order_relaxed)) {
		pid_t pid = fork();
		if (pid < 0)
			tap_bail("fork: %s", strerror(errno));
		if (pid == 0) {
			const char *v = getenv(STABLE_NAME);
			int ok = v && strcmp(v, STABLE_VALUE) == 0;
			ok = ok && setenv("ES_RACE_CHILD", "1", 1) == 0;
			v = getenv("ES_RACE_CHILD");
			ok = ok && v && strcmp(v, "1") == 0;
			ok = ok && unsetenv("ES_RACE_CHILD") == 0 && getenv("ES_RACE_CHILD") == NULL;
			if (CHILD_MAY_ALLOCATE) {
				ok = ok && setenv("ES_RACE_CHILD_NEW", "2", 1) == 0;
				v = getenv("ES_RACE_CHILD_NEW");
				ok = ok && v && strcmp(v, "2") == 0;
			}
			_exit(ok ? 0 : 1);
		}
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			count(&fork_failures);
		count(&forks);
		nanosleep(&gap, NULL);
	}
	return NULL;
}

static void run_for(double seconds)
{
	struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int err = pthread_create(t, NULL, fn, arg);
	if (err)
		tap_bail("pthread_create: %s", strerror(err));
}

static long get(atomic_long *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	if (seconds <= 0)
		tap_bail("usage: race [SECONDS]");

	/* strerror consults LANGUAGE only under a non-C message locale. */
	if (!setlocale(LC_ALL, "C.UTF-8"))
		tap_diag("C.UTF-8 locale unavailable; strerror will not read LANGUAGE");
	for (unsigned k = 0; k < CHURN_NAMES; k++)
		snprintf(putenv_strings[k], sizeof putenv_strings[k], "ES_RACE_%u=p", k);

	/* The library is the one answering: new names go to the front of
	 * environ (the C library appends them). */
	if (setenv("ES_RACE_CHILD", "1", 1) != 0 || setenv(STABLE_NAME, STABLE_VALUE, 1) != 0)
		tap_bail("setenv: %s", strerror(errno));
	tap_ok(strcmp(environ[0], STABLE_NAME "=" STABLE_VALUE) == 0 && envsafe_version() != NULL,
	       "libenvsafe %s provides setenv (new names at the front of environ)",
	       envsafe_version());

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	/* Phase A: the stable variable is never touched. */
	struct targets t;
	pthread_t writers[WRITERS], libc_thread, signal_thread, fork_thread;
	for (int i = 0; i < READERS; i++)
		spawn(&t.readers[i], reader, NULL);
	for (int i = 0; i < WRITERS; i++)
		spawn(&writers[i], churn_writer, i ? (void *)(size_t)i : NULL);
	spawn(&libc_thread, libc_reader, NULL);
	spawn(&signal_thread, signaller, &t);
	spawn(&fork_thread, forker, NULL);
	run_for(seconds * 0.7);
	atomic_store_explicit(&phase_over, 1, memory_order_relaxed);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(writers[i], NULL);
	pthread_join(libc_thread, NULL);
	pthread_join(signal_thread, NULL);
	pthread_join(fork_thread, NULL);
	for (int i = 0; i < READERS; i++)
		pthread_join(t.readers[i], NULL);

	tap_diag("phase A: %ld reads, %ld writes, %ld walks, %ld snapshots, %ld libc reads, "
		 "%ld signals, %ld forks",
		 get(&reads), get(&writes), get(&walks), get(&snapshots), get(&libc_reads),
		 get(&signals_handled), get(&forks));
	tap_ok(get(&reads) > 0 && get(&misses) == 0, "getenv/getenv_r/secure_getenv: %ld misses of an untouched variable",
	       get(&misses));
	tap_ok(get(&walks) > 0 && get(&walk_misses) == 0, "environ walks: %ld misses", get(&walk_misses));
	tap_ok(get(&snapshots) > 0 && get(&snapshot_bad) == 0, "snapshots: %ld inconsistent", get(&snapshot_bad));
	tap_ok(get(&signals_handled) > 0 && get(&signal_misses) == 0, "getenv in a signal handler: %ld misses",
	       get(&signal_misses));
	tap_ok(get(&forks) > 0 && get(&fork_failures) == 0, "forked children read and write: %ld failures",
	       get(&fork_failures));
	tap_ok(get(&libc_reads) > 0, "C library internal readers (strerror, localtime) ran");

	/* Phase B: clearenv and program-assigned environ, racing readers. */
	long malformed_a = get(&malformed), walks_a = get(&walks);
	atomic_store_explicit(&clearing, 1, memory_order_relaxed);
	atomic_store_explicit(&phase_over, 0, memory_order_relaxed);
	pthread_t replacer;
	for (int i = 0; i < READERS; i++)
		spawn(&t.readers[i], reader, NULL);
	spawn(&replacer, replacing_writer, NULL);
	run_for(seconds * 0.3);
	atomic_store_explicit(&phase_over, 1, memory_order_relaxed);
	pthread_join(replacer, NULL);
	for (int i = 0; i < READERS; i++)
		pthread_join(t.readers[i], NULL);

	tap_ok(malformed_a == 0, "phase A: %ld malformed values or entries", malformed_a);
	tap_ok(get(&walks) > walks_a && get(&replacements) > 0 && get(&malformed) == malformed_a,
	       "phase B (clearenv, %ld environ replacements): %ld malformed", get(&replacements),
	       get(&malformed) - malformed_a);

	/* After the dust settles, the library still answers exactly. */
	setenv(STABLE_NAME, "final", 1);
	const char *v = getenv(STABLE_NAME);
	tap_ok(v && strcmp(v, "final") == 0, "getenv sees the last setenv after the race");
	return tap_done();
}
