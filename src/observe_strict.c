/*
 * observe_strict.c - ENVSAFE_STRICT: catch environment changes made while
 * other threads run.  libenvsafe makes them safe, but a program that
 * needs it is still racy on every other C library, so strict mode points
 * at the line to fix and names the threads that were alive.  Messages
 * never include values, and every name in them (variable, thread, symbol,
 * file) is escaped: none can move a terminal's cursor or forge a line.
 * No stdio and no allocation: this runs inside setenv.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "observe_event.h"
#include "observe_text.h"

#define NAME_SHOWN 128       /* longer variable names are cut in messages */
#define THREADS_SHOWN 400    /* bytes of the thread list, then "..." */

static void add_escaped(struct es_text *l, const char *s)
{
	es_text_escaped(l, s, strlen(s));
}

/* "symbol (module+0xOFFSET)", or what is known of it. */
static void add_call_site(struct es_text *l, void *pc)
{
	Dl_info info;
	if (!pc) {
		es_text_str(l, "an unknown caller");
		return;
	}
	/* A return address points after the call; look up the call itself. */
	if (!dladdr((char *)pc - 1, &info) || !info.dli_fname) {
		es_text_str(l, "0x");
		es_text_uint(l, (uintptr_t)pc, 16);
		return;
	}
	if (info.dli_sname) {
		add_escaped(l, info.dli_sname);
		es_text_str(l, " (");
	} else {
		es_text_str(l, "(");
	}
	add_escaped(l, *info.dli_fname ? info.dli_fname : "main program");
	es_text_str(l, "+0x");
	es_text_uint(l, (uintptr_t)pc - (uintptr_t)info.dli_fbase, 16);
	es_text_str(l, ")");
}

/* The name of thread TID (its /proc comm), at most 16 bytes, into NAME. */
static size_t thread_name(const char *tid, char name[17])
{
	char path[64] = "/proc/self/task/";
	struct es_text p = { path, strlen(path), sizeof path - 6, 0 };
	es_text_str(&p, tid);
	es_text_str(&p, "/comm");
	path[p.len] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, name, 16);
	close(fd);
	if (n <= 0)
		return 0;
	if (name[n - 1] == '\n')
		n--;
	return (size_t)n;
}

struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/*
 * " (NAME, NAME x3, ...)": the names of the threads alive, from
 * /proc/self/task, in the kernel's order with runs of one name counted
 * (a Go program's threads all carry the program's name).  Nothing if
 * /proc cannot be read.  getdents64 rather than opendir, which allocates.
 */
static void add_thread_names(struct es_text *l)
{
	char dents[2048], prev[17] = "", name[17];
	size_t prev_len = 0, start = l->len;
	unsigned long run = 0;
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	es_text_str(l, " (");
	long got;
	while ((got = syscall(SYS_getdents64, fd, dents, sizeof dents)) > 0) {
		for (long off = 0; off < got;) {
			struct dirent64_raw *d = (struct dirent64_raw *)(dents + off);
			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			size_t len = thread_name(d->d_name, name);
			if (run && len == prev_len && memcmp(name, prev, len) == 0) {
				run++;
				continue;
			}
			if (run > 1) {
				es_text_str(l, " x");
				es_text_uint(l, run, 10);
			}
			if (l->len - start > THREADS_SHOWN) {
				es_text_str(l, ", ...");
				run = 0;
				goto out;
			}
			if (run)
				es_text_str(l, ", ");
			es_text_escaped(l, name, len);
			memcpy(prev, name, len);
			prev_len = len;
			run = 1;
		}
	}
	if (run > 1) {
		es_text_str(l, " x");
		es_text_uint(l, run, 10);
	}
out:
	close(fd);
	es_text_str(l, ")");
}

static void write_line(struct es_text *l)
{
	/* One byte was kept back for the newline. */
	l->p[l->len++] = '\n';
	es_write_all(STDERR_FILENO, l->p, l->len);
}

void es_strict_report(const struct es_event *ev)
{
	const struct es_stack *st = ev->stack;
	int aborting = es_opt.strict == ES_STRICT_ABORT;
	char buf[1024];
	struct es_text l = { .p = buf, .cap = sizeof buf - 1 };

	es_text_str(&l, "envsafe: strict: ");
	es_text_str(&l, ev->op_name);
	if (ev->name) {
		es_text_str(&l, "(");
		es_text_escaped(&l, ev->name, ev->name_len > NAME_SHOWN ? NAME_SHOWN : ev->name_len);
		es_text_str(&l, ev->name_len > NAME_SHOWN ? "...)" : ")");
	}
	if (ev->threads < 0) {
		/* Possibly many: never let a CI gate pass on a count it could
		 * not read. */
		es_text_str(&l, " while an unknown number of threads may be alive "
				"(/proc/self/stat is unreadable)");
	} else {
		es_text_str(&l, " while ");
		es_text_uint(&l, (uintmax_t)ev->threads, 10);
		es_text_str(&l, " threads are alive");
	}
	add_thread_names(&l);
	es_text_str(&l, ", called from ");
	add_call_site(&l, st->skip < st->n ? st->pc[st->skip] : NULL);
	if (aborting)
		es_text_str(&l, "; aborting");
	write_line(&l);

	/* The stack, innermost first, one frame a line. */
	for (int i = st->skip; i < st->n; i++) {
		char frame[512];
		struct es_text f = { .p = frame, .cap = sizeof frame - 1 };
		es_text_str(&f, "    #");
		es_text_uint(&f, (uintmax_t)(i - st->skip), 10);
		es_text_str(&f, " ");
		add_call_site(&f, st->pc[i]);
		write_line(&f);
	}
	if (aborting)
		abort();
}
