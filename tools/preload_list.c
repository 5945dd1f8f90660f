/* /etc/ld.so.preload handling for `envsafe preload`, doctor and run. */
#define _GNU_SOURCE
#include "preload_list.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "proc_inspect.h"

int preload_file_read(const char *root, struct preload_file *out)
{
	*out = (struct preload_file){ 0 };
	if (asprintf(&out->path, "%s/etc/ld.so.preload", root && *root ? root : "") < 0) {
		out->path = NULL;
		es_error_errno("preload");
		return -1;
	}
	int fd = open(out->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		out->text = strdup("");
		if (!out->text) {
			es_error_errno("preload");
			return -1;
		}
		return 0;
	}
	if (fd < 0 || fstat(fd, &out->st) != 0) {
		es_error_errno("cannot read %s", out->path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(out->st.st_mode)) {
		es_error("%s is not a regular file", out->path);
		close(fd);
		return -1;
	}
	size_t cap = (size_t)out->st.st_size + 1;
	out->text = malloc(cap);
	while (out->text) {
		ssize_t n = read(fd, out->text + out->len, cap - 1 - out->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			es_error_errno("cannot read %s", out->path);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		if (out->len == cap - 1) {
			char *grown = realloc(out->text, cap * 2);
			if (!grown)
				free(out->text);
			out->text = grown;
			cap *= 2;
		}
	}
	close(fd);
	if (!out->text) {
		es_error_errno("preload");
		return -1;
	}
	out->text[out->len] = '\0';
	out->exists = 1;
	return 0;
}

void preload_file_free(struct preload_file *file)
{
	free(file->path);
	free(file->text);
	*file = (struct preload_file){ 0 };
}

int preload_file_each(const struct preload_file *file, preload_visit_fn *visit, void *ctx)
{
	size_t line = 0;
	for (const char *p = file->text, *end = file->text + file->len; p < end;) {
		if (*p == '#') {
			p += strcspn(p, "\n");
			continue;
		}
		if (*p == '\n')
			line++;
		size_t sep = strspn(p, " \t\n:");
		if (sep) {
			/* Count the newlines skipped past the first one. */
			for (size_t k = 1; k < sep; k++)
				line += p[k] == '\n';
			p += sep;
			continue;
		}
		size_t len = strcspn(p, " \t\n:#");
		/* Only a NUL byte stops both scans: step over it. */
		if (len == 0) {
			p++;
			continue;
		}
		char entry[PATH_MAX];
		if (len < sizeof entry) {
			memcpy(entry, p, len);
			entry[len] = '\0';
			int stop = visit(entry, line, ctx);
			if (stop)
				return stop;
		}
		p += len;
	}
	return 0;
}

int preload_file_replace(const struct preload_file *file, const char *text, size_t len)
{
	struct stat link_st;
	if (lstat(file->path, &link_st) == 0 && S_ISLNK(link_st.st_mode)) {
		es_error("%s is a symbolic link; refusing to replace it", file->path);
		return -1;
	}
	char *dir_copy = strdup(file->path), *tmp = NULL;
	const char *dir = dir_copy ? dirname(dir_copy) : NULL;
	if (!dir || asprintf(&tmp, "%s/.ld.so.preload.envsafe-XXXXXX", dir) < 0) {
		free(dir_copy);
		es_error_errno("preload");
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		es_error_errno("cannot write in %s", dir);
		free(tmp);
		free(dir_copy);
		return -1;
	}
	/* The dynamic linker of every user reads the file: 0644 unless the
	 * old file said otherwise. */
	mode_t mode = file->exists ? file->st.st_mode & 07777 : 0644;
	int rc = fchmod(fd, mode);
	if (rc == 0 && file->exists && (file->st.st_uid != geteuid() || file->st.st_gid != getegid()))
		rc = fchown(fd, file->st.st_uid, file->st.st_gid);
	for (size_t done = 0; rc == 0 && done < len;) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = -1;
		else
			done += (size_t)n;
	}
	if (rc == 0)
		rc = fsync(fd);
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0)
		rc = rename(tmp, file->path);
	if (rc != 0) {
		es_error_errno("cannot replace %s", file->path);
		unlink(tmp);
	} else {
		/* The rename itself is durable once the directory is synced. */
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	free(tmp);
	free(dir_copy);
	return rc == 0 ? 0 : -1;
}

/* Nonzero when the colon/space separated LIST names a libenvsafe.so. */
static int list_names_envsafe(const char *list)
{
	while (list && *list) {
		list += strspn(list, " :");
		size_t len = strcspn(list, " :");
		char entry[4096];
		if (len && len < sizeof entry) {
			memcpy(entry, list, len);
			entry[len] = '\0';
			if (inspect_is_envsafe_name(entry))
				return 1;
		}
		list += len;
	}
	return 0;
}

int preload_self_has_envsafe(char *path, size_t size)
{
	if (list_names_envsafe(getenv("LD_PRELOAD")))
		return 0;
	FILE *maps = fopen("/proc/self/maps", "re");
	if (!maps)
		return 0;
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	while (!found && getline(&line, &cap, maps) > 0) {
		char *file = strchr(line, '/');
		if (!file)
			continue;
		file[strcspn(file, "\n")] = '\0';
		if (inspect_is_envsafe_name(file)) {
			snprintf(path, size, "%s", file);
			found = 1;
		}
	}
	free(line);
	fclose(maps);
	return found;
}
