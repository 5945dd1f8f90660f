/* /etc/ld.so.preload: reading it, finding libenvsafe in it, and
 * replacing it atomically.  One wrong byte in that file breaks every
 * program on the machine, so nothing here writes it in place. */
#ifndef ENVSAFE_TOOLS_PRELOAD_LIST_H
#define ENVSAFE_TOOLS_PRELOAD_LIST_H

#include <stddef.h>
#include <sys/stat.h>

struct preload_file {
	char *path;     /* ROOT/etc/ld.so.preload */
	char *text;     /* its contents, NUL-terminated ("" when absent) */
	size_t len;
	int exists;
	struct stat st; /* when it exists */
};

/* Reads ROOT/etc/ld.so.preload (ROOT NULL or "" means /).  A missing
 * file is an empty list.  0, or -1 with a message printed. */
int preload_file_read(const char *root, struct preload_file *out);
void preload_file_free(struct preload_file *file);

/* Calls VISIT for every entry, in order, as the dynamic linker splits the
 * file (spaces, tabs, newlines and colons; '#' starts a comment).  ENTRY
 * is NUL-terminated (entries longer than PATH_MAX, which no loader can
 * open, are passed over); LINE is the 0-based line number.  Stops early
 * when VISIT returns nonzero and returns that value. */
typedef int preload_visit_fn(const char *entry, size_t line, void *ctx);
int preload_file_each(const struct preload_file *file, preload_visit_fn *visit, void *ctx);

/* Replaces FILE's contents with TEXT: a temporary file in the same
 * directory, written, fsync'd and renamed over it (then the directory is
 * fsync'd), keeping its mode and owner.  The file is never seen half
 * written, and on any failure it is left untouched.  0, or -1 with a
 * message printed. */
int preload_file_replace(const struct preload_file *file, const char *text, size_t len);

/* Nonzero when this process has a libenvsafe.so mapped that LD_PRELOAD
 * does not name, i.e. that the dynamic linker loaded through
 * /etc/ld.so.preload (or a link-time dependency).  Its path goes to PATH. */
int preload_self_has_envsafe(char *path, size_t size);

#endif
