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
