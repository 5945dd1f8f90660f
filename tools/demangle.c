/* demangle.c - C++ and Rust symbol names through libiberty's demangler,
 * the one binutils and gdb use (it knows Rust's legacy and v0 schemes). */
#include <demangle.h>
#include <string.h>

#include "trace_model.h"

char *trace_demangle(const char *sym)
{
	if (!sym || sym[0] != '_')
		return NULL;
	/* v0 names (_R...) are Rust only; legacy Rust names are Itanium C++
	 * names with a hash, which the automatic style recognises and strips. */
	if (sym[1] == 'R')
		return rust_demangle(sym, DMGL_PARAMS | DMGL_ANSI);
	return cplus_demangle(sym, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
}
