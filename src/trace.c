/* Placeholder until the observer (trace/strict) lands. */
#include "observe.h"

void es_observe(enum es_op op, const char *name, size_t name_len, const char *value)
{
	(void)op; (void)name; (void)name_len; (void)value;
}
