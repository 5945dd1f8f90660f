/*
 * mode_env.c - the modes that exercise the environment functions alone:
 * growth, walkers and nomiss.
 */
#include "stress.h"

#include <stdlib.h>

/* growth and walkers look for no particular variable (nomiss does), so
 * their writers may rebuild the environment from scratch each cycle (see
 * churn_rebuild) before adding and removing many names. */
static int rebuild_setup(void)
{
	churn_init();
	return base_environment_save();
}

static void rebuild_writer(struct thread_arg *self, struct tally *t)
{
	churn_rebuild(self, t);
	churn_grow_and_shrink(self, t, CHURN_PER_WRITER);
}

/* Readers look up churned names: each must be unset or hold one of its
 * legal values. */
static void getenv_reader(struct thread_arg *self, struct tally *t)
{
	for (unsigned n = 0; n < 64; n++) {
		uint64_t r = rng_next(&self->seed);
		unsigned w = (unsigned)(r % CHURN_WRITERS_MAX);
		unsigned i = (unsigned)((r >> 16) % CHURN_PER_WRITER);
		const char *v = getenv(churn_name(w, i));
		t->reads++;
		if (v != NULL && !churn_value_ok(w, i, v))
			stress_report_miss(t, "churned name with a wrong value", v);
	}
}

static void walk_reader(struct thread_arg *self, struct tally *t)
{
	(void)self;
	env_walk_check(t);
}

/* Every sentinel must be found by getenv and by every complete walk. */
static void nomiss_reader(struct thread_arg *self, struct tally *t)
{
	unsigned seen;
	(void)self;
	for (unsigned k = 0; k < SENTINELS; k++)
		sentinel_getenv_check(t, k);
	seen = env_walk_check(t);
	for (unsigned k = 0; k < SENTINELS; k++)
		if (!(seen & (1u << k)))
			stress_report_miss(t, "sentinel missed by a walk of environ", sentinel_name(k));
}

/*
 * Churn pools 0 and 1 belong to the two writers (their first NOMISS_OWN
 * names); the first NOMISS_AHEAD names of pools 2 and 3 are set before the
 * sentinels and removed one by one during the run.  Removing a variable
 * that precedes the sentinels makes glibc shift every later entry down one
 * slot; the shift overtakes a walker further up, which then steps over
 * one entry.  With the sentinels a good share of the entries behind the
 * removed ones, that entry is often a sentinel: the miss this mode counts.
 * Every name and value is set once here, while no other thread runs, and
 * the removal phase only overwrites existing names, so `environ` is not
 * reallocated while the sentinels can be missed: the stock failure is then
 * a miss rather than a crash.
 */
#define NOMISS_POOLS 2
#define NOMISS_AHEAD 384
#define NOMISS_OWN 64

static int nomiss_setup(void)
{
	churn_init();
	for (unsigned w = NOMISS_POOLS; w < 2 * NOMISS_POOLS; w++)
		for (unsigned i = 0; i < NOMISS_AHEAD; i++)
			if (setenv(churn_name(w, i), churn_value(w, i, 0), 1) != 0)
				return -1;
	if (sentinels_set() != 0)
		return -1;
	for (unsigned w = 0; w < NOMISS_POOLS; w++)
		for (unsigned i = 0; i < NOMISS_OWN; i++)
			if (setenv(churn_name(w, i), churn_value(w, i, 1), 1) != 0 ||
			    setenv(churn_name(w, i), churn_value(w, i, 0), 1) != 0)
				return -1;
	return 0;
}

/* First remove the variables in front of the sentinels, overwriting
 * others in between; then set, overwrite and unset at random. */
static void nomiss_writer(struct thread_arg *self, struct tally *t)
{
	unsigned pool = NOMISS_POOLS + self->index % NOMISS_POOLS;
	unsigned own = self->index % NOMISS_POOLS;
	if (self->progress >= NOMISS_AHEAD) {
		for (unsigned n = 0; n < 32 && !stress_stopping(); n++)
			churn_random_step(self, t, NOMISS_OWN);
		tally_flush(t);
		return;
	}
	if (unsetenv(churn_name(pool, self->progress++)) != 0)
		stress_report_miss(t, "unsetenv failed", NULL);
	t->writes++;
	for (unsigned n = 0; n < 8 && !stress_stopping(); n++) {
		unsigned i = (unsigned)(rng_next(&self->seed) % NOMISS_OWN);
		if (setenv(churn_name(own, i), churn_value(own, i, (int)(n & 1)), 1) != 0)
			stress_report_miss(t, "setenv failed", NULL);
		t->writes++;
	}
	tally_flush(t);
}

const struct stress_mode stress_mode_growth = {
	"growth", "writers rebuild the environment and add and remove many names; readers getenv",
	2, rebuild_setup, getenv_reader, rebuild_writer,
};

const struct stress_mode stress_mode_walkers = {
	"walkers", "writers rebuild the environment and add and remove many names; readers walk environ",
	2, rebuild_setup, walk_reader, rebuild_writer,
};

const struct stress_mode stress_mode_nomiss = {
	"nomiss", "untouched sentinels must be seen by getenv and by every walk",
	NOMISS_POOLS, nomiss_setup, nomiss_reader, nomiss_writer,
};
