/* envsafe torture - run the envsafe-stress workloads on stock libc and
 * with libenvsafe preloaded, and tabulate who crashed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "torture_child.h"

enum { RUN_STOCK = 1, RUN_PROTECTED = 2 };

struct torture_options {
	const char *seconds_text;
	double seconds;
	const char *threads_text;
	const char *modes_text;
	int which;
	int demo;
};

static void torture_help(void)
{
	printf("Usage: envsafe torture [--seconds N] [--threads N] [--mode M[,M...]|all]\n"
	       "                       [--stock|--protected|--both]\n"
	       "\n"
	       "Runs the envsafe-stress workload for each mode in a child process,\n"
	       "once on the stock C library and once with libenvsafe preloaded, and\n"
	       "reports how each run ended: survived, misses N (a reader did not find\n"
	       "a variable nobody removed), crashed SIGNAL after T s, or hung (no\n"
	       "progress for 3 s, or still running 5 s after its time; it is killed).\n"
	       "\n"
	       "Options:\n"
	       "  --seconds N    how long each run lasts (default 2)\n"
	       "  --threads N    reader threads per run (default: the workload's)\n"
	       "  --mode LIST    comma-separated modes, or all (default all; see\n"
	       "                 'envsafe-stress --list')\n"
	       "  --stock        only run on the stock C library\n"
	       "  --protected    only run with libenvsafe preloaded\n"
	       "  --both         both (default)\n"
	       "  --demo         explain the table before it (used by 'make demo')\n"
	       "  --help         show this help\n"
	       "\n"
	       "Exit status: 0 if every protected run survived with no misses (stock\n"
	       "results do not count), 1 otherwise, 2 on a usage error or if the\n"
	       "workload cannot be found.\n");
}

static int parse_positive(const char *text, double *out, int integer)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || end == text || *end || !(v > 0) || v > 86400)
		return -1;
	if (integer && v != (double)(long)v)
		return -1;
	*out = v;
	return 0;
}

static int parse_options(int argc, char **argv, struct torture_options *o)
{
	*o = (struct torture_options){ .seconds_text = "2", .seconds = 2, .modes_text = "all",
				       .which = RUN_STOCK | RUN_PROTECTED };
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			torture_help();
			return 0;
		} else if ((v = es_option_value(argc, argv, &i, "--seconds"))) {
			if (parse_positive(v, &o->seconds, 0) != 0) {
				es_error("torture: --seconds needs a positive number, not '%s'", v);
				return 2;
			}
			o->seconds_text = v;
		} else if ((v = es_option_value(argc, argv, &i, "--threads"))) {
			double n;
			if (parse_positive(v, &n, 1) != 0 || n > 4096) {
				es_error("torture: --threads needs a whole number from 1 to 4096, not '%s'", v);
				return 2;
			}
			o->threads_text = v;
		} else if ((v = es_option_value(argc, argv, &i, "--mode"))) {
			if (!*v || v[strspn(v, ",")] == '\0') {
				es_error("torture: --mode needs a mode name or 'all'");
				return 2;
			}
			o->modes_text = v;
		} else if (strcmp(arg, "--stock") == 0) {
			o->which = RUN_STOCK;
		} else if (strcmp(arg, "--protected") == 0) {
			o->which = RUN_PROTECTED;
		} else if (strcmp(arg, "--both") == 0) {
			o->which = RUN_STOCK | RUN_PROTECTED;
		} else if (strcmp(arg, "--demo") == 0) {
			o->demo = 1;
		} else if (arg[0] == '-') {
			es_error("torture: unknown option '%s' (try 'envsafe torture --help')", arg);
			return 2;
		} else {
			es_error("torture: unexpected argument '%s' (try 'envsafe torture --help')", arg);
			return 2;
		}
	}
	return -1;
}

struct mode_list {
	char **names;
	char **summaries; /* what --list says after the name, or NULL */
	size_t count, cap;
};

static int add_mode(struct mode_list *l, const char *name, size_t len, const char *summary)
{
	for (size_t i = 0; i < l->count; i++)
		if (strlen(l->names[i]) == len && memcmp(l->names[i], name, len) == 0)
			return 0;
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **names = realloc(l->names, cap * sizeof *names);
		if (!names)
			return -1;
		l->names = names;
		char **summaries = realloc(l->summaries, cap * sizeof *summaries);
		if (!summaries)
			return -1;
		l->summaries = summaries;
		l->cap = cap;
	}
	if (!(l->names[l->count] = strndup(name, len)))
		return -1;
	l->summaries[l->count] = summary && *summary ? strdup(summary) : NULL;
	l->count++;
	return 0;
}

static const char *summary_of(const struct mode_list *known, const char *name)
{
	for (size_t i = 0; i < known->count; i++)
		if (strcmp(known->names[i], name) == 0)
			return known->summaries[i];
	return NULL;
}

/* The workload's modes, one name at the start of each line of
 * `envsafe-stress --list`.  Returns 0, or -1 with a message. */
static int list_workload_modes(const char *stress, struct mode_list *out)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		es_error_errno("torture: pipe");
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		es_error_errno("torture: fork");
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execl(stress, stress, "--list", (char *)NULL);
		es_error_errno("cannot run %s", stress);
		_exit(127);
	}
	close(fds[1]);
	FILE *in = fdopen(fds[0], "r");
	char line[256];
	while (in && fgets(line, sizeof line, in)) {
		const char *name = line + strspn(line, " \t");
		size_t len = strcspn(name, " \t\r\n");
		char *summary = (char *)name + len;
		summary += strspn(summary, " \t");
		summary[strcspn(summary, "\r\n")] = '\0';
		if (len && name[0] != '#' && add_mode(out, name, len, summary) != 0) {
			es_error_errno("torture");
			break;
		}
	}
	if (in)
		fclose(in);
	else
		close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out->count == 0) {
		es_error("torture: '%s --list' did not list any mode", stress);
		return -1;
	}
	return 0;
}

/* Expands the --mode list ("all" means every listed mode) and rejects
 * names the workload does not know. */
static int select_modes(const char *text, const struct mode_list *known, struct mode_list *out)
{
	while (*text) {
		text += strspn(text, ",");
		size_t len = strcspn(text, ",");
		if (!len)
			break;
		if (len == 3 && memcmp(text, "all", 3) == 0) {
			for (size_t i = 0; i < known->count; i++)
				if (add_mode(out, known->names[i], strlen(known->names[i]), NULL) != 0)
					return -1;
		} else {
			int found = 0;
			for (size_t i = 0; i < known->count; i++)
				found |= strlen(known->names[i]) == len &&
					 memcmp(known->names[i], text, len) == 0;
			if (!found) {
				es_error("torture: unknown mode '%.*s' (known: see 'envsafe-stress --list')",
					 (int)len, text);
				return 2;
			}
			if (add_mode(out, text, len, NULL) != 0)
				return -1;
		}
		text += len;
	}
	return 0;
}

static void describe(const struct torture_result *r, char *out, size_t size)
{
	switch (r->outcome) {
	case TORTURE_SURVIVED:
		snprintf(out, size, "survived");
		break;
	case TORTURE_MISSES:
		snprintf(out, size, "misses %llu", r->misses);
		break;
	case TORTURE_CRASHED:
		snprintf(out, size, "crashed %s after %.2f s", torture_signal_name(r->signal), r->seconds);
		break;
	case TORTURE_HUNG:
		snprintf(out, size, "hung (killed after %.1f s)", r->seconds);
		break;
	case TORTURE_FAILED:
		if (r->exit_status < 0)
			snprintf(out, size, "failed to start");
		else
			snprintf(out, size, "failed (exit %d)", r->exit_status);
		break;
	}
}

static void print_row(const char *mode, const char *libc, const char *result,
		      const char *reads, const char *writes)
{
	printf("%-18s %-8s %-30s %14s %12s\n", mode, libc, result, reads, writes);
	fflush(stdout);
}

static void print_demo_intro(const struct torture_options *o, const struct mode_list *modes,
			     const struct mode_list *known)
{
	printf("envsafe demo: the process environment under concurrent readers and writers\n"
	       "\n"
	       "Each mode below starts threads that read the environment (getenv, and\n"
	       "C library functions that call it internally) while other threads call\n"
	       "setenv/unsetenv/putenv.  Every run is a child process, so a crash cannot\n"
	       "take this program down; it is reported with its signal.\n"
	       "  stock    = the system C library\n"
	       "  envsafe  = the same program with libenvsafe.so preloaded\n"
	       "%zu mode(s), about %s s per run.\n",
	       modes->count, o->seconds_text);
	for (size_t i = 0; i < modes->count; i++) {
		const char *summary = summary_of(known, modes->names[i]);
		if (summary)
			printf("  %-12s %s\n", modes->names[i], summary);
	}
	printf("\n");
}

int cmd_torture(int argc, char **argv)
{
	struct torture_options o;
	int rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;

	const char *stress = es_find_stress();
	if (!stress)
		return 2;
	const char *library = NULL;
	if (o.which & RUN_PROTECTED) {
		library = es_find_library();
		if (!library)
			return 2;
	}
	struct mode_list known = { 0 }, modes = { 0 };
	if (list_workload_modes(stress, &known) != 0)
		return 2;
	rc = select_modes(o.modes_text, &known, &modes);
	if (rc == 2)
		return 2;
	if (rc != 0 || modes.count == 0) {
		es_error("torture: no mode selected");
		return 2;
	}

	/* stress --mode M --seconds S [--threads N] --quiet --progress-fd FD */
	char *stress_argv[12];
	int n = 0, mode_slot, progress_slot;
	stress_argv[n++] = (char *)stress;
	stress_argv[n++] = (char *)"--mode";
	mode_slot = n++;
	stress_argv[n++] = (char *)"--seconds";
	stress_argv[n++] = (char *)o.seconds_text;
	if (o.threads_text) {
		stress_argv[n++] = (char *)"--threads";
		stress_argv[n++] = (char *)o.threads_text;
	}
	stress_argv[n++] = (char *)"--quiet";
	stress_argv[n++] = (char *)"--progress-fd";
	progress_slot = n++;
	stress_argv[n] = NULL;

	const struct torture_limits limits = { .stall_seconds = 3.0, .overrun_seconds = 5.0 };
	torture_catch_interrupts();
	if (o.demo)
		print_demo_intro(&o, &modes, &known);
	print_row("MODE", "LIBC", "RESULT", "READS", "WRITES");

	unsigned stock_runs = 0, stock_crashes = 0, protected_runs = 0, protected_ok = 0;
	unsigned long long protected_reads = 0, protected_writes = 0;
	for (size_t m = 0; m < modes.count; m++) {
		for (int pass = 0; pass < 2; pass++) {
			int kind = pass == 0 ? RUN_STOCK : RUN_PROTECTED;
			if (!(o.which & kind))
				continue;
			struct torture_result r;
			stress_argv[mode_slot] = modes.names[m];
			if (torture_run_child(stress_argv, progress_slot,
					      kind == RUN_PROTECTED ? library : NULL,
					      o.seconds, &limits, &r) != 0) {
				printf("interrupted\n");
				return 130;
			}
			char result[64], reads[24], writes[24];
			describe(&r, result, sizeof result);
			snprintf(reads, sizeof reads, "%llu", r.reads);
			snprintf(writes, sizeof writes, "%llu", r.writes);
			print_row(modes.names[m], kind == RUN_STOCK ? "stock" : "envsafe", result,
				  reads, writes);
			if ((r.outcome == TORTURE_FAILED || r.outcome == TORTURE_CRASHED) && r.last_output[0])
				printf("%-18s   workload said: %s\n", "", r.last_output);
			if (kind == RUN_STOCK) {
				stock_runs++;
				stock_crashes += r.outcome == TORTURE_CRASHED;
			} else {
				protected_runs++;
				protected_ok += r.outcome == TORTURE_SURVIVED;
				protected_reads += r.reads;
				protected_writes += r.writes;
			}
		}
	}

	printf("\n");
	if (stock_runs)
		printf("stock C library: crashed in %u of %u run(s)%s\n", stock_crashes, stock_runs,
		       stock_crashes < stock_runs
			       ? " (a race is a matter of chance; a short run can survive)"
			       : "");
	if (protected_runs)
		printf("libenvsafe:      %u of %u run(s) survived with no misses "
		       "(%llu reads, %llu writes)\n",
		       protected_ok, protected_runs, protected_reads, protected_writes);
	return protected_ok == protected_runs ? 0 : 1;
}
