/* JSON strings from arbitrary bytes. */
#include "json_emit.h"

/* Length of the valid UTF-8 sequence at P (1..4), or 0 if it is not one.
 * Overlong forms, surrogates and code points past U+10FFFF are invalid. */
static int utf8_length(const unsigned char *p)
{
	unsigned c = p[0];
	int len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000;
	else
		return 0;
	unsigned cp = c & (0x7fu >> len);
	for (int k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void es_json_string(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int len = utf8_length(p);
		if (len == 0) {
			fputs("\\ufffd", out);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fputc('\\', out);
			fputc(*p++, out);
		} else if (*p < 0x20) {
			fprintf(out, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, (size_t)len, out);
			p += len;
		}
	}
	fputc('"', out);
}

void es_json_bool(FILE *out, int value)
{
	fputs(value ? "true" : "false", out);
}
