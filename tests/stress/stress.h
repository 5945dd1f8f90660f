/*
 * stress.h - shared pieces of envsafe-stress, the concurrent environment
 * workload.  The program is linked against stock libc only, so the same
 * binary measures the C library as-is and, under LD_PRELOAD, libenvsafe.
 */
#ifndef ENVSAFE_STRESS_H
#define ENVSAFE_STRESS_H

#include <stddef.h>
#include <stdint.h>

/* Per-thread counts, added to the process totals in batches so that the
 * shared cache lines are not a point of contention. */
struct tally {
	unsigned long reads, writes, misses;
};

void tally_flush(struct tally *t);
void stress_totals(unsigned long *reads, unsigned long *writes, unsigned long *misses);

/* Nonzero once the run is over; every thread polls it between operations. */
int stress_stopping(void);
void stress_request_stop(void);

/* A miss or a wrong value: counted, and described on stderr for the first
 * few occurrences so a failing run says what it saw. */
void stress_report_miss(struct tally *t, const char *what, const char *detail);
extern int stress_quiet;

/* What a thread is told about itself. */
struct thread_arg {
	unsigned index;		/* among the threads of its kind */
	uint64_t seed;
	void *fences[8];	/* see writer_allocate */
	unsigned next_fence;
	unsigned progress;	/* a mode's own position in its work */
};

static inline uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: cheap, per thread, good enough to spread accesses. */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Reader/writer operations of one mode: a writer or reader runs its
 * batch repeatedly until the run stops. */
struct stress_mode {
	const char *name;
	const char *summary;
	unsigned writers;
	int (*setup)(void);	/* before any thread starts; nonzero = fatal */
	void (*reader)(struct thread_arg *self, struct tally *t);
	void (*writer)(struct thread_arg *self, struct tally *t);
};

extern const struct stress_mode *const stress_modes[];
extern const size_t stress_mode_count;

/* ---- variables shared by several modes (vars.c) ---- */

/* Churned names: writer W owns CHURN_PER_WRITER names "ESS_W_I", each with
 * two legal values "W_I" and "W_I_alt". */
#define CHURN_WRITERS_MAX 4
#define CHURN_PER_WRITER 1536
const char *churn_name(unsigned w, unsigned i);
const char *churn_value(unsigned w, unsigned i, int alt);
void churn_init(void);

/* Sentinels: set before the threads start and never touched again. */
#define SENTINELS 32	/* a bit each in an unsigned mask */
int sentinels_set(void);
const char *sentinel_name(unsigned k);
const char *sentinel_value(unsigned k);

/* Checks of what a reader found. */
int churn_value_ok(unsigned w, unsigned i, const char *value);
int entry_well_formed(const char *entry);
/* Checks ENTRY (a well-formed "NAME=value") against what the workload
 * could have stored under NAME; unrelated names always pass. */
int entry_value_ok(const char *entry);
/* Index of the sentinel ENTRY names (with any value), or -1. */
int entry_sentinel(const char *entry);

/* Loads of the environment as a concurrent walker must do them. */
char **env_load(void);
const char *env_slot(char **ep, size_t i);

/* ---- writer building blocks (churn.c) ---- */
void writer_allocate(struct thread_arg *self);
int base_environment_save(void);
void churn_rebuild(struct thread_arg *self, struct tally *t);
void churn_grow_and_shrink(struct thread_arg *self, struct tally *t, unsigned count);
void churn_random_step(struct thread_arg *self, struct tally *t, unsigned span);
void sentinel_getenv_check(struct tally *t, unsigned k);
unsigned env_walk_check(struct tally *t);

#endif
