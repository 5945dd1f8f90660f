/*
 * peer_suites.c - what other C libraries' environment suites expect and
 * envsafe does differently, as README "Limits" states it.  Each check
 * asserts envsafe's behaviour, so a change to it shows here first.
 * Linked with -lenvsafe; the cases follow the scenario of glibc's
 * tst-environ-change-1..4 (a program that swaps environ around setenv).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <envsafe.h>

#include "tap.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ES_PEER_SANITIZED 1
#endif
#endif
#ifndef ES_PEER_SANITIZED
#define ES_PEER_SANITIZED 0
#endif

extern char **environ;

/* The program empties environ with an array of its own, sets A then B. */
static void rewrite(char **own)
{
	own[0] = NULL;
	environ = own;
	setenv("PEER_A", "1", 1);
	setenv("PEER_B", "2", 1);
}

/* In a child: free(environ) after setenv, as tst-environ-change-2 and -4
 * do.  Returns the wait status. */
static int free_after_setenv(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		tap_bail("fork failed");
	if (pid == 0) {
		/* glibc's message about the bad pointer is expected noise. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(4);
		char **own = malloc(sizeof *own);
		if (!own)
			_exit(3);
		rewrite(own);
		free(environ);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	return status;
}

int main(void)
{
	char *own[1];

	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_ok(strcmp(envsafe_version(), "") != 0, "linked with -lenvsafe %s", envsafe_version());

	/* New names go to the front: glibc appends (tst-environ-change-1..4
	 * expect environ[0] to be the first name set). */
	setenv("PEER_EARLY", "1", 1);
	char **saved = environ;
	rewrite(own);
	tap_ok(environ[0] && strcmp(environ[0], "PEER_B=2") == 0 && environ[1] &&
	       strcmp(environ[1], "PEER_A=1") == 0 && !environ[2],
	       "new names go to the front: environ is { PEER_B=2, PEER_A=1 } (got %s, %s)",
	       environ[0] ? environ[0] : "NULL", environ[0] && environ[1] ? environ[1] : "NULL");

	/* A saved environ put back shows the environment as it was when it
	 * was saved; glibc 2.41 may show the later writes (tst-environ-change-3). */
	environ = saved;
	tap_ok(getenv("PEER_A") == NULL && getenv("PEER_B") == NULL && getenv("PEER_EARLY") &&
	       strcmp(getenv("PEER_EARLY"), "1") == 0,
	       "a saved environ put back shows the environment as it was (PEER_EARLY=1, no PEER_A/PEER_B)");

	/* After clearenv, environ is an empty list, not NULL. */
	tap_ok(clearenv() == 0 && environ != NULL && environ[0] == NULL,
	       "after clearenv, environ is an empty list, not NULL");

	/* free(environ) after setenv: environ points into the library's
	 * buffer, not at the start of a block of the program's, and malloc
	 * aborts. */
	int status = free_after_setenv();
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || ES_PEER_SANITIZED
	/* A sanitizer's allocator reports the bad free and stops the child
	 * its own way (exit status or signal). */
	tap_ok(!(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 4)),
	       "free(environ) after setenv is stopped by the sanitizer's allocator (status 0x%x)", (unsigned)status);
#else
	tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	       "free(environ) after setenv aborts (SIGABRT) instead of freeing the library's buffer (status 0x%x)",
	       (unsigned)status);
#endif
	return tap_done();
}
