/*
 * fault_malloc.c - allocation failure on the shipped library.
 *
 * This program links build/libenvsafe.so (no test hooks in it) and
 * defines malloc itself; the library's allocations reach this malloc
 * through the dynamic linker, which is exactly what happens under a
 * real out-of-memory condition.  For each operation the malloc calls it
 * makes are counted, then each one in turn fails: the call must return
 * -1 with errno ENOMEM (NULL for a snapshot) and the environment must be
 * exactly as before.  Forty successive new names cover the growth of the
 * environ buffer, of the name index and of the string table.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "envsafe.h"
#include "tap.h"
#include "trial.h"

extern void *__libc_malloc(size_t size);

/* Relaxed: only the thread running the operation changes these while
 * counting; the reader thread never allocates. */
static atomic_int counting;
static atomic_long malloc_calls, malloc_fail_at;

void *malloc(size_t size)
{
	if (atomic_load_explicit(&counting, memory_order_relaxed)) {
		long n = atomic_fetch_add_explicit(&malloc_calls, 1, memory_order_relaxed) + 1;
		if (n == atomic_load_explicit(&malloc_fail_at, memory_order_relaxed)) {
			errno = ENOMEM;
			return NULL;
		}
	}
	return __libc_malloc(size);
}

enum kind { SETENV_NEW, SETENV_OVERWRITE, PUTENV_NEW, ADOPT_SETENV, ADOPT_UNSETENV, SNAPSHOT };

struct trial {
	enum kind kind;
	int before; /* names set before the operation (SETENV_NEW) */
	long fail_at;
	long count;
	const char *what;
};

static char putenv_string[] = "PNAME=p";
static char *own_environ[] = { STABLE_NAME "=" STABLE_VALUE, "ADOPT_A=1", "ADOPT_B=2", NULL };
static const char *const names[] = { STABLE_NAME, "NEWNAME", "NAME", "PNAME", "ADOPT_A", "ADOPT_B", NULL };

/* Starting from a one-entry environ the library adopts into its smallest
 * buffer (32 slots), so the 40 names below are sure to fill it. */
static char *small_environ[] = { STABLE_NAME "=" STABLE_VALUE, NULL };

static int setup(const struct trial *t)
{
	char name[32];
	environ = small_environ;
	if (setenv("NAME", "old", 1))
		return -1;
	for (int i = 0; i < t->before; i++) {
		snprintf(name, sizeof name, "PRE%d", i);
		if (setenv(name, "x", 1))
			return -1;
	}
	if (t->kind == ADOPT_SETENV || t->kind == ADOPT_UNSETENV)
		environ = own_environ;
	return 0;
}

static int operate(const struct trial *t, const struct model *before)
{
	switch (t->kind) {
	case SETENV_NEW:
	case ADOPT_SETENV:
		return setenv("NEWNAME", "v", 1);
	case SETENV_OVERWRITE:
		return setenv("NAME", "new", 1);
	case PUTENV_NEW:
		return putenv(putenv_string);
	case ADOPT_UNSETENV:
		return unsetenv("ADOPT_B");
	case SNAPSHOT: {
		envsafe_snapshot *s = envsafe_snapshot_take();
		if (!s)
			return -1;
		char why[256];
		int same = model_matches(before, envsafe_snapshot_envp(s), why, sizeof why);
		envsafe_snapshot_release(s);
		return same ? 0 : -2;
	}
	}
	return -2;
}

static void expect(const struct trial *t, struct model *m)
{
	switch (t->kind) {
	case SETENV_NEW:
	case ADOPT_SETENV:
		model_add_owned(m, "NEWNAME", "v");
		break;
	case SETENV_OVERWRITE:
		model_remove_name(m, "NAME");
		model_add_owned(m, "NAME", "new");
		break;
	case PUTENV_NEW:
		model_add_owned(m, "PNAME", "p");
		break;
	case ADOPT_UNSETENV:
		model_remove_name(m, "ADOPT_B");
		break;
	case SNAPSHOT:
		break;
	}
}

static int run_trial(void *arg)
{
	const struct trial *t = arg;
	struct model before, after;
	if (setup(t))
		return 101;
	capture(&before);
	after = before;
	expect(t, &after);
	int failing = t->fail_at > 0 && t->fail_at <= t->count;

	struct reader r = { .name = "NEWNAME", .absent_ok = 1 };
	if (!failing)
		r.allowed[0] = "v";
	reader_start(&r);
	atomic_store_explicit(&malloc_calls, 0, memory_order_relaxed);
	atomic_store_explicit(&malloc_fail_at, t->fail_at, memory_order_relaxed);
	atomic_store_explicit(&counting, 1, memory_order_relaxed);
	errno = 0;
	int res = operate(t, &before);
	int err = errno;
	atomic_store_explicit(&counting, 0, memory_order_relaxed);
	long used = atomic_load_explicit(&malloc_calls, memory_order_relaxed);
	if (reader_stop(&r))
		return 104;

	if (!failing) {
		if (res != 0 || same_environment(&after, names))
			return 102;
		return t->fail_at ? 0 : (int)(used > 59 ? 59 : used);
	}
	if (res != -1 || err != ENOMEM) {
		printf("# malloc %ld of %ld failed, operation returned %d errno %d\n", t->fail_at, t->count, res, err);
		return 102;
	}
	if (same_environment(&before, names))
		return 103;
	return 0;
}

static void exercise(struct trial t)
{
	t.fail_at = 0;
	t.count = 0;
	int count = in_child(run_trial, &t);
	if (count >= 60) {
		tap_ok(0, "%s: the counting trial (no failure injected) failed with status %d", t.what, count);
		return;
	}
	/* Entries and strings are packed into blocks (es_keep, src/alloc.c),
	 * so an operation may find room and call malloc zero times; each
	 * object's own failure is injected by fault-ops instead. */
	if (!tap_ok(count >= 0, "%s: %d malloc call%s", t.what, count, count == 1 ? "" : "s"))
		return;
	t.count = count;
	int failures = 0;
	for (long k = 1; k <= count + 1; k++) {
		t.fail_at = k;
		int r = in_child(run_trial, &t);
		if (r != 0) {
			printf("# %s: failing malloc %ld of %d: status %d\n", t.what, k, count, r);
			failures++;
		}
	}
	tap_ok(failures == 0, "%s: each of the %d malloc calls fails with -1/ENOMEM and no change, "
			      "and one past the last is never reached", t.what, count);
}

int main(void)
{
	tap_ok(envsafe_version() != NULL, "linked against libenvsafe %s", envsafe_version());
	exercise((struct trial){ SETENV_OVERWRITE, 0, 0, 0, "setenv overwriting a value" });
	exercise((struct trial){ PUTENV_NEW, 0, 0, 0, "putenv of a new name" });
	exercise((struct trial){ ADOPT_SETENV, 0, 0, 0, "setenv after the program assigned environ" });
	exercise((struct trial){ ADOPT_UNSETENV, 0, 0, 0, "unsetenv after the program assigned environ" });
	exercise((struct trial){ SNAPSHOT, 0, 0, 0, "envsafe_snapshot_take" });
	for (int i = 0; i < 40; i++) {
		char what[64];
		snprintf(what, sizeof what, "setenv of a new name after %d others", i);
		exercise((struct trial){ SETENV_NEW, i, 0, 0, what });
	}
	return tap_done();
}
