/*
 * A stand-in for envsafe-stress with the same interface, whose outcome is
 * chosen by its mode instead of by chance, so that the torture command's
 * crash/hang/miss classification can be tested deterministically.
 *
 * If STANDIN_PIDFILE is set, every process it creates appends its pid to
 * that file, so a test can check that nothing is left running.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --list prints "NAME<TAB>SUMMARY" lines; torture must take the name
 * alone as the mode and may show the summary. */
static const char *const modes[][2] = {
	{ "ok", "runs its time, exit 0" },
	{ "crash-stock", "SIGSEGV after 0.3 s unless libenvsafe is preloaded" },
	{ "stall-then-crash", "progress stops for 2 s, then SIGABRT" },
	{ "hang", "one progress line, then blocks forever (with a child)" },
	{ "hang-reporting", "keeps reporting the same counts forever" },
	{ "overrun", "keeps making progress long after its time" },
	{ "misses", "runs its time, then reports 3 misses, exit 1" },
	{ "flood", "floods its output forever without progress" },
};

static int progress_fd = -1;
static unsigned long long reads, writes;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void note_pid(void)
{
	const char *file = getenv("STANDIN_PIDFILE");
	if (!file)
		return;
	int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dprintf(fd, "%d\n", (int)getpid());
		close(fd);
	}
}

static void report(void)
{
	if (progress_fd >= 0)
		dprintf(progress_fd, "progress %llu %llu\n", reads, writes);
}

/* Makes "progress" for SECONDS, reporting every 100 ms. */
static void work(double seconds)
{
	double end = now() + seconds;
	while (now() < end) {
		reads += 1000;
		writes += 10;
		report();
		usleep(100000);
	}
}

static void usage(const char *why)
{
	fprintf(stderr, "stress-standin: %s\n", why);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode = NULL;
	double seconds = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0) {
			for (size_t m = 0; m < sizeof modes / sizeof *modes; m++)
				printf("%s\t%s\n", modes[m][0], modes[m][1]);
			return 0;
		} else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
			mode = argv[++i];
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			seconds = atof(argv[++i]);
		} else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
			i++;
		} else if (strcmp(argv[i], "--progress-fd") == 0 && i + 1 < argc) {
			progress_fd = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--quiet") == 0) {
			/* nothing to silence */
		} else {
			usage("bad arguments");
		}
	}
	if (!mode)
		usage("--mode is required");
	note_pid();
	const char *preload = getenv("LD_PRELOAD");
	int protected = preload && strstr(preload, "libenvsafe");

	if (strcmp(mode, "ok") == 0) {
		work(seconds);
	} else if (strcmp(mode, "crash-stock") == 0) {
		if (!protected) {
			work(0.3);
			fprintf(stderr, "crashing on purpose\n");
			raise(SIGSEGV);
		}
		work(seconds);
	} else if (strcmp(mode, "stall-then-crash") == 0) {
		work(0.2);
		sleep(2);
		abort();
	} else if (strcmp(mode, "hang") == 0) {
		work(0.2);
		if (fork() == 0)
			note_pid();
		for (;;)
			pause();
	} else if (strcmp(mode, "hang-reporting") == 0) {
		work(0.2);
		for (;;) {
			report();
			usleep(100000);
		}
	} else if (strcmp(mode, "overrun") == 0) {
		for (;;)
			work(1);
	} else if (strcmp(mode, "misses") == 0) {
		work(seconds);
		printf("mode=%s reads=%llu writes=%llu misses=3 seconds=%.2f\n", mode, reads, writes, seconds);
		return 1;
	} else if (strcmp(mode, "flood") == 0) {
		work(0.2);
		for (;;)
			puts("a line of output that never ends ...................................");
	} else {
		usage("unknown mode");
	}
	printf("mode=%s reads=%llu writes=%llu misses=0 seconds=%.2f\n", mode, reads, writes, seconds);
	return 0;
}
