#include <errno.h>
#include <stdlib.h>

#include "alloc.h"

#ifdef ENVSAFE_FAULT_INJECTION
long es_alloc_calls;
long es_fail_at;
#endif

void *es_alloc(size_t size)
{
#ifdef ENVSAFE_FAULT_INJECTION
	if (++es_alloc_calls == es_fail_at) {
		errno = ENOMEM;
		return NULL;
	}
#endif
	void *p = malloc(size);
	if (!p)
		errno = ENOMEM;
	return p;
}

void es_free(void *ptr)
{
	free(ptr);
}
