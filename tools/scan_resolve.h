/* The DT_NEEDED closure of an ELF object, found the way the dynamic
 * linker finds it. */
#ifndef ENVSAFE_TOOLS_SCAN_RESOLVE_H
#define ENVSAFE_TOOLS_SCAN_RESOLVE_H

#include <stddef.h>

#include "scan_elf.h"

/* Bounds per closure (see enum scan_limit in scan_elf.h). */
#define SCAN_MAX_CLOSURE 4096        /* objects in one closure */
#define SCAN_MAX_SEARCH_ENTRIES 256  /* entries of one search path list */
#define SCAN_MAX_LOOKUPS 65536       /* candidate files checked for one closure */

struct scan_object {
	char *needed;                /* the DT_NEEDED string (root: its path) */
	char *path;                  /* where it was found; NULL if missing */
	int unsearched;              /* path is NULL because a bound was reached */
	char *real;                  /* PATH with symbolic links resolved */
	size_t needed_by;            /* index of the object that needs it (root: 0) */
	const struct scan_elf *elf;  /* NULL if missing or unreadable */
	char *error;                 /* why elf is NULL when path is not */
};

/* Objects in load (breadth-first) order; objects[0] is the root. */
struct scan_closure {
	struct scan_object *objects;
	size_t count;
	unsigned limits;             /* enum scan_limit bits reached */
};

/* Builds the closure of ROOT (read from ROOT_PATH): every object it
 * loads, in the order ld.so loads them, each with the scan_elf facts.
 * Only regular files are ever opened (scan_open_regular), and the work is
 * bounded by the SCAN_MAX_* limits above; when one is reached, the
 * closure is partial and out->limits says which.  Libraries read are
 * cached until scan_resolve_cleanup.  0, or -1 when out of memory. */
int scan_closure_build(const char *root_path, const struct scan_elf *root,
		       struct scan_closure *out);
void scan_closure_free(struct scan_closure *closure);

/* Frees every library read while building closures. */
void scan_resolve_cleanup(void);

#endif
