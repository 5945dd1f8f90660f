/* envsafe scan - which ELF files (or the libraries they load) change the
 * environment or walk it directly, read statically with libelf. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "escape.h"
#include "scan_elf.h"
#include "scan_resolve.h"

enum file_status {
	FILE_OK,        /* nothing it loads changes or walks the environment */
	FILE_RISKY,     /* something it loads does, on the C library's functions */
	FILE_PROTECTED, /* it does, but libenvsafe is linked in ahead of libc */
	FILE_PROVIDER,  /* it implements setenv itself: a C library, libenvsafe */
	FILE_STATIC,    /* statically linked: LD_PRELOAD cannot reach it */
	FILE_NOT_ELF,
	FILE_ERROR,
	FILE_STATUS_COUNT,
};

static const char *const status_names[FILE_STATUS_COUNT] = {
	"ok", "risky", "protected", "provider", "static", "not-elf", "error",
};

static const char *const type_names[] = {
	[SCAN_TYPE_EXECUTABLE] = "executable",
	[SCAN_TYPE_PIE] = "pie-executable",
	[SCAN_TYPE_SHARED_OBJECT] = "shared-object",
	[SCAN_TYPE_STATIC] = "static-executable",
	[SCAN_TYPE_RELOCATABLE] = "relocatable",
	[SCAN_TYPE_ARCHIVE] = "archive",
	[SCAN_TYPE_OTHER] = "other",
};

struct scan_state {
	int json;
	unsigned counts[FILE_STATUS_COUNT];
	unsigned static_with_writers;
	unsigned incomplete;
	int first_json_file;
};

/* ---- output: every name from a file goes through escape.h ---------- */

static void json_symbols(unsigned bits)
{
	putchar('[');
	const char *sep = "";
	for (int i = 0; i < SCAN_SYMBOL_COUNT; i++)
		if (bits & (1u << i)) {
			printf("%s", sep);
			escape_json(stdout, scan_symbol_names[i]);
			sep = ", ";
		}
	putchar(']');
}

static void text_symbols(unsigned bits)
{
	const char *sep = "";
	for (int i = 0; i < SCAN_SYMBOL_COUNT; i++)
		if (bits & (1u << i)) {
			printf("%s%s", sep, scan_symbol_names[i]);
			sep = ", ";
		}
}

/* ---- one file -------------------------------------------------------- */

struct file_report {
	const char *path;
	enum file_status status;
	char message[300];
	int have_elf;
	struct scan_elf elf;
	struct scan_closure closure; /* count 0 when not built */
};

static int object_is_risky(const struct scan_object *o)
{
	return o->elf && !o->elf->provides_environment && o->elf->imports;
}

static unsigned limits_of(const struct file_report *r)
{
	return r->elf.limits | r->closure.limits;
}

/* A verdict that would let a CI gate pass is not given for a file whose
 * analysis stopped at a bound: the file is an error instead. */
static void distrust_incomplete(struct file_report *r)
{
	if (!r->have_elf || !limits_of(r))
		return;
	int passes = r->status == FILE_OK || r->status == FILE_PROTECTED || r->status == FILE_PROVIDER ||
		     (r->status == FILE_STATIC && !(r->elf.contains & SCAN_WRITERS));
	if (!passes)
		return;
	r->status = FILE_ERROR;
	snprintf(r->message, sizeof r->message, "analysis incomplete: a bound was reached");
}

static void analyse_elf(struct file_report *r, int fd);

static void analyse(struct file_report *r, int fd)
{
	analyse_elf(r, fd);
	distrust_incomplete(r);
}

static void analyse_elf(struct file_report *r, int fd)
{
	enum scan_elf_status st = scan_elf_read(fd, &r->elf, r->message, sizeof r->message);
	if (st == SCAN_ELF_NOT_ELF) {
		r->status = FILE_NOT_ELF;
		return;
	}
	if (st == SCAN_ELF_ERROR) {
		r->status = FILE_ERROR;
		return;
	}
	r->have_elf = 1;
	/* A static executable contains libc's setenv, so it is checked
	 * before the provider test. */
	if (r->elf.type == SCAN_TYPE_STATIC) {
		r->status = FILE_STATIC;
		snprintf(r->message, sizeof r->message,
			 "statically linked: LD_PRELOAD cannot replace its environment functions");
		return;
	}
	if (r->elf.provides_environment) {
		r->status = FILE_PROVIDER;
		snprintf(r->message, sizeof r->message, "%s",
			 r->elf.is_envsafe ? "libenvsafe: implements the environment functions"
					   : "implements the environment functions itself (a C library)");
		return;
	}
	if (r->elf.needed_count && scan_closure_build(r->path, &r->elf, &r->closure) != 0) {
		r->status = FILE_ERROR;
		snprintf(r->message, sizeof r->message, "out of memory following its libraries");
		return;
	}
	int risky = r->elf.imports != 0;
	for (size_t i = 1; i < r->closure.count; i++)
		risky |= object_is_risky(&r->closure.objects[i]);
	if (!risky) {
		r->status = FILE_OK;
		return;
	}
	/* The first object in load order that defines setenv is the one
	 * every import binds to. */
	r->status = FILE_RISKY;
	for (size_t i = 1; i < r->closure.count; i++) {
		const struct scan_elf *e = r->closure.objects[i].elf;
		if (e && e->provides_environment) {
			if (e->is_envsafe)
				r->status = FILE_PROTECTED;
			break;
		}
	}
}

static const char *needed_by_name(const struct file_report *r, const struct scan_object *o)
{
	const struct scan_object *req = &r->closure.objects[o->needed_by];
	return o->needed_by == 0 ? r->path : (req->path ? req->path : req->needed);
}

static void print_incomplete(const struct file_report *r)
{
	unsigned limits = limits_of(r);
	for (unsigned bit = 1; limits; bit <<= 1)
		if (limits & bit) {
			printf("    incomplete: %s\n", scan_limit_description(bit));
			limits &= ~bit;
		}
}

static void print_text(const struct file_report *r)
{
	escape_text(stdout, r->path);
	printf(": %s", status_names[r->status]);
	if (!r->have_elf) {
		fputs(": ", stdout);
		escape_text(stdout, r->message);
		putchar('\n');
		return;
	}
	printf(" (%s, %s", type_names[r->elf.type], scan_machine_name(r->elf.machine));
	if (r->closure.count > 1)
		printf(", %zu %s loaded", r->closure.count - 1,
		       r->closure.count == 2 ? "library" : "libraries");
	printf(")");
	if (r->status == FILE_PROVIDER || r->status == FILE_STATIC || r->status == FILE_ERROR)
		printf(": %s", r->message);
	printf("\n");
	print_incomplete(r);
	if (r->status == FILE_STATIC && (r->elf.contains & SCAN_WRITERS)) {
		printf("    contains ");
		text_symbols(r->elf.contains & SCAN_WRITERS);
		printf("\n");
	}
	if (r->status == FILE_PROVIDER || r->status == FILE_STATIC)
		return;
	if (r->elf.imports) {
		printf("    uses ");
		text_symbols(r->elf.imports);
		printf(" itself\n");
	}
	for (size_t i = 1; i < r->closure.count; i++) {
		const struct scan_object *o = &r->closure.objects[i];
		if (object_is_risky(o)) {
			printf("    uses ");
			text_symbols(o->elf->imports);
			fputs(" in ", stdout);
			escape_text(stdout, o->needed);
			fputs(" => ", stdout);
			escape_text(stdout, o->path);
		} else if (o->elf && o->elf->is_envsafe) {
			fputs("    protected by ", stdout);
			escape_text(stdout, o->needed);
			fputs(" => ", stdout);
			escape_text(stdout, o->path);
		} else if (!o->path) {
			fputs(o->unsearched ? "    not searched: " : "    missing: ", stdout);
			escape_text(stdout, o->needed);
			fputs(" (needed by ", stdout);
			escape_text(stdout, needed_by_name(r, o));
			putchar(')');
		} else if (o->error) {
			fputs("    unreadable: ", stdout);
			escape_text(stdout, o->needed);
			fputs(" => ", stdout);
			escape_text(stdout, o->path);
			fputs(": ", stdout);
			escape_text(stdout, o->error);
		} else {
			continue;
		}
		putchar('\n');
	}
}

/* One {symbol, object} per bit; returns the separator for what follows. */
static const char *json_risky_uses(unsigned bits, const char *object, const char *sep)
{
	for (int k = 0; k < SCAN_SYMBOL_COUNT; k++) {
		if (!(bits & (1u << k)))
			continue;
		printf("%s{\"symbol\": ", sep);
		escape_json(stdout, scan_symbol_names[k]);
		printf(", \"object\": ");
		escape_json(stdout, object);
		printf("}");
		sep = ", ";
	}
	return sep;
}

static void print_json(struct scan_state *s, const struct file_report *r)
{
	printf("%s\n    {\"path\": ", s->first_json_file ? "" : ",");
	s->first_json_file = 0;
	escape_json(stdout, r->path);
	printf(", \"status\": ");
	escape_json(stdout, status_names[r->status]);
	if (!r->have_elf || r->status == FILE_PROVIDER || r->status == FILE_STATIC ||
	    r->status == FILE_ERROR) {
		printf(", \"message\": ");
		escape_json(stdout, r->message);
	}
	if (!r->have_elf) {
		printf("}");
		return;
	}
	printf(", \"type\": ");
	escape_json(stdout, type_names[r->elf.type]);
	printf(", \"class\": %d, \"machine\": ", r->elf.elf_class == 2 ? 64 : 32);
	escape_json(stdout, scan_machine_name(r->elf.machine));
	printf(",\n     \"imports\": ");
	json_symbols(r->elf.imports);
	printf(", \"contains\": ");
	json_symbols(r->elf.contains & SCAN_WRITERS);
	printf(", \"incomplete\": [");
	const char *lsep = "";
	for (unsigned bit = 1, limits = limits_of(r); limits; bit <<= 1)
		if (limits & bit) {
			printf("%s\"%s\"", lsep, scan_limit_name(bit));
			lsep = ", ";
			limits &= ~bit;
		}
	putchar(']');

	printf(",\n     \"libraries\": [");
	const char *sep = "";
	for (size_t i = 1; i < r->closure.count; i++) {
		const struct scan_object *o = &r->closure.objects[i];
		if (!o->path)
			continue;
		printf("%s\n       {\"needed\": ", sep);
		escape_json(stdout, o->needed);
		printf(", \"path\": ");
		escape_json(stdout, o->path);
		printf(", \"needed_by\": ");
		escape_json(stdout, needed_by_name(r, o));
		if (o->elf) {
			printf(", \"imports\": ");
			json_symbols(o->elf->provides_environment ? 0 : o->elf->imports);
			printf(", \"provides_environment\": %s, \"envsafe\": %s",
			       o->elf->provides_environment ? "true" : "false",
			       o->elf->is_envsafe ? "true" : "false");
		} else {
			printf(", \"error\": ");
			escape_json(stdout, o->error ? o->error : "unreadable");
		}
		printf("}");
		sep = ",";
	}
	printf("],\n     \"missing\": [");
	sep = "";
	for (size_t i = 1; i < r->closure.count; i++) {
		const struct scan_object *o = &r->closure.objects[i];
		if (o->path)
			continue;
		printf("%s{\"needed\": ", sep);
		escape_json(stdout, o->needed);
		printf(", \"needed_by\": ");
		escape_json(stdout, needed_by_name(r, o));
		printf(", \"searched\": %s}", o->unsearched ? "false" : "true");
		sep = ", ";
	}
	/* The flat answer to "what uses what, and where is it". */
	printf("],\n     \"risky\": [");
	sep = "";
	if (r->status != FILE_PROVIDER && r->status != FILE_STATIC) {
		sep = json_risky_uses(r->elf.imports, r->path, sep);
		for (size_t i = 1; i < r->closure.count; i++) {
			const struct scan_object *o = &r->closure.objects[i];
			if (object_is_risky(o))
				sep = json_risky_uses(o->elf->imports, o->path, sep);
		}
	}
	printf("]}");
}

static void report(struct scan_state *s, struct file_report *r)
{
	s->counts[r->status]++;
	if (r->have_elf && limits_of(r))
		s->incomplete++;
	if (r->status == FILE_STATIC && (r->elf.contains & SCAN_WRITERS))
		s->static_with_writers++;
	if (s->json)
		print_json(s, r);
	else
		print_text(r);
	fflush(stdout);
	scan_closure_free(&r->closure);
	scan_elf_free(&r->elf);
}

static void report_problem(struct scan_state *s, const char *path, enum file_status status,
			   const char *message)
{
	struct file_report r = { .path = path, .status = status };
	snprintf(r.message, sizeof r.message, "%s", message);
	report(s, &r);
}

static void scan_file(struct scan_state *s, const char *path)
{
	struct stat st;
	int fd = scan_open_regular(path, &st);
	if (fd == SCAN_OPEN_NOT_REGULAR) {
		report_problem(s, path, FILE_NOT_ELF, "not a regular file");
		return;
	}
	if (fd < 0) {
		char message[300];
		snprintf(message, sizeof message, "cannot open: %s", strerror(errno));
		report_problem(s, path, FILE_ERROR, message);
		return;
	}
	struct file_report r = { .path = path };
	analyse(&r, fd);
	close(fd);
	report(s, &r);
}

/* Symbolic links inside a directory are not followed (that is what keeps
 * a link loop from recursing forever); devices, FIFOs and sockets are
 * never opened (scan_file checks again, in case one replaces a file). */
static void scan_directory(struct scan_state *s, const char *path)
{
	struct dirent **entries;
	int n = scandir(path, &entries, NULL, alphasort);
	if (n < 0) {
		char message[300];
		snprintf(message, sizeof message, "cannot read directory: %s", strerror(errno));
		report_problem(s, path, FILE_ERROR, message);
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *name = entries[i]->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			free(entries[i]);
			continue;
		}
		char *child;
		size_t len = strlen(path);
		if (asprintf(&child, "%s%s%s", path, len && path[len - 1] == '/' ? "" : "/", name) < 0) {
			free(entries[i]);
			continue;
		}
		struct stat st;
		if (lstat(child, &st) != 0) {
			char message[300];
			snprintf(message, sizeof message, "cannot stat: %s", strerror(errno));
			report_problem(s, child, FILE_ERROR, message);
		} else if (S_ISDIR(st.st_mode)) {
			scan_directory(s, child);
		} else if (S_ISREG(st.st_mode)) {
			scan_file(s, child);
		}
		free(child);
		free(entries[i]);
	}
	free(entries);
}

static void scan_path(struct scan_state *s, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		char message[300];
		snprintf(message, sizeof message, "cannot open: %s", strerror(errno));
		report_problem(s, path, FILE_ERROR, message);
	} else if (S_ISDIR(st.st_mode)) {
		scan_directory(s, path);
	} else if (S_ISREG(st.st_mode)) {
		scan_file(s, path);
	} else {
		report_problem(s, path, FILE_NOT_ELF, "not a regular file");
	}
}

static void scan_help(void)
{
	printf("Usage: envsafe scan [--json] PATH...\n"
	       "\n"
	       "Reports, for each ELF file (directories are searched recursively), whether\n"
	       "it or any library it loads imports setenv, unsetenv, putenv or clearenv,\n"
	       "or uses environ/__environ/_environ directly, and which library that is.\n"
	       "Libraries are found as the dynamic linker would (DT_RPATH, LD_LIBRARY_PATH,\n"
	       "DT_RUNPATH, ld.so.cache, default directories).\n"
	       "\n"
	       "Each file gets one status: ok, risky, protected (libenvsafe is linked\n"
	       "ahead of libc), provider (implements setenv itself), static, not-elf\n"
	       "or error.  Only regular files are opened, and the work per file is\n"
	       "bounded; a file that reaches a bound is marked incomplete, and is an\n"
	       "error unless it is risky.  Names are printed escaped (see envsafe(1)).\n"
	       "\n"
	       "Options:\n"
	       "  --json   print one JSON document instead of text (see envsafe(1))\n"
	       "  --help   show this help\n"
	       "\n"
	       "Exit status: 0 if nothing risky was found, 1 if something was (a risky\n"
	       "file, or a static executable containing setenv, unsetenv, putenv or\n"
	       "clearenv), 2 on a usage error, if some file could not be read, or if\n"
	       "an analysis stopped at a bound before anything risky was found.\n");
}

int cmd_scan(int argc, char **argv)
{
	struct scan_state s = { .first_json_file = 1 };
	int i;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			scan_help();
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			s.json = 1;
		} else {
			char *shown = escape_text_dup(argv[i]);
			es_error("scan: unknown option '%s' (try 'envsafe scan --help')", shown ? shown : "?");
			free(shown);
			return 2;
		}
	}
	if (i == argc) {
		es_error("scan: missing PATH (usage: envsafe scan [--json] PATH...)");
		return 2;
	}
	if (s.json)
		printf("{\"envsafe_scan\": 1,\n  \"files\": [");
	for (; i < argc; i++)
		scan_path(&s, argv[i]);
	unsigned risky = s.counts[FILE_RISKY];
	unsigned scanned = 0;
	for (int k = 0; k < FILE_STATUS_COUNT; k++)
		scanned += s.counts[k];
	if (s.json) {
		printf("\n  ],\n  \"summary\": {\"files\": %u", scanned);
		for (int k = 0; k < FILE_STATUS_COUNT; k++) {
			char key[32];
			snprintf(key, sizeof key, "%s", status_names[k]);
			for (char *c = key; *c; c++)
				if (*c == '-')
					*c = '_';
			printf(", \"%s\": %u", key, s.counts[k]);
		}
		printf(", \"incomplete\": %u}}\n", s.incomplete);
	} else {
		printf("\n%u file(s): %u risky, %u protected, %u ok, %u provider, %u static, "
		       "%u not ELF, %u error(s)\n",
		       scanned, risky, s.counts[FILE_PROTECTED], s.counts[FILE_OK], s.counts[FILE_PROVIDER],
		       s.counts[FILE_STATIC], s.counts[FILE_NOT_ELF], s.counts[FILE_ERROR]);
		if (s.incomplete)
			printf("%u file(s) only partly analysed: a bound of envsafe scan was reached\n",
			       s.incomplete);
	}
	scan_resolve_cleanup();
	if (s.counts[FILE_ERROR])
		return 2;
	return risky || s.static_with_writers ? 1 : 0;
}
