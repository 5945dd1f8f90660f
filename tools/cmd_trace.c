/* Placeholder until `envsafe trace` lands. */
#include "commands.h"
#include "common.h"

int cmd_trace(int argc, char **argv)
{
	(void)argc; (void)argv;
	es_error("trace: not available in this build");
	return 2;
}
