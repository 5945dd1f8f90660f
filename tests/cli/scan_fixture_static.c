/* A statically linked program that sets a variable: LD_PRELOAD cannot
 * reach it, and scan must say so. */
#include <stdlib.h>

int main(int argc, char **argv)
{
	(void)argv;
	return setenv("ENVSAFE_SCAN_FIXTURE", argc > 1 ? "1" : "0", 1);
}
