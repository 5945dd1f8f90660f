/*
 * alloc.h - every allocation the library makes goes through es_alloc, so
 * that allocation failure has one place to be injected in tests.
 */
#ifndef ENVSAFE_ALLOC_H
#define ENVSAFE_ALLOC_H

#include <stddef.h>

/* malloc(SIZE), or NULL with errno ENOMEM. */
void *es_alloc(size_t size);

/*
 * SIZE bytes, 8-byte aligned, kept for the life of the process (published
 * memory that is never freed: name entries, interned strings), or NULL
 * with errno ENOMEM.  Packed into large blocks, so a small object costs no
 * malloc header or rounding; every block stays reachable through a
 * pointer to its start, so leak checkers see no leak.  Writers only.
 */
void *es_keep(size_t size);

/* Frees memory that was never published to readers (a rolled-back
 * allocation, a writer-private table).  Published memory is never freed. */
void es_free(void *ptr);

#ifdef ENVSAFE_FAULT_INJECTION
/*
 * Test builds only (compiled with -DENVSAFE_FAULT_INJECTION, never in the
 * shipped library).  es_alloc_calls counts every es_alloc call.  When
 * es_fail_at is N > 0, the call that makes es_alloc_calls equal N fails
 * with ENOMEM.  es_keep counts (and can fail) once per object, as well as
 * through es_alloc when it needs a new block.  Both are reset by the test, not by the library.
 */
extern long es_alloc_calls;
extern long es_fail_at;
#endif

#endif
