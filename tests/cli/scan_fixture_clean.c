/* A library that only reads the environment: nothing for scan to flag. */
#include <stdlib.h>

const char *fixture_clean_home(void)
{
	return getenv("HOME");
}
