/* A program built with -fsanitize=address that writes its environment,
 * for the test of the ASan workaround on a machine where
 * /etc/ld.so.preload loads libenvsafe (tests/cli/preload_asan.t). */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	char name[32];
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "ASAN_ENV_%d", i);
		if (setenv(name, "value", 1) != 0)
			return 1;
	}
	if (unsetenv("ASAN_ENV_7") != 0 || putenv((char *)"ASAN_ENV_PUT=1") != 0)
		return 1;
	const char *v = getenv("ASAN_ENV_199");
	return v && getenv("ASAN_ENV_7") == NULL ? 0 : 1;
}
