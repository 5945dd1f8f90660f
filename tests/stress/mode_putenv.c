/*
 * mode_putenv.c - writers hand the environment strings they own (static
 * and heap), replace them with other ones and unset them; readers check
 * that a name only ever shows one of its legal strings.
 *
 * The strings are built before the threads start and are never changed or
 * freed: a getenv result may point into them for the rest of the run.
 */
#include "stress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUT_NAMES 512

static char static_strings[CHURN_WRITERS_MAX][PUT_NAMES][32];
static char *heap_strings[CHURN_WRITERS_MAX][PUT_NAMES];
static char put_names[CHURN_WRITERS_MAX][PUT_NAMES][20];

static int putenv_setup(void)
{
	for (unsigned w = 0; w < CHURN_WRITERS_MAX; w++)
		for (unsigned i = 0; i < PUT_NAMES; i++) {
			snprintf(put_names[w][i], sizeof put_names[w][i], "ESP_%u_%u", w, i);
			snprintf(static_strings[w][i], sizeof static_strings[w][i], "ESP_%u_%u=static", w, i);
			heap_strings[w][i] = malloc(32);
			if (heap_strings[w][i] == NULL)
				return -1;
			snprintf(heap_strings[w][i], 32, "ESP_%u_%u=heap", w, i);
		}
	churn_init();
	return sentinels_set();
}

static void putenv_writer(struct thread_arg *self, struct tally *t)
{
	unsigned w = self->index % CHURN_WRITERS_MAX;
	for (unsigned n = 0; n < 64 && !stress_stopping(); n++) {
		uint64_t r = rng_next(&self->seed);
		unsigned i = (unsigned)(r % PUT_NAMES);
		int rc;
		switch ((r >> 32) % 4) {
		case 0:
			rc = unsetenv(put_names[w][i]);
			break;
		case 1:
			rc = putenv(heap_strings[w][i]);
			break;
		default:
			rc = putenv(static_strings[w][i]);
			break;
		}
		if (rc != 0)
			stress_report_miss(t, "putenv/unsetenv failed", put_names[w][i]);
		writer_allocate(self);
		t->writes++;
	}
	/* New names from time to time, so the array also grows and shrinks. */
	churn_grow_and_shrink(self, t, 256);
}

static void putenv_reader(struct thread_arg *self, struct tally *t)
{
	for (unsigned n = 0; n < 64; n++) {
		uint64_t r = rng_next(&self->seed);
		unsigned w = (unsigned)(r % CHURN_WRITERS_MAX);
		unsigned i = (unsigned)((r >> 16) % PUT_NAMES);
		const char *v = getenv(put_names[w][i]);
		t->reads++;
		if (v == NULL)
			continue;
		/* putenv stores the caller's string: the value must point into
		 * one of the two strings this name was given. */
		if (v != static_strings[w][i] + strlen(put_names[w][i]) + 1 &&
		    v != heap_strings[w][i] + strlen(put_names[w][i]) + 1)
			stress_report_miss(t, "putenv name with a foreign value", v);
	}
	sentinel_getenv_check(t, self->index % SENTINELS);
}

const struct stress_mode stress_mode_putenv = {
	"putenv", "writers putenv static and heap strings, replace and unset them",
	2, putenv_setup, putenv_reader, putenv_writer,
};
