#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/auxv.h>

#include "lookup.h"

/* AT_SECURE is set by the kernel for setuid/setgid/capability execs. */
ES_EXPORT char *secure_getenv(const char *name)
{
	if (getauxval(AT_SECURE))
		return NULL;
	return (char *)es_lookup(es_unknown(name));
}
