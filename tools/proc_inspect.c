/* Inspection of a running process through /proc, for doctor and ps. */
#define _GNU_SOURCE
#include "proc_inspect.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "scan_elf.h"

/* ---- the scan cache ------------------------------------------------- */

struct cached_file {
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	int readable;         /* scan_elf_read succeeded */
	int not_elf;          /* a locale archive, a font: nothing to scan */
	enum scan_elf_type type;
	unsigned imports, contains;
	int provides_environment, is_envsafe;
	struct cached_file *next;
};

#define CACHE_BUCKETS 1021u

struct inspect_cache {
	struct cached_file *bucket[CACHE_BUCKETS];
	size_t reads, hits;
};

struct inspect_cache *inspect_cache_new(void)
{
	return calloc(1, sizeof(struct inspect_cache));
}

void inspect_cache_free(struct inspect_cache *cache)
{
	if (!cache)
		return;
	for (size_t b = 0; b < CACHE_BUCKETS; b++)
		for (struct cached_file *f = cache->bucket[b], *next; f; f = next) {
			next = f->next;
			free(f);
		}
	free(cache);
}

void inspect_cache_stats(const struct inspect_cache *cache, size_t *reads, size_t *hits)
{
	*reads = cache->reads;
	*hits = cache->hits;
}

/* The scan of the file at PATH (a path this process can open), read once
 * per (device, inode, mtime); NULL when it cannot be opened, is not a
 * regular file, or memory runs out.  ST receives the file's status. */
static const struct cached_file *scan_file(struct inspect_cache *cache, const char *path,
					   struct stat *st)
{
	if (stat(path, st) != 0 || !S_ISREG(st->st_mode))
		return NULL;
	size_t b = ((uintmax_t)st->st_dev * 31u + (uintmax_t)st->st_ino) % CACHE_BUCKETS;
	for (struct cached_file *f = cache->bucket[b]; f; f = f->next)
		if (f->dev == st->st_dev && f->ino == st->st_ino &&
		    f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec) {
			cache->hits++;
			return f;
		}
	struct cached_file *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->mtime = st->st_mtim;
	/* O_NONBLOCK: a FIFO swapped in after stat must not hang us. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd >= 0) {
		struct scan_elf elf;
		char why[200];
		enum scan_elf_status status = scan_elf_read(fd, &elf, why, sizeof why);
		f->not_elf = status == SCAN_ELF_NOT_ELF;
		if (status == SCAN_ELF_OK) {
			f->readable = 1;
			f->type = elf.type;
			f->imports = elf.imports;
			f->contains = elf.contains;
			f->provides_environment = elf.provides_environment;
			f->is_envsafe = elf.is_envsafe;
			scan_elf_free(&elf);
		}
		close(fd);
	}
	cache->reads++;
	f->next = cache->bucket[b];
	cache->bucket[b] = f;
	return f;
}

/* ---- /proc readers -------------------------------------------------- */

/* Reads /proc/PID/NAME into BUF (NUL-terminated); bytes read, or -1 with
 * errno set. */
static ssize_t read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	while (n < size - 1) {
		ssize_t got = read(fd, buf + n, size - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = errno;
			close(fd);
			errno = err;
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

/* PF_KTHREAD in the flags field of /proc/PID/stat (include/linux/sched.h). */
#define KERNEL_THREAD_FLAG 0x00200000u

/* Fills comm, threads, zombie and kernel_thread; -1 with errno if the
 * process is gone. */
static int read_identity(pid_t pid, struct inspect_report *r)
{
	char buf[4096];
	if (read_proc(pid, "stat", buf, sizeof buf) < 0)
		return -1;
	/* comm may hold ')' and spaces: the fields start after the last ')'. */
	char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren) {
		errno = EIO;
		return -1;
	}
	size_t len = (size_t)(close_paren - open_paren - 1);
	if (len >= sizeof r->comm)
		len = sizeof r->comm - 1;
	memcpy(r->comm, open_paren + 1, len);
	r->comm[len] = '\0';
	char state = 0;
	unsigned long flags = 0;
	if (sscanf(close_paren + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) == 2) {
		r->zombie = state == 'Z' || state == 'X';
		r->kernel_thread = (flags & KERNEL_THREAD_FLAG) != 0;
	}
	if (read_proc(pid, "status", buf, sizeof buf) < 0)
		return -1;
	const char *t = strstr(buf, "\nThreads:");
	r->threads = t ? atoi(t + 9) : 0;
	return 0;
}

/* ---- the objects a process maps ----------------------------------- */

const char *inspect_symbol_list(unsigned symbols, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int i = 0; i < SCAN_SYMBOL_COUNT; i++)
		if (symbols & (1u << i) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
					      scan_symbol_names[i]);
	return buf;
}

int inspect_is_envsafe_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strncmp(base, "libenvsafe.so", 13) == 0 && (base[13] == '\0' || base[13] == '.');
}

static int is_perl_name(const char *path, int executable)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return executable ? strncmp(base, "perl", 4) == 0 : strncmp(base, "libperl.so", 10) == 0;
}

static int add_writer(struct inspect_report *r, const char *path, unsigned symbols)
{
	struct inspect_writer *grown = realloc(r->writers, (r->writer_count + 1) * sizeof *grown);
	if (!grown)
		return -1;
	r->writers = grown;
	char *copy = strdup(path);
	if (!copy)
		return -1;
	r->writers[r->writer_count++] = (struct inspect_writer){ copy, symbols };
	return 0;
}

/* Looks at every file PID maps, once per file.  The file is opened
 * through /proc/PID/root, so a process in another mount namespace (a
 * container) is read from its own filesystem.  -1 with errno on failure
 * to read the maps themselves. */
static int read_objects(pid_t pid, struct inspect_cache *cache, struct inspect_report *r,
			const struct stat *exe_st)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *maps = fopen(path, "re");
	if (!maps)
		return -1;
	char *line = NULL, *last = NULL;
	size_t cap = 0;
	int rc = 0;
	errno = 0;
	while (getline(&line, &cap, maps) > 0) {
		unsigned long inode;
		int path_at = 0;
		if (sscanf(line, "%*s %*s %*s %*s %lu %n", &inode, &path_at) < 1 || !path_at ||
		    line[path_at] != '/' || inode == 0)
			continue;
		char *file = line + path_at;
		file[strcspn(file, "\n")] = '\0';
		/* Mappings of one file are adjacent; look at each file once. */
		if (last && strcmp(last, file) == 0)
			continue;
		free(last);
		last = strdup(file);
		if (!last) {
			errno = ENOMEM;
			rc = -1;
			break;
		}
		r->objects++;
		if (inspect_is_envsafe_name(file) && !r->envsafe && !(r->envsafe = strdup(file))) {
			errno = ENOMEM;
			rc = -1;
			break;
		}
		r->perl |= is_perl_name(file, 0);
		size_t flen = strlen(file);
		static const char deleted[] = " (deleted)";
		if (flen > sizeof deleted - 1 && strcmp(file + flen - (sizeof deleted - 1), deleted) == 0) {
			r->unreadable_objects++;
			continue;
		}
		char *rooted;
		if (asprintf(&rooted, "/proc/%d/root%s", (int)pid, file) < 0) {
			errno = ENOMEM;
			rc = -1;
			break;
		}
		struct stat st;
		const struct cached_file *f = scan_file(cache, rooted, &st);
		if (!f && errno != ENOMEM)
			f = scan_file(cache, file, &st);
		free(rooted);
		/* A file replaced on disk since it was mapped says nothing
		 * about what the process runs. */
		if (f && f->not_elf)
			continue;
		if (!f || !f->readable || st.st_ino != (ino_t)inode) {
			r->unreadable_objects++;
			continue;
		}
		int is_exe = exe_st && st.st_dev == exe_st->st_dev && st.st_ino == exe_st->st_ino;
		if (is_exe && f->type == SCAN_TYPE_STATIC) {
			r->is_static = 1;
			r->envsafe_linked = f->is_envsafe;
			/* Without .symtab a static file lists nothing it contains. */
			r->static_unknown = !(f->contains & ((1u << SCAN_SYMBOL_COUNT) - 1)) && !f->imports;
			if (f->contains & SCAN_WRITERS && add_writer(r, file, f->contains & SCAN_WRITERS) != 0) {
				errno = ENOMEM;
				rc = -1;
				break;
			}
		} else if (!f->provides_environment && (f->imports & SCAN_WRITERS) &&
			   add_writer(r, file, f->imports & SCAN_WRITERS) != 0) {
			errno = ENOMEM;
			rc = -1;
			break;
		}
	}
	int err = errno;
	free(line);
	free(last);
	fclose(maps);
	errno = err;
	return rc;
}

/* ---- the verdict --------------------------------------------------- */

static void decide(struct inspect_report *r)
{
	char symbols[80];
	size_t n = sizeof r->reason;
	char *why = r->reason;
	if (r->kernel_thread) {
		r->verdict = VERDICT_NOT_AT_RISK;
		snprintf(why, n, "kernel thread: no user-space environment");
		return;
	}
	if (r->zombie) {
		r->verdict = VERDICT_NOT_AT_RISK;
		snprintf(why, n, "zombie: it has exited and runs no code");
		return;
	}
	const struct inspect_writer *w = r->writer_count ? &r->writers[0] : NULL;
	if (r->perl && r->threads > 1) {
		r->verdict = VERDICT_AT_RISK;
		snprintf(why, n, "Perl with %d threads: Perl reallocates and frees environ itself, "
			 "which no library can protect", r->threads);
		return;
	}
	if (r->envsafe || r->envsafe_linked) {
		r->verdict = VERDICT_PROTECTED;
		if (r->envsafe)
			snprintf(why, n, "libenvsafe is mapped (%s)", r->envsafe);
		else
			snprintf(why, n, "linked statically with libenvsafe");
		return;
	}
	if (r->threads <= 1) {
		r->verdict = VERDICT_NOT_AT_RISK;
		if (w)
			snprintf(why, n, "single-threaded; %s imports %s (at risk once it starts a thread)",
				 w->path, inspect_symbol_list(w->symbols, symbols, sizeof symbols));
		else
			snprintf(why, n, "single-threaded");
		return;
	}
	if (r->is_static && w) {
		r->verdict = VERDICT_AT_RISK;
		snprintf(why, n, "%d threads; statically linked with %s: LD_PRELOAD cannot apply, "
			 "link it with libenvsafe.a", r->threads,
			 inspect_symbol_list(w->symbols, symbols, sizeof symbols));
		return;
	}
	if (r->is_static) {
		/* A Go program, say: its environment is not the C library's. */
		r->verdict = VERDICT_NOT_AT_RISK;
		snprintf(why, n, "%d threads; statically linked, and %s", r->threads,
			 r->static_unknown ? "it has no C library environment symbols (or no symbol table)"
					   : "it contains no environment writer");
		return;
	}
	if (w) {
		r->verdict = VERDICT_AT_RISK;
		int len = snprintf(why, n, "%d threads; %s imports %s", r->threads, w->path,
				   inspect_symbol_list(w->symbols, symbols, sizeof symbols));
		if (r->writer_count > 1 && len > 0 && (size_t)len < n)
			len += snprintf(why + len, n - (size_t)len, " (and %zu more objects)",
					r->writer_count - 1);
		if ((r->setuid || r->setgid) && len > 0 && (size_t)len < n)
			snprintf(why + len, n - (size_t)len, "; set%cid, so LD_PRELOAD is ignored: "
				 "use /etc/ld.so.preload or link libenvsafe", r->setuid ? 'u' : 'g');
		return;
	}
	r->verdict = VERDICT_NOT_AT_RISK;
	int len = snprintf(why, n, "%d threads, but nothing it has loaded imports setenv, unsetenv, "
			   "putenv or clearenv", r->threads);
	if (r->unreadable_objects && len > 0 && (size_t)len < n)
		snprintf(why + len, n - (size_t)len, " (%zu mapped files could not be read)",
			 r->unreadable_objects);
}

static enum inspect_verdict cannot_inspect(struct inspect_report *r, int err)
{
	r->verdict = VERDICT_UNKNOWN;
	r->error = err;
	if (err == ENOENT || err == ESRCH)
		snprintf(r->reason, sizeof r->reason, "no process with pid %d (it has exited)", (int)r->pid);
	else if (err == EACCES || err == EPERM)
		snprintf(r->reason, sizeof r->reason, "permission denied reading /proc/%d/maps "
			 "(inspect it as its owner or as root)", (int)r->pid);
	else
		snprintf(r->reason, sizeof r->reason, "cannot read /proc/%d: %s", (int)r->pid,
			 strerror(err));
	if (r->error == ENOENT)
		r->error = ESRCH;
	return r->verdict;
}

enum inspect_verdict inspect_process(pid_t pid, struct inspect_cache *cache,
				     struct inspect_report *r)
{
	*r = (struct inspect_report){ .pid = pid };
	if (read_identity(pid, r) != 0)
		return cannot_inspect(r, errno);
	if (r->kernel_thread || r->zombie) {
		decide(r);
		return r->verdict;
	}
	char exe[PATH_MAX];
	ssize_t len;
	char link[64];
	snprintf(link, sizeof link, "/proc/%d/exe", (int)pid);
	if ((len = readlink(link, exe, sizeof exe - 1)) > 0) {
		exe[len] = '\0';
		r->exe = strdup(exe);
		r->perl |= is_perl_name(exe, 1);
	}
	struct stat exe_st;
	int have_exe = stat(link, &exe_st) == 0;
	if (have_exe) {
		r->setuid = (exe_st.st_mode & S_ISUID) != 0;
		r->setgid = (exe_st.st_mode & S_ISGID) && (exe_st.st_mode & S_IXGRP);
	}
	if (read_objects(pid, cache, r, have_exe ? &exe_st : NULL) != 0)
		return cannot_inspect(r, errno);
	/* The process may have exited between reading its status and its
	 * maps: an exited process maps nothing. */
	if (r->objects == 0 && access(link, F_OK) != 0 && errno == ENOENT &&
	    read_identity(pid, r) != 0)
		return cannot_inspect(r, ESRCH);
	decide(r);
	return r->verdict;
}

void inspect_report_free(struct inspect_report *r)
{
	for (size_t i = 0; i < r->writer_count; i++)
		free(r->writers[i].path);
	free(r->writers);
	free(r->envsafe);
	free(r->exe);
	r->writers = NULL;
	r->envsafe = r->exe = NULL;
	r->writer_count = 0;
}

const char *inspect_verdict_name(enum inspect_verdict verdict)
{
	static const char *const names[] = {
		[VERDICT_PROTECTED] = "protected",
		[VERDICT_AT_RISK] = "at risk",
		[VERDICT_NOT_AT_RISK] = "not at risk",
		[VERDICT_UNKNOWN] = "cannot inspect",
	};
	return names[verdict];
}

void inspect_report_json_members(FILE *out, const struct inspect_report *r)
{
	fprintf(out, "\"pid\": %d, \"comm\": ", (int)r->pid);
	escape_json(out, r->comm);
	fprintf(out, ", \"verdict\": ");
	escape_json(out, inspect_verdict_name(r->verdict));
	fprintf(out, ", \"protected\": ");
	escape_json_bool(out, r->verdict == VERDICT_PROTECTED);
	fprintf(out, ", \"at_risk\": ");
	escape_json_bool(out, r->verdict == VERDICT_AT_RISK);
	fprintf(out, ", \"reason\": ");
	escape_json(out, r->reason);
	if (r->verdict == VERDICT_UNKNOWN) {
		fprintf(out, ", \"threads\": null, \"error\": ");
		escape_json(out, r->error == ESRCH ? "gone" : r->error == EACCES || r->error == EPERM
									 ? "permission denied"
									 : strerror(r->error));
		return;
	}
	fprintf(out, ", \"threads\": %d, \"exe\": ", r->threads);
	escape_json(out, r->exe);
	fprintf(out, ", \"envsafe\": ");
	escape_json(out, r->envsafe);
	const struct { const char *name; int value; } flags[] = {
		{ "static", r->is_static }, { "setuid", r->setuid }, { "setgid", r->setgid },
		{ "perl", r->perl }, { "kernel_thread", r->kernel_thread },
	};
	for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
		fprintf(out, ", \"%s\": ", flags[i].name);
		escape_json_bool(out, flags[i].value);
	}
	fprintf(out, ", \"objects\": %zu, \"unreadable_objects\": %zu, \"writers\": [",
		r->objects, r->unreadable_objects);
	for (size_t i = 0; i < r->writer_count; i++) {
		fprintf(out, "%s{\"object\": ", i ? ", " : "");
		escape_json(out, r->writers[i].path);
		fprintf(out, ", \"imports\": [");
		int first = 1;
		for (int s = 0; s < SCAN_SYMBOL_COUNT; s++)
			if (r->writers[i].symbols & (1u << s)) {
				fprintf(out, "%s", first ? "" : ", ");
				escape_json(out, scan_symbol_names[s]);
				first = 0;
			}
		fprintf(out, "]}");
	}
	fprintf(out, "]");
}
