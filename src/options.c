/* Placeholder until the observer (trace/strict) lands: no options. */
#include "observe.h"

int es_observe_enabled;

void es_options_load(void)
{
}
