/*
 * snapshot.c - R10: envsafe_snapshot_* from <envsafe.h>.
 *
 *  - consistency: a writer thread sets G0..G7 to round k in order, while
 *    also adding and removing other names (which moves entries around in
 *    environ).  Between any two writer calls the group reads
 *    k,..,k,k-1,..,k-1, so every snapshot must show the group
 *    non-increasing with a spread of at most one, each name exactly once;
 *  - immutability after setenv/unsetenv/putenv and after editing a
 *    putenv'd buffer;
 *  - the envp works as execve's and posix_spawn's environment;
 *  - count, get, release(NULL), an empty environment.
 * Linked with -lenvsafe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <envsafe.h>

#include "semantics/harness.h"

extern char **environ;

#define GROUP 8
static atomic_int stop;

static void *group_writer(void *arg)
{
	char name[32], value[32];
	(void)arg;

	/* Relaxed: only the flag itself is communicated; join orders the rest. */
	for (unsigned long k = 1; !atomic_load_explicit(&stop, memory_order_relaxed); k++) {
		snprintf(value, sizeof value, "%lu", k);
		for (int g = 0; g < GROUP; g++) {
			snprintf(name, sizeof name, "ES_SNAP_G%d", g);
			if (setenv(name, value, 1) != 0)
				abort();
			snprintf(name, sizeof name, "ES_SNAP_X%lu", (k * GROUP + g) % 97);
			if (k % 2)
				setenv(name, value, 1);
			else
				unsetenv(name);
		}
	}
	return NULL;
}

/* Returns NULL when SNAP satisfies the group invariant, else a reason. */
static const char *check_group(const envsafe_snapshot *snap)
{
	char *const *envp = envsafe_snapshot_envp(snap);
	unsigned long v[GROUP];
	int seen[GROUP] = { 0 };
	size_t n = 0;

	for (; envp[n]; n++) {
		int g;
		if (sscanf(envp[n], "ES_SNAP_G%d=", &g) == 1 && g >= 0 && g < GROUP) {
			seen[g]++;
			v[g] = strtoul(strchr(envp[n], '=') + 1, NULL, 10);
		}
	}
	if (n != envsafe_snapshot_count(snap))
		return "count differs from the envp length";
	for (int g = 0; g < GROUP; g++)
		if (seen[g] != 1)
			return "a group name is missing or duplicated";
	for (int g = 1; g < GROUP; g++)
		if (v[g] > v[g - 1])
			return "group values increase along the write order";
	if (v[0] - v[GROUP - 1] > 1)
		return "group values span more than one round";
	return NULL;
}

static void consistency(void)
{
	pthread_t writer;
	struct timespec t0, now;
	unsigned long taken = 0, bad = 0;
	const char *why = NULL;
	char name[32];

	for (int g = 0; g < GROUP; g++) {
		snprintf(name, sizeof name, "ES_SNAP_G%d", g);
		setenv(name, "0", 1);
	}
	if (pthread_create(&writer, NULL, group_writer, NULL) != 0)
		tap_bail("pthread_create failed");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		envsafe_snapshot *snap = envsafe_snapshot_take();
		if (!snap)
			tap_bail("envsafe_snapshot_take: %s", strerror(errno));
		const char *reason = check_group(snap);
		if (reason) {
			why = reason;
			bad++;
		}
		taken++;
		envsafe_snapshot_release(snap);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - t0.tv_sec) * 1000000000L + (now.tv_nsec - t0.tv_nsec) < 1000000000L);
	/* Relaxed: pthread_join orders everything the writer did. */
	atomic_store_explicit(&stop, 1, memory_order_relaxed);
	pthread_join(writer, NULL);
	tap_diag("%lu snapshots taken while the writer ran; last group value %s", taken, getenv("ES_SNAP_G0"));
	tap_ok(taken > 10 && strtoul(getenv("ES_SNAP_G0"), NULL, 10) > 1,
	       "linked: snapshots and writer both made progress (%lu snapshots)", taken);
	tap_ok(bad == 0, "linked: every snapshot is a consistent state of the group (%lu bad%s%s)", bad,
	       why ? ": " : "", why ? why : "");
}

static char pbuf[] = "ES_SNAP_PUT=original";

static void immutability(void)
{
	envsafe_snapshot *snap;
	char *const *envp;
	char **copy;
	size_t count, i, changed = 0;
	const char *v;

	setenv("ES_SNAP_KEEP", "kept", 1);
	setenv("ES_SNAP_GOES", "going", 1);
	putenv(pbuf);
	snap = envsafe_snapshot_take();
	if (!snap)
		tap_bail("envsafe_snapshot_take: %s", strerror(errno));
	count = envsafe_snapshot_count(snap);
	envp = envsafe_snapshot_envp(snap);
	copy = calloc(count + 1, sizeof *copy);
	for (i = 0; i < count; i++)
		copy[i] = strdup(envp[i]);

	v = envsafe_snapshot_get(snap, "ES_SNAP_KEEP");
	tap_ok(v && strcmp(v, "kept") == 0, "linked: get finds a value");
	tap_ok(envsafe_snapshot_get(snap, "ES_SNAP_NONE") == NULL, "linked: get of an absent name is NULL");
	tap_ok(envsafe_snapshot_get(snap, "ES_SNAP_KEE") == NULL, "linked: get of a proper prefix of a name is NULL");
	tap_ok(envsafe_snapshot_get(snap, "") == NULL, "linked: get of the empty name is NULL");
	{
		size_t n = 0;
		for (char **e = environ; *e; e++)
			n++;
		tap_ok(count == n, "linked: count (%zu) equals the entries in environ when taken (%zu)", count, n);
	}

	setenv("ES_SNAP_KEEP", "changed", 1);
	unsetenv("ES_SNAP_GOES");
	setenv("ES_SNAP_LATER", "new", 1);
	memcpy(pbuf + 12, "EDITED!!", 8);
	clearenv();
	setenv("ES_SNAP_AFTER_CLEAR", "x", 1);

	v = envsafe_snapshot_get(snap, "ES_SNAP_KEEP");
	tap_ok(v && strcmp(v, "kept") == 0, "linked: a later overwrite does not change the snapshot");
	v = envsafe_snapshot_get(snap, "ES_SNAP_GOES");
	tap_ok(v && strcmp(v, "going") == 0, "linked: a later unsetenv does not change the snapshot");
	tap_ok(envsafe_snapshot_get(snap, "ES_SNAP_LATER") == NULL && envsafe_snapshot_get(snap, "ES_SNAP_AFTER_CLEAR") == NULL,
	       "linked: later additions do not appear in the snapshot");
	v = envsafe_snapshot_get(snap, "ES_SNAP_PUT");
	tap_ok(v && strcmp(v, "original") == 0, "linked: editing a putenv'd buffer does not change the snapshot (%s)",
	       v ? v : "NULL");
	tap_ok(envsafe_snapshot_count(snap) == count, "linked: the count is unchanged");
	for (i = 0; i < count; i++)
		changed += strcmp(envp[i], copy[i]) != 0;
	tap_ok(changed == 0 && envp[count] == NULL, "linked: every envp string is unchanged (%zu changed)", changed);
	for (i = 0; i < count; i++)
		free(copy[i]);
	free(copy);
	envsafe_snapshot_release(snap);
}

/* Saved at start: the tests clear the environment. */
static char build_dir[2048];

/* Runs print_env with ENVP, through execve (fork) or posix_spawn, and
 * compares its output lines with ENVP, in order. */
static int child_sees(char *const *envp, int use_spawn)
{
	char prog[4096], line[4096];
	char *argv[] = { "print_env", NULL };
	int fds[2], status, matched = 1;
	size_t i = 0;
	pid_t pid;
	FILE *out;

	snprintf(prog, sizeof prog, "%s/tests/core/api/print_env", build_dir);
	if (pipe(fds) != 0)
		tap_bail("pipe: %s", strerror(errno));
	if (use_spawn) {
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
		posix_spawn_file_actions_addclose(&fa, fds[0]);
		if (posix_spawn(&pid, prog, &fa, NULL, argv, envp) != 0)
			tap_bail("posix_spawn %s failed", prog);
		posix_spawn_file_actions_destroy(&fa);
	} else {
		pid = fork();
		if (pid < 0)
			tap_bail("fork: %s", strerror(errno));
		if (pid == 0) {
			dup2(fds[1], 1);
			close(fds[0]);
			execve(prog, argv, envp);
			_exit(127);
		}
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	while (fgets(line, sizeof line, out)) {
		line[strcspn(line, "\n")] = '\0';
		if (!envp[i] || strcmp(line, envp[i]) != 0)
			matched = 0;
		else
			i++;
	}
	fclose(out);
	waitpid(pid, &status, 0);
	return matched && !envp[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void exec_with_envp(void)
{
	envsafe_snapshot *snap;

	clearenv();
	setenv("ES_SNAP_CHILD_A", "alpha", 1);
	setenv("ES_SNAP_CHILD_B", "beta=with=equals", 1);
	setenv("ES_SNAP_CHILD_C", "", 1);
	snap = envsafe_snapshot_take();
	if (!snap)
		tap_bail("envsafe_snapshot_take: %s", strerror(errno));
	tap_ok(envsafe_snapshot_count(snap) == 3, "linked: snapshot of a three-variable environment has count 3 (%zu)",
	       envsafe_snapshot_count(snap));
	setenv("ES_SNAP_CHILD_A", "changed-after", 1);
	tap_ok(child_sees(envsafe_snapshot_envp(snap), 0), "linked: execve with the snapshot's envp gives the child exactly it");
	tap_ok(child_sees(envsafe_snapshot_envp(snap), 1), "linked: posix_spawn with the snapshot's envp gives the child exactly it");
	envsafe_snapshot_release(snap);

	clearenv();
	snap = envsafe_snapshot_take();
	tap_ok(snap && envsafe_snapshot_count(snap) == 0 && envsafe_snapshot_envp(snap)[0] == NULL,
	       "linked: a snapshot of an empty environment has count 0 and an empty envp");
	tap_ok(snap && child_sees(envsafe_snapshot_envp(snap), 1), "linked: posix_spawn with an empty snapshot envp works");
	envsafe_snapshot_release(snap);
	envsafe_snapshot_release(NULL);
	tap_ok(1, "linked: envsafe_snapshot_release(NULL) returns");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(build_dir, sizeof build_dir, "%s", es_build_dir());
	es_watchdog("snapshots", 60);
	consistency();
	immutability();
	exec_with_envp();
	return tap_done();
}
