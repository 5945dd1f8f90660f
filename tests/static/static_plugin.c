/*
 * static_plugin: a program linked with libenvsafe.a that itself calls only
 * setenv, and a plugin it dlopens that churns putenv/unsetenv while the
 * program's threads call strerror (which reads the environment inside libc
 * under a non-C locale).  With the archive's six functions all linked in
 * and exported, the plugin's putenv/unsetenv bind to the library's and the
 * readers are safe; with libc's, they realloc the published array under
 * the readers.
 *
 * Usage: static_plugin PLUGIN.so SECONDS
 * Exit 0 when the churn ran to its end; a crash is the parent's to see.
 */
#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READERS 3

static atomic_int stop;
static atomic_long reads;

static void *reader(void *arg)
{
	(void)arg;
	/* Relaxed: the flag only ends the loop, the count only feeds a report. */
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (strerror(EACCES)[0] == '\0')
			abort();
		atomic_fetch_add_explicit(&reads, 1, memory_order_relaxed);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: static_plugin PLUGIN.so SECONDS\n");
		return 2;
	}
	/* strerror looks the message up through gettext, which reads
	 * LANGUAGE and friends, in any locale but "C". */
	if (!setlocale(LC_ALL, "C.UTF-8")) {
		fprintf(stderr, "static_plugin: no C.UTF-8 locale\n");
		return 2;
	}
	if (setenv("STATIC_PLUGIN_MAIN", "1", 1) != 0)
		return 2;
	void *plugin = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!plugin) {
		fprintf(stderr, "static_plugin: %s\n", dlerror());
		return 2;
	}
	long (*churn)(double) = (long (*)(double))dlsym(plugin, "plugin_churn");
	if (!churn) {
		fprintf(stderr, "static_plugin: %s\n", dlerror());
		return 2;
	}
	pthread_t threads[READERS];
	for (int i = 0; i < READERS; i++)
		if (pthread_create(&threads[i], NULL, reader, NULL) != 0)
			return 2;
	long writes = churn(atof(argv[2]));
	atomic_store_explicit(&stop, 1, memory_order_relaxed);
	for (int i = 0; i < READERS; i++)
		pthread_join(threads[i], NULL);
	printf("survived: %ld strerror calls, %ld writes\n", atomic_load(&reads), writes);
	return writes > 0 ? 0 : 1;
}
