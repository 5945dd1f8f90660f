/* envsafe ps [--json] [--at-risk] - doctor's inspection over every
 * process this user may read. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "escape.h"
#include "proc_inspect.h"

static void ps_help(void)
{
	printf("Usage: envsafe ps [--json] [--at-risk]\n"
	       "\n"
	       "Runs 'envsafe doctor --pid' over every process in /proc (kernel threads\n"
	       "left out) and prints one row each: PID, COMMAND, THREADS, PROTECTED,\n"
	       "AT RISK and the reason.  Processes that exit meanwhile or cannot be read\n"
	       "are listed as such.  Each executable and library is read once per run\n"
	       "(cached by device, inode and modification time).\n"
	       "\n"
	       "Options:\n"
	       "  --json     JSON Lines: one object per process (pid, comm, threads,\n"
	       "             protected, at_risk, reason, and doctor's other fields)\n"
	       "  --at-risk  list only the processes at risk\n"
	       "  --help     show this help\n"
	       "\n"
	       "Exit status: 0 nothing at risk, 1 some process at risk, 2 usage error,\n"
	       "3 /proc cannot be read.\n");
}

static int by_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* Every numeric entry of /proc, sorted; NULL with errno on failure. */
static pid_t *list_pids(size_t *count)
{
	DIR *dir = opendir("/proc");
	if (!dir)
		return NULL;
	size_t cap = 256, n = 0;
	pid_t *pids = malloc(cap * sizeof *pids);
	struct dirent *d;
	while (pids && (d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		if (n == cap) {
			pid_t *grown = realloc(pids, 2 * cap * sizeof *pids);
			if (!grown)
				free(pids);
			pids = grown;
			cap *= 2;
		}
		if (pids)
			pids[n++] = (pid_t)atoi(d->d_name);
	}
	closedir(dir);
	if (!pids) {
		errno = ENOMEM;
		return NULL;
	}
	qsort(pids, n, sizeof *pids, by_pid);
	*count = n;
	return pids;
}

static void print_row(const struct inspect_report *r)
{
	const char *prot = "?", *risk = "?";
	if (r->verdict != VERDICT_UNKNOWN) {
		prot = r->verdict == VERDICT_PROTECTED ? "yes" : "no";
		risk = r->verdict == VERDICT_AT_RISK ? "yes" : "no";
	}
	char threads[16] = "-";
	if (r->verdict != VERDICT_UNKNOWN)
		snprintf(threads, sizeof threads, "%d", r->threads);
	escape_text_line(stdout, "%7d %-15.15s %7s %-9s %-7s %s", (int)r->pid, r->comm[0] ? r->comm : "?",
			 threads, prot, risk, r->reason);
}

int cmd_ps(int argc, char **argv)
{
	int json = 0, only_at_risk = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			ps_help();
			return 0;
		} else if (strcmp(arg, "--json") == 0) {
			json = 1;
		} else if (strcmp(arg, "--at-risk") == 0) {
			only_at_risk = 1;
		} else if (arg[0] == '-') {
			es_error("ps: unknown option '%s' (try 'envsafe ps --help')", arg);
			return 2;
		} else {
			es_error("ps: unexpected argument '%s' (try 'envsafe ps --help')", arg);
			return 2;
		}
	}
	size_t count;
	/* An empty or foreign filesystem on /proc lists no process at all. */
	pid_t *pids = access("/proc/self/maps", R_OK) == 0 ? list_pids(&count) : NULL;
	if (!pids) {
		es_error_errno("ps: cannot read /proc (is it mounted?)");
		return 3;
	}
	struct inspect_cache *cache = inspect_cache_new();
	if (!cache) {
		free(pids);
		es_error_errno("ps");
		return 3;
	}
	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	size_t tally[4] = { 0 }, shown = 0;
	if (!json)
		printf("%7s %-15s %7s %-9s %-7s %s\n", "PID", "COMMAND", "THREADS", "PROTECTED", "AT RISK",
		       "REASON");
	for (size_t i = 0; i < count; i++) {
		struct inspect_report r;
		enum inspect_verdict v = inspect_process(pids[i], cache, &r);
		if (!r.kernel_thread && (!only_at_risk || v == VERDICT_AT_RISK)) {
			tally[v]++;
			shown++;
			if (json) {
				printf("{");
				inspect_report_json_members(stdout, &r);
				printf("}\n");
			} else {
				print_row(&r);
			}
		} else if (!r.kernel_thread) {
			tally[v]++;
		}
		inspect_report_free(&r);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	double ms = (double)(end.tv_sec - start.tv_sec) * 1e3 + (double)(end.tv_nsec - start.tv_nsec) / 1e6;
	size_t reads, hits;
	inspect_cache_stats(cache, &reads, &hits);
	size_t inspected = tally[0] + tally[1] + tally[2] + tally[3];
	if (!json)
		printf("\n%zu processes: %zu protected, %zu at risk, %zu not at risk, %zu could not be "
		       "inspected; %zu files read, %zu cache hits, %.1f ms (%.2f ms per process)\n",
		       inspected, tally[VERDICT_PROTECTED], tally[VERDICT_AT_RISK],
		       tally[VERDICT_NOT_AT_RISK], tally[VERDICT_UNKNOWN], reads, hits, ms,
		       inspected ? ms / (double)inspected : 0.0);
	(void)shown;
	inspect_cache_free(cache);
	free(pids);
	fflush(stdout);
	return tally[VERDICT_AT_RISK] ? 1 : 0;
}
