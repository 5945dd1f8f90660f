#include <errno.h>
#include <stdlib.h>

#include "alloc.h"

#ifdef ENVSAFE_FAULT_INJECTION
long es_alloc_calls;
long es_fail_at;
#endif

void *es_alloc(size_t size)
{
#ifdef ENVSAFE_FAULT_INJECTION
	if (++es_alloc_calls == es_fail_at) {
		errno = ENOMEM;
		return NULL;
	}
#endif
	void *p = malloc(size);
	if (!p)
		errno = ENOMEM;
	return p;
}

void es_free(void *ptr)
{
	free(ptr);
}

/* ---- es_keep: blocks that are never freed ---- */

struct kept_block {
	struct kept_block *next; /* the block allocated before this one */
	char data[];
};

/* A malloc block just under 64 KiB, below glibc's mmap threshold. */
#define KEPT_BLOCK (64 * 1024 - 64)

static struct kept_block *kept_blocks; /* every block, newest first */
static char *kept_next, *kept_end;

void *es_keep(size_t size)
{
#ifdef ENVSAFE_FAULT_INJECTION
	/* Each object counts as an allocation, so that tests can fail every
	 * one of them, block or no block. */
	if (++es_alloc_calls == es_fail_at) {
		errno = ENOMEM;
		return NULL;
	}
#endif
	size = (size + 7) & ~(size_t)7;
	if ((size_t)(kept_end - kept_next) >= size) {
		char *p = kept_next;
		kept_next += size;
		return p;
	}
	/* An object too large for a quarter block gets a block of its own,
	 * leaving the current one to the small objects. */
	int own = size > KEPT_BLOCK / 4;
	struct kept_block *b = es_alloc(sizeof *b + (own ? size : KEPT_BLOCK));
	if (!b)
		return NULL;
	b->next = kept_blocks;
	kept_blocks = b;
	if (own)
		return b->data;
	kept_next = b->data + size;
	kept_end = b->data + KEPT_BLOCK;
	return b->data;
}
