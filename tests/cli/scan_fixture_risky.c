/* A library that changes the environment and walks it directly: the
 * kind of dependency `envsafe scan` must attribute to the library. */
#include <stdlib.h>
#include <unistd.h>

extern char **environ;

int fixture_risky_set(const char *value)
{
	return setenv("ENVSAFE_SCAN_FIXTURE", value, 1);
}

int fixture_risky_put(char *assignment)
{
	return putenv(assignment);
}

int fixture_risky_count(void)
{
	int n = 0;
	for (char **e = environ; *e; e++)
		n++;
	return n;
}
