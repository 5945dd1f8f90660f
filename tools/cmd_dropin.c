/* envsafe systemd-dropin UNIT - a drop-in that preloads libenvsafe into
 * one systemd service. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"

static void dropin_help(void)
{
	printf("Usage: envsafe systemd-dropin [--lib PATH] [--strict[=warn|abort]] UNIT\n"
	       "\n"
	       "Prints a systemd drop-in that preloads libenvsafe into UNIT (a service;\n"
	       "'.service' is added when UNIT has no suffix) and every program it starts.\n"
	       "Install it with 'systemctl edit UNIT', or save it as\n"
	       "/etc/systemd/system/UNIT.d/envsafe.conf and run 'systemctl daemon-reload'.\n"
	       "\n"
	       "Options:\n"
	       "  --lib PATH       the library to preload (default: the installed one)\n"
	       "  --strict[=MODE]  also set ENVSAFE_STRICT=MODE (warn when no mode given)\n"
	       "  --help           show this help\n"
	       "\n"
	       "Exit status: 0 printed, 1 no library found, 2 usage error.\n");
}

/* Unit names are [A-Za-z0-9:_.\\@-] (systemd.unit(5)), at most 255 bytes. */
static int valid_unit_name(const char *unit)
{
	size_t len = strlen(unit);
	return len > 0 && len < 256 && unit[0] != '.' &&
	       strspn(unit, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.\\@-") == len;
}

/* Writes S with every '%' doubled: unit files expand %-specifiers. */
static void print_unit_escaped(const char *s)
{
	for (; *s; s++)
		fputs(*s == '%' ? "%%" : (char[]){ *s, '\0' }, stdout);
}

int cmd_dropin(int argc, char **argv)
{
	const char *lib = NULL, *strict = NULL, *unit = NULL;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			dropin_help();
			return 0;
		} else if ((v = es_option_value(argc, argv, &i, "--lib"))) {
			if (v[0] != '/' || strpbrk(v, " \t\n:\"'\\")) {
				es_error("systemd-dropin: --lib needs an absolute path without spaces, colons, "
					 "quotes or backslashes, not '%s'", v);
				return 2;
			}
			lib = v;
		} else if (strcmp(arg, "--strict") == 0) {
			strict = "warn";
		} else if (strncmp(arg, "--strict=", 9) == 0) {
			strict = arg + 9;
			if (strcmp(strict, "warn") != 0 && strcmp(strict, "abort") != 0) {
				es_error("systemd-dropin: --strict must be warn or abort, not '%s'", strict);
				return 2;
			}
		} else if (arg[0] == '-') {
			es_error("systemd-dropin: unknown option '%s' (try 'envsafe systemd-dropin --help')", arg);
			return 2;
		} else if (unit) {
			es_error("systemd-dropin: expected one unit name, got '%s' too", arg);
			return 2;
		} else {
			unit = arg;
		}
	}
	if (!unit) {
		es_error("systemd-dropin: missing unit name (usage: envsafe systemd-dropin UNIT)");
		return 2;
	}
	if (!valid_unit_name(unit)) {
		es_error("systemd-dropin: '%s' is not a valid unit name", unit);
		return 2;
	}
	const char *suffix = strrchr(unit, '.') ? "" : ".service";
	if (*suffix == '\0' && strcmp(strrchr(unit, '.'), ".service") != 0) {
		es_error("systemd-dropin: '%s' is not a service: only services run programs", unit);
		return 2;
	}
	if (!lib && !(lib = es_find_library()))
		return 1;
	if (strpbrk(lib, " \t\n:\"'\\")) {
		es_error("systemd-dropin: the library path %s cannot be written in LD_PRELOAD", lib);
		return 1;
	}
	printf("# envsafe drop-in for %s%s: preloads libenvsafe into the service and into\n"
	       "# every program it starts.  Save as /etc/systemd/system/%s%s.d/envsafe.conf\n"
	       "# (or paste into 'systemctl edit %s%s'), then run 'systemctl daemon-reload'\n"
	       "# and restart the service; check it with 'envsafe doctor --pid MAINPID'.\n"
	       "# This LD_PRELOAD replaces one the unit sets itself: merge them if it does.\n"
	       "[Service]\n"
	       "Environment=LD_PRELOAD=",
	       unit, suffix, unit, suffix, unit, suffix);
	print_unit_escaped(lib);
	printf("\n");
	if (strict)
		printf("Environment=ENVSAFE_STRICT=%s\n", strict);
	return 0;
}
