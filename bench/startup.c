/*
 * startup.c - what preloading costs a program that never touches the
 * environment: the time to posix_spawn /bin/true and reap it, with and
 * without LD_PRELOAD.  Variants run interleaved (rotating which goes
 * first), so machine noise lands on all of them alike, and each variant
 * is compared with the plain run of the same round.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "bench.h"

#define MAX_VARIANTS 5
#define WARMUP_ROUNDS 20

static uint64_t spawn_once(const char *program, char *preload_var)
{
	char *child_argv[] = {(char *)program, NULL};
	char *child_envp[] = {preload_var, NULL};
	pid_t pid;
	int status;
	uint64_t t0 = now_ns();
	int rc = posix_spawn(&pid, program, NULL, NULL, child_argv, child_envp);
	if (rc != 0)
		die("posix_spawn %s: %s", program, strerror(rc));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	uint64_t elapsed = now_ns() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s with %s failed (status %#x)", program, preload_var, status);
	return elapsed;
}

int cmd_spawn(int argc, char **argv)
{
	if (argc < 3 || argc - 2 > MAX_VARIANTS - 1)
		die("usage: spawn ROUNDS PROGRAM PRELOAD...");
	size_t rounds = strtoul(argv[0], NULL, 10);
	const char *program = argv[1];
	int variants = argc - 1;
	char *vars[MAX_VARIANTS];
	double *ns[MAX_VARIANTS], *ratio[MAX_VARIANTS];

	/* Variant 0 has an empty LD_PRELOAD so that every child gets an
	 * environment of the same size. */
	vars[0] = "LD_PRELOAD=";
	for (int v = 1; v < variants; v++) {
		size_t len = strlen(argv[v + 1]) + sizeof "LD_PRELOAD=";
		vars[v] = malloc(len);
		if (!vars[v])
			die("out of memory");
		snprintf(vars[v], len, "LD_PRELOAD=%s", argv[v + 1]);
	}
	for (int v = 0; v < variants; v++) {
		ns[v] = malloc(rounds * sizeof *ns[v]);
		ratio[v] = malloc(rounds * sizeof *ratio[v]);
		if (!ns[v] || !ratio[v])
			die("out of memory");
	}
	for (size_t r = 0; r < WARMUP_ROUNDS; r++)
		for (int v = 0; v < variants; v++)
			spawn_once(program, vars[v]);
	for (size_t r = 0; r < rounds; r++)
		for (int k = 0; k < variants; k++) {
			int v = (int)((r + (size_t)k) % (size_t)variants);
			ns[v][r] = (double)spawn_once(program, vars[v]);
		}
	/* Every round, so that the driver can pair any two variants. */
	for (size_t r = 0; r < rounds; r++) {
		char line[160];
		int len = 0;
		for (int v = 0; v < variants && len < (int)sizeof line - 24; v++)
			len += snprintf(line + len, sizeof line - (size_t)len, "%s%.0f", v ? "," : "", ns[v][r]);
		record("spawn_round", "round=%zu ns=%s", r, line);
	}
	for (size_t r = 0; r < rounds; r++)
		for (int v = 0; v < variants; v++)
			ratio[v][r] = ns[v][r] / ns[0][r];
	for (int v = 0; v < variants; v++)
		record("spawn", "variant=%d preload=%s rounds=%zu median_ns=%.0f ratio=%.4f", v,
		       v ? argv[v + 1] : "-", rounds, median(ns[v], rounds), median(ratio[v], rounds));
	return 0;
}
