/* envsafe preload enable|disable|status - manage libenvsafe's line in
 * /etc/ld.so.preload, proving first that the library loads. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "preload_list.h"
#include "proc_inspect.h"
#include "scan_elf.h"

static void preload_help(void)
{
	printf("Usage: envsafe preload enable|disable|status [--root DIR] [--lib PATH]\n"
	       "\n"
	       "Manages libenvsafe's entry in /etc/ld.so.preload, which preloads it into\n"
	       "every dynamically linked program on the machine.\n"
	       "\n"
	       "  enable   first runs a canary program with the library preloaded and\n"
	       "           requires it to report the library mapped; then adds one line,\n"
	       "           keeping every other entry and its order, through a temporary\n"
	       "           file, fsync and rename.  Enabling twice changes nothing.\n"
	       "           When the library sits in the loader's $LIB directory (for\n"
	       "           example /usr/lib/x86_64-linux-gnu) the line uses $LIB, so\n"
	       "           programs of another architecture load their own build.\n"
	       "  disable  removes libenvsafe's line and nothing else\n"
	       "  status   says whether the file enables libenvsafe, and where\n"
	       "\n"
	       "Options:\n"
	       "  --root DIR  manage DIR/etc/ld.so.preload instead (an image or a chroot)\n"
	       "  --lib PATH  the library to preload (an absolute path; $LIB allowed);\n"
	       "              default: the installed libenvsafe.so\n"
	       "  --help      show this help\n"
	       "\n"
	       "Exit status: 0 done (or nothing to do; status: enabled or disabled),\n"
	       "1 refused or failed (the file is left untouched), 2 usage error.\n");
}

struct preload_options {
	const char *action, *root, *lib;
};

/* -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct preload_options *o)
{
	*o = (struct preload_options){ 0 };
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			preload_help();
			return 0;
		} else if ((v = es_option_value(argc, argv, &i, "--root"))) {
			if (!*v) {
				es_error("preload: --root needs a directory");
				return 2;
			}
			o->root = v;
		} else if ((v = es_option_value(argc, argv, &i, "--lib"))) {
			if (!*v) {
				es_error("preload: --lib needs a path");
				return 2;
			}
			o->lib = v;
		} else if (arg[0] == '-') {
			es_error("preload: unknown option '%s' (try 'envsafe preload --help')", arg);
			return 2;
		} else if (o->action) {
			es_error("preload: unexpected argument '%s' (try 'envsafe preload --help')", arg);
			return 2;
		} else if (strcmp(arg, "enable") == 0 || strcmp(arg, "disable") == 0 ||
			   strcmp(arg, "status") == 0) {
			o->action = arg;
		} else {
			es_error("preload: unknown action '%s': expected enable, disable or status", arg);
			return 2;
		}
	}
	if (!o->action) {
		es_error("preload: missing action: enable, disable or status (try 'envsafe preload --help')");
		return 2;
	}
	if (o->lib && o->lib[0] != '/') {
		es_error("preload: --lib must be an absolute path, not '%s'", o->lib);
		return 2;
	}
	/* The loader splits entries at these; a comment would cut one. */
	if (o->lib && strpbrk(o->lib, " \t\n:#")) {
		es_error("preload: --lib cannot contain spaces, colons or '#': '%s'", o->lib);
		return 2;
	}
	return -1;
}

/* ---- the canary --------------------------------------------------- */

/* Whether the text before and after "$LIB" in ENTRY frames PATH. */
static int matches_lib_pattern(const char *entry, const char *path)
{
	const char *token = strstr(entry, "$LIB");
	if (!token)
		return strcmp(entry, path) == 0;
	size_t head = (size_t)(token - entry), tail = strlen(token + 4), len = strlen(path);
	return len > head + tail && strncmp(path, entry, head) == 0 &&
	       strcmp(path + len - tail, token + 4) == 0;
}

/* Runs cat(1) on its own /proc/self/maps with LD_PRELOAD=ENTRY, which the
 * dynamic linker expands as it would the line in /etc/ld.so.preload.
 * Succeeds (0) when the canary exits 0 having mapped a file that is
 * EXPECT (same device and inode) or, with EXPECT NULL, a libenvsafe whose
 * path ENTRY's $LIB pattern frames; MAPPED receives its path.  Otherwise
 * -1 with the reason in WHY (including the loader's own complaint). */
static int canary(const char *entry, const struct stat *expect, char *mapped, size_t mapped_size,
		  char *why, size_t why_size)
{
	const char *cat = access("/bin/cat", X_OK) == 0 ? "/bin/cat" : "/usr/bin/cat";
	char *preload = NULL;
	if (asprintf(&preload, "LD_PRELOAD=%s", entry) < 0) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	int out[2], err[2];
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
		snprintf(why, why_size, "pipe: %s", strerror(errno));
		free(preload);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		char *argv[] = { (char *)"cat", (char *)"/proc/self/maps", NULL };
		char *envp[] = { preload, (char *)"LC_ALL=C", (char *)"PATH=/usr/bin:/bin", NULL };
		execve(cat, argv, envp);
		_exit(127);
	}
	free(preload);
	close(out[1]);
	close(err[1]);
	if (pid < 0) {
		snprintf(why, why_size, "fork: %s", strerror(errno));
		close(out[0]);
		close(err[0]);
		return -1;
	}
	/* Collect both outputs until both hang up; a library whose
	 * constructor never returns is killed after 30 s. */
	size_t cap = 1 << 16, got = 0, errgot = 0;
	char *maps = malloc(cap), errtext[512] = "";
	struct pollfd fds[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
	int open_fds = 2, killed = 0;
	time_t deadline = time(NULL) + 30;
	while (open_fds > 0 && maps) {
		int ready = poll(fds, 2, 1000);
		if (ready < 0 && errno != EINTR)
			break;
		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		for (int k = 0; k < 2; k++) {
			if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char chunk[4096];
			ssize_t n = read(fds[k].fd, chunk, sizeof chunk);
			if (n <= 0) {
				close(fds[k].fd);
				fds[k].fd = -1;
				open_fds--;
				continue;
			}
			if (k == 1) {
				size_t room = sizeof errtext - 1 - errgot, take = (size_t)n < room ? (size_t)n : room;
				memcpy(errtext + errgot, chunk, take);
				errgot += take;
				errtext[errgot] = '\0';
				continue;
			}
			if (got + (size_t)n + 1 > cap) {
				char *grown = realloc(maps, cap * 2);
				if (!grown) {
					free(maps);
					maps = NULL;
					break;
				}
				maps = grown;
				cap *= 2;
			}
			memcpy(maps + got, chunk, (size_t)n);
			got += (size_t)n;
		}
	}
	for (int k = 0; k < 2; k++)
		if (fds[k].fd >= 0)
			close(fds[k].fd);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	errtext[strcspn(errtext, "\n")] = '\0';
	if (!maps) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	maps[got] = '\0';
	int rc = -1;
	if (killed)
		snprintf(why, why_size, "the canary process hung and was killed");
	else if (WIFSIGNALED(status))
		snprintf(why, why_size, "the canary process died of signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		snprintf(why, why_size, "the canary process failed (exit %d)%s%s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, errgot ? ": " : "", errtext);
	else
		snprintf(why, why_size, "the canary process did not map it%s%s",
			 errgot ? ": " : "", errgot ? errtext : "");
	for (char *line = maps; rc != 0 && !killed && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
				line && *line;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *file = strchr(line, '/');
		struct stat st;
		if (file && (expect ? stat(file, &st) == 0 && st.st_dev == expect->st_dev &&
					      st.st_ino == expect->st_ino
				    : inspect_is_envsafe_name(file) && matches_lib_pattern(entry, file))) {
			snprintf(mapped, mapped_size, "%s", file);
			rc = 0;
		}
		line = next;
	}
	free(maps);
	return rc;
}

/* ---- choosing the line ------------------------------------------- */

/* Nonzero when the ELF file at PATH defines envsafe_version; WHY says
 * otherwise. */
static int is_envsafe_library(const char *path, char *why, size_t why_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, why_size, "cannot open: %s", strerror(errno));
		return 0;
	}
	struct scan_elf elf;
	enum scan_elf_status st = scan_elf_read(fd, &elf, why, why_size);
	close(fd);
	if (st != SCAN_ELF_OK)
		return 0;
	int ok = elf.is_envsafe && elf.type == SCAN_TYPE_SHARED_OBJECT;
	if (!ok)
		snprintf(why, why_size, "not libenvsafe (a shared object defining envsafe_version)");
	scan_elf_free(&elf);
	return ok;
}

/* The line for the library at LIB (absolute): DIR/$LIB/NAME when the
 * loader's $LIB expands to where LIB is (the canary decides), else LIB.
 * LIB_ST is LIB's status. */
static char *choose_line(const char *lib, const struct stat *lib_st)
{
	const char *name = strrchr(lib, '/') + 1;
	size_t dir_len = (size_t)(name - 1 - lib);
	/* $LIB is "lib/x86_64-linux-gnu" (Debian), "lib64" (Fedora) or
	 * "lib": try the last two, then the last one, components of LIB's
	 * directory. */
	size_t cut[2] = { dir_len, dir_len };
	const char *p = memrchr(lib, '/', dir_len);
	if (p) {
		cut[1] = (size_t)(p - lib);
		p = cut[1] ? memrchr(lib, '/', cut[1]) : NULL;
		cut[0] = p ? (size_t)(p - lib) : cut[1];
	}
	for (int k = 0; k < 2 && cut[k] < dir_len; k++) {
		if (strncmp(lib + cut[k] + 1, "lib", 3) != 0)
			continue;
		char *line, mapped[PATH_MAX], why[600];
		if (asprintf(&line, "%.*s/$LIB/%s", (int)cut[k], lib, name) < 0)
			break;
		if (canary(line, lib_st, mapped, sizeof mapped, why, sizeof why) == 0)
			return line;
		free(line);
	}
	return strdup(lib);
}

/* Loaders of other architectures on this machine that will read the
 * file too; prints one note for each whose build is not where its $LIB
 * would find it (or for every one, when LINE has no $LIB). */
static void note_foreign_loaders(const char *line, int machine)
{
	static const char *const patterns[] = { "/lib/ld-*.so*", "/lib64/ld-*.so*", "/lib32/ld-*.so*",
						"/libx32/ld-*.so*", "/usr/*-linux-gnu*/lib/ld-*.so*" };
	/* /lib32/ld-linux.so.2 is often /lib/ld-linux.so.2: one note per file. */
	struct { dev_t dev; ino_t ino; } seen[32];
	size_t nseen = 0;
	for (size_t p = 0; p < sizeof patterns / sizeof *patterns; p++) {
		glob_t g;
		if (glob(patterns[p], 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			int fd = open(g.gl_pathv[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK), cls, mach;
			if (fd < 0)
				continue;
			int ok = scan_elf_identify(fd, &cls, &mach) == 0;
			close(fd);
			struct stat st;
			size_t k = 0;
			if (!ok || mach == machine || strstr(g.gl_pathv[i], "ld-musl") ||
			    stat(g.gl_pathv[i], &st) != 0)
				continue;
			while (k < nseen && (seen[k].dev != st.st_dev || seen[k].ino != st.st_ino))
				k++;
			if (k < nseen || nseen == sizeof seen / sizeof *seen)
				continue;
			seen[nseen].dev = st.st_dev;
			seen[nseen++].ino = st.st_ino;
			printf("note: %s programs (loader %s) %s\n", scan_machine_name(mach), g.gl_pathv[i],
			       strstr(line, "$LIB")
				       ? "load the build installed in their own $LIB directory; without one, "
					 "the loader prints 'cannot be preloaded' for each of them"
				       : "will print 'cannot be preloaded' for this line; install the "
					 "library in a $LIB directory (see envsafe(1)) to avoid it");
		}
		globfree(&g);
	}
}

/* ---- entries in the file ----------------------------------------- */

struct match {
	const char *line_text; /* our line (enable) or the --lib text */
	const struct stat *lib_st;
	int any_envsafe;       /* disable/status without --lib: every libenvsafe */
	size_t lines[64];      /* lines holding a matching entry */
	size_t count;
	int shared_line;       /* a match shares its line with other entries */
	char first[PATH_MAX];  /* the first matching entry */
	size_t first_line;
};

static int entry_matches(const struct match *m, const char *entry)
{
	struct stat st;
	if (m->any_envsafe)
		return inspect_is_envsafe_name(entry);
	if (strcmp(entry, m->line_text) == 0)
		return 1;
	return m->lib_st && stat(entry, &st) == 0 && st.st_dev == m->lib_st->st_dev &&
	       st.st_ino == m->lib_st->st_ino;
}

static int visit_entry(const char *entry, size_t line, void *ctx)
{
	struct match *m = ctx;
	if (!entry_matches(m, entry))
		return 0;
	if (m->count == 0) {
		snprintf(m->first, sizeof m->first, "%s", entry);
		m->first_line = line;
	}
	if (m->count < sizeof m->lines / sizeof *m->lines)
		m->lines[m->count++] = line;
	return 0;
}

/* Counts the entries on each line that do not match. */
struct line_count {
	const struct match *m;
	size_t line, others;
};

static int count_others(const char *entry, size_t line, void *ctx)
{
	struct line_count *c = ctx;
	if (line == c->line)
		c->others += !entry_matches(c->m, entry);
	return 0;
}

static int line_is_matched(const struct match *m, size_t line)
{
	for (size_t k = 0; k < m->count; k++)
		if (m->lines[k] == line)
			return 1;
	return 0;
}

/* FILE's text without the lines in M, into a fresh allocation. */
static char *without_lines(const struct preload_file *file, const struct match *m, size_t *len)
{
	char *out = malloc(file->len + 1);
	if (!out)
		return NULL;
	size_t n = 0, line = 0;
	for (const char *p = file->text, *end = file->text + file->len; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t span = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (!line_is_matched(m, line)) {
			memcpy(out + n, p, span);
			n += span;
		}
		p += span;
	}
	out[n] = '\0';
	*len = n;
	return out;
}

/* ---- the actions ------------------------------------------------- */

static int do_status(const struct preload_file *file, struct match *m)
{
	preload_file_each(file, visit_entry, m);
	if (m->count)
		printf("enabled: %s preloads %s (line %zu)\n", file->path, m->first, m->first_line + 1);
	else
		printf("disabled: %s %s\n", file->path,
		       file->exists ? "has no libenvsafe entry" : "does not exist");
	return 0;
}

static int do_disable(const struct preload_file *file, struct match *m)
{
	preload_file_each(file, visit_entry, m);
	if (m->count == 0) {
		printf("already disabled: %s %s\n", file->path,
		       file->exists ? "has no libenvsafe entry" : "does not exist");
		return 0;
	}
	for (size_t k = 0; k < m->count; k++) {
		struct line_count c = { m, m->lines[k], 0 };
		preload_file_each(file, count_others, &c);
		if (c.others) {
			es_error("preload: line %zu of %s holds libenvsafe together with other entries; "
				 "edit it by hand (nothing was changed)", m->lines[k] + 1, file->path);
			return 1;
		}
	}
	size_t len;
	char *text = without_lines(file, m, &len);
	if (!text) {
		es_error_errno("preload");
		return 1;
	}
	int rc = preload_file_replace(file, text, len);
	free(text);
	if (rc != 0)
		return 1;
	printf("disabled: removed %s from %s\n", m->first, file->path);
	return 0;
}

static int do_enable(const struct preload_file *file, const char *lib)
{
	struct stat lib_st;
	int has_token = strstr(lib, "$LIB") != NULL;
	if (!has_token && stat(lib, &lib_st) != 0) {
		es_error_errno("preload: library %s", lib);
		return 1;
	}
	if (!has_token && !S_ISREG(lib_st.st_mode)) {
		es_error("preload: library %s is not a regular file", lib);
		return 1;
	}
	char why[600];
	if (!has_token && !is_envsafe_library(lib, why, sizeof why)) {
		es_error("preload: refusing %s: %s (nothing was changed)", lib, why);
		return 1;
	}
	char *line = has_token ? strdup(lib) : choose_line(lib, &lib_st);
	if (!line) {
		es_error_errno("preload");
		return 1;
	}
	/* Proves the exact line, as every program will read it. */
	char mapped[PATH_MAX];
	if (canary(line, has_token ? NULL : &lib_st, mapped, sizeof mapped, why, sizeof why) != 0) {
		es_error("preload: refusing %s: %s (nothing was changed)", line, why);
		free(line);
		return 1;
	}
	if (has_token && !is_envsafe_library(mapped, why, sizeof why)) {
		es_error("preload: refusing %s: %s: %s (nothing was changed)", line, mapped, why);
		free(line);
		return 1;
	}
	struct match same = { .line_text = line, .lib_st = has_token ? NULL : &lib_st };
	preload_file_each(file, visit_entry, &same);
	if (same.count) {
		printf("already enabled: %s preloads %s (line %zu)\n", file->path, same.first,
		       same.first_line + 1);
		free(line);
		return 0;
	}
	struct match other = { .any_envsafe = 1 };
	preload_file_each(file, visit_entry, &other);
	if (other.count) {
		es_error("preload: %s already preloads another libenvsafe (%s, line %zu); two copies "
			 "would load: run 'envsafe preload disable' first (nothing was changed)",
			 file->path, other.first, other.first_line + 1);
		free(line);
		return 1;
	}
	int newline = file->len && file->text[file->len - 1] != '\n';
	char *text;
	int len = asprintf(&text, "%s%s%s\n", file->text, newline ? "\n" : "", line);
	if (len < 0) {
		es_error_errno("preload");
		free(line);
		return 1;
	}
	int rc = preload_file_replace(file, text, (size_t)len);
	free(text);
	if (rc == 0) {
		printf("enabled: %s preloads %s (the canary mapped %s)\n", file->path, line, mapped);
		int fd = open(mapped, O_RDONLY | O_CLOEXEC), cls, machine;
		if (fd >= 0 && scan_elf_identify(fd, &cls, &machine) == 0)
			note_foreign_loaders(line, machine);
		if (fd >= 0)
			close(fd);
	}
	free(line);
	return rc == 0 ? 0 : 1;
}

int cmd_preload(int argc, char **argv)
{
	struct preload_options o;
	int rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.root) {
		struct stat st;
		char *etc;
		if (asprintf(&etc, "%s/etc", o.root) < 0) {
			es_error_errno("preload");
			return 1;
		}
		int ok = stat(etc, &st) == 0 && S_ISDIR(st.st_mode);
		if (!ok)
			es_error("preload: %s is not a directory (--root DIR needs DIR/etc)", etc);
		free(etc);
		if (!ok)
			return 1;
	}
	const char *lib = o.lib;
	if (!lib && strcmp(o.action, "enable") == 0 && !(lib = es_find_library()))
		return 1;
	struct preload_file file;
	if (preload_file_read(o.root, &file) != 0)
		return 1;
	struct stat lib_st;
	struct match m = { .line_text = o.lib, .any_envsafe = !o.lib,
			   .lib_st = o.lib && stat(o.lib, &lib_st) == 0 ? &lib_st : NULL };
	if (strcmp(o.action, "status") == 0)
		rc = do_status(&file, &m);
	else if (strcmp(o.action, "disable") == 0)
		rc = do_disable(&file, &m);
	else
		rc = do_enable(&file, lib);
	preload_file_free(&file);
	return rc;
}
