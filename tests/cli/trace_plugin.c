/* A plugin that configures itself through the environment, as many
 * libraries do: the call that the trace must attribute to this library. */
#include <stdlib.h>

__attribute__((noinline)) int plugin_configure(void)
{
	return setenv("SECRET_TOKEN", "hunter2", 1);
}
