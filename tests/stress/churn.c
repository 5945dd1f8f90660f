/*
 * churn.c - writer and reader steps shared by several modes.
 */
#include "stress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Writers allocate between environment calls, as real programs do.  The
 * blocks are too big for malloc's per-thread caches, so they are often
 * carved from memory glibc has just freed, such as a replaced `environ`
 * array, and their fill is not a valid pointer: a reader still walking
 * the freed array faults, instead of reading stale pointers that happen
 * to still lead to valid strings.
 */
void writer_allocate(struct thread_arg *self)
{
	unsigned k = self->next_fence++ % 8;
	size_t size = 1200 + (size_t)(rng_next(&self->seed) % 2048);
	free(self->fences[k]);
	self->fences[k] = malloc(size);
	if (self->fences[k])
		memset(self->fences[k], 0xA5, size);
}

/* Add COUNT new names, then remove them: on glibc every addition
 * reallocs `environ`, which frees the old array whenever it cannot grow in
 * place; that is the window readers fall into.  Stops half-way if the run
 * ends, leaving the names set. */
void churn_grow_and_shrink(struct thread_arg *self, struct tally *t, unsigned count)
{
	unsigned w = self->index % CHURN_WRITERS_MAX;
	int alt = (int)(rng_next(&self->seed) & 1);
	for (unsigned i = 0; i < count && !stress_stopping(); i++) {
		if (setenv(churn_name(w, i), churn_value(w, i, alt), 1) != 0)
			stress_report_miss(t, "setenv failed", churn_name(w, i));
		writer_allocate(self);
		t->writes++;
		if ((i & 63) == 63)
			tally_flush(t);
	}
	for (unsigned i = 0; i < count && !stress_stopping(); i++) {
		if (unsetenv(churn_name(w, i)) != 0)
			stress_report_miss(t, "unsetenv failed", churn_name(w, i));
		t->writes++;
		if ((i & 63) == 63)
			tally_flush(t);
	}
	tally_flush(t);
}

static char **base_entries;
static size_t base_count;

int base_environment_save(void)
{
	extern char **environ;
	size_t n = 0;
	while (environ && environ[n])
		n++;
	base_entries = calloc(n + 1, sizeof *base_entries);
	if (base_entries == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((base_entries[i] = strdup(environ[i])) == NULL)
			return -1;
	base_count = n;
	return 0;
}

/* Empty the environment and put the inherited entries back one by one.
 * glibc reallocates a young array far more often than a mature one
 * (a mature one usually has free memory right after it to grow into), so
 * starting over keeps its frees, and the readers' window, coming. */
void churn_rebuild(struct thread_arg *self, struct tally *t)
{
	if (clearenv() != 0)
		stress_report_miss(t, "clearenv failed", NULL);
	t->writes++;
	for (size_t i = 0; i < base_count; i++) {
		if (putenv(base_entries[i]) != 0)
			stress_report_miss(t, "putenv failed", base_entries[i]);
		writer_allocate(self);
		t->writes++;
	}
	tally_flush(t);
}

/* One random set, overwrite or unset of one of the first SPAN churned
 * names of this writer. */
void churn_random_step(struct thread_arg *self, struct tally *t, unsigned span)
{
	unsigned w = self->index % CHURN_WRITERS_MAX;
	uint64_t r = rng_next(&self->seed);
	unsigned i = (unsigned)(r % span);
	if ((r >> 32) % 3 == 0) {
		if (unsetenv(churn_name(w, i)) != 0)
			stress_report_miss(t, "unsetenv failed", churn_name(w, i));
	} else if (setenv(churn_name(w, i), churn_value(w, i, (int)((r >> 40) & 1)), 1) != 0) {
		stress_report_miss(t, "setenv failed", churn_name(w, i));
	}
	t->writes++;
}

void sentinel_getenv_check(struct tally *t, unsigned k)
{
	const char *v = getenv(sentinel_name(k));
	t->reads++;
	if (v == NULL)
		stress_report_miss(t, "sentinel missing (getenv)", sentinel_name(k));
	else if (strcmp(v, sentinel_value(k)) != 0)
		stress_report_miss(t, "sentinel has a wrong value (getenv)", v);
}

/* Walk `environ` once, from the pointer loaded at the start to the NULL,
 * judging every entry.  Returns the bit set of sentinels seen with their
 * exact value. */
unsigned env_walk_check(struct tally *t)
{
	unsigned seen = 0;
	char **ep = env_load();
	t->reads++;
	if (ep == NULL)		/* glibc's clearenv leaves environ NULL */
		return 0;
	for (size_t i = 0;; i++) {
		const char *e = env_slot(ep, i);
		int k;
		if (e == NULL)
			break;
		if (!entry_well_formed(e)) {
			stress_report_miss(t, "malformed environ entry", "(not shown)");
			continue;
		}
		if (!entry_value_ok(e)) {
			stress_report_miss(t, "environ entry with a wrong value", e);
			continue;
		}
		k = entry_sentinel(e);
		if (k >= 0)
			seen |= 1u << k;
	}
	return seen;
}
