/*
 * escape.h - the one place where `envsafe scan` and `envsafe trace` turn
 * bytes they did not choose (file names, DT_NEEDED strings, variable
 * names and values, thread names, symbol names) into output.
 *
 * Text output (escape_text) is read by terminals and by line-oriented
 * tools, so nothing in it may act as a terminal control or start a line:
 *   - printable ASCII (0x20-0x7e) is written as is, except '\', which is
 *     written as "\\" so that an escape in the output is never ambiguous;
 *   - every C0 control (0x00-0x1f) and DEL (0x7f) is written as \xHH;
 *   - a well-formed UTF-8 character is written as is, except the C1
 *     controls U+0080-U+009F, whose two bytes are written as \xc2\xHH;
 *   - every byte that does not belong to a well-formed UTF-8 sequence
 *     (RFC 3629: no overlong forms, no surrogates, nothing above
 *     U+10FFFF, no lead byte 0xc0, 0xc1 or 0xf5-0xff, no cut-off
 *     sequence) is written as \xHH.
 * The bytes can therefore be recovered exactly from the text.
 *
 * JSON output (escape_json) is always strictly valid UTF-8 (RFC 8259):
 *   - '"' and '\' are escaped with a backslash; \b \f \n \r \t are used
 *     for those controls, \u00HH for every other C0 control;
 *   - DEL and the C1 controls are written as \u007f and \u0080-\u009f,
 *     and U+2028/U+2029 as \u2028/\u2029, so that a document that is
 *     printed or embedded in JavaScript carries no raw control;
 *   - any other well-formed UTF-8 character is written as is;
 *   - every byte that does not belong to a well-formed UTF-8 sequence (the
 *     same rule as above) becomes one U+FFFD REPLACEMENT CHARACTER,
 *     written as \ufffd.  Such a string no longer names the original
 *     bytes; the text output does.
 */
#ifndef ENVSAFE_TOOLS_ESCAPE_H
#define ENVSAFE_TOOLS_ESCAPE_H

#include <stdio.h>
#include <stddef.h>

/* Length (1-4) of the well-formed UTF-8 character at the start of the LEN
 * bytes at S, or 0 if they do not start with one (LEN 0 gives 0). */
size_t utf8_sequence_length(const unsigned char *s, size_t len);

/* S (LEN bytes, which may include NUL) as text, escaped as above. */
void escape_text_bytes(FILE *out, const char *s, size_t len);
/* The same for a NUL-terminated S. */
void escape_text(FILE *out, const char *s);
/* A malloc'd copy of S escaped as text, for messages built with printf;
 * NULL when out of memory. */
char *escape_text_dup(const char *s);

/* One line of text built like printf's FORMAT, written escaped as above,
 * then a newline: for lines that carry strings a process or a file chose
 * (command names, paths, reasons naming them).  FORMAT's own text is
 * printable ASCII without '\', which escaping leaves as it is. */
void escape_text_line(FILE *out, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* S (LEN bytes) as one JSON string, quotes included. */
void escape_json_bytes(FILE *out, const char *s, size_t len);
/* The same for a NUL-terminated S; a NULL S is written as null. */
void escape_json(FILE *out, const char *s);
/* VALUE as a JSON literal, true or false. */
void escape_json_bool(FILE *out, int value);

#endif
