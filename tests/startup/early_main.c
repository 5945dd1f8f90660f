/*
 * early_main.c - R3: getenv/setenv/getenv_r work in a constructor that
 * runs before libenvsafe's constructor, and the results hold in main.
 *
 * Two builds: early_main (stock libc; re-executes itself with
 * LD_PRELOAD="libenvsafe.so libearly.so" and checks, from the loader's
 * LD_DEBUG=files log, that libearly was initialised first) and
 * early_static (early.c and libenvsafe.a linked in; the constructor's
 * priority orders it first).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <envsafe.h>

#include "semantics/harness.h"
#include "startup/early.h"

#ifdef ES_EARLY_LINKED_IN
#define VARIANT "linked with libenvsafe.a"
#else
#define VARIANT "preloaded"
#endif

extern char **environ;

/* Put the inputs in the inherited environment and run again, so the
 * constructor sees them at start-up. */
static void reexec_with_inputs(char **argv)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n < 0)
		tap_bail("readlink: %s", strerror(errno));
	self[n] = '\0';
	setenv("ES_EARLY_IN", "inherited", 1);
	setenv("ES_EARLY_OVER", "old", 1);
	setenv("ES_EARLY_GONE", "doomed", 1);
#ifndef ES_EARLY_LINKED_IN
	{
		static char debug_dir[] = "/tmp/envsafe-early.XXXXXX";
		char preload[8192], out[128];
		const char *b = es_build_dir();
		snprintf(preload, sizeof preload, "%s/libenvsafe.so %s/tests/core/startup/libearly.so", b, b);
		if (!mkdtemp(debug_dir))
			tap_bail("mkdtemp: %s", strerror(errno));
		snprintf(out, sizeof out, "%s/ld", debug_dir);
		setenv("LD_PRELOAD", preload, 1);
		setenv("LD_DEBUG", "files", 1);
		setenv("LD_DEBUG_OUTPUT", out, 1);
		setenv("ES_EARLY_DEBUG_DIR", debug_dir, 1);
	}
#endif
	execv(self, argv);
	tap_bail("execv: %s", strerror(errno));
}

#ifndef ES_EARLY_LINKED_IN
/* The loader logs "calling init: PATH" for each object, in order. */
static void check_init_order(void)
{
	const char *dir = getenv("ES_EARLY_DEBUG_DIR");
	char path[256], line[1024];
	int early_at = 0, envsafe_at = 0, lineno = 0;
	FILE *f;

	if (!dir)
		tap_bail("ES_EARLY_DEBUG_DIR lost");
	snprintf(path, sizeof path, "%s/ld.%d", dir, (int)getpid());
	f = fopen(path, "r");
	if (!f)
		tap_bail("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f)) {
		if (!strstr(line, "calling init:"))
			continue;
		lineno++;
		if (strstr(line, "/libearly.so") && !early_at)
			early_at = lineno;
		if (strstr(line, "/libenvsafe.so") && !envsafe_at)
			envsafe_at = lineno;
	}
	fclose(f);
	unlink(path);
	rmdir(dir);
	tap_ok(early_at && envsafe_at && early_at < envsafe_at,
	       "loader initialised libearly.so (#%d) before libenvsafe.so (#%d)", early_at, envsafe_at);
}
#endif

int main(int argc, char **argv)
{
	struct es_early_report *r;
	const char *v;
	int found = 0, gone = 0;

	(void)argc;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!getenv("ES_EARLY_IN"))
		reexec_with_inputs(argv);
#ifdef ES_EARLY_LINKED_IN
	r = &es_early_report;
#else
	r = dlsym(RTLD_DEFAULT, "es_early_report");
	if (!r)
		tap_bail("libearly.so is not loaded: %s", dlerror());
	check_init_order();
#endif
#ifdef ES_EARLY_LINKED_IN
	tap_ok(strcmp(envsafe_version(), "") != 0, VARIANT ": envsafe_version() = %s", envsafe_version());
#else
	tap_ok(es_loaded_version() != NULL, VARIANT ": libenvsafe is loaded");
#endif
	tap_ok(r->ran, VARIANT ": the early constructor ran");
	tap_ok(r->inherited_ok, VARIANT ": getenv in the early constructor saw the inherited value");
	tap_ok(r->getenv_r_ok, VARIANT ": getenv_r in the early constructor copied the inherited value");
	tap_ok(r->getenv_r_missing_ok, VARIANT ": getenv_r in the early constructor reports ENOENT");
	tap_ok(r->setenv_ok && r->set_visible, VARIANT ": setenv in the early constructor worked and was visible");
	tap_ok(r->overwrite_ok, VARIANT ": overwriting an inherited variable early worked");
	tap_ok(r->unsetenv_ok, VARIANT ": unsetenv in the early constructor worked");

	v = getenv("ES_EARLY_SET");
	tap_ok(v && strcmp(v, "from-constructor") == 0, VARIANT ": main sees the constructor's setenv (%s)", v ? v : "NULL");
	v = getenv("ES_EARLY_OVER");
	tap_ok(v && strcmp(v, "new") == 0, VARIANT ": main sees the constructor's overwrite (%s)", v ? v : "NULL");
	tap_ok(getenv("ES_EARLY_GONE") == NULL, VARIANT ": main does not see the variable the constructor unset");
	tap_ok(r->inherited && strcmp(r->inherited, "inherited") == 0,
	       VARIANT ": the pointer getenv returned in the constructor still reads the value");
	v = getenv("ES_EARLY_IN");
	tap_ok(v && strcmp(v, "inherited") == 0, VARIANT ": main sees the inherited variable");

	for (char **e = environ; e && *e; e++) {
		found += strcmp(*e, "ES_EARLY_SET=from-constructor") == 0;
		gone += strncmp(*e, "ES_EARLY_GONE=", 14) == 0;
	}
	tap_ok(found == 1 && gone == 0, VARIANT ": environ holds the constructor's variable once (%d) and not the unset one (%d)",
	       found, gone);
	tap_ok(setenv("ES_EARLY_SET", "from-main", 1) == 0 && (v = getenv("ES_EARLY_SET")) && strcmp(v, "from-main") == 0,
	       VARIANT ": main can overwrite the constructor's variable");
	return tap_done();
}
