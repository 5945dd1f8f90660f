/* print_env.c - prints its environment, one entry per line, in order;
 * the child that snapshot.c starts with a snapshot's envp. */
#include <stdio.h>

extern char **environ;

int main(void)
{
	for (char **e = environ; e && *e; e++)
		printf("%s\n", *e);
	return 0;
}
