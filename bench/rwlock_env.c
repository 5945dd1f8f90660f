/*
 * rwlock_env.c - the "just add a lock" baseline, preloaded with
 * LD_PRELOAD: every environment function takes one process-wide
 * pthread_rwlock (shared for readers, exclusive for writers) and forwards
 * to the C library's own.  This is what Rust's std, NetBSD's libc and the
 * usual preload wrappers do.
 *
 * It only protects callers that come through these symbols: the C
 * library's internal readers (strerror, localtime, getaddrinfo) and code
 * that walks environ bypass the lock, so it is a performance baseline,
 * not a fix.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* Lets envbench tell that this wrapper is the one answering. */
EXPORT int rwlockenv_active = 1;

static pthread_rwlock_t env_lock = PTHREAD_RWLOCK_INITIALIZER;

/* The C library's definition of NAME, looked up once.  Relaxed is
 * enough: the pointer names code mapped before main, and racing threads
 * store the same value. */
static void *next(void **cache, const char *name)
{
	void *fn = __atomic_load_n(cache, __ATOMIC_RELAXED);
	if (!fn) {
		fn = dlsym(RTLD_NEXT, name);
		if (!fn) {
			static const char msg[] = "librwlockenv: missing C library symbol\n";
			(void)!write(2, msg, sizeof msg - 1);
			abort();
		}
		/* Relaxed: see above. */
		__atomic_store_n(cache, fn, __ATOMIC_RELAXED);
	}
	return fn;
}

/* real_NAME: the C library's NAME, with NAME's own type. */
#define NEXT(name)                                                                                                     \
	static void *cache_##name;                                                                                     \
	__typeof__(&name) real_##name = (__typeof__(&name))next(&cache_##name, #name)

EXPORT char *getenv(const char *name)
{
	NEXT(getenv);
	pthread_rwlock_rdlock(&env_lock);
	char *v = real_getenv(name);
	pthread_rwlock_unlock(&env_lock);
	return v;
}

EXPORT char *secure_getenv(const char *name)
{
	NEXT(secure_getenv);
	pthread_rwlock_rdlock(&env_lock);
	char *v = real_secure_getenv(name);
	pthread_rwlock_unlock(&env_lock);
	return v;
}

/* Writers keep the errno the C library set across the unlock. */
EXPORT int setenv(const char *name, const char *value, int overwrite)
{
	NEXT(setenv);
	pthread_rwlock_wrlock(&env_lock);
	int rc = real_setenv(name, value, overwrite), saved = errno;
	pthread_rwlock_unlock(&env_lock);
	errno = saved;
	return rc;
}

EXPORT int unsetenv(const char *name)
{
	NEXT(unsetenv);
	pthread_rwlock_wrlock(&env_lock);
	int rc = real_unsetenv(name), saved = errno;
	pthread_rwlock_unlock(&env_lock);
	errno = saved;
	return rc;
}

EXPORT int putenv(char *string)
{
	NEXT(putenv);
	pthread_rwlock_wrlock(&env_lock);
	int rc = real_putenv(string), saved = errno;
	pthread_rwlock_unlock(&env_lock);
	errno = saved;
	return rc;
}

EXPORT int clearenv(void)
{
	NEXT(clearenv);
	pthread_rwlock_wrlock(&env_lock);
	int rc = real_clearenv(), saved = errno;
	pthread_rwlock_unlock(&env_lock);
	errno = saved;
	return rc;
}
