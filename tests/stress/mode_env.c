/*
 * mode_env.c - the modes that exercise the environment functions alone:
 * growth, walkers and nomiss.
 */
#include "stress.h"

#include <stdlib.h>

static int setup_sentinels(void)
{
	churn_init();
	return sentinels_set();
}

/* Readers look up churned names (any of their legal values, or unset) and
 * now and then a sentinel. */
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
		if ((n & 7) == 0)
			sentinel_getenv_check(t, (unsigned)(r >> 40) % SENTINELS);
	}
}

static void growth_writer(struct thread_arg *self, struct tally *t)
{
	churn_grow_and_shrink(self, t, CHURN_PER_WRITER);
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

static void nomiss_writer(struct thread_arg *self, struct tally *t)
{
	/* Alternate long growth phases (reallocation) with random
	 * set/overwrite/unset (holes in the middle of the array). */
	churn_grow_and_shrink(self, t, CHURN_PER_WRITER / 2);
	for (unsigned n = 0; n < 256 && !stress_stopping(); n++)
		churn_random_step(self, t);
	tally_flush(t);
}

const struct stress_mode stress_mode_growth = {
	"growth", "writers add and remove many names; readers getenv",
	2, setup_sentinels, getenv_reader, growth_writer,
};

const struct stress_mode stress_mode_walkers = {
	"walkers", "writers add and remove many names; readers walk environ",
	2, setup_sentinels, walk_reader, growth_writer,
};

const struct stress_mode stress_mode_nomiss = {
	"nomiss", "untouched sentinels must be seen by getenv and by every walk",
	2, setup_sentinels, nomiss_reader, nomiss_writer,
};
