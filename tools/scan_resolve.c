/*
 * Library search as the glibc dynamic linker does it, for one DT_NEEDED
 * name requested by object L:
 *   1. a name containing '/' is a path (relative to the current directory);
 *   2. if L has no DT_RUNPATH: the DT_RPATH of L, then of the object that
 *      loaded L, and so on up to the root (an object's DT_RPATH is ignored
 *      when it also has DT_RUNPATH);
 *   3. LD_LIBRARY_PATH of this process (ignored under AT_SECURE);
 *   4. the DT_RUNPATH of L;
 *   5. /etc/ld.so.cache, as listed by `ldconfig -p`;
 *   6. the default directories: /lib/TRIPLET, /usr/lib/TRIPLET, /lib64 and
 *      /usr/lib64 (64-bit only), /lib, /usr/lib.
 * $ORIGIN and ${ORIGIN} expand to the directory of the requesting object;
 * entries using $LIB or $PLATFORM are skipped.  A candidate built for
 * another class or machine than the root is passed over, as ld.so does.
 * A name already loaded (by DT_NEEDED string or soname) is not searched
 * again.
 */
#define _GNU_SOURCE
#include "scan_resolve.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

/* Past this, a closure is surely a loop we failed to notice. */
#define MAX_CLOSURE 4096

struct parsed_library {
	char *realpath;
	struct scan_elf elf;
	char *error; /* set when elf is unusable */
};

/* Pointers, because closures keep pointers into the entries. */
static struct parsed_library **parsed;
static size_t parsed_count;

struct cache_entry {
	char *name, *path;
};
static struct cache_entry *ld_cache;
static size_t ld_cache_count;
static int ld_cache_loaded;

static void add_cache_entry(const char *name, size_t name_len, const char *path)
{
	struct cache_entry *grown = realloc(ld_cache, (ld_cache_count + 1) * sizeof *grown);
	if (!grown)
		return;
	ld_cache = grown;
	char *n = strndup(name, name_len), *p = strdup(path);
	if (!n || !p) {
		free(n);
		free(p);
		return;
	}
	ld_cache[ld_cache_count++] = (struct cache_entry){ n, p };
}

/* `ldconfig -p` prints "\tNAME (FLAGS) => PATH" per cached library. */
static void load_ld_cache(void)
{
	ld_cache_loaded = 1;
	const char *ldconfig = access("/sbin/ldconfig", X_OK) == 0 ? "/sbin/ldconfig"
			       : access("/usr/sbin/ldconfig", X_OK) == 0 ? "/usr/sbin/ldconfig"
			       : NULL;
	if (!ldconfig)
		return;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		execl(ldconfig, ldconfig, "-p", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *in = fdopen(fds[0], "r");
	char line[PATH_MAX + 256];
	while (in && fgets(line, sizeof line, in)) {
		if (line[0] != '\t')
			continue;
		line[strcspn(line, "\n")] = '\0';
		const char *name = line + 1;
		size_t name_len = strcspn(name, " ");
		const char *arrow = strstr(name, " => ");
		if (name_len && arrow)
			add_cache_entry(name, name_len, arrow + 4);
	}
	if (in)
		fclose(in);
	else
		close(fds[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static const char *multiarch_triplet(int elf_class, int machine)
{
	switch (machine) {
	case EM_X86_64: return elf_class == ELFCLASS64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32";
	case EM_386: return "i386-linux-gnu";
	case EM_AARCH64: return "aarch64-linux-gnu";
	case EM_ARM: return "arm-linux-gnueabihf";
	case EM_PPC64: return "powerpc64le-linux-gnu";
	case EM_S390: return "s390x-linux-gnu";
	case EM_RISCV: return "riscv64-linux-gnu";
	default: return NULL;
	}
}

static const struct parsed_library *parse_library(const char *real)
{
	for (size_t i = 0; i < parsed_count; i++)
		if (strcmp(parsed[i]->realpath, real) == 0)
			return parsed[i];
	struct parsed_library **grown = realloc(parsed, (parsed_count + 1) * sizeof *grown);
	if (!grown)
		return NULL;
	parsed = grown;
	struct parsed_library *lib = calloc(1, sizeof *lib);
	if (!lib)
		return NULL;
	if (!(lib->realpath = strdup(real))) {
		free(lib);
		return NULL;
	}
	char why[256] = "";
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
		lib->error = strdup(why);
	} else {
		if (scan_elf_read(fd, &lib->elf, why, sizeof why) != SCAN_ELF_OK)
			lib->error = strdup(why[0] ? why : "unreadable");
		close(fd);
	}
	parsed[parsed_count++] = lib;
	return lib;
}

/* A usable candidate: a readable shared object of the root's class and
 * machine.  Returns PATH as given (malloc'd; $ORIGIN of a library is the
 * directory it was found in, symbolic links and all) or NULL. */
static char *try_candidate(const char *path, int elf_class, int machine)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return NULL;
	struct stat st;
	int cls = 0, mach = 0;
	int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		 scan_elf_identify(fd, &cls, &mach) == 0 && cls == elf_class && mach == machine;
	close(fd);
	return ok ? strdup(path) : NULL;
}

static char *dirname_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* One search-path entry with $ORIGIN expanded; NULL to skip it. */
static char *expand_entry(const char *entry, size_t len, const char *origin)
{
	if (len == 0)
		return strdup("."); /* an empty entry means the current directory */
	char out[PATH_MAX];
	size_t used = 0;
	for (size_t i = 0; i < len;) {
		size_t token_len = 0;
		if (entry[i] == '$') {
			if (len - i >= 7 && memcmp(entry + i, "$ORIGIN", 7) == 0)
				token_len = 7;
			else if (len - i >= 9 && memcmp(entry + i, "${ORIGIN}", 9) == 0)
				token_len = 9;
			else
				return NULL; /* $LIB, $PLATFORM: not implemented */
			size_t olen = strlen(origin);
			if (used + olen >= sizeof out)
				return NULL;
			memcpy(out + used, origin, olen);
			used += olen;
			i += token_len;
		} else {
			if (used + 1 >= sizeof out)
				return NULL;
			out[used++] = entry[i++];
		}
	}
	out[used] = '\0';
	return strdup(out);
}

/* Searches the ':'-separated LIST; ORIGIN expands $ORIGIN. */
static char *search_list(const char *list, const char *origin, const char *name,
			 int elf_class, int machine)
{
	if (!list)
		return NULL;
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ":");
		char *dir = expand_entry(p, len, origin);
		if (dir) {
			char candidate[PATH_MAX];
			char *found = NULL;
			if ((size_t)snprintf(candidate, sizeof candidate, "%s/%s", dir, name) < sizeof candidate)
				found = try_candidate(candidate, elf_class, machine);
			free(dir);
			if (found)
				return found;
		}
		if (!p[len])
			return NULL;
		p += len + 1;
	}
}

static char *search_defaults(const char *name, int elf_class, int machine)
{
	if (!ld_cache_loaded)
		load_ld_cache();
	for (size_t i = 0; i < ld_cache_count; i++) {
		if (strcmp(ld_cache[i].name, name) != 0)
			continue;
		char *found = try_candidate(ld_cache[i].path, elf_class, machine);
		if (found)
			return found;
	}
	const char *triplet = multiarch_triplet(elf_class, machine);
	char dirs[512];
	snprintf(dirs, sizeof dirs, "%s%s%s%s%s%s/lib:/usr/lib",
		 triplet ? "/lib/" : "", triplet ? triplet : "", triplet ? ":/usr/lib/" : "",
		 triplet ? triplet : "", triplet ? ":" : "",
		 elf_class == ELFCLASS64 ? "/lib64:/usr/lib64:" : "");
	return search_list(dirs, "/", name, elf_class, machine);
}

static char *find_library(const struct scan_closure *c, size_t requester, const char *name,
			  int elf_class, int machine, char **origins)
{
	if (strchr(name, '/'))
		return try_candidate(name, elf_class, machine);
	const struct scan_elf *req = c->objects[requester].elf;
	char *found = NULL;
	if (!req->runpath) {
		size_t o = requester;
		for (;;) {
			const struct scan_elf *e = c->objects[o].elf;
			if (e->rpath && !e->runpath &&
			    (found = search_list(e->rpath, origins[o], name, elf_class, machine)))
				return found;
			if (o == 0)
				break;
			o = c->objects[o].needed_by;
		}
	}
	if (!es_secure_mode() &&
	    (found = search_list(getenv("LD_LIBRARY_PATH"), ".", name, elf_class, machine)))
		return found;
	if (req->runpath &&
	    (found = search_list(req->runpath, origins[requester], name, elf_class, machine)))
		return found;
	return search_defaults(name, elf_class, machine);
}

static int already_loaded(const struct scan_closure *c, const char *name, const char *real)
{
	for (size_t i = 1; i < c->count; i++) {
		const struct scan_object *o = &c->objects[i];
		if (!o->path)
			continue;
		if (name && (strcmp(o->needed, name) == 0 ||
			     (o->elf && o->elf->soname && strcmp(o->elf->soname, name) == 0)))
			return 1;
		if (real && o->real && strcmp(o->real, real) == 0)
			return 1;
	}
	if (real && c->count && c->objects[0].real && strcmp(c->objects[0].real, real) == 0)
		return 1;
	return 0;
}

static int missing_already(const struct scan_closure *c, const char *name)
{
	for (size_t i = 1; i < c->count; i++)
		if (!c->objects[i].path && strcmp(c->objects[i].needed, name) == 0)
			return 1;
	return 0;
}

/* Takes ownership of O's strings and ORIGIN, also when it fails. */
static int append(struct scan_closure *c, size_t *cap, char ***origins, struct scan_object o,
		  char *origin)
{
	if (c->count == *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		struct scan_object *objects = realloc(c->objects, n * sizeof *objects);
		if (objects)
			c->objects = objects;
		char **grown = objects ? realloc(*origins, n * sizeof *grown) : NULL;
		if (!grown) {
			free(o.needed);
			free(o.path);
			free(o.real);
			free(o.error);
			free(origin);
			return -1;
		}
		*origins = grown;
		*cap = n;
	}
	(*origins)[c->count] = origin;
	c->objects[c->count++] = o;
	return 0;
}

int scan_closure_build(const char *root_path, const struct scan_elf *root, struct scan_closure *out)
{
	memset(out, 0, sizeof *out);
	size_t cap = 0;
	char **origins = NULL;
	char *real = realpath(root_path, NULL);
	struct scan_object first = { .needed = strdup(root_path), .path = strdup(root_path),
				     .real = real, .elf = root };
	if (!first.needed || !first.path) {
		free(first.needed);
		free(first.path);
		free(real);
		goto oom;
	}
	if (append(out, &cap, &origins, first, dirname_of(real ? real : root_path)) != 0)
		goto oom;

	for (size_t i = 0; i < out->count && out->count < MAX_CLOSURE; i++) {
		const struct scan_elf *e = out->objects[i].elf;
		if (!e)
			continue;
		for (size_t k = 0; k < e->needed_count; k++) {
			const char *name = e->needed[k];
			if (already_loaded(out, name, NULL) || missing_already(out, name))
				continue;
			char *found = find_library(out, i, name, root->elf_class, root->machine, origins);
			char *found_real = found ? realpath(found, NULL) : NULL;
			if (found && !found_real)
				found_real = strdup(found);
			if (found && already_loaded(out, NULL, found_real)) {
				free(found);
				free(found_real);
				continue;
			}
			struct scan_object o = { .needed = strdup(name), .path = found, .real = found_real,
						 .needed_by = i };
			if (!o.needed) {
				free(found);
				free(found_real);
				goto oom;
			}
			if (found) {
				const struct parsed_library *lib = parse_library(found_real);
				if (!lib) {
					free(o.needed);
					free(found);
					free(found_real);
					goto oom;
				}
				if (lib->error)
					o.error = strdup(lib->error);
				else
					o.elf = &lib->elf;
			}
			if (append(out, &cap, &origins, o, found ? dirname_of(found) : NULL) != 0)
				goto oom;
		}
	}
	for (size_t i = 0; i < out->count; i++)
		free(origins[i]);
	free(origins);
	return 0;
oom:
	for (size_t i = 0; i < out->count; i++)
		free(origins[i]);
	free(origins);
	scan_closure_free(out);
	return -1;
}

void scan_closure_free(struct scan_closure *c)
{
	for (size_t i = 0; i < c->count; i++) {
		free(c->objects[i].needed);
		free(c->objects[i].path);
		free(c->objects[i].real);
		free(c->objects[i].error);
	}
	free(c->objects);
	memset(c, 0, sizeof *c);
}

void scan_resolve_cleanup(void)
{
	for (size_t i = 0; i < parsed_count; i++) {
		free(parsed[i]->realpath);
		free(parsed[i]->error);
		scan_elf_free(&parsed[i]->elf);
		free(parsed[i]);
	}
	free(parsed);
	parsed = NULL;
	parsed_count = 0;
	for (size_t i = 0; i < ld_cache_count; i++) {
		free(ld_cache[i].name);
		free(ld_cache[i].path);
	}
	free(ld_cache);
	ld_cache = NULL;
	ld_cache_count = 0;
}
