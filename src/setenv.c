#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "writer.h"

static int set_locked(const char *name, size_t len, const char *value, int overwrite)
{
	long i = es_find(name, len);
	if (i >= 0 && !overwrite)
		return 0;
	/* Everything that can fail comes before the first visible change. */
	struct es_name *e = es_index_get(name, len);
	if (!e || (i < 0 && es_reserve_front() < 0))
		return -1;
	const char *s = es_intern(name, len, value, strlen(value));
	if (!s)
		return -1;
	if (i >= 0)
		es_replace((size_t)i, e, s, 1);
	else
		es_add(e, s, 1);
	return 0;
}

ES_EXPORT int setenv(const char *name, const char *value, int overwrite)
{
	if (!es_valid_name(es_unknown(name)))
		return -1;
	if (!es_unknown(value)) { /* glibc crashes here; POSIX leaves it undefined */
		errno = EINVAL;
		return -1;
	}
	size_t len = strlen(name);
	int r = es_writer_begin_synced(ES_OP_SETENV, name, len, value);
	if (r == 0)
		r = set_locked(name, len, value, overwrite);
	return es_writer_end(r);
}
