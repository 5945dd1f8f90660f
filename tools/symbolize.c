/*
 * symbolize.c - turn (module, offset) frames into function and source
 * line with elfutils' libdwfl, after the traced program has finished.
 *
 * Each module gets its own Dwfl session, reported offline from the file
 * on disk (separate debug files are found through build-id and
 * .gnu_debuglink, as eu-addr2line does).  Offsets are ELF virtual
 * addresses, so the module's bias is simply added.  If a file changed
 * since it was traced, its names are wrong: trace a build you keep.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_model.h"

struct module_cache {
	char *path;
	Dwfl *dwfl;          /* NULL if the file could not be read */
	Dwfl_Module *mod;
	Dwarf_Addr bias;
};

static struct module_cache *modules;
static size_t nmodules;

static char *debuginfo_path;
static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

static struct module_cache *module_for(const char *path)
{
	for (size_t i = 0; i < nmodules; i++)
		if (strcmp(modules[i].path, path) == 0)
			return &modules[i];
	struct module_cache *grown = realloc(modules, (nmodules + 1) * sizeof *grown);
	if (!grown)
		return NULL;
	modules = grown;
	struct module_cache *m = &modules[nmodules];
	memset(m, 0, sizeof *m);
	if (!(m->path = strdup(path)))
		return NULL;
	nmodules++;

	m->dwfl = dwfl_begin(&offline_callbacks);
	if (!m->dwfl)
		return m;
	dwfl_report_begin(m->dwfl);
	m->mod = dwfl_report_elf(m->dwfl, path, path, -1, 0, false);
	dwfl_report_end(m->dwfl, NULL, NULL);
	if (!m->mod || !dwfl_module_getelf(m->mod, &m->bias)) {
		dwfl_end(m->dwfl);
		m->dwfl = NULL;
		m->mod = NULL;
	}
	return m;
}

/*
 * Results by (module, pc): a long trace repeats the same few call sites,
 * and libdwfl's symbol lookup scans the whole symbol table each time.
 */
struct memo {
	size_t module;       /* index in modules + 1; 0 = empty slot */
	Dwarf_Addr pc;
	char *function, *mangled, *file;
	int line;
};
static struct memo *memos;
static size_t nmemos, cap_memos;

static size_t memo_hash(size_t module, Dwarf_Addr pc, size_t cap)
{
	uint64_t h = (pc ^ ((uint64_t)module << 48)) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 17) & (cap - 1);
}

static struct memo *memo_slot(struct memo *table, size_t cap, size_t module, Dwarf_Addr pc)
{
	size_t i = memo_hash(module, pc, cap);
	while (table[i].module && !(table[i].module == module && table[i].pc == pc))
		i = (i + 1) & (cap - 1);
	return &table[i];
}

/* The memo entry for (MODULE, PC), new and empty if absent; NULL when out
 * of memory (then nothing is memoised). */
static struct memo *memo_for(size_t module, Dwarf_Addr pc, int *fresh)
{
	if (2 * (nmemos + 1) > cap_memos) {
		size_t cap = cap_memos ? 2 * cap_memos : 256;
		struct memo *table = calloc(cap, sizeof *table);
		if (!table)
			return NULL;
		for (size_t i = 0; i < cap_memos; i++)
			if (memos[i].module)
				*memo_slot(table, cap, memos[i].module, memos[i].pc) = memos[i];
		free(memos);
		memos = table;
		cap_memos = cap;
	}
	struct memo *m = memo_slot(memos, cap_memos, module, pc);
	*fresh = !m->module;
	if (*fresh) {
		m->module = module;
		m->pc = pc;
		nmemos++;
	}
	return m;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/*
 * The source line of PC found by walking the compilation units' address
 * ranges.  libdwfl finds a unit through .debug_aranges, which clang does
 * not emit by default; without this, clang-built code would have no lines.
 */
static const char *source_by_cu_ranges(struct module_cache *m, Dwarf_Addr pc, int *lineno,
				       const char **comp_dir)
{
	Dwarf_Addr bias;
	Dwarf *dw = dwfl_module_getdwarf(m->mod, &bias);
	if (!dw)
		return NULL;
	Dwarf_Addr addr = pc - bias;
	Dwarf_Off off = 0, next;
	size_t header_size;
	while (dwarf_next_unit(dw, off, &next, &header_size, NULL, NULL, NULL, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		if (dwarf_offdie(dw, off + header_size, &cu)) {
			Dwarf_Addr base, start, end;
			ptrdiff_t it = 0;
			while ((it = dwarf_ranges(&cu, it, &base, &start, &end)) > 0) {
				if (addr < start || addr >= end)
					continue;
				Dwarf_Line *line = dwarf_getsrc_die(&cu, addr);
				if (!line)
					return NULL;
				Dwarf_Attribute attr;
				*comp_dir = dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &attr));
				dwarf_lineno(line, lineno);
				return dwarf_linesrc(line, NULL, NULL);
			}
		}
		off = next;
	}
	return NULL;
}

static void lookup(struct module_cache *m, Dwarf_Addr pc, struct memo *out)
{
	const char *sym = dwfl_module_addrname(m->mod, pc);
	if (sym) {
		out->mangled = strdup(sym);
		out->function = trace_demangle(sym);
		if (!out->function)
			out->function = strdup(sym);
	}
	int lineno = 0;
	const char *file = NULL, *dir = NULL;
	Dwfl_Line *line = dwfl_module_getsrc(m->mod, pc);
	if (line) {
		file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
		dir = dwfl_line_comp_dir(line);
	} else {
		file = source_by_cu_ranges(m, pc, &lineno, &dir);
	}
	if (file) {
		/* Relative names are relative to the compilation directory;
		 * joined, they can be opened from anywhere. */
		if (file[0] != '/' && dir && dir[0] == '/') {
			size_t len = strlen(dir) + 1 + strlen(file) + 1;
			if ((out->file = malloc(len)))
				snprintf(out->file, len, "%s/%s", dir, file);
		} else {
			out->file = strdup(file);
		}
		out->line = lineno;
	}
}

static void symbolize_frame(struct trace_frame *f, int is_return_address)
{
	if (!f->module || f->function || f->file)
		return;
	struct module_cache *m = module_for(f->module);
	if (!m || !m->mod)
		return;
	/* A return address is the instruction after the call, which may
	 * belong to the next line or even the next function. */
	Dwarf_Addr pc = f->offset + m->bias - (is_return_address && f->offset ? 1 : 0);
	int fresh = 0;
	struct memo *memo = memo_for((size_t)(m - modules) + 1, pc, &fresh);
	struct memo scratch = { 0 };
	if (!memo)
		memo = &scratch;
	if (fresh || memo == &scratch)
		lookup(m, pc, memo);
	f->function = dup_or_null(memo->function);
	f->mangled = dup_or_null(memo->mangled);
	f->file = dup_or_null(memo->file);
	f->line = memo->line;
	if (memo == &scratch) {
		free(scratch.function);
		free(scratch.mangled);
		free(scratch.file);
	}
}

/* libenvsafe's own entry points and internals, for a statically linked
 * library whose frames share the executable with the program's. */
static int is_library_function(const char *fn)
{
	static const char *const entry[] = { "setenv", "unsetenv", "putenv", "clearenv" };
	if (!fn)
		return 0;
	if (strncmp(fn, "es_", 3) == 0)
		return 1;
	for (size_t i = 0; i < sizeof entry / sizeof *entry; i++)
		if (strcmp(fn, entry[i]) == 0)
			return 1;
	return 0;
}

void trace_symbolize_event(struct trace_event *ev)
{
	for (int i = 0; i < ev->nframes; i++)
		/* Frame 0 is the capture point itself, not a return address. */
		symbolize_frame(&ev->frames[i], i > 0);
	if (ev->flags & TRACE_LIB_IN_EXE) {
		const char *lib_module = ev->nframes ? ev->frames[0].module : NULL;
		while (ev->skip < ev->nframes && lib_module && ev->frames[ev->skip].module &&
		       strcmp(ev->frames[ev->skip].module, lib_module) == 0 &&
		       is_library_function(ev->frames[ev->skip].mangled))
			ev->skip++;
	}
}

void trace_symbolize_end(void)
{
	for (size_t i = 0; i < cap_memos; i++) {
		free(memos[i].function);
		free(memos[i].mangled);
		free(memos[i].file);
	}
	free(memos);
	memos = NULL;
	nmemos = cap_memos = 0;
	for (size_t i = 0; i < nmodules; i++) {
		if (modules[i].dwfl)
			dwfl_end(modules[i].dwfl);
		free(modules[i].path);
	}
	free(modules);
	modules = NULL;
	nmodules = 0;
}
