/*
 * inherited.c - getenv before the first write (src/inherited.c): the
 * index readers build of the environment the process inherited must
 * never change an answer.
 *
 * Re-executes itself with IH_COUNT inherited variables (enough for the
 * index to be built), then runs each case in fresh children, forked
 * before this process made any lookup, so that each child starts with no
 * index and its first lookups build one:
 *   - sequential lookups before and after the build, names containing
 *     '=', and a program that assigns environ, stores into environ[i] or
 *     empties environ[0] between lookups;
 *   - a signal handler looking names up while it interrupts the first
 *     lookups (and so, in some children, the build);
 *   - two threads racing the first lookups;
 *   - fork while another thread makes the first lookups (the child
 *     inherits a build in progress whose thread it does not have).
 * No write is made in any child: everything runs before the first write.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/wait.h>

#include "semantics/harness.h"

extern char **environ;

#define IH_COUNT 200
#define FIRST_LOOKUPS 300 /* the build comes after a few of these */
#define CHILDREN 60

static char names[IH_COUNT][16], values[IH_COUNT][24];

/* Does getenv agree with the inherited environment for name I (and a
 * miss)?  Async-signal-safe. */
static int right(unsigned i)
{
	unsigned k = i % IH_COUNT;
	const char *v = getenv(names[k]);
	char miss[16] = "IH_MISS_";
	miss[8] = (char)('a' + i % 26);
	return v && strcmp(v, values[k]) == 0 && getenv(miss) == NULL && getenv("IH") == NULL;
}

/* Run FN in a child forked from this lookup-free process; its status. */
static int in_child(int (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(fn());
	int status;
	if (waitpid(pid, &status, 0) != pid)
		tap_bail("waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- sequential, and the program changing environ between lookups ---- */

static int slot_of(const char *name)
{
	size_t len = strlen(name);
	for (int i = 0; environ[i]; i++)
		if (strncmp(environ[i], name, len) == 0 && environ[i][len] == '=')
			return i;
	return -1;
}

static int is(const char *name, const char *want)
{
	const char *v = getenv(name);
	return want ? v && strcmp(v, want) == 0 : v == NULL;
}

/* Program changes, each undone before the next; 0 when all are seen. */
static int program_changes(void)
{
	int bad = 0;
	char **saved = environ;
	static char *own[] = { "IH_7=own", "IH_OWN=1", NULL };

	environ = own;
	bad |= !is("IH_7", "own") || !is("IH_OWN", "1") || !is("IH_8", NULL);
	environ = saved;
	bad |= !is("IH_7", values[7]) || !is("IH_OWN", NULL);

	int k = slot_of("IH_5");
	char *was = environ[k];
	environ[k] = "IH_5=stored";
	bad |= !is("IH_5", "stored");
	environ[k] = "IH_STORED=new";
	bad |= !is("IH_5", NULL) || !is("IH_STORED", "new");
	environ[k] = was;
	bad |= !is("IH_5", values[5]) || !is("IH_STORED", NULL);

	char *first = environ[0];
	environ[0] = NULL;
	bad |= !is("IH_9", NULL) || !is("IH_150", NULL);
	environ[0] = first;
	bad |= !is("IH_9", values[9]);

	/* glibc matches a name containing '=' textually. */
	bad |= !is("IH_EQ=a", "b") || !is("IH_EQ", "a=b") || !is("IH_EQ=", NULL) || !is("", NULL);
	return bad;
}

static int sequential(void)
{
	int bad = program_changes(); /* before any index */
	for (unsigned i = 0; i < 20 * FIRST_LOOKUPS; i++)
		bad |= !right(i * 7);
	bad |= program_changes(); /* through the index */
	for (unsigned i = 0; i < 20 * FIRST_LOOKUPS; i++)
		bad |= !right(i * 7);
	return bad;
}

/* ---- a signal handler interrupting the first lookups ---- */

static atomic_int handler_calls, handler_wrong, in_first_lookups, interrupted_first, stop_signals;
static pthread_t main_thread;

static void lookup_handler(int sig)
{
	(void)sig;
	int saved = errno;
	unsigned n = (unsigned)atomic_fetch_add(&handler_calls, 1);
	if (!right(n * 13) || !right(n * 13 + 1))
		atomic_fetch_add(&handler_wrong, 1);
	if (atomic_load(&in_first_lookups))
		atomic_fetch_add(&interrupted_first, 1);
	errno = saved;
}

static void *signal_sender(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_signals))
		pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

/* 0: right, interrupted; 3: right, never interrupted; 1: a wrong value. */
static int signalled(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = lookup_handler;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	main_thread = pthread_self();
	pthread_t sender;
	if (pthread_create(&sender, NULL, signal_sender, NULL) != 0)
		return 1;
	/* Wait for the signals to arrive before the first lookup. */
	while (atomic_load(&handler_calls) == 0)
		;
	int bad = 0;
	atomic_store(&in_first_lookups, 1);
	for (unsigned i = 0; i < FIRST_LOOKUPS; i++)
		bad |= !right(i);
	atomic_store(&in_first_lookups, 0);
	atomic_store(&stop_signals, 1);
	pthread_join(sender, NULL);
	if (bad || atomic_load(&handler_wrong))
		return 1;
	return atomic_load(&interrupted_first) ? 0 : 3;
}

/* ---- two threads racing the first lookups ---- */

static pthread_barrier_t start_line;

static void *first_lookups(void *arg)
{
	unsigned salt = (unsigned)(uintptr_t)arg, bad = 0;
	pthread_barrier_wait(&start_line);
	for (unsigned i = 0; i < FIRST_LOOKUPS; i++)
		bad |= !right(i * 3 + salt);
	return (void *)(uintptr_t)bad;
}

static int racing(void)
{
	pthread_t other;
	pthread_barrier_init(&start_line, NULL, 2);
	if (pthread_create(&other, NULL, first_lookups, (void *)1) != 0)
		return 1;
	void *mine = first_lookups((void *)0), *theirs;
	pthread_join(other, &theirs);
	return mine || theirs;
}

/* ---- fork while another thread makes the first lookups ---- */

static atomic_int lookups_done;

static void *counted_lookups(void *arg)
{
	unsigned bad = 0;
	(void)arg;
	for (unsigned i = 0; i < FIRST_LOOKUPS; i++) {
		bad |= !right(i * 5);
		atomic_fetch_add(&lookups_done, 1);
	}
	return (void *)(uintptr_t)bad;
}

static int grandchild(void)
{
	int bad = 0;
	for (unsigned i = 0; i < 3 * FIRST_LOOKUPS; i++)
		bad |= !right(i * 11);
	return bad;
}

static int forked_during_build(void)
{
	pthread_t t;
	int bad = 0, forks = 0;
	if (pthread_create(&t, NULL, counted_lookups, NULL) != 0)
		return 1;
	/* Fork while the other thread is inside its first lookups. */
	while (atomic_load(&lookups_done) < FIRST_LOOKUPS || forks < 3) {
		if (atomic_load(&lookups_done) == 0 && forks == 0)
			continue; /* the thread has not started its lookups yet */
		pid_t pid = fork();
		if (pid == 0)
			_exit(grandchild());
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			bad = 1;
		forks++;
	}
	void *theirs;
	pthread_join(t, &theirs);
	return bad || theirs;
}

/* The same program, with IH_COUNT more inherited variables. */
static void reexec_with_inherited(char **argv)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **envp = calloc(n + IH_COUNT + 2, sizeof *envp);
	if (!envp)
		tap_bail("out of memory");
	memcpy(envp, environ, n * sizeof *envp);
	for (unsigned i = 0; i < IH_COUNT; i++) {
		char *s = malloc(48);
		if (!s)
			tap_bail("out of memory");
		snprintf(s, 48, "IH_%u=value-%u", i, i);
		envp[n + i] = s;
	}
	envp[n + IH_COUNT] = "IH_EQ=a=b";
	char *args[] = { argv[0], "--inherited", NULL };
	execve("/proc/self/exe", args, envp);
	tap_bail("execve: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	int on_lib = es_require_preload(argv);
	if (argc < 2 || strcmp(argv[1], "--inherited") != 0)
		reexec_with_inherited(argv);
	es_watchdog("inherited", 600);
	/* No lookup here: children must start without an index. */
	for (unsigned i = 0; i < IH_COUNT; i++) {
		snprintf(names[i], sizeof names[i], "IH_%u", i);
		snprintf(values[i], sizeof values[i], "value-%u", i);
	}
	tap_ok(on_lib, "running on libenvsafe (ES_STOCK=1 runs the same checks on libc)");

	tap_ok(in_child(sequential) == 0,
	       "%d inherited variables: right before and after the index is built, with environ assigned, "
	       "stored into and emptied between lookups", IH_COUNT);

	/* Children until enough of them had a handler run inside their
	 * first lookups (an event, however slow the machine). */
	int wrong = 0, interrupted = 0, children = 0;
	for (; children < 50 * CHILDREN && (children < CHILDREN || interrupted < 10); children++) {
		int r = in_child(signalled);
		wrong += r != 0 && r != 3;
		interrupted += r == 0;
	}
	tap_ok(wrong == 0, "signal handlers interrupting the first lookups: %d of %d children saw a wrong value",
	       wrong, children);
	tap_ok(interrupted >= 10, "the handlers did run during the first lookups (in %d of %d children)",
	       interrupted, children);

	wrong = 0;
	for (int c = 0; c < CHILDREN; c++)
		wrong += in_child(racing) != 0;
	tap_ok(wrong == 0, "two threads racing the first lookups: %d of %d children saw a wrong value", wrong,
	       CHILDREN);

	wrong = 0;
	for (int c = 0; c < CHILDREN / 4; c++)
		wrong += in_child(forked_during_build) != 0;
	tap_ok(wrong == 0, "fork while another thread makes the first lookups: %d of %d children failed", wrong,
	       CHILDREN / 4);
	return tap_done();
}
