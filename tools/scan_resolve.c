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
 * again.  Like ld.so, a directory repeated in one list is searched once.
 * Only regular files are opened (scan_open_regular), and the SCAN_MAX_*
 * bounds of scan_resolve.h keep a hostile file from making the search
 * take long: every lookup is one stat(2) of a candidate path.
 */
#define _GNU_SOURCE
#include "scan_resolve.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

/* ---- a string-keyed hash map (keys are borrowed, not copied) ---- */

struct strmap {
	const char **keys;
	size_t *values;
	size_t cap, count; /* cap is 0 or a power of two */
};

/* FNV-1a: short keys, no adversary gains from collisions beyond the
 * bounded number of entries. */
static size_t str_hash(const char *s)
{
	size_t h = (size_t)1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ull;
	return h;
}

static int strmap_find(const struct strmap *m, const char *key, size_t *value)
{
	if (!m->cap)
		return 0;
	for (size_t i = str_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return 0;
		if (strcmp(m->keys[i], key) == 0) {
			if (value)
				*value = m->values[i];
			return 1;
		}
	}
}

/* Adds KEY unless present (the first value stays); 0, or -1 when out of
 * memory. */
static int strmap_put(struct strmap *m, const char *key, size_t value)
{
	if (strmap_find(m, key, NULL))
		return 0;
	if (2 * (m->count + 1) > m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		struct strmap grown = { calloc(cap, sizeof *grown.keys), calloc(cap, sizeof *grown.values),
					cap, 0 };
		if (!grown.keys || !grown.values) {
			free(grown.keys);
			free(grown.values);
			return -1;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				strmap_put(&grown, m->keys[i], m->values[i]);
		free(m->keys);
		free(m->values);
		*m = grown;
	}
	size_t i = str_hash(key) & (m->cap - 1);
	while (m->keys[i])
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = key;
	m->values[i] = value;
	m->count++;
	return 0;
}

static void strmap_free(struct strmap *m)
{
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof *m);
}

/* ---- libraries read so far, and the ld.so cache (per scan) ---- */

struct parsed_library {
	char *realpath;
	struct scan_elf elf;
	char *error; /* set when elf is unusable */
};

/* Pointers, because closures keep pointers into the entries. */
static struct parsed_library **parsed;
static size_t parsed_count;
static struct strmap parsed_by_path;

struct cache_entry {
	char *name, *path;
	size_t next_same; /* next entry with this name, or SIZE_MAX */
};
static struct cache_entry *ld_cache;
static size_t ld_cache_count;
static struct strmap ld_cache_by_name; /* first entry of each name */
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
	ld_cache[ld_cache_count] = (struct cache_entry){ n, p, SIZE_MAX };
	size_t first;
	if (strmap_find(&ld_cache_by_name, n, &first)) {
		while (ld_cache[first].next_same != SIZE_MAX)
			first = ld_cache[first].next_same;
		ld_cache[first].next_same = ld_cache_count;
	} else if (strmap_put(&ld_cache_by_name, n, ld_cache_count) != 0) {
		free(n);
		free(p);
		return;
	}
	ld_cache_count++;
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
	size_t known;
	if (strmap_find(&parsed_by_path, real, &known))
		return parsed[known];
	struct parsed_library **grown = realloc(parsed, (parsed_count + 1) * sizeof *grown);
	if (!grown)
		return NULL;
	parsed = grown;
	struct parsed_library *lib = calloc(1, sizeof *lib);
	if (!lib)
		return NULL;
	if (!(lib->realpath = strdup(real)) || strmap_put(&parsed_by_path, lib->realpath, parsed_count) != 0) {
		free(lib->realpath);
		free(lib);
		return NULL;
	}
	char why[256] = "";
	struct stat st;
	int fd = scan_open_regular(real, &st);
	if (fd == SCAN_OPEN_NOT_REGULAR) {
		lib->error = strdup("not a regular file");
	} else if (fd < 0) {
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

/* ---- search paths ---- */

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

/* A ':'-separated list split once into its distinct directories. */
struct search_path {
	char **dirs;
	size_t count;
	int ready;
};

static void search_path_free(struct search_path *sp)
{
	for (size_t i = 0; i < sp->count; i++)
		free(sp->dirs[i]);
	free(sp->dirs);
	memset(sp, 0, sizeof *sp);
}

/* Splits LIST (NULL: empty), expanding $ORIGIN to ORIGIN; past
 * SCAN_MAX_SEARCH_ENTRIES entries the rest is dropped and the bound
 * recorded in *LIMITS.  0, or -1 when out of memory. */
static int search_path_split(struct search_path *sp, const char *list, const char *origin,
			     unsigned *limits)
{
	sp->ready = 1;
	if (!list)
		return 0;
	size_t entries = 0;
	for (const char *p = list;; p++) {
		size_t len = strcspn(p, ":");
		if (entries++ == SCAN_MAX_SEARCH_ENTRIES) {
			*limits |= SCAN_LIMIT_SEARCH_PATH;
			return 0;
		}
		char *dir = expand_entry(p, len, origin);
		if (dir) {
			size_t i = 0;
			while (i < sp->count && strcmp(sp->dirs[i], dir) != 0)
				i++;
			if (i < sp->count) {
				free(dir);
			} else {
				char **grown = realloc(sp->dirs, (sp->count + 1) * sizeof *grown);
				if (!grown) {
					free(dir);
					return -1;
				}
				sp->dirs = grown;
				sp->dirs[sp->count++] = dir;
			}
		}
		p += len;
		if (!*p)
			return 0;
	}
}

/* ---- building one closure ---- */

struct builder {
	struct scan_closure *c;
	size_t cap;
	char **origins;                  /* per object: $ORIGIN */
	struct search_path *rpaths, *runpaths; /* per object, split on first use */
	struct search_path ld_library_path, defaults;
	struct strmap loaded_names;      /* DT_NEEDED strings and sonames found */
	struct strmap missing_names;     /* DT_NEEDED strings not found */
	struct strmap loaded_reals;      /* real paths of the objects */
	size_t lookups;
	int elf_class, machine;
};

/* A usable candidate: a regular file that is a shared object of the
 * root's class and machine.  Returns PATH as given (malloc'd; $ORIGIN of
 * a library is the directory it was found in, symbolic links and all),
 * or NULL.  Counts one lookup. */
static char *try_candidate(struct builder *b, const char *path)
{
	b->lookups++;
	struct stat st;
	int fd = scan_open_regular(path, &st);
	if (fd < 0)
		return NULL;
	int cls = 0, mach = 0;
	int ok = scan_elf_identify(fd, &cls, &mach) == 0 && cls == b->elf_class && mach == b->machine;
	close(fd);
	return ok ? strdup(path) : NULL;
}

static int out_of_lookups(struct builder *b)
{
	if (b->lookups < SCAN_MAX_LOOKUPS)
		return 0;
	b->c->limits |= SCAN_LIMIT_LOOKUPS;
	return 1;
}

static char *search_in(struct builder *b, const struct search_path *sp, const char *name)
{
	for (size_t i = 0; i < sp->count && !out_of_lookups(b); i++) {
		char candidate[PATH_MAX];
		if ((size_t)snprintf(candidate, sizeof candidate, "%s/%s", sp->dirs[i], name) >= sizeof candidate)
			continue;
		char *found = try_candidate(b, candidate);
		if (found)
			return found;
	}
	return NULL;
}

static const struct search_path *object_path(struct builder *b, size_t o, int runpath)
{
	struct search_path *sp = runpath ? &b->runpaths[o] : &b->rpaths[o];
	if (!sp->ready) {
		const struct scan_elf *e = b->c->objects[o].elf;
		if (search_path_split(sp, runpath ? e->runpath : e->rpath, b->origins[o], &b->c->limits) != 0)
			return NULL;
	}
	return sp;
}

static char *search_defaults(struct builder *b, const char *name)
{
	if (!ld_cache_loaded)
		load_ld_cache();
	size_t i;
	if (strmap_find(&ld_cache_by_name, name, &i))
		for (; i != SIZE_MAX && !out_of_lookups(b); i = ld_cache[i].next_same) {
			char *found = try_candidate(b, ld_cache[i].path);
			if (found)
				return found;
		}
	if (!b->defaults.ready) {
		const char *triplet = multiarch_triplet(b->elf_class, b->machine);
		char dirs[512];
		snprintf(dirs, sizeof dirs, "%s%s%s%s%s%s/lib:/usr/lib",
			 triplet ? "/lib/" : "", triplet ? triplet : "", triplet ? ":/usr/lib/" : "",
			 triplet ? triplet : "", triplet ? ":" : "",
			 b->elf_class == ELFCLASS64 ? "/lib64:/usr/lib64:" : "");
		if (search_path_split(&b->defaults, dirs, "/", &b->c->limits) != 0)
			return NULL;
	}
	return search_in(b, &b->defaults, name);
}

static char *find_library(struct builder *b, size_t requester, const char *name)
{
	if (strchr(name, '/'))
		return try_candidate(b, name);
	const struct scan_object *objects = b->c->objects;
	const struct scan_elf *req = objects[requester].elf;
	const struct search_path *sp;
	char *found = NULL;
	if (!req->runpath) {
		size_t o = requester;
		for (;;) {
			const struct scan_elf *e = objects[o].elf;
			if (e->rpath && !e->runpath && (sp = object_path(b, o, 0)) &&
			    (found = search_in(b, sp, name)))
				return found;
			if (o == 0)
				break;
			o = objects[o].needed_by;
		}
	}
	if (!es_secure_mode()) {
		if (!b->ld_library_path.ready &&
		    search_path_split(&b->ld_library_path, getenv("LD_LIBRARY_PATH"), ".", &b->c->limits) != 0)
			return NULL;
		if ((found = search_in(b, &b->ld_library_path, name)))
			return found;
	}
	if (req->runpath && (sp = object_path(b, requester, 1)) && (found = search_in(b, sp, name)))
		return found;
	return search_defaults(b, name);
}

/* Takes ownership of O's strings and ORIGIN, also when it fails. */
static int append(struct builder *b, struct scan_object o, char *origin)
{
	struct scan_closure *c = b->c;
	if (c->count == b->cap) {
		size_t n = b->cap ? b->cap * 2 : 16;
		struct scan_object *objects = realloc(c->objects, n * sizeof *objects);
		if (objects)
			c->objects = objects;
		char **origins = objects ? realloc(b->origins, n * sizeof *origins) : NULL;
		if (origins)
			b->origins = origins;
		struct search_path *rp = origins ? realloc(b->rpaths, n * sizeof *rp) : NULL;
		if (rp)
			b->rpaths = rp;
		struct search_path *rn = rp ? realloc(b->runpaths, n * sizeof *rn) : NULL;
		if (!rn) {
			free(o.needed);
			free(o.path);
			free(o.real);
			free(o.error);
			free(origin);
			return -1;
		}
		b->runpaths = rn;
		b->cap = n;
	}
	b->origins[c->count] = origin;
	memset(&b->rpaths[c->count], 0, sizeof b->rpaths[c->count]);
	memset(&b->runpaths[c->count], 0, sizeof b->runpaths[c->count]);
	c->objects[c->count++] = o;
	const struct scan_object *added = &c->objects[c->count - 1];
	size_t index = c->count - 1;
	if (index == 0)
		return added->real ? strmap_put(&b->loaded_reals, added->real, index) : 0;
	if (!added->path)
		return strmap_put(&b->missing_names, added->needed, index);
	if (strmap_put(&b->loaded_names, added->needed, index) != 0 ||
	    (added->real && strmap_put(&b->loaded_reals, added->real, index) != 0) ||
	    (added->elf && added->elf->soname && strmap_put(&b->loaded_names, added->elf->soname, index) != 0))
		return -1;
	return 0;
}

static void builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->c->count; i++) {
		free(b->origins[i]);
		search_path_free(&b->rpaths[i]);
		search_path_free(&b->runpaths[i]);
	}
	free(b->origins);
	free(b->rpaths);
	free(b->runpaths);
	search_path_free(&b->ld_library_path);
	search_path_free(&b->defaults);
	strmap_free(&b->loaded_names);
	strmap_free(&b->missing_names);
	strmap_free(&b->loaded_reals);
}

/* Finds NAME, needed by object I, and appends it; 0, or -1 when out of
 * memory. */
static int follow(struct builder *b, size_t i, const char *name)
{
	char *found = NULL, *found_real = NULL;
	int unsearched = out_of_lookups(b);
	if (!unsearched) {
		found = find_library(b, i, name);
		unsearched = !found && out_of_lookups(b);
	}
	if (found) {
		found_real = realpath(found, NULL);
		if (!found_real && !(found_real = strdup(found))) {
			free(found);
			return -1;
		}
		size_t same;
		if (strmap_find(&b->loaded_reals, found_real, &same)) {
			/* Like ld.so, the loaded object answers to this name too
			 * (NAME lives as long as the closure is built). */
			free(found);
			free(found_real);
			return same ? strmap_put(&b->loaded_names, name, same) : 0;
		}
	}
	struct scan_object o = { .needed = strdup(name), .path = found, .real = found_real,
				 .needed_by = i, .unsearched = unsearched };
	if (!o.needed) {
		free(found);
		free(found_real);
		return -1;
	}
	if (found) {
		const struct parsed_library *lib = parse_library(found_real);
		if (!lib) {
			free(o.needed);
			free(found);
			free(found_real);
			return -1;
		}
		if (lib->error && !(o.error = strdup(lib->error))) {
			free(o.needed);
			free(found);
			free(found_real);
			return -1;
		}
		if (!lib->error)
			o.elf = &lib->elf;
	}
	return append(b, o, found ? dirname_of(found) : NULL);
}

int scan_closure_build(const char *root_path, const struct scan_elf *root, struct scan_closure *out)
{
	memset(out, 0, sizeof *out);
	struct builder b = { .c = out, .elf_class = root->elf_class, .machine = root->machine };
	char *real = realpath(root_path, NULL);
	struct scan_object first = { .needed = strdup(root_path), .path = strdup(root_path),
				     .real = real, .elf = root };
	if (!first.needed || !first.path) {
		free(first.needed);
		free(first.path);
		free(real);
		goto oom;
	}
	if (append(&b, first, dirname_of(real ? real : root_path)) != 0)
		goto oom;

	for (size_t i = 0; i < out->count; i++) {
		const struct scan_elf *e = out->objects[i].elf;
		if (!e)
			continue;
		for (size_t k = 0; k < e->needed_count; k++) {
			const char *name = e->needed[k];
			if (strmap_find(&b.loaded_names, name, NULL) || strmap_find(&b.missing_names, name, NULL))
				continue;
			if (out->count == SCAN_MAX_CLOSURE) {
				out->limits |= SCAN_LIMIT_CLOSURE;
				goto done;
			}
			if (follow(&b, i, name) != 0)
				goto oom;
		}
	}
done:
	builder_free(&b);
	return 0;
oom:
	builder_free(&b);
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
	strmap_free(&parsed_by_path);
	for (size_t i = 0; i < ld_cache_count; i++) {
		free(ld_cache[i].name);
		free(ld_cache[i].path);
	}
	free(ld_cache);
	ld_cache = NULL;
	ld_cache_count = 0;
	strmap_free(&ld_cache_by_name);
	ld_cache_loaded = 0;
}
