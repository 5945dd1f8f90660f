/*
 * scan_fuzz_escape.c - libFuzzer target for tools/escape.c.  Every input
 * is escaped both ways and checked with a decoder written here, by
 * arithmetic rather than escape.c's table:
 *   JSON: the output is one string literal of well-formed UTF-8 with no
 *         raw control (C0, DEL, C1, U+2028/9); decoding it gives the input
 *         with each byte outside a well-formed character replaced by
 *         U+FFFD;
 *   text: no raw C0, DEL or C1, well-formed UTF-8, and un-escaping it
 *         gives the input byte for byte.
 * A broken property aborts (a libFuzzer crash).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "scan_fuzz_check.h"

/* Decodes the character at S (LEN bytes) from first principles; returns
 * its length and sets *CP, or 0 if it is not well-formed. */
static size_t decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	static const uint32_t min_for_length[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned char c = s[0];
	size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	if (!n || n > len)
		return 0;
	uint32_t v = n == 1 ? c : c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min_for_length[n] || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	*cp = v;
	return n;
}

static int raw_forbidden(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

static int hex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static char *escaped(void (*escape)(FILE *, const char *, size_t), const uint8_t *data, size_t size,
		     size_t *out_len)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, out_len);
	CHECK(out);
	escape(out, (const char *)data, size);
	CHECK(fclose(out) == 0);
	return buf;
}

static void check_json(const uint8_t *data, size_t size)
{
	size_t len;
	char *buf = escaped(escape_json_bytes, data, size, &len);
	const unsigned char *p = (const unsigned char *)buf, *end = p + len;
	CHECK(len >= 2 && p[0] == '"' && end[-1] == '"');
	p++;
	end--;
	size_t in = 0; /* position in the input, advanced as the model says */
	while (p < end) {
		uint32_t got;
		if (*p == '\\') {
			CHECK(end - p >= 2);
			const char *simple = strchr("\"\\bfnrt", p[1]);
			if (simple && p[1]) {
				static const char values[] = "\"\\\b\f\n\r\t";
				got = (unsigned char)values[simple - "\"\\bfnrt"];
				p += 2;
			} else {
				CHECK(p[1] == 'u' && end - p >= 6);
				got = 0;
				for (int i = 2; i < 6; i++) {
					CHECK(hex(p[i]) >= 0);
					got = got << 4 | (uint32_t)hex(p[i]);
				}
				CHECK(got < 0xd800 || got > 0xdfff);
				p += 6;
			}
		} else {
			size_t n = decode(p, (size_t)(end - p), &got);
			CHECK(n);
			CHECK(!raw_forbidden(got) && got != '"');
			p += n;
		}
		/* The model: the input's next character, or U+FFFD per stray byte. */
		CHECK(in < size);
		uint32_t want;
		size_t n = decode(data + in, size - in, &want);
		if (!n) {
			want = 0xfffd;
			n = 1;
		}
		CHECK(got == want);
		in += n;
	}
	CHECK(in == size);
	free(buf);
}

static void check_text(const uint8_t *data, size_t size)
{
	size_t len;
	char *buf = escaped(escape_text_bytes, data, size, &len);
	const unsigned char *p = (const unsigned char *)buf, *end = p + len;
	size_t in = 0;
	while (p < end) {
		if (*p == '\\') {
			CHECK(end - p >= 2);
			if (p[1] == '\\') {
				CHECK(in < size && data[in] == '\\');
				in++;
				p += 2;
				continue;
			}
			CHECK(p[1] == 'x' && end - p >= 4 && hex(p[2]) >= 0 && hex(p[3]) >= 0);
			CHECK(in < size && data[in] == (uint8_t)(hex(p[2]) << 4 | hex(p[3])));
			in++;
			p += 4;
			continue;
		}
		uint32_t cp;
		size_t n = decode(p, (size_t)(end - p), &cp);
		CHECK(n && !(cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)));
		CHECK(in + n <= size && memcmp(data + in, p, n) == 0);
		in += n;
		p += n;
	}
	CHECK(in == size);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_json(data, size);
	check_text(data, size);
	/* The table and the arithmetic agree on every prefix. */
	for (size_t i = 0; i < size; i++) {
		uint32_t cp;
		CHECK(utf8_sequence_length(data + i, size - i) == decode(data + i, size - i, &cp));
	}
	return 0;
}
