/*
 * envbench.c - entry point: one subcommand per measurement, each run in a
 * process of its own by bench/run.py (docs/BENCHMARKS.md explains the
 * method).  Every run first says which implementation answered it.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* No single subcommand takes this long; a hang is a failure to report,
 * not a bench run that never ends. */
#define WATCHDOG_SECONDS 120

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{"lookup", cmd_lookup},   {"write", cmd_write},   {"throughput", cmd_throughput},
	{"latency", cmd_latency}, {"memory", cmd_memory}, {"spawn", cmd_spawn},
	{"icount", cmd_icount},   {"selftest", cmd_selftest}, {"prewrite", cmd_prewrite},
	{"distinct", cmd_distinct},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: envbench info|lookup|prewrite|write|throughput|latency|memory|distinct|spawn|icount|selftest ARGS...\n");
		return 2;
	}
	alarm(WATCHDOG_SECONDS);
	record_info();
	if (strcmp(argv[1], "info") == 0)
		return 0;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 2, argv + 2);
	die("unknown subcommand %s", argv[1]);
}
