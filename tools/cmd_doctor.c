/* envsafe doctor [--pid PID] [--json] - is this C library affected, is
 * libenvsafe installed and enabled, and is one process protected. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "commands.h"
#include "common.h"
#include "env_settings.h"
#include "escape.h"
#include "preload_list.h"
#include "proc_inspect.h"
#include "scan_elf.h"

static void doctor_help(void)
{
	printf("Usage: envsafe doctor [--pid PID] [--json]\n"
	       "\n"
	       "Without --pid: names the C library and says whether its getenv is\n"
	       "affected (glibc before 2.41 and musl are), where libenvsafe is installed,\n"
	       "whether /etc/ld.so.preload enables it, and which ENVSAFE_* settings in\n"
	       "this environment the library would ignore.\n"
	       "\n"
	       "With --pid PID: inspects that process through /proc: is libenvsafe\n"
	       "mapped, its thread count, whether it is static, setuid/setgid or Perl,\n"
	       "which loaded objects import setenv, unsetenv, putenv or clearenv, and\n"
	       "its invalid ENVSAFE_* settings; then one line starting with\n"
	       "'verdict: protected', 'verdict: at risk' or 'verdict: not at risk'.\n"
	       "\n"
	       "Options:\n"
	       "  --pid PID  inspect process PID (same user, or any as root)\n"
	       "  --json     print one JSON object instead of text\n"
	       "  --help     show this help\n"
	       "\n"
	       "Exit status: 0 protected or not at risk (and always without --pid),\n"
	       "1 at risk, 2 usage error, 3 the process cannot be inspected (gone,\n"
	       "permission denied, /proc unreadable).\n");
}

/* ---- the C library ------------------------------------------------ */

struct libc_info {
	const char *name;
	char version[64];
	int affected;      /* getenv races a concurrent setenv */
	const char *detail;
	char musl_loader[256]; /* a musl also installed beside glibc, or "" */
	char musl_version[64];
};

/* "musl libc (x86_64)\nVersion 1.2.3" is what musl's loader prints when
 * run without arguments; VERSION receives "1.2.3" or "unknown". */
static void musl_version(const char *loader, char *version, size_t size)
{
	snprintf(version, size, "unknown");
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 2);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 1);
		execl(loader, loader, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	char buf[256];
	ssize_t n = pid > 0 ? read(pipefd[0], buf, sizeof buf - 1) : -1;
	close(pipefd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (n <= 0)
		return;
	buf[n] = '\0';
	const char *v = strstr(buf, "Version ");
	if (v)
		snprintf(version, size, "%.*s", (int)strcspn(v + 8, "\n"), v + 8);
}

/* The first musl dynamic loader on this machine into LOADER, or "". */
static void find_musl(char *loader, size_t size)
{
	glob_t g;
	loader[0] = '\0';
	if (glob("/lib/ld-musl-*.so.1", 0, NULL, &g) != 0)
		return;
	if (g.gl_pathc)
		snprintf(loader, size, "%s", g.gl_pathv[0]);
	globfree(&g);
}

static void detect_libc(struct libc_info *c)
{
	*c = (struct libc_info){ 0 };
	find_musl(c->musl_loader, sizeof c->musl_loader);
	if (c->musl_loader[0])
		musl_version(c->musl_loader, c->musl_version, sizeof c->musl_version);
#ifdef __GLIBC__
	c->name = "glibc";
	snprintf(c->version, sizeof c->version, "%s", gnu_get_libc_version());
	int major = 0, minor = 0;
	sscanf(c->version, "%d.%d", &major, &minor);
	c->affected = major < 2 || (major == 2 && minor < 41);
	c->detail = c->affected
			    ? "affected: setenv reallocates and frees environ while getenv (and libc's "
			      "own readers) walk it without a lock"
			    : "getenv is safe against a concurrent setenv, but code that walks environ "
			      "can still miss entries, and lookups are O(n)";
#else
	c->name = "musl";
	snprintf(c->version, sizeof c->version, "%s", c->musl_loader[0] ? c->musl_version : "unknown");
	c->musl_loader[0] = '\0';
	c->affected = 1;
	c->detail = "affected: setenv frees environ while getenv walks it without a lock";
#endif
}

/* ---- installed copies --------------------------------------------- */

struct installed {
	char path[PATH_MAX];
	dev_t dev;
	ino_t ino;
	const char *machine;
};

static void add_installed(struct installed *list, size_t *count, size_t max, const char *path)
{
	struct stat st;
	if (*count >= max || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	for (size_t i = 0; i < *count; i++)
		if (list[i].dev == st.st_dev && list[i].ino == st.st_ino)
			return;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), cls, machine;
	if (fd < 0)
		return;
	int ok = scan_elf_identify(fd, &cls, &machine) == 0;
	close(fd);
	if (!ok)
		return;
	struct installed *it = &list[(*count)++];
	if (!realpath(path, it->path))
		snprintf(it->path, sizeof it->path, "%s", path);
	it->dev = st.st_dev;
	it->ino = st.st_ino;
	it->machine = scan_machine_name(machine);
}

/* Every libenvsafe on this machine's usual library paths, the configured
 * LIBDIR and beside this envsafe, once per file: under its soname (all a
 * runtime package installs) or as the development name (a symlink to the
 * same file, which add_installed then counts once). */
static size_t find_installed(struct installed *list, size_t max)
{
	static const char *const names[] = { ES_LIB_SONAME, "libenvsafe.so" };
	static const char *const dirs[] = {
		"/usr/local/lib", "/usr/local/lib/*", "/usr/local/lib64", "/usr/lib", "/usr/lib/*",
		"/usr/lib64", "/lib", "/lib/*", "/lib64", "/usr/*-linux-*/lib",
	};
	size_t count = 0;
	char path[PATH_MAX];
	const char *self = es_self_dir();
	for (size_t n = 0; n < sizeof names / sizeof *names; n++) {
		if (*self) {
			snprintf(path, sizeof path, "%s/%s", self, names[n]);
			add_installed(list, &count, max, path);
			snprintf(path, sizeof path, "%s/../lib/%s", self, names[n]);
			add_installed(list, &count, max, path);
		}
		snprintf(path, sizeof path, "%s/%s", es_configured_libdir(), names[n]);
		add_installed(list, &count, max, path);
		for (size_t d = 0; d < sizeof dirs / sizeof *dirs; d++) {
			glob_t g;
			snprintf(path, sizeof path, "%s/%s", dirs[d], names[n]);
			if (glob(path, 0, NULL, &g) != 0)
				continue;
			for (size_t i = 0; i < g.gl_pathc; i++)
				add_installed(list, &count, max, g.gl_pathv[i]);
			globfree(&g);
		}
	}
	return count;
}

/* ---- /etc/ld.so.preload ------------------------------------------- */

struct preload_state {
	int exists, enabled;
	char entry[PATH_MAX];
	size_t line;
};

static int find_envsafe_entry(const char *entry, size_t line, void *ctx)
{
	struct preload_state *s = ctx;
	if (!inspect_is_envsafe_name(entry))
		return 0;
	snprintf(s->entry, sizeof s->entry, "%s", entry);
	s->line = line;
	s->enabled = 1;
	return 1;
}

/* ---- settings ----------------------------------------------------- */

struct settings_out {
	FILE *out;
	int json, count;
};

static void print_problem(const char *name, const char *value, const char *why, void *ctx)
{
	struct settings_out *s = ctx;
	if (s->json) {
		fprintf(s->out, "%s{\"name\": ", s->count ? ", " : "");
		escape_json(s->out, name);
		fprintf(s->out, ", \"value\": ");
		escape_json(s->out, value);
		fprintf(s->out, ", \"problem\": ");
		escape_json(s->out, why);
		fprintf(s->out, "}");
	} else {
		escape_text_line(s->out, "%-12s %s=%s is ignored: %s", s->count ? "" : "settings:", name,
				 value, why);
	}
	s->count++;
}

/* The NULL-terminated environment of PID from /proc/PID/environ (as it
 * was at exec), or NULL when it cannot be read.  One allocation holds
 * the array and the strings. */
static char **read_environ(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	for (ssize_t n; buf && (n = read(fd, buf + len, cap - len - 1)) > 0;) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *grown = realloc(buf, cap * 2);
			if (!grown)
				free(buf);
			buf = grown;
			cap *= 2;
		}
	}
	close(fd);
	if (!buf)
		return NULL;
	buf[len] = '\0';
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		count += buf[i] == '\0';
	char **envp = malloc((count + 2) * sizeof *envp + len + 1);
	if (envp) {
		char *strings = (char *)(envp + count + 2);
		memcpy(strings, buf, len + 1);
		size_t n = 0;
		for (size_t i = 0; i < len; i += strlen(strings + i) + 1)
			envp[n++] = strings + i;
		envp[n] = NULL;
	}
	free(buf);
	return envp;
}

/* ---- reports ------------------------------------------------------ */

static int doctor_system(int json)
{
	struct libc_info c;
	detect_libc(&c);
	struct installed found[16];
	size_t count = find_installed(found, sizeof found / sizeof *found);
	struct preload_file file;
	struct preload_state pre = { 0 };
	int have_file = preload_file_read(NULL, &file) == 0;
	if (have_file) {
		pre.exists = file.exists;
		preload_file_each(&file, find_envsafe_entry, &pre);
	}
	extern char **environ;
	struct settings_out s = { stdout, json, 0 };
	if (json) {
		printf("{\"libc\": {\"name\": ");
		escape_json(stdout, c.name);
		printf(", \"version\": ");
		escape_json(stdout, c.version);
		printf("}, \"getenv_affected\": ");
		escape_json_bool(stdout, c.affected);
		printf(", \"getenv\": ");
		escape_json(stdout, c.detail);
		printf(", \"musl\": ");
		if (c.musl_loader[0]) {
			printf("{\"loader\": ");
			escape_json(stdout, c.musl_loader);
			printf(", \"version\": ");
			escape_json(stdout, c.musl_version);
			printf(", \"getenv_affected\": true}");
		} else {
			printf("null");
		}
		printf(", \"installed\": [");
		for (size_t i = 0; i < count; i++) {
			printf("%s{\"path\": ", i ? ", " : "");
			escape_json(stdout, found[i].path);
			printf(", \"machine\": ");
			escape_json(stdout, found[i].machine);
			printf("}");
		}
		printf("], \"preload\": {\"file\": \"/etc/ld.so.preload\", \"readable\": ");
		escape_json_bool(stdout, have_file);
		printf(", \"exists\": ");
		escape_json_bool(stdout, pre.exists);
		printf(", \"enabled\": ");
		escape_json_bool(stdout, pre.enabled);
		printf(", \"entry\": ");
		escape_json(stdout, pre.enabled ? pre.entry : NULL);
		printf("}, \"invalid_settings\": [");
		es_settings_check(environ, 0, print_problem, &s);
		printf("]}\n");
	} else {
		printf("%-12s %s %s\n", "C library:", c.name, c.version);
		printf("%-12s %s\n", "getenv:", c.detail);
		if (c.musl_loader[0])
			printf("%-12s musl %s is installed too (%s); its getenv is affected as well\n", "",
			       c.musl_version, c.musl_loader);
		if (count == 0)
			printf("%-12s not found (looked beside envsafe, in %s and the usual library "
			       "directories)\n", "libenvsafe:", es_configured_libdir());
		for (size_t i = 0; i < count; i++)
			escape_text_line(stdout, "%-12s %s (%s)", i ? "" : "libenvsafe:", found[i].path,
					 found[i].machine);
		if (!have_file)
			printf("%-12s /etc/ld.so.preload cannot be read\n", "preload:");
		else if (pre.enabled)
			escape_text_line(stdout, "%-12s /etc/ld.so.preload enables it: %s (line %zu)",
					 "preload:", pre.entry, pre.line + 1);
		else
			printf("%-12s /etc/ld.so.preload %s\n", "preload:",
			       pre.exists ? "does not enable it" : "does not exist (not enabled)");
		es_settings_check(environ, 0, print_problem, &s);
		if (s.count == 0)
			printf("%-12s no invalid ENVSAFE_* setting\n", "settings:");
	}
	if (have_file)
		preload_file_free(&file);
	return 0;
}

static int doctor_process(pid_t pid, int json)
{
	struct inspect_cache *cache = inspect_cache_new();
	if (!cache) {
		es_error_errno("doctor");
		return 3;
	}
	struct inspect_report r;
	enum inspect_verdict v = inspect_process(pid, cache, &r);
	char **envp = v == VERDICT_UNKNOWN || r.kernel_thread ? NULL : read_environ(pid);
	struct settings_out s = { stdout, json, 0 };
	if (json) {
		printf("{");
		inspect_report_json_members(stdout, &r);
		printf(", \"invalid_settings\": ");
		if (envp) {
			printf("[");
			es_settings_check(envp, pid, print_problem, &s);
			printf("]");
		} else {
			printf("null");
		}
		printf("}\n");
	} else if (v == VERDICT_UNKNOWN) {
		es_error("doctor: %s", r.reason);
	} else {
		escape_text_line(stdout, "%-12s %d (%s) %s", "process:", (int)r.pid, r.comm,
				 r.exe ? r.exe : "");
		printf("%-12s %d\n", "threads:", r.threads);
		escape_text_line(stdout, "%-12s %s", "libenvsafe:",
				 r.envsafe ? r.envsafe : r.envsafe_linked ? "linked in statically" : "not mapped");
		printf("%-12s %s%s%s%s\n", "executable:", r.kernel_thread ? "kernel thread"
							  : r.is_static ? "statically linked (LD_PRELOAD cannot apply)"
									: "dynamically linked",
		       r.setuid ? "; setuid (the loader ignores LD_PRELOAD)" : "",
		       r.setgid ? "; setgid (the loader ignores LD_PRELOAD)" : "",
		       r.perl ? "; Perl (manages environ itself)" : "");
		char symbols[80];
		if (r.writer_count == 0 && !r.kernel_thread)
			printf("%-12s none of its %zu mapped files imports setenv, unsetenv, putenv or "
			       "clearenv\n", "writers:", r.objects);
		for (size_t i = 0; i < r.writer_count; i++)
			escape_text_line(stdout, "%-12s %s %s %s", i ? "" : "writers:", r.writers[i].path,
					 r.is_static && i == 0 ? "contains" : "imports",
					 inspect_symbol_list(r.writers[i].symbols, symbols, sizeof symbols));
		if (r.unreadable_objects)
			printf("%-12s %zu mapped files could not be read\n", "", r.unreadable_objects);
		if (envp)
			es_settings_check(envp, pid, print_problem, &s);
		escape_text_line(stdout, "verdict: %s: %s", inspect_verdict_name(v), r.reason);
	}
	free(envp);
	inspect_report_free(&r);
	inspect_cache_free(cache);
	return v == VERDICT_AT_RISK ? 1 : v == VERDICT_UNKNOWN ? 3 : 0;
}

/* A process id: decimal, 1..INT_MAX. */
static int parse_pid(const char *text, pid_t *pid)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || end == text || *end || v <= 0 || v > INT_MAX || text[0] == '+' || text[0] == ' ')
		return -1;
	*pid = (pid_t)v;
	return 0;
}

int cmd_doctor(int argc, char **argv)
{
	int json = 0;
	pid_t pid = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			doctor_help();
			return 0;
		} else if (strcmp(arg, "--json") == 0) {
			json = 1;
		} else if ((v = es_option_value(argc, argv, &i, "--pid"))) {
			if (parse_pid(v, &pid) != 0) {
				es_error("doctor: --pid needs a process id (a positive number), not '%s'", v);
				return 2;
			}
		} else if (arg[0] == '-') {
			es_error("doctor: unknown option '%s' (try 'envsafe doctor --help')", arg);
			return 2;
		} else {
			es_error("doctor: unexpected argument '%s' (try 'envsafe doctor --help')", arg);
			return 2;
		}
	}
	if (pid && access("/proc/self/maps", R_OK) != 0) {
		es_error_errno("doctor: cannot read /proc (is it mounted?)");
		return 3;
	}
	return pid ? doctor_process(pid, json) : doctor_system(json);
}
