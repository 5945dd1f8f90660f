/*
 * common.c - names, pinning, statistics and output shared by every
 * envbench subcommand.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "bench.h"

/* Present only when libenvsafe answers (preloaded, or linked in with
 * BENCH_LINKED_ENVSAFE, where a weak reference would not pull the archive
 * member in), or when the rwlock wrapper is preloaded. */
#ifdef BENCH_LINKED_ENVSAFE
extern const char *envsafe_version(void);
#else
extern const char *envsafe_version(void) __attribute__((weak));
#endif
extern int rwlockenv_active __attribute__((weak));

static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		die("out of memory");
	return p;
}

char *bench_name(uint32_t id)
{
	uint64_t rng = id * 2654435761u + 1;
	char *s = xmalloc(32);
	size_t letters = 3 + splitmix(&rng) % 8, n = 0;
	while (n < letters)
		s[n++] = (char)('A' + splitmix(&rng) % 26);
	s[n++] = '_';
	char digits[16];
	size_t d = 0;
	do {
		digits[d++] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[id % 36];
		id /= 36;
	} while (id);
	while (d)
		s[n++] = digits[--d];
	s[n] = '\0';
	return s;
}

char *bench_value(uint32_t id)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789/:._-";
	uint64_t rng = id * 40503u + 7;
	size_t len = 8 + splitmix(&rng) % 33;
	char *s = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		s[i] = chars[splitmix(&rng) % (sizeof chars - 1)];
	s[len] = '\0';
	return s;
}

static char *names[BENCH_MAX_VARS], *values[BENCH_MAX_VARS];
static size_t live;

const char *env_name(size_t i)
{
	if (!names[i])
		names[i] = bench_name((uint32_t)i);
	return names[i];
}

const char *env_value(size_t i)
{
	if (!values[i])
		values[i] = bench_value((uint32_t)i);
	return values[i];
}

void env_grow(size_t n)
{
	if (n > BENCH_MAX_VARS)
		die("at most %d variables", BENCH_MAX_VARS);
	for (; live < n; live++)
		if (setenv(env_name(live), env_value(live), 1) != 0)
			die("setenv: %s", strerror(errno));
}

size_t env_size(void)
{
	return live;
}

int allowed_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 1;
	return CPU_COUNT(&set);
}

int pin_self(int index)
{
	cpu_set_t allowed, one;
	if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
		return -1;
	int count = CPU_COUNT(&allowed);
	if (count == 0)
		return -1;
	int want = index % count;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed) || want-- > 0)
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		/* Thread-directed: 0 is the calling thread on Linux. */
		return sched_setaffinity(0, sizeof one, &one) == 0 ? cpu : -1;
	}
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double minimum(const double *v, size_t n)
{
	double m = v[0];
	for (size_t i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

void record(const char *kind, const char *fmt, ...)
{
	va_list ap;
	printf("record %s ", kind);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void record_info(void)
{
	const char *impl = "libc", *version = "-";
#ifdef BENCH_LINKED_ENVSAFE
	impl = "envsafe";
	version = envsafe_version();
#else
	if (envsafe_version) {
		impl = "envsafe";
		version = envsafe_version();
	} else if (&rwlockenv_active) {
		impl = "rwlock";
	}
#endif
#ifdef __GLIBC__
	record("info", "impl=%s version=%s libc=glibc-%s", impl, version, gnu_get_libc_version());
#else
	record("info", "impl=%s version=%s libc=musl", impl, version);
#endif
}

void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "envbench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}
