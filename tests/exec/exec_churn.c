/*
 * exec_churn - starting programs stays safe while other threads change
 * the environment (R8).
 *
 * Writer threads add and remove many variables (so a stock `environ` is
 * reallocated and freed) while four launcher threads start envp_check
 * through fork+execve(environ), posix_spawn(environ), system() and
 * popen().  Every started program must find a valid environment with an
 * untouched sentinel and exit 0.
 *
 * Run without arguments it is the TAP harness: it runs itself as
 * "--worker" preloaded with libenvsafe under a watchdog, and once on the
 * stock C library as evidence.
 */
#define _GNU_SOURCE
#include "tap.h"
#include "child.h"

#include <dlfcn.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>

extern char **environ;

#define WRITERS 2
#define NAMES 768

enum launcher { BY_EXECVE, BY_POSIX_SPAWN, BY_SYSTEM, BY_POPEN, LAUNCHERS };
static const char *const launcher_names[LAUNCHERS] = {
	"fork+execve", "posix_spawn", "system", "popen",
};

static char names[WRITERS][NAMES][24];
static const char *helper;
static char system_command[4200], popen_command[4200];
static int stop;
static unsigned long launched[LAUNCHERS], failed[LAUNCHERS];
static int first_status[LAUNCHERS];

static int stopping(void)
{
	/* Relaxed: the flag carries no data; threads are joined afterwards. */
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

static void *writer(void *arg)
{
	unsigned w = (unsigned)(uintptr_t)arg;
	while (!stopping()) {
		for (unsigned i = 0; i < NAMES && !stopping(); i++)
			setenv(names[w][i], "churned-value", 1);
		for (unsigned i = 0; i < NAMES && !stopping(); i++)
			unsetenv(names[w][i]);
	}
	return NULL;
}

/* Returns the wait status of one started envp_check (0 = it was happy). */
static int launch(enum launcher how)
{
	char *argv[] = { (char *)helper, NULL };
	int status = -1;
	pid_t pid;
	FILE *f;
	char line[64] = "";

	switch (how) {
	case BY_EXECVE:
		pid = fork();
		if (pid == 0) {
			execve(helper, argv, environ);
			_exit(126);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			return -1;
		return status;
	case BY_POSIX_SPAWN:
		if (posix_spawn(&pid, helper, NULL, NULL, argv, environ) != 0)
			return -1;
		if (waitpid(pid, &status, 0) != pid)
			return -1;
		return status;
	case BY_SYSTEM:
		return system(system_command);
	case BY_POPEN:
		f = popen(popen_command, "r");
		if (f == NULL)
			return -1;
		if (fgets(line, sizeof line, f) == NULL)
			line[0] = '\0';
		status = pclose(f);
		if (status == 0 && strncmp(line, "envp ok ", 8) != 0)
			return -2;
		return status;
	default:
		return -1;
	}
}

static void *launcher(void *arg)
{
	unsigned how = (unsigned)(uintptr_t)arg % LAUNCHERS;
	while (!stopping()) {
		int status = launch((enum launcher)how);
		launched[how]++;
		if (status != 0 && failed[how]++ == 0)
			first_status[how] = status;
	}
	return NULL;
}

static int worker(double seconds)
{
	pthread_t writers[WRITERS], launchers[LAUNCHERS];
	struct timespec run = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	unsigned long failures = 0;

	for (unsigned w = 0; w < WRITERS; w++)
		for (unsigned i = 0; i < NAMES; i++)
			snprintf(names[w][i], sizeof names[w][i], "ES_EXEC_%u_%u", w, i);
	snprintf(system_command, sizeof system_command, "exec '%s'", helper);
	snprintf(popen_command, sizeof popen_command, "exec '%s' --print", helper);
	setenv("ES_EXEC_SENTINEL", "exec-sentinel-untouched", 1);

	for (unsigned w = 0; w < WRITERS; w++)
		pthread_create(&writers[w], NULL, writer, (void *)(uintptr_t)w);
	for (unsigned l = 0; l < LAUNCHERS; l++)
		pthread_create(&launchers[l], NULL, launcher, (void *)(uintptr_t)l);
	while (nanosleep(&run, &run) != 0)
		;
	/* Relaxed: see stopping(). */
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (unsigned l = 0; l < LAUNCHERS; l++)
		pthread_join(launchers[l], NULL);
	for (unsigned w = 0; w < WRITERS; w++)
		pthread_join(writers[w], NULL);

	for (unsigned l = 0; l < LAUNCHERS; l++) {
		printf("%s launched=%lu failed=%lu first_status=%#x\n", launcher_names[l],
		       launched[l], failed[l], (unsigned)first_status[l]);
		failures += failed[l] + (launched[l] == 0);
	}
	return failures ? 1 : 0;
}

/* The worker's line for one launcher, e.g. "system launched=40 failed=0". */
static const char *report_line(const char *output, const char *name, char *buf, size_t len)
{
	size_t nl = strlen(name);
	for (const char *p = output; *p; ) {
		const char *end = strchr(p, '\n');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		if (l > nl && strncmp(p, name, nl) == 0 && p[nl] == ' ') {
			snprintf(buf, len, "%.*s", (int)l, p);
			return buf;
		}
		p += l + (end != NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	char self[4096], lib[4096], helper_path[4096], desc[128], line[256];
	const char *build = getenv("ES_BUILD_DIR");
	struct child_result r;
	ssize_t n;

	if (argc == 4 && strcmp(argv[1], "--worker") == 0) {
		helper = argv[3];
		if (getenv("ES_EXEC_EXPECT_ENVSAFE") && dlsym(RTLD_DEFAULT, "envsafe_version") == NULL) {
			printf("libenvsafe is not loaded\n");
			return 3;
		}
		return worker(atof(argv[2]));
	}
	if (build == NULL)
		tap_bail("ES_BUILD_DIR is not set");
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		tap_bail("cannot find my own executable");
	self[n] = '\0';
	snprintf(lib, sizeof lib, "%s/libenvsafe.so", build);
	snprintf(helper_path, sizeof helper_path, "%s/tests/exec/envp_check", build);
	if (access(lib, R_OK) != 0 || access(helper_path, X_OK) != 0)
		tap_bail("%s or %s is missing; run make", lib, helper_path);

	char *wargv[] = { self, "--worker", "1.5", helper_path, NULL };
	setenv("ES_EXEC_EXPECT_ENVSAFE", "1", 1);
	if (child_run(wargv, lib, 20, &r) != 0)
		tap_bail("cannot run the worker");
	tap_ok(child_exited_ok(&r), "preloaded: programs started under writer churn all see a valid environment: %s",
	       child_describe(&r, desc, sizeof desc));
	for (unsigned l = 0; l < LAUNCHERS; l++) {
		const char *rep = report_line(r.output, launcher_names[l], line, sizeof line);
		tap_ok(rep && strstr(rep, " failed=0 ") && !strstr(rep, " launched=0 "),
		       "preloaded: %s", rep ? rep : "no report");
	}

	/* The stock C library, as evidence: a few attempts, since on glibc
	 * 2.41+ a launch fails in about one run of three. */
	unsetenv("ES_EXEC_EXPECT_ENVSAFE");
	for (int attempt = 0; attempt < STOCK_ATTEMPTS; attempt++) {
		if (child_run(wargv, NULL, 20, &r) != 0)
			tap_bail("cannot run the worker");
		if (!child_exited_ok(&r))
			break;
	}
	if (child_exited_ok(&r)) {
		tap_todo("stock: a started program sees a broken environment",
			 "the stock C library survived " STOCK_ATTEMPTS_TEXT " runs");
	} else {
		tap_ok(1, "stock: a started program sees a broken environment, or the launcher crashes: %s",
		       child_describe(&r, desc, sizeof desc));
	}
	for (unsigned l = 0; l < LAUNCHERS; l++) {
		const char *rep = report_line(r.output, launcher_names[l], line, sizeof line);
		if (rep)
			tap_diag("stock %s", rep);
	}
	return tap_done();
}
