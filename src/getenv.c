#include <stdlib.h>

#include "lookup.h"
#include "writer.h"

ES_EXPORT char *getenv(const char *name)
{
	return (char *)es_lookup(es_unknown(name));
}

/*
 * Read the ENVSAFE_* options at load time, so that strict mode and tracing
 * see the first write, and note where the kernel put the environment.  It
 * lives here, beside getenv, so that a static link, which only pulls in
 * the objects it needs, still runs it.
 *
 * The initial environment is not adopted here but by the first writer: a
 * process that never writes its environment (most of those `envsafe run`
 * starts) then allocates nothing and pays only for mapping the library.
 * Until then getenv walks environ, as libc's does.
 */
__attribute__((constructor)) static void es_load_options(void)
{
	if (es_another_copy_owns()) /* one copy per process does the work */
		return;
	es_note_initial_environment();
	es_options_load();
}
