/*
 * observe_text.h - a bounded text buffer for the observers (trace records,
 * strict-mode lines).  No stdio and no allocation: they run inside
 * setenv, possibly in a process whose malloc is not safe to re-enter.
 */
#ifndef ENVSAFE_OBSERVE_TEXT_H
#define ENVSAFE_OBSERVE_TEXT_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* Once full, further appends are dropped and `full` records the loss. */
struct es_text {
	char *p;
	size_t len, cap;
	int full;
};

static inline void es_text_put(struct es_text *t, const char *s, size_t n)
{
	if (n > t->cap - t->len) {
		n = t->cap - t->len;
		t->full = 1;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

static inline void es_text_str(struct es_text *t, const char *s)
{
	es_text_put(t, s, strlen(s));
}

/* V in BASE (10 or 16), without prefix. */
static inline void es_text_uint(struct es_text *t, uintmax_t v, unsigned base)
{
	char digits[32];
	int i = (int)sizeof digits;
	do {
		digits[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	es_text_put(t, digits + i, sizeof digits - (size_t)i);
}

/* Length of the valid UTF-8 sequence at S (N bytes left) that is not a
 * C1 control, or 0: overlong forms, surrogates, code points above
 * U+10FFFF, stray continuation bytes and cut sequences are all invalid. */
static inline size_t es_utf8_printable(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (c == 0xc2)
		lo = 0xa0; /* U+0080..U+009F are the C1 controls */
	else if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* S (N bytes) for a terminal or a log reader: printable ASCII and valid
 * UTF-8 as they are, every control byte (C0, DEL, C1) and every byte of
 * an invalid UTF-8 sequence as \xHH, so that no name can move the cursor
 * or forge a line. */
static inline void es_text_escaped(struct es_text *t, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t len = p[i] >= 0x20 && p[i] < 0x7f ? 1 : es_utf8_printable(p + i, n - i);
		if (len) {
			es_text_put(t, (const char *)p + i, len);
			i += len;
		} else {
			char esc[4] = { '\\', 'x', "0123456789abcdef"[p[i] >> 4],
					"0123456789abcdef"[p[i] & 15] };
			es_text_put(t, esc, 4);
			i++;
		}
	}
}

/* Write all LEN bytes of BUF to FD, retrying on EINTR and partial
 * writes; gives up silently on an error.  Preserves errno. */
static inline void es_write_all(int fd, const char *buf, size_t len)
{
	int saved = errno;
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf += n;
		len -= (size_t)n;
	}
	errno = saved;
}

#endif
