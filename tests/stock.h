/*
 * stock.h - make the calling process's next exec run on the stock C
 * library, for the C tests' control runs, even on a machine where
 * /etc/ld.so.preload loads envsafe into every process.  The same rules as
 * tests/stock-run, for a child between fork and exec.
 */
#ifndef ENVSAFE_TESTS_STOCK_H
#define ENVSAFE_TESTS_STOCK_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/*
 * es_stock_prepare - removes LD_PRELOAD and, when /etc/ld.so.preload names
 * a library, moves the caller into a private mount namespace where
 * /dev/null hides that file (root only; the machine's file is untouched).
 * Returns 0 when the next exec will be stock; -1 with the reason in WHY
 * otherwise.  Call it in a single-threaded child, before exec.
 */
__attribute__((unused))
static int es_stock_prepare(char *why, size_t why_size)
{
	char text[512];
	ssize_t n = 0;
	int fd = open("/etc/ld.so.preload", O_RDONLY | O_CLOEXEC);

	unsetenv("LD_PRELOAD");
	if (fd >= 0) {
		n = read(fd, text, sizeof text - 1);
		close(fd);
	}
	int named = 0;
	for (ssize_t i = 0; i < n; i++)
		named |= !strchr(" \t\n:", text[i]);
	if (!named)
		return 0;
	text[n] = '\0';
	text[strcspn(text, "\n")] = '\0';
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("/dev/null", "/etc/ld.so.preload", NULL, MS_BIND, NULL) != 0) {
		snprintf(why, why_size,
			 "cannot run a stock control: /etc/ld.so.preload preloads %.200s into every process, "
			 "and hiding it in a private mount namespace failed (%s; needs root)",
			 text, strerror(errno));
		return -1;
	}
	return 0;
}

#endif
