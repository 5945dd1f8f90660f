/* Built without PIE: reading environ gives the executable its own copy
 * of the variable through a copy relocation, so environ shows up as a
 * *defined* dynamic symbol, which scan must still count as a use. */
#include <stdio.h>

extern char **environ;

int main(void)
{
	int n = 0;
	for (char **e = environ; *e; e++)
		n++;
	printf("%d\n", n);
	return 0;
}
