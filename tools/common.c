/* Helpers shared by the envsafe subcommands. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ES_LIBDIR
#define ES_LIBDIR "/usr/local/lib"
#endif
#ifndef ES_LIBEXECDIR
#define ES_LIBEXECDIR "/usr/local/libexec/envsafe"
#endif

const char *es_progname = "envsafe";

static void vreport(const char *fmt, va_list ap, int errnum)
{
	/* One buffered line, so concurrent writers to the same stderr (a
	 * traced child, say) cannot split our message in two. */
	char line[1024];
	int n = snprintf(line, sizeof line, "%s: ", es_progname);
	if (n < 0)
		return;
	if ((size_t)n < sizeof line)
		n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	if (errnum && (size_t)n < sizeof line)
		n += snprintf(line + n, sizeof line - (size_t)n, ": %s", strerror(errnum));
	if ((size_t)n >= sizeof line - 1)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	fwrite(line, 1, (size_t)n, stderr);
	fflush(stderr);
}

void es_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap, 0);
	va_end(ap);
}

void es_error_errno(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap, errnum);
	va_end(ap);
}

const char *es_option_value(int argc, char **argv, int *i, const char *name)
{
	size_t len = strlen(name);
	const char *arg = argv[*i];
	if (strncmp(arg, name, len) != 0)
		return NULL;
	if (arg[len] == '=')
		return arg + len + 1;
	if (arg[len] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		return "";
	return argv[++*i];
}

int es_secure_mode(void)
{
	return getauxval(AT_SECURE) != 0;
}

const char *es_configured_libdir(void)
{
	return ES_LIBDIR;
}

const char *es_self_dir(void)
{
	static char dir[PATH_MAX];
	static int done;
	if (!done) {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
		dir[n > 0 ? n : 0] = '\0';
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			dir[0] = '\0';
		done = 1;
	}
	return dir;
}

/* DIR/SUFFIX in a fresh allocation, or NULL (no directory, no memory). */
static char *beside_self(const char *suffix)
{
	const char *dir = es_self_dir();
	char *path;
	if (!dir[0] || asprintf(&path, "%s/%s", dir, suffix) < 0)
		return NULL;
	return path;
}

/* The first candidate that names an existing regular file with the wanted
 * access, as a canonical absolute path copied into FOUND; frees every
 * candidate.  Returns FOUND or NULL. */
static const char *first_existing(char **candidates, size_t n, int mode, char found[PATH_MAX])
{
	const char *result = NULL;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (!result && candidates[i] && stat(candidates[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    access(candidates[i], mode) == 0 && realpath(candidates[i], found))
			result = found;
		free(candidates[i]);
	}
	return result;
}

const char *es_find_library(void)
{
	static char path[PATH_MAX];
	static const char *found;
	if (found)
		return found;
	/* Relative locations first, so that a relocated installation uses
	 * its own library rather than one left in the configured LIBDIR. */
	/* The soname (what the runtime package installs) before the
	 * development symlink. */
	char *candidates[] = {
		beside_self(ES_LIB_SONAME),
		beside_self("libenvsafe.so"),
		beside_self("../lib/" ES_LIB_SONAME),
		beside_self("../lib/libenvsafe.so"),
		strdup(ES_LIBDIR "/" ES_LIB_SONAME),
		strdup(ES_LIBDIR "/libenvsafe.so"),
	};
	found = first_existing(candidates, sizeof candidates / sizeof *candidates, R_OK, path);
	if (!found)
		es_error("cannot find libenvsafe.so (looked beside %s and in %s)",
			 es_self_dir()[0] ? es_self_dir() : "the envsafe executable", ES_LIBDIR);
	return found;
}

const char *es_find_stress(void)
{
	static char path[PATH_MAX];
	static const char *found;
	if (found)
		return found;
	/* Tests substitute their own workload; a setuid envsafe must not run
	 * a program named by its caller. */
	const char *override = es_secure_mode() ? NULL : getenv("ENVSAFE_STRESS");
	if (override && *override) {
		char *one[] = { strdup(override) };
		found = first_existing(one, 1, X_OK, path);
		if (!found)
			es_error("ENVSAFE_STRESS=%s is not an executable file", override);
		return found;
	}
	char *candidates[] = {
		beside_self("envsafe-stress"),
		beside_self("tests/stress/envsafe-stress"),
		beside_self("../libexec/envsafe/envsafe-stress"),
		strdup(ES_LIBEXECDIR "/envsafe-stress"),
	};
	found = first_existing(candidates, sizeof candidates / sizeof *candidates, X_OK, path);
	if (!found)
		es_error("cannot find the envsafe-stress workload (looked beside %s and in %s)",
			 es_self_dir()[0] ? es_self_dir() : "the envsafe executable", ES_LIBEXECDIR);
	return found;
}

/* glibc splits LD_PRELOAD at spaces and colons. */
static int preload_first_is(const char *list, const char *library)
{
	list += strspn(list, " :");
	size_t len = strcspn(list, " :");
	return len == strlen(library) && memcmp(list, library, len) == 0;
}

int es_prepend_preload(const char *library)
{
	if (strchr(library, ' ') || strchr(library, ':')) {
		es_error("cannot preload %s: LD_PRELOAD entries cannot contain spaces or colons", library);
		return -1;
	}
	const char *old = getenv("LD_PRELOAD");
	if (old && preload_first_is(old, library))
		return 0;
	if (!old || !old[strspn(old, " :")])
		return setenv("LD_PRELOAD", library, 1) == 0 ? 0 : (es_error_errno("setenv"), -1);
	size_t len = strlen(library) + 1 + strlen(old) + 1;
	char *joined = malloc(len);
	if (!joined) {
		es_error_errno("LD_PRELOAD");
		return -1;
	}
	snprintf(joined, len, "%s:%s", library, old);
	int rc = setenv("LD_PRELOAD", joined, 1);
	free(joined);
	if (rc != 0) {
		es_error_errno("setenv");
		return -1;
	}
	return 0;
}

int es_exec_command(char **argv)
{
	execvp(argv[0], argv);
	int err = errno; /* es_error_errno may change errno after using it */
	es_error_errno("%s", argv[0]);
	return err == ENOENT || err == ENOTDIR ? 127 : 126;
}
