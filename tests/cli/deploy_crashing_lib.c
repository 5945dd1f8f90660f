/* A library that claims to be libenvsafe (it defines envsafe_version)
 * but kills every process that loads it: `envsafe preload enable` must
 * refuse it because its canary process dies. */
#include <signal.h>

const char *envsafe_version(void);
const char *envsafe_version(void)
{
	return "0.0.0-crashing";
}

__attribute__((constructor)) static void crash_at_load(void)
{
	raise(SIGSEGV);
}
