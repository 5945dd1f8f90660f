/* observe_stack.c - raw stacks for the trace and strict observers. */
#define _GNU_SOURCE
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "observe_stack.h"

/* The running executable's path, read once per process image: dl_iterate_phdr
 * names the main program "" (and argv[0] may be relative). */
static char exe_path[4096];

static const char *main_program_path(void)
{
	/* Relaxed: a racing second readlink stores the same bytes. */
	if (!__atomic_load_n(&exe_path[0], __ATOMIC_RELAXED)) {
		char tmp[sizeof exe_path];
		ssize_t n = readlink("/proc/self/exe", tmp, sizeof tmp - 1);
		if (n <= 0)
			return NULL;
		tmp[n] = '\0';
		memcpy(exe_path, tmp, (size_t)n + 1);
	}
	return exe_path;
}

struct resolve_ctx {
	struct es_stack *st;
	const void *self;         /* an address inside libenvsafe */
	const char *self_module;
	int self_is_main;
	int visited;
};

static int resolve_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct resolve_ctx *ctx = arg;
	int is_main = ctx->visited++ == 0; /* glibc and musl list it first */
	const char *name = info->dlpi_name;
	(void)size;

	if (is_main || !name || !*name)
		name = is_main ? main_program_path() : NULL;
	for (int p = 0; p < info->dlpi_phnum; p++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[p];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		for (int i = 0; i < ctx->st->n; i++) {
			uintptr_t pc = (uintptr_t)ctx->st->pc[i];
			if (pc >= lo && pc < hi) {
				ctx->st->module[i] = name;
				ctx->st->offset[i] = pc - info->dlpi_addr;
			}
		}
		uintptr_t self = (uintptr_t)ctx->self;
		if (self >= lo && self < hi) {
			ctx->self_module = name ? name : "";
			ctx->self_is_main = is_main;
		}
	}
	return 0;
}

void es_stack_prepare(void)
{
#if ES_HAVE_BACKTRACE
	void *one[2];
	backtrace(one, 2);
#endif
	main_program_path();
}

__attribute__((noinline)) void es_stack_capture(struct es_stack *st)
{
	st->n = 0;
	st->skip = 0;
	st->lib_is_main = 0;
	st->cut = 0;
#if ES_HAVE_BACKTRACE
	st->n = backtrace(st->pc, ES_STACK_MAX + 1);
#endif
	st->cut = st->n > ES_STACK_MAX;
	if (st->cut)
		st->n = ES_STACK_MAX;
	for (int i = 0; i < st->n; i++) {
		st->module[i] = NULL;
		st->offset[i] = (uintptr_t)st->pc[i];
	}
	struct resolve_ctx ctx = { st, (const void *)es_stack_capture, NULL, 0, 0 };
	dl_iterate_phdr(resolve_module, &ctx);
	st->lib_is_main = ctx.self_is_main;
	if (ctx.self_module && !ctx.self_is_main) {
		/* Preloaded or linked as a shared object: our frames are the
		 * leading ones in our own module. */
		while (st->skip < st->n && st->module[st->skip] == ctx.self_module)
			st->skip++;
	} else if (st->n > 0) {
		st->skip = 1; /* only this function is known to be ours */
	}
}
