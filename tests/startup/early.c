/*
 * early.c - a constructor that uses the environment before libenvsafe's
 * own constructor has run.  Built into libearly.so (preloaded after
 * libenvsafe.so, so the loader initialises it first) and into
 * early_static (priority 101 runs ahead of the library's default
 * priority).  It records what it saw; early_main.c checks it in main.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <envsafe.h>

#include "startup/early.h"

struct es_early_report es_early_report;

__attribute__((constructor(101))) static void use_environment_early(void)
{
	struct es_early_report *r = &es_early_report;
	char buf[64];
	const char *v;

	r->ran = 1;
	r->inherited = getenv("ES_EARLY_IN");
	r->inherited_ok = r->inherited && strcmp(r->inherited, "inherited") == 0;
	r->getenv_r_ok = getenv_r("ES_EARLY_IN", buf, sizeof buf) == 0 && strcmp(buf, "inherited") == 0;
	errno = 0;
	r->getenv_r_missing_ok = getenv_r("ES_EARLY_NEVER_SET", buf, sizeof buf) == -1 && errno == ENOENT;
	r->setenv_ok = setenv("ES_EARLY_SET", "from-constructor", 1) == 0;
	v = getenv("ES_EARLY_SET");
	r->set_visible = v && strcmp(v, "from-constructor") == 0;
	r->overwrite_ok = setenv("ES_EARLY_OVER", "new", 1) == 0;
	r->unsetenv_ok = unsetenv("ES_EARLY_GONE") == 0 && getenv("ES_EARLY_GONE") == NULL;
}
