#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "writer.h"

ES_EXPORT int unsetenv(const char *name)
{
	if (!es_valid_name(es_unknown(name)))
		return -1;
	size_t len = strlen(name);
	int r = es_writer_begin_synced(ES_OP_UNSETENV, name, len, NULL);
	if (r == 0) {
		/* Every occurrence goes, duplicates included. */
		for (long i; (i = es_find(name, len)) >= 0;)
			es_remove((size_t)i);
	}
	return es_writer_end(r);
}
