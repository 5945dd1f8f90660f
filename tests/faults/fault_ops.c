/*
 * fault_ops.c - every allocation of every writer fails once, cleanly.
 *
 * Linked with the library built with -DENVSAFE_FAULT_INJECTION.  For each
 * operation, a first trial counts its allocations (es_fail_at = 0); then
 * for each k in 1..count a fresh trial fails the k-th one.  The operation
 * must return -1 with errno ENOMEM (NULL for a snapshot), leave environ
 * and getenv exactly as before, keep a concurrent reader happy, and
 * succeed when simply retried.  Each trial runs in a forked child so it
 * starts from the same library state (the name index and intern table
 * only grow, which would change later counts).
 */
#define _GNU_SOURCE
#include <errno.h>

#include "envsafe.h"
#include "state.h"
#include "tap.h"
#include "trial.h"

extern long es_alloc_calls;
extern long es_fail_at;

struct scenario {
	const char *what;
	/* Bring the environment to the state the operation needs; returns
	 * 0, or -1 if the precondition the scenario is about does not hold. */
	int (*setup)(void);
	int (*op)(void);             /* 0 on success, -1 with errno */
	void (*expect)(struct model *); /* the model after a success */
	const char *name;            /* the variable the reader watches */
	const char *old_value, *new_value;
	int min_allocs;              /* the operation must allocate at least this */
	int clears;                  /* the stable name goes away too */
};

static const char *const checked_names[] = { STABLE_NAME, "NEWNAME", "NAME", "PNAME", "ADOPT_A", "ADOPT_B",
					     "ADOPT_C", "S1", "OTHER", NULL };

static int base_setup(void)
{
	clearenv();
	return setenv(STABLE_NAME, STABLE_VALUE, 1) || setenv("OTHER", "1", 1);
}

/* ---- setenv ---- */

static int op_set_new(void) { return setenv("NEWNAME", "v", 1); }
static void ex_set_new(struct model *m) { model_add_owned(m, "NEWNAME", "v"); }

static int setup_room(void)
{
	if (base_setup())
		return -1;
	return es_w.start > 0 ? 0 : -1;
}

static int setup_overwrite(void)
{
	return base_setup() || setenv("NAME", "old", 1) ? -1 : 0;
}
static int op_overwrite(void) { return setenv("NAME", "new", 1); }
static void ex_overwrite(struct model *m)
{
	model_remove_name(m, "NAME");
	model_add_owned(m, "NAME", "new");
}

/* Fill the buffer until slots[0] is taken: the next add must grow it. */
static int setup_full(void)
{
	char name[32];
	if (base_setup())
		return -1;
	for (int i = 0; es_w.start > 0; i++) {
		snprintf(name, sizeof name, "FILL%d", i);
		if (setenv(name, "f", 1))
			return -1;
	}
	return es_w.start == 0 ? 0 : -1;
}
static void ex_set_new_full(struct model *m) { model_add_owned(m, "NEWNAME", "v"); }

/* Create index entries (set, then unset, so the buffer stays small)
 * until the next new name makes the index grow. */
static int setup_index_full(void)
{
	char name[32];
	if (base_setup())
		return -1;
	for (int i = 0;; i++) {
		struct es_index *t = es_name_index;
		if (t && (t->used + 1) * 2 > t->mask + 1)
			return 0;
		snprintf(name, sizeof name, "IDX%d", i);
		if (setenv(name, "i", 1) || unsetenv(name))
			return -1;
	}
}

/* ---- unsetenv ---- */

static int setup_unset_front(void)
{
	/* NAME is added last, so it is environ[0]. */
	return base_setup() || setenv("NAME", "old", 1) ? -1 : 0;
}
static int setup_unset_middle(void)
{
	if (base_setup() || setenv("NAME", "old", 1) || setenv("S1", "1", 1))
		return -1;
	return strcmp(environ[0], "S1=1") == 0 ? 0 : -1;
}
static int op_unset(void) { return unsetenv("NAME"); }
static void ex_unset(struct model *m) { model_remove_name(m, "NAME"); }

/* ---- putenv ---- */

static char putenv_string[] = "PNAME=p";
static int op_putenv(void) { return putenv(putenv_string); }
static void ex_putenv(struct model *m)
{
	model_remove_name(m, "PNAME");
	model_add_owned(m, "PNAME", "p");
}
static int setup_putenv_replace(void)
{
	return base_setup() || setenv("PNAME", "old", 1) ? -1 : 0;
}

/* ---- clearenv ---- */

static int op_clearenv(void) { return clearenv(); }
static void ex_clearenv(struct model *m) { m->n = 0; }

/* ---- adoption: the first write after the program changed environ ---- */

static char *own_environ[] = { STABLE_NAME "=" STABLE_VALUE, "ADOPT_A=1", "ADOPT_B=2", "ADOPT_C=3", NULL };

static int setup_assigned(void)
{
	if (base_setup())
		return -1;
	environ = own_environ;
	return 0;
}
static int op_unset_b(void) { return unsetenv("ADOPT_B"); }
static void ex_unset_b(struct model *m) { model_remove_name(m, "ADOPT_B"); }

static int setup_stored(void)
{
	if (base_setup() || setenv("S1", "1", 1))
		return -1;
	if (strcmp(environ[0], "S1=1") != 0)
		return -1;
	environ[0] = "S1=stored by the program";
	return 0;
}

/* ---- snapshots ---- */

static struct model snapshot_before;
static int op_snapshot(void)
{
	envsafe_snapshot *s = envsafe_snapshot_take();
	if (!s)
		return -1;
	char why[256];
	int same = model_matches(&snapshot_before, envsafe_snapshot_envp(s), why, sizeof why);
	if (!same)
		printf("# snapshot: %s\n", why);
	envsafe_snapshot_release(s);
	return same ? 0 : -2;
}
static int setup_snapshot(void)
{
	if (setup_overwrite())
		return -1;
	capture(&snapshot_before);
	return 0;
}
static void ex_nothing(struct model *m) { (void)m; }

static const struct scenario scenarios[] = {
	{ "setenv of a new name", setup_room, op_set_new, ex_set_new, "NEWNAME", NULL, "v", 1, 0 },
	{ "setenv overwriting a value", setup_overwrite, op_overwrite, ex_overwrite, "NAME", "old", "new", 1, 0 },
	{ "setenv when the array must grow", setup_full, op_set_new, ex_set_new_full, "NEWNAME", NULL, "v", 3, 0 },
	{ "setenv when the name index must grow", setup_index_full, op_set_new, ex_set_new, "NEWNAME", NULL, "v", 3, 0 },
	{ "unsetenv of the front entry", setup_unset_front, op_unset, ex_unset, "NAME", "old", NULL, 0, 0 },
	{ "unsetenv of a middle entry", setup_unset_middle, op_unset, ex_unset, "NAME", "old", NULL, 0, 0 },
	{ "putenv of a new name", base_setup, op_putenv, ex_putenv, "PNAME", NULL, "p", 1, 0 },
	{ "putenv replacing a value", setup_putenv_replace, op_putenv, ex_putenv, "PNAME", "old", "p", 0, 0 },
	{ "clearenv", base_setup, op_clearenv, ex_clearenv, NULL, NULL, NULL, 0, 1 },
	{ "setenv after the program assigned environ", setup_assigned, op_set_new, ex_set_new, "NEWNAME", NULL, "v", 3, 0 },
	{ "unsetenv after the program assigned environ", setup_assigned, op_unset_b, ex_unset_b, "ADOPT_B", "2", NULL, 2, 0 },
	{ "putenv after the program assigned environ", setup_assigned, op_putenv, ex_putenv, "PNAME", NULL, "p", 2, 0 },
	{ "setenv after the program stored into environ[0]", setup_stored, op_set_new, ex_set_new, "NEWNAME", NULL, "v", 2, 0 },
	{ "envsafe_snapshot_take", setup_snapshot, op_snapshot, ex_nothing, "NAME", "old", NULL, 1, 0 },
};

struct trial {
	const struct scenario *s;
	long fail_at; /* 0: count */
	long count;   /* for a failing trial: what the counting trial found */
};

/* Exit statuses of a trial child. */
enum { T_PRECONDITION = 101, T_WRONG_RESULT, T_CHANGED, T_READER, T_RETRY, T_TOO_MANY };

static int run_trial(void *arg)
{
	const struct trial *t = arg;
	const struct scenario *s = t->s;
	struct model before, after;

	if (s->setup() != 0) {
		printf("# precondition of \"%s\" does not hold\n", s->what);
		return T_PRECONDITION;
	}
	capture(&before);
	after = before;
	s->expect(&after);

	int failing = t->fail_at > 0 && t->fail_at <= t->count;
	struct reader r = { .name = s->name, .allowed = { s->old_value, failing ? NULL : s->new_value } };
	r.absent_ok = !s->old_value || (!failing && !s->new_value);
	if (s->clears)
		r.name = NULL;
	/* clearenv removes the stable name too: no reader for it. */
	if (!s->clears)
		reader_start(&r);

	long base = es_alloc_calls;
	es_fail_at = t->fail_at ? base + t->fail_at : 0;
	errno = 0;
	int res = s->op();
	int err = errno;
	long used = es_alloc_calls - base;
	es_fail_at = 0;
	int reader_bad = s->clears ? 0 : reader_stop(&r);

	if (reader_bad)
		return T_READER;
	if (!failing) {
		if (res != 0) {
			printf("# %s returned %d errno %d without a failure\n", s->what, res, err);
			return T_WRONG_RESULT;
		}
		if (same_environment(&after, checked_names))
			return T_CHANGED;
		if (used > 60)
			return T_TOO_MANY;
		return t->fail_at ? 0 : (int)used;
	}
	if (res != -1 || err != ENOMEM) {
		printf("# allocation %ld of %ld failed, %s returned %d errno %d\n", t->fail_at, t->count, s->what,
		       res, err);
		return T_WRONG_RESULT;
	}
	if (same_environment(&before, checked_names))
		return T_CHANGED;
	/* The failure left the library consistent: a plain retry works. */
	if (s->op() != 0 || same_environment(&after, checked_names)) {
		printf("# retrying %s after the failure did not give the expected environment\n", s->what);
		return T_RETRY;
	}
	return 0;
}

int main(void)
{
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
		const struct scenario *s = &scenarios[i];
		struct trial t = { s, 0, 0 };
		int count = in_child(run_trial, &t);
		if (count > 60) {
			tap_ok(0, "%s: the counting trial (no failure injected) failed with status %d", s->what, count);
			continue;
		}
		if (!tap_ok(count >= s->min_allocs, "%s: makes %d allocation%s (at least %d expected)", s->what, count,
			    count == 1 ? "" : "s", s->min_allocs))
			continue;
		t.count = count;
		for (long k = 1; k <= count + 1; k++) {
			t.fail_at = k;
			int r = in_child(run_trial, &t);
			if (k <= count)
				tap_ok(r == 0, "%s: allocation %ld of %d fails: -1/ENOMEM, nothing changed, reader ok, "
					       "retry works (status %d)", s->what, k, count, r);
			else
				tap_ok(r == 0, "%s: failing allocation %ld (past the last) is never reached (status %d)",
				       s->what, k, r);
		}
	}
	return tap_done();
}
