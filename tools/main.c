/* envsafe - command-line front end: dispatches to one subcommand. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"

#define ENVSAFE_CLI_VERSION "1.0.0"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run a program with libenvsafe preloaded (children too)" },
	{ "torture", cmd_torture, "race setenv against readers on stock libc and on libenvsafe" },
	{ "trace", cmd_trace, "log every environment mutation of a program, with call sites" },
	{ "scan", cmd_scan, "list ELF files (and their libraries) that modify the environment" },
	{ "doctor", cmd_doctor, "is this C library affected; is a running process protected" },
	{ "ps", cmd_ps, "which running processes are protected, and which are at risk" },
	{ "preload", cmd_preload, "enable, disable or show libenvsafe in /etc/ld.so.preload" },
	{ "systemd-dropin", cmd_dropin, "print a drop-in that protects one systemd service" },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_help(void)
{
	printf("Usage: envsafe COMMAND [OPTIONS] [ARGS...]\n"
	       "       envsafe help COMMAND\n"
	       "       envsafe --help | --version\n"
	       "\n"
	       "Makes the process environment safe for multithreaded programs.\n"
	       "\n"
	       "Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		printf("  %-15s %s\n", commands[i].name, commands[i].summary);
	printf("\n"
	       "Run 'envsafe COMMAND --help' for the options of one command.\n"
	       "See envsafe(1) for exit statuses, environment variables and examples.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		es_error("missing command (try 'envsafe --help')");
		return 2;
	}
	const char *first = argv[1];
	if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0) {
		print_help();
		return 0;
	}
	if (strcmp(first, "--version") == 0) {
		printf("envsafe " ENVSAFE_CLI_VERSION "\n");
		return 0;
	}
	if (strcmp(first, "help") == 0) {
		if (argc == 2) {
			print_help();
			return 0;
		}
		if (argc > 3) {
			es_error("help: expected one command name (try 'envsafe --help')");
			return 2;
		}
		const struct command *cmd = find_command(argv[2]);
		if (!cmd) {
			es_error("help: unknown command '%s' (try 'envsafe --help')", argv[2]);
			return 2;
		}
		char help_flag[] = "--help";
		char *help_argv[] = { (char *)cmd->name, help_flag, NULL };
		return cmd->run(2, help_argv);
	}
	const struct command *cmd = find_command(first);
	if (!cmd) {
		if (first[0] == '-')
			es_error("unknown option '%s' (try 'envsafe --help')", first);
		else
			es_error("unknown command '%s' (try 'envsafe --help')", first);
		return 2;
	}
	return cmd->run(argc - 1, argv + 1);
}
