#include <errno.h>
#include <string.h>

#include "envsafe.h"
#include "lookup.h"

ES_EXPORT int getenv_r(const char *name, char *buf, size_t len)
{
	if (!name || !*name || strchr(name, '=') || !buf) {
		errno = EINVAL;
		return -1;
	}
	const char *value = es_lookup(name);
	if (!value) {
		errno = ENOENT;
		return -1;
	}
	size_t need = strlen(value) + 1;
	if (need > len) {
		errno = ERANGE;
		return -1;
	}
	memcpy(buf, value, need);
	return 0;
}
