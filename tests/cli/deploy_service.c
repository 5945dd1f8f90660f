/* A stand-in service for the doctor and ps tests: it writes its
 * environment, starts THREADS - 1 extra threads (none with "single"),
 * prints "ready PID" on stdout and then waits until stdin reaches EOF, so
 * the test decides when it ends and never has to sleep.
 *
 *   deploy_service threads N   N threads in all (N >= 2)
 *   deploy_service single      one thread
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 1;
	if (argc == 3 && strcmp(argv[1], "threads") == 0)
		threads = atoi(argv[2]);
	else if (!(argc == 2 && strcmp(argv[1], "single") == 0)) {
		fprintf(stderr, "usage: deploy_service threads N | single\n");
		return 2;
	}
	/* The write that makes the service a writer of its environment. */
	if (setenv("DEPLOY_SERVICE_STATE", "started", 1) != 0)
		return 1;
	for (int i = 1; i < threads; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, idle_thread, NULL) != 0)
			return 1;
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	char buf[64];
	while (read(0, buf, sizeof buf) > 0)
		;
	return 0;
}
