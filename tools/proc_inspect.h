/* Inspection of one running process: is libenvsafe mapped, how many
 * threads, and does anything it has loaded write the environment.
 * Shared by `envsafe doctor --pid` and `envsafe ps`. */
#ifndef ENVSAFE_TOOLS_PROC_INSPECT_H
#define ENVSAFE_TOOLS_PROC_INSPECT_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

enum inspect_verdict {
	VERDICT_PROTECTED,   /* libenvsafe serves its environment functions */
	VERDICT_AT_RISK,     /* unprotected, several threads, something writes */
	VERDICT_NOT_AT_RISK, /* unprotected, but one thread or no writer */
	VERDICT_UNKNOWN,     /* could not be inspected: see error */
};

/* One loaded object that imports environment writers. */
struct inspect_writer {
	char *path;
	unsigned symbols; /* scan_symbol bits, writers only */
};

struct inspect_report {
	pid_t pid;
	char comm[64];
	char *exe;                  /* NULL for kernel threads or when hidden */
	int threads;
	int kernel_thread;
	int zombie;
	char *envsafe;              /* path of the mapped libenvsafe, or NULL */
	int envsafe_linked;         /* static executable containing libenvsafe */
	int is_static, setuid, setgid, perl;
	int static_unknown;         /* static, no environ or writer symbols at all */
	struct inspect_writer *writers;
	size_t writer_count;
	size_t objects;             /* mapped files looked at */
	size_t unreadable_objects;  /* mapped files that could not be read */
	enum inspect_verdict verdict;
	char reason[512];
	int error;                  /* errno behind VERDICT_UNKNOWN */
};

/* Scan results of files, keyed by (device, inode, mtime): a file that
 * many processes map is read once. */
struct inspect_cache;
struct inspect_cache *inspect_cache_new(void);
void inspect_cache_free(struct inspect_cache *cache);
/* How many files were read and how many lookups the cache answered. */
void inspect_cache_stats(const struct inspect_cache *cache, size_t *reads, size_t *hits);

/* Inspects process PID through /proc.  Fills OUT (free it with
 * inspect_report_free) and returns its verdict; VERDICT_UNKNOWN when the
 * process is gone (error ESRCH) or its maps cannot be read (EACCES, ...),
 * with the reason in OUT->reason.  Never exits; out of memory is reported
 * as VERDICT_UNKNOWN with ENOMEM. */
enum inspect_verdict inspect_process(pid_t pid, struct inspect_cache *cache,
				     struct inspect_report *out);
void inspect_report_free(struct inspect_report *report);

/* "protected", "at risk", "not at risk", "cannot inspect". */
const char *inspect_verdict_name(enum inspect_verdict verdict);

/* The report as the members of a JSON object (no braces), shared by
 * doctor --json and ps --json so the two always agree. */
void inspect_report_json_members(FILE *out, const struct inspect_report *r);

/* "setenv, putenv" for the writer bits in SYMBOLS, into BUF. */
const char *inspect_symbol_list(unsigned symbols, char *buf, size_t size);

/* Nonzero when the basename of PATH names libenvsafe.so (any version
 * suffix, any directory). */
int inspect_is_envsafe_name(const char *path);

#endif
