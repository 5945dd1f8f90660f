#include <stdlib.h>

#include "state.h"
#include "writer.h"

ES_EXPORT char *getenv(const char *name)
{
	return (char *)es_lookup(es_unknown(name));
}

/*
 * Adopt the initial environment at load time, so that getenv is O(1)
 * from the first call in main.  It lives here, beside getenv, so that a
 * static link, which only pulls in the objects it needs, still runs it.
 * Before it runs (other libraries' constructors, a malloc initialising
 * itself) getenv simply walks environ, and the first writer adopts it.
 */
__attribute__((constructor)) static void es_adopt_initial_environment(void)
{
	int replaced;

	es_options_load();
	es_lock();
	if (!es_w.adopted)
		es_sync(&replaced); /* on ENOMEM, the first writer retries */
	es_unlock();
}
