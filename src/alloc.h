/*
 * alloc.h - every allocation the library makes goes through es_alloc, so
 * that allocation failure has one place to be injected in tests.
 */
#ifndef ENVSAFE_ALLOC_H
#define ENVSAFE_ALLOC_H

#include <stddef.h>

/* malloc(SIZE), or NULL with errno ENOMEM. */
void *es_alloc(size_t size);

/* Frees memory that was never published to readers (a rolled-back
 * allocation, a writer-private table).  Published memory is never freed. */
void es_free(void *ptr);

#ifdef ENVSAFE_FAULT_INJECTION
/*
 * Test builds only (compiled with -DENVSAFE_FAULT_INJECTION, never in the
 * shipped library).  es_alloc_calls counts every es_alloc call.  When
 * es_fail_at is N > 0, the call that makes es_alloc_calls equal N fails
 * with ENOMEM.  Both are reset by the test, not by the library.
 */
extern long es_alloc_calls;
extern long es_fail_at;
#endif

#endif
