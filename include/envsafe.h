/*
 * envsafe.h - a thread-safe process environment.
 *
 * Linking with -lenvsafe (or preloading libenvsafe.so) replaces the C
 * library's getenv, secure_getenv, setenv, unsetenv, putenv and clearenv.
 * Their signatures and results are the POSIX/glibc ones (declared in
 * <stdlib.h>); what changes is what concurrent callers may rely on:
 *
 *   - Readers never crash and never see freed memory, whatever writers do
 *     at the same time.  This includes the C library's own internal
 *     readers (strerror, localtime, getaddrinfo, ...) and any code that
 *     walks `environ`, because nothing ever published through `environ`
 *     is freed or overwritten with something that is not a valid
 *     "NAME=value" string.
 *   - A variable that nobody is changing is always found, by getenv and by
 *     a walk of `environ` from its first entry to the terminating NULL.
 *   - getenv takes no lock, allocates nothing and is async-signal-safe.
 *   - A pointer returned by getenv stays valid and unchanged for the life
 *     of the process (strings given to putenv remain the caller's).
 *
 * Memory ordering: every writer publishes with release stores; every
 * reader in this library loads with acquire.  Readers that are not ours
 * (libc's internal getenv, a plain loop over `environ`) rely on the
 * address dependency from the `environ` load to the entries it reaches,
 * which every supported architecture (x86_64, aarch64) orders.
 *
 * The functions below are extensions.  Each documents its contract and
 * its ordering guarantee right above its declaration.
 */
#ifndef ENVSAFE_H
#define ENVSAFE_H

#include <stddef.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ENVSAFE_VERSION_MAJOR 1
#define ENVSAFE_VERSION_MINOR 0
#define ENVSAFE_VERSION_PATCH 0

/*
 * envsafe_version - the library's version string, "MAJOR.MINOR.PATCH".
 *
 * Useful to check at run time that libenvsafe (and not libc) provides the
 * environment functions.  The string is static.
 */
const char *envsafe_version(void);

/*
 * getenv_r - copy the value of NAME into BUF (NetBSD interface).
 *
 * Returns 0 when NAME is set and its value, with its terminating NUL, fits
 * in LEN bytes.  Otherwise returns -1 and sets errno:
 *   EINVAL  NAME is NULL, empty or contains '=', or BUF is NULL;
 *   ENOENT  NAME is not set;
 *   ERANGE  the value needs more than LEN bytes (BUF is left unchanged).
 *
 * Lock-free and async-signal-safe, like getenv.  The copied value is one
 * that NAME held at some instant during the call.  Values stored by
 * setenv are immutable, so the copy is never torn; a string handed to
 * putenv can be changed by its owner at any time, and a copy racing with
 * such a change is the owner's responsibility.
 */
int getenv_r(const char *name, char *buf, size_t len);

/*
 * An immutable, consistent copy of the whole environment.
 *
 * The copy owns its strings: later setenv/unsetenv/putenv/clearenv calls,
 * and later edits of putenv'd buffers, do not change it.
 */
typedef struct envsafe_snapshot envsafe_snapshot;

/*
 * envsafe_snapshot_take - copy the environment as it is at one instant.
 *
 * The copy equals the environment between two writer operations: it never
 * mixes a half-applied change.  It serialises with writers (it waits for
 * an in-progress setenv to finish) but never with readers.  Returns NULL
 * with errno ENOMEM if memory runs out.  Not async-signal-safe.
 */
envsafe_snapshot *envsafe_snapshot_take(void);

/*
 * envsafe_snapshot_envp - the snapshot as a NULL-terminated "NAME=value"
 * array, in `environ` order, suitable as the envp of execve(2) or
 * posix_spawn(3).  Valid until envsafe_snapshot_release.
 */
char *const *envsafe_snapshot_envp(const envsafe_snapshot *snap);

/*
 * envsafe_snapshot_count - the number of entries in the snapshot, not
 * counting the terminating NULL.
 */
size_t envsafe_snapshot_count(const envsafe_snapshot *snap);

/*
 * envsafe_snapshot_get - the value of NAME in the snapshot, or NULL.
 *
 * The pointer is valid until envsafe_snapshot_release.  Lookup is linear
 * in the snapshot's size.
 */
const char *envsafe_snapshot_get(const envsafe_snapshot *snap, const char *name);

/*
 * envsafe_snapshot_release - free SNAP and everything it owns.  NULL is
 * accepted and ignored.
 */
void envsafe_snapshot_release(envsafe_snapshot *snap);

#ifdef __cplusplus
}
#endif

#endif /* ENVSAFE_H */
