#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "writer.h"

/*
 * putenv stores STRING itself: the caller may later edit it, and that
 * edit is the environment (POSIX).  Such a slot is never vouched for by
 * the index, so every lookup reads the buffer as it is now.
 */
ES_EXPORT int putenv(char *string)
{
	if (!es_unknown(string)) {
		errno = EINVAL;
		return -1;
	}
	const char *eq = strchr(string, '=');
	if (!eq) {
		/* "NAME" alone unsets NAME and, as in glibc, reports success. */
		unsetenv(string);
		return 0;
	}
	size_t len = (size_t)(eq - string);
	int r = es_writer_begin_synced(ES_OP_PUTENV, string, len, eq + 1);
	if (r == 0) {
		long i = es_find(string, len);
		struct es_name *e = es_index_get(string, len);
		if (!e || (i < 0 && es_reserve_front() < 0))
			r = -1;
		else if (i >= 0)
			es_replace((size_t)i, e, string, 0);
		else
			es_add(e, string, 0);
	}
	return es_writer_end(r);
}
