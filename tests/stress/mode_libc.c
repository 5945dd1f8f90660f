/*
 * mode_libc.c - readers inside the C library, which reads the environment
 * on its own: strerror (gettext looks up LANGUAGE once LC_MESSAGES is not
 * "C"), localtime/mktime (TZ) and getaddrinfo (resolver settings).
 * Meanwhile a writer rebuilds the environment from scratch and adds and
 * removes many names.  Readers check what the C library answers; they do
 * not look for particular variables, since the rebuild empties the
 * environment for a moment.
 */
#include "stress.h"

#include <locale.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static void churn_writer(struct thread_arg *self, struct tally *t)
{
	churn_rebuild(self, t);
	churn_grow_and_shrink(self, t, CHURN_PER_WRITER);
}

static int strerror_setup(void)
{
	churn_init();
	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "envsafe-stress: the C.UTF-8 locale is not available\n");
		return -1;
	}
	return base_environment_save();
}

static void strerror_reader(struct thread_arg *self, struct tally *t)
{
	for (unsigned n = 0; n < 64; n++) {
		int e = 1 + (int)(rng_next(&self->seed) % 133);
		const char *msg = strerror(e);
		t->reads++;
		if (msg == NULL || msg[0] == '\0')
			stress_report_miss(t, "strerror returned nothing", NULL);
	}
}

static int localtime_setup(void)
{
	churn_init();
	/* The writer's rebuilds empty the environment for a moment; with TZ
	 * unset throughout, the zone never changes between localtime_r and
	 * mktime, while tzset still looks TZ up on every mktime. */
	if (unsetenv("TZ") != 0)
		return -1;
	tzset();
	return base_environment_save();
}

static void localtime_reader(struct thread_arg *self, struct tally *t)
{
	for (unsigned n = 0; n < 64; n++) {
		/* Any instant within about 30 years of 2000. */
		time_t when = 946684800 + (time_t)(rng_next(&self->seed) % 1000000000);
		struct tm tm;
		time_t back;
		if (localtime_r(&when, &tm) == NULL) {
			stress_report_miss(t, "localtime_r failed", NULL);
			continue;
		}
		back = mktime(&tm);	/* calls tzset, which reads TZ */
		t->reads++;
		if (back != when)
			stress_report_miss(t, "mktime(localtime_r(t)) != t", NULL);
	}
}

static int localhost_resolves;

static int resolve(const char *host, int flags)
{
	struct addrinfo hints, *res = NULL;
	int rc;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = flags;
	rc = getaddrinfo(host, "80", &hints, &res);
	if (rc == 0 && res == NULL)
		rc = EAI_FAIL;
	if (res)
		freeaddrinfo(res);
	return rc;
}

static int getaddrinfo_setup(void)
{
	churn_init();
	/* "localhost" is only used if the hosts database answers it before
	 * the threads start, so the workload never depends on the network. */
	localhost_resolves = resolve("localhost", 0) == 0;
	if (!localhost_resolves && !stress_quiet)
		fprintf(stderr, "envsafe-stress: \"localhost\" does not resolve; using numeric hosts only\n");
	return base_environment_save();
}

/* glibc 2.36 reads the resolver's environment settings (LOCALDOMAIN,
 * RES_OPTIONS, RESOLV_*) only on the first lookup in the process, so on
 * that version this mode mostly shows that getaddrinfo keeps working. */
static void getaddrinfo_reader(struct thread_arg *self, struct tally *t)
{
	for (unsigned n = 0; n < 16; n++) {
		unsigned pick = (unsigned)(rng_next(&self->seed) % 4);
		int rc;
		if (pick >= 2 && localhost_resolves)
			rc = resolve("localhost", 0);
		else if (pick == 1)
			rc = resolve("::1", AI_NUMERICHOST | AI_NUMERICSERV);
		else
			rc = resolve("127.0.0.1", AI_NUMERICHOST | AI_NUMERICSERV);
		t->reads++;
		if (rc != 0)
			stress_report_miss(t, "getaddrinfo failed", gai_strerror(rc));
	}
}

const struct stress_mode stress_mode_strerror = {
	"strerror", "readers call strerror under C.UTF-8 (gettext reads LANGUAGE)",
	1, strerror_setup, strerror_reader, churn_writer,
};

const struct stress_mode stress_mode_localtime = {
	"localtime", "readers call localtime_r and mktime (tzset reads TZ)",
	1, localtime_setup, localtime_reader, churn_writer,
};

const struct stress_mode stress_mode_getaddrinfo = {
	"getaddrinfo", "readers resolve loopback names (resolver reads its settings)",
	1, getaddrinfo_setup, getaddrinfo_reader, churn_writer,
};
