/* envsafe run - exec a program with libenvsafe preloaded. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common.h"
#include "env_settings.h"
#include "preload_list.h"

static void run_help(void)
{
	printf("Usage: envsafe run [--strict[=warn|abort]] [--trace=FILE] [--] CMD [ARGS...]\n"
	       "\n"
	       "Runs CMD with libenvsafe.so prepended to LD_PRELOAD, so CMD and every\n"
	       "program it starts use the thread-safe environment functions.  When\n"
	       "/etc/ld.so.preload already loads the library, LD_PRELOAD is left alone\n"
	       "(one copy per process) and only the options are set.  ENVSAFE_*\n"
	       "settings the library would ignore are reported on stderr first.\n"
	       "\n"
	       "Options:\n"
	       "  --strict[=MODE]  report environment changes made while more than one\n"
	       "                   thread is alive: warn (default) prints the call site,\n"
	       "                   abort stops the program there (sets ENVSAFE_STRICT)\n"
	       "  --trace=FILE     also log every environment change to FILE, as\n"
	       "                   'envsafe trace -o FILE --follow-children' does\n"
	       "  --help           show this help\n"
	       "\n"
	       "Exit status: that of CMD; 126 if CMD cannot be executed, 127 if it is\n"
	       "not found, 2 on a usage error.\n");
}

static void report_setting(const char *name, const char *value, const char *why, void *ctx)
{
	(void)ctx;
	es_error("run: %s=%s will be ignored: %s", name, value, why);
}

int cmd_run(int argc, char **argv)
{
	const char *strict = NULL, *trace_file = NULL;
	int i;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-')
			break;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			run_help();
			return 0;
		} else if (strcmp(arg, "--strict") == 0) {
			/* "--strict abort" must not run a program called abort. */
			strict = "warn";
			if (i + 1 < argc && (strcmp(argv[i + 1], "warn") == 0 || strcmp(argv[i + 1], "abort") == 0))
				strict = argv[++i];
		} else if (strncmp(arg, "--strict=", 9) == 0) {
			strict = arg + 9;
			if (strcmp(strict, "warn") != 0 && strcmp(strict, "abort") != 0) {
				es_error("run: --strict must be warn or abort, not '%s'", strict);
				return 2;
			}
		} else if ((v = es_option_value(argc, argv, &i, "--trace"))) {
			if (!*v) {
				es_error("run: --trace needs a file name");
				return 2;
			}
			trace_file = v;
		} else {
			es_error("run: unknown option '%s' (try 'envsafe run --help')", arg);
			return 2;
		}
	}
	if (i >= argc) {
		es_error("run: missing command (usage: envsafe run [OPTIONS] -- CMD [ARGS...])");
		return 2;
	}
	if (trace_file && es_secure_mode()) {
		es_error("run: --trace is refused in a setuid/setgid process");
		return 2;
	}
	if (strict && setenv("ENVSAFE_STRICT", strict, 1) != 0) {
		es_error_errno("run: setenv ENVSAFE_STRICT");
		return 125;
	}

	extern char **environ;
	es_settings_check(environ, 0, report_setting, NULL);

	char **command = argv + i;
	int command_count = argc - i;
	if (trace_file) {
		/* Tracing preloads the library itself and returns CMD's status. */
		char **trace_argv = calloc((size_t)command_count + 6, sizeof *trace_argv);
		if (!trace_argv) {
			es_error_errno("run");
			return 125;
		}
		int n = 0;
		trace_argv[n++] = (char *)"trace";
		trace_argv[n++] = (char *)"-o";
		trace_argv[n++] = (char *)trace_file;
		trace_argv[n++] = (char *)"--follow-children";
		trace_argv[n++] = (char *)"--";
		for (int k = 0; k < command_count; k++)
			trace_argv[n++] = command[k];
		trace_argv[n] = NULL;
		int status = cmd_trace(n, trace_argv);
		free(trace_argv);
		return status;
	}

	/* A second copy at another path would only stand down. */
	char mapped[PATH_MAX];
	if (preload_self_has_envsafe(mapped, sizeof mapped))
		return es_exec_command(command);
	const char *library = es_find_library();
	if (!library || es_prepend_preload(library) != 0)
		return 125;
	return es_exec_command(command);
}
