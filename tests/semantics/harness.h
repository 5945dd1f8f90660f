/*
 * harness.h - what the core tests share beyond tap.h: running under the
 * preloaded library, a watchdog, and reading the build directory.
 *
 * A test that exercises the preloaded library is an ordinary program
 * linked against libc.  es_require_preload() re-executes it with
 * LD_PRELOAD pointing at $ES_BUILD_DIR/libenvsafe.so unless the library is
 * already loaded, so prove can run the binary directly and a developer can
 * compare against stock libc with ES_STOCK=1.
 */
#ifndef ENVSAFE_TEST_HARNESS_H
#define ENVSAFE_TEST_HARNESS_H

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

/* The library's version string when it provides our symbols, else NULL. */
static inline const char *es_loaded_version(void)
{
	const char *(*version)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "envsafe_version");
	return version ? version() : NULL;
}

static inline const char *es_build_dir(void)
{
	const char *dir = getenv("ES_BUILD_DIR");
	if (!dir || !*dir)
		tap_bail("ES_BUILD_DIR is not set (run through make check)");
	return dir;
}

/* Returns 1 when running on the library, 0 when ES_STOCK=1 asked for
 * stock libc; otherwise re-executes itself and does not return. */
__attribute__((unused)) static int es_require_preload(char **argv)
{
	char lib[4096], self[4096];
	ssize_t n;

	if (es_loaded_version())
		return 1;
	if (getenv("ES_STOCK") && strcmp(getenv("ES_STOCK"), "1") == 0)
		return 0;
	if (getenv("ES_PRELOAD_TRIED"))
		tap_bail("LD_PRELOAD=%s did not load libenvsafe", getenv("LD_PRELOAD"));
	snprintf(lib, sizeof lib, "%s/libenvsafe.so", es_build_dir());
	if (access(lib, R_OK) != 0)
		tap_bail("%s: %s", lib, strerror(errno));
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		tap_bail("readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	/* Stock setenv is fine here: nothing else runs yet. */
	setenv("LD_PRELOAD", lib, 1);
	setenv("ES_PRELOAD_TRIED", "1", 1);
	execv(self, argv);
	tap_bail("execv %s: %s", self, strerror(errno));
}

/* The watchdog turns a hang into a failed test instead of a stuck
 * `make check`.  Only async-signal-safe calls in the handler. */
static const char *es_watchdog_what = "test";

static void es_watchdog_fire(int sig)
{
	static const char msg1[] = "not ok 9999 - watchdog: ";
	static const char msg2[] = " did not finish in time (deadlock?)\n";
	(void)sig;
	if (write(1, msg1, sizeof msg1 - 1) < 0 ||
	    write(1, es_watchdog_what, strlen(es_watchdog_what)) < 0 ||
	    write(1, msg2, sizeof msg2 - 1) < 0)
		_exit(3);
	_exit(2);
}

__attribute__((unused)) static void es_watchdog(const char *what, unsigned seconds)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = es_watchdog_fire;
	sigaction(SIGALRM, &sa, NULL);
	es_watchdog_what = what;
	alarm((unsigned)(seconds * tap_time_scale()));
}

#endif
