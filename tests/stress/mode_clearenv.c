/*
 * mode_clearenv.c - one writer empties the environment and fills it
 * again; readers look names up and walk `environ`, where they may find
 * anything between empty and full, but only legal entries.
 */
#include "stress.h"

#include <stdlib.h>

static int clearenv_setup(void)
{
	churn_init();
	return 0;
}

static void clearenv_writer(struct thread_arg *self, struct tally *t)
{
	if (clearenv() != 0)
		stress_report_miss(t, "clearenv failed", NULL);
	t->writes++;
	tally_flush(t);
	for (unsigned i = 0; i < 512 && !stress_stopping(); i++) {
		if (setenv(churn_name(0, i), churn_value(0, i, 0), 1) != 0)
			stress_report_miss(t, "setenv failed", churn_name(0, i));
		writer_allocate(self);
		t->writes++;
	}
	tally_flush(t);
}

static void clearenv_reader(struct thread_arg *self, struct tally *t)
{
	for (unsigned n = 0; n < 32; n++) {
		unsigned i = (unsigned)(rng_next(&self->seed) % 512);
		const char *v = getenv(churn_name(0, i));
		t->reads++;
		if (v != NULL && !churn_value_ok(0, i, v))
			stress_report_miss(t, "churned name with a wrong value", v);
	}
	env_walk_check(t);
}

const struct stress_mode stress_mode_clearenv = {
	"clearenv", "a writer alternates clearenv and refilling; readers getenv and walk",
	1, clearenv_setup, clearenv_reader, clearenv_writer,
};
