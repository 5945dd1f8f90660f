/*
 * snapshot.c - an immutable copy of the environment as it is between two
 * writer operations.  Taken under the writer lock, so it never mixes
 * a half-applied change; readers are not involved.  One allocation holds
 * the header, the envp array and copies of every string (putenv'd
 * buffers included, so later edits do not reach the copy).
 */
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "envsafe.h"
#include "state.h"

struct envsafe_snapshot {
	size_t count;
	char **envp;
};

ES_EXPORT envsafe_snapshot *envsafe_snapshot_take(void)
{
	es_lock();
	/* Acquire: our writers are excluded by the lock, and a program that
	 * publishes its own array with a release store is seen complete. */
	char **env = es_load_acquire(&environ);
	size_t n = 0, bytes = 0;
	for (; env && env[n]; n++)
		bytes += strlen(env[n]) + 1;

	struct envsafe_snapshot *snap = es_alloc(sizeof *snap + (n + 1) * sizeof(char *) + bytes);
	if (snap) {
		char *text = (char *)((char **)(snap + 1) + n + 1);
		snap->count = n;
		snap->envp = (char **)(snap + 1);
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(env[i]) + 1;
			snap->envp[i] = memcpy(text, env[i], len);
			text += len;
		}
		snap->envp[n] = NULL;
	}
	es_unlock();
	return snap;
}

ES_EXPORT char *const *envsafe_snapshot_envp(const envsafe_snapshot *snap)
{
	return snap->envp;
}

ES_EXPORT size_t envsafe_snapshot_count(const envsafe_snapshot *snap)
{
	return snap->count;
}

ES_EXPORT const char *envsafe_snapshot_get(const envsafe_snapshot *snap, const char *name)
{
	if (!name || !*name)
		return NULL;
	size_t len = strlen(name);
	for (char **p = snap->envp; *p; p++)
		if (es_names(*p, name, len))
			return *p + len + 1;
	return NULL;
}

ES_EXPORT void envsafe_snapshot_release(envsafe_snapshot *snap)
{
	es_free(snap);
}
