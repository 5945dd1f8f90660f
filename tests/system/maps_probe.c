/* Prints the path of every libenvsafe this process has mapped, once each
 * (tests/system/preload_multiarch.t runs one per architecture). */
#include <stdio.h>
#include <string.h>

int main(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[4096], last[4096] = "";
	if (!maps)
		return 1;
	while (fgets(line, sizeof line, maps)) {
		char *path = strchr(line, '/');
		if (!path || !strstr(path, "libenvsafe"))
			continue;
		path[strcspn(path, "\n")] = '\0';
		if (strcmp(path, last) != 0)
			printf("%s\n", path);
		snprintf(last, sizeof last, "%s", path);
	}
	fclose(maps);
	return 0;
}
