/* An executable that changes the environment only through its library,
 * so scan must name libscanrisky.so as the culprit. */
#include <stdio.h>

int fixture_risky_set(const char *value);
int fixture_risky_count(void);
const char *fixture_clean_home(void);

int main(void)
{
	const char *home = fixture_clean_home();
	printf("%d %s\n", fixture_risky_set("1") + fixture_risky_count(), home ? home : "");
	return 0;
}
