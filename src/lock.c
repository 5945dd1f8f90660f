/*
 * lock.c - the writer lock.  Writers (setenv, unsetenv, putenv, clearenv,
 * snapshots) are serialised; readers never touch this lock.
 *
 * A three-state futex lock (0 free, 1 held, 2 held with waiters) rather
 * than pthread_mutex_t: it needs no initialisation, so it works in writers
 * that run before any constructor, and it lives in libc-free code.
 *
 * fork: the prepare handler takes the lock so that the child inherits
 * consistent writer state, and the child handler releases it.  If the
 * forking thread already holds it (fork from a signal handler that
 * interrupted a writer), the child cannot trust the writer state, so it
 * resets the lock and re-adopts environ on its next write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "state.h"

/* The futex operation numbers are part of the Linux ABI; musl's toolchain
 * ships no kernel headers, so they are spelled out here. */
#define ES_FUTEX_WAIT_PRIVATE (0 | 128)
#define ES_FUTEX_WAKE_PRIVATE (1 | 128)

static int lock_word;
static pthread_t lock_holder;       /* valid while lock_word != 0 */
static int fork_interrupted_writer; /* prepare found our own thread inside */
static int atfork_registered;

static void futex_wait(int *addr, int val)
{
	int saved = errno;
	syscall(SYS_futex, addr, ES_FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
	errno = saved;
}

static void futex_wake_one(int *addr)
{
	int saved = errno;
	syscall(SYS_futex, addr, ES_FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	errno = saved;
}

static void acquire(void)
{
	int c = 0;
	/* Acquire: the writer state read after this was written before the
	 * previous holder's release. */
	if (__atomic_compare_exchange_n(&lock_word, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		goto held;
	if (c != 2)
		c = __atomic_exchange_n(&lock_word, 2, __ATOMIC_ACQUIRE); /* as above */
	while (c != 0) {
		futex_wait(&lock_word, 2);
		c = __atomic_exchange_n(&lock_word, 2, __ATOMIC_ACQUIRE); /* as above */
	}
held:
	/* Relaxed: read only by the fork handler of this same thread (see
	 * before_fork), which needs no ordering with other data. */
	__atomic_store_n(&lock_holder, pthread_self(), __ATOMIC_RELAXED);
}

static void release(void)
{
	/* Relaxed: see acquire(); cleared so that a later fork in this thread
	 * does not take itself for the holder. */
	__atomic_store_n(&lock_holder, (pthread_t)0, __ATOMIC_RELAXED);
	/* Release: publishes this writer's state to the next holder. */
	if (__atomic_exchange_n(&lock_word, 0, __ATOMIC_RELEASE) == 2)
		futex_wake_one(&lock_word);
}

static void before_fork(void)
{
	/* Relaxed: only this thread stores its own id there, and clears it
	 * before releasing, so equality means this thread holds the lock. */
	if (__atomic_load_n(&lock_word, __ATOMIC_RELAXED) != 0 &&
	    pthread_equal(__atomic_load_n(&lock_holder, __ATOMIC_RELAXED), pthread_self())) {
		fork_interrupted_writer = 1;
		return;
	}
	acquire();
}

static void after_fork_parent(void)
{
	if (fork_interrupted_writer) {
		fork_interrupted_writer = 0;
		return;
	}
	release();
}

static void after_fork_child(void)
{
	/* Single-threaded now: plain resets are enough, but keep the lock word
	 * atomic for the benefit of checkers. */
	if (fork_interrupted_writer) {
		fork_interrupted_writer = 0;
		es_w.adopted = 0;
	}
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELAXED);
}

void es_lock(void)
{
	/* Registered lazily by the first writer (a program that never writes
	 * never pays for it) and outside the lock, because pthread_atfork
	 * takes libc's own fork lock.  Relaxed: the exchange alone makes the
	 * registration happen once. */
	if (!__atomic_load_n(&atfork_registered, __ATOMIC_RELAXED) &&
	    !__atomic_exchange_n(&atfork_registered, 1, __ATOMIC_RELAXED))
		pthread_atfork(before_fork, after_fork_parent, after_fork_child);
	acquire();
}

void es_unlock(void)
{
	release();
}
