/*
 * bench.h - what the parts of envbench share: deterministic variable
 * names, the clock, CPU pinning, medians and the record format.
 *
 * envbench measures whichever environment implementation answers its
 * getenv/setenv calls: the C library's own, libenvsafe (preloaded or
 * linked) or the rwlock wrapper (preloaded).  Keeping one program for all
 * of them means the implementations differ only in the library underneath.
 */
#ifndef ENVBENCH_H
#define ENVBENCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Environment sizes are counted in variables created with setenv. */
#define BENCH_MAX_VARS 10000

/*
 * Name identities.  Names are a pure function of their id, so every
 * implementation and every run sees exactly the same strings.  The ranges
 * keep the roles apart: a miss name is never set, a fresh name is new to
 * the environment when it is first set.
 */
#define ID_MISS 100000u    /* never set */
#define ID_FRESH 200000u   /* set once, by the write benchmark */
#define ID_WRITER 300000u  /* churned by the concurrent writer */
#define ID_CHURN 400000u   /* churned by the memory benchmark */
#define ID_ALT_VALUE 1000000u /* offset for a second value of a name */

/* Malloc'd "RANDOMLETTERS_<id base 36>"; first letters vary like a real
 * environment's (a shared prefix would make glibc's two-byte precheck
 * useless and its walk slower than it really is). */
char *bench_name(uint32_t id);
/* Malloc'd value, 8 to 40 characters. */
char *bench_value(uint32_t id);

/* The first N names (ids 0..N-1), built once; env_grow() sets them. */
const char *env_name(size_t i);
const char *env_value(size_t i);
/* setenv the names env_size()..n-1, so that n variables exist. */
void env_grow(size_t n);
size_t env_size(void);

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keeps a result alive without letting the compiler reason about it. */
#define BENCH_KEEP(x) __asm__ volatile("" : : "r"(x) : "memory")

/* Pins the calling thread to CPU number INDEX among the allowed ones
 * (wrapping around); returns the CPU, or -1 when pinning failed. */
int pin_self(int index);
/* Number of CPUs this process may run on. */
int allowed_cpus(void);

double median(double *v, size_t n); /* sorts V */
double minimum(const double *v, size_t n);

/* "record KIND key=value ..." on stdout, which bench/run.py parses. */
void record(const char *kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Describes the implementation in use (also a record). */
void record_info(void);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Operation I of a set/unset churn over NAMES (see threads.c). */
void churn(uint64_t i, char *const *names, size_t nnames, char *const *values, size_t nvalues);

/* Subcommands. */
int cmd_lookup(int argc, char **argv);
int cmd_write(int argc, char **argv);
int cmd_throughput(int argc, char **argv);
int cmd_latency(int argc, char **argv);
int cmd_memory(int argc, char **argv);
int cmd_spawn(int argc, char **argv);
int cmd_icount(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_prewrite(int argc, char **argv);
int cmd_distinct(int argc, char **argv);

#endif
