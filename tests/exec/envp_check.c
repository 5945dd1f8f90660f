/*
 * envp_check - the program the exec tests start.  It judges the
 * environment it was given: every entry a "NAME=value" string, and the
 * sentinel ES_EXEC_SENTINEL present with its exact value.
 *
 * Exit status: 0 valid, 3 a malformed entry, 4 the sentinel missing,
 * 5 the sentinel with another value.  With --print it also prints
 * "envp ok N" (N entries) for callers that read its output.
 */
#include <stdio.h>
#include <string.h>

static const char sentinel[] = "ES_EXEC_SENTINEL=";
static const char sentinel_value[] = "exec-sentinel-untouched";

int main(int argc, char **argv, char **envp)
{
	size_t count = 0;
	int seen = 0;
	for (char **ep = envp; *ep; ep++, count++) {
		const char *eq = strchr(*ep, '=');
		if (eq == NULL || eq == *ep)
			return 3;
		if (strncmp(*ep, sentinel, sizeof sentinel - 1) == 0) {
			if (strcmp(eq + 1, sentinel_value) != 0)
				return 5;
			seen = 1;
		}
	}
	if (!seen)
		return 4;
	if (argc > 1 && strcmp(argv[1], "--print") == 0)
		printf("envp ok %zu\n", count);
	return 0;
}
