#include <errno.h>
#include <string.h>

#include "state.h"
#include "writer.h"

/* Writer-side only, under the lock. */
static int saved_errno;
static int environ_was_replaced;

int es_valid_name(const char *name)
{
	if (!name || !*name || strchr(name, '=')) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

void es_writer_begin(enum es_op op, const char *name, size_t len, const char *value)
{
	int caller_errno = errno;

	es_options_load();
	if (es_observing())
		es_observe(op, name, len, value);
	es_lock();
	saved_errno = caller_errno;
	environ_was_replaced = 0;
}

int es_writer_begin_synced(enum es_op op, const char *name, size_t len, const char *value)
{
	es_writer_begin(op, name, len, value);
	return es_sync(&environ_was_replaced);
}

int es_writer_end(int result)
{
	int replaced = environ_was_replaced;
	int err = result < 0 ? errno : saved_errno;

	/* A failed operation may leave a program's own store into environ[i]
	 * unadopted (the adoption is what failed), so only a success is held
	 * to every invariant. */
	if (result == 0)
		es_check_invariants();

	es_unlock();
	if (replaced && es_observing())
		es_observe(ES_OP_ENVIRON_REPLACED, NULL, 0, NULL);
	errno = err;
	return result;
}
