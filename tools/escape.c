/* Text and JSON escaping of untrusted bytes; the rules are in escape.h. */
#define _GNU_SOURCE
#include "escape.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Table 3-7 of the Unicode standard (well-formed UTF-8 byte sequences):
 * the range of the second byte depends on the first, which is what rules
 * out overlong forms (E0, F0), surrogates (ED) and values past U+10FFFF
 * (F4); every later byte is 80-BF. */
size_t utf8_sequence_length(const unsigned char *s, size_t len)
{
	if (len == 0)
		return 0;
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t need;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0; /* 80-C1 cannot start a character, F5-FF never occur */
	}
	if (len < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return need;
}

static void hex_byte(FILE *out, unsigned char c)
{
	fprintf(out, "\\x%02x", c);
}

void escape_text_bytes(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		unsigned char c = *p;
		if (c == '\\') {
			fputs("\\\\", out);
			p++;
		} else if (c >= 0x20 && c < 0x7f) {
			fputc(c, out);
			p++;
		} else if (c < 0x80) {
			hex_byte(out, c);
			p++;
		} else {
			size_t n = utf8_sequence_length(p, (size_t)(end - p));
			if (n == 2 && c == 0xc2 && p[1] < 0xa0) {
				hex_byte(out, p[0]);
				hex_byte(out, p[1]);
				p += 2;
			} else if (n) {
				fwrite(p, 1, n, out);
				p += n;
			} else {
				hex_byte(out, c);
				p++;
			}
		}
	}
}

void escape_text(FILE *out, const char *s)
{
	escape_text_bytes(out, s, strlen(s));
}

char *escape_text_dup(const char *s)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);
	if (!out)
		return NULL;
	escape_text(out, s);
	if (fclose(out) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void escape_json_bytes(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	fputc('"', out);
	while (p < end) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			p++;
			continue;
		}
		if (c < 0x80) {
			const char *named = c == '\b' ? "\\b" : c == '\f' ? "\\f" : c == '\n' ? "\\n"
					  : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
			if (named)
				fputs(named, out);
			else if (c < 0x20 || c == 0x7f)
				fprintf(out, "\\u%04x", c);
			else
				fputc(c, out);
			p++;
			continue;
		}
		size_t n = utf8_sequence_length(p, (size_t)(end - p));
		if (n == 0) {
			fputs("\\ufffd", out);
			p++;
		} else if (n == 2 && c == 0xc2 && p[1] < 0xa0) {
			fprintf(out, "\\u%04x", p[1]); /* C1 control: U+0080-U+009F */
			p += 2;
		} else if (n == 3 && c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			fputs(p[2] == 0xa8 ? "\\u2028" : "\\u2029", out); /* line/paragraph separator */
			p += 3;
		} else {
			fwrite(p, 1, n, out);
			p += n;
		}
	}
	fputc('"', out);
}

void escape_json(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	escape_json_bytes(out, s, strlen(s));
}

void escape_json_bool(FILE *out, int value)
{
	fputs(value ? "true" : "false", out);
}

void escape_text_line(FILE *out, const char *format, ...)
{
	char *line = NULL;
	va_list ap;
	va_start(ap, format);
	int n = vasprintf(&line, format, ap);
	va_end(ap);
	if (n >= 0)
		escape_text_bytes(out, line, (size_t)n);
	else
		fputs("(out of memory)", out);
	fputc('\n', out);
	free(line);
}
