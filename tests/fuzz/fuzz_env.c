/*
 * fuzz_env.c - differential fuzz target: the library against the
 * reference model in model.c.
 *
 * An input is a byte string decoded into a sequence of environment
 * operations (see the op enum).  After every operation the whole
 * observable environment is compared with the model: getenv and
 * secure_getenv of every name of the alphabet, the environ multiset, the
 * results and errno of the writers, live snapshots, and every pointer
 * getenv has returned so far (which must never change).  A divergence
 * prints the operations of the input and aborts, so libFuzzer keeps the
 * input as a crash.
 *
 * The library is linked into this program, so libFuzzer and the
 * sanitizer runtimes call our getenv too; each input starts from
 * clearenv(), which the library performs without allocating.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envsafe.h"
#include "fuzz_env.h"
#include "model.h"

extern char **environ;

#ifdef ENVSAFE_FAULT_INJECTION
extern long es_alloc_calls;
extern long es_fail_at;
#endif

unsigned long fuzz_ops, fuzz_inputs;

/* ---- the alphabet ---- */

/* Short names that prefix each other, so textual matching is exercised. */
static const char *const valid_names[] = { "A", "B", "AB", "BA", "A_1", "LONGER_NAME" };
#define N_VALID (sizeof valid_names / sizeof valid_names[0])
static const char *const invalid_names[] = { "", "A=", "=A", "A=x" };
#define N_INVALID (sizeof invalid_names / sizeof invalid_names[0])
/* "N0".."N55": enough distinct names to fill a 32-slot buffer and grow it. */
#define N_NUMBERED 56

/* Strings a program might put in its own environ array: duplicates, no
 * '=', an empty name, a value holding '='. */
static char *const literals[] = { "A=1", "A=2", "B=1", "AB=x", "JUNK", "=e", "A==", "N3=z", "BA=", "LONGER_NAME=long" };
#define N_LITERALS (sizeof literals / sizeof literals[0])

static const char value_chars[] = "ab=";

/* ---- per-input state ---- */

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

#define PUTENV_BUFS 24
#define PUTENV_LEN 40
/* putenv buffers stay the caller's for as long as they are in environ:
 * static, reused only after the next input's clearenv. */
static char putenv_buf[PUTENV_BUFS][PUTENV_LEN];
static size_t putenv_used;

#define ARRAY_MAX 48
#define ASSIGNS_PER_INPUT 4
static char *static_array[ASSIGNS_PER_INPUT][ARRAY_MAX + 1];
static char **heap_array[ASSIGNS_PER_INPUT];
static size_t assigns;
static char *empty_array[1];

#define SNAPS 2
static envsafe_snapshot *snap[SNAPS];
static struct model snap_model[SNAPS];

#define PINS 64
static const char *pin[PINS];
static char pin_copy[PINS][MODEL_TEXT];
static size_t pins;

static struct model M;
static int fault_armed;
/* Numbered names this input has used: only those are worth a getenv each
 * step (any other one showing up would show in the environ multiset). */
static uint64_t numbered_used;

/*
 * getenv's miss path trusts the digest (src/state.h): the sum, mod 2^64,
 * of the live slots and of environ as the library last stored them.
 * Program stores into environ that add up to no change at all leave it
 * agreeing, a limit the library documents (docs/VERIFICATION.md, bug 3).
 * The harness keeps the same sum of its own stores since the library's
 * last write; only a miss with that sum at zero is such a collision,
 * counted and reported at exit.  Any other miss is a divergence.
 */
static uintptr_t store_sum_delta;
static unsigned stores_since_write;
unsigned long fuzz_digest_misses;

static int digest_explains_miss(void)
{
	return stores_since_write && store_sum_delta == 0;
}

static char trace[8192];
static size_t trace_len;

__attribute__((format(printf, 1, 2))) static void note(const char *fmt, ...)
{
	va_list ap;
	if (trace_len >= sizeof trace - 1)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(trace + trace_len, sizeof trace - trace_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		trace_len += (size_t)n < sizeof trace - trace_len ? (size_t)n : sizeof trace - trace_len - 1;
}

__attribute__((format(printf, 1, 2), noreturn)) static void diverged(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "envsafe fuzz: DIVERGENCE: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\noperations of this input:\n%s\nenviron now:\n", trace);
	for (char **e = environ; e && *e; e++)
		fprintf(stderr, "  [%td] \"%s\"\n", e - environ, *e);
	fprintf(stderr, "model now (%zu entries):\n", M.n);
	for (size_t i = 0; i < M.n; i++)
		fprintf(stderr, "  \"%s\"%s\n", model_str(&M.e[i]), M.e[i].ext ? " (caller's)" : "");
	abort();
}

static void pick_name(struct input *in, char *buf, size_t len)
{
	unsigned b = take(in);
	if (b >= 256 - N_NUMBERED) {
		numbered_used |= 1ull << (b - (256 - N_NUMBERED));
		snprintf(buf, len, "N%u", b - (256 - N_NUMBERED));
	}
	else if (b % 16 < 12)
		snprintf(buf, len, "%s", valid_names[b % N_VALID]);
	else
		snprintf(buf, len, "%s", invalid_names[b % N_INVALID]);
}

static void pick_value(struct input *in, char *buf)
{
	unsigned len = take(in) % 5;
	for (unsigned i = 0; i < len; i++)
		buf[i] = value_chars[take(in) % 3];
	buf[len] = '\0';
}

static int valid_name(const char *name)
{
	return *name && !strchr(name, '=');
}

static int in_putenv_buffers(const char *p)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)putenv_buf;
	return a >= base && a < base + sizeof putenv_buf;
}

/* ---- checks ---- */

static void check_name(const char *name)
{
	const char *v = getenv(name);
	if (!model_accepts(&M, name, v) && !v && digest_explains_miss()) {
		note("getenv(\"%s\") missed: known digest collision\n", name);
		fuzz_digest_misses++;
		return;
	}
	if (!model_accepts(&M, name, v))
		diverged("getenv(\"%s\") = %s%s%s", name, v ? "\"" : "", v ? v : "NULL", v ? "\"" : "");
	const char *sv = secure_getenv(name);
	if (sv != v)
		diverged("secure_getenv(\"%s\") differs from getenv", name);
	if (v && !in_putenv_buffers(v) && pins < PINS) {
		pin[pins] = v;
		snprintf(pin_copy[pins], MODEL_TEXT, "%s", v);
		pins++;
	}
}

static void check_snapshot(size_t k)
{
	char why[256];
	if (!model_matches(&snap_model[k], envsafe_snapshot_envp(snap[k]), why, sizeof why))
		diverged("snapshot %zu changed after it was taken: %s", k, why);
	if (envsafe_snapshot_count(snap[k]) != snap_model[k].n)
		diverged("snapshot %zu count %zu, model %zu", k, envsafe_snapshot_count(snap[k]),
			 snap_model[k].n);
	for (size_t i = 0; i < N_VALID; i++) {
		const char *v = envsafe_snapshot_get(snap[k], valid_names[i]);
		if (!model_accepts(&snap_model[k], valid_names[i], v))
			diverged("envsafe_snapshot_get(%zu, \"%s\") = %s", k, valid_names[i], v ? v : "NULL");
	}
}

static void check_all(void)
{
	char why[256];
	char name[16];
#ifdef ENVSAFE_FAULT_INJECTION
	long calls = es_alloc_calls;
#endif

	if (!model_matches(&M, environ, why, sizeof why))
		diverged("environ differs from the model: %s", why);
	for (size_t i = 0; i < N_VALID; i++)
		check_name(valid_names[i]);
	for (size_t i = 0; i < N_INVALID; i++)
		check_name(invalid_names[i]);
	check_name("JUNK");
	for (unsigned i = 0; i < N_NUMBERED; i++) {
		if (!(numbered_used >> i & 1))
			continue;
		snprintf(name, sizeof name, "N%u", i);
		check_name(name);
	}
	for (size_t i = 0; i < pins; i++)
		if (strcmp(pin[i], pin_copy[i]) != 0)
			diverged("a string getenv returned changed: was \"%s\", now \"%s\"", pin_copy[i], pin[i]);
	for (size_t k = 0; k < SNAPS; k++)
		if (snap[k])
			check_snapshot(k);
#ifdef ENVSAFE_FAULT_INJECTION
	if (es_alloc_calls != calls)
		diverged("readers allocated (%ld calls)", es_alloc_calls - calls);
#endif
}

/* ---- writers: expected results, with injected allocation failure ---- */

/* Did the armed allocation failure fire during the last call? */
static int fault_fired(void)
{
#ifdef ENVSAFE_FAULT_INJECTION
	return fault_armed && es_alloc_calls >= es_fail_at;
#else
	return 0;
#endif
}

static void disarm(void)
{
#ifdef ENVSAFE_FAULT_INJECTION
	es_fail_at = 0;
#endif
	fault_armed = 0;
}

/*
 * Settle a writer's outcome.  R/ERR are what it returned; WANT_R/WANT_ERR
 * what the model says.  An allocation failure that fired must surface as
 * -1/ENOMEM with nothing changed; one that did not fire must not.
 * Returns 1 when the model's change should be applied.
 */
static int settle(const char *what, int r, int err, int want_r, int want_err)
{
	char why[256];
	int fired = fault_fired();
	disarm();
	if (r == 0)
		stores_since_write = 0, store_sum_delta = 0;
	if (fired) {
		if (r != -1 || err != ENOMEM)
			diverged("%s: injected allocation failure, returned %d errno %d (want -1 ENOMEM)", what, r, err);
		if (!model_matches(&M, environ, why, sizeof why))
			diverged("%s failed with ENOMEM but changed the environment: %s", what, why);
		return 0;
	}
	if (r != want_r || (want_r < 0 && err != want_err))
		diverged("%s returned %d errno %d, model %d errno %d", what, r, err, want_r, want_err);
	if (r == 0 && err != 4242)
		diverged("%s succeeded but changed errno to %d", what, err);
	return r == 0;
}

/* Among the entries defining NAME (as a writer matches: "NAME=" prefix,
 * an empty name matching "=..."), find one whose replacement by REPL (an
 * owned "name=value" or a caller's string) makes the model equal
 * environ.  glibc replaces the first in order; envsafe's order differs,
 * so any of them may be the one. */
static void replace_one(const char *what, const char *name, const char *value, const char *ext)
{
	char why[256] = "no entry to replace";
	/* Owned entries first: when the library's choice cannot be told
	 * apart by content, keep the caller's strings tracked by pointer. */
	for (size_t k = 0; k < 2 * M.n; k++) {
		size_t i = k % M.n;
		if ((k < M.n) != !M.e[i].ext || !model_names(model_str(&M.e[i]), name))
			continue;
		struct model_entry saved = M.e[i];
		if (ext) {
			M.e[i].ext = ext;
			M.e[i].text[0] = '\0';
		} else {
			model_set_owned(&M.e[i], name, value);
		}
		if (model_matches(&M, environ, why, sizeof why))
			return;
		M.e[i] = saved;
	}
	diverged("%s: no single replacement explains environ: %s", what, why);
}

static size_t count_defining(const char *name)
{
	size_t k = 0;
	for (size_t i = 0; i < M.n; i++)
		k += model_names(model_str(&M.e[i]), name);
	return k;
}

static void do_setenv(const char *name, const char *value, int overwrite)
{
	note("setenv(\"%s\", %s%s%s, %d)\n", name, value ? "\"" : "", value ? value : "NULL", value ? "\"" : "",
	     overwrite);
	/* libc declares setenv's value nonnull; hide where it comes from so
	 * the compiler keeps the NULL case. */
	const char *passed = value;
	__asm__("" : "+r"(passed));
	errno = 4242;
	int r = setenv(name, passed, overwrite);
	int err = errno;
	if (!valid_name(name) || !value) {
		settle("setenv", r, err, -1, EINVAL);
		return;
	}
	size_t k = count_defining(name);
	if (!settle("setenv", r, err, 0, 0))
		return;
	if (k && !overwrite)
		return;
	if (k) {
		replace_one("setenv", name, value, NULL);
		return;
	}
	if (model_add_owned(&M, name, value) < 0)
		diverged("model full");
	char want[MODEL_TEXT];
	snprintf(want, sizeof want, "%s=%s", name, value);
	if (!environ || !environ[0] || strcmp(environ[0], want) != 0)
		diverged("setenv of a new name did not put \"%s\" at the front of environ", want);
}

static void do_unsetenv(const char *name)
{
	note("unsetenv(\"%s\")\n", name);
	errno = 4242;
	int r = unsetenv(name);
	int err = errno;
	if (!valid_name(name)) {
		settle("unsetenv", r, err, -1, EINVAL);
		return;
	}
	if (settle("unsetenv", r, err, 0, 0))
		model_remove_name(&M, name);
}

static void do_putenv(struct input *in)
{
	char name[16], value[8];
	pick_name(in, name, sizeof name);
	pick_value(in, value);
	if (take(in) % 8 == 0) {
		/* No '=': glibc and envsafe unset NAME and report success. */
		char bare[16];
		snprintf(bare, sizeof bare, "%s", name);
		*strchrnul(bare, '=') = '\0';
		note("putenv(\"%s\") [no '=']\n", bare);
		errno = 4242;
		int r = putenv(bare);
		int err = errno;
		int fired = fault_fired();
		disarm();
		if (fired) {
			char why[256];
			if (!model_matches(&M, environ, why, sizeof why))
				diverged("putenv(\"%s\") under ENOMEM changed the environment: %s", bare, why);
			return;
		}
		if (r != 0)
			diverged("putenv(\"%s\") returned %d errno %d", bare, r, err);
		if (*bare) {
			model_remove_name(&M, bare);
			stores_since_write = 0, store_sum_delta = 0;
		}
		return;
	}
	if (putenv_used == PUTENV_BUFS)
		return;
	char *s = putenv_buf[putenv_used++];
	snprintf(s, PUTENV_LEN, "%s=%s", name, value);
	/* The name is everything before the first '=' of the whole string. */
	char key[PUTENV_LEN];
	snprintf(key, sizeof key, "%s", s);
	*strchr(key, '=') = '\0';
	note("putenv(buf%zu=\"%s\")\n", (size_t)(s - putenv_buf[0]) / PUTENV_LEN, s);
	size_t k = count_defining(key);
	errno = 4242;
	int r = putenv(s);
	if (!settle("putenv", r, errno, 0, 0))
		return;
	if (k) {
		replace_one("putenv", key, NULL, s);
		return;
	}
	if (model_add_ext(&M, s) < 0)
		diverged("model full");
	if (!environ || environ[0] != s)
		diverged("putenv of a new name did not put the buffer at the front of environ");
}

/* The owner of a putenv'd buffer edits it in place (legal: the string is
 * the environment).  The model reads the buffer live, so needs no change. */
static void do_edit(struct input *in)
{
	if (!putenv_used)
		return;
	char *s = putenv_buf[take(in) % putenv_used];
	size_t len = strlen(s);
	unsigned how = take(in) % 4;
	if (how == 0) {
		/* Rename: change the first character of the name. */
		static const char firsts[] = "ABN=";
		s[0] = firsts[take(in) % 4];
	} else if (how == 1) {
		/* Drop or restore the '=' (an entry without '=' matches nothing). */
		char *eq = strchr(s, '=');
		if (eq)
			*eq = 'B';
		else if (len > 1)
			s[1] = '=';
	} else {
		size_t pos = take(in) % (len + 1);
		char c = "ab=\0"[take(in) % 4];
		if (pos + 2 >= PUTENV_LEN)
			return;
		/* A NUL or '=' written into the name renames the buffer too. */
		if (pos == len)
			s[pos + 1] = '\0';
		if (pos == 0 && c == '\0')
			c = 'a';
		s[pos] = c;
	}
	note("edit buf%zu -> \"%s\"\n", (size_t)(s - putenv_buf[0]) / PUTENV_LEN, s);
}

static void do_clearenv(void)
{
	note("clearenv()\n");
	errno = 4242;
	int r = clearenv();
	if (fault_fired())
		diverged("clearenv allocated");
	if (settle("clearenv", r, errno, 0, 0))
		M.n = 0;
}

static void do_assign(struct input *in)
{
	if (assigns == ASSIGNS_PER_INPUT)
		return;
	unsigned kind = take(in) % 4;
	size_t n = take(in) % (ARRAY_MAX + 1);
	if (kind == 2) {
		note("environ = NULL\n");
		environ = NULL;
		M.n = 0;
		return;
	}
	if (kind == 3) {
		note("environ = (empty array)\n");
		environ = empty_array;
		M.n = 0;
		return;
	}
	char **a = static_array[assigns];
	if (kind == 1) {
		a = heap_array[assigns] = malloc((n + 1) * sizeof *a);
		if (!a)
			abort();
	}
	assigns++;
	M.n = 0;
	for (size_t i = 0; i < n; i++) {
		a[i] = literals[take(in) % N_LITERALS];
		model_add_ext(&M, a[i]);
	}
	a[n] = NULL;
	note("environ = (%s array of %zu)\n", kind == 1 ? "heap" : "static", n);
	environ = a;
	stores_since_write = 0;
	store_sum_delta = 0;
}

static size_t environ_count(void)
{
	size_t n = 0;
	while (environ && environ[n])
		n++;
	return n;
}

/* The program stores into environ[i] directly (legal, and seen by the
 * library only at its next write).  environ[0] = NULL empties it. */
static void do_store(struct input *in)
{
	size_t n = environ_count();
	if (!n)
		return;
	size_t i = take(in) % (n + 1);
	if (i == n) {
		note("environ[0] = NULL\n");
		stores_since_write++;
		/* A reader's sum now stops at the NULL: every entry leaves it.
		 * Unsigned wrap-around is the digest's own arithmetic. */
		for (size_t k = 0; k < n; k++)
			store_sum_delta -= (uintptr_t)environ[k];
		environ[0] = NULL;
		M.n = 0;
		return;
	}
	char *old = environ[i];
	char *lit = literals[take(in) % N_LITERALS];
	size_t j = M.n;
	for (size_t k = 0; k < M.n && j == M.n; k++)
		if (M.e[k].ext == old)
			j = k;
	/* Not a caller's string we track by pointer: an owned entry with
	 * that content, or failing that any entry with it. */
	for (size_t k = 0; k < M.n && j == M.n; k++)
		if (!M.e[k].ext && strcmp(model_str(&M.e[k]), old) == 0)
			j = k;
	for (size_t k = 0; k < M.n && j == M.n; k++)
		if (strcmp(model_str(&M.e[k]), old) == 0)
			j = k;
	if (j == M.n)
		diverged("environ[%zu] = \"%s\" is not in the model", i, old);
	note("environ[%zu] = \"%s\" (was \"%s\")\n", i, lit, old);
	environ[i] = lit;
	stores_since_write++;
	store_sum_delta += (uintptr_t)lit - (uintptr_t)old;
	M.e[j].ext = lit;
}

static void do_getenv_r(struct input *in)
{
	char name[16], buf[16];
	pick_name(in, name, sizeof name);
	size_t len = take(in) % 8;
	int null_buf = take(in) % 16 == 0;
	note("getenv_r(\"%s\", %s, %zu)\n", name, null_buf ? "NULL" : "buf", len);
	memset(buf, '#', sizeof buf);
	errno = 0;
	int r = getenv_r(name, null_buf ? NULL : buf, len);
	int err = errno;

	if (null_buf || !valid_name(name)) {
		if (r != -1 || err != EINVAL)
			diverged("getenv_r(\"%s\") returned %d errno %d, want EINVAL", name, r, err);
		return;
	}
	const char *values[MODEL_MAX];
	size_t k = model_lookup(&M, name, values, MODEL_MAX);
	if (k && r == -1 && err == ENOENT && digest_explains_miss()) {
		note("getenv_r(\"%s\") missed: known digest collision\n", name);
		fuzz_digest_misses++;
		return;
	}
	if (!k) {
		if (r != -1 || err != ENOENT)
			diverged("getenv_r(\"%s\") returned %d errno %d, want ENOENT", name, r, err);
		return;
	}
	for (size_t i = 0; i < k; i++) {
		size_t need = strlen(values[i]) + 1;
		if (r == 0 && need <= len && memcmp(buf, values[i], need) == 0)
			return;
		if (r == -1 && err == ERANGE && need > len && buf[0] == '#')
			return;
	}
	diverged("getenv_r(\"%s\", %zu) returned %d errno %d buf \"%.*s\"", name, len, r, err, (int)len, buf);
}

static void do_snapshot(struct input *in)
{
	size_t k = take(in) % SNAPS;
	if (snap[k]) {
		note("snapshot %zu released\n", k);
		check_snapshot(k);
		envsafe_snapshot_release(snap[k]);
		snap[k] = NULL;
		return;
	}
	note("snapshot %zu taken\n", k);
	errno = 4242;
	envsafe_snapshot *s = envsafe_snapshot_take();
	int err = errno;
	int fired = fault_fired();
	disarm();
	if (fired) {
		if (s || err != ENOMEM)
			diverged("snapshot_take under injected ENOMEM returned %p errno %d", (void *)s, err);
		return;
	}
	if (!s)
		diverged("snapshot_take failed, errno %d", err);
	snap[k] = s;
	model_freeze(&M, &snap_model[k]);
	char *const *envp = envsafe_snapshot_envp(s);
	for (size_t i = 0; environ && environ[i]; i++)
		if (!envp[i] || strcmp(envp[i], environ[i]) != 0)
			diverged("snapshot entry %zu is not environ[%zu] (order)", i, i);
	check_snapshot(k);
}

static void arm_fault(struct input *in)
{
#ifdef ENVSAFE_FAULT_INJECTION
	unsigned k = 1 + take(in) % 4;
	note("fail allocation %u from now\n", k);
	es_fail_at = es_alloc_calls + k;
	fault_armed = 1;
#else
	(void)in;
#endif
}

enum op {
	OP_SETENV,
	OP_SETENV_KEEP,
	OP_UNSETENV,
	OP_PUTENV,
	OP_EDIT,
	OP_CLEARENV,
	OP_ASSIGN,
	OP_STORE,
	OP_GETENV_R,
	OP_SNAPSHOT,
	OP_FAULT,
	OP_SETENV_NULL,
	OP_COUNT
};

static void reset(void)
{
	disarm();
	for (size_t k = 0; k < SNAPS; k++) {
		envsafe_snapshot_release(snap[k]);
		snap[k] = NULL;
	}
	/* Leaves environ on the library's own empty list; nothing below
	 * reads the heap arrays any more. */
	if (clearenv() != 0)
		diverged("clearenv failed");
	for (size_t i = 0; i < ASSIGNS_PER_INPUT; i++) {
		free(heap_array[i]);
		heap_array[i] = NULL;
	}
	assigns = 0;
	stores_since_write = 0;
	store_sum_delta = 0;
	putenv_used = 0;
	numbered_used = 1ull << 3; /* "N3=z" is among the literals */
	pins = 0;
	M.n = 0;
	trace_len = 0;
	trace[0] = '\0';
}

#define OPS_PER_INPUT 256

void fuzz_run(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	char name[16], value[8];

	reset();
	fuzz_inputs++;
	check_all();
	for (unsigned step = 0; in.n && step < OPS_PER_INPUT; step++) {
		unsigned op = take(&in) % OP_COUNT;
		switch (op) {
		case OP_SETENV:
		case OP_SETENV_KEEP:
			pick_name(&in, name, sizeof name);
			pick_value(&in, value);
			do_setenv(name, value, op == OP_SETENV);
			break;
		case OP_SETENV_NULL:
			pick_name(&in, name, sizeof name);
			do_setenv(name, NULL, 1);
			break;
		case OP_UNSETENV:
			pick_name(&in, name, sizeof name);
			do_unsetenv(name);
			break;
		case OP_PUTENV:
			do_putenv(&in);
			break;
		case OP_EDIT:
			do_edit(&in);
			break;
		case OP_CLEARENV:
			do_clearenv();
			break;
		case OP_ASSIGN:
			do_assign(&in);
			break;
		case OP_STORE:
			do_store(&in);
			break;
		case OP_GETENV_R:
			do_getenv_r(&in);
			break;
		case OP_SNAPSHOT:
			do_snapshot(&in);
			break;
		case OP_FAULT:
			arm_fault(&in);
			break;
		}
		fuzz_ops++;
		check_all();
	}
	reset();
}
