/*
 * options_parse - es_options_parse (src/observe_options.c), the one parser
 * of the ENVSAFE_* settings, tested directly: what each setting yields,
 * that AT_SECURE ignores all of them, and that every invalid value is
 * reported through the callback (and only there) and left at its default.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "observe_options.h"
#include "tap.h"

struct complaints {
	int n;
	char last[256];
};

static void collect(void *ctx, const char *setting, const char *value, const char *why)
{
	struct complaints *c = ctx;
	c->n++;
	snprintf(c->last, sizeof c->last, "%s=%s: %s", setting, value, why);
}

static struct es_options parse(struct complaints *c, int secure, char **envp)
{
	struct es_options opt;
	memset(c, 0, sizeof *c);
	memset(&opt, 0x5a, sizeof opt); /* every field must be written */
	es_options_parse(&opt, envp, 4242, secure, collect, c);
	return opt;
}

int main(void)
{
	struct complaints c;
	struct es_options o;
	int fds[2];
	char fd_setting[32], file_setting[32];

	if (pipe(fds) != 0)
		tap_bail("pipe: %m");
	snprintf(fd_setting, sizeof fd_setting, "ENVSAFE_TRACE_FD=%d", fds[1]);
	int null_fd = open("/dev/null", O_WRONLY);
	if (null_fd < 0)
		tap_bail("/dev/null: %m");
	snprintf(file_setting, sizeof file_setting, "ENVSAFE_TRACE_FD=%d", null_fd);

	o = parse(&c, 0, (char *[]){ "PATH=/bin", NULL });
	tap_ok(o.strict == ES_STRICT_OFF && o.strict_ignore_threads == 0 && o.trace_fd == -1 &&
	       !o.trace_values && !o.trace_pid && c.n == 0, "no setting: everything off, nothing reported");

	o = parse(&c, 0, (char *[]){ "ENVSAFE_STRICT=warn", NULL });
	tap_ok(o.strict == ES_STRICT_WARN && c.n == 0, "ENVSAFE_STRICT=warn");
	o = parse(&c, 0, (char *[]){ "ENVSAFE_STRICT=abort", NULL });
	tap_ok(o.strict == ES_STRICT_ABORT && c.n == 0, "ENVSAFE_STRICT=abort");
	o = parse(&c, 0, (char *[]){ "ENVSAFE_STRICT=off", NULL });
	tap_ok(o.strict == ES_STRICT_OFF && c.n == 0, "ENVSAFE_STRICT=off");
	o = parse(&c, 0, (char *[]){ "ENVSAFE_STRICT=", NULL });
	tap_ok(o.strict == ES_STRICT_OFF && c.n == 0, "ENVSAFE_STRICT= (empty) means off");
	o = parse(&c, 0, (char *[]){ "ENVSAFE_STRICT=bogus", NULL });
	tap_ok(o.strict == ES_STRICT_OFF && c.n == 1 &&
	       strcmp(c.last, "ENVSAFE_STRICT=bogus: expected warn, abort or off") == 0,
	       "ENVSAFE_STRICT=bogus: off, one complaint (%s)", c.last);
	o = parse(&c, 0, (char *[]){ "ENVSAFE_STRICTX=abort", "XENVSAFE_STRICT=abort", NULL });
	tap_ok(o.strict == ES_STRICT_OFF && c.n == 0, "names that merely start or end alike are not settings");

	o = parse(&c, 0, (char *[]){ fd_setting, "ENVSAFE_TRACE_VALUES=1", NULL });
	tap_ok(o.trace_fd == fds[1] && o.trace_values == 1 && c.n == 0, "a pipe descriptor and values");
	o = parse(&c, 0, (char *[]){ "ENVSAFE_TRACE_FD=0x5", NULL });
	tap_ok(o.trace_fd == -1 && c.n == 1 && strstr(c.last, "expected a file descriptor number"),
	       "a descriptor that is not a plain number is refused (%s)", c.last);
	o = parse(&c, 0, (char *[]){ "ENVSAFE_TRACE_FD=99999999999999999999", NULL });
	tap_ok(o.trace_fd == -1 && c.n == 1, "an overflowing descriptor number is refused");
	o = parse(&c, 0, (char *[]){ file_setting, NULL });
	tap_ok(o.trace_fd == -1 && c.n == 1 && strstr(c.last, "not a pipe"),
	       "a descriptor that is not a pipe is refused (%s)", c.last);

	struct stat st;
	char pipe_setting[96], wrong_pipe[96];
	if (fstat(fds[1], &st) != 0)
		tap_bail("fstat: %m");
	snprintf(pipe_setting, sizeof pipe_setting, "ENVSAFE_TRACE_PIPE=%llu:%llu",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	snprintf(wrong_pipe, sizeof wrong_pipe, "ENVSAFE_TRACE_PIPE=%llu:%llu",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino + 1);
	o = parse(&c, 0, (char *[]){ fd_setting, NULL });
	tap_ok(o.trace_fd == fds[1] && o.trace_dev == st.st_dev && o.trace_ino == st.st_ino,
	       "the pipe's identity is remembered for the checks before each write");
	o = parse(&c, 0, (char *[]){ fd_setting, pipe_setting, NULL });
	tap_ok(o.trace_fd == fds[1] && c.n == 0, "ENVSAFE_TRACE_PIPE naming that pipe");
	o = parse(&c, 0, (char *[]){ fd_setting, wrong_pipe, NULL });
	tap_ok(o.trace_fd == -1 && c.n == 1 && strstr(c.last, "not the trace pipe"),
	       "another pipe on the number is refused (%s)", c.last);
	o = parse(&c, 0, (char *[]){ fd_setting, "ENVSAFE_TRACE_PIPE=12", NULL });
	tap_ok(o.trace_fd == -1 && c.n == 1 && strstr(c.last, "DEVICE:INODE"),
	       "a malformed ENVSAFE_TRACE_PIPE is refused (%s)", c.last);

	o = parse(&c, 0, (char *[]){ "ENVSAFE_STRICT_IGNORE_THREADS=6", NULL });
	tap_ok(o.strict_ignore_threads == 6 && c.n == 0, "ENVSAFE_STRICT_IGNORE_THREADS=6");
	o = parse(&c, 0, (char *[]){ "ENVSAFE_STRICT_IGNORE_THREADS=100001", NULL });
	tap_ok(o.strict_ignore_threads == 0 && c.n == 1,
	       "ENVSAFE_STRICT_IGNORE_THREADS beyond 100000 is refused");
	o = parse(&c, 0, (char *[]){ "ENVSAFE_STRICT_IGNORE_THREADS=-1", NULL });
	tap_ok(o.strict_ignore_threads == 0 && c.n == 1, "a negative ENVSAFE_STRICT_IGNORE_THREADS is refused");

	o = parse(&c, 0, (char *[]){ fd_setting, "ENVSAFE_TRACE_PID=4242", NULL });
	tap_ok(o.trace_fd == fds[1] && o.trace_pid == 4242, "the traced pid itself traces");
	o = parse(&c, 0, (char *[]){ fd_setting, "ENVSAFE_TRACE_PID=1", NULL });
	tap_ok(o.trace_fd == -1 && c.n == 0, "another pid neither traces nor complains");
	o = parse(&c, 0, (char *[]){ "ENVSAFE_TRACE_PID=-3", NULL });
	tap_ok(o.trace_pid == 0 && c.n == 1 && strstr(c.last, "expected a process id"),
	       "a negative pid is refused");
	o = parse(&c, 0, (char *[]){ "ENVSAFE_TRACE_VALUES=yes", NULL });
	tap_ok(o.trace_values == 0 && c.n == 1 && strstr(c.last, "expected 0 or 1"),
	       "ENVSAFE_TRACE_VALUES=yes is refused");

	o = parse(&c, 1, (char *[]){ "ENVSAFE_STRICT=abort", fd_setting, "ENVSAFE_TRACE_VALUES=1",
				     "ENVSAFE_STRICT=bogus", NULL });
	tap_ok(o.strict == ES_STRICT_OFF && o.trace_fd == -1 && !o.trace_values && c.n == 0,
	       "AT_SECURE: every setting ignored, nothing reported");

	o = parse(&c, 0, NULL);
	tap_ok(o.strict == ES_STRICT_OFF && o.trace_fd == -1 && c.n == 0, "a NULL environment");
	struct es_options quiet;
	es_options_parse(&quiet, (char *[]){ "ENVSAFE_STRICT=bogus", NULL }, 1, 0, NULL, NULL);
	tap_ok(quiet.strict == ES_STRICT_OFF, "no callback: invalid settings ignored silently");
	return tap_done();
}
