/*
 * threads.c - readers racing a writer: aggregate getenv throughput with 1
 * or 2 readers, and per-call reader latency percentiles, each with and
 * without a writer churning other variables.
 *
 * With the C library's own environment the writer makes readers walk
 * freed memory, so these subcommands may die of SIGSEGV: bench/run.py
 * runs each one in its own process and reports the crash.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BASE_VARS 70
#define READ_NAMES 16
#define WRITER_NAMES 8
#define WRITER_VALUES 4
#define LATENCY_BATCH 16
#define MAX_SAMPLES (4u << 20)

static const char *read_names[READ_NAMES];
static char *writer_names[WRITER_NAMES], *writer_values[WRITER_VALUES];
static atomic_int stop;
static pthread_barrier_t start_line;

struct worker {
	pthread_t thread;
	int cpu_index, cpu;
	uint64_t calls, missing, ops;
	uint32_t *samples;
	size_t nsamples;
	uint64_t clock_overhead;
};

static int stopping(void)
{
	/* Relaxed: the flag only ends a loop; the results it precedes reach
	 * the main thread through pthread_join, which orders them. */
	return atomic_load_explicit(&stop, memory_order_relaxed);
}

static void setup(void)
{
	env_grow(BASE_VARS);
	for (size_t j = 0; j < READ_NAMES; j++)
		read_names[j] = env_name((2 * j + 1) * BASE_VARS / (2 * READ_NAMES));
	for (uint32_t j = 0; j < WRITER_NAMES; j++)
		writer_names[j] = bench_name(ID_WRITER + j);
	for (uint32_t j = 0; j < WRITER_VALUES; j++)
		writer_values[j] = bench_value(ID_WRITER + j);
}

/* Operation I of the churn: even ones add a name, odd ones remove the
 * name half the ring away, so adds and removals hit the middle of the
 * environment and about half the names are set at any time. */
void churn(uint64_t i, char *const *names, size_t nnames, char *const *values, size_t nvalues)
{
	size_t n = (size_t)(i >> 1) % nnames;
	int rc;
	if (i & 1)
		rc = unsetenv(names[(n + nnames / 2) % nnames]);
	else
		rc = setenv(names[n], values[(i >> 1) / nnames % nvalues], 1);
	if (rc != 0)
		die("churn: %s", strerror(errno));
}

static void *writer_main(void *arg)
{
	struct worker *w = arg;
	w->cpu = pin_self(w->cpu_index);
	pthread_barrier_wait(&start_line);
	uint64_t i = 0;
	while (!stopping())
		for (int k = 0; k < 16; k++)
			churn(i++, writer_names, WRITER_NAMES, writer_values, WRITER_VALUES);
	w->ops = i;
	return NULL;
}

/* A diagnostic writer: it only overwrites variables that stay set, so the
 * list of names (and environ itself) never changes.  Comparing readers
 * under it with readers under churn separates the cost of sharing
 * changing values from that of a changing list. */
static void *overwriter_main(void *arg)
{
	struct worker *w = arg;
	w->cpu = pin_self(w->cpu_index);
	for (size_t n = 0; n < WRITER_NAMES; n++)
		if (setenv(writer_names[n], writer_values[0], 1) != 0)
			die("setenv: %s", strerror(errno));
	pthread_barrier_wait(&start_line);
	uint64_t i = 0;
	while (!stopping())
		for (int k = 0; k < 16; k++, i++)
			if (setenv(writer_names[i % WRITER_NAMES], writer_values[(i / WRITER_NAMES) % WRITER_VALUES], 1) != 0)
				die("setenv: %s", strerror(errno));
	w->ops = i;
	return NULL;
}

/* A control: the other CPU busy with work that never touches the
 * environment.  Readers slowed by it are slowed by the machine (shared
 * core, host), not by any environment implementation. */
static void *spinner_main(void *arg)
{
	struct worker *w = arg;
	char buf[4096] = {0};
	w->cpu = pin_self(w->cpu_index);
	pthread_barrier_wait(&start_line);
	uint64_t i = 0, x = 1;
	while (!stopping())
		for (int k = 0; k < 16; k++, i++) {
			x = x * 6364136223846793005u + (unsigned char)buf[i % sizeof buf];
			buf[(x >> 52) % sizeof buf] = (char)x;
		}
	BENCH_KEEP(x);
	w->ops = i;
	return NULL;
}

static void *reader_main(void *arg)
{
	struct worker *w = arg;
	uint64_t calls = 0, missing = 0;
	w->cpu = pin_self(w->cpu_index);
	pthread_barrier_wait(&start_line);
	while (!stopping()) {
		for (unsigned k = 0; k < 64; k++) {
			const char *v = getenv(read_names[k % READ_NAMES]);
			missing += v == NULL;
			BENCH_KEEP(v);
		}
		calls += 64;
	}
	w->calls = calls;
	w->missing = missing;
	return NULL;
}

/* Times batches of LATENCY_BATCH calls: a clock read per call would cost
 * more than the call being measured. */
static void *timed_reader_main(void *arg)
{
	struct worker *w = arg;
	uint64_t missing = 0, overhead = UINT64_MAX;
	size_t n = 0;
	w->cpu = pin_self(w->cpu_index);
	for (int i = 0; i < 1000; i++) {
		uint64_t t0 = now_ns(), t1 = now_ns();
		if (t1 - t0 < overhead)
			overhead = t1 - t0;
	}
	w->clock_overhead = overhead;
	pthread_barrier_wait(&start_line);
	while (n < MAX_SAMPLES && !stopping()) {
		uint64_t t0 = now_ns();
		for (unsigned k = 0; k < LATENCY_BATCH; k++) {
			const char *v = getenv(read_names[(n + k) % READ_NAMES]);
			missing += v == NULL;
			BENCH_KEEP(v);
		}
		uint64_t dt = now_ns() - t0;
		w->samples[n++] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
	}
	w->nsamples = n;
	w->calls = n * LATENCY_BATCH;
	w->missing = missing;
	return NULL;
}

static void start(struct worker *w, void *(*fn)(void *), int cpu_index)
{
	w->cpu_index = cpu_index;
	int rc = pthread_create(&w->thread, NULL, fn, w);
	if (rc != 0)
		die("pthread_create: %s", strerror(rc));
}

/* Runs the started workers for SECONDS; returns the elapsed ns. */
static uint64_t run_for(double seconds, struct worker *workers, int count)
{
	pthread_barrier_wait(&start_line);
	uint64_t t0 = now_ns();
	struct timespec d = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (nanosleep(&d, &d) != 0 && errno == EINTR)
		;
	/* Relaxed: see stopping(). */
	atomic_store_explicit(&stop, 1, memory_order_relaxed);
	uint64_t elapsed = now_ns() - t0;
	for (int i = 0; i < count; i++)
		pthread_join(workers[i].thread, NULL);
	return elapsed;
}

int cmd_throughput(int argc, char **argv)
{
	if (argc != 3)
		die("usage: throughput READERS WRITER(0|1) SECONDS");
	int readers = atoi(argv[0]), writer = atoi(argv[1]) != 0;
	double seconds = atof(argv[2]);
	if (readers < 1 || readers > 8)
		die("1 to 8 readers");
	setup();
	struct worker w[9] = {0};
	pthread_barrier_init(&start_line, NULL, (unsigned)(readers + writer + 1));
	for (int i = 0; i < readers; i++)
		start(&w[i], reader_main, i);
	if (writer)
		start(&w[readers], writer_main, readers);
	uint64_t elapsed = run_for(seconds, w, readers + writer);

	uint64_t calls = 0, missing = 0;
	for (int i = 0; i < readers; i++) {
		calls += w[i].calls;
		missing += w[i].missing;
	}
	record("throughput", "readers=%d writer=%d cpus=%d calls_per_sec=%.0f missing=%llu writer_ops_per_sec=%.0f",
	       readers, writer, allowed_cpus(), (double)calls * 1e9 / (double)elapsed,
	       (unsigned long long)missing, writer ? (double)w[readers].ops * 1e9 / (double)elapsed : 0.0);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static double per_call(const struct worker *r, size_t rank)
{
	uint64_t batch = r->samples[rank];
	batch = batch > r->clock_overhead ? batch - r->clock_overhead : 0;
	return (double)batch / LATENCY_BATCH;
}

int cmd_latency(int argc, char **argv)
{
	if (argc != 2)
		die("usage: latency idle|spin|churn|overwrite SECONDS");
	const char *mode = argv[0];
	double seconds = atof(argv[1]);
	void *(*second)(void *) = NULL;
	if (strcmp(mode, "spin") == 0)
		second = spinner_main;
	else if (strcmp(mode, "churn") == 0)
		second = writer_main;
	else if (strcmp(mode, "overwrite") == 0)
		second = overwriter_main;
	else if (strcmp(mode, "idle") != 0)
		die("the second thread is idle, spin, churn or overwrite");
	int writer = second != NULL;
	setup();
	struct worker w[2] = {0};
	w[0].samples = malloc(MAX_SAMPLES * sizeof *w[0].samples);
	if (!w[0].samples)
		die("out of memory");
	/* Fault the buffer in now rather than inside a timed batch. */
	memset(w[0].samples, 0, MAX_SAMPLES * sizeof *w[0].samples);
	pthread_barrier_init(&start_line, NULL, (unsigned)(1 + writer + 1));
	start(&w[0], timed_reader_main, 0);
	if (writer)
		start(&w[1], second, 1);
	uint64_t elapsed = run_for(seconds, w, 1 + writer);

	struct worker *r = &w[0];
	if (r->nsamples == 0)
		die("no samples");
	qsort(r->samples, r->nsamples, sizeof *r->samples, cmp_u32);
	size_t n = r->nsamples;
	record("latency", "mode=%s batch=%d samples=%zu clock_ns=%llu p50_ns=%.2f p99_ns=%.2f p999_ns=%.2f max_ns=%.2f "
	       "missing=%llu writer_ops_per_sec=%.0f",
	       mode, LATENCY_BATCH, n, (unsigned long long)r->clock_overhead, per_call(r, n / 2),
	       per_call(r, n * 99 / 100), per_call(r, n * 999 / 1000), per_call(r, n - 1),
	       (unsigned long long)r->missing, writer ? (double)w[1].ops * 1e9 / (double)elapsed : 0.0);
	return 0;
}
