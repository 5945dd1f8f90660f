/*
 * getenv_r.c - R10: getenv_r's contract from <envsafe.h>: 0 and the value;
 * -1/ENOENT when unset; -1/ERANGE with the buffer untouched when the
 * value and its NUL do not fit (exact fit succeeds); -1/EINVAL for a
 * NULL, empty or '='-containing name and for a NULL buffer.
 * Linked with -lenvsafe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <envsafe.h>

#include "tap.h"

extern char **environ;

/* libc's nonnull attributes do not cover getenv_r, but keep the NULLs
 * opaque anyway so no compiler reasons about them. */
static const char *volatile null_name;
static char *volatile null_buf;

#define SENTINEL 'Z'

static void fill(char *buf, size_t len)
{
	memset(buf, SENTINEL, len);
}

static int untouched(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != SENTINEL)
			return 0;
	return 1;
}

static int call(const char *name, char *buf, size_t len, int *err)
{
	int rc;
	errno = 0;
	rc = getenv_r(name, buf, len);
	*err = errno;
	return rc;
}

static char pbuf[] = "ES_R_PUT=put-value";
static char *own_env[] = { "ES_R_OWN=own-value", NULL };

int main(void)
{
	char buf[64];
	int err, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setenv("ES_R", "hello", 1) != 0 || setenv("ES_R_EMPTY", "", 1) != 0)
		tap_bail("setenv failed");

	fill(buf, sizeof buf);
	rc = call("ES_R", buf, sizeof buf, &err);
	tap_ok(rc == 0 && strcmp(buf, "hello") == 0, "linked: a set variable is copied (rc %d, \"%.10s\")", rc, buf);

	rc = call("ES_R_ABSENT", buf, sizeof buf, &err);
	tap_ok(rc == -1 && err == ENOENT, "linked: an unset variable gives -1/ENOENT (rc %d, errno %d)", rc, err);

	fill(buf, sizeof buf);
	rc = call("ES_R", buf, 6, &err);
	tap_ok(rc == 0 && strcmp(buf, "hello") == 0, "linked: exact fit (value + NUL = 6 bytes) succeeds (rc %d)", rc);
	tap_ok(untouched(buf + 6, sizeof buf - 6), "linked: exact fit writes nothing past the 6 bytes");

	fill(buf, sizeof buf);
	rc = call("ES_R", buf, 5, &err);
	tap_ok(rc == -1 && err == ERANGE, "linked: one byte short gives -1/ERANGE (rc %d, errno %d)", rc, err);
	tap_ok(untouched(buf, sizeof buf), "linked: ERANGE leaves the buffer unchanged");

	fill(buf, sizeof buf);
	rc = call("ES_R", buf, 0, &err);
	tap_ok(rc == -1 && err == ERANGE && untouched(buf, sizeof buf), "linked: length 0 gives -1/ERANGE, buffer unchanged");

	fill(buf, sizeof buf);
	rc = call("ES_R_EMPTY", buf, 1, &err);
	tap_ok(rc == 0 && buf[0] == '\0' && untouched(buf + 1, sizeof buf - 1), "linked: an empty value fits in 1 byte");
	rc = call("ES_R_EMPTY", buf, 0, &err);
	tap_ok(rc == -1 && err == ERANGE, "linked: an empty value does not fit in 0 bytes (rc %d, errno %d)", rc, err);

	rc = call(null_name, buf, sizeof buf, &err);
	tap_ok(rc == -1 && err == EINVAL, "linked: NULL name gives -1/EINVAL (rc %d, errno %d)", rc, err);
	rc = call("", buf, sizeof buf, &err);
	tap_ok(rc == -1 && err == EINVAL, "linked: empty name gives -1/EINVAL (rc %d, errno %d)", rc, err);
	if (putenv("ES_R=X=inner") != 0)
		tap_bail("putenv failed");
	fill(buf, sizeof buf);
	rc = call("ES_R=X", buf, sizeof buf, &err);
	tap_ok(rc == -1 && err == EINVAL && untouched(buf, sizeof buf),
	       "linked: a name containing '=' gives -1/EINVAL even when an entry would match (rc %d, errno %d)", rc, err);
	rc = call("ES_R", null_buf, 10, &err);
	tap_ok(rc == -1 && err == EINVAL, "linked: NULL buffer for a set name gives -1/EINVAL (rc %d, errno %d)", rc, err);
	rc = call("ES_R_ABSENT", null_buf, 10, &err);
	tap_ok(rc == -1 && err == EINVAL, "linked: NULL buffer for an unset name gives -1/EINVAL (rc %d, errno %d)", rc, err);

	rc = call("ES_R", buf, sizeof buf, &err);
	tap_ok(rc == 0 && strcmp(buf, "X=inner") == 0, "linked: a putenv replacement is copied (\"%s\")", rc == 0 ? buf : "");
	if (putenv(pbuf) != 0)
		tap_bail("putenv failed");
	memcpy(pbuf + 9, "PUT", 3);
	rc = call("ES_R_PUT", buf, sizeof buf, &err);
	tap_ok(rc == 0 && strcmp(buf, "PUT-value") == 0, "linked: an edited putenv buffer is copied as edited");
	unsetenv("ES_R");
	rc = call("ES_R", buf, sizeof buf, &err);
	tap_ok(rc == -1 && err == ENOENT, "linked: after unsetenv, -1/ENOENT (rc %d, errno %d)", rc, err);
	environ = own_env;
	rc = call("ES_R_OWN", buf, sizeof buf, &err);
	tap_ok(rc == 0 && strcmp(buf, "own-value") == 0, "linked: a program-assigned environ is searched");
	rc = call("ES_R_PUT", buf, sizeof buf, &err);
	tap_ok(rc == -1 && err == ENOENT, "linked: ... and the replaced environment is not (rc %d, errno %d)", rc, err);
	return tap_done();
}
