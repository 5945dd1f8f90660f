/*
 * writer.h - what every writer entry point does around its work: read
 * the options (once), report the mutation to observers, take the lock,
 * and bring the writer state in line with environ.
 */
#ifndef ENVSAFE_WRITER_H
#define ENVSAFE_WRITER_H

#include <stddef.h>

#include "observe.h"

/* NAME is a valid variable name for setenv/unsetenv: non-NULL, non-empty,
 * no '='.  Otherwise errno is EINVAL. */
int es_valid_name(const char *name);

/* Observe OP, then take the writer lock.  NAME/LEN/VALUE as for es_observe. */
void es_writer_begin(enum es_op op, const char *name, size_t len, const char *value);

/* es_writer_begin, then es_sync; returns 0, or -1 with errno ENOMEM (the
 * lock is held either way). */
int es_writer_begin_synced(enum es_op op, const char *name, size_t len, const char *value);

/* Release the lock; returns RESULT with errno as the operation left it on
 * failure and as the caller had it on success. */
int es_writer_end(int result);

#endif
