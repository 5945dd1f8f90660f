/*
 * observe_copies.c - one copy of libenvsafe per process, whatever the paths.
 *
 * When /etc/ld.so.preload names one install path and LD_PRELOAD another
 * (or a program linked with -lenvsafe is also run with a preload), the
 * loader maps two copies.  Each would run its constructor, read the
 * settings, and report or trace on its own.  The copy that owns the
 * environment is the one the dynamic linker binds setenv to: the first
 * in the global search order, which every other object calls.  Any other
 * copy stands down completely: its constructor does nothing, and its
 * observers stay off even if its functions are called through a handle.
 */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "observe.h"

/*
 * es_another_copy_owns - nonzero when the setenv the dynamic linker binds
 * is another copy of libenvsafe (an object that also defines
 * envsafe_version) rather than this one.  Libc's setenv (a static link
 * of libenvsafe.a, which the loader does not see) or no answer at all
 * leaves this copy in charge.  Takes the loader's lock; allocates
 * nothing when both symbols are found.  Decided once.
 */
int es_another_copy_owns(void)
{
	/* 0 = not decided, 1 = this copy owns, 2 = another copy owns.
	 * Relaxed: every thread that decides reaches the same answer from
	 * the loader's immutable global scope. */
	static int decided;
	int d = __atomic_load_n(&decided, __ATOMIC_RELAXED);
	if (d)
		return d == 2;

	Dl_info self, bound, version;
	void *bound_setenv = dlsym(RTLD_DEFAULT, "setenv");
	void *bound_version = dlsym(RTLD_DEFAULT, "envsafe_version");
	int other = bound_setenv && bound_version && dladdr((void *)es_another_copy_owns, &self) &&
		    dladdr(bound_setenv, &bound) && dladdr(bound_version, &version) &&
		    bound.dli_fbase == version.dli_fbase && bound.dli_fbase != self.dli_fbase;
	__atomic_store_n(&decided, other ? 2 : 1, __ATOMIC_RELAXED);
	return other;
}
