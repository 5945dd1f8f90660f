/*
 * replay.c - runs the differential fuzz target without libFuzzer, so that
 * `make check` exercises it with the default compiler: every file of the
 * seed corpus, then a fixed series of pseudo-random inputs.  A divergence
 * aborts with the target's report.
 *
 * Usage: fuzz-replay CORPUS_DIR [RANDOM_INPUTS]
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_env.h"
#include "tap.h"

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		tap_bail("cannot open %s", path);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* xorshift64: a fixed, reproducible byte source. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint8_t next_byte(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint8_t)(rng_state >> 32);
}

/*
 * The core bugs of docs/VERIFICATION.md that the fuzz target found,
 * reproduced directly, so that they stay fixed.
 */
extern char **environ;

/* Bug 1: a NULL stored over a putenv'd environ[0] is skipped. */
static int null_after_putenv_found(void)
{
	static char p[] = "P=1";
	static char a[] = "A=x";
	clearenv();
	setenv("B", "1", 1);
	putenv(p); /* environ = { P=1, B=1 } */
	environ[1] = a;
	environ[0] = NULL;
	return getenv("A") != NULL; /* glibc: NULL */
}

/* Bug 3: two program stores whose pointers XOR to the same value as the
 * ones they replace go unnoticed by the miss path. */
static int digest_collision_missed(void)
{
	static char pool[4096] __attribute__((aligned(4096)));
	clearenv();
	setenv("FIRST", "1", 1);
	setenv("SECOND", "1", 1);
	uintptr_t d = (uintptr_t)environ[0] ^ (uintptr_t)environ[1];
	if (d >= sizeof pool - 8)
		return -1;
	char *x = pool, *y = (char *)((uintptr_t)pool ^ d);
	memcpy(x, "X=1", 4);
	memcpy(y, "Y=2", 4);
	environ[0] = x;
	environ[1] = y;
	return !getenv("X") || !getenv("Y"); /* glibc finds both */
}

/* Bug 4: a putenv'd buffer that was a later duplicate at one adoption is
 * vouched for at the next, so its owner's rename goes unseen. */
static void store_over(const char *old, char *new)
{
	for (char **e = environ; e && *e; e++)
		if (strcmp(*e, old) == 0) {
			*e = new;
			return;
		}
	tap_bail("no environ entry \"%s\"", old);
}

static int renamed_putenv_missed(void)
{
	static char buf[] = "A=p";
	static char lit[] = "A=lit", z[] = "Z=2";
	clearenv();
	putenv(buf);
	setenv("X", "1", 1);
	store_over("X=1", lit); /* the buffer is now a later duplicate of A */
	setenv("Y", "1", 1);    /* adoption */
	store_over("A=lit", z); /* the buffer is the only A */
	setenv("W", "1", 1);    /* adoption again */
	buf[0] = 'B';           /* the owner renames it: "B=p" */
	const char *v = getenv("B");
	return !v || strcmp(v, "p") != 0; /* glibc: "p" */
}

static void regression(int present, const char *what)
{
	if (present < 0)
		tap_bail("could not set up the reproducer for: %s", what);
	tap_ok(!present, "regression (docs/VERIFICATION.md): %s", what);
}

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 16];
	if (argc < 2)
		tap_bail("usage: fuzz-replay CORPUS_DIR [RANDOM_INPUTS]");
	long randoms = argc > 2 ? atol(argv[2]) : 2000;

	regression(null_after_putenv_found(), "getenv honours environ[0] = NULL stored over a putenv'd entry");
	regression(digest_collision_missed(), "getenv finds names stored by the program whose pointers XOR to the old ones");
	regression(renamed_putenv_missed(), "getenv finds a putenv'd buffer renamed after two adoptions");

	struct dirent **files;
	int n = scandir(argv[1], &files, NULL, by_name);
	if (n < 0)
		tap_bail("cannot read corpus directory %s", argv[1]);
	int replayed = 0;
	for (int i = 0; i < n; i++) {
		if (files[i]->d_name[0] == '.') {
			free(files[i]);
			continue;
		}
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", argv[1], files[i]->d_name);
		unsigned long before = fuzz_ops;
		fuzz_run(buf, read_file(path, buf, sizeof buf));
		tap_ok(1, "corpus %s: %lu operations agree with the model", files[i]->d_name, fuzz_ops - before);
		replayed++;
		free(files[i]);
	}
	free(files);
	tap_ok(replayed >= 10, "the seed corpus has %d inputs (at least 10 expected)", replayed);

	unsigned long before = fuzz_ops;
	for (long i = 0; i < randoms; i++) {
		size_t len = 32 + next_byte() % 480;
		for (size_t j = 0; j < len; j++)
			buf[j] = next_byte();
		fuzz_run(buf, len);
	}
	tap_ok(1, "%ld pseudo-random inputs: %lu operations agree with the model", randoms, fuzz_ops - before);
	if (fuzz_digest_misses)
		tap_diag("%lu getenv misses after program stores that sum to no change (the digest's documented limit)",
			 fuzz_digest_misses);
	return tap_done();
}
