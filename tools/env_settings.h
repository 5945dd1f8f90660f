/* Validation of the ENVSAFE_* settings the library reads at start-up.
 *
 * The library ignores an invalid setting without a word (it may run in a
 * daemon whose descriptor 2 is a socket), so `envsafe run` and
 * `envsafe doctor` are where a mistyped setting gets reported. */
#ifndef ENVSAFE_TOOLS_ENV_SETTINGS_H
#define ENVSAFE_TOOLS_ENV_SETTINGS_H

#include <sys/types.h>

/* Called once per setting the library would ignore: NAME is the full
 * variable name ("ENVSAFE_STRICT"), VALUE its value, WHY a short reason. */
typedef void es_setting_problem_fn(const char *name, const char *value, const char *why, void *ctx);

/* Checks the NULL-terminated "NAME=value" array ENVP by the rules of the
 * library's es_options_parse (src/options.c), as the process PID reads
 * it; PID 0 means a program this process is about to exec (so
 * ENVSAFE_TRACE_FD is checked among this process's own descriptors).
 * The last occurrence of a name wins, as in the library.  An ENVSAFE_*
 * name the library does not know is reported too: it is usually a typo.
 * Calls REPORT for each problem and returns how many there were. */
int es_settings_check(char *const *envp, pid_t pid, es_setting_problem_fn *report, void *ctx);

#endif
