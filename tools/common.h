/* Helpers shared by the envsafe subcommands (tools/common.c). */
#ifndef ENVSAFE_TOOLS_COMMON_H
#define ENVSAFE_TOOLS_COMMON_H

#include <stdarg.h>

/* The program name used in messages ("envsafe"). */
extern const char *es_progname;

/* Print "envsafe: <message>\n" to stderr (one line; the errno text is
 * appended by es_error_errno). */
void es_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void es_error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Directory holding the running envsafe executable, without a trailing
 * slash; "" if /proc is unavailable. */
const char *es_self_dir(void);

/* The LIBDIR this envsafe was configured with ($(LIBDIR) at build time). */
const char *es_configured_libdir(void);

/* Absolute path of libenvsafe.so to preload, found next to the envsafe
 * executable (build tree) or in ../lib (installed tree); NULL with a
 * message printed if it cannot be found. */
const char *es_find_library(void);

/* Absolute path of the envsafe-stress workload program (build tree or
 * $(LIBEXECDIR)); NULL with a message printed if it cannot be found. */
const char *es_find_stress(void);

/* Prepend LIBRARY to LD_PRELOAD in the current process's environment
 * (keeping any existing entries); 0 on success, -1 on error. */
int es_prepend_preload(const char *library);

/* execvp ARGV; on failure print one line and return 127 (not found) or
 * 126 (found but not executable), as env(1) does. */
int es_exec_command(char **argv);

/* The value of option NAME at ARGV[*I], given as "NAME=VALUE" or as
 * "NAME VALUE" (then *I advances past VALUE); "" when a separate VALUE
 * is missing, so the caller reports it.  NULL when ARGV[*I] is not NAME
 * ("--modes" is not "--mode"). */
const char *es_option_value(int argc, char **argv, int *i, const char *name);

/* Nonzero when this process runs with AT_SECURE (setuid, setgid, file
 * capabilities): then no ENVSAFE_* setting and no caller-chosen path is
 * trusted. */
int es_secure_mode(void);

#endif
