#include <stdlib.h>

#include "state.h"

ES_EXPORT char *getenv(const char *name)
{
	return (char *)es_lookup(es_unknown(name));
}
