/* Writing JSON values for doctor and ps. */
#ifndef ENVSAFE_TOOLS_JSON_EMIT_H
#define ENVSAFE_TOOLS_JSON_EMIT_H

#include <stdio.h>

/* Writes S as a JSON string to OUT; NULL is written as null.  Bytes that
 * are not valid UTF-8 (paths and command names are bytes) become U+FFFD,
 * so the document always parses. */
void es_json_string(FILE *out, const char *s);

/* Writes "true" or "false". */
void es_json_bool(FILE *out, int value);

#endif
