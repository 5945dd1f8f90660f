/*
 * init.c - adopt the initial environment at load time, so that getenv is
 * O(1) from the first call in main.  Before this runs (other libraries'
 * constructors, a malloc initialising itself) getenv simply walks
 * environ, and the first writer adopts it instead.
 */
#include "state.h"
#include "writer.h"

__attribute__((constructor)) static void es_adopt_initial_environment(void)
{
	int replaced;

	es_options_load();
	es_lock();
	if (!es_w.adopted)
		es_sync(&replaced); /* on ENOMEM, the first writer retries */
	es_unlock();
}
