/*
 * signal_getenv.c - R3: getenv and getenv_r are async-signal-safe even when
 * the signal interrupts setenv/unsetenv on the same thread.
 *
 * The main thread churns a few variables in a loop.  A second thread
 * sends it SIGUSR1 with pthread_kill, and a POSIX timer aimed at the main
 * thread (SIGEV_THREAD_ID) sends SIGUSR2, so handlers land in the middle
 * of writer calls, with the writer lock held.  Each handler reads an
 * untouched variable (must always be exact) and a churned one (must be
 * unset or one of the values the loop stores).  A lock in getenv would
 * deadlock here; the watchdog turns that into a failure.
 *
 * Linked with -lenvsafe.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <envsafe.h>

#include "semantics/harness.h"

#define STABLE_VALUE "stable-value-that-never-changes"
static const char *const churn_values[] = { "v0", "value-one", "a-much-longer-value-number-two", "" };
#define NVALUES (sizeof churn_values / sizeof churn_values[0])

static volatile sig_atomic_t in_writer;
/* Handler runs inside a writer call that the test waits for. */
#define MIN_INTERRUPTED_WRITES 100

static atomic_ulong handled, handled_in_writer, bad_stable, bad_stable_r, bad_churn, bad_churn_r;
static atomic_int stop;

static int is_churn_value(const char *v)
{
	for (size_t i = 0; i < NVALUES; i++)
		if (strcmp(v, churn_values[i]) == 0)
			return 1;
	return 0;
}

static void on_signal(int sig)
{
	char buf[64];
	const char *v;
	int saved = errno;

	(void)sig;
	/* Relaxed: counters are only read after the threads are joined. */
	atomic_fetch_add_explicit(&handled, 1, memory_order_relaxed);
	if (in_writer)
		atomic_fetch_add_explicit(&handled_in_writer, 1, memory_order_relaxed);

	v = getenv("ES_SIG_STABLE");
	if (!v || strcmp(v, STABLE_VALUE) != 0)
		atomic_fetch_add_explicit(&bad_stable, 1, memory_order_relaxed);
	if (getenv_r("ES_SIG_STABLE", buf, sizeof buf) != 0 || strcmp(buf, STABLE_VALUE) != 0)
		atomic_fetch_add_explicit(&bad_stable_r, 1, memory_order_relaxed);

	v = getenv("ES_SIG_CHURN");
	if (v && !is_churn_value(v))
		atomic_fetch_add_explicit(&bad_churn, 1, memory_order_relaxed);
	if (getenv_r("ES_SIG_CHURN", buf, sizeof buf) == 0) {
		if (!is_churn_value(buf))
			atomic_fetch_add_explicit(&bad_churn_r, 1, memory_order_relaxed);
	} else if (errno != ENOENT) {
		atomic_fetch_add_explicit(&bad_churn_r, 1, memory_order_relaxed);
	}
	errno = saved;
}

static void *killer(void *arg)
{
	pthread_t target = *(pthread_t *)arg;
	struct timespec pause = { 0, 20000 };

	/* Relaxed: only the flag itself is communicated. */
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		pthread_kill(target, SIGUSR1);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	struct sigevent sev;
	struct itimerspec its;
	timer_t timer;
	pthread_t self = pthread_self(), kthread;
	struct timespec t0, now;
	unsigned long ops = 0;
	int write_errors = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	es_watchdog("signal handlers interrupting setenv", 60);
	tap_ok(es_loaded_version() != NULL, "linked with -lenvsafe: envsafe_version() = %s",
	       es_loaded_version() ? es_loaded_version() : "(none)");

	if (setenv("ES_SIG_STABLE", STABLE_VALUE, 1) != 0)
		tap_bail("setenv: %s", strerror(errno));

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR2;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0)
		tap_bail("timer_create: %s", strerror(errno));
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 50000;
	its.it_interval = its.it_value;
	if (timer_settime(timer, 0, &its, NULL) != 0)
		tap_bail("timer_settime: %s", strerror(errno));
	if (pthread_create(&kthread, NULL, killer, &self) != 0)
		tap_bail("pthread_create failed");

	long elapsed, watchdog_ns = (long)(60 * tap_time_scale()) * 1000000000L;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 200; i++, ops++) {
			char name[32];
			/* New names make the writer grow its buffer, so
			 * handlers also interrupt reallocation. */
			snprintf(name, sizeof name, "ES_SIG_N%lu", ops % 5000);
			in_writer = 1;
			switch (ops % 4) {
			case 0:
			case 1:
				write_errors += setenv("ES_SIG_CHURN", churn_values[ops % NVALUES], 1) != 0;
				break;
			case 2:
				write_errors += unsetenv("ES_SIG_CHURN") != 0;
				break;
			case 3:
				write_errors += setenv(name, churn_values[ops % NVALUES], 1) != 0;
				break;
			}
			in_writer = 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* Runs at least 1.5 s, and on until enough handlers have
		 * landed inside a writer call: a busy machine, or a sanitizer
		 * that delivers signals only at its own interception points,
		 * can leave a fixed window with none.  The watchdog turns "never"
		 * into a failure of the check below instead of a hang. */
		elapsed = (now.tv_sec - t0.tv_sec) * 1000000000L + (now.tv_nsec - t0.tv_nsec);
		/* Relaxed: a count read for progress only. */
	} while (elapsed < 1500000000L ||
		 (atomic_load_explicit(&handled_in_writer, memory_order_relaxed) < MIN_INTERRUPTED_WRITES &&
		  elapsed < watchdog_ns));

	/* Relaxed: pthread_join below orders everything the killer did. */
	atomic_store_explicit(&stop, 1, memory_order_relaxed);
	pthread_join(kthread, NULL);
	timer_delete(timer);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);

	tap_diag("%lu writer calls, %lu handlers ran, %lu of them interrupted a writer call", ops,
		 atomic_load(&handled), atomic_load(&handled_in_writer));
	tap_ok(write_errors == 0, "every setenv/unsetenv in the loop succeeded (%d failures)", write_errors);
	tap_ok(atomic_load(&handled_in_writer) >= MIN_INTERRUPTED_WRITES, "handlers did interrupt setenv/unsetenv (%lu times)",
	       atomic_load(&handled_in_writer));
	tap_ok(atomic_load(&bad_stable) == 0, "getenv in the handler always saw the untouched variable (%lu bad)",
	       atomic_load(&bad_stable));
	tap_ok(atomic_load(&bad_stable_r) == 0, "getenv_r in the handler always copied the untouched variable (%lu bad)",
	       atomic_load(&bad_stable_r));
	tap_ok(atomic_load(&bad_churn) == 0, "getenv in the handler saw only stored values of the churned variable (%lu bad)",
	       atomic_load(&bad_churn));
	tap_ok(atomic_load(&bad_churn_r) == 0, "getenv_r in the handler saw only stored values or ENOENT (%lu bad)",
	       atomic_load(&bad_churn_r));
	tap_ok(getenv("ES_SIG_STABLE") && strcmp(getenv("ES_SIG_STABLE"), STABLE_VALUE) == 0,
	       "the untouched variable is intact after the run");
	return tap_done();
}
